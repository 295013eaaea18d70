//! The analyses: funnel, retention, paths, explore, lifecycle and
//! stickiness, and the segments they are scoped to or compare.

use super::{Duration, Holding, Ident, Range, Segment, SeqStep, Step, Str, Within};
use crate::span::Span;
use serde::Serialize;

/// `funnel step then [not] step ...`.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Funnel {
    /// The steps in order; the first is never negated.
    pub steps: Vec<SeqStep>,
    pub within: Option<Within>,
    /// `in strict order` / `in any order` (LANGUAGE.md §12); none is the
    /// default, sequential order. Left out of the serialized tree when
    /// absent, as are `holding` and `every`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<FunnelOrder>,
    /// `holding c, ...`: the §11 rule on the funnel's chains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holding: Option<Holding>,
    /// `every day|week|month`: funnel trends, actors grouped by the period
    /// of their entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<Period>,
    pub scope: Option<SegRef>,
    pub compare: Vec<SegRef>,
    pub by: Option<Ident>,
    pub range: Option<Range>,
}

impl std::fmt::Debug for Funnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Funnel");
        out.field("steps", &self.steps)
            .field("within", &self.within);
        if let Some(order) = &self.order {
            out.field("order", order);
        }
        if let Some(holding) = &self.holding {
            out.field("holding", holding);
        }
        if let Some(every) = &self.every {
            out.field("every", every);
        }
        out.field("scope", &self.scope)
            .field("compare", &self.compare)
            .field("by", &self.by)
            .field("range", &self.range)
            .finish()
    }
}

/// `in strict order` or `in any order`, where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunnelOrder {
    pub kind: OrderKind,
    pub span: Span,
}

/// How a funnel's steps must follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    /// The default: steps at strictly increasing times (§5).
    Sequential,
    /// Consecutive steps with no other event of the actor between them.
    Strict,
    /// One distinct event per step, in any order of time.
    Any,
}

impl OrderKind {
    /// The word after `in` (`strict`, `any`); empty for the default.
    pub fn keyword(self) -> &'static str {
        match self {
            OrderKind::Sequential => "",
            OrderKind::Strict => "strict",
            OrderKind::Any => "any",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retention {
    pub start: Step,
    pub returning: Step,
    pub every: Option<Period>,
    pub periods: Option<u64>,
    pub scope: Option<SegRef>,
    pub by: Option<Ident>,
    pub range: Option<Range>,
}

/// `lifecycle step [every PERIOD] [for seg] [range]`: per period, the
/// actors new, returning, resurrecting and dormant in a step (LANGUAGE.md
/// §12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleAnalysis {
    pub step: Step,
    pub every: Option<Period>,
    pub scope: Option<SegRef>,
    pub range: Option<Range>,
}

/// `stickiness step [every PERIOD] [for seg] [range]`: actors by the
/// number of distinct periods in which they took a step (LANGUAGE.md §12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stickiness {
    pub step: Step,
    pub every: Option<Period>,
    pub scope: Option<SegRef>,
    pub range: Option<Range>,
}

/// A calendar period: of retention, lifecycle, stickiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub fn keyword(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

/// `clean` (LANGUAGE.md §12) is left out of the printed and serialized
/// tree when absent, so that a paths of §5 reads as it always has.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub from: Option<Step>,
    pub to: Option<Step>,
    pub depth: Option<u64>,
    pub top: Option<u64>,
    /// `clean like P as "L", ...` (LANGUAGE.md §12), in order; left out of
    /// the serialized tree when absent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clean: Vec<CleanRule>,
    pub scope: Option<SegRef>,
    pub range: Option<Range>,
}

impl std::fmt::Debug for Paths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Paths");
        out.field("from", &self.from)
            .field("to", &self.to)
            .field("depth", &self.depth)
            .field("top", &self.top);
        if !self.clean.is_empty() {
            out.field("clean", &self.clean);
        }
        out.field("scope", &self.scope)
            .field("range", &self.range)
            .finish()
    }
}

/// `like P as "L"`: view names matching the LIKE pattern P show as L in a
/// path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanRule {
    pub pattern: Str,
    pub label: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explore {
    pub measures: Vec<Measure>,
    pub by: Vec<Ident>,
    pub every: Option<Duration>,
    pub scope: Option<SegRef>,
    pub top: Option<u64>,
    pub range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub kind: MeasureKind,
    pub span: Span,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MeasureKind {
    Events,
    Users,
    Sessions,
    Count(Step),
}

/// The segment an analysis is scoped to or compares: a name or an inline
/// segment in parentheses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegRef {
    pub kind: SegRefKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SegRefKind {
    Named(Ident),
    Inline(Box<Segment>),
}

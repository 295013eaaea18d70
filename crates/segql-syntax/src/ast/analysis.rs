//! The analyses: funnel, retention, paths, explore, lifecycle and
//! stickiness, and the segments they are scoped to or compare.

use super::{Duration, Ident, Range, Segment, SeqStep, Step, Within};
use crate::span::Span;
use serde::Serialize;

/// `funnel step then [not] step ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Funnel {
    /// The steps in order; the first is never negated.
    pub steps: Vec<SeqStep>,
    pub within: Option<Within>,
    pub scope: Option<SegRef>,
    pub compare: Vec<SegRef>,
    pub by: Option<Ident>,
    pub range: Option<Range>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub from: Option<Step>,
    pub to: Option<Step>,
    pub depth: Option<u64>,
    pub top: Option<u64>,
    pub scope: Option<SegRef>,
    pub range: Option<Range>,
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

//! Printing the analyses: funnel, retention, paths, explore, lifecycle and
//! stickiness, and the
//! parts only they have (periods, measures, segment references).

use super::segment::layout_steps;
use super::{Joined, Layout};
use crate::ast::*;
use std::fmt::{self, Display, Formatter};

pub(super) fn layout_funnel(funnel: &Funnel, out: &mut Layout) {
    out.word("funnel");
    layout_steps(&funnel.steps, out);
    out.clause_if(funnel.within.as_ref());
    if let Some(order) = &funnel.order {
        out.clause(format_args!("in {} order", order.kind.keyword()));
    }
    out.clause_if(funnel.holding.as_ref());
    out.keyword_clause("every", funnel.every);
    out.keyword_clause("for", funnel.scope.as_ref());
    if !funnel.compare.is_empty() {
        out.clause(format_args!("compare {}", Joined(&funnel.compare)));
    }
    out.keyword_clause("by", funnel.by.as_ref());
    out.clause_if(funnel.range.as_ref());
}

pub(super) fn layout_retention(retention: &Retention, out: &mut Layout) {
    out.word(format_args!(
        "retention {} returning {}",
        retention.start, retention.returning
    ));
    out.keyword_clause("every", retention.every);
    out.keyword_clause("periods", retention.periods);
    out.keyword_clause("for", retention.scope.as_ref());
    out.keyword_clause("by", retention.by.as_ref());
    out.clause_if(retention.range.as_ref());
}

pub(super) fn layout_paths(paths: &Paths, out: &mut Layout) {
    out.word("paths");
    if let Some(from) = &paths.from {
        out.word(format_args!("from {from}"));
    }
    if let Some(to) = &paths.to {
        out.word(format_args!("to {to}"));
    }
    out.keyword_clause("depth", paths.depth);
    out.keyword_clause("top", paths.top);
    // One piece per rule: a long list breaks a rule a line.
    for (i, rule) in paths.clean.iter().enumerate() {
        let comma = if i + 1 < paths.clean.len() { "," } else { "" };
        match i {
            0 => out.clause(format_args!("clean {rule}{comma}")),
            _ => out.clause(format_args!("{rule}{comma}")),
        }
    }
    out.keyword_clause("for", paths.scope.as_ref());
    out.clause_if(paths.range.as_ref());
}

pub(super) fn layout_explore(explore: &Explore, out: &mut Layout) {
    out.word(format_args!("explore {}", Joined(&explore.measures)));
    if !explore.by.is_empty() {
        out.clause(format_args!("by {}", Joined(&explore.by)));
    }
    out.keyword_clause("every", explore.every.as_ref());
    out.keyword_clause("for", explore.scope.as_ref());
    out.keyword_clause("top", explore.top);
    out.clause_if(explore.range.as_ref());
}

pub(super) fn layout_lifecycle(lifecycle: &LifecycleAnalysis, out: &mut Layout) {
    out.word(format_args!("lifecycle {}", lifecycle.step));
    out.keyword_clause("every", lifecycle.every);
    out.keyword_clause("for", lifecycle.scope.as_ref());
    out.clause_if(lifecycle.range.as_ref());
}

pub(super) fn layout_stickiness(stickiness: &Stickiness, out: &mut Layout) {
    out.word(format_args!("stickiness {}", stickiness.step));
    out.keyword_clause("every", stickiness.every);
    out.keyword_clause("for", stickiness.scope.as_ref());
    out.clause_if(stickiness.range.as_ref());
}

impl Display for Measure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            MeasureKind::Events => f.write_str("events"),
            MeasureKind::Users => f.write_str("users"),
            MeasureKind::Sessions => f.write_str("sessions"),
            MeasureKind::Count(step) => write!(f, "count({step})"),
        }
    }
}

impl Display for CleanRule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "like {} as {}", self.pattern, self.label)
    }
}

impl Display for SegRef {
    /// A name, or an inline segment in parentheses (always on one line).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SegRefKind::Named(name) => write!(f, "{name}"),
            SegRefKind::Inline(segment) => write!(f, "({segment})"),
        }
    }
}

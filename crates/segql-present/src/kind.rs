//! The kinds of analysis a result comes from, and what each kind's result
//! looks like (LANGUAGE.md §5). The terminal pictures ([`crate::present`])
//! and the SVG charts ([`crate::chart`]) each choose their drawing by one
//! `match` on the kind they are given; [`AnalysisKind::detect`] is the one
//! place that tells a kind from a result's columns alone.

use arrow::datatypes::SchemaRef;
use segql_syntax::Period;

/// The analysis a result comes from, which says how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisKind {
    /// Users per step, per segment and `by` group: bars.
    Funnel,
    /// Cohort × period rates: a triangle of shaded cells, or a heat map
    /// with a legend of the colours; the period's unit, when known, names
    /// the chart's axis (`weeks since the cohort's week`).
    Retention(Option<Period>),
    /// Sessions and users per path: ranked horizontal bars.
    Paths,
    /// Measures per `by` group: over `time`, sparklines or one line per
    /// group in a panel per measure; without `time`, horizontal bars per
    /// group and measure.
    Explore,
}

/// The fixed columns that end a funnel result.
pub(crate) const FUNNEL_TAIL: [&str; 5] =
    ["step", "label", "users", "conversion", "step_conversion"];

/// The fixed columns that end a retention result.
const RETENTION_TAIL: [&str; 5] = ["cohort", "period", "users", "retained", "rate"];

/// The columns of a paths result.
const PATHS_COLUMNS: [&str; 3] = ["path", "sessions", "users"];

/// True for the name of an explore measure: `events`, `users`,
/// `sessions`, `count`, or `count_2`, ... for further counts.
pub(crate) fn is_measure_name(name: &str) -> bool {
    matches!(name, "events" | "users" | "sessions" | "count")
        || name
            .strip_prefix("count_")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl AnalysisKind {
    /// The kind of analysis a result's columns are from; None for a
    /// segment's members. Whoever knows which analysis ran should rather
    /// say so.
    pub fn detect(schema: &SchemaRef) -> Option<AnalysisKind> {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        if names.ends_with(&FUNNEL_TAIL) {
            Some(AnalysisKind::Funnel)
        } else if names.ends_with(&RETENTION_TAIL) {
            Some(AnalysisKind::Retention(None))
        } else if names == PATHS_COLUMNS {
            Some(AnalysisKind::Paths)
        } else if names.last().is_some_and(|last| is_measure_name(last)) {
            Some(AnalysisKind::Explore)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn kinds_are_detected_from_columns() {
        let members = table(vec![("user_id", strs(&[Some("u1")]))], None);
        for (result, kind) in [
            (funnel(), Some(AnalysisKind::Funnel)),
            (funnel_compare(), Some(AnalysisKind::Funnel)),
            (retention(), Some(AnalysisKind::Retention(None))),
            (paths(), Some(AnalysisKind::Paths)),
            (explore_timed(), Some(AnalysisKind::Explore)),
            (explore_untimed(), Some(AnalysisKind::Explore)),
            (members, None),
        ] {
            assert_eq!(AnalysisKind::detect(&result.1), kind);
        }
    }
}

//! What each query answers: its kind and its result's columns
//! (LANGUAGE.md §5), in one place.
//!
//! The checker tests a text's result columns against these names, the
//! planner names its output columns from them and hands the kind on with
//! the plan, and the terminal pictures and charts choose their drawing by
//! the kind, never by looking at column names. The kind lives beside the
//! syntax tree, not in the planner, so that the presenters need no
//! DataFusion.

use crate::{Explore, Funnel, Ident, MeasureKind, Paths, Period, Retention, Span, StatementKind};

/// The kind of a query's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisKind {
    /// A segment's members, one row each, sorted by key.
    Members,
    /// One row per step (and per compared segment and `by` group).
    Funnel,
    /// A funnel with `every`: one row per step of each period of entry
    /// (and compared segment and `by` group); the period is the unit.
    FunnelTrend(Period),
    /// One row per cohort and period; the period is the cohorts' unit.
    Retention(Period),
    /// One row per path of page views.
    Paths,
    /// One row per group (and `every` bucket) with the measures.
    Explore,
    /// Four rows per period (new, returning, resurrecting, dormant); the
    /// period is the analysis's unit.
    Lifecycle(Period),
    /// One row per number of active periods, from 1.
    Stickiness(Period),
}

/// The names of the analyses' own result columns.
pub mod column {
    /// The compared segment of a funnel with `compare`.
    pub const SEGMENT: &str = "segment";
    pub const STEP: &str = "step";
    pub const LABEL: &str = "label";
    pub const USERS: &str = "users";
    pub const CONVERSION: &str = "conversion";
    pub const STEP_CONVERSION: &str = "step_conversion";
    /// A funnel step's mean time to convert from step 1, in seconds.
    pub const AVERAGE_SECONDS: &str = "average_seconds";
    /// A funnel step's median time to convert from step 1, in seconds.
    pub const MEDIAN_SECONDS: &str = "median_seconds";
    pub const COHORT: &str = "cohort";
    pub const PERIOD: &str = "period";
    pub const RETAINED: &str = "retained";
    pub const RATE: &str = "rate";
    pub const PATH: &str = "path";
    pub const SESSIONS: &str = "sessions";
    pub const EVENTS: &str = "events";
    /// The start of an explore's `every` bucket.
    pub const TIME: &str = "time";
    /// A lifecycle's status of the actors counted on its row.
    pub const STATUS: &str = "status";
    /// A stickiness's number of periods in which the actors were active.
    pub const PERIODS: &str = "periods";
    /// A stickiness's users as a share of all the actors counted.
    pub const SHARE: &str = "share";
}

/// A lifecycle's statuses, in the order of its rows (LANGUAGE.md §12).
pub const LIFECYCLE_STATUSES: [&str; 4] = ["new", "returning", "resurrecting", "dormant"];

use column::*;

/// The columns every funnel ends with.
pub const FUNNEL_COLUMNS: [&str; 7] = [
    STEP,
    LABEL,
    USERS,
    CONVERSION,
    STEP_CONVERSION,
    AVERAGE_SECONDS,
    MEDIAN_SECONDS,
];
/// The columns every retention ends with.
pub const RETENTION_COLUMNS: [&str; 5] = [COHORT, PERIOD, USERS, RETAINED, RATE];
/// The columns of a paths result.
pub const PATHS_COLUMNS: [&str; 3] = [PATH, SESSIONS, USERS];
/// The columns of a lifecycle.
pub const LIFECYCLE_COLUMNS: [&str; 3] = [PERIOD, STATUS, USERS];
/// The columns of a stickiness.
pub const STICKINESS_COLUMNS: [&str; 3] = [PERIODS, USERS, SHARE];

/// A column of an analysis's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    /// Where the text names it; `None` for the analysis's own columns.
    pub written: Option<Span>,
    /// What the column is, in words, for messages.
    pub what: &'static str,
}

/// What a `by` column is, in messages.
pub const BY_COLUMN: &str = "a `by` column";

impl ResultColumn {
    fn fixed(name: &str, what: &'static str) -> Self {
        ResultColumn {
            name: name.to_string(),
            written: None,
            what,
        }
    }

    fn by(ident: &Ident) -> Self {
        ResultColumn {
            name: ident.name.clone(),
            written: Some(ident.span),
            what: BY_COLUMN,
        }
    }
}

impl AnalysisKind {
    /// The kind of a statement's result; `None` for a definition, which
    /// has none. A retention without `every` counts days (LANGUAGE.md §5).
    pub fn of(statement: &StatementKind) -> Option<AnalysisKind> {
        Some(match statement {
            StatementKind::Define(_) => return None,
            StatementKind::Segment(_) => AnalysisKind::Members,
            StatementKind::Funnel(f) => match f.every {
                Some(period) => AnalysisKind::FunnelTrend(period),
                None => AnalysisKind::Funnel,
            },
            StatementKind::Retention(r) => AnalysisKind::Retention(r.every.unwrap_or(Period::Day)),
            StatementKind::Paths(_) => AnalysisKind::Paths,
            StatementKind::Explore(_) => AnalysisKind::Explore,
            StatementKind::Lifecycle(l) => AnalysisKind::Lifecycle(l.every.unwrap_or(Period::Day)),
            StatementKind::Stickiness(s) => {
                AnalysisKind::Stickiness(s.every.unwrap_or(Period::Day))
            }
        })
    }

    /// The name of the kind, as the language spells the statement.
    pub fn name(self) -> &'static str {
        match self {
            AnalysisKind::Members => "segment",
            AnalysisKind::Funnel | AnalysisKind::FunnelTrend(_) => "funnel",
            AnalysisKind::Retention(_) => "retention",
            AnalysisKind::Paths => "paths",
            AnalysisKind::Explore => "explore",
            AnalysisKind::Lifecycle(_) => "lifecycle",
            AnalysisKind::Stickiness(_) => "stickiness",
        }
    }
}

/// The columns of a funnel's result, in order.
pub fn funnel_columns(funnel: &Funnel) -> Vec<ResultColumn> {
    let mut columns = Vec::new();
    if !funnel.compare.is_empty() {
        columns.push(ResultColumn::fixed(SEGMENT, "the compared segment"));
    }
    columns.extend(funnel.by.iter().map(ResultColumn::by));
    if funnel.every.is_some() {
        columns.push(ResultColumn::fixed(
            PERIOD,
            "the period of entry of a funnel with `every`",
        ));
    }
    for name in FUNNEL_COLUMNS {
        columns.push(ResultColumn::fixed(name, "a column of every funnel"));
    }
    columns
}

/// The columns of a retention's result, in order.
pub fn retention_columns(retention: &Retention) -> Vec<ResultColumn> {
    let mut columns: Vec<ResultColumn> = retention.by.iter().map(ResultColumn::by).collect();
    for name in RETENTION_COLUMNS {
        columns.push(ResultColumn::fixed(name, "a column of every retention"));
    }
    columns
}

/// The columns of a paths result, in order.
pub fn paths_columns(_paths: &Paths) -> Vec<ResultColumn> {
    PATHS_COLUMNS
        .iter()
        .map(|name| ResultColumn::fixed(name, "a column of every paths result"))
        .collect()
}

/// The columns of an explore's result, in order: the `by` columns, the
/// bucket's `time` with `every`, then one per measure.
pub fn explore_columns(explore: &Explore) -> Vec<ResultColumn> {
    let mut columns: Vec<ResultColumn> = explore.by.iter().map(ResultColumn::by).collect();
    if explore.every.is_some() {
        columns.push(ResultColumn::fixed(
            TIME,
            "the start of each `every` bucket",
        ));
    }
    let mut counts = 0;
    for measure in &explore.measures {
        let name = match &measure.kind {
            MeasureKind::Events => EVENTS.to_string(),
            MeasureKind::Users => USERS.to_string(),
            MeasureKind::Sessions => SESSIONS.to_string(),
            MeasureKind::Count(_) => {
                counts += 1;
                count_column(counts)
            }
        };
        columns.push(ResultColumn {
            name,
            written: Some(measure.span),
            what: "a measure",
        });
    }
    columns
}

/// The result column of the `nth` (from 1) `count(step)` measure of an
/// explore: `count`, then `count_2`, `count_3`, ... (LANGUAGE.md §5).
pub fn count_column(nth: usize) -> String {
    if nth == 1 {
        "count".to_string()
    } else {
        format!("count_{nth}")
    }
}

//! The resolved IR: a segment with every name bound to a table column, every
//! literal typed, every range turned into instants, every `in segment`
//! replaced by its definition. Lowering reads nothing else.

use crate::catalog::TableEntry;
use datafusion_expr::Expr;
use segql_syntax::result::AnalysisKind;
use segql_syntax::{AggregateFunc, Audience, CmpOp, Span};

/// One query statement of a program, resolved.
#[derive(Debug, Clone)]
pub struct Query {
    /// The statement, for messages.
    pub span: Span,
    pub kind: QueryKind,
}

impl Query {
    /// The kind of its result, which travels with its plan to whoever
    /// shows it: the planner decides it, nobody guesses it from columns.
    pub fn analysis_kind(&self) -> AnalysisKind {
        match &self.kind {
            QueryKind::Members(_) => AnalysisKind::Members,
            QueryKind::Funnel(f) => match f.every {
                Some(period) => AnalysisKind::FunnelTrend(period),
                None => AnalysisKind::Funnel,
            },
            QueryKind::Retention(r) => AnalysisKind::Retention(r.period),
            QueryKind::Paths(_) => AnalysisKind::Paths,
            QueryKind::Explore(_) => AnalysisKind::Explore,
            QueryKind::Lifecycle(l) => AnalysisKind::Lifecycle(l.period),
            QueryKind::Stickiness(s) => AnalysisKind::Stickiness(s.period),
        }
    }
}

#[derive(Debug, Clone)]
pub enum QueryKind {
    /// A segment query: its members.
    Members(SegmentIr),
    Funnel(FunnelIr),
    Retention(RetentionIr),
    Paths(PathsIr),
    Explore(ExploreIr),
    Lifecycle(LifecycleAnalysisIr),
    Stickiness(StickinessIr),
}

/// A column an analysis groups by: an event property, read on a chosen
/// event, or a profile attribute of the actor.
#[derive(Debug, Clone)]
pub struct ByColumn {
    /// The output column's name, as written.
    pub name: String,
    pub source: BySource,
    /// The column's value over the events (`Event`) or the profile table
    /// (`Profile`).
    pub expr: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BySource {
    Event,
    Profile,
}

/// What every analysis shares: whose events count.
#[derive(Debug, Clone)]
pub struct Scope {
    pub audience: Audience,
    /// `for SEG`: only these actors' events count.
    pub segment: Option<Cond>,
    pub range: TimeRange,
}

#[derive(Debug, Clone)]
pub struct FunnelIr {
    pub scope: Scope,
    /// The steps in order; the first is never negated.
    pub steps: Vec<StepIr>,
    /// The canonical text of each positive step.
    pub labels: Vec<String>,
    pub within: Within,
    /// How the steps follow each other (LANGUAGE.md §12).
    pub order: segql_syntax::OrderKind,
    /// `holding`: the columns every event of a chain shares.
    pub holding: Vec<HeldColumn>,
    /// `every`: actors grouped by the local period of their entry.
    pub every: Option<segql_syntax::Period>,
    /// `compare`: one block per segment, with its name or canonical text.
    pub compare: Vec<(String, Cond)>,
    pub by: Option<ByColumn>,
}

#[derive(Debug, Clone)]
pub struct RetentionIr {
    pub scope: Scope,
    pub start: Expr,
    pub returning: Expr,
    pub period: segql_syntax::Period,
    pub periods: u64,
    pub by: Option<ByColumn>,
}

#[derive(Debug, Clone)]
pub struct PathsIr {
    pub scope: Scope,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub depth: u64,
    pub top: u64,
    /// `clean`: the label a view shows as in a path, over the events
    /// relation; `None` without rules (the name itself).
    pub label: Option<Expr>,
}

/// `lifecycle`: the scope's range chooses the reported periods; an actor's
/// activity is read over all its events.
#[derive(Debug, Clone)]
pub struct LifecycleAnalysisIr {
    pub scope: Scope,
    pub step: Expr,
    pub period: segql_syntax::Period,
}

#[derive(Debug, Clone)]
pub struct StickinessIr {
    pub scope: Scope,
    pub step: Expr,
    pub period: segql_syntax::Period,
}

/// The width of an explorer's time buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Written in days or weeks: this many local days. Such buckets follow
    /// the reporting time zone's calendar (a local day may last 23 or 25
    /// hours).
    LocalDays(i64),
    /// Written in hours, minutes or seconds: this many microseconds,
    /// absolute.
    Micros(i64),
}

impl Bucket {
    /// The width in microseconds (a local day counted as 24 hours).
    pub fn micros(self) -> i64 {
        match self {
            Bucket::LocalDays(days) => days.saturating_mul(86_400_000_000),
            Bucket::Micros(micros) => micros,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExploreIr {
    pub scope: Scope,
    pub measures: Vec<MeasureIr>,
    pub by: Vec<ByColumn>,
    /// `every`: the time bucket, if any.
    pub every: Option<Bucket>,
    pub top: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum MeasureIr {
    Events,
    Users,
    Sessions,
    /// Events matching a step.
    Count(Expr),
}

/// A set of actors of one audience.
#[derive(Debug, Clone)]
pub struct SegmentIr {
    pub audience: Audience,
    pub condition: Cond,
}

/// A condition over actors, taken against the audience's universe.
#[derive(Debug, Clone)]
pub enum Cond {
    /// Every actor of the universe.
    Universe,
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// A two-valued predicate over the audience's profile table: actors with
    /// a profile row for which it is true, and, when `when_missing` is true,
    /// actors without a profile row (every atom of a missing row is false,
    /// so `not plan = "free"` holds for them).
    Profile {
        predicate: Expr,
        when_missing: bool,
    },
    /// Actors whose key (as text) is listed in a CSV column, or users whose
    /// email is.
    Csv(CsvSet),
    Behavior(Behavior),
    /// `stopped`, `restarted` or `for the first time` (LANGUAGE.md §11).
    Lifecycle(LifecycleIr),
}

#[derive(Debug, Clone)]
pub struct CsvSet {
    pub table: TableEntry,
    /// The CSV column holding ids or emails.
    pub column: String,
    pub by_email: bool,
    /// The `in csv ...` text, for warnings.
    pub span: segql_syntax::Span,
}

/// A behavior: steps in sequence, optional `within`, count, `holding` and
/// range.
#[derive(Debug, Clone)]
pub struct Behavior {
    /// The first step is never negated.
    pub steps: Vec<StepIr>,
    pub within: Within,
    /// `holding c1, c2` (LANGUAGE.md §11): the event columns whose non-null
    /// values every event of an assignment (and every event a count
    /// counts) shares; empty without `holding`.
    pub holding: Vec<HeldColumn>,
    pub count: Option<CountIr>,
    pub range: TimeRange,
}

impl Behavior {
    /// The positive steps, in order.
    pub fn positive(&self) -> impl Iterator<Item = &StepIr> {
        self.steps.iter().filter(|s| !s.negated)
    }
}

/// An event column held constant (`holding`): the events of one
/// assignment share one non-null value of it, as those of a `within
/// session` share one session. A chain of steps of any kind (a behavior's,
/// and a funnel's) holds a list of them.
#[derive(Debug, Clone)]
pub struct HeldColumn {
    /// The column as written.
    pub name: String,
    /// Its value on an event of the events relation.
    pub expr: Expr,
}

#[derive(Debug, Clone)]
pub struct StepIr {
    pub negated: bool,
    /// A two-valued predicate over one event (its type, name and `with`
    /// filter).
    pub predicate: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    None,
    Session,
    /// A duration in microseconds.
    Micros(i64),
}

#[derive(Debug, Clone)]
pub enum CountIr {
    AtLeast(u64),
    AtMost(u64),
    Exactly(u64),
    Aggregate {
        func: AggregateFunc,
        /// A numeric event column.
        column: Expr,
        op: CmpOp,
        value: f64,
    },
}

/// `[from, to)` in microseconds since the epoch; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl TimeRange {
    pub const ALL: TimeRange = TimeRange {
        from: None,
        to: None,
    };
}

/// `performed STEP for the first time`, `stopped STEP` or `restarted STEP`
/// over a range: a test of the actor's matching events before and in the
/// range, whatever the range lets a plain behavior see.
#[derive(Debug, Clone)]
pub struct LifecycleIr {
    /// A two-valued predicate over one event, as a step's.
    pub step: Expr,
    pub test: LifecycleTest,
}

/// The instants of a lifecycle test, in microseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleTest {
    /// The actor's earliest matching event lies in the range (bounded on
    /// at least one side: without a range it is a plain behavior).
    FirstTime(TimeRange),
    /// A matching event before `from`, and none in `[from, to)`.
    Stopped { from: i64, to: Option<i64> },
    /// A matching event in `[from, to)`, none in the gap `[gap_from,
    /// from)` of the same length, and one before `gap_from`.
    Restarted { gap_from: i64, from: i64, to: i64 },
}

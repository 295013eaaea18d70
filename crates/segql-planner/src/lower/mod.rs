//! The lowering: IR → DataFusion `LogicalPlan`. By default made of standard
//! operators only (scans, filters, projections, aggregates, window
//! functions, joins, unions), every derived relation aliased, no custom
//! functions: any engine that runs DataFusion plans, or SQL unparsed from
//! them, can run it. With [`SequenceEngine::Native`], sequences, funnels and
//! paths use segql's own aggregate functions instead.
//!
//! A condition lowers to a relation of one column, [`names::ACTOR`], holding
//! distinct actor keys. One file per construct:
//!
//! - `relations`: the events and profile relations, the universe, and what
//!   the catalog says (event time, session, type, name, key type);
//! - `identity`, `sessions`: identity stitching and derived sessions, which
//!   the events relation is built with when the mapping asks for them;
//! - `cond`: conditions (`and`/`or`/`not`, profile tests, single steps);
//! - `csv`: CSV lists; `time`: ranges and instants; `pruning`: ranges
//!   on the stored time and partition columns; `zone`: the local
//!   calendar periods of the reporting time zone;
//! - `lifecycle`: `for the first time`, `stopped` and `restarted`;
//! - `sequence`: sequences of steps, portable (window passes) or native;
//! - `holding`: the columns a chain's events share (session, held values);
//! - `analysis`: funnel, retention, paths and explore.
//!
//! [`names::ACTOR`]: crate::names::ACTOR

mod analysis;
mod cond;
mod csv;
mod expr;
mod holding;
mod identity;
mod lifecycle;
mod pruning;
mod relations;
mod sequence;
mod sessions;
mod time;
mod zone;

pub(crate) use analysis::MAX_ANY_ORDER_STEPS;
pub(crate) use expr::{balanced, exactly_true};
pub(crate) use zone::date_start;

use crate::catalog::{Catalog, TableEntry, TableRole};
use crate::ir::*;
use crate::options::{PlanOptions, SequenceEngine};
use crate::zone::ReportingZone;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::LogicalPlan;
use segql_syntax::{Audience, Diagnostic, codes};
use std::cell::Cell;

/// The plan of one resolved query: a segment's members (one row each,
/// sorted by key, with the profile columns when the audience's profile table
/// is loaded), or an analysis with the columns of LANGUAGE.md §5.
pub fn plan(
    query: &Query,
    catalog: &dyn Catalog,
    options: &PlanOptions,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let audience = match &query.kind {
        QueryKind::Members(segment) => segment.audience,
        QueryKind::Funnel(f) => f.scope.audience,
        QueryKind::Retention(r) => r.scope.audience,
        QueryKind::Paths(p) => p.scope.audience,
        QueryKind::Explore(e) => e.scope.audience,
        QueryKind::Lifecycle(l) => l.scope.audience,
        QueryKind::Stickiness(s) => s.scope.audience,
    };
    let lowering = Lowering::new(catalog, audience)?.with_options(options);
    let plan = match &query.kind {
        QueryKind::Members(segment) => lowering.members(segment),
        QueryKind::Funnel(funnel) => lowering.funnel(funnel),
        QueryKind::Retention(retention) => lowering.retention(retention),
        QueryKind::Paths(paths) => lowering.paths(paths),
        QueryKind::Explore(explore) => lowering.explore(explore),
        QueryKind::Lifecycle(lifecycle) => lowering.lifecycle_analysis(lifecycle),
        QueryKind::Stickiness(stickiness) => lowering.stickiness(stickiness),
    };
    plan.and_then(|plan| lowering.in_zone(plan))
        .map_err(internal)
}

/// For each CSV list a segment reads: where it comes from, where the text
/// names it, and a plan of one
/// row counting its values that match no actor (reported as a warning).
pub fn plan_csv_checks(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
) -> std::result::Result<Vec<(String, segql_syntax::Span, LogicalPlan)>, Diagnostic> {
    fn collect<'c>(cond: &'c Cond, out: &mut Vec<&'c CsvSet>) {
        match cond {
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| collect(c, out)),
            Cond::Not(inner) => collect(inner, out),
            Cond::Csv(set) => out.push(set),
            Cond::Universe | Cond::Profile { .. } | Cond::Behavior(_) | Cond::Lifecycle(_) => {}
        }
    }
    let mut sets = Vec::new();
    collect(&segment.condition, &mut sets);
    let lowering = Lowering::new(catalog, segment.audience)?;
    sets.into_iter()
        .map(|set| {
            Ok((
                set.table.origin.clone(),
                set.span,
                lowering.csv_unmatched(set).map_err(internal)?,
            ))
        })
        .collect()
}

/// The plan of a segment's actor set alone (one column of keys).
pub fn plan_actor_set(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
    options: &PlanOptions,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, segment.audience)?.with_options(options);
    lowering.cond(&segment.condition).map_err(internal)
}

/// A plan of one row and one column, `last_event`: the time of the newest
/// event of the events table in microseconds since the epoch (null when
/// the table is empty). Where the data ends, for showing the periods of a
/// retention that lie after it.
pub fn plan_last_event_time(catalog: &dyn Catalog) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, Audience::Users)?;
    lowering.last_event_time().map_err(internal)
}

fn internal(e: datafusion_common::DataFusionError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("segql could not build the plan: {e}"),
    )
    .with_note("this is a bug in segql")
}

type Result<T> = datafusion_common::Result<T>;

/// What lowering one query reads: the catalog's tables for its audience,
/// the type keys compare in, the options that choose the operators, and a
/// counter naming derived relations.
struct Lowering<'a> {
    catalog: &'a dyn Catalog,
    audience: Audience,
    key_type: DataType,
    events: TableEntry,
    users: Option<TableEntry>,
    accounts: Option<TableEntry>,
    next_alias: Cell<usize>,
    /// Which lowering sequences, funnels, retention and paths get.
    engine: SequenceEngine,
    /// The partitions the native matcher spreads actors over.
    partitions: usize,
    /// The reporting time zone: local periods and buckets.
    zone: ReportingZone,
    /// Ranges also on the stored time and partition columns
    /// ([`PlanOptions::prune_by_storage`]).
    prune_by_storage: bool,
}

impl<'a> Lowering<'a> {
    fn new(catalog: &'a dyn Catalog, audience: Audience) -> std::result::Result<Self, Diagnostic> {
        let events = catalog.table(TableRole::Events).ok_or_else(|| {
            Diagnostic::error(codes::MISSING_TABLE, "no events table was given")
                .with_help("pass --events FILE or --data DIR")
        })?;
        let users = catalog.table(TableRole::Users);
        let accounts = catalog.table(TableRole::Accounts);
        let mut lowering = Lowering {
            catalog,
            audience,
            key_type: DataType::Utf8,
            events,
            users,
            accounts,
            next_alias: Cell::new(0),
            engine: SequenceEngine::Portable,
            partitions: 1,
            zone: ReportingZone::utc(),
            prune_by_storage: true,
        };
        lowering.key_type = lowering.compute_key_type();
        Ok(lowering)
    }

    fn with_options(mut self, options: &PlanOptions) -> Self {
        self.engine = options.engine;
        self.partitions = options.partitions;
        self.zone = options.zone.clone();
        self.prune_by_storage = options.prune_by_storage;
        self
    }

    /// A fresh name for a derived relation: `prefix` and a number counted
    /// over the whole plan.
    fn alias(&self, prefix: &str) -> String {
        let n = self.next_alias.get();
        self.next_alias.set(n + 1);
        format!("{prefix}_{n}")
    }
}

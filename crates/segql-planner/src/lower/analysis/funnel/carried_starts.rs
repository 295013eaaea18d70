//! A funnel's groups in the portable engine when no chain needs a partition
//! of its own: in the default order and without negated steps. Whether an
//! event reaches step j then depends only on the events before it in its
//! group (actor, session, held values), and so do the starts of the chains
//! that reach it there. Each window pass carries, per event reaching its
//! step, the latest start of those chains (its time to convert is its time
//! less that start: the smallest over the chains ending at it) and, where
//! the funnel needs an entry (`by` an event column, `every`), the earliest,
//! as a running max and min over the events before it. One partition per
//! group, where [`super::portable`] makes one per chain start: linear in the
//! events, not quadratic.
//!
//! With `within D` an event reaches step j within D exactly when the latest
//! start of the chains reaching it is at most D before it (that chain's
//! events all lie between the two). The earliest start within D of an
//! event is no running aggregate, so a funnel needing an entry keeps the
//! partitions by start there.

use super::actors::time_column;
use crate::ir::*;
use crate::lower::analysis::FURTHEST;
use crate::lower::expr::{aggregate_over, column, exactly_true};
use crate::lower::holding::Shared;
use crate::lower::relations::window_pass;
use crate::lower::sequence::{START, TOP, carried_columns, step_events, strictly_before};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit, when};
use datafusion_functions_aggregate::expr_fn::{max, min};
use datafusion_functions_aggregate::min_max::{max_udaf, min_udaf};
use segql_syntax::OrderKind;

/// Per event reaching the current pass's step: the latest start of the
/// chains that reach it there, and the earliest.
const LATEST: &str = "__segql_latest_start";
const EARLIEST: &str = "__segql_earliest_start";

impl Lowering<'_> {
    /// Whether [`Lowering::carried_starts_groups`] plans `funnel` (with an
    /// entry or not).
    pub(super) fn carries_starts(funnel: &FunnelIr, entry: bool) -> bool {
        funnel.order == OrderKind::Sequential
            && funnel.steps.iter().all(|s| !s.negated)
            && !(entry && matches!(funnel.within, Within::Micros(_)))
    }

    /// Per group of a funnel's events (actor, shared values) and, with
    /// `entry`, entry (START): ACTOR, the shared columns, FURTHEST, the times
    /// to convert and START. An event's entry is the earliest start of the
    /// chains that reach its furthest step there; a group's FURTHEST is the
    /// furthest step of its events, so the earliest START among an actor's
    /// groups reaching its furthest step is its entry, as with partitions by
    /// start.
    pub(super) fn carried_starts_groups(
        &self,
        funnel: &FunnelIr,
        shared: &Shared,
        events: LogicalPlan,
        entry: bool,
    ) -> Result<LogicalPlanBuilder> {
        let steps: Vec<Expr> = funnel.steps.iter().map(|s| s.predicate.clone()).collect();
        let rows = step_events(
            &funnel.steps,
            shared,
            LogicalPlanBuilder::from(events),
            false,
        )?;
        let carried = carried_columns(&funnel.steps, shared, &[ACTOR, TS]);
        let mut partition = vec![column(ACTOR)];
        partition.extend(shared.keys());

        // Step 1: every event matching it starts a chain of its own.
        let reached = exactly_true(steps[0].clone());
        let mut projection: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
        projection.extend([
            when(reached.clone(), lit(1i64)).end()?.alias(TOP),
            when(reached.clone(), column(TS)).end()?.alias(LATEST),
        ]);
        if entry {
            projection.extend([
                when(reached.clone(), column(TS)).end()?.alias(START),
                when(reached, column(TS)).end()?.alias(EARLIEST),
            ]);
        }
        let mut rows = rows.project(projection)?;
        let mut times: Vec<String> = Vec::new();
        for (j, step) in steps.iter().enumerate().skip(1) {
            let over = |aggregate, of: &str| {
                aggregate_over(
                    aggregate,
                    column(of),
                    partition.clone(),
                    vec![column(TS).sort(true, false)],
                    Some(strictly_before()),
                )
            };
            let mut windows = vec![over(max_udaf(), LATEST)?];
            if entry {
                windows.push(over(min_udaf(), EARLIEST)?);
            }
            let latest = column(&windows[0].schema_name().to_string());
            let reached = exactly_true(step.clone().and(latest.clone().is_not_null()));
            let converts = match funnel.within {
                Within::Micros(d) => reached
                    .clone()
                    .and((column(TS) - latest.clone()).lt_eq(lit(d))),
                _ => reached.clone(),
            };
            let mut projection: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
            projection.extend([
                when(converts.clone(), lit(j as i64 + 1))
                    .otherwise(column(TOP))?
                    .alias(TOP),
                when(reached.clone(), latest.clone()).end()?.alias(LATEST),
            ]);
            if entry {
                let earliest = column(&windows[1].schema_name().to_string());
                projection.extend([
                    when(reached.clone(), earliest.clone())
                        .otherwise(column(START))?
                        .alias(START),
                    when(reached, earliest).end()?.alias(EARLIEST),
                ]);
            }
            projection.extend(times.iter().map(|t| column(t)));
            times.push(time_column(j + 1));
            projection.push(
                when(converts, column(TS) - latest)
                    .end()?
                    .alias(time_column(j + 1)),
            );
            rows = window_pass(rows, windows, projection)?;
        }
        let mut keys = partition;
        if entry {
            keys.push(column(START));
        }
        let mut aggregates = vec![max(column(TOP)).alias(FURTHEST)];
        aggregates.extend(times.iter().map(|t| min(column(t)).alias(t.as_str())));
        rows.filter(column(TOP).is_not_null())?
            .aggregate(keys, aggregates)
    }
}

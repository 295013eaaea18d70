//! A funnel's groups in the portable engine: window passes over the events
//! of each chain's start ([`Lowering::reach`] with `by_start`), so that a
//! partition's times to convert are its events' times less its start.

use super::actors::time_column;
use crate::ir::*;
use crate::lower::analysis::FURTHEST;
use crate::lower::expr::{aggregate_over, column, filter_form};
use crate::lower::holding::Shared;
use crate::lower::sequence::{ReachShape, START, TOP, reach_flag, time_at};
use crate::lower::{Lowering, Result};
use crate::names::TS;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit, when};
use datafusion_functions_aggregate::expr_fn::{max, min};
use segql_syntax::OrderKind;

/// Column of the latest event of the negated steps after the last positive
/// step in a partition.
const LAST_NEGATED: &str = "__segql_last_negated";

impl Lowering<'_> {
    /// Per chain start (actor, shared values, start time): ACTOR, the
    /// shared columns, FURTHEST, START and the times to convert; where no
    /// chain needs a partition of its own, per group and (with `entry`)
    /// entry instead ([`super::carried_starts`]).
    pub(super) fn portable_funnel_groups(
        &self,
        funnel: &FunnelIr,
        shared: &Shared,
        events: LogicalPlan,
        entry: bool,
    ) -> Result<LogicalPlanBuilder> {
        if funnel.order == OrderKind::Any {
            return self.any_order_groups(funnel, shared, events);
        }
        if Self::carries_starts(funnel, entry) {
            return self.carried_starts_groups(funnel, shared, events, entry);
        }
        let reach = self.reach(
            &funnel.steps,
            funnel.within,
            shared,
            LogicalPlanBuilder::from(events),
            ReachShape {
                by_start: true,
                furthest: true,
                times: true,
                strict: funnel.order == OrderKind::Strict,
            },
        )?;
        let k = reach.k;
        let mut rows = reach.rows.clone();
        // The last step is reached at an event only where no negated step
        // after it follows in the partition: at or after the latest one.
        let mut last_reached = column(&reach_flag(k - 1));
        if let Some(gap) = &reach.end_gap {
            let latest = aggregate_over(
                datafusion_functions_aggregate::min_max::max_udaf(),
                when(filter_form(gap.clone()), column(TS)).end()?,
                reach.partition.clone(),
                vec![],
                None,
            )?;
            let name = latest.schema_name().to_string();
            rows = rows.window(vec![latest])?;
            let mut kept: Vec<Expr> = reach
                .rows
                .schema()
                .fields()
                .iter()
                .map(|f| column(f.name()))
                .collect();
            kept.push(column(&name).alias(LAST_NEGATED));
            rows = rows.project(kept)?;
            last_reached = last_reached.and(
                column(LAST_NEGATED)
                    .is_null()
                    .or(column(TS).gt_eq(column(LAST_NEGATED))),
            );
        }
        let mut aggregates = reach.end_check_aggregates()?;
        aggregates.push(max(column(TOP)).alias("__segql_below"));
        for j in 2..k {
            aggregates.push(min(column(&time_at(j - 1))).alias(time_column(j)));
        }
        aggregates.push(min(when(last_reached, column(TS)).end()?).alias(time_column(k)));
        let furthest = when(reach.end_check(), lit(k as i64))
            .otherwise(column("__segql_below"))?
            .alias(FURTHEST);
        let mut projection = reach.partition.clone();
        projection.push(furthest);
        for j in 2..=k {
            projection.push((column(&time_column(j)) - column(START)).alias(time_column(j)));
        }
        let groups = rows
            .aggregate(reach.partition.clone(), aggregates)?
            .project(projection)?
            .filter(column(FURTHEST).is_not_null())?;
        shared_named(groups)
    }
}

/// `groups` with the start's held values of strict order (partition
/// columns `__segql_s_held…`) under the names of the held values
/// (`__segql_held…`), which is what they are: the chain's values.
fn shared_named(groups: LogicalPlanBuilder) -> Result<LogicalPlanBuilder> {
    let projection: Vec<Expr> = groups
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let name = f.name();
            match name.strip_prefix("__segql_s_held") {
                Some(i) => column(name).alias(format!("__segql_held{i}")),
                None => column(name),
            }
        })
        .collect();
    groups.project(projection)
}

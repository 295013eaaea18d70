//! Lifecycle (LANGUAGE.md §12): for each reported period, the actors who
//! are new, returning, resurrecting or dormant in a step.
//!
//! An actor's active periods are read over all its matching events; the
//! periods before and after each (`lag` and `lead` over the actor's active
//! periods in order) say its status: in an active period P, `new` when it
//! has no earlier one, `returning` when the one before is P − 1, else
//! `resurrecting`; and `dormant` in P + 1 when the next active period is
//! not P + 1. One row per actor and status, counted per reported period.

use crate::ir::*;
use crate::lower::analysis::periods::NUMBER;
use crate::lower::analysis::values_table;
use crate::lower::expr::{column, qualified};
use crate::lower::{Lowering, Result};
use crate::names::ACTOR;
use datafusion_common::JoinType;
use datafusion_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit, when};
use datafusion_functions_aggregate::expr_fn::count;
use datafusion_functions_window::expr_fn::{lag, lead};
use segql_syntax::result::{LIFECYCLE_STATUSES, column as out};

/// An actor's active period before / after the row's.
const PREVIOUS: &str = "__segql_previous_period";
const NEXT: &str = "__segql_next_period";
/// The place of a status among a period's rows.
const STATUS_ORDER: &str = "__segql_status_order";

impl Lowering<'_> {
    pub(in crate::lower) fn lifecycle_analysis(
        &self,
        l: &LifecycleAnalysisIr,
    ) -> Result<LogicalPlan> {
        // Activity counts whatever the range: the range only chooses the
        // periods reported.
        let all_time = Scope {
            range: TimeRange::ALL,
            ..l.scope.clone()
        };
        let matching = self.matching_events(&all_time, &l.step)?;
        let periods = self.reported_periods(l.period, l.scope.range, matching.clone())?;
        let order = vec![column(NUMBER).sort(true, false)];
        let neighbour = |e: Expr, name: &str| -> Result<Expr> {
            Ok(e.partition_by(vec![column(ACTOR)])
                .order_by(order.clone())
                .build()?
                .alias(name))
        };
        let active = self
            .active_periods(l.period, matching)?
            .window(vec![
                neighbour(lag(column(NUMBER), Some(1), None), PREVIOUS)?,
                neighbour(lead(column(NUMBER), Some(1), None), NEXT)?,
            ])?
            .build()?;
        let [new, returning, resurrecting, dormant] = LIFECYCLE_STATUSES;
        let status = when(column(PREVIOUS).is_null(), lit(new))
            .when(
                column(PREVIOUS).eq(column(NUMBER) - lit(1i64)),
                lit(returning),
            )
            .otherwise(lit(resurrecting))?;
        let in_active = LogicalPlanBuilder::from(active.clone())
            .project(vec![column(NUMBER), status.alias(out::STATUS)])?
            .build()?;
        let gone = LogicalPlanBuilder::from(active)
            .filter(
                column(NEXT)
                    .is_null()
                    .or(column(NEXT).not_eq(column(NUMBER) + lit(1i64))),
            )?
            .project(vec![
                (column(NUMBER) + lit(1i64)).alias(NUMBER),
                lit(dormant).alias(out::STATUS),
            ])?
            .build()?;
        // Each actor has at most one status in a period.
        let counts = LogicalPlanBuilder::from(in_active)
            .union(gone)?
            .aggregate(
                vec![column(NUMBER), column(out::STATUS)],
                vec![count(lit(1i64)).alias(out::USERS)],
            )?
            .build()?;
        let statuses = values_table(
            LIFECYCLE_STATUSES
                .iter()
                .zip(0i64..)
                .map(|(status, order)| vec![lit(*status), lit(order)])
                .collect(),
            &[out::STATUS, STATUS_ORDER],
        )?;
        let grid = periods.cross_join(statuses)?.build()?;
        let (joined, g, c) = self.join_keyed(
            grid,
            counts,
            JoinType::Left,
            &[(NUMBER, NUMBER), (out::STATUS, out::STATUS)],
        )?;
        let users = datafusion_functions::expr_fn::coalesce(vec![
            Expr::Column(qualified(&c, out::USERS)),
            lit(0i64),
        ]);
        joined
            .project(vec![
                self.period_date(l.period, Expr::Column(qualified(&g, NUMBER)))
                    .alias(out::PERIOD),
                Expr::Column(qualified(&g, out::STATUS)).alias(out::STATUS),
                users.alias(out::USERS),
                Expr::Column(qualified(&g, STATUS_ORDER)).alias(STATUS_ORDER),
            ])?
            .sort(vec![
                column(out::PERIOD).sort(true, false),
                column(STATUS_ORDER).sort(true, false),
            ])?
            .project(vec![
                column(out::PERIOD),
                column(out::STATUS),
                column(out::USERS),
            ])?
            .build()
    }
}

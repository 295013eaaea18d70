//! Retention: cohorts by the period of each actor's first start event, and
//! how many return in each later period.

use crate::ir::*;
use crate::lower::analysis::{BY, values_table};
use crate::lower::expr::{column, filter_form, qualified};
use crate::lower::holding::Shared;
use crate::lower::time::{day_number, month_number};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use crate::options::SequenceEngine;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_common::{Column, JoinType};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit, when};
use datafusion_functions_aggregate::expr_fn::{count, max, min, sum};
use segql_syntax::result::column as out;

/// The most retention periods pivoted into columns (one flag per period);
/// longer grids use the join of the portable form.
const MAX_PIVOTED_PERIODS: i64 = 64;

impl Lowering<'_> {
    /// Per actor: the time of its first event matching `start`, and BY read
    /// there (an event column: the smallest value at that time; a profile
    /// column: the actor's).
    fn first_events(
        &self,
        events: &LogicalPlan,
        start: &Expr,
        by: Option<&ByColumn>,
    ) -> Result<LogicalPlan> {
        let firsts = LogicalPlanBuilder::from(events.clone())
            .filter(filter_form(start.clone()))?
            .aggregate(
                vec![column(ACTOR)],
                vec![min(column(TS)).alias("__segql_first")],
            )?
            .build()?;
        match by {
            None => Ok(firsts),
            Some(by) if by.source == BySource::Profile => self.with_profile_by(firsts, by),
            Some(by) => {
                let (joined, a, v) = self.join_by_at(
                    firsts,
                    "__segql_first",
                    (events.clone(), start.clone()),
                    by,
                    &Shared::new(Within::None, &[]),
                )?;
                joined
                    .aggregate(
                        vec![
                            Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                            Expr::Column(qualified(&a, "__segql_first")).alias("__segql_first"),
                        ],
                        vec![min(Expr::Column(qualified(&v, BY))).alias(BY)],
                    )?
                    .build()
            }
        }
    }

    pub(in crate::lower) fn retention(&self, retention: &RetentionIr) -> Result<LogicalPlan> {
        let events = self.scoped_events(&retention.scope)?.build()?;
        let has_by = retention.by.is_some();
        let period = retention.period;
        let firsts = self.first_events(&events, &retention.start, retention.by.as_ref())?;
        let mut cohort_columns = vec![
            column(ACTOR),
            self.period_start(period, column("__segql_first"))
                .alias(out::COHORT),
        ];
        if has_by {
            cohort_columns.push(column(BY));
        }
        let actors = LogicalPlanBuilder::from(firsts)
            .project(cohort_columns)?
            .build()?;
        // Each actor's return periods, as offsets from its cohort.
        let returns = LogicalPlanBuilder::from(events)
            .filter(filter_form(retention.returning.clone()))?
            .project(vec![
                column(ACTOR).alias("__segql_r_actor"),
                self.period_start(period, column(TS))
                    .alias("__segql_r_period"),
            ])?
            .distinct()?
            .build()?;
        let offset = match period {
            segql_syntax::Period::Day => {
                day_number(column("__segql_r_period")) - day_number(column(out::COHORT))
            }
            segql_syntax::Period::Week => {
                // Exact: both are week starts. The cast keeps exported SQL
                // an integer where `/` divides exactly (DuckDB).
                cast(
                    (day_number(column("__segql_r_period")) - day_number(column(out::COHORT)))
                        / lit(7i64),
                    DataType::Int64,
                )
            }
            segql_syntax::Period::Month => {
                month_number(column("__segql_r_period")) - month_number(column(out::COHORT))
            }
        };
        let periods = segql_syntax::saturating_i64(retention.periods);
        if self.engine == SequenceEngine::Native && periods <= MAX_PIVOTED_PERIODS {
            return self.retention_pivoted(retention, actors, returns, offset);
        }
        let mut group = vec![];
        if has_by {
            group.push(column(BY));
        }
        group.push(column(out::COHORT));
        let cohorts = LogicalPlanBuilder::from(actors.clone())
            .aggregate(group, vec![count(lit(1i64)).alias(out::USERS)])?
            .build()?;
        let (joined, a, _) =
            self.join_actors(actors, returns, JoinType::Inner, "__segql_r_actor")?;
        let retained = joined
            .project({
                let mut p = vec![
                    Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                    offset.alias("__segql_offset"),
                ];
                if has_by {
                    p.push(Expr::Column(qualified(&a, BY)).alias(BY));
                }
                p.push(Expr::Column(qualified(&a, out::COHORT)).alias(out::COHORT));
                p
            })?
            .filter(
                column("__segql_offset")
                    .gt_eq(lit(0i64))
                    .and(column("__segql_offset").lt_eq(lit(periods))),
            )?
            .aggregate(
                {
                    let mut g = vec![];
                    if has_by {
                        g.push(column(BY));
                    }
                    g.push(column(out::COHORT));
                    g.push(column("__segql_offset").alias(out::PERIOD));
                    g
                },
                vec![count(column(ACTOR)).alias(out::RETAINED)],
            )?
            .build()?;

        // Every cohort has every period, 0 through `periods`.
        let grid = LogicalPlanBuilder::from(cohorts)
            .cross_join(period_table(periods)?)?
            .build()?;
        let mut keys: Vec<(&str, &str)> = vec![];
        if has_by {
            keys.push((BY, BY));
        }
        keys.push((out::COHORT, out::COHORT));
        keys.push((out::PERIOD, out::PERIOD));
        let joined = self.join_null_equal(grid, retained, JoinType::Left, &keys)?;
        let schema = joined.schema().clone();
        let side = |name: &str, left: bool| -> Expr {
            let matching: Vec<_> = schema.iter().filter(|(_, f)| f.name() == name).collect();
            let (q, f) = if left {
                matching[0]
            } else {
                matching[matching.len() - 1]
            };
            Expr::Column(Column::new(q.cloned(), f.name()))
        };
        let retained_count =
            datafusion_functions::expr_fn::coalesce(vec![side(out::RETAINED, false), lit(0i64)]);
        retention_rows(
            joined,
            retention
                .by
                .as_ref()
                .map(|by| (side(BY, true), by.name.as_str())),
            [
                side(out::COHORT, true),
                side(out::PERIOD, true),
                side(out::USERS, true),
                retained_count,
            ],
        )
    }

    /// Retention from one pass over each actor's cohort and returns: per
    /// actor a flag for each period, summed per cohort, then one row per
    /// period by a join with the table of periods. The actors are read
    /// once (the portable form reads them twice: cohort sizes and returns).
    fn retention_pivoted(
        &self,
        retention: &RetentionIr,
        actors: LogicalPlan,
        returns: LogicalPlan,
        offset: Expr,
    ) -> Result<LogicalPlan> {
        let has_by = retention.by.is_some();
        let periods = segql_syntax::saturating_i64(retention.periods);
        let flag = |p: i64| format!("__segql_p{p}");
        let (joined, a, _) =
            self.join_actors(actors, returns, JoinType::Left, "__segql_r_actor")?;
        let mut keys = vec![
            Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
            Expr::Column(qualified(&a, out::COHORT)).alias(out::COHORT),
        ];
        if has_by {
            keys.push(Expr::Column(qualified(&a, BY)).alias(BY));
        }
        let offset = offset.alias("__segql_offset");
        let mut projection = keys;
        projection.push(offset);
        let mut flags = Vec::new();
        for p in 0..=periods {
            flags.push(
                max(when(column("__segql_offset").eq(lit(p)), lit(1i64)).otherwise(lit(0i64))?)
                    .alias(flag(p)),
            );
        }
        let mut actor_keys = vec![column(ACTOR), column(out::COHORT)];
        let mut cohort_keys = vec![column(out::COHORT)];
        if has_by {
            actor_keys.push(column(BY));
            cohort_keys.insert(0, column(BY));
        }
        let mut sums = vec![count(lit(1i64)).alias(out::USERS)];
        sums.extend((0..=periods).map(|p| sum(column(&flag(p))).alias(flag(p))));
        let per_cohort = joined
            .project(projection)?
            .aggregate(actor_keys, flags)?
            .aggregate(cohort_keys, sums)?
            .build()?;
        let mut retained = datafusion_expr::case(column(out::PERIOD));
        for p in 0..=periods {
            retained = retained.when(lit(p), column(&flag(p)));
        }
        retention_rows(
            LogicalPlanBuilder::from(per_cohort).cross_join(period_table(periods)?)?,
            retention
                .by
                .as_ref()
                .map(|by| (column(BY), by.name.as_str())),
            [
                column(out::COHORT),
                column(out::PERIOD),
                column(out::USERS),
                retained.end()?,
            ],
        )
    }
}

/// The table of periods 0 through `periods`, column `period`.
fn period_table(periods: i64) -> Result<LogicalPlan> {
    values_table(
        (0..=periods).map(|p| vec![lit(p)]).collect(),
        &[out::PERIOD],
    )
}

/// A retention's rows (LANGUAGE.md §5) from `rows`, sorted: the `by` value
/// under its name, then the cohort, the period, the users, the users
/// retained and their rate.
fn retention_rows(
    rows: LogicalPlanBuilder,
    by: Option<(Expr, &str)>,
    [cohort, period, users, retained]: [Expr; 4],
) -> Result<LogicalPlan> {
    let mut output = vec![];
    let mut order = vec![];
    if let Some((value, name)) = by {
        output.push(value.alias(name));
        order.push(column(name).sort(true, false));
    }
    let rate = cast(retained.clone(), DataType::Float64) / cast(users.clone(), DataType::Float64);
    output.extend([
        cohort.alias_if_changed(out::COHORT.to_string())?,
        period.alias_if_changed(out::PERIOD.to_string())?,
        users.alias_if_changed(out::USERS.to_string())?,
        retained.alias(out::RETAINED),
        rate.alias(out::RATE),
    ]);
    order.push(column(out::COHORT).sort(true, false));
    order.push(column(out::PERIOD).sort(true, false));
    rows.project(output)?.sort(order)?.build()
}

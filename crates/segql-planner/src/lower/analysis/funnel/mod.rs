//! Funnels: how far each actor gets along the steps, counted per step (and
//! per `compare` segment, `by` group and period of entry), with conversion
//! rates and times to convert.

mod actors;
mod any_order;
mod carried_starts;
mod portable;

use actors::time_column;
pub(crate) use any_order::MAX_ANY_ORDER_STEPS;

use crate::ir::*;
use crate::lower::analysis::{BLOCK, BY, FURTHEST, values_table};
use crate::lower::expr::{column, qualified};
use crate::lower::sequence::START;
use crate::lower::{Lowering, Result};
use crate::names::ACTOR;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit, when};
use datafusion_functions_aggregate::expr_fn::{count, median, sum};
use segql_syntax::result::column as out;

/// Column of the first local day of an actor's period of entry.
const PERIOD: &str = "__segql_period";

/// Column of an actor's time to convert to step `j` in whole
/// milliseconds.
fn millis_column(j: usize) -> String {
    format!("__segql_millis{j}")
}

impl Lowering<'_> {
    pub(in crate::lower) fn funnel(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let mut actors = self.funnel_actors(funnel)?;
        if let Some(by) = funnel.by.as_ref().filter(|b| b.source == BySource::Profile) {
            actors = self.with_profile_by(actors, by)?;
        }
        let k = funnel.labels.len();
        let has_by = funnel.by.is_some();
        let has_period = funnel.every.is_some();
        // An actor's per-actor columns besides its block: FURTHEST, BY, the
        // period of entry and the times in seconds.
        let mut per_actor = vec![column(FURTHEST)];
        if has_by {
            per_actor.push(column(BY));
        }
        if let Some(period) = funnel.every {
            per_actor.push(self.period_start(period, column(START)).alias(PERIOD));
        }
        for j in 2..=k {
            // §12: "in seconds with millisecond precision": whole
            // milliseconds, summed exactly whatever the order of the rows.
            per_actor.push((column(&time_column(j)) / lit(1000i64)).alias(millis_column(j)));
        }
        // The names of those columns, which every block carries.
        let carried: Vec<String> = per_actor
            .iter()
            .map(|e| e.schema_name().to_string())
            .collect();
        let actors = LogicalPlanBuilder::from(actors)
            .project({
                let mut p = vec![column(ACTOR)];
                p.extend(per_actor);
                p
            })?
            .build()?;

        // The block each actor counts in: block 0, or one row per `compare`
        // segment it belongs to. Every block reads the one actors relation,
        // so the sequence is matched once whatever the number of blocks.
        let in_blocks = if funnel.compare.is_empty() {
            let mut projection = vec![lit(0i64).alias(BLOCK)];
            projection.extend(carried.iter().map(|c| column(c)));
            LogicalPlanBuilder::from(actors)
                .project(projection)?
                .build()?
        } else {
            let mut memberships: Option<LogicalPlanBuilder> = None;
            for (index, (_, cond)) in funnel.compare.iter().enumerate() {
                let members = LogicalPlanBuilder::from(self.cond(cond)?)
                    .project(vec![
                        lit(index as i64).alias(BLOCK),
                        column(ACTOR).alias("__segql_m_actor"),
                    ])?
                    .build()?;
                memberships = Some(match memberships {
                    None => LogicalPlanBuilder::from(members),
                    Some(all) => all.union(members)?,
                });
            }
            let memberships = memberships.expect("compare names a segment").build()?;
            let (joined, a, m) =
                self.join_actors(actors, memberships, JoinType::Inner, "__segql_m_actor")?;
            let mut projection = vec![Expr::Column(qualified(&m, BLOCK)).alias(BLOCK)];
            projection.extend(
                carried
                    .iter()
                    .map(|c| Expr::Column(qualified(&a, c)).alias(c.as_str())),
            );
            joined.project(projection)?.build()?
        };

        // Per block (and by group and period): the users reaching each
        // step, and the mean and median of their times to it.
        let mut aggregates = Vec::with_capacity(3 * k);
        for j in 1..=k {
            let reached =
                when(column(FURTHEST).gt_eq(lit(j as i64)), lit(1i64)).otherwise(lit(0i64))?;
            aggregates.push(sum(reached).alias(users_column(j)));
        }
        for j in 2..=k {
            // The mean as an exact sum over a count, and the median of
            // milliseconds (the mean of two middle values is exact there):
            // the same digits on any number of threads.
            let millis = column(&millis_column(j));
            let mean = cast(sum(millis.clone()), DataType::Float64)
                / cast(count(millis.clone()), DataType::Float64);
            let seconds = |ms: Expr| ms / lit(1000.0f64);
            aggregates.push(seconds(mean).alias(average_column(j)));
            aggregates
                .push(seconds(median(cast(millis, DataType::Float64))).alias(median_column(j)));
        }
        let mut groups = vec![column(BLOCK)];
        if has_by {
            groups.push(column(BY));
        }
        if has_period {
            groups.push(column(PERIOD));
        }
        let mut counts = LogicalPlanBuilder::from(in_blocks)
            .aggregate(groups, aggregates)?
            .build()?;
        let computed: Vec<String> = (1..=k)
            .map(users_column)
            .chain((2..=k).flat_map(|j| [average_column(j), median_column(j)]))
            .collect();
        if !has_by && !has_period {
            // Without `by` or `every`, every block has its rows even when
            // nobody is in it. (With `every`, only periods in which some
            // actor entered have rows.)
            let blocks = funnel.compare.len().max(1);
            let block_table = values_table(
                (0..blocks).map(|b| vec![lit(b as i64)]).collect(),
                &["__segql_b"],
            )?;
            let (joined, b, c) =
                self.join_keyed(block_table, counts, JoinType::Left, &[("__segql_b", BLOCK)])?;
            let mut projection = vec![Expr::Column(qualified(&b, "__segql_b")).alias(BLOCK)];
            projection.extend(
                computed
                    .iter()
                    .map(|name| Expr::Column(qualified(&c, name)).alias(name.as_str())),
            );
            counts = joined.project(projection)?.build()?;
        }

        // Unpivot: one row per step, by a join with the table of steps.
        let step_table = values_table(
            (1..=k)
                .map(|j| vec![lit(j as i64), lit(funnel.labels[j - 1].clone())])
                .collect(),
            &[out::STEP, out::LABEL],
        )?;
        let users_at = |j: usize| {
            datafusion_functions::expr_fn::coalesce(vec![column(&users_column(j)), lit(0i64)])
        };
        let by_step = |value: &dyn Fn(usize) -> Expr| -> Result<Expr> {
            let mut case = datafusion_expr::case(column(out::STEP));
            for j in 1..=k {
                case = case.when(lit(j as i64), value(j));
            }
            case.end()
        };
        // Step 1 has no time to convert.
        let no_time = || lit(datafusion_common::ScalarValue::Float64(None));
        let users = by_step(&users_at)?;
        let previous = by_step(&|j| users_at(j.saturating_sub(1).max(1)))?;
        let average = by_step(&|j| match j {
            1 => no_time(),
            _ => column(&average_column(j)),
        })?;
        let middle = by_step(&|j| match j {
            1 => no_time(),
            _ => column(&median_column(j)),
        })?;
        let ratio = |num: Expr, den: Expr| -> Result<Expr> {
            when(den.clone().eq(lit(0i64)), lit(0.0f64))
                .otherwise(cast(num, DataType::Float64) / cast(den, DataType::Float64))
        };
        let mut projection = vec![column(BLOCK)];
        if !funnel.compare.is_empty() {
            let mut label = datafusion_expr::case(column(BLOCK));
            for (index, (name, _)) in funnel.compare.iter().enumerate() {
                label = label.when(lit(index as i64), lit(name.clone()));
            }
            projection.push(label.end()?.alias(out::SEGMENT));
        }
        if let Some(by) = &funnel.by {
            projection.push(column(BY).alias(by.name.as_str()));
        }
        if has_period {
            projection.push(column(PERIOD).alias(out::PERIOD));
        }
        projection.push(column(out::STEP));
        projection.push(column(out::LABEL));
        projection.push(users.clone().alias(out::USERS));
        projection.push(ratio(users.clone(), users_at(1))?.alias(out::CONVERSION));
        projection.push(
            when(column(out::STEP).eq(lit(1i64)), lit(1.0f64))
                .otherwise(ratio(users, previous)?)?
                .alias(out::STEP_CONVERSION),
        );
        projection.push(average.alias(out::AVERAGE_SECONDS));
        projection.push(middle.alias(out::MEDIAN_SECONDS));
        let rows = LogicalPlanBuilder::from(counts)
            .cross_join(step_table)?
            .project(projection)?;
        let mut order = vec![column(BLOCK).sort(true, false)];
        if let Some(by) = &funnel.by {
            order.push(column(&by.name).sort(true, false));
        }
        if has_period {
            order.push(column(out::PERIOD).sort(true, false));
        }
        order.push(column(out::STEP).sort(true, false));
        let output: Vec<Expr> = rows
            .schema()
            .fields()
            .iter()
            .filter(|f| f.name() != BLOCK)
            .map(|f| column(f.name()))
            .collect();
        rows.sort(order)?.project(output)?.build()
    }
}

/// Column of the users reaching step `j` in a group.
fn users_column(j: usize) -> String {
    format!("__segql_u{j}")
}

/// Column of the mean time to step `j` in a group.
fn average_column(j: usize) -> String {
    format!("__segql_avg{j}")
}

/// Column of the median time to step `j` in a group.
fn median_column(j: usize) -> String {
    format!("__segql_median{j}")
}

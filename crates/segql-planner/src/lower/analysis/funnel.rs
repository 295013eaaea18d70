//! Funnels: how far each actor gets along the steps, counted per step (and
//! per `compare` segment and `by` group), with conversion rates.

use crate::ir::*;
use crate::lower::analysis::{BLOCK, BY, FURTHEST, values_table};
use crate::lower::expr::{column, qualified};
use crate::lower::holding::Shared;
use crate::lower::sequence::{MATCHED, START, TOP};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, SESSION};
use crate::udaf::sequence::SequenceOutput;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, cast, lit, when};
use datafusion_functions_aggregate::expr_fn::{max, min, sum};
use segql_syntax::result::column as out;

impl Lowering<'_> {
    /// Per actor that reaches step 1: FURTHEST (the last positive step it
    /// reaches, from 1) and, with an event `by`, BY read on the step-1
    /// event starting its furthest-reaching chain (the earliest one).
    fn funnel_actors(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let event_by = funnel.by.as_ref().filter(|b| b.source == BySource::Event);
        let events = self.scoped_events(&funnel.scope)?.build()?;
        // A funnel's chains share a session with `within session`; they
        // hold no other value yet.
        let shared = Shared::new(funnel.within, &[]);
        if event_by.is_none()
            && let Some(pattern) =
                self.native_pattern(&funnel.steps, funnel.within, SequenceOutput::Furthest)
        {
            return self
                .native_sequence(
                    &funnel.steps,
                    &shared,
                    LogicalPlanBuilder::from(events),
                    pattern,
                )?
                .filter(column(MATCHED).gt(lit(0i64)))?
                .aggregate(
                    vec![column(ACTOR)],
                    vec![max(column(MATCHED)).alias(FURTHEST)],
                )?
                .build();
        }
        // With an event `by`, the native matcher also gives, per actor (and
        // session), the time of the earliest start reaching the furthest
        // step.
        let native_with_start = event_by.and_then(|_| {
            self.native_pattern(
                &funnel.steps,
                funnel.within,
                SequenceOutput::FurthestWithStart,
            )
        });
        let mut per_partition = if let Some(pattern) = native_with_start {
            let field = |name: &str| {
                datafusion_functions::core::expr_fn::get_field(column(MATCHED), name.to_string())
            };
            self.native_sequence(
                &funnel.steps,
                &shared,
                LogicalPlanBuilder::from(events.clone()),
                pattern,
            )?
            .project({
                let mut p = vec![column(ACTOR)];
                if funnel.within == Within::Session {
                    p.push(column(SESSION));
                }
                p.push(field(crate::udaf::sequence::FURTHEST_FIELD).alias(FURTHEST));
                p.push(field(crate::udaf::sequence::START_FIELD).alias(START));
                p
            })?
            .filter(column(FURTHEST).gt(lit(0i64)))?
        } else {
            let reach = self.reach(
                &funnel.steps,
                funnel.within,
                &shared,
                LogicalPlanBuilder::from(events.clone()),
                event_by.is_some(),
                true,
            )?;
            let k = reach.k;
            // Furthest step short of the last, per row.
            let below = column(TOP);
            let mut aggregates = reach.end_check_aggregates()?;
            aggregates.push(max(below).alias("__segql_below"));
            let check = reach.end_check();
            let furthest = when(check, lit(k as i64))
                .otherwise(column("__segql_below"))?
                .alias(FURTHEST);
            reach
                .rows
                .aggregate(reach.partition.clone(), aggregates)?
                .project({
                    let mut p = vec![column(ACTOR), furthest];
                    if event_by.is_some() {
                        if funnel.within == Within::Session {
                            p.push(column(SESSION));
                        }
                        p.push(column(START));
                    }
                    p
                })?
                .filter(column(FURTHEST).is_not_null())?
        };
        let Some(by) = event_by else {
            return per_partition
                .aggregate(
                    vec![column(ACTOR)],
                    vec![max(column(FURTHEST)).alias(FURTHEST)],
                )?
                .build();
        };
        // The earliest start among the partitions reaching the actor's
        // furthest step: the partitions first by furthest step (descending),
        // then by start; those ranked first are kept (several sessions may
        // share that start). One window, so that SQL export writes it as one
        // derived table.
        let first = datafusion_functions_window::expr_fn::rank()
            .partition_by(vec![column(ACTOR)])
            .order_by(vec![
                column(FURTHEST).sort(false, false),
                column(START).sort(true, false),
            ])
            .build()?;
        let first_name = first.schema_name().to_string();
        let mut kept = vec![column(ACTOR)];
        if funnel.within == Within::Session {
            kept.push(column(SESSION));
        }
        kept.extend([column(FURTHEST), column(START)]);
        per_partition = per_partition
            .window(vec![first])?
            .filter(column(&first_name).eq(lit(1u64)))?
            .project(kept)?;
        // The by value on a step-1 event at that start, in that partition:
        // with `within session` a step-1 event of another session (or of
        // none) at the same time starts no such chain. Every step-1 event
        // of the partition at that time does (chains depend on times only),
        // and on a tie the smallest value wins, nulls last (min skips them).
        let first_step = funnel.steps[0].predicate.clone();
        let (joined, a, v) = self.join_by_at(
            per_partition,
            START,
            (events, first_step),
            by,
            funnel.within == Within::Session,
        )?;
        joined
            .aggregate(
                vec![Expr::Column(qualified(&a, ACTOR)).alias(ACTOR)],
                vec![
                    max(Expr::Column(qualified(&a, FURTHEST))).alias(FURTHEST),
                    min(Expr::Column(qualified(&v, BY))).alias(BY),
                ],
            )?
            .build()
    }

    pub(in crate::lower) fn funnel(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let mut actors = self.funnel_actors(funnel)?;
        if let Some(by) = funnel.by.as_ref().filter(|b| b.source == BySource::Profile) {
            actors = self.with_profile_by(actors, by)?;
        }
        let k = funnel.labels.len();
        let has_by = funnel.by.is_some();
        let by_column = || if has_by { vec![column(BY)] } else { vec![] };

        // The block each actor counts in: block 0, or one row per `compare`
        // segment it belongs to. Every block reads the one actors relation,
        // so the sequence is matched once whatever the number of blocks.
        let in_blocks = if funnel.compare.is_empty() {
            let mut projection = vec![lit(0i64).alias(BLOCK), column(FURTHEST)];
            projection.extend(by_column());
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
            let mut projection = vec![
                Expr::Column(qualified(&m, BLOCK)).alias(BLOCK),
                Expr::Column(qualified(&a, FURTHEST)).alias(FURTHEST),
            ];
            if has_by {
                projection.push(Expr::Column(qualified(&a, BY)).alias(BY));
            }
            joined.project(projection)?.build()?
        };

        // Users reaching each step, per block (and by group): one row each.
        let mut sums = Vec::with_capacity(k);
        for j in 1..=k {
            let reached =
                when(column(FURTHEST).gt_eq(lit(j as i64)), lit(1i64)).otherwise(lit(0i64))?;
            sums.push(sum(reached).alias(format!("__segql_u{j}")));
        }
        let mut groups = vec![column(BLOCK)];
        groups.extend(by_column());
        let mut counts = LogicalPlanBuilder::from(in_blocks)
            .aggregate(groups, sums)?
            .build()?;
        if !has_by {
            // Without `by`, every block has its rows even when nobody is in
            // it.
            let blocks = funnel.compare.len().max(1);
            let block_table = values_table(
                (0..blocks).map(|b| vec![lit(b as i64)]).collect(),
                &["__segql_b"],
            )?;
            let (joined, b, c) =
                self.join_keyed(block_table, counts, JoinType::Left, &[("__segql_b", BLOCK)])?;
            let mut projection = vec![Expr::Column(qualified(&b, "__segql_b")).alias(BLOCK)];
            projection.extend((1..=k).map(|j| {
                let name = format!("__segql_u{j}");
                Expr::Column(qualified(&c, &name)).alias(name)
            }));
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
            datafusion_functions::expr_fn::coalesce(vec![
                column(&format!("__segql_u{j}")),
                lit(0i64),
            ])
        };
        let by_step = |value: &dyn Fn(usize) -> Expr| -> Result<Expr> {
            let mut case = datafusion_expr::case(column(out::STEP));
            for j in 1..=k {
                case = case.when(lit(j as i64), value(j));
            }
            case.end()
        };
        let users = by_step(&users_at)?;
        let previous = by_step(&|j| users_at(j.saturating_sub(1).max(1)))?;
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
        projection.push(column(out::STEP));
        projection.push(column(out::LABEL));
        projection.push(users.clone().alias(out::USERS));
        projection.push(ratio(users.clone(), users_at(1))?.alias(out::CONVERSION));
        projection.push(
            when(column(out::STEP).eq(lit(1i64)), lit(1.0f64))
                .otherwise(ratio(users, previous)?)?
                .alias(out::STEP_CONVERSION),
        );
        let rows = LogicalPlanBuilder::from(counts)
            .cross_join(step_table)?
            .project(projection)?;
        let mut order = vec![column(BLOCK).sort(true, false)];
        if let Some(by) = &funnel.by {
            order.push(column(&by.name).sort(true, false));
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

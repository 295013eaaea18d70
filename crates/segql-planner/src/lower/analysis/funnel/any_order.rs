//! `in any order` in the portable engine (LANGUAGE.md §12), by Hall's
//! theorem: steps 1..j can each get a distinct event of a set of events
//! exactly when, for every set S of those steps, at least |S| of the
//! events match some step of S. So a window of events reaches step j when
//! the counts of the events matching each subset of steps 1..j pass, which
//! window sums compute: one per subset of the steps (a funnel has few).
//!
//! Windows start at each event of a group (actor, session, held values)
//! and grow in time: the smallest span reaching step j is the smallest
//! `t - start` over the windows and rows reaching it (with `within D`,
//! rows up to start + D only). The entry (the earliest event that an
//! assignment reaching the actor's furthest step K gives step 1) is an
//! event e of step 1 in a window [start, start + D] where steps 2..K can
//! each get a distinct other event: Hall's condition for them over the
//! window's events, each set S of them that is tight (exactly |S| events
//! match it) not matched by e.

use super::actors::time_column;
use crate::ir::*;
use crate::lower::analysis::FURTHEST;
use crate::lower::expr::{aggregate_over, balanced, column, exactly_true, qualified};
use crate::lower::holding::Shared;
use crate::lower::relations::join_aliased;
use crate::lower::sequence::{START, step_events};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use datafusion_common::{JoinType, NullEquality, ScalarValue};
use datafusion_expr::{
    Expr, LogicalPlan, LogicalPlanBuilder, Operator, WindowFrame, WindowFrameBound,
    WindowFrameUnits, lit, when,
};
use datafusion_functions_aggregate::expr_fn::{max, min};

/// The most positive steps the portable engine takes in any order: its
/// plan has a window sum per subset of the steps.
pub(crate) const MAX_ANY_ORDER_STEPS: usize = 10;

/// Column of the time a window starts at.
const LEFT: &str = "__segql_left";
/// Column of the steps a window reaches up to a row.
const REACHED: &str = "__segql_reached";
/// Column of an actor's furthest step over all its windows.
const ACTOR_FURTHEST: &str = "__segql_actor_furthest";
/// Column of whether a row's event can be the entry.
const ENTRY_HERE: &str = "__segql_entry_here";

/// Column of whether an event matches positive step `s` (from 0).
fn step_flag(s: usize) -> String {
    format!("__segql_m{s}")
}

/// Column of the number of a window's events up to a row that match some
/// step of the set `bits`.
fn running_count(bits: u32) -> String {
    format!("__segql_c{bits}")
}

/// Column of the number of a whole window's events that match some step of
/// the set `bits`.
fn window_count(bits: u32) -> String {
    format!("__segql_w{bits}")
}

/// The steps of a set, as indexes from 0.
fn members(bits: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |s| bits & (1 << s) != 0)
}

impl Lowering<'_> {
    /// Per window start (actor, shared values, start time): ACTOR, the
    /// shared columns, FURTHEST, START (the actor's entry) and the times.
    pub(super) fn any_order_groups(
        &self,
        funnel: &FunnelIr,
        shared: &Shared,
        events: LogicalPlan,
    ) -> Result<LogicalPlanBuilder> {
        let positive: Vec<Expr> = funnel.steps.iter().map(|s| s.predicate.clone()).collect();
        let k = positive.len();
        // Resolution refuses more, with the text's span.
        if k > MAX_ANY_ORDER_STEPS {
            return datafusion_common::plan_err!(
                "the portable engine runs funnels in any order of at most {MAX_ANY_ORDER_STEPS} steps"
            );
        }
        let entry = funnel.every.is_some();
        let rows = step_events(
            &funnel.steps,
            shared,
            LogicalPlanBuilder::from(events),
            false,
        )?;
        let mut carried = vec![column(ACTOR), column(TS)];
        carried.extend(shared.keys());
        let mut projection = carried.clone();
        for (s, p) in positive.iter().enumerate() {
            projection.push(exactly_true(p.clone()).alias(step_flag(s)));
        }
        let rows = rows.project(projection)?.build()?;

        // Every event's time starts a window of its group.
        let lefts_shared = shared.renamed("__segql_l");
        let mut left_keys = vec![column(ACTOR).alias("__segql_l_actor")];
        left_keys.extend(lefts_shared.iter().map(|(c, l)| column(c).alias(l)));
        left_keys.push(column(TS).alias(LEFT));
        let lefts = LogicalPlanBuilder::from(rows.clone())
            .aggregate(left_keys, Vec::<Expr>::new())?
            .build()?;
        let (e, l) = (self.alias("ae"), self.alias("al"));
        let mut window = Expr::Column(qualified(&e, TS)).gt_eq(Expr::Column(qualified(&l, LEFT)));
        if let Within::Micros(d) = funnel.within {
            window = window.and(
                Expr::Column(qualified(&e, TS)).lt_eq(Expr::Column(qualified(&l, LEFT)) + lit(d)),
            );
        }
        let mut keys = vec![(ACTOR, "__segql_l_actor")];
        keys.extend(lefts_shared.iter().map(|(c, l)| (c.as_str(), l.as_str())));
        let mut names: Vec<String> = vec![ACTOR.to_string(), TS.to_string()];
        names.extend(shared.names());
        names.extend((0..k).map(step_flag));
        let mut projection: Vec<Expr> = names
            .iter()
            .map(|c| Expr::Column(qualified(&e, c)).alias(c.as_str()))
            .collect();
        projection.push(Expr::Column(qualified(&l, LEFT)).alias(LEFT));
        names.push(LEFT.to_string());
        let joined = join_aliased(
            rows,
            lefts,
            (&e, &l),
            JoinType::Inner,
            &keys,
            Some(window),
            NullEquality::NullEqualsNothing,
        )?
        .project(projection)?;

        // Per row: the events of its window so far matching each set of
        // steps (and, for the entry, those of the whole window).
        let mut partition = vec![column(ACTOR)];
        partition.extend(shared.keys());
        partition.push(column(LEFT));
        let matching = |bits: u32| -> Result<Expr> {
            let any = balanced(
                members(bits).map(|s| column(&step_flag(s))).collect(),
                Operator::Or,
            )
            .expect("a set of steps");
            when(any, lit(1i64)).otherwise(lit(0i64))
        };
        let sum_over = |value: Expr, frame: WindowFrame| -> Result<Expr> {
            aggregate_over(
                datafusion_functions_aggregate::sum::sum_udaf(),
                value,
                partition.clone(),
                vec![column(TS).sort(true, false)],
                Some(frame),
            )
        };
        // Up to the row and its peers (equal times), and the whole window.
        let so_far = WindowFrame::new_bounds(
            WindowFrameUnits::Range,
            WindowFrameBound::Preceding(ScalarValue::Int64(None)),
            WindowFrameBound::CurrentRow,
        );
        let whole = WindowFrame::new_bounds(
            WindowFrameUnits::Rows,
            WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
            WindowFrameBound::Following(ScalarValue::UInt64(None)),
        );
        let all_sets = 1u32..(1u32 << k);
        // Sets of steps 2..k (not holding step 1), for the entry.
        let later_sets: Vec<u32> = all_sets.clone().filter(|b| b & 1 == 0).collect();
        let mut windows = Vec::new();
        let mut counted = Vec::new();
        for bits in all_sets.clone() {
            windows.push(sum_over(matching(bits)?, so_far.clone())?);
            counted.push(running_count(bits));
        }
        if entry {
            for &bits in &later_sets {
                windows.push(sum_over(matching(bits)?, whole.clone())?);
                counted.push(window_count(bits));
            }
        }
        let window_names: Vec<String> = windows
            .iter()
            .map(|w| w.schema_name().to_string())
            .collect();
        let mut projection: Vec<Expr> = names.iter().map(|c| column(c)).collect();
        projection.extend(
            window_names
                .iter()
                .zip(&counted)
                .map(|(w, c)| column(w).alias(c.as_str())),
        );
        let counts = joined.window(windows)?.project(projection)?;

        // Hall's condition for steps 1..j over the events so far: every set
        // holding step j (the sets of steps before j were tested for j-1).
        let size = |bits: u32| lit(i64::from(bits.count_ones()));
        let passes = |j: usize| -> Expr {
            let sets: Vec<Expr> = all_sets
                .clone()
                .filter(|bits| bits & (1 << (j - 1)) != 0 && *bits < (1 << j))
                .map(|bits| column(&running_count(bits)).gt_eq(size(bits)))
                .collect();
            balanced(sets, Operator::And).expect("a set holds step j")
        };
        let mut reached = when(!passes(1), lit(0i64));
        for j in 2..=k {
            reached = reached.when(!passes(j), lit(j as i64 - 1));
        }
        let reached = reached.otherwise(lit(k as i64))?;
        let mut projection: Vec<Expr> = names.iter().map(|c| column(c)).collect();
        projection.push(reached.alias(REACHED));
        if entry {
            projection.extend(later_sets.iter().map(|&b| column(&window_count(b))));
        }
        let mut rows = counts.project(projection)?;

        let mut aggregates = vec![max(column(REACHED)).alias(FURTHEST)];
        for j in 2..=k {
            aggregates.push(
                min(when(
                    column(REACHED).gt_eq(lit(j as i64)),
                    column(TS) - column(LEFT),
                )
                .end()?)
                .alias(time_column(j)),
            );
        }
        if entry {
            rows = self.any_order_entry(rows, k, &later_sets, &names)?;
            // The actor's entry, the same on each of its rows.
            aggregates.push(min(column(START)).alias(START));
        }
        let mut output = partition.clone();
        output.pop();
        output.push(column(FURTHEST));
        // Without `every`, no entry is asked for.
        output.push(match entry {
            true => column(START),
            false => lit(ScalarValue::Int64(None)).alias(START),
        });
        output.extend((2..=k).map(|j| column(&time_column(j))));
        rows.aggregate(partition, aggregates)?.project(output)
    }

    /// `rows` (with REACHED and the whole windows' counts) with START: the
    /// actor's entry, the earliest event of step 1 that a window holding it
    /// lets start an assignment reaching the actor's furthest step.
    fn any_order_entry(
        &self,
        rows: LogicalPlanBuilder,
        k: usize,
        later_sets: &[u32],
        names: &[String],
    ) -> Result<LogicalPlanBuilder> {
        let over_actor = |function: std::sync::Arc<datafusion_expr::AggregateUDF>,
                          value: Expr|
         -> Result<Expr> {
            aggregate_over(function, value, vec![column(ACTOR)], vec![], None)
        };
        let furthest = over_actor(
            datafusion_functions_aggregate::min_max::max_udaf(),
            column(REACHED),
        )?;
        let furthest_name = furthest.schema_name().to_string();
        let mut kept: Vec<Expr> = names.iter().map(|c| column(c)).collect();
        kept.push(column(REACHED));
        kept.extend(later_sets.iter().map(|&b| column(&window_count(b))));
        let mut projection = kept.clone();
        projection.push(column(&furthest_name).alias(ACTOR_FURTHEST));
        let rows = rows.window(vec![furthest])?.project(projection)?;

        // With furthest step K: the event matches step 1, Hall's condition
        // holds for steps 2..K over the whole window, and no tight set of
        // them holds a step the event matches.
        let size = |bits: u32| lit(i64::from(bits.count_ones()));
        let within = |bits: u32, j: usize| bits < (1 << j);
        let mut case = datafusion_expr::case(column(ACTOR_FURTHEST)).when(lit(1i64), lit(true));
        for j in 2..=k {
            let sets: Vec<u32> = later_sets
                .iter()
                .copied()
                .filter(|&b| within(b, j))
                .collect();
            let hall = balanced(
                sets.iter()
                    .map(|&b| column(&window_count(b)).gt_eq(size(b)))
                    .collect(),
                Operator::And,
            )
            .expect("steps 2..j have a set");
            let blocked: Vec<Expr> = (1..j)
                .map(|s| {
                    let tight = balanced(
                        sets.iter()
                            .filter(|&&b| b & (1 << s) != 0)
                            .map(|&b| column(&window_count(b)).eq(size(b)))
                            .collect(),
                        Operator::Or,
                    )
                    .expect("a set holds step s");
                    column(&step_flag(s)).and(tight)
                })
                .collect();
            let free = !balanced(blocked, Operator::Or).expect("a step");
            case = case.when(lit(j as i64), hall.and(free));
        }
        let here = column(&step_flag(0)).and(case.otherwise(lit(false))?);
        let mut projection = kept;
        projection.push(exactly_true(here).alias(ENTRY_HERE));
        let rows = rows.project(projection)?;
        let earliest = over_actor(
            datafusion_functions_aggregate::min_max::min_udaf(),
            when(column(ENTRY_HERE), column(TS)).end()?,
        )?;
        let earliest_name = earliest.schema_name().to_string();
        let mut projection: Vec<Expr> = names.iter().map(|c| column(c)).collect();
        projection.push(column(REACHED));
        projection.push(column(&earliest_name).alias(START));
        rows.window(vec![earliest])?.project(projection)
    }
}

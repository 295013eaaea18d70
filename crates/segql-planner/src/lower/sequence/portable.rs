//! Sequences by window passes: standard operators only, so the plan runs
//! in any session and unparses to SQL.

use crate::ir::*;
use crate::lower::expr::{aggregate_over, balanced, column, exactly_true, filter_form, qualified};
use crate::lower::holding::Shared;
use crate::lower::relations::{join_aliased, window_pass};
use crate::lower::sequence::{START, TOP, step_events};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, SESSION, TS};
use datafusion_common::{JoinType, NullEquality, ScalarValue};
use datafusion_expr::{
    Expr, LogicalPlanBuilder, Operator, WindowFrame, WindowFrameBound, WindowFrameUnits, lit, when,
};
use datafusion_functions_aggregate::expr_fn::max;
use std::collections::BTreeSet;

impl Lowering<'_> {
    /// The reachability of each step of a sequence, event by event.
    ///
    /// `events` are the events the sequence sees (range and scope applied);
    /// `shared` the columns its chains share (session, held values).
    /// The result has, per row: ACTOR, TS, the partition columns, the
    /// columns the steps read, and `__segql_r{k-1}` — the event matches the
    /// last positive step and ends a chain of every positive step that
    /// obeys every rule but the negated steps after the last positive step
    /// (which [`Reach::end_check`] tests per partition). With `furthest`,
    /// also TOP: the most positive steps short of the last that a chain
    /// ending at the event reaches (null when none). With `by_start`, every
    /// chain lives in a partition of its own start time (column
    /// `__segql_start`), so a partition's result belongs to the chains that
    /// start there.
    ///
    /// Each window pass evaluates its own step's predicates over the event
    /// columns the rows carry, and keeps only the reach flag of its step:
    /// a pass carries a bounded number of columns however many steps there
    /// are (a flag per step carried through every pass would make the plan,
    /// and every pass of its run, grow with the square of the steps).
    pub(in crate::lower) fn reach(
        &self,
        steps: &[StepIr],
        within: Within,
        shared: &Shared,
        events: LogicalPlanBuilder,
        shape: ReachShape,
    ) -> Result<Reach> {
        let ReachShape {
            by_start,
            furthest,
            times,
            strict,
        } = shape;
        // In strict order every event stands between the ones around it,
        // those of other held values too: the partition of a chain holds
        // them all, and a step matches only events of its start's values.
        let strict_held = strict && shared.holds();
        // Positive steps, and for each the negated steps of the gap after it
        // (the last gap is "after the last positive step").
        let mut positive: Vec<Expr> = Vec::new();
        let mut gaps: Vec<Vec<Expr>> = Vec::new();
        for step in steps {
            if step.negated {
                gaps.last_mut()
                    .expect("a sequence starts with a positive step")
                    .push(step.predicate.clone());
            } else {
                positive.push(step.predicate.clone());
                gaps.push(Vec::new());
            }
        }
        let gaps: Vec<Option<Expr>> = gaps
            .into_iter()
            .map(|g| balanced(g, Operator::Or))
            .collect();
        let k = positive.len();
        let positive_first = positive[0].clone();
        let rows = if strict {
            assert!(by_start, "strict order partitions chains by their start");
            let session = Shared::new(within, &[]);
            let rows = match session.present() {
                Some(present) => events.filter(present)?,
                None => events,
            };
            shared.with_values(rows)?
        } else {
            step_events(steps, shared, events, false)?
        };
        // With held values in strict order: the start's values, as columns
        // of the partition, and each step's events of those values only.
        let starts_held: Vec<(String, String)> = if strict_held {
            shared
                .renamed("__segql_s")
                .into_iter()
                .filter(|(c, _)| c != SESSION)
                .collect()
        } else {
            Vec::new()
        };
        let same_values = balanced(
            starts_held
                .iter()
                .map(|(c, s)| column(c).eq(column(s)))
                .collect(),
            Operator::And,
        );
        let positive: Vec<Expr> = match &same_values {
            Some(same) => positive.into_iter().map(|p| p.and(same.clone())).collect(),
            None => positive,
        };
        let mut carried = carried_columns(steps, shared, &[ACTOR, TS, SESSION]);
        let mut rows = rows.project(carried.iter().map(|c| column(c)).collect::<Vec<_>>())?;

        // The partition a chain lives in, and which events may start it.
        let (partition, first_reachable) = if by_start || matches!(within, Within::Micros(_)) {
            // One partition per actor (and session) and start time: the
            // events from the start on (to the start + D, inclusive).
            let rows_plan = rows.build()?;
            let starts_shared = shared.renamed("__segql_s");
            let mut start_keys = vec![column(ACTOR).alias("__segql_s_actor")];
            start_keys.extend(starts_shared.iter().map(|(c, s)| column(c).alias(s)));
            start_keys.push(column(TS).alias(START));
            // A chain starts at a step-1 event with every held value (a
            // null never matches).
            let mut first_step = filter_form(positive_first.clone());
            for (held, _) in &starts_held {
                first_step = first_step.and(column(held).is_not_null());
            }
            let starts = LogicalPlanBuilder::from(rows_plan.clone())
                .filter(first_step)?
                .aggregate(start_keys, Vec::<Expr>::new())?
                .build()?;
            let (e, s) = (self.alias("e"), self.alias("st"));
            let mut projection: Vec<Expr> = carried
                .iter()
                .map(|c| Expr::Column(qualified(&e, c)).alias(c.as_str()))
                .collect();
            projection.push(Expr::Column(qualified(&s, START)).alias(START));
            projection.extend(
                starts_held
                    .iter()
                    .map(|(_, held)| Expr::Column(qualified(&s, held)).alias(held.as_str())),
            );
            let mut window =
                Expr::Column(qualified(&e, TS)).gt_eq(Expr::Column(qualified(&s, START)));
            if let Within::Micros(d) = within {
                window = window.and(
                    Expr::Column(qualified(&e, TS))
                        .lt_eq(Expr::Column(qualified(&s, START)) + lit(d)),
                );
            }
            let mut keys = vec![(ACTOR, "__segql_s_actor")];
            keys.extend(
                starts_shared
                    .iter()
                    .filter(|(c, _)| !strict_held || c == SESSION)
                    .map(|(c, s)| (c.as_str(), s.as_str())),
            );
            rows = join_aliased(
                rows_plan,
                starts,
                (&e, &s),
                JoinType::Inner,
                &keys,
                Some(window),
                NullEquality::NullEqualsNothing,
            )?
            .project(projection)?;
            carried.push(START.to_string());
            carried.extend(starts_held.iter().map(|(_, held)| held.clone()));
            let mut partition = vec![column(ACTOR)];
            if strict_held {
                partition.extend(within_session_keys(within));
                partition.extend(starts_held.iter().map(|(_, held)| column(held)));
            } else {
                partition.extend(shared.keys());
            }
            partition.push(column(START));
            (
                partition,
                positive[0].clone().and(column(TS).eq(column(START))),
            )
        } else {
            let mut partition = vec![column(ACTOR)];
            partition.extend(shared.keys());
            (partition, positive[0].clone())
        };

        // Per pass: the carried columns, the reach flag of the pass's step,
        // and TOP.
        let mut keep: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
        if furthest {
            keep.push(lit(ScalarValue::Int64(None)).alias(TOP));
        }
        keep.push(exactly_true(first_reachable).alias(reach_flag(0)));
        rows = rows.project(keep)?;
        let mut carried: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
        if furthest {
            carried.push(column(TOP));
        }
        let mut time_columns: Vec<String> = Vec::new();
        for j in 1..k {
            let before = strictly_before();
            let latest = |of: Expr| -> Result<Expr> {
                aggregate_over(
                    datafusion_functions_aggregate::min_max::max_udaf(),
                    when(of, column(TS)).end()?,
                    partition.clone(),
                    vec![column(TS).sort(true, false)],
                    Some(before.clone()),
                )
            };
            let mut windows = vec![latest(column(&reach_flag(j - 1)))?];
            if let Some(gap) = &gaps[j - 1] {
                windows.push(latest(filter_form(gap.clone()))?);
            }
            if strict {
                // The instant just before: a chain continues only from it.
                windows.push(latest(lit(true))?);
            }
            let names: Vec<String> = windows
                .iter()
                .map(|w| w.schema_name().to_string())
                .collect();
            let previous = column(&names[0]);
            let mut reachable = positive[j].clone().and(previous.clone().is_not_null());
            if gaps[j - 1].is_some() {
                let negated = column(&names[1]);
                reachable = reachable.and(
                    negated
                        .clone()
                        .is_null()
                        .or(negated.lt_eq(previous.clone())),
                );
            }
            if strict {
                let just_before = column(names.last().expect("the instant before"));
                reachable = reachable.and(previous.eq(just_before));
            }
            let mut projection = carried.clone();
            if furthest {
                // A chain reaching step j-1 (j steps) ends here; a later
                // pass overrides an earlier one.
                let top = projection.pop().expect("TOP is carried last");
                projection.push(
                    when(column(&reach_flag(j - 1)), lit(j as i64))
                        .otherwise(top)?
                        .alias(TOP),
                );
            }
            // The times at which chains reach the steps before, carried to
            // the end, and the previous step's.
            projection.extend(time_columns.iter().map(|t| column(t)));
            if times && j >= 2 {
                projection.push(
                    when(column(&reach_flag(j - 1)), column(TS))
                        .end()?
                        .alias(time_at(j - 1)),
                );
                time_columns.push(time_at(j - 1));
            }
            projection.push(exactly_true(reachable).alias(reach_flag(j)));
            rows = window_pass(rows, windows, projection)?;
        }
        Ok(Reach {
            rows,
            partition,
            k,
            end_gap: gaps[k - 1].clone(),
        })
    }
}

/// The columns a chain of window passes over `steps` carries: `always`,
/// the columns the steps read, and the shared columns, each once.
pub(in crate::lower) fn carried_columns(
    steps: &[StepIr],
    shared: &Shared,
    always: &[&str],
) -> Vec<String> {
    let mut read = BTreeSet::new();
    for step in steps {
        read.extend(
            step.predicate
                .column_refs()
                .into_iter()
                .map(|c| c.name.clone()),
        );
    }
    let mut carried: Vec<String> = always.iter().map(|c| c.to_string()).collect();
    for c in read.into_iter().chain(shared.names()) {
        if !carried.contains(&c) {
            carried.push(c);
        }
    }
    carried
}

/// The window frame of the events strictly before an event (a `RANGE` over
/// TS, so that events at the same time are never before one another): the
/// events a step reads the previous step from.
pub(in crate::lower) fn strictly_before() -> WindowFrame {
    WindowFrame::new_bounds(
        WindowFrameUnits::Range,
        WindowFrameBound::Preceding(ScalarValue::Int64(None)),
        WindowFrameBound::Preceding(ScalarValue::Int64(Some(1))),
    )
}

pub(in crate::lower) fn reach_flag(j: usize) -> String {
    format!("__segql_r{j}")
}

/// Column of the time at which a chain reaches positive step `j` (from 0)
/// at an event, see [`ReachShape::times`].
pub(in crate::lower) fn time_at(j: usize) -> String {
    format!("__segql_t{j}")
}

/// The keys of a chain's session: SESSION with `within session`.
fn within_session_keys(within: Within) -> Vec<Expr> {
    Shared::new(within, &[]).keys()
}

/// What [`Lowering::reach`] computes besides the last step's flag.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::lower) struct ReachShape {
    /// Every chain in a partition of its own start time (START).
    pub(in crate::lower) by_start: bool,
    /// TOP: the most steps short of the last a chain ending at the event
    /// reaches.
    pub(in crate::lower) furthest: bool,
    /// Per positive step j from 1 short of the last, [`time_at`]`(j)`: the
    /// event's time where a chain reaches step j at it.
    pub(in crate::lower) times: bool,
    /// `in strict order`: every event in the rows, a step only at the
    /// instant just after the previous step's (needs `by_start`).
    pub(in crate::lower) strict: bool,
}

/// Events with their reachability flags, see [`Lowering::reach`].
pub(in crate::lower) struct Reach {
    pub(in crate::lower) rows: LogicalPlanBuilder,
    pub(in crate::lower) partition: Vec<Expr>,
    /// Number of positive steps.
    pub(in crate::lower) k: usize,
    /// The negated steps after the last positive step, as one predicate.
    pub(in crate::lower) end_gap: Option<Expr>,
}

impl Reach {
    /// Per partition: the latest event reaching the last step, and the
    /// latest event of the negated steps after it.
    pub(in crate::lower) fn end_check_aggregates(&self) -> Result<Vec<Expr>> {
        let last = reach_flag(self.k - 1);
        let mut aggregates =
            vec![max(when(column(&last), column(TS)).end()?).alias("__segql_last")];
        if let Some(gap) = &self.end_gap {
            aggregates
                .push(max(when(filter_form(gap.clone()), column(TS)).end()?).alias("__segql_neg"));
        }
        Ok(aggregates)
    }

    /// Whether a partition completes the sequence: a last step is reached
    /// and nothing of the negated steps after it follows it, up to the
    /// partition's end (the session's, the range's, or start + D).
    pub(in crate::lower) fn end_check(&self) -> Expr {
        let reached = column("__segql_last").is_not_null();
        if self.end_gap.is_none() {
            return reached;
        }
        reached.and(
            column("__segql_neg")
                .is_null()
                .or(column("__segql_neg").lt_eq(column("__segql_last"))),
        )
    }
}

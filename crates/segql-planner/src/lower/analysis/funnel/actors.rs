//! Per actor of a funnel: the furthest step it reaches, its entry where
//! `by` an event column or `every` needs it, and its smallest time to each
//! step (LANGUAGE.md §5, §12).
//!
//! Both engines first give rows per group of events a chain lives in (an
//! actor with its session and held values; the portable engine may also
//! split by the chain's start or its entry): FURTHEST, START (the entry: the time of the
//! step-1 event starting the earliest chain that reaches FURTHEST) and per
//! step from 2 the smallest time to convert to it. An actor's furthest step
//! is the largest of its groups', its entry the earliest start among the
//! groups reaching that step, and its time to a step the smallest of its
//! groups', "whatever chain fixed its group".

use crate::ir::*;
use crate::lower::analysis::{BY, FURTHEST};
use crate::lower::expr::{aggregate_over, column, qualified};
use crate::lower::holding::Shared;
use crate::lower::sequence::{MATCHED, START};
use crate::lower::{Lowering, Result};
use crate::names::ACTOR;
use crate::udaf::sequence::{
    FURTHEST_FIELD, OrderKind, START_FIELD, SequenceOutput, SequencePattern, time_field,
};
use datafusion_common::ScalarValue;
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, WindowFrame, WindowFrameBound,
    WindowFrameUnits, lit,
};
use datafusion_functions_aggregate::expr_fn::{max, min};

/// Column of an actor's smallest time to convert to positive step `j`
/// (from 2), in microseconds; null when it does not reach the step.
pub(super) fn time_column(j: usize) -> String {
    format!("__segql_time{j}")
}

impl Lowering<'_> {
    /// Per actor reaching step 1: ACTOR, FURTHEST, the time columns from
    /// step 2, and with `entry` START; with `by` an event column also BY,
    /// read on the step-1 event at START (on a tie, the smallest value).
    pub(super) fn funnel_actors(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let event_by = funnel.by.as_ref().filter(|b| b.source == BySource::Event);
        let entry = event_by.is_some() || funnel.every.is_some();
        let events = self.scoped_events(&funnel.scope)?.build()?;
        let shared = Shared::new(funnel.within, &funnel.holding);
        let k = funnel.labels.len();
        let groups = match self.funnel_pattern(funnel, entry) {
            Some(pattern) => self.native_funnel_groups(funnel, &shared, events.clone(), pattern)?,
            None => self.portable_funnel_groups(funnel, &shared, events.clone(), entry)?,
        };
        let groups = groups.filter(column(FURTHEST).gt(lit(0i64)))?;
        let times: Vec<String> = (2..=k).map(time_column).collect();
        let smallest_times = || times.iter().map(|t| min(column(t)).alias(t.as_str()));
        if !entry {
            let mut aggregates = vec![max(column(FURTHEST)).alias(FURTHEST)];
            aggregates.extend(smallest_times());
            return groups.aggregate(vec![column(ACTOR)], aggregates)?.build();
        }
        // The groups reaching the actor's furthest step with the earliest
        // start are ranked first (several sessions may share that start),
        // each with the actor's smallest times over all its groups. One
        // window node, so that SQL export writes it as one derived table.
        let order = vec![
            column(FURTHEST).sort(false, false),
            column(START).sort(true, false),
        ];
        let first = datafusion_functions_window::expr_fn::rank()
            .partition_by(vec![column(ACTOR)])
            .order_by(order.clone())
            .build()?;
        // One node's windows share their order; the smallest times take all
        // of the actor's rows whatever it is.
        let whole = WindowFrame::new_bounds(
            WindowFrameUnits::Rows,
            WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
            WindowFrameBound::Following(ScalarValue::UInt64(None)),
        );
        let first_name = first.schema_name().to_string();
        let mut windows = vec![first];
        for t in &times {
            windows.push(aggregate_over(
                datafusion_functions_aggregate::min_max::min_udaf(),
                column(t),
                vec![column(ACTOR)],
                order.clone(),
                Some(whole.clone()),
            )?);
        }
        let smallest: Vec<String> = windows[1..]
            .iter()
            .map(|w| w.schema_name().to_string())
            .collect();
        let mut kept = vec![column(ACTOR)];
        kept.extend(shared.keys());
        kept.extend([column(FURTHEST), column(START)]);
        kept.extend(
            smallest
                .iter()
                .zip(&times)
                .map(|(s, t)| column(s).alias(t.as_str())),
        );
        let firsts = groups
            .window(windows)?
            .filter(column(&first_name).eq(lit(1u64)))?
            .project(kept)?;
        let Some(by) = event_by else {
            let mut aggregates = vec![
                max(column(FURTHEST)).alias(FURTHEST),
                min(column(START)).alias(START),
            ];
            aggregates.extend(smallest_times());
            return firsts.aggregate(vec![column(ACTOR)], aggregates)?.build();
        };
        // The by value on a step-1 event at that start, in that group: with
        // `within session` a step-1 event of another session (or of none)
        // at the same time starts no such chain. Every step-1 event of the
        // group at that time does (chains depend on times only), and on a
        // tie the smallest value wins, nulls last (min skips them).
        let first_step = funnel.steps[0].predicate.clone();
        let (joined, a, v) = self.join_by_at(firsts, START, (events, first_step), by, &shared)?;
        let of = |name: &str| Expr::Column(qualified(&a, name));
        let mut aggregates = vec![
            max(of(FURTHEST)).alias(FURTHEST),
            min(of(START)).alias(START),
            min(Expr::Column(qualified(&v, BY))).alias(BY),
        ];
        aggregates.extend(times.iter().map(|t| min(of(t)).alias(t.as_str())));
        joined
            .aggregate(vec![of(ACTOR).alias(ACTOR)], aggregates)?
            .build()
    }

    /// The native matcher's pattern for a funnel, when it handles it.
    fn funnel_pattern(&self, funnel: &FunnelIr, entry: bool) -> Option<SequencePattern> {
        // In strict order the events of other held values still stand
        // between a chain's events, which groups by value would hide.
        if funnel.order == OrderKind::Strict && !funnel.holding.is_empty() {
            return None;
        }
        let mut pattern = self.native_pattern(
            &funnel.steps,
            funnel.within,
            SequenceOutput::Funnel { entry },
        )?;
        pattern.order = funnel.order;
        Some(pattern)
    }

    /// The native matcher's rows per group of events (actor and shared
    /// values): ACTOR, the shared columns, FURTHEST, START and the times.
    fn native_funnel_groups(
        &self,
        funnel: &FunnelIr,
        shared: &Shared,
        events: LogicalPlan,
        pattern: SequencePattern,
    ) -> Result<LogicalPlanBuilder> {
        let field = |name: &str| {
            datafusion_functions::core::expr_fn::get_field(column(MATCHED), name.to_string())
        };
        let mut projection = vec![column(ACTOR)];
        projection.extend(shared.keys());
        projection.push(field(FURTHEST_FIELD).alias(FURTHEST));
        projection.push(field(START_FIELD).alias(START));
        for j in 2..=funnel.labels.len() {
            projection.push(field(&time_field(j)).alias(time_column(j)));
        }
        self.native_sequence(
            &funnel.steps,
            shared,
            LogicalPlanBuilder::from(events),
            pattern,
        )?
        .project(projection)
    }
}

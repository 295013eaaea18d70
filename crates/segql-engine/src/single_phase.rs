//! segql's per-actor aggregates in one phase.
//!
//! DataFusion plans every grouped aggregate in two phases: a partial one
//! in each input partition, a repartition by the group keys, and a final
//! one. That pays where the partial phase shrinks the rows (a `count` per
//! group). segql's event aggregates (the sequence matcher, the path
//! builder, the session starts) keep every event of a group to walk them
//! in time order: their partial phase shrinks nothing, it turns the events
//! into lists that the final phase holds again, so the events sit in memory
//! twice and spill sooner. This rule plans them in one phase instead:
//! repartition the events by the group keys, then aggregate once per
//! partition (`SinglePartitioned`), which is what the partial and final
//! phases compute together. The one exception is the session starts by
//! gaps alone, whose partial phase passes on a span per run of events.

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::error::Result;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use segql_planner::udaf::paths::PathBuilder;
use segql_planner::udaf::sequence::SequenceMatch;
use segql_planner::udaf::sessions::SessionStarts;
use std::sync::Arc;

/// The aggregates that keep every event of their group.
const EVENT_AGGREGATES: [&str; 3] = [SequenceMatch::NAME, PathBuilder::NAME, SessionStarts::NAME];

/// Rewrites `FinalPartitioned(Repartition(Hash, Partial(input)))` of segql's
/// event aggregates into `SinglePartitioned(Repartition(Hash, input))`.
#[derive(Debug, Default)]
pub struct SinglePhaseEventAggregates;

impl PhysicalOptimizerRule for SinglePhaseEventAggregates {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|plan| {
            let Some(single) = one_phase(&plan)? else {
                return Ok(Transformed::no(plan));
            };
            Ok(Transformed::yes(single))
        })
        .data()
    }

    fn name(&self) -> &str {
        "segql_single_phase_event_aggregates"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The one-phase form of `plan`, when it is the final phase of segql's
/// event aggregates over a repartition of their partial phase.
fn one_phase(plan: &Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let Some(last) = plan.downcast_ref::<AggregateExec>() else {
        return Ok(None);
    };
    if *last.mode() != AggregateMode::FinalPartitioned {
        return Ok(None);
    }
    let Some(shuffle) = last.input().downcast_ref::<RepartitionExec>() else {
        return Ok(None);
    };
    let Partitioning::Hash(_, partitions) = shuffle.partitioning() else {
        return Ok(None);
    };
    let Some(partial) = shuffle.input().downcast_ref::<AggregateExec>() else {
        return Ok(None);
    };
    // Session starts by gaps alone shrink in their partial phase (to one
    // span per run of events), which pays for the two phases.
    let ours = partial.aggr_expr().iter().all(|a| {
        EVENT_AGGREGATES.contains(&a.fun().name())
            && !SessionStarts::shrinks_in_partial_phase(a.fun())
    });
    if *partial.mode() != AggregateMode::Partial
        || !ours
        || partial.group_expr().has_grouping_set()
        || partial.group_expr().is_empty()
    {
        return Ok(None);
    }
    // The same keys, over the events rather than the partial groups.
    let events = Arc::new(RepartitionExec::try_new(
        Arc::clone(partial.input()),
        Partitioning::Hash(partial.group_expr().input_exprs(), *partitions),
    )?);
    let single = AggregateExec::try_new(
        AggregateMode::SinglePartitioned,
        partial.group_expr().clone(),
        partial.aggr_expr().to_vec(),
        partial.filter_expr().to_vec(),
        events,
        partial.input_schema(),
    )?
    .with_limit_options(last.limit_options());
    Ok(Some(Arc::new(single)))
}

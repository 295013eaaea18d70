//! Sequences of steps (`A then B then not C`), as a relation of the
//! actors that complete them.
//!
//! The portable lowering ([`portable`]) evaluates a sequence by one window
//! pass per step over the events of a partition (an actor, with its
//! session and held values, and a start time for `within D`): an event is
//! reachable at step j when it matches step j and the latest event
//! reachable at step j-1 lies strictly before it with no event of the
//! negated steps of that gap in between. The native lowering ([`native`])
//! hands each partition's events to segql's matcher in one aggregate.

mod native;
mod portable;

use crate::ir::*;
use crate::lower::expr::{any_of, column};
use crate::lower::holding::Shared;
pub(in crate::lower) use crate::lower::sequence::portable::reach_flag;
pub(in crate::lower) use crate::lower::sequence::portable::{
    ReachShape, carried_columns, strictly_before, time_at,
};
use crate::lower::{Lowering, Result};
use crate::udaf::sequence::SequenceOutput;
use datafusion_expr::{LogicalPlan, LogicalPlanBuilder};

/// Column of the native matcher's result per actor (or session).
pub(super) const MATCHED: &str = "__segql_matched";

/// Column of the start time of a chain's partition.
pub(super) const START: &str = "__segql_start";

/// Column of the most steps short of the last a chain ending at an event
/// reaches, see [`Lowering::reach`].
pub(super) const TOP: &str = "__segql_top";

/// The events a sequence reads: those that match some step (every one with
/// `all`) and have a value of every shared column (a session for `within
/// session`, the held values for `holding`), with the held values as
/// columns.
pub(in crate::lower) fn step_events(
    steps: &[StepIr],
    shared: &Shared,
    events: LogicalPlanBuilder,
    all: bool,
) -> Result<LogicalPlanBuilder> {
    let rows = if all {
        events
    } else {
        events.filter(any_of(steps.iter().map(|s| s.predicate.clone())))?
    };
    match shared.present() {
        Some(present) => shared.with_values(rows.filter(present)?),
        None => Ok(rows),
    }
}

impl Lowering<'_> {
    /// The actors that complete a sequence of steps.
    pub(super) fn sequence(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        let events = self.events_in(behavior.range)?;
        let shared = Shared::new(behavior.within, &behavior.holding);
        if let Some(pattern) =
            self.native_pattern(&behavior.steps, behavior.within, SequenceOutput::Holds)
        {
            let rows = self.native_sequence(&behavior.steps, &shared, events, pattern)?;
            return self.actor_set(rows.filter(column(MATCHED))?);
        }
        let reach = self.reach(
            &behavior.steps,
            behavior.within,
            &shared,
            events,
            ReachShape::default(),
        )?;
        let last = reach_flag(reach.k - 1);
        if reach.end_gap.is_none() {
            return self.actor_set(reach.rows.filter(column(&last))?);
        }
        let (aggregates, check) = (reach.end_check_aggregates()?, reach.end_check());
        let groups = reach
            .rows
            .aggregate(reach.partition, aggregates)?
            .filter(check)?;
        self.actor_set(groups)
    }
}

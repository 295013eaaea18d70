//! What both aggregates are to DataFusion: a function ([`EventUdaf`]: its
//! name, signature, state and accumulators) with a groups accumulator
//! ([`EventGroups`]) that keeps each group's events ([`GroupedEvents`]).
//! Each aggregate says only what differs ([`EventAggregate`]): what it keeps
//! of an event, how it reads its input and its state, and what a group
//! gives.

use super::state::{GroupedEvents, list_fields};
use datafusion_common::Result;
use datafusion_common::arrow::array::{ArrayRef, BooleanArray};
use datafusion_common::arrow::datatypes::{DataType, FieldRef};
use datafusion_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion_expr::{Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature};
use std::fmt::Debug;
use std::hash::Hash;

/// One of segql's aggregates, as far as it differs from the other.
pub(super) trait EventAggregate:
    Debug + Clone + PartialEq + Eq + Hash + Send + Sync + 'static
{
    /// What is kept of an event besides its group and time.
    type Kept: Copy + Default + Send + Sync + 'static;
    /// What a groups accumulator keeps besides the events (what the kept
    /// values refer to).
    type Store: Send + 'static;

    fn name(&self) -> &'static str;
    fn signature(&self) -> &Signature;
    fn return_type(&self) -> DataType;
    fn is_nullable(&self) -> bool {
        true
    }
    /// The columns of the state, each a list per group.
    fn state_columns(&self) -> Vec<(&'static str, DataType)>;
    /// The accumulator of one group, where DataFusion does not group.
    fn accumulator(&self) -> Box<dyn Accumulator>;

    fn store(&self) -> Self::Store;
    /// The bytes `store` holds.
    fn store_size(store: &Self::Store) -> usize;
    /// Calls `keep(row, time, kept)` for every event of the input rows that
    /// `filter` keeps.
    fn read_input(
        &self,
        store: &mut Self::Store,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        keep: impl FnMut(usize, i64, Self::Kept),
    ) -> Result<()>;
    /// Calls `keep(row, time, kept)` for every event of the state lists of
    /// every row.
    fn read_state(
        &self,
        store: &mut Self::Store,
        states: &[ArrayRef],
        keep: impl FnMut(usize, i64, Self::Kept),
    ) -> Result<()>;
    /// The result of each group, its events starting at `offsets` (one more
    /// than groups) in arrival order.
    fn evaluate(
        &self,
        store: &Self::Store,
        offsets: &[usize],
        events: Vec<(i64, Self::Kept)>,
    ) -> Result<ArrayRef>;
    /// The state of each group, its events as for [`Self::evaluate`].
    fn state(
        &self,
        store: &Self::Store,
        offsets: &[usize],
        events: Vec<(i64, Self::Kept)>,
    ) -> Result<Vec<ArrayRef>>;
    /// Each input row as a state of its own.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>>;
}

/// The aggregate function `A` as DataFusion calls it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct EventUdaf<A>(pub(super) A);

impl<A: EventAggregate> AggregateUDFImpl for EventUdaf<A> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn signature(&self) -> &Signature {
        self.0.signature()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.0.return_type())
    }

    fn is_nullable(&self) -> bool {
        self.0.is_nullable()
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(self.0.accumulator())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(list_fields(&args, &self.0.state_columns()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(EventGroups::new(self.0.clone())))
    }
}

/// The events of every group of aggregate `A`, column-wise in arrival order.
pub(super) struct EventGroups<A: EventAggregate> {
    aggregate: A,
    store: A::Store,
    events: GroupedEvents<A::Kept>,
}

impl<A: EventAggregate> EventGroups<A> {
    pub(super) fn new(aggregate: A) -> Self {
        EventGroups {
            store: aggregate.store(),
            aggregate,
            events: GroupedEvents::new(),
        }
    }
}

impl<A: EventAggregate> GroupsAccumulator for EventGroups<A> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let events = &mut self.events;
        events.grow(total_num_groups);
        self.aggregate
            .read_input(&mut self.store, values, opt_filter, |row, time, kept| {
                events.push(group_indices[row], time, kept)
            })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (offsets, events) = self.events.take(emit_to);
        self.aggregate.evaluate(&self.store, &offsets, events)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (offsets, events) = self.events.take(emit_to);
        self.aggregate.state(&self.store, &offsets, events)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let events = &mut self.events;
        events.grow(total_num_groups);
        self.aggregate
            .read_state(&mut self.store, values, |row, time, kept| {
                events.push(group_indices[row], time, kept)
            })
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.aggregate.convert_to_state(values, opt_filter)
    }

    fn size(&self) -> usize {
        self.events.size() + A::store_size(&self.store)
    }
}

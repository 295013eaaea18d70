//! What both aggregates are to DataFusion: a function ([`EventUdaf`]: its
//! name, signature, state and accumulators) with a groups accumulator
//! ([`EventGroups`]) that keeps each group's events ([`GroupedEvents`]).
//! Each aggregate says only what differs ([`EventAggregate`]): its
//! arguments and result, what it keeps of an event, how it reads its input
//! and its state, and what a group gives.

use super::state::{Emitted, GroupedEvents, list_fields, one_element_lists};
use datafusion_common::Result;
use datafusion_common::arrow::array::{ArrayRef, BooleanArray};
use datafusion_common::arrow::datatypes::{DataType, FieldRef};
use datafusion_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, GroupsAccumulator, Signature,
    Volatility,
};
use std::fmt::Debug;
use std::hash::Hash;

/// The rows an aggregate reads events from.
pub(super) enum Rows<'a> {
    /// Input rows, those `filter` keeps.
    Input(&'a [ArrayRef], Option<&'a BooleanArray>),
    /// State rows: one list per state column.
    State(&'a [ArrayRef]),
}

/// One of segql's aggregates, as far as it differs from the other.
pub(super) trait EventAggregate:
    Debug + Clone + PartialEq + Eq + Hash + Send + Sync + 'static
{
    /// What is kept of an event besides its group and time.
    type Kept: Copy + Default + Send + Sync + 'static;
    /// What a groups accumulator keeps besides the events (what the kept
    /// values refer to).
    type Store: Send + 'static;

    const NAME: &'static str;
    fn arguments(&self) -> Vec<DataType>;
    fn result(&self) -> DataType;
    fn nullable(&self) -> bool {
        true
    }
    /// The columns of the state, each a list per group.
    fn state_columns(&self) -> Vec<(&'static str, DataType)>;
    /// The accumulator of one group, where DataFusion does not group.
    fn accumulator(&self) -> Box<dyn Accumulator>;

    fn store(&self) -> Self::Store;
    /// The bytes `store` holds.
    fn store_size(store: &Self::Store) -> usize;
    /// Calls `keep(row, time, kept)` for every event of `rows` the aggregate
    /// keeps.
    fn read(
        &self,
        store: &mut Self::Store,
        rows: Rows,
        keep: impl FnMut(usize, i64, Self::Kept),
    ) -> Result<()>;
    /// The result of each group emitted.
    fn evaluate(&self, store: &Self::Store, emitted: Emitted<Self::Kept>) -> Result<ArrayRef>;
    /// The state of each group emitted.
    fn state(&self, store: &Self::Store, emitted: Emitted<Self::Kept>) -> Result<Vec<ArrayRef>>;
    /// A groups accumulator of the aggregate's own, in place of
    /// [`EventGroups`] (which keeps every event).
    fn groups_accumulator(&self) -> Option<Box<dyn GroupsAccumulator>> {
        None
    }
    /// Each input row as a state of its own: one-element lists over the
    /// input arrays.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        Ok(one_element_lists(values, filter))
    }
}

/// The aggregate function `A` as DataFusion calls it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct EventUdaf<A> {
    aggregate: A,
    signature: Signature,
}

impl<A: EventAggregate> EventUdaf<A> {
    /// The call of `aggregate` on `arguments`.
    pub(super) fn call(aggregate: A, arguments: Vec<Expr>) -> Expr {
        Self::function(aggregate).call(arguments)
    }

    /// The function `aggregate` is to DataFusion.
    pub(super) fn function(aggregate: A) -> AggregateUDF {
        let signature = Signature::exact(aggregate.arguments(), Volatility::Immutable);
        AggregateUDF::from(EventUdaf {
            aggregate,
            signature,
        })
    }

    /// The aggregate this function computes.
    pub(super) fn aggregate(&self) -> &A {
        &self.aggregate
    }
}

impl<A: EventAggregate> AggregateUDFImpl for EventUdaf<A> {
    fn name(&self) -> &str {
        A::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.aggregate.result())
    }

    fn is_nullable(&self) -> bool {
        self.aggregate.nullable()
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(self.aggregate.accumulator())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(list_fields(&args, &self.aggregate.state_columns()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(self
            .aggregate
            .groups_accumulator()
            .unwrap_or_else(|| Box::new(EventGroups::new(self.aggregate.clone()))))
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

    /// Keeps the events of `rows`, row `r` of group `group_indices[r]`.
    fn read(&mut self, rows: Rows, group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        let events = &mut self.events;
        events.grow(total_num_groups);
        self.aggregate
            .read(&mut self.store, rows, |row, time, kept| {
                events.push(group_indices[row], time, kept)
            })
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
        let rows = Rows::Input(values, opt_filter);
        self.read(rows, group_indices, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let emitted = self.events.take(emit_to);
        self.aggregate.evaluate(&self.store, emitted)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let emitted = self.events.take(emit_to);
        self.aggregate.state(&self.store, emitted)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.read(Rows::State(values), group_indices, total_num_groups)
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

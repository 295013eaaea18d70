//! The native sequence matcher: an order-sensitive aggregate function that
//! decides a sequence (`A then B then not C within …`) for one actor (or one
//! actor's session) in a single pass over its events in time order, with
//! constant state per step.
//!
//! The lowering evaluates every step's predicate once into mask words per
//! event (bit 2j: positive step j; bit 2j + 1: a negated step of the gap
//! after step j; 32 steps a word), drops events that match no step,
//! repartitions by actor so that each actor is whole on one core, and groups
//! by actor (and session for `within session`). The accumulator keeps one
//! `(group, time, entry)` per event, 16 bytes: up to [`MASK_STEPS`] steps
//! the entry is the event's mask itself; for longer sequences it is the
//! number of the mask in a table that holds each distinct mask once (events
//! of one kind match the same steps), so no sequence is too long for the
//! matcher and an event costs the same whatever the sequence. It sorts each
//! group's events by time once, and runs [`furthest`].
//!
//! No self-joins and no backtracking: for each positive step j the matcher
//! keeps the latest start among the chains that end at step j and that no
//! event of the following gap's negated steps has cut since (the latest
//! start is the best for every `within D` test that follows, and any chain
//! not cut is as good as any other for what follows). A gap event at time t
//! cuts the chains that end strictly before t. Events of equal time are
//! taken together, so a step never follows another at the same instant.

mod any_order;
mod matcher;
mod strict;

pub use matcher::{earliest_start, furthest};
pub use segql_syntax::OrderKind;

use super::aggregate::{EventAggregate, EventUdaf, Rows};
use super::state::{Emitted, lists, one_element_lists, one_list, passes, row_starts};
use datafusion_common::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray,
};
use datafusion_common::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion_common::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion_common::{Result, ScalarValue, internal_err};
use datafusion_expr::{Accumulator, Expr};
use matcher::{MaskTable, Masks, Scratch, reversed_scan, scan};
use std::sync::Arc;

/// The most positive steps whose masks fit an entry (two bits a step in a
/// `u32`); the masks of longer sequences are kept in a table, once each.
pub const MASK_STEPS: usize = 16;

/// Bits of one mask word of the input (an `Int64` column).
const WORD_BITS: usize = 64;

/// What the aggregate returns per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SequenceOutput {
    /// Boolean: the whole sequence matches.
    Holds,
    /// Struct `{furthest, start, time2, ..., timek}` for a funnel: the
    /// steps reached, with `entry` the time of the step-1 event that
    /// starts the earliest chain reaching them (else null), and per step
    /// from 2 the smallest time to convert to it in microseconds (null
    /// when not reached). For every order; with `entry`, not for patterns
    /// with negated steps after the last positive step.
    Funnel { entry: bool },
}

/// The fields of [`SequenceOutput::Funnel`] before the times.
pub const FURTHEST_FIELD: &str = "furthest";
pub const START_FIELD: &str = "start";

/// The field of the smallest time to convert to positive step `j` (from 1)
/// of [`SequenceOutput::Funnel`].
pub fn time_field(j: usize) -> String {
    format!("time{j}")
}

fn funnel_fields(steps: usize) -> datafusion_common::arrow::datatypes::Fields {
    let mut fields = vec![
        Field::new(FURTHEST_FIELD, DataType::Int64, false),
        Field::new(START_FIELD, DataType::Int64, true),
    ];
    fields.extend((2..=steps).map(|j| Field::new(time_field(j), DataType::Int64, true)));
    datafusion_common::arrow::datatypes::Fields::from(fields)
}

/// A sequence as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequencePattern {
    /// Number of positive steps, at least 1.
    pub steps: usize,
    /// One per positive step: whether negated steps stand in the gap after
    /// it (the last gap is "after the last positive step").
    pub gaps: Vec<bool>,
    /// `within D` in microseconds. The matcher does not handle negated steps
    /// after the last positive step together with a window (the planner uses
    /// the portable lowering there).
    pub window: Option<i64>,
    pub output: SequenceOutput,
    /// How the steps follow each other (funnels only; behaviors are
    /// sequential). Strict order reads every event of the group, those of
    /// no step too; the other orders only events of some step.
    pub order: OrderKind,
}

impl SequencePattern {
    /// The bit index of positive step j in an event's mask words.
    pub fn step_index(j: usize) -> usize {
        2 * j
    }

    /// The bit index of the negated steps in the gap after positive step j.
    pub fn gap_index(j: usize) -> usize {
        2 * j + 1
    }

    /// The mask word a bit index lies in, and its value there.
    pub fn word_bit(index: usize) -> (usize, i64) {
        // Bit 63 is the sign bit: still one distinct bit, so a sum of the
        // bits of a word never carries.
        (index / WORD_BITS, 1i64 << (index % WORD_BITS))
    }

    /// The number of mask words (`Int64` arguments after the time).
    pub fn words(&self) -> usize {
        words_for(self.steps)
    }

    /// Whether an event's mask fits a `u32` entry, or is stored once in a
    /// [`MaskTable`] and named by its number.
    fn narrow(&self) -> bool {
        self.steps <= MASK_STEPS
    }

    fn end_negated(&self) -> bool {
        self.gaps[self.steps - 1]
    }
}

fn words_for(steps: usize) -> usize {
    (2 * steps).div_ceil(WORD_BITS)
}

/// The aggregate function `segql_sequence(time, mask words…)` for one
/// pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequenceMatch {
    pub(super) pattern: SequencePattern,
}

impl SequenceMatch {
    pub const NAME: &'static str = "segql_sequence";

    pub fn new(pattern: SequencePattern) -> Self {
        SequenceMatch { pattern }
    }

    /// The call `segql_sequence(time, mask words…)`: as many words as
    /// [`SequencePattern::words`].
    pub fn call(pattern: SequencePattern, time: Expr, words: Vec<Expr>) -> Expr {
        let mut arguments = vec![time];
        arguments.extend(words);
        EventUdaf::call(SequenceMatch::new(pattern), arguments)
    }

    /// The table wide masks are stored in (unused by narrow ones).
    fn table(&self) -> MaskTable {
        MaskTable::new(self.pattern.words())
    }

    /// How the entries stored with `table` are read.
    fn masks<'a>(&self, table: &'a MaskTable) -> Masks<'a> {
        (!self.pattern.narrow()).then_some(table)
    }

    /// What one group's entries (sorted by time) give.
    fn outcome(&self, events: &[(i64, u32)], masks: Masks, scratch: &mut Scratch) -> Outcome {
        let entry = self.pattern.output == SequenceOutput::Funnel { entry: true };
        match self.pattern.order {
            OrderKind::Strict => {
                let (reached, times, start) = strict::strict_scan(events, masks, &self.pattern);
                Outcome {
                    reached,
                    start: start.filter(|_| entry),
                    times,
                }
            }
            OrderKind::Any => {
                let (reached, times, start) =
                    any_order::any_order_scan(events, masks, &self.pattern, entry);
                Outcome {
                    reached,
                    start,
                    times,
                }
            }
            OrderKind::Sequential => {
                let (reached, _) = scan(events, masks, &self.pattern, scratch);
                let times = match self.pattern.output {
                    SequenceOutput::Funnel { .. } => std::mem::take(&mut scratch.best),
                    _ => Vec::new(),
                };
                let start = if entry {
                    reversed_scan(events, masks, &self.pattern, reached, scratch)
                } else {
                    None
                };
                Outcome {
                    reached,
                    start,
                    times,
                }
            }
        }
    }

    fn result(&self, values: impl Iterator<Item = Outcome>) -> ArrayRef {
        match self.pattern.output {
            SequenceOutput::Holds => {
                let k = self.pattern.steps;
                Arc::new(
                    values
                        .map(|o| Some(o.reached == k))
                        .collect::<BooleanArray>(),
                )
            }
            SequenceOutput::Funnel { .. } => {
                let k = self.pattern.steps;
                let mut furthest = Vec::new();
                let mut start = Vec::new();
                let mut times: Vec<Vec<Option<i64>>> = vec![Vec::new(); k.saturating_sub(1)];
                for o in values {
                    furthest.push(o.reached as i64);
                    start.push(o.start);
                    for (j, column) in times.iter_mut().enumerate() {
                        // Step j + 2: a time only where it is reached.
                        let time = o.times.get(j + 1).copied().flatten();
                        column.push(time.filter(|_| o.reached > j + 1));
                    }
                }
                let mut columns: Vec<ArrayRef> = vec![
                    Arc::new(Int64Array::from(furthest)),
                    Arc::new(Int64Array::from(start)),
                ];
                columns.extend(
                    times
                        .into_iter()
                        .map(|t| Arc::new(Int64Array::from(t)) as ArrayRef),
                );
                Arc::new(datafusion_common::arrow::array::StructArray::new(
                    funnel_fields(k),
                    columns,
                    None,
                ))
            }
        }
    }

    /// The entry of a mask (`words`), stored in `table` if wide; `None` for
    /// an empty mask (an event of no step), except in strict order, where
    /// every event stands between the ones around it.
    fn entry(&self, words: &[u64], table: &mut MaskTable) -> Option<u32> {
        if self.pattern.order != OrderKind::Strict && words.iter().all(|&w| w == 0) {
            None
        } else if self.pattern.narrow() {
            Some(words[0] as u32)
        } else {
            Some(table.intern(words))
        }
    }

    /// Appends the mask words of an entry to `out`.
    fn push_mask(&self, entry: u32, table: &MaskTable, out: &mut Vec<i64>) {
        if self.pattern.narrow() {
            out.push(entry as i64);
        } else {
            out.extend(table.get(entry).iter().map(|&w| w as i64));
        }
    }
}

impl EventAggregate for SequenceMatch {
    /// An event's entry.
    type Kept = u32;
    /// The wide masks the entries name (see [`MaskTable`]).
    type Store = MaskTable;
    const NAME: &'static str = SequenceMatch::NAME;

    /// The time and the mask words.
    fn arguments(&self) -> Vec<DataType> {
        vec![DataType::Int64; 1 + self.pattern.words()]
    }

    fn result(&self) -> DataType {
        match self.pattern.output {
            SequenceOutput::Holds => DataType::Boolean,
            SequenceOutput::Funnel { .. } => DataType::Struct(funnel_fields(self.pattern.steps)),
        }
    }

    fn nullable(&self) -> bool {
        false
    }

    /// Per group, the times and the masks of its events (as many words an
    /// event as the pattern has).
    fn state_columns(&self) -> Vec<(&'static str, DataType)> {
        vec![("times", DataType::Int64), ("masks", DataType::Int64)]
    }

    fn accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(SequenceAccumulator {
            matcher: self.clone(),
            events: Vec::new(),
            table: self.table(),
        })
    }

    fn store(&self) -> MaskTable {
        self.table()
    }

    fn store_size(table: &MaskTable) -> usize {
        table.size()
    }

    /// Keeps the events that match a step.
    fn read(
        &self,
        table: &mut MaskTable,
        rows: Rows,
        mut keep: impl FnMut(usize, i64, u32),
    ) -> Result<()> {
        let entry = |row, time, mask: &[u64]| {
            if let Some(entry) = self.entry(mask, table) {
                keep(row, time, entry);
            }
        };
        match rows {
            Rows::Input(values, filter) => input_events(values, filter, entry),
            Rows::State(states) => state_events(states, self.pattern.words(), entry),
        }
    }

    fn evaluate(&self, table: &MaskTable, emitted: Emitted<u32>) -> Result<ArrayRef> {
        let (offsets, mut events) = (emitted.offsets, emitted.events);
        let masks = self.masks(table);
        let mut scratch = Scratch::default();
        let values = offsets.windows(2).map(|w| {
            let group = &mut events[w[0]..w[1]];
            group.sort_unstable();
            self.outcome(group, masks, &mut scratch)
        });
        Ok(self.result(values))
    }

    fn state(&self, table: &MaskTable, emitted: Emitted<u32>) -> Result<Vec<ArrayRef>> {
        let (offsets, events) = (emitted.offsets, emitted.events);
        // The merging side sorts; the partial side only groups.
        let width = self.pattern.words();
        let mut times = Vec::with_capacity(events.len());
        let mut masks = Vec::with_capacity(events.len() * width);
        for (t, entry) in events {
            times.push(t);
            self.push_mask(entry, table, &mut masks);
        }
        let mask_offsets: Vec<usize> = offsets.iter().map(|o| o * width).collect();
        Ok(vec![
            lists(&offsets, Arc::new(Int64Array::from(times))),
            lists(&mask_offsets, Arc::new(Int64Array::from(masks))),
        ])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        if values.len() == 2 {
            // One mask word a row: the input arrays are the lists' values.
            return Ok(one_element_lists(values, filter));
        }
        // One time and the row's mask words (interleaved) per row.
        let (times, words) = arguments(values)?;
        let rows = times.len();
        let mut interleaved = Vec::with_capacity(rows * words.len());
        for row in 0..rows {
            interleaved.extend(words.iter().map(|w| w.value(row)));
        }
        let nulls = NullBuffer::from(
            (0..rows)
                .map(|row| is_event(times, &words, row) && passes(filter, row))
                .collect::<Vec<bool>>(),
        );
        let list = |width: usize, values: ArrayRef| -> ArrayRef {
            Arc::new(ListArray::new(
                Arc::new(Field::new_list_field(DataType::Int64, true)),
                OffsetBuffer::from_repeated_length(width, rows),
                values,
                Some(nulls.clone()),
            ))
        };
        Ok(vec![
            list(1, Arc::clone(&values[0])),
            list(words.len(), Arc::new(Int64Array::from(interleaved))),
        ])
    }
}

fn int64(array: &ArrayRef) -> Result<&Int64Array> {
    match array.as_primitive_opt::<Int64Type>() {
        Some(a) => Ok(a),
        None => internal_err!("segql_sequence expects Int64 arguments"),
    }
}

/// The time and mask word arguments of one batch.
fn arguments(values: &[ArrayRef]) -> Result<(&Int64Array, Vec<&Int64Array>)> {
    let words = values[1..].iter().map(int64).collect::<Result<Vec<_>>>()?;
    Ok((int64(&values[0])?, words))
}

/// Whether row `row` is an event: a time and every mask word.
fn is_event(time: &Int64Array, words: &[&Int64Array], row: usize) -> bool {
    time.is_valid(row) && words.iter().all(|w| w.is_valid(row))
}

/// Calls `f(row, time, mask)` for every event of the input rows that
/// `filter` keeps.
fn input_events(
    values: &[ArrayRef],
    filter: Option<&BooleanArray>,
    mut f: impl FnMut(usize, i64, &[u64]),
) -> Result<()> {
    let (times, words) = arguments(values)?;
    let mut mask = vec![0u64; words.len()];
    for row in 0..times.len() {
        if is_event(times, &words, row) && passes(filter, row) {
            for (m, word) in mask.iter_mut().zip(&words) {
                *m = word.value(row) as u64;
            }
            f(row, times.value(row), &mask);
        }
    }
    Ok(())
}

/// Calls `f(row, time, mask)` for every event of the state lists (times,
/// and `width` mask words an event) of every row.
fn state_events(
    states: &[ArrayRef],
    width: usize,
    mut f: impl FnMut(usize, i64, &[u64]),
) -> Result<()> {
    let (times, masks) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
    let (time_values, mask_values) = (int64(times.values())?, int64(masks.values())?);
    let mut mask = vec![0u64; width];
    for row in 0..times.len() {
        let Some(([time_start, mask_start], length)) = row_starts([times, masks], row) else {
            continue;
        };
        for i in 0..length {
            // An input row made state as is (`convert_to_state`) may have no
            // time.
            if time_values.is_null(time_start + i) {
                continue;
            }
            let first = mask_start + i * width;
            for (w, m) in mask.iter_mut().enumerate() {
                *m = mask_values.value(first + w) as u64;
            }
            f(row, time_values.value(time_start + i), &mask);
        }
    }
    Ok(())
}

/// What the matcher finds in one group's events.
struct Outcome {
    /// Positive steps reached, 0 through k.
    reached: usize,
    /// The time of the step-1 event starting the earliest chain reaching
    /// them, where asked for.
    start: Option<i64>,
    /// Per positive step (from 0), the smallest time to convert to it, for
    /// a funnel.
    times: Vec<Option<i64>>,
}

/// The same matcher for one group at a time (used where DataFusion does not
/// group, such as a window).
#[derive(Debug)]
struct SequenceAccumulator {
    matcher: SequenceMatch,
    events: Vec<(i64, u32)>,
    table: MaskTable,
}

impl SequenceAccumulator {
    /// Keeps an event unless it matches no step.
    fn keep(&mut self, time: i64, mask: &[u64]) {
        if let Some(entry) = self.matcher.entry(mask, &mut self.table) {
            self.events.push((time, entry));
        }
    }
}

impl Accumulator for SequenceAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        input_events(values, None, |_, time, mask| self.keep(time, mask))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.events.sort_unstable();
        let outcome = self.matcher.outcome(
            &self.events,
            self.matcher.masks(&self.table),
            &mut Scratch::default(),
        );
        ScalarValue::try_from_array(&self.matcher.result(std::iter::once(outcome)), 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.events.capacity() * 16 + self.table.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let times = self.events.iter().map(|e| e.0).collect::<Vec<_>>();
        let mut masks = Vec::new();
        for &(_, entry) in &self.events {
            self.matcher.push_mask(entry, &self.table, &mut masks);
        }
        Ok(vec![
            one_list(Arc::new(Int64Array::from(times))),
            one_list(Arc::new(Int64Array::from(masks))),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        state_events(states, self.matcher.pattern.words(), |_, time, mask| {
            self.keep(time, mask)
        })
    }
}

#[cfg(test)]
mod tests;

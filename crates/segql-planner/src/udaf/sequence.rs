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

use datafusion_common::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, PrimitiveArray,
};
use datafusion_common::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion_common::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion_common::{Result, ScalarValue, internal_err};
use datafusion_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, GroupsAccumulator, Signature,
    Volatility,
};
use std::collections::HashMap;
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
    /// Int64: the number of positive steps reached, 0 through k (a funnel).
    Furthest,
    /// Struct `{furthest, start}`: [`SequenceOutput::Furthest`], and the
    /// time of the step-1 event that starts the earliest chain reaching it
    /// (a funnel `by` an event column reads that event). Not for patterns
    /// with negated steps after the last positive step.
    FurthestWithStart,
}

/// The fields of [`SequenceOutput::FurthestWithStart`].
pub const FURTHEST_FIELD: &str = "furthest";
pub const START_FIELD: &str = "start";

fn furthest_with_start_fields() -> datafusion_common::arrow::datatypes::Fields {
    datafusion_common::arrow::datatypes::Fields::from(vec![
        Field::new(FURTHEST_FIELD, DataType::Int64, false),
        Field::new(START_FIELD, DataType::Int64, true),
    ])
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

/// The bits of positive steps in a mask word (even bits); the others are
/// gaps.
const STEP_BITS: u64 = 0x5555_5555_5555_5555;

/// The masks of more than one word, each stored once: an entry holds its
/// mask's number. Events of one kind share one mask (a `viewed "/cart"`
/// event matches the same steps as any other), so the table stays small,
/// and an event costs one entry however many steps it matches.
#[derive(Debug)]
struct MaskTable {
    width: usize,
    /// The masks, `width` words each, by number.
    words: Vec<u64>,
    numbers: HashMap<Box<[u64]>, u32>,
}

impl MaskTable {
    fn new(width: usize) -> Self {
        MaskTable {
            width,
            words: Vec::new(),
            numbers: HashMap::new(),
        }
    }

    /// The number of `mask` (`width` words), stored if new.
    fn intern(&mut self, mask: &[u64]) -> u32 {
        if let Some(&n) = self.numbers.get(mask) {
            return n;
        }
        let n = self.numbers.len() as u32;
        self.words.extend_from_slice(mask);
        self.numbers.insert(mask.into(), n);
        n
    }

    fn get(&self, n: u32) -> &[u64] {
        let start = n as usize * self.width;
        &self.words[start..start + self.width]
    }

    fn size(&self) -> usize {
        // Each mask twice (the words and the key), plus the map's slots.
        self.words.capacity() * 8 * 2 + self.numbers.capacity() * (16 + 4 + 8)
    }
}

/// How stored entries are read: `None` for masks in the entry itself (at
/// most [`MASK_STEPS`] steps), or the table their numbers refer to.
type Masks<'a> = Option<&'a MaskTable>;

/// The matcher's state, allocated once and reused for every group.
#[derive(Debug, Default)]
struct Scratch {
    /// Per positive step: the latest start of the chains that end there and
    /// are not cut.
    alive: Vec<Option<i64>>,
    /// The chains the current instant extends: (step, start).
    extended: Vec<(usize, i64)>,
    /// The mask of the current instant: its events' masks or-ed.
    instant: Vec<u64>,
}

/// The number of positive steps an actor reaches (0 through k) over its
/// events sorted by time, each with its mask (at most [`MASK_STEPS`]
/// steps). Negated steps after the last positive step count only for
/// reaching the last step.
pub fn furthest(events: &[(i64, u32)], pattern: &SequencePattern) -> usize {
    scan(events, None, pattern, &mut Scratch::default()).0
}

/// The time of the step-1 event that starts the earliest chain reaching
/// `reached` steps (as [`furthest`] found them), over the same events.
pub fn earliest_start(
    events: &[(i64, u32)],
    pattern: &SequencePattern,
    reached: usize,
) -> Option<i64> {
    reversed_scan(events, None, pattern, reached, &mut Scratch::default())
}

/// Calls `f` with the index of every bit set in `mask`, in order.
fn for_each_bit(mask: &[u64], mut f: impl FnMut(usize)) {
    for (w, &word) in mask.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            f(w * WORD_BITS + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// [`earliest_start`] over entries read through `masks`.
///
/// Time reversed, a chain of steps 1..=K is a chain of the same steps in
/// reverse order under the same rules: the window is the distance between
/// its ends, a negated step must not stand strictly between two neighbours,
/// and equal times never follow each other. The latest instant at which the
/// reversed matcher completes its last step (step 1) is therefore the
/// earliest start that reaches step K. Negated steps after step K play no
/// part in reaching it. Patterns with negated steps after the last positive
/// step are not handled (the planner does not ask).
fn reversed_scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
    reached: usize,
    scratch: &mut Scratch,
) -> Option<i64> {
    if reached == 0 {
        return None;
    }
    let k = reached;
    // Step j becomes step k-1-j; the gap after step j lies between steps
    // k-2-j and k-1-j when reversed, after reversed step k-2-j.
    let remap = |index: usize| -> Option<usize> {
        let j = index / 2;
        if index == SequencePattern::step_index(j) {
            (j < k).then(|| SequencePattern::step_index(k - 1 - j))
        } else {
            (j + 1 < k).then(|| SequencePattern::gap_index(k - 2 - j))
        }
    };
    let mut gaps = vec![false; k];
    for j in 0..k - 1 {
        gaps[k - 2 - j] = pattern.gaps[j];
    }
    let reversed_pattern = SequencePattern {
        steps: k,
        gaps,
        window: pattern.window,
        output: SequenceOutput::Holds,
    };
    let last = match masks {
        None => {
            let reversed: Vec<(i64, u32)> = events
                .iter()
                .rev()
                .map(|&(t, mask)| {
                    let mut out = 0u32;
                    for_each_bit(&[mask as u64], |i| {
                        if let Some(i) = remap(i) {
                            out |= 1 << i;
                        }
                    });
                    (-t, out)
                })
                .filter(|&(_, mask)| mask != 0)
                .collect();
            scan(&reversed, None, &reversed_pattern, scratch).1
        }
        Some(table) => {
            let mut reversed_table = MaskTable::new(words_for(k));
            let mut mask = vec![0u64; reversed_table.width];
            let mut reversed = Vec::with_capacity(events.len());
            for &(t, n) in events.iter().rev() {
                mask.fill(0);
                for_each_bit(table.get(n), |i| {
                    if let Some(i) = remap(i) {
                        mask[i / WORD_BITS] |= 1 << (i % WORD_BITS);
                    }
                });
                if mask.iter().any(|&w| w != 0) {
                    reversed.push((-t, reversed_table.intern(&mask)));
                }
            }
            scan(&reversed, Some(&reversed_table), &reversed_pattern, scratch).1
        }
    };
    last.map(|t| -t)
}

/// [`furthest`], and the latest instant at which a chain reaches the last
/// positive step, over entries read through `masks`.
fn scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
    scratch: &mut Scratch,
) -> (usize, Option<i64>) {
    let k = pattern.steps;
    let end_gap = pattern.end_negated();
    let Scratch {
        alive,
        extended,
        instant,
    } = scratch;
    alive.clear();
    alive.resize(k, None);
    instant.clear();
    instant.resize(masks.map_or(1, |t| t.width), 0);
    let mut reached = 0usize;
    // For negated steps at the end: the latest time the last step is
    // reached, and the latest event of those negated steps.
    let mut last_end: Option<i64> = None;
    let mut last_gap: Option<i64> = None;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        instant.fill(0);
        while i < events.len() && events[i].0 == t {
            match masks {
                None => instant[0] |= events[i].1 as u64,
                Some(table) => {
                    for (w, &word) in instant.iter_mut().zip(table.get(events[i].1)) {
                        *w |= word;
                    }
                }
            }
            i += 1;
        }
        // Chains this instant extends, from state strictly before it.
        extended.clear();
        for (w, &word) in instant.iter().enumerate() {
            let mut bits = word & STEP_BITS;
            while bits != 0 {
                let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                bits &= bits - 1;
                if j == 0 {
                    extended.push((0, t));
                } else if j < k
                    && let Some(start) = alive[j - 1]
                    && pattern.window.is_none_or(|d| t - start <= d)
                {
                    extended.push((j, start));
                }
            }
        }
        // Negated steps at this instant cut the chains that end before it.
        for (w, &word) in instant.iter().enumerate() {
            let mut bits = word & !STEP_BITS;
            while bits != 0 {
                let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                bits &= bits - 1;
                if j < k {
                    alive[j] = None;
                    if end_gap && j == k - 1 {
                        last_gap = Some(t);
                    }
                }
            }
        }
        for &(j, start) in extended.iter() {
            alive[j] = Some(alive[j].map_or(start, |s| s.max(start)));
            if j == k - 1 {
                last_end = Some(t);
            }
            if j + 1 > reached && (j + 1 < k || !end_gap) {
                reached = j + 1;
            }
        }
    }
    if end_gap && let Some(end) = last_end {
        // The last step is reached at `end`; the negated steps must not
        // follow it.
        if last_gap.is_none_or(|g| g <= end) {
            reached = k;
        }
    }
    (reached, last_end)
}

/// The aggregate function `segql_sequence(time, mask words…)` for one
/// pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequenceMatch {
    pattern: SequencePattern,
    signature: Signature,
}

impl SequenceMatch {
    pub const NAME: &'static str = "segql_sequence";

    pub fn new(pattern: SequencePattern) -> Self {
        let arguments = 1 + pattern.words();
        SequenceMatch {
            pattern,
            signature: Signature::exact(vec![DataType::Int64; arguments], Volatility::Immutable),
        }
    }

    /// The call `segql_sequence(time, mask words…)`: as many words as
    /// [`SequencePattern::words`].
    pub fn call(pattern: SequencePattern, time: Expr, words: Vec<Expr>) -> Expr {
        let mut arguments = vec![time];
        arguments.extend(words);
        AggregateUDF::from(SequenceMatch::new(pattern)).call(arguments)
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
    fn outcome(
        &self,
        events: &[(i64, u32)],
        masks: Masks,
        scratch: &mut Scratch,
    ) -> (usize, Option<i64>) {
        let (reached, _) = scan(events, masks, &self.pattern, scratch);
        let start = match self.pattern.output {
            SequenceOutput::FurthestWithStart => {
                reversed_scan(events, masks, &self.pattern, reached, scratch)
            }
            _ => None,
        };
        (reached, start)
    }

    fn result(&self, values: impl Iterator<Item = (usize, Option<i64>)>) -> ArrayRef {
        match self.pattern.output {
            SequenceOutput::Holds => {
                let k = self.pattern.steps;
                Arc::new(values.map(|(v, _)| Some(v == k)).collect::<BooleanArray>())
            }
            SequenceOutput::Furthest => Arc::new(
                values
                    .map(|(v, _)| Some(v as i64))
                    .collect::<PrimitiveArray<Int64Type>>(),
            ),
            SequenceOutput::FurthestWithStart => {
                let (furthest, start): (Vec<i64>, Vec<Option<i64>>) =
                    values.map(|(v, s)| (v as i64, s)).unzip();
                Arc::new(datafusion_common::arrow::array::StructArray::new(
                    furthest_with_start_fields(),
                    vec![
                        Arc::new(Int64Array::from(furthest)),
                        Arc::new(Int64Array::from(start)),
                    ],
                    None,
                ))
            }
        }
    }

    /// The entry of a mask (`words`), stored in `table` if wide; `None` for
    /// an empty mask (an event of no step).
    fn entry(&self, words: &[u64], table: &mut MaskTable) -> Option<u32> {
        if words.iter().all(|&w| w == 0) {
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

impl AggregateUDFImpl for SequenceMatch {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.pattern.output {
            SequenceOutput::Holds => DataType::Boolean,
            SequenceOutput::Furthest => DataType::Int64,
            SequenceOutput::FurthestWithStart => DataType::Struct(furthest_with_start_fields()),
        })
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SequenceAccumulator {
            matcher: self.clone(),
            events: Vec::new(),
            table: self.table(),
        }))
    }

    /// Per group, the times and the masks of its events (as many words an
    /// event as the pattern has).
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let list = |suffix: &str| {
            Arc::new(Field::new(
                format!("{}[{suffix}]", args.name),
                DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))),
                true,
            ))
        };
        Ok(vec![list("times"), list("masks")])
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SequenceGroups {
            matcher: self.clone(),
            groups: Vec::new(),
            times: Vec::new(),
            entries: Vec::new(),
            table: self.table(),
            num_groups: 0,
        }))
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

/// Reads the mask words of row `row` into `mask`.
fn read_mask(words: &[&Int64Array], row: usize, mask: &mut [u64]) {
    for (m, word) in mask.iter_mut().zip(words) {
        *m = word.value(row) as u64;
    }
}

/// The events of every group, stored column-wise in arrival order.
struct SequenceGroups {
    matcher: SequenceMatch,
    groups: Vec<u32>,
    times: Vec<i64>,
    entries: Vec<u32>,
    /// The wide masks the entries name (see [`MaskTable`]).
    table: MaskTable,
    num_groups: usize,
}

impl SequenceGroups {
    fn push(&mut self, group: usize, time: i64, entry: u32) {
        self.groups.push(group as u32);
        self.times.push(time);
        self.entries.push(entry);
    }

    /// Takes the events of the groups `emit_to` names, grouped (counting
    /// sort) and, with `by_time`, each group sorted by time: the start
    /// offset of each group and the events. The remaining groups are
    /// renumbered from 0.
    fn take_grouped(&mut self, emit_to: EmitTo, by_time: bool) -> (Vec<usize>, Vec<(i64, u32)>) {
        let emitted = match emit_to {
            EmitTo::All => self.num_groups,
            EmitTo::First(n) => n.min(self.num_groups),
        };
        let offsets = group_offsets(&self.groups, emitted);
        let mut sorted = vec![(0i64, 0u32); offsets[emitted]];
        let mut cursor = offsets.clone();
        let (mut kept_groups, mut kept_times, mut kept_entries) =
            (Vec::new(), Vec::new(), Vec::new());
        for ((&g, &t), &e) in self.groups.iter().zip(&self.times).zip(&self.entries) {
            let g = g as usize;
            if g < emitted {
                sorted[cursor[g]] = (t, e);
                cursor[g] += 1;
            } else {
                kept_groups.push((g - emitted) as u32);
                kept_times.push(t);
                kept_entries.push(e);
            }
        }
        if by_time {
            for g in 0..emitted {
                sorted[offsets[g]..offsets[g + 1]].sort_unstable();
            }
        }
        self.groups = kept_groups;
        self.times = kept_times;
        self.entries = kept_entries;
        self.num_groups -= emitted;
        (offsets, sorted)
    }
}

/// Where each of the first `emitted` groups starts in a counting sort of
/// `groups` (one entry more than groups: the last is the total).
pub(crate) fn group_offsets(groups: &[u32], emitted: usize) -> Vec<usize> {
    let mut offsets = vec![0usize; emitted + 1];
    for &g in groups {
        if (g as usize) < emitted {
            offsets[g as usize + 1] += 1;
        }
    }
    for g in 0..emitted {
        offsets[g + 1] += offsets[g];
    }
    offsets
}

/// Each input row as its own state: one-element lists over the input
/// arrays (no copy), null where the filter drops the row.
pub(crate) fn one_element_lists(
    values: &[ArrayRef],
    opt_filter: Option<&BooleanArray>,
) -> Vec<ArrayRef> {
    let rows = values[0].len();
    let offsets = OffsetBuffer::from_repeated_length(1, rows);
    let nulls = opt_filter.map(|f| {
        NullBuffer::from(
            (0..rows)
                .map(|i| f.is_valid(i) && f.value(i))
                .collect::<Vec<bool>>(),
        )
    });
    values
        .iter()
        .map(|v| -> ArrayRef {
            Arc::new(ListArray::new(
                Arc::new(Field::new_list_field(v.data_type().clone(), true)),
                offsets.clone(),
                Arc::clone(v),
                nulls.clone(),
            ))
        })
        .collect()
}

/// One list per group, from group start offsets and values.
fn lists(offsets: &[usize], values: Vec<i64>) -> ArrayRef {
    let offsets = OffsetBuffer::new(offsets.iter().map(|&o| o as i32).collect::<Vec<_>>().into());
    Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(DataType::Int64, true)),
        offsets,
        Arc::new(Int64Array::from(values)),
        None,
    ))
}

/// Calls `f(time, mask)` for every event of the state lists of row `row`
/// (times, and `mask.len()` mask words an event), reading each mask into
/// `mask`.
fn state_events(
    times: &ListArray,
    masks: &ListArray,
    row: usize,
    mask: &mut [u64],
    mut f: impl FnMut(i64, &[u64]),
) -> Result<()> {
    if times.is_null(row) || masks.is_null(row) {
        return Ok(());
    }
    let (time_values, mask_values) = (int64(times.values())?, int64(masks.values())?);
    let time_offsets = times.value_offsets();
    let (start, end) = (time_offsets[row] as usize, time_offsets[row + 1] as usize);
    let mask_start = masks.value_offsets()[row] as usize;
    let width = mask.len();
    for i in start..end {
        // An input row made state as is (`convert_to_state`) may have no
        // time.
        if time_values.is_null(i) {
            continue;
        }
        let first = mask_start + (i - start) * width;
        for (w, m) in mask.iter_mut().enumerate() {
            *m = mask_values.value(first + w) as u64;
        }
        f(time_values.value(i), mask);
    }
    Ok(())
}

impl GroupsAccumulator for SequenceGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.num_groups = self.num_groups.max(total_num_groups);
        let (times, words) = arguments(values)?;
        let mut mask = vec![0u64; words.len()];
        for (row, &group) in group_indices.iter().enumerate() {
            if !is_event(times, &words, row)
                || opt_filter.is_some_and(|f| !f.is_valid(row) || !f.value(row))
            {
                continue;
            }
            read_mask(&words, row, &mut mask);
            if let Some(entry) = self.matcher.entry(&mask, &mut self.table) {
                self.push(group, times.value(row), entry);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (offsets, sorted) = self.take_grouped(emit_to, true);
        let masks = self.matcher.masks(&self.table);
        let mut scratch = Scratch::default();
        let values = offsets.windows(2).map(|w| {
            self.matcher
                .outcome(&sorted[w[0]..w[1]], masks, &mut scratch)
        });
        Ok(self.matcher.result(values))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        // The merging side sorts; the partial side only groups.
        let (offsets, sorted) = self.take_grouped(emit_to, false);
        let width = self.matcher.pattern.words();
        let mut times = Vec::with_capacity(sorted.len());
        let mut masks = Vec::with_capacity(sorted.len() * width);
        for (t, entry) in sorted {
            times.push(t);
            self.matcher.push_mask(entry, &self.table, &mut masks);
        }
        let mask_offsets: Vec<usize> = offsets.iter().map(|o| o * width).collect();
        Ok(vec![lists(&offsets, times), lists(&mask_offsets, masks)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.num_groups = self.num_groups.max(total_num_groups);
        // Read the lists' flat values through their offsets: no array per
        // row (partial states often hold one event a row).
        let (times, masks) = (values[0].as_list::<i32>(), values[1].as_list::<i32>());
        let mut mask = vec![0u64; self.matcher.pattern.words()];
        let SequenceGroups {
            matcher,
            groups,
            times: kept_times,
            entries,
            table,
            ..
        } = self;
        for (row, &group) in group_indices.iter().enumerate() {
            state_events(times, masks, row, &mut mask, |time, mask| {
                if let Some(entry) = matcher.entry(mask, table) {
                    groups.push(group as u32);
                    kept_times.push(time);
                    entries.push(entry);
                }
            })?;
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        if values.len() == 2 {
            // One mask word a row: the input arrays are the lists' values.
            return Ok(one_element_lists(values, opt_filter));
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
                .map(|row| {
                    is_event(times, &words, row)
                        && opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row))
                })
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

    fn size(&self) -> usize {
        self.groups.capacity() * 4
            + self.times.capacity() * 8
            + self.entries.capacity() * 4
            + self.table.size()
    }
}

/// The same matcher for one group at a time (used where DataFusion does not
/// group, such as a window).
#[derive(Debug)]
struct SequenceAccumulator {
    matcher: SequenceMatch,
    events: Vec<(i64, u32)>,
    table: MaskTable,
}

impl Accumulator for SequenceAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (times, words) = arguments(values)?;
        let mut mask = vec![0u64; words.len()];
        for row in 0..times.len() {
            if is_event(times, &words, row) {
                read_mask(&words, row, &mut mask);
                if let Some(entry) = self.matcher.entry(&mask, &mut self.table) {
                    self.events.push((times.value(row), entry));
                }
            }
        }
        Ok(())
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
        let times = self.events.iter().map(|e| Some(e.0));
        let mut masks = Vec::new();
        for &(_, entry) in &self.events {
            self.matcher.push_mask(entry, &self.table, &mut masks);
        }
        Ok(vec![
            ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                [Some(times)],
            ))),
            ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                [Some(masks.into_iter().map(Some))],
            ))),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (times, masks) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        let mut mask = vec![0u64; self.matcher.pattern.words()];
        let (matcher, table, events) = (&self.matcher, &mut self.table, &mut self.events);
        for row in 0..times.len() {
            state_events(times, masks, row, &mut mask, |time, mask| {
                if let Some(entry) = matcher.entry(mask, table) {
                    events.push((time, entry));
                }
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern with negated steps after the positive steps whose bits
    /// `gaps` sets.
    fn pattern(steps: usize, gaps: u32, window: Option<i64>) -> SequencePattern {
        SequencePattern {
            steps,
            gaps: (0..steps).map(|j| gaps & (1 << j) != 0).collect(),
            window,
            output: SequenceOutput::Furthest,
        }
    }

    fn step(j: usize) -> u32 {
        1 << SequencePattern::step_index(j)
    }

    fn gap(j: usize) -> u32 {
        1 << SequencePattern::gap_index(j)
    }

    const A: u32 = 1;
    const B: u32 = 1 << 2;
    const C: u32 = 1 << 4;

    #[test]
    fn steps_need_strictly_later_times() {
        let p = pattern(2, 0, None);
        assert_eq!(furthest(&[(1, A), (1, B)], &p), 1);
        assert_eq!(furthest(&[(1, A), (2, B)], &p), 2);
        assert_eq!(furthest(&[(1, A | B)], &p), 1);
        assert_eq!(furthest(&[(1, A | B), (2, A | B)], &p), 2);
        assert_eq!(furthest(&[(1, B), (2, A)], &p), 1);
    }

    #[test]
    fn a_gap_event_cuts_chains_ending_strictly_before_it() {
        // A then not C then B.
        let p = pattern(2, 0b01, None);
        assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, B)], &p), 1);
        // A second A after the gap event starts a clean chain.
        assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, A), (4, B)], &p), 2);
        // At the time of the A or of the B: not strictly between.
        assert_eq!(furthest(&[(1, A | gap(0)), (3, B)], &p), 2);
        assert_eq!(furthest(&[(1, A), (3, B | gap(0))], &p), 2);
    }

    #[test]
    fn negated_steps_at_the_end_look_after_the_latest_last_step() {
        // A then not C.
        let p = pattern(1, 0b1, None);
        assert_eq!(furthest(&[(1, A), (2, gap(0))], &p), 0);
        assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, A)], &p), 1);
        assert_eq!(furthest(&[(1, A | gap(0))], &p), 1);
        // A then B then not C: reaching B is cut, A still counts.
        let p = pattern(2, 0b10, None);
        assert_eq!(furthest(&[(1, A), (2, B), (3, gap(1))], &p), 1);
    }

    #[test]
    fn a_window_keeps_the_latest_start() {
        let p = pattern(3, 0, Some(10));
        assert_eq!(furthest(&[(0, A), (5, A), (12, B), (14, C)], &p), 3);
        assert_eq!(furthest(&[(0, A), (5, B), (12, C)], &p), 2);
        assert_eq!(furthest(&[(0, A), (10, B)], &p), 2);
        // The latest start survives a gap cut only if it ends after the cut.
        let p = pattern(2, 0b01, Some(10));
        assert_eq!(furthest(&[(0, A), (3, A), (4, gap(0)), (9, B)], &p), 1);
        assert_eq!(furthest(&[(0, A), (4, gap(0)), (5, A), (9, B)], &p), 2);
    }

    #[test]
    fn the_earliest_start_reaching_the_furthest_step() {
        let p = pattern(3, 0, Some(10));
        // Starts at 0 and 5: only 5 reaches C within 10.
        let events = [(0, A), (5, A), (12, B), (14, C)];
        assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(5));
        // Both reach B only: the earliest, 0.
        let events = [(0, A), (5, A), (8, B)];
        assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(0));
        // A then not C then B: the gap cuts the first start.
        let p = pattern(2, 0b01, None);
        let events = [(1, A), (2, gap(0)), (3, A), (4, B)];
        assert_eq!(earliest_start(&events, &p, 2), Some(3));
        // Equal times never follow each other.
        let p = pattern(2, 0, None);
        let events = [(1, A), (2, A | B)];
        assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(1));
        assert_eq!(earliest_start(&[(3, A | B)], &p, 1), Some(3));
        assert_eq!(earliest_start(&[(3, B)], &p, 0), None);
    }

    /// Every chain, tried one by one: the furthest step and the earliest
    /// start reaching it.
    fn brute_force(events: &[(i64, u32)], p: &SequencePattern) -> (usize, Option<i64>) {
        fn extend(
            events: &[(i64, u32)],
            p: &SequencePattern,
            start: i64,
            last: i64,
            level: usize,
        ) -> usize {
            let mut best = level;
            if level == p.steps {
                return best;
            }
            for &(t, mask) in events {
                let cut = events
                    .iter()
                    .any(|&(g, m)| g > last && g < t && m & (gap(level - 1)) != 0);
                if t > last
                    && mask & step(level) != 0
                    && p.window.is_none_or(|d| t - start <= d)
                    && !cut
                {
                    best = best.max(extend(events, p, start, t, level + 1));
                }
            }
            best
        }
        let mut best = (0, None);
        for &(s, mask) in events {
            if mask & 1 == 0 {
                continue;
            }
            let reached = extend(events, p, s, s, 1);
            if reached > best.0 || (reached == best.0 && best.1.is_none_or(|b| s < b)) {
                best = (reached, Some(s));
            }
        }
        best
    }

    #[test]
    fn the_matcher_agrees_with_trying_every_chain() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..3000 {
            let steps = 1 + next(4) as usize;
            // Gaps between positive steps only: no negated step at the end.
            let gaps = (next(1 << steps) as u32) & ((1 << (steps - 1)) - 1);
            let window = if next(2) == 0 {
                None
            } else {
                Some(next(6) as i64)
            };
            let p = pattern(steps, gaps, window);
            let mut events: Vec<(i64, u32)> = (0..next(7))
                .map(|_| {
                    let mut mask = 0u32;
                    for j in 0..steps {
                        if next(3) == 0 {
                            mask |= step(j);
                        }
                        if gaps & (1 << j) != 0 && next(4) == 0 {
                            mask |= gap(j);
                        }
                    }
                    (next(8) as i64, mask)
                })
                .filter(|&(_, mask)| mask != 0)
                .collect();
            events.sort_unstable();
            let reached = furthest(&events, &p);
            let expected = brute_force(&events, &p);
            assert_eq!(reached, expected.0, "{events:?} {p:?}");
            let start = earliest_start(&events, &p, reached);
            assert_eq!(start, expected.1, "{events:?} {p:?}");
        }
    }

    /// Events given as (time, bit indices), their masks in a table.
    fn wide(events: &[(i64, Vec<usize>)], steps: usize) -> (Vec<(i64, u32)>, MaskTable) {
        let mut table = MaskTable::new(words_for(steps));
        let mut entries: Vec<(i64, u32)> = events
            .iter()
            .map(|(t, indices)| {
                let mut mask = vec![0u64; table.width];
                for &i in indices {
                    mask[i / WORD_BITS] |= 1 << (i % WORD_BITS);
                }
                (*t, table.intern(&mask))
            })
            .collect();
        entries.sort_unstable();
        (entries, table)
    }

    #[test]
    fn masks_in_a_table_give_what_masks_in_entries_give() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut scratch = Scratch::default();
        for _ in 0..3000 {
            let steps = 1 + next(MASK_STEPS as u64) as usize;
            let gaps = next(1 << steps) as u32 & next(1 << steps) as u32;
            let window = (next(2) == 0).then(|| next(6) as i64);
            let p = pattern(steps, gaps, window);
            let mut events: Vec<(i64, u32)> = (0..next(12))
                .map(|_| {
                    let mut mask = 0u32;
                    for j in 0..steps {
                        if next(4) == 0 {
                            mask |= step(j);
                        }
                        if gaps & (1 << j) != 0 && next(4) == 0 {
                            mask |= gap(j);
                        }
                    }
                    (next(10) as i64, mask)
                })
                .filter(|&(_, mask)| mask != 0)
                .collect();
            events.sort_unstable();
            let listed: Vec<(i64, Vec<usize>)> = events
                .iter()
                .map(|&(t, mask)| {
                    let mut indices = Vec::new();
                    for_each_bit(&[mask as u64], |i| indices.push(i));
                    (t, indices)
                })
                .collect();
            let (entries, table) = wide(&listed, steps);
            let narrow = scan(&events, None, &p, &mut scratch);
            let in_table = scan(&entries, Some(&table), &p, &mut scratch);
            assert_eq!(narrow, in_table, "{events:?} {p:?}");
            if !p.end_negated() {
                let reached = narrow.0;
                assert_eq!(
                    reversed_scan(&events, None, &p, reached, &mut scratch),
                    reversed_scan(&entries, Some(&table), &p, reached, &mut scratch),
                    "{events:?} {p:?}"
                );
            }
        }
    }

    #[test]
    fn sequences_longer_than_a_mask() {
        let k = 40;
        let mut p = SequencePattern {
            steps: k,
            gaps: vec![false; k],
            window: None,
            output: SequenceOutput::Furthest,
        };
        let mut scratch = Scratch::default();
        let mut furthest = |events: &[(i64, Vec<usize>)], p: &SequencePattern| {
            let (entries, table) = wide(events, k);
            scan(&entries, Some(&table), p, &mut scratch).0
        };
        // Step j at minute 2j.
        let chain: Vec<(i64, Vec<usize>)> = (0..k)
            .map(|j| (2 * j as i64, vec![SequencePattern::step_index(j)]))
            .collect();
        assert_eq!(furthest(&chain, &p), k);
        let without_26: Vec<(i64, Vec<usize>)> = chain
            .iter()
            .filter(|e| e.1[0] != SequencePattern::step_index(25))
            .cloned()
            .collect();
        assert_eq!(furthest(&without_26, &p), 25);
        // A negated step strictly between steps 31 and 32 cuts the chain.
        p.gaps[30] = true;
        let mut cut = chain.clone();
        cut.push((61, vec![SequencePattern::gap_index(30)]));
        assert_eq!(furthest(&cut, &p), 31);
        // At the time of step 31 it does not.
        cut.last_mut().expect("pushed").0 = 60;
        assert_eq!(furthest(&cut, &p), k);
        // The window counts from the start.
        p.window = Some(2 * (k as i64 - 1));
        assert_eq!(furthest(&chain, &p), k);
        p.window = Some(2 * (k as i64 - 1) - 1);
        assert_eq!(furthest(&chain, &p), k - 1);
        // One event matching every step reaches step 1 only; the same
        // event a minute later, step 2.
        let all: Vec<usize> = (0..k).map(SequencePattern::step_index).collect();
        p.window = None;
        assert_eq!(furthest(&[(0, all.clone())], &p), 1);
        assert_eq!(furthest(&[(0, all.clone()), (1, all)], &p), 2);
    }

    /// Runs the groups accumulator of `pattern` over events given as
    /// (group, time, matched steps), through a partial state and a merge.
    fn run_groups(pattern: SequencePattern, events: &[(usize, i64, &[usize])]) -> ArrayRef {
        let matcher = SequenceMatch::new(pattern.clone());
        let mut words = vec![vec![0i64; events.len()]; pattern.words()];
        for (row, (_, _, steps)) in events.iter().enumerate() {
            for &j in *steps {
                let (w, bit) = SequencePattern::word_bit(SequencePattern::step_index(j));
                words[w][row] |= bit;
            }
        }
        let mut values: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(
            events.iter().map(|e| e.1).collect::<Vec<_>>(),
        ))];
        values.extend(
            words
                .into_iter()
                .map(|w| Arc::new(Int64Array::from(w)) as ArrayRef),
        );
        let groups: Vec<usize> = events.iter().map(|e| e.0).collect();
        let num_groups = groups.iter().max().map_or(0, |g| g + 1);
        let new = || SequenceGroups {
            matcher: matcher.clone(),
            groups: Vec::new(),
            times: Vec::new(),
            entries: Vec::new(),
            table: matcher.table(),
            num_groups: 0,
        };
        // Half the rows through update and state, half as converted state.
        let half = events.len() / 2;
        let mut partial = new();
        let head: Vec<ArrayRef> = values.iter().map(|v| v.slice(0, half)).collect();
        partial
            .update_batch(&head, &groups[..half], None, num_groups)
            .expect("update");
        let state = partial.state(EmitTo::All).expect("state");
        let tail: Vec<ArrayRef> = values
            .iter()
            .map(|v| v.slice(half, events.len() - half))
            .collect();
        let converted = partial.convert_to_state(&tail, None).expect("convert");
        let mut merged = new();
        merged
            .merge_batch(&state, &(0..num_groups).collect::<Vec<_>>(), num_groups)
            .expect("merge state");
        merged
            .merge_batch(&converted, &groups[half..], num_groups)
            .expect("merge converted");
        merged.evaluate(EmitTo::All).expect("evaluate")
    }

    #[test]
    fn the_aggregate_reads_many_mask_words() {
        let k = 70;
        let pattern = SequencePattern {
            steps: k,
            gaps: vec![false; k],
            window: None,
            output: SequenceOutput::Furthest,
        };
        assert_eq!(pattern.words(), 3);
        let all: Vec<usize> = (0..k).collect();
        let mut events: Vec<(usize, i64, &[usize])> = Vec::new();
        // Group 0: every step in order, one event each, shuffled in.
        // Group 1: one event matching every step: step 1 only.
        // Group 2: steps 0..=40 in order, then step 50.
        for j in (0..k).rev() {
            events.push((0, j as i64, &all[j..=j]));
        }
        events.push((1, 5, &all[..]));
        for j in 0..=40 {
            events.push((2, j as i64, &all[j..=j]));
        }
        events.push((2, 100, &all[50..=50]));
        let result = run_groups(pattern, &events);
        let result = result.as_primitive::<Int64Type>();
        assert_eq!(result.values().to_vec(), vec![k as i64, 1, 41]);
    }
}

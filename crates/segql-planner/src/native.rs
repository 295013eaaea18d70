//! The native sequence matcher: an order-sensitive aggregate function that
//! decides a sequence (`A then B then not C within …`) for one actor (or one
//! actor's session) in a single pass over its events in time order, with
//! constant state per step.
//!
//! The lowering evaluates every step's predicate once into a bit mask per
//! event, drops events that match no step, repartitions by actor so that
//! each actor is whole on one core, and groups by actor (and session for
//! `within session`). The accumulator keeps only `(group, time, mask)` per
//! event, sorts each group's events by time once, and runs [`furthest`].
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
use std::sync::Arc;

/// The most positive steps a mask can hold; longer sequences use the
/// portable lowering.
pub const MAX_NATIVE_STEPS: usize = 16;

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
    /// Number of positive steps, 1 through [`MAX_NATIVE_STEPS`].
    pub steps: usize,
    /// Bit j set: negated steps stand in the gap after positive step j (the
    /// last gap is "after the last positive step").
    pub gaps: u32,
    /// `within D` in microseconds. The matcher does not handle negated steps
    /// after the last positive step together with a window (the planner uses
    /// the portable lowering there).
    pub window: Option<i64>,
    pub output: SequenceOutput,
}

impl SequencePattern {
    /// The mask bit of positive step j.
    pub fn step_bit(j: usize) -> i64 {
        1 << j
    }

    /// The mask bit of the negated steps in the gap after positive step j.
    pub fn gap_bit(j: usize) -> i64 {
        1 << (MAX_NATIVE_STEPS + j)
    }

    fn end_negated(&self) -> bool {
        self.gaps & (1 << (self.steps - 1)) != 0
    }
}

/// The number of positive steps an actor reaches (0 through k) over its
/// events, sorted by time. Negated steps after the last positive step count
/// only for reaching the last step.
pub fn furthest(events: &[(i64, u32)], pattern: &SequencePattern) -> usize {
    scan(events, pattern).0
}

/// The time of the step-1 event that starts the earliest chain reaching
/// `reached` steps (as [`furthest`] found them), over events sorted by time.
///
/// Time reversed, a chain of steps 1..=K is a chain of the same steps in
/// reverse order under the same rules: the window is the distance between
/// its ends, a negated step must not stand strictly between two neighbours,
/// and equal times never follow each other. The latest instant at which the
/// reversed matcher completes its last step (step 1) is therefore the
/// earliest start that reaches step K. Negated steps after step K play no
/// part in reaching it. Patterns with negated steps after the last positive
/// step are not handled (the planner does not ask).
pub fn earliest_start(
    events: &[(i64, u32)],
    pattern: &SequencePattern,
    reached: usize,
) -> Option<i64> {
    if reached == 0 {
        return None;
    }
    let k = reached;
    let remap = |mask: u32| {
        let mut out = 0u32;
        for j in 0..k {
            if mask & (1 << j) != 0 {
                out |= 1 << (k - 1 - j);
            }
        }
        // The gap after step j lies between steps k-2-j and k-1-j when
        // reversed, after reversed step k-2-j.
        let gaps = mask >> MAX_NATIVE_STEPS;
        for j in 0..k.saturating_sub(1) {
            if gaps & (1 << j) != 0 {
                out |= 1 << (MAX_NATIVE_STEPS + k - 2 - j);
            }
        }
        out
    };
    let reversed: Vec<(i64, u32)> = events
        .iter()
        .rev()
        .map(|&(t, mask)| (-t, remap(mask)))
        .filter(|&(_, mask)| mask != 0)
        .collect();
    let reversed_pattern = SequencePattern {
        steps: k,
        gaps: remap(pattern.gaps << MAX_NATIVE_STEPS) >> MAX_NATIVE_STEPS,
        window: pattern.window,
        output: SequenceOutput::Holds,
    };
    scan(&reversed, &reversed_pattern).1.map(|t| -t)
}

/// [`furthest`], and the latest instant at which a chain reaches the last
/// positive step.
fn scan(events: &[(i64, u32)], pattern: &SequencePattern) -> (usize, Option<i64>) {
    let k = pattern.steps;
    let end_gap = pattern.end_negated();
    // The latest start of the chains that end at each step and are not cut.
    let mut alive: [Option<i64>; MAX_NATIVE_STEPS] = [None; MAX_NATIVE_STEPS];
    let mut reached = 0usize;
    // For negated steps at the end: the latest time the last step is
    // reached, and the latest event of those negated steps.
    let mut last_end: Option<i64> = None;
    let mut last_gap: Option<i64> = None;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        let mut mask = 0u32;
        while i < events.len() && events[i].0 == t {
            mask |= events[i].1;
            i += 1;
        }
        // Chains this instant extends, from state strictly before it.
        let mut extended: [Option<i64>; MAX_NATIVE_STEPS] = [None; MAX_NATIVE_STEPS];
        if mask & 1 != 0 {
            extended[0] = Some(t);
        }
        for j in 1..k {
            if mask & (1 << j) == 0 {
                continue;
            }
            if let Some(start) = alive[j - 1]
                && pattern.window.is_none_or(|d| t - start <= d)
            {
                extended[j] = Some(start);
            }
        }
        // Negated steps at this instant cut the chains that end before it.
        let gap_mask = mask >> MAX_NATIVE_STEPS;
        if gap_mask != 0 {
            for (j, state) in alive.iter_mut().enumerate().take(k) {
                if gap_mask & (1 << j) != 0 {
                    *state = None;
                }
            }
            if end_gap && gap_mask & (1 << (k - 1)) != 0 {
                last_gap = Some(t);
            }
        }
        for j in 0..k {
            if let Some(start) = extended[j] {
                alive[j] = Some(alive[j].map_or(start, |s| s.max(start)));
                if j == k - 1 {
                    last_end = Some(t);
                }
                if j + 1 > reached && (j + 1 < k || !end_gap) {
                    reached = j + 1;
                }
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

/// The aggregate function `segql_sequence(time, mask)` for one pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequenceMatch {
    pattern: SequencePattern,
    signature: Signature,
}

impl SequenceMatch {
    pub const NAME: &'static str = "segql_sequence";

    pub fn new(pattern: SequencePattern) -> Self {
        SequenceMatch {
            pattern,
            signature: Signature::exact(
                vec![DataType::Int64, DataType::Int64],
                Volatility::Immutable,
            ),
        }
    }

    /// The call `segql_sequence(time, mask)`.
    pub fn call(pattern: SequencePattern, time: Expr, mask: Expr) -> Expr {
        AggregateUDF::from(SequenceMatch::new(pattern)).call(vec![time, mask])
    }

    /// What one group's events (sorted by time) give.
    fn outcome(&self, events: &[(i64, u32)]) -> (usize, Option<i64>) {
        let reached = furthest(events, &self.pattern);
        let start = match self.pattern.output {
            SequenceOutput::FurthestWithStart => earliest_start(events, &self.pattern, reached),
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
        }))
    }

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
            masks: Vec::new(),
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

/// The events of every group, stored column-wise in arrival order.
struct SequenceGroups {
    matcher: SequenceMatch,
    groups: Vec<u32>,
    times: Vec<i64>,
    masks: Vec<u32>,
    num_groups: usize,
}

impl SequenceGroups {
    fn push(&mut self, group: usize, time: i64, mask: i64) {
        if mask != 0 {
            self.groups.push(group as u32);
            self.times.push(time);
            self.masks.push(mask as u32);
        }
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
        let (mut kept_groups, mut kept_times, mut kept_masks) =
            (Vec::new(), Vec::new(), Vec::new());
        for ((&g, &t), &m) in self.groups.iter().zip(&self.times).zip(&self.masks) {
            let g = g as usize;
            if g < emitted {
                sorted[cursor[g]] = (t, m);
                cursor[g] += 1;
            } else {
                kept_groups.push((g - emitted) as u32);
                kept_times.push(t);
                kept_masks.push(m);
            }
        }
        if by_time {
            for g in 0..emitted {
                sorted[offsets[g]..offsets[g + 1]].sort_unstable();
            }
        }
        self.groups = kept_groups;
        self.times = kept_times;
        self.masks = kept_masks;
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

impl GroupsAccumulator for SequenceGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.num_groups = self.num_groups.max(total_num_groups);
        let (times, masks) = (int64(&values[0])?, int64(&values[1])?);
        for (row, &group) in group_indices.iter().enumerate() {
            if times.is_null(row)
                || masks.is_null(row)
                || opt_filter.is_some_and(|f| !f.is_valid(row) || !f.value(row))
            {
                continue;
            }
            self.push(group, times.value(row), masks.value(row));
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (offsets, sorted) = self.take_grouped(emit_to, true);
        let values = offsets
            .windows(2)
            .map(|w| self.matcher.outcome(&sorted[w[0]..w[1]]));
        Ok(self.matcher.result(values))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        // The merging side sorts; the partial side only groups.
        let (offsets, sorted) = self.take_grouped(emit_to, false);
        let (times, masks): (Vec<i64>, Vec<i64>) =
            sorted.into_iter().map(|(t, m)| (t, m as i64)).unzip();
        Ok(vec![lists(&offsets, times), lists(&offsets, masks)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.num_groups = self.num_groups.max(total_num_groups);
        let (times, masks) = (values[0].as_list::<i32>(), values[1].as_list::<i32>());
        // Read the lists' flat values through their offsets: no array per
        // row (partial states often hold one event a row).
        let (time_values, mask_values) = (int64(times.values())?, int64(masks.values())?);
        let (time_offsets, mask_offsets) = (times.value_offsets(), masks.value_offsets());
        for (row, &group) in group_indices.iter().enumerate() {
            if times.is_null(row) || masks.is_null(row) {
                continue;
            }
            let (start, end) = (time_offsets[row] as usize, time_offsets[row + 1] as usize);
            let mask_start = mask_offsets[row] as usize;
            for i in start..end {
                self.push(
                    group,
                    time_values.value(i),
                    mask_values.value(mask_start + i - start),
                );
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        Ok(one_element_lists(values, opt_filter))
    }

    fn size(&self) -> usize {
        self.groups.capacity() * 4 + self.times.capacity() * 8 + self.masks.capacity() * 4
    }
}

/// The same matcher for one group at a time (used where DataFusion does not
/// group, such as a window).
#[derive(Debug)]
struct SequenceAccumulator {
    matcher: SequenceMatch,
    events: Vec<(i64, u32)>,
}

impl Accumulator for SequenceAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (times, masks) = (int64(&values[0])?, int64(&values[1])?);
        for row in 0..times.len() {
            if times.is_valid(row) && masks.is_valid(row) && masks.value(row) != 0 {
                self.events
                    .push((times.value(row), masks.value(row) as u32));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.events.sort_unstable();
        let outcome = self.matcher.outcome(&self.events);
        ScalarValue::try_from_array(&self.matcher.result(std::iter::once(outcome)), 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.events.capacity() * 16
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let times = self.events.iter().map(|e| Some(e.0));
        let masks = self.events.iter().map(|e| Some(e.1 as i64));
        Ok(vec![
            ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                [Some(times)],
            ))),
            ScalarValue::List(Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(
                [Some(masks)],
            ))),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (times, masks) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..times.len() {
            if times.is_null(row) || masks.is_null(row) {
                continue;
            }
            let (t, m) = (times.value(row), masks.value(row));
            let (t, m) = (int64(&t)?, int64(&m)?);
            for i in 0..t.len() {
                if m.value(i) != 0 {
                    self.events.push((t.value(i), m.value(i) as u32));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(steps: usize, gaps: u32, window: Option<i64>) -> SequencePattern {
        SequencePattern {
            steps,
            gaps,
            window,
            output: SequenceOutput::Furthest,
        }
    }

    const A: u32 = 1;
    const B: u32 = 2;
    const C: u32 = 4;
    fn gap(j: usize) -> u32 {
        SequencePattern::gap_bit(j) as u32
    }

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
        let p = pattern(2, 0b1 << 0, None);
        let p = SequencePattern { gaps: 1, ..p };
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
        let p = SequencePattern {
            gaps: 1,
            ..pattern(1, 0, None)
        };
        assert_eq!(furthest(&[(1, A), (2, gap(0))], &p), 0);
        assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, A)], &p), 1);
        assert_eq!(furthest(&[(1, A | gap(0))], &p), 1);
        // A then B then not C: reaching B is cut, A still counts.
        let p = SequencePattern {
            gaps: 0b10,
            ..pattern(2, 0, None)
        };
        assert_eq!(furthest(&[(1, A), (2, B), (3, gap(1))], &p), 1);
    }

    #[test]
    fn a_window_keeps_the_latest_start() {
        let p = pattern(3, 0, Some(10));
        assert_eq!(furthest(&[(0, A), (5, A), (12, B), (14, C)], &p), 3);
        assert_eq!(furthest(&[(0, A), (5, B), (12, C)], &p), 2);
        assert_eq!(furthest(&[(0, A), (10, B)], &p), 2);
        // The latest start survives a gap cut only if it ends after the cut.
        let p = SequencePattern {
            gaps: 0b01,
            ..pattern(2, 0, Some(10))
        };
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
        let p = SequencePattern {
            gaps: 1,
            ..pattern(2, 0, None)
        };
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
                    && mask & (1 << level) != 0
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
                            mask |= 1 << j;
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
}

//! The state both aggregates keep and pass between their partial and final
//! stages. Each keeps its groups' events column-wise in arrival order
//! ([`GroupedEvents`]) and sorts a group only when it is emitted; a partial
//! state is one list per group and per column ([`lists`], [`list_fields`]),
//! read back through the lists' offsets ([`row_starts`]) so that no array is
//! made per row.

use datafusion_common::ScalarValue;
use datafusion_common::arrow::array::{Array, ArrayRef, BooleanArray, ListArray};
use datafusion_common::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion_common::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion_expr::EmitTo;
use datafusion_expr::function::StateFieldsArgs;
use std::sync::Arc;

/// Whether row `row` passes the aggregate's filter (every row does without
/// one; a null filter value drops the row).
pub(super) fn passes(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

/// The events of the groups emitted at once: each group's events, in
/// arrival order, start at its offset (one offset more than groups: the
/// last is the total).
pub(super) struct Emitted<P> {
    pub(super) offsets: Vec<usize>,
    pub(super) events: Vec<(i64, P)>,
}

/// The events of every group, column-wise in arrival order: the group, the
/// time, and what the aggregate keeps of the event (`P`).
#[derive(Debug)]
pub(super) struct GroupedEvents<P> {
    groups: Vec<u32>,
    times: Vec<i64>,
    kept: Vec<P>,
    num_groups: usize,
}

impl<P: Copy + Default> GroupedEvents<P> {
    pub(super) fn new() -> Self {
        GroupedEvents {
            groups: Vec::new(),
            times: Vec::new(),
            kept: Vec::new(),
            num_groups: 0,
        }
    }

    /// Makes room for `total_num_groups` groups (DataFusion's count of the
    /// groups so far).
    pub(super) fn grow(&mut self, total_num_groups: usize) {
        self.num_groups = self.num_groups.max(total_num_groups);
    }

    pub(super) fn push(&mut self, group: usize, time: i64, kept: P) {
        self.groups.push(group as u32);
        self.times.push(time);
        self.kept.push(kept);
    }

    /// Takes the events of the groups `emit_to` names, grouped (counting
    /// sort), each group in arrival order. The remaining groups are
    /// renumbered from 0.
    pub(super) fn take(&mut self, emit_to: EmitTo) -> Emitted<P> {
        let emitted = match emit_to {
            EmitTo::All => self.num_groups,
            EmitTo::First(n) => n.min(self.num_groups),
        };
        let offsets = group_offsets(&self.groups, emitted);
        let mut grouped = vec![(0i64, P::default()); offsets[emitted]];
        let mut cursor = offsets.clone();
        let (mut groups, mut times, mut kept) = (Vec::new(), Vec::new(), Vec::new());
        for ((&g, &t), &k) in self.groups.iter().zip(&self.times).zip(&self.kept) {
            let g = g as usize;
            if g < emitted {
                grouped[cursor[g]] = (t, k);
                cursor[g] += 1;
            } else {
                groups.push((g - emitted) as u32);
                times.push(t);
                kept.push(k);
            }
        }
        (self.groups, self.times, self.kept) = (groups, times, kept);
        self.num_groups -= emitted;
        Emitted {
            offsets,
            events: grouped,
        }
    }

    /// The bytes held.
    pub(super) fn size(&self) -> usize {
        self.groups.capacity() * 4
            + self.times.capacity() * 8
            + self.kept.capacity() * std::mem::size_of::<P>()
    }
}

/// Where each of the first `emitted` groups starts in a counting sort of
/// `groups` (one entry more than groups: the last is the total).
fn group_offsets(groups: &[u32], emitted: usize) -> Vec<usize> {
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

/// The state fields of the aggregate `args` names: one list per column,
/// named `name[column]`.
pub(super) fn list_fields(args: &StateFieldsArgs, columns: &[(&str, DataType)]) -> Vec<FieldRef> {
    columns
        .iter()
        .map(|(column, item)| {
            Arc::new(Field::new(
                format!("{}[{column}]", args.name),
                DataType::List(Arc::new(Field::new_list_field(item.clone(), true))),
                true,
            ))
        })
        .collect()
}

/// Lists over `values`, starting at `offsets` (one entry more than lists:
/// the last is the end).
pub(super) fn lists(offsets: &[usize], values: ArrayRef) -> ArrayRef {
    let offsets = OffsetBuffer::new(offsets.iter().map(|&o| o as i32).collect::<Vec<_>>().into());
    Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(values.data_type().clone(), true)),
        offsets,
        values,
        None,
    ))
}

/// The state of a one-group accumulator: one list of all of `values`.
pub(super) fn one_list(values: ArrayRef) -> ScalarValue {
    ScalarValue::List(Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(values.data_type().clone(), true)),
        OffsetBuffer::from_lengths([values.len()]),
        values,
        None,
    )))
}

/// Each input row as its own state: one-element lists over the input
/// arrays (no copy), null where the filter drops the row.
pub(super) fn one_element_lists(
    values: &[ArrayRef],
    opt_filter: Option<&BooleanArray>,
) -> Vec<ArrayRef> {
    let rows = values[0].len();
    let offsets = OffsetBuffer::from_repeated_length(1, rows);
    let nulls = opt_filter
        .map(|f| NullBuffer::from((0..rows).map(|i| passes(Some(f), i)).collect::<Vec<bool>>()));
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

/// Where the lists of state row `row` start in each list array's flat
/// values, and the length of the first; `None` when any of them is null.
pub(super) fn row_starts<const N: usize>(
    lists: [&ListArray; N],
    row: usize,
) -> Option<([usize; N], usize)> {
    if lists.iter().any(|l| l.is_null(row)) {
        return None;
    }
    let first = lists[0].value_offsets();
    let length = (first[row + 1] - first[row]) as usize;
    Some((lists.map(|l| l.value_offsets()[row] as usize), length))
}

//! The groups accumulator of the session starts by gaps alone
//! ([`super::sessions::SessionStarts`]): each group keeps the runs of its
//! times (spans whose consecutive gaps are at most the inactivity) as the
//! times arrive, rather than every time. Events mostly arrive in time order
//! per user (files are written as events happen), so a time usually
//! extends the group's last run or opens a new one; one that arrives out of
//! order is kept as a span of its own and the group is sorted and merged
//! once, when it is emitted. Memory is about two times per session instead
//! of one per event, and nothing is sorted for groups that arrived in
//! order.

use super::sessions::{SessionStarts, input_spans, state_spans};
use super::state::lists;
use datafusion_common::Result;
use datafusion_common::arrow::array::{ArrayRef, BooleanArray, Int64Array};
use datafusion_expr::{EmitTo, GroupsAccumulator};
use std::sync::Arc;

/// One group's spans: in order of their first times (and merged into runs)
/// unless `unsorted`.
#[derive(Debug, Default)]
struct Spans {
    spans: Vec<(i64, i64)>,
    unsorted: bool,
}

impl Spans {
    /// Adds the span `first..=last`: it extends the last run when it starts
    /// within the inactivity of its end, opens a run after it otherwise,
    /// and is kept apart when it starts before the last run does.
    fn add(&mut self, first: i64, last: i64, inactivity: i64) {
        match self.spans.last_mut() {
            Some(run) if first >= run.0 => {
                if first.saturating_sub(run.1) <= inactivity {
                    run.1 = run.1.max(last);
                } else {
                    self.spans.push((first, last));
                }
            }
            Some(_) => {
                self.spans.push((first, last));
                self.unsorted = true;
            }
            None => self.spans.push((first, last)),
        }
    }

    /// The runs, in time order.
    fn into_runs(mut self, starts: &SessionStarts) -> Vec<(i64, i64)> {
        if self.unsorted {
            starts.runs(&mut self.spans)
        } else {
            self.spans
        }
    }
}

/// The runs of every group.
#[derive(Debug)]
pub(super) struct SessionRuns {
    starts: SessionStarts,
    inactivity: i64,
    groups: Vec<Spans>,
    /// The spans held by all groups, for [`GroupsAccumulator::size`].
    held: usize,
}

impl SessionRuns {
    pub(super) fn new(starts: SessionStarts, inactivity: i64) -> Self {
        SessionRuns {
            starts,
            inactivity,
            groups: Vec::new(),
            held: 0,
        }
    }

    fn grow(&mut self, total_num_groups: usize) {
        if self.groups.len() < total_num_groups {
            self.groups.resize_with(total_num_groups, Spans::default);
        }
    }

    fn add(&mut self, group: usize, first: i64, last: i64) {
        let spans = &mut self.groups[group];
        let before = spans.spans.len();
        spans.add(first, last, self.inactivity);
        self.held += spans.spans.len() - before;
    }

    /// The runs of the groups `emit_to` names, as lists of firsts and of
    /// lasts.
    fn take(&mut self, emit_to: EmitTo) -> (Vec<usize>, Vec<i64>, Vec<i64>) {
        let taken = emit_to.take_needed(&mut self.groups);
        let mut offsets = Vec::with_capacity(taken.len() + 1);
        offsets.push(0);
        let (mut firsts, mut lasts) = (Vec::new(), Vec::new());
        for spans in taken {
            self.held -= spans.spans.len();
            for (first, last) in spans.into_runs(&self.starts) {
                firsts.push(first);
                lasts.push(last);
            }
            offsets.push(firsts.len());
        }
        (offsets, firsts, lasts)
    }
}

impl GroupsAccumulator for SessionRuns {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        input_spans(values, opt_filter, |row, first, last| {
            self.add(group_indices[row], first, last)
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (offsets, firsts, _) = self.take(emit_to);
        Ok(lists(&offsets, Arc::new(Int64Array::from(firsts))))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (offsets, firsts, lasts) = self.take(emit_to);
        Ok(vec![
            lists(&offsets, Arc::new(Int64Array::from(firsts))),
            lists(&offsets, Arc::new(Int64Array::from(lasts))),
        ])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        state_spans(values, |row, first, last| {
            self.add(group_indices[row], first, last)
        })
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.starts.spans_of_times(values, opt_filter)
    }

    fn size(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<Spans>() + self.held * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_order_extend_runs_and_others_are_merged_when_emitted() {
        let mut spans = Spans::default();
        for t in [0, 10, 40, 100, 105] {
            spans.add(t, t, 30);
        }
        assert_eq!(spans.spans, [(0, 40), (100, 105)]);
        assert!(!spans.unsorted);
        // 70 arrives late: it joins 40 and 100 into one run.
        spans.add(70, 70, 30);
        assert!(spans.unsorted);
        let starts = SessionStarts {
            sessions: crate::model::DerivedSessions::new(30),
        };
        assert_eq!(spans.into_runs(&starts), [(0, 105)]);
    }
}

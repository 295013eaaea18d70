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

use super::sessions::{GroupSpans, SessionStarts, input_spans, state_spans};
use datafusion_common::Result;
use datafusion_common::arrow::array::{ArrayRef, BooleanArray};
use datafusion_expr::{EmitTo, GroupsAccumulator};

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
    groups: Vec<Spans>,
    /// The spans held by all groups, for [`GroupsAccumulator::size`].
    held: usize,
}

impl SessionRuns {
    pub(super) fn new(starts: SessionStarts) -> Self {
        SessionRuns {
            starts,
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
        spans.add(first, last, self.starts.sessions.inactivity_micros);
        self.held += spans.spans.len() - before;
    }

    /// The runs of the groups `emit_to` names.
    fn take(&mut self, emit_to: EmitTo) -> GroupSpans {
        let taken = emit_to.take_needed(&mut self.groups);
        let mut runs = GroupSpans::with_groups(taken.len());
        for spans in taken {
            self.held -= spans.spans.len();
            runs.push_group(spans.into_runs(&self.starts));
        }
        runs
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
        Ok(self.take(emit_to).first_lists())
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(self.take(emit_to).state())
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

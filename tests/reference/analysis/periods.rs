//! What lifecycle and stickiness share (LANGUAGE.md §12): an actor's
//! active periods and the reported span of periods.

use super::{Analyzer, period_add, period_start};
use crate::reference::data::RefEvent;
use segql::syntax::{Period, Range, Step};
use std::collections::{BTreeMap, BTreeSet};

impl Analyzer<'_> {
    /// The first day of the local period (§10) holding `ts`.
    pub(super) fn period_of(&self, period: Period, ts: i64) -> i32 {
        period_start(period, self.ev.zone.local_day(ts))
    }

    /// Per actor, the periods (first days) of its events matching `step`;
    /// actors without one are left out.
    pub(super) fn active_periods(
        &self,
        actors: &BTreeMap<String, Vec<&RefEvent>>,
        step: &Step,
        period: Period,
    ) -> BTreeMap<String, BTreeSet<i32>> {
        actors
            .iter()
            .filter_map(|(actor, events)| {
                let active: BTreeSet<i32> = events
                    .iter()
                    .filter(|e| self.ev.step_matches(step, e))
                    .map(|e| self.period_of(period, e.ts))
                    .collect();
                (!active.is_empty()).then(|| (actor.clone(), active))
            })
            .collect()
    }

    /// The reported periods, in order: "those containing an instant of the
    /// range (no range: from the period of the first matching event in the
    /// data to that of the last)". Decision 8: an open end of a range
    /// (`since`, `before`) is the first or last matching event's period
    /// too; "the data" is the events the analysis counts (of its `for`
    /// segment's actors).
    pub(super) fn reported_periods(
        &self,
        period: Period,
        range: Option<&Range>,
        active: &BTreeMap<String, BTreeSet<i32>>,
    ) -> Vec<i32> {
        let (from, to) = range.map_or((None, None), |r| self.ev.bounds(r));
        let first = match from {
            Some(from) => Some(self.period_of(period, from)),
            None => active.values().filter_map(|a| a.first().copied()).min(),
        };
        let last = match to {
            // The period of the range's last instant.
            Some(to) => Some(self.period_of(period, to - 1)),
            None => active.values().filter_map(|a| a.last().copied()).max(),
        };
        let (Some(first), Some(last)) = (first, last) else {
            return Vec::new();
        };
        let mut periods = Vec::new();
        let mut p = first;
        while p <= last {
            periods.push(p);
            p = period_add(period, p, 1);
        }
        periods
    }
}

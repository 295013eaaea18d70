//! The reference stickiness (LANGUAGE.md §12).

use super::{Analyzer, Cell, Table};
use segql::syntax::{Period, Stickiness};
use std::collections::BTreeMap;

impl Analyzer<'_> {
    pub(super) fn stickiness(&self, s: &Stickiness) -> Table {
        let audience = self.audience(s.scope.iter());
        let scope = s.scope.as_ref().map(|m| self.seg_members(m));
        let actors = self.events_by_actor(audience, s.range.as_ref(), scope.as_ref());
        let period = s.every.unwrap_or(Period::Day);
        // "For each actor with at least one event matching the step in the
        // range, the number of distinct periods (local) in which it has
        // such events in the range."
        let active = self.active_periods(&actors, &s.step, period);
        let mut by_count: BTreeMap<usize, i64> = BTreeMap::new();
        for periods in active.values() {
            *by_count.entry(periods.len()).or_default() += 1;
        }
        let counted = active.len() as i64;
        // "M is their count. Output: `periods` (1..M, every value a row,
        // zeros included), `users`, `share` (users / actors counted; 0 when
        // none)."
        let m = self
            .reported_periods(period, s.range.as_ref(), &active)
            .len();
        let rows = (1..=m)
            .map(|k| {
                let users = by_count.get(&k).copied().unwrap_or(0);
                let share = if counted == 0 {
                    0.0
                } else {
                    users as f64 / counted as f64
                };
                vec![Cell::Int(k as i64), Cell::Int(users), Cell::Float(share)]
            })
            .collect();
        Table {
            columns: ["periods", "users", "share"].map(str::to_string).to_vec(),
            rows,
        }
    }
}

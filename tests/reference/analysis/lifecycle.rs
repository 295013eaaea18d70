//! The reference lifecycle (LANGUAGE.md §12).

use super::{Analyzer, Cell, Table, period_add};
use segql::syntax::{LifecycleAnalysis, Period};

impl Analyzer<'_> {
    pub(super) fn lifecycle(&self, l: &LifecycleAnalysis) -> Table {
        let audience = self.audience(l.scope.iter());
        let scope = l.scope.as_ref().map(|s| self.seg_members(s));
        // "An actor is active in a period when it has an event matching the
        // step in it (all its events count, whatever the range)."
        let actors = self.events_by_actor(audience, None, scope.as_ref());
        let period = l.every.unwrap_or(Period::Day);
        let active = self.active_periods(&actors, &l.step, period);
        let mut rows = Vec::new();
        for p in self.reported_periods(period, l.range.as_ref(), &active) {
            let before = period_add(period, p, -1);
            let mut users = [0i64; 4];
            for periods in active.values() {
                let (now, then) = (periods.contains(&p), periods.contains(&before));
                let first = *periods.first().expect("an active actor");
                let status = match (now, then) {
                    // "`new` (active in P, and P holds its first matching
                    // event ever)"
                    (true, _) if first == p => 0,
                    // "`returning` (active in P and in P−1)"
                    (true, true) => 1,
                    // "`resurrecting` (active in P, not in P−1, active in
                    // some period before P−1)"
                    (true, false) if first < before => 2,
                    (true, false) => unreachable!("active before P, so before P − 1"),
                    // "`dormant` (active in P−1, not in P)"
                    (false, true) => 3,
                    (false, false) => continue,
                };
                users[status] += 1;
            }
            // "four rows per period (zeros included) in the status order
            // above, periods ascending"
            for (status, n) in ["new", "returning", "resurrecting", "dormant"]
                .iter()
                .zip(users)
            {
                rows.push(vec![Cell::Date(p), Cell::text(status), Cell::Int(n)]);
            }
        }
        Table {
            columns: ["period", "status", "users"].map(str::to_string).to_vec(),
            rows,
        }
    }
}

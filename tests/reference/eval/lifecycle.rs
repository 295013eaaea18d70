//! `for the first time`, `stopped` and `restarted` (LANGUAGE.md §11),
//! decided per actor over all of its events matching the step, whatever
//! the range lets a plain behavior see.

use super::*;
use segql::syntax::LifecycleKind;

impl<'a> Evaluator<'a> {
    /// The members of a lifecycle behavior governed by `range`, or `None`
    /// for any other behavior (and for `for the first time` without a
    /// range: "Without a range it means `performed STEP`").
    pub(super) fn lifecycle_members(
        &self,
        audience: Audience,
        b: &Behavior,
        range: Option<&Range>,
    ) -> Option<Members> {
        let kind = b.lifecycle.map(|l| l.kind);
        if kind.is_none() && (b.first_time.is_none() || range.is_none()) {
            return None;
        }
        // "`stopped`/`restarted`/`for the first time` take a single
        // positive step (no `then`), and no `within`"; first time no count.
        assert!(
            b.steps.len() == 1 && b.within.is_none() && b.count.is_none() && b.holding.is_none(),
            "reference: a lifecycle behavior takes one step and no modifier"
        );
        let range = range.expect("stopped and restarted are checked to have a range");
        let step = &b.steps[0].step;
        let members = self
            .universe(audience)
            .into_iter()
            .filter(|actor| {
                let times: Vec<i64> = self
                    .events_of(audience, actor)
                    .into_iter()
                    .filter(|e| self.step_matches(step, e))
                    .map(|e| e.ts)
                    .collect();
                match kind {
                    // "the actor's earliest event matching STEP, over all
                    // events whatever the range, lies in the range."
                    None => times
                        .iter()
                        .min()
                        .is_some_and(|&first| self.in_range(first, Some(range))),
                    // "the actor has an event matching STEP before the range
                    // starts and none in the range."
                    Some(LifecycleKind::Stopped) => {
                        let (start, _) = self.bounds(range);
                        let start = start.expect("`stopped` is checked to have a start");
                        times.iter().any(|&t| t < start)
                            && !times.iter().any(|&t| self.in_range(t, Some(range)))
                    }
                    // "an event matching STEP in the range, none in the gap
                    // of the same length just before it (for `[a, b)`: none
                    // in `[a - (b - a), a)`), and one before that gap."
                    Some(LifecycleKind::Restarted) => {
                        let (Some(a), Some(b)) = self.bounds(range) else {
                            panic!("reference: `restarted` is checked to have a bounded range");
                        };
                        let gap = a - (b - a);
                        times.iter().any(|&t| self.in_range(t, Some(range)))
                            && !times.iter().any(|&t| gap <= t && t < a)
                            && times.iter().any(|&t| t < gap)
                    }
                }
            })
            .collect();
        Some(members)
    }

    /// The start and end of a range (§4.2), `None` where it is unbounded;
    /// dates are local midnights of the reporting time zone (§10).
    pub(in crate::reference) fn bounds(&self, range: &Range) -> (Option<i64>, Option<i64>) {
        match &range.kind {
            RangeKind::Last { count, unit, .. } => (
                Some(self.now_ms - duration_ms(count.unwrap_or(1), *unit)),
                Some(self.now_ms),
            ),
            RangeKind::Since(d) => (Some(self.zone.date_ms(&d.text)), None),
            RangeKind::Before(d) => (None, Some(self.zone.date_ms(&d.text))),
            RangeKind::Between(a, b) => (
                Some(self.zone.date_ms(&a.text)),
                Some(self.zone.date_ms(&b.text)),
            ),
        }
    }
}

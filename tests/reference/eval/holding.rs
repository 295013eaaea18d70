//! `holding c1, c2` (LANGUAGE.md §11) over an actor's events, straight
//! from the text: the events are split by their values of the held
//! columns (an event with a null one is in no part, "a null value never
//! matches"), and a behavior holds when it holds on the events of one
//! value set. Counts: `at least` asks one value set for N events, `at most`
//! and `exactly` read "the largest number of events sharing one value set
//! (0 when there is none)"; an aggregate holds when the aggregate over some
//! value set passes, and an actor without any value set is tested as
//! without `holding` on no events (a `total` of 0).

use super::*;

impl<'a> Evaluator<'a> {
    /// Whether behavior `b`, which has `holding`, holds for an actor whose
    /// events in range are `events` (in time order).
    pub(super) fn holding_holds(&self, events: &[&RefEvent], b: &Behavior) -> bool {
        let columns: Vec<&str> = b
            .holding
            .as_ref()
            .expect("a behavior with holding")
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        // "every matched positive event has the same non-null values of the
        // event columns c1, c2 (one value set per assignment); negated steps
        // look only at events with those values"
        let mut parts: BTreeMap<Vec<String>, Vec<&RefEvent>> = BTreeMap::new();
        for &e in events {
            let values: Option<Vec<String>> = columns
                .iter()
                .map(|c| event_value(self.data, e, c).map(|v| format!("{v:?}")))
                .collect();
            if let Some(values) = values {
                parts.entry(values).or_default().push(e);
            }
        }
        let Some(count) = &b.count else {
            return parts
                .values()
                .any(|part| self.sequence_holds(part, &b.steps, b.within.as_ref()));
        };
        let step = &b.steps[0].step;
        let sets: Vec<Vec<&RefEvent>> = parts
            .values()
            .map(|part| {
                part.iter()
                    .copied()
                    .filter(|e| self.step_matches(step, e))
                    .collect::<Vec<_>>()
            })
            .filter(|m| !m.is_empty())
            .collect();
        // "the count is the largest number of events sharing one value set
        // (0 when there is none)"
        let largest = sets.iter().map(Vec::len).max().unwrap_or(0) as u64;
        match &count.kind {
            CountKind::AtMost(n) => largest <= *n,
            CountKind::Exactly(n) => largest == *n,
            // "a count (`at least 3 times holding product_id`) counts events
            // sharing one value set"; no value set is no events at all.
            CountKind::AtLeast(_) | CountKind::Aggregate { .. } if sets.is_empty() => {
                self.count_holds(&[], &count.kind, b.within.as_ref())
            }
            CountKind::AtLeast(_) | CountKind::Aggregate { .. } => sets
                .iter()
                .any(|set| self.count_holds(set, &count.kind, b.within.as_ref())),
        }
    }
}

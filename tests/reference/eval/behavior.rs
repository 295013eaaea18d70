//! Behaviors (§4.1): sequences by brute force over every assignment of an
//! actor's events to the positive steps, negated steps, `within`, counts
//! and aggregates.

use super::*;

impl<'a> Evaluator<'a> {
    /// Whether a behavior holds for an actor whose events (in time order,
    /// already limited to the behavior's range) are `events`.
    pub(super) fn behavior_holds(&self, events: &[&RefEvent], b: &Behavior) -> bool {
        if b.holding.is_some() {
            return self.holding_holds(events, b);
        }
        match &b.count {
            Some(count) => {
                // "Counts. Only on a single positive step (an error on a
                // sequence)."
                assert!(
                    b.steps.len() == 1,
                    "reference: a count on a sequence is an error"
                );
                let step = &b.steps[0].step;
                let matches: Vec<&RefEvent> = events
                    .iter()
                    .copied()
                    .filter(|e| self.step_matches(step, e))
                    .collect();
                self.count_holds(&matches, &count.kind, b.within.as_ref())
            }
            None => self.sequence_holds(events, &b.steps, b.within.as_ref()),
        }
    }

    /// "The behavior holds for an actor when at least one assignment of
    /// events satisfies all of this." Brute force: every assignment of
    /// events to the positive steps with strictly increasing timestamps.
    pub(in crate::reference) fn sequence_holds(
        &self,
        events: &[&RefEvent],
        steps: &[SeqStep],
        within: Option<&Within>,
    ) -> bool {
        let positive: Vec<usize> = (0..steps.len()).filter(|&i| !steps[i].negated).collect();
        assert!(
            !steps[0].negated,
            "reference: a sequence cannot start with a negated step"
        );
        let mut chosen = Vec::new();
        self.search(events, steps, &positive, within, &mut chosen)
    }

    /// Like [`Self::sequence_holds`], but only assignments whose first
    /// positive step is matched by `first` (one of `events`) count: whether
    /// a chain satisfying the sequence starts at `first`.
    pub(in crate::reference) fn sequence_holds_from<'e>(
        &self,
        events: &[&'e RefEvent],
        steps: &[SeqStep],
        within: Option<&Within>,
        first: &'e RefEvent,
    ) -> bool {
        let positive: Vec<usize> = (0..steps.len()).filter(|&i| !steps[i].negated).collect();
        assert!(
            !steps[0].negated,
            "reference: a sequence cannot start with a negated step"
        );
        if !self.step_matches(&steps[0].step, first) {
            return false;
        }
        let mut chosen = vec![first];
        self.search(events, steps, &positive, within, &mut chosen)
    }

    pub(super) fn search<'e>(
        &self,
        events: &[&'e RefEvent],
        steps: &[SeqStep],
        positive: &[usize],
        within: Option<&Within>,
        chosen: &mut Vec<&'e RefEvent>,
    ) -> bool {
        if chosen.len() == positive.len() {
            return self.assignment_ok(events, steps, positive, within, chosen);
        }
        let step = &steps[positive[chosen.len()]].step;
        for &e in events {
            // "Positive steps p1..pk must match events of one actor with
            // strictly increasing timestamps."
            if chosen.last().is_some_and(|prev| e.ts <= prev.ts) {
                continue;
            }
            if !self.step_matches(step, e) {
                continue;
            }
            chosen.push(e);
            if self.search(events, steps, positive, within, chosen) {
                return true;
            }
            chosen.pop();
        }
        false
    }

    /// One complete assignment `chosen` (one event per positive step): the
    /// `within` rule and every negated step.
    pub(in crate::reference) fn assignment_ok(
        &self,
        events: &[&RefEvent],
        steps: &[SeqStep],
        positive: &[usize],
        within: Option<&Within>,
        chosen: &[&RefEvent],
    ) -> bool {
        let first = chosen[0];
        let last = chosen[chosen.len() - 1];
        // The shared session of `within session`.
        let mut session: Option<&str> = None;
        match within.map(|w| &w.kind) {
            // "`within session`: all matched events share one non-null
            // `session_id`."
            Some(WithinKind::Session) => {
                let Some(s) = first.session_id.as_deref() else {
                    return false;
                };
                if chosen.iter().any(|e| e.session_id.as_deref() != Some(s)) {
                    return false;
                }
                session = Some(s);
            }
            // "`within D`: `t(pk) - t(p1) <= D`."
            Some(WithinKind::Duration(d)) if last.ts - first.ts > duration_ms(d.count, d.unit) => {
                return false;
            }
            Some(WithinKind::Duration(_)) | None => {}
        }
        for (i, step) in steps.iter().enumerate() {
            if !step.negated {
                continue;
            }
            // The positive steps around the gap this negated step stands in.
            let before = positive
                .iter()
                .rposition(|&p| p < i)
                .expect("first step is positive");
            let after = positive.iter().position(|&p| p > i);
            let t_before = chosen[before].ts;
            let in_gap = |e: &RefEvent| -> bool {
                // "With `within session`, negated steps only look at events
                // of that session."
                if let Some(s) = session
                    && e.session_id.as_deref() != Some(s)
                {
                    return false;
                }
                match after {
                    // "between two positive steps: strictly between their
                    // timestamps"
                    Some(a) => t_before < e.ts && e.ts < chosen[a].ts,
                    // "at the end: strictly after the last positive step —
                    // until the end of that session (`within session`), until
                    // `t(p1) + D` inclusive (`within D`), or until the end of
                    // the range (no `within`)". The events are already limited
                    // to the range, and to the session above.
                    None => {
                        e.ts > t_before
                            && match within.map(|w| &w.kind) {
                                Some(WithinKind::Duration(d)) => {
                                    e.ts <= first.ts + duration_ms(d.count, d.unit)
                                }
                                _ => true,
                            }
                    }
                }
            };
            if events
                .iter()
                .any(|e| in_gap(e) && self.step_matches(&step.step, e))
            {
                return false;
            }
        }
        true
    }

    /// Counts and aggregates over `matches`, the actor's events in range that
    /// match the step (in time order).
    pub(super) fn count_holds(
        &self,
        matches: &[&RefEvent],
        kind: &CountKind,
        within: Option<&Within>,
    ) -> bool {
        let n = matches.len() as u64;
        match kind {
            // "`at least N times`: N or more matching events in range."
            // With N = 0 this holds for every actor of the universe, with or
            // without `within` (zero events trivially share a session and
            // span no time).
            CountKind::AtLeast(need) => {
                let need = *need as usize;
                if need == 0 {
                    return true;
                }
                match within.map(|w| &w.kind) {
                    None => matches.len() >= need,
                    // "`at least N times within session`: N matches in one
                    // session" (a non-null one: "a null session never
                    // satisfies `within session`").
                    Some(WithinKind::Session) => {
                        let mut per_session: BTreeMap<&str, usize> = BTreeMap::new();
                        for e in matches {
                            if let Some(s) = e.session_id.as_deref() {
                                *per_session.entry(s).or_default() += 1;
                            }
                        }
                        per_session.values().any(|&c| c >= need)
                    }
                    // "`at least N times within D`: N matches with
                    // `t_last - t_first <= D`": some window [t, t + D] that
                    // starts at a match holds N matches.
                    Some(WithinKind::Duration(d)) => {
                        let d = duration_ms(d.count, d.unit);
                        matches.iter().any(|start| {
                            matches
                                .iter()
                                .filter(|e| start.ts <= e.ts && e.ts <= start.ts + d)
                                .count()
                                >= need
                        })
                    }
                }
            }
            // "`at most N` / `exactly N` count from 0, so actors of the
            // universe with no events qualify for `at most N` and
            // `exactly 0`."
            CountKind::AtMost(max) => {
                assert!(within.is_none(), "reference: `within` with `at most`");
                n <= *max
            }
            CountKind::Exactly(want) => {
                assert!(within.is_none(), "reference: `within` with `exactly`");
                n == *want
            }
            CountKind::Aggregate {
                func,
                column,
                op,
                value,
            } => {
                assert!(within.is_none(), "reference: `within` with an aggregate");
                // "(nulls skipped)"
                let values: Vec<Val> = matches
                    .iter()
                    .filter_map(|e| event_value(self.data, e, &column.name))
                    .collect();
                let result = aggregate(*func, &values, &column.name);
                match result {
                    // "`average`, `min`, `max` of no events are null, so the
                    // test is false."
                    None => false,
                    Some(v) => {
                        let ord = compare_number(v, value);
                        ord.is_some_and(|o| op_holds(*op, o))
                    }
                }
            }
        }
    }

    /// Whether event `e` matches a step (its event kind and `with` filter).
    pub(in crate::reference) fn step_matches(&self, step: &Step, e: &RefEvent) -> bool {
        let kind_ok = match &step.event.kind {
            // "`viewed X`: `event_type = 'view' AND name = X`"
            EventKind::Viewed(t) => e.event_type == "view" && target_matches(t, &e.name),
            // "`action X`/`clicked X`: `event_type = 'action'`"
            EventKind::Action { target, .. } => {
                e.event_type == "action" && target_matches(target, &e.name)
            }
            // "`error [X]`: `event_type = 'error'`"
            EventKind::Error(t) => {
                e.event_type == "error" && t.as_ref().is_none_or(|t| target_matches(t, &e.name))
            }
            // "`event X`: `name = X` whatever the type"
            EventKind::Named(t) => target_matches(t, &e.name),
            // "`any event`: every event"
            EventKind::Any => true,
        };
        kind_ok
            && step.filter.as_ref().is_none_or(|p| {
                eval_pred(p, &mut |atom| {
                    self.atom_holds(event_value(self.data, e, &atom.column.name), atom)
                })
            })
    }
}

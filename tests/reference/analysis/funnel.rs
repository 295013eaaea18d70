//! The reference funnel (LANGUAGE.md §5, §12): every assignment of an
//! actor's events to the steps is enumerated, in the step order of the
//! funnel's order mode, for each value set of `holding`; an actor's
//! furthest step, its times to convert and its entry are read off them.
//!
//! Decisions: 1. reaching positive step j means steps 1..j match as a
//! sequence, with the negated steps in the gaps between them; the negated
//! steps after the last positive step apply only to reaching the last
//! step. 2. `by` (and `every`, Decision 9) reads the step-1 event of the
//! earliest assignment that reaches the furthest step; on a tie in time,
//! the smallest value, nulls last. 9. In any order, the entry is the
//! earliest event an assignment reaching the furthest step gives step 1.
//! 10. A time to convert is in whole milliseconds (the data's precision).

use super::{Analyzer, ByCol, Cell, Key, Table};
use crate::reference::data::RefEvent;
use crate::reference::eval::{duration_ms, event_value};
use segql::syntax::{Funnel, OrderKind, SeqStep, Within, WithinKind};
use std::collections::BTreeMap;

/// What one actor's events give.
struct Reached<'e> {
    /// The furthest positive step (from 1).
    furthest: usize,
    /// Per positive step from 1: the smallest time to convert, in ms
    /// (`None` for step 1).
    times: Vec<Option<i64>>,
    /// The step-1 events of the assignments reaching the furthest step.
    firsts: Vec<&'e RefEvent>,
}

impl Analyzer<'_> {
    pub(super) fn funnel(&self, f: &Funnel) -> Table {
        let audience = self.audience(f.scope.iter().chain(&f.compare));
        let scope = f.scope.as_ref().map(|s| self.seg_members(s));
        // Decision 3: "`compare A, B` gives one block per segment in order,
        // each intersected with the `for` segment when there is one."
        let blocks: Vec<(Option<String>, Option<crate::reference::eval::Members>)> =
            if f.compare.is_empty() {
                vec![(None, scope)]
            } else {
                f.compare
                    .iter()
                    .map(|c| {
                        let mut members = self.seg_members(c);
                        if let Some(s) = &scope {
                            members = members.intersection(s).cloned().collect();
                        }
                        (Some(Self::seg_label(c)), Some(members))
                    })
                    .collect()
            };
        let positive: Vec<usize> = (0..f.steps.len())
            .filter(|&i| !f.steps[i].negated)
            .collect();
        let by = f.by.as_ref().map(|i| self.by_column(&i.name));

        // Per actor (the same in every block): its steps and times, and its
        // group (the `by` value and the period of entry).
        let actors = self.events_by_actor(audience, f.range.as_ref(), None);
        let mut reached: BTreeMap<&str, (Reached, Vec<Cell>)> = BTreeMap::new();
        for (actor, events) in &actors {
            let Some(r) = self.reach(f, &positive, events) else {
                continue;
            };
            // §5 "the step-1 event that starts the actor's furthest-reaching
            // chain (the earliest such event)"; §12 "`every PERIOD` groups
            // actors by the period (local, §10) of their entry".
            let t0 = r.firsts.iter().map(|e| e.ts).min().expect("a chain starts");
            let earliest: Vec<&RefEvent> =
                r.firsts.iter().copied().filter(|e| e.ts == t0).collect();
            let mut group = Vec::new();
            match &by {
                None => {}
                Some(ByCol::Profile(column)) => {
                    group.push(self.profile_cell(audience, actor, column))
                }
                Some(ByCol::Event(column)) => {
                    group.push(self.smallest_event_value(&earliest, column))
                }
            }
            if let Some(period) = f.every {
                group.push(Cell::Date(self.period_of(period, t0)));
            }
            reached.insert(actor, (r, group));
        }

        let labels: Vec<String> = positive
            .iter()
            .map(|&i| f.steps[i].step.to_string())
            .collect();
        let mut columns = Vec::new();
        if !f.compare.is_empty() {
            columns.push("segment".to_string());
        }
        if let Some(ident) = &f.by {
            columns.push(ident.name.clone());
        }
        if f.every.is_some() {
            columns.push("period".to_string());
        }
        columns.extend(
            [
                "step",
                "label",
                "users",
                "conversion",
                "step_conversion",
                "average_seconds",
                "median_seconds",
            ]
            .map(str::to_string),
        );

        let mut rows = Vec::new();
        for (name, members) in &blocks {
            let mut groups: BTreeMap<Key, Vec<&Reached>> = BTreeMap::new();
            // Decision 2: without `by` (§12: or `every`), one row per
            // positive step, also when nobody reaches it.
            if by.is_none() && f.every.is_none() {
                groups.insert(Key(Vec::new()), Vec::new());
            }
            for (actor, (r, group)) in &reached {
                if members.as_ref().is_none_or(|m| m.contains(*actor)) {
                    groups.entry(Key(group.clone())).or_default().push(r);
                }
            }
            for (group, members) in groups {
                let mut lead: Vec<Cell> = name.iter().map(|n| Cell::text(n)).collect();
                lead.extend(group.0);
                funnel_rows(&lead, &members, &labels, &mut rows);
            }
        }
        Table { columns, rows }
    }

    /// How far an actor gets, over its events in range (in time order);
    /// `None` when it reaches no step.
    fn reach<'e>(
        &self,
        f: &Funnel,
        positive: &[usize],
        events: &[&'e RefEvent],
    ) -> Option<Reached<'e>> {
        let k = positive.len();
        let order = f.order.as_ref().map_or(OrderKind::Sequential, |o| o.kind);
        // §11 on chains: "every matched positive event has the same
        // non-null values of the event columns c1, c2"; "negated steps look
        // only at events with those values". The events of each value set
        // (an event with a null one is in none).
        let parts: Vec<Vec<&'e RefEvent>> = match &f.holding {
            None => vec![events.to_vec()],
            Some(holding) => {
                let mut parts: BTreeMap<Vec<String>, Vec<&'e RefEvent>> = BTreeMap::new();
                for &e in events {
                    let values: Option<Vec<String>> = holding
                        .columns
                        .iter()
                        .map(|c| event_value(self.data(), e, &c.name).map(|v| format!("{v:?}")))
                        .collect();
                    if let Some(values) = values {
                        parts.entry(values).or_default().push(e);
                    }
                }
                parts.into_values().collect()
            }
        };
        let mut out: Option<Reached> = None;
        for j in 1..=k {
            // Decision 1: steps 1..j, with the negated steps after step j
            // only for the last step.
            let prefix: &[SeqStep] = if j == k {
                &f.steps[..]
            } else {
                &f.steps[..=positive[j - 1]]
            };
            let mut best: Option<i64> = None;
            let mut firsts: Vec<&'e RefEvent> = Vec::new();
            for part in &parts {
                // §11: "In `in strict order`, events with other held values
                // still count as 'other events'."
                let search = Search {
                    analyzer: self,
                    events: part,
                    all: events,
                    steps: prefix,
                    positive: &positive[..j],
                    within: f.within.as_ref(),
                    order,
                };
                search.each(&mut Vec::new(), &mut |chosen| {
                    let max = chosen.iter().map(|e| e.ts).max().expect("events");
                    let min = chosen.iter().map(|e| e.ts).min().expect("events");
                    let span = max - min;
                    best = Some(best.map_or(span, |b| b.min(span)));
                    firsts.push(chosen[0]);
                });
            }
            if firsts.is_empty() {
                break;
            }
            let r = out.get_or_insert_with(|| Reached {
                furthest: 0,
                times: vec![None; k],
                firsts: Vec::new(),
            });
            r.furthest = j;
            // "Both are null for step 1"
            r.times[j - 1] = if j == 1 { None } else { best };
            r.firsts = firsts;
        }
        out
    }
}

/// One search of assignments of events to the positive steps of `steps`.
struct Search<'a, 'e> {
    analyzer: &'a Analyzer<'a>,
    /// The events a chain may take (one value set of `holding`).
    events: &'a [&'e RefEvent],
    /// All the actor's events in range: what stands between in strict
    /// order.
    all: &'a [&'e RefEvent],
    steps: &'a [SeqStep],
    /// The indexes in `steps` of the positive steps.
    positive: &'a [usize],
    within: Option<&'a Within>,
    order: OrderKind,
}

impl<'e> Search<'_, 'e> {
    fn each(&self, chosen: &mut Vec<&'e RefEvent>, f: &mut dyn FnMut(&[&'e RefEvent])) {
        if chosen.len() == self.positive.len() {
            if self.complete(chosen) {
                f(chosen);
            }
            return;
        }
        let step = &self.steps[self.positive[chosen.len()]].step;
        for &e in self.events {
            let fits = match self.order {
                // "Positive steps p1..pk must match events of one actor with
                // strictly increasing timestamps."
                OrderKind::Sequential | OrderKind::Strict => {
                    chosen.last().is_none_or(|prev| e.ts > prev.ts)
                }
                // "k distinct events match steps 1..k, one each, in any order
                // of time (equal timestamps allowed)"
                OrderKind::Any => !chosen.iter().any(|c| std::ptr::eq(*c, e)),
            };
            if !fits || !self.analyzer.ev.step_matches(step, e) {
                continue;
            }
            chosen.push(e);
            self.each(chosen, f);
            chosen.pop();
        }
    }

    /// A full assignment: the rules of its order.
    fn complete(&self, chosen: &[&RefEvent]) -> bool {
        match self.order {
            OrderKind::Sequential => self.analyzer.ev.assignment_ok(
                self.events,
                self.steps,
                self.positive,
                self.within,
                chosen,
            ),
            OrderKind::Strict | OrderKind::Any => {
                let session = match self.within.map(|w| &w.kind) {
                    // One non-null session for every matched event, "step 1
                    // alone included".
                    Some(WithinKind::Session) => {
                        let Some(s) = chosen[0].session_id.as_deref() else {
                            return false;
                        };
                        if chosen.iter().any(|e| e.session_id.as_deref() != Some(s)) {
                            return false;
                        }
                        Some(s)
                    }
                    // "with `max t - min t <= D` for `within D`"
                    Some(WithinKind::Duration(d)) => {
                        let max = chosen.iter().map(|e| e.ts).max().expect("events");
                        let min = chosen.iter().map(|e| e.ts).min().expect("events");
                        if max - min > duration_ms(d.count, d.unit) {
                            return false;
                        }
                        None
                    }
                    None => None,
                };
                if self.order == OrderKind::Any {
                    return true;
                }
                // "between two consecutive matched positive steps the actor
                // has no other event in range strictly between their
                // timestamps (with `within session`, events of other
                // sessions do not count)"
                chosen.windows(2).all(|pair| {
                    !self.all.iter().any(|e| {
                        pair[0].ts < e.ts
                            && e.ts < pair[1].ts
                            && session.is_none_or(|s| e.session_id.as_deref() == Some(s))
                    })
                })
            }
        }
    }
}

/// The rows of one funnel block (or one group of it): `lead` (the
/// `segment`, `by` and `period` cells), then per positive step `step`,
/// `label`, `users`, `conversion`, `step_conversion`, `average_seconds`,
/// `median_seconds`, over the actors of the group.
fn funnel_rows(lead: &[Cell], actors: &[&Reached], labels: &[String], rows: &mut Vec<Vec<Cell>>) {
    let users: Vec<i64> = (1..=labels.len())
        .map(|j| actors.iter().filter(|r| r.furthest >= j).count() as i64)
        .collect();
    let ratio = |a: i64, b: i64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    for (i, label) in labels.iter().enumerate() {
        // "`conversion = users / users at step 1` and `step_conversion =
        // users / users at the previous step` (1 for step 1; 0 when the
        // divisor is 0)"
        let conversion = ratio(users[i], users[0]);
        let step_conversion = if i == 0 {
            1.0
        } else {
            ratio(users[i], users[i - 1])
        };
        // "The row's average is the mean over the actors reaching step k;
        // the median is the middle value (the mean of the two middle values
        // for an even count). Both are null for step 1 and for a step that
        // no actor reaches."
        let mut millis: Vec<i64> = actors
            .iter()
            .filter(|r| r.furthest > i)
            .filter_map(|r| r.times[i])
            .collect();
        millis.sort_unstable();
        let (average, median) = if i == 0 || millis.is_empty() {
            (Cell::Null, Cell::Null)
        } else {
            let n = millis.len();
            let mean = millis.iter().sum::<i64>() as f64 / n as f64;
            let middle = if n % 2 == 1 {
                millis[n / 2] as f64
            } else {
                (millis[n / 2 - 1] + millis[n / 2]) as f64 / 2.0
            };
            (Cell::Float(mean / 1000.0), Cell::Float(middle / 1000.0))
        };
        let mut row = lead.to_vec();
        row.extend([
            Cell::Int(i as i64 + 1),
            Cell::text(label),
            Cell::Int(users[i]),
            Cell::Float(conversion),
            Cell::Float(step_conversion),
            average,
            median,
        ]);
        rows.push(row);
    }
}

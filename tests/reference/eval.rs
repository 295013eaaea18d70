//! The reference evaluator: the members of segments, computed straight from
//! LANGUAGE.md §1, §4 and §6 over the plain vectors of a [`RefDataset`].
//!
//! It shares no code with the planner and favours being obviously right
//! over being fast: sets of actors are `BTreeSet`s, a behavior is decided
//! per actor by enumerating every assignment of the actor's events to the
//! positive steps, and every rule is a few lines that quote the contract.
//!
//! Anything the contract calls an error (an unknown column, a literal of an
//! incompatible type, a profile test without a profile table) panics: the
//! generator must not produce it.

use super::data::{DAY_MS, RefDataset, RefEvent, RefProfile, parse_date_text};
use segql::syntax::{
    AggregateFunc, Atom, AtomKind, Audience, Behavior, CmpOp, Condition, ConditionKind, CountKind,
    CsvKey, EventKind, Literal, LiteralKind, Number, Pred, PredKind, Program, Range, RangeKind,
    SegmentBody, SeqStep, SetRefKind, StatementKind, Step, Target, Unit, Within, WithinKind,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A set of actors: their keys as text (§6: keys are compared as text).
pub type Members = BTreeSet<String>;

/// The members of every segment query of `program`, in order.
///
/// Definitions (`segment NAME = ...`) are remembered and used by
/// `in segment NAME`; analyses are skipped. `now_ms` is `now` of the
/// relative ranges and of `in the past` atoms; `in csv` paths are relative to
/// `csv_dir`.
pub fn evaluate(
    program: &Program,
    data: &RefDataset,
    now_ms: i64,
    csv_dir: &Path,
) -> Vec<BTreeSet<String>> {
    check_dataset(data);
    let mut ev = Evaluator {
        data,
        now_ms,
        csv_dir,
        defs: HashMap::new(),
    };
    let mut out = Vec::new();
    for stmt in &program.statements {
        match &stmt.kind {
            StatementKind::Define(def) => {
                ev.defs.insert(def.name.name.clone(), &def.segment);
            }
            StatementKind::Segment(seg) => out.push(ev.segment(seg)),
            // Analyses are not segment queries.
            _ => {}
        }
    }
    out
}

/// Parses and validates `source` (panicking on any diagnostic error), then
/// [`evaluate`]s it.
pub fn evaluate_source(
    source: &str,
    data: &RefDataset,
    now_ms: i64,
    csv_dir: &Path,
) -> Vec<BTreeSet<String>> {
    let program = segql::check(source, &segql::Library::new())
        .unwrap_or_else(|d| panic!("reference: invalid program {source:?}: {d:#?}"));
    evaluate(&program, data, now_ms, csv_dir)
}

/// Profile keys must be unique (a key names one row).
pub(super) fn check_dataset(data: &RefDataset) {
    for (table, rows) in [("users", &data.users), ("accounts", &data.accounts)] {
        let mut seen = BTreeSet::new();
        for row in rows.iter().flatten() {
            if let Some(key) = &row.key {
                assert!(
                    seen.insert(key),
                    "reference: duplicate key {key:?} in the {table} table"
                );
            }
        }
    }
}

pub(super) struct Evaluator<'a> {
    pub(super) data: &'a RefDataset,
    pub(super) now_ms: i64,
    pub(super) csv_dir: &'a Path,
    /// The definitions seen so far, by name.
    pub(super) defs: HashMap<String, &'a segql::syntax::Segment>,
}

/// A non-null value of a column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Val<'v> {
    Str(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Epoch milliseconds.
    Ts(i64),
}

impl<'a> Evaluator<'a> {
    /// An evaluator with no definitions yet.
    pub(super) fn new(data: &'a RefDataset, now_ms: i64, csv_dir: &'a Path) -> Self {
        Evaluator {
            data,
            now_ms,
            csv_dir,
            defs: HashMap::new(),
        }
    }

    // ----- tables -------------------------------------------------------------

    /// The profile table of an audience; a profile test without one is an
    /// error (a missing column).
    fn profile_table(&self, audience: Audience) -> &'a [RefProfile] {
        let table = match audience {
            Audience::Users => &self.data.users,
            Audience::Accounts => &self.data.accounts,
        };
        table.as_deref().unwrap_or_else(|| {
            panic!(
                "reference: a profile test on {} but the dataset has no {} table",
                audience.keyword(),
                audience.keyword()
            )
        })
    }

    /// The profile row of `key`, if any (the table must exist).
    pub(super) fn profile_row(&self, audience: Audience, key: &str) -> Option<&'a RefProfile> {
        self.profile_table(audience)
            .iter()
            .find(|r| r.key.as_deref() == Some(key))
    }

    /// The events that count at all: "rows with a null `user_id` are
    /// ignored everywhere" (§1).
    pub(super) fn live_events(&self) -> impl Iterator<Item = &'a RefEvent> + 'a {
        self.data.events.iter().filter(|e| e.user_id.is_some())
    }

    /// §1: "The universe of an audience: for `users`, every distinct
    /// non-null `user_id` of the users table and of the events table; for
    /// `accounts`, every distinct non-null `account_id` of the accounts
    /// table, the users table and the events table."
    pub(super) fn universe(&self, audience: Audience) -> Members {
        let mut out = Members::new();
        match audience {
            Audience::Users => {
                for row in self.data.users.iter().flatten() {
                    out.extend(row.key.clone());
                }
                for e in self.live_events() {
                    out.extend(e.user_id.clone());
                }
            }
            Audience::Accounts => {
                for row in self.data.accounts.iter().flatten() {
                    out.extend(row.key.clone());
                }
                // Every row of the users table, also one with a null user_id:
                // the contract names the column, not the users.
                for row in self.data.users.iter().flatten() {
                    out.extend(row.account_id.clone());
                }
                if self.data.events_have_account_column {
                    for e in self.live_events() {
                        out.extend(e.account_id.clone());
                    }
                }
            }
        }
        out
    }

    /// §4.1: "For `users`, events are grouped by `user_id`. For `accounts`,
    /// by the event's account: its `events.account_id` when the events table
    /// has that column and the value is not null, else the account of its
    /// user in `users.account_id`; an event with neither is ignored."
    pub(super) fn actor_of(&self, audience: Audience, e: &RefEvent) -> Option<String> {
        let user = e.user_id.as_ref()?;
        match audience {
            Audience::Users => Some(user.clone()),
            Audience::Accounts => {
                if self.data.events_have_account_column
                    && let Some(account) = &e.account_id
                {
                    return Some(account.clone());
                }
                self.data
                    .users
                    .iter()
                    .flatten()
                    .find(|r| r.key.as_ref() == Some(user))
                    .and_then(|r| r.account_id.clone())
            }
        }
    }

    /// The events of `actor`, in time order (stable: ties keep table order).
    pub(super) fn events_of(&self, audience: Audience, actor: &str) -> Vec<&'a RefEvent> {
        let mut events: Vec<&RefEvent> = self
            .live_events()
            .filter(|e| self.actor_of(audience, e).as_deref() == Some(actor))
            .collect();
        events.sort_by_key(|e| e.ts);
        events
    }

    // ----- segments -------------------------------------------------------------

    pub(super) fn segment(&self, seg: &segql::syntax::Segment) -> Members {
        let audience = seg.audience;
        match &seg.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                // "The segment-wide range comes only after `where ...`": it is
                // the default range of the whole condition.
                let members = self.condition(audience, condition, range.as_ref());
                match filter {
                    // "`where P` means `and (P)`."
                    Some(p) => self.and_profile_pred(audience, members, p),
                    None => members,
                }
            }
            SegmentBody::In { set, filter } => {
                let members = match &set.kind {
                    SetRefKind::Segment(name) => self.named_segment(&name.name),
                    SetRefKind::Csv { path, column, key } => self.csv_members(
                        audience,
                        &path.value,
                        column.as_ref().map(|c| c.value.as_str()),
                        *key,
                    ),
                };
                match filter {
                    Some(p) => self.and_profile_pred(audience, members, p),
                    None => members,
                }
            }
        }
    }

    /// "A range never reaches into `in segment X` (a referenced segment
    /// means what its definition says)": the definition is evaluated on its
    /// own, with no default range.
    pub(super) fn named_segment(&self, name: &str) -> Members {
        let def = self
            .defs
            .get(name)
            .unwrap_or_else(|| panic!("reference: unknown segment {name:?}"));
        self.segment(def)
    }

    /// `members` that pass the profile predicate `p`.
    fn and_profile_pred(&self, audience: Audience, members: Members, p: &Pred) -> Members {
        members
            .into_iter()
            .filter(|k| self.profile_pred(audience, k, p))
            .collect()
    }

    /// A condition: the set of actors of the universe it holds for.
    /// `default_range` is the range inherited from the enclosing group (or
    /// the segment-wide range).
    fn condition(
        &self,
        audience: Audience,
        c: &Condition,
        default_range: Option<&Range>,
    ) -> Members {
        match &c.kind {
            ConditionKind::Or(items) => items
                .iter()
                .flat_map(|i| self.condition(audience, i, default_range))
                .collect(),
            ConditionKind::And(items) => {
                let mut acc = self.universe(audience);
                for item in items {
                    let m = self.condition(audience, item, default_range);
                    acc = acc.intersection(&m).cloned().collect();
                }
                acc
            }
            // "`not` and `at most` are taken against the universe."
            ConditionKind::Not(inner) => {
                let m = self.condition(audience, inner, default_range);
                self.universe(audience).difference(&m).cloned().collect()
            }
            // "a range applies to the behavior or parenthesised group it
            // directly follows, and is the default for every behavior inside
            // that group without a range of its own."
            ConditionKind::Group { inner, range } => {
                self.condition(audience, inner, range.as_ref().or(default_range))
            }
            ConditionKind::Profile { atom, .. } => self
                .universe(audience)
                .into_iter()
                .filter(|k| self.profile_atom(audience, k, atom))
                .collect(),
            ConditionKind::InSet(set) => match &set.kind {
                SetRefKind::Segment(name) => self.named_segment(&name.name),
                SetRefKind::Csv { path, column, key } => self.csv_members(
                    audience,
                    &path.value,
                    column.as_ref().map(|c| c.value.as_str()),
                    *key,
                ),
            },
            ConditionKind::Behavior(b) => {
                let range = b.range.as_ref().or(default_range);
                self.universe(audience)
                    .into_iter()
                    .filter(|k| {
                        let events: Vec<&RefEvent> = self
                            .events_of(audience, k)
                            .into_iter()
                            .filter(|e| self.in_range(e.ts, range))
                            .collect();
                        self.behavior_holds(&events, b)
                    })
                    .collect()
            }
        }
    }

    // ----- profiles -------------------------------------------------------------

    /// A profile predicate for `key`: "A missing profile row or a null
    /// attribute makes the atom false, so its `not` is true."
    fn profile_pred(&self, audience: Audience, key: &str, p: &Pred) -> bool {
        let row = self.profile_row(audience, key);
        eval_pred(p, &mut |atom| match row {
            None => false,
            Some(row) => self.atom_holds(profile_value(audience, row, &atom.column.name), atom),
        })
    }

    fn profile_atom(&self, audience: Audience, key: &str, atom: &Atom) -> bool {
        match self.profile_row(audience, key) {
            None => false,
            Some(row) => self.atom_holds(profile_value(audience, row, &atom.column.name), atom),
        }
    }

    // ----- behaviors -------------------------------------------------------------

    /// Whether a behavior holds for an actor whose events (in time order,
    /// already limited to the behavior's range) are `events`.
    fn behavior_holds(&self, events: &[&RefEvent], b: &Behavior) -> bool {
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
    pub(super) fn sequence_holds(
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
    pub(super) fn sequence_holds_from<'e>(
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

    fn search<'e>(
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
    fn assignment_ok(
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
    fn count_holds(
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
    pub(super) fn step_matches(&self, step: &Step, e: &RefEvent) -> bool {
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

    // ----- ranges and atoms -----------------------------------------------------

    /// §4.2: whether a timestamp lies in a range (no range: every event).
    pub(super) fn in_range(&self, ts: i64, range: Option<&Range>) -> bool {
        let Some(range) = range else {
            return true;
        };
        match &range.kind {
            // "`last N days` is `[now - N days, now)`; `in the past week` is
            // `last 1 week`."
            RangeKind::Last { count, unit, .. } => {
                let from = self.now_ms - duration_ms(count.unwrap_or(1), *unit);
                from <= ts && ts < self.now_ms
            }
            // "`since D` is `[D, +∞)`"
            RangeKind::Since(d) => ts >= parse_date_text(&d.text),
            // "`before D` is `(-∞, D)`"
            RangeKind::Before(d) => ts < parse_date_text(&d.text),
            // "`between A and B` is `[A, B)`"
            RangeKind::Between(a, b) => {
                parse_date_text(&a.text) <= ts && ts < parse_date_text(&b.text)
            }
        }
    }

    /// A two-valued atom on a value (`None`: null). "where SQL would say
    /// unknown (a null operand), the atom is false, before `not`/`and`/`or`
    /// apply."
    fn atom_holds(&self, value: Option<Val>, atom: &Atom) -> bool {
        let column = atom.column.name.as_str();
        match &atom.kind {
            AtomKind::IsNull { negated } => value.is_some() == *negated,
            AtomKind::Compare { op, value: lit } => {
                compare(value, lit, column).is_some_and(|o| op_holds(*op, o))
            }
            // "a null in the list never matches, and makes `not in` false"
            // (grammar/segql.ebnf): SQL's `x IN (...)`, unknown made false.
            AtomKind::InList { negated, values } => {
                let Some(v) = value else {
                    return false;
                };
                let mut found = false;
                let mut has_null = false;
                for lit in values {
                    match compare(Some(v), lit, column) {
                        Some(Ordering::Equal) => found = true,
                        Some(_) => {}
                        None => has_null = true,
                    }
                }
                if *negated { !found && !has_null } else { found }
            }
            AtomKind::Like { negated, pattern } => match value {
                Some(Val::Str(s)) => like(s, &pattern.value) != *negated,
                None => false,
                Some(other) => panic!("reference: `like` on {column}, not a string: {other:?}"),
            },
            // "`x between a and b` is inclusive at both ends, as in SQL"
            AtomKind::Between { low, high } => {
                compare(value, low, column).is_some_and(|o| o != Ordering::Less)
                    && compare(value, high, column).is_some_and(|o| o != Ordering::Greater)
            }
            // "`col in the past N unit` = [now - N unit, now)"; a date
            // compares as midnight UTC.
            AtomKind::InThePast { count, unit, .. } => {
                let ms = match value {
                    None => return false,
                    Some(Val::Date(d)) => i64::from(d) * DAY_MS,
                    Some(Val::Ts(t)) => t,
                    Some(other) => {
                        panic!("reference: `in the past` on {column}, not a date: {other:?}")
                    }
                };
                let from = self.now_ms - duration_ms(count.unwrap_or(1), *unit);
                from <= ms && ms < self.now_ms
            }
            // "substring, case-sensitive"
            AtomKind::Contains { needle } => match value {
                Some(Val::Str(s)) => s.contains(needle.value.as_str()),
                None => false,
                Some(other) => panic!("reference: `contains` on {column}, not a string: {other:?}"),
            },
        }
    }

    // ----- csv -------------------------------------------------------------------

    /// `in csv "file" [column "c"] [by id|email]` (§4).
    fn csv_members(
        &self,
        audience: Audience,
        path: &str,
        column: Option<&str>,
        key: Option<CsvKey>,
    ) -> Members {
        let file = self.csv_dir.join(path);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reference: cannot read {}: {e}", file.display()));
        let rows = parse_csv(&text);
        let Some((header, rows)) = rows.split_first() else {
            return Members::new();
        };
        let position = |name: &str| header.iter().position(|h| h == name);
        // "Column: the one named by `column`; else with `by email` the column
        // `email`, else the first column; else `id`, then
        // `user_id`/`account_id`, then the first column."
        let index = match (column, key) {
            (Some(name), _) => position(name)
                .unwrap_or_else(|| panic!("reference: no column {name:?} in {}", file.display())),
            (None, Some(CsvKey::Email)) => position("email").unwrap_or(0),
            (None, _) => position("id")
                .or_else(|| position(audience.key_column()))
                .unwrap_or(0),
        };
        // An empty cell is a null: it names nobody.
        let values: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(index))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .collect();
        match key {
            // "`by email` matches `users.email` case-insensitively after
            // trimming, and every user with that email is in; it is an error
            // for `accounts`."
            Some(CsvKey::Email) => {
                assert!(
                    audience == Audience::Users,
                    "reference: `by email` on accounts"
                );
                let wanted: BTreeSet<String> = values
                    .iter()
                    .map(|v| v.trim().to_lowercase())
                    .filter(|v| !v.is_empty())
                    .collect();
                self.profile_table(Audience::Users)
                    .iter()
                    .filter(|r| {
                        r.key.is_some()
                            && r.email
                                .as_ref()
                                .is_some_and(|m| wanted.contains(&m.trim().to_lowercase()))
                    })
                    .filter_map(|r| r.key.clone())
                    .collect()
            }
            // "Values are compared as text with the key"; "Values that match
            // nothing are ignored".
            _ => {
                let universe = self.universe(audience);
                values
                    .into_iter()
                    .filter(|v| universe.contains(*v))
                    .map(str::to_string)
                    .collect()
            }
        }
    }
}

// ----- free functions -------------------------------------------------------------

/// `and`/`or`/`not` over two-valued atoms.
fn eval_pred(p: &Pred, atom: &mut dyn FnMut(&Atom) -> bool) -> bool {
    match &p.kind {
        PredKind::Or(items) => items.iter().any(|i| eval_pred(i, atom)),
        PredKind::And(items) => items.iter().all(|i| eval_pred(i, atom)),
        PredKind::Not(inner) => !eval_pred(inner, atom),
        PredKind::Group(inner) => eval_pred(inner, atom),
        PredKind::Atom(a) => atom(a),
    }
}

/// The length of `count unit` in milliseconds ("`month(s)` = 30 days").
pub(super) fn duration_ms(count: u64, unit: Unit) -> i64 {
    const S: i64 = 1000;
    let unit_ms = match unit {
        Unit::Second => S,
        Unit::Minute => 60 * S,
        Unit::Hour => 3600 * S,
        Unit::Day => 86_400 * S,
        Unit::Week => 7 * 86_400 * S,
        Unit::Month => 30 * 86_400 * S,
    };
    i64::try_from(count).expect("small count") * unit_ms
}

/// The value of an event column (`None`: null). An unknown column panics.
pub(super) fn event_value<'e>(data: &RefDataset, e: &'e RefEvent, column: &str) -> Option<Val<'e>> {
    match column {
        "timestamp" => Some(Val::Ts(e.ts)),
        "user_id" => e.user_id.as_deref().map(Val::Str),
        "session_id" => e.session_id.as_deref().map(Val::Str),
        "event_type" => Some(Val::Str(&e.event_type)),
        "name" => Some(Val::Str(&e.name)),
        "account_id" if data.events_have_account_column => e.account_id.as_deref().map(Val::Str),
        "device" => e.device.as_deref().map(Val::Str),
        "amount" => e.amount.map(Val::Float),
        "qty" => e.qty.map(Val::Int),
        _ => panic!("reference: unknown events column {column:?}"),
    }
}

/// The value of a profile column. An unknown column panics.
pub(super) fn profile_value<'r>(
    audience: Audience,
    row: &'r RefProfile,
    column: &str,
) -> Option<Val<'r>> {
    match (audience, column) {
        (Audience::Users, "user_id") | (Audience::Accounts, "account_id") => {
            row.key.as_deref().map(Val::Str)
        }
        (Audience::Users, "email") => row.email.as_deref().map(Val::Str),
        (Audience::Users, "account_id") => row.account_id.as_deref().map(Val::Str),
        (_, "plan") => row.plan.as_deref().map(Val::Str),
        (_, "score") => row.score.map(Val::Int),
        (Audience::Users, "signup_date") | (Audience::Accounts, "start_date") => {
            row.signup.map(Val::Date)
        }
        (_, "vip") => row.vip.map(Val::Bool),
        _ => panic!(
            "reference: unknown {} column {column:?}",
            audience.keyword()
        ),
    }
}

/// An exact name or a LIKE pattern.
fn target_matches(t: &Target, name: &str) -> bool {
    if t.like {
        like(name, &t.pattern.value)
    } else {
        name == t.pattern.value
    }
}

/// SQL LIKE, case-sensitive: `%` any run of characters, `_` exactly one.
/// No escape character (the contract names only `%` and `_`).
fn like(s: &str, pattern: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|k| go(&s[k..], rest)),
            Some(('_', rest)) => !s.is_empty() && go(&s[1..], rest),
            Some((c, rest)) => s.first() == Some(c) && go(&s[1..], rest),
        }
    }
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&s, &p)
}

fn op_holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::NotEq => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtEq => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::GtEq => o != Ordering::Less,
    }
}

/// A number as written: an integer when it is one, else a float.
fn number_val(n: &Number) -> Val<'static> {
    match n.text.trim_start_matches('+').parse::<i64>() {
        Ok(i) => Val::Int(i),
        Err(_) => Val::Float(
            n.text
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("reference: not a number: {:?}", n.text)),
        ),
    }
}

/// Numbers compare numerically, int against float too. `None` for NaN.
fn compare_numbers(a: Val, b: Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(&y)),
        (Val::Int(x), Val::Float(y)) => (x as f64).partial_cmp(&y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(y as f64)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(&y),
        _ => unreachable!("compare_numbers on numbers only"),
    }
}

fn compare_number(v: Val, n: &Number) -> Option<Ordering> {
    compare_numbers(v, number_val(n))
}

/// Compares a column value with a literal: `None` when either is null (the
/// atom is then false). An incompatible type is an error (panic).
fn compare(value: Option<Val>, lit: &Literal, column: &str) -> Option<Ordering> {
    let v = value?;
    match (&lit.kind, v) {
        (LiteralKind::Null, _) => None,
        (LiteralKind::String(s), Val::Str(x)) => Some(x.cmp(s.as_str())),
        (LiteralKind::Number(n), Val::Int(_) | Val::Float(_)) => compare_number(v, n),
        (LiteralKind::Bool(b), Val::Bool(x)) => Some(x.cmp(b)),
        // "A date value compares as midnight UTC of that day." "Dates and
        // timestamps compare with each other."
        (LiteralKind::Date(d), Val::Date(x)) => {
            Some((i64::from(x) * DAY_MS).cmp(&parse_date_text(&d.text)))
        }
        (LiteralKind::Date(d), Val::Ts(x)) => Some(x.cmp(&parse_date_text(&d.text))),
        _ => panic!(
            "reference: column {column} ({v:?}) compared with an incompatible literal {:?}",
            lit.kind
        ),
    }
}

/// `total`/`average`/`min`/`max` of the non-null values of a numeric
/// column. "`total` of no events is 0"; the others of no events are null.
fn aggregate(func: AggregateFunc, values: &[Val], column: &str) -> Option<Val<'static>> {
    let all_int = values.iter().all(|v| matches!(v, Val::Int(_)));
    let as_f64 = |v: &Val| match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        other => panic!("reference: aggregate of {column}, not a number: {other:?}"),
    };
    let as_i64 = |v: &Val| match v {
        Val::Int(i) => *i,
        _ => unreachable!(),
    };
    match func {
        AggregateFunc::Total => Some(if all_int {
            Val::Int(values.iter().map(as_i64).sum())
        } else {
            Val::Float(values.iter().map(as_f64).sum())
        }),
        AggregateFunc::Average => {
            if values.is_empty() {
                None
            } else {
                Some(Val::Float(
                    values.iter().map(as_f64).sum::<f64>() / values.len() as f64,
                ))
            }
        }
        AggregateFunc::Min | AggregateFunc::Max => {
            let mut best: Option<Val> = None;
            for &v in values {
                as_f64(&v); // type check
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = compare_numbers(v, b).expect("no NaN in test data");
                        let better = if func == AggregateFunc::Min {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        };
                        if better { v } else { b }
                    }
                });
            }
            best.map(|v| match v {
                Val::Int(i) => Val::Int(i),
                Val::Float(f) => Val::Float(f),
                _ => unreachable!(),
            })
        }
    }
}

/// A small RFC 4180 reader: fields separated by commas, optionally in
/// double quotes (`""` is a quote inside), records separated by `\n` or
/// `\r\n`. Blank lines are skipped.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut any = false; // the current record has content
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if any || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                any = false;
            }
            c => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

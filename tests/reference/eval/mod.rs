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
//!
//! This module holds the tables, the universe, segments and conditions;
//! `behavior` the behaviors (§4.1), `lifecycle` `stopped`, `restarted` and
//! `for the first time` (§11), `holding` held values (§11), `values`
//! ranges, atoms and column values (§4.2, §4.3), `csv` the CSV lists.

use super::data::{DAY_MS, RefDataset, RefEvent, RefProfile, parse_date_text};
use super::zone::RefZone;
use segql::syntax::{
    AggregateFunc, Atom, AtomKind, Audience, Behavior, CmpOp, Condition, ConditionKind, CountKind,
    CsvKey, EventKind, Literal, LiteralKind, Number, Pred, PredKind, Program, Range, RangeKind,
    SegmentBody, SeqStep, SetRefKind, StatementKind, Step, Target, Unit, Within, WithinKind,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use values::*;

mod behavior;
mod csv;
mod holding;
mod lifecycle;
mod values;

pub use csv::parse_csv;
pub(in crate::reference) use values::{duration_ms, like};
pub(super) use values::{event_value, profile_value};

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
    let modelled = data.modelled();
    let data = &modelled;
    check_dataset(data);
    let mut ev = Evaluator::new(data, now_ms, csv_dir);
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
    /// The reporting time zone: the dataset's `time_zone`.
    pub(in crate::reference) zone: RefZone,
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
            zone: RefZone::of(data.time_zone.as_deref()),
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
        let (members, filter) = match &seg.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                // "The segment-wide range comes only after `where ...`": it is
                // the default range of the whole condition.
                let members = self.condition(audience, condition, range.as_ref());
                (members, filter)
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
                (members, filter)
            }
        };
        match filter {
            // "`where P` means `and (P)`."
            Some(p) => self.and_profile_pred(audience, members, p),
            None => members,
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
                if let Some(members) = self.lifecycle_members(audience, b, range) {
                    return members;
                }
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
}

//! The reference evaluator of the analyses of LANGUAGE.md §5 (funnel,
//! retention, paths, explore) and §12 (lifecycle and stickiness, in their
//! own modules), over the plain vectors of a [`RefDataset`].
//!
//! Like [`super::eval`], it is brute force and favours being obviously
//! right: every actor is looked at on its own, a funnel step is decided by
//! enumerating every assignment of events (the sequence search of
//! [`super::eval`]), groups are `BTreeMap`s. The contract is quoted where a
//! rule comes from it; where the contract is silent, the project's decision
//! is written down as a numbered **Decision** (the same numbers as in the
//! report of the reference evaluator):
//!
//! 1. funnel reach and furthest step; 2. funnel `by`; 3. `for`, `compare`
//!    and ranges; 4. retention; 5. paths; 6. explore; 7. a null `by` value
//!    is a group of its own; 8. the reported periods of lifecycle and
//!    stickiness.

mod funnel;
mod lifecycle;
mod periods;
mod stickiness;

use super::data::{DAY_MS, RefDataset, RefEvent, civil_from_days, days_from_civil};
use super::eval::{Evaluator, Members, Val, check_dataset, event_value, like, profile_value};
use segql::syntax::{
    Audience, Explore, Funnel, MeasureKind, Paths, Period, Program, Range, Retention, SegRef,
    SegRefKind, SeqStep, StatementKind, Step, Unit,
};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

// ----- results --------------------------------------------------------------------

/// One value of a result table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Epoch milliseconds (UTC).
    Timestamp(i64),
}

/// A result: column names and rows, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => f.write_str("null"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Float(x) => write!(f, "{x}"),
            Cell::Text(s) => write!(f, "{s:?}"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Date(d) => f.write_str(&super::data::format_date(i64::from(*d))),
            Cell::Timestamp(t) => f.write_str(&super::data::format_timestamp(*t)),
        }
    }
}

impl fmt::Display for Table {
    /// A header line, then one line per row, cells separated by ` | `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.columns.join(" | "))?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(Cell::to_string).collect();
            writeln!(f, "{}", cells.join(" | "))?;
        }
        Ok(())
    }
}

/// Ascending order of two values of one column, nulls last.
pub fn cmp_cells(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Null, Cell::Null) => Ordering::Equal,
        (Cell::Null, _) => Ordering::Greater,
        (_, Cell::Null) => Ordering::Less,
        (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
        (Cell::Float(x), Cell::Float(y)) => x.partial_cmp(y).expect("no NaN in test data"),
        // Byte-wise, as Rust orders strings.
        (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
        (Cell::Bool(x), Cell::Bool(y)) => x.cmp(y),
        (Cell::Date(x), Cell::Date(y)) => x.cmp(y),
        (Cell::Timestamp(x), Cell::Timestamp(y)) => x.cmp(y),
        _ => panic!("reference: comparing cells of different types: {a:?} and {b:?}"),
    }
}

/// A group key (the values of the `by` columns), ordered column by column,
/// each ascending with nulls last.
#[derive(Debug, Clone)]
struct Key(Vec<Cell>);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().zip(&other.0) {
            match cmp_cells(a, b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        self.0.len().cmp(&other.0.len())
    }
}

/// Whether two tables are the same: the same column names, the same number
/// of rows, and row by row (order matters) equal cells; floats may differ
/// by a relative 1e-9. The error says where they differ and shows both.
pub fn tables_match(a: &Table, b: &Table) -> Result<(), String> {
    let both = || format!("\n--- left\n{a}--- right\n{b}");
    if a.columns != b.columns {
        return Err(format!(
            "columns differ: {:?} vs {:?}{}",
            a.columns,
            b.columns,
            both()
        ));
    }
    if a.rows.len() != b.rows.len() {
        return Err(format!(
            "{} rows vs {} rows{}",
            a.rows.len(),
            b.rows.len(),
            both()
        ));
    }
    for (i, (ra, rb)) in a.rows.iter().zip(&b.rows).enumerate() {
        if ra.len() != rb.len() {
            return Err(format!(
                "row {i} has {} cells vs {}{}",
                ra.len(),
                rb.len(),
                both()
            ));
        }
        for (j, (x, y)) in ra.iter().zip(rb).enumerate() {
            let same = match (x, y) {
                (Cell::Float(x), Cell::Float(y)) => {
                    x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
                }
                _ => x == y,
            };
            if !same {
                return Err(format!(
                    "row {i}, column {:?}: {x:?} vs {y:?}{}",
                    a.columns[j],
                    both()
                ));
            }
        }
    }
    Ok(())
}

// ----- entry points ----------------------------------------------------------------

/// One [`Table`] per query statement of `program`, in order.
///
/// A segment query gives one column, the key (`user_id` or `account_id`,
/// as text), sorted (§6: "sorted by key"; the profile columns that §6 adds
/// are left out of the reference). An analysis gives the columns and row
/// order of §5. Definitions are remembered for `in segment`, `for` and
/// `compare`. `now_ms` and `csv_dir` are as in [`super::eval::evaluate`].
pub fn evaluate_all(
    program: &Program,
    data: &RefDataset,
    now_ms: i64,
    csv_dir: &Path,
) -> Vec<Table> {
    let modelled = data.modelled();
    let data = &modelled;
    check_dataset(data);
    let mut an = Analyzer {
        ev: Evaluator::new(data, now_ms, csv_dir),
    };
    let mut out = Vec::new();
    for stmt in &program.statements {
        match &stmt.kind {
            StatementKind::Define(def) => {
                an.ev.defs.insert(def.name.name.clone(), &def.segment);
            }
            StatementKind::Segment(seg) => out.push(Table {
                columns: vec![seg.audience.key_column().to_string()],
                rows: an
                    .ev
                    .segment(seg)
                    .into_iter()
                    .map(|k| vec![Cell::Text(k)])
                    .collect(),
            }),
            StatementKind::Funnel(f) => out.push(an.funnel(f)),
            StatementKind::Retention(r) => out.push(an.retention(r)),
            StatementKind::Paths(p) => out.push(an.paths(p)),
            StatementKind::Explore(x) => out.push(an.explore(x)),
            StatementKind::Lifecycle(l) => out.push(an.lifecycle(l)),
            StatementKind::Stickiness(s) => out.push(an.stickiness(s)),
        }
    }
    out
}

/// Parses and validates `source` (panicking on any diagnostic error), then
/// [`evaluate_all`]s it.
pub fn evaluate_all_source(
    source: &str,
    data: &RefDataset,
    now_ms: i64,
    csv_dir: &Path,
) -> Vec<Table> {
    let program = segql::check(source, &segql::Library::new())
        .unwrap_or_else(|d| panic!("reference: invalid program {source:?}: {d:#?}"));
    evaluate_all(&program, data, now_ms, csv_dir)
}

// ----- shared machinery ---------------------------------------------------------------

/// The value of a column as a cell.
fn cell(v: Option<Val>) -> Cell {
    match v {
        None => Cell::Null,
        Some(Val::Str(s)) => Cell::text(s),
        Some(Val::Int(i)) => Cell::Int(i),
        Some(Val::Float(x)) => Cell::Float(x),
        Some(Val::Bool(b)) => Cell::Bool(b),
        Some(Val::Date(d)) => Cell::Date(d),
        Some(Val::Ts(t)) => Cell::Timestamp(t),
    }
}

/// Whether `name` is a column of the events table of `data`.
fn is_event_column(data: &RefDataset, name: &str) -> bool {
    match name {
        "timestamp" | "user_id" | "session_id" | "event_type" | "name" | "device" | "amount"
        | "qty" => true,
        "account_id" => data.events_have_account_column,
        _ => false,
    }
}

/// Where a `by` column is read.
#[derive(Debug, Clone)]
enum ByCol {
    /// On an event.
    Event(String),
    /// On the actor's profile row.
    Profile(String),
}

/// Monday 1970-01-05T00:00:00Z, the origin of explore's buckets (§5).
const EPOCH_MONDAY_MS: i64 = 4 * DAY_MS;
/// Monday 1970-01-05, in days: the origin of buckets of local days (§10).
const EPOCH_MONDAY_DAY: i64 = 4;

struct Analyzer<'a> {
    ev: Evaluator<'a>,
}

impl<'a> Analyzer<'a> {
    fn data(&self) -> &'a RefDataset {
        self.ev.data
    }

    fn seg_audience(&self, r: &SegRef) -> Audience {
        match &r.kind {
            SegRefKind::Named(ident) => {
                self.ev
                    .defs
                    .get(&ident.name)
                    .unwrap_or_else(|| panic!("reference: unknown segment {:?}", ident.name))
                    .audience
            }
            SegRefKind::Inline(seg) => seg.audience,
        }
    }

    /// §5: "All the segments of one analysis share an audience, which sets
    /// the actor (default `users`)."
    fn audience<'r>(&self, mut refs: impl Iterator<Item = &'r SegRef>) -> Audience {
        refs.next()
            .map_or(Audience::Users, |r| self.seg_audience(r))
    }

    fn seg_members(&self, r: &SegRef) -> Members {
        match &r.kind {
            SegRefKind::Named(ident) => self.ev.named_segment(&ident.name),
            SegRefKind::Inline(seg) => self.ev.segment(seg),
        }
    }

    /// The `segment` column of a `compare` block: "the segment's name, or
    /// the canonical text of an inline segment" (what `segql fmt` prints,
    /// on one line: `Display` of the segment).
    fn seg_label(r: &SegRef) -> String {
        match &r.kind {
            SegRefKind::Named(ident) => ident.name.clone(),
            SegRefKind::Inline(seg) => seg.to_string(),
        }
    }

    /// The events an analysis sees, per actor, in time order (ties keep
    /// table order): events with a user (§1), attributed to an actor of
    /// `audience` as in §4.1 (for accounts, an event with no account is
    /// dropped), in `range` (Decision 3: "Ranges of the analysis limit the
    /// events (matched and negated) like a behavior's range"), and of the
    /// actors of `scope` when there is one (§5: "only that segment's
    /// actors' events count").
    fn events_by_actor(
        &self,
        audience: Audience,
        range: Option<&Range>,
        scope: Option<&Members>,
    ) -> BTreeMap<String, Vec<&'a RefEvent>> {
        let mut out: BTreeMap<String, Vec<&'a RefEvent>> = BTreeMap::new();
        for e in self.ev.live_events() {
            let Some(actor) = self.ev.actor_of(audience, e) else {
                continue;
            };
            if !self.ev.in_range(e.ts, range) {
                continue;
            }
            if scope.is_some_and(|m| !m.contains(&actor)) {
                continue;
            }
            out.entry(actor).or_default().push(e);
        }
        for events in out.values_mut() {
            events.sort_by_key(|e| e.ts);
        }
        out
    }

    /// Decision 2/4/6: a `by` name that is a column of the events table is
    /// an event column (the events table is searched first); else it is a
    /// column of the audience's profile table.
    fn by_column(&self, name: &str) -> ByCol {
        if is_event_column(self.data(), name) {
            ByCol::Event(name.to_string())
        } else {
            ByCol::Profile(name.to_string())
        }
    }

    /// A profile column of an actor; an actor without a profile row is in
    /// the null group (Decisions 2 and 6).
    fn profile_cell(&self, audience: Audience, actor: &str, column: &str) -> Cell {
        match self.ev.profile_row(audience, actor) {
            None => Cell::Null,
            Some(row) => cell(profile_value(audience, row, column)),
        }
    }

    /// An event column read on one of `candidates` (events sharing one
    /// timestamp): the smallest value, nulls last (Decisions 2 and 4).
    fn smallest_event_value(&self, candidates: &[&RefEvent], column: &str) -> Cell {
        candidates
            .iter()
            .map(|e| cell(event_value(self.data(), e, column)))
            .min_by(cmp_cells)
            .expect("at least one candidate event")
    }

    // ----- retention -----------------------------------------------------------------

    fn retention(&self, r: &Retention) -> Table {
        let audience = self.audience(r.scope.iter());
        let scope = r.scope.as_ref().map(|s| self.seg_members(s));
        let actors = self.events_by_actor(audience, r.range.as_ref(), scope.as_ref());
        // "`every` defaults to `day`, `periods` to 7."
        let period = r.every.unwrap_or(Period::Day);
        let periods = r.periods.unwrap_or(7) as usize;
        let by = r.by.as_ref().map(|i| self.by_column(&i.name));

        // (by group, cohort day) -> (cohort size, retained per period).
        let mut cohorts: BTreeMap<(Key, i32), (i64, Vec<i64>)> = BTreeMap::new();
        for (actor, events) in &actors {
            let starts: Vec<&RefEvent> = events
                .iter()
                .copied()
                .filter(|e| self.ev.step_matches(&r.start, e))
                .collect();
            // Decision 4: "Cohorts exist only for actors with a start event
            // in range."
            let Some(t0) = starts.iter().map(|e| e.ts).min() else {
                continue;
            };
            // "An actor's cohort is the period (UTC day; ISO week from
            // Monday; calendar month) of its first start-step event in
            // range"; "calendar periods are local" (§10).
            let cohort = period_start(period, self.ev.zone.local_day(t0));
            let group = match &by {
                None => Key(Vec::new()),
                Some(ByCol::Profile(column)) => {
                    Key(vec![self.profile_cell(audience, actor, column)])
                }
                // "`by` is read on the first start event (on a tie in time,
                // the smallest value)"; Decision 4: nulls last.
                Some(ByCol::Event(column)) => {
                    let first: Vec<&RefEvent> =
                        starts.iter().copied().filter(|e| e.ts == t0).collect();
                    Key(vec![self.smallest_event_value(&first, column)])
                }
            };
            let entry = cohorts
                .entry((group, cohort))
                .or_insert_with(|| (0, vec![0; periods + 1]));
            entry.0 += 1;
            // "Period k (0 through `periods` inclusive) of that actor is
            // retained when a return-step event in range falls in cohort
            // period + k; period 0 counts any return in the cohort period,
            // before the start event too." The start event itself counts
            // when it matches the return step.
            for (k, retained) in entry.1.iter_mut().enumerate() {
                let day_start = |k: i64| {
                    self.ev
                        .zone
                        .day_start(i64::from(period_add(period, cohort, k)))
                };
                let (lo, hi) = (day_start(k as i64), day_start(k as i64 + 1));
                if events
                    .iter()
                    .any(|e| lo <= e.ts && e.ts < hi && self.ev.step_matches(&r.returning, e))
                {
                    *retained += 1;
                }
            }
        }

        let mut columns = Vec::new();
        if let Some(ident) = &r.by {
            columns.push(ident.name.clone());
        }
        columns.extend(["cohort", "period", "users", "retained", "rate"].map(str::to_string));
        // "Every cohort has all its periods, 0 included, even those past the
        // end of the data. Rows are ordered by `by`, cohort, period."
        let mut rows = Vec::new();
        for ((group, cohort), (users, retained)) in cohorts {
            for (k, retained) in retained.into_iter().enumerate() {
                let mut row = group.0.clone();
                row.extend([
                    Cell::Date(cohort),
                    Cell::Int(k as i64),
                    Cell::Int(users),
                    Cell::Int(retained),
                    // "`rate = retained / users`" (users >= 1 in a cohort).
                    Cell::Float(retained as f64 / users as f64),
                ]);
                rows.push(row);
            }
        }
        Table { columns, rows }
    }

    // ----- paths ---------------------------------------------------------------------

    fn paths(&self, p: &Paths) -> Table {
        let audience = self.audience(p.scope.iter());
        let scope = p.scope.as_ref().map(|s| self.seg_members(s));
        let actors = self.events_by_actor(audience, p.range.as_ref(), scope.as_ref());
        // "cut to `depth` names (default 5)"; "`top` rows (default 10)".
        let depth = p.depth.unwrap_or(5) as usize;
        let top = p.top.unwrap_or(10) as usize;
        let element_matches =
            |el: &[&RefEvent], step: &Step| el.iter().any(|e| self.ev.step_matches(step, e));

        // path -> (sessions, distinct actors)
        let mut counts: BTreeMap<String, (i64, BTreeSet<&str>)> = BTreeMap::new();
        for (actor, events) in &actors {
            // "per session (actor + non-null `session_id`), the sequence of
            // `view` names": for accounts the actor is the account, so two
            // users of one account in one session id make one session.
            let mut sessions: BTreeMap<&str, Vec<&RefEvent>> = BTreeMap::new();
            for e in events {
                if e.event_type != "view" {
                    continue;
                }
                // "a null session ... is never a path" (§1).
                if let Some(s) = e.session_id.as_deref() {
                    sessions.entry(s).or_default().push(e);
                }
            }
            for (_, mut views) in sessions {
                // "in time order (equal timestamps ordered by name)"
                views.sort_by(|a, b| a.ts.cmp(&b.ts).then_with(|| a.name.cmp(&b.name)));
                // "repeats collapsed": consecutive equal names make one
                // element, which keeps all its events (Decision 5: an
                // element matches a step when any of its events does).
                // §12: "before repeats are collapsed, every view name that
                // matches a rule's LIKE pattern is replaced by the label of
                // the first such rule"; "`from` and `to` match the original
                // names" (the element keeps its events); "relabelled after
                // ordering".
                let mut elements: Vec<(&str, Vec<&RefEvent>)> = Vec::new();
                for v in views {
                    let shown = p
                        .clean
                        .iter()
                        .find(|rule| like(&v.name, &rule.pattern.value))
                        .map_or(v.name.as_str(), |rule| rule.label.value.as_str());
                    match elements.last_mut() {
                        Some((name, evs)) if *name == shown => evs.push(v),
                        _ => elements.push((shown, vec![v])),
                    }
                }
                // "starting at the first view matching `from` (default: the
                // first view)"; "Sessions without a `from` match are left
                // out."
                let start = match &p.from {
                    None if elements.is_empty() => continue,
                    None => 0,
                    Some(from) => match elements
                        .iter()
                        .position(|(_, evs)| element_matches(evs, from))
                    {
                        Some(i) => i,
                        None => continue,
                    },
                };
                let end = match &p.to {
                    // "cut to `depth` names ..., counted after collapsing"
                    None => (start + depth).min(elements.len()),
                    // "With `to`, the path ends at the first view matching
                    // `to` at or after the start, and sessions where it does
                    // not occur within `depth` names are left out."
                    Some(to) => match (start..elements.len())
                        .find(|&i| element_matches(&elements[i].1, to))
                    {
                        Some(i) if i - start < depth => i + 1,
                        _ => continue,
                    },
                };
                let path = elements[start..end]
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(" -> ");
                let entry = counts.entry(path).or_default();
                entry.0 += 1;
                entry.1.insert(actor.as_str());
            }
        }
        // "sorted by sessions descending then path" (byte-wise), "`top`
        // rows".
        let mut sorted: Vec<(String, i64, usize)> = counts
            .into_iter()
            .map(|(path, (sessions, actors))| (path, sessions, actors.len()))
            .collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        sorted.truncate(top);
        Table {
            columns: ["path", "sessions", "users"].map(str::to_string).to_vec(),
            rows: sorted
                .into_iter()
                .map(|(path, sessions, users)| {
                    vec![
                        Cell::Text(path),
                        Cell::Int(sessions),
                        Cell::Int(users as i64),
                    ]
                })
                .collect(),
        }
    }

    // ----- explore -------------------------------------------------------------------

    fn explore(&self, x: &Explore) -> Table {
        let audience = self.audience(x.scope.iter());
        let scope = x.scope.as_ref().map(|s| self.seg_members(s));
        // Decision 6: events are counted after scope and range; for accounts
        // an event without an account is dropped.
        let actors = self.events_by_actor(audience, x.range.as_ref(), scope.as_ref());
        let by: Vec<ByCol> = x.by.iter().map(|i| self.by_column(&i.name)).collect();
        let every = x.every.as_ref().map(|d| d.millis());
        // Buckets written in days or weeks are whole local days.
        let days = x.every.as_ref().and_then(|d| match d.unit {
            Unit::Day => Some(d.count as i64),
            Unit::Week => Some(7 * d.count as i64),
            _ => None,
        });
        let n_counts = x
            .measures
            .iter()
            .filter(|m| matches!(m.kind, MeasureKind::Count(_)))
            .count();

        let mut buckets: BTreeMap<(Key, Option<i64>), Acc> = BTreeMap::new();
        let mut whole: BTreeMap<Key, Acc> = BTreeMap::new();
        // Without `by` and `every` the result is one total, zero when no
        // event counts (like an aggregate without groups).
        if by.is_empty() && every.is_none() {
            buckets.insert((Key(Vec::new()), None), Acc::new(n_counts));
            whole.insert(Key(Vec::new()), Acc::new(n_counts));
        }
        for (actor, events) in &actors {
            for e in events {
                let key = Key(by
                    .iter()
                    .map(|b| match b {
                        ByCol::Event(column) => cell(event_value(self.data(), e, column)),
                        ByCol::Profile(column) => self.profile_cell(audience, actor, column),
                    })
                    .collect());
                // "buckets are aligned to Monday 1970-01-05 00:00 UTC":
                // start = origin + floor((t - origin) / D) * D; §10:
                // "explore buckets of whole days or weeks (aligned to local
                // Monday 1970-01-05; `every 2 days` is two local days)".
                let bucket = every.map(|d| match days {
                    Some(days) => {
                        let day = self.ev.zone.local_day(e.ts);
                        let start =
                            EPOCH_MONDAY_DAY + (day - EPOCH_MONDAY_DAY).div_euclid(days) * days;
                        self.ev.zone.day_start(start)
                    }
                    None => EPOCH_MONDAY_MS + (e.ts - EPOCH_MONDAY_MS).div_euclid(d) * d,
                });
                let counts: Vec<bool> = x
                    .measures
                    .iter()
                    .filter_map(|m| match &m.kind {
                        MeasureKind::Count(step) => Some(self.ev.step_matches(step, e)),
                        _ => None,
                    })
                    .collect();
                for acc in [
                    buckets
                        .entry((key.clone(), bucket))
                        .or_insert_with(|| Acc::new(n_counts)),
                    whole.entry(key).or_insert_with(|| Acc::new(n_counts)),
                ] {
                    acc.add(e, &counts);
                }
            }
        }

        // "`top N` keeps the N `by` groups largest by the first measure over
        // the whole range (ties by group key ascending)"; Decision 6: a
        // distinct count is taken over the whole range, not summed over
        // buckets; without `by` there is one group, which is kept.
        let kept: BTreeSet<Key> = match x.top {
            None => whole.keys().cloned().collect(),
            Some(n) => {
                let mut ranked: Vec<(&Key, i64)> = whole
                    .iter()
                    .map(|(k, acc)| (k, acc.measure(&x.measures, 0)))
                    .collect();
                ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                ranked
                    .into_iter()
                    .take(n as usize)
                    .map(|(k, _)| k.clone())
                    .collect()
            }
        };

        let mut columns: Vec<String> = x.by.iter().map(|i| i.name.clone()).collect();
        if every.is_some() {
            columns.push("time".to_string());
        }
        let mut count_no = 0;
        for m in &x.measures {
            columns.push(match &m.kind {
                MeasureKind::Events => "events".to_string(),
                MeasureKind::Users => "users".to_string(),
                MeasureKind::Sessions => "sessions".to_string(),
                MeasureKind::Count(_) => {
                    count_no += 1;
                    if count_no == 1 {
                        "count".to_string()
                    } else {
                        format!("count_{count_no}")
                    }
                }
            });
        }
        // "Rows are ordered by `by` columns, then time"; Decision 6: only
        // (group, bucket) pairs with at least one event have a row.
        let mut rows = Vec::new();
        for ((key, bucket), acc) in &buckets {
            if !kept.contains(key) {
                continue;
            }
            let mut row = key.0.clone();
            if let Some(b) = bucket {
                row.push(Cell::Timestamp(*b));
            }
            for i in 0..x.measures.len() {
                row.push(Cell::Int(acc.measure(&x.measures, i)));
            }
            rows.push(row);
        }
        Table { columns, rows }
    }
}

/// Explore's running measures of one group (or one group and bucket).
struct Acc {
    events: i64,
    /// "`users` always counts users": distinct `user_id`s.
    users: BTreeSet<String>,
    /// "`sessions` distinct non-null session ids", as plain values (not per
    /// actor).
    sessions: BTreeSet<String>,
    /// Matching events of each `count(step)`, in order.
    counts: Vec<i64>,
}

impl Acc {
    fn new(n_counts: usize) -> Acc {
        Acc {
            events: 0,
            users: BTreeSet::new(),
            sessions: BTreeSet::new(),
            counts: vec![0; n_counts],
        }
    }

    fn add(&mut self, e: &RefEvent, count_matches: &[bool]) {
        self.events += 1;
        self.users.extend(e.user_id.clone());
        self.sessions.extend(e.session_id.clone());
        for (c, &m) in self.counts.iter_mut().zip(count_matches) {
            *c += i64::from(m);
        }
    }

    /// The value of measure `i` of `measures`.
    fn measure(&self, measures: &[segql::syntax::Measure], i: usize) -> i64 {
        match &measures[i].kind {
            MeasureKind::Events => self.events,
            MeasureKind::Users => self.users.len() as i64,
            MeasureKind::Sessions => self.sessions.len() as i64,
            MeasureKind::Count(_) => {
                let index = measures[..i]
                    .iter()
                    .filter(|m| matches!(m.kind, MeasureKind::Count(_)))
                    .count();
                self.counts[index]
            }
        }
    }
}

/// The first day of the retention period holding local day `day`: the day;
/// the ISO week, which starts on Monday (1970-01-01 was a Thursday); the
/// calendar month.
pub fn period_start(period: Period, day: i64) -> i32 {
    let start = match period {
        Period::Day => day,
        Period::Week => day - (day + 3).rem_euclid(7),
        Period::Month => {
            let (y, m, _) = civil_from_days(day);
            days_from_civil(y, m, 1)
        }
    };
    i32::try_from(start).expect("a date in range")
}

/// The first day of the period `k` periods after the one starting on
/// `start` (a period's first day): days, weeks of 7 days, calendar months.
pub fn period_add(period: Period, start: i32, k: i64) -> i32 {
    let day = i64::from(start);
    let out = match period {
        Period::Day => day + k,
        Period::Week => day + 7 * k,
        Period::Month => {
            let (y, m, _) = civil_from_days(day);
            let months = y * 12 + i64::from(m) - 1 + k;
            days_from_civil(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        }
    };
    i32::try_from(out).expect("a date in range")
}

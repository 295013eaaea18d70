//! Hand-computed cases, the ground truth of the reference evaluator, kept as
//! data in `cases/*.txt` (one file per topic, one test per file) so that a
//! case reads as what it is: a few events, a query, and the answer worked
//! out by hand from LANGUAGE.md. The subtle ones quote the sentence they
//! follow.
//!
//! A case file is a list of blocks; `#` starts a comment line:
//!
//! ```text
//! dataset NAME          a dataset that cases can share (`uses NAME`)
//! === CASE_NAME         a case: its data, then its queries
//! uses NAME
//! events                one event a line: TIME USER TYPE NAME [key=value ...]
//!   1 u1 view /a session=s1 account=a1 product=p1 device=mobile amount=2.5 qty=3
//!   2026-01-02T10:00:00Z - view /a
//! events with account_id   (the same, and the events table has `account_id`)
//! sessions 30m[,60m]    derived sessions (LANGUAGE.md §10), lengths in s, m, h, d
//! identity              events stitched by their anonymous ids (`anon=d1`)
//! no session column     the events table has no `session_id`
//! time_zone ZONE        the reporting time zone (the mapping's `time_zone`)
//! users                 one profile a line: KEY [key=value ...]
//!   u1 email=a@x.com account=a1 plan=pro score=3 signup_date=2026-01-01 vip=true
//! accounts
//!   a1 plan=pro score=3 start_date=2026-01-01 vip=false
//! query SOURCE          a query (further indented lines continue its text)
//!   -> u1 u2            the members of each segment query, in order
//!   | step | label |    or the one table of an analysis: a header, then rows
//!   | 1    | viewed "/a" |
//! ```
//!
//! A TIME is a minute of 2026-01-01 (`12` is 00:12) or a DATE text; `now`
//! is 2026-01-01T00:15:00Z ([`NOW_MS`]), so `during last 5 minutes` is
//! `[00:10, 00:15)`. `-` is a null user or key. A table cell is `null`,
//! `true`/`false`, an integer, a float (`0.5`, or a ratio `2/3`), a date
//! (`2026-01-01`), a timestamp (`2026-01-01T00:00:00Z`, or with an offset:
//! `2026-10-25T00:00:00+02:00`) or else text (`` `1` `` forces text).
//! A funnel's table may leave out `average_seconds` and `median_seconds`
//! (its last two columns): the case then checks the others.

use super::analysis::{Cell, Table, evaluate_all_source, tables_match};
use super::data::{
    DAY_MS, MINUTE_MS, RefDataset, RefEvent, RefProfile, RefSessions, parse_date_text,
};
use super::r#gen::{BASE_MS, NOW_MS};
use segql::syntax::StatementKind;
use std::collections::HashMap;
use std::path::Path;

macro_rules! case_files {
    ($($file:ident),* $(,)?) => {
        $(
            #[test]
            fn $file() {
                run(stringify!($file));
            }
        )*
    };
}

case_files!(
    events,
    sequences,
    counts,
    ranges,
    predicates,
    accounts,
    statements,
    funnel,
    retention,
    paths,
    explore,
    lifecycle,
    holding,
    zones,
    funnel_modes,
);

case_files!(sessions);

/// The dataset `name` of `cases/{file}.txt`, for tests written in Rust.
pub fn dataset(file: &str, name: &str) -> RefDataset {
    let (mut datasets, _) = read(file);
    datasets.remove(name).expect("the dataset is defined")
}

/// Every segment query of `cases/{file}.txt` with an answer of members:
/// `(case name, its data, the query's text, the members of each segment)`,
/// for running the hand-computed answers through segql itself.
pub fn member_cases(file: &str) -> Vec<(String, RefDataset, String, Vec<Vec<String>>)> {
    answers(file)
        .into_iter()
        .filter_map(|(name, data, source, answer)| Some((name, data, source, answer.ok()?)))
        .collect()
}

/// The named datasets and the cases of `cases/{file}.txt`.
fn read(file: &str) -> (HashMap<String, RefDataset>, Vec<Case>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/cases")
        .join(format!("{file}.txt"));
    let text = std::fs::read_to_string(&path).expect("the case file exists");
    parse(&text, file)
}

/// A hand-computed answer: the members of each segment query, or the one
/// table of an analysis.
pub type Answer = Result<Vec<Vec<String>>, Table>;

/// Every query of the cases of `cases/{file}.txt` with its dataset and its
/// hand-computed answer, to hold segql itself to them: (case name, data,
/// source, the members of each segment query or the analysis's table).
pub fn answers(file: &str) -> Vec<(String, RefDataset, String, Answer)> {
    let (_, cases) = read(file);
    let mut out = Vec::new();
    for case in cases {
        for query in case.queries {
            let expected = match query.expected {
                Expected::None => continue,
                Expected::Members(members) => Ok(members),
                Expected::Table(table) => Err(table),
            };
            out.push((case.name.clone(), case.data.clone(), query.source, expected));
        }
    }
    out
}

/// Runs every case of `cases/{file}.txt`, reporting all the failures.
fn run(file: &str) {
    run_on(file, |source, data| {
        Ok(evaluate_all_source(source, data, NOW_MS, Path::new(".")))
    });
}

/// Runs every case of `cases/{file}.txt` through `answer` (the results of
/// a source's queries on a dataset: the reference, or segql), reporting all
/// the failures.
pub fn run_on(file: &str, answer: impl Fn(&str, &RefDataset) -> Result<Vec<Table>, String>) {
    let (_, cases) = read(file);
    assert!(!cases.is_empty(), "{file}.txt holds cases");
    let mut failures = Vec::new();
    for case in &cases {
        for query in &case.queries {
            if let Err(e) = query.check(&case.data, &answer) {
                failures.push(format!(
                    "{file}.txt:{} ({}): {}\n{e}",
                    query.line, case.name, query.source
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

struct Case {
    name: String,
    data: RefDataset,
    queries: Vec<Query>,
}

struct Query {
    line: usize,
    source: String,
    expected: Expected,
}

enum Expected {
    None,
    /// The members of each segment query of the source.
    Members(Vec<Vec<String>>),
    /// The one table of the source's single query.
    Table(Table),
}

impl Query {
    fn check(
        &self,
        data: &RefDataset,
        answer: impl Fn(&str, &RefDataset) -> Result<Vec<Table>, String>,
    ) -> Result<(), String> {
        if matches!(self.expected, Expected::None) {
            return Err("no expected answer".into());
        }
        let got = answer(&self.source, data)?;
        match &self.expected {
            Expected::None => unreachable!("answered above"),
            Expected::Members(expected) => {
                // The segment queries' tables (one a query, definitions
                // giving none): their members' keys, in order.
                let program = segql::parse(&self.source).map_err(|d| format!("{d:?}"))?;
                let queries = program
                    .statements
                    .iter()
                    .filter(|s| !matches!(s.kind, StatementKind::Define(_)));
                let got: Vec<Vec<String>> = queries
                    .zip(&got)
                    .filter(|(query, _)| matches!(query.kind, StatementKind::Segment(_)))
                    .map(|(_, table)| table.rows.iter().map(|row| member_key(&row[0])).collect())
                    .collect();
                if &got == expected {
                    Ok(())
                } else {
                    Err(format!("got {got:?}\nexpected {expected:?}"))
                }
            }
            Expected::Table(expected) => match got.as_slice() {
                [got] => tables_match(&without_untold_times(got, expected), expected)
                    .map_err(|e| format!("got (left) vs expected (right): {e}")),
                _ => Err(format!("{} results, expected one table", got.len())),
            },
        }
    }
}

/// The times to convert of a funnel (its last two columns) are left out of
/// `got` when a case's table does not give them: cases written for the
/// counts of a funnel check its counts, those about times give both.
fn without_untold_times(got: &Table, expected: &Table) -> Table {
    const TIMES: [&str; 2] = ["average_seconds", "median_seconds"];
    let told = TIMES
        .iter()
        .any(|t| expected.columns.iter().any(|c| c == t));
    let n = got.columns.len();
    if told || n < 2 || got.columns[n - 2..] != TIMES {
        return got.clone();
    }
    Table {
        columns: got.columns[..n - 2].to_vec(),
        rows: got.rows.iter().map(|r| r[..n - 2].to_vec()).collect(),
    }
}

/// A member's key as the case files write it.
fn member_key(cell: &Cell) -> String {
    match cell {
        Cell::Text(key) => key.clone(),
        other => format!("{other:?}"),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Events,
    Users,
    Accounts,
    Query,
}

/// Reads the blocks of a case file (see the module documentation).
fn parse(text: &str, file: &str) -> (HashMap<String, RefDataset>, Vec<Case>) {
    let mut datasets: HashMap<String, RefDataset> = HashMap::new();
    let mut cases = Vec::new();
    // The block being read: a named dataset or a case.
    let mut dataset_name: Option<String> = None;
    let mut block: Option<Case> = None;
    let mut section = None;
    let mut finish =
        |name: Option<String>, block: Option<Case>, datasets: &mut HashMap<String, RefDataset>| {
            match (name, block) {
                (Some(name), Some(done)) => {
                    datasets.insert(name, done.data);
                }
                (None, Some(done)) => cases.push(done),
                _ => {}
            }
        };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let bad = |what: &str| -> ! { panic!("{file}.txt:{line}: {what}: {raw:?}") };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let new_block = |name: &str| Case {
            name: name.to_string(),
            data: RefDataset::default(),
            queries: Vec::new(),
        };
        if let Some(name) = raw.strip_prefix("dataset ") {
            finish(dataset_name.take(), block.take(), &mut datasets);
            dataset_name = Some(name.to_string());
            block = Some(new_block(name));
            section = None;
            continue;
        }
        if let Some(name) = raw.strip_prefix("=== ") {
            finish(dataset_name.take(), block.take(), &mut datasets);
            block = Some(new_block(name));
            section = None;
            continue;
        }
        let Some(current) = block.as_mut() else {
            bad("outside a block")
        };
        let data = &mut current.data;
        if !raw.starts_with(' ') {
            section = Some(match trimmed {
                "events" => Section::Events,
                "events with account_id" => {
                    data.events_have_account_column = true;
                    Section::Events
                }
                "users" => {
                    data.users.get_or_insert_with(Vec::new);
                    Section::Users
                }
                "accounts" => {
                    data.accounts.get_or_insert_with(Vec::new);
                    Section::Accounts
                }
                // LANGUAGE.md §10: `sessions 30m` or `sessions 30m,60m`
                // derives sessions; `identity` stitches by `anon=`.
                "identity" => {
                    data.anonymous_ids = true;
                    continue;
                }
                "no session column" => {
                    data.no_session_column = true;
                    continue;
                }
                _ => {
                    if let Some(lengths) = trimmed.strip_prefix("sessions ") {
                        data.sessions = Some(session_lengths(lengths).unwrap_or_else(|e| bad(&e)));
                        continue;
                    }
                    if let Some(zone) = trimmed.strip_prefix("time_zone ") {
                        data.time_zone = Some(zone.to_string());
                        continue;
                    }
                    if let Some(name) = trimmed.strip_prefix("uses ") {
                        *data = datasets
                            .get(name)
                            .unwrap_or_else(|| bad("unknown dataset"))
                            .clone();
                        continue;
                    }
                    let Some(source) = trimmed.strip_prefix("query ") else {
                        bad("not a line of a case file")
                    };
                    current.queries.push(Query {
                        line,
                        source: source.to_string(),
                        expected: Expected::None,
                    });
                    Section::Query
                }
            });
            continue;
        }
        match section {
            Some(Section::Events) => data.events.push(event(trimmed).unwrap_or_else(|e| bad(&e))),
            Some(Section::Users) => data
                .users
                .as_mut()
                .expect("users")
                .push(profile(trimmed, "signup_date").unwrap_or_else(|e| bad(&e))),
            Some(Section::Accounts) => data
                .accounts
                .as_mut()
                .expect("accounts")
                .push(profile(trimmed, "start_date").unwrap_or_else(|e| bad(&e))),
            Some(Section::Query) => {
                let query = current.queries.last_mut().expect("a query");
                expect(query, trimmed).unwrap_or_else(|e| bad(&e));
            }
            None => bad("indented line outside a section"),
        }
    }
    finish(dataset_name, block, &mut datasets);
    (datasets, cases)
}

/// Adds one line under a query: members, a table line, or more source.
fn expect(query: &mut Query, line: &str) -> Result<(), String> {
    if let Some(members) = line.strip_prefix("->") {
        let members = members.split_whitespace().map(str::to_string).collect();
        match &mut query.expected {
            Expected::None => query.expected = Expected::Members(vec![members]),
            Expected::Members(all) => all.push(members),
            Expected::Table(_) => return Err("members after a table".into()),
        }
    } else if let Some(row) = line.strip_prefix('|') {
        let cells: Vec<&str> = row
            .strip_suffix('|')
            .ok_or("a table line ends with |")?
            .split('|')
            .map(str::trim)
            .collect();
        match &mut query.expected {
            Expected::None => {
                query.expected = Expected::Table(Table {
                    columns: cells.iter().map(|c| c.to_string()).collect(),
                    rows: Vec::new(),
                })
            }
            Expected::Table(table) => table.rows.push(cells.into_iter().map(cell).collect()),
            Expected::Members(_) => return Err("a table after members".into()),
        }
    } else if matches!(query.expected, Expected::None) {
        query.source.push('\n');
        query.source.push_str(line);
    } else {
        return Err("query text after its answer".into());
    }
    Ok(())
}

/// `TIME USER TYPE NAME [key=value ...]`.
fn event(line: &str) -> Result<RefEvent, String> {
    let words = words(line);
    let [time, user, event_type, name, rest @ ..] = words.as_slice() else {
        return Err("an event is TIME USER TYPE NAME".into());
    };
    let ts = match time.parse::<i64>() {
        Ok(minute) => BASE_MS + minute * MINUTE_MS,
        Err(_) => parse_date_text(time),
    };
    let mut event = RefEvent::new(ts, key(user), event_type, name);
    for (k, v) in pairs(rest)? {
        match k {
            "session" => event = event.session(v),
            "account" => event = event.account(v),
            "product" => event = event.product(v),
            "device" => event = event.device(v),
            "amount" => event = event.amount(value(v)?),
            "qty" => event = event.qty(value(v)?),
            "anon" => event = event.anon(v),
            _ => return Err(format!("no event column {k}")),
        }
    }
    Ok(event)
}

/// `KEY [key=value ...]`; `date` names the date column.
fn profile(line: &str, date: &str) -> Result<RefProfile, String> {
    let words = words(line);
    let [k, rest @ ..] = words.as_slice() else {
        return Err("a profile is KEY [key=value ...]".into());
    };
    let mut row = RefProfile::new(key(k));
    for (k, v) in pairs(rest)? {
        row = match k {
            "email" => row.email(v),
            "account" => row.account(v),
            "plan" => row.plan(v),
            "score" => row.score(value(v)?),
            "vip" => row.vip(value(v)?),
            _ if k == date => row.signup((parse_date_text(v) / DAY_MS) as i32),
            _ => return Err(format!("no profile column {k}")),
        };
    }
    Ok(row)
}

/// `30m` or `30m,60m` (units `s`, `m`, `h`, `d`): derived sessions.
fn session_lengths(text: &str) -> Result<RefSessions, String> {
    let length = |text: &str| -> Result<i64, String> {
        let (count, unit) = text.split_at(text.len().saturating_sub(1));
        let unit_ms = match unit {
            "s" => 1000,
            "m" => MINUTE_MS,
            "h" => 60 * MINUTE_MS,
            "d" => DAY_MS,
            _ => return Err(format!("not a length: {text}")),
        };
        Ok(value::<i64>(count)? * unit_ms)
    };
    let (inactivity, max_length) = match text.split_once(',') {
        Some((gap, max)) => (gap, Some(length(max)?)),
        None => (text, None),
    };
    Ok(RefSessions {
        inactivity_ms: length(inactivity)?,
        max_length_ms: max_length,
    })
}

fn key(word: &str) -> Option<&str> {
    (word != "-").then_some(word)
}

fn value<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("not a value: {text}"))
}

fn pairs<'a>(words: &[&'a str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    words
        .iter()
        .map(|w| w.split_once('=').ok_or(format!("not key=value: {w}")))
        .collect()
}

/// The words of a line, up to a `#` comment.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace()
        .take_while(|w| !w.starts_with('#'))
        .collect()
}

fn cell(text: &str) -> Cell {
    let ratio = text
        .split_once('/')
        .and_then(|(p, q)| Some((p.parse::<i64>().ok()?, q.parse::<i64>().ok()?)));
    let starts_with_digit = text.starts_with(|c: char| c.is_ascii_digit());
    match text {
        "null" => Cell::Null,
        "true" => Cell::Bool(true),
        "false" => Cell::Bool(false),
        _ if text.len() > 1 && text.starts_with('`') && text.ends_with('`') => {
            Cell::Text(text[1..text.len() - 1].to_string())
        }
        _ if ratio.is_some() => {
            let (p, q) = ratio.expect("a ratio");
            Cell::Float(p as f64 / q as f64)
        }
        _ if text.parse::<i64>().is_ok() => Cell::Int(text.parse().expect("an integer")),
        _ if text.parse::<f64>().is_ok() => Cell::Float(text.parse().expect("a float")),
        _ if starts_with_digit && text.len() == 10 => {
            Cell::Date((parse_date_text(text) / DAY_MS) as i32)
        }
        _ if starts_with_digit && text.contains('T') => Cell::Timestamp(parse_date_text(text)),
        _ => Cell::Text(text.to_string()),
    }
}

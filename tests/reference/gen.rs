//! Random datasets and random segment programs for differential tests.
//!
//! Datasets are tiny and collide on purpose: timestamps on a grid of 20
//! minutes (ties are frequent), three session ids and null, two product
//! ids and null, few users and accounts, null attributes everywhere.
//! Programs are segql source text covering the whole of LANGUAGE.md §4 but
//! `in csv`, and §11's `holding`, `stopped`, `restarted` and `for the first
//! time` (`lifecycle`); they pass `segql::validate`, respect the type rules
//! of §4.3 and use only the columns of [`RefDataset`] (and only the profile
//! tables it has).
//!
//! `now` is [`NOW_MS`] (2026-01-01T00:15:00Z); events lie between
//! [`BASE_MS`] (2026-01-01T00:00:00Z) and 00:19:30, so relative ranges cut
//! through them. A dataset has a reporting time zone now and then
//! ([`arb_time_zone`]), in which dates alone are local midnights.

use super::data::{
    DAY_MS, MINUTE_MS, RefDataset, RefEvent, RefProfile, format_date, format_timestamp,
    format_timestamp_with_offset,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use segql::syntax::Audience;

mod lifecycle;
use lifecycle::{GLifecycle, arb_lifecycle};

/// 2026-01-01T00:00:00Z.
pub const BASE_MS: i64 = 1_767_225_600_000;
/// 2026-01-01 in days since 1970-01-01.
pub const BASE_DAY: i32 = 20_454;
/// The `now` of generated programs: 2026-01-01T00:15:00Z.
pub const NOW_MS: i64 = BASE_MS + 15 * MINUTE_MS;

/// Which tables and columns a dataset has: what a program may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub has_users: bool,
    pub has_accounts: bool,
    pub events_have_account_column: bool,
}

impl RefDataset {
    pub fn shape(&self) -> Shape {
        Shape {
            has_users: self.users.is_some(),
            has_accounts: self.accounts.is_some(),
            events_have_account_column: self.events_have_account_column,
        }
    }
}

// ---------------------------------------------------------------------------
// Datasets

fn arb_event(n_users: usize, account_column: bool) -> impl Strategy<Value = RefEvent> {
    (
        (0i64..20, select(vec![0i64, 0, 0, 30_000])),
        prop_oneof![
            1 => Just(None),
            8 => (1..=n_users).prop_map(|i| Some(format!("u{i}"))),
        ],
        select(vec![Some("s1"), Some("s2"), Some("s3"), None]),
        // Names mostly fit their type (paths for views), so that behaviors
        // match often; a few cross over so that `event X` spans types.
        select(vec![
            ("view", "/a"),
            ("view", "/a"),
            ("view", "/b"),
            ("view", "/b"),
            ("view", "/c"),
            ("view", "x"),
            ("action", "x"),
            ("action", "x"),
            ("action", "y"),
            ("action", "/a"),
            ("error", "x"),
            ("error", "y"),
            ("purchase", "x"),
            ("purchase", "y"),
        ]),
        select(vec![Some("a1"), Some("a2"), Some("a3"), None]),
        (
            select(vec![Some("mobile"), Some("desktop"), Some("Mobile"), None]),
            select(vec![Some("p1"), Some("p2"), Some("p1"), None]),
        ),
        select(vec![
            None,
            Some(0.5),
            Some(1.0),
            Some(2.5),
            Some(10.0),
            Some(-3.0),
        ]),
        select(vec![None, Some(0i64), Some(1), Some(2), Some(5)]),
    )
        .prop_map(
            move |(
                (minute, extra),
                user,
                session,
                (event_type, name),
                account,
                (device, product),
                amount,
                qty,
            )| {
                RefEvent {
                    ts: BASE_MS + minute * MINUTE_MS + extra,
                    user_id: user,
                    session_id: session.map(str::to_string),
                    event_type: event_type.to_string(),
                    name: name.to_string(),
                    account_id: account.filter(|_| account_column).map(str::to_string),
                    product_id: product.map(str::to_string),
                    device: device.map(str::to_string),
                    amount,
                    qty,
                    anon_id: None,
                }
            },
        )
}

/// The attributes of a profile row (key left null).
fn arb_attributes(users: bool) -> impl Strategy<Value = RefProfile> {
    (
        select(vec![
            None,
            Some("a@x.com"),
            Some(" A@X.com "),
            Some("b@y.org"),
        ]),
        select(vec![None, Some("a1"), Some("a2"), Some("a3"), Some("a4")]),
        select(vec![None, Some("free"), Some("pro"), Some("premium")]),
        select(vec![
            None,
            Some(-5i64),
            Some(0),
            Some(3),
            Some(10),
            Some(42),
        ]),
        select(vec![
            None,
            Some(BASE_DAY - 40),
            Some(BASE_DAY - 10),
            Some(BASE_DAY - 3),
            Some(BASE_DAY - 1),
            Some(BASE_DAY),
            Some(BASE_DAY + 1),
        ]),
        select(vec![None, Some(true), Some(false)]),
    )
        .prop_map(
            move |(email, account, plan, score, signup, vip)| RefProfile {
                key: None,
                // Email and account are columns of the users table only.
                email: email.filter(|_| users).map(str::to_string),
                account_id: account.filter(|_| users).map(str::to_string),
                plan: plan.map(str::to_string),
                score,
                signup,
                vip,
            },
        )
}

/// A profile table over `keys`: each key has a row or not, plus maybe one
/// row with a null key.
fn arb_table(keys: Vec<String>, users: bool) -> impl Strategy<Value = Vec<RefProfile>> {
    let n = keys.len();
    (
        vec((prop::bool::weighted(0.7), arb_attributes(users)), n),
        option::weighted(0.2, arb_attributes(users)),
    )
        .prop_map(move |(rows, null_key_row)| {
            let mut table: Vec<RefProfile> = rows
                .into_iter()
                .zip(&keys)
                .filter(|((keep, _), _)| *keep)
                .map(|((_, row), key)| RefProfile {
                    key: Some(key.clone()),
                    ..row
                })
                .collect();
            table.extend(null_key_row);
            table
        })
}

/// A small random dataset: 0–30 events of 1–6 users (and null users), on a
/// grid of minutes, with optional users and accounts tables.
pub fn arb_dataset() -> impl Strategy<Value = RefDataset> {
    (
        1usize..=6,
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.5),
        any::<bool>(),
    )
        .prop_flat_map(|(n_users, has_users, has_accounts, account_column)| {
            let user_keys: Vec<String> = (1..=n_users).map(|i| format!("u{i}")).collect();
            let account_keys: Vec<String> = (1..=4).map(|i| format!("a{i}")).collect();
            (
                prop_oneof![
                    1 => vec(arb_event(n_users, account_column), 0..=5),
                    4 => vec(arb_event(n_users, account_column), 6..=30),
                ],
                if has_users {
                    arb_table(user_keys, true).prop_map(Some).boxed()
                } else {
                    Just(None).boxed()
                },
                if has_accounts {
                    arb_table(account_keys, false).prop_map(Some).boxed()
                } else {
                    Just(None).boxed()
                },
                Just(account_column),
            )
        })
        .prop_flat_map(|(events, users, accounts, account_column)| {
            arb_time_zone().prop_map(move |time_zone| RefDataset {
                events: events.clone(),
                users: users.clone(),
                accounts: accounts.clone(),
                events_have_account_column: account_column,
                time_zone,
                ..RefDataset::default()
            })
        })
}

// ---------------------------------------------------------------------------
// Programs: a small tree of their own, printed as source text.

/// A predicate (`with`, `where`): atoms are already text.
#[derive(Debug, Clone)]
enum GPred {
    Atom(String),
    Not(Box<GPred>),
    And(Vec<GPred>),
    Or(Vec<GPred>),
    Group(Box<GPred>),
}

#[derive(Debug, Clone)]
struct GStep {
    event: String,
    filter: Option<GPred>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CountClass {
    AtLeast(u64),
    AtMostOrExactly,
    Aggregate,
}

#[derive(Debug, Clone)]
struct GBehavior {
    performed: bool,
    /// `stopped`, `restarted` or `for the first time` (§11).
    lifecycle: Option<GLifecycle>,
    first: GStep,
    /// `then [not] step`.
    rest: Vec<(bool, GStep)>,
    count: Option<(CountClass, String)>,
    within: Option<String>,
    /// Write `within` before the count.
    within_first: bool,
    /// `holding ...`, and where among the other modifiers it is written.
    holding: Option<(String, usize)>,
    range: Option<String>,
}

#[derive(Debug, Clone)]
enum GCond {
    Or(Vec<GCond>),
    And(Vec<GCond>),
    Not(Box<GCond>),
    Group(Box<GCond>, Option<String>),
    Profile { atom: String, have: bool },
    InSegment(String),
    Behavior(GBehavior),
}

/// Whether a range after `c` would govern a behavior (else it is an error).
fn governs(c: &GCond) -> bool {
    match c {
        GCond::Or(items) | GCond::And(items) => items.iter().any(governs),
        GCond::Not(inner) => governs(inner),
        GCond::Group(inner, range) => range.is_none() && governs(inner),
        GCond::Profile { .. } | GCond::InSegment(_) => false,
        GCond::Behavior(b) => b.range.is_none(),
    }
}

/// `ctx`: 0 a whole predicate, 1 an operand of `and`, 2 an operand of
/// `not`. Parentheses are added where the grammar needs them.
fn render_pred(p: &GPred, ctx: u8) -> String {
    match p {
        GPred::Atom(a) => a.clone(),
        GPred::Not(inner) => format!("not {}", render_pred(inner, 2)),
        GPred::Group(inner) => format!("({})", render_pred(inner, 0)),
        // An `and` needs parentheses as an operand of `not`; an `or` also
        // as an operand of `and`.
        GPred::And(items) => render_list(items, " and ", 2, ctx),
        GPred::Or(items) => render_list(items, " or ", 1, ctx),
    }
}

/// The items of an `and` (`level` 2) or an `or` (`level` 1) joined by
/// `word`, in parentheses when `ctx` is at least `level`.
fn render_list(items: &[GPred], word: &str, level: u8, ctx: u8) -> String {
    let text = items
        .iter()
        .map(|i| render_pred(i, level))
        .collect::<Vec<_>>()
        .join(word);
    if ctx >= level {
        format!("({text})")
    } else {
        text
    }
}

/// Source text being written, token by token. `after_pred` is true while
/// only `and`/`or`/`not`/`(` follow a `with` predicate: there a profile test
/// must start with `have`, or the predicate would take it (§4.3 "Where a
/// predicate stops").
#[derive(Default)]
struct Writer {
    out: String,
    after_pred: bool,
}

impl Writer {
    fn word(&mut self, w: &str) {
        if !self.out.is_empty() && !self.out.ends_with('(') {
            self.out.push(' ');
        }
        self.out.push_str(w);
        self.after_pred = self.after_pred && matches!(w, "and" | "or" | "not");
    }

    fn open(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('(') {
            self.out.push(' ');
        }
        self.out.push('(');
    }

    fn close(&mut self) {
        self.out.push(')');
        self.after_pred = false;
    }

    fn step(&mut self, step: &GStep) {
        self.word(&step.event);
        if let Some(p) = &step.filter {
            self.word("with");
            self.word(&render_pred(p, 0));
            self.after_pred = true;
        }
    }

    fn behavior(&mut self, b: &GBehavior) {
        match b.lifecycle.and_then(lifecycle::leading_word) {
            Some(word) => self.word(word),
            None if b.performed => self.word("performed"),
            None => {}
        }
        self.step(&b.first);
        for (negated, step) in &b.rest {
            self.word("then");
            if *negated {
                self.word("not");
            }
            self.step(step);
        }
        let count = b.count.as_ref().map(|(_, text)| text.as_str());
        let mut mods: Vec<&str> = if b.within_first {
            b.within.as_deref().into_iter().chain(count).collect()
        } else {
            count.into_iter().chain(b.within.as_deref()).collect()
        };
        if let Some((holding, at)) = &b.holding {
            mods.insert((*at).min(mods.len()), holding);
        }
        for m in mods {
            self.word(m);
        }
        if b.lifecycle == Some(GLifecycle::FirstTime) {
            self.word("for the first time");
        }
        if let Some(r) = &b.range {
            self.word(r);
        }
    }

    /// `ctx`: 0 a condition, 1 an operand of `and`, 2 a unary.
    fn cond(&mut self, c: &GCond, ctx: u8) {
        match c {
            GCond::Or(items) => self.joined(items, "or", 1, ctx >= 1),
            GCond::And(items) => self.joined(items, "and", 2, ctx >= 2),
            GCond::Not(inner) => {
                self.word("not");
                // "`not` directly before a behavior with `then` is an error:
                // write `not (A then B)`".
                let sequence = matches!(&**inner, GCond::Behavior(b) if !b.rest.is_empty());
                if sequence {
                    self.open();
                    self.cond(inner, 0);
                    self.close();
                } else {
                    self.cond(inner, 2);
                }
            }
            GCond::Group(inner, range) => {
                self.open();
                self.cond(inner, 0);
                self.close();
                if let Some(r) = range {
                    self.word(r);
                }
            }
            GCond::Profile { atom, have } => {
                if *have || self.after_pred {
                    self.word("have");
                }
                self.word(atom);
            }
            GCond::InSegment(name) => self.word(&format!("in segment {name}")),
            GCond::Behavior(b) => self.behavior(b),
        }
    }

    fn joined(&mut self, items: &[GCond], op: &str, item_ctx: u8, parens: bool) {
        if parens {
            self.open();
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.word(op);
            }
            self.cond(item, item_ctx);
        }
        if parens {
            self.close();
        }
    }
}

// ----- literals and atoms ------------------------------------------------------

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

const OPS: [&str; 6] = ["=", "!=", "<", "<=", ">", ">="];
const NUMBERS: [&str; 10] = ["0", "1", "2", "3", "-3", "2.5", "0.5", "10", "1e1", "42"];

/// The kinds of columns, with sample values for their literals.
#[derive(Clone, Copy)]
enum Col {
    Str {
        values: &'static [&'static str],
        patterns: &'static [&'static str],
        needles: &'static [&'static str],
    },
    Number,
    Date,
    Bool,
}

fn date_literals() -> Vec<String> {
    let mut out: Vec<String> = [-40, -10, -3, -1, 0, 1, 2]
        .iter()
        .map(|d| format_date(i64::from(BASE_DAY + d)))
        .collect();
    out.push(format_timestamp(BASE_MS + 7 * MINUTE_MS));
    out.push(format_timestamp(BASE_MS - 3 * DAY_MS + 12 * 3_600_000));
    out.push(format_timestamp_with_offset(
        BASE_MS + 7 * MINUTE_MS,
        5 * 60 + 45,
    ));
    out.push(format_timestamp_with_offset(BASE_MS - 3 * DAY_MS, -5 * 60));
    out
}

/// The reporting time zones of random datasets (LANGUAGE.md §10): none
/// (UTC) for half of them, else daylight-saving zones on both sides of UTC,
/// a half-hour and a three-quarter-hour one, or UTC named.
pub fn arb_time_zone() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        1 => Just(None),
        1 => select(vec!["UTC", "Europe/Berlin", "America/New_York", "+05:30", "Asia/Kathmandu"])
            .prop_map(|zone| Some(zone.to_string())),
    ]
    .boxed()
}

/// A literal of the column's type (now and then `null`).
fn arb_literal(col: Col) -> BoxedStrategy<String> {
    let typed: BoxedStrategy<String> = match col {
        Col::Str { values, .. } => select(values).prop_map(quoted).boxed(),
        Col::Number => select(&NUMBERS[..]).prop_map(str::to_string).boxed(),
        Col::Date => select(date_literals()).boxed(),
        Col::Bool => select(vec!["true", "false"])
            .prop_map(str::to_string)
            .boxed(),
    };
    prop_oneof![12 => typed, 1 => Just("null".to_string())].boxed()
}

/// Every atom form that the column's type allows (§4.3).
fn arb_atom(name: &'static str, col: Col) -> BoxedStrategy<String> {
    let lit = arb_literal(col);
    let mut forms: Vec<(u32, BoxedStrategy<String>)> = vec![
        (
            2,
            prop::bool::ANY
                .prop_map(move |n| format!("{name} is {}null", if n { "not " } else { "" }))
                .boxed(),
        ),
        (
            2,
            (any::<bool>(), vec(lit.clone(), 1..=3))
                .prop_map(move |(n, items)| {
                    format!(
                        "{name} {}in ({})",
                        if n { "not " } else { "" },
                        items.join(", ")
                    )
                })
                .boxed(),
        ),
    ];
    let ops: &'static [&'static str] = match col {
        Col::Bool => &OPS[..2],
        _ => &OPS[..],
    };
    forms.push((
        4,
        (select(ops), lit.clone())
            .prop_map(move |(op, l)| format!("{name} {op} {l}"))
            .boxed(),
    ));
    if !matches!(col, Col::Bool) {
        forms.push((
            2,
            (lit.clone(), lit)
                .prop_map(move |(a, b)| format!("{name} between {a} and {b}"))
                .boxed(),
        ));
    }
    match col {
        Col::Str {
            patterns, needles, ..
        } => {
            forms.push((
                2,
                (any::<bool>(), select(patterns))
                    .prop_map(move |(n, p)| {
                        format!("{name} {}like {}", if n { "not " } else { "" }, quoted(p))
                    })
                    .boxed(),
            ));
            forms.push((
                1,
                select(needles)
                    .prop_map(move |s| format!("{name} contains {}", quoted(s)))
                    .boxed(),
            ));
        }
        Col::Date => {
            let windows = vec![
                "the past day",
                "the last 1 day",
                "the past 2 days",
                "the last 3 days",
                "the past week",
                "the last 2 weeks",
                "the past month",
                "the past 12 hours",
                "the last 45 days",
            ];
            forms.push((
                3,
                select(windows)
                    .prop_map(move |w| format!("{name} in {w}"))
                    .boxed(),
            ));
        }
        Col::Number | Col::Bool => {}
    }
    Union::new_weighted(forms).boxed()
}

const DEVICE: Col = Col::Str {
    values: &["mobile", "desktop", "Mobile", "tablet", ""],
    patterns: &["m%", "%e", "_obile", "%", "M%", "%o%"],
    needles: &["ob", "M", "", "sk"],
};
const PLAN: Col = Col::Str {
    values: &["free", "pro", "premium", "enterprise"],
    patterns: &["p%", "%ee", "pr_", "%"],
    needles: &["re", "pro", ""],
};
const EMAIL: Col = Col::Str {
    values: &["a@x.com", "b@y.org", " A@X.com "],
    patterns: &["%@x.com", "a%", "%.org", "%X%"],
    needles: &["@x", "A", ""],
};

fn arb_event_atom() -> BoxedStrategy<String> {
    prop_oneof![
        arb_atom("device", DEVICE),
        arb_atom("amount", Col::Number),
        arb_atom("qty", Col::Number),
    ]
    .boxed()
}

fn arb_profile_atom(audience: Audience) -> BoxedStrategy<String> {
    match audience {
        Audience::Users => prop_oneof![
            arb_atom("plan", PLAN),
            arb_atom("email", EMAIL),
            arb_atom("score", Col::Number),
            arb_atom("signup_date", Col::Date),
            arb_atom("vip", Col::Bool),
        ]
        .boxed(),
        Audience::Accounts => prop_oneof![
            arb_atom("plan", PLAN),
            arb_atom("score", Col::Number),
            arb_atom("start_date", Col::Date),
            arb_atom("vip", Col::Bool),
        ]
        .boxed(),
    }
}

/// A predicate: mostly one atom, sometimes a small tree of them.
fn arb_pred(atoms: BoxedStrategy<String>) -> BoxedStrategy<GPred> {
    let leaf = atoms.prop_map(GPred::Atom);
    let tree = leaf.clone().prop_recursive(2, 4, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|p| GPred::Not(Box::new(p))),
            vec(inner.clone(), 2..=3).prop_map(GPred::And),
            vec(inner.clone(), 2..=3).prop_map(GPred::Or),
            inner.prop_map(|p| GPred::Group(Box::new(p))),
        ]
    });
    prop_oneof![3 => leaf, 2 => tree].boxed()
}

// ----- behaviors ---------------------------------------------------------------

fn arb_target(names: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(names).prop_map(quoted),
        1 => select(vec!["/%", "%a", "/_", "%", "x%", "_", "%b%"])
            .prop_map(|p| format!("like {}", quoted(p))),
    ]
    .boxed()
}

fn arb_event_text() -> BoxedStrategy<String> {
    const VIEWS: &[&str] = &["/a", "/b", "/c", "/a", "/b", "/c", "/a", "/z"];
    const NAMES: &[&str] = &["x", "y", "x", "y", "/a", "x", "y", "z"];
    prop_oneof![
        4 => arb_target(VIEWS).prop_map(|t| format!("viewed {t}")),
        2 => arb_target(NAMES).prop_map(|t| format!("action {t}")),
        1 => arb_target(NAMES).prop_map(|t| format!("clicked {t}")),
        1 => option::of(arb_target(NAMES))
            .prop_map(|t| t.map_or("error".to_string(), |t| format!("error {t}"))),
        2 => arb_target(NAMES).prop_map(|t| format!("event {t}")),
        1 => Just("any event".to_string()),
    ]
    .boxed()
}

fn arb_step() -> BoxedStrategy<GStep> {
    (
        arb_event_text(),
        option::weighted(0.2, arb_pred(arb_event_atom())),
    )
        .prop_map(|(event, filter)| GStep { event, filter })
        .boxed()
}

/// A step (an event, sometimes with a `with` filter) as source text.
pub(super) fn arb_step_text() -> BoxedStrategy<String> {
    arb_step()
        .prop_map(|step| {
            let mut w = Writer::default();
            w.step(&step);
            w.out
        })
        .boxed()
}

/// A `viewed` step (sometimes with a `with` filter) as source text, over
/// the few view names of [`arb_dataset`].
pub(super) fn arb_viewed_step_text() -> BoxedStrategy<String> {
    const VIEWS: &[&str] = &["/a", "/b", "/c", "/a", "/b", "/z"];
    (
        arb_target(VIEWS),
        option::weighted(0.2, arb_pred(arb_event_atom())),
    )
        .prop_map(|(target, filter)| {
            let mut w = Writer::default();
            w.step(&GStep {
                event: format!("viewed {target}"),
                filter,
            });
            w.out
        })
        .boxed()
}

fn arb_count() -> BoxedStrategy<(CountClass, String)> {
    let times = |n: u64| if n == 1 { "time" } else { "times" };
    prop_oneof![
        3 => (0u64..=4, any::<bool>()).prop_map(move |(n, plural)| {
            let word = if plural { "times" } else { times(n) };
            (CountClass::AtLeast(n), format!("at least {n} {word}"))
        }),
        2 => (0u64..=3).prop_map(move |n| {
            (CountClass::AtMostOrExactly, format!("at most {n} {}", times(n)))
        }),
        2 => (0u64..=3).prop_map(move |n| {
            (CountClass::AtMostOrExactly, format!("exactly {n} {}", times(n)))
        }),
        3 => (
            select(vec!["total", "average", "min", "max"]),
            select(vec!["amount", "qty"]),
            select(&OPS[..]),
            select(&NUMBERS[..]),
        )
            .prop_map(|(f, c, op, n)| (CountClass::Aggregate, format!("{f} {c} {op} {n}"))),
    ]
    .boxed()
}

fn arb_within() -> BoxedStrategy<String> {
    prop_oneof![
        3 => Just("within session".to_string()),
        3 => (0u64..=10, select(vec![" minutes", "m", " m"]))
            .prop_map(|(n, u)| format!("within {n}{u}")),
        1 => select(vec!["within 1 minute", "within 30 seconds", "within 90 s", "within 1 hour", "within 0 seconds"])
            .prop_map(str::to_string),
    ]
    .boxed()
}

/// `holding` (§11) over the event columns of [`arb_dataset`], all with
/// nulls and few distinct values, and where it is written among the
/// modifiers.
fn arb_holding() -> BoxedStrategy<(String, usize)> {
    (
        select(vec![
            "product_id",
            "product_id",
            "device",
            "qty",
            "session_id",
            "product_id, device",
            "device, session_id",
            "qty, product_id",
        ]),
        0usize..=2,
    )
        .prop_map(|(columns, at)| (format!("holding {columns}"), at))
        .boxed()
}

/// Every form of §4.2, cutting through the grid of events around `now`.
pub(super) fn arb_range() -> BoxedStrategy<String> {
    let minute_ts = |m: i64| format_timestamp(BASE_MS + m * MINUTE_MS);
    prop_oneof![
        3 => (select(vec!["last", "past"]), 1u64..=20, select(vec![" minutes", "m", " m"]))
            .prop_map(|(w, n, u)| format!("during {w} {n}{u}")),
        1 => (
            select(vec!["last", "past"]),
            select(vec!["1 hour", "2 hours", "1 day", "1 week", "1 month", "90 seconds", "30s", "600 seconds"]),
        )
            .prop_map(|(w, d)| format!("during {w} {d}")),
        2 => (select(vec!["past", "last"]), option::of(1u64..=20))
            .prop_map(|(w, n)| match n {
                None => format!("in the {w} minute"),
                Some(n) => format!("in the {w} {n} minutes"),
            }),
        1 => (select(vec!["past", "last"]), select(vec!["hour", "day", "week", "month"]))
            .prop_map(|(w, u)| format!("in the {w} {u}")),
        2 => (0i64..=21).prop_map(move |m| format!("since {}", minute_ts(m))),
        2 => (0i64..=21).prop_map(move |m| format!("before {}", minute_ts(m))),
        1 => (0i64..=21, select(vec![-300i64, 60, 330]))
            .prop_map(|(m, east)| format!("since {}", format_timestamp_with_offset(BASE_MS + m * MINUTE_MS, east))),
        1 => select(vec!["since 2026-01-01", "before 2026-01-02", "since 2026-01-02", "before 2026-01-01"])
            .prop_map(str::to_string),
        2 => (0i64..=20, 1i64..=8)
            .prop_map(move |(a, len)| format!("between {} and {}", minute_ts(a), minute_ts(a + len))),
        1 => Just("between 2025-12-31 and 2026-01-02".to_string()),
    ]
    .boxed()
}

fn arb_behavior() -> BoxedStrategy<GBehavior> {
    (
        prop::bool::weighted(0.2),
        arb_step(),
        prop_oneof![
            5 => Just(Vec::new()),
            3 => vec((prop::bool::weighted(0.35), arb_step()), 1..=1),
            1 => vec((prop::bool::weighted(0.35), arb_step()), 2..=3),
        ],
        option::weighted(0.4, arb_count()),
        option::weighted(0.4, arb_within()),
        (any::<bool>(), option::weighted(0.25, arb_holding())),
        option::weighted(0.35, arb_range()),
        arb_lifecycle(),
    )
        .prop_map(
            |(
                performed,
                first,
                mut rest,
                mut count,
                mut within,
                (within_first, mut holding),
                range,
                lifecycle,
            )| {
                // A lifecycle behavior has one step and no other modifier.
                if lifecycle.is_some() {
                    (rest, count, within, holding) = (Vec::new(), None, None, None);
                }
                // Counts and aggregates only on a single positive step.
                let count = if rest.is_empty() { count } else { None };
                // No `within` with `at most`/`exactly`/aggregates; and none
                // with `at least 0` (see the report: vacuous and unclear).
                let within = match count {
                    Some((CountClass::AtLeast(n), _)) if n > 0 => within,
                    Some(_) => None,
                    None => within,
                };
                GBehavior {
                    performed,
                    lifecycle,
                    first,
                    rest,
                    count,
                    within,
                    within_first,
                    holding,
                    range,
                }
            },
        )
        .boxed()
}

// ----- segments and programs -----------------------------------------------------

pub(super) fn has_profile_table(audience: Audience, shape: Shape) -> bool {
    match audience {
        Audience::Users => shape.has_users,
        Audience::Accounts => shape.has_accounts,
    }
}

fn arb_condition(audience: Audience, shape: Shape, names: Vec<String>) -> BoxedStrategy<GCond> {
    let mut leaves: Vec<(u32, BoxedStrategy<GCond>)> =
        vec![(6, arb_behavior().prop_map(GCond::Behavior).boxed())];
    if has_profile_table(audience, shape) {
        leaves.push((
            2,
            (arb_profile_atom(audience), prop::bool::weighted(0.3))
                .prop_map(|(atom, have)| GCond::Profile { atom, have })
                .boxed(),
        ));
    }
    if !names.is_empty() {
        leaves.push((1, select(names).prop_map(GCond::InSegment).boxed()));
    }
    let leaf = Union::new_weighted(leaves);
    let tree = leaf.clone().prop_recursive(3, 6, 2, |inner| {
        prop_oneof![
            2 => vec(inner.clone(), 2..=3).prop_map(GCond::And),
            2 => vec(inner.clone(), 2..=2).prop_map(GCond::Or),
            1 => inner.clone().prop_map(|c| GCond::Not(Box::new(c))),
            2 => (inner, option::weighted(0.6, arb_range())).prop_map(|(c, r)| {
                // A range that governs no behavior is an error.
                let r = if governs(&c) { r } else { None };
                GCond::Group(Box::new(c), r)
            }),
        ]
    });
    prop_oneof![1 => leaf, 2 => tree].boxed()
}

/// One segment (`users who ...` or `accounts in segment ...`) as text.
pub(super) fn arb_segment(
    audience: Audience,
    shape: Shape,
    names: Vec<String>,
) -> BoxedStrategy<String> {
    let profile = has_profile_table(audience, shape);
    let who = (
        arb_condition(audience, shape, names.clone()),
        if profile {
            option::weighted(0.3, arb_pred(arb_profile_atom(audience))).boxed()
        } else {
            Just(None).boxed()
        },
        option::weighted(0.5, arb_range()),
    )
        .prop_map(move |(mut cond, filter, range)| {
            // The segment-wide range comes only after `where`, and must
            // govern a behavior.
            let range = range.filter(|_| filter.is_some() && governs(&cond));
            lifecycle::fit(&mut cond, range.as_deref());
            let mut w = Writer::default();
            w.word(audience.keyword());
            w.word("who");
            w.cond(&cond, 0);
            if let Some(p) = &filter {
                w.word("where");
                w.word(&render_pred(p, 0));
                if let Some(r) = &range {
                    w.word(r);
                }
            }
            w.out
        })
        .boxed();
    if names.is_empty() {
        return who;
    }
    let in_form = (
        select(names),
        if profile {
            option::weighted(0.5, arb_pred(arb_profile_atom(audience))).boxed()
        } else {
            Just(None).boxed()
        },
    )
        .prop_map(move |(name, filter)| {
            let mut text = format!("{} in segment {name}", audience.keyword());
            if let Some(p) = filter {
                text.push_str(" where ");
                text.push_str(&render_pred(&p, 0));
            }
            text
        });
    prop_oneof![4 => who, 1 => in_form].boxed()
}

/// A random program of segment definitions and queries over a dataset of
/// this shape: 1–4 statements, the last one a query; definitions are named
/// `d0`, `d1`, ... and used by later statements of the same audience.
/// Accounts segments appear only when events can be attributed to accounts
/// (an `account_id` column on events, or a users table).
pub fn arb_segment_program(shape: Shape) -> BoxedStrategy<String> {
    let mut audiences = vec![Audience::Users];
    if shape.events_have_account_column || shape.has_users {
        audiences.push(Audience::Accounts);
    }
    vec((select(audiences), prop::bool::weighted(0.4)), 1..=4)
        .prop_flat_map(move |plan| {
            let n = plan.len();
            let mut defs: Vec<(String, Audience)> = Vec::new();
            let mut parts: Vec<BoxedStrategy<String>> = Vec::new();
            for (i, (audience, is_def)) in plan.into_iter().enumerate() {
                let names: Vec<String> = defs
                    .iter()
                    .filter(|(_, a)| *a == audience)
                    .map(|(name, _)| name.clone())
                    .collect();
                let seg = arb_segment(audience, shape, names);
                if is_def && i + 1 < n {
                    let name = format!("d{i}");
                    defs.push((name.clone(), audience));
                    parts.push(
                        seg.prop_map(move |s| format!("segment {name} = {s}"))
                            .boxed(),
                    );
                } else {
                    parts.push(seg);
                }
            }
            parts
        })
        .prop_map(|parts| parts.join(";\n"))
        .boxed()
}

/// A dataset and a program that fits it.
pub fn arb_case() -> impl Strategy<Value = (RefDataset, String)> {
    arb_dataset().prop_flat_map(|data| {
        let shape = data.shape();
        (Just(data), arb_segment_program(shape))
    })
}

//! Property tests of the parser and the printer.
//!
//! 1. Random well-formed syntax trees, covering the whole grammar, print to
//!    text that parses back to the same trees, on one line (`Display`) and in
//!    the pretty form (`{:#}`); `format_program` is idempotent on that text.
//! 2. No text makes the parser panic, and every diagnostic points inside the
//!    text, on character boundaries; whatever parses, round-trips.
//!
//! The generator builds only trees the parser can produce: the invariants it
//! respects are written next to the code that keeps them (`pred`,
//! `list_items`, `is_open`, `segment`, `steps`), and `generator_covers_the_grammar`
//! checks that it still reaches every production.

use crate::support::proptest_cases;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use segql::syntax::*;
use std::collections::BTreeSet;

fn sp() -> Span {
    Span::default()
}

// ---------------------------------------------------------------------------
// Words and tokens
// ---------------------------------------------------------------------------

/// LANGUAGE.md §2: never bare identifiers.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "and", "or", "not", "who", "where", "with", "then", "within", "have", "in", "is", "like", "between",
    "contains", "performed", "viewed", "action", "clicked", "error", "event", "any", "true", "false", "null",
];

/// Contextual keywords (and unit words): identifiers wherever the grammar
/// does not expect them as keywords.
#[rustfmt::skip]
const CONTEXTUAL: &[&str] = &[
    "users", "accounts", "segment", "csv", "column", "by", "id", "email", "during", "last", "past", "the",
    "since", "before", "session", "at", "least", "most", "exactly", "time", "times", "total", "average", "min",
    "max", "funnel", "compare", "for", "retention", "returning", "every", "periods", "day", "week", "month",
    "paths", "from", "to", "depth", "top", "explore", "events", "sessions", "count", "second", "seconds",
    "minutes", "hours", "days", "weeks", "months", "s", "m", "h", "d", "w", "Users", "TOTAL", "Session",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// A name that may be written without back quotes: plain, dotted (later
/// parts may be reserved words: `geo.in` is one name), or a contextual
/// keyword.
fn bare_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,7}",
        1 => "[A-Za-z_][A-Za-z0-9_]{0,5}",
        3 => select(CONTEXTUAL).prop_map(String::from),
        1 => "[a-z_][a-z0-9_]{0,4}(\\.[A-Za-z_][A-Za-z0-9_]{0,4}){1,2}",
        1 => (select(CONTEXTUAL), select(RESERVED)).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
    .prop_filter("a bare name is not a reserved word", |name| {
        !is_reserved(name.split('.').next().unwrap_or_default())
    })
}

/// What may stand between back quotes: anything but a newline, not empty.
fn quoted_name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(vec![
            "@usr.id", "odd`name", "`", "``x``", "with space", " padded ", "in", "and", "users", "geo.country",
            "#not a comment", "-- nor this", "\"quoted\"", "é日本🙂", "a;b", "tab\there", "1st",
        ])
        .prop_map(String::from),
        1 => vec(
            prop_oneof![
                4 => any::<char>().prop_filter("no newline in back quotes", |c| *c != '\n'),
                1 => select(vec!['`', ' ', '@', '.', '#', '-', '"', '\\']),
            ],
            1..8,
        )
        .prop_map(String::from_iter),
    ]
}

fn ident() -> BoxedStrategy<Ident> {
    prop_oneof![
        5 => bare_name().prop_map(|name| Ident { name, quoted: false, span: sp() }),
        1 => bare_name().prop_map(|name| Ident { name, quoted: true, span: sp() }),
        2 => quoted_name().prop_map(|name| Ident { name, quoted: true, span: sp() }),
    ]
    .boxed()
}

/// The value of a string literal: plain text, or any characters with the
/// escaped ones and comment markers over-represented.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9/_%.@ -]{0,12}",
        1 => vec(
            prop_oneof![
                2 => any::<char>(),
                1 => select(vec!['"', '\\', '\n', '\t', '\r', '\0', '#', '-', '`', ';', 'é', '日', '🙂', '\u{2028}']),
            ],
            0..10,
        )
        .prop_map(String::from_iter),
    ]
}

fn string() -> BoxedStrategy<Str> {
    text().prop_map(|value| Str { value, span: sp() }).boxed()
}

fn number() -> BoxedStrategy<Number> {
    prop_oneof![
        1 => select(vec!["-3", "1.5", "1e6", "0", "+2", "2.50", "1E-3", "007", "-0.25e+10", "18446744073709551616"])
            .prop_map(String::from),
        3 => "[+-]?[0-9]{1,6}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
    ]
    .prop_map(|text| Number { text, span: sp() })
    .boxed()
}

/// Whole numbers for counts, lengths, depth, top, periods.
fn count_value() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..20, 3 => 0u64..100_000, 1 => Just(u64::MAX)]
}

/// `depth` and `top`: the parser rejects 0.
fn positive() -> impl Strategy<Value = u64> {
    count_value().prop_map(|n| n.max(1))
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01, counted the slow way (not the parser's algorithm,
/// so that the two check each other).
fn epoch_days(year: i64, month: i64, day: i64) -> i64 {
    let year_len = |y| if is_leap(y) { 366 } else { 365 };
    let mut days: i64 = if year >= 1970 {
        (1970..year).map(year_len).sum()
    } else {
        -(year..1970).map(year_len).sum::<i64>()
    };
    days += (1..month).map(|m| days_in_month(year, m)).sum::<i64>();
    days + day - 1
}

/// A date (`2026-01-31`) or a UTC timestamp (`2026-01-31T10:00:00.250Z`).
fn date() -> BoxedStrategy<Date> {
    let time = (0i64..24, 0i64..60, 0i64..60, option::of("[0-9]{1,6}"));
    (1600i64..2400, 1i64..=12, 1i64..=31, option::of(time))
        .prop_map(|(year, month, day, time)| {
            let day = day.min(days_in_month(year, month));
            let mut text = format!("{year:04}-{month:02}-{day:02}");
            let mut micros = epoch_days(year, month, day) * 86_400_000_000;
            if let Some((h, m, s, fraction)) = &time {
                text.push_str(&format!("T{h:02}:{m:02}:{s:02}"));
                micros += ((h * 60 + m) * 60 + s) * 1_000_000;
                if let Some(fraction) = fraction {
                    text.push('.');
                    text.push_str(fraction);
                    let padded = format!("{fraction:0<6}");
                    micros += padded.parse::<i64>().expect("digits");
                }
                text.push('Z');
            }
            Date {
                text,
                epoch_micros: micros,
                date_only: time.is_none(),
                span: sp(),
            }
        })
        .boxed()
}

fn literal() -> BoxedStrategy<Literal> {
    prop_oneof![
        3 => text().prop_map(LiteralKind::String),
        3 => number().prop_map(LiteralKind::Number),
        2 => date().prop_map(LiteralKind::Date),
        1 => any::<bool>().prop_map(LiteralKind::Bool),
        1 => Just(LiteralKind::Null),
    ]
    .prop_map(|kind| Literal { kind, span: sp() })
    .boxed()
}

fn unit() -> impl Strategy<Value = Unit> {
    select(vec![
        Unit::Second,
        Unit::Minute,
        Unit::Hour,
        Unit::Day,
        Unit::Week,
        Unit::Month,
    ])
}

fn duration() -> BoxedStrategy<Duration> {
    (count_value(), unit())
        .prop_map(|(count, unit)| Duration {
            count,
            unit,
            span: sp(),
        })
        .boxed()
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::NotEq,
        CmpOp::Lt,
        CmpOp::LtEq,
        CmpOp::Gt,
        CmpOp::GtEq,
    ])
}

// ---------------------------------------------------------------------------
// Predicates
// ---------------------------------------------------------------------------

fn atom() -> BoxedStrategy<Atom> {
    let kind = prop_oneof![
        3 => (cmp_op(), literal()).prop_map(|(op, value)| AtomKind::Compare { op, value }),
        1 => (any::<bool>(), vec(literal(), 1..4)).prop_map(|(negated, values)| AtomKind::InList { negated, values }),
        1 => any::<bool>().prop_map(|negated| AtomKind::IsNull { negated }),
        1 => (any::<bool>(), string()).prop_map(|(negated, pattern)| AtomKind::Like { negated, pattern }),
        1 => (literal(), literal()).prop_map(|(low, high)| AtomKind::Between { low, high }),
        1 => (any::<bool>(), option::of(count_value()), unit())
            .prop_map(|(last, count, unit)| AtomKind::InThePast { last, count, unit }),
        1 => string().prop_map(|needle| AtomKind::Contains { needle }),
    ];
    (ident(), kind)
        .prop_map(|(column, kind)| Atom {
            column,
            kind,
            span: sp(),
        })
        .boxed()
}

fn pred_node(kind: PredKind) -> Pred {
    Pred { kind, span: sp() }
}

fn pred_group(p: Pred) -> Pred {
    pred_node(PredKind::Group(Box::new(p)))
}

/// `and` binds tighter than `or` and both are flat lists: an `and` item is
/// never an `and`/`or` (the parser would have flattened it, or it needs
/// parentheses), an `or` item never an `or`, a `not` never applies to one.
fn pred() -> BoxedStrategy<Pred> {
    atom()
        .prop_map(|a| pred_node(PredKind::Atom(a)))
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                vec(inner.clone(), 2..4).prop_map(|items| {
                    let items = items.into_iter().map(|p| match p.kind {
                        PredKind::And(_) | PredKind::Or(_) => pred_group(p),
                        _ => p,
                    });
                    pred_node(PredKind::And(items.collect()))
                }),
                vec(inner.clone(), 2..4).prop_map(|items| {
                    let items = items.into_iter().map(|p| match p.kind {
                        PredKind::Or(_) => pred_group(p),
                        _ => p,
                    });
                    pred_node(PredKind::Or(items.collect()))
                }),
                inner.clone().prop_map(|p| {
                    let p = match p.kind {
                        PredKind::And(_) | PredKind::Or(_) => pred_group(p),
                        _ => p,
                    };
                    pred_node(PredKind::Not(Box::new(p)))
                }),
                inner.prop_map(pred_group),
            ]
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Ranges, behaviors
// ---------------------------------------------------------------------------

fn range() -> BoxedStrategy<Range> {
    let kind = prop_oneof![
        // `during` always has a count.
        2 => (select(vec![LastForm::DuringLast, LastForm::DuringPast]), count_value(), unit())
            .prop_map(|(form, count, unit)| RangeKind::Last { form, count: Some(count), unit }),
        2 => (select(vec![LastForm::InThePast, LastForm::InTheLast]), option::of(count_value()), unit())
            .prop_map(|(form, count, unit)| RangeKind::Last { form, count, unit }),
        1 => date().prop_map(RangeKind::Since),
        1 => date().prop_map(RangeKind::Before),
        1 => (date(), date()).prop_map(|(a, b)| RangeKind::Between(a, b)),
    ];
    kind.prop_map(|kind| Range { kind, span: sp() }).boxed()
}

fn target() -> BoxedStrategy<Target> {
    (any::<bool>(), string())
        .prop_map(|(like, pattern)| Target { like, pattern })
        .boxed()
}

fn event() -> BoxedStrategy<Event> {
    prop_oneof![
        3 => target().prop_map(EventKind::Viewed),
        2 => (target(), any::<bool>()).prop_map(|(target, clicked)| EventKind::Action { target, clicked }),
        1 => option::of(target()).prop_map(EventKind::Error),
        1 => target().prop_map(EventKind::Named),
        1 => Just(EventKind::Any),
    ]
    .prop_map(|kind| Event { kind, span: sp() })
    .boxed()
}

fn step() -> BoxedStrategy<Step> {
    (event(), option::weighted(0.4, pred()))
        .prop_map(|(event, filter)| Step {
            event,
            filter,
            span: sp(),
        })
        .boxed()
}

/// The steps of a sequence: the first is never negated.
fn steps(min_len: usize) -> impl Strategy<Value = Vec<SeqStep>> {
    (step(), vec((any::<bool>(), step()), min_len - 1..4)).prop_map(|(first, rest)| {
        let mut steps = vec![SeqStep {
            negated: false,
            step: first,
            span: sp(),
        }];
        steps.extend(rest.into_iter().map(|(negated, step)| SeqStep {
            negated,
            step,
            span: sp(),
        }));
        steps
    })
}

fn within() -> BoxedStrategy<Within> {
    prop_oneof![
        Just(WithinKind::Session),
        duration().prop_map(WithinKind::Duration)
    ]
    .prop_map(|kind| Within { kind, span: sp() })
    .boxed()
}

fn count() -> BoxedStrategy<Count> {
    let func = select(vec![
        AggregateFunc::Total,
        AggregateFunc::Average,
        AggregateFunc::Min,
        AggregateFunc::Max,
    ]);
    prop_oneof![
        count_value().prop_map(CountKind::AtLeast),
        count_value().prop_map(CountKind::AtMost),
        count_value().prop_map(CountKind::Exactly),
        (func, ident(), cmp_op(), number()).prop_map(|(func, column, op, value)| {
            CountKind::Aggregate {
                func,
                column,
                op,
                value,
            }
        }),
    ]
    .prop_map(|kind| Count { kind, span: sp() })
    .boxed()
}

fn behavior() -> BoxedStrategy<Behavior> {
    (
        any::<bool>(),
        prop_oneof![3 => steps(1), 1 => steps(2)],
        option::weighted(0.3, within()),
        option::weighted(0.3, count()),
        option::weighted(0.3, range()),
    )
        .prop_map(|(performed, steps, within, count, range)| Behavior {
            performed,
            steps,
            within,
            count,
            range,
            span: sp(),
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Conditions and segments
// ---------------------------------------------------------------------------

fn cond(kind: ConditionKind) -> Condition {
    Condition { kind, span: sp() }
}

fn cond_group(c: Condition) -> Condition {
    cond(ConditionKind::Group {
        inner: Box::new(c),
        range: None,
    })
}

/// Whether the text of `c` ends with a `with` predicate that an `and`/`or`
/// after it could continue (§4.3 "where a predicate stops"): a behavior
/// whose last step has a filter and nothing after it.
fn is_open(c: &Condition) -> bool {
    match &c.kind {
        ConditionKind::Behavior(b) => {
            b.within.is_none()
                && b.count.is_none()
                && b.range.is_none()
                && b.steps.last().is_some_and(|s| s.step.filter.is_some())
        }
        ConditionKind::Not(inner) => is_open(inner),
        ConditionKind::And(items) | ConditionKind::Or(items) => items.last().is_some_and(is_open),
        _ => false,
    }
}

/// Whether the text of `c` starts an atom: a run of `not`/`(` then a
/// profile test without `have`.
fn starts_atom(c: &Condition) -> bool {
    match &c.kind {
        ConditionKind::Profile { have, .. } => !have,
        ConditionKind::Not(inner) => starts_atom(inner),
        ConditionKind::Group { inner, .. } => starts_atom(inner),
        ConditionKind::And(items) | ConditionKind::Or(items) => {
            items.first().is_some_and(starts_atom)
        }
        _ => false,
    }
}

/// Puts the items of an `and` (or `or`) the way the parser builds them: an
/// item that is an `and`/`or` (an `or`) gets parentheses, and so does an
/// item whose trailing `with` predicate would swallow the next item.
fn list_items(items: Vec<Condition>, is_or: bool) -> Vec<Condition> {
    let mut items: Vec<Condition> = items
        .into_iter()
        .map(|c| match c.kind {
            ConditionKind::Or(_) => cond_group(c),
            ConditionKind::And(_) if !is_or => cond_group(c),
            _ => c,
        })
        .collect();
    for k in 0..items.len() - 1 {
        if is_open(&items[k]) && starts_atom(&items[k + 1]) {
            items[k] = cond_group(items[k].clone());
        }
    }
    items
}

fn set_ref() -> BoxedStrategy<SetRef> {
    prop_oneof![
        1 => ident().prop_map(SetRefKind::Segment),
        1 => (string(), option::of(string()), option::of(select(vec![CsvKey::Id, CsvKey::Email])))
            .prop_map(|(path, column, key)| SetRefKind::Csv { path, column, key }),
    ]
    .prop_map(|kind| SetRef { kind, span: sp() })
    .boxed()
}

fn condition() -> BoxedStrategy<Condition> {
    let leaf = prop_oneof![
        3 => (atom(), any::<bool>()).prop_map(|(atom, have)| cond(ConditionKind::Profile { atom, have })),
        1 => set_ref().prop_map(|s| cond(ConditionKind::InSet(s))),
        4 => behavior().prop_map(|b| cond(ConditionKind::Behavior(b))),
    ];
    leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4)
                .prop_map(|items| cond(ConditionKind::And(list_items(items, false)))),
            vec(inner.clone(), 2..4)
                .prop_map(|items| cond(ConditionKind::Or(list_items(items, true)))),
            inner.clone().prop_map(|c| {
                let c = match c.kind {
                    ConditionKind::And(_) | ConditionKind::Or(_) => cond_group(c),
                    _ => c,
                };
                cond(ConditionKind::Not(Box::new(c)))
            }),
            (inner, option::of(range())).prop_map(|(c, range)| cond(ConditionKind::Group {
                inner: Box::new(c),
                range
            })),
        ]
    })
    .boxed()
}

fn audience() -> impl Strategy<Value = Audience> {
    select(vec![Audience::Users, Audience::Accounts])
}

fn segment() -> BoxedStrategy<Segment> {
    // The segment-wide range only comes after `where ...`.
    let who =
        (condition(), option::of((pred(), option::of(range())))).prop_map(|(condition, filter)| {
            let (filter, range) = match filter {
                Some((p, r)) => (Some(p), r),
                None => (None, None),
            };
            SegmentBody::Who {
                condition,
                filter,
                range,
            }
        });
    let set =
        (set_ref(), option::of(pred())).prop_map(|(set, filter)| SegmentBody::In { set, filter });
    (audience(), prop_oneof![3 => who, 1 => set])
        .prop_map(|(audience, body)| Segment {
            audience,
            audience_span: sp(),
            body,
            span: sp(),
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Analyses and statements
// ---------------------------------------------------------------------------

fn seg_ref() -> BoxedStrategy<SegRef> {
    prop_oneof![
        ident().prop_map(SegRefKind::Named),
        segment().prop_map(|s| SegRefKind::Inline(Box::new(s))),
    ]
    .prop_map(|kind| SegRef { kind, span: sp() })
    .boxed()
}

fn funnel() -> BoxedStrategy<Funnel> {
    (
        steps(2),
        option::of(within()),
        option::of(seg_ref()),
        vec(seg_ref(), 0..3),
        option::of(ident()),
        option::of(range()),
    )
        .prop_map(|(steps, within, scope, compare, by, range)| Funnel {
            steps,
            within,
            scope,
            compare,
            by,
            range,
        })
        .boxed()
}

fn retention() -> BoxedStrategy<Retention> {
    (
        step(),
        step(),
        option::of(select(vec![Period::Day, Period::Week, Period::Month])),
        option::of(count_value()),
        option::of(seg_ref()),
        option::of(ident()),
        option::of(range()),
    )
        .prop_map(
            |(start, returning, every, periods, scope, by, range)| Retention {
                start,
                returning,
                every,
                periods,
                scope,
                by,
                range,
            },
        )
        .boxed()
}

fn paths() -> BoxedStrategy<Paths> {
    (
        option::of(step()),
        option::of(step()),
        option::of(positive()),
        option::of(positive()),
        option::of(seg_ref()),
        option::of(range()),
    )
        .prop_map(|(from, to, depth, top, scope, range)| Paths {
            from,
            to,
            depth,
            top,
            scope,
            range,
        })
        .boxed()
}

fn measure() -> BoxedStrategy<Measure> {
    prop_oneof![
        Just(MeasureKind::Events),
        Just(MeasureKind::Users),
        Just(MeasureKind::Sessions),
        step().prop_map(MeasureKind::Count),
    ]
    .prop_map(|kind| Measure { kind, span: sp() })
    .boxed()
}

fn explore() -> BoxedStrategy<Explore> {
    (
        vec(measure(), 1..4),
        vec(ident(), 0..3),
        option::of(duration()),
        option::of(seg_ref()),
        option::of(positive()),
        option::of(range()),
    )
        .prop_map(|(measures, by, every, scope, top, range)| Explore {
            measures,
            by,
            every,
            scope,
            top,
            range,
        })
        .boxed()
}

fn statement() -> BoxedStrategy<Statement> {
    prop_oneof![
        2 => (ident(), segment()).prop_map(|(name, segment)| StatementKind::Define(SegmentDef { name, segment })),
        3 => segment().prop_map(StatementKind::Segment),
        1 => funnel().prop_map(StatementKind::Funnel),
        1 => retention().prop_map(StatementKind::Retention),
        1 => paths().prop_map(StatementKind::Paths),
        1 => explore().prop_map(StatementKind::Explore),
    ]
    .prop_map(|kind| Statement { kind, span: sp() })
    .boxed()
}

// ---------------------------------------------------------------------------
// Property 1: print -> parse is the identity
// ---------------------------------------------------------------------------

fn one_line(statements: &[Statement]) -> String {
    statements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn pretty(statements: &[Statement]) -> String {
    statements
        .iter()
        .map(|s| format!("{s:#}"))
        .collect::<Vec<_>>()
        .join(";\n")
}

fn parse_ok(text: &str) -> Result<Program, TestCaseError> {
    parse(text).map_err(|diagnostics| {
        let messages: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{} at {:?}: {}", d.code, d.span, d.message))
            .collect();
        TestCaseError::fail(format!(
            "text does not parse:\n{text}\n{}",
            messages.join("\n")
        ))
    })
}

/// What may stand where the printer puts one space: blanks, and comments of
/// both styles (which may follow a token directly).
const BLANKS: &[&str] = &[
    " ",
    "  ",
    "\n",
    "\t",
    "\r\n",
    "\n\n  ",
    " # comment\n",
    "# comment\n",
    " -- comment\n",
    "-- comment\n",
    "#\n",
    "--\n",
];

/// `text` with each space outside strings and back quotes replaced by the
/// next of `blanks`, in turn.
fn respace(text: &str, blanks: &[&str]) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut k = 0;
    for c in text.chars() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '`' => quote = Some(c),
            None if c == ' ' => {
                out.push_str(blanks[k % blanks.len()]);
                k += 1;
                continue;
            }
            None => {}
        }
        out.push(c);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases(1000)))]

    #[test]
    fn printed_trees_parse_back(
        statements in vec(statement(), 1..4),
        blanks in vec(select(BLANKS), 1..8),
    ) {
        let text = one_line(&statements);
        let program = parse_ok(&text)?;
        prop_assert_eq!(&program.statements, &statements, "one-line text:\n{}", text);

        let text = pretty(&statements);
        let program = parse_ok(&text)?;
        prop_assert_eq!(&program.statements, &statements, "pretty text:\n{}", text);

        let formatted = format_program(&program, &text);
        let reparsed = parse_ok(&formatted)?;
        prop_assert_eq!(&reparsed.statements, &statements, "formatted text:\n{}", formatted);
        prop_assert_eq!(format_program(&reparsed, &formatted), formatted);

        // Blanks and comments may stand wherever a space may.
        let text = respace(&one_line(&statements), &blanks);
        let program = parse_ok(&text)?;
        prop_assert_eq!(&program.statements, &statements, "text with blanks and comments:\n{}", text);
    }
}

/// Texts the properties above once found wrongly rejected.
#[test]
fn regressions_found_by_the_properties() {
    for text in [
        // A profile test with `like` right after `who`/`and` is not a
        // misspelled behavior.
        r#"users who email like "%@example.com""#,
        r#"users who viewed "/a" and email not like "%@example.com" or email like "x%""#,
        // A comment may follow a date or timestamp directly.
        "users who signup = 2026-01-31-- a comment\n and plan = \"pro\"",
        "users who viewed \"/a\" since 2026-01-31T10:00:00Z--c\n",
    ] {
        let program = parse(text).unwrap_or_else(|d| panic!("{text:?} does not parse: {d:?}"));
        for statement in &program.statements {
            let printed = statement.to_string();
            let reparsed = parse(&printed).expect("the printed statement parses");
            assert_eq!(
                reparsed.statements,
                std::slice::from_ref(statement),
                "{printed}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The generator covers the grammar
// ---------------------------------------------------------------------------

/// The grammar features a tree uses, by name.
#[derive(Default)]
struct Seen(BTreeSet<&'static str>);

impl Seen {
    fn add(&mut self, feature: &'static str) {
        self.0.insert(feature);
    }

    fn statement(&mut self, s: &Statement) {
        match &s.kind {
            StatementKind::Define(def) => {
                self.add("statement: segment definition");
                self.ident(&def.name);
                self.segment(&def.segment);
            }
            StatementKind::Segment(segment) => {
                self.add("statement: segment");
                self.segment(segment);
            }
            StatementKind::Funnel(f) => {
                self.add("statement: funnel");
                self.steps(&f.steps);
                f.within
                    .iter()
                    .for_each(|w| self.within(w, "funnel within"));
                f.scope.iter().for_each(|s| self.seg_ref(s, "funnel for"));
                f.compare
                    .iter()
                    .for_each(|s| self.seg_ref(s, "funnel compare"));
                if f.compare.len() > 1 {
                    self.add("funnel compare list");
                }
                f.by.iter().for_each(|i| self.clause_ident(i, "funnel by"));
                f.range.iter().for_each(|r| self.range(r, "funnel range"));
            }
            StatementKind::Retention(r) => {
                self.add("statement: retention");
                self.step(&r.start);
                self.step(&r.returning);
                if let Some(every) = r.every {
                    self.add(match every {
                        Period::Day => "retention every day",
                        Period::Week => "retention every week",
                        Period::Month => "retention every month",
                    });
                }
                if r.periods.is_some() {
                    self.add("retention periods");
                }
                r.scope
                    .iter()
                    .for_each(|s| self.seg_ref(s, "retention for"));
                r.by.iter()
                    .for_each(|i| self.clause_ident(i, "retention by"));
                r.range
                    .iter()
                    .for_each(|x| self.range(x, "retention range"));
            }
            StatementKind::Paths(p) => {
                self.add("statement: paths");
                if let Some(from) = &p.from {
                    self.add("paths from");
                    self.step(from);
                }
                if let Some(to) = &p.to {
                    self.add("paths to");
                    self.step(to);
                }
                if p.depth.is_some() {
                    self.add("paths depth");
                }
                if p.top.is_some() {
                    self.add("paths top");
                }
                p.scope.iter().for_each(|s| self.seg_ref(s, "paths for"));
                p.range.iter().for_each(|r| self.range(r, "paths range"));
            }
            StatementKind::Explore(e) => {
                self.add("statement: explore");
                for m in &e.measures {
                    match &m.kind {
                        MeasureKind::Events => self.add("measure events"),
                        MeasureKind::Users => self.add("measure users"),
                        MeasureKind::Sessions => self.add("measure sessions"),
                        MeasureKind::Count(step) => {
                            self.add("measure count(step)");
                            self.step(step);
                        }
                    }
                }
                if e.measures.len() > 1 {
                    self.add("explore measure list");
                }
                e.by.iter().for_each(|i| self.clause_ident(i, "explore by"));
                if e.by.len() > 1 {
                    self.add("explore by list");
                }
                if let Some(every) = &e.every {
                    self.add("explore every");
                    self.unit(every.unit);
                }
                e.scope.iter().for_each(|s| self.seg_ref(s, "explore for"));
                if e.top.is_some() {
                    self.add("explore top");
                }
                e.range.iter().for_each(|r| self.range(r, "explore range"));
            }
        }
    }

    fn clause_ident(&mut self, ident: &Ident, clause: &'static str) {
        self.add(clause);
        self.ident(ident);
    }

    fn seg_ref(&mut self, s: &SegRef, clause: &'static str) {
        self.add(clause);
        match &s.kind {
            SegRefKind::Named(name) => {
                self.add("segment by name");
                self.ident(name);
            }
            SegRefKind::Inline(segment) => {
                self.add("inline segment");
                self.segment(segment);
            }
        }
    }

    fn segment(&mut self, s: &Segment) {
        self.add(match s.audience {
            Audience::Users => "audience users",
            Audience::Accounts => "audience accounts",
        });
        match &s.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                self.add("who");
                self.condition(condition);
                if let Some(filter) = filter {
                    self.add("who ... where");
                    self.pred(filter);
                }
                range
                    .iter()
                    .for_each(|r| self.range(r, "segment-wide range"));
            }
            SegmentBody::In { set, filter } => {
                self.add("in set");
                self.set_ref(set);
                if let Some(filter) = filter {
                    self.add("in set ... where");
                    self.pred(filter);
                }
            }
        }
    }

    fn set_ref(&mut self, s: &SetRef) {
        match &s.kind {
            SetRefKind::Segment(name) => {
                self.add("in segment");
                self.ident(name);
            }
            SetRefKind::Csv { path, column, key } => {
                self.add("in csv");
                self.string(&path.value);
                if column.is_some() {
                    self.add("csv column");
                }
                match key {
                    Some(CsvKey::Id) => self.add("csv by id"),
                    Some(CsvKey::Email) => self.add("csv by email"),
                    None => {}
                }
            }
        }
    }

    fn condition(&mut self, c: &Condition) {
        match &c.kind {
            ConditionKind::Or(items) => {
                self.add("condition or");
                items.iter().for_each(|c| self.condition(c));
            }
            ConditionKind::And(items) => {
                self.add("condition and");
                items.iter().for_each(|c| self.condition(c));
            }
            ConditionKind::Not(inner) => {
                self.add("condition not");
                self.condition(inner);
            }
            ConditionKind::Group { inner, range } => {
                self.add("condition (group)");
                range.iter().for_each(|r| self.range(r, "group range"));
                self.condition(inner);
            }
            ConditionKind::Profile { atom, have } => {
                self.add(if *have {
                    "profile test with have"
                } else {
                    "profile test"
                });
                self.atom(atom);
            }
            ConditionKind::InSet(set) => self.set_ref(set),
            ConditionKind::Behavior(b) => {
                self.add("behavior");
                if b.performed {
                    self.add("performed");
                }
                if b.steps.len() > 1 {
                    self.add("sequence");
                }
                self.steps(&b.steps);
                b.within
                    .iter()
                    .for_each(|w| self.within(w, "behavior within"));
                if let Some(count) = &b.count {
                    match &count.kind {
                        CountKind::AtLeast(_) => self.add("at least"),
                        CountKind::AtMost(_) => self.add("at most"),
                        CountKind::Exactly(_) => self.add("exactly"),
                        CountKind::Aggregate { func, column, .. } => {
                            self.add(match func {
                                AggregateFunc::Total => "total",
                                AggregateFunc::Average => "average",
                                AggregateFunc::Min => "min",
                                AggregateFunc::Max => "max",
                            });
                            self.ident(column);
                        }
                    }
                    if b.within.is_some() {
                        self.add("count and within");
                    }
                }
                b.range.iter().for_each(|r| self.range(r, "behavior range"));
            }
        }
    }

    fn steps(&mut self, steps: &[SeqStep]) {
        for s in steps {
            if s.negated {
                self.add("then not");
            }
            self.step(&s.step);
        }
    }

    fn step(&mut self, s: &Step) {
        let target = match &s.event.kind {
            EventKind::Viewed(t) => {
                self.add("viewed");
                Some(t)
            }
            EventKind::Action { target, clicked } => {
                self.add(if *clicked { "clicked" } else { "action" });
                Some(target)
            }
            EventKind::Error(t) => {
                self.add(if t.is_some() {
                    "error with target"
                } else {
                    "error"
                });
                t.as_ref()
            }
            EventKind::Named(t) => {
                self.add("event");
                Some(t)
            }
            EventKind::Any => {
                self.add("any event");
                None
            }
        };
        if let Some(t) = target {
            if t.like {
                self.add("like target");
            }
            self.string(&t.pattern.value);
        }
        if let Some(filter) = &s.filter {
            self.add("step with");
            self.pred(filter);
        }
    }

    fn within(&mut self, w: &Within, clause: &'static str) {
        self.add(clause);
        match &w.kind {
            WithinKind::Session => self.add("within session"),
            WithinKind::Duration(d) => {
                self.add("within duration");
                self.unit(d.unit);
            }
        }
    }

    fn range(&mut self, r: &Range, place: &'static str) {
        self.add(place);
        match &r.kind {
            RangeKind::Last { form, count, unit } => {
                self.add(match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                });
                if count.is_none() {
                    self.add("in the past/last without a count");
                }
                self.unit(*unit);
            }
            RangeKind::Since(d) => {
                self.add("since");
                self.date(d);
            }
            RangeKind::Before(d) => {
                self.add("before");
                self.date(d);
            }
            RangeKind::Between(a, b) => {
                self.add("between dates");
                self.date(a);
                self.date(b);
            }
        }
    }

    fn pred(&mut self, p: &Pred) {
        match &p.kind {
            PredKind::Or(items) => {
                self.add("pred or");
                items.iter().for_each(|p| self.pred(p));
            }
            PredKind::And(items) => {
                self.add("pred and");
                items.iter().for_each(|p| self.pred(p));
            }
            PredKind::Not(inner) => {
                self.add("pred not");
                self.pred(inner);
            }
            PredKind::Group(inner) => {
                self.add("pred (group)");
                self.pred(inner);
            }
            PredKind::Atom(atom) => self.atom(atom),
        }
    }

    fn atom(&mut self, a: &Atom) {
        self.ident(&a.column);
        match &a.kind {
            AtomKind::Compare { op, value } => {
                self.add(match op {
                    CmpOp::Eq => "cmp =",
                    CmpOp::NotEq => "cmp !=",
                    CmpOp::Lt => "cmp <",
                    CmpOp::LtEq => "cmp <=",
                    CmpOp::Gt => "cmp >",
                    CmpOp::GtEq => "cmp >=",
                });
                self.literal(value);
            }
            AtomKind::InList { negated, values } => {
                self.add(if *negated {
                    "not in (list)"
                } else {
                    "in (list)"
                });
                values.iter().for_each(|v| self.literal(v));
            }
            AtomKind::IsNull { negated } => {
                self.add(if *negated { "is not null" } else { "is null" })
            }
            AtomKind::Like { negated, pattern } => {
                self.add(if *negated { "not like" } else { "like" });
                self.string(&pattern.value);
            }
            AtomKind::Between { low, high } => {
                self.add("between values");
                self.literal(low);
                self.literal(high);
            }
            AtomKind::InThePast { last, count, unit } => {
                self.add(if *last {
                    "atom in the last"
                } else {
                    "atom in the past"
                });
                if count.is_none() {
                    self.add("atom in the past/last without a count");
                }
                self.unit(*unit);
            }
            AtomKind::Contains { needle } => {
                self.add("contains");
                self.string(&needle.value);
            }
        }
    }

    fn literal(&mut self, l: &Literal) {
        match &l.kind {
            LiteralKind::String(s) => {
                self.add("string literal");
                self.string(s);
            }
            LiteralKind::Number(n) => {
                self.add("number literal");
                if n.text.starts_with('-') {
                    self.add("negative number");
                }
                if n.text.contains('.') {
                    self.add("number with fraction");
                }
                if n.text.contains(['e', 'E']) {
                    self.add("number with exponent");
                }
            }
            LiteralKind::Date(d) => {
                self.add("date literal");
                self.date(d);
            }
            LiteralKind::Bool(true) => self.add("true"),
            LiteralKind::Bool(false) => self.add("false"),
            LiteralKind::Null => self.add("null"),
        }
    }

    fn date(&mut self, d: &Date) {
        self.add(if d.date_only { "date" } else { "timestamp" });
        if d.text.contains('.') {
            self.add("timestamp with fraction");
        }
    }

    fn string(&mut self, s: &str) {
        if s.contains(['"', '\\', '\n', '\t']) {
            self.add("string with escapes");
        }
        if !s.is_ascii() {
            self.add("string with unicode");
        }
    }

    fn ident(&mut self, i: &Ident) {
        if i.quoted {
            self.add("back-quoted name");
            if i.name.contains('`') {
                self.add("back-quoted name with a back quote");
            }
            if i.name.contains(' ') {
                self.add("back-quoted name with a space");
            }
            if i.name.starts_with('@') {
                self.add("back-quoted name like @usr.id");
            }
        } else {
            self.add("bare name");
            if i.name.contains('.') {
                self.add("dotted name");
            }
            if CONTEXTUAL.contains(&i.name.as_str()) {
                self.add("contextual keyword as a name");
            }
        }
    }

    fn unit(&mut self, unit: Unit) {
        self.add(match unit {
            Unit::Second => "unit second",
            Unit::Minute => "unit minute",
            Unit::Hour => "unit hour",
            Unit::Day => "unit day",
            Unit::Week => "unit week",
            Unit::Month => "unit month",
        });
    }
}

/// Every feature of the grammar, as [`Seen`] names them.
#[rustfmt::skip]
const FEATURES: &[&str] = &[
    "statement: segment definition", "statement: segment", "statement: funnel", "statement: retention",
    "statement: paths", "statement: explore",
    // segments
    "audience users", "audience accounts", "who", "who ... where", "segment-wide range", "in set",
    "in set ... where", "in segment", "in csv", "csv column", "csv by id", "csv by email",
    // conditions
    "condition or", "condition and", "condition not", "condition (group)", "group range", "profile test",
    "profile test with have", "behavior",
    // behaviors
    "performed", "sequence", "then not", "behavior within", "within session", "within duration", "at least",
    "at most", "exactly", "total", "average", "min", "max", "count and within", "behavior range", "viewed",
    "action", "clicked", "error", "error with target", "event", "any event", "like target", "step with",
    // ranges
    "during last", "during past", "in the past", "in the last", "in the past/last without a count", "since",
    "before", "between dates",
    // predicates
    "pred or", "pred and", "pred not", "pred (group)", "cmp =", "cmp !=", "cmp <", "cmp <=", "cmp >", "cmp >=",
    "in (list)", "not in (list)", "is null", "is not null", "like", "not like", "between values",
    "atom in the past", "atom in the last", "atom in the past/last without a count", "contains",
    // literals and names
    "string literal", "number literal", "negative number", "number with fraction", "number with exponent",
    "date literal", "true", "false", "null", "date", "timestamp", "timestamp with fraction",
    "string with escapes", "string with unicode", "bare name", "dotted name", "back-quoted name",
    "back-quoted name with a back quote", "back-quoted name with a space", "back-quoted name like @usr.id",
    "contextual keyword as a name", "unit second", "unit minute", "unit hour", "unit day", "unit week",
    "unit month",
    // analyses
    "funnel within", "funnel for", "funnel compare", "funnel compare list", "funnel by", "funnel range",
    "segment by name", "inline segment", "retention every day", "retention every week", "retention every month",
    "retention periods", "retention for", "retention by", "retention range", "paths from", "paths to",
    "paths depth", "paths top", "paths for", "paths range", "measure events", "measure users",
    "measure sessions", "measure count(step)", "explore measure list", "explore by", "explore by list",
    "explore every", "explore for", "explore top", "explore range",
];

#[test]
fn generator_covers_the_grammar() {
    let mut runner = TestRunner::deterministic();
    let strategy = statement();
    let mut seen = Seen::default();
    for _ in 0..600 {
        let tree = strategy
            .new_tree(&mut runner)
            .expect("the generator makes trees");
        seen.statement(&tree.current());
    }
    let missing: Vec<&str> = FEATURES
        .iter()
        .copied()
        .filter(|f| !seen.0.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "600 generated statements never use: {missing:?}"
    );
    let unlisted: Vec<&str> = seen
        .0
        .iter()
        .copied()
        .filter(|f| !FEATURES.contains(f))
        .collect();
    assert!(
        unlisted.is_empty(),
        "features missing from FEATURES: {unlisted:?}"
    );
}

// ---------------------------------------------------------------------------
// Property 2: no text makes the parser panic
// ---------------------------------------------------------------------------

/// Pieces of segql and of things that are almost segql.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    // reserved words and contextual keywords
    "and", "or", "not", "who", "where", "with", "then", "within", "have", "in", "is", "like", "between",
    "contains", "performed", "viewed", "action", "clicked", "error", "event", "any", "true", "false", "null",
    "users", "accounts", "segment", "csv", "column", "by", "id", "email", "during", "last", "past", "the",
    "since", "before", "session", "at", "least", "most", "exactly", "time", "times", "total", "average", "min",
    "max", "funnel", "compare", "for", "retention", "returning", "every", "periods", "day", "week", "month",
    "paths", "from", "to", "depth", "top", "explore", "events", "sessions", "count", "days", "m", "s", "WHO",
    "Viewed", "viewd", "actoin", "plan", "geo.country", "geo.", "a..b", ".x",
    // punctuation
    "(", ")", ";", ",", "=", "!=", "<", "<=", ">", ">=", "<>", "==", "!", ".", "+", "-", "*", "'",
    // literals, good and bad
    "\"/cart\"", "\"\"", "\"a\\\"b\"", "\"\\q\"", "\"\\", "\"open", "\"", "\"é日本🙂\"", "\u{201c}x\u{201d}",
    "`@usr.id`", "`odd``name`", "``", "`", "`open", "0", "7", "-3", "+2", "1.5", "1.", ".5", "1e6", "1e", "1e+",
    "18446744073709551616", "99999999999999999999999", "30m", "30 minutes", "2h", "0s", "3x", "2026-01-31",
    "2026-02-30", "2026-13-01", "2026-01-31T10:00:00Z", "2026-01-31T10:00:00.250Z", "2026-01-31T25:00:00Z",
    "2026-01-31T10:00", "2026-1-1", "0000-00-00",
    // comments and blanks
    "# comment\n", "-- comment\n", "#", "--", "---", "\n", "\t", "\r\n", " ", "é", "日本", "🙂", "\u{0}",
    "\u{feff}", "\u{2028}", "\\",
];

fn token_soup() -> impl Strategy<Value = String> {
    vec((select(TOKENS), select(vec!["", " ", " ", "\n"])), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(token, sep)| format!("{token}{sep}"))
            .collect()
    })
}

/// A valid program cut short at a random character, or with a random token
/// put in at a random place.
fn damaged_program() -> impl Strategy<Value = String> {
    (
        vec(statement(), 1..3),
        any::<prop::sample::Index>(),
        option::of(select(TOKENS)),
    )
        .prop_map(|(statements, at, token)| {
            let text = pretty(&statements);
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let at = boundaries[at.index(boundaries.len())];
            match token {
                Some(token) => format!("{}{token}{}", &text[..at], &text[at..]),
                None => text[..at].to_string(),
            }
        })
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => vec(any::<char>(), 0..40).prop_map(String::from_iter),
        3 => token_soup(),
        2 => damaged_program(),
    ]
}

fn check_span(text: &str, span: Span, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        span.start <= span.end && span.end <= text.len(),
        "{} span {:?} is outside the text (length {})",
        what,
        span,
        text.len()
    );
    prop_assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{} span {:?} is not on character boundaries",
        what,
        span
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases(2000)))]

    #[test]
    fn no_text_makes_the_parser_panic(text in any_text()) {
        let (program, diagnostics) = parse_lenient(&text);
        for d in &diagnostics {
            prop_assert!(d.is_error(), "a syntax diagnostic is an error: {:?}", d);
            prop_assert!(d.span.is_some(), "a syntax diagnostic has a place: {:?}", d);
            if let Some(span) = d.span {
                check_span(&text, span, "diagnostic")?;
            }
            for label in &d.labels {
                check_span(&text, label.span, "label")?;
            }
        }
        for s in &program.statements {
            check_span(&text, s.span, "statement")?;
        }
        for c in &program.comments {
            check_span(&text, c.span, "comment")?;
        }
        // Whatever parsed prints to text that parses back the same.
        for s in &program.statements {
            for printed in [s.to_string(), format!("{s:#}")] {
                let reparsed = parse_ok(&printed)?;
                prop_assert_eq!(&reparsed.statements, std::slice::from_ref(s), "printed:\n{}", printed);
            }
        }
        if diagnostics.is_empty() {
            let formatted = format_program(&program, &text);
            let reparsed = parse_ok(&formatted)?;
            prop_assert_eq!(&reparsed.statements, &program.statements, "formatted:\n{}", formatted);
            prop_assert_eq!(format_program(&reparsed, &formatted), formatted);
        }
    }
}

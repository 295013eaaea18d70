//! Strategies for the leaves of a syntax tree: words (reserved, contextual,
//! bare and back-quoted names), strings, numbers, dates, durations.

use crate::support::calendar::{days_from_civil, days_in_month};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use segql::syntax::*;

pub(super) fn sp() -> Span {
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
pub(super) const CONTEXTUAL: &[&str] = &[
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

pub(super) fn ident() -> BoxedStrategy<Ident> {
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

pub(super) fn string() -> BoxedStrategy<Str> {
    text().prop_map(|value| Str { value, span: sp() }).boxed()
}

pub(super) fn number() -> BoxedStrategy<Number> {
    prop_oneof![
        1 => select(vec!["-3", "1.5", "1e6", "0", "+2", "2.50", "1E-3", "007", "-0.25e+10", "18446744073709551616"])
            .prop_map(String::from),
        3 => "[+-]?[0-9]{1,6}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
    ]
    .prop_map(|text| Number { text, span: sp() })
    .boxed()
}

/// Whole numbers for counts, lengths, depth, top, periods.
pub(super) fn count_value() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..20, 3 => 0u64..100_000, 1 => Just(u64::MAX)]
}

/// `depth` and `top`: the parser rejects 0.
pub(super) fn positive() -> impl Strategy<Value = u64> {
    count_value().prop_map(|n| n.max(1))
}

/// A date (`2026-01-31`), a UTC timestamp (`2026-01-31T10:00:00.250Z`) or
/// a timestamp with an offset (`2026-01-31T10:00:00-05:30`), kept as
/// written.
pub(super) fn date() -> BoxedStrategy<Date> {
    // An offset in minutes east of UTC, or `Z`.
    let zone = option::of(-(14i64 * 60)..=14 * 60);
    let time = (0i64..24, 0i64..60, 0i64..60, option::of("[0-9]{1,6}"), zone);
    (1600i64..2400, 1u32..=12, 1i64..=31, option::of(time))
        .prop_map(|(year, month, day, time)| {
            // Days are counted the slow way, not with the parser's
            // algorithm, so that the two check each other.
            let day = day.min(days_in_month(year, month));
            let mut text = format!("{year:04}-{month:02}-{day:02}");
            let mut micros = days_from_civil(year, month, day as u32) * 86_400_000_000;
            if let Some((h, m, s, fraction, zone)) = &time {
                text.push_str(&format!("T{h:02}:{m:02}:{s:02}"));
                micros += ((h * 60 + m) * 60 + s) * 1_000_000;
                if let Some(fraction) = fraction {
                    text.push('.');
                    text.push_str(fraction);
                    let padded = format!("{fraction:0<6}");
                    micros += padded.parse::<i64>().expect("digits");
                }
                match zone {
                    None => text.push('Z'),
                    Some(east) => {
                        let sign = if *east < 0 { '-' } else { '+' };
                        let (h, m) = (east.abs() / 60, east.abs() % 60);
                        text.push_str(&format!("{sign}{h:02}:{m:02}"));
                        micros -= east * 60_000_000;
                    }
                }
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

pub(super) fn literal() -> BoxedStrategy<Literal> {
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

pub(super) fn unit() -> impl Strategy<Value = Unit> {
    select(vec![
        Unit::Second,
        Unit::Minute,
        Unit::Hour,
        Unit::Day,
        Unit::Week,
        Unit::Month,
    ])
}

pub(super) fn duration() -> BoxedStrategy<Duration> {
    (count_value(), unit())
        .prop_map(|(count, unit)| Duration {
            count,
            unit,
            span: sp(),
        })
        .boxed()
}

pub(super) fn cmp_op() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::NotEq,
        CmpOp::Lt,
        CmpOp::LtEq,
        CmpOp::Gt,
        CmpOp::GtEq,
    ])
}

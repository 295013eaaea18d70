//! Property 2: no text makes the parser panic, every diagnostic points
//! inside the text on character boundaries, and whatever parses
//! round-trips.

use super::trees::statement;
use super::{parse_ok, pretty};
use crate::support::proptest_cases;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use segql::syntax::*;

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

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
//!
//! - `leaves`: strategies for words, names, literals, durations;
//! - `trees`: strategies for predicates, behaviors, segments, analyses and
//!   statements;
//! - this module: property 1; `no_panic`: property 2; `coverage`: the
//!   generator reaches every production.

mod coverage;
mod leaves;
mod no_panic;
mod trees;

use crate::support::proptest_cases;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use segql::syntax::*;
use trees::statement;

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

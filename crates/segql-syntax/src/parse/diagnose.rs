//! From a parse failure to the diagnostic a user reads: "expected X, found
//! Y", with a caret under what was found and a hint where the mistake is a
//! known one (a reserved word as a name, a misspelled keyword, the wrong
//! quotes, a date written another way, a string closed too early).

use super::PError;
use crate::diagnostic::{Diagnostic, codes, did_you_mean, quoted};
use crate::lexer::{describe_token, is_reserved, line_end, quoted_end, starts_comment};
use crate::span::Span;
use std::borrow::Cow;

/// Turns a parse failure into a diagnostic: "expected X, found Y", with a
/// caret under the token found and a hint where one helps.
pub fn to_diagnostic(source: &str, err: PError) -> Diagnostic {
    if let Some(custom) = err.custom {
        return *custom;
    }
    if let Some(diagnostic) = string_closed_too_early(source, err.offset) {
        return diagnostic;
    }
    let (found, span) = describe_token(source, err.offset);
    let expected = if err.expected.is_empty() {
        "something else".to_string()
    } else {
        join_alternatives(&err.expected)
    };
    let word = &source[span.start..span.end];
    let is_word = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let reserved = is_word && is_reserved(word) && expected.contains("name");
    let (code, message) = if reserved {
        (
            codes::RESERVED_WORD,
            format!(
                "expected {expected}, found the reserved word `{}`",
                word.to_lowercase()
            ),
        )
    } else {
        (codes::SYNTAX, format!("expected {expected}, found {found}"))
    };
    let mut diagnostic = Diagnostic::error(code, message).with_span(span);
    // A long expectation is already in the message; repeating it under the
    // caret only adds noise.
    if expected.chars().count() <= 48 {
        diagnostic = diagnostic.with_label(format!("expected {expected}"));
    }
    let keywords = expected_keywords(&err.expected);
    let first = word.chars().next();
    if reserved {
        let lower = word.to_lowercase();
        diagnostic = diagnostic.with_help(format!(
            "`{lower}` is a reserved word; back-quote it to use it as a name: `` `{word}` ``"
        ));
    } else if let Some(suggestion) = is_word
        .then(|| did_you_mean(word, keywords.iter().copied()))
        .flatten()
    {
        diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        diagnostic.code = codes::UNKNOWN_KEYWORD;
    } else if let Some((help, len)) = quote_help(source, span.start) {
        diagnostic = diagnostic.with_help(help);
        diagnostic.span = Some(Span::new(span.start, span.start + len));
    } else if expected.contains("quoted") && first.is_some_and(|c| c != '"' && c != '`') {
        let text: String = source[span.start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | ')' | ','))
            .collect();
        let what = if text.starts_with('/') {
            "the path"
        } else {
            "the text"
        };
        if !text.is_empty() && !first.is_some_and(|c| c.is_ascii_digit()) {
            diagnostic = diagnostic.with_help(format!(
                "put {what} in double quotes: \"{}\"",
                quoted(&text)
            ));
            diagnostic.span = Some(Span::new(span.start, span.start + text.len()));
        }
    } else if expected.contains("a date") {
        diagnostic = diagnostic.with_help(date_help(word));
    } else if expected.starts_with("a condition") {
        diagnostic = diagnostic.with_help(CONDITION_HELP);
    } else if word == "=" && expected.contains("comparison") {
        diagnostic = diagnostic.with_help("compare with `=`, `!=`, `<`, `<=`, `>` or `>=`");
    }
    // The caret grew to cover the whole mis-quoted text: show all of it.
    if let Some(wider) = diagnostic.span
        && wider.range() != span.range()
        && !reserved
    {
        diagnostic.message = format!(
            "expected {expected}, found `{}`",
            quoted(&source[wider.range()])
        );
    }
    diagnostic
}

const CONDITION_HELP: &str = "a condition is a behavior such as `viewed \"/cart\"`, a profile test \
     such as `plan = \"pro\"`, `in segment NAME`, or one of these after `not` or in parentheses";

/// The keywords an expectation names before any "after ..." or "such as
/// ...": `who` and `in` in "`who` or `in` after the audience".
fn expected_keywords<'e>(expected: &'e [Cow<'static, str>]) -> Vec<&'e str> {
    let mut keywords = Vec::new();
    for e in expected {
        let head = [
            " after ",
            ", such as ",
            " such as ",
            " as in ",
            " to ",
            " and ",
        ]
        .iter()
        .filter_map(|sep| e.find(sep))
        .min()
        .map_or(e.as_ref(), |n| &e[..n]);
        keywords.extend(
            head.split('`')
                .skip(1)
                .step_by(2)
                .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic())),
        );
    }
    keywords
}

/// A hint for text quoted the wrong way: single quotes, or the typographic
/// quotes a word processor puts in; with the length of the quoted text.
fn quote_help(source: &str, at: usize) -> Option<(String, usize)> {
    let rest = &source[at..];
    let first = rest.chars().next()?;
    let (typographic, close): (bool, &[char]) = match first {
        '\'' => (false, &['\'']),
        '\u{201c}' | '\u{201d}' | '\u{201e}' => (true, &['\u{201c}', '\u{201d}']),
        '\u{2018}' | '\u{2019}' => (true, &['\u{2018}', '\u{2019}', '\'']),
        _ => return None,
    };
    let inner = &rest[first.len_utf8()..];
    let line = &inner[..inner.find('\n').unwrap_or(inner.len())];
    let text = line.find(close).map(|n| &line[..n]);
    let example = text.map_or("\"like this\"".to_string(), |t| {
        format!("\"{}\"", quoted(t))
    });
    let len = match text {
        Some(t) => {
            let closing = inner[t.len()..].chars().next().map_or(0, char::len_utf8);
            first.len_utf8() + t.len() + closing
        }
        None => first.len_utf8(),
    };
    let help = if typographic {
        format!(
            "this is a typographic quote (as a word processor writes them); \
             segql strings use straight double quotes: {example}"
        )
    } else {
        format!("strings are written in double quotes: {example}")
    };
    Some((help, len))
}

/// How to write a date, with the user's `01/31/2026` rewritten when it can
/// be read one way only.
fn date_help(found: &str) -> String {
    let parts: Vec<&str> = found.split(['/', '.']).collect();
    if let [a, b, y] = parts[..]
        && y.len() == 4
        && let (Ok(a), Ok(b), Ok(y)) = (a.parse::<u32>(), b.parse::<u32>(), y.parse::<u32>())
    {
        let (month, day) = match (a, b) {
            (1..=12, 13..=31) => (a, b),
            (13..=31, 1..=12) => (b, a),
            _ => (0, 0),
        };
        if month > 0 {
            return format!("dates are written year-month-day: {y:04}-{month:02}-{day:02}");
        }
    }
    "dates are written year-month-day, e.g. 2026-01-31, or 2026-01-31T10:00:00Z for a time"
        .to_string()
}

/// A word glued to the closing quote of a string where the parser stopped
/// (`viewed "/cart and action "CHECKOUT"`) is the mark of a string whose
/// closing quote is missing: the string ran on to the next quote. Says so,
/// instead of complaining about the word.
fn string_closed_too_early(source: &str, at: usize) -> Option<Diagnostic> {
    let glued = at > 0
        && source.as_bytes()[at - 1] == b'"'
        && source[at..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/');
    if !glued {
        return None;
    }
    let string = string_ending_at(source, at)?;
    let content = &source[string.start + 1..string.end - 1];
    let (_, word) = describe_token(source, at);
    let mut d = Diagnostic::error(
        codes::UNTERMINATED_STRING,
        "a string seems to be missing its closing quote",
    )
    .with_span(string)
    .with_label("read as one string, up to the next quote")
    .with_secondary(word, "so this is outside any string");
    if let Some(space) = content.find(char::is_whitespace)
        && space > 0
    {
        d = d.with_help(format!(
            "close the string where it ends, e.g. `\"{}\"`",
            quoted(&content[..space])
        ));
    } else {
        d = d.with_help("check the quotes: every string needs an opening and a closing `\"`");
    }
    Some(d)
}

/// The span of the string literal that ends at byte `end`, if any (strings,
/// back quotes and comments are scanned from the start of the text).
fn string_ending_at(source: &str, end: usize) -> Option<Span> {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'"' | b'`' => {
                let (quote, start) = (bytes[i], i);
                i = quoted_end(bytes, i, quote == b'"') + 1;
                if quote == b'"' && i == end {
                    return Some(Span::new(start, end));
                }
            }
            _ if starts_comment(bytes, i) => i = line_end(bytes, i),
            _ => i += 1,
        }
    }
    None
}

fn join_alternatives(items: &[Cow<'static, str>]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|s| s.as_ref()).collect();
            format!("{} or {}", init.join(", "), last)
        }
    }
}

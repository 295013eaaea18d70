//! The grammar of LANGUAGE.md §3–§5 as nom parsers, one function per
//! production of `grammar/segql.ebnf`.
//!
//! Parsers commit with [`cut`] once a keyword leaves no other reading, so the
//! message a user sees is the precise one ("expected a quoted page path after
//! `viewed`") rather than whatever the last alternative of an `alt` said.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, codes, did_you_mean, quoted};
use crate::lexer::*;
use crate::span::Span;
use nom::Input as _;
use std::borrow::Cow;

/// How deeply parentheses and `not`s may nest. Deeper input gets a
/// diagnostic instead of exhausting the stack.
pub const MAX_DEPTH: usize = 48;

/// Parses a whole program. Any syntax error makes the result `Err`, with one
/// diagnostic per statement that could not be parsed.
pub fn parse(source: &str) -> Result<Program, Vec<Diagnostic>> {
    let (program, diagnostics) = parse_lenient(source);
    if diagnostics.is_empty() {
        Ok(program)
    } else {
        Err(diagnostics)
    }
}

/// `program := [ statement { ";" statement } [ ";" ] ]`
///
/// Parses what it can: the statements that parse, and a diagnostic for each
/// that does not. After an error the parser resumes after the next `;`.
pub fn parse_lenient(source: &str) -> (Program, Vec<Diagnostic>) {
    let mut statements = Vec::new();
    let mut diagnostics = Vec::new();
    let comments = parse_each(source, |parsed| {
        match parsed {
            Ok(statement) => statements.push(statement),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
        std::ops::ControlFlow::Continue(())
    });
    let program = Program {
        statements,
        comments,
    };
    (program, diagnostics)
}

/// [`parse_lenient`] one statement at a time: `each` gets every statement
/// (or the diagnostic of one that does not parse) in order, with spans into
/// `source`, and may stop early. Nothing but the text's comments, which are
/// returned, is kept: a text of millions of statements is parsed in the
/// memory of its largest one.
pub fn parse_each(
    source: &str,
    mut each: impl FnMut(Result<Statement, Diagnostic>) -> std::ops::ControlFlow<()>,
) -> Vec<Comment> {
    let state = State::new(source);
    let input = Input::new_extra(source, &state);
    let (mut i, ()) = ws(input).expect("skipping blanks cannot fail");
    // A `;` ends a statement: one with no statement before it (a leading
    // `;`, or `;;`) is an empty statement, which the grammar has not.
    let mut after_statement = false;
    while !i.fragment().is_empty() {
        if let Ok((rest, span)) = sym(";")(i) {
            if !after_statement {
                let d = Diagnostic::error(codes::SYNTAX, "expected a statement before `;`")
                    .with_span(span)
                    .with_label("no statement ends here")
                    .with_help("remove this `;`: statements are separated by one `;`");
                if each(Err(d)).is_break() {
                    break;
                }
            }
            after_statement = false;
            i = rest;
            continue;
        }
        after_statement = false;
        state.depth.set(0);
        let parsed = match statement_then_end(i) {
            Ok((rest, stmt)) => {
                i = rest;
                after_statement = true;
                Ok(stmt)
            }
            Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => {
                let resume = resume_after_semicolon(source, e.offset);
                let d = to_diagnostic(source, e);
                i = input.take_from(resume);
                let (rest, ()) = ws(i).expect("skipping blanks cannot fail");
                i = rest;
                Err(d)
            }
            Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers only"),
        };
        if each(parsed).is_break() {
            break;
        }
    }
    state.comments.clone()
}

/// A statement followed by `;` or the end of the text.
fn statement_then_end(i: Input) -> PResult<Statement> {
    let (rest, stmt) = statement(i)?;
    if rest.fragment().is_empty() || rest.fragment().starts_with(';') {
        return Ok((rest, stmt));
    }
    Err(nom::Err::Failure(end_of_statement_error(&rest, &stmt)))
}

fn end_of_statement_error(rest: &Input, stmt: &Statement) -> PError {
    let at = offset(rest);
    let starts_statement = [
        "segment",
        "users",
        "accounts",
        "funnel",
        "retention",
        "paths",
        "explore",
    ]
    .iter()
    .any(|w| at_keyword(rest, w));
    let mut err = PError::expected(at, "`;` or the end of the statement");
    let segment = matches!(
        stmt.kind,
        StatementKind::Segment(_) | StatementKind::Define(_)
    );
    if let Some(diagnostic) = misplaced_tail(rest, segment) {
        err.custom = Some(Box::new(diagnostic));
    } else if starts_statement {
        let (found, span) = describe_token(rest.extra.source, at);
        err.custom = Some(Box::new(
            Diagnostic::error(
                codes::MISSING_SEMICOLON,
                format!("expected `;` before {found}"),
            )
            .with_span(span)
            .with_label("a new statement starts here")
            .with_secondary(stmt.span, "the previous statement")
            .with_help("separate statements with `;`"),
        ));
    }
    err
}

/// What a statement that ended too early is followed by, when that says
/// what went wrong: a stray `)`, a second range, a count written in words,
/// a `with` or `then` after the modifiers of a behavior.
fn misplaced_tail(rest: &Input, segment: bool) -> Option<Diagnostic> {
    let at = offset(rest);
    let source = rest.extra.source;
    let (found, span) = describe_token(source, at);
    let expected = |help: &str| {
        Diagnostic::error(
            codes::SYNTAX,
            format!("expected `;` or the end of the statement, found {found}"),
        )
        .with_span(span)
        .with_help(help.to_string())
    };
    if rest.fragment().starts_with(')') {
        return Some(
            Diagnostic::error(codes::SYNTAX, "this `)` closes no parenthesis")
                .with_span(span)
                .with_label("no `(` is open here")
                .with_help("remove it, or add the `(` where the group starts"),
        );
    }
    let bytes = source.as_bytes();
    let digit_at = |n: usize| bytes.get(n).is_some_and(u8::is_ascii_digit);
    if rest.fragment().starts_with(',') && at > 0 && digit_at(at - 1) && digit_at(at + 1) {
        let start = source[..at]
            .rfind(|c: char| !c.is_ascii_digit() && c != ',')
            .map_or(0, |n| n + 1);
        let end = at
            + source[at..]
                .find(|c: char| !c.is_ascii_digit() && c != ',')
                .unwrap_or(source.len() - at);
        let number = &source[start..end];
        return Some(
            Diagnostic::error(
                codes::INVALID_NUMBER,
                format!("`{}` is not a number segql can read", quoted(number)),
            )
            .with_span(Span::new(start, end))
            .with_label("a comma inside a number")
            .with_help(format!(
                "write numbers without thousands separators: {}",
                quoted(&number.replace(',', ""))
            )),
        );
    }
    match range(*rest) {
        Ok((after, _)) => {
            let range_span = span_from(at, &after);
            return Some(
                Diagnostic::error(codes::SYNTAX, "a second range cannot follow here")
                    .with_span(range_span)
                    .with_label("a second range")
                    .with_help(
                        "a behavior or a group takes one range; for a period between two dates \
                         write `between 2026-01-01 and 2026-02-01`",
                    ),
            );
        }
        Err(nom::Err::Failure(e)) => return Some(to_diagnostic(source, e)),
        Err(_) => {}
    }
    let word = peek_word(rest).to_ascii_lowercase();
    let d = match word.as_str() {
        "more" | "less" | "fewer" | "over" | "under" | "greater" | "times" => expected(
            "counts are written `at least 4 times`, `at most 2 times` or `exactly 3 times`",
        )
        .with_label("not a count"),
        "with" => expected(
            "a `with` filter comes right after its event, before counts, `within` and ranges: \
             `action \"export\" with format = \"csv\" at least 2 times`",
        )
        .with_label("this `with` comes too late"),
        "then" => expected(
            "counts, `within` and ranges come after the last step of a sequence: \
             `viewed \"/cart\" then action \"CHECKOUT\" within 1 hour during last 7 days`",
        )
        .with_label("a step after the end of the behavior"),
        "within" | "at" | "exactly" => expected(
            "a behavior takes at most one `within` and one count, after its steps and before \
             its range: `action \"export\" at least 2 times within 1 day during last 30 days`",
        )
        .with_label("not expected here"),
        "viewed" | "action" | "clicked" | "error" | "event" | "any" | "performed" | "have"
        | "not" | "in"
            if segment =>
        {
            Diagnostic::error(
                codes::SYNTAX,
                format!("expected `and`, `or` or `then` before {found}"),
            )
            .with_span(span)
            .with_label("a new condition, but nothing joins it to the one before")
            .with_help(
                "join two conditions with `and` or `or`, and the steps of a sequence with `then`: \
                 `viewed \"/cart\" and action \"CHECKOUT\"`",
            )
        }
        _ => return None,
    };
    Some(d)
}

/// Byte offset just after the first `;` at or after `from` that is outside
/// strings and comments, or the end of the text.
fn resume_after_semicolon(source: &str, from: usize) -> usize {
    let bytes = source.as_bytes();
    let mut i = from.min(bytes.len());
    // Start scanning from the beginning of the token the error is at, so a
    // string that opens there is skipped as a whole.
    while i < bytes.len() {
        match bytes[i] {
            b';' => return i + 1,
            b'"' | b'`' => {
                let (quote, start) = (bytes[i], i);
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if bytes.get(i) != Some(&quote) {
                    // A string the line ends in is no string: its `;` most
                    // likely ends the statement whose closing quote is missing.
                    if let Some(semicolon) = source[start..i.min(bytes.len())].find(';') {
                        return start + semicolon + 1;
                    }
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Words that may start a statement, for "did you mean".
const STATEMENT_WORDS: &[&str] = &[
    "segment",
    "users",
    "accounts",
    "funnel",
    "retention",
    "paths",
    "explore",
];

/// Words that may start a condition, for "did you mean".
const CONDITION_WORDS: &[&str] = &[
    "viewed",
    "action",
    "clicked",
    "error",
    "event",
    "any",
    "performed",
    "not",
    "have",
    "in",
];

/// Turns a parse failure into a diagnostic: "expected X, found Y", with a
/// caret under the token found and a hint where one helps.
pub(crate) fn to_diagnostic(source: &str, err: PError) -> Diagnostic {
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
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    if quote == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                if quote == b'"' && i == end {
                    return Some(Span::new(start, end));
                }
            }
            b'#' => i = source[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = source[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
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

/// Runs `parser` one nesting level deeper, failing with a diagnostic past
/// [`MAX_DEPTH`].
fn nested<'a, O>(i: Input<'a>, parser: impl FnOnce(Input<'a>) -> PResult<'a, O>) -> PResult<'a, O> {
    let depth = &i.extra.depth;
    if depth.get() >= MAX_DEPTH {
        let at = offset(&i);
        return failure(
            at,
            Diagnostic::error(
                codes::TOO_DEEP,
                format!("parentheses and `not` nest more than {MAX_DEPTH} levels deep here"),
            )
            .with_span(Span::new(at, at + 1))
            .with_label("too deep")
            .with_help("simplify the expression, or split it into named segments"),
        );
    }
    depth.set(depth.get() + 1);
    let result = parser(i);
    depth.set(depth.get() - 1);
    result
}

// ---------------------------------------------------------------------------
// Statements

/// `statement := segment_def | segment | funnel | retention | paths | explore`
fn statement(i: Input) -> PResult<Statement> {
    let start = offset(&i);
    let word = peek_word(&i);
    let (rest, kind) = match word.to_ascii_lowercase().as_str() {
        "segment" => {
            let (rest, def) = segment_def(i)?;
            (rest, StatementKind::Define(def))
        }
        "users" | "accounts" => {
            let (rest, seg) = segment(i)?;
            (rest, StatementKind::Segment(seg))
        }
        "funnel" => {
            let (rest, f) = funnel(i)?;
            (rest, StatementKind::Funnel(f))
        }
        "retention" => {
            let (rest, r) = retention(i)?;
            (rest, StatementKind::Retention(r))
        }
        "paths" => {
            let (rest, p) = paths(i)?;
            (rest, StatementKind::Paths(p))
        }
        "explore" => {
            let (rest, e) = explore(i)?;
            (rest, StatementKind::Explore(e))
        }
        _ => return Err(nom::Err::Failure(statement_start_error(&i))),
    };
    Ok((
        rest,
        Statement {
            kind,
            span: span_from(start, &rest),
        },
    ))
}

fn statement_start_error(i: &Input) -> PError {
    let at = offset(i);
    let mut err = PError::expected(at, "a statement");
    let (found, span) = describe_token(i.extra.source, at);
    let word = peek_word(i);
    let mut diagnostic = Diagnostic::error(
        codes::SYNTAX,
        format!("expected a statement, found {found}"),
    )
    .with_span(span)
    .with_label("a statement starts with `users`, `accounts`, `segment`, `funnel`, `retention`, `paths` or `explore`");
    if let Some(s) = did_you_mean(word, STATEMENT_WORDS.iter().copied()) {
        diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
        diagnostic.code = codes::UNKNOWN_KEYWORD;
    } else if CONDITION_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        diagnostic = diagnostic.with_help(format!(
            "a segment names its audience first: `users who {word} ...`"
        ));
    }
    err.custom = Some(Box::new(diagnostic));
    err
}

/// `segment_def := "segment" IDENT "=" segment`
fn segment_def(i: Input) -> PResult<SegmentDef> {
    let (i, _) = kw("segment")(i)?;
    let (i, name) = cut(expecting("a segment name after `segment`", ident))(i)?;
    let (i, _) = cut(expecting("`=` after the segment name", sym("=")))(i)?;
    let (i, segment) = cut(expecting(
        "`users` or `accounts` to start the segment",
        segment,
    ))(i)?;
    Ok((i, SegmentDef { name, segment }))
}

/// `segment := audience "who" condition [ "where" pred [ range ] ] | audience "in" set_ref [ "where" pred ]`
pub(crate) fn segment(i: Input) -> PResult<Segment> {
    let start = offset(&i);
    let (i, (audience, audience_span)) = audience(i)?;
    if let Ok((i, _)) = kw("in")(i) {
        let (i, set) = cut(set_ref)(i)?;
        let (i, filter) = where_clause(i)?;
        if let Ok((after, _)) = range(i) {
            let d = Diagnostic::error(
                codes::RANGE_GOVERNS_NOTHING,
                "a range cannot follow `in segment` or `in csv`",
            )
            .with_span(span_from(offset(&i), &after))
            .with_label("governs nothing")
            .with_secondary(set.span, "a set of members, not a behavior")
            .with_help(
                "a range limits behaviors; a segment used with `in` means what its definition \
                 says: put the range in that definition, or write `users who ...` with a behavior",
            );
            return failure(offset(&i), d);
        }
        let body = SegmentBody::In { set, filter };
        return Ok((i, segment_node(audience, audience_span, body, start, &i)));
    }
    if at_keyword(&i, "where") || at_keyword(&i, "with") || at_keyword(&i, "have") {
        let at = offset(&i);
        let (found, span) = describe_token(i.extra.source, at);
        let audience_word = audience.keyword();
        return failure(
            at,
            Diagnostic::error(
                codes::SYNTAX,
                format!("expected `who` or `in` after `{audience_word}`, found {found}"),
            )
            .with_span(span)
            .with_label("expected `who` or `in`")
            .with_help(format!(
                "a segment reads `{audience_word} who <condition>`: \
                 `{audience_word} who have country = \"BR\"`"
            )),
        );
    }
    let (i, _) = cut(expecting("`who` or `in` after the audience", kw("who")))(i)?;
    let (i, condition) = cut(expecting("a condition after `who`", condition))(i)?;
    let (i, filter) = where_clause(i)?;
    let (i, range) = if filter.is_some() {
        opt(range)(i)?
    } else {
        (i, None)
    };
    let body = SegmentBody::Who {
        condition,
        filter,
        range,
    };
    Ok((i, segment_node(audience, audience_span, body, start, &i)))
}

fn segment_node(
    audience: Audience,
    audience_span: Span,
    body: SegmentBody,
    start: usize,
    rest: &Input,
) -> Segment {
    Segment {
        audience,
        audience_span,
        body,
        span: span_from(start, rest),
    }
}

fn where_clause(i: Input) -> PResult<Option<Pred>> {
    match kw("where")(i) {
        Ok((i, _)) => {
            let (i, p) = cut(expecting(
                "a profile filter after `where`, such as `country = \"BR\"`",
                pred,
            ))(i)?;
            Ok((i, Some(p)))
        }
        Err(_) => Ok((i, None)),
    }
}

/// `audience := "users" | "accounts"`
fn audience(i: Input) -> PResult<(Audience, Span)> {
    if let Ok((rest, span)) = kw("users")(i) {
        return Ok((rest, (Audience::Users, span)));
    }
    if let Ok((rest, span)) = kw("accounts")(i) {
        return Ok((rest, (Audience::Accounts, span)));
    }
    fail(&i, "`users` or `accounts`")
}

/// `condition := and_c { "or" and_c }`
///
/// The first item is parsed here and the rest of the chain in
/// [`chain_rest`], so that the frame on the recursive path stays small.
fn condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, first) = and_c(i)?;
    chain_rest(i, first, start, Chain::Or)
}

/// `and_c := unary { "and" unary }`
fn and_c(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, first) = unary(i)?;
    chain_rest(i, first, start, Chain::And)
}

#[derive(Clone, Copy)]
enum Chain {
    And,
    Or,
}

/// `{ "and" unary }` or `{ "or" and_c }` after the first item of a chain.
#[inline(never)]
fn chain_rest(mut i: Input, first: Condition, start: usize, chain: Chain) -> PResult<Condition> {
    let next: fn(Input) -> PResult<Condition> = match chain {
        Chain::And => unary,
        Chain::Or => and_c,
    };
    let make: fn(Vec<Condition>) -> ConditionKind = match chain {
        Chain::And => ConditionKind::And,
        Chain::Or => ConditionKind::Or,
    };
    let (word, what) = match chain {
        Chain::And => ("and", "a condition after `and`"),
        Chain::Or => ("or", "a condition after `or`"),
    };
    let mut items = vec![first];
    while let Ok((rest, _)) = kw(word)(i) {
        let (rest, item) = cut(expecting(what, next))(rest)?;
        items.push(item);
        i = rest;
    }
    Ok((i, join_condition(items, make, start, &i)))
}

fn join_condition(
    mut items: Vec<Condition>,
    make: fn(Vec<Condition>) -> ConditionKind,
    start: usize,
    rest: &Input,
) -> Condition {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        Condition {
            kind: make(items),
            span: span_from(start, rest),
        }
    }
}

const CONDITION_EXPECTED: &str = "a condition";

/// `unary := "not" unary | "(" condition ")" [ range ] | [ "have" ] atom | "in" set_ref | behavior`
///
/// Each form has its own function so that the frames on the recursive path
/// (`not`, parentheses) stay small: a debug build keeps every temporary of a
/// function in its frame, and deep nesting multiplies that frame.
fn unary(i: Input) -> PResult<Condition> {
    if let Some(err) = reserved_as_column(&i) {
        return Err(nom::Err::Failure(err));
    }
    match peek_word(&i).to_ascii_lowercase().as_str() {
        "not" => not_condition(i),
        "have" => have_condition(i),
        "in" => in_set_condition(i),
        "performed" | "viewed" | "action" | "clicked" | "error" | "event" | "any" => {
            behavior_condition(i)
        }
        _ if i.fragment().starts_with('(') => group_condition(i),
        _ => profile_condition(i),
    }
}

fn condition_node(kind: ConditionKind, start: usize, rest: &Input) -> Condition {
    Condition {
        kind,
        span: span_from(start, rest),
    }
}

/// `"not" unary`
#[inline(never)]
fn not_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, _) = kw("not")(i)?;
    let (i, inner) = nested(i, cut_unary)?;
    let c = condition_node(ConditionKind::Not(Box::new(inner)), start, &i);
    Ok((i, c))
}

fn cut_unary(i: Input) -> PResult<Condition> {
    cut(unary)(i)
}

/// `"(" condition ")" [ range ]`
#[inline(never)]
fn group_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, open) = sym("(")(i)?;
    let (i, inner) = nested(i, condition_in_group)?;
    group_end(i, start, open, inner)
}

/// `")" [ range ]` after the condition of a group.
#[inline(never)]
fn group_end(i: Input, start: usize, open: Span, inner: Condition) -> PResult<Condition> {
    let (i, _) = close_paren(i, open)?;
    let (i, r) = opt(range)(i)?;
    let kind = ConditionKind::Group {
        inner: Box::new(inner),
        range: r,
    };
    let c = condition_node(kind, start, &i);
    Ok((i, c))
}

fn condition_in_group(i: Input) -> PResult<Condition> {
    cut(expecting(CONDITION_EXPECTED, condition))(i)
}

/// `"have" atom`
#[inline(never)]
fn have_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, _) = kw("have")(i)?;
    let (i, a) = cut(expecting(
        "a profile test after `have`, such as `plan = \"premium\"`",
        atom,
    ))(i)?;
    let kind = ConditionKind::Profile {
        atom: a,
        have: true,
    };
    let c = condition_node(kind, start, &i);
    no_range_after(i, &c)?;
    Ok((i, c))
}

/// `"in" set_ref`
#[inline(never)]
fn in_set_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, _) = kw("in")(i)?;
    let (i, set) = cut(set_ref)(i)?;
    let c = condition_node(ConditionKind::InSet(set), start, &i);
    no_range_after(i, &c)?;
    Ok((i, c))
}

/// `behavior`
#[inline(never)]
fn behavior_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, b) = behavior(i)?;
    let c = condition_node(ConditionKind::Behavior(b), start, &i);
    Ok((i, c))
}

/// `atom` without `have`, or a misspelled behavior.
#[inline(never)]
fn profile_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    if let Some(err) = misspelled_behavior(&i) {
        return Err(nom::Err::Failure(err));
    }
    let (i, a) = expecting(CONDITION_EXPECTED, atom)(i)?;
    let kind = ConditionKind::Profile {
        atom: a,
        have: false,
    };
    let c = condition_node(kind, start, &i);
    no_range_after(i, &c)?;
    Ok((i, c))
}

/// `)` closing the parenthesis opened at `open`; when it is missing, the
/// diagnostic also shows where the parenthesis was opened.
fn close_paren(i: Input, open: Span) -> PResult<Span> {
    if let Ok(ok) = sym(")")(i) {
        return Ok(ok);
    }
    let at = offset(&i);
    let (found, span) = describe_token(i.extra.source, at);
    let mut d = Diagnostic::error(
        codes::SYNTAX,
        format!("expected `)` to close the parenthesis, found {found}"),
    )
    .with_span(span)
    .with_label("expected `)`")
    .with_secondary(open, "this parenthesis is not closed");
    if i.fragment().is_empty() || i.fragment().starts_with(';') {
        d = d.with_help("add the `)` where the group ends");
    }
    failure(at, d)
}

/// A range right after a profile test or `in segment` governs nothing:
/// profile tests have no time, and a range never reaches into a segment.
fn no_range_after<'a>(i: Input<'a>, cond: &Condition) -> Result<(), nom::Err<PError>> {
    if !(at_keyword(&i, "during")
        || at_keyword(&i, "since")
        || at_keyword(&i, "before")
        || at_keyword(&i, "between")
        || at_keyword(&i, "in"))
    {
        return Ok(());
    }
    let Ok((after, _)) = range(i) else {
        return Ok(());
    };
    let at = offset(&i);
    let (what, help) = match &cond.kind {
        ConditionKind::InSet(_) => (
            "a segment used with `in`",
            "a range never reaches into `in segment`: a segment means what its definition says; \
             put the range in the definition instead",
        ),
        _ => (
            "a profile test, which has no time",
            "a range limits a behavior (`viewed`, `action`, ...); profile tests have no time: \
             remove the range, or put it after a behavior",
        ),
    };
    Err(nom::Err::Failure(PError::custom(
        at,
        Diagnostic::error(
            codes::RANGE_GOVERNS_NOTHING,
            "this range limits no behavior",
        )
        .with_span(span_from(at, &after))
        .with_label("governs nothing")
        .with_secondary(cond.span, format!("the range follows {what}"))
        .with_help(help),
    )))
}

/// A reserved word used as a column (`with event = 1`): it must be back-quoted.
/// Only when a comparison follows, so `event "x"` and `error in the past
/// week` keep their meaning.
fn reserved_as_column(i: &Input) -> Option<PError> {
    let word = peek_word(i);
    if word.is_empty() || !is_reserved(word) {
        return None;
    }
    let (after, ()) = ws(i.take_from(word.len())).ok()?;
    let text = *after.fragment();
    let operator = ["=", "!=", "<", ">"].iter().any(|op| text.starts_with(op))
        || at_keyword(&after, "is")
        || at_keyword(&after, "contains")
        || (at_keyword(&after, "in")
            && ws(after.take_from(2))
                .ok()
                .is_some_and(|(r, ())| r.fragment().starts_with('(')));
    if !operator {
        return None;
    }
    let at = offset(i);
    let lower = word.to_ascii_lowercase();
    Some(PError::custom(
        at,
        Diagnostic::error(
            codes::RESERVED_WORD,
            format!("`{lower}` is a reserved word: a column of that name must be back-quoted"),
        )
        .with_span(Span::new(at, at + word.len()))
        .with_label("reserved word")
        .with_help(format!("back-quote the column name: `` `{word}` ``")),
    ))
}

/// A word followed by a string where a condition is expected is almost
/// always a misspelled behavior (`viewd "/cart"`): say so, rather than
/// complaining about a missing comparison operator after a column.
fn misspelled_behavior(i: &Input) -> Option<PError> {
    let word = peek_word(i);
    if word.is_empty() {
        return None;
    }
    let after = i.take_from(word.len());
    let (after, ()) = ws(after).ok()?;
    // Only a string: `email like "%@x.com"` is a valid profile test (a
    // column and `like`), so `like` after a word proves nothing.
    let next_is_target = after.fragment().starts_with('"');
    if !next_is_target {
        return None;
    }
    let at = offset(i);
    let span = Span::new(at, at + word.len());
    let mut diagnostic = Diagnostic::error(
        codes::UNKNOWN_KEYWORD,
        format!("`{}` is not a kind of event", quoted(word)),
    )
    .with_span(span)
    .with_label("expected `viewed`, `action`, `clicked`, `error`, `event` or `any event`");
    let behaviors = ["viewed", "action", "clicked", "error", "event", "performed"];
    // The words of other analytics tools, and of plain English.
    let synonym = match word.to_ascii_lowercase().as_str() {
        "visited" | "visit" | "visits" | "view" | "views" | "saw" | "seen" | "opened"
        | "loaded" | "pageview" => Some("viewed"),
        "click" | "clicks" | "tapped" | "pressed" | "did" => Some("action"),
        "triggered" | "fired" | "tracked" | "sent" | "logged" => Some("event"),
        "errored" | "failed" | "crashed" => Some("error"),
        _ => None,
    };
    diagnostic = match synonym.or_else(|| did_you_mean(word, behaviors)) {
        Some(s) => diagnostic.with_help(format!("did you mean `{s}`?")),
        None => diagnostic.with_help("a behavior names the kind of event: `viewed \"/cart\"`, `action \"CHECKOUT\"`, `event \"purchase\"`"),
    };
    Some(PError::custom(at, diagnostic))
}

/// `set_ref := "segment" IDENT | "csv" STRING [ "column" STRING ] [ "by" ( "id" | "email" ) ]`
fn set_ref(i: Input) -> PResult<SetRef> {
    let start = offset(&i);
    if let Ok((i, _)) = kw("segment")(i) {
        let (i, name) = cut(expecting("a segment name after `in segment`", ident))(i)?;
        return Ok((
            i,
            SetRef {
                kind: SetRefKind::Segment(name),
                span: span_from(start, &i),
            },
        ));
    }
    if let Ok((i, _)) = kw("csv")(i) {
        let (i, path) = cut(expecting(
            "the quoted path of a CSV file after `csv`",
            string,
        ))(i)?;
        let (i, column) = match kw("column")(i) {
            Ok((i, _)) => {
                let (i, c) = cut(expecting(
                    "the quoted name of a CSV column after `column`",
                    string,
                ))(i)?;
                (i, Some(c))
            }
            Err(_) => (i, None),
        };
        let (i, key) = match kw("by")(i) {
            Ok((i, _)) => {
                if let Ok((i, _)) = kw("id")(i) {
                    (i, Some(CsvKey::Id))
                } else if let Ok((i, _)) = kw("email")(i) {
                    (i, Some(CsvKey::Email))
                } else {
                    return Err(nom::Err::Failure(PError::expected(
                        offset(&i),
                        "`id` or `email` after `by`",
                    )));
                }
            }
            Err(_) => (i, None),
        };
        return Ok((
            i,
            SetRef {
                kind: SetRefKind::Csv { path, column, key },
                span: span_from(start, &i),
            },
        ));
    }
    let mut err = PError::expected(
        offset(&i),
        "`segment NAME` or `csv \"file.csv\"` after `in`",
    );
    let word = peek_word(&i);
    if let Some(s) = did_you_mean(word, ["segment", "csv"]) {
        let (found, span) = describe_token(i.extra.source, offset(&i));
        err.custom = Some(Box::new(
            Diagnostic::error(
                codes::UNKNOWN_KEYWORD,
                format!("expected `segment` or `csv` after `in`, found {found}"),
            )
            .with_span(span)
            .with_label("expected `segment NAME` or `csv \"file.csv\"`")
            .with_help(format!("did you mean `{s}`?")),
        ));
    }
    Err(nom::Err::Failure(err))
}

// ---------------------------------------------------------------------------
// Behaviors

/// `behavior := [ "performed" ] step { "then" [ "not" ] step } [ modifiers ] [ range ]`
fn behavior(i: Input) -> PResult<Behavior> {
    let start = offset(&i);
    let (i, performed) = match kw("performed")(i) {
        Ok((i, _)) => (i, true),
        Err(_) => (i, false),
    };
    let (i, steps) = if performed {
        cut(expecting(
            "an event after `performed`, such as `event \"purchase\"`",
            sequence,
        ))(i)?
    } else {
        sequence(i)?
    };
    let (i, (within, count)) = modifiers(i)?;
    let (i, range) = opt(range)(i)?;
    Ok((
        i,
        Behavior {
            performed,
            steps,
            within,
            count,
            range,
            span: span_from(start, &i),
        },
    ))
}

/// `step { "then" [ "not" ] step }`: the steps of a behavior or funnel.
fn sequence(i: Input) -> PResult<Vec<SeqStep>> {
    let first_start = offset(&i);
    let (mut i, first) = step(i)?;
    let mut steps = vec![SeqStep {
        negated: false,
        span: span_from(first_start, &i),
        step: first,
    }];
    while let Ok((rest, _)) = kw("then")(i) {
        let s_start = offset(&rest);
        let (rest, negated) = match kw("not")(rest) {
            Ok((rest, _)) => (rest, true),
            Err(_) => (rest, false),
        };
        let (rest, s) = cut(expecting(
            "a step after `then`, such as `action \"CHECKOUT\"`",
            step,
        ))(rest)?;
        steps.push(SeqStep {
            negated,
            span: span_from(s_start, &rest),
            step: s,
        });
        i = rest;
    }
    Ok((i, steps))
}

/// `modifiers := within [ count ] | count [ within ]`
fn modifiers(i: Input) -> PResult<(Option<Within>, Option<Count>)> {
    let (i, w) = opt(within)(i)?;
    let (i, c) = opt(count)(i)?;
    if w.is_some() || c.is_none() {
        return Ok((i, (w, c)));
    }
    let (i, w) = opt(within)(i)?;
    Ok((i, (w, c)))
}

/// `step := event [ "with" pred ]`
fn step(i: Input) -> PResult<Step> {
    let start = offset(&i);
    let (i, e) = event(i)?;
    let (i, filter) = match kw("with")(i) {
        Ok((i, _)) => {
            let (i, p) = cut(expecting(
                "an event filter after `with`, such as `device = \"mobile\"`",
                pred,
            ))(i)?;
            (i, Some(p))
        }
        Err(_) => (i, None),
    };
    Ok((
        i,
        Step {
            event: e,
            filter,
            span: span_from(start, &i),
        },
    ))
}

/// `event := "viewed" target | ( "action" | "clicked" ) target | "error" [ target ] | "event" target | "any" "event"`
fn event(i: Input) -> PResult<Event> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "viewed" => {
            let (i, _) = kw("viewed")(i)?;
            let (i, t) = cut(expecting("a quoted page path after `viewed`", target))(i)?;
            (i, EventKind::Viewed(t))
        }
        "action" | "clicked" => {
            let clicked = word == "clicked";
            let (i, _) = kw(if clicked { "clicked" } else { "action" })(i)?;
            let what = if clicked {
                "a quoted action name after `clicked`"
            } else {
                "a quoted action name after `action`"
            };
            let (i, t) = cut(expecting(what, target))(i)?;
            (i, EventKind::Action { target: t, clicked })
        }
        "error" => {
            let (i, _) = kw("error")(i)?;
            let (i, t) = opt(target)(i)?;
            (i, EventKind::Error(t))
        }
        "event" => {
            let (i, _) = kw("event")(i)?;
            let (i, t) = cut(expecting("a quoted event name after `event`", target))(i)?;
            (i, EventKind::Named(t))
        }
        "any" => {
            let (i, _) = kw("any")(i)?;
            let (i, _) = cut(expecting("`event` after `any`", kw("event")))(i)?;
            (i, EventKind::Any)
        }
        _ => {
            return fail(
                &i,
                "an event: `viewed \"/path\"`, `action \"NAME\"`, `clicked \"NAME\"`, `error`, `event \"NAME\"` or `any event`",
            );
        }
    };
    Ok((
        i,
        Event {
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// `target := STRING | "like" STRING`
fn target(i: Input) -> PResult<Target> {
    if let Ok((i, _)) = kw("like")(i) {
        let (i, pattern) = cut(expecting(
            "a quoted pattern after `like`, such as \"/product/%\"",
            string,
        ))(i)?;
        return Ok((
            i,
            Target {
                like: true,
                pattern,
            },
        ));
    }
    let (i, pattern) = string(i)?;
    Ok((
        i,
        Target {
            like: false,
            pattern,
        },
    ))
}

/// `within := "within" ( "session" | DURATION )`
fn within(i: Input) -> PResult<Within> {
    let start = offset(&i);
    let (i, _) = kw("within")(i)?;
    if let Ok((i, _)) = kw("session")(i) {
        return Ok((
            i,
            Within {
                kind: WithinKind::Session,
                span: span_from(start, &i),
            },
        ));
    }
    let (i, d) = cut(expecting(
        "`session` or a duration such as `30 minutes` after `within`",
        duration,
    ))(i)?;
    Ok((
        i,
        Within {
            kind: WithinKind::Duration(d),
            span: span_from(start, &i),
        },
    ))
}

/// `count := ( "at" "least" | "at" "most" | "exactly" ) INT ( "time" | "times" )
///         | ( "total" | "average" | "min" | "max" ) ident cmp NUMBER`
fn count(i: Input) -> PResult<Count> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "at" => {
            let (i, _) = kw("at")(i)?;
            if let Ok((i, _)) = kw("least")(i) {
                let (i, n) = times(i)?;
                (i, CountKind::AtLeast(n))
            } else if let Ok((i, _)) = kw("most")(i) {
                let (i, n) = times(i)?;
                (i, CountKind::AtMost(n))
            } else {
                return Err(nom::Err::Failure(PError::expected(
                    offset(&i),
                    "`least` or `most` after `at`",
                )));
            }
        }
        "exactly" => {
            let (i, _) = kw("exactly")(i)?;
            let (i, n) = times(i)?;
            (i, CountKind::Exactly(n))
        }
        "total" | "average" | "min" | "max" => {
            // Only an aggregate when a column name follows; otherwise the word
            // is not ours (it cannot be anything else here, but let the caller
            // say what it expected).
            let after = kw_any(i, &word);
            let Some(after) = after else {
                return fail(&i, "a count");
            };
            if ident(after).is_err() {
                return fail(&i, "a count such as `at least 3 times`");
            }
            let func = match word.as_str() {
                "total" => AggregateFunc::Total,
                "average" => AggregateFunc::Average,
                "min" => AggregateFunc::Min,
                _ => AggregateFunc::Max,
            };
            let (i, column) = ident(after)?;
            let (i, op) = cut(expecting(
                "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
                cmp,
            ))(i)?;
            let (i, value) = cut(expecting("a number", number))(i)?;
            (
                i,
                CountKind::Aggregate {
                    func,
                    column,
                    op,
                    value,
                },
            )
        }
        _ => return fail(&i, "a count such as `at least 3 times`"),
    };
    Ok((
        i,
        Count {
            kind,
            span: span_from(start, &i),
        },
    ))
}

fn kw_any<'a>(i: Input<'a>, word: &str) -> Option<Input<'a>> {
    if !at_keyword(&i, word) {
        return None;
    }
    let rest = i.take_from(word.len());
    ws(rest).ok().map(|(rest, ())| rest)
}

// ---------------------------------------------------------------------------
// Ranges

/// `range := "during" ( "last" | "past" ) INT UNIT | "in" "the" ( "past" | "last" ) [ INT ] UNIT
///         | "since" DATE | "before" DATE | "between" DATE "and" DATE`
fn range(i: Input) -> PResult<Range> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let node = |kind, rest: &Input| Range {
        kind,
        span: span_from(start, rest),
    };
    match word.as_str() {
        "during" => {
            let (i, _) = kw("during")(i)?;
            let (i, form) = if let Ok((i, _)) = kw("last")(i) {
                (i, LastForm::DuringLast)
            } else if let Ok((i, _)) = kw("past")(i) {
                (i, LastForm::DuringPast)
            } else {
                let at = offset(&i);
                let (found, span) = describe_token(i.extra.source, at);
                let d = Diagnostic::error(
                    codes::SYNTAX,
                    format!("expected `last` or `past` after `during`, found {found}"),
                )
                .with_span(span)
                .with_label("expected `last` or `past`")
                .with_help(
                    "a relative range reads `during last 7 days`; for dates, write \
                            `since 2026-01-01` or `between 2026-01-01 and 2026-02-01`",
                );
                return failure(at, d);
            };
            let (i, (n, _)) = cut(expecting("a whole number, as in `during last 7 days`", int))(i)?;
            let (i, (unit, _)) = cut(unit)(i)?;
            let r = node(
                RangeKind::Last {
                    form,
                    count: Some(n),
                    unit,
                },
                &i,
            );
            Ok((i, r))
        }
        "in" => {
            // `in the ...` only: a bare `in` after a behavior is not a range.
            let (after_in, _) = kw("in")(i)?;
            if let Some(err) = in_without_the(&after_in) {
                return Err(nom::Err::Failure(err));
            }
            if !at_keyword(&after_in, "the") {
                return fail(&i, "a range");
            }
            let (i, (last, count, unit)) = in_the_past(after_in)?;
            let form = if last {
                LastForm::InTheLast
            } else {
                LastForm::InThePast
            };
            let r = node(RangeKind::Last { form, count, unit }, &i);
            Ok((i, r))
        }
        "since" | "before" => {
            let (i, _) = kw(if word == "since" { "since" } else { "before" })(i)?;
            let what = if word == "since" {
                "a date after `since`, such as 2026-01-31"
            } else {
                "a date after `before`, such as 2026-01-31"
            };
            let (i, d) = cut(expecting(what, date))(i)?;
            let kind = if word == "since" {
                RangeKind::Since(d)
            } else {
                RangeKind::Before(d)
            };
            let r = node(kind, &i);
            Ok((i, r))
        }
        "between" => {
            let (i, _) = kw("between")(i)?;
            let (i, a) = cut(expecting(
                "a date after `between`, such as 2026-01-01",
                date,
            ))(i)?;
            let (i, _) = cut(expecting("`and` between the two dates", kw("and")))(i)?;
            let (i, b) = cut(expecting("a date after `and`", date))(i)?;
            let r = node(RangeKind::Between(a, b), &i);
            Ok((i, r))
        }
        _ => fail(&i, "a range"),
    }
}

/// `in last 7 days`, `in past week`: the `the` is missing.
fn in_without_the(after_in: &Input) -> Option<PError> {
    let word = peek_word(after_in).to_ascii_lowercase();
    if word != "last" && word != "past" {
        return None;
    }
    let at = offset(after_in);
    let (found, span) = describe_token(after_in.extra.source, at);
    Some(PError::custom(
        at,
        Diagnostic::error(
            codes::SYNTAX,
            format!("expected `the` after `in`, found {found}"),
        )
        .with_span(span)
        .with_label("expected `the`")
        .with_help(format!(
            "write `in the {word} 7 days` (or `during {word} 7 days`)"
        )),
    ))
}

/// `"the" ( "past" | "last" ) [ INT ] UNIT`, after `in`.
fn in_the_past(i: Input) -> PResult<(bool, Option<u64>, Unit)> {
    let (i, _) = kw("the")(i)?;
    let (i, last) = if let Ok((i, _)) = kw("past")(i) {
        (i, false)
    } else if let Ok((i, _)) = kw("last")(i) {
        (i, true)
    } else {
        return Err(nom::Err::Failure(PError::expected(
            offset(&i),
            "`past` or `last` after `in the`",
        )));
    };
    let (i, n) = opt(int)(i)?;
    let (i, (unit, _)) = cut(unit)(i)?;
    Ok((i, (last, n.map(|(n, _)| n), unit)))
}

// ---------------------------------------------------------------------------
// Predicates

/// True when the input starts an atom: a run of `not` / `(` followed by a
/// non-reserved identifier. This is how a `with`/`where` predicate decides,
/// on those tokens alone, whether an `and`/`or` continues it (§4.3).
fn starts_atom(i: &Input) -> bool {
    let mut i = *i;
    loop {
        if let Ok((rest, _)) = kw("not")(i) {
            i = rest;
        } else if let Ok((rest, _)) = sym("(")(i) {
            i = rest;
        } else {
            break;
        }
    }
    i.fragment().starts_with('`') || {
        let w = peek_word(&i);
        !w.is_empty() && !is_reserved(w)
    }
}

/// `pred := p_and { "or" p_and }`
///
/// Continues over `or` only when an atom follows (see [`starts_atom`]);
/// otherwise the `or` belongs to the enclosing condition.
fn pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (i, first) = p_and(i)?;
    pred_chain_rest(i, first, start, Chain::Or)
}

/// `p_and := p_not { "and" p_not }`
fn p_and(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (i, first) = p_not(i)?;
    pred_chain_rest(i, first, start, Chain::And)
}

/// `{ "and" p_not }` or `{ "or" p_and }` after the first item, kept out of
/// the recursive path's frames like [`chain_rest`].
#[inline(never)]
fn pred_chain_rest(mut i: Input, first: Pred, start: usize, chain: Chain) -> PResult<Pred> {
    let next: fn(Input) -> PResult<Pred> = match chain {
        Chain::And => p_not,
        Chain::Or => p_and,
    };
    let make: fn(Vec<Pred>) -> PredKind = match chain {
        Chain::And => PredKind::And,
        Chain::Or => PredKind::Or,
    };
    let word = match chain {
        Chain::And => "and",
        Chain::Or => "or",
    };
    let mut items = vec![first];
    while let Ok((rest, _)) = kw(word)(i) {
        if !starts_atom(&rest) {
            break;
        }
        let (rest, item) = cut(next)(rest)?;
        items.push(item);
        i = rest;
    }
    Ok((i, join_pred(items, make, start, &i)))
}

fn join_pred(
    mut items: Vec<Pred>,
    make: fn(Vec<Pred>) -> PredKind,
    start: usize,
    rest: &Input,
) -> Pred {
    if items.len() == 1 {
        items.pop().expect("one item")
    } else {
        Pred {
            kind: make(items),
            span: span_from(start, rest),
        }
    }
}

/// `p_not := "not" p_not | "(" pred ")" | atom`
///
/// One function per form, to keep the frames on the recursive path small
/// (see [`unary`]).
fn p_not(i: Input) -> PResult<Pred> {
    if at_keyword(&i, "not") {
        not_pred(i)
    } else if i.fragment().starts_with('(') {
        group_pred(i)
    } else {
        atom_pred(i)
    }
}

#[inline(never)]
fn not_pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (rest, _) = kw("not")(i)?;
    let (rest, inner) = nested(rest, cut_p_not)?;
    let kind = PredKind::Not(Box::new(inner));
    let span = span_from(start, &rest);
    Ok((rest, Pred { kind, span }))
}

fn cut_p_not(i: Input) -> PResult<Pred> {
    cut(p_not)(i)
}

#[inline(never)]
fn group_pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (rest, open) = sym("(")(i)?;
    let (rest, inner) = nested(rest, cut_pred)?;
    let (rest, _) = close_paren(rest, open)?;
    let kind = PredKind::Group(Box::new(inner));
    let span = span_from(start, &rest);
    Ok((rest, Pred { kind, span }))
}

fn cut_pred(i: Input) -> PResult<Pred> {
    cut(pred)(i)
}

#[inline(never)]
fn atom_pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (rest, a) = expecting("a column test such as `device = \"mobile\"`", atom)(i)?;
    let span = span_from(start, &rest);
    Ok((
        rest,
        Pred {
            kind: PredKind::Atom(a),
            span,
        },
    ))
}

/// `atom := ident cmp literal | ident [ "not" ] "in" "(" literal { "," literal } ")"
///        | ident "is" [ "not" ] "null" | ident [ "not" ] "like" STRING
///        | ident "between" literal "and" literal
///        | ident "in" "the" ( "past" | "last" ) [ INT ] UNIT | ident "contains" STRING`
fn atom(i: Input) -> PResult<Atom> {
    let start = offset(&i);
    if let Some(err) = reserved_as_column(&i) {
        return Err(nom::Err::Failure(err));
    }
    let (i, column) = ident(i)?;
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "not" => {
            let (i, _) = kw("not")(i)?;
            if let Ok((i, _)) = kw("in")(i) {
                let (i, values) = literal_list(i)?;
                (
                    i,
                    AtomKind::InList {
                        negated: true,
                        values,
                    },
                )
            } else if let Ok((i, _)) = kw("like")(i) {
                let (i, pattern) = cut(expecting("a quoted pattern after `not like`", string))(i)?;
                (
                    i,
                    AtomKind::Like {
                        negated: true,
                        pattern,
                    },
                )
            } else {
                return Err(nom::Err::Failure(PError::expected(
                    offset(&i),
                    "`in` or `like` after `not`",
                )));
            }
        }
        "in" => {
            let (after_in, _) = kw("in")(i)?;
            if let Some(err) = in_without_the(&after_in) {
                return Err(nom::Err::Failure(err));
            }
            if at_keyword(&after_in, "the") {
                let (i, (last, count, unit)) = in_the_past(after_in)?;
                (i, AtomKind::InThePast { last, count, unit })
            } else {
                let (i, values) = literal_list(after_in)?;
                (
                    i,
                    AtomKind::InList {
                        negated: false,
                        values,
                    },
                )
            }
        }
        "is" => {
            let (i, _) = kw("is")(i)?;
            let (i, negated) = match kw("not")(i) {
                Ok((i, _)) => (i, true),
                Err(_) => (i, false),
            };
            let Ok((i, _)) = kw("null")(i) else {
                let at = offset(&i);
                let (found, span) = describe_token(i.extra.source, at);
                let column = quoted(&i.extra.source[column.span.range()]);
                let help = if span.is_empty() {
                    format!(
                        "`is` tests for a missing value: `{column} is null` or \
                         `{column} is not null`"
                    )
                } else {
                    let op = if negated { "!=" } else { "=" };
                    let value = quoted(&i.extra.source[span.range()]);
                    format!(
                        "`is` only tests for a missing value (`{column} is null`); to compare, \
                         write `{column} {op} {value}`"
                    )
                };
                return failure(
                    at,
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("expected `null` after `is`, found {found}"),
                    )
                    .with_span(span)
                    .with_label("expected `null`")
                    .with_help(help),
                );
            };
            (i, AtomKind::IsNull { negated })
        }
        "like" => {
            let (i, _) = kw("like")(i)?;
            let (i, pattern) = cut(expecting(
                "a quoted pattern after `like`, such as \"%@example.com\"",
                string,
            ))(i)?;
            (
                i,
                AtomKind::Like {
                    negated: false,
                    pattern,
                },
            )
        }
        "between" => {
            let (i, _) = kw("between")(i)?;
            let (i, low) = cut(expecting("a value after `between`", literal))(i)?;
            let (i, _) = cut(expecting("`and` between the two values", kw("and")))(i)?;
            let (i, high) = cut(expecting("a value after `and`", literal))(i)?;
            (i, AtomKind::Between { low, high })
        }
        "contains" => {
            let (i, _) = kw("contains")(i)?;
            let (i, needle) = cut(expecting("a quoted text after `contains`", string))(i)?;
            (i, AtomKind::Contains { needle })
        }
        _ => {
            let (i, op) = match cmp(i) {
                Ok(ok) => ok,
                Err(nom::Err::Error(_)) => {
                    return Err(nom::Err::Failure(no_comparison(&i, &column)));
                }
                Err(e) => return Err(e),
            };
            let (i, value) = cut(expecting(
                "a value: a quoted string, a number, a date, `true`, `false` or `null`",
                literal,
            ))(i)?;
            (i, AtomKind::Compare { op, value })
        }
    };
    Ok((
        i,
        Atom {
            column,
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// A column that no comparison follows (`users who have plan`).
fn no_comparison(i: &Input, column: &Ident) -> PError {
    let at = offset(i);
    let (found, span) = describe_token(i.extra.source, at);
    let written = quoted(&i.extra.source[column.span.range()]);
    PError::custom(
        at,
        Diagnostic::error(
            codes::SYNTAX,
            format!("expected a comparison after `{written}`, found {found}"),
        )
        .with_span(span)
        .with_label("expected `=`, `!=`, `<`, `>`, `in`, `is`, `like`, ...")
        .with_secondary(column.span, "read as a column name")
        .with_help(format!(
            "test the column with `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (...)`, `is null`, \
             `like`, `between` or `contains`, e.g. `{written} = \"value\"`"
        )),
    )
}

/// `"(" literal { "," literal } ")"`
fn literal_list(i: Input) -> PResult<Vec<Literal>> {
    let Ok((mut i, open)) = sym("(")(i) else {
        return Err(nom::Err::Failure(list_without_parentheses(i)));
    };
    let mut values = Vec::new();
    loop {
        let (rest, v) = cut(expecting("a value in the list", literal))(i)?;
        values.push(v);
        if let Ok((rest, _)) = sym(",")(rest) {
            i = rest;
            continue;
        }
        if let Ok((rest, _)) = sym(")")(rest) {
            return Ok((rest, values));
        }
        let at = offset(&rest);
        let (found, span) = describe_token(rest.extra.source, at);
        return failure(
            at,
            Diagnostic::error(
                codes::SYNTAX,
                format!("expected `,` or `)` in the list of values, found {found}"),
            )
            .with_span(span)
            .with_label("expected `,` or `)`")
            .with_secondary(open, "the list starts here")
            .with_help("separate the values with commas and close the list: (\"BR\", \"AR\")"),
        );
    }
}

/// `in "BR", "AR"`: the values of an `in` list without their parentheses.
fn list_without_parentheses(i: Input) -> PError {
    let at = offset(&i);
    let (found, span) = describe_token(i.extra.source, at);
    let mut d = Diagnostic::error(
        codes::SYNTAX,
        format!("expected `(` after `in`, found {found}"),
    )
    .with_span(span)
    .with_label("expected `(`");
    // Read what looks like the list, to show it in parentheses.
    let mut rest = i;
    let mut end = at;
    while let Ok((after, _)) = literal(rest) {
        end = rest.extra.token_end_before(offset(&after));
        match sym(",")(after) {
            Ok((after, _)) => rest = after,
            Err(_) => break,
        }
    }
    d = if end > at {
        let values = quoted(&i.extra.source[at..end]);
        d.with_help(format!("put the values in parentheses: `in ({values})`"))
    } else {
        d.with_help("list the values in parentheses: `country in (\"BR\", \"AR\")`")
    };
    PError::custom(at, d)
}

/// `cmp := "=" | "!=" | "<" | "<=" | ">" | ">="`
fn cmp(i: Input) -> PResult<CmpOp> {
    // Operators of other languages, checked first: `==` starts with `=`.
    for (written, right) in [("==", "="), ("<>", "!="), ("=<", "<="), ("=>", ">=")] {
        if i.fragment().starts_with(written) {
            let at = offset(&i);
            return failure(
                at,
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("`{written}` is not a comparison in segql"),
                )
                .with_span(Span::new(at, at + 2))
                .with_label(format!("write `{right}`"))
                .with_help("the comparisons are `=`, `!=`, `<`, `<=`, `>` and `>=`"),
            );
        }
    }
    for (s, op) in [
        ("!=", CmpOp::NotEq),
        ("<=", CmpOp::LtEq),
        (">=", CmpOp::GtEq),
        ("=", CmpOp::Eq),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ] {
        if let Ok((rest, _)) = sym(s)(i) {
            return Ok((rest, op));
        }
    }
    fail(&i, "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)")
}

/// `literal := STRING | NUMBER | DATE | "true" | "false" | "null"`
fn literal(i: Input) -> PResult<Literal> {
    let start = offset(&i);
    let node = |kind, rest: &Input| Literal {
        kind,
        span: span_from(start, rest),
    };
    if i.fragment().starts_with('"') {
        let (rest, s) = string(i)?;
        let l = node(LiteralKind::String(s.value), &rest);
        return Ok((rest, l));
    }
    for (word, kind) in [
        ("true", LiteralKind::Bool(true)),
        ("false", LiteralKind::Bool(false)),
        ("null", LiteralKind::Null),
    ] {
        if let Ok((rest, _)) = kw(word)(i) {
            let l = node(kind, &rest);
            return Ok((rest, l));
        }
    }
    match date(i) {
        Ok((rest, d)) => {
            let l = node(LiteralKind::Date(d), &rest);
            return Ok((rest, l));
        }
        Err(nom::Err::Failure(e)) => return Err(nom::Err::Failure(e)),
        Err(_) => {}
    }
    let (rest, n) = number(i)?;
    let l = node(LiteralKind::Number(n), &rest);
    Ok((rest, l))
}

// ---------------------------------------------------------------------------
// Analyses

/// Fails with `clause-order` when a clause keyword of this analysis appears
/// after the clauses that must follow it.
fn clause_order_check<'a>(
    i: &Input<'a>,
    analysis: &str,
    order: &[&str],
) -> Result<(), nom::Err<PError>> {
    let word = peek_word(i).to_ascii_lowercase();
    let is_clause = order
        .iter()
        .any(|c| c.split(' ').next() == Some(word.as_str()));
    if !is_clause {
        return Ok(());
    }
    let at = offset(i);
    let (found, span) = describe_token(i.extra.source, at);
    Err(nom::Err::Failure(PError::custom(
        at,
        Diagnostic::error(
            codes::CLAUSE_ORDER,
            format!("{found} is out of place in this {analysis}"),
        )
        .with_span(span)
        .with_label("this clause comes earlier")
        .with_help(format!(
            "the clauses of `{analysis}` come in this order: {}",
            order.join(", ")
        )),
    )))
}

/// The `for`, `compare`, `by`, range tail shared by analyses: `"for" seg`.
fn for_clause(i: Input) -> PResult<Option<SegRef>> {
    match kw("for")(i) {
        Ok((i, _)) => {
            let (i, s) = cut(seg)(i)?;
            Ok((i, Some(s)))
        }
        Err(_) => Ok((i, None)),
    }
}

fn by_one(i: Input) -> PResult<Option<Ident>> {
    match kw("by")(i) {
        Ok((i, _)) => {
            let (i, c) = cut(expecting("a column name after `by`", ident))(i)?;
            Ok((i, Some(c)))
        }
        Err(_) => Ok((i, None)),
    }
}

fn int_clause<'a>(
    i: Input<'a>,
    word: &'static str,
    what: &'static str,
) -> PResult<'a, Option<u64>> {
    match kw(word)(i) {
        Ok((i, _)) => {
            let (i, (n, _)) = cut(expecting(what, int))(i)?;
            Ok((i, Some(n)))
        }
        Err(_) => Ok((i, None)),
    }
}

/// `depth N` or `top N`, where N must be at least 1: 0 is reported here,
/// where the number's place is known, with `message` and `help`.
fn positive_int_clause<'a>(
    i: Input<'a>,
    word: &'static str,
    message: &'static str,
    help: &'static str,
) -> PResult<'a, Option<u64>> {
    let start = offset(&i);
    let what = match word {
        "depth" => "a whole number after `depth`",
        _ => "a whole number after `top`",
    };
    let (rest, n) = int_clause(i, word, what)?;
    if n == Some(0) {
        return failure(
            start,
            Diagnostic::error(codes::VALUE_OUT_OF_RANGE, message)
                .with_span(span_from(start, &rest))
                .with_label("must be at least 1")
                .with_help(help),
        );
    }
    Ok((rest, n))
}

/// `funnel := "funnel" step "then" [ "not" ] step { "then" [ "not" ] step } [ within ]
///            [ "for" seg ] [ "compare" seg { "," seg } ] [ "by" ident ] [ range ]`
fn funnel(i: Input) -> PResult<Funnel> {
    let (i, _) = kw("funnel")(i)?;
    if at_keyword(&i, "not") {
        let at = offset(&i);
        return failure(
            at,
            Diagnostic::error(codes::SYNTAX, "a funnel cannot start with a negated step")
                .with_span(Span::new(at, at + 3))
                .with_label("the first step is negated")
                .with_help(
                    "start with a step the actors did; negated steps go between or after them: \
                     `funnel viewed \"/cart\" then not action \"CHECKOUT\" then viewed \"/cart\"`",
                ),
        );
    }
    let (i, steps) = cut(expecting(
        "the first step of the funnel, such as `viewed \"/home\"`",
        sequence,
    ))(i)?;
    if steps.len() < 2 {
        return Err(nom::Err::Failure(funnel_second_step_error(&i, &steps[0])));
    }
    let (i, within) = opt(within)(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, compare) = match kw("compare")(i) {
        Ok((mut i, _)) => {
            let mut segs = Vec::new();
            loop {
                let (rest, s) = cut(seg)(i)?;
                segs.push(s);
                match sym(",")(rest) {
                    Ok((rest, _)) => i = rest,
                    Err(_) => {
                        i = rest;
                        break;
                    }
                }
            }
            (i, segs)
        }
        Err(_) => (i, Vec::new()),
    };
    let (i, by) = by_one(i)?;
    let (i, range) = opt(range)(i)?;
    clause_order_check(&i, "funnel", &["within", "for", "compare", "by", "range"])?;
    Ok((
        i,
        Funnel {
            steps,
            within,
            scope,
            compare,
            by,
            range,
        },
    ))
}

/// A funnel with one step: says so, or that `then` is missing between two
/// steps.
fn funnel_second_step_error(i: &Input, first: &SeqStep) -> PError {
    let at = offset(i);
    let (found, span) = describe_token(i.extra.source, at);
    let word = peek_word(i).to_ascii_lowercase();
    let example = "`funnel viewed \"/cart\" then action \"CHECKOUT\"`";
    let starts_step = [
        "viewed",
        "action",
        "clicked",
        "error",
        "event",
        "any",
        "performed",
    ]
    .contains(&word.as_str());
    let ends = i.fragment().is_empty()
        || i.fragment().starts_with(';')
        || [
            "within", "for", "compare", "by", "during", "since", "before", "between", "in",
        ]
        .contains(&word.as_str());
    let d = if starts_step {
        Diagnostic::error(
            codes::SYNTAX,
            format!("expected `then` between the steps of the funnel, found {found}"),
        )
        .with_span(span)
        .with_label("expected `then` before this step")
        .with_help(format!("join the steps with `then`: {example}"))
    } else if ends {
        Diagnostic::error(
            codes::FUNNEL_ONE_STEP,
            "a funnel needs at least two steps, this one has 1",
        )
        .with_span(first.span)
        .with_label("the only step")
        .with_help(format!("add a step with `then`: {example}"))
    } else if did_you_mean(&word, ["then"]).is_some() {
        Diagnostic::error(
            codes::UNKNOWN_KEYWORD,
            format!("expected `then` after the first step, found {found}"),
        )
        .with_span(span)
        .with_label("expected `then`")
        .with_help("did you mean `then`?")
    } else {
        Diagnostic::error(
            codes::SYNTAX,
            format!("expected `then` and a second step, found {found}"),
        )
        .with_span(span)
        .with_label("expected `then`")
        .with_help(format!("a funnel has at least two steps: {example}"))
    };
    PError::custom(at, d)
}

/// `retention := "retention" step "returning" step [ "every" ( "day" | "week" | "month" ) ]
///               [ "periods" INT ] [ "for" seg ] [ "by" ident ] [ range ]`
fn retention(i: Input) -> PResult<Retention> {
    let (i, _) = kw("retention")(i)?;
    let (i, start) = cut(expecting(
        "the starting step, such as `viewed \"/home\"`",
        step,
    ))(i)?;
    let (i, _) = cut(expecting(
        "`returning` and the step that counts as a return",
        kw("returning"),
    ))(i)?;
    let (i, returning) = cut(expecting(
        "the returning step, such as `action \"add_to_cart\"`",
        step,
    ))(i)?;
    let (i, every) = match kw("every")(i) {
        Ok((i, _)) => {
            let word = peek_word(&i).to_ascii_lowercase();
            let period = match word.as_str() {
                "day" => Period::Day,
                "week" => Period::Week,
                "month" => Period::Month,
                _ => {
                    let at = offset(&i);
                    let (found, span) = describe_token(i.extra.source, at);
                    let plural = word.strip_suffix('s').unwrap_or(&word);
                    let help = match plural {
                        "day" | "week" | "month" => format!("write `every {plural}`"),
                        "daily" => "write `every day`".to_string(),
                        "weekly" => "write `every week`".to_string(),
                        "monthly" => "write `every month`".to_string(),
                        "year" | "yearly" | "quarter" | "quarterly" => {
                            "retention counts calendar days, weeks or months: for a year, \
                             write `every month periods 12`"
                                .to_string()
                        }
                        _ => "retention counts calendar periods: `every day`, `every week` \
                              or `every month`"
                            .to_string(),
                    };
                    return failure(
                        at,
                        Diagnostic::error(
                            codes::SYNTAX,
                            format!(
                                "expected `day`, `week` or `month` after `every`, found {found}"
                            ),
                        )
                        .with_span(span)
                        .with_label("expected `day`, `week` or `month`")
                        .with_help(help),
                    );
                }
            };
            let (i, _) = kw_any(i, &word).map(|r| (r, ())).ok_or_else(|| {
                nom::Err::Failure(PError::expected(offset(&i), "`day`, `week` or `month`"))
            })?;
            (i, Some(period))
        }
        Err(_) => (i, None),
    };
    let (i, periods) = int_clause(i, "periods", "a whole number of periods after `periods`")?;
    let (i, scope) = for_clause(i)?;
    let (i, by) = by_one(i)?;
    let (i, range) = opt(range)(i)?;
    clause_order_check(&i, "retention", &["every", "periods", "for", "by", "range"])?;
    Ok((
        i,
        Retention {
            start,
            returning,
            every,
            periods,
            scope,
            by,
            range,
        },
    ))
}

/// `paths := "paths" [ "from" step ] [ "to" step ] [ "depth" INT ] [ "top" INT ] [ "for" seg ] [ range ]`
fn paths(i: Input) -> PResult<Paths> {
    let (i, _) = kw("paths")(i)?;
    let (i, from) = match kw("from")(i) {
        Ok((i, _)) => {
            let (i, s) = cut(expecting(
                "a view after `from`, such as `viewed \"/cart\"`",
                step,
            ))(i)?;
            (i, Some(s))
        }
        Err(_) => (i, None),
    };
    let (i, to) = match kw("to")(i) {
        Ok((i, _)) => {
            let (i, s) = cut(expecting(
                "a view after `to`, such as `viewed \"/checkout\"`",
                step,
            ))(i)?;
            (i, Some(s))
        }
        Err(_) => (i, None),
    };
    let (i, depth) = positive_int_clause(
        i,
        "depth",
        "`depth 0` leaves no page in a path",
        "`depth` is at least 1 (5 by default)",
    )?;
    let (i, top) = positive_int_clause(
        i,
        "top",
        "`top 0` keeps no row",
        "`top` is at least 1 (10 by default)",
    )?;
    let (i, scope) = for_clause(i)?;
    let (i, range) = opt(range)(i)?;
    clause_order_check(&i, "paths", &["from", "to", "depth", "top", "for", "range"])?;
    Ok((
        i,
        Paths {
            from,
            to,
            depth,
            top,
            scope,
            range,
        },
    ))
}

/// `explore := "explore" measure { "," measure } [ "by" ident { "," ident } ]
///             [ "every" DURATION ] [ "for" seg ] [ "top" INT ] [ range ]`
fn explore(i: Input) -> PResult<Explore> {
    let (i, _) = kw("explore")(i)?;
    let (mut i, first) = cut(measure)(i)?;
    let mut measures = vec![first];
    while let Ok((rest, _)) = sym(",")(i) {
        let (rest, m) = cut(measure)(rest)?;
        measures.push(m);
        i = rest;
    }
    let (i, by) = match kw("by")(i) {
        Ok((mut i, _)) => {
            let mut cols = Vec::new();
            loop {
                let (rest, c) = cut(expecting("a column name after `by`", ident))(i)?;
                cols.push(c);
                match sym(",")(rest) {
                    Ok((rest, _)) => i = rest,
                    Err(_) => {
                        i = rest;
                        break;
                    }
                }
            }
            (i, cols)
        }
        Err(_) => (i, Vec::new()),
    };
    let (i, every) = match kw("every")(i) {
        Ok((i, _)) => {
            // `every day` reads as `every 1 day`.
            let start = offset(&i);
            let bare_unit = unit(i);
            if let Ok((rest, (unit, _))) = bare_unit {
                (
                    rest,
                    Some(Duration {
                        count: 1,
                        unit,
                        span: span_from(start, &rest),
                    }),
                )
            } else if let Err(nom::Err::Error(e)) = bare_unit
                && e.custom.is_some()
            {
                // `every dayz`: a misspelled unit.
                return Err(nom::Err::Failure(e));
            } else {
                let (i, d) = cut(expecting(
                    "a bucket size after `every`, such as `1 day`",
                    duration,
                ))(i)?;
                (i, Some(d))
            }
        }
        Err(_) => (i, None),
    };
    let (i, scope) = for_clause(i)?;
    let (i, top) = positive_int_clause(i, "top", "`top 0` keeps no group", "`top` is at least 1")?;
    let (i, range) = opt(range)(i)?;
    clause_order_check(&i, "explore", &["by", "every", "for", "top", "range"])?;
    Ok((
        i,
        Explore {
            measures,
            by,
            every,
            scope,
            top,
            range,
        },
    ))
}

/// `measure := "events" | "users" | "sessions" | "count" "(" step ")"`
fn measure(i: Input) -> PResult<Measure> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "events" | "users" | "sessions" => {
            let rest = kw_any(i, &word).expect("word was just seen");
            let kind = match word.as_str() {
                "events" => MeasureKind::Events,
                "users" => MeasureKind::Users,
                _ => MeasureKind::Sessions,
            };
            (rest, kind)
        }
        "count" => {
            let (i, _) = kw("count")(i)?;
            let (i, _) = cut(expecting("`(` after `count`", sym("(")))(i)?;
            let (i, s) = cut(expecting(
                "a step inside `count(...)`, such as `viewed \"/cart\"`",
                step,
            ))(i)?;
            let (i, _) = cut(expecting("`)` to close `count(`", sym(")")))(i)?;
            (i, MeasureKind::Count(s))
        }
        _ => {
            let mut err = PError::expected(
                offset(&i),
                "a measure: `events`, `users`, `sessions` or `count(step)`",
            );
            if let Some(s) = did_you_mean(&word, ["events", "users", "sessions", "count"]) {
                let (found, span) = describe_token(i.extra.source, offset(&i));
                err.custom = Some(Box::new(
                    Diagnostic::error(
                        codes::UNKNOWN_KEYWORD,
                        format!("expected a measure, found {found}"),
                    )
                    .with_span(span)
                    .with_label("expected `events`, `users`, `sessions` or `count(step)`")
                    .with_help(format!("did you mean `{s}`?")),
                ));
            }
            return Err(nom::Err::Error(err));
        }
    };
    Ok((
        i,
        Measure {
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// `seg := IDENT | "(" segment ")"`
fn seg(i: Input) -> PResult<SegRef> {
    let start = offset(&i);
    if let Ok((rest, _)) = sym("(")(i) {
        let (rest, s) = nested(rest, |r| {
            cut(expecting(
                "a segment such as `users who viewed \"/cart\"`",
                segment,
            ))(r)
        })?;
        let (rest, _) = cut(expecting("`)` to close the segment", sym(")")))(rest)?;
        return Ok((
            rest,
            SegRef {
                kind: SegRefKind::Inline(Box::new(s)),
                span: span_from(start, &rest),
            },
        ));
    }
    let (rest, name) = expecting("a segment name or a segment in parentheses", ident)(i)?;
    Ok((
        rest,
        SegRef {
            kind: SegRefKind::Named(name),
            span: span_from(start, &rest),
        },
    ))
}

/// `INT ( "time" | "times" )` after `at least`, `at most`, `exactly`.
fn times(i: Input) -> PResult<u64> {
    let (i, (n, _)) = cut(expecting("a whole number of times", int))(i)?;
    let (i, _) = cut(expecting("`times`", |i| {
        kw("times")(i).or_else(|_| kw("time")(i))
    }))(i)?;
    Ok((i, n))
}

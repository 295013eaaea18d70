//! The grammar of LANGUAGE.md §3–§5 as nom parsers, one function per
//! production of `grammar/segql.ebnf`.
//!
//! Parsers commit with [`cut`] once a keyword leaves no other reading, so the
//! message a user sees is the precise one ("expected a quoted page path after
//! `viewed`") rather than whatever the last alternative of an `alt` said.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, codes, did_you_mean};
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
    let state = State::new(source);
    let mut statements = Vec::new();
    let mut diagnostics = Vec::new();
    let input = Input::new_extra(source, &state);
    let (mut i, ()) = ws(input).expect("skipping blanks cannot fail");
    while !i.fragment().is_empty() {
        if let Ok((rest, _)) = sym(";")(i) {
            i = rest;
            continue;
        }
        state.depth.set(0);
        match statement_then_end(i) {
            Ok((rest, stmt)) => {
                statements.push(stmt);
                i = rest;
            }
            Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => {
                let resume = resume_after_semicolon(source, e.offset);
                diagnostics.push(to_diagnostic(source, e));
                i = input.take_from(resume);
                let (rest, ()) = ws(i).expect("skipping blanks cannot fail");
                i = rest;
            }
            Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers only"),
        }
    }
    let program = Program {
        statements,
        comments: state.comments.clone(),
    };
    (program, diagnostics)
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
    if starts_statement {
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
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
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
    let (found, span) = describe_token(source, err.offset);
    let expected = if err.expected.is_empty() {
        "something else".to_string()
    } else {
        join_alternatives(&err.expected)
    };
    let mut diagnostic =
        Diagnostic::error(codes::SYNTAX, format!("expected {expected}, found {found}"))
            .with_span(span)
            .with_label(format!("expected {expected}"));
    let word = &source[span.start..span.end];
    let keywords: Vec<&str> = err
        .expected
        .iter()
        .filter_map(|e| e.strip_prefix('`').and_then(|e| e.strip_suffix('`')))
        .filter(|k| k.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        if is_reserved(word) && expected.contains("name") {
            let lower = word.to_lowercase();
            diagnostic = diagnostic.with_help(format!(
                "`{lower}` is a reserved word; back-quote it to use it as a name: `` `{word}` ``"
            ));
        } else if let Some(suggestion) = did_you_mean(word, keywords.iter().copied()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        } else if expected.contains("quoted")
            && !word.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            diagnostic = diagnostic.with_help(format!("put the text in double quotes: \"{word}\""));
        }
    } else if word.starts_with('/') && expected.contains("quoted") {
        let path: String = source[span.start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ';')
            .collect();
        diagnostic = diagnostic.with_help(format!("put the path in double quotes: \"{path}\""));
    } else if word.starts_with('\'') {
        diagnostic = diagnostic.with_help("strings are written in double quotes: \"like this\"");
    } else if word == "=" && expected.contains("`=`") {
        // nothing more to say
    } else if word == "=" && expected.contains("comparison") {
        diagnostic = diagnostic.with_help("compare with `=`, `!=`, `<`, `<=`, `>` or `>=`");
    }
    diagnostic
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
        let body = SegmentBody::In { set, filter };
        return Ok((i, segment_node(audience, audience_span, body, start, &i)));
    }
    let (i, _) = cut(expecting("`who` or `in` after the audience", kw("who")))(i)?;
    let (i, condition) = cut(condition)(i)?;
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
fn condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (mut i, first) = and_c(i)?;
    let mut items = vec![first];
    while let Ok((rest, _)) = kw("or")(i) {
        let (rest, next) = cut(and_c)(rest)?;
        items.push(next);
        i = rest;
    }
    Ok((i, join_condition(items, ConditionKind::Or, start, &i)))
}

/// `and_c := unary { "and" unary }`
fn and_c(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (mut i, first) = unary(i)?;
    let mut items = vec![first];
    while let Ok((rest, _)) = kw("and")(i) {
        let (rest, next) = cut(unary)(rest)?;
        items.push(next);
        i = rest;
    }
    Ok((i, join_condition(items, ConditionKind::And, start, &i)))
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

const CONDITION_EXPECTED: &str = "a condition: a behavior such as `viewed \"/cart\"`, a profile test such as `plan = \"pro\"`, `in segment NAME`, `not` or `(`";

/// `unary := "not" unary | "(" condition ")" [ range ] | [ "have" ] atom | "in" set_ref | behavior`
fn unary(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let node = |kind, rest: &Input| Condition {
        kind,
        span: span_from(start, rest),
    };
    match word.as_str() {
        "not" => {
            let (i, _) = kw("not")(i)?;
            let (i, inner) = nested(i, |i| cut(unary)(i))?;
            let c = node(ConditionKind::Not(Box::new(inner)), &i);
            Ok((i, c))
        }
        "have" => {
            let (i, _) = kw("have")(i)?;
            let (i, a) = cut(expecting(
                "a profile test after `have`, such as `plan = \"premium\"`",
                atom,
            ))(i)?;
            let c = node(
                ConditionKind::Profile {
                    atom: a,
                    have: true,
                },
                &i,
            );
            Ok((i, c))
        }
        "in" => {
            let (i, _) = kw("in")(i)?;
            let (i, set) = cut(set_ref)(i)?;
            let c = node(ConditionKind::InSet(set), &i);
            Ok((i, c))
        }
        "performed" | "viewed" | "action" | "clicked" | "error" | "event" | "any" => {
            let (i, b) = behavior(i)?;
            let c = node(ConditionKind::Behavior(b), &i);
            Ok((i, c))
        }
        _ if i.fragment().starts_with('(') => {
            let (i, _) = sym("(")(i)?;
            let (i, inner) = nested(i, |i| cut(condition)(i))?;
            let (i, _) = cut(expecting("`)` to close the parenthesis", sym(")")))(i)?;
            let (i, r) = opt(range)(i)?;
            let c = node(
                ConditionKind::Group {
                    inner: Box::new(inner),
                    range: r,
                },
                &i,
            );
            Ok((i, c))
        }
        _ => {
            if let Some(err) = misspelled_behavior(&i) {
                return Err(nom::Err::Failure(err));
            }
            let (i, a) = expecting(CONDITION_EXPECTED, atom)(i)?;
            let c = node(
                ConditionKind::Profile {
                    atom: a,
                    have: false,
                },
                &i,
            );
            Ok((i, c))
        }
    }
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
    let next_is_target = after.fragment().starts_with('"') || at_keyword(&after, "like");
    if !next_is_target {
        return None;
    }
    let at = offset(i);
    let span = Span::new(at, at + word.len());
    let mut diagnostic = Diagnostic::error(
        codes::UNKNOWN_KEYWORD,
        format!("`{word}` is not a kind of event"),
    )
    .with_span(span)
    .with_label("expected `viewed`, `action`, `clicked`, `error`, `event` or `any event`");
    let behaviors = ["viewed", "action", "clicked", "error", "event", "performed"];
    diagnostic = match did_you_mean(word, behaviors) {
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
                codes::SYNTAX,
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
                return Err(nom::Err::Failure(PError::expected(
                    offset(&i),
                    "`last` or `past` after `during`",
                )));
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
    let (mut i, first) = p_and(i)?;
    let mut items = vec![first];
    while let Ok((rest, _)) = kw("or")(i) {
        if !starts_atom(&rest) {
            break;
        }
        let (rest, next) = cut(p_and)(rest)?;
        items.push(next);
        i = rest;
    }
    Ok((i, join_pred(items, PredKind::Or, start, &i)))
}

/// `p_and := p_not { "and" p_not }`
fn p_and(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (mut i, first) = p_not(i)?;
    let mut items = vec![first];
    while let Ok((rest, _)) = kw("and")(i) {
        if !starts_atom(&rest) {
            break;
        }
        let (rest, next) = cut(p_not)(rest)?;
        items.push(next);
        i = rest;
    }
    Ok((i, join_pred(items, PredKind::And, start, &i)))
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
fn p_not(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    if let Ok((rest, _)) = kw("not")(i) {
        let (rest, inner) = nested(rest, |r| cut(p_not)(r))?;
        return Ok((
            rest,
            Pred {
                kind: PredKind::Not(Box::new(inner)),
                span: span_from(start, &rest),
            },
        ));
    }
    if let Ok((rest, _)) = sym("(")(i) {
        let (rest, inner) = nested(rest, |r| cut(pred)(r))?;
        let (rest, _) = cut(expecting("`)` to close the parenthesis", sym(")")))(rest)?;
        return Ok((
            rest,
            Pred {
                kind: PredKind::Group(Box::new(inner)),
                span: span_from(start, &rest),
            },
        ));
    }
    let (rest, a) = expecting("a column test such as `device = \"mobile\"`", atom)(i)?;
    Ok((
        rest,
        Pred {
            kind: PredKind::Atom(a),
            span: span_from(start, &rest),
        },
    ))
}

const AFTER_COLUMN: &str = "a comparison after the column: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `is`, `like`, `between` or `contains`";

/// `atom := ident cmp literal | ident [ "not" ] "in" "(" literal { "," literal } ")"
///        | ident "is" [ "not" ] "null" | ident [ "not" ] "like" STRING
///        | ident "between" literal "and" literal
///        | ident "in" "the" ( "past" | "last" ) [ INT ] UNIT | ident "contains" STRING`
fn atom(i: Input) -> PResult<Atom> {
    let start = offset(&i);
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
            let (i, _) = cut(expecting("`null` after `is`", kw("null")))(i)?;
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
            let (i, op) = cut(expecting(AFTER_COLUMN, cmp))(i)?;
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

/// `"(" literal { "," literal } ")"`
fn literal_list(i: Input) -> PResult<Vec<Literal>> {
    let (mut i, _) = cut(expecting(
        "`(` and a list of values after `in`, such as (\"BR\", \"US\")",
        sym("("),
    ))(i)?;
    let mut values = Vec::new();
    loop {
        let (rest, v) = cut(expecting("a value in the list", literal))(i)?;
        values.push(v);
        if let Ok((rest, _)) = sym(",")(rest) {
            i = rest;
            continue;
        }
        let (rest, _) = cut(expecting("`,` or `)` in the list of values", sym(")")))(rest)?;
        return Ok((rest, values));
    }
}

/// `cmp := "=" | "!=" | "<" | "<=" | ">" | ">="`
fn cmp(i: Input) -> PResult<CmpOp> {
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
    if i.fragment().starts_with("<>") || i.fragment().starts_with("==") {
        let at = offset(&i);
        let written = &i.fragment()[..2];
        let right = if written == "<>" { "!=" } else { "=" };
        return failure(
            at,
            Diagnostic::error(
                codes::SYNTAX,
                format!("`{written}` is not a comparison in segql"),
            )
            .with_span(Span::new(at, at + 2))
            .with_label("unknown operator")
            .with_help(format!("write `{right}`")),
        );
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

/// `funnel := "funnel" step "then" [ "not" ] step { "then" [ "not" ] step } [ within ]
///            [ "for" seg ] [ "compare" seg { "," seg } ] [ "by" ident ] [ range ]`
fn funnel(i: Input) -> PResult<Funnel> {
    let (i, _) = kw("funnel")(i)?;
    let (i, steps) = cut(expecting(
        "the first step of the funnel, such as `viewed \"/home\"`",
        sequence,
    ))(i)?;
    if steps.len() < 2 {
        return Err(nom::Err::Failure(PError::expected(
            offset(&i),
            "`then` and a second step (a funnel has at least two steps)",
        )));
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
                    return Err(nom::Err::Failure(PError::expected(
                        offset(&i),
                        "`day`, `week` or `month` after `every`",
                    )));
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
    let (i, depth) = int_clause(i, "depth", "a whole number after `depth`")?;
    let (i, top) = int_clause(i, "top", "a whole number after `top`")?;
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
            if let Ok((rest, (unit, _))) = unit(i) {
                (
                    rest,
                    Some(Duration {
                        count: 1,
                        unit,
                        span: span_from(start, &rest),
                    }),
                )
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
    let (i, top) = int_clause(i, "top", "a whole number after `top`")?;
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
                    Diagnostic::error(codes::SYNTAX, format!("expected a measure, found {found}"))
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

//! The grammar of LANGUAGE.md §3–§5 as nom parsers, one function per
//! production of `grammar/segql.ebnf`.
//!
//! Parsers commit with [`cut`] once a keyword leaves no other reading, so the
//! message a user sees is the precise one ("expected a quoted page path after
//! `viewed`") rather than whatever the last alternative of an `alt` said.
//!
//! This module holds what every production uses (the shared [`State`], the
//! error type [`PError`], the combinators) and the program: statements, the
//! end of a statement and the recovery after an error. The productions have
//! one module per construct: `segment`, `condition` (with `boolean`, the
//! `and`/`or`/`not` shape it shares with `predicate`), `behavior`, `range`
//! and `analysis`; `diagnose` turns a failure into the user's message.

mod analysis;
mod behavior;
mod boolean;
mod condition;
mod diagnose;
mod predicate;
mod range;
mod segment;

use crate::ast::*;
use crate::diagnostic::{Diagnostic, codes, did_you_mean, quoted};
use crate::keywords::{self, Starts};
use crate::lexer::{
    describe_token, kw, line_end, peek_word, quoted_end, scan_comments, starts_comment, sym, ws,
};
use crate::span::Span;
use analysis::{explore, funnel, lifecycle, paths, retention, stickiness};
use diagnose::to_diagnostic;
use nom::{IResult, Input as _};
use nom_locate::LocatedSpan;
use range::range;
use segment::{segment, segment_def};
use std::borrow::Cow;
use std::cell::Cell;

/// How deeply parentheses and `not`s may nest. Deeper input gets a
/// diagnostic instead of exhausting the stack.
pub const MAX_DEPTH: usize = 48;

/// What the parser shares across a parse: the source, its comments (found
/// once, up front, so that backtracking cannot duplicate them) and the
/// current nesting depth.
pub struct State<'a> {
    pub source: &'a str,
    pub comments: Vec<Comment>,
    pub depth: Cell<usize>,
}

impl<'a> State<'a> {
    pub fn new(source: &'a str) -> Self {
        State {
            source,
            comments: scan_comments(source),
            depth: Cell::new(0),
        }
    }

    /// The end of the last token before `offset`: steps back over the
    /// whitespace and comments that token parsers consume after a token.
    pub fn token_end_before(&self, mut offset: usize) -> usize {
        let bytes = self.source.as_bytes();
        loop {
            while offset > 0 && bytes[offset - 1].is_ascii_whitespace() {
                offset -= 1;
            }
            match self.comments.iter().find(|c| c.span.end == offset) {
                Some(comment) => offset = comment.span.start,
                None => return offset,
            }
        }
    }
}

pub type Input<'a> = LocatedSpan<&'a str, &'a State<'a>>;
pub type PResult<'a, O> = IResult<Input<'a>, O, PError>;

/// A parse failure: where, what would have been accepted there, or a fully
/// formed diagnostic for problems that are not "expected X" (a bad escape,
/// an impossible date).
#[derive(Debug, Clone)]
pub struct PError {
    pub offset: usize,
    pub expected: Vec<Cow<'static, str>>,
    pub custom: Option<Box<Diagnostic>>,
}

impl PError {
    pub fn expected(offset: usize, what: impl Into<Cow<'static, str>>) -> Self {
        PError {
            offset,
            expected: vec![what.into()],
            custom: None,
        }
    }

    pub fn custom(offset: usize, diagnostic: Diagnostic) -> Self {
        PError {
            offset,
            expected: Vec::new(),
            custom: Some(Box::new(diagnostic)),
        }
    }
}

impl<'a> nom::error::ParseError<Input<'a>> for PError {
    fn from_error_kind(input: Input<'a>, _kind: nom::error::ErrorKind) -> Self {
        PError {
            offset: input.location_offset(),
            expected: Vec::new(),
            custom: None,
        }
    }

    fn append(_input: Input<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives, the one that got further explains the
    /// problem best; at the same place, both sets of expectations count.
    fn or(self, other: Self) -> Self {
        merge(self, other)
    }
}

pub fn merge(a: PError, b: PError) -> PError {
    use std::cmp::Ordering::*;
    match a.offset.cmp(&b.offset) {
        Greater => a,
        Less => b,
        Equal => match (&a.custom, &b.custom) {
            (Some(_), _) => a,
            (_, Some(_)) => b,
            _ => {
                let mut expected = a.expected;
                for e in b.expected {
                    if !expected.contains(&e) {
                        expected.push(e);
                    }
                }
                PError {
                    offset: a.offset,
                    expected,
                    custom: None,
                }
            }
        },
    }
}

pub fn offset(i: &Input) -> usize {
    i.location_offset()
}

/// The span from `start` to the end of the last token consumed before `rest`.
pub fn span_from(start: usize, rest: &Input) -> Span {
    Span::new(start, rest.extra.token_end_before(offset(rest)).max(start))
}

pub fn fail<'a, O>(i: &Input<'a>, what: impl Into<Cow<'static, str>>) -> PResult<'a, O> {
    Err(nom::Err::Error(PError::expected(offset(i), what)))
}

/// `fail`, but final: the error is reported without trying alternatives.
pub fn fail_cut<'a, O>(i: &Input<'a>, what: impl Into<Cow<'static, str>>) -> PResult<'a, O> {
    Err(nom::Err::Failure(PError::expected(offset(i), what)))
}

/// The error `expected WHAT, found ...` of `code`, spanning the token at
/// `i` (the one found).
pub fn expected_found(code: &'static str, i: &Input, what: &str) -> Diagnostic {
    let (found, span) = describe_token(i.extra.source, offset(i));
    Diagnostic::error(code, format!("expected {what}, found {found}")).with_span(span)
}

pub fn failure<'a, O>(offset: usize, diagnostic: Diagnostic) -> PResult<'a, O> {
    Err(nom::Err::Failure(PError::custom(offset, diagnostic)))
}

/// A [`failure`] at `i`, its diagnostic spanning the `len` bytes there.
pub fn failure_here<'a, O>(i: &Input, len: usize, diagnostic: Diagnostic) -> PResult<'a, O> {
    let at = offset(i);
    failure(at, diagnostic.with_span(Span::new(at, at + len)))
}

/// Runs `parser`; when it fails where it started, says `what` was expected
/// there instead of the parts' own expectations.
pub fn expecting<'a, O>(
    what: &'static str,
    mut parser: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, O> {
    move |i: Input<'a>| {
        let start = offset(&i);
        parser(i).map_err(|e| {
            e.map(|mut err| {
                if err.offset == start && err.custom.is_none() {
                    err.expected = vec![Cow::Borrowed(what)];
                }
                err
            })
        })
    }
}

/// Turns a recoverable failure into a fatal one: used once a keyword has
/// committed the parser to a production, so that `alt` cannot replace the
/// precise message with a vaguer one from another branch.
pub fn cut<'a, O>(
    mut parser: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, O> {
    move |i| match parser(i) {
        Err(nom::Err::Error(e)) => Err(nom::Err::Failure(e)),
        other => other,
    }
}

/// `parser`, which must match here: when it does not, the error says `what`
/// was expected, and no alternative is tried.
pub fn required<'a, O>(
    what: &'static str,
    parser: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, O> {
    cut(expecting(what, parser))
}

/// The keyword `word` and what must follow it ([`required`]).
pub fn after<'a, O>(
    word: &'static str,
    what: &'static str,
    parser: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, O> {
    let mut rest = required(what, parser);
    move |i: Input<'a>| {
        let (i, _) = kw(word)(i)?;
        rest(i)
    }
}

/// Runs `parser` and gives back `None` on a recoverable failure, keeping the
/// input where it was.
pub fn opt<'a, O>(
    mut parser: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, Option<O>> {
    move |i: Input<'a>| match parser(i) {
        Ok((rest, o)) => Ok((rest, Some(o))),
        Err(nom::Err::Error(_)) => Ok((i, None)),
        Err(e) => Err(e),
    }
}

/// `[ word item ]`: the item after an optional keyword, which commits the
/// parser to it.
pub fn clause<'a, O>(
    word: &'static str,
    mut item: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, Option<O>> {
    move |i: Input<'a>| match kw(word)(i) {
        Ok((i, _)) => {
            let (i, o) = cut(&mut item)(i)?;
            Ok((i, Some(o)))
        }
        Err(_) => Ok((i, None)),
    }
}

/// `item { "," item }`: every item after a comma is committed to.
pub fn comma_list<'a, O>(
    mut item: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, Vec<O>> {
    move |i: Input<'a>| {
        let (mut i, first) = item(i)?;
        let mut items = vec![first];
        while let Ok((rest, _)) = sym(",")(i) {
            let (rest, next) = cut(&mut item)(rest)?;
            items.push(next);
            i = rest;
        }
        Ok((i, items))
    }
}

/// Runs `parser` one nesting level deeper, failing with a diagnostic past
/// [`MAX_DEPTH`].
pub fn nested<'a, O>(
    i: Input<'a>,
    parser: impl FnOnce(Input<'a>) -> PResult<'a, O>,
) -> PResult<'a, O> {
    let depth = &i.extra.depth;
    if depth.get() >= MAX_DEPTH {
        return failure_here(
            &i,
            1,
            Diagnostic::error(
                codes::TOO_DEEP,
                format!("parentheses and `not` nest more than {MAX_DEPTH} levels deep here"),
            )
            .with_label("too deep")
            .with_help("simplify the expression, or split it into named segments"),
        );
    }
    depth.set(depth.get() + 1);
    let result = parser(i);
    depth.set(depth.get() - 1);
    result
}

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
    let starts_statement = keywords::starts(peek_word(rest), Starts::Statement);
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
        word if segment && keywords::starts(word, Starts::Condition) => Diagnostic::error(
            codes::SYNTAX,
            format!("expected `and`, `or` or `then` before {found}"),
        )
        .with_span(span)
        .with_label("a new condition, but nothing joins it to the one before")
        .with_help(
            "join two conditions with `and` or `or`, and the steps of a sequence with `then`: \
                 `viewed \"/cart\" and action \"CHECKOUT\"`",
        ),
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
                // Unlike the lexer, recovery lets a backslash escape in a
                // back-quoted name too.
                i = quoted_end(bytes, i, true);
                if bytes.get(i) != Some(&quote) {
                    // A string the line ends in is no string: its `;` most
                    // likely ends the statement whose closing quote is missing.
                    if let Some(semicolon) = source[start..i.min(bytes.len())].find(';') {
                        return start + semicolon + 1;
                    }
                }
                i += 1;
            }
            _ if starts_comment(bytes, i) => i = line_end(bytes, i),
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `statement := segment_def | segment | funnel | retention | paths | explore
///               | lifecycle | stickiness`
fn statement(i: Input) -> PResult<Statement> {
    let start = offset(&i);
    let word = peek_word(&i);
    let (rest, kind) = match word.to_ascii_lowercase().as_str() {
        "segment" => segment_def(i).map(|(rest, d)| (rest, StatementKind::Define(d)))?,
        "users" | "accounts" => segment(i).map(|(rest, s)| (rest, StatementKind::Segment(s)))?,
        "funnel" => funnel(i).map(|(rest, f)| (rest, StatementKind::Funnel(f)))?,
        "retention" => retention(i).map(|(rest, r)| (rest, StatementKind::Retention(r)))?,
        "paths" => paths(i).map(|(rest, p)| (rest, StatementKind::Paths(p)))?,
        "explore" => explore(i).map(|(rest, e)| (rest, StatementKind::Explore(e)))?,
        "lifecycle" => lifecycle(i).map(|(rest, l)| (rest, StatementKind::Lifecycle(l)))?,
        "stickiness" => stickiness(i).map(|(rest, s)| (rest, StatementKind::Stickiness(s)))?,
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
    let word = peek_word(i);
    let mut diagnostic = expected_found(codes::SYNTAX, i, "a statement")
    .with_label("a statement starts with `users`, `accounts`, `segment`, `funnel`, `retention`, `paths`, `explore`, `lifecycle` or `stickiness`");
    if let Some(s) = did_you_mean(word, keywords::starting(Starts::Statement)) {
        diagnostic = diagnostic.with_help(format!("did you mean `{s}`?"));
        diagnostic.code = codes::UNKNOWN_KEYWORD;
    } else if keywords::starts(word, Starts::Condition) {
        diagnostic = diagnostic.with_help(format!(
            "a segment names its audience first: `users who {word} ...`"
        ));
    }
    err.custom = Some(Box::new(diagnostic));
    err
}

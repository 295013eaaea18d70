//! Segments: `segment NAME = ...`, `users who ...`, `accounts in ...`,
//! and what `in` refers to.

use super::condition::condition;
use super::predicate::pred;
use super::range::range;
use super::{
    Input, PError, PResult, after, clause, cut, expected_found, expecting, fail, failure, offset,
    opt, required, span_from,
};
use crate::ast::{Audience, CsvKey, Pred, Segment, SegmentBody, SegmentDef, SetRef, SetRefKind};
use crate::diagnostic::{Diagnostic, codes, did_you_mean};
use crate::lexer::{at_keyword, ident, kw, peek_word, string, sym};
use crate::span::Span;

/// `segment_def := "segment" IDENT "=" segment`
pub fn segment_def(i: Input) -> PResult<SegmentDef> {
    let (i, name) = after("segment", "a segment name after `segment`", ident)(i)?;
    let (i, _) = required("`=` after the segment name", sym("="))(i)?;
    let (i, segment) = required("`users` or `accounts` to start the segment", segment)(i)?;
    Ok((i, SegmentDef { name, segment }))
}

/// `segment := audience "who" condition [ "where" pred [ range ] ] | audience "in" set_ref [ "where" pred ]`
pub fn segment(i: Input) -> PResult<Segment> {
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
        let audience_word = audience.keyword();
        return failure(
            at,
            expected_found(
                codes::SYNTAX,
                &i,
                &format!("`who` or `in` after `{audience_word}`"),
            )
            .with_label("expected `who` or `in`")
            .with_help(format!(
                "a segment reads `{audience_word} who <condition>`: \
                 `{audience_word} who have country = \"BR\"`"
            )),
        );
    }
    let (i, _) = required("`who` or `in` after the audience", kw("who"))(i)?;
    let (i, condition) = required("a condition after `who`", condition)(i)?;
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
    clause(
        "where",
        expecting(
            "a profile filter after `where`, such as `country = \"BR\"`",
            pred,
        ),
    )(i)
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

/// `set_ref := "segment" IDENT | "csv" STRING [ "column" STRING ] [ "by" ( "id" | "email" ) ]`
pub fn set_ref(i: Input) -> PResult<SetRef> {
    let start = offset(&i);
    if let Ok((i, _)) = kw("segment")(i) {
        let (i, name) = required("a segment name after `in segment`", ident)(i)?;
        return Ok((
            i,
            SetRef {
                kind: SetRefKind::Segment(name),
                span: span_from(start, &i),
            },
        ));
    }
    if let Ok((i, _)) = kw("csv")(i) {
        let (i, path) = required("the quoted path of a CSV file after `csv`", string)(i)?;
        let (i, column) = clause(
            "column",
            expecting("the quoted name of a CSV column after `column`", string),
        )(i)?;
        let (i, key) = clause("by", csv_key)(i)?;
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
        err.custom = Some(Box::new(
            expected_found(codes::UNKNOWN_KEYWORD, &i, "`segment` or `csv` after `in`")
                .with_label("expected `segment NAME` or `csv \"file.csv\"`")
                .with_help(format!("did you mean `{s}`?")),
        ));
    }
    Err(nom::Err::Failure(err))
}

/// `"id" | "email"` after `by`: which column of the CSV file names members.
fn csv_key(i: Input) -> PResult<CsvKey> {
    if let Ok((i, _)) = kw("id")(i) {
        return Ok((i, CsvKey::Id));
    }
    if let Ok((i, _)) = kw("email")(i) {
        return Ok((i, CsvKey::Email));
    }
    fail(&i, "`id` or `email` after `by`")
}

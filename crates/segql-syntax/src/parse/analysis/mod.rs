//! The analyses, one module each: `funnel`, `retention`, `paths`,
//! `explore`, `lifecycle` and `stickiness`; and the clauses they share
//! (`for`, `by`, `every` with a calendar period, counted clauses, the final
//! range and the order of clauses) with `seg`, the segment a clause names.

mod explore;
mod funnel;
mod lifecycle;
mod paths;
mod retention;
mod stickiness;

pub use explore::explore;
pub use funnel::funnel;
pub use lifecycle::lifecycle;
pub use paths::paths;
pub use retention::retention;
pub use stickiness::stickiness;

use super::range::range;
use super::segment::segment;
use super::{
    Input, PError, PResult, clause, expecting, failure, nested, offset, opt, required, span_from,
};
use crate::ast::{Ident, Period, Range, SegRef, SegRefKind};
use crate::diagnostic::{Diagnostic, codes};
use crate::lexer::{describe_token, ident, int, kw, peek_word, sym};

/// `[ range ]`, the last clause of every analysis; then fails with
/// `clause-order` when a clause of the analysis (`order` lists them in
/// order) follows it.
fn final_range<'a>(i: Input<'a>, analysis: &str, order: &[&str]) -> PResult<'a, Option<Range>> {
    let (i, range) = opt(range)(i)?;
    clause_order_check(&i, analysis, order)?;
    Ok((i, range))
}

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

/// `[ "for" seg ]`: the segment an analysis is scoped to.
fn for_clause(i: Input) -> PResult<Option<SegRef>> {
    clause("for", seg)(i)
}

/// `[ "by" ident ]`: the one column a funnel or retention is broken down by.
fn by_one(i: Input) -> PResult<Option<Ident>> {
    clause("by", expecting("a column name after `by`", ident))(i)
}

/// `[ word INT ]`, with `what` for a missing number.
fn int_clause<'a>(
    i: Input<'a>,
    word: &'static str,
    what: &'static str,
) -> PResult<'a, Option<u64>> {
    let (i, n) = clause(word, expecting(what, int))(i)?;
    Ok((i, n.map(|(n, _)| n)))
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

/// `seg := IDENT | "(" segment ")"`
fn seg(i: Input) -> PResult<SegRef> {
    let start = offset(&i);
    if let Ok((rest, _)) = sym("(")(i) {
        let (rest, s) = nested(rest, |r| {
            required("a segment such as `users who viewed \"/cart\"`", segment)(r)
        })?;
        let (rest, _) = required("`)` to close the segment", sym(")"))(rest)?;
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

/// `"day" | "week" | "month"` after `every` in `analysis`, which counts
/// calendar periods.
fn period<'a>(i: Input<'a>, analysis: &str) -> PResult<'a, Period> {
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
                "year" | "yearly" | "quarter" | "quarterly" if analysis == "retention" => {
                    "retention counts calendar days, weeks or months: for a year, \
                     write `every month periods 12`"
                        .to_string()
                }
                _ => format!(
                    "{analysis} counts calendar periods: `every day`, `every week` \
                     or `every month`"
                ),
            };
            return failure(
                at,
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("expected `day`, `week` or `month` after `every`, found {found}"),
                )
                .with_span(span)
                .with_label("expected `day`, `week` or `month`")
                .with_help(help),
            );
        }
    };
    let (i, _) = kw(period.keyword())(i)?;
    Ok((i, period))
}

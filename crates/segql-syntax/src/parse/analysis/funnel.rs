//! `funnel`: how many of those who took the first step took the next ones,
//! in order.

use super::{by_one, final_range, for_clause, period, seg};
use crate::ast::{Funnel, FunnelOrder, OrderKind, SeqStep};
use crate::diagnostic::{Diagnostic, codes, did_you_mean};
use crate::keywords::{self, Starts};
use crate::lexer::{at_keyword, describe_token, kw, peek_word};
use crate::parse::behavior::{holding, sequence, within};
use crate::parse::{
    Input, PError, PResult, clause, comma_list, failure, failure_here, offset, opt, required,
    span_from,
};

/// `funnel := "funnel" step "then" [ "not" ] step { "then" [ "not" ] step } [ within ]
///            [ "in" ( "strict" | "any" ) "order" ] [ holding ] [ "every" PERIOD ]
///            [ "for" seg ] [ "compare" seg { "," seg } ] [ "by" ident ] [ range ]`
pub fn funnel(i: Input) -> PResult<Funnel> {
    let (i, _) = kw("funnel")(i)?;
    if at_keyword(&i, "not") {
        return failure_here(
            &i,
            "not".len(),
            Diagnostic::error(codes::SYNTAX, "a funnel cannot start with a negated step")
                .with_label("the first step is negated")
                .with_help(
                    "start with a step the actors did; negated steps go between or after them: \
                     `funnel viewed \"/cart\" then not action \"CHECKOUT\" then viewed \"/cart\"`",
                ),
        );
    }
    let (i, steps) = required(
        "the first step of the funnel, such as `viewed \"/home\"`",
        sequence,
    )(i)?;
    if steps.len() < 2 {
        return Err(nom::Err::Failure(funnel_second_step_error(&i, &steps[0])));
    }
    let (i, within) = opt(within)(i)?;
    let (i, order) = funnel_order(i)?;
    let (i, holding) = if at_keyword(&i, "holding") {
        let (i, h) = holding(i)?;
        (i, Some(h))
    } else {
        (i, None)
    };
    let (i, every) = clause("every", |i| period(i, "funnel"))(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, compare) = clause("compare", comma_list(seg))(i)?;
    let compare = compare.unwrap_or_default();
    let (i, by) = by_one(i)?;
    let (i, range) = final_range(
        i,
        "funnel",
        &[
            "within",
            "in ... order",
            "holding",
            "every",
            "for",
            "compare",
            "by",
            "range",
        ],
    )?;
    Ok((
        i,
        Funnel {
            steps,
            within,
            order,
            holding,
            every,
            scope,
            compare,
            by,
            range,
        },
    ))
}

/// `[ "in" ( "strict" | "any" ) "order" ]`
fn funnel_order(i: Input) -> PResult<Option<FunnelOrder>> {
    if !at_keyword(&i, "in") {
        return Ok((i, None));
    }
    let start = offset(&i);
    let (rest, _) = kw("in")(i)?;
    let word = peek_word(&rest).to_ascii_lowercase();
    let kind = match word.as_str() {
        "strict" => OrderKind::Strict,
        "any" => OrderKind::Any,
        // `in the past week` is the funnel's range.
        _ if word == "the" || did_you_mean(&word, ["strict", "any"]).is_none() => {
            return Ok((i, None));
        }
        _ => {
            let at = offset(&rest);
            let (found, span) = describe_token(rest.extra.source, at);
            let close = did_you_mean(&word, ["strict", "any"]).unwrap_or("strict");
            let help = format!("did you mean `in {close} order`?");
            return failure(
                at,
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("expected `strict` or `any` after `in`, found {found}"),
                )
                .with_span(span)
                .with_label("expected `strict` or `any`")
                .with_help(help),
            );
        }
    };
    let (rest, _) = kw(kind.keyword())(rest)?;
    let (rest, _) = match kw("order")(rest) {
        Ok(ok) => ok,
        Err(_) => {
            let at = offset(&rest);
            let (found, span) = describe_token(rest.extra.source, at);
            return failure(
                at,
                Diagnostic::error(
                    codes::SYNTAX,
                    format!(
                        "expected `order` after `in {}`, found {found}",
                        kind.keyword()
                    ),
                )
                .with_span(span)
                .with_label("expected `order`")
                .with_help(format!("write `in {} order`", kind.keyword())),
            );
        }
    };
    Ok((
        rest,
        Some(FunnelOrder {
            kind,
            span: span_from(start, &rest),
        }),
    ))
}

/// A funnel with one step: says so, or that `then` is missing between two
/// steps.
fn funnel_second_step_error(i: &Input, first: &SeqStep) -> PError {
    let at = offset(i);
    let (found, span) = describe_token(i.extra.source, at);
    let word = peek_word(i).to_ascii_lowercase();
    let example = "`funnel viewed \"/cart\" then action \"CHECKOUT\"`";
    let starts_step = keywords::starts(&word, Starts::Behavior);
    let ends = i.fragment().is_empty()
        || i.fragment().starts_with(';')
        || ["within", "in", "holding", "every", "for", "compare", "by"].contains(&word.as_str())
        || keywords::starts(&word, Starts::Range);
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

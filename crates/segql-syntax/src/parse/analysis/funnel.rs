//! `funnel`: how many of those who took the first step took the next ones,
//! in order.

use super::{by_one, final_range, for_clause, seg};
use crate::ast::{Funnel, SeqStep};
use crate::diagnostic::{Diagnostic, codes, did_you_mean};
use crate::keywords::{self, Starts};
use crate::lexer::{at_keyword, describe_token, kw, peek_word};
use crate::parse::behavior::{sequence, within};
use crate::parse::{
    Input, PError, PResult, clause, comma_list, failure_here, offset, opt, required,
};

/// `funnel := "funnel" step "then" [ "not" ] step { "then" [ "not" ] step } [ within ]
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
    let (i, scope) = for_clause(i)?;
    let (i, compare) = clause("compare", comma_list(seg))(i)?;
    let compare = compare.unwrap_or_default();
    let (i, by) = by_one(i)?;
    let (i, range) = final_range(i, "funnel", &["within", "for", "compare", "by", "range"])?;
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
    let starts_step = keywords::starts(&word, Starts::Behavior);
    let ends = i.fragment().is_empty()
        || i.fragment().starts_with(';')
        || ["within", "for", "compare", "by"].contains(&word.as_str())
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

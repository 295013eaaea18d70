//! `retention`: of those who took a starting step, how many came back to
//! take the returning step, period after period.

use super::{by_one, final_range, for_clause, int_clause};
use crate::ast::{Period, Retention};
use crate::diagnostic::{Diagnostic, codes};
use crate::lexer::{describe_token, kw, peek_word};
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, after, clause, failure, offset, required};

/// `retention := "retention" step "returning" step [ "every" ( "day" | "week" | "month" ) ]
///               [ "periods" INT ] [ "for" seg ] [ "by" ident ] [ range ]`
pub fn retention(i: Input) -> PResult<Retention> {
    let (i, start) = after(
        "retention",
        "the starting step, such as `viewed \"/home\"`",
        step,
    )(i)?;
    let (i, _) = required(
        "`returning` and the step that counts as a return",
        kw("returning"),
    )(i)?;
    let (i, returning) = required("the returning step, such as `action \"add_to_cart\"`", step)(i)?;
    let (i, every) = clause("every", period)(i)?;
    let (i, periods) = int_clause(i, "periods", "a whole number of periods after `periods`")?;
    let (i, scope) = for_clause(i)?;
    let (i, by) = by_one(i)?;
    let (i, range) = final_range(i, "retention", &["every", "periods", "for", "by", "range"])?;
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

/// `"day" | "week" | "month"` after `every`.
fn period(i: Input) -> PResult<Period> {
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

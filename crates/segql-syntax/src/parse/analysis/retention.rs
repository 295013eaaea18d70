//! `retention`: of those who took a starting step, how many came back to
//! take the returning step, period after period.

use super::{by_one, final_range, for_clause, int_clause, period};
use crate::ast::Retention;
use crate::lexer::kw;
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, after, clause, required};

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
    let (i, every) = clause("every", |i| period(i, "retention"))(i)?;
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

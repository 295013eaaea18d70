//! `stickiness`: actors by the number of distinct periods in which they
//! took a step.

use super::{final_range, for_clause, period};
use crate::ast::Stickiness;
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, after, clause};

/// `stickiness := "stickiness" step [ "every" PERIOD ] [ "for" seg ] [ range ]`
pub fn stickiness(i: Input) -> PResult<Stickiness> {
    let (i, step) = after(
        "stickiness",
        "the step whose periods are counted, such as `viewed \"/home\"`",
        step,
    )(i)?;
    let (i, every) = clause("every", |i| period(i, "stickiness"))(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, range) = final_range(i, "stickiness", &["every", "for", "range"])?;
    Ok((
        i,
        Stickiness {
            step,
            every,
            scope,
            range,
        },
    ))
}

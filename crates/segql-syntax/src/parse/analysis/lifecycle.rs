//! `lifecycle`: per period, how many actors are new, returning,
//! resurrecting or dormant in a step.

use super::{final_range, for_clause, period};
use crate::ast::LifecycleAnalysis;
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, after, clause};

/// `lifecycle := "lifecycle" step [ "every" PERIOD ] [ "for" seg ] [ range ]`
pub fn lifecycle(i: Input) -> PResult<LifecycleAnalysis> {
    let (i, step) = after(
        "lifecycle",
        "the step that makes an actor active, such as `action \"add_to_cart\"`",
        step,
    )(i)?;
    let (i, every) = clause("every", |i| period(i, "lifecycle"))(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, range) = final_range(i, "lifecycle", &["every", "for", "range"])?;
    Ok((
        i,
        LifecycleAnalysis {
            step,
            every,
            scope,
            range,
        },
    ))
}

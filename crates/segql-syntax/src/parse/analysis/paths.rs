//! `paths`: the most common sequences of pages viewed, from or to a page.

use super::{final_range, for_clause, positive_int_clause};
use crate::ast::Paths;
use crate::lexer::kw;
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, clause, expecting};

/// `paths := "paths" [ "from" step ] [ "to" step ] [ "depth" INT ] [ "top" INT ] [ "for" seg ] [ range ]`
pub fn paths(i: Input) -> PResult<Paths> {
    let (i, _) = kw("paths")(i)?;
    let (i, from) = clause(
        "from",
        expecting("a view after `from`, such as `viewed \"/cart\"`", step),
    )(i)?;
    let (i, to) = clause(
        "to",
        expecting("a view after `to`, such as `viewed \"/checkout\"`", step),
    )(i)?;
    let (i, depth) = positive_int_clause(
        i,
        "depth",
        "`depth 0` leaves no page in a path",
        "`depth` is at least 1 (5 by default)",
    )?;
    let (i, top) = positive_int_clause(
        i,
        "top",
        "`top 0` keeps no row",
        "`top` is at least 1 (10 by default)",
    )?;
    let (i, scope) = for_clause(i)?;
    let (i, range) = final_range(i, "paths", &["from", "to", "depth", "top", "for", "range"])?;
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

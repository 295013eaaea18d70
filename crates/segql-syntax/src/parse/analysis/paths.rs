//! `paths`: the most common sequences of pages viewed, from or to a page,
//! with page names cleaned into labels.

use super::{final_range, for_clause, positive_int_clause};
use crate::ast::{CleanRule, Paths};
use crate::lexer::{kw, string, sym};
use crate::parse::behavior::step;
use crate::parse::{Input, PResult, clause, expecting, offset, required, span_from};

/// `paths := "paths" [ "from" step ] [ "to" step ] [ "depth" INT ] [ "top" INT ]
///           [ "clean" clean_rule { "," clean_rule } ] [ "for" seg ] [ range ]`
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
    let (i, clean) = clause("clean", clean_rules)(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, range) = final_range(
        i,
        "paths",
        &["from", "to", "depth", "top", "clean", "for", "range"],
    )?;
    Ok((
        i,
        Paths {
            from,
            to,
            depth,
            top,
            clean: clean.unwrap_or_default(),
            scope,
            range,
        },
    ))
}

/// `clean_rule { "," clean_rule }` after `clean`.
fn clean_rules(i: Input) -> PResult<Vec<CleanRule>> {
    let (mut i, first) = clean_rule(i)?;
    let mut rules = vec![first];
    while let Ok((rest, _)) = sym(",")(i) {
        let (rest, rule) = required(
            "another rule after `,`, such as `like \"/cat/%\" as \"/cat/*\"`",
            clean_rule,
        )(rest)?;
        rules.push(rule);
        i = rest;
    }
    Ok((i, rules))
}

/// `clean_rule := "like" STRING "as" STRING`
fn clean_rule(i: Input) -> PResult<CleanRule> {
    let start = offset(&i);
    let (i, _) = required(
        "`like` and a pattern after `clean`, such as `like \"/product/%\" as \"/product/*\"`",
        kw("like"),
    )(i)?;
    let (i, pattern) = required(
        "a quoted pattern after `like`, such as \"/product/%\"",
        string,
    )(i)?;
    let (i, _) = required(
        "`as` and the label the matching pages show as, such as `as \"/product/*\"`",
        kw("as"),
    )(i)?;
    let (i, label) = required("a quoted label after `as`, such as \"/product/*\"", string)(i)?;
    Ok((
        i,
        CleanRule {
            pattern,
            label,
            span: span_from(start, &i),
        },
    ))
}

//! `explore`: counts of events, users, sessions or steps, broken down by
//! columns and time buckets.

use super::{final_range, for_clause, positive_int_clause};
use crate::ast::{Duration, Explore, Measure, MeasureKind};
use crate::diagnostic::{codes, did_you_mean};
use crate::lexer::{duration, ident, kw, peek_word, skip_keyword, sym, unit};
use crate::parse::behavior::step;
use crate::parse::{
    Input, PError, PResult, after, clause, comma_list, cut, expected_found, expecting, offset,
    required, span_from,
};

/// `explore := "explore" measure { "," measure } [ "by" ident { "," ident } ]
///             [ "every" DURATION ] [ "for" seg ] [ "top" INT ] [ range ]`
pub fn explore(i: Input) -> PResult<Explore> {
    let (i, _) = kw("explore")(i)?;
    let (i, measures) = cut(comma_list(measure))(i)?;
    let (i, by) = clause(
        "by",
        comma_list(expecting("a column name after `by`", ident)),
    )(i)?;
    let (i, every) = clause("every", bucket)(i)?;
    let (i, scope) = for_clause(i)?;
    let (i, top) = positive_int_clause(i, "top", "`top 0` keeps no group", "`top` is at least 1")?;
    let (i, range) = final_range(i, "explore", &["by", "every", "for", "top", "range"])?;
    Ok((
        i,
        Explore {
            measures,
            by: by.unwrap_or_default(),
            every,
            scope,
            top,
            range,
        },
    ))
}

/// The `DURATION` after `every`; a bare unit (`every day`) reads as
/// `every 1 day`.
fn bucket(i: Input) -> PResult<Duration> {
    let start = offset(&i);
    match unit(i) {
        Ok((rest, (unit, _))) => {
            let span = span_from(start, &rest);
            Ok((
                rest,
                Duration {
                    count: 1,
                    unit,
                    span,
                },
            ))
        }
        // `every dayz`: a misspelled unit.
        Err(nom::Err::Error(e)) if e.custom.is_some() => Err(nom::Err::Failure(e)),
        Err(_) => expecting("a bucket size after `every`, such as `1 day`", duration)(i),
    }
}

/// `measure := "events" | "users" | "sessions" | "count" "(" step ")"`
fn measure(i: Input) -> PResult<Measure> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "events" | "users" | "sessions" => {
            let rest = skip_keyword(i, &word).expect("word was just seen");
            let kind = match word.as_str() {
                "events" => MeasureKind::Events,
                "users" => MeasureKind::Users,
                _ => MeasureKind::Sessions,
            };
            (rest, kind)
        }
        "count" => {
            let (i, _) = after("count", "`(` after `count`", sym("("))(i)?;
            let (i, s) = required(
                "a step inside `count(...)`, such as `viewed \"/cart\"`",
                step,
            )(i)?;
            let (i, _) = required("`)` to close `count(`", sym(")"))(i)?;
            (i, MeasureKind::Count(s))
        }
        _ => {
            let mut err = PError::expected(
                offset(&i),
                "a measure: `events`, `users`, `sessions` or `count(step)`",
            );
            if let Some(s) = did_you_mean(&word, ["events", "users", "sessions", "count"]) {
                err.custom = Some(Box::new(
                    expected_found(codes::UNKNOWN_KEYWORD, &i, "a measure")
                        .with_label("expected `events`, `users`, `sessions` or `count(step)`")
                        .with_help(format!("did you mean `{s}`?")),
                ));
            }
            return Err(nom::Err::Error(err));
        }
    };
    Ok((
        i,
        Measure {
            kind,
            span: span_from(start, &i),
        },
    ))
}

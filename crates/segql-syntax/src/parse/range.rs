//! Ranges: the time a behavior, a group or a segment's filter is limited
//! to, relative (`during last 7 days`, `in the past week`) or between dates.

use super::{
    Input, PError, PResult, after, cut, expected_found, fail, fail_cut, failure, offset, opt,
    required, span_from,
};
use crate::ast::{LastForm, Range, RangeKind, Unit};
use crate::diagnostic::codes;
use crate::lexer::{at_keyword, date, int, kw, peek_word, unit};

/// `range := "during" ( "last" | "past" ) INT UNIT | "in" "the" ( "past" | "last" ) [ INT ] UNIT
///         | "since" DATE | "before" DATE | "between" DATE "and" DATE`
pub fn range(i: Input) -> PResult<Range> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let node = |kind, rest: &Input| Range {
        kind,
        span: span_from(start, rest),
    };
    match word.as_str() {
        "during" => {
            let (i, _) = kw("during")(i)?;
            let (i, form) = if let Ok((i, _)) = kw("last")(i) {
                (i, LastForm::DuringLast)
            } else if let Ok((i, _)) = kw("past")(i) {
                (i, LastForm::DuringPast)
            } else {
                let at = offset(&i);
                let d = expected_found(codes::SYNTAX, &i, "`last` or `past` after `during`")
                    .with_label("expected `last` or `past`")
                    .with_help(
                        "a relative range reads `during last 7 days`; for dates, write \
                            `since 2026-01-01` or `between 2026-01-01 and 2026-02-01`",
                    );
                return failure(at, d);
            };
            let (i, (n, _)) = required("a whole number, as in `during last 7 days`", int)(i)?;
            let (i, (unit, _)) = cut(unit)(i)?;
            let r = node(
                RangeKind::Last {
                    form,
                    count: Some(n),
                    unit,
                },
                &i,
            );
            Ok((i, r))
        }
        "in" => {
            // `in the ...` only: a bare `in` after a behavior is not a range.
            let (after_in, _) = kw("in")(i)?;
            if let Some(err) = in_without_the(&after_in) {
                return Err(nom::Err::Failure(err));
            }
            if !at_keyword(&after_in, "the") {
                return fail(&i, "a range");
            }
            let (i, (last, count, unit)) = in_the_past(after_in)?;
            let form = if last {
                LastForm::InTheLast
            } else {
                LastForm::InThePast
            };
            let r = node(RangeKind::Last { form, count, unit }, &i);
            Ok((i, r))
        }
        "since" | "before" => {
            let (i, _) = kw(if word == "since" { "since" } else { "before" })(i)?;
            let what = if word == "since" {
                "a date after `since`, such as 2026-01-31"
            } else {
                "a date after `before`, such as 2026-01-31"
            };
            let (i, d) = required(what, date)(i)?;
            let kind = if word == "since" {
                RangeKind::Since(d)
            } else {
                RangeKind::Before(d)
            };
            let r = node(kind, &i);
            Ok((i, r))
        }
        "between" => {
            let (i, a) = after(
                "between",
                "a date after `between`, such as 2026-01-01",
                date,
            )(i)?;
            let (i, _) = required("`and` between the two dates", kw("and"))(i)?;
            let (i, b) = required("a date after `and`", date)(i)?;
            let r = node(RangeKind::Between(a, b), &i);
            Ok((i, r))
        }
        _ => fail(&i, "a range"),
    }
}

/// `in last 7 days`, `in past week`: the `the` is missing.
pub fn in_without_the(after_in: &Input) -> Option<PError> {
    let word = peek_word(after_in).to_ascii_lowercase();
    if word != "last" && word != "past" {
        return None;
    }
    let at = offset(after_in);
    Some(PError::custom(
        at,
        expected_found(codes::SYNTAX, after_in, "`the` after `in`")
            .with_label("expected `the`")
            .with_help(format!(
                "write `in the {word} 7 days` (or `during {word} 7 days`)"
            )),
    ))
}

/// `"the" ( "past" | "last" ) [ INT ] UNIT`, after `in`.
pub fn in_the_past(i: Input) -> PResult<(bool, Option<u64>, Unit)> {
    let (i, _) = kw("the")(i)?;
    let (i, last) = if let Ok((i, _)) = kw("past")(i) {
        (i, false)
    } else if let Ok((i, _)) = kw("last")(i) {
        (i, true)
    } else {
        return fail_cut(&i, "`past` or `last` after `in the`");
    };
    let (i, n) = opt(int)(i)?;
    let (i, (unit, _)) = cut(unit)(i)?;
    Ok((i, (last, n.map(|(n, _)| n), unit)))
}

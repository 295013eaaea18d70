//! Behaviors: what the audience did, as steps (an event and its `with`
//! filter) in sequence, with `within`, a count and a range. Funnels,
//! retention, paths and explore read steps with the same functions.

use super::predicate::{cmp, pred};
use super::range::range;
use super::{Input, PResult, clause, cut, expecting, fail, fail_cut, offset, opt, span_from};
use crate::ast::{
    AggregateFunc, Behavior, Count, CountKind, Event, EventKind, SeqStep, Step, Target, Within,
    WithinKind,
};
use crate::lexer::{duration, ident, int, kw, number, peek_word, skip_keyword, string};

/// `behavior := [ "performed" ] step { "then" [ "not" ] step } [ modifiers ] [ range ]`
pub fn behavior(i: Input) -> PResult<Behavior> {
    let start = offset(&i);
    let (i, performed) = match kw("performed")(i) {
        Ok((i, _)) => (i, true),
        Err(_) => (i, false),
    };
    let (i, steps) = if performed {
        cut(expecting(
            "an event after `performed`, such as `event \"purchase\"`",
            sequence,
        ))(i)?
    } else {
        sequence(i)?
    };
    let (i, (within, count)) = modifiers(i)?;
    let (i, range) = opt(range)(i)?;
    Ok((
        i,
        Behavior {
            performed,
            steps,
            within,
            count,
            range,
            span: span_from(start, &i),
        },
    ))
}

/// `step { "then" [ "not" ] step }`: the steps of a behavior or funnel.
pub fn sequence(i: Input) -> PResult<Vec<SeqStep>> {
    let first_start = offset(&i);
    let (mut i, first) = step(i)?;
    let mut steps = vec![SeqStep {
        negated: false,
        span: span_from(first_start, &i),
        step: first,
    }];
    while let Ok((rest, _)) = kw("then")(i) {
        let s_start = offset(&rest);
        let (rest, negated) = match kw("not")(rest) {
            Ok((rest, _)) => (rest, true),
            Err(_) => (rest, false),
        };
        let (rest, s) = cut(expecting(
            "a step after `then`, such as `action \"CHECKOUT\"`",
            step,
        ))(rest)?;
        steps.push(SeqStep {
            negated,
            span: span_from(s_start, &rest),
            step: s,
        });
        i = rest;
    }
    Ok((i, steps))
}

/// `modifiers := within [ count ] | count [ within ]`
fn modifiers(i: Input) -> PResult<(Option<Within>, Option<Count>)> {
    let (i, w) = opt(within)(i)?;
    let (i, c) = opt(count)(i)?;
    if w.is_some() || c.is_none() {
        return Ok((i, (w, c)));
    }
    let (i, w) = opt(within)(i)?;
    Ok((i, (w, c)))
}

/// `step := event [ "with" pred ]`
pub fn step(i: Input) -> PResult<Step> {
    let start = offset(&i);
    let (i, e) = event(i)?;
    let (i, filter) = clause(
        "with",
        expecting(
            "an event filter after `with`, such as `device = \"mobile\"`",
            pred,
        ),
    )(i)?;
    Ok((
        i,
        Step {
            event: e,
            filter,
            span: span_from(start, &i),
        },
    ))
}

/// `event := "viewed" target | ( "action" | "clicked" ) target | "error" [ target ] | "event" target | "any" "event"`
fn event(i: Input) -> PResult<Event> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "viewed" => {
            let (i, _) = kw("viewed")(i)?;
            let (i, t) = cut(expecting("a quoted page path after `viewed`", target))(i)?;
            (i, EventKind::Viewed(t))
        }
        "action" | "clicked" => {
            let clicked = word == "clicked";
            let (i, _) = kw(if clicked { "clicked" } else { "action" })(i)?;
            let what = if clicked {
                "a quoted action name after `clicked`"
            } else {
                "a quoted action name after `action`"
            };
            let (i, t) = cut(expecting(what, target))(i)?;
            (i, EventKind::Action { target: t, clicked })
        }
        "error" => {
            let (i, _) = kw("error")(i)?;
            let (i, t) = opt(target)(i)?;
            (i, EventKind::Error(t))
        }
        "event" => {
            let (i, _) = kw("event")(i)?;
            let (i, t) = cut(expecting("a quoted event name after `event`", target))(i)?;
            (i, EventKind::Named(t))
        }
        "any" => {
            let (i, _) = kw("any")(i)?;
            let (i, _) = cut(expecting("`event` after `any`", kw("event")))(i)?;
            (i, EventKind::Any)
        }
        _ => {
            return fail(
                &i,
                "an event: `viewed \"/path\"`, `action \"NAME\"`, `clicked \"NAME\"`, `error`, `event \"NAME\"` or `any event`",
            );
        }
    };
    Ok((
        i,
        Event {
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// `target := STRING | "like" STRING`
fn target(i: Input) -> PResult<Target> {
    if let Ok((i, _)) = kw("like")(i) {
        let (i, pattern) = cut(expecting(
            "a quoted pattern after `like`, such as \"/product/%\"",
            string,
        ))(i)?;
        return Ok((
            i,
            Target {
                like: true,
                pattern,
            },
        ));
    }
    let (i, pattern) = string(i)?;
    Ok((
        i,
        Target {
            like: false,
            pattern,
        },
    ))
}

/// `within := "within" ( "session" | DURATION )`
pub fn within(i: Input) -> PResult<Within> {
    let start = offset(&i);
    let (i, _) = kw("within")(i)?;
    if let Ok((i, _)) = kw("session")(i) {
        return Ok((
            i,
            Within {
                kind: WithinKind::Session,
                span: span_from(start, &i),
            },
        ));
    }
    let (i, d) = cut(expecting(
        "`session` or a duration such as `30 minutes` after `within`",
        duration,
    ))(i)?;
    Ok((
        i,
        Within {
            kind: WithinKind::Duration(d),
            span: span_from(start, &i),
        },
    ))
}

/// `count := ( "at" "least" | "at" "most" | "exactly" ) INT ( "time" | "times" )
///         | ( "total" | "average" | "min" | "max" ) ident cmp NUMBER`
fn count(i: Input) -> PResult<Count> {
    let start = offset(&i);
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "at" => {
            let (i, _) = kw("at")(i)?;
            if let Ok((i, _)) = kw("least")(i) {
                let (i, n) = times(i)?;
                (i, CountKind::AtLeast(n))
            } else if let Ok((i, _)) = kw("most")(i) {
                let (i, n) = times(i)?;
                (i, CountKind::AtMost(n))
            } else {
                return fail_cut(&i, "`least` or `most` after `at`");
            }
        }
        "exactly" => {
            let (i, _) = kw("exactly")(i)?;
            let (i, n) = times(i)?;
            (i, CountKind::Exactly(n))
        }
        "total" | "average" | "min" | "max" => {
            // Only an aggregate when a column name follows; otherwise the word
            // is not ours (it cannot be anything else here, but let the caller
            // say what it expected).
            let after = skip_keyword(i, &word);
            let Some(after) = after else {
                return fail(&i, "a count");
            };
            if ident(after).is_err() {
                return fail(&i, "a count such as `at least 3 times`");
            }
            let func = match word.as_str() {
                "total" => AggregateFunc::Total,
                "average" => AggregateFunc::Average,
                "min" => AggregateFunc::Min,
                _ => AggregateFunc::Max,
            };
            let (i, column) = ident(after)?;
            let (i, op) = cut(expecting(
                "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
                cmp,
            ))(i)?;
            let (i, value) = cut(expecting("a number", number))(i)?;
            (
                i,
                CountKind::Aggregate {
                    func,
                    column,
                    op,
                    value,
                },
            )
        }
        _ => return fail(&i, "a count such as `at least 3 times`"),
    };
    Ok((
        i,
        Count {
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// `INT ( "time" | "times" )` after `at least`, `at most`, `exactly`.
fn times(i: Input) -> PResult<u64> {
    let (i, (n, _)) = cut(expecting("a whole number of times", int))(i)?;
    let (i, _) = cut(expecting("`times`", |i| {
        kw("times")(i).or_else(|_| kw("time")(i))
    }))(i)?;
    Ok((i, n))
}

//! Behaviors: what the audience did, as steps (an event and its `with`
//! filter) in sequence, with `within`, a count, `holding`, `for the first
//! time` and a range. Funnels, retention, paths and explore read steps with
//! the same functions.

use super::predicate::{cmp, pred};
use super::range::range;
use super::{
    Input, PResult, after, clause, comma_list, expecting, fail, fail_cut, failure_here, offset,
    opt, required, span_from,
};
use crate::ast::{
    AggregateFunc, Behavior, Count, CountKind, Event, EventKind, Holding, Lifecycle, LifecycleKind,
    SeqStep, Step, Target, Within, WithinKind,
};
use crate::diagnostic::{Diagnostic, codes};
use crate::keywords::{self, Starts};
use crate::lexer::{duration, ident, int, kw, number, peek_word, skip_keyword, string};
use crate::span::Span;

/// `behavior := [ "performed" | "stopped" | "restarted" ] step { "then" [ "not" ] step }
///              { modifier } [ range ]`
pub fn behavior(i: Input) -> PResult<Behavior> {
    let start = offset(&i);
    let (i, lifecycle) = match at_lifecycle(&i) {
        Some(kind) => {
            let (i, span) = kw(kind.keyword())(i)?;
            (i, Some(Lifecycle { kind, span }))
        }
        None => (i, None),
    };
    let (i, performed) = match lifecycle {
        Some(_) => (i, false),
        None => match kw("performed")(i) {
            Ok((i, _)) => (i, true),
            Err(_) => (i, false),
        },
    };
    let (i, steps) = if performed {
        required(
            "an event after `performed`, such as `event \"purchase\"`",
            sequence,
        )(i)?
    } else {
        sequence(i)?
    };
    let (i, modifiers) = modifiers(i)?;
    let (i, range) = opt(range)(i)?;
    Ok((
        i,
        Behavior {
            performed,
            lifecycle,
            steps,
            within: modifiers.within,
            count: modifiers.count,
            holding: modifiers.holding,
            first_time: modifiers.first_time,
            range,
            span: span_from(start, &i),
        },
    ))
}

/// `stopped` or `restarted` at `i`, when an event word follows: only then
/// do they start a behavior (LANGUAGE.md §11); elsewhere they are names
/// (`have stopped = true`).
pub fn at_lifecycle(i: &Input) -> Option<LifecycleKind> {
    let word = peek_word(i).to_ascii_lowercase();
    let kind = match word.as_str() {
        "stopped" => LifecycleKind::Stopped,
        "restarted" => LifecycleKind::Restarted,
        _ => return None,
    };
    let rest = skip_keyword(*i, &word)?;
    let next = peek_word(&rest).to_ascii_lowercase();
    (keywords::starts(&next, Starts::Behavior) && next != "performed").then_some(kind)
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
        let (rest, s) = required("a step after `then`, such as `action \"CHECKOUT\"`", step)(rest)?;
        steps.push(SeqStep {
            negated,
            span: span_from(s_start, &rest),
            step: s,
        });
        i = rest;
    }
    Ok((i, steps))
}

/// The modifiers of a behavior, each written at most once.
#[derive(Default)]
struct Modifiers {
    within: Option<Within>,
    count: Option<Count>,
    holding: Option<Holding>,
    first_time: Option<Span>,
}

/// `modifier := within | count | holding | "for" "the" "first" "time"`:
/// the modifiers of a behavior, in any order, each at most once.
fn modifiers(mut i: Input) -> PResult<Modifiers> {
    let mut found = Modifiers::default();
    loop {
        let at = i;
        let word = peek_word(&i).to_ascii_lowercase();
        let (rest, given_twice) = match word.as_str() {
            "within" => {
                let (rest, w) = within(i)?;
                (rest, found.within.replace(w).is_some())
            }
            "holding" => {
                let (rest, h) = holding(i)?;
                (rest, found.holding.replace(h).is_some())
            }
            "for" if at_first_time(&i) => {
                let (rest, span) = first_time(i)?;
                (rest, found.first_time.replace(span).is_some())
            }
            _ => match opt(count)(i)? {
                (rest, Some(c)) => (rest, found.count.replace(c).is_some()),
                (_, None) => return Ok((i, found)),
            },
        };
        if given_twice {
            return twice(&at, &word);
        }
        i = rest;
    }
}

/// A modifier written a second time on one behavior.
fn twice<'a, O>(at: &Input<'a>, word: &str) -> PResult<'a, O> {
    let (what, example) = match word {
        "within" => ("`within`", "`within session`"),
        "holding" => (
            "`holding`",
            "one `holding` with a list: `holding product_id, device`",
        ),
        "for" => ("`for the first time`", "`for the first time`"),
        _ => ("a count", "one count, such as `at least 3 times`"),
    };
    let len = peek_word(at).len();
    failure_here(
        at,
        len,
        Diagnostic::error(
            codes::SYNTAX,
            format!("{what} is written twice on one behavior"),
        )
        .with_label("the second one")
        .with_help(format!(
            "a behavior takes each modifier once: keep {example}"
        )),
    )
}

/// `holding := "holding" ident { "," ident }`
pub fn holding(i: Input) -> PResult<Holding> {
    let start = offset(&i);
    let (i, columns) = after(
        "holding",
        "the event columns to hold constant after `holding`, such as `product_id`",
        comma_list(ident),
    )(i)?;
    Ok((
        i,
        Holding {
            columns,
            span: span_from(start, &i),
        },
    ))
}

/// True when `for the first` starts at `i`: `for` alone belongs to an
/// analysis (`funnel ... for SEG`).
fn at_first_time(i: &Input) -> bool {
    skip_keyword(*i, "for")
        .and_then(|i| skip_keyword(i, "the"))
        .is_some_and(|i| peek_word(&i).eq_ignore_ascii_case("first"))
}

/// `"for" "the" "first" "time"`
fn first_time(i: Input) -> PResult<Span> {
    let start = offset(&i);
    let (i, _) = kw("for")(i)?;
    let (i, _) = kw("the")(i)?;
    let (i, _) = after("first", "`time` after `for the first`", kw("time"))(i)?;
    Ok((i, span_from(start, &i)))
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
            let (i, t) = after("viewed", "a quoted page path after `viewed`", target)(i)?;
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
            let (i, t) = required(what, target)(i)?;
            (i, EventKind::Action { target: t, clicked })
        }
        "error" => {
            let (i, _) = kw("error")(i)?;
            let (i, t) = opt(target)(i)?;
            (i, EventKind::Error(t))
        }
        "event" => {
            let (i, t) = after("event", "a quoted event name after `event`", target)(i)?;
            (i, EventKind::Named(t))
        }
        "any" => {
            let (i, _) = after("any", "`event` after `any`", kw("event"))(i)?;
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
        let (i, pattern) = required(
            "a quoted pattern after `like`, such as \"/product/%\"",
            string,
        )(i)?;
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
    let (i, d) = required(
        "`session` or a duration such as `30 minutes` after `within`",
        duration,
    )(i)?;
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
            let (i, op) = required("a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)", cmp)(i)?;
            let (i, value) = required("a number", number)(i)?;
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
    let (i, (n, _)) = required("a whole number of times", int)(i)?;
    let (i, _) = required("`times`", |i| kw("times")(i).or_else(|_| kw("time")(i)))(i)?;
    Ok((i, n))
}

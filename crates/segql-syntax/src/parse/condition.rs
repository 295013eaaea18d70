//! Conditions of a `who` segment: behaviors, profile tests and `in` sets,
//! joined by `and`, `or`, `not` and parentheses (the shape of [`boolean`]),
//! and the mistakes a condition is most often written with.

use super::behavior::{self, behavior};
use super::boolean::{self, Chain, Logic, chain_rest};
use super::predicate::{atom, reserved_as_column};
use super::range::range;
use super::segment::set_ref;
use super::{Input, PError, PResult, after, cut, expecting, offset, opt, required, span_from};
use crate::ast::{Condition, ConditionKind};
use crate::diagnostic::{Diagnostic, codes, did_you_mean, quoted};
use crate::keywords::{self, Starts};
use crate::lexer::{kw, peek_word, ws};
use crate::span::Span;
use nom::Input as _;

/// `condition := and_c { "or" and_c }`
///
/// The first item is parsed here and the rest of the chain in
/// [`chain_rest`], so that the frame on the recursive path stays small.
pub fn condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, first) = and_c(i)?;
    chain_rest(i, first, start, Chain::Or)
}

/// `and_c := unary { "and" unary }`
fn and_c(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, first) = unary(i)?;
    chain_rest(i, first, start, Chain::And)
}

const CONDITION_EXPECTED: &str = "a condition";

/// `unary := "not" unary | "(" condition ")" [ range ] | [ "have" ] atom | "in" set_ref | behavior`
///
/// Each form has its own function so that the frames on the recursive path
/// (`not`, parentheses) stay small.
fn unary(i: Input) -> PResult<Condition> {
    if let Some(err) = reserved_as_column(&i) {
        return Err(nom::Err::Failure(err));
    }
    match peek_word(&i).to_ascii_lowercase().as_str() {
        "not" => boolean::not(i),
        "have" => have_condition(i),
        "in" => in_set_condition(i),
        word if keywords::starts(word, Starts::Behavior) => behavior_condition(i),
        _ if behavior::at_lifecycle(&i).is_some() => behavior_condition(i),
        _ if i.fragment().starts_with('(') => boolean::group(i),
        _ => profile_condition(i),
    }
}

impl Logic for Condition {
    type Kind = ConditionKind;

    const UNARY: fn(Input) -> PResult<Self> = unary;
    const AND_CHAIN: fn(Input) -> PResult<Self> = and_c;
    const IN_GROUP: fn(Input) -> PResult<Self> = condition_in_group;

    fn after(chain: Chain) -> Option<&'static str> {
        Some(match chain {
            Chain::And => "a condition after `and`",
            Chain::Or => "a condition after `or`",
        })
    }

    fn continues(_after: &Input) -> bool {
        true
    }

    fn node(kind: ConditionKind, span: Span) -> Self {
        Condition { kind, span }
    }

    fn joined(chain: Chain, items: Vec<Self>) -> ConditionKind {
        match chain {
            Chain::And => ConditionKind::And(items),
            Chain::Or => ConditionKind::Or(items),
        }
    }

    fn negated(inner: Box<Self>) -> ConditionKind {
        ConditionKind::Not(inner)
    }

    /// `[ range ]` after the `)`.
    fn grouped(i: Input, inner: Self) -> PResult<ConditionKind> {
        let (i, range) = opt(range)(i)?;
        let kind = ConditionKind::Group {
            inner: Box::new(inner),
            range,
        };
        Ok((i, kind))
    }
}

fn condition_in_group(i: Input) -> PResult<Condition> {
    required(CONDITION_EXPECTED, condition)(i)
}

fn condition_node(kind: ConditionKind, start: usize, rest: &Input) -> Condition {
    Condition {
        kind,
        span: span_from(start, rest),
    }
}

/// A condition from `start` to `i` that no range may follow (a profile
/// test, `in segment`).
fn unranged(kind: ConditionKind, start: usize, i: Input) -> PResult<Condition> {
    let c = condition_node(kind, start, &i);
    no_range_after(i, &c)?;
    Ok((i, c))
}

/// `"have" atom`
#[inline(never)]
fn have_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, atom) = after(
        "have",
        "a profile test after `have`, such as `plan = \"premium\"`",
        atom,
    )(i)?;
    unranged(ConditionKind::Profile { atom, have: true }, start, i)
}

/// `"in" set_ref`
#[inline(never)]
fn in_set_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, _) = kw("in")(i)?;
    let (i, set) = cut(set_ref)(i)?;
    unranged(ConditionKind::InSet(set), start, i)
}

/// `behavior`
#[inline(never)]
fn behavior_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    let (i, b) = behavior(i)?;
    let c = condition_node(ConditionKind::Behavior(b), start, &i);
    Ok((i, c))
}

/// `atom` without `have`, or a misspelled behavior.
#[inline(never)]
fn profile_condition(i: Input) -> PResult<Condition> {
    let start = offset(&i);
    if let Some(err) = misspelled_behavior(&i) {
        return Err(nom::Err::Failure(err));
    }
    let (i, atom) = expecting(CONDITION_EXPECTED, atom)(i)?;
    unranged(ConditionKind::Profile { atom, have: false }, start, i)
}

/// A range right after a profile test or `in segment` governs nothing:
/// profile tests have no time, and a range never reaches into a segment.
fn no_range_after<'a>(i: Input<'a>, cond: &Condition) -> Result<(), nom::Err<PError>> {
    if !keywords::starts(peek_word(&i), Starts::Range) {
        return Ok(());
    }
    let Ok((after, _)) = range(i) else {
        return Ok(());
    };
    let at = offset(&i);
    let (what, help) = match &cond.kind {
        ConditionKind::InSet(_) => (
            "a segment used with `in`",
            "a range never reaches into `in segment`: a segment means what its definition says; \
             put the range in the definition instead",
        ),
        _ => (
            "a profile test, which has no time",
            "a range limits a behavior (`viewed`, `action`, ...); profile tests have no time: \
             remove the range, or put it after a behavior",
        ),
    };
    Err(nom::Err::Failure(PError::custom(
        at,
        Diagnostic::error(
            codes::RANGE_GOVERNS_NOTHING,
            "this range limits no behavior",
        )
        .with_span(span_from(at, &after))
        .with_label("governs nothing")
        .with_secondary(cond.span, format!("the range follows {what}"))
        .with_help(help),
    )))
}

/// A word followed by a string where a condition is expected is almost
/// always a misspelled behavior (`viewd "/cart"`): say so, rather than
/// complaining about a missing comparison operator after a column.
fn misspelled_behavior(i: &Input) -> Option<PError> {
    let word = peek_word(i);
    if word.is_empty() {
        return None;
    }
    let after = i.take_from(word.len());
    let (after, ()) = ws(after).ok()?;
    // Only a string: `email like "%@x.com"` is a valid profile test (a
    // column and `like`), so `like` after a word proves nothing.
    let next_is_target = after.fragment().starts_with('"');
    if !next_is_target {
        return None;
    }
    let at = offset(i);
    let span = Span::new(at, at + word.len());
    let mut diagnostic = Diagnostic::error(
        codes::UNKNOWN_KEYWORD,
        format!("`{}` is not a kind of event", quoted(word)),
    )
    .with_span(span)
    .with_label("expected `viewed`, `action`, `clicked`, `error`, `event` or `any event`");
    // `any` is followed by `event`, never by a string.
    let behaviors = keywords::starting(Starts::Behavior).filter(|w| *w != "any");
    // The words of other analytics tools, and of plain English.
    let synonym = match word.to_ascii_lowercase().as_str() {
        "visited" | "visit" | "visits" | "view" | "views" | "saw" | "seen" | "opened"
        | "loaded" | "pageview" => Some("viewed"),
        "click" | "clicks" | "tapped" | "pressed" | "did" => Some("action"),
        "triggered" | "fired" | "tracked" | "sent" | "logged" => Some("event"),
        "errored" | "failed" | "crashed" => Some("error"),
        _ => None,
    };
    diagnostic = match synonym.or_else(|| did_you_mean(word, behaviors)) {
        Some(s) => diagnostic.with_help(format!("did you mean `{s}`?")),
        None => diagnostic.with_help("a behavior names the kind of event: `viewed \"/cart\"`, `action \"CHECKOUT\"`, `event \"purchase\"`"),
    };
    Some(PError::custom(at, diagnostic))
}

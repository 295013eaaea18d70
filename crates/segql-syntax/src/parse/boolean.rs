//! The shape that conditions (`who ...`) and predicates (`with`, `where`,
//! `have`) share: `or` of `and` of `not`, and parentheses. It is parsed
//! once, here; [`Logic`] says what differs between the two grammars.
//!
//! The functions on the recursive path (`not`, parentheses, the rest of a
//! chain) are kept apart and out of line so that their frames stay small: a
//! debug build keeps every temporary of a function in its frame, and deep
//! nesting multiplies that frame.

use super::{Input, PResult, cut, expected_found, failure, nested, offset, required, span_from};
use crate::diagnostic::codes;
use crate::lexer::{kw, sym};
use crate::span::Span;

/// The joining word of a chain.
#[derive(Clone, Copy)]
pub enum Chain {
    And,
    Or,
}

impl Chain {
    fn word(self) -> &'static str {
        match self {
            Chain::And => "and",
            Chain::Or => "or",
        }
    }
}

/// What a boolean grammar (conditions, predicates) brings to the shared
/// shape: its node, its operands and what may follow a group.
pub trait Logic: Sized {
    type Kind;

    /// The operand of `and` and of `not`: `unary` or `p_not`.
    const UNARY: fn(Input) -> PResult<Self>;

    /// The operand of `or`: `and_c` or `p_and`.
    const AND_CHAIN: fn(Input) -> PResult<Self>;

    /// What the parenthesized part is: `condition` or `pred`, committed to.
    const IN_GROUP: fn(Input) -> PResult<Self>;

    /// What to call a missing operand after `and` or `or`; `None` lets the
    /// operand say what it expected.
    fn after(chain: Chain) -> Option<&'static str>;

    /// Whether an `and` or `or` (the input after it is `after`) continues
    /// this chain rather than the enclosing one.
    fn continues(after: &Input) -> bool;

    fn node(kind: Self::Kind, span: Span) -> Self;
    fn joined(chain: Chain, items: Vec<Self>) -> Self::Kind;
    fn negated(inner: Box<Self>) -> Self::Kind;

    /// The kind of a group whose `)` has just been read; what may follow
    /// that `)` is read too.
    fn grouped(i: Input, inner: Self) -> PResult<Self::Kind>;
}

/// `{ "and" unary }` or `{ "or" and_c }` after the first item of a chain.
#[inline(never)]
pub fn chain_rest<T: Logic>(mut i: Input, first: T, start: usize, chain: Chain) -> PResult<T> {
    let next: fn(Input) -> PResult<T> = match chain {
        Chain::And => T::UNARY,
        Chain::Or => T::AND_CHAIN,
    };
    let mut items = vec![first];
    while let Ok((rest, _)) = kw(chain.word())(i) {
        if !T::continues(&rest) {
            break;
        }
        let (rest, item) = match T::after(chain) {
            Some(what) => required(what, next)(rest)?,
            None => cut(next)(rest)?,
        };
        items.push(item);
        i = rest;
    }
    if items.len() == 1 {
        let only = items.pop().expect("one item");
        return Ok((i, only));
    }
    let joined = T::node(T::joined(chain, items), span_from(start, &i));
    Ok((i, joined))
}

/// `"not" unary`
#[inline(never)]
pub fn not<T: Logic>(i: Input) -> PResult<T> {
    let start = offset(&i);
    let (i, _) = kw("not")(i)?;
    let (i, inner) = nested(i, cut_unary::<T>)?;
    let node = T::node(T::negated(Box::new(inner)), span_from(start, &i));
    Ok((i, node))
}

fn cut_unary<T: Logic>(i: Input) -> PResult<T> {
    cut(T::UNARY)(i)
}

/// `"(" condition ")" [ range ]` or `"(" pred ")"`
#[inline(never)]
pub fn group<T: Logic>(i: Input) -> PResult<T> {
    let start = offset(&i);
    let (i, open) = sym("(")(i)?;
    let (i, inner) = nested(i, T::IN_GROUP)?;
    group_end(i, start, open, inner)
}

/// `")"` and what may follow it, after the inside of a group.
#[inline(never)]
fn group_end<T: Logic>(i: Input, start: usize, open: Span, inner: T) -> PResult<T> {
    let (i, _) = close_paren(i, open)?;
    let (i, kind) = T::grouped(i, inner)?;
    let node = T::node(kind, span_from(start, &i));
    Ok((i, node))
}

/// `)` closing the parenthesis opened at `open`; when it is missing, the
/// diagnostic also shows where the parenthesis was opened.
fn close_paren(i: Input, open: Span) -> PResult<Span> {
    if let Ok(ok) = sym(")")(i) {
        return Ok(ok);
    }
    let at = offset(&i);
    let mut d = expected_found(codes::SYNTAX, &i, "`)` to close the parenthesis")
        .with_label("expected `)`")
        .with_secondary(open, "this parenthesis is not closed");
    if i.fragment().is_empty() || i.fragment().starts_with(';') {
        d = d.with_help("add the `)` where the group ends");
    }
    failure(at, d)
}

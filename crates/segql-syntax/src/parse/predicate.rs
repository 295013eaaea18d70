//! Predicates over the columns of one table (`with`, `where`, `have`):
//! column tests (atoms) joined by `and`, `or`, `not` and parentheses (the
//! shape of [`boolean`]), the literals they compare with, and the mistakes
//! a column test is most often written with.

use super::boolean::{self, Chain, Logic, chain_rest};
use super::range::{in_the_past, in_without_the};
use super::{
    Input, PError, PResult, after, cut, expected_found, expecting, fail, fail_cut, failure,
    failure_here, offset, required, span_from,
};
use crate::ast::{Atom, AtomKind, CmpOp, Ident, Literal, LiteralKind, Pred, PredKind};
use crate::diagnostic::{Diagnostic, codes, quoted};
use crate::lexer::{
    at_keyword, date, describe_token, ident, is_reserved, kw, number, peek_word, string, sym, ws,
};
use crate::span::Span;
use nom::Input as _;

/// True when the input starts an atom: a run of `not` / `(` followed by a
/// non-reserved identifier. This is how a `with`/`where` predicate decides,
/// on those tokens alone, whether an `and`/`or` continues it (§4.3).
fn starts_atom(i: &Input) -> bool {
    let mut i = *i;
    loop {
        if let Ok((rest, _)) = kw("not")(i) {
            i = rest;
        } else if let Ok((rest, _)) = sym("(")(i) {
            i = rest;
        } else {
            break;
        }
    }
    i.fragment().starts_with('`') || {
        let w = peek_word(&i);
        !w.is_empty() && !is_reserved(w) && super::behavior::at_lifecycle(&i).is_none()
    }
}

/// `pred := p_and { "or" p_and }`
///
/// Continues over `or` only when an atom follows (see [`starts_atom`]);
/// otherwise the `or` belongs to the enclosing condition.
pub fn pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (i, first) = p_and(i)?;
    chain_rest(i, first, start, Chain::Or)
}

/// `p_and := p_not { "and" p_not }`
fn p_and(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (i, first) = p_not(i)?;
    chain_rest(i, first, start, Chain::And)
}

/// `p_not := "not" p_not | "(" pred ")" | atom`
///
/// One function per form, to keep the frames on the recursive path small.
fn p_not(i: Input) -> PResult<Pred> {
    if at_keyword(&i, "not") {
        boolean::not(i)
    } else if i.fragment().starts_with('(') {
        boolean::group(i)
    } else {
        atom_pred(i)
    }
}

impl Logic for Pred {
    type Kind = PredKind;

    const UNARY: fn(Input) -> PResult<Self> = p_not;
    const AND_CHAIN: fn(Input) -> PResult<Self> = p_and;
    const IN_GROUP: fn(Input) -> PResult<Self> = cut_pred;

    fn after(_chain: Chain) -> Option<&'static str> {
        None
    }

    fn continues(after: &Input) -> bool {
        starts_atom(after)
    }

    fn node(kind: PredKind, span: Span) -> Self {
        Pred { kind, span }
    }

    fn joined(chain: Chain, items: Vec<Self>) -> PredKind {
        match chain {
            Chain::And => PredKind::And(items),
            Chain::Or => PredKind::Or(items),
        }
    }

    fn negated(inner: Box<Self>) -> PredKind {
        PredKind::Not(inner)
    }

    fn grouped(i: Input, inner: Self) -> PResult<PredKind> {
        Ok((i, PredKind::Group(Box::new(inner))))
    }
}

fn cut_pred(i: Input) -> PResult<Pred> {
    cut(pred)(i)
}

#[inline(never)]
fn atom_pred(i: Input) -> PResult<Pred> {
    let start = offset(&i);
    let (rest, a) = expecting("a column test such as `device = \"mobile\"`", atom)(i)?;
    let span = span_from(start, &rest);
    Ok((
        rest,
        Pred {
            kind: PredKind::Atom(a),
            span,
        },
    ))
}

/// `atom := ident cmp literal | ident [ "not" ] "in" "(" literal { "," literal } ")"
///        | ident "is" [ "not" ] "null" | ident [ "not" ] "like" STRING
///        | ident "between" literal "and" literal
///        | ident "in" "the" ( "past" | "last" ) [ INT ] UNIT | ident "contains" STRING`
pub fn atom(i: Input) -> PResult<Atom> {
    let start = offset(&i);
    if let Some(err) = reserved_as_column(&i) {
        return Err(nom::Err::Failure(err));
    }
    let (i, column) = ident(i)?;
    let word = peek_word(&i).to_ascii_lowercase();
    let (i, kind) = match word.as_str() {
        "not" => {
            let (i, _) = kw("not")(i)?;
            if let Ok((i, _)) = kw("in")(i) {
                let (i, values) = literal_list(i)?;
                (
                    i,
                    AtomKind::InList {
                        negated: true,
                        values,
                    },
                )
            } else if let Ok((i, _)) = kw("like")(i) {
                let (i, pattern) = required("a quoted pattern after `not like`", string)(i)?;
                (
                    i,
                    AtomKind::Like {
                        negated: true,
                        pattern,
                    },
                )
            } else {
                return fail_cut(&i, "`in` or `like` after `not`");
            }
        }
        "in" => {
            let (after_in, _) = kw("in")(i)?;
            if let Some(err) = in_without_the(&after_in) {
                return Err(nom::Err::Failure(err));
            }
            if at_keyword(&after_in, "the") {
                let (i, (last, count, unit)) = in_the_past(after_in)?;
                (i, AtomKind::InThePast { last, count, unit })
            } else {
                let (i, values) = literal_list(after_in)?;
                (
                    i,
                    AtomKind::InList {
                        negated: false,
                        values,
                    },
                )
            }
        }
        "is" => {
            let (i, _) = kw("is")(i)?;
            let (i, negated) = match kw("not")(i) {
                Ok((i, _)) => (i, true),
                Err(_) => (i, false),
            };
            let Ok((i, _)) = kw("null")(i) else {
                let at = offset(&i);
                let (found, span) = describe_token(i.extra.source, at);
                let column = quoted(&i.extra.source[column.span.range()]);
                let help = if span.is_empty() {
                    format!(
                        "`is` tests for a missing value: `{column} is null` or \
                         `{column} is not null`"
                    )
                } else {
                    let op = if negated { "!=" } else { "=" };
                    let value = quoted(&i.extra.source[span.range()]);
                    format!(
                        "`is` only tests for a missing value (`{column} is null`); to compare, \
                         write `{column} {op} {value}`"
                    )
                };
                return failure(
                    at,
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("expected `null` after `is`, found {found}"),
                    )
                    .with_span(span)
                    .with_label("expected `null`")
                    .with_help(help),
                );
            };
            (i, AtomKind::IsNull { negated })
        }
        "like" => {
            let (i, pattern) = after(
                "like",
                "a quoted pattern after `like`, such as \"%@example.com\"",
                string,
            )(i)?;
            (
                i,
                AtomKind::Like {
                    negated: false,
                    pattern,
                },
            )
        }
        "between" => {
            let (i, low) = after("between", "a value after `between`", literal)(i)?;
            let (i, _) = required("`and` between the two values", kw("and"))(i)?;
            let (i, high) = required("a value after `and`", literal)(i)?;
            (i, AtomKind::Between { low, high })
        }
        "contains" => {
            let (i, needle) = after("contains", "a quoted text after `contains`", string)(i)?;
            (i, AtomKind::Contains { needle })
        }
        _ => {
            let (i, op) = match cmp(i) {
                Ok(ok) => ok,
                Err(nom::Err::Error(_)) => {
                    return Err(nom::Err::Failure(no_comparison(&i, &column)));
                }
                Err(e) => return Err(e),
            };
            let (i, value) = required(
                "a value: a quoted string, a number, a date, `true`, `false` or `null`",
                literal,
            )(i)?;
            (i, AtomKind::Compare { op, value })
        }
    };
    Ok((
        i,
        Atom {
            column,
            kind,
            span: span_from(start, &i),
        },
    ))
}

/// A reserved word used as a column (`with event = 1`): it must be back-quoted.
/// Only when a comparison follows, so `event "x"` and `error in the past
/// week` keep their meaning.
pub fn reserved_as_column(i: &Input) -> Option<PError> {
    let word = peek_word(i);
    if word.is_empty() || !is_reserved(word) {
        return None;
    }
    let (after, ()) = ws(i.take_from(word.len())).ok()?;
    let text = *after.fragment();
    let operator = ["=", "!=", "<", ">"].iter().any(|op| text.starts_with(op))
        || at_keyword(&after, "is")
        || at_keyword(&after, "contains")
        || (at_keyword(&after, "in")
            && ws(after.take_from(2))
                .ok()
                .is_some_and(|(r, ())| r.fragment().starts_with('(')));
    if !operator {
        return None;
    }
    let at = offset(i);
    let lower = word.to_ascii_lowercase();
    Some(PError::custom(
        at,
        Diagnostic::error(
            codes::RESERVED_WORD,
            format!("`{lower}` is a reserved word: a column of that name must be back-quoted"),
        )
        .with_span(Span::new(at, at + word.len()))
        .with_label("reserved word")
        .with_help(format!("back-quote the column name: `` `{word}` ``")),
    ))
}

/// A column that no comparison follows (`users who have plan`).
fn no_comparison(i: &Input, column: &Ident) -> PError {
    let at = offset(i);
    let written = quoted(&i.extra.source[column.span.range()]);
    PError::custom(
        at,
        expected_found(codes::SYNTAX, i, &format!("a comparison after `{written}`"))
            .with_label("expected `=`, `!=`, `<`, `>`, `in`, `is`, `like`, ...")
            .with_secondary(column.span, "read as a column name")
            .with_help(format!(
                "test the column with `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (...)`, `is null`, \
             `like`, `between` or `contains`, e.g. `{written} = \"value\"`"
            )),
    )
}

/// `"(" literal { "," literal } ")"`
fn literal_list(i: Input) -> PResult<Vec<Literal>> {
    let Ok((mut i, open)) = sym("(")(i) else {
        return Err(nom::Err::Failure(list_without_parentheses(i)));
    };
    let mut values = Vec::new();
    loop {
        let (rest, v) = required("a value in the list", literal)(i)?;
        values.push(v);
        if let Ok((rest, _)) = sym(",")(rest) {
            i = rest;
            continue;
        }
        if let Ok((rest, _)) = sym(")")(rest) {
            return Ok((rest, values));
        }
        let at = offset(&rest);
        return failure(
            at,
            expected_found(codes::SYNTAX, &rest, "`,` or `)` in the list of values")
                .with_label("expected `,` or `)`")
                .with_secondary(open, "the list starts here")
                .with_help("separate the values with commas and close the list: (\"BR\", \"AR\")"),
        );
    }
}

/// `in "BR", "AR"`: the values of an `in` list without their parentheses.
fn list_without_parentheses(i: Input) -> PError {
    let at = offset(&i);
    let mut d = expected_found(codes::SYNTAX, &i, "`(` after `in`").with_label("expected `(`");
    // Read what looks like the list, to show it in parentheses.
    let mut rest = i;
    let mut end = at;
    while let Ok((after, _)) = literal(rest) {
        end = rest.extra.token_end_before(offset(&after));
        match sym(",")(after) {
            Ok((after, _)) => rest = after,
            Err(_) => break,
        }
    }
    d = if end > at {
        let values = quoted(&i.extra.source[at..end]);
        d.with_help(format!("put the values in parentheses: `in ({values})`"))
    } else {
        d.with_help("list the values in parentheses: `country in (\"BR\", \"AR\")`")
    };
    PError::custom(at, d)
}

/// `cmp := "=" | "!=" | "<" | "<=" | ">" | ">="`
pub fn cmp(i: Input) -> PResult<CmpOp> {
    // Operators of other languages, checked first: `==` starts with `=`.
    for (written, right) in [("==", "="), ("<>", "!="), ("=<", "<="), ("=>", ">=")] {
        if i.fragment().starts_with(written) {
            return failure_here(
                &i,
                written.len(),
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("`{written}` is not a comparison in segql"),
                )
                .with_label(format!("write `{right}`"))
                .with_help("the comparisons are `=`, `!=`, `<`, `<=`, `>` and `>=`"),
            );
        }
    }
    for (s, op) in [
        ("!=", CmpOp::NotEq),
        ("<=", CmpOp::LtEq),
        (">=", CmpOp::GtEq),
        ("=", CmpOp::Eq),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ] {
        if let Ok((rest, _)) = sym(s)(i) {
            return Ok((rest, op));
        }
    }
    fail(&i, "a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)")
}

/// `literal := STRING | NUMBER | DATE | "true" | "false" | "null"`
fn literal(i: Input) -> PResult<Literal> {
    let start = offset(&i);
    let node = |kind, rest: &Input| Literal {
        kind,
        span: span_from(start, rest),
    };
    if i.fragment().starts_with('"') {
        let (rest, s) = string(i)?;
        let l = node(LiteralKind::String(s.value), &rest);
        return Ok((rest, l));
    }
    for (word, kind) in [
        ("true", LiteralKind::Bool(true)),
        ("false", LiteralKind::Bool(false)),
        ("null", LiteralKind::Null),
    ] {
        if let Ok((rest, _)) = kw(word)(i) {
            let l = node(kind, &rest);
            return Ok((rest, l));
        }
    }
    match date(i) {
        Ok((rest, d)) => {
            let l = node(LiteralKind::Date(d), &rest);
            return Ok((rest, l));
        }
        Err(nom::Err::Failure(e)) => return Err(nom::Err::Failure(e)),
        Err(_) => {}
    }
    let (rest, n) = number(i)?;
    let l = node(LiteralKind::Number(n), &rest);
    Ok((rest, l))
}

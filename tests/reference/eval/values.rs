//! Ranges (§4.2), two-valued atoms and predicates (§4.3), and the values of
//! columns they compare.

use super::*;

impl<'a> Evaluator<'a> {
    /// §4.2: whether a timestamp lies in a range (no range: every event).
    pub(in crate::reference) fn in_range(&self, ts: i64, range: Option<&Range>) -> bool {
        let Some(range) = range else {
            return true;
        };
        match &range.kind {
            // "`last N days` is `[now - N days, now)`; `in the past week` is
            // `last 1 week`."
            RangeKind::Last { count, unit, .. } => {
                let from = self.now_ms - duration_ms(count.unwrap_or(1), *unit);
                from <= ts && ts < self.now_ms
            }
            // "`since D` is `[D, +∞)`"
            RangeKind::Since(d) => ts >= self.zone.date_ms(&d.text),
            // "`before D` is `(-∞, D)`"
            RangeKind::Before(d) => ts < self.zone.date_ms(&d.text),
            // "`between A and B` is `[A, B)`"
            RangeKind::Between(a, b) => {
                self.zone.date_ms(&a.text) <= ts && ts < self.zone.date_ms(&b.text)
            }
        }
    }

    /// A two-valued atom on a value (`None`: null). "where SQL would say
    /// unknown (a null operand), the atom is false, before `not`/`and`/`or`
    /// apply."
    pub(super) fn atom_holds(&self, value: Option<Val>, atom: &Atom) -> bool {
        let column = atom.column.name.as_str();
        match &atom.kind {
            AtomKind::IsNull { negated } => value.is_some() == *negated,
            AtomKind::Compare { op, value: lit } => self
                .compare(value, lit, column)
                .is_some_and(|o| op_holds(*op, o)),
            // "a null in the list never matches, and makes `not in` false"
            // (grammar/segql.ebnf): SQL's `x IN (...)`, unknown made false.
            AtomKind::InList { negated, values } => {
                let Some(v) = value else {
                    return false;
                };
                let mut found = false;
                let mut has_null = false;
                for lit in values {
                    match self.compare(Some(v), lit, column) {
                        Some(Ordering::Equal) => found = true,
                        Some(_) => {}
                        None => has_null = true,
                    }
                }
                if *negated { !found && !has_null } else { found }
            }
            AtomKind::Like { negated, pattern } => match value {
                Some(Val::Str(s)) => like(s, &pattern.value) != *negated,
                None => false,
                Some(other) => panic!("reference: `like` on {column}, not a string: {other:?}"),
            },
            // "`x between a and b` is inclusive at both ends, as in SQL"
            AtomKind::Between { low, high } => {
                self.compare(value, low, column)
                    .is_some_and(|o| o != Ordering::Less)
                    && self
                        .compare(value, high, column)
                        .is_some_and(|o| o != Ordering::Greater)
            }
            // "`col in the past N unit` = [now - N unit, now)"; "a date
            // column compares as local midnight" (§10).
            AtomKind::InThePast { count, unit, .. } => {
                let ms = match value {
                    None => return false,
                    Some(Val::Date(d)) => self.zone.day_start(i64::from(d)),
                    Some(Val::Ts(t)) => t,
                    Some(other) => {
                        panic!("reference: `in the past` on {column}, not a date: {other:?}")
                    }
                };
                let from = self.now_ms - duration_ms(count.unwrap_or(1), *unit);
                from <= ms && ms < self.now_ms
            }
            // "substring, case-sensitive"
            AtomKind::Contains { needle } => match value {
                Some(Val::Str(s)) => s.contains(needle.value.as_str()),
                None => false,
                Some(other) => panic!("reference: `contains` on {column}, not a string: {other:?}"),
            },
        }
    }
}

// ----- free functions -------------------------------------------------------------

/// `and`/`or`/`not` over two-valued atoms.
pub(super) fn eval_pred(p: &Pred, atom: &mut dyn FnMut(&Atom) -> bool) -> bool {
    match &p.kind {
        PredKind::Or(items) => items.iter().any(|i| eval_pred(i, atom)),
        PredKind::And(items) => items.iter().all(|i| eval_pred(i, atom)),
        PredKind::Not(inner) => !eval_pred(inner, atom),
        PredKind::Group(inner) => eval_pred(inner, atom),
        PredKind::Atom(a) => atom(a),
    }
}

/// The length of `count unit` in milliseconds ("`month(s)` = 30 days").
pub(in crate::reference) fn duration_ms(count: u64, unit: Unit) -> i64 {
    const DAY: i64 = 86_400;
    let seconds = match unit {
        Unit::Second => 1,
        Unit::Minute => 60,
        Unit::Hour => 3600,
        Unit::Day => DAY,
        Unit::Week => 7 * DAY,
        Unit::Month => 30 * DAY,
    };
    i64::try_from(count).expect("small count") * seconds * 1000
}

/// The value of an event column (`None`: null). An unknown column panics.
pub(in crate::reference) fn event_value<'e>(
    data: &RefDataset,
    e: &'e RefEvent,
    column: &str,
) -> Option<Val<'e>> {
    match column {
        "timestamp" => Some(Val::Ts(e.ts)),
        "user_id" => e.user_id.as_deref().map(Val::Str),
        "session_id" => e.session_id.as_deref().map(Val::Str),
        "event_type" => Some(Val::Str(&e.event_type)),
        "name" => Some(Val::Str(&e.name)),
        "account_id" if data.events_have_account_column => e.account_id.as_deref().map(Val::Str),
        "product_id" => e.product_id.as_deref().map(Val::Str),
        "device" => e.device.as_deref().map(Val::Str),
        "amount" => e.amount.map(Val::Float),
        "qty" => e.qty.map(Val::Int),
        _ => panic!("reference: unknown events column {column:?}"),
    }
}

/// The value of a profile column. An unknown column panics.
pub(in crate::reference) fn profile_value<'r>(
    audience: Audience,
    row: &'r RefProfile,
    column: &str,
) -> Option<Val<'r>> {
    match (audience, column) {
        (Audience::Users, "user_id") | (Audience::Accounts, "account_id") => {
            row.key.as_deref().map(Val::Str)
        }
        (Audience::Users, "email") => row.email.as_deref().map(Val::Str),
        (Audience::Users, "account_id") => row.account_id.as_deref().map(Val::Str),
        (_, "plan") => row.plan.as_deref().map(Val::Str),
        (_, "score") => row.score.map(Val::Int),
        (Audience::Users, "signup_date") | (Audience::Accounts, "start_date") => {
            row.signup.map(Val::Date)
        }
        (_, "vip") => row.vip.map(Val::Bool),
        _ => panic!(
            "reference: unknown {} column {column:?}",
            audience.keyword()
        ),
    }
}

/// An exact name or a LIKE pattern.
pub(super) fn target_matches(t: &Target, name: &str) -> bool {
    if t.like {
        like(name, &t.pattern.value)
    } else {
        name == t.pattern.value
    }
}

/// SQL LIKE, case-sensitive: `%` any run of characters, `_` exactly one.
/// No escape character (the contract names only `%` and `_`).
pub(in crate::reference) fn like(s: &str, pattern: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|k| go(&s[k..], rest)),
            Some(('_', rest)) => !s.is_empty() && go(&s[1..], rest),
            Some((c, rest)) => s.first() == Some(c) && go(&s[1..], rest),
        }
    }
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    go(&s, &p)
}

pub(super) fn op_holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::NotEq => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtEq => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::GtEq => o != Ordering::Less,
    }
}

/// A number as written: an integer when it is one, else a float.
pub(super) fn number_val(n: &Number) -> Val<'static> {
    match n.text.trim_start_matches('+').parse::<i64>() {
        Ok(i) => Val::Int(i),
        Err(_) => Val::Float(
            n.text
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("reference: not a number: {:?}", n.text)),
        ),
    }
}

/// Numbers compare numerically, int against float too. `None` for NaN.
pub(super) fn compare_numbers(a: Val, b: Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(&y)),
        (Val::Int(x), Val::Float(y)) => (x as f64).partial_cmp(&y),
        (Val::Float(x), Val::Int(y)) => x.partial_cmp(&(y as f64)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(&y),
        _ => unreachable!("compare_numbers on numbers only"),
    }
}

pub(super) fn compare_number(v: Val, n: &Number) -> Option<Ordering> {
    compare_numbers(v, number_val(n))
}

impl Evaluator<'_> {
    /// Compares a column value with a literal: `None` when either is null
    /// (the atom is then false). An incompatible type is an error (panic).
    pub(super) fn compare(
        &self,
        value: Option<Val>,
        lit: &Literal,
        column: &str,
    ) -> Option<Ordering> {
        let v = value?;
        match (&lit.kind, v) {
            (LiteralKind::Null, _) => None,
            (LiteralKind::String(s), Val::Str(x)) => Some(x.cmp(s.as_str())),
            (LiteralKind::Number(n), Val::Int(_) | Val::Float(_)) => compare_number(v, n),
            (LiteralKind::Bool(b), Val::Bool(x)) => Some(x.cmp(b)),
            // "A date value compares as midnight UTC of that day", read
            // "local midnight" in a reporting time zone (§10). "Dates and
            // timestamps compare with each other."
            (LiteralKind::Date(d), Val::Date(x)) => Some(
                self.zone
                    .day_start(i64::from(x))
                    .cmp(&self.zone.date_ms(&d.text)),
            ),
            (LiteralKind::Date(d), Val::Ts(x)) => Some(x.cmp(&self.zone.date_ms(&d.text))),
            _ => panic!(
                "reference: column {column} ({v:?}) compared with an incompatible literal {:?}",
                lit.kind
            ),
        }
    }
}

/// `total`/`average`/`min`/`max` of the non-null values of a numeric
/// column. "`total` of no events is 0"; the others of no events are null.
pub(super) fn aggregate(func: AggregateFunc, values: &[Val], column: &str) -> Option<Val<'static>> {
    let all_int = values.iter().all(|v| matches!(v, Val::Int(_)));
    let as_f64 = |v: &Val| match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        other => panic!("reference: aggregate of {column}, not a number: {other:?}"),
    };
    let as_i64 = |v: &Val| match v {
        Val::Int(i) => *i,
        _ => unreachable!(),
    };
    match func {
        AggregateFunc::Total => Some(if all_int {
            Val::Int(values.iter().map(as_i64).sum())
        } else {
            Val::Float(values.iter().map(as_f64).sum())
        }),
        AggregateFunc::Average => {
            if values.is_empty() {
                None
            } else {
                Some(Val::Float(
                    values.iter().map(as_f64).sum::<f64>() / values.len() as f64,
                ))
            }
        }
        AggregateFunc::Min | AggregateFunc::Max => {
            let mut best: Option<Val> = None;
            for &v in values {
                as_f64(&v); // type check
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = compare_numbers(v, b).expect("no NaN in test data");
                        let better = if func == AggregateFunc::Min {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        };
                        if better { v } else { b }
                    }
                });
            }
            best.map(|v| match v {
                Val::Int(i) => Val::Int(i),
                Val::Float(f) => Val::Float(f),
                _ => unreachable!(),
            })
        }
    }
}

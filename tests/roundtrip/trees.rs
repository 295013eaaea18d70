//! Strategies for the inner nodes of a syntax tree, each building only what
//! the parser builds: predicates, ranges, behaviors, conditions, segments,
//! analyses and statements.

use super::leaves::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use segql::syntax::*;

/// A strategy for a struct from one strategy per field, each field named
/// once (proptest's tuples would name it three times: in the tuple, the
/// closure's pattern and the struct).
macro_rules! struct_of {
    ($name:ident { $($field:ident: $strategy:expr),+ $(,)? }) => {
        ($($strategy,)+)
            .prop_map(|($($field,)+)| $name { $($field,)+ })
            .boxed()
    };
}

fn pred_node(kind: PredKind) -> Pred {
    Pred { kind, span: sp() }
}

fn pred_group(p: Pred) -> Pred {
    pred_node(PredKind::Group(Box::new(p)))
}

fn atom() -> BoxedStrategy<Atom> {
    let kind = prop_oneof![
        3 => (cmp_op(), literal()).prop_map(|(op, value)| AtomKind::Compare { op, value }),
        1 => (any::<bool>(), vec(literal(), 1..4)).prop_map(|(negated, values)| AtomKind::InList { negated, values }),
        1 => any::<bool>().prop_map(|negated| AtomKind::IsNull { negated }),
        1 => (any::<bool>(), string()).prop_map(|(negated, pattern)| AtomKind::Like { negated, pattern }),
        1 => (literal(), literal()).prop_map(|(low, high)| AtomKind::Between { low, high }),
        1 => (any::<bool>(), option::of(count_value()), unit())
            .prop_map(|(last, count, unit)| AtomKind::InThePast { last, count, unit }),
        1 => string().prop_map(|needle| AtomKind::Contains { needle }),
    ];
    (ident(), kind)
        .prop_map(|(column, kind)| Atom {
            column,
            kind,
            span: sp(),
        })
        .boxed()
}

/// `p` as an operand, in parentheses when it is an `or`, or an `and`
/// outside an `or` (`of_or`).
fn operand(p: Pred, of_or: bool) -> Pred {
    match p.kind {
        PredKind::Or(_) => pred_group(p),
        PredKind::And(_) if !of_or => pred_group(p),
        _ => p,
    }
}

/// An `and` (`or` when `is_or`) of `items` as the parser builds it.
fn pred_list(items: Vec<Pred>, is_or: bool) -> Pred {
    let items = items.into_iter().map(|p| operand(p, is_or)).collect();
    pred_node(match is_or {
        true => PredKind::Or(items),
        false => PredKind::And(items),
    })
}

/// `and` binds tighter than `or` and both are flat lists: an `and` item is
/// never an `and`/`or` (the parser would have flattened it, or it needs
/// parentheses), an `or` item never an `or`, a `not` never applies to one.
fn pred() -> BoxedStrategy<Pred> {
    atom()
        .prop_map(|a| pred_node(PredKind::Atom(a)))
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                vec(inner.clone(), 2..4).prop_map(|items| pred_list(items, false)),
                vec(inner.clone(), 2..4).prop_map(|items| pred_list(items, true)),
                inner
                    .clone()
                    .prop_map(|p| { pred_node(PredKind::Not(Box::new(operand(p, false)))) }),
                inner.prop_map(pred_group),
            ]
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Ranges, behaviors
// ---------------------------------------------------------------------------

fn range() -> BoxedStrategy<Range> {
    let kind = prop_oneof![
        // `during` always has a count.
        2 => (select(vec![LastForm::DuringLast, LastForm::DuringPast]), count_value(), unit())
            .prop_map(|(form, count, unit)| RangeKind::Last { form, count: Some(count), unit }),
        2 => (select(vec![LastForm::InThePast, LastForm::InTheLast]), option::of(count_value()), unit())
            .prop_map(|(form, count, unit)| RangeKind::Last { form, count, unit }),
        1 => date().prop_map(RangeKind::Since),
        1 => date().prop_map(RangeKind::Before),
        1 => (date(), date()).prop_map(|(a, b)| RangeKind::Between(a, b)),
    ];
    kind.prop_map(|kind| Range { kind, span: sp() }).boxed()
}

fn target() -> BoxedStrategy<Target> {
    (any::<bool>(), string())
        .prop_map(|(like, pattern)| Target { like, pattern })
        .boxed()
}

fn event() -> BoxedStrategy<Event> {
    prop_oneof![
        3 => target().prop_map(EventKind::Viewed),
        2 => (target(), any::<bool>()).prop_map(|(target, clicked)| EventKind::Action { target, clicked }),
        1 => option::of(target()).prop_map(EventKind::Error),
        1 => target().prop_map(EventKind::Named),
        1 => Just(EventKind::Any),
    ]
    .prop_map(|kind| Event { kind, span: sp() })
    .boxed()
}

fn step() -> BoxedStrategy<Step> {
    (event(), option::weighted(0.4, pred()))
        .prop_map(|(event, filter)| Step {
            event,
            filter,
            span: sp(),
        })
        .boxed()
}

/// The steps of a sequence: the first is never negated.
fn steps(min_len: usize) -> impl Strategy<Value = Vec<SeqStep>> {
    (step(), vec((any::<bool>(), step()), min_len - 1..4)).prop_map(|(first, rest)| {
        let mut steps = vec![SeqStep {
            negated: false,
            step: first,
            span: sp(),
        }];
        steps.extend(rest.into_iter().map(|(negated, step)| SeqStep {
            negated,
            step,
            span: sp(),
        }));
        steps
    })
}

fn within() -> BoxedStrategy<Within> {
    prop_oneof![
        Just(WithinKind::Session),
        duration().prop_map(WithinKind::Duration)
    ]
    .prop_map(|kind| Within { kind, span: sp() })
    .boxed()
}

fn count() -> BoxedStrategy<Count> {
    let func = select(vec![
        AggregateFunc::Total,
        AggregateFunc::Average,
        AggregateFunc::Min,
        AggregateFunc::Max,
    ]);
    prop_oneof![
        count_value().prop_map(CountKind::AtLeast),
        count_value().prop_map(CountKind::AtMost),
        count_value().prop_map(CountKind::Exactly),
        (func, ident(), cmp_op(), number()).prop_map(|(func, column, op, value)| {
            CountKind::Aggregate {
                func,
                column,
                op,
                value,
            }
        }),
    ]
    .prop_map(|kind| Count { kind, span: sp() })
    .boxed()
}

fn lifecycle() -> BoxedStrategy<Lifecycle> {
    select(vec![LifecycleKind::Stopped, LifecycleKind::Restarted])
        .prop_map(|kind| Lifecycle { kind, span: sp() })
        .boxed()
}

fn holding() -> BoxedStrategy<Holding> {
    vec(ident(), 1..3)
        .prop_map(|columns| Holding {
            columns,
            span: sp(),
        })
        .boxed()
}

/// A behavior of any shape the grammar allows, meaningful or not: the
/// round trip is about text, `check` about meaning.
fn behavior() -> BoxedStrategy<Behavior> {
    let modifiers = (
        option::weighted(0.3, within()),
        option::weighted(0.3, count()),
        option::weighted(0.2, holding()),
        option::weighted(0.1, Just(sp())),
    );
    (
        any::<bool>(),
        option::weighted(0.1, lifecycle()),
        prop_oneof![3 => steps(1), 1 => steps(2)],
        modifiers,
        option::weighted(0.3, range()),
    )
        .prop_map(
            |(performed, lifecycle, steps, (within, count, holding, first_time), range)| Behavior {
                performed: performed && lifecycle.is_none(),
                lifecycle,
                steps,
                within,
                count,
                holding,
                first_time,
                range,
                span: sp(),
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------
// Conditions and segments
// ---------------------------------------------------------------------------

fn cond(kind: ConditionKind) -> Condition {
    Condition { kind, span: sp() }
}

fn cond_group(c: Condition) -> Condition {
    cond(ConditionKind::Group {
        inner: Box::new(c),
        range: None,
    })
}

/// Whether the text of `c` ends with a `with` predicate that an `and`/`or`
/// after it could continue (§4.3 "where a predicate stops"): a behavior
/// whose last step has a filter and nothing after it.
fn is_open(c: &Condition) -> bool {
    match &c.kind {
        ConditionKind::Behavior(b) => {
            b.within.is_none()
                && b.count.is_none()
                && b.holding.is_none()
                && b.first_time.is_none()
                && b.range.is_none()
                && b.steps.last().is_some_and(|s| s.step.filter.is_some())
        }
        ConditionKind::Not(inner) => is_open(inner),
        ConditionKind::And(items) | ConditionKind::Or(items) => items.last().is_some_and(is_open),
        _ => false,
    }
}

/// Whether the text of `c` starts an atom: a run of `not`/`(` then a
/// profile test without `have`.
fn starts_atom(c: &Condition) -> bool {
    match &c.kind {
        ConditionKind::Profile { have, .. } => !have,
        ConditionKind::Not(inner) => starts_atom(inner),
        ConditionKind::Group { inner, .. } => starts_atom(inner),
        ConditionKind::And(items) | ConditionKind::Or(items) => {
            items.first().is_some_and(starts_atom)
        }
        _ => false,
    }
}

/// Puts the items of an `and` (or `or`) the way the parser builds them: an
/// item that is an `and`/`or` (an `or`) gets parentheses, and so does an
/// item whose trailing `with` predicate would swallow the next item.
fn list_items(items: Vec<Condition>, is_or: bool) -> Vec<Condition> {
    let mut items: Vec<Condition> = items
        .into_iter()
        .map(|c| match c.kind {
            ConditionKind::Or(_) => cond_group(c),
            ConditionKind::And(_) if !is_or => cond_group(c),
            _ => c,
        })
        .collect();
    for k in 0..items.len() - 1 {
        if is_open(&items[k]) && starts_atom(&items[k + 1]) {
            items[k] = cond_group(items[k].clone());
        }
    }
    items
}

fn set_ref() -> BoxedStrategy<SetRef> {
    prop_oneof![
        1 => ident().prop_map(SetRefKind::Segment),
        1 => (string(), option::of(string()), option::of(select(vec![CsvKey::Id, CsvKey::Email])))
            .prop_map(|(path, column, key)| SetRefKind::Csv { path, column, key }),
    ]
    .prop_map(|kind| SetRef { kind, span: sp() })
    .boxed()
}

fn condition() -> BoxedStrategy<Condition> {
    let leaf = prop_oneof![
        3 => (atom(), any::<bool>()).prop_map(|(atom, have)| cond(ConditionKind::Profile { atom, have })),
        1 => set_ref().prop_map(|s| cond(ConditionKind::InSet(s))),
        4 => behavior().prop_map(|b| cond(ConditionKind::Behavior(b))),
    ];
    leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 2..4)
                .prop_map(|items| cond(ConditionKind::And(list_items(items, false)))),
            vec(inner.clone(), 2..4)
                .prop_map(|items| cond(ConditionKind::Or(list_items(items, true)))),
            inner.clone().prop_map(|c| {
                let c = match c.kind {
                    ConditionKind::And(_) | ConditionKind::Or(_) => cond_group(c),
                    _ => c,
                };
                cond(ConditionKind::Not(Box::new(c)))
            }),
            (inner, option::of(range())).prop_map(|(c, range)| cond(ConditionKind::Group {
                inner: Box::new(c),
                range
            })),
        ]
    })
    .boxed()
}

fn audience() -> impl Strategy<Value = Audience> {
    select(vec![Audience::Users, Audience::Accounts])
}

fn segment() -> BoxedStrategy<Segment> {
    // The segment-wide range only comes after `where ...`.
    let who =
        (condition(), option::of((pred(), option::of(range())))).prop_map(|(condition, filter)| {
            let (filter, range) = match filter {
                Some((p, r)) => (Some(p), r),
                None => (None, None),
            };
            SegmentBody::Who {
                condition,
                filter,
                range,
            }
        });
    let set =
        (set_ref(), option::of(pred())).prop_map(|(set, filter)| SegmentBody::In { set, filter });
    (audience(), prop_oneof![3 => who, 1 => set])
        .prop_map(|(audience, body)| Segment {
            audience,
            audience_span: sp(),
            body,
            span: sp(),
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Analyses and statements
// ---------------------------------------------------------------------------

fn seg_ref() -> BoxedStrategy<SegRef> {
    prop_oneof![
        ident().prop_map(SegRefKind::Named),
        segment().prop_map(|s| SegRefKind::Inline(Box::new(s))),
    ]
    .prop_map(|kind| SegRef { kind, span: sp() })
    .boxed()
}

fn funnel() -> BoxedStrategy<Funnel> {
    struct_of!(Funnel {
        steps: steps(2),
        within: option::of(within()),
        order: option::of(
            select(vec![OrderKind::Strict, OrderKind::Any])
                .prop_map(|kind| FunnelOrder { kind, span: sp() })
        ),
        holding: option::of(holding()),
        every: option::of(select(vec![Period::Day, Period::Week, Period::Month])),
        scope: option::of(seg_ref()),
        compare: vec(seg_ref(), 0..3),
        by: option::of(ident()),
        range: option::of(range()),
    })
}

fn retention() -> BoxedStrategy<Retention> {
    struct_of!(Retention {
        start: step(),
        returning: step(),
        every: option::of(select(vec![Period::Day, Period::Week, Period::Month])),
        periods: option::of(count_value()),
        scope: option::of(seg_ref()),
        by: option::of(ident()),
        range: option::of(range()),
    })
}

fn lifecycle_analysis() -> BoxedStrategy<LifecycleAnalysis> {
    struct_of!(LifecycleAnalysis {
        step: step(),
        every: option::of(select(vec![Period::Day, Period::Week, Period::Month])),
        scope: option::of(seg_ref()),
        range: option::of(range()),
    })
}

fn stickiness() -> BoxedStrategy<Stickiness> {
    struct_of!(Stickiness {
        step: step(),
        every: option::of(select(vec![Period::Day, Period::Week, Period::Month])),
        scope: option::of(seg_ref()),
        range: option::of(range()),
    })
}

fn paths() -> BoxedStrategy<Paths> {
    struct_of!(Paths {
        from: option::of(step()),
        to: option::of(step()),
        depth: option::of(positive()),
        top: option::of(positive()),
        clean: vec(clean_rule(), 0..3),
        scope: option::of(seg_ref()),
        range: option::of(range()),
    })
}

fn clean_rule() -> BoxedStrategy<CleanRule> {
    (string(), string())
        .prop_map(|(pattern, label)| CleanRule {
            pattern,
            label,
            span: sp(),
        })
        .boxed()
}

fn measure() -> BoxedStrategy<Measure> {
    prop_oneof![
        Just(MeasureKind::Events),
        Just(MeasureKind::Users),
        Just(MeasureKind::Sessions),
        step().prop_map(MeasureKind::Count),
    ]
    .prop_map(|kind| Measure { kind, span: sp() })
    .boxed()
}

fn explore() -> BoxedStrategy<Explore> {
    struct_of!(Explore {
        measures: vec(measure(), 1..4),
        by: vec(ident(), 0..3),
        every: option::of(duration()),
        scope: option::of(seg_ref()),
        top: option::of(positive()),
        range: option::of(range()),
    })
}

pub(super) fn statement() -> BoxedStrategy<Statement> {
    prop_oneof![
        2 => (ident(), segment()).prop_map(|(name, segment)| StatementKind::Define(SegmentDef { name, segment })),
        3 => segment().prop_map(StatementKind::Segment),
        1 => funnel().prop_map(StatementKind::Funnel),
        1 => retention().prop_map(StatementKind::Retention),
        1 => paths().prop_map(StatementKind::Paths),
        1 => explore().prop_map(StatementKind::Explore),
        1 => lifecycle_analysis().prop_map(StatementKind::Lifecycle),
        1 => stickiness().prop_map(StatementKind::Stickiness),
    ]
    .prop_map(|kind| Statement { kind, span: sp() })
    .boxed()
}

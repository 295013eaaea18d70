//! Unit tests of the printer. The trees are built by hand (the builders
//! below), so the printer is tested without the parser; `round_trip` then
//! checks it against the parser.

mod display;
mod format;
mod pretty;
mod round_trip;

use super::*;
use crate::span::Span;

// ----- tree builders ---------------------------------------------------

fn sp() -> Span {
    Span::default()
}

fn id(name: &str) -> Ident {
    Ident {
        name: name.into(),
        quoted: false,
        span: sp(),
    }
}

fn qid(name: &str) -> Ident {
    Ident {
        quoted: true,
        ..id(name)
    }
}

fn st(value: &str) -> Str {
    Str {
        value: value.into(),
        span: sp(),
    }
}

fn num(text: &str) -> Number {
    Number {
        text: text.into(),
        span: sp(),
    }
}

fn date(text: &str) -> Date {
    Date {
        text: text.into(),
        epoch_micros: 0,
        date_only: text.len() == 10,
        span: sp(),
    }
}

fn lit(kind: LiteralKind) -> Literal {
    Literal { kind, span: sp() }
}

fn lstr(value: &str) -> Literal {
    lit(LiteralKind::String(value.into()))
}

fn lnum(text: &str) -> Literal {
    lit(LiteralKind::Number(num(text)))
}

fn atom(column: &str, kind: AtomKind) -> Atom {
    Atom {
        column: id(column),
        kind,
        span: sp(),
    }
}

fn eq(column: &str, value: Literal) -> Atom {
    atom(
        column,
        AtomKind::Compare {
            op: CmpOp::Eq,
            value,
        },
    )
}

fn pred(kind: PredKind) -> Pred {
    Pred { kind, span: sp() }
}

fn patom(a: Atom) -> Pred {
    pred(PredKind::Atom(a))
}

fn target(name: &str) -> Target {
    Target {
        like: false,
        pattern: st(name),
    }
}

fn like(pattern: &str) -> Target {
    Target {
        like: true,
        pattern: st(pattern),
    }
}

fn event(kind: EventKind) -> Event {
    Event { kind, span: sp() }
}

fn step(kind: EventKind) -> Step {
    Step {
        event: event(kind),
        filter: None,
        span: sp(),
    }
}

fn viewed(name: &str) -> Step {
    step(EventKind::Viewed(target(name)))
}

fn action(name: &str) -> Step {
    step(EventKind::Action {
        target: target(name),
        clicked: false,
    })
}

fn with(mut s: Step, filter: Pred) -> Step {
    s.filter = Some(filter);
    s
}

fn seq(negated: bool, step: Step) -> SeqStep {
    SeqStep {
        negated,
        step,
        span: sp(),
    }
}

fn behavior(steps: Vec<SeqStep>) -> Behavior {
    Behavior {
        performed: false,
        lifecycle: None,
        steps,
        within: None,
        count: None,
        holding: None,
        first_time: None,
        range: None,
        span: sp(),
    }
}

fn cond(kind: ConditionKind) -> Condition {
    Condition { kind, span: sp() }
}

fn cbeh(b: Behavior) -> Condition {
    cond(ConditionKind::Behavior(b))
}

fn cview(name: &str) -> Condition {
    cbeh(behavior(vec![seq(false, viewed(name))]))
}

fn caction(name: &str) -> Condition {
    cbeh(behavior(vec![seq(false, action(name))]))
}

fn cprofile(a: Atom, have: bool) -> Condition {
    cond(ConditionKind::Profile { atom: a, have })
}

fn within(kind: WithinKind) -> Within {
    Within { kind, span: sp() }
}

fn dur(count: u64, unit: Unit) -> Duration {
    Duration {
        count,
        unit,
        span: sp(),
    }
}

fn count(kind: CountKind) -> Count {
    Count { kind, span: sp() }
}

fn range(kind: RangeKind) -> Range {
    Range { kind, span: sp() }
}

fn last(form: LastForm, count: Option<u64>, unit: Unit) -> Range {
    range(RangeKind::Last { form, count, unit })
}

fn who(audience: Audience, condition: Condition) -> Segment {
    Segment {
        audience,
        audience_span: sp(),
        body: SegmentBody::Who {
            condition,
            filter: None,
            range: None,
        },
        span: sp(),
    }
}

fn users_who(condition: Condition) -> Segment {
    who(Audience::Users, condition)
}

fn stmt(kind: StatementKind) -> Statement {
    Statement { kind, span: sp() }
}

fn named(name: &str) -> SegRef {
    SegRef {
        kind: SegRefKind::Named(id(name)),
        span: sp(),
    }
}

fn inline(segment: Segment) -> SegRef {
    SegRef {
        kind: SegRefKind::Inline(Box::new(segment)),
        span: sp(),
    }
}

fn measure(kind: MeasureKind) -> Measure {
    Measure { kind, span: sp() }
}

fn clicked_step(name: &str) -> Step {
    step(EventKind::Action {
        target: target(name),
        clicked: true,
    })
}

fn premium_inline() -> Segment {
    users_who(cprofile(eq("plan", lstr("premium")), true))
}

/// A funnel with every clause.
fn funnel_example() -> Funnel {
    Funnel {
        steps: vec![
            seq(false, viewed("/cart")),
            seq(false, action("CHECKOUT")),
            seq(true, step(EventKind::Error(None))),
        ],
        within: Some(within(WithinKind::Duration(dur(1, Unit::Day)))),
        order: None,
        holding: Some(Holding {
            columns: vec![id("product_id")],
            span: sp(),
        }),
        every: Some(Period::Week),
        scope: Some(named("premium")),
        compare: vec![named("seg1"), inline(premium_inline())],
        by: Some(id("device")),
        range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
    }
}

/// A paths with every clause, from and to the pages given.
fn paths_example(from: &str, to: &str) -> Paths {
    Paths {
        from: Some(viewed(from)),
        to: Some(viewed(to)),
        depth: Some(4),
        top: Some(5),
        clean: vec![
            CleanRule {
                pattern: st("/product/%"),
                label: st("/product/*"),
                span: sp(),
            },
            CleanRule {
                pattern: st("/c_t/%"),
                label: st("/category"),
                span: sp(),
            },
        ],
        scope: Some(named("x")),
        range: Some(last(LastForm::InTheLast, Some(2), Unit::Week)),
    }
}

/// An explore of `measures` with every clause, for `scope` in `range`.
fn explore_example(measures: Vec<MeasureKind>, scope: &str, range: Range) -> Explore {
    Explore {
        measures: measures.into_iter().map(measure).collect(),
        by: vec![id("device"), id("country")],
        every: Some(dur(1, Unit::Day)),
        scope: Some(named(scope)),
        top: Some(5),
        range: Some(range),
    }
}

/// A paths with no clause.
fn paths_bare() -> Paths {
    Paths {
        from: None,
        to: None,
        depth: None,
        top: None,
        clean: vec![],
        scope: None,
        range: None,
    }
}

/// A retention with every clause.
fn retention_example() -> Retention {
    Retention {
        start: action("signup"),
        returning: step(EventKind::Any),
        every: Some(Period::Week),
        periods: Some(8),
        scope: Some(inline(premium_inline())),
        by: Some(id("device")),
        range: Some(range(RangeKind::Since(date("2026-01-01")))),
    }
}

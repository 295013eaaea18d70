//! The rules inside a segment: `not` before a sequence, counts and
//! aggregates on sequences or with `within`, months outside ranges, empty
//! ranges and ranges that govern no behavior, `by email` on accounts.

use super::{Checker, SegCtx};
use segql_syntax::{
    Atom, AtomKind, Audience, Behavior, Condition, ConditionKind, CountKind, CsvKey, Diagnostic,
    Duration, LastForm, Pred, PredKind, Range, RangeKind, Segment, SegmentBody, SetRef, SetRefKind,
    Span, Step, Unit, Within, WithinKind, codes,
};

impl Checker<'_> {
    pub(super) fn check_segment(&mut self, seg: &Segment) {
        let ctx = SegCtx {
            audience: seg.audience,
            audience_span: seg.audience_span,
        };
        match &seg.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                self.check_condition(condition, ctx);
                self.check_lifecycles(condition, range.as_ref());
                if let Some(filter) = filter {
                    self.check_pred(filter);
                }
                if let Some(range) = range {
                    self.check_range(range);
                    if !governs_behavior(condition) {
                        let d = range_governs_nothing(range, condition)
                            .with_help(
                                "a range limits the behaviors (`viewed`, `action`, ...) of the segment; \
                                 profile tests have no time: remove the range, or add a behavior",
                            );
                        self.push(d);
                    }
                }
            }
            SegmentBody::In { set, filter } => {
                self.check_set(set, ctx);
                if let Some(filter) = filter {
                    self.check_pred(filter);
                }
            }
        }
    }

    fn check_condition(&mut self, cond: &Condition, ctx: SegCtx) {
        match &cond.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                for item in items {
                    self.check_condition(item, ctx);
                }
            }
            ConditionKind::Not(inner) => {
                if let ConditionKind::Behavior(b) = &inner.kind
                    && b.is_sequence()
                {
                    let d = Diagnostic::error(
                        codes::NOT_BEFORE_SEQUENCE,
                        "`not` cannot stand directly before a sequence",
                    )
                    .with_span(Span::new(
                        cond.span.start,
                        b.steps[b.steps.len() - 1].span.end,
                    ))
                    .with_label("`not` before a behavior with `then`")
                    .with_help(
                        "write `not (A then B)` for \"never did A then B\", \
                             or `A then not B` for \"did A, and no B after it\"",
                    );
                    self.push(d);
                }
                self.check_condition(inner, ctx);
            }
            ConditionKind::Group { inner, range } => {
                self.check_condition(inner, ctx);
                if let Some(range) = range {
                    self.check_range(range);
                    if !governs_behavior(inner) {
                        let d = range_governs_nothing(range, inner).with_help(
                            "a range limits the behaviors (`viewed`, `action`, ...) in the parentheses \
                             that have no range of their own: remove it, or move it after a behavior",
                        );
                        self.push(d);
                    }
                }
            }
            ConditionKind::Profile { atom, .. } => self.check_atom(atom),
            ConditionKind::InSet(set) => self.check_set(set, ctx),
            ConditionKind::Behavior(b) => self.check_behavior(b),
        }
    }

    fn check_set(&mut self, set: &SetRef, ctx: SegCtx) {
        match &set.kind {
            SetRefKind::Segment(ident) => self.check_segment_use(ident, ctx),
            SetRefKind::Csv { key, .. } => {
                if *key == Some(CsvKey::Email) && ctx.audience == Audience::Accounts {
                    let d = Diagnostic::error(
                        codes::EMAIL_ON_ACCOUNTS,
                        "`by email` matches users, and this is an accounts segment",
                    )
                    .with_span(set.span)
                    .with_label("emails cannot name accounts")
                    .with_secondary(ctx.audience_span, "the segment is about accounts")
                    .with_help(
                        "list account ids instead (`in csv \"accounts.csv\" by id`), \
                         or match emails in a users segment",
                    );
                    self.push(d);
                }
            }
        }
    }

    // ----- behaviors and steps ---------------------------------------------

    fn check_behavior(&mut self, b: &Behavior) {
        for step in &b.steps {
            self.check_step(&step.step);
        }
        if let Some(within) = &b.within {
            self.check_within(within);
        }
        self.check_behavior_holding(b);
        if let Some(count) = &b.count {
            let aggregate = match &count.kind {
                CountKind::Aggregate { func, .. } => Some(*func),
                _ => None,
            };
            if b.is_sequence() {
                let what = match aggregate {
                    Some(func) => format!("an aggregate (`{}`)", func.keyword()),
                    None => "a count".to_string(),
                };
                let steps = b.steps[0].span.to(b.steps[b.steps.len() - 1].span);
                let d = Diagnostic::error(
                    codes::COUNT_ON_SEQUENCE,
                    format!("{what} applies to a single step, not to a sequence"),
                )
                .with_span(count.span)
                .with_label("on a sequence")
                .with_secondary(steps, format!("a sequence of {} steps", b.steps.len()))
                .with_help(
                    "count one step (`action \"buy\" at least 3 times`) and join it to the sequence \
                     with `and`: `(viewed \"/a\" then action \"buy\") and action \"buy\" at least 3 times`",
                );
                self.push(d);
            }
            if let Some(within) = &b.within {
                match (&count.kind, aggregate) {
                    (CountKind::AtMost(_) | CountKind::Exactly(_), _) => {
                        let word = if matches!(count.kind, CountKind::AtMost(_)) {
                            "at most"
                        } else {
                            "exactly"
                        };
                        let d = Diagnostic::error(
                            codes::WITHIN_WITH_AT_MOST,
                            format!("`within` cannot be combined with `{word}`"),
                        )
                        .with_span(within.span)
                        .with_label(format!("not allowed with `{word}`"))
                        .with_secondary(count.span, format!("`{word}` counts every matching event"))
                        .with_help(format!(
                            "remove the `within`: `{word} N times` counts all matching events in the \
                             range; limit the time with a range such as `during last 7 days`"
                        ));
                        self.push(d);
                    }
                    (_, Some(func)) => {
                        let d = Diagnostic::error(
                            codes::AGGREGATE_WITH_WITHIN,
                            format!("`within` cannot be combined with `{}`", func.keyword()),
                        )
                        .with_span(within.span)
                        .with_label(format!("not allowed with `{}`", func.keyword()))
                        .with_secondary(count.span, "an aggregate over every matching event")
                        .with_help(
                            "remove the `within` and limit the time with a range: \
                             `event \"purchase\" total amount > 100 during last 30 days`",
                        );
                        self.push(d);
                    }
                    _ => {}
                }
            }
        }
        if let Some(range) = &b.range {
            self.check_range(range);
        }
    }

    pub(super) fn check_step(&mut self, step: &Step) {
        if let Some(filter) = &step.filter {
            self.check_pred(filter);
        }
    }

    pub(super) fn check_within(&mut self, within: &Within) {
        if let WithinKind::Duration(duration) = &within.kind {
            self.check_no_month(duration, "`within`");
        }
    }

    pub(super) fn check_no_month(&mut self, duration: &Duration, place: &str) {
        if duration.unit == Unit::Month {
            let days = duration.count.saturating_mul(30);
            let d = Diagnostic::error(
                codes::MONTH_NOT_ALLOWED,
                format!("a month has no fixed length in {place}; write {days} days"),
            )
            .with_span(duration.span)
            .with_label("months are for ranges only")
            .with_help(format!(
                "write `{days} {}`; months are allowed only in ranges such as `during last 3 months`",
                Unit::Day.name(days)
            ));
            self.push(d);
        }
    }

    // ----- predicates and ranges ---------------------------------------------

    fn check_pred(&mut self, pred: &Pred) {
        match &pred.kind {
            PredKind::Or(items) | PredKind::And(items) => {
                for item in items {
                    self.check_pred(item);
                }
            }
            PredKind::Not(inner) | PredKind::Group(inner) => self.check_pred(inner),
            PredKind::Atom(atom) => self.check_atom(atom),
        }
    }

    fn check_atom(&mut self, atom: &Atom) {
        if let AtomKind::InThePast {
            last,
            count: Some(0),
            unit,
        } = &atom.kind
        {
            let word = if *last { "last" } else { "past" };
            self.push(empty_range(
                atom.span,
                format!("`in the {word} 0 {}` covers no time", unit.name(0)),
                "an empty period",
                format!(
                    "a period is at least 1 long: `{} in the {word} 1 {}`",
                    atom.column.name,
                    unit.name(1)
                ),
            ));
        }
    }

    pub(super) fn check_opt_range(&mut self, range: Option<&Range>) {
        if let Some(range) = range {
            self.check_range(range);
        }
    }

    fn check_range(&mut self, range: &Range) {
        match &range.kind {
            RangeKind::Last {
                form,
                count: Some(0),
                unit,
            } => {
                let words = match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                };
                self.push(empty_range(
                    range.span,
                    format!("`{words} 0 {}` is an empty range", unit.name(0)),
                    "covers no time",
                    format!("a range is at least 1 long: `{words} 1 {}`", unit.name(1)),
                ));
            }
            // Without data the zone is not known: a bare date is read as UTC
            // midnight here, and resolution checks the range again in the
            // reporting time zone.
            RangeKind::Between(from, to) if to.epoch_micros <= from.epoch_micros => {
                let d = if to.epoch_micros == from.epoch_micros {
                    empty_range(
                        range.span,
                        "this range is empty: it starts and ends at the same time",
                        "an empty range",
                        format!(
                            "the end is excluded, so it must come after the start: for the day \
                             {0} alone, write `between {0} and` the next day",
                            from.text
                        ),
                    )
                } else {
                    empty_range(
                        range.span,
                        "this range is empty: its end is before its start",
                        "a reversed range",
                        format!(
                            "write the earlier date first: `between {} and {}` \
                             (the start is included, the end is not)",
                            to.text, from.text
                        ),
                    )
                };
                self.push(d);
            }
            _ => {}
        }
    }
}

/// A range or period that covers no time.
fn empty_range(
    span: Span,
    message: impl Into<String>,
    label: &str,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(codes::ZERO_LENGTH_RANGE, message)
        .with_span(span)
        .with_label(label)
        .with_help(help)
}

fn range_governs_nothing(range: &Range, cond: &Condition) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::RANGE_GOVERNS_NOTHING,
        "this range limits no behavior",
    )
    .with_span(range.span)
    .with_label("governs nothing")
    .with_secondary(cond.span, "no behavior here without a range of its own");
    if contains_segment_use(cond) {
        d = d.with_note(
            "a range never reaches into `in segment`: a segment means what its definition says",
        );
    }
    d
}

/// Whether a range after `cond` would govern a behavior: one that has no
/// range of its own and is not inside a group with a range. Ranges never
/// reach into `in segment`.
fn governs_behavior(cond: &Condition) -> bool {
    match &cond.kind {
        ConditionKind::Or(items) | ConditionKind::And(items) => items.iter().any(governs_behavior),
        ConditionKind::Not(inner) => governs_behavior(inner),
        ConditionKind::Group { inner, range } => range.is_none() && governs_behavior(inner),
        ConditionKind::Profile { .. } | ConditionKind::InSet(_) => false,
        ConditionKind::Behavior(b) => b.range.is_none(),
    }
}

fn contains_segment_use(cond: &Condition) -> bool {
    match &cond.kind {
        ConditionKind::Or(items) | ConditionKind::And(items) => {
            items.iter().any(contains_segment_use)
        }
        ConditionKind::Not(inner) | ConditionKind::Group { inner, .. } => {
            contains_segment_use(inner)
        }
        ConditionKind::InSet(set) => matches!(set.kind, SetRefKind::Segment(_)),
        ConditionKind::Profile { .. } | ConditionKind::Behavior(_) => false,
    }
}

//! The rules of `stopped`, `restarted` and `for the first time`
//! (LANGUAGE.md §11): one positive step, none of the other modifiers, and
//! the range each needs: `stopped` a start, `restarted` a start and an end.
//!
//! The range that governs a behavior may be its own, its enclosing
//! group's or the segment-wide one (§4: ranges are postfix and reach the
//! behaviors inside a group), so the walk carries the governing range down
//! the condition, and a diagnostic says where that range was written.

use super::Checker;
use segql_syntax::{
    Behavior, Condition, ConditionKind, CountKind, Diagnostic, LifecycleKind, Range, RangeKind,
    Span, codes, quoted,
};

/// Where the range governing a behavior was written.
#[derive(Clone, Copy)]
enum Origin {
    Own,
    Group,
    Segment,
}

/// The range governing a behavior, and where it comes from.
#[derive(Clone, Copy)]
struct Governing<'r> {
    range: &'r Range,
    origin: Origin,
}

/// Which of the three constructs a behavior is, and the words that made it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Construct {
    Stopped,
    Restarted,
    FirstTime,
}

impl Construct {
    fn of(b: &Behavior) -> Option<(Construct, Span)> {
        match (&b.lifecycle, b.first_time) {
            (Some(l), _) => Some((
                match l.kind {
                    LifecycleKind::Stopped => Construct::Stopped,
                    LifecycleKind::Restarted => Construct::Restarted,
                },
                l.span,
            )),
            (None, Some(span)) => Some((Construct::FirstTime, span)),
            (None, None) => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Construct::Stopped => "`stopped`",
            Construct::Restarted => "`restarted`",
            Construct::FirstTime => "`for the first time`",
        }
    }

    /// The behavior written right, on the user's own step.
    fn example(self, step: &str) -> String {
        match self {
            Construct::Stopped => format!("`stopped {step} during last 30 days`"),
            Construct::Restarted => format!("`restarted {step} during last 30 days`"),
            Construct::FirstTime => {
                format!("`performed {step} for the first time during last 30 days`")
            }
        }
    }
}

impl Checker<'_> {
    /// Checks every `stopped`, `restarted` and `for the first time` of a
    /// `who` condition; `segment_range` is the range after `where`.
    pub(super) fn check_lifecycles(&mut self, cond: &Condition, segment_range: Option<&Range>) {
        let governing = segment_range.map(|range| Governing {
            range,
            origin: Origin::Segment,
        });
        self.lifecycles_in(cond, governing);
    }

    fn lifecycles_in(&mut self, cond: &Condition, governing: Option<Governing>) {
        match &cond.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                for item in items {
                    self.lifecycles_in(item, governing);
                }
            }
            ConditionKind::Not(inner) => self.lifecycles_in(inner, governing),
            ConditionKind::Group { inner, range } => {
                let own = range.as_ref().map(|range| Governing {
                    range,
                    origin: Origin::Group,
                });
                self.lifecycles_in(inner, own.or(governing));
            }
            ConditionKind::Behavior(b) => {
                let own = b.range.as_ref().map(|range| Governing {
                    range,
                    origin: Origin::Own,
                });
                self.check_lifecycle(b, own.or(governing));
            }
            // A range never reaches into `in segment`: its definition is
            // checked on its own.
            ConditionKind::Profile { .. } | ConditionKind::InSet(_) => {}
        }
    }

    fn check_lifecycle(&mut self, b: &Behavior, governing: Option<Governing>) {
        let Some((construct, word_span)) = Construct::of(b) else {
            return;
        };
        let words = construct.words();
        let step = b.steps[0].step.to_string();
        let step = quoted(&step);
        if let (Some(lifecycle), Some(first_time)) = (&b.lifecycle, b.first_time) {
            self.push(
                Diagnostic::error(
                    codes::LIFECYCLE_MODIFIER,
                    format!("`for the first time` cannot be combined with {words}"),
                )
                .with_span(first_time)
                .with_label(format!("not with {words}"))
                .with_secondary(
                    lifecycle.span,
                    format!("{words} asks about the range as a whole"),
                )
                .with_help(format!(
                    "ask for the first time in a behavior of its own, joined with `and`: \
                     `performed {step} for the first time during last 30 days`"
                )),
            );
        }
        if b.is_sequence() {
            let rest = b.steps[1].span.to(b.steps[b.steps.len() - 1].span);
            self.push(
                Diagnostic::error(
                    codes::LIFECYCLE_ON_SEQUENCE,
                    format!("{words} applies to a single step, not to a sequence"),
                )
                .with_span(rest)
                .with_label("a sequence")
                .with_secondary(word_span, format!("{words} takes one step"))
                .with_help(format!(
                    "keep one step, as in {}, and join the sequence to it with `and`",
                    construct.example(&step)
                )),
            );
        }
        let why = match construct {
            Construct::Stopped => {
                "`stopped` asks whether some matching event lies before the range and none in it"
            }
            Construct::Restarted => {
                "`restarted` asks whether matching events lie in the range and before its gap, \
                 and none in the gap"
            }
            Construct::FirstTime => "the first time is the actor's earliest matching event",
        };
        if let Some(within) = &b.within {
            self.push(
                modifier_error("`within`", within.span, construct, word_span).with_help(format!(
                    "remove the `within`: {why}; a window belongs to sequences and counts"
                )),
            );
        }
        if let Some(count) = &b.count {
            let (what, noun) = match &count.kind {
                CountKind::Aggregate { func, .. } => {
                    (format!("an aggregate (`{}`)", func.keyword()), "aggregate")
                }
                _ => ("a count".to_string(), "count"),
            };
            self.push(
                modifier_error(&what, count.span, construct, word_span).with_help(format!(
                    "remove the {noun}: {why}; to count as well, join a count of its own with \
                     `and`, as in `{step} at least 3 times during last 30 days`"
                )),
            );
        }
        if let Some(holding) = &b.holding {
            self.push(
                modifier_error("`holding`", holding.span, construct, word_span).with_help(format!(
                    "remove the `holding`: {why}, whatever its values; \
                         to ask about one value, filter the step with `with`"
                )),
            );
        }
        self.check_lifecycle_range(b, construct, &step, governing);
    }

    /// `stopped` needs a range with a start; `restarted` one with a start
    /// and an end; `for the first time` takes any range or none.
    fn check_lifecycle_range(
        &mut self,
        b: &Behavior,
        construct: Construct,
        step: &str,
        governing: Option<Governing>,
    ) {
        let (needs, why) = match construct {
            Construct::FirstTime => return,
            Construct::Stopped => (
                "a range with a start",
                "`stopped` asks for a matching event before the range starts and none in it",
            ),
            Construct::Restarted => (
                "a range with a start and an end",
                "`restarted` compares the range with the gap of the same length just before it",
            ),
        };
        let words = construct.words();
        let example = construct.example(step);
        // The behavior up to its last step: its own range is shown apart.
        let behavior = Span::new(b.span.start, b.steps[b.steps.len() - 1].span.end);
        let Some(Governing { range, origin }) = governing else {
            self.push(
                Diagnostic::error(
                    codes::LIFECYCLE_RANGE,
                    format!("{words} needs {needs}, and no range governs it"),
                )
                .with_span(behavior)
                .with_label("no range")
                .with_help(format!(
                    "{why}: give it a range, as in {example}{}",
                    other_ranges(construct)
                )),
            );
            return;
        };
        let missing = match (&range.kind, construct) {
            (RangeKind::Before(_), _) => "no start",
            (RangeKind::Since(_), Construct::Restarted) => "no end",
            _ => return,
        };
        let place = match origin {
            Origin::Own => "the range of this behavior",
            Origin::Group => "the range after the parentheses, which reaches this behavior",
            Origin::Segment => "the segment-wide range after `where`, which reaches this behavior",
        };
        let own_range = match origin {
            Origin::Own => "",
            Origin::Group | Origin::Segment => ", or give the behavior a range of its own",
        };
        self.push(
            Diagnostic::error(
                codes::LIFECYCLE_RANGE,
                format!("{words} needs {needs}, and `{range}` has {missing}"),
            )
            .with_span(behavior)
            .with_label(format!("governed by a range with {missing}"))
            .with_secondary(range.span, place)
            .with_help(format!(
                "{why}: use a range as in {example}{}{own_range}",
                other_ranges(construct)
            )),
        );
    }
}

/// A modifier that `stopped`, `restarted` and `for the first time` do not
/// take, before its help.
fn modifier_error(what: &str, span: Span, construct: Construct, word_span: Span) -> Diagnostic {
    let words = construct.words();
    Diagnostic::error(
        codes::LIFECYCLE_MODIFIER,
        format!("{what} cannot be combined with {words}"),
    )
    .with_span(span)
    .with_label(format!("not with {words}"))
    .with_secondary(word_span, format!("{words} takes no other modifier"))
}

/// The other ranges a construct takes, for a hint.
fn other_ranges(construct: Construct) -> &'static str {
    match construct {
        Construct::Stopped => " (or `since DATE`, `between A and B`)",
        _ => " (or `between A and B`)",
    }
}

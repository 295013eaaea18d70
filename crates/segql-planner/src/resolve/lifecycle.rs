//! `performed STEP for the first time`, `stopped STEP` and `restarted STEP`
//! (LANGUAGE.md §11) become a [`LifecycleIr`]: the step's predicate and the
//! instants its test compares the actor's matching events with.
//!
//! The checker has already refused every misuse (a sequence, a modifier, a
//! range without the bounds the test needs); a tree that did not pass it
//! gets one error here rather than a wrong plan.

use super::Resolver;
use crate::ir::{Cond, LifecycleIr, LifecycleTest, TimeRange};
use segql_syntax::{Behavior, Diagnostic, LifecycleKind, codes};

impl Resolver<'_> {
    /// The lifecycle test of `behavior` over its governing `range`, or
    /// `None` when it is a plain behavior. `for the first time` without a
    /// range means `performed STEP`, which is a plain behavior too.
    pub(super) fn lifecycle(
        &self,
        behavior: &Behavior,
        range: TimeRange,
    ) -> Result<Option<Cond>, Diagnostic> {
        let kind = behavior.lifecycle.map(|l| l.kind);
        if kind.is_none() && (behavior.first_time.is_none() || range == TimeRange::ALL) {
            return Ok(None);
        }
        let unchecked = |code: &'static str, what: &str| {
            Diagnostic::error(
                code,
                format!("this behavior needs {what}; check the text before planning it"),
            )
            .with_span(behavior.span)
            .with_help("run `segql check` on the text for the exact rule")
        };
        if behavior.steps.len() != 1 || behavior.within.is_some() || behavior.count.is_some() {
            return Err(unchecked(
                codes::LIFECYCLE_MODIFIER,
                "a single step and no `within` or count",
            ));
        }
        let test = match (kind, range.from, range.to) {
            (None, _, _) => LifecycleTest::FirstTime(range),
            (Some(LifecycleKind::Stopped), Some(from), to) => LifecycleTest::Stopped { from, to },
            (Some(LifecycleKind::Restarted), Some(from), Some(to)) => LifecycleTest::Restarted {
                // "for `[a, b)`: none in `[a - (b - a), a)`"; the gap's
                // length is absolute microseconds.
                gap_from: from.saturating_sub(to.saturating_sub(from)),
                from,
                to,
            },
            (Some(LifecycleKind::Stopped), None, _) => {
                return Err(unchecked(codes::LIFECYCLE_RANGE, "a range with a start"));
            }
            (Some(LifecycleKind::Restarted), _, _) => {
                return Err(unchecked(
                    codes::LIFECYCLE_RANGE,
                    "a range with a start and an end",
                ));
            }
        };
        Ok(Some(Cond::Lifecycle(LifecycleIr {
            step: self.step(&behavior.steps[0].step)?,
            test,
        })))
    }
}

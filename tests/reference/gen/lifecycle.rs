//! `stopped`, `restarted` and `for the first time` (LANGUAGE.md §11) in
//! generated programs: on a single step without other modifiers, under
//! ranges of every kind, their own or inherited from a group or the
//! segment (§4). `stopped` needs a range with a start and `restarted` one
//! with both ends: where the range that governs one lacks them, [`fit`]
//! makes it `for the first time`, which takes any range, so the text stays
//! valid without moving a range (which could leave another range governing
//! nothing).

use super::{GBehavior, GCond};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GLifecycle {
    Stopped,
    Restarted,
    FirstTime,
}

/// A lifecycle word for some behaviors, none for most.
pub(super) fn arb_lifecycle() -> BoxedStrategy<Option<GLifecycle>> {
    prop_oneof![
        8 => Just(None),
        1 => Just(Some(GLifecycle::Stopped)),
        1 => Just(Some(GLifecycle::Restarted)),
        1 => Just(Some(GLifecycle::FirstTime)),
    ]
    .boxed()
}

/// The word before the step (`None` for `for the first time`, which
/// follows it).
pub(super) fn leading_word(lifecycle: GLifecycle) -> Option<&'static str> {
    match lifecycle {
        GLifecycle::Stopped => Some("stopped"),
        GLifecycle::Restarted => Some("restarted"),
        GLifecycle::FirstTime => None,
    }
}

/// Makes every `stopped` and `restarted` of `cond` valid under the range
/// that governs it: its own, else the nearest enclosing group's, else
/// `segment_range`.
pub(super) fn fit(cond: &mut GCond, segment_range: Option<&str>) {
    match cond {
        GCond::Or(items) | GCond::And(items) => {
            for item in items {
                fit(item, segment_range);
            }
        }
        GCond::Not(inner) => fit(inner, segment_range),
        GCond::Group(inner, range) => {
            let governing = range.as_deref().or(segment_range);
            fit(inner, governing);
        }
        GCond::Behavior(b) => fit_behavior(b, segment_range),
        GCond::Profile { .. } | GCond::InSegment(_) => {}
    }
}

fn fit_behavior(b: &mut GBehavior, inherited: Option<&str>) {
    // A range's kind, from its first word (§4.2): `during` and `in the`
    // are relative ranges, bounded at both ends.
    let first = b
        .range
        .as_deref()
        .or(inherited)
        .and_then(|r| r.split_whitespace().next());
    let has_start = matches!(first, Some("during" | "in" | "since" | "between"));
    let has_end = matches!(first, Some("during" | "in" | "before" | "between"));
    let fits = match b.lifecycle {
        Some(GLifecycle::Stopped) => has_start,
        Some(GLifecycle::Restarted) => has_start && has_end,
        Some(GLifecycle::FirstTime) | None => true,
    };
    if !fits {
        b.lifecycle = Some(GLifecycle::FirstTime);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, arb_condition, arb_range};
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use segql::syntax::Audience;
    use std::collections::BTreeSet;

    /// Each lifecycle word, with the first word of the range that governs
    /// it and whether that range is its own.
    fn collect(
        cond: &GCond,
        inherited: Option<&str>,
        out: &mut BTreeSet<(&'static str, String, bool)>,
    ) {
        match cond {
            GCond::Or(items) | GCond::And(items) => {
                items.iter().for_each(|c| collect(c, inherited, out))
            }
            GCond::Not(inner) => collect(inner, inherited, out),
            GCond::Group(inner, range) => collect(inner, range.as_deref().or(inherited), out),
            GCond::Behavior(b) => {
                let word = match b.lifecycle {
                    Some(GLifecycle::Stopped) => "stopped",
                    Some(GLifecycle::Restarted) => "restarted",
                    Some(GLifecycle::FirstTime) => "first time",
                    None => return,
                };
                let range = b.range.as_deref().or(inherited).unwrap_or("none");
                let kind = range
                    .split_whitespace()
                    .next()
                    .unwrap_or("none")
                    .to_string();
                out.insert((word, kind, b.range.is_some()));
            }
            GCond::Profile { .. } | GCond::InSegment(_) => {}
        }
    }

    /// The generator reaches every lifecycle word under every kind of range
    /// it takes, its own and inherited, and first time with none.
    #[test]
    fn lifecycle_behaviors_meet_every_kind_of_range() {
        let shape = Shape {
            has_users: true,
            has_accounts: false,
            events_have_account_column: false,
        };
        let strategy = (
            arb_condition(Audience::Users, shape, Vec::new()),
            proptest::option::of(arb_range()),
        );
        let mut runner = TestRunner::deterministic();
        let mut seen = BTreeSet::new();
        for _ in 0..3000 {
            let (mut cond, range) = strategy
                .new_tree(&mut runner)
                .expect("a condition")
                .current();
            fit(&mut cond, range.as_deref());
            collect(&cond, range.as_deref(), &mut seen);
        }
        let mut missing = Vec::new();
        for (word, kinds) in [
            ("stopped", &["during", "in", "since", "between"][..]),
            ("restarted", &["during", "in", "between"][..]),
            (
                "first time",
                &["during", "in", "since", "before", "between", "none"][..],
            ),
        ] {
            for kind in kinds {
                for own in [true, false] {
                    if *kind == "none" && own {
                        continue;
                    }
                    if !seen.contains(&(word, kind.to_string(), own)) {
                        missing.push(format!("{word} under {kind} (own range: {own})"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "never generated: {missing:?}");
        // `fit` leaves no `stopped` without a start, no `restarted` unbounded.
        assert!(
            !seen
                .iter()
                .any(|(w, k, _)| *w == "stopped" && (k == "before" || k == "none"))
        );
        assert!(
            !seen.iter().any(
                |(w, k, _)| *w == "restarted" && (k == "before" || k == "since" || k == "none")
            )
        );
    }
}

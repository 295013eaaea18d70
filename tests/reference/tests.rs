//! Hand-computed cases: the ground truth of the reference evaluator.
//!
//! Every expected set below is worked out by hand from LANGUAGE.md; the
//! subtle ones quote the sentence they follow. `now` is [`NOW_MS`]
//! (2026-01-01T00:15:00Z) and `at(m)` is minute `m` of 2026-01-01, so
//! `during last 5 minutes` is `[at(10), at(15))`.

use super::data::{DAY_MS, MINUTE_MS, RefDataset, RefEvent, RefProfile};
use super::eval::{evaluate, evaluate_source, parse_csv};
use super::r#gen::{BASE_DAY, BASE_MS, NOW_MS, arb_case};
use crate::support::proptest_cases;
use proptest::prelude::*;
use std::path::Path;

// ----- helpers -------------------------------------------------------------------

fn at(minute: i64) -> i64 {
    BASE_MS + minute * MINUTE_MS
}

/// An event of `user` at minute `m`.
fn e(m: i64, user: &str, event_type: &str, name: &str) -> RefEvent {
    RefEvent::new(at(m), Some(user), event_type, name)
}

fn view(m: i64, user: &str, name: &str) -> RefEvent {
    e(m, user, "view", name)
}

fn action(m: i64, user: &str, name: &str) -> RefEvent {
    e(m, user, "action", name)
}

fn user(key: &str) -> RefProfile {
    RefProfile::new(Some(key))
}

fn events(events: Vec<RefEvent>) -> RefDataset {
    RefDataset {
        events,
        ..RefDataset::default()
    }
}

fn with_users(mut data: RefDataset, users: Vec<RefProfile>) -> RefDataset {
    data.users = Some(users);
    data
}

/// The members of every query of `source`.
fn all(data: &RefDataset, source: &str) -> Vec<Vec<String>> {
    evaluate_source(source, data, NOW_MS, Path::new("."))
        .into_iter()
        .map(|m| m.into_iter().collect())
        .collect()
}

/// The members of the single query of `source`.
fn one(data: &RefDataset, source: &str) -> Vec<String> {
    let mut r = all(data, source);
    assert_eq!(r.len(), 1, "one query in {source:?}");
    r.pop().unwrap()
}

fn keys(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| s.to_string()).collect()
}

/// Asserts the members of each query `(source, expected)`.
fn check(data: &RefDataset, cases: &[(&str, &[&str])]) {
    for (source, expected) in cases {
        assert_eq!(one(data, source), keys(expected), "{source}");
    }
}

// ----- events and behaviors --------------------------------------------------------

#[test]
fn viewed_matches_type_and_exact_name() {
    // "`viewed X`: `event_type = 'view' AND name = X`"
    let data = events(vec![
        view(1, "u1", "/a"),
        action(1, "u2", "/a"),
        view(1, "u3", "/b"),
        view(1, "u4", "/A"),
    ]);
    check(&data, &[(r#"users who viewed "/a""#, &["u1"])]);
}

#[test]
fn action_and_clicked_are_the_same() {
    let data = events(vec![action(1, "u1", "x"), view(1, "u2", "x")]);
    check(
        &data,
        &[
            (r#"users who action "x""#, &["u1"]),
            (r#"users who clicked "x""#, &["u1"]),
            (r#"users who performed clicked "x""#, &["u1"]),
        ],
    );
}

#[test]
fn error_with_and_without_target() {
    let data = events(vec![
        e(1, "u1", "error", "boom"),
        e(1, "u2", "error", "x"),
        action(1, "u3", "boom"),
    ]);
    check(
        &data,
        &[
            ("users who error", &["u1", "u2"]),
            (r#"users who error "boom""#, &["u1"]),
            (r#"users who error like "b%""#, &["u1"]),
        ],
    );
}

#[test]
fn event_matches_any_type_and_any_event_everything() {
    // "`event X`: `name = X` whatever the type; `any event`: every event."
    let data = events(vec![
        view(1, "u1", "x"),
        e(1, "u2", "purchase", "x"),
        action(1, "u3", "y"),
    ]);
    check(
        &data,
        &[
            (r#"users who event "x""#, &["u1", "u2"]),
            ("users who any event", &["u1", "u2", "u3"]),
        ],
    );
}

#[test]
fn like_targets() {
    // `%` is any run (the empty one too), `_` exactly one character;
    // case-sensitive.
    let data = events(vec![
        view(1, "u1", "/product/1"),
        view(1, "u2", "/product/"),
        view(1, "u3", "/products"),
        view(1, "u4", "/p"),
    ]);
    check(
        &data,
        &[
            (r#"users who viewed like "/product/%""#, &["u1", "u2"]),
            (r#"users who viewed like "/_""#, &["u4"]),
            (r#"users who viewed like "/p%s""#, &["u3"]),
            (r#"users who viewed like "/PRODUCT/%""#, &[]),
            (r#"users who viewed like "%""#, &["u1", "u2", "u3", "u4"]),
        ],
    );
}

#[test]
fn rows_with_null_user_are_ignored_everywhere() {
    // "rows with a null `user_id` are ignored everywhere": not a behavior,
    // not a member of the accounts universe through their account_id.
    let mut data = events(vec![
        RefEvent::new(at(1), None, "view", "/a").account("a1"),
        action(1, "u1", "x").account("a2"),
    ]);
    data.events_have_account_column = true;
    check(
        &data,
        &[
            (r#"users who viewed "/a""#, &[]),
            (r#"users who not viewed "/a""#, &["u1"]),
            ("accounts who any event", &["a2"]),
            ("accounts who not any event", &[]),
        ],
    );
}

#[test]
fn with_filters_are_two_valued() {
    let data = events(vec![
        view(1, "u1", "/a").device("mobile").amount(5.0),
        view(1, "u2", "/a").device("desktop"),
        view(1, "u3", "/a"),
    ]);
    check(
        &data,
        &[
            (r#"users who viewed "/a" with device = "mobile""#, &["u1"]),
            // "So `not plan = "free"` holds for a null plan, while
            // `plan != "free"` ... do not. This holds for `have`, `where`
            // and `with` alike."
            (
                r#"users who viewed "/a" with not device = "mobile""#,
                &["u2", "u3"],
            ),
            (r#"users who viewed "/a" with device != "mobile""#, &["u2"]),
            (r#"users who viewed "/a" with amount >= 5"#, &["u1"]),
            (
                r#"users who viewed "/a" with amount is null"#,
                &["u2", "u3"],
            ),
            (
                r#"users who viewed "/a" with device = "desktop" or amount > 1"#,
                &["u1", "u2"],
            ),
            (
                r#"users who viewed "/a" with device contains "top""#,
                &["u2"],
            ),
        ],
    );
}

#[test]
fn with_predicate_stops_before_a_behavior() {
    // "in `viewed "/a" with device = "mobile" and action "b"` the `and`
    // joins two behaviors".
    let data = events(vec![
        view(1, "u1", "/a").device("mobile"),
        action(2, "u1", "b"),
        view(1, "u2", "/a").device("mobile"),
        action(2, "u2", "c"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" with device = "mobile" and action "b""#,
            &["u1"],
        )],
    );
}

// ----- sequences ---------------------------------------------------------------------

#[test]
fn sequence_needs_strictly_later_timestamps() {
    // "Ties: "then" means a strictly later timestamp; two events with the
    // same timestamp are never in sequence".
    let data = events(vec![
        view(1, "u1", "/a"),
        action(1, "u1", "x"),
        view(1, "u2", "/a"),
        action(2, "u2", "x"),
        action(1, "u3", "x"),
        view(2, "u3", "/a"),
    ]);
    check(
        &data,
        &[(r#"users who viewed "/a" then action "x""#, &["u2"])],
    );
}

#[test]
fn sequence_uses_any_assignment() {
    // "The behavior holds for an actor when at least one assignment of
    // events satisfies all of this."
    let data = events(vec![
        view(5, "u1", "/a"),
        action(3, "u1", "x"),
        view(1, "u1", "/a"),
        view(1, "u2", "/a"),
        view(2, "u2", "/b"),
        view(3, "u2", "/a"),
        view(4, "u2", "/c"),
    ]);
    check(
        &data,
        &[
            (r#"users who viewed "/a" then action "x""#, &["u1"]),
            (
                r#"users who viewed "/a" then viewed "/b" then viewed "/c""#,
                &["u2"],
            ),
            (r#"users who viewed "/c" then viewed "/b""#, &[]),
        ],
    );
}

#[test]
fn within_session_needs_one_non_null_session() {
    // "`within session`: all matched events share one non-null
    // `session_id`."
    let data = events(vec![
        view(1, "u1", "/a").session("s1"),
        action(2, "u1", "x").session("s1"),
        view(1, "u2", "/a").session("s1"),
        action(2, "u2", "x").session("s2"),
        view(1, "u3", "/a"),
        action(2, "u3", "x"),
        view(1, "u4", "/a").session("s1"),
        view(2, "u4", "/a").session("s2"),
        action(3, "u4", "x").session("s2"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" then action "x" within session"#,
                &["u1", "u4"],
            ),
            (
                r#"users who viewed "/a" then action "x""#,
                &["u1", "u2", "u3", "u4"],
            ),
            // A single step within session still needs a session.
            (
                r#"users who viewed "/a" within session"#,
                &["u1", "u2", "u4"],
            ),
        ],
    );
}

#[test]
fn within_duration_is_inclusive() {
    // "`within D`: `t(pk) - t(p1) <= D`."
    let data = events(vec![
        view(0, "u1", "/a"),
        action(5, "u1", "x"),
        view(0, "u2", "/a"),
        action(6, "u2", "x"),
        view(0, "u3", "/a"),
        view(2, "u3", "/a"),
        action(7, "u3", "x"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" then action "x" within 5 minutes"#,
                &["u1", "u3"],
            ),
            (
                r#"users who viewed "/a" then action "x" within 300 seconds"#,
                &["u1", "u3"],
            ),
            (r#"users who viewed "/a" then action "x" within 4m"#, &[]),
        ],
    );
}

#[test]
fn negated_step_between_is_strictly_between() {
    // "between two positive steps: strictly between their timestamps"
    let data = events(vec![
        // x in the gap, and no other assignment.
        view(1, "u1", "/a"),
        action(2, "u1", "x"),
        view(3, "u1", "/b"),
        // x at the time of /a: not strictly after it.
        view(1, "u2", "/a"),
        action(1, "u2", "x"),
        view(3, "u2", "/b"),
        // x at the time of /b: not strictly before it.
        view(1, "u3", "/a"),
        action(3, "u3", "x"),
        view(3, "u3", "/b"),
        // The later /a starts a clean assignment.
        view(1, "u4", "/a"),
        action(2, "u4", "x"),
        view(3, "u4", "/a"),
        view(4, "u4", "/b"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then not action "x" then viewed "/b""#,
            &["u2", "u3", "u4"],
        )],
    );
}

#[test]
fn consecutive_negated_steps_share_the_gap() {
    let data = events(vec![
        view(1, "u1", "/a"),
        action(2, "u1", "y"),
        view(3, "u1", "/b"),
        view(1, "u2", "/a"),
        action(2, "u2", "z"),
        view(3, "u2", "/b"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then not action "x" then not action "y" then viewed "/b""#,
            &["u2"],
        )],
    );
}

#[test]
fn negated_end_without_within_runs_to_the_end_of_the_range() {
    // "at the end: strictly after the last positive step — ... until the end
    // of the range (no `within`)".
    let data = events(vec![
        view(1, "u1", "/cart"),
        action(9, "u1", "CHECKOUT"),
        view(1, "u2", "/cart"),
        action(1, "u2", "CHECKOUT"), // tie: not after
        action(0, "u3", "CHECKOUT"),
        view(1, "u3", "/cart"),
        view(1, "u4", "/cart"),
        action(2, "u4", "CHECKOUT"),
        view(3, "u4", "/cart"), // nothing after this one
        view(1, "u5", "/cart"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/cart" then not action "CHECKOUT""#,
            &["u2", "u3", "u4", "u5"],
        )],
    );
}

#[test]
fn negated_end_within_session_looks_at_that_session_only() {
    // "until the end of that session (`within session`)"; "With `within
    // session`, negated steps only look at events of that session."
    let data = events(vec![
        view(1, "u1", "/cart").session("s1"),
        action(2, "u1", "CHECKOUT").session("s2"),
        view(1, "u2", "/cart").session("s1"),
        action(9, "u2", "CHECKOUT").session("s1"),
        view(1, "u3", "/cart"), // null session: never within session
        view(1, "u4", "/cart").session("s1"),
        action(2, "u4", "CHECKOUT"), // null session is not "that session"
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
            &["u1", "u4"],
        )],
    );
}

#[test]
fn negated_end_within_duration_runs_to_first_plus_d_inclusive() {
    // "until `t(p1) + D` inclusive (`within D`)"
    let data = events(vec![
        view(0, "u1", "/a"),
        action(5, "u1", "x"), // at t1 + D: inside
        view(0, "u2", "/a"),
        action(6, "u2", "x"), // after t1 + D: outside
        view(0, "u3", "/a"),
        action(0, "u3", "x"), // tie: not after
        view(0, "u4", "/a"),
        action(3, "u4", "x"),
        view(4, "u4", "/a"), // its window (4, 9] has no x
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then not action "x" within 5 minutes"#,
            &["u2", "u3", "u4"],
        )],
    );
}

#[test]
fn negated_end_within_duration_is_measured_from_the_first_step() {
    // The end gap is (t(pk), t(p1) + D], not (t(pk), t(pk) + D].
    let data = events(vec![
        view(0, "u1", "/a"),
        view(2, "u1", "/b"),
        action(6, "u1", "x"),
        view(0, "u2", "/a"),
        view(2, "u2", "/b"),
        action(5, "u2", "x"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then viewed "/b" then not action "x" within 5 minutes"#,
            &["u1"],
        )],
    );
}

#[test]
fn negated_middle_within_session_looks_at_that_session_only() {
    let data = events(vec![
        view(1, "u1", "/a").session("s1"),
        action(2, "u1", "x").session("s2"),
        view(3, "u1", "/b").session("s1"),
        view(1, "u2", "/a").session("s1"),
        action(2, "u2", "x").session("s1"),
        view(3, "u2", "/b").session("s1"),
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then not action "x" then viewed "/b" within session"#,
            &["u1"],
        )],
    );
}

#[test]
fn ranges_limit_negated_steps_too() {
    // "Ranges limit which events a behavior sees (matched and negated steps
    // alike)". `before` 00:05 is (-inf, at(5)).
    let data = events(vec![
        view(1, "u1", "/a"),
        action(6, "u1", "x"), // out of range: does not count
        view(1, "u2", "/a"),
        action(4, "u2", "x"),
        view(6, "u3", "/a"), // out of range
    ]);
    check(
        &data,
        &[(
            r#"users who viewed "/a" then not action "x" before 2026-01-01T00:05:00Z"#,
            &["u1"],
        )],
    );
}

#[test]
fn not_of_a_sequence_needs_parentheses_and_means_never() {
    let data = events(vec![
        view(1, "u1", "/a"),
        action(2, "u1", "x"),
        view(1, "u2", "/a"),
        action(1, "u3", "x"),
    ]);
    check(
        &data,
        &[(
            r#"users who not (viewed "/a" then action "x")"#,
            &["u2", "u3"],
        )],
    );
}

// ----- counts and aggregates -----------------------------------------------------------

#[test]
fn at_least_counts_tied_events() {
    // "Every matching event counts, tied timestamps or not."
    let data = events(vec![
        action(1, "u1", "x"),
        action(1, "u1", "x"),
        action(1, "u2", "x"),
    ]);
    check(
        &data,
        &[
            (r#"users who action "x" at least 2 times"#, &["u1"]),
            (r#"users who action "x" at least 1 time"#, &["u1", "u2"]),
        ],
    );
}

#[test]
fn at_least_within_session() {
    // "`at least N times within session`: N matches in one session."
    let data = events(vec![
        action(1, "u1", "x").session("s1"),
        action(2, "u1", "x").session("s2"),
        action(1, "u2", "x").session("s1"),
        action(2, "u2", "x").session("s1"),
        action(1, "u3", "x"),
        action(2, "u3", "x"),
    ]);
    check(
        &data,
        &[(
            r#"users who action "x" at least 2 times within session"#,
            &["u2"],
        )],
    );
}

#[test]
fn at_least_within_duration() {
    // "`at least N times within D`: N matches with `t_last - t_first <= D`."
    let data = events(vec![
        action(0, "u1", "x"),
        action(1, "u1", "x"),
        action(2, "u1", "x"),
        action(0, "u2", "x"),
        action(1, "u2", "x"),
        action(3, "u2", "x"),
        action(0, "u3", "x"),
        action(3, "u3", "x"),
        action(4, "u3", "x"),
        action(5, "u3", "x"),
        action(7, "u4", "x"),
        action(7, "u4", "x"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who action "x" within 2 minutes at least 3 times"#,
                &["u1", "u3"],
            ),
            // "`within 0 seconds` is allowed for counts" (NOTES.md): two at
            // the same instant.
            (
                r#"users who action "x" at least 2 times within 0 seconds"#,
                &["u4"],
            ),
        ],
    );
}

#[test]
fn at_most_and_exactly_count_from_zero_over_the_universe() {
    // "`at most N` / `exactly N` count from 0, so actors of the universe
    // with no events qualify for `at most N` and `exactly 0`."
    let data = with_users(
        events(vec![
            action(1, "u1", "x"),
            action(2, "u1", "x"),
            action(3, "u1", "x"),
            action(1, "u2", "x"),
            view(1, "u4", "/a"),
        ]),
        vec![user("u1"), user("u2"), user("u3"), RefProfile::new(None)],
    );
    check(
        &data,
        &[
            (
                r#"users who action "x" at most 1 time"#,
                &["u2", "u3", "u4"],
            ),
            (r#"users who action "x" exactly 0 times"#, &["u3", "u4"]),
            (r#"users who action "x" exactly 3 times"#, &["u1"]),
            (r#"users who action "x" at most 0 times"#, &["u3", "u4"]),
        ],
    );
}

#[test]
fn counts_see_only_events_in_range() {
    // `during last 10 minutes` is [at(5), at(15)): the event at 4 is
    // before, the one at 16 after `now`.
    let data = events(vec![
        action(4, "u1", "x"),
        action(6, "u1", "x"),
        action(7, "u1", "x"),
        action(6, "u2", "x"),
        action(16, "u2", "x"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who action "x" exactly 2 times during last 10 minutes"#,
                &["u1"],
            ),
            (
                r#"users who action "x" exactly 1 time during last 10 minutes"#,
                &["u2"],
            ),
        ],
    );
}

#[test]
fn count_with_filter_and_like_target() {
    let data = events(vec![
        action(1, "u1", "xa").qty(2),
        action(2, "u1", "xb").qty(3),
        action(1, "u2", "xa").qty(2),
        action(2, "u2", "xb").qty(1),
        action(3, "u2", "y").qty(9),
    ]);
    check(
        &data,
        &[(
            r#"users who performed action like "x%" with qty >= 2 at least 2 times"#,
            &["u1"],
        )],
    );
}

#[test]
fn total_of_nothing_is_zero() {
    // "`total` of no events is 0, so `total amount < 10` includes actors
    // without purchases". Nulls are skipped, so a total over null amounts
    // only is the total of nothing (our reading).
    let data = with_users(
        events(vec![
            e(1, "u1", "purchase", "p").amount(5.0),
            e(2, "u1", "purchase", "p").amount(6.0),
            e(1, "u2", "purchase", "p").amount(3.0),
            e(2, "u2", "purchase", "p"),
            e(1, "u4", "purchase", "p"),
            action(1, "u3", "x").amount(50.0),
        ]),
        vec![user("u5")],
    );
    check(
        &data,
        &[
            (
                r#"users who performed event "p" total amount < 10"#,
                &["u2", "u3", "u4", "u5"],
            ),
            (r#"users who event "p" total amount >= 11"#, &["u1"]),
            (
                r#"users who event "p" total amount = 0"#,
                &["u3", "u4", "u5"],
            ),
        ],
    );
}

#[test]
fn average_min_max_of_nothing_are_false() {
    // "`average`, `min`, `max` of no events are null, so the test is false."
    let data = events(vec![
        e(1, "u1", "purchase", "p").amount(5.0),
        e(2, "u1", "purchase", "p").amount(6.0),
        e(1, "u2", "purchase", "p").amount(3.0),
        e(2, "u2", "purchase", "p"),
        e(1, "u4", "purchase", "p"),
        action(1, "u3", "x").amount(50.0),
    ]);
    check(
        &data,
        &[
            (r#"users who event "p" average amount < 100"#, &["u1", "u2"]),
            (
                r#"users who not event "p" average amount < 100"#,
                &["u3", "u4"],
            ),
            (r#"users who event "p" average amount = 5.5"#, &["u1"]),
            (r#"users who event "p" min amount <= 3"#, &["u2"]),
            (r#"users who event "p" max amount > 5"#, &["u1"]),
            (r#"users who event "p" min amount > -1000"#, &["u1", "u2"]),
        ],
    );
}

#[test]
fn aggregates_compare_ints_and_floats_numerically() {
    let data = events(vec![
        e(1, "u1", "purchase", "p").qty(1),
        e(2, "u1", "purchase", "p").qty(2),
        e(1, "u2", "purchase", "p").qty(4),
    ]);
    check(
        &data,
        &[
            (r#"users who event "p" total qty = 3.0"#, &["u1"]),
            (r#"users who event "p" average qty = 1.5"#, &["u1"]),
            (r#"users who event "p" max qty > 2.5"#, &["u2"]),
            (r#"users who event "p" total qty >= 3e0"#, &["u1", "u2"]),
        ],
    );
}

#[test]
fn aggregates_see_only_events_in_range() {
    let data = events(vec![
        e(1, "u1", "purchase", "p").amount(100.0),
        e(12, "u1", "purchase", "p").amount(1.0),
    ]);
    check(
        &data,
        &[
            (r#"users who event "p" total amount > 50"#, &["u1"]),
            (
                r#"users who event "p" total amount > 50 during last 5 minutes"#,
                &[],
            ),
        ],
    );
}

// ----- ranges --------------------------------------------------------------------------

#[test]
fn relative_ranges_are_half_open_at_now() {
    // "`last N days` is `[now - N days, now)`; `in the past week` is
    // `last 1 week`."
    let data = events(vec![
        view(10, "u1", "/a"),
        view(15, "u2", "/a"), // at now: excluded
        view(9, "u3", "/a"),
        view(14, "u4", "/a"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" during last 5 minutes"#,
                &["u1", "u4"],
            ),
            (r#"users who viewed "/a" during past 5m"#, &["u1", "u4"]),
            (r#"users who viewed "/a" in the past minute"#, &["u4"]),
            (
                r#"users who viewed "/a" in the last 6 minutes"#,
                &["u1", "u3", "u4"],
            ),
            (
                r#"users who viewed "/a" in the past hour"#,
                &["u1", "u3", "u4"],
            ),
        ],
    );
}

#[test]
fn a_month_is_thirty_days() {
    // "`month(s)` = 30 days"
    let data = events(vec![
        RefEvent::new(NOW_MS - 30 * DAY_MS, Some("u1"), "view", "/a"),
        RefEvent::new(NOW_MS - 30 * DAY_MS - 1, Some("u2"), "view", "/a"),
    ]);
    check(
        &data,
        &[
            (r#"users who viewed "/a" during last 1 month"#, &["u1"]),
            (r#"users who viewed "/a" in the past month"#, &["u1"]),
            (
                r#"users who viewed "/a" during last 31 days"#,
                &["u1", "u2"],
            ),
        ],
    );
}

#[test]
fn absolute_ranges() {
    // "`since D` is `[D, +∞)`, `before D` is `(-∞, D)`, `between A and B`
    // is `[A, B)`"; a DATE is midnight UTC.
    let data = events(vec![
        view(4, "u1", "/a"),
        view(5, "u2", "/a"),
        view(6, "u3", "/a"),
        view(7, "u4", "/a"),
        RefEvent::new(BASE_MS - 1, Some("u5"), "view", "/a"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" since 2026-01-01T00:05:00Z"#,
                &["u2", "u3", "u4"],
            ),
            (
                r#"users who viewed "/a" before 2026-01-01T00:05:00Z"#,
                &["u1", "u5"],
            ),
            (
                r#"users who viewed "/a" between 2026-01-01T00:05:00Z and 2026-01-01T00:07:00Z"#,
                &["u2", "u3"],
            ),
            (
                r#"users who viewed "/a" since 2026-01-01"#,
                &["u1", "u2", "u3", "u4"],
            ),
            (r#"users who viewed "/a" before 2026-01-01"#, &["u5"]),
        ],
    );
}

#[test]
fn a_postfix_range_limits_only_what_it_follows() {
    // "So `users who viewed "/a" and action "b" during last 7 days` limits
    // only the action; write `users who (viewed "/a" and action "b") during
    // last 7 days` for both."
    let data = events(vec![
        view(1, "u1", "/a"),
        action(12, "u1", "x"),
        view(12, "u2", "/a"),
        action(1, "u2", "x"),
        view(11, "u3", "/a"),
        action(12, "u3", "x"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" and action "x" during last 5 minutes"#,
                &["u1", "u3"],
            ),
            (
                r#"users who (viewed "/a" and action "x") during last 5 minutes"#,
                &["u3"],
            ),
        ],
    );
}

#[test]
fn an_own_range_beats_the_group_range() {
    // The group range is "the default for every behavior inside that group
    // without a range of its own".
    let data = events(vec![
        view(1, "u1", "/a"),
        action(12, "u1", "x"),
        view(1, "u2", "/a"),
        action(2, "u2", "x"),
    ]);
    check(
        &data,
        &[
            (
                r#"users who (viewed "/a" since 2026-01-01 and action "x") during last 5 minutes"#,
                &["u1"],
            ),
            // Nested groups: the inner range wins inside the inner group.
            (
                r#"users who ((viewed "/a") before 2026-01-01T00:02:00Z and action "x") during last 5 minutes"#,
                &["u1"],
            ),
        ],
    );
}

#[test]
fn a_group_range_reaches_through_not_and_or() {
    let data = events(vec![
        view(1, "u1", "/a"),
        view(12, "u2", "/a"),
        action(12, "u3", "x"),
    ]);
    check(
        &data,
        &[(
            r#"users who (not viewed "/a" and (action "x" or any event)) during last 5 minutes"#,
            &["u3"],
        )],
    );
}

#[test]
fn the_segment_wide_range_follows_where() {
    // "The segment-wide range comes only after `where ...` in the `who`
    // form."
    let data = with_users(
        events(vec![
            view(12, "u1", "/a"),
            view(1, "u2", "/a"),
            view(12, "u3", "/a"),
        ]),
        vec![
            user("u1").plan("pro"),
            user("u2").plan("pro"),
            user("u3").plan("free"),
        ],
    );
    check(
        &data,
        &[(
            r#"users who viewed "/a" where plan = "pro" during last 5 minutes"#,
            &["u1"],
        )],
    );
}

#[test]
fn a_range_never_reaches_into_in_segment() {
    // "A range never reaches into `in segment X` (a referenced segment means
    // what its definition says)."
    let data = events(vec![
        view(1, "u1", "/a"),
        action(12, "u1", "x"),
        view(1, "u2", "/a"),
        action(2, "u2", "x"),
    ]);
    let r = all(
        &data,
        r#"segment early = users who viewed "/a";
           users who (in segment early and action "x") during last 5 minutes;
           users who (viewed "/a" and action "x") during last 5 minutes;
           users who in segment early"#,
    );
    assert_eq!(r, vec![keys(&["u1"]), keys(&[]), keys(&["u1", "u2"])]);
}

#[test]
fn a_definition_keeps_its_own_range() {
    let data = events(vec![view(1, "u1", "/a"), view(12, "u2", "/a")]);
    let r = all(
        &data,
        r#"segment recent = users who viewed "/a" during last 5 minutes;
           users who not in segment recent;
           users in segment recent"#,
    );
    assert_eq!(r, vec![keys(&["u1"]), keys(&["u2"])]);
}

// ----- profiles and predicates -----------------------------------------------------------

fn plan_data() -> RefDataset {
    with_users(
        events(vec![view(1, "u4", "/a")]),
        vec![
            user("u1").plan("pro"),
            user("u2").plan("free"),
            user("u3"),
            RefProfile::new(None).plan("pro"),
        ],
    )
}

#[test]
fn profile_tests_with_missing_rows_and_nulls() {
    // "A missing profile row or a null attribute makes the atom false, so
    // its `not` is true." u4 has no profile row; the null-key row is nobody.
    check(
        &plan_data(),
        &[
            (r#"users who have plan = "pro""#, &["u1"]),
            (r#"users who plan = "pro""#, &["u1"]),
            (r#"users who not plan = "pro""#, &["u2", "u3", "u4"]),
            (r#"users who plan != "pro""#, &["u2"]),
            (r#"users who plan not in ("pro")"#, &["u2"]),
            ("users who plan is null", &["u3"]),
            ("users who not plan is not null", &["u3", "u4"]),
            ("users who plan is not null", &["u1", "u2"]),
        ],
    );
}

#[test]
fn in_lists_with_null() {
    // "a null in the list never matches, and makes `not in` false"
    // (grammar/segql.ebnf, SQL's three-valued IN made two-valued).
    check(
        &plan_data(),
        &[
            (r#"users who plan in ("pro", null)"#, &["u1"]),
            (r#"users who plan not in ("pro", null)"#, &[]),
            (r#"users who plan in ("pro", "free")"#, &["u1", "u2"]),
            (r#"users who plan = null"#, &[]),
            (r#"users who plan != null"#, &[]),
        ],
    );
}

#[test]
fn where_is_and_of_the_predicate() {
    // "`where P` means `and (P)`."
    let data = with_users(
        events(vec![
            view(1, "u1", "/a"),
            view(1, "u2", "/a"),
            view(1, "u3", "/a"),
            view(1, "u4", "/a"),
            action(1, "u5", "x"),
        ]),
        vec![
            user("u2"),
            user("u3").plan("pro"),
            user("u4").plan("free"),
            user("u5").plan("free"),
        ],
    );
    check(
        &data,
        &[
            (
                r#"users who viewed "/a" where not plan = "pro""#,
                &["u1", "u2", "u4"],
            ),
            (
                r#"users who viewed "/a" where plan = "pro" or plan is null"#,
                &["u2", "u3"],
            ),
            (
                r#"users who viewed "/a" or action "x" where plan = "free""#,
                &["u4", "u5"],
            ),
        ],
    );
}

#[test]
fn between_atoms_are_inclusive() {
    // "`x between a and b` is inclusive at both ends, as in SQL".
    let data = with_users(
        events(vec![]),
        vec![
            user("u1").score(3),
            user("u2").score(5),
            user("u3").score(7),
            user("u4"),
        ],
    );
    check(
        &data,
        &[
            ("users who score between 3 and 5", &["u1", "u2"]),
            ("users who score between 5 and 3", &[]),
            ("users who not score between 3 and 5", &["u3", "u4"]),
            ("users who score between 2.5 and 3.0", &["u1"]),
            ("users who score = 3.0", &["u1"]),
            ("users who score > 4.5", &["u2", "u3"]),
            ("users who score between null and 10", &[]),
        ],
    );
}

#[test]
fn like_and_contains_atoms_are_case_sensitive() {
    let data = with_users(
        events(vec![]),
        vec![
            user("u1").email("Ann@x.com"),
            user("u2").email("bob@y.org"),
            user("u3"),
        ],
    );
    check(
        &data,
        &[
            (r#"users who email like "%@x.com""#, &["u1"]),
            (r#"users who email not like "%@x.com""#, &["u2"]),
            (r#"users who email contains "Ann""#, &["u1"]),
            (r#"users who email contains "ann""#, &[]),
            (r#"users who email contains """#, &["u1", "u2"]),
            (r#"users who email like "___@%""#, &["u1", "u2"]),
        ],
    );
}

#[test]
fn dates_compare_as_midnight_utc() {
    // "A date value compares as midnight UTC of that day"; `col in the past
    // N unit` is [now - N unit, now) with now = 2026-01-01T00:15:00Z.
    let data = with_users(
        events(vec![]),
        vec![
            user("u1").signup(BASE_DAY),     // 2026-01-01
            user("u2").signup(BASE_DAY - 1), // 2025-12-31
            user("u3").signup(BASE_DAY - 3), // 2025-12-29
            user("u4"),
            user("u5").signup(BASE_DAY + 1), // 2026-01-02: after now
        ],
    );
    check(
        &data,
        &[
            ("users who signup_date = 2026-01-01", &["u1"]),
            ("users who signup_date = 2026-01-01T00:07:00Z", &[]),
            (
                "users who signup_date < 2026-01-01T00:07:00Z",
                &["u1", "u2", "u3"],
            ),
            (
                "users who signup_date >= 2025-12-31T00:00:00Z",
                &["u1", "u2", "u5"],
            ),
            // [2025-12-30T00:15, 2026-01-01T00:15)
            ("users who signup_date in the past 2 days", &["u1", "u2"]),
            // [2025-12-31T00:15, 2026-01-01T00:15): 2025-12-31 midnight is out.
            ("users who signup_date in the past day", &["u1"]),
            (
                "users who signup_date in the last week",
                &["u1", "u2", "u3"],
            ),
            ("users who signup_date in the past 12 hours", &["u1"]),
            (
                "users who signup_date between 2025-12-29 and 2025-12-31",
                &["u2", "u3"],
            ),
            (
                "users who not signup_date in the past 2 days",
                &["u3", "u4", "u5"],
            ),
        ],
    );
}

#[test]
fn booleans() {
    let data = with_users(
        events(vec![view(1, "u4", "/a")]),
        vec![user("u1").vip(true), user("u2").vip(false), user("u3")],
    );
    check(
        &data,
        &[
            ("users who vip = true", &["u1"]),
            ("users who vip != true", &["u2"]),
            ("users who not vip = true", &["u2", "u3", "u4"]),
            ("users who vip in (false, null)", &["u2"]),
            ("users who vip is null", &["u3"]),
        ],
    );
}

#[test]
fn and_or_not_against_the_universe() {
    // "`not` and `at most` are taken against the universe": every user of
    // the users table and of the events table.
    let data = with_users(
        events(vec![
            view(1, "u1", "/a"),
            action(1, "u2", "x"),
            view(1, "u3", "/a"),
            action(2, "u3", "x"),
        ]),
        vec![user("u4").plan("pro"), user("u1").plan("pro")],
    );
    check(
        &data,
        &[
            (r#"users who not viewed "/a""#, &["u2", "u4"]),
            (r#"users who viewed "/a" and action "x""#, &["u3"]),
            (
                r#"users who viewed "/a" or action "x""#,
                &["u1", "u2", "u3"],
            ),
            (r#"users who not (viewed "/a" or action "x")"#, &["u4"]),
            (
                r#"users who viewed "/a" and not action "x" or plan = "pro""#,
                &["u1", "u4"],
            ),
            (
                r#"users who viewed "/a" and (not action "x" or plan = "pro")"#,
                &["u1"],
            ),
            ("users who not not plan = \"pro\"", &["u1", "u4"]),
        ],
    );
}

#[test]
fn the_users_universe() {
    // Users of the users table (with a non-null key) and of the events
    // table; a null key is nobody.
    let data = with_users(
        events(vec![
            view(1, "u1", "/a"),
            RefEvent::new(at(1), None, "view", "/a"),
        ]),
        vec![user("u2"), RefProfile::new(None)],
    );
    check(
        &data,
        &[
            ("users who not any event", &["u2"]),
            ("users who any event at most 5 times", &["u1", "u2"]),
        ],
    );
}

// ----- accounts ---------------------------------------------------------------------

#[test]
fn accounts_by_event_account_or_the_users_account() {
    // "by the event's account: its `events.account_id` when the events table
    // has that column and the value is not null, else the account of its
    // user in `users.account_id`; an event with neither is ignored."
    let mut data = with_users(
        events(vec![
            view(1, "u1", "/a").account("a1"),
            view(1, "u2", "/a"),               // falls back to users: a2
            view(1, "u3", "/a"),               // no users row: ignored
            view(1, "u4", "/a").account("a3"), // the event's account wins
            action(1, "u5", "x"),              // a5 via users
        ]),
        vec![
            user("u2").account("a2"),
            user("u4").account("a1"),
            user("u5").account("a5"),
        ],
    );
    data.events_have_account_column = true;
    data.accounts = Some(vec![RefProfile::new(Some("a9"))]);
    check(
        &data,
        &[
            (r#"accounts who viewed "/a""#, &["a1", "a2", "a3"]),
            // The universe: accounts a9, users' a1 a2 a5, events' a1 a3.
            (r#"accounts who not viewed "/a""#, &["a5", "a9"]),
        ],
    );
}

#[test]
fn accounts_without_an_account_column_use_users() {
    // "So an account performed X when at least one of its users did. The
    // steps of an account's sequence may be performed by different users of
    // the account."
    let data = with_users(
        events(vec![
            view(1, "u1", "/a").session("s1"),
            action(2, "u2", "x").session("s1"),
            view(1, "u3", "/a"),
            action(2, "u4", "x"),
        ]),
        vec![
            user("u1").account("a1"),
            user("u2").account("a1"),
            user("u3").account("a2"),
            user("u4").account("a3"),
            RefProfile::new(None).account("a4"),
        ],
    );
    check(
        &data,
        &[
            (r#"accounts who viewed "/a" then action "x""#, &["a1"]),
            // "all matched events share one non-null `session_id`": the
            // same id, whoever of the account's users it belongs to.
            (
                r#"accounts who viewed "/a" then action "x" within session"#,
                &["a1"],
            ),
            // The universe holds every account_id of the users table,
            // including that of a row with a null user_id (a4).
            (r#"accounts who not any event"#, &["a4"]),
            (r#"accounts who action "x" at least 1 time"#, &["a1", "a3"]),
        ],
    );
}

#[test]
fn account_profile_tests() {
    let mut data = events(vec![view(1, "u1", "/a").account("a2")]);
    data.events_have_account_column = true;
    data.accounts = Some(vec![
        RefProfile::new(Some("a1")).plan("pro").score(10),
        RefProfile::new(Some("a3")).signup(BASE_DAY - 1),
    ]);
    check(
        &data,
        &[
            (r#"accounts who have plan = "pro""#, &["a1"]),
            // a2 has no accounts row: the atom is false, its `not` true.
            (r#"accounts who not plan = "pro""#, &["a2", "a3"]),
            ("accounts who start_date in the past 2 days", &["a3"]),
            (r#"accounts who viewed "/a" or score > 5"#, &["a1", "a2"]),
        ],
    );
}

// ----- in segment, in csv, statements ------------------------------------------------------

#[test]
fn only_queries_give_results_and_definitions_are_remembered() {
    let data = with_users(
        events(vec![view(1, "u1", "/a"), action(1, "u2", "x")]),
        vec![user("u1").plan("pro"), user("u2").plan("pro"), user("u3")],
    );
    let r = all(
        &data,
        r#"segment a = users who viewed "/a";
           segment b = users who in segment a or action "x";
           users in segment b where plan = "pro";
           users who not in segment b;
           funnel viewed "/a" then action "x""#,
    );
    assert_eq!(r, vec![keys(&["u1", "u2"]), keys(&["u3"])]);
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn csv_by_id_column_choice() {
    // "Column: the one named by `column`; ... else `id`, then
    // `user_id`/`account_id`, then the first column." "Values that match
    // nothing are ignored".
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ids.csv", "name,id,user_id\nx,u1,u2\ny,u9,u3\n");
    write(d, "uid.csv", "name,user_id\nu1,u2\n");
    write(d, "first.csv", "who,other\nu3,u1\n");
    write(d, "quoted.csv", "id\r\n\"u1\"\r\n\r\nu2\r\n");
    let data = with_users(
        events(vec![view(1, "u1", "/a")]),
        vec![user("u1"), user("u2"), user("u3")],
    );
    let run = |src: &str| -> Vec<String> {
        let program = segql::parse(src).unwrap();
        let mut r = evaluate(&program, &data, NOW_MS, d);
        r.pop().unwrap().into_iter().collect()
    };
    assert_eq!(run(r#"users in csv "ids.csv""#), keys(&["u1"]));
    assert_eq!(run(r#"users in csv "ids.csv" by id"#), keys(&["u1"]));
    assert_eq!(
        run(r#"users in csv "ids.csv" column "user_id""#),
        keys(&["u2", "u3"])
    );
    assert_eq!(run(r#"users in csv "uid.csv""#), keys(&["u2"]));
    assert_eq!(run(r#"users in csv "first.csv""#), keys(&["u3"]));
    assert_eq!(run(r#"users in csv "quoted.csv""#), keys(&["u1", "u2"]));
    assert_eq!(
        run(r#"users who in csv "ids.csv" and not viewed "/a""#),
        keys(&[])
    );
    assert_eq!(
        run(r#"users who not in csv "ids.csv" column "user_id""#),
        keys(&["u1"])
    );
}

#[test]
fn csv_by_email() {
    // "`by email` matches `users.email` case-insensitively after trimming,
    // and every user with that email is in". Column: "with `by email` the
    // column `email`, else the first column".
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "mails.csv",
        "name,email\nAnn,\"ANN@x.com \"\nZed,zed@z.z\n",
    );
    write(d, "first.csv", "mail\nbob@y.org\n");
    let data = with_users(
        events(vec![]),
        vec![
            user("u1").email(" Ann@X.com"),
            user("u2").email("ann@x.com"),
            user("u3").email("bob@y.org").plan("pro"),
            user("u4"),
            RefProfile::new(None).email("ann@x.com"),
        ],
    );
    let run = |src: &str| -> Vec<String> {
        let program = segql::parse(src).unwrap();
        let mut r = evaluate(&program, &data, NOW_MS, d);
        r.pop().unwrap().into_iter().collect()
    };
    assert_eq!(
        run(r#"users in csv "mails.csv" by email"#),
        keys(&["u1", "u2"])
    );
    assert_eq!(run(r#"users in csv "first.csv" by email"#), keys(&["u3"]));
    assert_eq!(
        run(r#"users in csv "first.csv" by email where plan = "pro""#),
        keys(&["u3"])
    );
    assert_eq!(
        run(r#"users in csv "mails.csv" column "name" by email"#),
        keys(&[])
    );
}

// ----- choices where the contract is silent --------------------------------------------

#[test]
fn at_least_zero_is_everyone() {
    // "`at least N times`: N or more matching events" holds for N = 0 for
    // every actor of the universe.
    let data = with_users(events(vec![view(1, "u1", "/a")]), vec![user("u2")]);
    check(
        &data,
        &[(r#"users who action "x" at least 0 times"#, &["u1", "u2"])],
    );
}

// ----- the reference's own pieces -------------------------------------------------------

#[test]
fn record_batches_have_the_documented_columns() {
    let mut data = with_users(
        events(vec![view(1, "u1", "/a").session("s1").amount(1.5).qty(2)]),
        vec![user("u1").signup(BASE_DAY).vip(true)],
    );
    data.accounts = Some(vec![RefProfile::new(Some("a1"))]);
    let names = |b: &arrow::record_batch::RecordBatch| -> Vec<String> {
        b.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    };
    let (ev, users, accounts) = data.to_record_batches();
    assert_eq!(
        names(&ev),
        [
            "timestamp",
            "user_id",
            "session_id",
            "event_type",
            "name",
            "device",
            "amount",
            "qty"
        ]
    );
    assert_eq!(ev.num_rows(), 1);
    assert_eq!(
        names(&users.unwrap()),
        [
            "user_id",
            "email",
            "account_id",
            "plan",
            "score",
            "signup_date",
            "vip"
        ]
    );
    assert_eq!(
        names(&accounts.unwrap()),
        ["account_id", "plan", "score", "start_date", "vip"]
    );
    data.events_have_account_column = true;
    let (ev, _, _) = data.to_record_batches();
    assert_eq!(names(&ev)[5], "account_id");
}

#[test]
fn csv_reader() {
    assert_eq!(
        parse_csv("a,b\r\n\"x,\"\"y\"\"\",\n\n1,2"),
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["x,\"y\"".to_string(), String::new()],
            vec!["1".to_string(), "2".to_string()],
        ]
    );
}

#[test]
fn dates_agree_with_the_parser() {
    use super::data::{format_date, format_timestamp, parse_date_text};
    assert_eq!(format_date(i64::from(BASE_DAY)), "2026-01-01");
    assert_eq!(parse_date_text("2026-01-01"), BASE_MS);
    assert_eq!(format_timestamp(NOW_MS), "2026-01-01T00:15:00Z");
    assert_eq!(
        parse_date_text("2024-02-29T23:59:59.250Z"),
        1_709_251_199_250
    );
    for text in [
        "1970-01-01",
        "2000-03-01",
        "2026-12-31T10:00:00Z",
        "1969-07-20T20:17:40Z",
    ] {
        let program = segql::parse(&format!("users who any event since {text}")).unwrap();
        let segql::syntax::StatementKind::Segment(seg) = &program.statements[0].kind else {
            panic!()
        };
        let segql::syntax::SegmentBody::Who { condition, .. } = &seg.body else {
            panic!()
        };
        let segql::syntax::ConditionKind::Behavior(b) = &condition.kind else {
            panic!()
        };
        let Some(segql::syntax::RangeKind::Since(d)) = b.range.as_ref().map(|r| &r.kind) else {
            panic!()
        };
        assert_eq!(parse_date_text(text) * 1000, d.epoch_micros, "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(300),
        ..ProptestConfig::default()
    })]

    /// Every generated program parses, passes `segql::validate` and is
    /// evaluated without tripping any of the reference's error checks.
    #[test]
    fn generated_programs_are_valid((data, source) in arb_case()) {
        let program = match segql::parse(&source) {
            Ok(p) => p,
            Err(d) => return Err(TestCaseError::fail(format!("parse error in\n{source}\n{d:#?}"))),
        };
        let diags = segql::validate(&program, &segql::Library::new());
        prop_assert!(
            !diags.iter().any(segql::Diagnostic::is_error),
            "invalid program\n{}\n{:#?}", source, diags
        );
        let queries = program
            .statements
            .iter()
            .filter(|s| matches!(s.kind, segql::syntax::StatementKind::Segment(_)))
            .count();
        let result = evaluate(&program, &data, NOW_MS, Path::new("."));
        prop_assert_eq!(result.len(), queries);
    }
}

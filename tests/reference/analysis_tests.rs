//! Hand-computed analyses: the ground truth of the reference's §5.
//!
//! Every expected table below is worked out by hand from LANGUAGE.md §5 and
//! the decisions written in [`super::analysis`]. `at(m)` is minute `m` of
//! 2026-01-01 (a Thursday), `day(d, h)` is hour `h` of day `d` after it;
//! `now` is [`NOW_MS`] (2026-01-01T00:15:00Z).

use super::analysis::{Cell, Table, evaluate_all, evaluate_all_source, tables_match};
use super::analysis_gen::arb_analysis_case;
use super::data::{DAY_MS, MINUTE_MS, RefDataset, RefEvent, RefProfile, parse_date_text};
use super::r#gen::{BASE_MS, NOW_MS};
use crate::support::proptest_cases;
use proptest::prelude::*;
use std::path::Path;

// ----- helpers -------------------------------------------------------------------

fn at(minute: i64) -> i64 {
    BASE_MS + minute * MINUTE_MS
}

fn day(d: i64, hour: i64) -> i64 {
    BASE_MS + d * DAY_MS + hour * 60 * MINUTE_MS
}

/// Epoch milliseconds of a DATE text.
fn ms(text: &str) -> i64 {
    parse_date_text(text)
}

fn ev(ts: i64, user: &str, event_type: &str, name: &str) -> RefEvent {
    RefEvent::new(ts, Some(user), event_type, name)
}

fn view(ts: i64, user: &str, name: &str) -> RefEvent {
    ev(ts, user, "view", name)
}

fn action(ts: i64, user: &str, name: &str) -> RefEvent {
    ev(ts, user, "action", name)
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

fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn i(n: i64) -> Cell {
    Cell::Int(n)
}

fn f(x: f64) -> Cell {
    Cell::Float(x)
}

/// A `Date` cell of a `YYYY-MM-DD` text.
fn date(text: &str) -> Cell {
    Cell::Date((ms(text) / DAY_MS) as i32)
}

fn stamp(text: &str) -> Cell {
    Cell::Timestamp(ms(text))
}

const N: Cell = Cell::Null;

fn table(columns: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    }
}

/// The result of the single query of `source`.
fn one(data: &RefDataset, source: &str) -> Table {
    let mut r = evaluate_all_source(source, data, NOW_MS, Path::new("."));
    assert_eq!(r.len(), 1, "one query in {source:?}");
    r.pop().unwrap()
}

fn check(data: &RefDataset, source: &str, expected: Table) {
    let got = one(data, source);
    if let Err(e) = tables_match(&got, &expected) {
        panic!("{source}\ngot (left) vs expected (right): {e}");
    }
}

const FUNNEL: [&str; 5] = ["step", "label", "users", "conversion", "step_conversion"];

/// A funnel table with `lead` columns before the five funnel columns.
fn funnel(lead: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    let columns: Vec<&str> = lead.iter().copied().chain(FUNNEL).collect();
    table(&columns, rows)
}

/// One funnel row: `lead` cells, then step, label, users, conversion,
/// step_conversion.
fn frow(lead: &[Cell], step: i64, label: &str, users: i64, conv: f64, step_conv: f64) -> Vec<Cell> {
    let mut row = lead.to_vec();
    row.extend([i(step), t(label), i(users), f(conv), f(step_conv)]);
    row
}

const RETENTION: [&str; 5] = ["cohort", "period", "users", "retained", "rate"];

fn rrow(lead: &[Cell], cohort: &str, period: i64, users: i64, retained: i64) -> Vec<Cell> {
    let mut row = lead.to_vec();
    row.extend([
        date(cohort),
        i(period),
        i(users),
        i(retained),
        f(retained as f64 / users as f64),
    ]);
    row
}

/// Expected paths rows: `(path, sessions, users)`.
type PathRows<'a> = &'a [(&'a str, i64, i64)];

fn paths_table(rows: PathRows) -> Table {
    table(
        &["path", "sessions", "users"],
        rows.iter()
            .map(|(p, s, u)| vec![t(p), i(*s), i(*u)])
            .collect(),
    )
}

// ----- funnel ----------------------------------------------------------------------

/// u1 reaches /c, u2 /b, u3 and u5 /a (u5 saw /c before /a), u4 saw only /b.
fn abc_data() -> RefDataset {
    events(vec![
        view(at(1), "u1", "/a"),
        view(at(2), "u1", "/b"),
        view(at(3), "u1", "/c"),
        view(at(1), "u2", "/a"),
        view(at(2), "u2", "/b"),
        view(at(1), "u3", "/a"),
        view(at(1), "u4", "/b"),
        view(at(1), "u5", "/c"),
        view(at(2), "u5", "/a"),
    ])
}

#[test]
fn funnel_conversion_math() {
    // "`conversion = users / users at step 1` and `step_conversion = users /
    // users at the previous step` (1 for step 1)". u4 reaches no step and is
    // not counted.
    check(
        &abc_data(),
        r#"funnel viewed "/a" then viewed "/b" then viewed "/c""#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 2, 0.5, 0.5),
                frow(&[], 3, r#"viewed "/c""#, 1, 0.25, 0.5),
            ],
        ),
    );
}

#[test]
fn funnel_of_an_empty_segment_has_zero_rows_not_errors() {
    // "0 when the divisor is 0", but "1 for step 1" as written, even when
    // nobody reached it; every step has its row.
    check(
        &abc_data(),
        r#"funnel viewed "/a" then viewed "/b" for (users who viewed "/z")"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 0, 0.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 0, 0.0, 0.0),
            ],
        ),
    );
}

#[test]
fn a_later_step_that_never_happens() {
    check(
        &abc_data(),
        r#"funnel viewed "/a" then viewed "/z" then viewed "/b""#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/z""#, 0, 0.0, 0.0),
                // Step 3 divides by step 2's 0 users.
                frow(&[], 3, r#"viewed "/b""#, 0, 0.0, 0.0),
            ],
        ),
    );
}

#[test]
fn funnel_steps_need_strictly_later_times() {
    // "two events with the same timestamp are never in sequence"
    let data = events(vec![
        view(at(1), "u1", "/a"),
        view(at(1), "u1", "/b"),
        view(at(1), "u2", "/a"),
        view(at(1), "u2", "/b"),
        view(at(2), "u2", "/b"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b""#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
            ],
        ),
    );
}

#[test]
fn funnel_within_session_needs_a_session_even_for_step_one() {
    let data = events(vec![
        view(at(1), "u1", "/a").session("s1"),
        view(at(2), "u1", "/b").session("s2"),
        view(at(1), "u2", "/a").session("s1"),
        view(at(2), "u2", "/b").session("s1"),
        // No session: u3 reaches no step at all.
        view(at(1), "u3", "/a"),
        view(at(2), "u3", "/b"),
        // The null-session /a does not count, the s2 one starts the chain.
        view(at(1), "u4", "/a"),
        view(at(2), "u4", "/a").session("s2"),
        view(at(3), "u4", "/b").session("s2"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" within session"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 3, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 2, 2.0 / 3.0, 2.0 / 3.0),
            ],
        ),
    );
}

#[test]
fn funnel_within_a_duration_is_measured_from_step_one() {
    // "`within D`: `t(pk) - t(p1) <= D`", inclusive.
    let data = events(vec![
        // /c is 6 minutes after /a: u1 reaches step 2 only.
        view(at(0), "u1", "/a"),
        view(at(3), "u1", "/b"),
        view(at(6), "u1", "/c"),
        // The later /a starts a chain of 4 minutes.
        view(at(0), "u2", "/a"),
        view(at(2), "u2", "/a"),
        view(at(3), "u2", "/b"),
        view(at(6), "u2", "/c"),
        // Exactly 5 minutes.
        view(at(0), "u3", "/a"),
        view(at(5), "u3", "/b"),
        view(at(0), "u4", "/a"),
        view(at(6), "u4", "/b"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" then viewed "/c" within 5 minutes"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 3, 0.75, 0.75),
                frow(&[], 3, r#"viewed "/c""#, 1, 0.25, 1.0 / 3.0),
            ],
        ),
    );
}

#[test]
fn funnel_then_not_in_the_middle() {
    // "Negated steps constrain the gaps and get no row." Decision 1: a
    // negated step between positive steps 1 and 2 applies from step 2 on.
    let data = events(vec![
        view(at(1), "u1", "/a"),
        action(at(2), "u1", "x"),
        view(at(3), "u1", "/b"),
        view(at(4), "u1", "/c"),
        // A later /a after the x starts a clean chain.
        view(at(1), "u2", "/a"),
        action(at(2), "u2", "x"),
        view(at(3), "u2", "/a"),
        view(at(4), "u2", "/b"),
        view(at(5), "u2", "/c"),
        // The x lies between /b and /c: not in the negated gap.
        view(at(1), "u3", "/a"),
        view(at(2), "u3", "/b"),
        action(at(3), "u3", "x"),
        view(at(4), "u3", "/c"),
        // The x at the same time as /a is not strictly between.
        view(at(1), "u4", "/a"),
        action(at(1), "u4", "x"),
        view(at(2), "u4", "/b"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then not action "x" then viewed "/b" then viewed "/c""#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 3, 0.75, 0.75),
                frow(&[], 3, r#"viewed "/c""#, 2, 0.5, 2.0 / 3.0),
            ],
        ),
    );
}

#[test]
fn funnel_then_not_at_the_end() {
    // Decision 1: a negated step after the last positive step applies only
    // to reaching the last step, "until the end of the range" without
    // `within`.
    let data = events(vec![
        view(at(1), "u1", "/a"),
        view(at(2), "u1", "/b"),
        action(at(3), "u1", "x"),
        view(at(1), "u2", "/a"),
        view(at(2), "u2", "/b"),
        view(at(1), "u3", "/a"),
        action(at(2), "u3", "x"),
        view(at(3), "u3", "/b"),
        // The later /b has no x after it.
        view(at(1), "u4", "/a"),
        view(at(2), "u4", "/b"),
        action(at(3), "u4", "x"),
        view(at(4), "u4", "/b"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" then not action "x""#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 3, 0.75, 0.75),
            ],
        ),
    );
}

#[test]
fn funnel_then_not_at_the_end_within_a_duration_or_a_session() {
    // "at the end: strictly after the last positive step — until the end of
    // that session (`within session`), until `t(p1) + D` inclusive (`within
    // D`)"
    let data = events(vec![
        // x at t1 + 5 minutes exactly: inside the window.
        view(at(1), "u1", "/a"),
        view(at(2), "u1", "/b"),
        action(at(6), "u1", "x"),
        view(at(1), "u2", "/a"),
        view(at(2), "u2", "/b"),
        action(at(7), "u2", "x"),
        // x in another session.
        view(at(1), "u3", "/a").session("s1"),
        view(at(2), "u3", "/b").session("s1"),
        action(at(3), "u3", "x").session("s2"),
        // x late in the same session.
        view(at(1), "u4", "/a").session("s1"),
        view(at(2), "u4", "/b").session("s1"),
        action(at(9), "u4", "x").session("s1"),
    ]);
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" then not action "x" within 5 minutes"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 4, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 2, 0.5, 0.5),
            ],
        ),
    );
    // u1 and u2 have no session: no step at all.
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" then not action "x" within session"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
            ],
        ),
    );
}

fn plans_data() -> RefDataset {
    with_users(
        events(vec![
            view(at(1), "u1", "/a"),
            action(at(2), "u1", "CHECKOUT").device("mobile"),
            view(at(1), "u2", "/a"),
            action(at(2), "u2", "CHECKOUT").device("desktop"),
            view(at(1), "u3", "/a"),
        ]),
        vec![
            user("u1").plan("pro"),
            user("u2").plan("free"),
            user("u3").plan("pro"),
        ],
    )
}

#[test]
fn compare_gives_blocks_in_the_order_written_with_canonical_labels() {
    // "`compare` gives one block per segment in the order written";
    // "`segment` holds the segment's name, or the canonical text of an
    // inline segment"; "`label` is the step's canonical text".
    let free = r#"users who have plan = "free""#;
    let checkout = r#"action "CHECKOUT" with device = "mobile""#;
    check(
        &plans_data(),
        r#"segment pros = users who have plan = "pro";
           funnel viewed "/a" then ACTION "CHECKOUT" WITH device = "mobile"
           compare (users who HAVE plan="free"), pros"#,
        funnel(
            &["segment"],
            vec![
                frow(&[t(free)], 1, r#"viewed "/a""#, 1, 1.0, 1.0),
                frow(&[t(free)], 2, checkout, 0, 0.0, 0.0),
                frow(&[t("pros")], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[t("pros")], 2, checkout, 1, 0.5, 0.5),
            ],
        ),
    );
}

#[test]
fn for_intersects_every_compare_block() {
    // Decision 3: each block is intersected with the `for` segment; a block
    // left empty still has its rows (no `by`).
    let premium = r#"users who have plan = "premium""#;
    check(
        &plans_data(),
        r#"segment pros = users who have plan = "pro";
           funnel viewed "/a" then action "CHECKOUT"
           for (users who viewed "/a" then action "CHECKOUT")
           compare pros, (users who have plan = "premium")"#,
        funnel(
            &["segment"],
            vec![
                // u3 (pro) never checked out: not in the `for` segment.
                frow(&[t("pros")], 1, r#"viewed "/a""#, 1, 1.0, 1.0),
                frow(&[t("pros")], 2, r#"action "CHECKOUT""#, 1, 1.0, 1.0),
                frow(&[t(premium)], 1, r#"viewed "/a""#, 0, 0.0, 1.0),
                frow(&[t(premium)], 2, r#"action "CHECKOUT""#, 0, 0.0, 0.0),
            ],
        ),
    );
}

#[test]
fn the_analysis_range_limits_matched_and_negated_events() {
    let data = events(vec![
        // The x after the range does not count.
        view(at(1), "u1", "/a"),
        view(at(2), "u1", "/b"),
        action(at(12), "u1", "x"),
        view(at(1), "u2", "/a"),
        view(at(2), "u2", "/b"),
        action(at(5), "u2", "x"),
        // The /b after the range does not count.
        view(at(1), "u3", "/a"),
        view(at(11), "u3", "/b"),
    ]);
    let source = r#"funnel viewed "/a" then viewed "/b" then not action "x""#;
    check(
        &data,
        &format!("{source} before 2026-01-01T00:10:00Z"),
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 3, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 1.0 / 3.0, 1.0 / 3.0),
            ],
        ),
    );
    // Without the range: u1's x counts, u3's /b counts.
    check(
        &data,
        source,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 3, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 1.0 / 3.0, 1.0 / 3.0),
            ],
        ),
    );
    // A range inside the `for` segment belongs to the segment: only u1 did
    // x in the last 5 minutes ([00:10, 00:15)), and all its events count.
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" for (users who action "x" during last 5 minutes)"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 1, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 1.0, 1.0),
            ],
        ),
    );
}

fn by_plan_data() -> RefDataset {
    with_users(
        events(vec![
            view(at(1), "u1", "/a"),
            view(at(2), "u1", "/b"),
            view(at(1), "u2", "/a"),
            // u3 has no profile row.
            view(at(1), "u3", "/a"),
            view(at(2), "u3", "/b"),
            view(at(1), "u4", "/a"),
            // u5 never reaches step 1: no premium group.
            view(at(1), "u5", "/b"),
            // u6's plan is null.
            view(at(1), "u6", "/a"),
        ]),
        vec![
            user("u1").plan("pro"),
            user("u2").plan("free"),
            user("u4").plan("pro"),
            user("u5").plan("premium"),
            user("u6"),
        ],
    )
}

#[test]
fn funnel_by_a_profile_column_with_a_null_group() {
    // "A null `by` value is a group of its own"; groups in ascending order,
    // null last; only actors reaching step 1 make groups.
    check(
        &by_plan_data(),
        r#"funnel viewed "/a" then viewed "/b" by plan"#,
        funnel(
            &["plan"],
            vec![
                frow(&[t("free")], 1, r#"viewed "/a""#, 1, 1.0, 1.0),
                frow(&[t("free")], 2, r#"viewed "/b""#, 0, 0.0, 0.0),
                frow(&[t("pro")], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[t("pro")], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
                frow(&[N], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[N], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
            ],
        ),
    );
}

#[test]
fn funnel_compare_by_leaves_an_empty_block_without_rows() {
    let pro = r#"users who have plan = "pro""#;
    check(
        &by_plan_data(),
        r#"funnel viewed "/a" then viewed "/b" compare (users who have plan = "premium"), (users who have plan = "pro") by plan"#,
        funnel(
            &["segment", "plan"],
            vec![
                frow(&[t(pro), t("pro")], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[t(pro), t("pro")], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
            ],
        ),
    );
}

#[test]
fn funnel_by_an_event_column_reads_the_earliest_start_of_a_furthest_chain() {
    let a = |m, u, device: Option<&str>| {
        let e = view(at(m), u, "/a");
        match device {
            Some(d) => e.device(d),
            None => e,
        }
    };
    let data = events(vec![
        // Both /a start a chain to /b: the earliest, desktop.
        a(1, "u1", Some("desktop")),
        a(3, "u1", Some("mobile")),
        view(at(4), "u1", "/b"),
        // Only the later /a starts a chain to /c within 3 minutes: mobile.
        a(1, "u2", Some("desktop")),
        view(at(2), "u2", "/b"),
        a(5, "u2", Some("mobile")),
        view(at(6), "u2", "/b"),
        view(at(7), "u2", "/c"),
        // Two starts at the same time: the smallest value.
        a(1, "u3", Some("mobile")),
        a(1, "u3", Some("desktop")),
        view(at(2), "u3", "/b"),
        // Nulls last: mobile.
        a(1, "u4", None),
        a(1, "u4", Some("mobile")),
        view(at(2), "u4", "/b"),
        // Only a null.
        a(1, "u5", None),
        view(at(2), "u5", "/b"),
    ]);
    let rows = |lead: Cell, u: [i64; 3]| {
        let lead = [lead];
        let c = |n: i64, d: i64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        vec![
            frow(
                &lead,
                1,
                r#"viewed "/a""#,
                u[0],
                c(u[0], u[0]),
                c(u[0], u[0]),
            ),
            frow(
                &lead,
                2,
                r#"viewed "/b""#,
                u[1],
                c(u[1], u[0]),
                c(u[1], u[0]),
            ),
            frow(
                &lead,
                3,
                r#"viewed "/c""#,
                u[2],
                c(u[2], u[0]),
                c(u[2], u[1]),
            ),
        ]
    };
    let mut expected = rows(t("desktop"), [2, 2, 0]);
    expected.extend(rows(t("mobile"), [2, 2, 1]));
    expected.extend(rows(N, [1, 1, 0]));
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" then viewed "/c" within 3 minutes by device"#,
        funnel(&["device"], expected),
    );
}

#[test]
fn funnel_of_accounts_joins_the_steps_of_their_users() {
    // §4.1: "The steps of an account's sequence may be performed by
    // different users of the account." u4 has no account: dropped.
    let data = with_users(
        events(vec![
            view(at(1), "u1", "/a"),
            view(at(2), "u2", "/b"),
            view(at(1), "u3", "/a"),
            view(at(1), "u4", "/a"),
            view(at(2), "u4", "/b"),
        ]),
        vec![
            user("u1").account("a1"),
            user("u2").account("a1"),
            user("u3").account("a2"),
        ],
    );
    check(
        &data,
        r#"funnel viewed "/a" then viewed "/b" for (accounts who any event)"#,
        funnel(
            &[],
            vec![
                frow(&[], 1, r#"viewed "/a""#, 2, 1.0, 1.0),
                frow(&[], 2, r#"viewed "/b""#, 1, 0.5, 0.5),
            ],
        ),
    );
}

// ----- retention -------------------------------------------------------------------

#[test]
fn retention_by_day_counts_period_zero_returns_before_the_start() {
    let data = events(vec![
        // Cohort 2026-01-01: a return before the start (period 0), day 2.
        view(day(0, 10), "u1", "/a"),
        action(day(0, 8), "u1", "x"),
        action(day(2, 1), "u1", "x"),
        // Same cohort, never returns.
        view(day(0, 12), "u2", "/a"),
        // Cohort 2026-01-02 (its first start event), returns on day 1.
        view(day(1, 5), "u3", "/a"),
        view(day(3, 5), "u3", "/a"),
        action(day(2, 0), "u3", "x"),
    ]);
    check(
        &data,
        r#"retention viewed "/a" returning action "x" periods 2"#,
        table(
            &RETENTION,
            vec![
                rrow(&[], "2026-01-01", 0, 2, 1),
                rrow(&[], "2026-01-01", 1, 2, 0),
                rrow(&[], "2026-01-01", 2, 2, 1),
                rrow(&[], "2026-01-02", 0, 1, 0),
                rrow(&[], "2026-01-02", 1, 1, 1),
                rrow(&[], "2026-01-02", 2, 1, 0),
            ],
        ),
    );
}

#[test]
fn retention_has_seven_periods_by_default_even_past_the_data() {
    // "`every` defaults to `day`, `periods` to 7"; "Every cohort has all its
    // periods, 0 included, even those past the end of the data." The start
    // event is itself a return event here: period 0 is retained.
    let data = events(vec![view(day(0, 10), "u1", "/a")]);
    let mut rows = vec![rrow(&[], "2026-01-01", 0, 1, 1)];
    rows.extend((1..=7).map(|k| rrow(&[], "2026-01-01", k, 1, 0)));
    check(
        &data,
        r#"retention viewed "/a" returning viewed "/a""#,
        table(&RETENTION, rows),
    );
}

#[test]
fn retention_weeks_start_on_monday() {
    let data = events(vec![
        // Thursday 2026-01-01: the week of Monday 2025-12-29; Sunday
        // 2026-01-04 is period 0, Monday 2026-01-05 period 1.
        view(ms("2026-01-01T10:00:00Z"), "u1", "/a"),
        action(ms("2026-01-04T23:00:00Z"), "u1", "x"),
        action(ms("2026-01-05T00:00:00Z"), "u1", "x"),
        // Monday 2025-12-29 00:00; a return the Sunday before is no period.
        view(ms("2025-12-29T00:00:00Z"), "u2", "/a"),
        action(ms("2025-12-28T12:00:00Z"), "u2", "x"),
        // Monday 2026-01-05; Sunday 2026-01-11 23:00 is still period 0.
        view(ms("2026-01-05T09:00:00Z"), "u3", "/a"),
        action(ms("2026-01-11T23:00:00Z"), "u3", "x"),
    ]);
    check(
        &data,
        r#"retention viewed "/a" returning action "x" every week periods 1"#,
        table(
            &RETENTION,
            vec![
                rrow(&[], "2025-12-29", 0, 2, 1),
                rrow(&[], "2025-12-29", 1, 2, 1),
                rrow(&[], "2026-01-05", 0, 1, 1),
                rrow(&[], "2026-01-05", 1, 1, 0),
            ],
        ),
    );
}

#[test]
fn retention_months_cross_the_year_end() {
    let data = events(vec![
        // Cohort December 2025: January is period 1, March period 3.
        view(ms("2025-12-15T00:00:00Z"), "u1", "/a"),
        action(ms("2026-01-31T23:59:00Z"), "u1", "x"),
        action(ms("2026-03-01T00:00:00Z"), "u1", "x"),
        // Cohort January 2026: a return on its first instant (period 0,
        // before the start) and on February 1st (period 1).
        view(ms("2026-01-31T00:00:00Z"), "u2", "/a"),
        action(ms("2026-01-01T00:00:00Z"), "u2", "x"),
        action(ms("2026-02-01T00:00:00Z"), "u2", "x"),
    ]);
    check(
        &data,
        r#"retention viewed "/a" returning action "x" every month periods 3"#,
        table(
            &RETENTION,
            vec![
                rrow(&[], "2025-12-01", 0, 1, 0),
                rrow(&[], "2025-12-01", 1, 1, 1),
                rrow(&[], "2025-12-01", 2, 1, 0),
                rrow(&[], "2025-12-01", 3, 1, 1),
                rrow(&[], "2026-01-01", 0, 1, 1),
                rrow(&[], "2026-01-01", 1, 1, 1),
                rrow(&[], "2026-01-01", 2, 1, 0),
                rrow(&[], "2026-01-01", 3, 1, 0),
            ],
        ),
    );
}

#[test]
fn retention_by_profile_for_a_segment_in_a_range() {
    let data = with_users(
        events(vec![
            // The first start event in range is on day 2.
            view(day(0, 1), "u1", "/a"),
            view(day(2, 1), "u1", "/a"),
            action(day(3, 1), "u1", "x"),
            view(day(1, 1), "u2", "/a"),
            action(day(1, 2), "u2", "x"),
            // Only a start before the range: no cohort.
            view(day(0, 1), "u3", "/a"),
            // Not in the `for` segment.
            view(day(2, 1), "u4", "/a"),
            // No profile row: the null group.
            view(day(2, 1), "u5", "/a"),
        ]),
        vec![
            user("u1").plan("pro"),
            user("u2").plan("free"),
            user("u4").plan("pro").score(10),
        ],
    );
    check(
        &data,
        r#"retention viewed "/a" returning action "x" periods 1 for (users who not score > 5) by plan since 2026-01-02"#,
        table(
            &["plan", "cohort", "period", "users", "retained", "rate"],
            vec![
                rrow(&[t("free")], "2026-01-02", 0, 1, 1),
                rrow(&[t("free")], "2026-01-02", 1, 1, 0),
                rrow(&[t("pro")], "2026-01-03", 0, 1, 0),
                rrow(&[t("pro")], "2026-01-03", 1, 1, 1),
                rrow(&[N], "2026-01-03", 0, 1, 0),
                rrow(&[N], "2026-01-03", 1, 1, 0),
            ],
        ),
    );
}

#[test]
fn retention_by_an_event_column_of_the_first_start_event() {
    let data = events(vec![
        // A tie in time: the smallest value, nulls last.
        view(day(0, 10), "u1", "/a").device("mobile"),
        view(day(0, 10), "u1", "/a"),
        // The first start event.
        view(day(0, 9), "u2", "/a").device("desktop"),
        view(day(0, 11), "u2", "/a").device("mobile"),
        view(day(0, 9), "u3", "/a"),
        view(day(1, 9), "u4", "/a").device("mobile"),
    ]);
    check(
        &data,
        r#"retention viewed "/a" returning viewed "/a" periods 0 by device"#,
        table(
            &["device", "cohort", "period", "users", "retained", "rate"],
            vec![
                rrow(&[t("desktop")], "2026-01-01", 0, 1, 1),
                rrow(&[t("mobile")], "2026-01-01", 0, 1, 1),
                rrow(&[t("mobile")], "2026-01-02", 0, 1, 1),
                rrow(&[N], "2026-01-01", 0, 1, 1),
            ],
        ),
    );
}

#[test]
fn retention_cohort_without_returns_has_rate_zero() {
    let data = events(vec![
        view(day(0, 1), "u1", "/a"),
        view(day(0, 2), "u2", "/a"),
        action(day(5, 0), "u3", "x"),
    ]);
    check(
        &data,
        r#"retention viewed "/a" returning action "x" every day periods 1"#,
        table(
            &RETENTION,
            vec![
                rrow(&[], "2026-01-01", 0, 2, 0),
                rrow(&[], "2026-01-01", 1, 2, 0),
            ],
        ),
    );
}

// ----- paths -----------------------------------------------------------------------

#[test]
fn paths_collapse_repeats_and_order_ties_by_name() {
    let s = |e: RefEvent| e.session("s1");
    let data = events(vec![
        s(view(at(1), "u1", "/a")),
        s(view(at(2), "u1", "/a")),
        s(view(at(3), "u1", "/b")),
        s(view(at(4), "u1", "/a")),
        // Equal timestamps: /b before /c.
        s(view(at(1), "u2", "/c")),
        s(view(at(1), "u2", "/b")),
        s(view(at(2), "u2", "/d")),
        // /a, /b (tie by name), then /b again: collapsed.
        s(view(at(1), "u3", "/b")),
        s(view(at(1), "u3", "/a")),
        s(view(at(2), "u3", "/b")),
    ]);
    check(
        &data,
        "paths",
        paths_table(&[
            ("/a -> /b", 1, 1),
            ("/a -> /b -> /a", 1, 1),
            ("/b -> /c -> /d", 1, 1),
        ]),
    );
}

#[test]
fn paths_are_per_session_and_a_null_session_is_never_a_path() {
    let data = events(vec![
        // Only views make paths: the action does not break the repeat.
        view(at(1), "u1", "/a").session("s1"),
        action(at(2), "u1", "x").session("s1"),
        view(at(3), "u1", "/a").session("s1"),
        view(at(1), "u1", "/b").session("s2"),
        view(at(1), "u1", "/c"),
        // The same session id of another user is another session.
        view(at(5), "u2", "/a").session("s1"),
        ev(at(6), "u2", "error", "boom").session("s1"),
        // A null user is ignored everywhere.
        RefEvent::new(at(1), None, "view", "/z").session("s1"),
    ]);
    check(&data, "paths", paths_table(&[("/a", 2, 2), ("/b", 1, 1)]));
}

fn long_session_data() -> RefDataset {
    let mut evs: Vec<RefEvent> = ["/a", "/b", "/c", "/d", "/e", "/f", "/g"]
        .iter()
        .enumerate()
        .map(|(k, name)| view(at(k as i64 + 1), "u1", name).session("s1"))
        .collect();
    evs.extend([
        view(at(1), "u2", "/a").session("s1"),
        view(at(2), "u2", "/c").session("s1"),
        view(at(1), "u3", "/b").session("s1"),
        view(at(2), "u3", "/d").session("s1"),
    ]);
    events(evs)
}

#[test]
fn paths_from_to_and_depth() {
    let data = long_session_data();
    let cases: &[(&str, PathRows)] = &[
        // Default depth 5, counted from the `from` match; u2 has no /b.
        (
            r#"paths from viewed "/b""#,
            &[("/b -> /c -> /d -> /e -> /f", 1, 1), ("/b -> /d", 1, 1)],
        ),
        (
            r#"paths from viewed "/b" depth 2"#,
            &[("/b -> /c", 1, 1), ("/b -> /d", 1, 1)],
        ),
        (
            r#"paths from viewed "/b" to viewed "/d""#,
            &[("/b -> /c -> /d", 1, 1), ("/b -> /d", 1, 1)],
        ),
        // /d is u1's third name from the start: beyond depth 2.
        (
            r#"paths from viewed "/b" to viewed "/d" depth 2"#,
            &[("/b -> /d", 1, 1)],
        ),
        // `to` at the start itself.
        (r#"paths from viewed "/b" to viewed "/b""#, &[("/b", 2, 2)]),
        // Without `from`, the first view; u3 never sees /c.
        (
            r#"paths to viewed "/c""#,
            &[("/a -> /b -> /c", 1, 1), ("/a -> /c", 1, 1)],
        ),
        // /f is u1's sixth name: only with depth 6.
        (r#"paths to viewed "/f""#, &[]),
        (
            r#"paths to viewed "/f" depth 6"#,
            &[("/a -> /b -> /c -> /d -> /e -> /f", 1, 1)],
        ),
    ];
    for (source, rows) in cases {
        check(&data, source, paths_table(rows));
    }
}

#[test]
fn paths_steps_match_any_event_of_a_collapsed_view() {
    // Decision 5: the collapsed /b holds a desktop and a mobile view.
    let data = events(vec![
        view(at(1), "u1", "/a").session("s1"),
        view(at(2), "u1", "/b").session("s1").device("desktop"),
        view(at(3), "u1", "/b").session("s1").device("mobile"),
        view(at(4), "u1", "/c").session("s1"),
    ]);
    check(
        &data,
        r#"paths from viewed "/b" with device = "mobile""#,
        paths_table(&[("/b -> /c", 1, 1)]),
    );
    check(
        &data,
        r#"paths to viewed "/b" with device = "mobile""#,
        paths_table(&[("/a -> /b", 1, 1)]),
    );
    check(
        &data,
        r#"paths from viewed like "/%" with device = "tablet""#,
        paths_table(&[]),
    );
}

#[test]
fn paths_are_sorted_by_sessions_then_path_and_cut_to_top() {
    let data = events(vec![
        view(at(1), "u1", "/b").session("s1"),
        view(at(1), "u2", "/b").session("s1"),
        view(at(1), "u1", "/a").session("s2"),
        view(at(1), "u1", "/a").session("s3"),
        view(at(1), "u3", "/c").session("s1"),
        view(at(1), "u3", "/a").session("s2"),
        view(at(2), "u3", "/b").session("s2"),
    ]);
    check(
        &data,
        "paths",
        paths_table(&[("/a", 2, 1), ("/b", 2, 2), ("/a -> /b", 1, 1), ("/c", 1, 1)]),
    );
    check(
        &data,
        "paths top 3",
        paths_table(&[("/a", 2, 1), ("/b", 2, 2), ("/a -> /b", 1, 1)]),
    );
    // `top` defaults to 10.
    let many = events(
        (1..=12)
            .map(|k| view(at(1), &format!("u{k:02}"), &format!("/p{k:02}")).session("s1"))
            .collect(),
    );
    let expected: Vec<(String, i64, i64)> = (1..=10).map(|k| (format!("/p{k:02}"), 1, 1)).collect();
    let expected: Vec<(&str, i64, i64)> = expected
        .iter()
        .map(|(p, s, u)| (p.as_str(), *s, *u))
        .collect();
    check(&many, "paths", paths_table(&expected));
}

#[test]
fn paths_of_accounts_merge_their_users_sessions() {
    // For accounts the actor is the account: u1 and u2 of a1 in session s1
    // make one session; u4 has no account and is dropped.
    let data = with_users(
        events(vec![
            view(at(1), "u1", "/a").session("s1"),
            view(at(2), "u2", "/b").session("s1"),
            view(at(1), "u3", "/a").session("s1"),
            view(at(1), "u4", "/c").session("s1"),
        ]),
        vec![
            user("u1").account("a1"),
            user("u2").account("a1"),
            user("u3").account("a2"),
        ],
    );
    check(
        &data,
        "paths for (accounts who any event)",
        paths_table(&[("/a", 1, 1), ("/a -> /b", 1, 1)]),
    );
    check(
        &data,
        "paths for (accounts who any event) since 2026-01-01T00:02:00Z",
        paths_table(&[("/b", 1, 1)]),
    );
    // Users: four sessions of one view each.
    check(
        &data,
        "paths",
        paths_table(&[("/a", 2, 2), ("/b", 1, 1), ("/c", 1, 1)]),
    );
}

// ----- explore ---------------------------------------------------------------------

#[test]
fn explore_measures() {
    let data = events(vec![
        view(at(1), "u1", "/a").session("s1"),
        action(at(2), "u1", "x").session("s1"),
        // Session ids are counted as plain values: s1 once.
        view(at(3), "u2", "/a").session("s1"),
        ev(at(4), "u2", "error", "boom"),
        RefEvent::new(at(5), None, "view", "/a").session("s9"),
    ]);
    check(
        &data,
        r#"explore events, users, sessions, count(viewed "/a"), count(action "x")"#,
        table(
            &["events", "users", "sessions", "count", "count_2"],
            vec![vec![i(4), i(2), i(1), i(2), i(1)]],
        ),
    );
    check(
        &data,
        r#"explore count(action "x"), users, count(any event), count(error)"#,
        table(
            &["count", "users", "count_2", "count_3"],
            vec![vec![i(1), i(2), i(4), i(1)]],
        ),
    );
}

#[test]
fn explore_by_event_and_profile_columns() {
    let data = with_users(
        events(vec![
            view(at(1), "u1", "/a").device("mobile"),
            view(at(2), "u1", "/a").device("mobile"),
            view(at(3), "u1", "/a"),
            view(at(1), "u2", "/a").device("mobile"),
            // u3 has no profile row: plan null.
            view(at(1), "u3", "/a").device("desktop"),
        ]),
        vec![user("u1").plan("pro"), user("u2").plan("free")],
    );
    check(
        &data,
        "explore events, users by device, plan",
        table(
            &["device", "plan", "events", "users"],
            vec![
                vec![t("desktop"), N, i(1), i(1)],
                vec![t("mobile"), t("free"), i(1), i(1)],
                vec![t("mobile"), t("pro"), i(2), i(1)],
                vec![N, t("pro"), i(1), i(1)],
            ],
        ),
    );
    check(
        &data,
        "explore events by plan",
        table(
            &["plan", "events"],
            vec![vec![t("free"), i(1)], vec![t("pro"), i(3)], vec![N, i(1)]],
        ),
    );
}

#[test]
fn explore_buckets_are_aligned_to_monday_1970_01_05() {
    let data = events(vec![
        view(ms("2026-01-01T10:00:00Z"), "u1", "/a"),
        view(ms("2026-01-04T23:00:00Z"), "u1", "/a"),
        view(ms("2026-01-05T00:00:00Z"), "u2", "/a"),
    ]);
    check(
        &data,
        "explore events, users every 1 week",
        table(
            &["time", "events", "users"],
            vec![
                vec![stamp("2025-12-29"), i(2), i(1)],
                vec![stamp("2026-01-05"), i(1), i(1)],
            ],
        ),
    );
    check(
        &data,
        "explore events every day",
        table(
            &["time", "events"],
            vec![
                vec![stamp("2026-01-01"), i(1)],
                vec![stamp("2026-01-04"), i(1)],
                vec![stamp("2026-01-05"), i(1)],
            ],
        ),
    );
    // 7-minute buckets from 1970-01-05: 2026-01-01T00:00 lies one minute
    // into the bucket of 2025-12-31T23:59 (hand-computed: (BASE - 4 days)
    // mod 7 min = 1 min).
    let data = events(vec![
        view(at(5), "u1", "/a"),
        view(at(6), "u1", "/a"),
        view(at(12), "u1", "/a"),
        view(at(13), "u1", "/a"),
    ]);
    check(
        &data,
        "explore events every 7 minutes",
        table(
            &["time", "events"],
            vec![
                vec![stamp("2025-12-31T23:59:00Z"), i(1)],
                vec![stamp("2026-01-01T00:06:00Z"), i(2)],
                vec![stamp("2026-01-01T00:13:00Z"), i(1)],
            ],
        ),
    );
}

fn devices_data() -> RefDataset {
    let mut evs = Vec::new();
    for (device, n) in [
        (Some("desktop"), 3),
        (Some("mobile"), 2),
        (Some("tablet"), 2),
        (None, 3),
    ] {
        for k in 0..n {
            let e = view(at(k), "u1", "/a");
            evs.push(match device {
                Some(d) => e.device(d),
                None => e,
            });
        }
    }
    events(evs)
}

#[test]
fn explore_top_keeps_the_largest_groups_ties_by_key() {
    let data = devices_data();
    // desktop and null tie at 3: desktop first (nulls last).
    check(
        &data,
        "explore events by device top 2",
        table(
            &["device", "events"],
            vec![vec![t("desktop"), i(3)], vec![N, i(3)]],
        ),
    );
    // mobile and tablet tie at 2: mobile; rows in `by` order.
    check(
        &data,
        "explore events by device top 3",
        table(
            &["device", "events"],
            vec![
                vec![t("desktop"), i(3)],
                vec![t("mobile"), i(2)],
                vec![N, i(3)],
            ],
        ),
    );
    // Without `by`, `top` keeps the one group.
    check(
        &data,
        "explore events top 1",
        table(&["events"], vec![vec![i(10)]]),
    );
}

#[test]
fn explore_top_ranks_distinct_counts_over_the_whole_range() {
    // Decision 6: desktop has 1 user (in two buckets), mobile 2: mobile is
    // the top group (summing the buckets would tie 2 and 2, and desktop
    // would win on its key).
    let data = events(vec![
        view(day(0, 1), "u1", "/a").device("desktop"),
        view(day(1, 1), "u1", "/a").device("desktop"),
        view(day(0, 1), "u2", "/a").device("mobile"),
        view(day(0, 2), "u3", "/a").device("mobile"),
    ]);
    check(
        &data,
        "explore users, events by device every 1 day top 1",
        table(
            &["device", "time", "users", "events"],
            vec![vec![t("mobile"), stamp("2026-01-01"), i(2), i(2)]],
        ),
    );
}

#[test]
fn explore_rows_only_where_there_are_events() {
    // Decision 6: a (group, bucket) pair without events has no row; without
    // `by` and `every` there is one total row, zero when nothing counts.
    let data = events(vec![
        view(day(0, 1), "u1", "/a").device("mobile"),
        view(day(2, 1), "u1", "/b"),
    ]);
    check(
        &data,
        r#"explore events for (users who viewed "/z")"#,
        table(&["events"], vec![vec![i(0)]]),
    );
    check(
        &data,
        r#"explore count(viewed "/a") by device every 1 day"#,
        table(
            &["device", "time", "count"],
            vec![
                vec![t("mobile"), stamp("2026-01-01"), i(1)],
                vec![N, stamp("2026-01-03"), i(0)],
            ],
        ),
    );
    check(
        &data,
        r#"explore events every 1 day since 2026-01-02"#,
        table(&["time", "events"], vec![vec![stamp("2026-01-03"), i(1)]]),
    );
}

#[test]
fn explore_of_accounts() {
    let mut data = with_users(
        events(vec![
            view(at(1), "u1", "/a").account("a1"),
            view(at(2), "u2", "/a").account("a1"),
            // No account on the event: the account of its user.
            view(at(3), "u3", "/a"),
            // Neither: dropped.
            view(at(4), "u4", "/a"),
        ]),
        vec![user("u3").account("a2")],
    );
    data.events_have_account_column = true;
    data.accounts = Some(vec![RefProfile::new(Some("a1")).plan("pro")]);
    // `users` counts users, not accounts; a2 has no accounts row.
    check(
        &data,
        "explore events, users by plan for (accounts who any event)",
        table(
            &["plan", "events", "users"],
            vec![vec![t("pro"), i(2), i(2)], vec![N, i(1), i(1)]],
        ),
    );
    // `account_id` is an events column here: it is read on the event, null
    // for u3's event although its actor is a2.
    check(
        &data,
        "explore events by account_id for (accounts who any event)",
        table(
            &["account_id", "events"],
            vec![vec![t("a1"), i(2)], vec![N, i(1)]],
        ),
    );
}

// ----- the table API ------------------------------------------------------------------

#[test]
fn segments_and_analyses_in_statement_order() {
    let data = abc_data();
    let tables = evaluate_all_source(
        r#"segment d = users who viewed "/b";
           users who viewed "/c";
           explore users for d;
           accounts who any event"#,
        &data,
        NOW_MS,
        Path::new("."),
    );
    assert_eq!(
        tables,
        vec![
            table(&["user_id"], vec![vec![t("u1")], vec![t("u5")]]),
            table(&["users"], vec![vec![i(3)]]),
            table(&["account_id"], vec![]),
        ]
    );
}

#[test]
fn tables_match_is_exact_but_for_float_rounding() {
    let a = table(&["x", "y"], vec![vec![i(1), f(1.0 / 3.0)]]);
    let b = table(&["x", "y"], vec![vec![i(1), f(0.333_333_333_333_333_5)]]);
    assert!(tables_match(&a, &b).is_ok());
    let c = table(&["x", "y"], vec![vec![i(1), f(0.3334)]]);
    assert!(
        tables_match(&a, &c)
            .unwrap_err()
            .contains("row 0, column \"y\"")
    );
    let d = table(&["x", "z"], vec![vec![i(1), f(1.0 / 3.0)]]);
    assert!(tables_match(&a, &d).unwrap_err().contains("columns differ"));
    // An Int is not a Float, and row order matters.
    let e = table(&["x", "y"], vec![vec![f(1.0), f(1.0 / 3.0)]]);
    assert!(tables_match(&a, &e).is_err());
    let two = table(&["x"], vec![vec![i(1)], vec![i(2)]]);
    let owt = table(&["x"], vec![vec![i(2)], vec![i(1)]]);
    assert!(tables_match(&two, &owt).is_err());
    assert!(tables_match(&two, &table(&["x"], vec![vec![i(1)]])).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(300),
        ..ProptestConfig::default()
    })]

    /// Every generated analysis program parses, passes `segql::validate`,
    /// and is evaluated without tripping any of the reference's checks,
    /// with one table per query and rows as wide as the columns.
    #[test]
    fn generated_analyses_are_valid((data, source) in arb_analysis_case()) {
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
            .filter(|s| !matches!(s.kind, segql::syntax::StatementKind::Define(_)))
            .count();
        let tables = evaluate_all(&program, &data, NOW_MS, Path::new("."));
        prop_assert_eq!(tables.len(), queries);
        for table in &tables {
            for row in &table.rows {
                prop_assert_eq!(row.len(), table.columns.len());
            }
        }
    }
}

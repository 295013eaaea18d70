//! Analyses end to end: every analysis of `examples/*.seg` on the demo
//! dataset (snapshot), and the edge cases of LANGUAGE.md §5 on tiny data.

use crate::support::{example_outcomes, segql_bin};
use segql::present::output::{self, OutputFormat};
use segql::syntax::StatementKind;
use std::process::Command;

fn csv(outcome: &segql::engine::Outcome) -> String {
    let mut buffer = Vec::new();
    output::write(
        &outcome.batches,
        &outcome.schema,
        OutputFormat::Csv,
        &mut buffer,
    )
    .expect("CSV writes");
    String::from_utf8(buffer).expect("CSV is text")
}

#[test]
fn analyses_of_every_example_on_the_demo_dataset() {
    let examples = example_outcomes(|kind| !matches!(kind, StatementKind::Segment(_)));
    let mut seen = 0;
    for (name, results) in examples {
        let mut report = String::new();
        for (statement, outcome) in &results {
            seen += 1;
            report.push_str(&format!("{statement}\n{}\n", csv(outcome)));
        }
        insta::assert_snapshot!(format!("analyses_{name}"), report);
    }
    assert!(
        seen >= 10,
        "the examples hold analyses of every kind: {seen}"
    );
}

/// Runs `text` on CSV tables written to a temporary folder and returns the
/// CSV output of its (last) result.
fn run_on(events: &str, users: Option<&str>, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    if let Some(users) = users {
        std::fs::write(dir.path().join("users.csv"), users).unwrap();
    }
    let out = Command::new(segql_bin())
        .args([
            "run",
            "--data",
            ".",
            "--now",
            "2026-04-01",
            "--format",
            "csv",
            "-e",
            text,
        ])
        .current_dir(dir.path())
        .output()
        .expect("segql runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    stdout.rsplit("\n\n").next().unwrap_or_default().to_string()
}

const EVENTS: &str = "\
timestamp,user_id,session_id,event_type,name,device
2026-03-01T10:00:00Z,u1,s1,view,/home,mobile
2026-03-01T10:01:00Z,u1,s1,view,/cart,mobile
2026-03-01T10:02:00Z,u1,s1,action,CHECKOUT,mobile
2026-03-01T11:00:00Z,u2,s2,view,/home,desktop
2026-03-01T11:05:00Z,u2,s2,view,/home,desktop
2026-03-01T11:06:00Z,u2,s2,view,/cart,desktop
2026-03-02T09:00:00Z,u3,s3,view,/home,desktop
2026-03-02T09:00:00Z,u3,s3,view,/about,desktop
2026-03-03T09:00:00Z,u3,,view,/cart,desktop
";

const USERS: &str = "user_id,plan\nu1,pro\nu2,free\nu3,free\nu4,pro\n";

#[test]
fn funnel_counts_and_conversions() {
    let out = run_on(
        EVENTS,
        None,
        r#"funnel viewed "/home" then viewed "/cart" then action "CHECKOUT""#,
    );
    assert_eq!(
        out,
        "step,label,users,conversion,step_conversion\n\
         1,\"viewed \"\"/home\"\"\",3,1.0,1.0\n\
         2,\"viewed \"\"/cart\"\"\",3,1.0,1.0\n\
         3,\"action \"\"CHECKOUT\"\"\",1,0.3333333333333333,0.3333333333333333\n"
    );
}

#[test]
fn funnel_within_session_needs_a_session() {
    let out = run_on(
        EVENTS,
        None,
        r#"funnel viewed "/home" then viewed "/cart" within session"#,
    );
    // u3's cart view has no session.
    assert!(out.contains("\n2,\"viewed \"\"/cart\"\"\",2,"), "{out}");
}

#[test]
fn funnel_of_an_empty_segment_divides_by_nothing() {
    let out = run_on(
        EVENTS,
        Some(USERS),
        r#"funnel viewed "/home" then viewed "/cart" for (users who have plan = "enterprise")"#,
    );
    assert_eq!(
        out,
        "step,label,users,conversion,step_conversion\n\
         1,\"viewed \"\"/home\"\"\",0,0.0,1.0\n\
         2,\"viewed \"\"/cart\"\"\",0,0.0,0.0\n"
    );
}

#[test]
fn funnel_step_that_never_happens() {
    let out = run_on(
        EVENTS,
        None,
        r#"funnel viewed "/home" then action "REFUND""#,
    );
    assert!(
        out.ends_with("2,\"action \"\"REFUND\"\"\",0,0.0,0.0\n"),
        "{out}"
    );
}

#[test]
fn funnel_compare_blocks_in_order_with_a_by_column() {
    let out = run_on(
        EVENTS,
        Some(USERS),
        r#"segment pro = users who have plan = "pro";
           funnel viewed "/home" then viewed "/cart" compare (users who have plan = "free"), pro by device"#,
    );
    assert_eq!(
        out,
        "segment,device,step,label,users,conversion,step_conversion\n\
         \"users who have plan = \"\"free\"\"\",desktop,1,\"viewed \"\"/home\"\"\",2,1.0,1.0\n\
         \"users who have plan = \"\"free\"\"\",desktop,2,\"viewed \"\"/cart\"\"\",2,1.0,1.0\n\
         pro,mobile,1,\"viewed \"\"/home\"\"\",1,1.0,1.0\n\
         pro,mobile,2,\"viewed \"\"/cart\"\"\",1,1.0,1.0\n"
    );
}

#[test]
fn retention_cohort_without_returns_and_month_periods_across_year_end() {
    let events = "\
timestamp,user_id,session_id,event_type,name
2025-12-20T10:00:00Z,u1,s1,view,/home
2026-01-03T10:00:00Z,u1,s2,action,buy
2025-12-31T10:00:00Z,u2,s3,view,/home
2026-01-10T10:00:00Z,u3,s4,view,/home
";
    let out = run_on(
        events,
        None,
        r#"retention viewed "/home" returning action "buy" every month periods 1"#,
    );
    assert_eq!(
        out,
        "cohort,period,users,retained,rate\n\
         2025-12-01,0,2,0,0.0\n\
         2025-12-01,1,2,1,0.5\n\
         2026-01-01,0,1,0,0.0\n\
         2026-01-01,1,1,0,0.0\n"
    );
}

#[test]
fn retention_weeks_start_on_monday_and_period_0_counts_returns_before_the_start() {
    let events = "\
timestamp,user_id,session_id,event_type,name
2026-03-04T10:00:00Z,u1,s1,action,buy
2026-03-05T10:00:00Z,u1,s1,view,/home
";
    // 2026-03-04 is a Wednesday: the week starts Monday 2026-03-02.
    let out = run_on(
        events,
        None,
        r#"retention viewed "/home" returning action "buy" every week periods 0"#,
    );
    assert_eq!(
        out,
        "cohort,period,users,retained,rate\n2026-03-02,0,1,1,1.0\n"
    );
}

#[test]
fn paths_collapse_repeats_and_skip_sessions_without_the_start() {
    let out = run_on(EVENTS, None, r#"paths from viewed "/home" depth 3"#);
    // u2: /home /home /cart collapses; u3: equal times ordered by name put
    // /about before /home; the null session is never a path.
    assert_eq!(out, "path,sessions,users\n/home -> /cart,2,2\n/home,1,1\n");
}

#[test]
fn paths_to_a_step_that_does_not_occur_leave_the_session_out() {
    let out = run_on(
        EVENTS,
        None,
        r#"paths from viewed "/home" to viewed "/cart" depth 2"#,
    );
    assert_eq!(out, "path,sessions,users\n/home -> /cart,2,2\n");
}

#[test]
fn explore_buckets_align_to_monday_and_top_keeps_the_largest_groups() {
    let out = run_on(
        EVENTS,
        None,
        r#"explore events, users by device every 1 week top 1"#,
    );
    // u2's three views fall on Sunday 2026-03-01, in the week of Monday
    // 2026-02-23; u3's three on 2026-03-02 and 03.
    assert_eq!(
        out,
        "device,time,events,users\ndesktop,2026-02-23T00:00:00Z,3,1\ndesktop,2026-03-02T00:00:00Z,3,1\n"
    );
}

#[test]
fn explore_by_a_profile_column_with_a_null_group() {
    let out = run_on(
        EVENTS,
        Some("user_id,plan\nu1,pro\nu2,free\n"),
        r#"explore users, count(viewed "/cart") by plan"#,
    );
    assert_eq!(out, "plan,users,count\nfree,1,1\npro,1,1\n,1,1\n");
}

#[test]
fn grouping_by_the_event_time_shows_utc_timestamps() {
    let out = run_on(
        EVENTS,
        None,
        r#"explore events by timestamp for (users who viewed "/about")"#,
    );
    assert_eq!(
        out,
        "timestamp,events\n2026-03-02T09:00:00Z,2\n2026-03-03T09:00:00Z,1\n"
    );
}

#[test]
fn a_misspelt_by_column_gets_a_suggestion_from_either_table() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), EVENTS).unwrap();
    std::fs::write(dir.path().join("users.csv"), USERS).unwrap();
    for (text, suggestion) in [
        ("explore events by devic", "did you mean `device`?"),
        ("explore events by plna", "did you mean `plan`?"),
    ] {
        let out = Command::new(segql_bin())
            .args(["run", "--data", ".", "-e", text])
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .expect("segql runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}\n{stderr}");
        assert!(stderr.contains(suggestion), "{text}\n{stderr}");
    }
}

/// Runs `text` on `events` as `segql run --format table --pictures always`
/// and returns its standard output.
fn table_on(events: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    let out = Command::new(segql_bin())
        .args(["run", "--data", ".", "--pictures", "always", "-e", text])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .expect("segql runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn retention_periods_after_the_data_are_blank_on_screen_and_zero_in_the_result() {
    // The data ends on Wednesday 2026-03-11: the week of 2026-03-16 and
    // later were not observed.
    let events = "\
timestamp,user_id,session_id,event_type,name
2026-03-02T10:00:00Z,u1,s1,view,/home
2026-03-09T10:00:00Z,u1,s2,view,/home
2026-03-10T10:00:00Z,u2,s3,view,/home
2026-03-11T10:00:00Z,u2,s4,view,/home
";
    let text = r#"retention viewed "/home" returning viewed "/home" every week periods 2"#;
    // The result is the contract's: every period of every cohort, 0 where
    // no one returned.
    assert_eq!(
        run_on(events, None, text),
        "cohort,period,users,retained,rate\n\
         2026-03-02,0,1,1,1.0\n\
         2026-03-02,1,1,1,1.0\n\
         2026-03-02,2,1,0,0.0\n\
         2026-03-09,0,1,1,1.0\n\
         2026-03-09,1,1,0,0.0\n\
         2026-03-09,2,1,0,0.0\n"
    );
    // On screen, a period after the end of the data is blank: a triangle.
    assert_eq!(
        table_on(events, text),
        "\
cohort      users       0       1       2
2026-03-02      1  100.0%  100.0%
2026-03-09      1  100.0%

+------------+--------+-------+----------+------+
| cohort     | period | users | retained | rate |
+------------+--------+-------+----------+------+
| 2026-03-02 | 0      | 1     | 1        | 1.0  |
| 2026-03-02 | 1      | 1     | 1        | 1.0  |
| 2026-03-02 | 2      | 1     |          |      |
| 2026-03-09 | 0      | 1     | 1        | 1.0  |
| 2026-03-09 | 1      | 1     |          |      |
| 2026-03-09 | 2      | 1     |          |      |
+------------+--------+-------+----------+------+
6 rows
"
    );
    // A range that ends earlier ends the observation there: the week of
    // 2026-03-09 lies after `between ... and 2026-03-09`.
    let ranged = table_on(
        events,
        r#"retention viewed "/home" returning viewed "/home" every week periods 1 between 2026-03-01 and 2026-03-09"#,
    );
    assert!(
        ranged.starts_with("cohort      users       0       1\n2026-03-02      1  100.0%\n\n"),
        "{ranged}"
    );
}

//! Analyses end to end: every analysis of `examples/*.seg` on the demo
//! dataset (snapshot), and the edge cases of LANGUAGE.md §5 on tiny data.

use crate::support::{
    assert_contains, assert_fails_naming, assert_success, csv, example_outcomes, folder,
    run_csv_in, segql_in,
};
use segql::syntax::StatementKind;

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
    let mut files = vec![("events.csv", events)];
    files.extend(users.map(|users| ("users.csv", users)));
    let dir = folder(&files);
    let args = ["--data", ".", "--now", "2026-04-01"];
    let stdout = run_csv_in(dir.path(), &args, text);
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

/// A retention cohort without returns, and month periods across the end
/// of the year.
const YEAR_END: &str = "\
timestamp,user_id,session_id,event_type,name
2025-12-20T10:00:00Z,u1,s1,view,/home
2026-01-03T10:00:00Z,u1,s2,action,buy
2025-12-31T10:00:00Z,u2,s3,view,/home
2026-01-10T10:00:00Z,u3,s4,view,/home
";

/// 2026-03-04 is a Wednesday: the week starts Monday 2026-03-02; period 0
/// counts returns before the start.
const MIDWEEK: &str = "\
timestamp,user_id,session_id,event_type,name
2026-03-04T10:00:00Z,u1,s1,action,buy
2026-03-05T10:00:00Z,u1,s1,view,/home
";

/// The exact CSV of analyses of small shops: [`EVENTS`] (and [`USERS`]
/// where given) unless named.
#[test]
fn analyses_of_small_shops() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        // Funnel counts, conversions and times to convert: to /cart, u1
        // and u2 take a minute (u2 from its later /home), u3 a day; only
        // u1 checks out, two minutes after its /home.
        (
            r#"funnel viewed "/home" then viewed "/cart" then action "CHECKOUT""#,
            None,
            r#"step,label,users,conversion,step_conversion,average_seconds,median_seconds
1,"viewed ""/home""",3,1.0,1.0,,
2,"viewed ""/cart""",3,1.0,1.0,28840.0,60.0
3,"action ""CHECKOUT""",1,0.3333333333333333,0.3333333333333333,120.0,120.0
"#,
        ),
        // A funnel of an empty segment divides by nothing.
        (
            r#"funnel viewed "/home" then viewed "/cart" for (users who have plan = "enterprise")"#,
            Some(USERS),
            r#"step,label,users,conversion,step_conversion,average_seconds,median_seconds
1,"viewed ""/home""",0,0.0,1.0,,
2,"viewed ""/cart""",0,0.0,0.0,,
"#,
        ),
        // Compare blocks in order, with a `by` column.
        (
            r#"segment pro = users who have plan = "pro";
           funnel viewed "/home" then viewed "/cart" compare (users who have plan = "free"), pro by device"#,
            Some(USERS),
            r#"segment,device,step,label,users,conversion,step_conversion,average_seconds,median_seconds
"users who have plan = ""free""",desktop,1,"viewed ""/home""",2,1.0,1.0,,
"users who have plan = ""free""",desktop,2,"viewed ""/cart""",2,1.0,1.0,43230.0,43230.0
pro,mobile,1,"viewed ""/home""",1,1.0,1.0,,
pro,mobile,2,"viewed ""/cart""",1,1.0,1.0,60.0,60.0
"#,
        ),
        // u2: /home /home /cart collapses; u3: equal times ordered by name
        // put /about before /home; the null session is never a path.
        (
            r#"paths from viewed "/home" depth 3"#,
            None,
            "path,sessions,users\n/home -> /cart,2,2\n/home,1,1\n",
        ),
        // Paths to a step that does not occur leave the session out.
        (
            r#"paths from viewed "/home" to viewed "/cart" depth 2"#,
            None,
            "path,sessions,users\n/home -> /cart,2,2\n",
        ),
        // Explore buckets align to Monday and `top` keeps the largest
        // groups: u2's three views fall on Sunday 2026-03-01, in the week of
        // Monday 2026-02-23; u3's three on 2026-03-02 and 03.
        (
            r#"explore events, users by device every 1 week top 1"#,
            None,
            "device,time,events,users\ndesktop,2026-02-23T00:00:00Z,3,1\ndesktop,2026-03-02T00:00:00Z,3,1\n",
        ),
        // By a profile column with a null group.
        (
            r#"explore users, count(viewed "/cart") by plan"#,
            Some("user_id,plan\nu1,pro\nu2,free\n"),
            "plan,users,count\nfree,1,1\npro,1,1\n,1,1\n",
        ),
        // Grouping by the event time shows UTC timestamps.
        (
            r#"explore events by timestamp for (users who viewed "/about")"#,
            None,
            "timestamp,events\n2026-03-02T09:00:00Z,2\n2026-03-03T09:00:00Z,1\n",
        ),
    ];
    for (text, users, expected) in cases {
        assert_eq!(run_on(EVENTS, *users, text), *expected, "{text}");
    }
    for (events, text, expected) in [
        (
            YEAR_END,
            r#"retention viewed "/home" returning action "buy" every month periods 1"#,
            "cohort,period,users,retained,rate\n\
             2025-12-01,0,2,0,0.0\n\
             2025-12-01,1,2,1,0.5\n\
             2026-01-01,0,1,0,0.0\n\
             2026-01-01,1,1,0,0.0\n",
        ),
        (
            MIDWEEK,
            r#"retention viewed "/home" returning action "buy" every week periods 0"#,
            "cohort,period,users,retained,rate\n2026-03-02,0,1,1,1.0\n",
        ),
    ] {
        assert_eq!(run_on(events, None, text), expected, "{text}");
    }
}

#[test]
fn funnel_within_session_needs_a_session() {
    let text = r#"funnel viewed "/home" then viewed "/cart" within session"#;
    // u3's cart view has no session.
    assert_contains(
        &run_on(EVENTS, None, text),
        "\n2,\"viewed \"\"/cart\"\"\",2,",
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
        out.ends_with("2,\"action \"\"REFUND\"\"\",0,0.0,0.0,,\n"),
        "{out}"
    );
}

#[test]
fn a_misspelt_by_column_gets_a_suggestion_from_either_table() {
    let dir = folder(&[("events.csv", EVENTS), ("users.csv", USERS)]);
    for (text, suggestion) in [
        ("explore events by devic", "did you mean `device`?"),
        ("explore events by plna", "did you mean `plan`?"),
    ] {
        let out = segql_in(dir.path(), &["run", "--data", ".", "-e", text]);
        assert_fails_naming(&out, 2, &[suggestion]);
    }
}

/// Runs `text` on `events` as `segql run --format table --pictures always`
/// and returns its standard output.
fn table_on(events: &str, text: &str) -> String {
    let dir = folder(&[("events.csv", events)]);
    let args = ["run", "--data", ".", "--pictures", "always", "-e", text];
    assert_success(&segql_in(dir.path(), &args))
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

/// Path cleaning (LANGUAGE.md §12): u1's views at 10:00 are ordered by
/// their original names (`/cart` before `/product/b`) before they are
/// relabelled, cleaned views collapse, and `from` matches an original name
/// inside a cleaned run. Both engines.
#[test]
fn cleaned_paths_order_by_original_names_and_collapse_by_labels() {
    let events = "\
timestamp,user_id,session_id,event_type,name
2026-03-01T10:00:00Z,u1,s1,view,/product/b
2026-03-01T10:00:00Z,u1,s1,view,/cart
2026-03-01T10:01:00Z,u1,s1,view,/product/a
2026-03-01T10:02:00Z,u1,s1,view,/product/c
2026-03-01T10:03:00Z,u1,s1,view,/checkout
";
    let dir = folder(&[("events.csv", events)]);
    let cases = [
        (
            "paths",
            "/cart -> /product/b -> /product/a -> /product/c -> /checkout",
        ),
        (
            // A label that sorts before `/cart`: the order is still that
            // of the original names.
            r#"paths clean like "/product/%" as "/a-product""#,
            "/cart -> /a-product -> /checkout",
        ),
        (
            r#"paths from viewed "/product/a" clean like "/product/%" as "/p", like "/c%" as "/c""#,
            "/p -> /c",
        ),
        (
            // The first rule that matches wins; a label may be another
            // page's name, and then collapses with it.
            r#"paths clean like "/product/a" as "/cart", like "/product/%" as "/product/*""#,
            "/cart -> /product/* -> /cart -> /product/* -> /checkout",
        ),
    ];
    for (text, path) in cases {
        for engine in ["native", "portable"] {
            let args = ["--data", ".", "--now", "2026-04-01", "--engine", engine];
            let stdout = run_csv_in(dir.path(), &args, text);
            assert_eq!(
                stdout,
                format!("path,sessions,users\n{path},1,1\n"),
                "{text} ({engine})"
            );
        }
    }
}

//! The reference's own pieces, and the cases that do not fit the case files
//! (`cases/*.txt`): CSV lists read from a folder, the Arrow form of the
//! datasets, the table API, and the properties of the generators. `now` is
//! [`NOW_MS`] (2026-01-01T00:15:00Z).

use super::analysis::{Cell, Table, evaluate_all, evaluate_all_source, tables_match};
use super::analysis_gen::arb_analysis_case;
use super::cases;
use super::data::{MINUTE_MS, RefDataset, RefEvent, RefProfile};
use super::eval::{evaluate, parse_csv};
use super::r#gen::{BASE_DAY, BASE_MS, NOW_MS, arb_case};
use crate::support::proptest_cases;
use proptest::prelude::*;
use segql::syntax::StatementKind;
use std::path::Path;

fn keys(k: &[&str]) -> Vec<String> {
    k.iter().map(|s| s.to_string()).collect()
}

fn user(key: &str) -> RefProfile {
    RefProfile::new(Some(key))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// The members of the last query of `source`, CSV lists read from `dir`.
fn members_in(dir: &Path, data: &RefDataset, source: &str) -> Vec<String> {
    let program = segql::parse(source).unwrap();
    let mut r = evaluate(&program, data, NOW_MS, dir);
    r.pop().unwrap().into_iter().collect()
}

/// `users` as the profile table of a dataset whose events are `events`.
fn with_users(events: Vec<RefEvent>, users: Vec<RefProfile>) -> RefDataset {
    RefDataset {
        events,
        users: Some(users),
        ..RefDataset::default()
    }
}

// ----- in csv ----------------------------------------------------------------------------

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
    let view = RefEvent::new(BASE_MS + MINUTE_MS, Some("u1"), "view", "/a");
    let data = with_users(vec![view], vec![user("u1"), user("u2"), user("u3")]);
    let cases: &[(&str, &[&str])] = &[
        (r#"users in csv "ids.csv""#, &["u1"]),
        (r#"users in csv "ids.csv" by id"#, &["u1"]),
        (r#"users in csv "ids.csv" column "user_id""#, &["u2", "u3"]),
        (r#"users in csv "uid.csv""#, &["u2"]),
        (r#"users in csv "first.csv""#, &["u3"]),
        (r#"users in csv "quoted.csv""#, &["u1", "u2"]),
        (r#"users who in csv "ids.csv" and not viewed "/a""#, &[]),
        (
            r#"users who not in csv "ids.csv" column "user_id""#,
            &["u1"],
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(members_in(d, &data, source), keys(expected), "{source}");
    }
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
    let users = vec![
        user("u1").email(" Ann@X.com"),
        user("u2").email("ann@x.com"),
        user("u3").email("bob@y.org").plan("pro"),
        user("u4"),
        RefProfile::new(None).email("ann@x.com"),
    ];
    let data = with_users(Vec::new(), users);
    let cases: &[(&str, &[&str])] = &[
        (r#"users in csv "mails.csv" by email"#, &["u1", "u2"]),
        (r#"users in csv "first.csv" by email"#, &["u3"]),
        (
            r#"users in csv "first.csv" by email where plan = "pro""#,
            &["u3"],
        ),
        (r#"users in csv "mails.csv" column "name" by email"#, &[]),
    ];
    for (source, expected) in cases {
        assert_eq!(members_in(d, &data, source), keys(expected), "{source}");
    }
}

// ----- the reference's own pieces -------------------------------------------------------

#[test]
fn record_batches_have_the_documented_columns() {
    let view = RefEvent::new(BASE_MS + MINUTE_MS, Some("u1"), "view", "/a");
    let mut data = with_users(
        vec![view.session("s1").amount(1.5).qty(2)],
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
            "product_id",
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
        let StatementKind::Segment(seg) = &program.statements[0].kind else {
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

// ----- the table API ------------------------------------------------------------------

fn table(columns: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    }
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

#[test]
fn segments_and_analyses_in_statement_order() {
    let data = cases::dataset("funnel", "abc");
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

// ----- the generators ---------------------------------------------------------------

/// A generated program, parsed and validated: a parse error or an error
/// diagnostic fails the case.
fn valid_program(source: &str) -> Result<segql::Program, TestCaseError> {
    let program = segql::parse(source)
        .map_err(|d| TestCaseError::fail(format!("parse error in\n{source}\n{d:#?}")))?;
    let diags = segql::validate(&program, &segql::Library::new());
    prop_assert!(
        !diags.iter().any(segql::Diagnostic::is_error),
        "invalid program\n{}\n{:#?}",
        source,
        diags
    );
    Ok(program)
}

/// How many statements of `program` `counts` accepts.
fn count(program: &segql::Program, counts: impl Fn(&StatementKind) -> bool) -> usize {
    program
        .statements
        .iter()
        .filter(|s| counts(&s.kind))
        .count()
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
        let program = valid_program(&source)?;
        let queries = count(&program, |k| matches!(k, StatementKind::Segment(_)));
        let result = evaluate(&program, &data, NOW_MS, Path::new("."));
        prop_assert_eq!(result.len(), queries);
    }

    /// Every generated analysis program parses, passes `segql::validate`,
    /// and is evaluated without tripping any of the reference's checks,
    /// with one table per query and rows as wide as the columns.
    #[test]
    fn generated_analyses_are_valid((data, source) in arb_analysis_case()) {
        let program = valid_program(&source)?;
        let queries = count(&program, |k| !matches!(k, StatementKind::Define(_)));
        let tables = evaluate_all(&program, &data, NOW_MS, Path::new("."));
        prop_assert_eq!(tables.len(), queries);
        for table in &tables {
            for row in &table.rows {
                prop_assert_eq!(row.len(), table.columns.len());
            }
        }
    }
}

//! `for the first time`, `stopped` and `restarted` (LANGUAGE.md §11) on
//! both engines: the hand-computed cases of `reference/cases/lifecycle.txt`
//! (events exactly at the edges of ranges and gaps) give their exact
//! members, and the SQL export of each runs.

use crate::differential::{ENGINES, segql_members};
use crate::reference::NOW_MS;
use crate::reference::cases::member_cases;
use std::collections::BTreeSet;

#[test]
fn lifecycle_cases_give_their_members_on_both_engines() {
    let runtime = crate::support::runtime();
    let queries = member_cases("lifecycle");
    assert!(queries.len() >= 20, "the lifecycle cases hold queries");
    let mut failures = Vec::new();
    for (case, data, source, expected) in &queries {
        let expected: Vec<BTreeSet<String>> = expected
            .iter()
            .map(|members| members.iter().cloned().collect())
            .collect();
        for engine in ENGINES {
            match segql_members(data, source, engine, &runtime) {
                Ok(got) if got == expected => {}
                Ok(got) => failures.push(format!(
                    "{case} ({engine:?}): {source}\n got {got:?}\nwant {expected:?}"
                )),
                Err(e) => failures.push(format!("{case} ({engine:?}): {source}\n{e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each case's portable plan, exported to SQL and run back through
/// DataFusion's SQL front end, gives the rows the plan gives.
#[test]
fn lifecycle_cases_export_and_run_back_to_the_same_rows() {
    crate::export::on_a_large_stack(|| {
        let runtime = crate::support::runtime();
        for (case, data, source, _) in member_cases("lifecycle") {
            if let Err(e) = crate::export::round_trip(&data, &source, NOW_MS, &runtime) {
                panic!("{case}: {source}\n{e}");
            }
        }
    });
}

/// `explain --sql` of each kind: the portable plan unparses, and the SQL
/// names the instants it compares with.
#[test]
fn lifecycle_segments_export_to_sql() {
    for text in [
        r#"users who stopped event "purchase" during last 30 days"#,
        r#"users who restarted event "purchase" between 2026-03-01 and 2026-04-01"#,
        r#"users who performed event "purchase" for the first time since 2026-03-01"#,
        r#"accounts who not restarted viewed "/cart" during last 14 days"#,
    ] {
        let output = std::process::Command::new(crate::support::segql_bin())
            .args(["explain", "--sql", "default", "-e", text])
            .output()
            .expect("segql runs");
        let sql = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{text}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            sql.contains("SELECT") && (sql.contains("max(") || sql.contains("min(")),
            "{text}:\n{sql}"
        );
    }
}

//! SQL export: every query of every example, written as SQL from its
//! portable plan and run back through DataFusion's SQL front end on the
//! demo dataset, gives the same rows as `segql run`. Then `segql explain
//! --sql` as a user runs it.

use crate::support::{assert_contains, assert_fails_naming, assert_success, example_files, segql};
use datafusion::arrow::record_batch::RecordBatch;
use segql::export::SqlDialect;
use segql::planner::SequenceEngine;

/// The dialects whose SQL DataFusion itself reads back: its own, and
/// PostgreSQL and DuckDB, which quote and cast the way it does.
const ROUND_TRIP: [SqlDialect; 3] = [
    SqlDialect::Default,
    SqlDialect::Postgres,
    SqlDialect::DuckDb,
];

/// Rows as text, sorted: results compare whatever the order of the rows.
fn sorted_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{DataType, TimeUnit};
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        // SQL names no unit nor zone in a timestamp cast: compare instants.
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Timestamp(_, _) => cast(
                    c,
                    &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                )
                .expect("timestamps cast"),
                _ => c.clone(),
            })
            .collect();
        let formatters: Vec<_> = columns
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).expect("columns format"))
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    rows.sort();
    rows
}

fn column_names(schema: &datafusion::arrow::datatypes::Schema) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

/// Unparsing and planning recurse once per plan node: the deepest plans
/// need more than a test thread's stack in a debug build.
pub fn on_a_large_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(test)
        .expect("a thread starts")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn every_example_exports_and_runs_back_to_the_same_rows() {
    on_a_large_stack(examples_round_trip);
}

fn examples_round_trip() {
    let runtime = crate::support::runtime();
    let (engine, native) = crate::support::demo_engine();
    let portable = segql::planner::PlanOptions {
        engine: SequenceEngine::Portable,
        prune_by_storage: false,
        ..native.clone()
    };
    let mut queries = 0;
    let mut failures = Vec::new();
    // SEGQL_EXPORT_ONLY=word keeps the examples whose file name holds it.
    let only = std::env::var("SEGQL_EXPORT_ONLY").unwrap_or_default();
    for path in example_files() {
        if !path.to_string_lossy().contains(&only) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let program = segql::parse(&text).expect("examples parse");
        let expected = crate::support::run_program(&runtime, &program, &engine, &native)
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        let library = segql::Library::new();
        let plans = segql::engine::plan_program(&program, &library, &engine, &portable)
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        assert_eq!(expected.len(), plans.len());
        for (outcome, (query, plan)) in expected.iter().zip(&plans) {
            queries += 1;
            if has_no_sql_form(query) {
                let refused = runtime
                    .block_on(segql::export::plan_to_sql(
                        &engine,
                        plan,
                        SqlDialect::Default,
                    ))
                    .is_err_and(|d| d.message.contains("cannot be written as SQL"));
                assert!(
                    refused,
                    "{}: exported a lifecycle or stickiness",
                    path.display()
                );
                continue;
            }
            let statement = text[query.span.start..query.span.end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let want = sorted_rows(&outcome.batches);
            for dialect in ROUND_TRIP {
                let where_ = format!("{} ({}): {statement}", path.display(), dialect.name());
                let sql = match runtime.block_on(segql::export::plan_to_sql(&engine, plan, dialect))
                {
                    Ok(sql) => sql,
                    Err(d) => {
                        failures.push(format!("{where_}\n  export: {}", d.message));
                        continue;
                    }
                };
                // The deepest example nests past the 50 levels DataFusion's
                // SQL parser allows by default (README, SQL export).
                let got = runtime.block_on(async {
                    let context = engine.context_ref();
                    context
                        .sql("SET datafusion.sql_parser.recursion_limit = 1000")
                        .await?;
                    context.sql(&sql).await?.collect().await
                });
                match got {
                    Ok(batches) => {
                        let got = sorted_rows(&batches);
                        if got != want {
                            let first = got.iter().zip(&want).find(|(g, w)| g != w);
                            failures.push(format!(
                                "{where_}\n  {} rows, expected {}; first difference {first:?}\n{sql}",
                                got.len(),
                                want.len()
                            ));
                        }
                        let names = batches
                            .first()
                            .map(|b| column_names(&b.schema()))
                            .unwrap_or_default();
                        let want_names = column_names(&outcome.schema);
                        if !batches.is_empty() && names != want_names {
                            failures.push(format!(
                                "{where_}\n  columns {names:?}, expected {want_names:?}"
                            ));
                        }
                    }
                    Err(e) => failures.push(format!("{where_}\n  run: {e}\n{sql}")),
                }
            }
        }
    }
    assert!(
        queries >= 20 || !only.is_empty(),
        "the examples hold {queries} queries"
    );
    assert!(
        failures.is_empty(),
        "{} of {} exports failed:\n\n{}",
        failures.len(),
        queries * ROUND_TRIP.len(),
        failures.join("\n\n")
    );
}

#[test]
fn explain_sql_prints_each_query_as_a_statement_in_the_dialect() {
    let text = r#"users who viewed "/cart" then not action "CHECKOUT" within session;
        users who have plan = "premium""#;
    let stdout = assert_success(&segql(&["explain", "--sql", "postgres", "-e", text]));
    assert!(
        stdout.starts_with(
            "-- users who viewed \"/cart\" then not action \"CHECKOUT\" within session\nSELECT\n"
        ),
        "{stdout}"
    );
    assert_contains(
        &stdout,
        "\n\n-- users who have plan = \"premium\"\nSELECT\n",
    );
    assert_eq!(stdout.matches(";\n").count(), 2, "{stdout}");
    // PostgreSQL quotes every identifier with double quotes; MySQL with
    // backticks.
    assert_contains(&stdout, r#""events"."user_id""#);
    let mysql = assert_success(&segql(&["explain", "--sql", "mysql", "-e", text]));
    assert_contains(&mysql, "`events`.`user_id`");
}

#[test]
fn a_funnels_median_is_an_ordered_set_aggregate_in_postgres() {
    let funnel = r#"funnel viewed "/cart" then action "CHECKOUT""#;
    let postgres = assert_success(&segql(&["explain", "--sql", "postgres", "-e", funnel]));
    assert_contains(
        &postgres,
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(",
    );
    assert!(!postgres.contains("median("), "{postgres}");
    // DuckDB (and DataFusion) have `median`.
    let duckdb = assert_success(&segql(&["explain", "--sql", "duckdb", "-e", funnel]));
    assert_contains(&duckdb, "median(CAST(");
}

#[test]
fn explain_sql_uses_the_portable_plan_and_inlines_csv_lists() {
    // The native engine's sequence aggregate has no SQL form: --sql plans
    // portably even when the native engine is asked for.
    let native = ["explain", "--sql", "default", "--engine", "native"];
    let stdout = assert_success(&segql(
        &[&native[..], &["examples/vip_accounts.seg"]].concat(),
    ));
    assert!(!stdout.contains("segql_sequence"), "{stdout}");
    // The list's values are in the text, not a table of the database.
    assert_contains(&stdout, "'a0001'");
}

#[test]
fn explain_sql_rejects_an_unknown_dialect_and_other_plan_flags() {
    let cart = r#"users who viewed "/cart""#;
    let oracle = segql(&["explain", "--sql", "oracle", "-e", cart]);
    let dialects = "[possible values: default, postgres, duckdb, mysql, sqlite]";
    assert_fails_naming(&oracle, 2, &[dialects]);
    let optimized = segql(&["explain", "--sql", "postgres", "--optimized", "-e", cart]);
    assert_fails_naming(&optimized, 2, &["cannot be used with"]);
}

/// Random small datasets × random segments and analyses over the whole
/// language (the differential test's generators): each query's portable
/// plan, exported and run back through DataFusion's SQL front end, gives
/// the rows the plan gives.
#[test]
fn random_queries_export_and_run_back_to_the_same_rows() {
    on_a_large_stack(|| {
        use crate::reference::{NOW_MS, arb_analysis_case, arb_case};
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestCaseError, TestRunner};
        let runtime = crate::support::runtime();
        let cases = crate::support::proptest_cases(40);
        let check = |(data, text): (crate::reference::RefDataset, String)| {
            round_trip(&data, &text, NOW_MS, &runtime).map_err(TestCaseError::fail)
        };
        for strategy in [arb_case().boxed(), arb_analysis_case().boxed()] {
            let mut runner = TestRunner::new(Config {
                cases,
                failure_persistence: None,
                ..Config::default()
            });
            if let Err(e) = runner.run(&strategy, check) {
                panic!("{e}");
            }
        }
    });
}

/// Lifecycle and stickiness list their periods with a series that SQL
/// export refuses to write (README, SQL export).
fn has_no_sql_form(query: &segql::planner::Query) -> bool {
    use segql::syntax::result::AnalysisKind;
    matches!(
        query.analysis_kind(),
        AnalysisKind::Lifecycle(_) | AnalysisKind::Stickiness(_)
    )
}

pub fn round_trip(
    data: &crate::reference::RefDataset,
    text: &str,
    now_ms: i64,
    runtime: &tokio::runtime::Runtime,
) -> Result<(), String> {
    let program = segql::parse(text).map_err(|d| format!("parse: {d:?}"))?;
    let engine = crate::support::reference_engine(data)?;
    let options = segql::planner::PlanOptions {
        now_micros: now_ms * 1000,
        base_dir: std::env::temp_dir(),
        engine: SequenceEngine::Portable,
        partitions: engine.partitions(),
        // The dataset's reporting time zone, as the mapping's `time_zone`.
        zone: segql::planner::Catalog::mapping(&engine)
            .reporting_zone(None)
            .map_err(|e| e.to_string())?,
        prune_by_storage: false,
    };
    let plans = segql::engine::plan_program(&program, &segql::Library::new(), &engine, &options)
        .map_err(|d| format!("plan: {d:?}"))?;
    for (query, plan) in plans {
        let sql = runtime.block_on(segql::export::plan_to_sql(
            &engine,
            &plan,
            SqlDialect::Default,
        ));
        if has_no_sql_form(&query) {
            match sql {
                Err(d) if d.message.contains("cannot be written as SQL") => continue,
                other => return Err(format!("{text}\nexported: {other:?}")),
            }
        }
        let sql = sql.map_err(|d| format!("{text}\nexport: {}", d.message))?;
        let want = runtime
            .block_on(engine.execute(plan))
            .map_err(|d| format!("{text}\nrun the plan: {}", d.message))?;
        // Random queries nest deeper than any example; DataFusion's SQL
        // parser stops at 50 levels unless told otherwise.
        let got = runtime
            .block_on(async {
                let context = engine.context_ref();
                context
                    .sql("SET datafusion.sql_parser.recursion_limit = 1000")
                    .await?;
                context.sql(&sql).await?.collect().await
            })
            .map_err(|e| format!("{text}\nrun the SQL: {e}\n{sql}"))?;
        if sorted_rows(&got) != sorted_rows(&want) {
            return Err(format!(
                "{text}\nthe SQL gives other rows than the plan\n{sql}\n{data:#?}"
            ));
        }
    }
    Ok(())
}

/// `NOT p` under the planner's `IS NOT DISTINCT FROM true` once printed as
/// `NOT p IS NOT DISTINCT FROM true`, which SQL reads as `NOT (p IS ...)`:
/// a null `plan` was then a member (a random case found it).
#[test]
fn negated_profile_tests_export_with_their_nulls() {
    use crate::reference::{NOW_MS, RefDataset, RefEvent, RefProfile};
    on_a_large_stack(|| {
        let runtime = crate::support::runtime();
        let data = RefDataset {
            events: vec![RefEvent::new(NOW_MS - 60_000, Some("u1"), "view", "/a").session("s")],
            users: Some(vec![
                RefProfile::new(Some("u1")).plan("pro"),
                RefProfile::new(Some("u2")),
                RefProfile::new(Some("u3")).plan("free"),
            ]),
            ..RefDataset::default()
        };
        for text in [
            r#"users who plan not like "pr_""#,
            r#"users who not plan like "pr_" or viewed "/b""#,
            r#"users who (viewed "/a" with not (device = "x" and qty > 1)) or plan not like "pr_""#,
        ] {
            round_trip(&data, text, NOW_MS, &runtime).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    });
}

/// Derived sessions cut by gaps and identity stitching are standard SQL
/// (window functions, aggregates and joins): random datasets with random
/// gaps and anonymous ids × random segments and analyses export and run
/// back to the rows of the portable plan. A maximum length has no SQL form
/// (`tests/model.rs` checks the error), so these datasets have none.
#[test]
fn derived_sessions_and_stitching_export_and_run_back() {
    on_a_large_stack(|| {
        use crate::reference::{NOW_MS, RefDataset, arb_modelled_analysis_case, arb_modelled_case};
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestCaseError, TestRunner};
        let runtime = crate::support::runtime();
        let check = |(mut data, text): (RefDataset, String)| {
            if let Some(sessions) = &mut data.sessions {
                sessions.max_length_ms = None;
            }
            round_trip(&data, &text, NOW_MS, &runtime).map_err(TestCaseError::fail)
        };
        for strategy in [
            arb_modelled_case().boxed(),
            arb_modelled_analysis_case().boxed(),
        ] {
            let mut runner = TestRunner::new(Config {
                cases: crate::support::proptest_cases(20),
                failure_persistence: None,
                ..Config::default()
            });
            if let Err(e) = runner.run(&strategy, check) {
                panic!("{e}");
            }
        }
    });
}

/// A date column in a reporting time zone compares as local midnight, with
/// literals of that zone: DataFusion's SQL keeps both zones (a literal
/// written as `TIMESTAMP WITH TIME ZONE` once lost it; a random case found
/// it).
#[test]
fn dates_in_a_zone_export_as_local_midnights() {
    use crate::reference::{NOW_MS, RefDataset, RefEvent, RefProfile};
    on_a_large_stack(|| {
        let runtime = crate::support::runtime();
        let data = RefDataset {
            events: vec![RefEvent::new(NOW_MS - 60_000, Some("u1"), "view", "/a")],
            users: Some(vec![
                RefProfile::new(Some("u1")).signup(20_450),
                RefProfile::new(Some("u2")).signup(20_451),
                RefProfile::new(Some("u3")).signup(20_452),
            ]),
            time_zone: Some("Europe/Berlin".into()),
            ..RefDataset::default()
        };
        for text in [
            "users who have signup_date < 2025-12-28T23:30:00Z",
            "users who have signup_date between 2025-12-28T19:00:00-05:00 and 2025-12-30",
            "users who have signup_date in (2025-12-29, 2025-12-29T23:00:00Z)",
        ] {
            round_trip(&data, text, NOW_MS, &runtime).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    });
}

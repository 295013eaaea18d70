//! SQL export: every query of every example, written as SQL from its
//! portable plan and run back through DataFusion's SQL front end on the
//! demo dataset, gives the same rows as `segql run`. Then `segql explain
//! --sql` as a user runs it.

use crate::support::example_files;
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

/// Unparsing and planning recurse once per plan node: the deepest plans
/// need more than a test thread's stack in a debug build.
fn on_a_large_stack(test: impl FnOnce() + Send + 'static) {
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
        let library = segql::Library::new();
        let expected = runtime
            .block_on(segql::execute::run_program(
                &program, &library, &engine, &native,
            ))
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        let plans = segql::execute::plan_program(&program, &library, &engine, &portable)
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        assert_eq!(expected.len(), plans.len());
        for (outcome, (query, plan)) in expected.iter().zip(&plans) {
            queries += 1;
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
                let got = runtime
                    .block_on(async { engine.context_ref().sql(&sql).await?.collect().await });
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
                        let names: Vec<_> = batches
                            .first()
                            .map(|b| {
                                b.schema()
                                    .fields()
                                    .iter()
                                    .map(|f| f.name().clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        let want_names: Vec<_> = outcome
                            .schema
                            .fields()
                            .iter()
                            .map(|f| f.name().clone())
                            .collect();
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

//! The strongest evidence that a lowering is right: random small datasets ×
//! random segments over the whole of LANGUAGE.md §4, run through the parser,
//! the planner and DataFusion, compared with the reference evaluator.

use crate::reference::{NOW_MS, RefDataset, arb_case, evaluate};
use crate::support::proptest_cases;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use segql::executor::Engine;
use segql::planner::{PlanOptions, SchemaMapping};
use std::collections::BTreeSet;

/// The members of every query of `text` on `data`, computed by segql.
pub fn segql_members(
    data: &RefDataset,
    text: &str,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<BTreeSet<String>>, String> {
    let program = segql::parse(text).map_err(|d| format!("parse: {d:?}"))?;
    let (events, users, accounts) = data.to_record_batches();
    let engine = Engine::from_batches(
        vec![events],
        users.map(|u| vec![u]),
        accounts.map(|a| vec![a]),
        SchemaMapping::default(),
        Some(2),
    )
    .map_err(|d| format!("engine: {d}"))?;
    let options = PlanOptions {
        now_micros: NOW_MS * 1000,
        base_dir: std::env::temp_dir(),
    };
    let outcomes = runtime
        .block_on(segql::execute::run_program(
            &program,
            &segql::Library::new(),
            &engine,
            &options,
        ))
        .map_err(|d| format!("run: {d:?}"))?;
    Ok(outcomes.iter().map(keys).collect())
}

fn keys(outcome: &segql::execute::Outcome) -> BTreeSet<String> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::DataType;
    let mut keys = BTreeSet::new();
    for batch in &outcome.batches {
        let column = cast(batch.column(0), &DataType::Utf8).expect("keys cast to text");
        for value in column.as_string::<i32>().iter() {
            keys.insert(value.expect("member keys are not null").to_string());
        }
    }
    keys
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn segments_agree_with_the_reference_evaluator() {
    let rt = runtime();
    let mut runner = TestRunner::new(Config {
        cases: proptest_cases(500),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&arb_case(), |(data, text)| {
        let program = segql::parse(&text).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let expected = evaluate(&program, &data, NOW_MS, &std::env::temp_dir());
        let actual = segql_members(&data, &text, &rt).map_err(TestCaseError::fail)?;
        prop_assert_eq!(
            actual,
            expected,
            "segql and the reference disagree on:\n{}\n{:#?}",
            text,
            data
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

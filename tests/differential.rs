//! The strongest evidence that a lowering is right: random small datasets ×
//! random segments over the whole of LANGUAGE.md §4, run through the parser,
//! the planner and DataFusion, compared with the reference evaluator.

use crate::reference::{NOW_MS, RefDataset, arb_case, evaluate};
use crate::support::proptest_cases;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use segql::planner::{Catalog, PlanOptions, SequenceEngine};

/// Both lowerings: every case is checked on each.
pub const ENGINES: [SequenceEngine; 2] = [SequenceEngine::Portable, SequenceEngine::Native];
use std::collections::BTreeSet;

/// The members of every query of `text` on `data`, computed by segql.
pub fn segql_members(
    data: &RefDataset,
    text: &str,
    engine: SequenceEngine,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<BTreeSet<String>>, String> {
    Ok(members_of(&segql_tables(data, text, engine, runtime)?))
}

/// The member keys of each members table.
pub fn members_of(tables: &[crate::reference::Table]) -> Vec<BTreeSet<String>> {
    tables
        .iter()
        .map(|table| {
            table
                .rows
                .iter()
                .map(|row| match &row[0] {
                    crate::reference::Cell::Text(key) => key.clone(),
                    other => panic!("member keys are text: {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// On `cases` random (dataset, text) pairs of `strategy` (more through
/// `SEGQL_PROPTEST_CASES`), both lowerings give what the reference
/// evaluator gives: `agree(segql's answer, the reference's)`. Panics with
/// the smallest case that disagrees.
pub fn agree_with_the_reference<T>(
    cases: u32,
    strategy: impl Strategy<Value = (RefDataset, String)>,
    reference: impl Fn(&segql::Program, &RefDataset) -> T,
    segql: impl Fn(&RefDataset, &str, SequenceEngine, &tokio::runtime::Runtime) -> Result<T, String>,
    agree: impl Fn(&T, &T) -> Result<(), String>,
) {
    let rt = crate::support::runtime();
    let mut runner = TestRunner::new(Config {
        cases: proptest_cases(cases),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(data, text)| {
        let program = segql::parse(&text).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let expected = reference(&program, &data);
        for engine in ENGINES {
            let actual = segql(&data, &text, engine, &rt).map_err(TestCaseError::fail)?;
            agree(&actual, &expected).map_err(|difference| {
                TestCaseError::fail(format!(
                    "{data:#?}\nsegql ({engine:?}) and the reference disagree on:\n{text}\n{difference}"
                ))
            })?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn segments_agree_with_the_reference_evaluator() {
    segments_agree(500, arb_case());
}

/// Where segql's answers come from: the tables of every query of a text on
/// a dataset, with one lowering, in one process or on a cluster.
pub trait TablesOf:
    Fn(
    &RefDataset,
    &str,
    SequenceEngine,
    &tokio::runtime::Runtime,
) -> Result<Vec<crate::reference::Table>, String>
{
}

impl<F> TablesOf for F where
    F: Fn(
        &RefDataset,
        &str,
        SequenceEngine,
        &tokio::runtime::Runtime,
    ) -> Result<Vec<crate::reference::Table>, String>
{
}

/// On `cases` random (dataset, segment program) pairs of `strategy`, both
/// lowerings find the members the reference evaluator finds.
pub fn segments_agree(cases: u32, strategy: impl Strategy<Value = (RefDataset, String)>) {
    segments_agree_on(cases, strategy, segql_tables);
}

/// [`segments_agree`], with segql's tables from `tables`.
pub fn segments_agree_on(
    cases: u32,
    strategy: impl Strategy<Value = (RefDataset, String)>,
    tables: impl TablesOf,
) {
    agree_with_the_reference(
        cases,
        strategy,
        |program, data| evaluate(program, data, NOW_MS, &std::env::temp_dir()),
        |data, text, engine, runtime| tables(data, text, engine, runtime).map(|t| members_of(&t)),
        |actual, expected| match actual == expected {
            true => Ok(()),
            false => Err(format!("segql: {actual:?}\nreference: {expected:?}")),
        },
    );
}

/// The hand-computed answers of `cases/holding.txt` (LANGUAGE.md §11's
/// `holding`), which the reference evaluator gives too, from both
/// lowerings.
#[test]
fn holding_cases_give_their_members_on_both_engines() {
    let rt = crate::support::runtime();
    let mut failures = Vec::new();
    for (name, data, text, expected) in crate::reference::cases::member_cases("holding") {
        for engine in ENGINES {
            let got: Result<Vec<Vec<String>>, String> = segql_members(&data, &text, engine, &rt)
                .map(|all| all.into_iter().map(|m| m.into_iter().collect()).collect());
            if got.as_ref() != Ok(&expected) {
                failures.push(format!(
                    "{name} ({engine:?}): {text}
  got {got:?}
  expected {expected:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The tables of every query of `text` on `data`, computed by segql, in the
/// reference evaluator's terms (segment queries: the key column alone).
pub fn segql_tables(
    data: &RefDataset,
    text: &str,
    sequence_engine: SequenceEngine,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<crate::reference::Table>, String> {
    let data_engine = crate::support::reference_engine(data)?;
    tables_of(&data_engine, text, sequence_engine, runtime)
}

/// The tables every query of `text` gives on `data_engine`.
pub fn tables_of(
    data_engine: &segql::engine::Engine,
    text: &str,
    sequence_engine: SequenceEngine,
    runtime: &tokio::runtime::Runtime,
) -> Result<Vec<crate::reference::Table>, String> {
    use crate::reference::Table;
    let program = segql::parse(text).map_err(|d| format!("parse: {d:?}"))?;
    let options = PlanOptions {
        now_micros: NOW_MS * 1000,
        base_dir: std::env::temp_dir(),
        engine: sequence_engine,
        partitions: data_engine.partitions(),
        // The dataset's reporting time zone, as the mapping's `time_zone`.
        zone: data_engine
            .mapping()
            .reporting_zone(None)
            .map_err(|e| e.to_string())?,
        prune_by_storage: true,
    };
    let outcomes = crate::support::run_program(runtime, &program, data_engine, &options)
        .map_err(|d| format!("run: {d:?}"))?;
    Ok(outcomes
        .iter()
        .map(|outcome| {
            let members = outcome.kind == segql::syntax::result::AnalysisKind::Members;
            let width = if members {
                1
            } else {
                outcome.schema.fields().len()
            };
            let columns = outcome
                .schema
                .fields()
                .iter()
                .take(width)
                .map(|f| f.name().clone())
                .collect();
            let mut rows = Vec::new();
            for batch in &outcome.batches {
                for row in 0..batch.num_rows() {
                    rows.push(
                        (0..width)
                            .map(|c| cell(batch.column(c), row, members))
                            .collect(),
                    );
                }
            }
            Table { columns, rows }
        })
        .collect())
}

fn cell(
    array: &datafusion::arrow::array::ArrayRef,
    row: usize,
    as_text: bool,
) -> crate::reference::Cell {
    use crate::reference::Cell;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::{
        DataType, Date32Type, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
    };
    if array.is_null(row) {
        return Cell::Null;
    }
    if as_text {
        let text = cast(array, &DataType::Utf8).expect("keys cast to text");
        return Cell::Text(text.as_string::<i32>().value(row).to_string());
    }
    match array.data_type() {
        DataType::Int64 => Cell::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Cell::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => Cell::Bool(array.as_boolean().value(row)),
        DataType::Date32 => Cell::Date(array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Cell::Timestamp(array.as_primitive::<TimestampMicrosecondType>().value(row) / 1000)
        }
        DataType::Timestamp(_, _) => {
            let micros = cast(array, &DataType::Timestamp(TimeUnit::Microsecond, None))
                .expect("timestamps cast");
            Cell::Timestamp(micros.as_primitive::<TimestampMicrosecondType>().value(row) / 1000)
        }
        DataType::Int32
        | DataType::Int16
        | DataType::Int8
        | DataType::UInt32
        | DataType::UInt64 => {
            let wide = cast(array, &DataType::Int64).expect("integers widen");
            Cell::Int(wide.as_primitive::<Int64Type>().value(row))
        }
        _ => {
            let text = cast(array, &DataType::Utf8).expect("values cast to text");
            Cell::Text(text.as_string::<i32>().value(row).to_string())
        }
    }
}

#[test]
fn analyses_agree_with_the_reference_evaluator() {
    analyses_agree(300, crate::reference::arb_analysis_case());
}

/// On `cases` random (dataset, analysis program) pairs of `strategy`, both
/// lowerings give the tables the reference evaluator gives.
pub fn analyses_agree(cases: u32, strategy: impl Strategy<Value = (RefDataset, String)>) {
    analyses_agree_on(cases, strategy, segql_tables);
}

/// [`analyses_agree`], with segql's tables from `tables`.
pub fn analyses_agree_on(
    cases: u32,
    strategy: impl Strategy<Value = (RefDataset, String)>,
    tables: impl TablesOf,
) {
    use crate::reference::{evaluate_all, tables_match};
    agree_with_the_reference(
        cases,
        strategy,
        |program, data| evaluate_all(program, data, NOW_MS, &std::env::temp_dir()),
        tables,
        |actual, expected| {
            if actual.len() != expected.len() {
                return Err(format!("{} tables vs {}", actual.len(), expected.len()));
            }
            actual
                .iter()
                .zip(expected)
                .try_for_each(|(a, e)| tables_match(a, e))
        },
    );
}

/// Funnels `by` an event column `within session` read the value in the
/// session of the chain: a step-1 event at the same time in another session,
/// or in none, starts no chain (a random case once found segql reading it).
#[test]
fn funnel_by_an_event_column_within_session_reads_the_chain_session() {
    use crate::reference::data::{MINUTE_MS, RefEvent};
    use crate::reference::r#gen::BASE_MS;
    use crate::reference::{Cell, evaluate_all, tables_match};
    let view = |minute: i64, user: &str, name: &str, session: Option<&str>, device: &str| {
        let event =
            RefEvent::new(BASE_MS + minute * MINUTE_MS, Some(user), "view", name).device(device);
        match session {
            Some(s) => event.session(s),
            None => event,
        }
    };
    let data = RefDataset {
        events: vec![
            // u1: the same-time /a without a session starts no chain.
            view(1, "u1", "/a", None, "desktop"),
            view(1, "u1", "/a", Some("s1"), "mobile"),
            view(2, "u1", "/b", Some("s1"), "mobile"),
            // u2: only session s2 reaches /b.
            view(1, "u2", "/a", Some("s1"), "desktop"),
            view(1, "u2", "/a", Some("s2"), "mobile"),
            view(2, "u2", "/b", Some("s2"), "mobile"),
            // u3: two sessions reach /b from the same time: the smallest.
            view(1, "u3", "/a", Some("s1"), "tablet"),
            view(2, "u3", "/b", Some("s1"), "tablet"),
            view(1, "u3", "/a", Some("s2"), "desktop"),
            view(3, "u3", "/b", Some("s2"), "desktop"),
        ],
        ..RefDataset::default()
    };
    let text = r#"funnel viewed "/a" then viewed "/b" within session by device"#;
    let program = segql::parse(text).expect("the query parses");
    let expected = evaluate_all(&program, &data, NOW_MS, &std::env::temp_dir());
    let groups: Vec<(String, i64)> = expected[0]
        .rows
        .iter()
        .filter(|row| row[1] == Cell::Int(2))
        .map(|row| match (&row[0], &row[3]) {
            (Cell::Text(group), Cell::Int(users)) => (group.clone(), *users),
            other => panic!("unexpected row {other:?}"),
        })
        .collect();
    assert_eq!(
        groups,
        [("desktop".to_string(), 1), ("mobile".to_string(), 2)],
        "the reference's reading of §5"
    );
    let rt = crate::support::runtime();
    for engine in ENGINES {
        let actual = segql_tables(&data, text, engine, &rt).expect("segql runs");
        if let Err(difference) = tables_match(&actual[0], &expected[0]) {
            panic!("{engine:?}: {difference}");
        }
    }
}

/// The hand-computed answers of `reference/cases/{file}.txt`, from both
/// engines (the reference is held to them by the case files' own tests).
pub fn engines_give_the_hand_computed_answers(file: &str) {
    use crate::reference::cases::answers;
    use crate::reference::tables_match;
    let runtime = crate::support::runtime();
    let mut failures = Vec::new();
    for (case, data, source, expected) in answers(file) {
        for engine in ENGINES {
            let problem = match &expected {
                Ok(members) => match segql_members(&data, &source, engine, &runtime) {
                    Ok(got) => {
                        let got: Vec<Vec<String>> =
                            got.into_iter().map(|m| m.into_iter().collect()).collect();
                        (&got != members).then(|| format!("got {got:?}, expected {members:?}"))
                    }
                    Err(e) => Some(e),
                },
                Err(table) => match segql_tables(&data, &source, engine, &runtime) {
                    Ok(got) => match got.as_slice() {
                        [got] => tables_match(got, table).err(),
                        _ => Some(format!("{} results", got.len())),
                    },
                    Err(e) => Some(e),
                },
            };
            if let Some(problem) = problem {
                failures.push(format!("{case} ({engine:?}): {source}\n{problem}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Funnel order modes, time to convert, trends and holding (LANGUAGE.md
/// §12): the hand-computed answers of `funnel_modes.txt` from both
/// engines.
#[test]
fn both_engines_give_the_hand_computed_funnels() {
    engines_give_the_hand_computed_answers("funnel_modes");
}

//! End to end: the members of every segment query of `examples/*.seg` on the
//! built-in demo dataset, snapshot. Analyses are left to their own tests.

use crate::support::example_files;
use segql::syntax::StatementKind;

#[test]
fn members_of_every_example_on_the_demo_dataset() {
    let runtime = crate::support::runtime();
    let (engine, options) = crate::support::demo_engine();
    for path in example_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut program = segql::parse(&text).expect("examples parse");
        program
            .statements
            .retain(|s| matches!(s.kind, StatementKind::Define(_) | StatementKind::Segment(_)));
        if !program
            .statements
            .iter()
            .any(|s| matches!(s.kind, StatementKind::Segment(_)))
        {
            continue;
        }
        let outcomes = runtime
            .block_on(segql::execute::run_program(
                &program,
                &segql::Library::new(),
                &engine,
                &options,
            ))
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        let mut report = String::new();
        for outcome in &outcomes {
            let statement = text[outcome.span.start..outcome.span.end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let keys = keys(outcome);
            let noun = if keys.len() == 1 { "member" } else { "members" };
            report.push_str(&format!("{statement}\n{} {noun}\n", keys.len()));
            for chunk in keys.chunks(12) {
                report.push_str(&format!("  {}\n", chunk.join(" ")));
            }
            report.push('\n');
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("members_{name}"), report);
    }
}

fn keys(outcome: &segql::execute::Outcome) -> Vec<String> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::DataType;
    let mut keys = Vec::new();
    for batch in &outcome.batches {
        let column = cast(batch.column(0), &DataType::Utf8).expect("keys cast to text");
        keys.extend(
            column
                .as_string::<i32>()
                .iter()
                .map(|v| v.unwrap_or("null").to_string()),
        );
    }
    keys
}

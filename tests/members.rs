//! End to end: the members of every segment query of `examples/*.seg` on the
//! built-in demo dataset, snapshot. Analyses are left to their own tests.

use crate::support::example_outcomes;
use segql::syntax::StatementKind;

#[test]
fn members_of_every_example_on_the_demo_dataset() {
    let examples = example_outcomes(|kind| {
        matches!(kind, StatementKind::Define(_) | StatementKind::Segment(_))
    });
    for (name, results) in examples {
        let mut report = String::new();
        for (statement, outcome) in &results {
            let keys = keys(outcome);
            let noun = if keys.len() == 1 { "member" } else { "members" };
            report.push_str(&format!("{statement}\n{} {noun}\n", keys.len()));
            for chunk in keys.chunks(12) {
                report.push_str(&format!("  {}\n", chunk.join(" ")));
            }
            report.push('\n');
        }
        insta::assert_snapshot!(format!("members_{name}"), report);
    }
}

fn keys(outcome: &segql::engine::Outcome) -> Vec<String> {
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

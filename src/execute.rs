//! Running a checked program: resolve against the engine's schemas, plan,
//! execute each query in order.

use crate::{Diagnostic, Library, Program, Span, codes};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::LogicalPlan;
use segql_executor::Engine;
use segql_planner::{PlanOptions, Query, QueryKind};

/// The result of one query statement.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The statement it answers.
    pub span: Span,
    pub kind: OutcomeKind,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Things worth knowing that did not stop the query (CSV values that
    /// match nobody).
    pub warnings: Vec<Diagnostic>,
    /// Where the time went (the query itself, not its CSV checks).
    pub timings: segql_executor::Timings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// The members of a segment, one row each, sorted by key.
    Members,
    Funnel,
    Retention,
    Paths,
    Explore,
}

impl Outcome {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// What the plan of a segment query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRows {
    /// One row per member: the key and the profile columns, sorted by key
    /// (LANGUAGE.md §6).
    Full,
    /// The member keys alone, unsorted: what counting them needs.
    KeysOnly,
}

/// Resolves every query of `program` against `engine` (schemas only: no
/// data is read) and plans it.
pub fn plan_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    plan_program_as(program, library, engine, options, MemberRows::Full)
}

/// [`plan_program`], with segment queries planned as `members` says.
pub fn plan_program_as(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
    members: MemberRows,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    let queries = segql_planner::resolve(program, library, engine, options)?;
    let lower = segql_planner::LowerOptions {
        engine: options.engine,
        partitions: engine.partitions(),
    };
    let mut plans = Vec::new();
    let mut diagnostics = Vec::new();
    for query in queries {
        let planned = match (&query.kind, members) {
            (QueryKind::Members(segment), MemberRows::KeysOnly) => {
                segql_planner::plan_actor_set(segment, engine, &lower)
            }
            _ => segql_planner::plan(&query, engine, &lower),
        };
        match planned {
            Ok(plan) => plans.push((query, plan)),
            Err(d) => diagnostics.push(d.with_span(query.span)),
        }
    }
    if diagnostics.is_empty() {
        Ok(plans)
    } else {
        Err(diagnostics)
    }
}

/// Executes one planned query.
pub async fn execute(
    engine: &Engine,
    query: &Query,
    plan: LogicalPlan,
) -> Result<Outcome, Diagnostic> {
    let schema = SchemaRef::new(plan.schema().as_arrow().clone());
    let (batches, timings) = engine.execute_timed(plan).await?;
    let mut warnings = Vec::new();
    let kind = match &query.kind {
        QueryKind::Members(segment) => {
            for (origin, span, check) in segql_planner::plan_csv_checks(segment, engine)? {
                let unmatched = first_count(&engine.execute(check).await?);
                if unmatched > 0 {
                    let (noun, verb) = if unmatched == 1 {
                        ("value", "matches")
                    } else {
                        ("values", "match")
                    };
                    let actor = segment.audience.keyword().trim_end_matches('s');
                    warnings.push(
                        Diagnostic::warning(
                            codes::CSV_UNMATCHED,
                            format!(
                                "{unmatched} {noun} of the CSV list `{}` {verb} no {actor}",
                                segql_parser::quoted(&origin)
                            ),
                        )
                        .with_span(span)
                        .with_label("this list")
                        .with_note("values that match nothing are ignored"),
                    );
                }
            }
            OutcomeKind::Members
        }
        QueryKind::Funnel(_) => OutcomeKind::Funnel,
        QueryKind::Retention(_) => OutcomeKind::Retention,
        QueryKind::Paths(_) => OutcomeKind::Paths,
        QueryKind::Explore(_) => OutcomeKind::Explore,
    };
    Ok(Outcome {
        span: query.span,
        kind,
        schema,
        batches,
        warnings,
        timings,
    })
}

/// Plans and executes every query of `program`, in order.
pub async fn run_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let plans = plan_program(program, library, engine, options)?;
    let mut outcomes = Vec::new();
    for (query, plan) in plans {
        outcomes.push(execute(engine, &query, plan).await.map_err(|d| vec![d])?);
    }
    Ok(outcomes)
}

/// The value of the first row and column of a count.
fn first_count(batches: &[RecordBatch]) -> i64 {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            let column = b.column(0).as_primitive_opt::<Int64Type>()?;
            (!column.is_null(0)).then(|| column.value(0))
        })
        .unwrap_or(0)
}

//! Running a checked program: resolve against the engine's schemas, plan,
//! execute each query in order.

use crate::{Diagnostic, Library, Program, Span};
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// The members of a segment, one row each, sorted by key.
    Members,
}

impl Outcome {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Resolves every query of `program` against `engine` (schemas only: no
/// data is read) and plans it.
pub fn plan_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    let queries = segql_planner::resolve(program, library, engine, options)?;
    let mut plans = Vec::new();
    let mut diagnostics = Vec::new();
    for query in queries {
        match segql_planner::plan(&query, engine) {
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
pub async fn execute(engine: &Engine, query: &Query, plan: LogicalPlan) -> Result<Outcome, Diagnostic> {
    let schema = SchemaRef::new(plan.schema().as_arrow().clone());
    let batches = engine.execute(plan).await?;
    let kind = match query.kind {
        QueryKind::Members(_) => OutcomeKind::Members,
    };
    Ok(Outcome {
        span: query.span,
        kind,
        schema,
        batches,
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

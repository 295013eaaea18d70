//! SQL export: a query's portable plan written as SQL through DataFusion's
//! unparser, runnable against the tables `events`, `users` and `accounts`.
//!
//! The plan must come from the portable lowering
//! ([`segql_planner::SequenceEngine::Portable`]): the native engine's
//! aggregates have no SQL form, nor have derived sessions with a maximum
//! length or the series of periods of lifecycle and stickiness (an error
//! says so). A CSV list (`in csv "file"`) is not a table
//! of the database the SQL runs against, so its values are read and written
//! into the SQL as a relation of literals: the text is self-contained.
//!
//! A reporting time zone is written out for each dialect (`zone`): SQL
//! types name no zone.
//!
//! The unparser writes some plan shapes wrongly or not at all; the rewrites
//! here give it equivalent shapes it writes correctly, and the round-trip
//! tests (`tests/export.rs`) hold them to the rows `segql run` gives.

mod aggregate_order;
mod csv_lists;
mod dialect;
mod functions;
mod median;
mod series;
mod sessions;
mod shapes;
mod zone;

pub use dialect::SqlDialect;

use crate::{Diagnostic, codes};
use aggregate_order::{ordered_aggregates, restore_aggregate_order};
use csv_lists::{inline_lists, values_as_selects};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::sql::unparser::Unparser;
use functions::engine_functions;
use segql_engine::Engine;
use shapes::{name_join_inputs, with_output_columns};

/// The SQL of one portable plan in `dialect`, pretty-printed, without the
/// final `;`. CSV lists the plan reads are inlined (see the module
/// documentation), which reads them through `engine`.
pub async fn plan_to_sql(
    engine: &Engine,
    plan: &LogicalPlan,
    dialect: SqlDialect,
) -> Result<String, Diagnostic> {
    sessions::refuse_session_numbers(plan)?;
    series::refuse_period_series(plan)?;
    let plan = inline_lists(engine, plan.clone()).await?;
    // The rewrites and the unparser recurse once per plan node and
    // expression level: the deepest plans need more than a main thread's
    // stack.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("segql-export".into())
            .stack_size(UNPARSE_STACK)
            .spawn_scoped(scope, || unparse(plan, dialect))
            .map_err(|e| {
                Diagnostic::error(codes::INTERNAL, format!("cannot start writing SQL: {e}"))
            })?
            .join()
            .map_err(|_| {
                Diagnostic::error(codes::INTERNAL, "writing this query as SQL failed")
                    .with_help("please report the query")
            })?
    })
}

const UNPARSE_STACK: usize = 256 << 20;

fn unparse(plan: LogicalPlan, dialect: SqlDialect) -> Result<String, Diagnostic> {
    let plan = engine_functions(plan, dialect)
        .map_err(|e| zone::not_in_dialect(&e).unwrap_or_else(|| internal(e)))?;
    let plan = values_as_selects(plan).map_err(internal)?;
    let plan = name_join_inputs(plan).map_err(internal)?;
    let plan = with_output_columns(plan).map_err(internal)?;
    let sql_dialect = dialect;
    let dialect = dialect.unparser_dialect();
    // Not the unparser's pretty mode: it drops parentheses by DataFusion's
    // precedence, which other engines do not share. The layout comes from
    // the SQL syntax tree's alternate display instead.
    let unparser = Unparser::new(dialect.as_ref());
    let ordered = ordered_aggregates(&unparser, &plan).map_err(internal)?;
    let mut statement = unparser.plan_to_sql(&plan).map_err(|e| {
        Diagnostic::error(
            codes::INTERNAL,
            format!("cannot write this query as SQL: {e}"),
        )
        .with_help("`segql explain` without --sql shows the plan; please report the query")
    })?;
    restore_aggregate_order(&mut statement, &ordered);
    if sql_dialect == SqlDialect::Postgres {
        median::median_as_percentile(&mut statement);
    }
    Ok(format!("{statement:#}"))
}

fn internal(e: datafusion::error::DataFusionError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("cannot write this query as SQL: {e}"),
    )
}

/// Whether `plan` calls the scalar function `name` anywhere.
fn calls(plan: &LogicalPlan, name: &str) -> Result<bool, Diagnostic> {
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                if let Expr::ScalarFunction(call) = e
                    && call.func.name() == name
                {
                    found = true;
                    return Ok(TreeNodeRecursion::Stop);
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    })
    .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot read the plan: {e}")))?;
    Ok(found)
}

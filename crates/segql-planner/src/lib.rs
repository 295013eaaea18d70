//! segql's planner: syntax tree → resolved, typed IR → DataFusion
//! `LogicalPlan`.
//!
//! ```text
//! Program ──resolve(catalog)──▶ Vec<Query> (IR) ──plan──▶ LogicalPlan
//! ```
//!
//! The planner depends on `datafusion-expr` and `datafusion-common` only, not
//! on the execution engine: schemas come from a [`Catalog`], so another
//! engine can plan segments against its own tables.

mod catalog;
pub mod check;
mod ir;
mod lower;
pub mod names;
pub mod native;
pub mod native_paths;
mod resolve;

pub use catalog::{
    Catalog, CsvReader, NameColumn, SchemaMapping, TableCatalog, TableEntry, TableNames, TableRole,
};
pub use check::{Library, LibraryDef, Validator, validate, validate_replacing};
pub use ir::*;
pub use lower::{
    LowerOptions, SequenceEngine, plan_actor_set, plan_csv_checks, plan_last_event_time, plan_query,
};
pub use resolve::{PlanOptions, RelativeRange, StatementResolver, resolve};

use datafusion_expr::LogicalPlan;
use segql_syntax::Diagnostic;

/// The logical plan of one resolved query.
pub fn plan(
    query: &Query,
    catalog: &dyn Catalog,
    options: &LowerOptions,
) -> Result<LogicalPlan, Diagnostic> {
    plan_query(query, catalog, options)
}

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
mod ir;
mod lower;
pub mod names;
mod resolve;

pub use catalog::{Catalog, NameColumn, SchemaMapping, TableEntry, TableRole};
pub use ir::*;
pub use lower::{
    plan_actor_set, plan_csv_checks, plan_explore, plan_funnel, plan_members, plan_paths,
    plan_retention,
};
pub use resolve::{PlanOptions, resolve};

use datafusion_expr::LogicalPlan;
use segql_parser::Diagnostic;

/// The logical plan of one resolved query.
pub fn plan(query: &Query, catalog: &dyn Catalog) -> Result<LogicalPlan, Diagnostic> {
    match &query.kind {
        QueryKind::Members(segment) => plan_members(segment, catalog),
        QueryKind::Funnel(funnel) => plan_funnel(funnel, catalog),
        QueryKind::Retention(retention) => plan_retention(retention, catalog),
        QueryKind::Paths(paths) => plan_paths(paths, catalog),
        QueryKind::Explore(explore) => plan_explore(explore, catalog),
    }
}

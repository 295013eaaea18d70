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
mod options;
mod resolve;
pub mod udaf;

pub use catalog::{
    Catalog, CsvReader, NameColumn, SchemaMapping, TableCatalog, TableEntry, TableNames, TableRole,
};
pub use check::{Library, LibraryDef, Validator, validate, validate_replacing};
pub use ir::*;
pub use lower::{plan, plan_actor_set, plan_csv_checks, plan_last_event_time};
pub use options::{PlanOptions, SequenceEngine};
pub use resolve::{RelativeRange, StatementResolver, resolve};

//! segql's planner: every check that needs no data, then syntax tree →
//! resolved, typed IR → DataFusion `LogicalPlan`:
//!
//! ```text
//! text ──parse──▶ Program ──check──▶ diagnostics             segql-syntax, segql-planner::check
//! Program + Catalog ──resolve──▶ Query ──lower──▶ LogicalPlan + AnalysisKind     segql-planner
//! LogicalPlan ──execute──▶ Outcome                                             segql-engine
//! Outcome ──present──▶ table, file, picture, chart                            segql-present
//! ```
//!
//! Modules: `check/` (language rules), `resolve/` (binding columns, typing
//! literals, ranges to instants), `lower/` (IR to plans, one file per
//! construct), `udaf/` (the native operators), `options` (the one
//! `PlanOptions`), `zone` (the reporting time zone), `catalog`, `ir`.
//!
//! The planner depends on `datafusion-expr` and `datafusion-common` only, not
//! on the execution engine: schemas come from a [`Catalog`], so another
//! engine can plan segments against its own tables.

mod catalog;
pub mod check;
mod ir;
mod lower;
mod model;
pub mod names;
mod options;
mod resolve;
pub mod udaf;
mod zone;

pub use catalog::{
    Catalog, CsvReader, NameColumn, SchemaMapping, TableCatalog, TableEntry, TableNames, TableRole,
};
pub use check::{Library, LibraryDef, Validator, validate, validate_replacing};
pub use ir::*;
pub use lower::{plan, plan_actor_set, plan_csv_checks, plan_last_event_time};
pub use model::{DerivedSessions, session_duration};
pub use options::{PlanOptions, SequenceEngine};
pub use resolve::{RelativeRange, StatementResolver, resolve};
pub use zone::{ReportingZone, UnknownZone};

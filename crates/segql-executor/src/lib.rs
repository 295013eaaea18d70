//! segql's executor: data sources (Parquet, CSV, NDJSON; a file, a glob or a
//! folder), the schema mapping, the built-in demo dataset, and running
//! plans on Apache DataFusion.
//!
//! ```text
//! DataSpec ──Engine::open──▶ Engine (Catalog) ──execute(LogicalPlan)──▶ Vec<RecordBatch>
//! ```

pub mod chart;
pub mod demo;
mod engine;
pub mod mapping;
pub mod output;
pub mod present;
mod sources;

pub use engine::{DataSpec, Engine, Resources, Timings};
pub use sources::{Format, csv_list_table};

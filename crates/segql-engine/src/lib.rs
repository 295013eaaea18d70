//! segql's engine: data sources (Parquet, CSV, NDJSON; a file, a glob or a
//! folder), the schema mapping, and running plans on Apache DataFusion.
//!
//! ```text
//! DataSpec ──Engine::open──▶ Engine (Catalog) ──execute(LogicalPlan)──▶ Vec<RecordBatch>
//! ```

mod engine;
pub mod mapping;
mod sources;

pub use engine::{DataSpec, Engine, Resources, Timings};
pub use sources::{Format, csv_list_table};

//! segql's engine: data sources (Parquet, CSV, NDJSON; a file, a glob or a
//! folder, local or in an S3 bucket), the schema mapping, and running texts on Apache DataFusion,
//! one statement at a time:
//!
//! ```text
//! text ──parse──▶ Program ──check──▶ diagnostics             segql-syntax, segql-planner::check
//! Program + Catalog ──resolve──▶ Query ──lower──▶ LogicalPlan + AnalysisKind     segql-planner
//! LogicalPlan ──execute──▶ Outcome                                             segql-engine
//! Outcome ──present──▶ table, file, picture, chart                            segql-present
//! ```
//!
//! ```text
//! DataSpec ──Engine::open──▶ Engine (Catalog)
//! text ──CheckedText::check──▶ Runner (resolve, plan each query) ──execute──▶ Outcome
//! ```
//!
//! - `engine`: the DataFusion session, its tables, and running plans.
//! - `text`: a text checked as a whole but held one statement at a time.
//! - `runner`: planning the queries of a checked text one after another.
//! - `outcome`: what running one query gives, and how it is shown.
//! - `now`: `now`, decided once where a text enters segql.
//! - `inspect`: row counts and event names, asked of the data itself.
//! - `sources` and `stores`: data files, local or in an object store.
//! - `cluster` (feature `cluster`): Ballista's scheduler and executor with
//!   segql's functions, and sessions whose plans run on them.

mod actor_ranges;
#[cfg(feature = "cluster")]
pub mod cluster;
mod engine;
mod inspect;
pub mod mapping;
mod now;
mod outcome;
pub mod parquet_scan;
pub mod prepare;
mod pushdown;
mod runner;
mod single_phase;
mod sources;
mod stores;
mod text;

pub use engine::{DataSpec, Engine, FilterPushdown, Resources, Timings};
pub use inspect::EventName;
pub use now::{Now, NowFrom, ranges_after_the_data};
pub use outcome::{Outcome, Shown, execute};
pub use runner::{MemberRows, Runner, Statements, plan_program, run_program};
pub use single_phase::SinglePhaseEventAggregates;
pub use sources::{Format, csv_list_table};
pub use text::CheckedText;

//! segql's results for people, the last stage:
//!
//! ```text
//! text ──parse──▶ Program ──check──▶ diagnostics             segql-syntax, segql-planner::check
//! Program + Catalog ──resolve──▶ Query ──lower──▶ LogicalPlan + AnalysisKind     segql-planner
//! LogicalPlan ──execute──▶ Outcome                                             segql-engine
//! Outcome ──present──▶ table, file, picture, chart                            segql-present
//! ```
//!
//! ```text
//! RecordBatch ──output──▶ table, CSV, JSON, NDJSON, Parquet
//!             ──present─▶ terminal pictures (funnel bars, retention triangle, path bars)
//!             ──chart───▶ SVG
//! ```
//!
//! The picture and the chart of a result are chosen by its
//! [`AnalysisKind`], which the planner decides and hands on with the plan
//! (`segql_syntax::result`): nothing here guesses a kind from column names.
//! Modules: `output`, `present` (with the readers of results that charts
//! share), `chart`.

pub mod chart;
pub mod output;
pub mod present;

#[cfg(test)]
mod fixtures;

pub use segql_syntax::result::AnalysisKind;

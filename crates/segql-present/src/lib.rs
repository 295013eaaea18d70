//! segql's results for people: what the engine's record batches look like
//! on a terminal, in a file and in a chart.
//!
//! ```text
//! RecordBatch ──output──▶ table, CSV, JSON, NDJSON, Parquet
//!             ──present─▶ terminal pictures (funnel bars, retention triangle, path bars)
//!             ──chart───▶ SVG
//! ```
//!
//! Modules: `kind` (the analysis a result comes from, which chooses its
//! picture and chart), `output`, `present` (with the readers of results
//! that charts share), `chart`.

pub mod chart;
mod kind;
pub mod output;
pub mod present;

#[cfg(test)]
mod fixtures;

pub use kind::AnalysisKind;

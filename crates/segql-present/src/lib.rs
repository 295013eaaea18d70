//! segql's results for people: what the engine's record batches look like
//! on a terminal, in a file and in a chart.
//!
//! ```text
//! RecordBatch ──output──▶ table, CSV, JSON, NDJSON, Parquet
//!             ──present─▶ terminal pictures (funnel bars, retention triangle, path bars)
//!             ──chart───▶ SVG
//! ```

pub mod chart;
pub mod output;
pub mod present;

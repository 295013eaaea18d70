//! Pictures of analysis results for a terminal, where people look rather
//! than read: funnel bars, funnel trend lines, a retention triangle, explore sparklines,
//! ranked path bars, lifecycle bars around an axis and stickiness bars.
//!
//! Each function is pure: record batches and their schema in, text out.
//! The text ends with a newline (print it with `print!`); an empty result
//! gives `no rows`. Nulls print as `null` (a null retention rate, a period
//! after the end of the data, is a blank cell), labels too long for their
//! column end with `…` (a path is cut inside its names and keeps every
//! step), and a zero anywhere (a step with no users, a result whose
//! largest value is 0) gives an empty bar rather than a division by zero.
//! Widths are counted in characters (`chars()`), which is right for the
//! labels segql produces (URL paths, event names) and for the block
//! characters used here.
//!
//! [`picture`] chooses the picture by the analysis kind; each kind's
//! picture is in its own module. The readers of results (`read`) and
//! the formatting of numbers and labels (`text`) are shared with
//! [`crate::chart`], so the terminal and the SVG pictures of one result
//! agree.

mod explore;
mod funnel;
mod funnel_trend;
mod lifecycle;
mod paths;
pub(crate) mod read;
mod retention;
mod stickiness;
pub(crate) mod text;

#[cfg(test)]
mod tests;

pub use explore::{MAX_SPARK, explore_sparklines};
pub use funnel::funnel_bars;
pub use funnel_trend::funnel_trend_lines;
pub use lifecycle::lifecycle_bars;
pub use paths::paths_bars;
pub use retention::{blank_unobserved, retention_triangle};
pub use stickiness::stickiness_bars;
pub use text::utc_date;

use crate::AnalysisKind;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// How a null value is shown.
pub(crate) const NULL: &str = "null";

/// What an empty result shows.
const NO_ROWS: &str = "no rows\n";

/// A result as read for its picture, or the text shown instead: why it
/// cannot be drawn (`what` names the picture), or that it has no rows.
fn drawable<T>(
    read: Result<T, String>,
    what: &str,
    empty: impl FnOnce(&T) -> bool,
) -> Result<T, String> {
    match read {
        Err(e) => Err(format!("cannot draw the {what}: {e}\n")),
        Ok(t) if empty(&t) => Err(NO_ROWS.to_string()),
        Ok(t) => Ok(t),
    }
}

/// The widest a label column gets in a picture's text.
const MAX_KEY: usize = 30;

/// The picture of a result of analysis `kind`: lines of `width`
/// characters where the picture has bars, cells shaded with ANSI colours
/// with `color`. None when the result has no picture (an explore without
/// `time`, a segment's members).
pub fn picture(
    kind: AnalysisKind,
    batches: &[RecordBatch],
    schema: &SchemaRef,
    width: usize,
    color: bool,
) -> Option<String> {
    match kind {
        AnalysisKind::Funnel => Some(funnel_bars(batches, schema, width)),
        AnalysisKind::FunnelTrend(_) => Some(funnel_trend_lines(batches, schema, width)),
        AnalysisKind::Retention(_) => Some(retention_triangle(batches, schema, color)),
        AnalysisKind::Paths => Some(paths_bars(batches, schema, width)),
        AnalysisKind::Explore => explore_sparklines(batches, schema),
        AnalysisKind::Lifecycle(_) => Some(lifecycle_bars(batches, schema, width)),
        AnalysisKind::Stickiness(_) => Some(stickiness_bars(batches, schema, width)),
        AnalysisKind::Members => None,
    }
}

//! A funnel with `every` on a terminal: per segment and `by` group, a line
//! per period of entry with a bar of the conversion through the last step,
//! the conversion and the actors who entered.

use super::drawable;
use super::read::read_funnel_trend;
use super::text::{bar, count_text, percent, truncate, widest};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// A funnel trend as lines of `width` characters: a heading naming the
/// last step, then per group (under a header line when there are segments
/// or `by` groups) one line per period: `2026-01-05  ████▌  42.1%  of 120`.
/// The bar is the conversion on a scale of 100%.
pub fn funnel_trend_lines(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let trend = match drawable(read_funnel_trend(batches, schema), "funnel trend", |t| {
        t.series.iter().all(|s| s.points.is_empty())
    }) {
        Ok(trend) => trend,
        Err(text) => return text,
    };
    let headers = trend.series.iter().any(|s| s.header.is_some());
    let indent = if headers { 2 } else { 0 };
    let points = || trend.series.iter().flat_map(|s| &s.points);
    let period_width = widest("", points().map(|p| &p.period));
    let conversion_width = widest("", points().map(|p| percent(p.conversion)));
    let entered_width = widest("", points().map(|p| count_text(p.entered)));
    let rest = indent + period_width + 2 + 2 + conversion_width + 5 + entered_width;
    let bar_width = width.saturating_sub(rest).clamp(10, 40);
    let mut out = format!(
        "conversion to {} by period of entry\n",
        truncate(&trend.last_step, width.saturating_sub(33).max(12))
    );
    for series in &trend.series {
        if let Some(header) = &series.header {
            out.push_str(header);
            out.push('\n');
        }
        for point in &series.points {
            // Tenths of a percent, so the bar has the conversion's precision.
            let permille = point.conversion.map(|c| (c * 1000.0).round() as i64);
            out.push_str(&format!(
                "{:indent$}{:<period_width$}  {:<bar_width$}  {:>conversion_width$}  of {:>entered_width$}\n",
                "",
                point.period,
                bar(permille, 1000, bar_width),
                percent(point.conversion),
                count_text(point.entered),
            ));
        }
    }
    out
}

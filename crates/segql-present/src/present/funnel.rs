//! The funnel on a terminal: bars of users per step, one block per
//! segment and `by` group, with each step's median time to convert.

use super::drawable;
use super::read::read_funnel;
use super::text::{bar, count_text, duration_text, percent, truncate, widest};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// A funnel as horizontal bars, one line per step: the step's label, a bar
/// of its users relative to step 1 of its block, the users and the
/// conversion (`72.4%`), and from step 2 the median time to convert
/// (`median 3m 12s`). Each segment (`compare`) and `by` group is a block
/// under a header line (`premium · device = mobile`), blocks separated by
/// a blank line. `width` is the width of a line in characters: the label
/// column gets up to 2/5 of it and the bar the rest, but never fewer than
/// 10 characters, so a line may be wider than a very small `width`.
pub fn funnel_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let funnel = match drawable(read_funnel(batches, schema), "funnel", |f| {
        f.blocks.is_empty()
    }) {
        Ok(funnel) => funnel,
        Err(text) => return text,
    };
    let headers = funnel.blocks.iter().any(|b| funnel.header(b).is_some());
    let indent = if headers { 2 } else { 0 };
    let steps = || funnel.blocks.iter().flat_map(|b| &b.steps);
    let longest_label = widest("", steps().map(|s| &s.label));
    let users_width = widest("", steps().map(|s| count_text(s.users)));
    let conversion_width = widest("", steps().map(|s| percent(s.conversion)));
    let time = |s: &super::read::FunnelStep| match duration_text(s.median_seconds) {
        t if t.is_empty() => t,
        t => format!("  median {t}"),
    };
    let time_width = widest("", steps().map(time));
    let rest = indent + 2 + 2 + users_width + 2 + conversion_width + time_width;
    let (label_width, bar_width) = layout(width, longest_label, rest);
    let mut out = String::new();
    for (i, block) in funnel.blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(header) = funnel.header(block) {
            out.push_str(&header);
            out.push('\n');
        }
        let first = block.steps.first().and_then(|s| s.users).unwrap_or(0);
        for step in &block.steps {
            let line = format!(
                "{:indent$}{:<label_width$}  {:<bar_width$}  {:>users_width$}  {:>conversion_width$}{}",
                "",
                truncate(&step.label, label_width),
                bar(step.users, first, bar_width),
                count_text(step.users),
                percent(step.conversion),
                time(step),
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The widths of a label column and a bar for a line of `width` characters
/// that also holds `rest` characters: the label gets up to 2/5 of the line
/// (at least 12, never more than its longest text), the bar what is left
/// (at least 10).
fn layout(width: usize, longest_label: usize, rest: usize) -> (usize, usize) {
    let label = longest_label.min((width * 2 / 5).max(12));
    let bar = width.saturating_sub(label + rest).max(10);
    (label, bar)
}

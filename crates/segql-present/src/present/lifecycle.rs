//! Lifecycle on a terminal: one line per period, a bar around an axis —
//! new, returning and resurrecting users stacked right of it, dormant
//! users left of it, below zero (LANGUAGE.md §12) — and the four counts.

use super::drawable;
use super::read::{LifecyclePeriod, read_lifecycle};
use super::text::{count_text, widest};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use segql_syntax::result::LIFECYCLE_STATUSES;

/// The cells of each status, in the order of the statuses.
const CELLS: [char; 4] = ['█', '▓', '▒', '░'];
/// The axis between dormant users and the others.
const AXIS: char = '│';

/// The length in cells of each status's part of a bar, on a scale of
/// `scale` cells per user; a status with users gets at least one cell.
fn parts(users: &[i64; 4], scale: f64) -> [usize; 4] {
    users.map(|n| {
        if n <= 0 {
            0
        } else {
            ((n as f64 * scale).round() as usize).max(1)
        }
    })
}

/// A lifecycle result as bars around an axis: a key, a header, then one
/// line per period with its bar and the users of each status. Dormant
/// users are drawn left of the axis, the others right of it, on one
/// scale. `width` is the width of a line in characters (the bar never gets
/// fewer than 12).
pub fn lifecycle_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let periods = match drawable(read_lifecycle(batches, schema), "lifecycle", |p| {
        p.is_empty()
    }) {
        Ok(periods) => periods,
        Err(text) => return text,
    };
    let counts: Vec<[String; 4]> = periods
        .iter()
        .map(|p| p.users.map(|n| count_text(Some(n))))
        .collect();
    let count_widths: Vec<usize> = (0..4)
        .map(|s| widest(LIFECYCLE_STATUSES[s], counts.iter().map(|c| &c[s])))
        .collect();
    let period_width = widest("period", periods.iter().map(|p| &p.period));
    let numbers_width: usize = count_widths.iter().map(|w| w + 2).sum();
    let bar_width = width
        .saturating_sub(period_width + 2 + 1 + numbers_width)
        .max(12);
    let active = |p: &LifecyclePeriod| p.users[..3].iter().sum::<i64>();
    let most_active = periods.iter().map(active).max().unwrap_or(0);
    let most_dormant = periods.iter().map(|p| p.users[3]).max().unwrap_or(0);
    let most = most_active + most_dormant;
    let scale = if most > 0 {
        bar_width as f64 / most as f64
    } else {
        0.0
    };
    let cells: Vec<[usize; 4]> = periods.iter().map(|p| parts(&p.users, scale)).collect();
    // The dormant side is as wide as the longest dormant part.
    let left = cells.iter().map(|c| c[3]).max().unwrap_or(0);
    let right = bar_width.saturating_sub(left);
    let mut out = String::new();
    let key: Vec<String> = LIFECYCLE_STATUSES
        .iter()
        .zip(CELLS)
        .map(|(status, cell)| format!("{cell} {status}"))
        .collect();
    out.push_str(&format!("{} (left of {AXIS})\n", key.join("  ")));
    let mut header = format!(
        "{:<period_width$}  {:>left$}{AXIS}{:<right$}",
        "period", "", ""
    );
    for (status, w) in LIFECYCLE_STATUSES.iter().zip(&count_widths) {
        header.push_str(&format!("  {status:>w$}"));
    }
    out.push_str(header.trim_end());
    out.push('\n');
    for ((period, counts), cells) in periods.iter().zip(&counts).zip(&cells) {
        let dormant: String = std::iter::repeat_n(CELLS[3], cells[3]).collect();
        let mut active_bar = String::new();
        for s in 0..3 {
            active_bar.extend(std::iter::repeat_n(CELLS[s], cells[s]));
        }
        // Rounding up small parts may overrun the side: cut it.
        let active_bar: String = active_bar.chars().take(right).collect();
        let mut line = format!(
            "{:<period_width$}  {dormant:>left$}{AXIS}{active_bar:<right$}",
            period.period
        );
        for (count, w) in counts.iter().zip(&count_widths) {
            line.push_str(&format!("  {count:>w$}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

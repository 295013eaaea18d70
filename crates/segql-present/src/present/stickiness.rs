//! Stickiness on a terminal: bars of users per number of active periods.

use super::drawable;
use super::read::read_stickiness;
use super::text::{bar, count_text, percent, widest};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// A stickiness result as bars: a header line, then one line per number of
/// periods (in the result's order) with a bar of its users relative to the
/// most users, the users and their share. `width` is the width of a line
/// in characters (the bar never gets fewer than 10).
pub fn stickiness_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let rows = match drawable(read_stickiness(batches, schema), "stickiness", |rows| {
        rows.is_empty()
    }) {
        Ok(rows) => rows,
        Err(text) => return text,
    };
    let periods: Vec<String> = rows.iter().map(|r| count_text(r.periods)).collect();
    let users: Vec<String> = rows.iter().map(|r| count_text(r.users)).collect();
    let shares: Vec<String> = rows.iter().map(|r| percent(r.share)).collect();
    let periods_width = widest("periods", &periods);
    let users_width = widest("users", &users);
    let share_width = widest("share", &shares);
    let bar_width = width
        .saturating_sub(periods_width + 2 + 2 + users_width + 2 + share_width)
        .max(10);
    let top = rows.iter().filter_map(|r| r.users).max().unwrap_or(0);
    let mut out = format!(
        "{:>periods_width$}  {:<bar_width$}  {:>users_width$}  {:>share_width$}\n",
        "periods", "", "users", "share"
    );
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!(
            "{:>periods_width$}  {:<bar_width$}  {:>users_width$}  {:>share_width$}\n",
            periods[i],
            bar(row.users, top, bar_width),
            users[i],
            shares[i],
        ));
    }
    out
}

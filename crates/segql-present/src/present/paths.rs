//! Paths on a terminal: ranked bars of sessions per path.

use super::drawable;
use super::read::read_paths;
use super::text::{bar, count_text, truncate_path, widest};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// A paths result as ranked bars: a header line, then one line per path
/// (in the result's order) with the path (a long one cut by
/// [`truncate_path`]), a bar of its sessions relative to the most
/// sessions, the sessions and the users. `width` is the width of a line in
/// characters (the bar never gets fewer than 10).
pub fn paths_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let rows = match drawable(read_paths(batches, schema), "paths", |rows| rows.is_empty()) {
        Ok(rows) => rows,
        Err(text) => return text,
    };
    let sessions: Vec<String> = rows.iter().map(|r| count_text(r.sessions)).collect();
    let users: Vec<String> = rows.iter().map(|r| count_text(r.users)).collect();
    let sessions_width = widest("sessions", &sessions);
    let users_width = widest("users", &users);
    let longest = widest("path", rows.iter().map(|r| &r.path));
    // Paths are long and alike: they get up to 3/5 of the line.
    let path_width = longest.min((width * 3 / 5).max(12));
    let bar_width = width
        .saturating_sub(path_width + 2 + 2 + sessions_width + 2 + users_width)
        .max(10);
    let top = rows.iter().filter_map(|r| r.sessions).max().unwrap_or(0);
    let mut out = format!(
        "{:<path_width$}  {:<bar_width$}  {:>sessions_width$}  {:>users_width$}\n",
        "path", "", "sessions", "users"
    );
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!(
            "{:<path_width$}  {:<bar_width$}  {:>sessions_width$}  {:>users_width$}\n",
            truncate_path(&row.path, path_width),
            bar(row.sessions, top, bar_width),
            sessions[i],
            users[i],
        ));
    }
    out
}

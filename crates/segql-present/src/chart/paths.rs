//! Paths as an SVG chart: ranked horizontal bars of sessions per path.

use super::bars::{HBar, HBarSection, hbar_chart};
use crate::present::read::PathRow;
use crate::present::text::{count_text, truncate_path};

pub(super) fn paths_chart(rows: &[PathRow]) -> Result<String, String> {
    let bars: Vec<HBar> = rows
        .iter()
        .map(|r| HBar {
            label: r.path.clone(),
            value: r.sessions,
            note: format!(
                "{} sessions · {} users",
                count_text(r.sessions),
                count_text(r.users)
            ),
        })
        .collect();
    let section = HBarSection {
        heading: "paths: sessions per path".to_string(),
        rows: bars,
    };
    // Paths are long and alike: they get a wide column, and a cut that
    // keeps every step.
    hbar_chart(&[section], (80, truncate_path))
}

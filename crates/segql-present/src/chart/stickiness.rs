//! Stickiness as an SVG chart: vertical bars of users per number of active
//! periods, with each bar's share above it.

use super::{FONT, SMALL, SMALL_CHAR_PX, TEXT, color, empty_chart, err, label, render};
use crate::present::read::StickinessRow;
use crate::present::text::{count_text, percent};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const PLOT_HEIGHT: u32 = 420;

pub(super) fn stickiness_chart(rows: &[StickinessRow]) -> Result<String, String> {
    const HEADING: &str = "stickiness: users by periods active";
    if rows.is_empty() {
        return empty_chart(HEADING);
    }
    let slots = rows.len() as f64;
    let width = (150.0 + slots * 48.0).clamp(560.0, 4000.0) as u32;
    let top = rows
        .iter()
        .filter_map(|r| r.users)
        .max()
        .unwrap_or(0)
        .max(1);
    render((width, PLOT_HEIGHT + 30), |root| {
        let (plot, below) = root.split_vertically(PLOT_HEIGHT);
        let mut chart = super::plot(
            &plot,
            HEADING,
            (0f64..slots, 30),
            (top as f64 * 1.25, "users"),
        )?;
        for (i, row) in rows.iter().enumerate() {
            if let Some(users) = row.users.filter(|u| *u > 0) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, users as f64)],
                        color(0).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        // Counts and shares above the bars, where there is room for them.
        let (left, _) = chart.backend_coord(&(0.0, 0.0));
        let (right, _) = chart.backend_coord(&(slots, 0.0));
        let slot_px = (right - left) / rows.len().max(1) as i32;
        let every = (7 * SMALL_CHAR_PX / slot_px.max(1) + 1).max(1) as usize;
        for (i, row) in rows.iter().enumerate() {
            let middle = i as f64 + 0.5;
            let (cx, axis) = chart.backend_coord(&(middle, 0.0));
            let (_, bar_top) = chart.backend_coord(&(middle, row.users.unwrap_or(0).max(0) as f64));
            if i % every == 0 || i + 1 == rows.len() {
                for (text, y, size, v) in [
                    (count_text(row.users), bar_top - 3, SMALL, VPos::Bottom),
                    (percent(row.share), bar_top - 17, SMALL, VPos::Bottom),
                    (count_text(row.periods), axis + 6, FONT, VPos::Top),
                ] {
                    label(root, &text, (cx, y), size, TEXT, (HPos::Center, v))?;
                }
            }
        }
        label(
            &below,
            "periods: the number of periods of the range in which a user took the step",
            (92, 4),
            SMALL,
            TEXT,
            (HPos::Left, VPos::Top),
        )
    })
}

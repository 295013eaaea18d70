//! The funnel as an SVG chart: vertical bars of users per step, grouped
//! per segment and `by` group, one colour per group, on one scale, each
//! with its users, conversion and median time to convert above it; a key
//! of the step labels below.

use super::{FONT, SMALL, SMALL_CHAR_PX, TEXT, color, empty_chart, err, label, render};
use crate::present::read::Funnel;
use crate::present::text::{count_text, duration_text, percent, truncate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The space between two blocks, in bar slots.
const BLOCK_GAP: f64 = 0.6;
const FUNNEL_PLOT_HEIGHT: u32 = 420;
const KEY_LINE: i32 = 18;

pub(super) fn funnel_chart(funnel: &Funnel) -> Result<String, String> {
    const HEADING: &str = "funnel: users per step";
    if funnel.blocks.is_empty() {
        return empty_chart(HEADING);
    }
    struct Bar {
        block: usize,
        step: usize,
        x0: f64,
        x1: f64,
        users: Option<i64>,
        conversion: Option<f64>,
        median_seconds: Option<f64>,
    }
    let mut bars = Vec::new();
    let mut spans = Vec::new();
    let mut x = 0.0;
    for (b, block) in funnel.blocks.iter().enumerate() {
        if b > 0 {
            x += BLOCK_GAP;
        }
        let start = x;
        for (s, step) in block.steps.iter().enumerate() {
            bars.push(Bar {
                block: b,
                step: s + 1,
                x0: x + 0.1,
                x1: x + 0.9,
                users: step.users,
                conversion: step.conversion,
                median_seconds: step.median_seconds,
            });
            x += 1.0;
        }
        spans.push((start, x, funnel.header(block)));
    }
    let slots = x;
    // The key lists the step labels of the block with the most steps.
    let key = funnel
        .blocks
        .iter()
        .max_by_key(|b| b.steps.len())
        .map(|b| &b.steps[..])
        .unwrap_or_default();
    let headers = spans.iter().any(|(_, _, h)| h.is_some());
    let width = (150.0 + slots * 72.0).clamp(560.0, 4000.0) as u32;
    let key_height = 16 + KEY_LINE * i32::try_from(key.len()).unwrap_or(0);
    let height = FUNNEL_PLOT_HEIGHT + key_height as u32;
    let top = bars
        .iter()
        .filter_map(|b| b.users)
        .max()
        .unwrap_or(0)
        .max(1);
    render((width, height), |root| {
        let (plot, below) = root.split_vertically(FUNNEL_PLOT_HEIGHT);
        let x_label_px = if headers { 52 } else { 30 };
        let mut chart = super::plot(
            &plot,
            HEADING,
            (0f64..slots, x_label_px),
            (top as f64 * 1.35, "users"),
        )?;
        for bar in &bars {
            if let Some(users) = bar.users.filter(|u| *u > 0) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(bar.x0, 0.0), (bar.x1, users as f64)],
                        color(bar.block).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        for bar in &bars {
            let middle = (bar.x0 + bar.x1) / 2.0;
            let (cx, axis) = chart.backend_coord(&(middle, 0.0));
            let (_, bar_top) = chart.backend_coord(&(middle, bar.users.unwrap_or(0).max(0) as f64));
            // Users, conversion and the median time to convert above the
            // bar, the step number below.
            for (text, y, size, v) in [
                (count_text(bar.users), bar_top - 3, SMALL, VPos::Bottom),
                (percent(bar.conversion), bar_top - 17, SMALL, VPos::Bottom),
                (
                    duration_text(bar.median_seconds),
                    bar_top - 31,
                    SMALL,
                    VPos::Bottom,
                ),
                (bar.step.to_string(), axis + 6, FONT, VPos::Top),
            ] {
                label(root, &text, (cx, y), size, TEXT, (HPos::Center, v))?;
            }
        }
        for (start, end, header) in &spans {
            if let Some(header) = header {
                // A header may use the gaps beside its block.
                let (left, axis) = chart.backend_coord(&(*start - BLOCK_GAP / 2.0, 0.0));
                let (right, _) = chart.backend_coord(&(*end + BLOCK_GAP / 2.0, 0.0));
                let room = ((right - left) / SMALL_CHAR_PX).max(4) as usize;
                label(
                    root,
                    &truncate(header, room),
                    ((left + right) / 2, axis + 26),
                    SMALL,
                    TEXT,
                    (HPos::Center, VPos::Top),
                )?;
            }
        }
        for (i, step) in key.iter().enumerate() {
            label(
                &below,
                &format!("{}  {}", i + 1, truncate(&step.label, 100)),
                (92, 4 + KEY_LINE * i as i32),
                FONT,
                TEXT,
                (HPos::Left, VPos::Top),
            )?;
        }
        Ok(())
    })
}

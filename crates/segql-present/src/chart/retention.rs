//! Retention as an SVG chart: a heat map of cohort × period coloured by
//! rate, with a legend of the colours and of blank cells.

use super::{
    Area, CHAR_PX, FONT, SMALL, SMALL_CHAR_PX, TEXT, chars, empty_chart, err, label, render, title,
};
use crate::present::read::Retention;
use crate::present::text::{count_text, percent, truncate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use segql_syntax::Period;

const CELL_WIDTH: i32 = 60;
const CELL_HEIGHT: i32 = 24;
const HEAT_TOP: i32 = 76;

/// The fill of a rate from 0 (pale) to 1 (dark blue).
pub(super) fn heat(rate: f64) -> RGBColor {
    const LOW: (f64, f64, f64) = (239.0, 243.0, 255.0);
    const HIGH: (f64, f64, f64) = (8.0, 69.0, 148.0);
    let t = if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(LOW.0, HIGH.0), mix(LOW.1, HIGH.1), mix(LOW.2, HIGH.2))
}

/// The legend's swatches: rates 0%, 10%, ..., 100%.
const LEGEND_STEPS: i32 = 11;
const SWATCH: (i32, i32) = (24, 12);
/// The space the legend takes under the cells.
const LEGEND_HEIGHT: i32 = 64;
pub(super) const BLANK_NOTE: &str = "blank: the period starts after the end of the data";
const BLANK_EDGE: RGBColor = RGBColor(0xB0, 0xB0, 0xB0);

/// What the period axis says: the unit.
fn period_caption(period: Period) -> &'static str {
    match period {
        Period::Day => "period: days since the cohort's day",
        Period::Week => "period: weeks since the cohort's week",
        Period::Month => "period: months since the cohort's month",
    }
}

pub(super) fn retention_chart(retention: &Retention, period: Period) -> Result<String, String> {
    const HEADING: &str = "retention: share of each cohort returning";
    if retention.cohorts.is_empty() {
        return empty_chart(HEADING);
    }
    let names: Vec<String> = retention
        .cohorts
        .iter()
        .map(|c| {
            let cohort = format!("{} ({})", c.cohort, count_text(c.users));
            match &c.by {
                Some(by) => format!("{} · {cohort}", truncate(by, 24)),
                None => cohort,
            }
        })
        .collect();
    let label_px =
        (names.iter().map(|n| chars(n)).max().unwrap_or(0) * CHAR_PX + 10).clamp(80, 320);
    let x0 = 20 + label_px;
    let periods = i32::try_from(retention.periods.len()).unwrap_or(0);
    let rows = i32::try_from(retention.cohorts.len()).unwrap_or(0);
    let strip = LEGEND_STEPS * SWATCH.0;
    let legend_px = strip + 30 + SWATCH.0 + 8 + chars(BLANK_NOTE) * SMALL_CHAR_PX;
    let caption = period_caption(period);
    let width = (x0 + periods * CELL_WIDTH + 20)
        .max(x0 + chars(caption) * SMALL_CHAR_PX + 20)
        .max(20 + legend_px + 20)
        .max(480);
    let legend_top = HEAT_TOP + rows * CELL_HEIGHT + 16;
    let height = legend_top + LEGEND_HEIGHT;
    render((width as u32, height as u32), |root| {
        title(root, HEADING)?;
        let header = match &retention.by_name {
            Some(by) => format!("{by} · cohort (users)"),
            None => "cohort (users)".to_string(),
        };
        let header_y = HEAT_TOP - 8;
        label(
            root,
            &header,
            (x0 - 8, header_y),
            SMALL,
            TEXT,
            (HPos::Right, VPos::Bottom),
        )?;
        label(
            root,
            caption,
            (x0, 44),
            SMALL,
            TEXT,
            (HPos::Left, VPos::Bottom),
        )?;
        for (j, period) in retention.periods.iter().enumerate() {
            let x = x0 + CELL_WIDTH * j as i32 + CELL_WIDTH / 2;
            label(
                root,
                &period.to_string(),
                (x, header_y),
                FONT,
                TEXT,
                (HPos::Center, VPos::Bottom),
            )?;
        }
        for (i, (cohort, name)) in retention.cohorts.iter().zip(&names).enumerate() {
            let y = HEAT_TOP + CELL_HEIGHT * i as i32;
            label(
                root,
                name,
                (x0 - 8, y + CELL_HEIGHT / 2),
                FONT,
                TEXT,
                (HPos::Right, VPos::Center),
            )?;
            for (j, period) in retention.periods.iter().enumerate() {
                // No row, or a null rate (a period after the end of the
                // data): a blank cell.
                let Some(Some(rate)) = cohort.rate(*period) else {
                    continue;
                };
                let x = x0 + CELL_WIDTH * j as i32;
                let ink = if rate > 0.55 { WHITE } else { TEXT };
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + CELL_WIDTH - 1, y + CELL_HEIGHT - 1)],
                    heat(rate).filled(),
                ))
                .map_err(err)?;
                label(
                    root,
                    &percent(Some(rate)),
                    (x + CELL_WIDTH / 2, y + CELL_HEIGHT / 2),
                    SMALL,
                    ink,
                    (HPos::Center, VPos::Center),
                )?;
            }
        }
        retention_legend(root, (20, legend_top))
    })
}

/// The colours of the rates from 0% to 100%, and what a blank cell means,
/// with its top left corner at `at`.
fn retention_legend(root: &Area, (x, y): (i32, i32)) -> Result<(), String> {
    label(
        root,
        "share of the cohort returning in the period",
        (x, y),
        SMALL,
        TEXT,
        (HPos::Left, VPos::Top),
    )?;
    let top = y + 20;
    for step in 0..LEGEND_STEPS {
        let left = x + step * SWATCH.0;
        let rate = f64::from(step) / f64::from(LEGEND_STEPS - 1);
        root.draw(&Rectangle::new(
            [(left, top), (left + SWATCH.0, top + SWATCH.1)],
            heat(rate).filled(),
        ))
        .map_err(err)?;
    }
    let below = top + SWATCH.1 + 4;
    let strip = LEGEND_STEPS * SWATCH.0;
    for (text, at, h) in [
        ("0%", x, HPos::Left),
        ("50%", x + strip / 2, HPos::Center),
        ("100%", x + strip, HPos::Right),
    ] {
        label(root, text, (at, below), SMALL, TEXT, (h, VPos::Top))?;
    }
    let blank = x + strip + 30;
    root.draw(&Rectangle::new(
        [(blank, top), (blank + SWATCH.0, top + SWATCH.1)],
        BLANK_EDGE.stroke_width(1),
    ))
    .map_err(err)?;
    label(
        root,
        BLANK_NOTE,
        (blank + SWATCH.0 + 8, top + SWATCH.1 / 2),
        SMALL,
        TEXT,
        (HPos::Left, VPos::Center),
    )
}

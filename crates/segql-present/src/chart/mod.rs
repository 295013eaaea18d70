//! Charts of analysis results as SVG, drawn with `plotters`: a bar chart
//! for funnels (a line of conversion per period for funnels with `every`),
//! a heat map for retention, ranked horizontal bars for paths,
//! a line chart for explore time series, stacked columns around an axis
//! for lifecycle and a bar chart for stickiness.
//!
//! `plotters` is built with its SVG backend and line series only, without
//! any font feature: its SVG backend writes text as `<text>` elements with
//! a `font-family` and lets the viewer pick the font, and lays text out
//! with a fixed estimate of glyph widths instead of reading font files. So
//! a chart is the same bytes on every machine, and no font needs to be
//! installed. The estimate is rough, which is why the charts here place
//! their labels themselves (left or right aligned at a known point, or
//! centred) rather than rely on measured text.
//!
//! An explore draws every measure: over time, one panel per measure; an
//! explore result without `time` (no `every`) has nothing to draw over
//! time, and gets bars by group per measure instead, in the result's order.
//! An empty result gives a small chart that says `no rows`.
//!
//! [`svg_chart`] chooses the chart by the analysis kind; each kind's chart
//! is in its own module, the horizontal bars that paths and explore share
//! in `bars`. This module holds what every chart draws with: the document,
//! fonts, colours, labels and the axes of a plot.

mod bars;
mod explore;
mod funnel;
mod funnel_trend;
mod lifecycle;
mod paths;
mod retention;
mod stickiness;

#[cfg(test)]
mod tests;

use crate::AnalysisKind;
use crate::present::read::{
    read_explore, read_funnel, read_funnel_trend, read_lifecycle, read_paths, read_retention,
    read_stickiness,
};
use crate::present::text::{group_digits, truncate};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// Draws a result of analysis `kind` as an SVG document. Errors when the
/// result does not have the columns of `kind` (LANGUAGE.md §5).
pub fn svg_chart(
    kind: AnalysisKind,
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<String, String> {
    match kind {
        AnalysisKind::Funnel => funnel::funnel_chart(&read_funnel(batches, schema)?),
        AnalysisKind::FunnelTrend(_) => {
            funnel_trend::funnel_trend_chart(&read_funnel_trend(batches, schema)?)
        }
        AnalysisKind::Retention(period) => {
            retention::retention_chart(&read_retention(batches, schema)?, period)
        }
        AnalysisKind::Paths => paths::paths_chart(&read_paths(batches, schema)?),
        AnalysisKind::Explore => explore::explore_chart(&read_explore(batches, schema)?),
        AnalysisKind::Lifecycle(_) => lifecycle::lifecycle_chart(&read_lifecycle(batches, schema)?),
        AnalysisKind::Stickiness(_) => {
            stickiness::stickiness_chart(&read_stickiness(batches, schema)?)
        }
        AnalysisKind::Members => Err("a segment's members have no chart".to_string()),
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A plot's coordinates on an area: numbers across and up.
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Font sizes as plotters takes them (its SVG backend writes `size / 1.24`
/// as the CSS size: 15 → 12.1px).
const TITLE: f64 = 20.0;
const FONT: f64 = 15.0;
const SMALL: f64 = 13.0;

/// The width of a character at `FONT` and at `SMALL`, in pixels, for
/// placing labels (a generous estimate for a sans-serif font).
const CHAR_PX: i32 = 7;
const SMALL_CHAR_PX: i32 = 6;

/// Tableau 10: one colour per block, group or line.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xBA, 0xB0, 0xAC),
];

const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// An SVG document of `size` on a white background, drawn by `draw`.
fn render(
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Writes `text` at `at`, anchored by `h` and `v`.
fn label(
    area: &Area,
    text: &str,
    at: (i32, i32),
    size: f64,
    fill: RGBColor,
    (h, v): (HPos, VPos),
) -> Result<(), String> {
    let style = ("sans-serif", size)
        .into_font()
        .color(&fill)
        .pos(Pos::new(h, v));
    area.draw(&Text::new(text.to_string(), at, style))
        .map_err(err)
}

fn title(area: &Area, text: &str) -> Result<(), String> {
    label(area, text, (20, 14), TITLE, TEXT, (HPos::Left, VPos::Top))
}

/// The chart of an empty result.
fn empty_chart(heading: &str) -> Result<String, String> {
    render((480, 110), |root| {
        title(root, heading)?;
        label(
            root,
            "no rows",
            (20, 64),
            FONT,
            TEXT,
            (HPos::Left, VPos::Top),
        )
    })
}

fn chars(text: &str) -> i32 {
    i32::try_from(text.chars().count()).unwrap_or(i32::MAX)
}

/// A plot on `area` of 0 to `y_top` (named `y_name`, its values as counts:
/// `1,000`) over `x`, under `heading`: a light grid across, `x_label_px`
/// of room under the axis for the labels the caller writes there.
fn plot<'a, 'b>(
    area: &'a Area<'b>,
    heading: &str,
    (x, x_label_px): (Range<f64>, u32),
    (y_top, y_name): (f64, &str),
) -> Result<Plot<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(area)
        .caption(heading, ("sans-serif", TITLE))
        .margin(20)
        .x_label_area_size(x_label_px)
        .y_label_area_size(72)
        .build_cartesian_2d(x, 0f64..y_top)
        .map_err(err)?;
    let y_format = |v: &f64| group_digits(v.round() as i64);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(4)
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&y_format)
        .y_desc(y_name)
        .label_style(("sans-serif", SMALL))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The most entries a legend lists; the rest are counted (`+ 3 more`).
const LEGEND_ROWS: usize = 20;

/// A legend on `area`: a square of each entry's colour (its index in the
/// palette) and its label, one a line, then how many more there are.
fn legend(area: &Area, entries: &[(usize, &str)]) -> Result<(), String> {
    let line = |row: usize| 56 + 20 * row as i32;
    for (row, (i, text)) in entries.iter().take(LEGEND_ROWS).enumerate() {
        let y = line(row);
        area.draw(&Rectangle::new(
            [(0, y - 5), (16, y + 5)],
            color(*i).filled(),
        ))
        .map_err(err)?;
        label(
            area,
            &truncate(text, 26),
            (24, y),
            SMALL,
            TEXT,
            (HPos::Left, VPos::Center),
        )?;
    }
    if entries.len() > LEGEND_ROWS {
        let more = format!("+ {} more", entries.len() - LEGEND_ROWS);
        label(
            area,
            &more,
            (24, line(LEGEND_ROWS)),
            SMALL,
            TEXT,
            (HPos::Left, VPos::Center),
        )?;
    }
    Ok(())
}

//! Charts of analysis results as SVG, drawn with `plotters`: a bar chart
//! for funnels, a heat map for retention, ranked horizontal bars for paths,
//! and a line chart for explore time series.
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

use crate::present::{
    Explore, Funnel, PathRow, Retention, all_midnights, count_text, format_time, group_digits,
    percent, read_explore, read_funnel, read_paths, read_retention, truncate, truncate_path,
};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use segql_syntax::Period;

/// What an analysis result is drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Vertical bars, one per step, grouped per segment and `by` group.
    Funnel,
    /// A heat map of cohort × period, coloured by rate, with a legend of
    /// the colours; the period's unit, when known, names the axis (`weeks
    /// since the cohort's week`).
    Retention(Option<Period>),
    /// Ranked horizontal bars of sessions per path.
    Paths,
    /// Per measure, one line per `by` group over `time`; without `time`,
    /// horizontal bars per group.
    Explore,
}

impl ChartKind {
    /// The kind of analysis a result's columns (LANGUAGE.md §5) are from;
    /// None for a segment's members. Whoever knows which analysis ran
    /// should rather say so.
    pub fn detect(schema: &SchemaRef) -> Option<ChartKind> {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let ends_with = |tail: &[&str]| names.ends_with(tail);
        if ends_with(&["step", "label", "users", "conversion", "step_conversion"]) {
            Some(ChartKind::Funnel)
        } else if ends_with(&["cohort", "period", "users", "retained", "rate"]) {
            Some(ChartKind::Retention(None))
        } else if names == ["path", "sessions", "users"] {
            Some(ChartKind::Paths)
        } else if names.last().is_some_and(|last| {
            matches!(*last, "events" | "users" | "sessions" | "count") || last.starts_with("count_")
        }) {
            Some(ChartKind::Explore)
        } else {
            None
        }
    }
}

/// Draws an analysis result as an SVG document. Errors when the result
/// does not have the columns of `kind` (LANGUAGE.md §5).
pub fn svg_chart(
    kind: ChartKind,
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<String, String> {
    match kind {
        ChartKind::Funnel => funnel_chart(&read_funnel(batches, schema)?),
        ChartKind::Retention(period) => retention_chart(&read_retention(batches, schema)?, period),
        ChartKind::Paths => paths_chart(&read_paths(batches, schema)?),
        ChartKind::Explore => explore_chart(&read_explore(batches, schema)?),
    }
}

// ---------------------------------------------------------------------------
// Drawing helpers
// ---------------------------------------------------------------------------

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

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

// ---------------------------------------------------------------------------
// Horizontal bars (paths; explore without time)
// ---------------------------------------------------------------------------

struct HBar {
    label: String,
    value: Option<i64>,
    note: String,
}

const HBAR_ROW: i32 = 26;
const HBAR_HEIGHT: i32 = 18;
const HBAR_TOP: i32 = 50;

/// Bars under a heading.
struct HBarSection {
    heading: String,
    rows: Vec<HBar>,
}

/// How `hbar_chart` fits labels: at most so many characters, cut by the
/// function.
type LabelFit = (i32, fn(&str, usize) -> String);

/// Each section under its heading, one below the other: one bar per row,
/// in order, its length proportional to its value (the section's largest
/// value is `bar_px` long); the label, cut to its column as `fit` says,
/// left of the bar and the note after it. The columns line up across
/// sections.
fn hbar_chart(sections: &[HBarSection], (most, cut): LabelFit) -> Result<String, String> {
    let rows = || sections.iter().flat_map(|s| &s.rows);
    if rows().next().is_none() {
        return empty_chart(sections.first().map_or("", |s| s.heading.as_str()));
    }
    let label_chars = rows().map(|r| chars(&r.label)).max().unwrap_or(0).min(most);
    let label_px = (label_chars * CHAR_PX + 10).max(60);
    let note_px = rows().map(|r| chars(&r.note)).max().unwrap_or(0) * CHAR_PX + 10;
    let x0 = 20 + label_px;
    let bar_px = (800 - x0 - note_px - 20).max(200);
    let width = x0 + bar_px + note_px + 20;
    let section_height = |s: &HBarSection| {
        HBAR_TOP + HBAR_ROW * i32::try_from(s.rows.len()).unwrap_or(i32::MAX / 64) + 20
    };
    let height: i32 = sections.iter().map(section_height).sum();
    render((width as u32, height as u32), |root| {
        let mut section_top = 0;
        for section in sections {
            label(
                root,
                &section.heading,
                (20, section_top + 14),
                TITLE,
                TEXT,
                (HPos::Left, VPos::Top),
            )?;
            let top = section
                .rows
                .iter()
                .filter_map(|r| r.value)
                .max()
                .unwrap_or(0);
            for (i, row) in section.rows.iter().enumerate() {
                let y = section_top + HBAR_TOP + HBAR_ROW * i as i32;
                let middle = y + HBAR_ROW / 2;
                label(
                    root,
                    &cut(&row.label, ((label_px - 10) / CHAR_PX) as usize),
                    (20, middle),
                    FONT,
                    TEXT,
                    (HPos::Left, VPos::Center),
                )?;
                let length = match row.value {
                    Some(v) if v > 0 && top > 0 => ((v as f64 / top as f64) * f64::from(bar_px))
                        .round()
                        .max(1.0) as i32,
                    _ => 0,
                };
                if length > 0 {
                    let y0 = y + (HBAR_ROW - HBAR_HEIGHT) / 2;
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + length, y0 + HBAR_HEIGHT)],
                        color(0).filled(),
                    ))
                    .map_err(err)?;
                }
                label(
                    root,
                    &row.note,
                    (x0 + length + 6, middle),
                    FONT,
                    TEXT,
                    (HPos::Left, VPos::Center),
                )?;
            }
            section_top += section_height(section);
        }
        Ok(())
    })
}

fn paths_chart(rows: &[PathRow]) -> Result<String, String> {
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

// ---------------------------------------------------------------------------
// Funnel: vertical bars per step, grouped per block
// ---------------------------------------------------------------------------

/// The space between two blocks, in bar slots.
const BLOCK_GAP: f64 = 0.6;
const FUNNEL_PLOT_HEIGHT: u32 = 420;
const KEY_LINE: i32 = 18;

fn funnel_chart(funnel: &Funnel) -> Result<String, String> {
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
        let mut chart = ChartBuilder::on(&plot)
            .caption(HEADING, ("sans-serif", TITLE))
            .margin(20)
            .x_label_area_size(if headers { 52 } else { 30 })
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..slots, 0f64..top as f64 * 1.25)
            .map_err(err)?;
        let y_format = |v: &f64| group_digits(v.round() as i64);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(4)
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&y_format)
            .y_desc("users")
            .label_style(("sans-serif", SMALL))
            .draw()
            .map_err(err)?;
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
            // Users and conversion above the bar, the step number below.
            for (text, y, size, v) in [
                (count_text(bar.users), bar_top - 3, SMALL, VPos::Bottom),
                (percent(bar.conversion), bar_top - 17, SMALL, VPos::Bottom),
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

// ---------------------------------------------------------------------------
// Retention: a heat map of cohort × period
// ---------------------------------------------------------------------------

const CELL_WIDTH: i32 = 60;
const CELL_HEIGHT: i32 = 24;
const HEAT_TOP: i32 = 76;

/// The fill of a rate from 0 (pale) to 1 (dark blue).
pub(crate) fn heat(rate: f64) -> RGBColor {
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
const BLANK_NOTE: &str = "blank: the period starts after the end of the data";
const BLANK_EDGE: RGBColor = RGBColor(0xB0, 0xB0, 0xB0);

/// What the period axis says: the unit when known.
fn period_caption(period: Option<Period>) -> &'static str {
    match period {
        None => "period",
        Some(Period::Day) => "period: days since the cohort's day",
        Some(Period::Week) => "period: weeks since the cohort's week",
        Some(Period::Month) => "period: months since the cohort's month",
    }
}

fn retention_chart(retention: &Retention, period: Option<Period>) -> Result<String, String> {
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

// ---------------------------------------------------------------------------
// Explore: lines over time
// ---------------------------------------------------------------------------

const LINE_PLOT: (u32, u32) = (800, 440);
/// The height of each panel when an explore has several measures.
const PANEL_HEIGHT: u32 = 300;
const LEGEND_WIDTH: u32 = 220;
const LEGEND_ROWS: usize = 20;
const X_TICKS: usize = 8;

/// An explore result: over time, one panel per measure (each measure has
/// its own scale) with one line per group, and a legend of the groups;
/// without time, one section of bars per measure.
fn explore_chart(explore: &Explore) -> Result<String, String> {
    let measures = 0..explore.measures.len();
    if !explore.timed {
        let sections: Vec<HBarSection> = measures
            .map(|m| HBarSection {
                heading: explore.title(m),
                rows: explore
                    .groups
                    .iter()
                    .flat_map(|g| {
                        g.points.iter().map(move |(_, values)| HBar {
                            label: g.key.clone(),
                            value: values[m],
                            note: count_text(values[m]),
                        })
                    })
                    .collect(),
            })
            .collect();
        return hbar_chart(&sections, (48, truncate));
    }
    let times = &explore.times;
    if times.is_empty() {
        return empty_chart(&format!("{} over time", explore.title(0)));
    }
    let panels = explore.measures.len();
    let panel_height = if panels == 1 {
        LINE_PLOT.1
    } else {
        PANEL_HEIGHT
    };
    let height = panel_height * u32::try_from(panels).unwrap_or(1);
    render((LINE_PLOT.0 + LEGEND_WIDTH, height), |root| {
        let (plots, legend) = root.split_horizontally(LINE_PLOT.0);
        for (m, plot) in plots.split_evenly((panels, 1)).iter().enumerate() {
            explore_panel(root, plot, explore, m)?;
        }
        for (i, group) in explore.groups.iter().take(LEGEND_ROWS).enumerate() {
            let y = 56 + 20 * i as i32;
            legend
                .draw(&Rectangle::new(
                    [(0, y - 5), (16, y + 5)],
                    color(i).filled(),
                ))
                .map_err(err)?;
            label(
                &legend,
                &truncate(&group.key, 26),
                (24, y),
                SMALL,
                TEXT,
                (HPos::Left, VPos::Center),
            )?;
        }
        if explore.groups.len() > LEGEND_ROWS {
            let y = 56 + 20 * LEGEND_ROWS as i32;
            let more = format!("+ {} more", explore.groups.len() - LEGEND_ROWS);
            label(
                &legend,
                &more,
                (24, y),
                SMALL,
                TEXT,
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    })
}

/// Measure `m` of a timed explore over `plot`: one line per group (a
/// point when there is one bucket), the buckets' times under the axis.
fn explore_panel(root: &Area, plot: &Area, explore: &Explore, m: usize) -> Result<(), String> {
    let times = &explore.times;
    let heading = format!("{} over time", explore.title(m));
    let series: Vec<Vec<Option<i64>>> = explore.groups.iter().map(|g| g.series(times, m)).collect();
    let top = series
        .iter()
        .flatten()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    // x: seconds since the first bucket (plotters' integer coordinates
    // overflow on microseconds since 1970).
    let first = times[0];
    let x = |t: i64| (t - first) as f64 / 1e6;
    let span = x(times[times.len() - 1]);
    // One bucket: half a day either side, so the point has room.
    let (x_start, x_end) = if span > 0.0 {
        (0.0, span)
    } else {
        (-43_200.0, 43_200.0)
    };
    let date_only = all_midnights(times);
    let mut chart = ChartBuilder::on(plot)
        .caption(&heading, ("sans-serif", TITLE))
        .margin(20)
        .x_label_area_size(30)
        .y_label_area_size(72)
        .build_cartesian_2d(x_start..x_end, 0f64..top as f64 * 1.1)
        .map_err(err)?;
    let y_format = |v: &f64| group_digits(v.round() as i64);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(4)
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&y_format)
        .y_desc(explore.measures[m].as_str())
        .label_style(("sans-serif", SMALL))
        .draw()
        .map_err(err)?;
    for (i, values) in series.iter().enumerate() {
        let points: Vec<(f64, f64)> = times
            .iter()
            .zip(values)
            .filter_map(|(t, v)| v.map(|v| (x(*t), v as f64)))
            .collect();
        let style = color(i).stroke_width(2);
        if points.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new(
                    points[0],
                    4,
                    color(i).filled(),
                )))
                .map_err(err)?;
        } else {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(err)?;
        }
    }
    let every = times.len().div_ceil(X_TICKS);
    for t in times.iter().step_by(every) {
        // Backend coordinates are the whole picture's: write on the root.
        let (px, py) = chart.backend_coord(&(x(*t), 0.0));
        label(
            root,
            &format_time(*t, date_only),
            (px, py + 6),
            SMALL,
            TEXT,
            (HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::fixtures::*;
    use arrow::datatypes::{DataType, TimeUnit};

    /// The attributes of every `<tag …>` element, in document order.
    fn elements<'a>(svg: &'a str, tag: &str) -> Vec<Vec<(&'a str, &'a str)>> {
        let open = format!("<{tag} ");
        svg.match_indices(&open)
            .map(|(start, _)| {
                let rest = &svg[start + open.len()..];
                let mut body = &rest[..rest.find('>').expect("a closed tag")];
                let mut attributes = Vec::new();
                while let Some(eq) = body.find("=\"") {
                    let name = body[..eq].trim();
                    let after = &body[eq + 2..];
                    let close = after.find('"').expect("a closed attribute");
                    attributes.push((name, &after[..close]));
                    body = &after[close + 1..];
                }
                attributes
            })
            .collect()
    }

    fn attr<'a>(element: &[(&str, &'a str)], name: &str) -> &'a str {
        element
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no attribute {name} in {element:?}"))
    }

    fn num(element: &[(&str, &str)], name: &str) -> f64 {
        attr(element, name).parse().unwrap()
    }

    /// The `<rect>`s filled with `fill`.
    fn rects<'a>(svg: &'a str, fill: &str) -> Vec<Vec<(&'a str, &'a str)>> {
        elements(svg, "rect")
            .into_iter()
            .filter(|r| attr(r, "fill") == fill)
            .collect()
    }

    /// The text of every `<text>` element, unescaped.
    fn texts(svg: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find("<text ") {
            let after = &rest[start..];
            let open = after.find('>').unwrap() + 1;
            let close = after.find("</text>").unwrap();
            out.push(
                after[open..close]
                    .trim()
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
            rest = &after[close..];
        }
        out
    }

    fn has_text(svg: &str, text: &str) -> bool {
        texts(svg).iter().any(|t| t == text)
    }

    fn hex(color: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
    }

    /// Asserts `a / b` is `expected` give or take a pixel of rounding on each.
    fn assert_ratio(a: f64, b: f64, expected: f64) {
        let (low, high) = ((a - 1.0) / (b + 1.0), (a + 1.0) / (b - 1.0));
        assert!(
            low <= expected && expected <= high,
            "{a} / {b} = {} is not {expected}",
            a / b
        );
    }

    fn is_svg(svg: &str) {
        assert!(svg.starts_with("<svg "), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<text ").count(),
            svg.matches("</text>").count()
        );
    }

    #[test]
    fn funnel_bars_are_proportional_to_users() {
        let (batches, schema) = funnel();
        let svg = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap();
        is_svg(&svg);
        // Step 3 has no users: no bar.
        let bars = rects(&svg, &hex(PALETTE[0]));
        assert_eq!(bars.len(), 2, "{bars:?}");
        assert_ratio(num(&bars[1], "height"), num(&bars[0], "height"), 0.724);
        // Bars stand on one axis, left to right.
        assert_eq!(
            num(&bars[0], "y") + num(&bars[0], "height"),
            num(&bars[1], "y") + num(&bars[1], "height")
        );
        assert!(num(&bars[0], "x") < num(&bars[1], "x"));
        assert_eq!(num(&bars[0], "width"), num(&bars[1], "width"));
        for text in [
            "funnel: users per step",
            "users",
            "1,000",
            "100.0%",
            "724",
            "72.4%",
            "0",
            "0.0%",
            "1",
            "2",
            "3",
            "1  viewed \"/cart\"",
            "2  action \"CHECKOUT\"",
            "3  event \"purchase\"",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
    }

    #[test]
    fn funnel_blocks_are_grouped_and_coloured() {
        let (batches, schema) = funnel_compare();
        let svg = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap();
        is_svg(&svg);
        let desktop = rects(&svg, &hex(PALETTE[0]));
        let mobile = rects(&svg, &hex(PALETTE[1]));
        let free = rects(&svg, &hex(PALETTE[2]));
        assert_eq!((desktop.len(), mobile.len(), free.len()), (2, 2, 0));
        // One scale for every block: 200, 50 and 1,234 users.
        assert_ratio(
            num(&desktop[0], "height"),
            num(&mobile[0], "height"),
            200.0 / 1234.0,
        );
        assert_ratio(
            num(&desktop[1], "height"),
            num(&mobile[0], "height"),
            50.0 / 1234.0,
        );
        assert_eq!(num(&mobile[0], "height"), num(&mobile[1], "height"));
        // A gap between blocks wider than the gap between steps.
        let step_gap = num(&desktop[1], "x") - num(&desktop[0], "x");
        let block_gap = num(&mobile[0], "x") - num(&desktop[1], "x");
        assert!(block_gap > step_gap, "{block_gap} <= {step_gap}");
        for text in [
            "premium · device = desktop",
            "premium · device = mobile",
            "free · device = null",
            "1,234",
            "25.0%",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
        // Step numbers restart in each block; the key lists the labels once.
        assert_eq!(texts(&svg).iter().filter(|t| *t == "1").count(), 3);
        assert_eq!(
            texts(&svg)
                .iter()
                .filter(|t| t.ends_with("\"/cart\""))
                .count(),
            1
        );
    }

    /// The cells of a heat map: the filled rects above its legend.
    fn heat_cells(svg: &str) -> Vec<Vec<(&str, &str)>> {
        let legend_top = elements(svg, "rect")
            .iter()
            .filter(|r| attr(r, "fill") == "none")
            .map(|r| num(r, "y"))
            .next()
            .expect("the legend's blank swatch");
        elements(svg, "rect")
            .into_iter()
            .filter(|r| attr(r, "fill") != "#FFFFFF" && attr(r, "fill") != "none")
            .filter(|r| num(r, "y") < legend_top)
            .collect()
    }

    #[test]
    fn retention_is_a_heat_map() {
        let (batches, schema) = retention();
        let svg = svg_chart(ChartKind::Retention(None), &batches, &schema).unwrap();
        is_svg(&svg);
        // 3 cohorts × 3 periods, less the 3 null rates: blank.
        let cells = heat_cells(&svg);
        assert_eq!(cells.len(), 6);
        let count = |rate: f64| {
            cells
                .iter()
                .filter(|c| attr(c, "fill") == hex(heat(rate)))
                .count()
        };
        assert_eq!((count(1.0), count(0.45), count(0.0)), (1, 1, 2));
        assert_eq!(hex(heat(1.0)), "#084594");
        assert_eq!(hex(heat(0.0)), "#EFF3FF");
        // Rows of cells: three x positions, two y positions.
        let mut xs: Vec<i64> = cells.iter().map(|c| num(c, "x") as i64).collect();
        let mut ys: Vec<i64> = cells.iter().map(|c| num(c, "y") as i64).collect();
        xs.sort_unstable();
        xs.dedup();
        ys.sort_unstable();
        ys.dedup();
        assert_eq!((xs.len(), ys.len()), (3, 2));
        for text in [
            "retention: share of each cohort returning",
            "device · cohort (users)",
            "period",
            "0",
            "1",
            "2",
            "desktop · 2026-03-16 (1,200)",
            "desktop · 2026-03-23 (40)",
            "null · 2026-03-16 (0)",
            "100.0%",
            "45.0%",
            "5.0%",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
        assert!(!has_text(&svg, "null"));
    }

    #[test]
    fn retention_has_a_legend_and_names_its_period() {
        let (batches, schema) = retention();
        let svg = svg_chart(ChartKind::Retention(Some(Period::Week)), &batches, &schema).unwrap();
        is_svg(&svg);
        for text in [
            "period: weeks since the cohort's week",
            "share of the cohort returning in the period",
            "0%",
            "50%",
            "100%",
            BLANK_NOTE,
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
        // One swatch per tenth, from the palest to the darkest, left to
        // right, below the cells; then an empty one for blank cells.
        let cells = heat_cells(&svg);
        let below = cells.iter().map(|c| num(c, "y")).fold(0.0, f64::max);
        let swatches: Vec<_> = elements(&svg, "rect")
            .into_iter()
            .filter(|r| num(r, "y") > below && attr(r, "fill") != "#FFFFFF")
            .collect();
        assert_eq!(swatches.len(), 12, "{swatches:?}");
        for (i, swatch) in swatches[..11].iter().enumerate() {
            assert_eq!(attr(swatch, "fill"), hex(heat(i as f64 / 10.0)));
        }
        assert!(
            swatches
                .windows(2)
                .all(|w| num(&w[0], "x") < num(&w[1], "x"))
        );
        assert_eq!(attr(&swatches[11], "fill"), "none");
        for (period, caption) in [
            (Period::Day, "period: days since the cohort's day"),
            (Period::Month, "period: months since the cohort's month"),
        ] {
            let svg = svg_chart(ChartKind::Retention(Some(period)), &batches, &schema).unwrap();
            assert!(has_text(&svg, caption), "{:?}", texts(&svg));
        }
    }

    #[test]
    fn paths_are_ranked_bars() {
        let (batches, schema) = paths();
        let svg = svg_chart(ChartKind::Paths, &batches, &schema).unwrap();
        is_svg(&svg);
        // The path with 0 sessions has no bar.
        let bars = rects(&svg, &hex(PALETTE[0]));
        assert_eq!(bars.len(), 3);
        assert_ratio(num(&bars[1], "width"), num(&bars[0], "width"), 0.5);
        assert_ratio(num(&bars[2], "width"), num(&bars[0], "width"), 7.0 / 120.0);
        // One below the other, all from the same left edge.
        assert!(bars.windows(2).all(|w| num(&w[0], "y") < num(&w[1], "y")));
        assert!(bars.iter().all(|b| num(b, "x") == num(&bars[0], "x")));
        let all = texts(&svg);
        let long = all
            .iter()
            .find(|t| t.starts_with("/cart -> /checkout -> "))
            .unwrap();
        // Every step kept, the longest name cut in its middle.
        assert_eq!(
            long,
            "/cart -> /checkout -> /checkout/payment -> /chec…confirmation -> /account/orders"
        );
        for text in [
            "paths: sessions per path",
            "/cart -> /home",
            "null",
            "/cart",
            "120 sessions · 100 users",
            "7 sessions · null users",
            "0 sessions · 0 users",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {all:?}");
        }
    }

    #[test]
    fn explore_draws_one_line_per_group_and_a_panel_per_measure() {
        let (batches, schema) = explore_timed();
        let svg = svg_chart(ChartKind::Explore, &batches, &schema).unwrap();
        is_svg(&svg);
        let all: Vec<_> = elements(&svg, "polyline")
            .into_iter()
            .filter(|l| PALETTE.iter().any(|c| attr(l, "stroke") == hex(*c)))
            .collect();
        // Events, then users: two groups each, the users' panel below.
        assert_eq!(all.len(), 4);
        let lines = &all[..2];
        let first_y = |l: &[(&str, &str)]| -> f64 {
            let points = attr(l, "points");
            let first = points.split_whitespace().next().unwrap();
            first.split_once(',').unwrap().1.parse().unwrap()
        };
        assert!(first_y(&all[2]) > first_y(&all[0]) + 100.0);
        assert_eq!(attr(&all[2], "stroke"), hex(PALETTE[0]));
        assert_eq!(attr(&all[3], "stroke"), hex(PALETTE[1]));
        assert_eq!(attr(&lines[0], "stroke"), hex(PALETTE[0]));
        assert_eq!(attr(&lines[1], "stroke"), hex(PALETTE[1]));
        // Four buckets each: a day without a row counts 0.
        let points = |l: &[(&str, &str)]| -> Vec<(f64, f64)> {
            attr(l, "points")
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        };
        let desktop = points(&lines[0]);
        let mobile = points(&lines[1]);
        assert_eq!((desktop.len(), mobile.len()), (4, 4));
        // Same x for the same day; evenly spaced days.
        assert!(desktop.iter().zip(&mobile).all(|(d, m)| d.0 == m.0));
        let step = desktop[1].0 - desktop[0].0;
        assert!((desktop[3].0 - desktop[2].0 - step).abs() <= 1.0);
        // Heights above the zero line proportional to 10, 40, 0, 80 events.
        let zero = desktop[2].1;
        assert_eq!(mobile[0].1, zero);
        assert_ratio(zero - desktop[0].1, zero - desktop[3].1, 10.0 / 80.0);
        assert_ratio(zero - desktop[1].1, zero - desktop[3].1, 40.0 / 80.0);
        // The legend: one swatch per group.
        assert_eq!(rects(&svg, &hex(PALETTE[0])).len(), 1);
        for text in [
            "events by device over time",
            "events",
            "users by device over time",
            "users",
            "desktop",
            "mobile",
            "2026-03-16",
            "2026-03-19",
            "80",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
    }

    #[test]
    fn explore_with_one_bucket_draws_points() {
        let (batches, schema) = table(
            vec![
                ("time", times(&[MAR16 + 3_600_000_000])),
                ("users", ints(&[Some(12)])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Explore, &batches, &schema).unwrap();
        is_svg(&svg);
        assert_eq!(elements(&svg, "circle").len(), 1);
        assert!(has_text(&svg, "2026-03-16 01:00"));
        assert!(has_text(&svg, "users over time"));
        assert!(has_text(&svg, "all"));
    }

    #[test]
    fn explore_without_time_has_bars_for_every_measure() {
        let untimed = table(
            vec![
                ("device", strs(&[Some("desktop"), Some("mobile")])),
                ("events", ints(&[Some(300), Some(150)])),
                ("users", ints(&[Some(10), Some(40)])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Explore, &untimed.0, &untimed.1).unwrap();
        is_svg(&svg);
        let bars = rects(&svg, &hex(PALETTE[0]));
        assert_eq!(bars.len(), 4);
        // Each measure on its own scale, its section below the last.
        assert_ratio(num(&bars[1], "width"), num(&bars[0], "width"), 0.5);
        assert_ratio(num(&bars[2], "width"), num(&bars[3], "width"), 0.25);
        assert!(num(&bars[2], "y") > num(&bars[1], "y"));
        for text in ["events by device", "users by device", "300", "40"] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
    }

    #[test]
    fn long_paths_stay_distinguishable() {
        let (batches, schema) = table(
            vec![
                (
                    "path",
                    strs(&[
                        Some(
                            "/cart -> /search -> /cart -> /checkout -> /checkout/confirmation -> /account/orders/details",
                        ),
                        Some(
                            "/cart -> /help -> /cart -> /checkout -> /checkout/confirmation -> /account/orders/details",
                        ),
                    ]),
                ),
                ("sessions", ints(&[Some(133), Some(62)])),
                ("users", ints(&[Some(118), Some(58)])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Paths, &batches, &schema).unwrap();
        let labels: Vec<String> = texts(&svg)
            .into_iter()
            .filter(|t| t.starts_with("/cart"))
            .collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert_ne!(labels[0], labels[1]);
        assert!(
            labels
                .iter()
                .all(|l| l.chars().count() <= 80 && l.ends_with("/details"))
        );
        assert!(
            labels[0].contains("/search") && labels[1].contains("/help"),
            "{labels:?}"
        );
    }

    #[test]
    fn explore_without_time_is_a_bar_chart() {
        let (batches, schema) = explore_untimed();
        let svg = svg_chart(ChartKind::Explore, &batches, &schema).unwrap();
        is_svg(&svg);
        let bars = rects(&svg, &hex(PALETTE[0]));
        assert_eq!(bars.len(), 2);
        assert_ratio(num(&bars[1], "width"), num(&bars[0], "width"), 0.5);
        assert!(elements(&svg, "polyline").is_empty());
        for text in [
            "events by device",
            "desktop",
            "mobile",
            "null",
            "300",
            "150",
            "0",
        ] {
            assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
        }
    }

    #[test]
    fn empty_results_say_so() {
        let time = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let cases = [
            (ChartKind::Funnel, empty(&funnel_types())),
            (
                ChartKind::Retention(None),
                empty(&[
                    ("cohort", DataType::Date32),
                    ("period", DataType::Int64),
                    ("users", DataType::Int64),
                    ("retained", DataType::Int64),
                    ("rate", DataType::Float64),
                ]),
            ),
            (
                ChartKind::Paths,
                empty(&[
                    ("path", DataType::Utf8),
                    ("sessions", DataType::Int64),
                    ("users", DataType::Int64),
                ]),
            ),
            (
                ChartKind::Explore,
                empty(&[
                    ("device", DataType::Utf8),
                    ("time", time),
                    ("events", DataType::Int64),
                ]),
            ),
            (ChartKind::Explore, empty(&[("events", DataType::Int64)])),
        ];
        for (kind, (batches, schema)) in cases {
            let svg = svg_chart(kind, &batches, &schema).unwrap();
            is_svg(&svg);
            assert!(has_text(&svg, "no rows"), "{kind:?}: {:?}", texts(&svg));
            assert_eq!(
                elements(&svg, "rect").len(),
                1,
                "{kind:?}: only the background"
            );
        }
    }

    #[test]
    fn zero_results_draw_no_bars() {
        let (batches, schema) = table(
            vec![
                ("step", ints(&[Some(1), Some(2)])),
                ("label", strs(&[Some("a"), Some("b")])),
                ("users", ints(&[Some(0), None])),
                ("conversion", floats(&[Some(0.0), None])),
                ("step_conversion", floats(&[Some(1.0), None])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap();
        assert!(rects(&svg, &hex(PALETTE[0])).is_empty());
        assert!(has_text(&svg, "null"));
        let (batches, schema) = table(
            vec![
                ("path", strs(&[Some("/a")])),
                ("sessions", ints(&[Some(0)])),
                ("users", ints(&[Some(0)])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Paths, &batches, &schema).unwrap();
        assert!(rects(&svg, &hex(PALETTE[0])).is_empty());
    }

    #[test]
    fn labels_are_escaped() {
        let (batches, schema) = table(
            vec![
                ("path", strs(&[Some("/a?x=1&y=<2>")])),
                ("sessions", ints(&[Some(3)])),
                ("users", ints(&[Some(1)])),
            ],
            None,
        );
        let svg = svg_chart(ChartKind::Paths, &batches, &schema).unwrap();
        assert!(svg.contains("/a?x=1&amp;y=&lt;2&gt;"));
        assert!(has_text(&svg, "/a?x=1&y=<2>"));
    }

    #[test]
    fn charts_need_no_fonts_and_are_the_same_every_time() {
        let (batches, schema) = funnel_compare();
        let one = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap();
        let two = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap();
        assert_eq!(one, two);
        // Text is left to the viewer's sans-serif: no embedded font, no
        // glyphs drawn as paths.
        assert!(one.contains("font-family=\"sans-serif\""));
        assert!(!one.contains("@font-face") && !one.contains("<path"));
    }

    #[test]
    fn wrong_results_are_errors() {
        let (batches, schema) = paths();
        let error = svg_chart(ChartKind::Funnel, &batches, &schema).unwrap_err();
        assert_eq!(
            error,
            "the result has no column `label` (its columns: path, sessions, users)"
        );
        let error = svg_chart(ChartKind::Retention(None), &batches, &schema).unwrap_err();
        assert!(error.contains("no column `cohort`"), "{error}");
        let (batches, schema) = funnel();
        assert!(svg_chart(ChartKind::Paths, &batches, &schema).is_err());
        let (batches, schema) = table(vec![("user_id", strs(&[Some("u1")]))], None);
        let error = svg_chart(ChartKind::Explore, &batches, &schema).unwrap_err();
        assert!(error.contains("no measure column"), "{error}");
    }

    #[test]
    fn kinds_are_detected_from_columns() {
        assert_eq!(ChartKind::detect(&funnel().1), Some(ChartKind::Funnel));
        assert_eq!(
            ChartKind::detect(&funnel_compare().1),
            Some(ChartKind::Funnel)
        );
        assert_eq!(
            ChartKind::detect(&retention().1),
            Some(ChartKind::Retention(None))
        );
        assert_eq!(ChartKind::detect(&paths().1), Some(ChartKind::Paths));
        assert_eq!(
            ChartKind::detect(&explore_timed().1),
            Some(ChartKind::Explore)
        );
        assert_eq!(
            ChartKind::detect(&explore_untimed().1),
            Some(ChartKind::Explore)
        );
        let members = table(vec![("user_id", strs(&[Some("u1")]))], None).1;
        assert_eq!(ChartKind::detect(&members), None);
    }
}

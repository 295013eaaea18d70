//! Explore as an SVG chart: over time, a panel per measure with one line
//! per `by` group and a legend of the groups; without time, a section of
//! horizontal bars per measure.

use super::bars::{HBar, HBarSection, hbar_chart};
use super::{Area, SMALL, TEXT, color, empty_chart, err, label, legend, render};
use crate::present::read::Explore;
use crate::present::text::{all_midnights, count_text, format_time, truncate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

const LINE_PLOT: (u32, u32) = (800, 440);
/// The height of each panel when an explore has several measures.
const PANEL_HEIGHT: u32 = 300;
const LEGEND_WIDTH: u32 = 220;
const X_TICKS: usize = 8;

/// An explore result: over time, one panel per measure (each measure has
/// its own scale) with one line per group, and a legend of the groups;
/// without time, one section of bars per measure.
pub(super) fn explore_chart(explore: &Explore) -> Result<String, String> {
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
        let (plots, legend_area) = root.split_horizontally(LINE_PLOT.0);
        for (m, plot) in plots.split_evenly((panels, 1)).iter().enumerate() {
            explore_panel(root, plot, explore, m)?;
        }
        let entries: Vec<(usize, &str)> = explore
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (i, g.key.as_str()))
            .collect();
        legend(&legend_area, &entries)?;
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
    let mut chart = super::plot(
        plot,
        &heading,
        (x_start..x_end, 30),
        (top as f64 * 1.1, explore.measures[m].as_str()),
    )?;
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

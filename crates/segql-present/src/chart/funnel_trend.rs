//! A funnel with `every` as an SVG chart: the conversion through the last
//! step per period of entry, one line per segment and `by` group, and a
//! legend of the groups.

use super::{SMALL, TEXT, color, empty_chart, err, label, legend, render};
use crate::present::read::FunnelTrend;
use crate::present::text::truncate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeSet;

const LINE_PLOT: (u32, u32) = (800, 440);
const LEGEND_WIDTH: u32 = 220;
const X_TICKS: usize = 8;

pub(super) fn funnel_trend_chart(trend: &FunnelTrend) -> Result<String, String> {
    let heading = format!(
        "funnel: conversion to {} by period of entry",
        truncate(&trend.last_step, 40)
    );
    // The periods of every group, in order (dates sort as text).
    let periods: Vec<&str> = trend
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.period.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if periods.is_empty() {
        return empty_chart(&heading);
    }
    let at = |period: &str| periods.iter().position(|p| *p == period).unwrap_or(0) as f64;
    let span = (periods.len() - 1) as f64;
    // One period: half a slot either side, so the point has room.
    let x_range = if span > 0.0 { 0.0..span } else { -0.5..0.5 };
    render((LINE_PLOT.0 + LEGEND_WIDTH, LINE_PLOT.1), |root| {
        let (plot, legend_area) = root.split_horizontally(LINE_PLOT.0);
        let mut chart = super::plot(&plot, &heading, (x_range, 30), (100.0, "conversion %"))?;
        for (i, series) in trend.series.iter().enumerate() {
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter_map(|p| p.conversion.map(|c| (at(&p.period), c * 100.0)))
                .collect();
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&point| Circle::new(point, 3, color(i).filled())),
                )
                .map_err(err)?;
            if points.len() > 1 {
                chart
                    .draw_series(LineSeries::new(points, color(i).stroke_width(2)))
                    .map_err(err)?;
            }
        }
        let every = periods.len().div_ceil(X_TICKS);
        for (i, period) in periods.iter().enumerate().step_by(every) {
            // Backend coordinates are the whole picture's: write on the root.
            let (px, py) = chart.backend_coord(&(i as f64, 0.0));
            label(
                root,
                period,
                (px, py + 6),
                SMALL,
                TEXT,
                (HPos::Center, VPos::Top),
            )?;
        }
        let named: Vec<(usize, &str)> = trend
            .series
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.header.as_deref().map(|h| (i, h)))
            .collect();
        legend(&legend_area, &named)?;
        Ok(())
    })
}

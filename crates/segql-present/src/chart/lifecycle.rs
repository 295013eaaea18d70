//! Lifecycle as an SVG chart: a column per period, new, returning and
//! resurrecting users stacked above the axis and dormant users below it
//! (LANGUAGE.md §12), with a key of the colours.

use super::{
    CHAR_PX, FONT, SMALL, SMALL_CHAR_PX, TEXT, TITLE, color, empty_chart, err, label, render,
};
use crate::present::read::LifecyclePeriod;
use crate::present::text::group_digits;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use segql_syntax::result::LIFECYCLE_STATUSES;

const PLOT_HEIGHT: u32 = 440;
const KEY_HEIGHT: u32 = 36;

/// The colour of each status: blue, green and orange above the axis, red
/// below it.
fn status_color(status: usize) -> RGBColor {
    color([0, 4, 1, 2][status])
}

pub(super) fn lifecycle_chart(periods: &[LifecyclePeriod]) -> Result<String, String> {
    const HEADING: &str = "lifecycle: users by status per period";
    if periods.is_empty() {
        return empty_chart(HEADING);
    }
    let slots = periods.len() as f64;
    let width = (150.0 + slots * 36.0).clamp(640.0, 4000.0) as u32;
    let active = |p: &LifecyclePeriod| p.users[..3].iter().sum::<i64>();
    let top = periods.iter().map(active).max().unwrap_or(0).max(1) as f64;
    let bottom = periods.iter().map(|p| p.users[3]).max().unwrap_or(0) as f64;
    // Some room below the axis even without dormant users, for the axis
    // to read as one.
    let bottom = bottom.max(top * 0.1);
    render((width, PLOT_HEIGHT + KEY_HEIGHT), |root| {
        let (plot, below) = root.split_vertically(PLOT_HEIGHT);
        let mut chart = ChartBuilder::on(&plot)
            .caption(HEADING, ("sans-serif", TITLE))
            .margin(20)
            .x_label_area_size(30)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..slots, -bottom * 1.15..top * 1.15)
            .map_err(err)?;
        // Users either side of the axis are counted up from it.
        let y_format = |v: &f64| group_digits(v.abs().round() as i64);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(4)
            .x_labels(0)
            .y_labels(8)
            .y_label_formatter(&y_format)
            .y_desc("users (dormant below the axis)")
            .label_style(("sans-serif", SMALL))
            .draw()
            .map_err(err)?;
        for (i, period) in periods.iter().enumerate() {
            let (x0, x1) = (i as f64 + 0.1, i as f64 + 0.9);
            let mut base = 0.0;
            for status in 0..3 {
                let users = period.users[status].max(0) as f64;
                if users > 0.0 {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, base), (x1, base + users)],
                            status_color(status).filled(),
                        )))
                        .map_err(err)?;
                }
                base += users;
            }
            let dormant = period.users[3].max(0) as f64;
            if dormant > 0.0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, -dormant), (x1, 0.0)],
                        status_color(3).filled(),
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (slots, 0.0)],
                TEXT.stroke_width(1),
            )))
            .map_err(err)?;
        // Period labels under the plot, as many as fit.
        let (left, _) = chart.backend_coord(&(0.0, 0.0));
        let (right, _) = chart.backend_coord(&(slots, 0.0));
        let (_, floor) = chart.backend_coord(&(0.0, -bottom * 1.15));
        let slot_px = (right - left) / periods.len().max(1) as i32;
        let label_px = periods
            .iter()
            .map(|p| super::chars(&p.period))
            .max()
            .unwrap_or(0)
            * SMALL_CHAR_PX
            + 8;
        let every = (label_px / slot_px.max(1) + 1).max(1) as usize;
        for (i, period) in periods.iter().enumerate().step_by(every) {
            let (cx, _) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            label(
                root,
                &period.period,
                (cx, floor + 6),
                SMALL,
                TEXT,
                (HPos::Center, VPos::Top),
            )?;
        }
        let mut x = 92;
        for (status, name) in LIFECYCLE_STATUSES.iter().enumerate() {
            below
                .draw(&Rectangle::new(
                    [(x, 10), (x + 14, 24)],
                    status_color(status).filled(),
                ))
                .map_err(err)?;
            label(
                &below,
                name,
                (x + 20, 17),
                FONT,
                TEXT,
                (HPos::Left, VPos::Center),
            )?;
            x += 20 + super::chars(name) * CHAR_PX + 24;
        }
        Ok(())
    })
}

//! Horizontal bars, section under section: the chart of paths, and of
//! an explore without time.

use super::{CHAR_PX, FONT, TEXT, TITLE, chars, color, empty_chart, err, label, render};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One bar: its label, the value its length shows, and the note after it.
pub(super) struct HBar {
    pub label: String,
    pub value: Option<i64>,
    pub note: String,
}

const HBAR_ROW: i32 = 26;
const HBAR_HEIGHT: i32 = 18;
const HBAR_TOP: i32 = 50;

/// Bars under a heading.
pub(super) struct HBarSection {
    pub heading: String,
    pub rows: Vec<HBar>,
}

/// How `hbar_chart` fits labels: at most so many characters, cut by the
/// function.
pub(super) type LabelFit = (i32, fn(&str, usize) -> String);

/// Each section under its heading, one below the other: one bar per row,
/// in order, its length proportional to its value (the section's largest
/// value is `bar_px` long); the label, cut to its column as `fit` says,
/// left of the bar and the note after it. The columns line up across
/// sections.
pub(super) fn hbar_chart(
    sections: &[HBarSection],
    (most, cut): LabelFit,
) -> Result<String, String> {
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

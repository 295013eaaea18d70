//! The SVG charts of hand-built results, read back from the SVG text:
//! the elements drawn, their sizes, places and colours, and the texts.

use super::retention::{BLANK_NOTE, heat};
use super::*;
use crate::AnalysisKind;
use crate::fixtures::*;
use arrow::datatypes::{DataType, TimeUnit};
use segql_syntax::Period;

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

/// The horizontal bars of the first colour, asserting how many there are
/// and their widths: bar `i + 1` is `ratios[i]` of the first (the longest).
fn ranked_bars<'a>(svg: &'a str, ratios: &[f64]) -> Vec<Vec<(&'a str, &'a str)>> {
    let bars = rects(svg, &hex(PALETTE[0]));
    assert_eq!(bars.len(), ratios.len() + 1);
    for (bar, &ratio) in bars[1..].iter().zip(ratios) {
        assert_ratio(num(bar, "width"), num(&bars[0], "width"), ratio);
    }
    bars
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

/// The chart of `result`, checked to be a whole SVG document.
fn chart(kind: AnalysisKind, (batches, schema): Result) -> String {
    let svg = svg_chart(kind, &batches, &schema).unwrap();
    is_svg(&svg);
    svg
}

#[test]
fn funnel_bars_are_proportional_to_users() {
    let svg = chart(AnalysisKind::Funnel, funnel());
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
    let svg = chart(AnalysisKind::Funnel, funnel_compare());
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
    let svg = chart(AnalysisKind::Retention(Period::Day), retention());
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
        "period: days since the cohort's day",
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
    let svg = chart(AnalysisKind::Retention(Period::Week), retention());
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
        let svg = chart(AnalysisKind::Retention(period), retention());
        assert!(has_text(&svg, caption), "{:?}", texts(&svg));
    }
}

#[test]
fn paths_are_ranked_bars() {
    let svg = chart(AnalysisKind::Paths, paths());
    // The path with 0 sessions has no bar.
    let bars = ranked_bars(&svg, &[0.5, 7.0 / 120.0]);
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
    let svg = chart(AnalysisKind::Explore, explore_timed());
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
    let svg = chart(
        AnalysisKind::Explore,
        table(
            vec![
                ("time", times(&[MAR16 + 3_600_000_000])),
                ("users", ints(&[Some(12)])),
            ],
            None,
        ),
    );
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
    let svg = chart(AnalysisKind::Explore, untimed);
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
    let svg = chart(
        AnalysisKind::Paths,
        paths_of(&[
            (
                "/cart -> /search -> /cart -> /checkout -> /checkout/confirmation -> /account/orders/details",
                133,
                118,
            ),
            (
                "/cart -> /help -> /cart -> /checkout -> /checkout/confirmation -> /account/orders/details",
                62,
                58,
            ),
        ]),
    );
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
    let svg = chart(AnalysisKind::Explore, explore_untimed());
    ranked_bars(&svg, &[0.5]);
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
fn lifecycle_stacks_statuses_above_the_axis_and_dormant_below() {
    let svg = chart(AnalysisKind::Lifecycle(Period::Week), lifecycle());
    let fill = |status: usize| hex(PALETTE[[0, 4, 1, 2][status]]);
    // Key swatches are 14 px squares; the bars are the other rects.
    let bars = |status: usize| -> Vec<_> {
        rects(&svg, &fill(status))
            .into_iter()
            .filter(|r| num(r, "width") > 14.0)
            .collect()
    };
    let (new, returning, resurrecting, dormant) = (bars(0), bars(1), bars(2), bars(3));
    assert_eq!(
        (
            new.len(),
            returning.len(),
            resurrecting.len(),
            dormant.len()
        ),
        (2, 1, 1, 1)
    );
    // Heights on one scale: 40 new users the first week, 10 the second.
    assert_ratio(num(&new[1], "height"), num(&new[0], "height"), 0.25);
    assert_ratio(
        num(&returning[0], "height"),
        num(&new[0], "height"),
        25.0 / 40.0,
    );
    assert_ratio(
        num(&dormant[0], "height"),
        num(&new[0], "height"),
        15.0 / 40.0,
    );
    // Second week: resurrecting on top of returning on top of new, and
    // dormant hanging from where new starts (the axis).
    let top = |r: &[(&str, &str)]| num(r, "y");
    let bottom = |r: &[(&str, &str)]| num(r, "y") + num(r, "height");
    assert!((bottom(&resurrecting[0]) - top(&returning[0])).abs() <= 1.0);
    assert!((bottom(&returning[0]) - top(&new[1])).abs() <= 1.0);
    assert!((top(&dormant[0]) - bottom(&new[1])).abs() <= 1.0);
    for text in [
        "new",
        "returning",
        "resurrecting",
        "dormant",
        "2026-03-02",
        "2026-03-09",
    ] {
        assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
    }
}

#[test]
fn stickiness_is_bars_per_count_of_periods() {
    let svg = chart(AnalysisKind::Stickiness(Period::Day), stickiness());
    let bars = rects(&svg, &hex(PALETTE[0]));
    // The count with no users has no bar.
    assert_eq!(bars.len(), 3);
    assert_ratio(num(&bars[1], "height"), num(&bars[0], "height"), 0.5);
    assert_ratio(num(&bars[2], "height"), num(&bars[0], "height"), 1.0 / 6.0);
    for text in ["1", "4", "60", "30.0%", "0.0%"] {
        assert!(has_text(&svg, text), "no {text:?} in {:?}", texts(&svg));
    }
}

#[test]
fn empty_results_say_so() {
    let time = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let cases = [
        (AnalysisKind::Funnel, no_rows(funnel())),
        (
            AnalysisKind::Retention(Period::Day),
            empty(&retention_types()),
        ),
        (AnalysisKind::Paths, no_rows(paths())),
        (
            AnalysisKind::Explore,
            empty(&[
                ("device", DataType::Utf8),
                ("time", time),
                ("events", DataType::Int64),
            ]),
        ),
        (AnalysisKind::Explore, empty(&[("events", DataType::Int64)])),
        (AnalysisKind::Lifecycle(Period::Day), no_rows(lifecycle())),
        (AnalysisKind::Stickiness(Period::Day), no_rows(stickiness())),
    ];
    for (kind, result) in cases {
        let svg = chart(kind, result);
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
    let svg = chart(
        AnalysisKind::Funnel,
        table(
            vec![
                ("step", ints(&[Some(1), Some(2)])),
                ("label", strs(&[Some("a"), Some("b")])),
                ("users", ints(&[Some(0), None])),
                ("conversion", floats(&[Some(0.0), None])),
                ("step_conversion", floats(&[Some(1.0), None])),
            ],
            None,
        ),
    );
    assert!(rects(&svg, &hex(PALETTE[0])).is_empty());
    assert!(has_text(&svg, "null"));
    let svg = chart(AnalysisKind::Paths, paths_of(&[("/a", 0, 0)]));
    assert!(rects(&svg, &hex(PALETTE[0])).is_empty());
}

#[test]
fn labels_are_escaped() {
    let svg = chart(AnalysisKind::Paths, paths_of(&[("/a?x=1&y=<2>", 3, 1)]));
    assert!(svg.contains("/a?x=1&amp;y=&lt;2&gt;"));
    assert!(has_text(&svg, "/a?x=1&y=<2>"));
}

#[test]
fn charts_need_no_fonts_and_are_the_same_every_time() {
    let one = chart(AnalysisKind::Funnel, funnel_compare());
    let two = chart(AnalysisKind::Funnel, funnel_compare());
    assert_eq!(one, two);
    // Text is left to the viewer's sans-serif: no embedded font, no
    // glyphs drawn as paths.
    assert!(one.contains("font-family=\"sans-serif\""));
    assert!(!one.contains("@font-face") && !one.contains("<path"));
}

#[test]
fn wrong_results_are_errors() {
    let (batches, schema) = paths();
    let error = svg_chart(AnalysisKind::Funnel, &batches, &schema).unwrap_err();
    assert_eq!(
        error,
        "the result has no column `label` (its columns: path, sessions, users)"
    );
    let error = svg_chart(AnalysisKind::Retention(Period::Day), &batches, &schema).unwrap_err();
    assert!(error.contains("no column `cohort`"), "{error}");
    let (batches, schema) = funnel();
    assert!(svg_chart(AnalysisKind::Paths, &batches, &schema).is_err());
    let (batches, schema) = table(vec![("user_id", strs(&[Some("u1")]))], None);
    let error = svg_chart(AnalysisKind::Explore, &batches, &schema).unwrap_err();
    assert!(error.contains("no measure column"), "{error}");
}

#[test]
fn funnel_trends_draw_a_conversion_line_per_group() {
    let svg = chart(AnalysisKind::FunnelTrend(Period::Week), funnel_trend());
    assert!(
        svg.contains("conversion to action &quot;CHECKOUT&quot;"),
        "{svg}"
    );
    // Two groups: a line through the two desktop periods, one point for
    // the null group; a key entry for each.
    let line = format!("stroke=\"{}\"", hex(PALETTE[0]));
    let lines = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains(&line))
        .count();
    assert_eq!(lines, 1, "{svg}");
    assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
    assert!(svg.contains("device = desktop") && svg.contains("device = null"));
    // The periods are written under the axis.
    assert!(svg.contains("2026-01-01") && svg.contains("2026-01-08"));
    let empty = chart(
        AnalysisKind::FunnelTrend(Period::Week),
        no_rows(funnel_trend()),
    );
    assert!(empty.contains("no rows"));
}

#[test]
fn funnel_bars_carry_their_median_time_to_convert() {
    let svg = chart(AnalysisKind::Funnel, funnel());
    assert!(svg.contains("\n1m 12s\n"), "{svg}");
}

//! The terminal pictures of hand-built results, the blanking of
//! unobserved retention periods, and the text helpers.

use super::read::Columns;
use super::retention::{civil_from_days, days_from_civil, period_start};
use super::text::{
    bar, format_time, group_digits, percent, truncate, truncate_middle, truncate_path,
};
use super::*;
use crate::fixtures::*;
use arrow::array::{ArrayRef, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, TimeUnit};
use segql_syntax::Period;
use std::sync::Arc;

#[test]
fn funnel_one_block() {
    let (batches, schema) = funnel();
    let expected = r#"viewed "/cart"     ███████████  1,000  100.0%
action "CHECKOUT"  ████████       724   72.4%  median 1m 12s
event "purchase"                    0    0.0%
"#;
    assert_eq!(funnel_bars(&batches, &schema, 60), expected);
    // The longest line fills the width asked for.
    assert_eq!(expected.lines().map(|l| l.chars().count()).max(), Some(60));
}

#[test]
fn funnel_blocks_have_headers_and_zero_blocks_have_no_bars() {
    let (batches, schema) = funnel_compare();
    assert_eq!(batches.len(), 2);
    let expected = r#"premium · device = desktop
  viewed "/cart"     ██████████    200  100.0%
  action "CHECKOUT"  ██▌            50   25.0%  median 1h 02m

premium · device = mobile
  viewed "/cart"     ██████████  1,234  100.0%
  action "CHECKOUT"  ██████████  1,234  100.0%  median 6.2s

free · device = null
  viewed "/cart"                     0    0.0%
  action "CHECKOUT"                  0    0.0%
"#;
    assert_eq!(funnel_bars(&batches, &schema, 60), expected);
}

#[test]
fn funnel_nulls_long_labels_and_a_typed_by() {
    let (batches, schema) = table(
        vec![
            ("plan_id", ints(&[Some(3), Some(3)])),
            ("step", ints(&[Some(1), Some(2)])),
            (
                "label",
                strs(&[
                    Some(
                        r#"viewed like "/product/%" with device = "mobile" and browser = "safari""#,
                    ),
                    None,
                ]),
            ),
            // A null step 1: no bar can be relative to it.
            ("users", ints(&[None, Some(5)])),
            ("conversion", floats(&[None, None])),
            ("step_conversion", floats(&[None, None])),
        ],
        None,
    );
    // The label gets 16 of the 40 characters; the bar its minimum, 10,
    // so the lines are 42 wide.
    let expected = concat!(
        "plan_id = 3\n",
        "  viewed like \"/p…              null  null\n",
        "  null                             5  null\n",
    );
    assert_eq!(funnel_bars(&batches, &schema, 40), expected);
}

#[test]
fn funnel_segment_only_and_narrow_width() {
    let (batches, schema) = table(
        vec![
            ("segment", strs(&[Some("premium"), Some("premium")])),
            ("step", ints(&[Some(1), Some(2)])),
            ("label", strs(&[Some("a"), Some("b")])),
            ("users", ints(&[Some(8), Some(1)])),
            ("conversion", floats(&[Some(1.0), Some(0.125)])),
            ("step_conversion", floats(&[Some(1.0), Some(0.125)])),
        ],
        None,
    );
    // Width 0: the bar still gets its 10 characters; 1/8 of 10 cells is
    // 1¼ cells, to the nearest eighth.
    let expected = "premium\n  a  ██████████  8  100.0%\n  b  █▎          1   12.5%\n";
    assert_eq!(funnel_bars(&batches, &schema, 0), expected);
}

#[test]
fn funnel_empty_and_wrong_results() {
    let (batches, schema) = no_rows(funnel());
    assert_eq!(funnel_bars(&batches, &schema, 80), "no rows\n");
    let (batches, schema) = paths();
    assert_eq!(
        funnel_bars(&batches, &schema, 80),
        "cannot draw the funnel: the result has no column `label` (its columns: path, sessions, users)\n"
    );
}

// A null rate (a period after the end of the data) is a blank cell.
const RETENTION: &str = "\
device   cohort      users       0       1       2
desktop  2026-03-16  1,200  100.0%   45.0%    5.0%
desktop  2026-03-23     40   25.0%    0.0%    0.0%
null     2026-03-16      0
";

#[test]
fn retention_plain() {
    let (batches, schema) = retention();
    assert_eq!(retention_triangle(&batches, &schema, false), RETENTION);
}

/// The text less its ANSI escapes and trailing spaces.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

#[test]
fn retention_colored() {
    let (batches, schema) = retention();
    let colored = retention_triangle(&batches, &schema, true);
    assert_eq!(strip_ansi(&colored), RETENTION);
    // 100%: the darkest blue, white text; 45%: a middle blue, black text;
    // 0%: white; null cells are not shaded.
    assert!(colored.contains("\x1b[48;5;21m\x1b[38;5;231m 100.0% \x1b[0m"));
    assert!(colored.contains("\x1b[48;5;111m\x1b[38;5;16m  45.0% \x1b[0m"));
    assert!(colored.contains("\x1b[48;5;231m\x1b[38;5;16m   0.0% \x1b[0m"));
    assert_eq!(colored.matches("\x1b[0m").count(), 6);
    let last = colored.lines().last().unwrap();
    assert!(!last.contains('\x1b'), "{last:?}");
}

#[test]
fn retention_without_by_with_a_missing_period() {
    let (batches, schema) = table(
        vec![
            ("cohort", dates(&[20528, 20528, 20535])),
            ("period", ints(&[Some(0), Some(1), Some(0)])),
            ("users", ints(&[Some(10), Some(10), Some(3)])),
            ("retained", ints(&[Some(10), Some(2), Some(1)])),
            ("rate", floats(&[Some(1.0), Some(0.2), Some(1.0 / 3.0)])),
        ],
        None,
    );
    let expected = "\
cohort      users       0       1
2026-03-16     10  100.0%   20.0%
2026-03-23      3   33.3%
";
    assert_eq!(retention_triangle(&batches, &schema, false), expected);
}

/// `cohort, period` rows of `users` actors, every one retained.
fn weekly_retention(rows: &[(i32, i64)]) -> Result {
    let n = rows.len();
    table(
        vec![
            (
                "cohort",
                dates(&rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            ),
            (
                "period",
                ints(&rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>()),
            ),
            ("users", ints(&vec![Some(4); n])),
            ("retained", ints(&vec![Some(2); n])),
            ("rate", floats(&vec![Some(0.5); n])),
        ],
        Some(n / 2),
    )
}

#[test]
fn periods_after_the_data_are_blank_and_the_picture_a_triangle() {
    // Weekly cohorts of Monday 2026-03-16 and 2026-03-23, periods 0-2;
    // the data ends on Wednesday 2026-03-25 (exclusive end: the
    // instant after its last event).
    let (batches, schema) = weekly_retention(&[
        (20528, 0),
        (20528, 1),
        (20528, 2),
        (20535, 0),
        (20535, 1),
        (20535, 2),
    ]);
    let end = MAR16 + 9 * DAY + 1;
    let (shown, shown_schema) = blank_unobserved(&batches, &schema, Period::Week, end).unwrap();
    let columns = Columns::new(&shown, &shown_schema).unwrap();
    let retained = columns.ints(columns.index("retained").unwrap()).unwrap();
    let rate = columns.floats(columns.index("rate").unwrap()).unwrap();
    // The week of 2026-03-23 holds the end: observed. The week of
    // 2026-03-30 starts after it.
    assert_eq!(retained, vec![Some(2), Some(2), None, Some(2), None, None]);
    assert_eq!(
        rate,
        vec![Some(0.5), Some(0.5), None, Some(0.5), None, None]
    );
    assert!(shown_schema.field_with_name("rate").unwrap().is_nullable());
    let expected = "\
cohort      users       0       1       2
2026-03-16      4   50.0%   50.0%
2026-03-23      4   50.0%
";
    assert_eq!(retention_triangle(&shown, &shown_schema, false), expected);
    // The result itself is untouched.
    let columns = Columns::new(&batches, &schema).unwrap();
    assert!(columns.ints(3).unwrap().iter().all(Option::is_some));
}

#[test]
fn period_starts_count_calendar_days_weeks_and_months() {
    // 2025-12-01 (day 20423) + 1 month is 2026-01-01, + 3 months
    // 2026-03-01, - 12 months 2024-12-01.
    let day = |d: i64| d * DAY;
    assert_eq!(period_start(Period::Month, 20423, 1), Some(day(20454)));
    assert_eq!(period_start(Period::Month, 20423, 3), Some(day(20513)));
    assert_eq!(period_start(Period::Month, 20423, -12), Some(day(20058)));
    assert_eq!(period_start(Period::Week, 20528, 2), Some(day(20542)));
    assert_eq!(period_start(Period::Day, 20528, 2), Some(day(20530)));
    assert_eq!(period_start(Period::Day, 0, i64::MAX), None);
    for days in [-800_000, -1, 0, 59, 20423, 2_932_896] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
    assert_eq!(civil_from_days(20423), (2025, 12, 1));
    assert_eq!(civil_from_days(59), (1970, 3, 1));
}

#[test]
fn retention_empty() {
    let (batches, schema) = empty(&retention_types());
    assert_eq!(retention_triangle(&batches, &schema, true), "no rows\n");
}

#[test]
fn sparklines_by_group_for_every_measure() {
    let (batches, schema) = explore_timed();
    // Mobile has no row on three days, desktop none on the 18th: those
    // count 0. Each measure gets its block.
    let expected = "\
events by device from 2026-03-16 to 2026-03-19, 4 buckets
desktop  ▂▅▁█  min 0  max 80  total 130
mobile   ▁▁█▁  min 0  max  5  total   5

users by device from 2026-03-16 to 2026-03-19, 4 buckets
desktop  ▃▄▁█  min 0  max 9  total 16
mobile   ▁▁█▁  min 0  max 1  total  1
";
    assert_eq!(explore_sparklines(&batches, &schema).unwrap(), expected);
}

#[test]
fn sparklines_merge_long_series_and_show_nulls() {
    const HOUR: i64 = 3_600_000_000;
    let times_: Vec<i64> = (0..130).map(|i| MAR16 + i * HOUR).collect();
    let values: Vec<Option<i64>> = (0..130).map(|i| (i != 5).then_some(1)).collect();
    let (batches, schema) = table(
        vec![("time", times(&times_)), ("events", ints(&values))],
        None,
    );
    // 130 buckets in runs of 3: 43 runs of 3 and one of 1; the run with
    // the null is blank.
    let spark = format!("█ {}▃", "█".repeat(41));
    let expected = format!(
        "events from 2026-03-16 00:00 to 2026-03-21 09:00, 130 buckets, 3 per mark\n\
         all  {spark}  min 1  max 1  total 129\n"
    );
    let text = explore_sparklines(&batches, &schema).unwrap();
    assert_eq!(text, expected);
    assert_eq!(spark.chars().count(), 44);
}

#[test]
fn sparklines_zeros_and_empty() {
    let (batches, schema) = table(
        vec![
            ("country", strs(&[None, None])),
            ("time", times(&[MAR16, MAR16 + 7 * DAY])),
            ("count", ints(&[Some(0), Some(0)])),
        ],
        None,
    );
    let expected = "\
count by country from 2026-03-16 to 2026-03-23, 2 buckets
null  ▁▁  min 0  max 0  total 0
";
    assert_eq!(explore_sparklines(&batches, &schema).unwrap(), expected);
    let (batches, schema) = empty(&[
        (
            "time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ),
        ("events", DataType::Int64),
    ]);
    assert_eq!(explore_sparklines(&batches, &schema).unwrap(), "no rows\n");
}

#[test]
fn sparklines_of_a_reporting_zone_show_its_local_days() {
    // Berlin's local midnights of 2026-03-16 (+01:00) and 2026-03-30
    // (+02:00): dates, not 23:00 and 22:00 of the days before.
    const HOUR: i64 = 3_600_000_000;
    let local: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from(vec![MAR16 - HOUR, MAR16 + 14 * DAY - 2 * HOUR])
            .with_timezone("Europe/Berlin"),
    );
    let (batches, schema) = table(
        vec![("time", local), ("events", ints(&[Some(1), Some(2)]))],
        None,
    );
    let text = explore_sparklines(&batches, &schema).unwrap();
    assert!(
        text.starts_with("events from 2026-03-16 to 2026-03-30, 2 buckets"),
        "{text}"
    );
}

#[test]
fn sparklines_need_time() {
    let (batches, schema) = explore_untimed();
    assert_eq!(explore_sparklines(&batches, &schema), None);
    let (batches, schema) = empty(&[("events", DataType::Int64)]);
    assert_eq!(explore_sparklines(&batches, &schema), None);
    let (batches, schema) = funnel();
    assert_eq!(explore_sparklines(&batches, &schema), None);
}

#[test]
fn paths_ranked() {
    let (batches, schema) = paths();
    let expected = "\
path                                                             sessions  users
/cart -> /…kout -> /…ment -> /…tion -> /…ders     █████████████       120    100
/cart -> /home                                    ██████▌              60     58
null                                              ▊                     7   null
/cart                                                                   0      0
";
    assert_eq!(paths_bars(&batches, &schema, 80), expected);
    assert!(expected.lines().all(|l| l.chars().count() == 80));
}

#[test]
fn long_paths_that_differ_in_one_step_read_differently() {
    let (batches, schema) = paths_of(&[
        (
            "/cart -> /search -> /cart -> /checkout -> /checkout/confirmation",
            133,
            118,
        ),
        (
            "/cart -> /help -> /cart -> /checkout -> /checkout/confirmation",
            62,
            58,
        ),
        ("/cart -> /checkout -> /checkout/confirmation", 2969, 1159),
    ]);
    let text = paths_bars(&batches, &schema, 80);
    let shown: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split("  ").next().unwrap())
        .collect();
    assert_eq!(
        shown,
        vec![
            "/cart -> /search -> /cart -> /c…kout -> /c…tion",
            "/cart -> /help -> /cart -> /c…ckout -> /c…ation",
            "/cart -> /checkout -> /checkout/confirmation",
        ],
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() == 80), "{text}");
    // Each name is cut as little as the width allows.
    assert_eq!(
        truncate_path("/home -> /product/p0001/reviews -> /cart", 30),
        "/home -> /pr…/reviews -> /cart"
    );
    // A path too long even so is cut in its middle.
    assert_eq!(
        truncate_path("/a -> /b -> /c -> /d -> /e", 10),
        truncate_middle("/a -> /b -> /c -> /d -> /e", 10)
    );
    assert_eq!(
        truncate_path("/single/very/long/page/name", 12),
        "/si…age/name"
    );
}

#[test]
fn paths_zero_and_empty() {
    let (batches, schema) = paths_of(&[("/a", 0, 0)]);
    let expected = "\
path              sessions  users
/a                       0      0
";
    assert_eq!(paths_bars(&batches, &schema, 20), expected);
    let (batches, schema) = no_rows(paths());
    assert_eq!(paths_bars(&batches, &schema, 80), "no rows\n");
}

#[test]
fn lifecycle_bars_put_dormant_users_left_of_the_axis() {
    let (batches, schema) = lifecycle();
    // 2026-03-02 is day 20514. One scale both sides of the axis: the
    // most active users (40) and the most dormant ones (15) fill the 26
    // cells of the bar.
    let expected = "\
█ new  ▓ returning  ▒ resurrecting  ░ dormant (left of │)
period             │                     new  returning  resurrecting  dormant
2026-03-02         │███████████████████   40          0             0        0
2026-03-09  ░░░░░░░│█████▓▓▓▓▓▓▓▓▓▓▓▓▒▒   10         25             5       15
";
    let text = lifecycle_bars(&batches, &schema, 78);
    assert_eq!(text, expected, "\n{text}");
    let (batches, schema) = no_rows(lifecycle());
    assert_eq!(lifecycle_bars(&batches, &schema, 80), "no rows\n");
    // A status the contract does not have cannot be drawn.
    let (batches, schema) = table(
        vec![
            ("period", dates(&[20_514])),
            ("status", strs(&[Some("churned")])),
            ("users", ints(&[Some(1)])),
        ],
        None,
    );
    assert_eq!(
        lifecycle_bars(&batches, &schema, 80),
        "cannot draw the lifecycle: `churned` is not a lifecycle status\n"
    );
}

#[test]
fn stickiness_bars_by_count_of_periods() {
    let (batches, schema) = stickiness();
    let expected = "\
periods                                           users  share
      1  ███████████████████████████████████████     60  60.0%
      2  ███████████████████▌                        30  30.0%
      3                                               0   0.0%
      4  ██████▌                                     10  10.0%
";
    assert_eq!(stickiness_bars(&batches, &schema, 62), expected);
    assert!(expected.lines().all(|l| l.chars().count() == 62));
    let (batches, schema) = no_rows(stickiness());
    assert_eq!(stickiness_bars(&batches, &schema, 80), "no rows\n");
}

#[test]
fn bars_by_eighths() {
    assert_eq!(bar(Some(8), 8, 1), "█");
    assert_eq!(bar(Some(1), 8, 1), "▏");
    assert_eq!(bar(Some(4), 8, 3), "█▌");
    // Tiny but positive: still visible.
    assert_eq!(bar(Some(1), 1_000_000, 10), "▏");
    // More than the maximum: a full bar.
    assert_eq!(bar(Some(9), 8, 2), "██");
    assert_eq!(bar(Some(0), 8, 10), "");
    assert_eq!(bar(None, 8, 10), "");
    assert_eq!(bar(Some(5), 0, 10), "");
    assert_eq!(bar(Some(-5), 8, 10), "");
    assert_eq!(bar(Some(5), 8, 0), "");
}

#[test]
fn numbers_and_labels() {
    assert_eq!(group_digits(0), "0");
    assert_eq!(group_digits(999), "999");
    assert_eq!(group_digits(1000), "1,000");
    assert_eq!(group_digits(1_234_567), "1,234,567");
    assert_eq!(group_digits(-1234), "-1,234");
    assert_eq!(group_digits(i64::MIN), "-9,223,372,036,854,775,808");
    assert_eq!(percent(Some(0.724)), "72.4%");
    assert_eq!(percent(None), "null");
    assert_eq!(truncate("abcdef", 4), "abc…");
    assert_eq!(truncate("abcd", 4), "abcd");
    assert_eq!(truncate("abcd", 0), "");
    assert_eq!(truncate("/café/über", 5), "/caf…");
    assert_eq!(truncate_middle("/product/p0001/reviews", 10), "/pr…eviews");
    assert_eq!(truncate_middle("/café/über", 7), "/c…über");
    assert_eq!(truncate_middle("abc", 3), "abc");
    assert_eq!(truncate_middle("abcd", 1), "…");
    assert_eq!(format_time(MAR16, true), "2026-03-16");
    assert_eq!(
        format_time(MAR16 + 90 * 60_000_000, false),
        "2026-03-16 01:30"
    );
}

#[test]
fn dates_are_utc_civil_dates() {
    assert_eq!(super::utc_date(0), "1970-01-01");
    assert_eq!(super::utc_date(1_774_915_200_000_000), "2026-03-31");
    assert_eq!(super::utc_date(-1), "1969-12-31");
}

#[test]
fn funnel_steps_show_their_median_time_to_convert() {
    let (batches, schema) = funnel();
    let text = funnel_bars(&batches, &schema, 60);
    let lines: Vec<&str> = text.lines().collect();
    // Step 1 has no time; step 2 has its median; step 3 nobody reached.
    assert!(!lines[0].contains("median"), "{text}");
    assert!(lines[1].ends_with("724   72.4%  median 1m 12s"), "{text}");
    assert!(!lines[2].contains("median"), "{text}");
    let (batches, schema) = funnel_compare();
    let text = funnel_bars(&batches, &schema, 60);
    assert!(text.contains("25.0%  median 1h 02m"), "{text}");
    assert!(text.contains("100.0%  median 6.2s"), "{text}");
}

#[test]
fn durations_read_at_a_glance() {
    use super::text::duration_text;
    let cases = [
        (None, ""),
        (Some(0.0), "0.0s"),
        (Some(0.4), "0.4s"),
        (Some(9.96), "10.0s"),
        (Some(42.4), "42s"),
        (Some(192.0), "3m 12s"),
        (Some(7500.0), "2h 05m"),
        (Some(273_600.0), "3d 04h"),
        (Some(-1.0), ""),
    ];
    for (seconds, text) in cases {
        assert_eq!(duration_text(seconds), text, "{seconds:?}");
    }
}

#[test]
fn funnel_trend_lines_give_each_period_its_conversion() {
    let (batches, schema) = funnel_trend();
    let expected = r#"conversion to action "CHECKOUT" by period of entry
device = desktop
  2026-01-01  ██████████                                25.0%  of 120
  2026-01-08  ████████████████████                      50.0%  of  80
device = null
  2026-01-08                                             0.0%  of   3
"#;
    assert_eq!(funnel_trend_lines(&batches, &schema, 70), expected);
    let (batches, schema) = no_rows(funnel_trend());
    assert_eq!(funnel_trend_lines(&batches, &schema, 70), "no rows\n");
}

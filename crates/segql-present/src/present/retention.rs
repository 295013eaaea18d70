//! Retention on a terminal: the cohort triangle, cells shaded by rate.
//! And [`blank_unobserved`]: the periods no one could have returned in
//! yet, blanked before a table, a picture or a chart shows a retention.

use super::read::{Columns, read_retention};
use super::text::{DAY_MICROS, count_text, percent, truncate, widest};
use super::{MAX_KEY, drawable};
use arrow::array::{BooleanArray, RecordBatch};
use arrow::compute::nullif;
use arrow::datatypes::{Field, Schema, SchemaRef};
use segql_syntax::Period;

/// The xterm-256 background of a rate from 0 to 1, light to dark blue, in
/// tenths.
const RAMP: [u8; 11] = [231, 195, 189, 153, 117, 111, 75, 69, 33, 27, 21];

/// The width of a retention cell: ` 100.0% `.
const CELL: usize = 8;

/// A retention result as a cohort triangle: one row per (`by`,) cohort with
/// the cohort's first day and size, then one cell per period with the rate
/// (`45.0%`). A period the cohort has no row for, or whose rate is null
/// (a period after the end of the data, as [`blank_unobserved`] leaves
/// it), is a blank cell, so later cohorts have shorter rows: a triangle.
/// With `color`, each cell is shaded with an ANSI 256-colour background
/// (xterm 231 to 21, white to blue, in tenths; white text on the darker
/// half), darker for higher rates; without, the text is the same less the
/// escapes.
pub fn retention_triangle(batches: &[RecordBatch], schema: &SchemaRef, color: bool) -> String {
    let retention = match drawable(read_retention(batches, schema), "retention", |r| {
        r.cohorts.is_empty()
    }) {
        Ok(retention) => retention,
        Err(text) => return text,
    };
    let cohorts = &retention.cohorts;
    let by_width = retention
        .by_name
        .as_ref()
        .map(|name| widest(name, cohorts.iter().filter_map(|c| c.by.as_deref())).min(MAX_KEY));
    let cohort_width = widest("cohort", cohorts.iter().map(|c| &c.cohort)).min(MAX_KEY);
    let users_width = widest("users", cohorts.iter().map(|c| count_text(c.users)));
    let line = |by: Option<&str>, cohort: &str, users: &str, cells: String| {
        let mut text = String::new();
        if let Some(width) = by_width {
            text.push_str(&format!("{:<width$}  ", truncate(by.unwrap_or(""), width)));
        }
        text.push_str(&format!(
            "{:<cohort_width$}  {users:>users_width$} {cells}",
            truncate(cohort, cohort_width)
        ));
        // A shaded cell ends with an escape: only blank cells are trimmed.
        format!("{}\n", text.trim_end())
    };
    let header_cells: String = retention
        .periods
        .iter()
        .map(|p| format!(" {:>w$} ", p, w = CELL - 2))
        .collect();
    let mut out = line(
        retention.by_name.as_deref(),
        "cohort",
        "users",
        header_cells,
    );
    for cohort in &retention.cohorts {
        let cells: String = retention
            .periods
            .iter()
            .map(|&p| retention_cell(cohort.rate(p), color))
            .collect();
        out.push_str(&line(
            cohort.by.as_deref(),
            &cohort.cohort,
            &count_text(cohort.users),
            cells,
        ));
    }
    out
}

fn retention_cell(rate: Option<Option<f64>>, color: bool) -> String {
    let rate = rate.flatten();
    let text = match rate {
        None => String::new(),
        Some(rate) => percent(Some(rate)),
    };
    let cell = format!(" {:>w$} ", text, w = CELL - 2);
    match rate {
        Some(r) if color && r.is_finite() => {
            let shade = (r.clamp(0.0, 1.0) * 10.0).round() as usize;
            let foreground = if shade > 5 { 231 } else { 16 };
            format!(
                "\x1b[48;5;{}m\x1b[38;5;{foreground}m{cell}\x1b[0m",
                RAMP[shade]
            )
        }
        _ => cell,
    }
}

/// A retention result as a table, a picture or a chart shows it: in the
/// rows of periods that start at or after `end` (where the data ends, in
/// microseconds of the local clock of the reporting time zone, as if it
/// were UTC: the cohorts are local dates), `retained` and `rate` are null, and the
/// columns nullable. No one could have returned in such a period yet; the
/// result itself has every period of every cohort with 0 there (LANGUAGE.md
/// §5), which on a screen reads as churn.
pub fn blank_unobserved(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    period: Period,
    end: i64,
) -> Result<(Vec<RecordBatch>, SchemaRef), String> {
    let columns = Columns::new(batches, schema)?;
    let cohort = columns.days(columns.index("cohort")?)?;
    let offset = columns.ints(columns.index("period")?)?;
    let unobserved: BooleanArray = cohort
        .iter()
        .zip(&offset)
        .map(|(cohort, k)| {
            let start = cohort.zip(*k).map(|(c, k)| period_start(period, c, k));
            // A period past any representable time is past the data too.
            Some(start.is_some_and(|s| s.is_none_or(|s| s >= end)))
        })
        .collect();
    let blanked = ["retained", "rate"]
        .map(|name| columns.index(name))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let batch = columns.batch();
    let fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = f.as_ref().clone();
            if blanked.contains(&i) {
                f.with_nullable(true)
            } else {
                f
            }
        })
        .collect();
    let schema = SchemaRef::new(Schema::new_with_metadata(
        fields,
        batch.schema().metadata().clone(),
    ));
    let arrays = batch
        .columns()
        .iter()
        .enumerate()
        .map(|(i, array)| {
            if blanked.contains(&i) {
                nullif(array, &unobserved).map_err(|e| e.to_string())
            } else {
                Ok(array.clone())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
    Ok((vec![batch], schema))
}

/// The start of period `k` of the cohort that starts on day `cohort` (days
/// since 1970-01-01), in microseconds since the epoch; None past what an
/// `i64` holds.
pub(super) fn period_start(period: Period, cohort: i32, k: i64) -> Option<i64> {
    let cohort = i64::from(cohort);
    let day = match period {
        Period::Day => cohort.checked_add(k)?,
        Period::Week => cohort.checked_add(k.checked_mul(7)?)?,
        Period::Month => {
            let (year, month, _) = civil_from_days(cohort);
            let months = (year * 12 + month - 1).checked_add(k)?;
            days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1)
        }
    };
    day.checked_mul(DAY_MICROS)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `(year, month, day)` of a day since 1970-01-01.
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

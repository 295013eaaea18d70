//! Pictures of analysis results for a terminal, where people look rather
//! than read: funnel bars, a retention triangle, explore sparklines and
//! ranked path bars.
//!
//! Each function is pure: record batches and their schema in, text out.
//! The text ends with a newline (print it with `print!`); an empty result
//! gives `no rows`. Nulls print as `null` (a null retention rate, a period
//! after the end of the data, is a blank cell), labels too long for their
//! column end with `…` (a path is cut inside its names and keeps every
//! step), and a zero anywhere (a step with no users, a result whose
//! largest value is 0) gives an empty bar rather than a division by zero.
//! Widths are counted in characters (`chars()`), which is right for the
//! labels segql produces (URL paths, event names) and for the block
//! characters used here.
//!
//! The readers (`read_funnel`, ...) are shared with [`crate::chart`], so
//! the terminal and the SVG pictures of one result agree.

use arrow::array::BooleanArray;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::nullif;
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Field, Float64Type, Int32Type, Int64Type, Schema, SchemaRef,
    TimeUnit,
};
use arrow::temporal_conversions::timestamp_us_to_datetime;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use segql_syntax::Period;
use std::collections::HashMap;

/// How a null value is shown.
pub(crate) const NULL: &str = "null";

/// What an empty result shows.
const NO_ROWS: &str = "no rows\n";

/// The widest a label column gets in a picture's text.
const MAX_KEY: usize = 30;

/// The most marks of a sparkline: longer series are summed in runs of
/// consecutive buckets.
pub const MAX_SPARK: usize = 60;

// ---------------------------------------------------------------------------
// Reading results (shared with chart.rs)
// ---------------------------------------------------------------------------

/// A result as one batch, with typed access to its columns.
pub(crate) struct Columns {
    batch: RecordBatch,
}

impl Columns {
    pub(crate) fn new(batches: &[RecordBatch], schema: &SchemaRef) -> Result<Self, String> {
        // The batches' own schema wins: it may differ from the planned one in
        // metadata or nullability only.
        let schema = batches
            .first()
            .map_or_else(|| schema.clone(), RecordBatch::schema);
        let batch = concat_batches(&schema, batches).map_err(|e| e.to_string())?;
        Ok(Columns { batch })
    }

    pub(crate) fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    pub(crate) fn names(&self) -> Vec<String> {
        let schema = self.batch.schema();
        schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    pub(crate) fn data_type(&self, i: usize) -> DataType {
        self.batch.schema().field(i).data_type().clone()
    }

    pub(crate) fn index(&self, name: &str) -> Result<usize, String> {
        self.batch.schema().index_of(name).map_err(|_| {
            format!(
                "the result has no column `{name}` (its columns: {})",
                self.names().join(", ")
            )
        })
    }

    fn column(&self, i: usize) -> &ArrayRef {
        self.batch.column(i)
    }

    /// Every value of column `i` as text, nulls as `null`.
    pub(crate) fn text(&self, i: usize) -> Result<Vec<String>, String> {
        let options = FormatOptions::new().with_null(NULL);
        let formatter = ArrayFormatter::try_new(self.column(i).as_ref(), &options)
            .map_err(|e| e.to_string())?;
        Ok((0..self.rows())
            .map(|row| formatter.value(row).to_string())
            .collect())
    }

    pub(crate) fn ints(&self, i: usize) -> Result<Vec<Option<i64>>, String> {
        self.values::<Int64Type>(i, "not an integer column")
    }

    pub(crate) fn floats(&self, i: usize) -> Result<Vec<Option<f64>>, String> {
        self.values::<Float64Type>(i, "not a number column")
    }

    /// Column `i` cast to `T`.
    fn values<T: ArrowPrimitiveType>(
        &self,
        i: usize,
        not_of_type: &str,
    ) -> Result<Vec<Option<T::Native>>, String> {
        let array = cast(self.column(i), &T::DATA_TYPE).map_err(|e| e.to_string())?;
        let array = array.as_primitive_opt::<T>().ok_or(not_of_type)?;
        Ok(array.iter().collect())
    }

    /// A date column as days since 1970-01-01.
    pub(crate) fn days(&self, i: usize) -> Result<Vec<Option<i32>>, String> {
        let dates = cast(self.column(i), &DataType::Date32).map_err(|e| e.to_string())?;
        let days = cast(&dates, &DataType::Int32).map_err(|e| e.to_string())?;
        let days = days
            .as_primitive_opt::<Int32Type>()
            .ok_or("not a date column")?;
        Ok(days.iter().collect())
    }

    /// A time column as microseconds since the epoch (UTC).
    pub(crate) fn micros(&self, i: usize) -> Result<Vec<Option<i64>>, String> {
        let column = self.column(i);
        let array = match column.data_type() {
            // Keep the zone: only the unit changes, never the instant.
            DataType::Timestamp(_, tz) => cast(
                column,
                &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
            ),
            DataType::Int64 => Ok(column.clone()),
            _ => cast(column, &DataType::Timestamp(TimeUnit::Microsecond, None)),
        }
        .map_err(|e| e.to_string())?;
        let array = cast(&array, &DataType::Int64).map_err(|e| e.to_string())?;
        let array = array
            .as_primitive_opt::<Int64Type>()
            .ok_or("not a time column")?;
        Ok(array.iter().collect())
    }
}

/// One step of a funnel block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FunnelStep {
    pub label: String,
    pub users: Option<i64>,
    pub conversion: Option<f64>,
}

/// The steps of one segment and `by` group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FunnelBlock {
    pub segment: Option<String>,
    pub by: Option<String>,
    pub steps: Vec<FunnelStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Funnel {
    /// The `by` column's name, when there is one.
    pub by_name: Option<String>,
    pub blocks: Vec<FunnelBlock>,
}

impl Funnel {
    /// `premium · device = mobile`; None when the funnel has one block
    /// without segment or `by`.
    pub(crate) fn header(&self, block: &FunnelBlock) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(segment) = &block.segment {
            parts.push(segment.clone());
        }
        if let (Some(name), Some(value)) = (&self.by_name, &block.by) {
            parts.push(format!("{name} = {value}"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// The fixed columns that end a funnel result.
const FUNNEL_TAIL: [&str; 5] = ["step", "label", "users", "conversion", "step_conversion"];

pub(crate) fn read_funnel(batches: &[RecordBatch], schema: &SchemaRef) -> Result<Funnel, String> {
    let columns = Columns::new(batches, schema)?;
    let names = columns.names();
    let label = columns.text(columns.index("label")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let conversion = columns.floats(columns.index("conversion")?)?;
    // `[segment,] [by,]` come before the fixed columns.
    let prefix = columns.index("step")?;
    let (segment_index, by_index) = match prefix {
        0 => (None, None),
        1 if names[0] == "segment" && names.len() == FUNNEL_TAIL.len() + 1 => (Some(0), None),
        1 => (None, Some(0)),
        _ => (Some(prefix - 2), Some(prefix - 1)),
    };
    let segment = segment_index.map(|i| columns.text(i)).transpose()?;
    let by = by_index.map(|i| columns.text(i)).transpose()?;
    let mut blocks: Vec<FunnelBlock> = Vec::new();
    for row in 0..columns.rows() {
        let block_segment = segment.as_ref().map(|s| s[row].clone());
        let block_by = by.as_ref().map(|b| b[row].clone());
        let same = blocks
            .last()
            .is_some_and(|b| b.segment == block_segment && b.by == block_by);
        if !same {
            blocks.push(FunnelBlock {
                segment: block_segment,
                by: block_by,
                steps: Vec::new(),
            });
        }
        let block = blocks.last_mut().expect("a block was pushed");
        block.steps.push(FunnelStep {
            label: label[row].clone(),
            users: users[row],
            conversion: conversion[row],
        });
    }
    Ok(Funnel {
        by_name: by_index.map(|i| names[i].clone()),
        blocks,
    })
}

/// One cohort of a retention result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cohort {
    pub by: Option<String>,
    pub cohort: String,
    pub users: Option<i64>,
    /// `(period, rate)` as given.
    pub rates: Vec<(i64, Option<f64>)>,
}

impl Cohort {
    /// The cell of `period`: None when the result has no row for it.
    pub(crate) fn rate(&self, period: i64) -> Option<Option<f64>> {
        self.rates
            .iter()
            .find(|(p, _)| *p == period)
            .map(|(_, rate)| *rate)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Retention {
    pub by_name: Option<String>,
    /// Every period of the result, ascending.
    pub periods: Vec<i64>,
    pub cohorts: Vec<Cohort>,
}

pub(crate) fn read_retention(
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<Retention, String> {
    let columns = Columns::new(batches, schema)?;
    let names = columns.names();
    let cohort_index = columns.index("cohort")?;
    let cohort = columns.text(cohort_index)?;
    let period = columns.ints(columns.index("period")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let rate = columns.floats(columns.index("rate")?)?;
    let by_index = cohort_index.checked_sub(1);
    let by = by_index.map(|i| columns.text(i)).transpose()?;
    let mut cohorts: Vec<Cohort> = Vec::new();
    let mut periods = Vec::new();
    for row in 0..columns.rows() {
        let row_by = by.as_ref().map(|b| b[row].clone());
        let same = cohorts
            .last()
            .is_some_and(|c| c.by == row_by && c.cohort == cohort[row]);
        if !same {
            cohorts.push(Cohort {
                by: row_by,
                cohort: cohort[row].clone(),
                users: users[row],
                rates: Vec::new(),
            });
        }
        // A row without a period has no cell to go in.
        if let Some(p) = period[row] {
            cohorts
                .last_mut()
                .expect("a cohort was pushed")
                .rates
                .push((p, rate[row]));
            periods.push(p);
        }
    }
    periods.sort_unstable();
    periods.dedup();
    Ok(Retention {
        by_name: by_index.map(|i| names[i].clone()),
        periods,
        cohorts,
    })
}

/// A retention result as a table, a picture or a chart shows it: in the
/// rows of periods that start at or after `end` (microseconds since the
/// epoch: where the data ends), `retained` and `rate` are null, and the
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
    let batch = &columns.batch;
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

const DAY_MICROS: i64 = 86_400_000_000;

/// The start of period `k` of the cohort that starts on day `cohort` (days
/// since 1970-01-01), in microseconds since the epoch; None past what an
/// `i64` holds.
fn period_start(period: Period, cohort: i32, k: i64) -> Option<i64> {
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
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `(year, month, day)` of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
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

/// One row of a paths result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathRow {
    pub path: String,
    pub sessions: Option<i64>,
    pub users: Option<i64>,
}

pub(crate) fn read_paths(
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<Vec<PathRow>, String> {
    let columns = Columns::new(batches, schema)?;
    let path = columns.text(columns.index("path")?)?;
    let sessions = columns.ints(columns.index("sessions")?)?;
    let users = columns.ints(columns.index("users")?)?;
    Ok((0..columns.rows())
        .map(|row| PathRow {
            path: path[row].clone(),
            sessions: sessions[row],
            users: users[row],
        })
        .collect())
}

/// The rows of one `by` group of an explore result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExploreGroup {
    /// The `by` values joined with ` · `, or `all` without `by`.
    pub key: String,
    /// `(time, value of each measure)` in row order; time is None without
    /// `every`.
    pub points: Vec<(Option<i64>, Vec<Option<i64>>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Explore {
    pub by_names: Vec<String>,
    /// The measures' names, in the result's order (at least one).
    pub measures: Vec<String>,
    /// True when the result has a `time` column.
    pub timed: bool,
    /// Every bucket start of the result, ascending, in microseconds.
    pub times: Vec<i64>,
    /// The groups in order of first appearance.
    pub groups: Vec<ExploreGroup>,
}

impl Explore {
    /// `events by device, browser` or `events`, for measure `m`.
    pub(crate) fn title(&self, m: usize) -> String {
        if self.by_names.is_empty() {
            self.measures[m].clone()
        } else {
            format!("{} by {}", self.measures[m], self.by_names.join(", "))
        }
    }
}

fn is_measure_name(name: &str) -> bool {
    matches!(name, "events" | "users" | "sessions" | "count")
        || name
            .strip_prefix("count_")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) fn read_explore(batches: &[RecordBatch], schema: &SchemaRef) -> Result<Explore, String> {
    let columns = Columns::new(batches, schema)?;
    let names = columns.names();
    // The measures end the result; `time` comes just before them.
    let mut first_measure = names.len();
    while first_measure > 0
        && is_measure_name(&names[first_measure - 1])
        && columns.data_type(first_measure - 1).is_integer()
    {
        first_measure -= 1;
    }
    if first_measure == names.len() {
        return Err(format!(
            "the result has no measure column (`events`, `users`, `sessions`, `count`); its columns: {}",
            names.join(", ")
        ));
    }
    let timed = first_measure > 0
        && names[first_measure - 1] == "time"
        && matches!(
            columns.data_type(first_measure - 1),
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
        );
    let by_count = if timed {
        first_measure - 1
    } else {
        first_measure
    };
    let by: Vec<Vec<String>> = (0..by_count)
        .map(|i| columns.text(i))
        .collect::<Result<_, _>>()?;
    let time = if timed {
        columns.micros(by_count)?
    } else {
        vec![None; columns.rows()]
    };
    let values: Vec<Vec<Option<i64>>> = (first_measure..names.len())
        .map(|i| columns.ints(i))
        .collect::<Result<_, _>>()?;
    let mut groups: Vec<ExploreGroup> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in 0..columns.rows() {
        let key = if by.is_empty() {
            "all".to_string()
        } else {
            by.iter()
                .map(|values| values[row].as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let at = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(ExploreGroup {
                key,
                points: Vec::new(),
            });
            groups.len() - 1
        });
        let row_values = values.iter().map(|v| v[row]).collect();
        groups[at].points.push((time[row], row_values));
    }
    let mut times: Vec<i64> = time.iter().flatten().copied().collect();
    times.sort_unstable();
    times.dedup();
    Ok(Explore {
        by_names: names[..by_count].to_vec(),
        measures: names[first_measure..].to_vec(),
        timed,
        times,
        groups,
    })
}

impl ExploreGroup {
    /// Measure `m` at each of `times` (a missing bucket counts 0; a null
    /// value stays None).
    pub(crate) fn series(&self, times: &[i64], m: usize) -> Vec<Option<i64>> {
        let mut values = vec![Some(0); times.len()];
        for (time, row) in &self.points {
            if let Some(at) = time.and_then(|t| times.binary_search(&t).ok()) {
                values[at] = match (values[at], row[m]) {
                    (Some(a), Some(b)) => Some(a + b),
                    _ => None,
                };
            }
        }
        values
    }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/// `1234567` → `1,234,567`.
pub(crate) fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub(crate) fn count_text(n: Option<i64>) -> String {
    n.map_or_else(|| NULL.to_string(), group_digits)
}

/// `0.724` → `72.4%`.
pub(crate) fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r.is_finite() => format!("{:.1}%", r * 100.0),
        Some(r) => r.to_string(),
        None => NULL.to_string(),
    }
}

/// `text` cut to `width` characters, the last one `…` when it was cut.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` cut to `width` characters in the middle: a third of them from
/// its start, `…`, the rest from its end (where page names and paths from
/// one step differ most).
pub(crate) fn truncate_middle(text: &str, width: usize) -> String {
    let count = chars(text);
    if count <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let head = (width - 1) / 3;
    let tail = width - 1 - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// A path (`/a -> /b -> /c`) cut to `width` characters: its longest names
/// cut in their middle, as little as makes it fit (each keeps at least 5
/// characters), so every step and both ends of each name stay in sight;
/// two paths that differ in one step still read differently, where a cut
/// at the end or in the middle of the whole text would make them read the
/// same. A path that does not fit even so is cut in its middle.
pub(crate) fn truncate_path(path: &str, width: usize) -> String {
    if chars(path) <= width {
        return path.to_string();
    }
    let names: Vec<&str> = path.split(PATH_SEPARATOR).collect();
    let cut = |limit: usize| -> String {
        names
            .iter()
            .map(|name| truncate_middle(name, limit))
            .collect::<Vec<_>>()
            .join(PATH_SEPARATOR)
    };
    const SHORTEST: usize = 5;
    let longest = names.iter().map(|n| chars(n)).max().unwrap_or(0);
    if names.len() > 1 && longest > SHORTEST && chars(&cut(SHORTEST)) <= width {
        // The longer the names may be, the longer the text: the largest
        // limit that fits, by bisection.
        let (mut fits, mut too_long) = (SHORTEST, longest);
        while too_long - fits > 1 {
            let limit = fits + (too_long - fits) / 2;
            if chars(&cut(limit)) <= width {
                fits = limit;
            } else {
                too_long = limit;
            }
        }
        return cut(fits);
    }
    truncate_middle(path, width)
}

/// What joins the names of a path (LANGUAGE.md §5).
const PATH_SEPARATOR: &str = " -> ";

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A time bucket's start: `2026-03-18`, or `2026-03-18 06:00` when `date_only`
/// is false.
pub(crate) fn format_time(micros: i64, date_only: bool) -> String {
    match timestamp_us_to_datetime(micros) {
        Some(t) if date_only => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => micros.to_string(),
    }
}

/// True when every time is a midnight (UTC), so dates say it all.
pub(crate) fn all_midnights(times: &[i64]) -> bool {
    const DAY: i64 = 86_400_000_000;
    times.iter().all(|t| t.rem_euclid(DAY) == 0)
}

/// The partial blocks, by eighths of a cell.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A bar of `value / max` of `cells` characters, to the nearest eighth; a
/// positive value shows at least `▏`; nothing for zero, a null or `max` 0.
fn bar(value: Option<i64>, max: i64, cells: usize) -> String {
    let value = value.unwrap_or(0);
    if value <= 0 || max <= 0 || cells == 0 {
        return String::new();
    }
    let fraction = (value as f64 / max as f64).min(1.0);
    let eighths = ((fraction * (cells * 8) as f64).round() as usize).max(1);
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push(EIGHTHS[eighths % 8]);
    }
    out
}

/// The widths of a label column and a bar for a line of `width` characters
/// that also holds `rest` characters: the label gets up to 2/5 of the line
/// (at least 12, never more than its longest text), the bar what is left
/// (at least 10).
fn layout(width: usize, longest_label: usize, rest: usize) -> (usize, usize) {
    let label = longest_label.min((width * 2 / 5).max(12));
    let bar = width.saturating_sub(label + rest).max(10);
    (label, bar)
}

// ---------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------

/// A funnel as horizontal bars, one line per step: the step's label, a bar
/// of its users relative to step 1 of its block, the users and the
/// conversion (`72.4%`). Each segment (`compare`) and `by` group is a block
/// under a header line (`premium · device = mobile`), blocks separated by
/// a blank line. `width` is the width of a line in characters: the label
/// column gets up to 2/5 of it and the bar the rest, but never fewer than
/// 10 characters, so a line may be wider than a very small `width`.
pub fn funnel_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let funnel = match read_funnel(batches, schema) {
        Ok(funnel) => funnel,
        Err(e) => return format!("cannot draw the funnel: {e}\n"),
    };
    if funnel.blocks.is_empty() {
        return NO_ROWS.to_string();
    }
    let headers = funnel.blocks.iter().any(|b| funnel.header(b).is_some());
    let indent = if headers { 2 } else { 0 };
    let steps = || funnel.blocks.iter().flat_map(|b| &b.steps);
    let longest_label = steps().map(|s| chars(&s.label)).max().unwrap_or(0);
    let users_width = steps()
        .map(|s| chars(&count_text(s.users)))
        .max()
        .unwrap_or(0);
    let conversion_width = steps()
        .map(|s| chars(&percent(s.conversion)))
        .max()
        .unwrap_or(0);
    let rest = indent + 2 + 2 + users_width + 2 + conversion_width;
    let (label_width, bar_width) = layout(width, longest_label, rest);
    let mut out = String::new();
    for (i, block) in funnel.blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(header) = funnel.header(block) {
            out.push_str(&header);
            out.push('\n');
        }
        let first = block.steps.first().and_then(|s| s.users).unwrap_or(0);
        for step in &block.steps {
            out.push_str(&format!(
                "{:indent$}{:<label_width$}  {:<bar_width$}  {:>users_width$}  {:>conversion_width$}\n",
                "",
                truncate(&step.label, label_width),
                bar(step.users, first, bar_width),
                count_text(step.users),
                percent(step.conversion),
            ));
        }
    }
    out
}

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
    let retention = match read_retention(batches, schema) {
        Ok(retention) => retention,
        Err(e) => return format!("cannot draw the retention: {e}\n"),
    };
    if retention.cohorts.is_empty() {
        return NO_ROWS.to_string();
    }
    let by_width = retention.by_name.as_ref().map(|name| {
        retention
            .cohorts
            .iter()
            .filter_map(|c| c.by.as_deref())
            .map(chars)
            .chain([chars(name)])
            .max()
            .unwrap_or(0)
            .min(MAX_KEY)
    });
    let cohort_width = retention
        .cohorts
        .iter()
        .map(|c| chars(&c.cohort))
        .chain([chars("cohort")])
        .max()
        .unwrap_or(0)
        .min(MAX_KEY);
    let users_width = retention
        .cohorts
        .iter()
        .map(|c| chars(&count_text(c.users)))
        .chain([chars("users")])
        .max()
        .unwrap_or(0);
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

/// The levels of a sparkline.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// An explore result with a `time` column (`every`) as sparklines, one
/// block per measure (blocks separated by a blank line): a header line
/// (measure, `by` columns, first and last bucket, bucket count), then one
/// line per `by` group with its key, a sparkline of the measure over every
/// bucket of the result (a bucket the group has no row for counts 0; a
/// null value is a blank mark; each line is scaled from 0 to its own
/// maximum), and the min, max and total. More than [`MAX_SPARK`] buckets
/// are summed in runs so a line stays short. None when the result has no
/// `time` column.
pub fn explore_sparklines(batches: &[RecordBatch], schema: &SchemaRef) -> Option<String> {
    let explore = match read_explore(batches, schema) {
        Ok(explore) => explore,
        // Not an explore result: only a `time` column says what to do.
        Err(e) => {
            return schema
                .index_of("time")
                .ok()
                .map(|_| format!("cannot draw the explore: {e}\n"));
        }
    };
    if !explore.timed {
        return None;
    }
    if explore.times.is_empty() {
        return Some(NO_ROWS.to_string());
    }
    let blocks: Vec<String> = (0..explore.measures.len())
        .map(|m| sparkline_block(&explore, m))
        .collect();
    Some(blocks.join("\n"))
}

/// The sparklines of measure `m` of a timed explore with buckets.
fn sparkline_block(explore: &Explore, m: usize) -> String {
    let buckets = explore.times.len();
    let run = buckets.div_ceil(MAX_SPARK);
    let date_only = all_midnights(&explore.times);
    let mut out = format!(
        "{} from {} to {}, {} {}",
        explore.title(m),
        format_time(explore.times[0], date_only),
        format_time(explore.times[buckets - 1], date_only),
        buckets,
        if buckets == 1 { "bucket" } else { "buckets" }
    );
    if run > 1 {
        out.push_str(&format!(", {run} per mark"));
    }
    out.push('\n');
    struct Line {
        key: String,
        spark: String,
        min: String,
        max: String,
        total: String,
    }
    let lines: Vec<Line> = explore
        .groups
        .iter()
        .map(|group| {
            let series = group.series(&explore.times, m);
            let marks: Vec<Option<i64>> = series
                .chunks(run)
                .map(|chunk| chunk.iter().try_fold(0i64, |sum, v| v.map(|v| sum + v)))
                .collect();
            let known = || series.iter().flatten().copied();
            let top = marks.iter().flatten().copied().max().unwrap_or(0);
            let spark = marks
                .iter()
                .map(|mark| match mark {
                    None => ' ',
                    Some(v) if *v <= 0 || top <= 0 => SPARKS[0],
                    Some(v) => {
                        SPARKS[((*v as f64 / top as f64) * 7.0).round().clamp(0.0, 7.0) as usize]
                    }
                })
                .collect();
            Line {
                key: truncate(&group.key, MAX_KEY),
                spark,
                min: count_text(known().min()),
                max: count_text(known().max()),
                total: count_text(known().reduce(|a, b| a + b)),
            }
        })
        .collect();
    let width = |f: fn(&Line) -> &String| lines.iter().map(|l| chars(f(l))).max().unwrap_or(0);
    let key_width = width(|l| &l.key);
    let min_width = width(|l| &l.min);
    let max_width = width(|l| &l.max);
    let total_width = width(|l| &l.total);
    for line in &lines {
        out.push_str(&format!(
            "{:<key_width$}  {}  min {:>min_width$}  max {:>max_width$}  total {:>total_width$}\n",
            line.key, line.spark, line.min, line.max, line.total
        ));
    }
    out
}

/// A paths result as ranked bars: a header line, then one line per path
/// (in the result's order) with the path (a long one cut by
/// [`truncate_path`]), a bar of its sessions relative to the most
/// sessions, the sessions and the users. `width` is the width of a line in
/// characters (the bar never gets fewer than 10).
pub fn paths_bars(batches: &[RecordBatch], schema: &SchemaRef, width: usize) -> String {
    let rows = match read_paths(batches, schema) {
        Ok(rows) => rows,
        Err(e) => return format!("cannot draw the paths: {e}\n"),
    };
    if rows.is_empty() {
        return NO_ROWS.to_string();
    }
    let sessions: Vec<String> = rows.iter().map(|r| count_text(r.sessions)).collect();
    let users: Vec<String> = rows.iter().map(|r| count_text(r.users)).collect();
    let sessions_width = sessions
        .iter()
        .map(|s| chars(s))
        .chain([chars("sessions")])
        .max()
        .unwrap_or(0);
    let users_width = users
        .iter()
        .map(|s| chars(s))
        .chain([chars("users")])
        .max()
        .unwrap_or(0);
    let longest = rows
        .iter()
        .map(|r| chars(&r.path))
        .chain([chars("path")])
        .max()
        .unwrap_or(0);
    // Paths are long and alike: they get up to 3/5 of the line.
    let path_width = longest.min((width * 3 / 5).max(12));
    let bar_width = width
        .saturating_sub(path_width + 2 + 2 + sessions_width + 2 + users_width)
        .max(10);
    let top = rows.iter().filter_map(|r| r.sessions).max().unwrap_or(0);
    let mut out = format!(
        "{:<path_width$}  {:<bar_width$}  {:>sessions_width$}  {:>users_width$}\n",
        "path", "", "sessions", "users"
    );
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!(
            "{:<path_width$}  {:<bar_width$}  {:>sessions_width$}  {:>users_width$}\n",
            truncate_path(&row.path, path_width),
            bar(row.sessions, top, bar_width),
            sessions[i],
            users[i],
        ));
    }
    out
}

/// Hand-built results for the tests of this module and of `chart`.
#[cfg(test)]
pub(crate) mod fixtures {
    use arrow::array::{
        ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
        TimestampMicrosecondArray,
    };
    use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
    use std::sync::Arc;

    pub(crate) type Result = (Vec<RecordBatch>, SchemaRef);

    /// One batch of `columns`; with `split`, the rows are cut in two batches
    /// after row `split`.
    pub(crate) fn table(columns: Vec<(&str, ArrayRef)>, split: Option<usize>) -> Result {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays = columns.into_iter().map(|(_, array)| array).collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let batches = match split {
            Some(at) => vec![batch.slice(0, at), batch.slice(at, batch.num_rows() - at)],
            None => vec![batch],
        };
        (batches, schema)
    }

    /// No batches at all, only the schema.
    pub(crate) fn empty(columns: &[(&str, DataType)]) -> Result {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, data_type)| Field::new(*name, data_type.clone(), true))
            .collect();
        (Vec::new(), Arc::new(Schema::new(fields)))
    }

    pub(crate) fn strs(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    pub(crate) fn ints(values: &[Option<i64>]) -> ArrayRef {
        Arc::new(Int64Array::from(values.to_vec()))
    }

    pub(crate) fn floats(values: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(values.to_vec()))
    }

    /// Days since 1970-01-01.
    pub(crate) fn dates(values: &[i32]) -> ArrayRef {
        Arc::new(Date32Array::from(values.to_vec()))
    }

    pub(crate) fn times(values: &[i64]) -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
    }

    pub(crate) const DAY: i64 = 86_400_000_000;
    /// 2026-03-16T00:00:00Z (a Monday) in microseconds.
    pub(crate) const MAR16: i64 = 20_528 * DAY;

    pub(crate) fn funnel_types() -> Vec<(&'static str, DataType)> {
        vec![
            ("step", DataType::Int64),
            ("label", DataType::Utf8),
            ("users", DataType::Int64),
            ("conversion", DataType::Float64),
            ("step_conversion", DataType::Float64),
        ]
    }

    /// One block: 1000 → 724 → 0 users.
    pub(crate) fn funnel() -> Result {
        table(
            vec![
                ("step", ints(&[Some(1), Some(2), Some(3)])),
                (
                    "label",
                    strs(&[
                        Some("viewed \"/cart\""),
                        Some("action \"CHECKOUT\""),
                        Some("event \"purchase\""),
                    ]),
                ),
                ("users", ints(&[Some(1000), Some(724), Some(0)])),
                ("conversion", floats(&[Some(1.0), Some(0.724), Some(0.0)])),
                (
                    "step_conversion",
                    floats(&[Some(1.0), Some(0.724), Some(0.0)]),
                ),
            ],
            None,
        )
    }

    /// `compare premium, free by device`: three blocks of two steps, in two
    /// batches; the free/null block has no users at all.
    pub(crate) fn funnel_compare() -> Result {
        let label = |n: usize| -> Vec<Option<&'static str>> {
            [Some("viewed \"/cart\""), Some("action \"CHECKOUT\"")]
                .into_iter()
                .cycle()
                .take(n)
                .collect()
        };
        table(
            vec![
                (
                    "segment",
                    strs(&[
                        Some("premium"),
                        Some("premium"),
                        Some("premium"),
                        Some("premium"),
                        Some("free"),
                        Some("free"),
                    ]),
                ),
                (
                    "device",
                    strs(&[
                        Some("desktop"),
                        Some("desktop"),
                        Some("mobile"),
                        Some("mobile"),
                        None,
                        None,
                    ]),
                ),
                (
                    "step",
                    ints(&[Some(1), Some(2), Some(1), Some(2), Some(1), Some(2)]),
                ),
                ("label", strs(&label(6))),
                (
                    "users",
                    ints(&[
                        Some(200),
                        Some(50),
                        Some(1234),
                        Some(1234),
                        Some(0),
                        Some(0),
                    ]),
                ),
                (
                    "conversion",
                    floats(&[
                        Some(1.0),
                        Some(0.25),
                        Some(1.0),
                        Some(1.0),
                        Some(0.0),
                        Some(0.0),
                    ]),
                ),
                (
                    "step_conversion",
                    floats(&[
                        Some(1.0),
                        Some(0.25),
                        Some(1.0),
                        Some(1.0),
                        Some(1.0),
                        Some(0.0),
                    ]),
                ),
            ],
            Some(3),
        )
    }

    /// `retention ... periods 2 by device`: two cohorts on desktop, one on a
    /// null device; one rate is null.
    pub(crate) fn retention() -> Result {
        // 2026-03-16 is day 20528.
        table(
            vec![
                (
                    "device",
                    strs(&[
                        Some("desktop"),
                        Some("desktop"),
                        Some("desktop"),
                        Some("desktop"),
                        Some("desktop"),
                        Some("desktop"),
                        None,
                        None,
                        None,
                    ]),
                ),
                (
                    "cohort",
                    dates(&[
                        20528, 20528, 20528, 20535, 20535, 20535, 20528, 20528, 20528,
                    ]),
                ),
                (
                    "period",
                    ints(&[
                        Some(0),
                        Some(1),
                        Some(2),
                        Some(0),
                        Some(1),
                        Some(2),
                        Some(0),
                        Some(1),
                        Some(2),
                    ]),
                ),
                (
                    "users",
                    ints(&[
                        Some(1200),
                        Some(1200),
                        Some(1200),
                        Some(40),
                        Some(40),
                        Some(40),
                        Some(0),
                        Some(0),
                        Some(0),
                    ]),
                ),
                (
                    "retained",
                    ints(&[
                        Some(1200),
                        Some(540),
                        Some(60),
                        Some(10),
                        Some(0),
                        Some(0),
                        Some(0),
                        Some(0),
                        Some(0),
                    ]),
                ),
                (
                    "rate",
                    floats(&[
                        Some(1.0),
                        Some(0.45),
                        Some(0.05),
                        Some(0.25),
                        Some(0.0),
                        Some(0.0),
                        None,
                        None,
                        None,
                    ]),
                ),
            ],
            None,
        )
    }

    pub(crate) fn paths() -> Result {
        table(
            vec![
                (
                    "path",
                    strs(&[
                        Some(
                            "/cart -> /checkout -> /checkout/payment -> /checkout/confirmation -> /account/orders",
                        ),
                        Some("/cart -> /home"),
                        None,
                        Some("/cart"),
                    ]),
                ),
                ("sessions", ints(&[Some(120), Some(60), Some(7), Some(0)])),
                ("users", ints(&[Some(100), Some(58), None, Some(0)])),
            ],
            None,
        )
    }

    /// `explore events, users by device every 1 day`: desktop on four days
    /// (none on the third), mobile on one.
    pub(crate) fn explore_timed() -> Result {
        table(
            vec![
                (
                    "device",
                    strs(&[
                        Some("desktop"),
                        Some("desktop"),
                        Some("desktop"),
                        Some("mobile"),
                    ]),
                ),
                (
                    "time",
                    times(&[MAR16, MAR16 + DAY, MAR16 + 3 * DAY, MAR16 + 2 * DAY]),
                ),
                ("events", ints(&[Some(10), Some(40), Some(80), Some(5)])),
                ("users", ints(&[Some(3), Some(4), Some(9), Some(1)])),
            ],
            Some(2),
        )
    }

    /// `explore events by device` without `every`.
    pub(crate) fn explore_untimed() -> Result {
        table(
            vec![
                ("device", strs(&[Some("desktop"), Some("mobile"), None])),
                ("events", ints(&[Some(300), Some(150), Some(0)])),
            ],
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use arrow::datatypes::DataType;

    #[test]
    fn funnel_one_block() {
        let (batches, schema) = funnel();
        let expected = r#"viewed "/cart"     ██████████████████████████  1,000  100.0%
action "CHECKOUT"  ██████████████████▉           724   72.4%
event "purchase"                                   0    0.0%
"#;
        assert_eq!(funnel_bars(&batches, &schema, 60), expected);
        // Every line fills the width asked for.
        assert!(expected.lines().all(|l| l.chars().count() == 60));
    }

    #[test]
    fn funnel_blocks_have_headers_and_zero_blocks_have_no_bars() {
        let (batches, schema) = funnel_compare();
        assert_eq!(batches.len(), 2);
        let expected = r#"premium · device = desktop
  viewed "/cart"     ████████████████████████    200  100.0%
  action "CHECKOUT"  ██████                       50   25.0%

premium · device = mobile
  viewed "/cart"     ████████████████████████  1,234  100.0%
  action "CHECKOUT"  ████████████████████████  1,234  100.0%

free · device = null
  viewed "/cart"                                   0    0.0%
  action "CHECKOUT"                                0    0.0%
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
        let (batches, schema) = empty(&funnel_types());
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
        let (batches, schema) = empty(&[
            ("cohort", DataType::Date32),
            ("period", DataType::Int64),
            ("users", DataType::Int64),
            ("retained", DataType::Int64),
            ("rate", DataType::Float64),
        ]);
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
        let (batches, schema) = table(
            vec![
                (
                    "path",
                    strs(&[
                        Some("/cart -> /search -> /cart -> /checkout -> /checkout/confirmation"),
                        Some("/cart -> /help -> /cart -> /checkout -> /checkout/confirmation"),
                        Some("/cart -> /checkout -> /checkout/confirmation"),
                    ]),
                ),
                ("sessions", ints(&[Some(133), Some(62), Some(2969)])),
                ("users", ints(&[Some(118), Some(58), Some(1159)])),
            ],
            None,
        );
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
        let (batches, schema) = table(
            vec![
                ("path", strs(&[Some("/a")])),
                ("sessions", ints(&[Some(0)])),
                ("users", ints(&[Some(0)])),
            ],
            None,
        );
        let expected = "\
path              sessions  users
/a                       0      0
";
        assert_eq!(paths_bars(&batches, &schema, 20), expected);
        let (batches, schema) = empty(&[
            ("path", DataType::Utf8),
            ("sessions", DataType::Int64),
            ("users", DataType::Int64),
        ]);
        assert_eq!(paths_bars(&batches, &schema, 80), "no rows\n");
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
}

//! Reading analysis results: each kind's record batches as the rows a
//! picture or a chart draws (a funnel's blocks of steps, a retention's
//! cohorts, paths, an explore's groups, a lifecycle's periods, a
//! stickiness's counts), typed and in order. Pictures and
//! charts share these, so both show one result alike.

use super::NULL;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Float64Type, Int32Type, Int64Type, SchemaRef, TimeUnit,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use segql_syntax::result::LIFECYCLE_STATUSES;
use std::collections::HashMap;

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

    /// The result as one batch.
    pub(crate) fn batch(&self) -> &RecordBatch {
        &self.batch
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

    /// A time column as its local wall-clock time, in microseconds as if
    /// that time were UTC: a column of a reporting time zone
    /// (`Timestamp(µs, "Europe/Berlin")`) shows its local days and hours,
    /// any other its UTC ones.
    pub(crate) fn wall_micros(&self, i: usize) -> Result<Vec<Option<i64>>, String> {
        use arrow::array::temporal_conversions::as_datetime_with_timezone;
        use arrow::datatypes::TimestampMicrosecondType;
        let micros = self.micros(i)?;
        let DataType::Timestamp(_, Some(zone)) = self.data_type(i) else {
            return Ok(micros);
        };
        let tz: arrow::array::timezone::Tz = zone.parse().map_err(|e| format!("{e}"))?;
        Ok(micros
            .into_iter()
            .map(|t| {
                let local = as_datetime_with_timezone::<TimestampMicrosecondType>(t?, tz)?;
                Some(local.naive_local().and_utc().timestamp_micros())
            })
            .collect())
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
    /// The median time to convert to the step, in seconds (none for step 1
    /// and for a step nobody reaches).
    pub median_seconds: Option<f64>,
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
        group_header(
            block.segment.as_deref(),
            self.by_name.as_deref(),
            block.by.as_deref(),
        )
    }
}

/// `premium · device = mobile`: a compared segment and a `by` group.
fn group_header(segment: Option<&str>, by_name: Option<&str>, by: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(segment) = segment {
        parts.push(segment.to_string());
    }
    if let (Some(name), Some(value)) = (by_name, by) {
        parts.push(format!("{name} = {value}"));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The indexes of a funnel's `segment` and `by` columns among the
/// `leading` columns before its own (`[segment,] [by]`).
fn funnel_groups(names: &[String], leading: usize) -> (Option<usize>, Option<usize>) {
    match leading {
        0 => (None, None),
        1 if names[0] == "segment" => (Some(0), None),
        1 => (None, Some(0)),
        _ => (Some(leading - 2), Some(leading - 1)),
    }
}

pub(crate) fn read_funnel(batches: &[RecordBatch], schema: &SchemaRef) -> Result<Funnel, String> {
    let columns = Columns::new(batches, schema)?;
    let names = columns.names();
    let label = columns.text(columns.index("label")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let conversion = columns.floats(columns.index("conversion")?)?;
    // A funnel written before times to convert has no median.
    let median = match columns.index("median_seconds") {
        Ok(i) => columns.floats(i)?,
        Err(_) => vec![None; columns.rows()],
    };
    // `[segment,] [by,]` come before the fixed columns.
    let (segment_index, by_index) = funnel_groups(&names, columns.index("step")?);
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
            median_seconds: median[row],
        });
    }
    Ok(Funnel {
        by_name: by_index.map(|i| names[i].clone()),
        blocks,
    })
}

/// A funnel with `every`: per segment and `by` group, the conversion of
/// each period's entrants through the last step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FunnelTrend {
    /// The last step's label.
    pub last_step: String,
    pub series: Vec<TrendSeries>,
}

/// One segment and `by` group of a funnel trend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrendSeries {
    /// `premium · device = mobile`; None for the one group of a funnel
    /// without them.
    pub header: Option<String>,
    pub points: Vec<TrendPoint>,
}

/// One period of a funnel trend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrendPoint {
    /// The period's first day, as printed.
    pub period: String,
    /// The actors who entered in the period (step 1).
    pub entered: Option<i64>,
    /// Their conversion through the last step.
    pub conversion: Option<f64>,
}

pub(crate) fn read_funnel_trend(
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<FunnelTrend, String> {
    let columns = Columns::new(batches, schema)?;
    let names = columns.names();
    let step = columns.ints(columns.index("step")?)?;
    let label = columns.text(columns.index("label")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let conversion = columns.floats(columns.index("conversion")?)?;
    let period_index = columns.index("period")?;
    let period = columns.text(period_index)?;
    // `[segment,] [by,]` come before `period`.
    let (segment_index, by_index) = match period_index {
        0 => (None, None),
        1 if names[0] == "segment" => (Some(0), None),
        1 => (None, Some(0)),
        _ => (Some(period_index - 2), Some(period_index - 1)),
    };
    let segment = segment_index.map(|i| columns.text(i)).transpose()?;
    let by = by_index.map(|i| columns.text(i)).transpose()?;
    let by_name = by_index.map(|i| names[i].clone());
    let mut series: Vec<(Option<String>, Option<String>, TrendSeries)> = Vec::new();
    let mut last_step = String::new();
    let mut last_number = 0;
    for row in 0..columns.rows() {
        let key = (
            segment.as_ref().map(|s| s[row].clone()),
            by.as_ref().map(|b| b[row].clone()),
        );
        if series
            .last()
            .is_none_or(|(s, b, _)| (s, b) != (&key.0, &key.1))
        {
            let header = group_header(key.0.as_deref(), by_name.as_deref(), key.1.as_deref());
            series.push((
                key.0,
                key.1,
                TrendSeries {
                    header,
                    points: Vec::new(),
                },
            ));
        }
        let points = &mut series.last_mut().expect("a series was pushed").2.points;
        let number = step[row].unwrap_or(0);
        if number == 1 {
            points.push(TrendPoint {
                period: period[row].clone(),
                entered: users[row],
                conversion: None,
            });
        }
        // Rows come by step: the last one of a period gives its conversion.
        if let Some(point) = points.last_mut() {
            point.conversion = conversion[row];
        }
        if number >= last_number {
            last_number = number;
            last_step = label[row].clone();
        }
    }
    Ok(FunnelTrend {
        last_step,
        series: series.into_iter().map(|(_, _, s)| s).collect(),
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

/// One period of a lifecycle result: its first day and the users of each
/// status (LANGUAGE.md §12's order: new, returning, resurrecting,
/// dormant).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LifecyclePeriod {
    pub period: String,
    pub users: [i64; 4],
}

/// A lifecycle result's periods in order; a row whose status is not one of
/// the four is an error.
pub(crate) fn read_lifecycle(
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<Vec<LifecyclePeriod>, String> {
    let columns = Columns::new(batches, schema)?;
    let period = columns.text(columns.index("period")?)?;
    let status = columns.text(columns.index("status")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let mut periods: Vec<LifecyclePeriod> = Vec::new();
    for row in 0..columns.rows() {
        let Some(at) = LIFECYCLE_STATUSES.iter().position(|s| *s == status[row]) else {
            return Err(format!("`{}` is not a lifecycle status", status[row]));
        };
        if periods.last().is_none_or(|p| p.period != period[row]) {
            periods.push(LifecyclePeriod {
                period: period[row].clone(),
                users: [0; 4],
            });
        }
        periods.last_mut().expect("a period was pushed").users[at] = users[row].unwrap_or(0);
    }
    Ok(periods)
}

/// One row of a stickiness result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StickinessRow {
    pub periods: Option<i64>,
    pub users: Option<i64>,
    pub share: Option<f64>,
}

pub(crate) fn read_stickiness(
    batches: &[RecordBatch],
    schema: &SchemaRef,
) -> Result<Vec<StickinessRow>, String> {
    let columns = Columns::new(batches, schema)?;
    let periods = columns.ints(columns.index("periods")?)?;
    let users = columns.ints(columns.index("users")?)?;
    let share = columns.floats(columns.index("share")?)?;
    Ok((0..columns.rows())
        .map(|row| StickinessRow {
            periods: periods[row],
            users: users[row],
            share: share[row],
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
    /// Every bucket start of the result, ascending, in microseconds of its
    /// local wall-clock time (UTC unless the result carries a zone).
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
        columns.wall_micros(by_count)?
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

/// True for the name of an explore measure: `events`, `users`,
/// `sessions`, `count`, or `count_2`, ... for further counts.
fn is_measure_name(name: &str) -> bool {
    matches!(name, "events" | "users" | "sessions" | "count")
        || name
            .strip_prefix("count_")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

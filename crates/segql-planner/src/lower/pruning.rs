//! Pruning by time: a behavior's time range written once more on the
//! columns the data is stored by, where DataFusion can use it before
//! reading — on the event-time column itself (so every Parquet file's
//! row-group statistics skip what lies outside the range) and on the
//! mapping's `partition_date` column (so a Hive-partitioned table lists only
//! the day folders the range can touch). Both filters are implied by the
//! range on the normalized time, so they never change an answer.

use super::expr::column;
use super::{Lowering, Result};
use crate::catalog::TableRole;
use crate::ir::TimeRange;
use datafusion_common::ScalarValue;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_expr::{Expr, lit};

const MICROS_PER_DAY: i64 = 86_400_000_000;

impl Lowering<'_> {
    /// Filters on the stored columns implied by `range`: none for an
    /// unbounded range or columns that cannot be pruned by.
    pub(super) fn pruning_filters(&self, range: TimeRange) -> Result<Vec<Expr>> {
        let mut filters = Vec::new();
        if !self.prune_by_storage {
            return Ok(filters);
        }
        let name = self.mapped(TableRole::Events, "timestamp");
        let schema = self.events.schema();
        if let Ok(field) = schema.field_with_name(&name) {
            let stored = |micros: i64| stored_time(field.data_type(), micros);
            if let Some(from) = range.from.and_then(stored) {
                filters.push(column(&name).gt_eq(lit(from)));
            }
            if let Some(to) = range.to.and_then(stored) {
                filters.push(column(&name).lt(lit(to)));
            }
        }
        if let Some(partition) = &self.catalog.mapping().partition_date
            && let Ok(field) = schema.field_with_name(partition)
        {
            // The UTC days of the range's first and last instants.
            let day = |micros: i64| micros.div_euclid(MICROS_PER_DAY);
            let value = |day: i64| stored_day(field.data_type(), day);
            if let Some(first) = range.from.map(day).and_then(value) {
                filters.push(column(partition).gt_eq(lit(first)));
            }
            if let Some(last) = range.to.map(|to| day(to - 1)).and_then(value) {
                filters.push(column(partition).lt_eq(lit(last)));
            }
        }
        Ok(filters)
    }
}

/// The value of a stored event-time column that compares with instants as
/// `micros` does with the normalized time: for `ts >= micros` and
/// `ts < micros` alike, the first stored value at or after `micros`
/// (rounded up to the column's unit). `None` for a column without a
/// comparable order (text, which is parsed per row).
fn stored_time(data_type: &DataType, micros: i64) -> Option<ScalarValue> {
    let up = |scale: i64| micros.div_euclid(scale) + i64::from(micros.rem_euclid(scale) != 0);
    Some(match data_type {
        DataType::Timestamp(unit, zone) => {
            let zone = zone.clone();
            match unit {
                TimeUnit::Second => ScalarValue::TimestampSecond(Some(up(1_000_000)), zone),
                TimeUnit::Millisecond => ScalarValue::TimestampMillisecond(Some(up(1000)), zone),
                TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(Some(micros), zone),
                TimeUnit::Nanosecond => {
                    ScalarValue::TimestampNanosecond(Some(micros.checked_mul(1000)?), zone)
                }
            }
        }
        // Epoch milliseconds.
        DataType::Int64 => ScalarValue::Int64(Some(up(1000))),
        _ => return None,
    })
}

/// A day (since the epoch) as the partition column holds it: a date, or
/// text `YYYY-MM-DD`, which orders as the days do.
fn stored_day(data_type: &DataType, day: i64) -> Option<ScalarValue> {
    match data_type {
        DataType::Date32 => Some(ScalarValue::Date32(Some(i32::try_from(day).ok()?))),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let date = chrono::DateTime::from_timestamp(day.checked_mul(86_400)?, 0)?.date_naive();
            Some(ScalarValue::Utf8(Some(date.format("%Y-%m-%d").to_string())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_round_up_to_the_unit() {
        let ms = DataType::Timestamp(TimeUnit::Millisecond, None);
        assert_eq!(
            stored_time(&ms, 1_500),
            Some(ScalarValue::TimestampMillisecond(Some(2), None))
        );
        assert_eq!(
            stored_time(&ms, -1_500),
            Some(ScalarValue::TimestampMillisecond(Some(-1), None))
        );
        assert_eq!(
            stored_time(&DataType::Int64, 2_000),
            Some(ScalarValue::Int64(Some(2)))
        );
        assert_eq!(stored_time(&DataType::Utf8, 2_000), None);
    }

    #[test]
    fn partition_days_are_dates_or_iso_text() {
        assert_eq!(
            stored_day(&DataType::Utf8, 20_393),
            Some(ScalarValue::Utf8(Some("2025-11-01".into())))
        );
        assert_eq!(
            stored_day(&DataType::Date32, 3),
            Some(ScalarValue::Date32(Some(3)))
        );
        assert_eq!(stored_day(&DataType::Int64, 3), None);
    }
}

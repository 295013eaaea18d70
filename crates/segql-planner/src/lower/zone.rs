//! Local calendar periods of the reporting time zone (LANGUAGE.md §10): the
//! one place that turns event times into local days, weeks and months, and
//! local dates into the instants their days start, for every analysis with
//! periods or buckets and every date column compared with an instant.
//!
//! Event times are microseconds since the epoch; typed as timestamps of the
//! zone (`Timestamp(µs, "Europe/Berlin")`), DataFusion's `date_trunc`
//! truncates them in local time (a day from local midnight to the next, 23
//! or 25 hours on daylight-saving days; a week from local Monday; a month
//! from local day 1) and a cast to a date gives the local date. In UTC the
//! expressions are exactly those of a plan without a zone.

use super::time::{day_number, micros_to_timestamp};
use super::{Lowering, Result};
use crate::ir::Bucket;
use crate::zone::ReportingZone;
use datafusion_common::Column;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use std::sync::Arc;

const DAY: i64 = 86_400_000_000;
/// Monday 1970-01-05, in days since the epoch: explore buckets align to it.
const ORIGIN_DAY: i64 = 4;
/// Monday 1970-01-05T00:00:00Z in microseconds.
const ORIGIN: i64 = ORIGIN_DAY * DAY;

/// The timestamp type of `zone`.
fn zoned_type(zone: &ReportingZone) -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(zone.type_zone()))
}

/// Microseconds since the epoch as a timestamp of `zone`: the same instant,
/// shown and truncated in local time.
fn zoned_micros(micros: Expr, zone: &ReportingZone) -> Expr {
    let utc = micros_to_timestamp(micros);
    if zone.is_utc() {
        return utc;
    }
    // From UTC: a cast from a timestamp without a zone would read its
    // wall-clock time as local.
    cast(utc, zoned_type(zone))
}

/// The first instant of local day `day` (days since 1970-01-01), as a
/// timestamp of `zone`: the start of the local day that holds the day's
/// noon. Noon is found with the zone's usual offset, which a daylight-saving
/// change (a few hours) cannot move to another day; truncating from there,
/// a midnight that a change skips starts the day at the first local time
/// after it.
fn day_start(day: Expr, zone: &ReportingZone) -> Expr {
    let noon = day * lit(DAY) + lit(DAY / 2 - zone.usual_offset_micros());
    datafusion_functions::expr_fn::date_trunc(lit("day"), zoned_micros(noon, zone))
}

/// A date column read as local midnight in `zone` ("a date column compares
/// as local midnight"): the first instant of its local day, as a timestamp
/// of the zone.
pub(crate) fn date_start(date: Expr, data_type: &DataType, zone: &ReportingZone) -> Expr {
    let date = match data_type {
        DataType::Date32 => date,
        _ => cast(date, DataType::Date32),
    };
    day_start(day_number(date), zone)
}

impl Lowering<'_> {
    /// Microseconds since the epoch as a timestamp of the reporting time
    /// zone.
    fn zoned(&self, micros: Expr) -> Expr {
        zoned_micros(micros, &self.zone)
    }

    /// The first local day of the calendar period (day, ISO week, month)
    /// holding `ts` (µs), as a date.
    pub(super) fn period_start(&self, period: segql_syntax::Period, ts: Expr) -> Expr {
        let start =
            datafusion_functions::expr_fn::date_trunc(lit(period.keyword()), self.zoned(ts));
        cast(start, DataType::Date32)
    }

    /// The start of the explore bucket holding `ts` (µs), as a timestamp of
    /// the zone. Buckets of local days (weeks are 7) follow the local
    /// calendar, aligned to local Monday 1970-01-05 (`every 2 days` is two
    /// local days); other buckets are absolute, aligned to 1970-01-05 00:00
    /// UTC (in UTC the two agree).
    pub(super) fn bucket_start(&self, bucket: Bucket, ts: Expr) -> Expr {
        match bucket {
            Bucket::LocalDays(days) if !self.zone.is_utc() => {
                // The local date's number, and the first day of its bucket.
                let day = day_number(cast(self.zoned(ts), DataType::Date32));
                let back = (((day.clone() - lit(ORIGIN_DAY)) % lit(days)) + lit(days)) % lit(days);
                day_start(day - back, &self.zone)
            }
            _ => {
                let every = bucket.micros();
                let offset = ts.clone() - lit(ORIGIN);
                let floor_mod = ((offset % lit(every)) + lit(every)) % lit(every);
                self.zoned(ts - floor_mod)
            }
        }
    }

    /// `plan` with every timestamp column as a timestamp of the reporting
    /// time zone (the same instants): results print with the zone's offset
    /// (LANGUAGE.md §10), event times of member rows included. In UTC, the
    /// plan as it is.
    pub(super) fn in_zone(&self, plan: LogicalPlan) -> Result<LogicalPlan> {
        let zone = self.zone.type_zone();
        let retyped = |field: &DataType| match field {
            DataType::Timestamp(unit, tz) if tz.as_deref() != Some(&*zone) => {
                Some((*unit, tz.is_none()))
            }
            _ => None,
        };
        let schema = Arc::clone(plan.schema());
        if self.zone.is_utc()
            || !schema
                .fields()
                .iter()
                .any(|f| retyped(f.data_type()).is_some())
        {
            return Ok(plan);
        }
        let columns: Vec<Expr> = schema
            .iter()
            .map(|(qualifier, field)| {
                let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
                match retyped(field.data_type()) {
                    None => column,
                    Some((unit, naive)) => {
                        // A timestamp without a zone is UTC (LANGUAGE.md §1):
                        // given that zone first, so the cast keeps its instant.
                        let instant = if naive {
                            cast(column, DataType::Timestamp(unit, Some(Arc::from("UTC"))))
                        } else {
                            column
                        };
                        cast(instant, DataType::Timestamp(unit, Some(Arc::clone(&zone))))
                            .alias(field.name())
                    }
                }
            })
            .collect();
        LogicalPlanBuilder::from(plan).project(columns)?.build()
    }
}

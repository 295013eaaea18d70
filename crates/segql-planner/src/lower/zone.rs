//! Local calendar periods of the reporting time zone (LANGUAGE.md §10): the
//! one place that turns event times into local days, weeks and months, for
//! every analysis with periods or buckets.
//!
//! Event times are microseconds since the epoch; typed as timestamps of the
//! zone (`Timestamp(µs, "Europe/Berlin")`), DataFusion's `date_trunc`
//! truncates them in local time (a day from local midnight to the next, 23
//! or 25 hours on daylight-saving days; a week from local Monday; a month
//! from local day 1) and a cast to a date gives the local date. In UTC the
//! expressions are exactly those of a plan without a zone.

use super::time::micros_to_timestamp;
use super::{Lowering, Result};
use datafusion_common::Column;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use std::sync::Arc;

const DAY: i64 = 86_400_000_000;
/// Monday 1970-01-05, in days since the epoch: explore buckets align to it.
const ORIGIN_DAY: i64 = 4;
/// Monday 1970-01-05T00:00:00Z in microseconds.
const ORIGIN: i64 = ORIGIN_DAY * DAY;

impl Lowering<'_> {
    /// The timestamp type of the reporting time zone.
    pub(super) fn zoned_type(&self) -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, Some(self.zone.type_zone()))
    }

    /// Microseconds since the epoch as a timestamp of the reporting time
    /// zone: the same instant, shown and truncated in local time.
    pub(super) fn zoned(&self, micros: Expr) -> Expr {
        let utc = micros_to_timestamp(micros);
        if self.zone.is_utc() {
            return utc;
        }
        // From UTC: a cast from a timestamp without a zone would read its
        // wall-clock time as local.
        cast(utc, self.zoned_type())
    }

    /// The first local day of the calendar period (day, ISO week, month)
    /// holding `ts` (µs), as a date.
    pub(super) fn period_start(&self, period: segql_syntax::Period, ts: Expr) -> Expr {
        cast(self.truncate(period.keyword(), ts), DataType::Date32)
    }

    /// The start of the local `granularity` (`day`, `week`, `month`) holding
    /// `ts` (µs), as a timestamp of the zone.
    fn truncate(&self, granularity: &str, ts: Expr) -> Expr {
        datafusion_functions::expr_fn::date_trunc(lit(granularity), self.zoned(ts))
    }

    /// The start of the explore bucket holding `ts` (µs), as a timestamp of
    /// the zone. Buckets of `days` whole days (weeks are 7) follow the local
    /// calendar, aligned to local Monday 1970-01-05; other buckets (`every`
    /// µs) are absolute, aligned to 1970-01-05 00:00 UTC.
    pub(super) fn bucket_start(&self, every: i64, days: Option<i64>, ts: Expr) -> Expr {
        let days = days.filter(|_| !self.zone.is_utc());
        match days {
            None => {
                let offset = ts.clone() - lit(ORIGIN);
                let floor_mod = ((offset % lit(every)) + lit(every)) % lit(every);
                self.zoned(ts - floor_mod)
            }
            Some(1) => self.truncate("day", ts),
            Some(7) => self.truncate("week", ts),
            Some(days) => {
                // The local day's number, its place in its bucket, and the
                // local day that many days before: found from the noon of
                // that day, which a daylight-saving change (a few hours)
                // cannot move to another day.
                let day = cast(
                    cast(
                        cast(self.zoned(ts.clone()), DataType::Date32),
                        DataType::Int32,
                    ),
                    DataType::Int64,
                );
                let back = (((day - lit(ORIGIN_DAY)) % lit(days)) + lit(days)) % lit(days);
                let day_start = cast(self.truncate("day", ts), DataType::Int64);
                self.truncate("day", day_start - back * lit(DAY) + lit(DAY / 2))
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

//! Time: the events a range sees, instants as timestamps, and day and
//! month numbers of dates; the local periods themselves are in `zone`.

use super::expr::column;
use super::{Lowering, Result};
use crate::ir::*;
use crate::names::TS;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_expr::{Expr, LogicalPlanBuilder, cast, lit};
use std::sync::Arc;

impl Lowering<'_> {
    /// The events a behavior sees: in its range.
    pub(super) fn events_in(&self, range: TimeRange) -> Result<LogicalPlanBuilder> {
        let mut events = self.events_relation()?;
        if let Some(from) = range.from {
            events = events.filter(column(TS).gt_eq(lit(from)))?;
        }
        if let Some(to) = range.to {
            events = events.filter(column(TS).lt(lit(to)))?;
        }
        for filter in self.pruning_filters(range)? {
            events = events.filter(filter)?;
        }
        Ok(events)
    }
}

pub(super) fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

/// Microseconds since the epoch as a UTC timestamp. Through
/// `to_timestamp_micros` rather than a cast from the integer: SQL names no
/// unit in a cast to a timestamp, so an exported cast would read the number
/// as nanoseconds.
pub(super) fn micros_to_timestamp(micros: Expr) -> Expr {
    cast(
        datafusion_functions::expr_fn::to_timestamp_micros(vec![micros]),
        utc_micros(),
    )
}

/// Days since the epoch of a date.
pub(super) fn day_number(date: Expr) -> Expr {
    cast(cast(date, DataType::Int32), DataType::Int64)
}

/// Months since year 0 of a date.
pub(super) fn month_number(date: Expr) -> Expr {
    let part = |p: &str| {
        cast(
            datafusion_functions::expr_fn::date_part(lit(p), date.clone()),
            DataType::Int64,
        )
    };
    part("year") * lit(12i64) + part("month")
}

//! The calendar periods lifecycle and stickiness report: periods as whole
//! numbers (consecutive periods differ by one, so "the period before" is
//! `n - 1`), their first days, and the reported span — the periods holding
//! an instant of the range, or, where the range is open, the data's first
//! or last matching event.

use crate::ir::{Scope, TimeRange};
use crate::lower::expr::{column, filter_form};
use crate::lower::time::{day_number, month_number};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use crate::udaf::series::Numbers;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use datafusion_functions_aggregate::expr_fn::{max, min};
use segql_syntax::Period;

/// Monday 1970-01-05, in days since the epoch: week numbers count from it.
const FIRST_MONDAY: i64 = 4;

/// The column of a period's number.
pub(super) const NUMBER: &str = "__segql_period_number";
const FIRST: &str = "__segql_first_period";
const LAST: &str = "__segql_last_period";

impl Lowering<'_> {
    /// The number of the local period holding `ts` (µs): days since the
    /// epoch, weeks since Monday 1970-01-05, months since year 0.
    pub(super) fn period_number(&self, period: Period, ts: Expr) -> Expr {
        let start = self.period_start(period, ts);
        match period {
            Period::Day => day_number(start),
            // Exact: the start is a Monday.
            Period::Week => cast(
                (day_number(start) - lit(FIRST_MONDAY)) / lit(7i64),
                DataType::Int64,
            ),
            Period::Month => month_number(start),
        }
    }

    /// The first local day of the period numbered `number`, a date.
    pub(super) fn period_date(&self, period: Period, number: Expr) -> Expr {
        let date = |days: Expr| cast(cast(days, DataType::Int32), DataType::Date32);
        match period {
            Period::Day => date(number),
            Period::Week => date(number * lit(7i64) + lit(FIRST_MONDAY)),
            Period::Month => {
                // Months since year 0 count January as 1.
                let before = number - lit(1i64);
                datafusion_functions::expr_fn::make_date(
                    cast(before.clone() / lit(12i64), DataType::Int32),
                    cast(before % lit(12i64) + lit(1i64), DataType::Int32),
                    lit(1i32),
                )
            }
        }
    }

    /// The events of `scope` matching `step` that have a time.
    pub(super) fn matching_events(&self, scope: &Scope, step: &Expr) -> Result<LogicalPlan> {
        self.scoped_events(scope)?
            .filter(filter_form(step.clone()))?
            .filter(column(TS).is_not_null())?
            .build()
    }

    /// Each actor's active periods in `matching`: one row per actor
    /// (ACTOR) and period (NUMBER).
    pub(super) fn active_periods(
        &self,
        period: Period,
        matching: LogicalPlan,
    ) -> Result<LogicalPlanBuilder> {
        LogicalPlanBuilder::from(matching)
            .project(vec![
                column(ACTOR),
                self.period_number(period, column(TS)).alias(NUMBER),
            ])?
            .distinct()
    }

    /// One row with the FIRST and LAST numbers of the reported periods:
    /// from the period of the range's start to that of its last instant;
    /// an open end is the period of the first or last event of `matching`
    /// (events with TS), so that without a range or an event the span is
    /// empty (both null).
    fn reported_span(
        &self,
        period: Period,
        range: TimeRange,
        matching: LogicalPlan,
    ) -> Result<LogicalPlanBuilder> {
        let number = |micros: i64| self.period_number(period, lit(micros));
        let first = range.from.map(number);
        let last = range.to.map(|to| number(to - 1));
        if let (Some(first), Some(last)) = (&first, &last) {
            return LogicalPlanBuilder::empty(true)
                .project(vec![first.clone().alias(FIRST), last.clone().alias(LAST)]);
        }
        // An open end: the data's first or last period.
        let of_data = self.period_number(period, column(TS));
        let bound = |given: Option<Expr>, name: &str| match given {
            Some(given) => given.alias(name),
            None => column(name),
        };
        LogicalPlanBuilder::from(matching)
            .aggregate(
                Vec::<Expr>::new(),
                vec![min(of_data.clone()).alias(FIRST), max(of_data).alias(LAST)],
            )?
            .project(vec![bound(first, FIRST), bound(last, LAST)])
    }

    /// One row per reported period, column NUMBER, ascending.
    pub(super) fn reported_periods(
        &self,
        period: Period,
        range: TimeRange,
        matching: LogicalPlan,
    ) -> Result<LogicalPlanBuilder> {
        self.reported_span(period, range, matching)?
            .project(vec![
                Numbers::call(column(FIRST), column(LAST)).alias(NUMBER),
            ])?
            .unnest_column(NUMBER)
    }

    /// The numbers 1 through the count of reported periods, column
    /// `name`, ascending.
    pub(super) fn reported_counts(
        &self,
        period: Period,
        range: TimeRange,
        matching: LogicalPlan,
        name: &str,
    ) -> Result<LogicalPlanBuilder> {
        self.reported_span(period, range, matching)?
            .project(vec![
                Numbers::call(lit(1i64), column(LAST) - column(FIRST) + lit(1i64)).alias(name),
            ])?
            .unnest_column(name)
    }
}

//! Stickiness (LANGUAGE.md §12): actors by the number of distinct periods
//! of the range in which they took a step, every number from 1 to the
//! count of the range's periods a row.

use crate::ir::*;
use crate::lower::expr::{column, qualified};
use crate::lower::{Lowering, Result};
use crate::names::ACTOR;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::WindowFunctionDefinition;
use datafusion_expr::expr::WindowFunction;
use datafusion_expr::{Expr, LogicalPlan, cast, lit, when};
use datafusion_functions_aggregate::expr_fn::count;
use datafusion_functions_aggregate::sum::sum_udaf;
use segql_syntax::result::column as out;

/// Every actor counted, on each row.
const COUNTED: &str = "__segql_counted";

impl Lowering<'_> {
    pub(in crate::lower) fn stickiness(&self, s: &StickinessIr) -> Result<LogicalPlan> {
        let matching = self.matching_events(&s.scope, &s.step)?;
        let counts =
            self.reported_counts(s.period, s.scope.range, matching.clone(), out::PERIODS)?;
        let actors = self
            .active_periods(s.period, matching)?
            .aggregate(
                vec![column(ACTOR)],
                vec![count(lit(1i64)).alias("__segql_active")],
            )?
            .aggregate(
                vec![column("__segql_active")],
                vec![count(lit(1i64)).alias(out::USERS)],
            )?
            .build()?;
        let (joined, n, a) = self.join_keyed(
            counts.build()?,
            actors,
            JoinType::Left,
            &[(out::PERIODS, "__segql_active")],
        )?;
        let users = datafusion_functions::expr_fn::coalesce(vec![
            Expr::Column(qualified(&a, out::USERS)),
            lit(0i64),
        ]);
        // Over the whole result: a window without partitions.
        let counted = Expr::from(WindowFunction::new(
            WindowFunctionDefinition::AggregateUDF(sum_udaf()),
            vec![column(out::USERS)],
        ))
        .alias(COUNTED);
        let share = when(column(COUNTED).eq(lit(0i64)), lit(0f64)).otherwise(
            cast(column(out::USERS), DataType::Float64) / cast(column(COUNTED), DataType::Float64),
        )?;
        joined
            .project(vec![
                Expr::Column(qualified(&n, out::PERIODS)).alias(out::PERIODS),
                users.alias(out::USERS),
            ])?
            .window(vec![counted])?
            .project(vec![
                column(out::PERIODS),
                column(out::USERS),
                share.alias(out::SHARE),
            ])?
            .sort(vec![column(out::PERIODS).sort(true, false)])?
            .build()
    }
}

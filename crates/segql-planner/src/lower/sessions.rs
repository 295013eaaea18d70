//! Derived sessions (LANGUAGE.md §10, `[sessions]` or `--sessions`): the
//! session of each event, made from the gaps between its user's events,
//! replacing the events' own `session_id`. The derived id is
//! `<user_id>#<n>`, n counting the user's sessions from 1 in time order.
//!
//! Cut by gaps alone, the portable plan numbers sessions with standard
//! window functions: `lag` finds each event's gap, and a running sum of
//! "starts a session" flags over a `RANGE` frame (which gives events at the
//! same time the same number, whatever their order) is the number. With a
//! maximum length, or in the native plan, one window function does it in
//! one pass ([`SessionNumber`]). Either is one sort of the events by user
//! and time; a query that reads no session leaves it out of its plan, as
//! DataFusion drops unused window columns.

use super::expr::column;
use super::{Lowering, Result};
use crate::model::DerivedSessions;
use crate::names::{SESSION, TS};
use crate::options::SequenceEngine;
use crate::udaf::sessions::SessionNumber;
use datafusion_common::Column;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::expr::WindowFunction;
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlanBuilder, WindowFrame, WindowFunctionDefinition, cast, lit,
    when,
};

/// Whether an event starts a session (1) or not (0), in the portable plan.
const STARTS: &str = "__segql_starts_session";
/// The time of the user's previous event, in the portable plan.
const PREVIOUS: &str = "__segql_previous_ts";
/// The number of an event's session among its user's.
const NUMBER: &str = "__segql_session_number";

impl Lowering<'_> {
    /// The sessions the mapping derives, if any.
    pub(super) fn derived_sessions(&self) -> Option<DerivedSessions> {
        self.catalog.mapping().sessions
    }

    /// `events` (normalized columns and the table's own, `uid` the user id
    /// column) with SESSION replaced by the derived sessions.
    pub(super) fn with_derived_sessions(
        &self,
        events: LogicalPlanBuilder,
        uid: &str,
        sessions: DerivedSessions,
    ) -> Result<LogicalPlanBuilder> {
        let columns: Vec<Expr> = events
            .schema()
            .iter()
            .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
            .collect();
        let user = column(uid);
        let (numbered, number) =
            if self.engine == SequenceEngine::Native || sessions.max_length_micros.is_some() {
                let number = SessionNumber::call(sessions, column(TS), user.clone())?;
                (events.window(vec![number.alias(NUMBER)])?, column(NUMBER))
            } else {
                self.numbered_by_gaps(events, columns.clone(), user.clone(), sessions)?
            };
        // An event without a time is in no session (it sorts after the
        // user's timed events, which its number would otherwise extend).
        let id = when(
            column(TS).is_not_null(),
            datafusion_functions::expr_fn::concat(vec![
                cast(user, DataType::Utf8),
                lit("#"),
                cast(number, DataType::Utf8),
            ]),
        )
        .end()?;
        numbered.project(columns.into_iter().map(|c| match &c {
            Expr::Column(col) if col.name == SESSION => id.clone().alias(SESSION),
            _ => c,
        }))
    }

    /// Session numbers from gaps alone, by standard window functions: the
    /// relation with a column of numbers, and that column.
    fn numbered_by_gaps(
        &self,
        events: LogicalPlanBuilder,
        columns: Vec<Expr>,
        user: Expr,
        sessions: DerivedSessions,
    ) -> Result<(LogicalPlanBuilder, Expr)> {
        let order = vec![column(TS).sort(true, false)];
        let previous = datafusion_functions_window::expr_fn::lag(column(TS), Some(1), None)
            .partition_by(vec![user.clone()])
            .order_by(order.clone())
            .build()?
            .alias(PREVIOUS);
        let previous_ts = column(PREVIOUS);
        let starts = when(
            previous_ts
                .clone()
                .is_null()
                .or((column(TS) - previous_ts).gt(lit(sessions.inactivity_micros))),
            lit(1i64),
        )
        .otherwise(lit(0i64))?;
        let mut flagged = columns;
        flagged.push(starts.alias(STARTS));
        let running = Expr::from(WindowFunction::new(
            WindowFunctionDefinition::AggregateUDF(datafusion_functions_aggregate::sum::sum_udaf()),
            vec![column(STARTS)],
        ))
        .partition_by(vec![user])
        .order_by(order)
        .window_frame(WindowFrame::new(Some(false)))
        .build()?
        .alias(NUMBER);
        let number = cast(column(NUMBER), DataType::Int64);
        Ok((
            events
                .window(vec![previous])?
                .project(flagged)?
                .window(vec![running])?,
            number,
        ))
    }
}

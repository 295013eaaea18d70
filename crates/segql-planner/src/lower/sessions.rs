//! Derived sessions (LANGUAGE.md §10, `[sessions]` or `--sessions`): the
//! session of each event, made from the gaps between its user's events,
//! replacing the events' own `session_id`. The derived id is
//! `<user_id>#<n>`, n counting the user's sessions from 1 in time order.
//!
//! Cut by gaps alone, the portable plan numbers sessions with standard
//! window functions: `lag` finds each event's gap, and a running sum of
//! "starts a session" flags over a `RANGE` frame (which gives events at the
//! same time the same number, whatever their order) is the number: one sort
//! of the events by user and time. With a maximum length, or in the native
//! plan, no sort: an aggregate finds each user's session starts from the
//! user's event times, and the events the query keeps meet them in a hash
//! join ([`crate::udaf::sessions`]). A query that reads no session leaves
//! either out of its plan, as DataFusion drops unused columns.

use super::expr::{aggregate_over, column, qualified};
use super::relations::join_on;
use super::{Lowering, Result};
use crate::model::DerivedSessions;
use crate::names::{SESSION, TS};
use crate::options::SequenceEngine;
use crate::udaf::sessions::{SessionId, SessionStarts};
use datafusion_common::arrow::datatypes::DataType;
use datafusion_common::{Column, JoinType};
use datafusion_expr::{Expr, ExprFunctionExt, LogicalPlanBuilder, WindowFrame, cast, lit, when};

/// Whether an event starts a session (1) or not (0), in the portable plan.
const STARTS: &str = "__segql_starts_session";
/// The time of the user's previous event, in the portable plan.
const PREVIOUS: &str = "__segql_previous_ts";
/// The number of an event's session among its user's.
const NUMBER: &str = "__segql_session_number";
/// The user of a list of session starts, and the list.
const STARTS_USER: &str = "__segql_starts_user";
const SESSION_STARTS: &str = "__segql_session_starts";

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
        let (numbered, id) =
            if self.engine == SequenceEngine::Native || sessions.max_length_micros.is_some() {
                self.identified_by_starts(events, uid, sessions)?
            } else {
                self.identified_by_gaps(events, columns.clone(), column(uid), sessions)?
            };
        numbered.project(columns.into_iter().map(|c| match &c {
            Expr::Column(col) if col.name == SESSION => id.clone().alias(SESSION),
            _ => c,
        }))
    }

    /// Session ids from each user's session starts: the relation with the
    /// starts beside each event, and the id. The starts are found over the
    /// rows of the events table (stitched), as `events` may have lost some
    /// (accounts without an account); each event of `events` meets its
    /// user's in a hash join built on the users (the left, smaller side;
    /// an event without a user keeps no starts and is in no session).
    fn identified_by_starts(
        &self,
        events: LogicalPlanBuilder,
        uid: &str,
        sessions: DerivedSessions,
    ) -> Result<(LogicalPlanBuilder, Expr)> {
        let starts = self
            .event_rows()?
            .aggregate(
                vec![column(uid).alias(STARTS_USER)],
                vec![SessionStarts::call(sessions, self.event_time()?).alias(SESSION_STARTS)],
            )?
            .build()?;
        let (e, s) = (self.alias("ev"), self.alias("st"));
        // Each column of `events` again under its own qualifier, as the
        // caller names them.
        let mut columns: Vec<Expr> = events
            .schema()
            .iter()
            .map(|(q, f)| {
                Expr::Column(qualified(&e, f.name())).alias_qualified(q.cloned(), f.name())
            })
            .collect();
        let joined = join_on(
            LogicalPlanBuilder::from(starts),
            events,
            (&s, &e),
            JoinType::Right,
            &[(STARTS_USER, uid)],
        )?;
        columns.push(Expr::Column(qualified(&s, SESSION_STARTS)).alias(SESSION_STARTS));
        let id = SessionId::call(column(uid), column(TS), column(SESSION_STARTS));
        Ok((joined.project(columns)?, id))
    }

    /// Session ids from gaps alone, by standard window functions: the
    /// relation with a column of session numbers, and the id.
    fn identified_by_gaps(
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
        let running = aggregate_over(
            datafusion_functions_aggregate::sum::sum_udaf(),
            column(STARTS),
            vec![user.clone()],
            order,
            Some(WindowFrame::new(Some(false))),
        )?
        .alias(NUMBER);
        // An event without a time is in no session (it sorts after the
        // user's timed events, which its number would otherwise extend).
        let id = when(
            column(TS).is_not_null(),
            datafusion_functions::expr_fn::concat(vec![
                cast(user, DataType::Utf8),
                lit("#"),
                cast(cast(column(NUMBER), DataType::Int64), DataType::Utf8),
            ]),
        )
        .end()?;
        Ok((
            events
                .window(vec![previous])?
                .project(flagged)?
                .window(vec![running])?,
            id,
        ))
    }
}

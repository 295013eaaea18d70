//! `for the first time`, `stopped` and `restarted` (LANGUAGE.md §11): one
//! scan of the step's events, grouped by actor into the earliest or latest
//! matching time, then a comparison with the range's instants. DataFusion's
//! own `min`/`max` do all of it, so both engines run this plan and it
//! unparses to SQL; no ordered pass is needed.
//!
//! - first time in `[a, b)`: the earliest matching event of all lies in it;
//! - stopped over `[a, b)`: of the matching events before `b`, the latest
//!   lies before `a` (so there is one before `a` and none in the range);
//! - restarted over `[a, b)` with the gap `[g, a)`: of the matching events
//!   before `b`, the latest lies at or after `a`, and of those before `a`
//!   the latest lies before `g`.

use super::expr::{column, filter_form};
use super::{Lowering, Result};
use crate::ir::{LifecycleIr, LifecycleTest, TimeRange};
use crate::names::{ACTOR, TS};
use datafusion_expr::utils::conjunction;
use datafusion_expr::{Expr, LogicalPlan, lit, when};
use datafusion_functions_aggregate::expr_fn::{max, min};

/// The aggregated times of an actor's matching events.
const LATEST: &str = "__segql_latest";
const EARLIEST: &str = "__segql_earliest";
const LATEST_BEFORE: &str = "__segql_latest_before";

impl Lowering<'_> {
    /// The actors a lifecycle test holds for.
    pub(super) fn lifecycle(&self, lifecycle: &LifecycleIr) -> Result<LogicalPlan> {
        let (seen, aggregates, test) = match lifecycle.test {
            LifecycleTest::FirstTime(range) => {
                let bounds = [
                    range.from.map(|from| column(EARLIEST).gt_eq(lit(from))),
                    range.to.map(|to| column(EARLIEST).lt(lit(to))),
                ];
                (
                    TimeRange::ALL,
                    vec![min(column(TS)).alias(EARLIEST)],
                    conjunction(bounds.into_iter().flatten()).unwrap_or(lit(true)),
                )
            }
            LifecycleTest::Stopped { from, to } => (
                TimeRange { from: None, to },
                vec![max(column(TS)).alias(LATEST)],
                column(LATEST).lt(lit(from)),
            ),
            LifecycleTest::Restarted { gap_from, from, to } => {
                let before: Expr = when(column(TS).lt(lit(from)), column(TS)).end()?;
                (
                    TimeRange {
                        from: None,
                        to: Some(to),
                    },
                    vec![
                        max(column(TS)).alias(LATEST),
                        max(before).alias(LATEST_BEFORE),
                    ],
                    column(LATEST)
                        .gt_eq(lit(from))
                        .and(column(LATEST_BEFORE).lt(lit(gap_from))),
                )
            }
        };
        // `min` and `max` skip null times, so an event without a time is
        // in no range and before no instant, as everywhere.
        let per_actor = self
            .events_in(seen)?
            .filter(filter_form(lifecycle.step.clone()))?
            .aggregate(vec![column(ACTOR)], aggregates)?
            .filter(test)?;
        self.actor_set(per_actor)
    }
}

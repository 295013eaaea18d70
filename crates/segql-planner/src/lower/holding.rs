//! Holding properties constant (LANGUAGE.md §11) in both lowerings.
//!
//! `holding c` is to the column `c` what `within session` is to the
//! session: the events of one assignment share one non-null value of it,
//! negated steps look only at events with that value, and a count counts
//! the events of one value. So both are lowered alike, as the columns
//! besides the actor that the events of a chain share ([`Shared`]): each
//! held value becomes a column of the rows, rows where one is null are
//! dropped, and the columns join the keys that partition the window passes
//! (portable) or group the events handed to the matcher (native). A
//! chain's events then all lie in one partition of one value set, which is
//! the rule itself.
//!
//! `at most N` / `exactly N` take the largest count of one value set (0
//! without any); an aggregate holds when the aggregate of some value set
//! satisfies the comparison, and for `total` an actor without any event
//! of the step is tested with 0 (as without `holding`).

use super::expr::{balanced, column};
use super::{Lowering, Result};
use crate::ir::{HeldColumn, Within};
use crate::names::SESSION;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Operator, lit, when};
use datafusion_functions_aggregate::expr_fn::max;

/// The column of the `i`th held value in the rows of a chain.
fn held_column(i: usize) -> String {
    format!("__segql_held{i}")
}

/// The columns besides the actor that every event of a chain shares: the
/// session (`within session`) and the held values (`holding`).
pub(in crate::lower) struct Shared {
    session: bool,
    /// The value of each held column, computed into [`held_column`]`(i)`.
    held: Vec<Expr>,
}

impl Shared {
    pub(in crate::lower) fn new(within: Within, holding: &[HeldColumn]) -> Self {
        Shared {
            session: within == Within::Session,
            held: holding.iter().map(|h| h.expr.clone()).collect(),
        }
    }

    /// The names of the shared columns in the rows: SESSION first.
    pub(in crate::lower) fn names(&self) -> Vec<String> {
        let session = self.session.then(|| SESSION.to_string());
        session
            .into_iter()
            .chain((0..self.held.len()).map(held_column))
            .collect()
    }

    /// The shared columns as keys (of a partition, a group, a join).
    pub(in crate::lower) fn keys(&self) -> Vec<Expr> {
        self.names().iter().map(|n| column(n)).collect()
    }

    /// Each shared column with a name for it on the other side of a join:
    /// `prefix` and the column's own name after `__segql`
    /// (`__segql_s_session` for the session and prefix `__segql_s`).
    pub(in crate::lower) fn renamed(&self, prefix: &str) -> Vec<(String, String)> {
        self.names()
            .into_iter()
            .map(|n| {
                let own = n.strip_prefix("__segql").unwrap_or(&n).to_string();
                (n, format!("{prefix}{own}"))
            })
            .collect()
    }

    /// Whether some value is held (beyond the session).
    pub(in crate::lower) fn holds(&self) -> bool {
        !self.held.is_empty()
    }

    /// True for an event with a value of every shared column: the only
    /// events a chain can hold (a null never matches).
    pub(in crate::lower) fn present(&self) -> Option<Expr> {
        let session = self.session.then(|| column(SESSION).is_not_null());
        let held = self.held.iter().map(|e| e.clone().is_not_null());
        balanced(session.into_iter().chain(held).collect(), Operator::And)
    }

    /// `rows` with the held values as columns (unchanged when nothing is
    /// held).
    pub(in crate::lower) fn with_values(
        &self,
        rows: LogicalPlanBuilder,
    ) -> Result<LogicalPlanBuilder> {
        if !self.holds() {
            return Ok(rows);
        }
        let mut projection: Vec<Expr> = rows
            .schema()
            .columns()
            .into_iter()
            .map(|c| {
                let name = c.name.clone();
                Expr::Column(c).alias(name)
            })
            .collect();
        projection.extend(
            self.held
                .iter()
                .enumerate()
                .map(|(i, e)| e.clone().alias(held_column(i))),
        );
        rows.project(projection)
    }
}

impl Lowering<'_> {
    /// Per actor, the largest of `value` (a column of `per_set`, one row per
    /// actor and value set) under the same name: "the largest number of
    /// events sharing one value set".
    pub(in crate::lower) fn largest_per_actor(
        &self,
        per_set: LogicalPlanBuilder,
        value: &str,
    ) -> Result<LogicalPlan> {
        per_set
            .aggregate(
                vec![column(crate::names::ACTOR)],
                vec![max(column(value)).alias(value)],
            )?
            .build()
    }

    /// The actors for which some value set passes `test` (over the columns
    /// of `per_set`, one row per actor and value set); with `when_none`,
    /// also the actors of the universe without any value set.
    pub(in crate::lower) fn some_value_set(
        &self,
        per_set: LogicalPlanBuilder,
        test: Expr,
        when_none: Expr,
    ) -> Result<LogicalPlan> {
        let passed = "__segql_held_passed";
        let per_actor = per_set
            .aggregate(
                vec![column(crate::names::ACTOR)],
                vec![max(when(test, lit(1i64)).otherwise(lit(0i64))?).alias(passed)],
            )?
            .build()?;
        let none = when(when_none, lit(1i64)).otherwise(lit(0i64))?;
        let value = datafusion_functions::expr_fn::coalesce(vec![column(passed), none]);
        self.with_universe(per_actor, value.eq(lit(1i64)))
    }
}

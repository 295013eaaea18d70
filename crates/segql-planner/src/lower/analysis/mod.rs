//! The analyses (LANGUAGE.md §5, §12): funnel, retention, paths, explore,
//! lifecycle and stickiness, and what they share: the events of their
//! scope, joins of keyed relations, and `by` columns read from the profile
//! table.

mod explore;
mod funnel;
mod lifecycle;
mod paths;
mod periods;
mod retention;
mod stickiness;

pub(crate) use funnel::MAX_ANY_ORDER_STEPS;

use crate::ir::*;
use crate::lower::expr::{column, filter_form, qualified};
use crate::lower::holding::Shared;
use crate::lower::relations::{join_aliased, join_on};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use datafusion_common::{JoinType, NullEquality, ScalarValue};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};
use datafusion_functions_aggregate::expr_fn::min;

/// Column of the last positive funnel step an actor reaches (from 1).
pub(super) const FURTHEST: &str = "__segql_furthest";

/// Column of an analysis's `by` value.
pub(super) const BY: &str = "__segql_by";

/// Column of the block a funnel counts an actor in: 0, or the index of a
/// `compare` segment the actor belongs to.
pub(super) const BLOCK: &str = "__segql_block";

/// A table of literal `rows`, its columns named `names`.
pub(super) fn values_table(rows: Vec<Vec<Expr>>, names: &[&str]) -> Result<LogicalPlan> {
    let columns: Vec<Expr> = names
        .iter()
        .enumerate()
        .map(|(i, name)| column(&format!("column{}", i + 1)).alias(*name))
        .collect();
    LogicalPlanBuilder::values(rows)?.project(columns)?.build()
}

impl Lowering<'_> {
    /// The events an analysis sees: in its range, of its `for` segment's
    /// actors.
    pub(super) fn scoped_events(&self, scope: &Scope) -> Result<LogicalPlanBuilder> {
        let events = self.events_in(scope.range)?;
        let Some(segment) = &scope.segment else {
            return Ok(events);
        };
        let members = self.cond(segment)?;
        let (e, m) = (self.alias("ev"), self.alias("sc"));
        let joined = join_on(
            events,
            members,
            (&e, &m),
            JoinType::LeftSemi,
            &[(ACTOR, ACTOR)],
        )?;
        let unqualified: Vec<Expr> = joined
            .schema()
            .fields()
            .iter()
            .map(|f| Expr::Column(qualified(&e, f.name())).alias(f.name()))
            .collect();
        joined.project(unqualified)
    }

    /// Adds BY from the profile table (null without a profile row) to
    /// `actors`, keeping their columns.
    pub(super) fn with_profile_by(
        &self,
        actors: LogicalPlan,
        by: &ByColumn,
    ) -> Result<LogicalPlan> {
        let names: Vec<String> = actors
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let Some(profile) = self.profile_relation()? else {
            let mut projection: Vec<Expr> = names.iter().map(|n| column(n)).collect();
            projection.push(lit(ScalarValue::Null).alias(BY));
            return LogicalPlanBuilder::from(actors)
                .project(projection)?
                .build();
        };
        let profile = profile
            .project(vec![
                column(ACTOR).alias("__segql_p_actor"),
                by.expr.clone().alias(BY),
            ])?
            .aggregate(
                vec![column("__segql_p_actor")],
                vec![min(column(BY)).alias(BY)],
            )?
            .build()?;
        let (joined, a, p) =
            self.join_actors(actors, profile, JoinType::Left, "__segql_p_actor")?;
        let mut projection: Vec<Expr> = names
            .iter()
            .map(|n| Expr::Column(qualified(&a, n)).alias(n.as_str()))
            .collect();
        projection.push(Expr::Column(qualified(&p, BY)).alias(BY));
        joined.project(projection)?.build()
    }

    /// Joins `left` and `right` on the given column pairs where nulls are
    /// equal (a null `by` value is a group of its own).
    pub(super) fn join_null_equal(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        keys: &[(&str, &str)],
    ) -> Result<LogicalPlanBuilder> {
        let (l, r) = (self.alias("jl"), self.alias("jr"));
        let nulls = NullEquality::NullEqualsNull;
        join_aliased(left, right, (&l, &r), join, keys, None, nulls)
    }

    /// `join_keyed` on the actor: ACTOR of `actors` against `right_actor`
    /// of `right`.
    pub(super) fn join_actors(
        &self,
        actors: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        right_actor: &str,
    ) -> Result<(LogicalPlanBuilder, String, String)> {
        self.join_keyed(actors, right, join, &[(ACTOR, right_actor)])
    }

    /// Aliases `left` and `right` afresh and joins them on the given column
    /// pairs; returns the join and the two aliases, to qualify columns by.
    pub(super) fn join_keyed(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        keys: &[(&str, &str)],
    ) -> Result<(LogicalPlanBuilder, String, String)> {
        let (l, r) = (self.alias("jl"), self.alias("jr"));
        let joined = join_on(left, right, (&l, &r), join, keys)?;
        Ok((joined, l, r))
    }

    /// `rows` (ACTOR, the time column `at` and the shared columns of
    /// `shared`: the session, held values) joined to each event matching
    /// `start` of the same actor (and shared values) at that time,
    /// carrying BY: `by` read on that event. Returns the join and the
    /// aliases of `rows` and of the events.
    pub(super) fn join_by_at(
        &self,
        rows: impl Into<LogicalPlanBuilder>,
        at: &str,
        (events, start): (LogicalPlan, Expr),
        by: &ByColumn,
        shared: &Shared,
    ) -> Result<(LogicalPlanBuilder, String, String)> {
        let mut value_columns = vec![
            column(ACTOR).alias("__segql_v_actor"),
            column(TS).alias("__segql_v_ts"),
            by.expr.clone().alias(BY),
        ];
        let renamed = shared.renamed("__segql_v");
        value_columns.extend(renamed.iter().map(|(c, v)| column(c).alias(v)));
        let mut keys = vec![(ACTOR, "__segql_v_actor"), (at, "__segql_v_ts")];
        keys.extend(renamed.iter().map(|(c, v)| (c.as_str(), v.as_str())));
        let values = shared
            .with_values(LogicalPlanBuilder::from(events).filter(filter_form(start))?)?
            .project(value_columns)?;
        let (a, v) = (self.alias("fa"), self.alias("fv"));
        let joined = join_on(rows, values, (&a, &v), JoinType::Inner, &keys)?;
        Ok((joined, a, v))
    }
}

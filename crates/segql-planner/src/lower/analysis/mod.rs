//! The analyses (LANGUAGE.md §5): funnel, retention, paths and explore,
//! and what they share: the events of their scope, joins of keyed
//! relations, and `by` columns read from the profile table.

mod explore;
mod funnel;
mod paths;
mod retention;

use crate::ir::*;
use crate::lower::expr::{column, qualified};
use crate::lower::{Lowering, Result};
use crate::names::ACTOR;
use datafusion_common::{JoinType, ScalarValue};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};
use datafusion_functions_aggregate::expr_fn::min;

pub(super) const FURTHEST: &str = "__segql_furthest";

pub(super) const BY: &str = "__segql_by";

pub(super) const BLOCK: &str = "__segql_block";

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
        let joined = events.alias(e.as_str())?.join(
            LogicalPlanBuilder::from(members)
                .alias(m.as_str())?
                .build()?,
            JoinType::LeftSemi,
            (vec![qualified(&e, ACTOR)], vec![qualified(&m, ACTOR)]),
            None,
        )?;
        let unqualified: Vec<Expr> = joined
            .schema()
            .fields()
            .iter()
            .map(|f| Expr::Column(qualified(&e, f.name())).alias(f.name()))
            .collect();
        joined.project(unqualified)
    }

    /// Adds BY from the profile table (null without a profile row).
    pub(super) fn with_profile_by(
        &self,
        actors: LogicalPlan,
        by: &ByColumn,
    ) -> Result<LogicalPlan> {
        let Some(profile) = self.profile_relation()? else {
            return LogicalPlanBuilder::from(actors)
                .project(vec![
                    column(ACTOR),
                    column(FURTHEST),
                    lit(ScalarValue::Null).alias(BY),
                ])?
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
        let (joined, a, p) = self.join_keyed(
            actors,
            profile,
            JoinType::Left,
            &[(ACTOR, "__segql_p_actor")],
            datafusion_common::NullEquality::NullEqualsNothing,
        )?;
        joined
            .project(vec![
                Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                Expr::Column(qualified(&a, FURTHEST)).alias(FURTHEST),
                Expr::Column(qualified(&p, BY)).alias(BY),
            ])?
            .build()
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
        let (joined, _, _) = self.join_keyed(
            left,
            right,
            join,
            keys,
            datafusion_common::NullEquality::NullEqualsNull,
        )?;
        Ok(joined)
    }

    /// Aliases `left` and `right` afresh and joins them on the given column
    /// pairs; returns the join and the two aliases, to qualify columns by.
    pub(super) fn join_keyed(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        keys: &[(&str, &str)],
        nulls: datafusion_common::NullEquality,
    ) -> Result<(LogicalPlanBuilder, String, String)> {
        let (l, r) = (self.alias("jl"), self.alias("jr"));
        let joined = LogicalPlanBuilder::from(left)
            .alias(l.as_str())?
            .join_detailed(
                LogicalPlanBuilder::from(right).alias(r.as_str())?.build()?,
                join,
                (
                    keys.iter()
                        .map(|(a, _)| qualified(&l, a))
                        .collect::<Vec<_>>(),
                    keys.iter()
                        .map(|(_, b)| qualified(&r, b))
                        .collect::<Vec<_>>(),
                ),
                None,
                nulls,
            )?;
        Ok((joined, l, r))
    }
}

//! CSV lists (`in csv "file"`): the actors a list names, by key or by
//! email, and the count of its values that match no actor.

use super::expr::{column, qualified};
use super::relations::join_on;
use super::{Lowering, Result};
use crate::catalog::TableRole;
use crate::ir::*;
use crate::names::ACTOR;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use datafusion_functions_aggregate::expr_fn::count;

/// Column of the text a candidate actor is matched by.
const MATCH: &str = "__segql_match";

/// Column of a listed value, in the form candidates are matched by.
const LISTED: &str = "__segql_listed";

impl Lowering<'_> {
    /// Actors listed in a CSV column: by key, compared as text; or users by
    /// email, trimmed and case-insensitive.
    pub(super) fn csv(&self, set: &CsvSet) -> Result<LogicalPlan> {
        let (matched, c) = self.csv_joined(set, JoinType::LeftSemi)?;
        let members = matched
            .project(vec![Expr::Column(qualified(&c, ACTOR)).alias(ACTOR)])?
            .filter(column(ACTOR).is_not_null())?;
        self.actor_set(members)
    }

    /// The number of values of a CSV list that match no actor (one row,
    /// column `unmatched`).
    pub(super) fn csv_unmatched(&self, set: &CsvSet) -> Result<LogicalPlan> {
        let (unmatched, _) = self.csv_joined(set, JoinType::RightAnti)?;
        unmatched
            .aggregate(
                Vec::<Expr>::new(),
                vec![count(lit(1i64)).alias("unmatched")],
            )?
            .build()
    }

    /// The list's candidates (aliased by the returned name) joined to its
    /// values by `join`: `LeftSemi` keeps the candidates a value names,
    /// `RightAnti` the values that name no candidate.
    fn csv_joined(&self, set: &CsvSet, join: JoinType) -> Result<(LogicalPlanBuilder, String)> {
        let (candidates, listed) = self.csv_parts(set)?;
        let (c, l) = (self.alias("c"), self.alias("l"));
        let joined = join_on(candidates, listed, (&c, &l), join, &[(MATCH, LISTED)])?;
        Ok((joined, c))
    }

    /// The actors a CSV list can name, with the text they are matched by,
    /// and the list's non-empty values in the same form.
    fn csv_parts(&self, set: &CsvSet) -> Result<(LogicalPlan, LogicalPlan)> {
        let value = "__segql_csv_value";
        let (candidates, key_text) = if set.by_email {
            let (users, _) = self.profile_table().expect("checked by resolution");
            let email = self.mapped(TableRole::Users, "email");
            let key = self.mapped(TableRole::Users, "user_id");
            let plan = self
                .scan(users)?
                .project(vec![
                    cast(column(&key), self.key_type.clone()).alias(ACTOR),
                    normalize_email(column(&email)).alias(MATCH),
                ])?
                .build()?;
            (plan, normalize_email(column(value)))
        } else {
            let universe = self.universe()?;
            let plan = LogicalPlanBuilder::from(universe)
                .project(vec![
                    column(ACTOR),
                    cast(column(ACTOR), DataType::Utf8).alias(MATCH),
                ])?
                .build()?;
            (plan, column(value))
        };
        let listed = self
            .scan(&set.table)?
            .project(vec![cast(column(&set.column), DataType::Utf8).alias(value)])?
            .filter(
                column(value)
                    .is_not_null()
                    .and(column(value).not_eq(lit(""))),
            )?
            .project(vec![key_text.alias(LISTED)])?
            .build()?;
        Ok((candidates, listed))
    }
}

fn normalize_email(e: Expr) -> Expr {
    datafusion_functions::expr_fn::lower(datafusion_functions::expr_fn::btrim(vec![cast(
        e,
        DataType::Utf8,
    )]))
}

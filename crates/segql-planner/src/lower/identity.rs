//! Identity stitching (LANGUAGE.md §10, `[identity] anonymous_id`): an
//! event without a user but with an anonymous id takes the user linked to
//! that id, the user of the earliest event (then the smallest user id) that
//! carries both. Stitching rewrites the rows of the events table before
//! anything reads them, so the universe, every behavior and analysis, and
//! derived sessions all see stitched users.
//!
//! The links are two hash aggregates and a join over the events that carry
//! both ids (no sort), and each event meets them in one hash join, built on
//! the links: a pass over the events whatever the query.

use super::expr::{column, qualified};
use super::relations::join_on;
use super::{Lowering, Result};
use crate::catalog::TableRole;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion_functions_aggregate::expr_fn::min;

/// The columns of the links: an anonymous id, the user it is linked to,
/// and (while finding them) an event time and the earliest one.
const ANONYMOUS: &str = "__segql_anonymous";
const LINKED_USER: &str = "__segql_linked_user";
const LINK_TS: &str = "__segql_link_ts";
const FIRST_TS: &str = "__segql_first_ts";

impl Lowering<'_> {
    /// The rows of the events table with their own columns, users stitched
    /// when the mapping names an anonymous id.
    pub(super) fn event_rows(&self) -> Result<LogicalPlanBuilder> {
        let Some(anonymous) = self.anonymous_id_column() else {
            return self.scan(&self.events);
        };
        let uid = self.mapped(TableRole::Events, "user_id");
        let (links, rows) = (self.alias("links"), self.alias("ev"));
        let joined = join_on(
            self.identity_links(&anonymous, &uid)?,
            self.scan(&self.events)?,
            (&links, &rows),
            JoinType::Right,
            &[(ANONYMOUS, anonymous.as_str())],
        )?;
        let schema = self.events.schema();
        let projection = schema.fields().iter().map(|f| {
            let own = Expr::Column(qualified(&rows, f.name()));
            let value = if *f.name() == uid {
                datafusion_functions::expr_fn::coalesce(vec![
                    own,
                    Expr::Column(qualified(&links, LINKED_USER)),
                ])
            } else {
                own
            };
            value.alias(f.name())
        });
        joined.project(projection)
    }

    /// The anonymous-id column stitching reads: the mapping's, unless the
    /// column holds no values at all (a CSV column left empty).
    fn anonymous_id_column(&self) -> Option<String> {
        let column = self.catalog.mapping().anonymous_id.clone()?;
        let field = self.events.schema().field_with_name(&column).ok()?.clone();
        (field.data_type() != &DataType::Null).then_some(column)
    }

    /// One row per linked anonymous id: the id and its user, the user of
    /// the earliest event carrying both, the smallest of them on a tie.
    fn identity_links(&self, anonymous: &str, uid: &str) -> Result<LogicalPlan> {
        let carrying_both = self
            .scan(&self.events)?
            .filter(
                column(uid)
                    .is_not_null()
                    .and(column(anonymous).is_not_null()),
            )?
            .project(vec![
                column(anonymous).alias(ANONYMOUS),
                column(uid).alias(LINKED_USER),
                self.event_time()?.alias(LINK_TS),
            ])?
            .build()?;
        let earliest = LogicalPlanBuilder::from(carrying_both.clone())
            .aggregate(
                vec![column(ANONYMOUS)],
                vec![min(column(LINK_TS)).alias(FIRST_TS)],
            )?
            .build()?;
        let (all, first) = (self.alias("both"), self.alias("first"));
        join_on(
            carrying_both,
            earliest,
            (&all, &first),
            JoinType::Inner,
            &[(ANONYMOUS, ANONYMOUS), (LINK_TS, FIRST_TS)],
        )?
        .project(vec![
            Expr::Column(qualified(&all, ANONYMOUS)).alias(ANONYMOUS),
            Expr::Column(qualified(&all, LINKED_USER)).alias(LINKED_USER),
        ])?
        .aggregate(
            vec![column(ANONYMOUS)],
            vec![min(column(LINKED_USER)).alias(LINKED_USER)],
        )?
        .build()
    }
}

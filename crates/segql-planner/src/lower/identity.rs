//! Identity stitching (LANGUAGE.md §10, `[identity] anonymous_id`): an
//! event without a user but with an anonymous id takes the user linked to
//! that id, the user of the earliest event (then the smallest user id) that
//! carries both. Stitching rewrites the rows of the events table before
//! anything reads them, so the universe, every behavior and analysis, and
//! derived sessions all see stitched users.
//!
//! The links are a window over the events that carry both ids (a sort of
//! those few alone), and each event meets them in one hash join: two
//! passes over the events whatever the query.

use super::expr::{column, qualified};
use super::relations::join_on;
use super::{Lowering, Result};
use crate::catalog::TableRole;
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit};

/// The columns of the links: an anonymous id, the user it is linked to,
/// and (while finding them) an event time and its rank.
const ANONYMOUS: &str = "__segql_anonymous";
const LINKED_USER: &str = "__segql_linked_user";
const LINK_TS: &str = "__segql_link_ts";
/// The number of an event among those carrying the same anonymous id.
const RANK: &str = "__segql_link_rank";

impl Lowering<'_> {
    /// The rows of the events table that have a user, with their own
    /// columns: users stitched when the mapping names an anonymous id. Rows
    /// without a user are ignored everywhere (LANGUAGE.md §1), so none
    /// leaves here.
    pub(super) fn event_rows(&self) -> Result<LogicalPlanBuilder> {
        let uid = self.mapped(TableRole::Events, "user_id");
        let Some(anonymous) = self.anonymous_id_column() else {
            return self.scan(&self.events)?.filter(column(&uid).is_not_null());
        };
        // One pass over the events: each meets the links by its anonymous
        // id (reading the table once costs less than splitting it by
        // whether a row has a user).
        let (links, rows) = (self.alias("links"), self.alias("ev"));
        let joined = join_on(
            self.identity_links(&anonymous, &uid)?,
            self.scan(&self.events)?,
            (&links, &rows),
            JoinType::Right,
            &[(ANONYMOUS, anonymous.as_str())],
        )?;
        let schema = self.events.schema();
        let stitched = schema.fields().iter().map(|f| {
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
        joined.project(stitched)?.filter(column(&uid).is_not_null())
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
        // Numbered by time, then user, within each anonymous id: the first
        // is the link. One scan of the events; the window sorts only those
        // that carry both ids, a small part of them.
        let order = vec![
            column(LINK_TS).sort(true, false),
            column(LINKED_USER).sort(true, false),
        ];
        let rank = datafusion_functions_window::expr_fn::row_number()
            .partition_by(vec![column(ANONYMOUS)])
            .order_by(order)
            .build()?
            .alias(RANK);
        self.scan(&self.events)?
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
            .window(vec![rank])?
            .filter(column(RANK).eq(lit(1u64)))?
            .project(vec![column(ANONYMOUS), column(LINKED_USER)])?
            .build()
    }
}

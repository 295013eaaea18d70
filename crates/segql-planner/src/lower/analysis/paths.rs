//! Paths: the sequences of page views within sessions, counted, natively
//! (one aggregate per session) or by window functions and `string_agg`;
//! with `clean`, views show and collapse by their labels.

use crate::ir::*;
use crate::lower::expr::{aggregate_over, column};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, NAME, SESSION, TS, TYPE};
use crate::options::SequenceEngine;
use crate::udaf::paths;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_common::{Column, JoinType, ScalarValue};
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, WindowFrame, WindowFrameBound,
    WindowFrameUnits, cast, lit, when,
};
use datafusion_functions_aggregate::expr_fn::{count, max, min};
use segql_syntax::result::column as out;

/// What a path shows of a view: its name, or with `clean` its label (the
/// native builder gets the name and the label, see [`paths::LABEL_MARK`]).
const PATH_NAME: &str = "__segql_path_name";

impl Lowering<'_> {
    pub(in crate::lower) fn paths(&self, paths: &PathsIr) -> Result<LogicalPlan> {
        let per_session = if self.engine == SequenceEngine::Native {
            self.native_paths(paths)?
        } else {
            self.portable_paths(paths)?
        };
        per_session
            .aggregate(
                vec![column(out::PATH)],
                vec![
                    count(lit(1i64)).alias(out::SESSIONS),
                    count(column(ACTOR)).distinct().build()?.alias(out::USERS),
                ],
            )?
            .sort(vec![
                column(out::SESSIONS).sort(false, false),
                column(out::PATH).sort(true, false),
            ])?
            .limit(0, Some(segql_syntax::saturating_i64(paths.top) as usize))?
            .build()
    }

    /// The views of sessions (scope applied): ACTOR, SESSION, TS, NAME and
    /// `extra`.
    fn session_views(&self, scope: &Scope, extra: Vec<Expr>) -> Result<LogicalPlanBuilder> {
        let mut projection = vec![column(ACTOR), column(SESSION), column(TS), column(NAME)];
        projection.extend(extra);
        self.scoped_events(scope)?
            .filter(
                column(TYPE)
                    .eq(lit("view"))
                    .and(column(SESSION).is_not_null()),
            )?
            .project(projection)
    }

    /// Per session with a path: ACTOR, SESSION and `path`, by the native
    /// path builder.
    fn native_paths(&self, paths: &PathsIr) -> Result<LogicalPlanBuilder> {
        let flag = |step: &Option<Expr>, bit: i64| -> Result<Expr> {
            Ok(match step {
                Some(p) => when(p.clone(), lit(bit)).otherwise(lit(0i64))?,
                None => lit(0i64),
            })
        };
        let from = match &paths.from {
            Some(_) => flag(&paths.from, paths::FROM)?,
            None => lit(paths::FROM),
        };
        let shape = paths::PathShape {
            depth: segql_syntax::saturating_i64(paths.depth) as usize,
            has_to: paths.to.is_some(),
            labelled: paths.label.is_some(),
        };
        // With `clean`, the builder gets each view's name and its label.
        let mut extra = vec![(from + flag(&paths.to, paths::TO)?).alias("__segql_flags")];
        let name = match &paths.label {
            Some(label) => {
                extra.push(
                    datafusion_functions::expr_fn::concat(vec![
                        column(NAME),
                        lit(paths::LABEL_MARK.to_string()),
                        label.clone(),
                    ])
                    .alias(PATH_NAME),
                );
                column(PATH_NAME)
            }
            None => column(NAME),
        };
        let session = vec![column(ACTOR), column(SESSION)];
        self.session_views(&paths.scope, extra)?
            .aggregate(
                session,
                vec![
                    paths::PathBuilder::call(shape, column(TS), name, column("__segql_flags"))
                        .alias(out::PATH),
                ],
            )?
            .filter(column(out::PATH).is_not_null())
    }

    /// Per session with a path: ACTOR, SESSION and `path`, by window
    /// functions, a join and `string_agg`.
    fn portable_paths(&self, paths: &PathsIr) -> Result<LogicalPlanBuilder> {
        let truthy = |e: &Option<Expr>| e.clone().unwrap_or(lit(true));
        let mut extra = vec![
            cast(truthy(&paths.from), DataType::Int64).alias("__segql_from"),
            cast(truthy(&paths.to), DataType::Int64).alias("__segql_to"),
        ];
        // What a path shows of a view: its label (`clean`) or its name.
        let shown = match &paths.label {
            Some(label) => {
                extra.push(label.clone().alias(PATH_NAME));
                PATH_NAME
            }
            None => NAME,
        };
        let views = self.session_views(&paths.scope, extra)?;
        let session = vec![column(ACTOR), column(SESSION)];
        let order = vec![column(TS).sort(true, false), column(NAME).sort(true, false)];
        // Views are ordered by time, then name; runs of equal labels
        // collapse into one element.
        let previous = datafusion_functions_window::expr_fn::lag(column(shown), Some(1), None)
            .partition_by(session.clone())
            .order_by(order.clone())
            .build()?;
        let previous_name = previous.schema_name().to_string();
        let mut kept = vec![column(ACTOR), column(SESSION), column(TS), column(NAME)];
        if shown != NAME {
            kept.push(column(shown));
        }
        kept.extend([
            column("__segql_from"),
            column("__segql_to"),
            when(
                column(&previous_name)
                    .is_null()
                    .or(column(&previous_name).not_eq(column(shown))),
                lit(1i64),
            )
            .otherwise(lit(0i64))?
            .alias("__segql_new"),
        ]);
        let views = views.window(vec![previous])?.project(kept)?;
        let running = aggregate_over(
            datafusion_functions_aggregate::sum::sum_udaf(),
            column("__segql_new"),
            session.clone(),
            order,
            Some(WindowFrame::new_bounds(
                WindowFrameUnits::Rows,
                WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
                WindowFrameBound::CurrentRow,
            )),
        )?;
        let running_name = running.schema_name().to_string();
        // The element number is projected before it is grouped by: SQL
        // export cannot write a window function in a GROUP BY.
        let elements = views
            .window(vec![running])?
            .project(vec![
                column(ACTOR),
                column(SESSION),
                column(shown),
                column("__segql_from"),
                column("__segql_to"),
                cast(column(&running_name), DataType::Int64).alias("__segql_i"),
            ])?
            .aggregate(
                vec![column(ACTOR), column(SESSION), column("__segql_i")],
                vec![
                    min(column(shown)).alias(NAME),
                    max(column("__segql_from")).alias("__segql_from"),
                    max(column("__segql_to")).alias("__segql_to"),
                ],
            )?
            .build()?;
        // Where each session's path starts (and ends, with `to`).
        let starts = LogicalPlanBuilder::from(elements.clone())
            .filter(column("__segql_from").eq(lit(1i64)))?
            .aggregate(
                session.clone(),
                vec![min(column("__segql_i")).alias("__segql_start")],
            )?
            .build()?;
        let depth = segql_syntax::saturating_i64(paths.depth);
        let joined = self
            .join_null_equal(
                elements,
                starts,
                JoinType::Inner,
                &[(ACTOR, ACTOR), (SESSION, SESSION)],
            )?
            .build()?;
        let schema = joined.schema().clone();
        let pick = |name: &str| -> Expr {
            let (q, f) = schema
                .iter()
                .find(|(_, f)| f.name() == name)
                .expect("joined column");
            Expr::Column(Column::new(q.cloned(), f.name()))
        };
        let mut kept = LogicalPlanBuilder::from(joined.clone())
            .project(vec![
                pick(ACTOR).alias(ACTOR),
                pick(SESSION).alias(SESSION),
                pick("__segql_i").alias("__segql_i"),
                pick(NAME).alias(NAME),
                pick("__segql_to").alias("__segql_to"),
                pick("__segql_start").alias("__segql_start"),
            ])?
            .filter(
                column("__segql_i")
                    .gt_eq(column("__segql_start"))
                    // As a difference: `start + depth` could overflow.
                    .and((column("__segql_i") - column("__segql_start")).lt(lit(depth))),
            )?;
        if paths.to.is_some() {
            let end = aggregate_over(
                datafusion_functions_aggregate::min_max::min_udaf(),
                when(column("__segql_to").eq(lit(1i64)), column("__segql_i")).end()?,
                session.clone(),
                vec![],
                None,
            )?;
            let end_name = end.schema_name().to_string();
            kept = kept.window(vec![end])?.filter(
                column(&end_name)
                    .is_not_null()
                    .and(column("__segql_i").lt_eq(column(&end_name))),
            )?;
        }
        let path = datafusion_functions_aggregate::string_agg::string_agg_udaf()
            .call(vec![column(NAME), lit(" -> ")])
            .order_by(vec![column("__segql_i").sort(true, false)])
            .build()?;
        kept.aggregate(session, vec![path.alias(out::PATH)])
    }
}

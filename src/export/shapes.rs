//! Plan shapes the unparser writes wrongly, rewritten to equivalent ones
//! it writes correctly: unnamed join and aggregate inputs, null-equal join
//! keys, the column order of a top aggregate.

use datafusion::common::NullEquality;
use datafusion::common::tree_node::Transformed;
use datafusion::logical_expr::{
    Expr, LogicalPlan, LogicalPlanBuilder, Operator, SubqueryAlias, binary_expr,
};
use std::sync::Arc;

/// Gives a name to every side of a join, and to every input of an
/// aggregate, whose columns have none: written as a derived table, each
/// then keeps its own SELECT instead of being merged into the one above. Columns
/// without a qualifier are referenced by their bare names, which a name on
/// their relation does not change.
pub(super) fn name_join_inputs(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    let mut next = 0;
    let mut name = |side: Arc<LogicalPlan>| -> datafusion::error::Result<Arc<LogicalPlan>> {
        let anonymous = side
            .schema()
            .iter()
            .all(|(qualifier, _)| qualifier.is_none());
        if !anonymous || matches!(side.as_ref(), LogicalPlan::SubqueryAlias(_)) {
            return Ok(side);
        }
        next += 1;
        // The unparser writes a name over anything but a projection into
        // the SELECT above; over a projection, as a derived table.
        Ok(Arc::new(
            LogicalPlanBuilder::from(projected(Arc::unwrap_or_clone(side))?)
                .alias(format!("__segql_side_{next}"))?
                .build()?,
        ))
    };
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Join(mut join) => {
            join.left = name(join.left)?;
            join.right = name(join.right)?;
            // Keys that match when both are null: SQL's `=` never does, so
            // they are written as IS NOT DISTINCT FROM.
            if join.null_equality == NullEquality::NullEqualsNull && !join.on.is_empty() {
                let mut filter = join
                    .on
                    .drain(..)
                    .map(|(l, r)| binary_expr(l, Operator::IsNotDistinctFrom, r));
                let first = filter.next().expect("the join has keys");
                let keys = filter.fold(first, Expr::and);
                join.filter = Some(match join.filter.take() {
                    Some(other) => keys.and(other),
                    None => keys,
                });
                join.null_equality = NullEquality::NullEqualsNothing;
            }
            Ok(Transformed::yes(LogicalPlan::Join(join)))
        }
        // A name over a join would be lost: the join goes into the FROM
        // above it.
        LogicalPlan::SubqueryAlias(alias)
            if matches!(alias.input.as_ref(), LogicalPlan::Join(_)) =>
        {
            let columns: Vec<Expr> = alias
                .input
                .schema()
                .columns()
                .into_iter()
                .map(Expr::Column)
                .collect();
            let projected = LogicalPlanBuilder::from(Arc::unwrap_or_clone(alias.input))
                .project(columns)?
                .build()?;
            Ok(Transformed::yes(LogicalPlan::SubqueryAlias(
                SubqueryAlias::try_new(Arc::new(projected), alias.alias)?,
            )))
        }
        // An aggregate over a filter on a window function (a QUALIFY) would
        // otherwise be merged into one SELECT, where QUALIFY runs after the
        // GROUP BY instead of before it.
        LogicalPlan::Aggregate(mut aggregate) => {
            aggregate.input = name(aggregate.input)?;
            Ok(Transformed::yes(LogicalPlan::Aggregate(aggregate)))
        }
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

/// The plan's columns selected in order at the top of a query that ends in
/// an aggregate (below a sort and limit): the unparser lists an aggregate's
/// results before its groups, which would change the column order.
pub(super) fn with_output_columns(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    let mut top = &plan;
    while let LogicalPlan::Sort(_) | LogicalPlan::Limit(_) = top {
        top = top.inputs()[0];
    }
    if !matches!(top, LogicalPlan::Aggregate(_)) {
        return Ok(plan);
    }
    projected(plan)
}

/// `plan` under a projection of all its columns, as they are.
fn projected(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    let columns: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    LogicalPlanBuilder::from(plan).project(columns)?.build()
}

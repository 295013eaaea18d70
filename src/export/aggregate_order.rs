//! The ORDER BY of ordered aggregates (`string_agg(… ORDER BY …)`), which
//! the unparser leaves out and segql puts back into the SQL syntax tree.

use datafusion::common::Column;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::unparser::Unparser;
use std::ops::ControlFlow;

/// An aggregate whose input order matters (`string_agg(… ORDER BY …)`),
/// by its name and arguments as SQL without qualifiers, with its ORDER BY.
pub(super) type OrderedAggregates = Vec<((String, String), Vec<ast::OrderByExpr>)>;

/// The ordered aggregates of a plan. The unparser writes an aggregate's
/// arguments but not its ORDER BY, which [`restore_aggregate_order`] puts
/// back.
pub(super) fn ordered_aggregates(
    unparser: &Unparser,
    plan: &LogicalPlan,
) -> datafusion::error::Result<OrderedAggregates> {
    let mut found = Vec::new();
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                if let Expr::AggregateFunction(aggregate) = e
                    && !aggregate.params.order_by.is_empty()
                {
                    let args = aggregate
                        .params
                        .args
                        .iter()
                        .map(|a| Ok(unparser.expr_to_sql(&unqualified(a.clone())?)?.to_string()))
                        .collect::<datafusion::error::Result<Vec<_>>>()?
                        .join(", ");
                    let order = aggregate
                        .params
                        .order_by
                        .iter()
                        .map(|sort| {
                            let mut sort = sort.clone();
                            sort.expr = unqualified(sort.expr)?;
                            unparser.sort_to_sql(&sort)
                        })
                        .collect::<datafusion::error::Result<Vec<_>>>()?;
                    found.push(((aggregate.func.name().to_lowercase(), args), order));
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    })?;
    Ok(found)
}

fn unqualified(expr: Expr) -> datafusion::error::Result<Expr> {
    expr.transform(|e| match e {
        Expr::Column(c) if c.relation.is_some() => Ok(Transformed::yes(Expr::Column(
            Column::new_unqualified(c.name),
        ))),
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}

pub(super) fn restore_aggregate_order(statement: &mut ast::Statement, ordered: &OrderedAggregates) {
    if ordered.is_empty() {
        return;
    }
    let _ = ast::visit_expressions_mut(statement, |expr| {
        if let ast::Expr::Function(function) = expr
            && let ast::FunctionArguments::List(list) = &mut function.args
            && list.clauses.is_empty()
        {
            let mut bare = list.args.clone();
            let _ = ast::visit_expressions_mut(&mut bare, |e| {
                if let ast::Expr::CompoundIdentifier(parts) = e
                    && let Some(last) = parts.last()
                {
                    *e = ast::Expr::Identifier(last.clone());
                }
                ControlFlow::<()>::Continue(())
            });
            let key = (
                function.name.to_string().to_lowercase(),
                bare.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if let Some((_, order)) = ordered.iter().find(|(k, _)| *k == key) {
                list.clauses
                    .push(ast::FunctionArgumentClause::OrderBy(order.clone()));
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

//! Expression helpers shared by every stage of the lowering: column
//! references, two-valued predicates as filters, balanced `and`/`or` trees,
//! and one filter for many predicates.

use datafusion_common::Column;
use datafusion_expr::{Expr, Operator, lit};

/// Plain column reference: never split at dots (`geo.country` is one name).
pub(super) fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

pub(super) fn qualified(relation: &str, name: &str) -> Column {
    Column::new(Some(relation), name)
}

/// `p IS NOT DISTINCT FROM true`: true when `p` is, false when it is false
/// or null. The same as `p IS TRUE`, but spelt so that DataFusion's logical
/// and physical plans agree on its nullability (the logical `IS TRUE` is
/// never null, the physical one, planned as this comparison, may be), and
/// an aggregate or window over it runs in any session.
///
/// `NOT p` is written `p IS NOT DISTINCT FROM false`, which means the same:
/// SQL reads `NOT p IS NOT DISTINCT FROM true` as `NOT (p IS ...)`, and
/// DataFusion's unparser writes a `NOT` operand without parentheses.
pub(crate) fn exactly_true(predicate: Expr) -> Expr {
    let (operand, value) = match predicate {
        Expr::Not(inner) => (*inner, false),
        other => (other, true),
    };
    Expr::BinaryExpr(datafusion_expr::BinaryExpr::new(
        Box::new(operand),
        datafusion_expr::Operator::IsNotDistinctFrom,
        Box::new(lit(value)),
    ))
}

/// A two-valued predicate as a filter condition. A filter keeps only the
/// rows where its condition is true, so `p IS TRUE` there is `p`, and so are
/// the `IS TRUE` wrappers under `and`/`or` (null and false are both dropped
/// either way); under `not` they stay. The plain form keeps DataFusion's
/// fast boolean paths.
pub(super) fn filter_form(predicate: Expr) -> Expr {
    use datafusion_expr::{BinaryExpr, Operator};
    match predicate {
        Expr::IsTrue(inner) => filter_form(*inner),
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::IsNotDistinctFrom && *right == lit(true) =>
        {
            filter_form(*left)
        }
        // `exactly_true(NOT p)`: under `not` the wrappers stay.
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::IsNotDistinctFrom && *right == lit(false) =>
        {
            Expr::Not(left)
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::And || op == Operator::Or =>
        {
            Expr::BinaryExpr(BinaryExpr::new(
                Box::new(filter_form(*left)),
                op,
                Box::new(filter_form(*right)),
            ))
        }
        other => other,
    }
}

/// `items` joined by `op` as a balanced tree (`None` when there are none).
/// A chain of thousands of terms as a left-deep tree would make every
/// recursive walk over it (simplification, type coercion, physical
/// planning, SQL export) recurse as deep, and overflow the stack.
pub(crate) fn balanced(mut items: Vec<Expr>, op: Operator) -> Option<Expr> {
    while items.len() > 1 {
        let mut pairs = Vec::with_capacity(items.len().div_ceil(2));
        let mut rest = items.into_iter();
        while let Some(left) = rest.next() {
            pairs.push(match rest.next() {
                Some(right) => datafusion_expr::binary_expr(left, op, right),
                None => left,
            });
        }
        items = pairs;
    }
    items.pop()
}

/// Rows where any of `predicates` (two-valued) holds, as one filter
/// condition. Predicates that differ only in the value one column is
/// compared with (`TYPE = 'view' AND NAME = '/a'`, `… AND NAME = '/b'`)
/// become one `IN` list, which DataFusion tests with one hash lookup rather
/// than one comparison per predicate: an `or` of thousands of `viewed` steps
/// stays one cheap filter. In a filter, `r AND c = v1 OR r AND c = v2` and
/// `r AND c IN (v1, v2)` keep the same rows, nulls included.
pub(super) fn any_of(predicates: impl IntoIterator<Item = Expr>) -> Expr {
    use datafusion_expr::utils::{conjunction, split_conjunction_owned};
    // (the other conjuncts, the column) → the values, in first-seen order.
    let mut lists: Vec<(Vec<Expr>, Expr, Vec<Expr>)> = Vec::new();
    let mut by_rest: std::collections::HashMap<(Vec<Expr>, Expr), usize> =
        std::collections::HashMap::new();
    let mut terms = Vec::new();
    for predicate in predicates {
        let predicate = filter_form(predicate);
        let mut conjuncts = split_conjunction_owned(predicate.clone());
        let Some(at) = conjuncts.iter().rposition(|c| {
            matches!(c, Expr::BinaryExpr(datafusion_expr::BinaryExpr { left, op: Operator::Eq, right })
                if matches!(**left, Expr::Column(_)) && matches!(**right, Expr::Literal(..)))
        }) else {
            terms.push(predicate);
            continue;
        };
        let Expr::BinaryExpr(datafusion_expr::BinaryExpr { left, right, .. }) =
            conjuncts.remove(at)
        else {
            unreachable!("found above")
        };
        let key = (conjuncts, *left);
        match by_rest.get(&key) {
            Some(&i) => lists[i].2.push(*right),
            None => {
                by_rest.insert(key.clone(), lists.len());
                lists.push((key.0, key.1, vec![*right]));
            }
        }
    }
    for (mut rest, column, mut values) in lists {
        rest.push(if values.len() == 1 {
            column.eq(values.pop().expect("one value"))
        } else {
            datafusion_expr::in_list(column, values, false)
        });
        terms.push(conjunction(rest).expect("a comparison at least"));
    }
    balanced(terms, Operator::Or).unwrap_or_else(|| lit(false))
}

/// `aggregate(argument) OVER (PARTITION BY partition ORDER BY order frame)`
/// for one of DataFusion's aggregate functions (`max_udaf()`, ...); no
/// order and no frame where they are empty or `None` (the whole partition).
pub(super) fn aggregate_over(
    aggregate: std::sync::Arc<datafusion_expr::AggregateUDF>,
    argument: Expr,
    partition: Vec<Expr>,
    order: Vec<datafusion_expr::SortExpr>,
    frame: Option<datafusion_expr::WindowFrame>,
) -> datafusion_common::Result<Expr> {
    use datafusion_expr::ExprFunctionExt;
    let window = Expr::from(datafusion_expr::expr::WindowFunction::new(
        datafusion_expr::WindowFunctionDefinition::AggregateUDF(aggregate),
        vec![argument],
    ))
    .partition_by(partition);
    let window = if order.is_empty() {
        window
    } else {
        window.order_by(order)
    };
    match frame {
        Some(frame) => window.window_frame(frame).build(),
        None => window.build(),
    }
}

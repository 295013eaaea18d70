//! The median of a funnel's times to convert: DataFusion and DuckDB write
//! `median(x)`; PostgreSQL has no `median` and writes the same value as
//! the ordered-set aggregate `percentile_cont(0.5) WITHIN GROUP (ORDER BY
//! x)` (the mean of the two middle values for an even count, as `median`).

use datafusion::sql::sqlparser::ast;
use std::ops::ControlFlow;

/// Every `median(x)` of `statement` as `percentile_cont(0.5) WITHIN GROUP
/// (ORDER BY x)`.
pub(super) fn median_as_percentile(statement: &mut ast::Statement) {
    let _ = ast::visit_expressions_mut(statement, |expr| {
        if let ast::Expr::Function(function) = expr
            && function.name.to_string().eq_ignore_ascii_case("median")
            && function.over.is_none()
            && let ast::FunctionArguments::List(list) = &function.args
            && let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value))] =
                list.args.as_slice()
        {
            let value = value.clone();
            function.name = ast::ObjectName::from(vec![ast::Ident::new("percentile_cont")]);
            function.args = ast::FunctionArguments::List(ast::FunctionArgumentList {
                duplicate_treatment: None,
                args: vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                    ast::Expr::value(ast::Value::Number("0.5".to_string(), false)),
                ))],
                clauses: Vec::new(),
            });
            function.within_group = vec![ast::OrderByExpr {
                expr: value,
                options: ast::OrderByOptions {
                    asc: None,
                    nulls_first: None,
                },
                with_fill: None,
            }];
        }
        ControlFlow::<()>::Continue(())
    });
}

//! CSV lists in the SQL: a list is no table of the database the SQL runs
//! against, so its rows are written into the SQL as literals.

use super::internal;
use crate::{Diagnostic, codes};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::common::{Column, ScalarValue, TableReference};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, TableScan, lit};
use segql_engine::Engine;
use std::collections::HashMap;

/// Replaces every scan of a table the session does not hold (the CSV lists)
/// by the rows it reads, as `VALUES` under the scan's name.
pub(super) async fn inline_lists(
    engine: &Engine,
    plan: LogicalPlan,
) -> Result<LogicalPlan, Diagnostic> {
    let context = engine.context_ref();
    let mut lists: Vec<TableScan> = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && !context
                .table_exist(scan.table_name.clone())
                .unwrap_or(false)
            && !lists.iter().any(|l| l.table_name == scan.table_name)
        {
            lists.push(scan.clone());
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .map_err(internal)?;
    if lists.is_empty() {
        return Ok(plan);
    }
    let mut replacements: HashMap<TableReference, LogicalPlan> = HashMap::new();
    for scan in lists {
        let name = scan.table_name.clone();
        let batches = context
            .execute_logical_plan(LogicalPlan::TableScan(scan.clone()))
            .await
            .map_err(internal)?
            .collect()
            .await
            .map_err(|e| {
                Diagnostic::error(
                    codes::UNREADABLE_FILE,
                    format!("cannot read the CSV list `{name}`: {e}"),
                )
            })?;
        replacements.insert(name, values_relation(&scan, &batches).map_err(internal)?);
    }
    plan.transform_up_with_subqueries(|node| match &node {
        LogicalPlan::TableScan(scan) => match replacements.get(&scan.table_name) {
            Some(values) => Ok(Transformed::yes(values.clone())),
            None => Ok(Transformed::no(node)),
        },
        _ => Ok(Transformed::no(node)),
    })
    .map(|t| t.data)
    .map_err(internal)
}

/// The rows of a CSV list as `VALUES`, every column text, under the list's
/// table name and column names so that the plan above it reads the same
/// columns.
fn values_relation(
    scan: &TableScan,
    batches: &[datafusion::arrow::record_batch::RecordBatch],
) -> datafusion::error::Result<LogicalPlan> {
    let fields = scan.projected_schema.fields();
    let mut rows: Vec<Vec<Expr>> = Vec::new();
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .map(|c| cast(c, &DataType::Utf8))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|c| {
                        let text = c.as_string::<i32>();
                        lit(if text.is_null(row) {
                            ScalarValue::Utf8(None)
                        } else {
                            ScalarValue::Utf8(Some(text.value(row).to_string()))
                        })
                    })
                    .collect(),
            );
        }
    }
    // An empty list still needs one row to give VALUES its columns; a false
    // filter then removes it.
    let empty = rows.is_empty();
    if empty {
        rows.push(
            fields
                .iter()
                .map(|_| lit(ScalarValue::Utf8(None)))
                .collect(),
        );
    }
    let mut builder = LogicalPlanBuilder::values(rows)?;
    if empty {
        builder = builder.filter(lit(false))?;
    }
    let names = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect::<Vec<_>>();
    builder
        .project(names.iter().zip(fields.iter()).map(|(generated, field)| {
            Expr::Column(Column::from_name(generated)).alias(field.name())
        }))?
        .alias(scan.table_name.clone())?
        .build()
}

/// `VALUES` as `SELECT … UNION ALL SELECT …` without FROM: the unparser
/// writes no VALUES relation, and the columns keep VALUES' names
/// (`column1`, …) that the plan above refers to.
pub(super) fn values_as_selects(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        let LogicalPlan::Values(values) = &node else {
            return Ok(Transformed::no(node));
        };
        let names: Vec<String> = values
            .schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut selects = values.values.iter().map(|row| {
            LogicalPlanBuilder::empty(true)
                .project(
                    row.iter()
                        .zip(&names)
                        .map(|(value, name)| value.clone().alias(name)),
                )?
                .build()
        });
        let mut builder = match selects.next() {
            Some(first) => LogicalPlanBuilder::from(first?),
            None => return Ok(Transformed::no(node)),
        };
        for select in selects {
            builder = builder.union(select?)?;
        }
        Ok(Transformed::yes(builder.build()?))
    })
    .map(|t| t.data)
}

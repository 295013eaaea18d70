//! SQL export: a query's portable plan written as SQL through DataFusion's
//! unparser, runnable against the tables `events`, `users` and `accounts`.
//!
//! The plan must come from the portable lowering
//! ([`segql_planner::SequenceEngine::Portable`]): the native engine's
//! aggregates have no SQL form. A CSV list (`in csv "file"`) is not a table
//! of the database the SQL runs against, so its values are read and written
//! into the SQL as a relation of literals: the text is self-contained.
//!
//! The unparser writes some plan shapes wrongly or not at all; the rewrites
//! here give it equivalent shapes it writes correctly, and the round-trip
//! tests (`tests/export.rs`) hold them to the rows `segql run` gives.

use crate::{Diagnostic, codes};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::tree_node::TreeNode;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, NullEquality, ScalarValue, TableReference};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder, Operator,
    ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, SubqueryAlias, TableScan, Volatility,
    binary_expr, lit,
};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::unparser::Unparser;
use datafusion::sql::unparser::dialect::{
    CharacterLengthStyle, DefaultDialect, Dialect, DistinctFromStyle, DuckDBDialect, MySqlDialect,
    PostgreSqlDialect, SqliteDialect,
};
use segql_engine::Engine;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

/// The SQL dialects segql writes. MySQL and SQLite are best effort: the
/// unparser knows their quoting and types, but functions the plans use
/// (`date_trunc`, `strpos`, `string_agg`, window frames over integers) are
/// missing or spelled differently there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDialect {
    /// DataFusion's own SQL: what `datafusion-cli` and the tests run.
    Default,
    Postgres,
    DuckDb,
    MySql,
    Sqlite,
}

impl SqlDialect {
    pub fn name(self) -> &'static str {
        match self {
            SqlDialect::Default => "default",
            SqlDialect::Postgres => "postgres",
            SqlDialect::DuckDb => "duckdb",
            SqlDialect::MySql => "mysql",
            SqlDialect::Sqlite => "sqlite",
        }
    }

    fn unparser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::Default => Box::new(DefaultDialect {}),
            SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
            SqlDialect::DuckDb => Box::new(DuckDb(DuckDBDialect::new())),
            SqlDialect::MySql => Box::new(MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(SqliteDialect {}),
        }
    }
}

/// DataFusion's DuckDB dialect, but dividing with `/`: it writes every
/// division as DuckDB's integer division `//`, which would truncate the
/// conversion ratios. The plans' integer divisions are exact (weeks between
/// week starts) and cast to an integer, so `/` is right for both.
struct DuckDb(DuckDBDialect);

impl Dialect for DuckDb {
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }

    fn character_length_style(&self) -> CharacterLengthStyle {
        self.0.character_length_style()
    }

    fn division_operator(&self) -> ast::BinaryOperator {
        ast::BinaryOperator::Divide
    }

    fn scalar_function_to_sql_overrides(
        &self,
        unparser: &Unparser,
        func_name: &str,
        args: &[Expr],
    ) -> datafusion::error::Result<Option<ast::Expr>> {
        self.0
            .scalar_function_to_sql_overrides(unparser, func_name, args)
    }

    fn distinct_from_style(&self) -> DistinctFromStyle {
        self.0.distinct_from_style()
    }
}

/// The SQL of one portable plan in `dialect`, pretty-printed, without the
/// final `;`. CSV lists the plan reads are inlined (see the module
/// documentation), which reads them through `engine`.
pub async fn plan_to_sql(
    engine: &Engine,
    plan: &LogicalPlan,
    dialect: SqlDialect,
) -> Result<String, Diagnostic> {
    let plan = inline_lists(engine, plan.clone()).await?;
    // The rewrites and the unparser recurse once per plan node and
    // expression level: the deepest plans need more than a main thread's
    // stack.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("segql-export".into())
            .stack_size(UNPARSE_STACK)
            .spawn_scoped(scope, || unparse(plan, dialect))
            .map_err(|e| {
                Diagnostic::error(codes::INTERNAL, format!("cannot start writing SQL: {e}"))
            })?
            .join()
            .map_err(|_| {
                Diagnostic::error(codes::INTERNAL, "writing this query as SQL failed")
                    .with_help("please report the query")
            })?
    })
}

const UNPARSE_STACK: usize = 256 << 20;

fn unparse(plan: LogicalPlan, dialect: SqlDialect) -> Result<String, Diagnostic> {
    let plan = engine_functions(plan, dialect).map_err(internal)?;
    let plan = values_as_selects(plan).map_err(internal)?;
    let plan = name_join_inputs(plan).map_err(internal)?;
    let plan = with_output_columns(plan).map_err(internal)?;
    let dialect = dialect.unparser_dialect();
    // Not the unparser's pretty mode: it drops parentheses by DataFusion's
    // precedence, which other engines do not share. The layout comes from
    // the SQL syntax tree's alternate display instead.
    let unparser = Unparser::new(dialect.as_ref());
    let ordered = ordered_aggregates(&unparser, &plan).map_err(internal)?;
    let mut statement = unparser.plan_to_sql(&plan).map_err(|e| {
        Diagnostic::error(
            codes::INTERNAL,
            format!("cannot write this query as SQL: {e}"),
        )
        .with_help("`segql explain` without --sql shows the plan; please report the query")
    })?;
    restore_aggregate_order(&mut statement, &ordered);
    Ok(format!("{statement:#}"))
}

/// A function of the target engine, named in the plan only to be written
/// as SQL: DataFusion never runs it.
#[derive(Debug, PartialEq, Eq, Hash)]
struct EngineFunction {
    name: &'static str,
    signature: Signature,
    returns: DataType,
}

impl ScalarUDFImpl for EngineFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> datafusion::error::Result<ColumnarValue> {
        datafusion::common::internal_err!("{} is only written as SQL", self.name)
    }
}

fn call(name: &'static str, returns: DataType, args: Vec<Expr>) -> Expr {
    ScalarUDF::from(EngineFunction {
        name,
        signature: Signature::variadic_any(Volatility::Immutable),
        returns,
    })
    .call(args)
}

/// PostgreSQL and DuckDB have no cast from a timestamp to a number (which
/// DataFusion reads in the timestamp's unit) nor from a date to days, and
/// no `to_timestamp_micros`. These become `date_part('epoch', …)` and
/// `to_timestamp(seconds)`, which PostgreSQL, DuckDB and DataFusion all
/// read alike; DuckDB also names `btrim` `trim`. The expressions keep the
/// names they had.
fn engine_functions(
    plan: LogicalPlan,
    dialect: SqlDialect,
) -> datafusion::error::Result<LogicalPlan> {
    if !matches!(dialect, SqlDialect::Postgres | SqlDialect::DuckDb) {
        return Ok(plan);
    }
    plan.transform_up_with_subqueries(|node| {
        let mut schema = DFSchema::empty();
        for input in node.inputs() {
            schema.merge(input.schema());
        }
        let named = matches!(node, LogicalPlan::Projection(_) | LogicalPlan::Aggregate(_));
        node.map_expressions(|expr| {
            let name = expr.schema_name().to_string();
            let rewritten = expr.transform_up(|e| respell(e, &schema, dialect))?;
            if named && rewritten.transformed && !matches!(rewritten.data, Expr::Alias(_)) {
                Ok(rewritten.update_data(|e| e.alias(name)))
            } else {
                Ok(rewritten)
            }
        })
    })
    .map(|t| t.data)
}

fn respell(
    expr: Expr,
    schema: &DFSchema,
    dialect: SqlDialect,
) -> datafusion::error::Result<Transformed<Expr>> {
    use datafusion::functions::datetime::expr_fn::date_part;
    use datafusion::functions::math::expr_fn::round;
    // Seconds since the epoch as a double: exact to well under a
    // microsecond for any date of this era, so rounding gives the integer.
    let epoch_seconds = |e: Expr| date_part(lit("epoch"), e);
    match expr {
        Expr::Cast(cast) if cast.field.data_type() == &DataType::Int64 => {
            let Ok(DataType::Timestamp(unit, _)) = cast.expr.get_type(schema) else {
                return Ok(Transformed::no(Expr::Cast(cast)));
            };
            let per_second = match unit {
                TimeUnit::Second => 1.0,
                TimeUnit::Millisecond => 1e3,
                TimeUnit::Microsecond => 1e6,
                TimeUnit::Nanosecond => 1e9,
            };
            let number = round(vec![epoch_seconds(*cast.expr) * lit(per_second)]);
            Ok(Transformed::yes(cast_to(number, DataType::Int64)))
        }
        Expr::Cast(cast) if cast.field.data_type() == &DataType::Int32 => {
            if !matches!(cast.expr.get_type(schema), Ok(DataType::Date32)) {
                return Ok(Transformed::no(Expr::Cast(cast)));
            }
            let days = round(vec![epoch_seconds(*cast.expr) / lit(86_400.0)]);
            Ok(Transformed::yes(cast_to(days, DataType::Int32)))
        }
        Expr::ScalarFunction(function) if function.func.name() == "to_timestamp_micros" => {
            let micros = function.args.into_iter().next().expect("one argument");
            let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
            Ok(Transformed::yes(call(
                "to_timestamp",
                utc,
                vec![micros / lit(1e6)],
            )))
        }
        // DataFusion's `trim` is named `btrim`, which DuckDB lacks.
        Expr::ScalarFunction(function)
            if dialect == SqlDialect::DuckDb && function.func.name() == "btrim" =>
        {
            Ok(Transformed::yes(call(
                "trim",
                DataType::Utf8,
                function.args,
            )))
        }
        other => Ok(Transformed::no(other)),
    }
}

fn cast_to(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast(datafusion::logical_expr::Cast::new(
        Box::new(expr),
        data_type,
    ))
}

/// An aggregate whose input order matters (`string_agg(… ORDER BY …)`),
/// by its name and arguments as SQL without qualifiers, with its ORDER BY.
type OrderedAggregates = Vec<((String, String), Vec<ast::OrderByExpr>)>;

/// The ordered aggregates of a plan. The unparser writes an aggregate's
/// arguments but not its ORDER BY, which [`restore_aggregate_order`] puts
/// back.
fn ordered_aggregates(
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

fn restore_aggregate_order(statement: &mut ast::Statement, ordered: &OrderedAggregates) {
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

/// Replaces every scan of a table the session does not hold (the CSV lists)
/// by the rows it reads, as `VALUES` under the scan's name.
async fn inline_lists(engine: &Engine, plan: LogicalPlan) -> Result<LogicalPlan, Diagnostic> {
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
fn values_as_selects(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
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

/// Gives a name to every side of a join, and to every input of an
/// aggregate, whose columns have none: written as a derived table, each
/// then keeps its own SELECT instead of being merged into the one above. Columns
/// without a qualifier are referenced by their bare names, which a name on
/// their relation does not change.
fn name_join_inputs(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
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
fn with_output_columns(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
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

fn internal(e: datafusion::error::DataFusionError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("cannot write this query as SQL: {e}"),
    )
}

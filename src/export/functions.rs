//! Functions the target engines spell otherwise than DataFusion: casts
//! from timestamps and dates to numbers, `to_timestamp_micros`, `btrim`.

use super::SqlDialect;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::DFSchema;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility, lit,
};

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

pub(super) fn call(name: &'static str, returns: DataType, args: Vec<Expr>) -> Expr {
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
///
/// A reporting time zone is spelled out for each dialect too
/// ([`super::zone`]).
pub(super) fn engine_functions(
    plan: LogicalPlan,
    dialect: SqlDialect,
) -> datafusion::error::Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        let mut schema = DFSchema::empty();
        for input in node.inputs() {
            schema.merge(input.schema());
        }
        let named = matches!(node, LogicalPlan::Projection(_) | LogicalPlan::Aggregate(_));
        node.map_expressions(|expr| {
            let name = expr.schema_name().to_string();
            let rewritten = expr.transform_up(|e| {
                let zoned = super::zone::respell(e, &schema, dialect)?;
                if zoned.transformed {
                    return Ok(zoned);
                }
                respell(zoned.data, &schema, dialect)
            })?;
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
    if !matches!(dialect, SqlDialect::Postgres | SqlDialect::DuckDb) {
        return Ok(Transformed::no(expr));
    }
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

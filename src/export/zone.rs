//! A reporting time zone in SQL (LANGUAGE.md §10). The plans compute local
//! periods on timestamps typed in the zone (`Timestamp(µs, "Europe/Berlin")`):
//! `date_trunc` truncates them in local time and a cast to a date gives the
//! local date (a date is read as local midnight by truncating its local
//! noon). SQL types name no zone, so each dialect gets these spelled out:
//!
//! - DataFusion's own SQL: the zoned casts as `arrow_cast(x, 'Timestamp(µs,
//!   "Europe/Berlin")')`, which keep the zone;
//! - PostgreSQL and DuckDB: through local wall-clock time, `timezone(zone,
//!   instant)` (an instant's local time) and `timezone(zone, local time)`
//!   (the instant of a local time): `date_trunc` and the cast to a date work
//!   on the local time;
//! - MySQL and SQLite name no zone database in SQL: a query whose answer
//!   depends on the zone is an error there.

use super::SqlDialect;
use super::functions::call;
use crate::{Diagnostic, codes};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::DFSchema;
use datafusion::common::tree_node::Transformed;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Cast, Expr, ExprSchemable, lit};
use datafusion::scalar::ScalarValue;

/// The zone of a timestamp type that is not UTC.
fn zone_of(data_type: &DataType) -> Option<&str> {
    match data_type {
        DataType::Timestamp(_, Some(zone)) if !matches!(zone.as_ref(), "UTC" | "+00:00") => {
            Some(zone)
        }
        _ => None,
    }
}

fn is_date(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Date32 | DataType::Date64)
}

/// What an expression computes in local time, when it does.
enum Local {
    /// `date_trunc(granularity, instant)`: the start of a local period.
    Truncate,
    /// `CAST(instant AS DATE)`: a local date.
    DateOf,
}

/// Whether `expr` (its own node, not its children) computes in local time,
/// and in which zone. A cast between timestamps only shows the same
/// instant in another zone, which no SQL type records: it is left alone.
fn local(expr: &Expr, schema: &DFSchema) -> Option<(Local, String)> {
    let type_of = |e: &Expr| e.get_type(schema).ok();
    match expr {
        Expr::ScalarFunction(f) if f.func.name() == "date_trunc" && f.args.len() == 2 => {
            let zone = zone_of(&type_of(&f.args[1])?)?.to_string();
            Some((Local::Truncate, zone))
        }
        Expr::Cast(c) => {
            let from = type_of(&c.expr)?;
            let to = c.field.data_type();
            match (zone_of(&from), is_date(to)) {
                (Some(zone), true) => Some((Local::DateOf, zone.to_string())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The expression rewritten for `dialect` where it computes in a zone;
/// `schema` types the columns it reads.
pub(super) fn respell(
    expr: Expr,
    schema: &DFSchema,
    dialect: SqlDialect,
) -> datafusion::error::Result<Transformed<Expr>> {
    match dialect {
        SqlDialect::Default => Ok(arrow_cast(expr)),
        SqlDialect::Postgres | SqlDialect::DuckDb => Ok(through_local_time(expr, schema)),
        SqlDialect::MySql | SqlDialect::Sqlite => match local(&expr, schema) {
            Some((_, zone)) => Err(DataFusionError::External(Box::new(NotInDialect {
                zone,
                dialect,
            }))),
            None => Ok(Transformed::no(expr)),
        },
    }
}

/// DataFusion's SQL: a cast to a zoned timestamp keeps its zone as an
/// `arrow_cast`. So does the cast to UTC it is made from (the plans give a
/// timestamp without a zone UTC first): SQL's `TIMESTAMP WITH TIME ZONE`
/// would take the session's zone. A zoned literal is its microseconds cast
/// the same way.
fn arrow_cast(expr: Expr) -> Transformed<Expr> {
    let as_arrow_cast = |value: Expr, data_type: DataType| {
        let name = lit(data_type.to_string());
        call("arrow_cast", data_type, vec![value, name])
    };
    match expr {
        Expr::Cast(c) if zone_of(c.field.data_type()).is_some() => {
            let value = match *c.expr {
                Expr::Cast(utc)
                    if matches!(utc.field.data_type(), DataType::Timestamp(_, Some(_))) =>
                {
                    let data_type = utc.field.data_type().clone();
                    as_arrow_cast(*utc.expr, data_type)
                }
                other => other,
            };
            Transformed::yes(as_arrow_cast(value, c.field.data_type().clone()))
        }
        Expr::Literal(ScalarValue::TimestampMicrosecond(Some(micros), Some(zone)), _)
            if zone_of(&DataType::Timestamp(
                TimeUnit::Microsecond,
                Some(zone.clone()),
            ))
            .is_some() =>
        {
            // Microseconds become the timestamp they count, in the zone.
            let data_type = DataType::Timestamp(TimeUnit::Microsecond, Some(zone));
            Transformed::yes(as_arrow_cast(lit(micros), data_type))
        }
        other => Transformed::no(other),
    }
}

/// PostgreSQL and DuckDB: local periods through local wall-clock time,
/// `timezone(zone, instant)` and back with `timezone(zone, local time)`.
fn through_local_time(expr: Expr, schema: &DFSchema) -> Transformed<Expr> {
    // A zoned literal is written as its UTC instant, as the plans without a
    // zone write theirs: the unparser would write the zone's wall-clock
    // time as a timestamp without a zone.
    if let Expr::Literal(ScalarValue::TimestampMicrosecond(micros, Some(zone)), metadata) = &expr
        && zone_of(&DataType::Timestamp(
            TimeUnit::Microsecond,
            Some(zone.clone()),
        ))
        .is_some()
    {
        let utc = ScalarValue::TimestampMicrosecond(*micros, Some("UTC".into()));
        return Transformed::yes(Expr::Literal(utc, metadata.clone()));
    }
    let Some((kind, zone)) = local(&expr, schema) else {
        return Transformed::no(expr);
    };
    let timezone =
        |value: Expr, returns: DataType| call("timezone", returns, vec![lit(zone.clone()), value]);
    let wall_clock = DataType::Timestamp(TimeUnit::Microsecond, None);
    let zoned = DataType::Timestamp(TimeUnit::Microsecond, Some(zone.as_str().into()));
    Transformed::yes(match (kind, expr) {
        (Local::Truncate, Expr::ScalarFunction(mut f)) => {
            let instant = f.args.pop().expect("two arguments");
            let granularity = f.args.pop().expect("two arguments");
            let truncated = datafusion::functions::datetime::expr_fn::date_trunc(
                granularity,
                timezone(instant, wall_clock),
            );
            timezone(truncated, zoned)
        }
        (Local::DateOf, Expr::Cast(c)) => {
            let to = c.field.data_type().clone();
            cast(timezone(*c.expr, wall_clock), to)
        }
        (_, other) => return Transformed::no(other),
    })
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast(Cast::new(Box::new(expr), data_type))
}

/// A query whose answer depends on the reporting time zone, for a dialect
/// that cannot compute in one.
#[derive(Debug)]
pub(super) struct NotInDialect {
    zone: String,
    dialect: SqlDialect,
}

impl std::fmt::Display for NotInDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} SQL cannot compute local days, weeks or months of the time zone {}",
            self.dialect.name(),
            self.zone
        )
    }
}

impl std::error::Error for NotInDialect {}

/// The diagnostic of an export that failed because its dialect has no time
/// zones, if that is why.
pub(super) fn not_in_dialect(error: &DataFusionError) -> Option<Diagnostic> {
    let DataFusionError::External(inner) = error else {
        return None;
    };
    let not = inner.downcast_ref::<NotInDialect>()?;
    Some(
        Diagnostic::error(codes::BAD_ARGUMENT, not.to_string())
            .with_help("write it for postgres, duckdb or default, or run it in UTC"),
    )
}

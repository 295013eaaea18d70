//! Literals: each typed for comparison with the column it meets (a date
//! literal against a date or timestamp column becomes a UTC timestamp, or
//! one of the reporting time zone against a date column; a number against
//! the events' time is microseconds), or a type error that names the
//! column, its type and the literal.

use super::Resolver;
use super::column::{BoundColumn, ValueKind};
use datafusion_common::ScalarValue;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{Expr, lit};
use segql_syntax::{Atom, Diagnostic, Literal, LiteralKind, codes, quoted};
use std::sync::Arc;

impl Resolver<'_> {
    pub(super) fn expect_text(
        &self,
        column: &BoundColumn,
        name: &str,
        atom: &Atom,
        what: &str,
    ) -> Result<(), Diagnostic> {
        if column.kind == ValueKind::Text {
            return Ok(());
        }
        Err(Diagnostic::error(
            codes::TYPE_MISMATCH,
            format!(
                "`{what}` needs a text column, but `{}` is {}",
                quoted(name),
                column.kind.describe(&column.data_type)
            ),
        )
        .with_span(atom.span)
        .with_label(format!("`{what}` on a column that is not text")))
    }

    /// An instant typed like `column`: microseconds for the events' time,
    /// a timestamp of the reporting time zone for a date column (which
    /// compares as local midnight), a UTC timestamp for the others.
    pub(super) fn time_literal(&self, column: &BoundColumn, micros: i64) -> Expr {
        let zone = &self.options.zone;
        match column.kind {
            ValueKind::EventTime => lit(micros),
            _ if !zone.is_utc()
                && matches!(column.data_type, DataType::Date32 | DataType::Date64) =>
            {
                lit(ScalarValue::TimestampMicrosecond(
                    Some(micros),
                    Some(zone.type_zone()),
                ))
            }
            _ => lit(ScalarValue::TimestampMicrosecond(
                Some(micros),
                Some(Arc::from("UTC")),
            )),
        }
    }

    /// A literal typed for comparison with `column`, or a type error naming
    /// column, type and literal.
    pub(super) fn literal(
        &self,
        column: &BoundColumn,
        name: &str,
        literal: &Literal,
    ) -> Result<Expr, Diagnostic> {
        let mismatch = |what: &str, help: &str| {
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!(
                    "cannot compare `{}` ({}) with {what}",
                    quoted(name),
                    column.kind.describe(&column.data_type)
                ),
            )
            .with_span(literal.span)
            .with_label(what.to_string())
            .with_help(help.to_string())
        };
        Ok(match (&literal.kind, column.kind) {
            (LiteralKind::Null, _) => lit(ScalarValue::Null),
            (LiteralKind::String(s), ValueKind::Text) => lit(s.clone()),
            (LiteralKind::Number(n), ValueKind::Number) => match n.as_i64() {
                Some(i) => lit(i),
                None => lit(n.as_f64()),
            },
            (LiteralKind::Bool(b), ValueKind::Bool) => lit(*b),
            (LiteralKind::Date(d), ValueKind::Time | ValueKind::EventTime) => {
                self.time_literal(column, self.options.zone.date_micros(d))
            }
            (LiteralKind::String(s), ValueKind::Time | ValueKind::EventTime) => {
                return Err(mismatch(
                    &format!("the text \"{}\"", quoted(s)),
                    "write dates without quotes: 2026-01-31 or 2026-01-31T10:00:00Z",
                ));
            }
            (LiteralKind::String(s), _) => {
                return Err(mismatch(
                    &format!("the text \"{}\"", quoted(s)),
                    "compare it with a value of its own type",
                ));
            }
            (LiteralKind::Number(n), ValueKind::Text) => {
                return Err(mismatch(
                    &format!("the number {}", quoted(&n.text)),
                    &format!(
                        "write the value as text: {} = \"{}\"",
                        quoted(name),
                        quoted(&n.text)
                    ),
                ));
            }
            (LiteralKind::Number(n), _) => {
                return Err(mismatch(
                    &format!("the number {}", quoted(&n.text)),
                    "compare it with a value of its own type",
                ));
            }
            (LiteralKind::Bool(b), _) => {
                return Err(mismatch(
                    &format!("`{b}`"),
                    "`true` and `false` compare with boolean columns",
                ));
            }
            (LiteralKind::Date(d), _) => {
                return Err(mismatch(
                    &format!("the date {}", d.text),
                    "dates compare with date and timestamp columns",
                ));
            }
        })
    }
}

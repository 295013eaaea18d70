//! Predicates over one table: the `with` filters of steps (events) and
//! the profile attributes of actors (`have`, `where`). Each atom binds its
//! column and types its literals, and is two-valued: where SQL would say
//! unknown, false.

use super::Resolver;
use super::column::ValueKind;
use super::range::last_micros;
use crate::catalog::TableRole;
use crate::ir::Cond;
use datafusion_expr::{Expr, Operator, lit};
use segql_syntax::{Atom, AtomKind, Audience, CmpOp, Diagnostic, Pred, PredKind, codes, quoted};

impl Resolver<'_> {
    /// `where P`: a profile predicate, with what it says of an actor that
    /// has no profile row.
    pub(super) fn profile_filter(
        &self,
        filter: &Pred,
        audience: Audience,
    ) -> Result<Cond, Diagnostic> {
        Ok(Cond::Profile {
            predicate: self.pred(filter, Self::profile_role(audience))?,
            when_missing: holds_without_row(filter),
        })
    }

    /// A two-valued predicate over one table.
    pub(super) fn pred(&self, pred: &Pred, role: TableRole) -> Result<Expr, Diagnostic> {
        // A long `or` or `and` nests as a balanced tree, not as a chain as
        // deep as it is long.
        let balanced = |items: &[Pred], op: Operator| -> Result<Expr, Diagnostic> {
            let items = items
                .iter()
                .map(|p| self.pred(p, role))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(crate::lower::balanced(items, op).expect("`or` and `and` have items"))
        };
        Ok(match &pred.kind {
            PredKind::Or(items) => balanced(items, Operator::Or)?,
            PredKind::And(items) => balanced(items, Operator::And)?,
            PredKind::Not(inner) => Expr::Not(Box::new(self.pred(inner, role)?)),
            PredKind::Group(inner) => self.pred(inner, role)?,
            PredKind::Atom(atom) => self.atom(atom, role)?,
        })
    }

    /// One atom, true or false: where SQL would say unknown, false.
    pub(super) fn atom(&self, atom: &Atom, role: TableRole) -> Result<Expr, Diagnostic> {
        let column = self.local_dates(self.column(role, &atom.column)?);
        let name = &atom.column.name;
        let expr = match &atom.kind {
            AtomKind::Compare { op, value } => {
                let value = self.literal(&column, name, value)?;
                let left = column.expr.clone();
                match op {
                    CmpOp::Eq => left.eq(value),
                    CmpOp::NotEq => left.not_eq(value),
                    CmpOp::Lt => left.lt(value),
                    CmpOp::LtEq => left.lt_eq(value),
                    CmpOp::Gt => left.gt(value),
                    CmpOp::GtEq => left.gt_eq(value),
                }
            }
            AtomKind::InList { negated, values } => {
                let list = values
                    .iter()
                    .map(|v| self.literal(&column, name, v))
                    .collect::<Result<Vec<_>, _>>()?;
                datafusion_expr::in_list(column.expr.clone(), list, *negated)
            }
            AtomKind::IsNull { negated } => {
                if *negated {
                    column.expr.clone().is_not_null()
                } else {
                    column.expr.clone().is_null()
                }
            }
            AtomKind::Like { negated, pattern } => {
                self.expect_text(&column, name, atom, "like")?;
                let e = column.expr.clone().like(lit(pattern.value.clone()));
                if *negated { Expr::Not(Box::new(e)) } else { e }
            }
            AtomKind::Between { low, high } => {
                let low = self.literal(&column, name, low)?;
                let high = self.literal(&column, name, high)?;
                column.expr.clone().between(low, high)
            }
            AtomKind::InThePast { count, unit, .. } => {
                if !matches!(column.kind, ValueKind::Time | ValueKind::EventTime) {
                    return Err(Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`in the past` needs a date or timestamp column, but `{}` is {}",
                            quoted(name),
                            column.kind.describe(&column.data_type)
                        ),
                    )
                    .with_span(atom.span)
                    .with_label("not a date"));
                }
                let now = self.options.now_micros;
                let length = last_micros(*count, *unit);
                let from = self.time_literal(&column, now.saturating_sub(length));
                let to = self.time_literal(&column, now);
                column
                    .expr
                    .clone()
                    .gt_eq(from)
                    .and(column.expr.clone().lt(to))
            }
            AtomKind::Contains { needle } => {
                self.expect_text(&column, name, atom, "contains")?;
                datafusion_functions::expr_fn::strpos(
                    column.expr.clone(),
                    lit(needle.value.clone()),
                )
                .gt(lit(0i64))
            }
        };
        Ok(crate::lower::exactly_true(expr))
    }
}

/// The value of a predicate for an actor without a profile row: every atom
/// is false there, and `not`, `and`, `or` apply as usual.
fn holds_without_row(pred: &Pred) -> bool {
    match &pred.kind {
        PredKind::Or(items) => items.iter().any(holds_without_row),
        PredKind::And(items) => items.iter().all(holds_without_row),
        PredKind::Not(inner) => !holds_without_row(inner),
        PredKind::Group(inner) => holds_without_row(inner),
        PredKind::Atom(_) => false,
    }
}

//! `holding c1, c2` (LANGUAGE.md §11): binds each held name to a column of
//! the events. A held name that only a profile table has is the usual
//! mistake (`holding plan`): the error says where the name is and that
//! `holding` compares the events' own values.

use super::Resolver;
use super::column::ValueKind;
use crate::catalog::TableRole;
use crate::ir::HeldColumn;
use datafusion_expr::Expr;
use segql_syntax::{Diagnostic, Holding, codes, did_you_mean, quoted};

impl Resolver<'_> {
    /// The held columns of a behavior (none without `holding`).
    pub(super) fn holding(&self, holding: Option<&Holding>) -> Result<Vec<HeldColumn>, Diagnostic> {
        let Some(holding) = holding else {
            return Ok(Vec::new());
        };
        holding
            .columns
            .iter()
            .map(|ident| {
                let bound = self
                    .column(TableRole::Events, ident)
                    .map_err(|e| self.not_held(ident, e))?;
                // Values are held as the column has them: a date column's
                // values compare as dates, with no cast to a time.
                let expr = match bound.expr {
                    Expr::Cast(cast) if bound.kind == ValueKind::Time => *cast.expr,
                    other => other,
                };
                Ok(HeldColumn {
                    name: ident.name.clone(),
                    expr,
                })
            })
            .collect()
    }

    /// The error for a held name that is no events column: where the name
    /// is instead, or a close events column.
    fn not_held(&self, ident: &segql_syntax::Ident, error: Diagnostic) -> Diagnostic {
        if error.code != codes::UNKNOWN_COLUMN {
            return error;
        }
        let name = quoted(&ident.name);
        let mut d = Diagnostic::error(
            codes::UNKNOWN_COLUMN,
            format!("`holding {name}`: the events have no column `{name}`"),
        )
        .with_span(ident.span)
        .with_label("not an events column");
        let elsewhere = [TableRole::Users, TableRole::Accounts]
            .into_iter()
            .find(|role| {
                self.table(*role).is_some_and(|t| {
                    let mapped = self.catalog.mapping().column(*role, &ident.name);
                    t.schema().field_with_name(&mapped).is_ok()
                })
            });
        if let Some(role) = elsewhere {
            return d
                .with_note(format!("`{name}` is a column of the {} table", role.name()))
                .with_help(format!(
                    "`holding` keeps a value of each event constant, such as `holding product_id`; \
                     a profile attribute is one value per actor: test it with `have {name} = ...`"
                ));
        }
        let events = self.table(TableRole::Events).map(|t| t.schema());
        let model = ["timestamp", "name", "event_type", "session_id"];
        let names: Vec<String> = events
            .iter()
            .flat_map(|schema| schema.fields().iter().map(|f| f.name().clone()))
            .chain(model.map(String::from))
            .collect();
        d = match did_you_mean(&ident.name, names.iter().map(String::as_str)) {
            Some(close) => d.with_help(format!("did you mean `holding {close}`?")),
            None => d.with_help("`holding` names event columns, such as `holding product_id`"),
        };
        if let Some(note) = error.notes.first() {
            d = d.with_note(note.clone());
        }
        d
    }
}

//! `paths`: the most common paths through sessions' views, from and to
//! optional steps, with names cleaned into labels.

use super::Resolver;
use crate::ir::PathsIr;
use crate::names::NAME;
use datafusion_expr::{Expr, col, lit, when};
use segql_syntax::{CleanRule, Diagnostic, Paths};

impl Resolver<'_> {
    pub(super) fn paths(&self, p: &Paths) -> Result<PathsIr, Diagnostic> {
        let audience = self.analysis_audience(&p.scope);
        Ok(PathsIr {
            scope: self.scope(audience, p.scope.as_ref(), p.range.as_ref())?,
            from: p.from.as_ref().map(|s| self.step(s)).transpose()?,
            to: p.to.as_ref().map(|s| self.step(s)).transpose()?,
            depth: p.depth.unwrap_or(5),
            top: p.top.unwrap_or(10),
            label: cleaned_name(&p.clean),
        })
    }
}

/// The label of a view under `clean` rules (LANGUAGE.md §12), over the
/// events relation: that of the first rule whose LIKE pattern the name
/// matches, else the name; `None` without rules.
fn cleaned_name(rules: &[CleanRule]) -> Option<Expr> {
    let (first, rest) = rules.split_first()?;
    let rule = |r: &CleanRule| {
        (
            col(NAME).like(lit(r.pattern.value.clone())),
            lit(r.label.value.clone()),
        )
    };
    let (matches, label) = rule(first);
    let mut case = when(matches, label);
    for r in rest {
        let (matches, label) = rule(r);
        case = case.when(matches, label);
    }
    case.otherwise(col(NAME)).ok()
}

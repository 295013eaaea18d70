//! `paths`: the most common paths through sessions' views, from and to
//! optional steps.

use super::Resolver;
use crate::ir::PathsIr;
use segql_syntax::{Diagnostic, Paths};

impl Resolver<'_> {
    pub(super) fn paths(&self, p: &Paths) -> Result<PathsIr, Diagnostic> {
        let audience = self.analysis_audience(&p.scope);
        Ok(PathsIr {
            scope: self.scope(audience, p.scope.as_ref(), p.range.as_ref())?,
            from: p.from.as_ref().map(|s| self.step(s)).transpose()?,
            to: p.to.as_ref().map(|s| self.step(s)).transpose()?,
            depth: p.depth.unwrap_or(5),
            top: p.top.unwrap_or(10),
        })
    }
}

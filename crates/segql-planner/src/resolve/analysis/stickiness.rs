//! `stickiness`: actors by the number of distinct periods in which they
//! took a step.

use super::Resolver;
use crate::ir::StickinessIr;
use segql_syntax::{Diagnostic, Period, Stickiness};

impl Resolver<'_> {
    pub(super) fn stickiness(&self, s: &Stickiness) -> Result<StickinessIr, Diagnostic> {
        let audience = self.analysis_audience(&s.scope);
        Ok(StickinessIr {
            scope: self.scope(audience, s.scope.as_ref(), s.range.as_ref())?,
            step: self.step(&s.step)?,
            period: s.every.unwrap_or(Period::Day),
        })
    }
}

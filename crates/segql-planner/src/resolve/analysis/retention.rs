//! `retention`: of the actors who did the start step in a period, those
//! who came back with the returning step in each period after.

use super::Resolver;
use crate::ir::RetentionIr;
use segql_syntax::{Diagnostic, Period, Retention};

impl Resolver<'_> {
    pub(super) fn retention(&self, r: &Retention) -> Result<RetentionIr, Diagnostic> {
        let audience = self.analysis_audience(&r.scope);
        Ok(RetentionIr {
            scope: self.scope(audience, r.scope.as_ref(), r.range.as_ref())?,
            start: self.step(&r.start)?,
            returning: self.step(&r.returning)?,
            period: r.every.unwrap_or(Period::Day),
            periods: r.periods.unwrap_or(7),
            by: self.by(r.by.as_ref(), audience)?,
        })
    }
}

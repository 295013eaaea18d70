//! `lifecycle`: per period, the actors new, returning, resurrecting and
//! dormant in a step.

use super::Resolver;
use crate::ir::LifecycleAnalysisIr;
use segql_syntax::{Diagnostic, LifecycleAnalysis, Period};

impl Resolver<'_> {
    pub(super) fn lifecycle_analysis(
        &self,
        l: &LifecycleAnalysis,
    ) -> Result<LifecycleAnalysisIr, Diagnostic> {
        let audience = self.analysis_audience(&l.scope);
        Ok(LifecycleAnalysisIr {
            scope: self.scope(audience, l.scope.as_ref(), l.range.as_ref())?,
            step: self.step(&l.step)?,
            period: l.every.unwrap_or(Period::Day),
        })
    }
}

//! `explore`: measures (events, users, sessions, counts of a step) by
//! columns and over time.

use super::Resolver;
use crate::ir::{Bucket, ExploreIr, MeasureIr};
use segql_syntax::{Diagnostic, Explore, MeasureKind, Unit};

impl Resolver<'_> {
    pub(super) fn explore(&self, e: &Explore) -> Result<ExploreIr, Diagnostic> {
        let audience = self.analysis_audience(&e.scope);
        let measures = e
            .measures
            .iter()
            .map(|m| {
                Ok(match &m.kind {
                    MeasureKind::Events => MeasureIr::Events,
                    MeasureKind::Users => MeasureIr::Users,
                    MeasureKind::Sessions => MeasureIr::Sessions,
                    MeasureKind::Count(step) => MeasureIr::Count(self.step(step)?),
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        Ok(ExploreIr {
            scope: self.scope(audience, e.scope.as_ref(), e.range.as_ref())?,
            measures,
            by: e
                .by
                .iter()
                .map(|b| self.by_column(b, audience))
                .collect::<Result<_, _>>()?,
            every: e.every.as_ref().map(|d| {
                let count = segql_syntax::saturating_i64(d.count);
                match d.unit {
                    Unit::Day => Bucket::LocalDays(count),
                    Unit::Week => Bucket::LocalDays(count.saturating_mul(7)),
                    _ => Bucket::Micros(d.millis().saturating_mul(1000)),
                }
            }),
            top: e.top,
        })
    }
}

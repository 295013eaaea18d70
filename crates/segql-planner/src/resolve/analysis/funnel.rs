//! `funnel`: the steps in order, each counted with the actors who reach
//! it, optionally compared across segments or grouped `by` a column.

use super::Resolver;
use crate::ir::FunnelIr;
use segql_syntax::{Diagnostic, Funnel, SegRefKind};

impl Resolver<'_> {
    pub(super) fn funnel(&self, f: &Funnel) -> Result<FunnelIr, Diagnostic> {
        let audience = self.analysis_audience(f.scope.iter().chain(&f.compare));
        let steps = self.steps(&f.steps)?;
        let compare = f
            .compare
            .iter()
            .map(|seg| {
                let label = match &seg.kind {
                    SegRefKind::Named(name) => name.name.clone(),
                    SegRefKind::Inline(segment) => segment.to_string(),
                };
                Ok((label, self.seg_ref(seg)?))
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        Ok(FunnelIr {
            scope: self.scope(audience, f.scope.as_ref(), f.range.as_ref())?,
            labels: f
                .steps
                .iter()
                .filter(|s| !s.negated)
                .map(|s| s.step.to_string())
                .collect(),
            steps,
            within: Self::within(f.within.as_ref()),
            compare,
            by: self.by(f.by.as_ref(), audience)?,
        })
    }
}

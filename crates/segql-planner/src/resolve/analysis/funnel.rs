//! `funnel`: the steps in order, each counted with the actors who reach
//! it, optionally compared across segments or grouped `by` a column.

use super::Resolver;
use crate::ir::BySource;
use crate::ir::FunnelIr;
use crate::lower::MAX_ANY_ORDER_STEPS;
use crate::options::SequenceEngine;
use segql_syntax::{Diagnostic, Funnel, OrderKind, SegRefKind, codes};

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
        let by = self.by(f.by.as_ref(), audience)?;
        // §12: "`by` an event column is an error with `in any order`": an
        // actor's events match the steps in no order, so no event starts
        // its chain.
        if let (Some(order), Some(ident), Some(by)) = (&f.order, &f.by, &by)
            && order.kind == OrderKind::Any
            && by.source == BySource::Event
        {
            return Err(Diagnostic::error(
                codes::ORDER_WITH_EVENT_BY,
                format!(
                    "a funnel `in any order` cannot be grouped `by` the event column `{}`",
                    ident.name
                ),
            )
            .with_span(ident.span)
            .with_label("an event column")
            .with_secondary(order.span, "`in any order` is here")
            .with_help(
                "in any order no event starts an actor's chain to read the value on: group \
                 `by` a profile column, or drop `in any order`",
            ));
        }
        // The portable engine decides any order by a window sum per subset
        // of the steps.
        let positive = f.steps.iter().filter(|s| !s.negated).count();
        if let Some(order) = &f.order
            && order.kind == OrderKind::Any
            && self.options.engine == SequenceEngine::Portable
            && positive > MAX_ANY_ORDER_STEPS
        {
            return Err(Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "the portable engine runs funnels in any order of at most \
                     {MAX_ANY_ORDER_STEPS} steps, this one has {positive}"
                ),
            )
            .with_span(order.span)
            .with_label("in any order")
            .with_note(
                "it tests every subset of the steps, which grows as 2 to the number of steps",
            )
            .with_help("run it with the native engine (`--engine native`, the default)"));
        }
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
            order: f.order.as_ref().map_or(OrderKind::Sequential, |o| o.kind),
            holding: self.holding(f.holding.as_ref())?,
            every: f.every,
            compare,
            by,
        })
    }
}

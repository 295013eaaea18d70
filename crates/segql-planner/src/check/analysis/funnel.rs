//! A funnel: at least two steps that are not negated, and its result columns.

use crate::check::Checker;
use segql_syntax::result;
use segql_syntax::{Diagnostic, Funnel, Span, codes};

impl Checker<'_> {
    pub(in crate::check) fn check_funnel(&mut self, f: &Funnel, stmt_span: Span) {
        for step in &f.steps {
            self.check_step(&step.step);
        }
        let positive = f.steps.iter().filter(|s| !s.negated).count();
        if positive < 2 {
            let span = match (f.steps.first(), f.steps.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => stmt_span,
            };
            let d = Diagnostic::error(
                codes::FUNNEL_ONE_STEP,
                format!(
                    "a funnel needs at least two steps that are not negated, this one has {positive}"
                ),
            )
            .with_span(span)
            .with_label("one positive step")
            .with_help("add a step: `funnel viewed \"/cart\" then action \"CHECKOUT\"`");
            self.push(d);
        }
        if let Some(within) = &f.within {
            self.check_within(within);
        }
        if let Some(holding) = &f.holding {
            self.check_holding(holding);
        }
        // §12: "Negated steps are an error with either order."
        if let Some(order) = &f.order
            && let Some(negated) = f.steps.iter().find(|s| s.negated)
        {
            let mode = order.kind.keyword();
            let d = Diagnostic::error(
                codes::ORDER_WITH_NEGATION,
                format!("a funnel `in {mode} order` cannot have negated steps"),
            )
            .with_span(negated.span)
            .with_label("a negated step")
            .with_secondary(order.span, format!("`in {mode} order` is here"))
            .with_help(
                "negated steps constrain the gaps between steps in time, which only the \
                 default order has: drop `in ... order`, or drop the negated step",
            );
            self.push(d);
        }
        self.check_segments_and_range(f.scope.iter().chain(f.compare.iter()), f.range.as_ref());
        self.check_result_columns(&result::funnel_columns(f));
    }
}

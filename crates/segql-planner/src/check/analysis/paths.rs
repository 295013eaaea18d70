//! Paths: `from` and `to` are page views, `depth` and `top` at least 1.

use super::out_of_range;
use crate::check::Checker;
use segql_syntax::{Diagnostic, EventKind, Paths, Span, codes};

impl Checker<'_> {
    pub(in crate::check) fn check_paths(&mut self, p: &Paths, stmt_span: Span) {
        for (word, step) in [("from", &p.from), ("to", &p.to)] {
            let Some(step) = step else {
                continue;
            };
            self.check_step(step);
            if !matches!(step.event.kind, EventKind::Viewed(_)) {
                let d = Diagnostic::error(
                    codes::PATHS_STEP_NOT_VIEW,
                    format!("`paths {word}` takes a `viewed` step"),
                )
                .with_span(step.event.span)
                .with_label("not a page view")
                .with_help(format!(
                    "paths are made of page views: write `paths {word} viewed \"/home\"`"
                ));
                self.push(d);
            }
        }
        if p.depth == Some(0) {
            self.push(out_of_range(
                stmt_span,
                "`depth 0` leaves no page in a path",
                "`depth` is at least 1 (5 by default)",
            ));
        }
        self.check_top(p.top, stmt_span, "row", " (10 by default)");
        self.check_segments_and_range(p.scope.iter(), p.range.as_ref());
    }
}

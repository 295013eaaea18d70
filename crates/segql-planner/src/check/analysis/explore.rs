//! Explore: bucket sizes (`every`), `top`, and the measures' result columns.

use super::out_of_range;
use crate::check::Checker;
use segql_syntax::result;
use segql_syntax::{Diagnostic, Explore, MeasureKind, Span, codes};

/// The longest explore bucket: 10,000 weeks (about 190 years), which keeps
/// bucket arithmetic on microseconds far from overflow.
const MAX_BUCKET_MILLIS: i64 = 10_000 * 7 * 86_400_000;

impl Checker<'_> {
    pub(in crate::check) fn check_explore(&mut self, e: &Explore, stmt_span: Span) {
        for measure in &e.measures {
            if let MeasureKind::Count(step) = &measure.kind {
                self.check_step(step);
            }
        }
        if let Some(every) = &e.every {
            if every.count == 0 {
                let d = out_of_range(
                    every.span,
                    &format!("`every 0 {}` is not a bucket size", every.unit.name(0)),
                    &format!(
                        "a bucket is at least 1 long: `every 1 {}`",
                        every.unit.name(1)
                    ),
                );
                self.push(d);
            }
            self.check_no_month(every, "`every`");
            if every.millis() > MAX_BUCKET_MILLIS {
                self.push(
                    Diagnostic::error(
                        codes::VALUE_OUT_OF_RANGE,
                        "an `every` bucket is at most 10000 weeks long",
                    )
                    .with_span(every.span)
                    .with_label("too long")
                    .with_help(
                        "without `every`, explore gives one row per group over the whole range",
                    ),
                );
            }
        }
        self.check_top(e.top, stmt_span, "group", "");
        self.check_segments_and_range(e.scope.iter(), e.range.as_ref());
        self.check_result_columns(&result::explore_columns(e));
    }
}

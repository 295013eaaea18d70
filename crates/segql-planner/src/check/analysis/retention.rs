//! Retention: its steps, segments and range, the number of periods, and its
//! result columns.

use crate::check::Checker;
use segql_syntax::result;
use segql_syntax::{Diagnostic, Retention, Span, codes};

/// The most periods a retention may ask for.
const MAX_PERIODS: u64 = 10_000;

impl Checker<'_> {
    pub(in crate::check) fn check_retention(&mut self, r: &Retention, stmt_span: Span) {
        self.check_step(&r.start);
        self.check_step(&r.returning);
        self.check_segments_and_range(r.scope.iter(), r.range.as_ref());
        if r.periods.is_some_and(|p| p > MAX_PERIODS) {
            // Every cohort gets a row per period: the result must
            // fit in memory.
            self.push(
                Diagnostic::error(
                    codes::VALUE_OUT_OF_RANGE,
                    format!("`periods` is at most {MAX_PERIODS}"),
                )
                .with_span(stmt_span)
                .with_label("too many periods")
                .with_help(format!(
                    "every cohort gets a row per period: ask for {MAX_PERIODS} or fewer"
                )),
            );
        }
        self.check_result_columns(&result::retention_columns(r));
    }
}

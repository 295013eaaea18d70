//! Lifecycle: its step, segment and range.

use crate::check::Checker;
use segql_syntax::LifecycleAnalysis;
use segql_syntax::result;

impl Checker<'_> {
    pub(in crate::check) fn check_lifecycle_analysis(&mut self, l: &LifecycleAnalysis) {
        self.check_step(&l.step);
        self.check_segments_and_range(l.scope.iter(), l.range.as_ref());
        self.check_result_columns(&result::lifecycle_columns(l));
    }
}

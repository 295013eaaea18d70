//! Lifecycle: its step, segment and range. Its result columns are fixed
//! and distinct, so there is nothing to check of them.

use crate::check::Checker;
use segql_syntax::LifecycleAnalysis;

impl Checker<'_> {
    pub(in crate::check) fn check_lifecycle_analysis(&mut self, l: &LifecycleAnalysis) {
        self.check_step(&l.step);
        self.check_segments_and_range(l.scope.iter(), l.range.as_ref());
    }
}

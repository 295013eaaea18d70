//! Stickiness: its step, segment and range. Its result columns are fixed
//! and distinct, so there is nothing to check of them.

use crate::check::Checker;
use segql_syntax::Stickiness;

impl Checker<'_> {
    pub(in crate::check) fn check_stickiness(&mut self, s: &Stickiness) {
        self.check_step(&s.step);
        self.check_segments_and_range(s.scope.iter(), s.range.as_ref());
    }
}

//! Stickiness: its step, segment and range.

use crate::check::Checker;
use segql_syntax::Stickiness;
use segql_syntax::result;

impl Checker<'_> {
    pub(in crate::check) fn check_stickiness(&mut self, s: &Stickiness) {
        self.check_step(&s.step);
        self.check_segments_and_range(s.scope.iter(), s.range.as_ref());
        self.check_result_columns(&result::stickiness_columns(s));
    }
}

//! `holding c1, c2` (LANGUAGE.md §11), the rule that needs no data: a
//! column is held once. (`holding` with `for the first time`, `stopped` or
//! `restarted` is one of the modifiers those words refuse: `lifecycle`.)

use super::Checker;
use segql_syntax::{Behavior, Diagnostic, Holding, codes, quoted};

impl Checker<'_> {
    pub(super) fn check_behavior_holding(&mut self, b: &Behavior) {
        let Some(holding) = &b.holding else {
            return;
        };
        self.check_holding(holding);
    }

    /// The columns of one `holding`: each at most once.
    pub(super) fn check_holding(&mut self, holding: &Holding) {
        for (i, column) in holding.columns.iter().enumerate() {
            let Some(first) = holding.columns[..i].iter().find(|c| c.name == column.name) else {
                continue;
            };
            let name = quoted(&column.name);
            let d = Diagnostic::error(codes::DUPLICATE_COLUMN, format!("`{name}` is held twice"))
                .with_span(column.span)
                .with_label("named again")
                .with_secondary(first.span, "first named here")
                .with_help(format!("name each column once: `holding {name}`"));
            self.push(d);
        }
    }
}

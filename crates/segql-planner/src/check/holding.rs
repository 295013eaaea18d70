//! `holding c1, c2` (LANGUAGE.md §11), the rules that need no data: a
//! column is held once, and `holding` does not go with `for the first
//! time`, `stopped` or `restarted` (which look at an actor's events over
//! time, not at one chain of them).

use super::Checker;
use segql_syntax::{Behavior, Diagnostic, Holding, codes, quoted};

impl Checker<'_> {
    pub(super) fn check_behavior_holding(&mut self, b: &Behavior) {
        let Some(holding) = &b.holding else {
            return;
        };
        self.check_holding(holding);
        let lifecycle = match (&b.lifecycle, &b.first_time) {
            (Some(l), _) => Some((l.span, format!("`{}`", l.kind.keyword()))),
            (None, Some(span)) => Some((*span, "`for the first time`".to_string())),
            (None, None) => None,
        };
        if let Some((span, word)) = lifecycle {
            let d = Diagnostic::error(
                codes::HOLDING_NOT_ALLOWED,
                format!("`holding` cannot be combined with {word}"),
            )
            .with_span(holding.span)
            .with_label(format!("not allowed with {word}"))
            .with_secondary(
                span,
                format!("{word} looks at every matching event of the actor"),
            )
            .with_help(format!(
                "remove the `holding`: {word} asks about the step's events whatever their values; \
                 to hold a value, use a behavior without {word}, e.g. `viewed like \"/product/%\" \
                 at least 2 times holding product_id`"
            ));
            self.push(d);
        }
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

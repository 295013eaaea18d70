//! A program text checked as a whole but held one statement at a time.
//!
//! A file may hold millions of statements. Its syntax trees are never all
//! in memory: a first pass parses every statement (syntax errors) and keeps
//! only the definitions, a second validates each statement against them,
//! and whoever runs the text parses each statement once more when its turn
//! comes. Every problem of the text is still found before anything runs
//! (LANGUAGE.md §7); memory grows with the largest statement and the
//! definitions, not with the file.

use segql_planner::Library;
use segql_syntax::{Diagnostic, Span, Statement, StatementKind};
use std::ops::ControlFlow;

/// What the passes over a text learned: its definitions and what its
/// queries are. The text itself stays with the caller.
#[derive(Debug, Default)]
pub struct CheckedText {
    /// Every definition, with its statement number (from 0).
    definitions: Vec<(usize, Statement)>,
    /// Statements other than definitions.
    pub queries: usize,
    /// Funnels, retentions, paths and explores.
    pub analyses: usize,
    /// The span of the first analysis, if any.
    pub first_analysis: Option<Span>,
}

impl CheckedText {
    /// Parses and validates `source` one statement at a time. The text is
    /// `Some` when it has no error; the diagnostics are every syntax error
    /// (then nothing is validated) or every validation error and warning.
    pub fn check(source: &str, library: &Library) -> (Option<CheckedText>, Vec<Diagnostic>) {
        let mut text = CheckedText::default();
        let mut diagnostics = Vec::new();
        let mut number = 0;
        segql_syntax::parse_each(source, |parsed| {
            match parsed {
                Ok(statement) => {
                    match statement.kind {
                        StatementKind::Define(_) => {
                            text.definitions.push((number, statement));
                        }
                        StatementKind::Segment(_) => text.queries += 1,
                        _ => {
                            text.queries += 1;
                            text.analyses += 1;
                            text.first_analysis.get_or_insert(statement.span);
                        }
                    }
                    number += 1;
                }
                Err(d) => diagnostics.push(d),
            }
            ControlFlow::Continue(())
        });
        if !diagnostics.is_empty() {
            return (None, diagnostics);
        }
        let mut validator = segql_planner::Validator::new(library, &text.definitions);
        let mut number = 0;
        segql_syntax::parse_each(source, |parsed| {
            if let Ok(statement) = parsed {
                diagnostics.extend(validator.check(number, &statement));
                number += 1;
            }
            ControlFlow::Continue(())
        });
        if diagnostics.iter().any(Diagnostic::is_error) {
            (None, diagnostics)
        } else {
            (Some(text), diagnostics)
        }
    }

    /// Each statement of `source` (the text this was checked from), parsed
    /// again, in order, until `each` stops.
    pub fn for_each(&self, source: &str, mut each: impl FnMut(&Statement) -> ControlFlow<()>) {
        segql_syntax::parse_each(source, |parsed| match parsed {
            Ok(statement) => each(&statement),
            // Checked before: no statement fails to parse.
            Err(_) => ControlFlow::Break(()),
        });
    }
}

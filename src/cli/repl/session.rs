//! One REPL session: the data, the definitions so far, the settings; and
//! running an input's statements through the statement runner.

use super::Flow;
use super::cancel::{Cancelled, cancellable, report_cancelled};
use super::commands::{self, MetaCommand};
use super::helper::Completions;
use super::pieces::{Piece, Pieces};
use crate::cli::sink::Sink;
use crate::cli::{Output, Status};
use datafusion::logical_expr::LogicalPlan;
use segql::engine::{Engine, Runner, Statements, execute};
use segql::planner::{PlanOptions, Query};
use segql::syntax::StatementKind;
use segql::{Diagnostic, Library, LibraryDef, Program};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// One REPL session: the data, the definitions so far, the settings.
pub struct Session {
    pub engine: Arc<Engine>,
    pub options: PlanOptions,
    /// `--segments` definitions, then the session's, each replacing an
    /// earlier one of its name.
    pub library: Library,
    pub completions: Rc<Completions>,
    /// Where results go; `.format` changes how they are printed.
    pub sink: Sink,
    pub timing: bool,
    pub output: Output,
    /// On a terminal: spinner, Ctrl-C, pictures, confirmations.
    pub interactive: bool,
}

impl Session {
    /// Runs what was typed at the prompt: usually one statement or meta
    /// command, but a paste may hold several of both.
    pub async fn input(&mut self, input: &str) -> Flow {
        let mut status = Status::Success;
        for piece in Pieces::split(input) {
            match self.piece(&piece, "<repl>").await {
                Flow::Continue(s) => status = status.worst(s),
                Flow::Quit => return Flow::Quit,
            }
        }
        Flow::Continue(status)
    }

    /// Runs a meta command, or segql text.
    pub async fn piece(&mut self, piece: &Piece, display: &str) -> Flow {
        match piece {
            Piece::Meta(line) => match commands::parse(line) {
                Ok(MetaCommand::Quit) => Flow::Quit,
                Ok(command) => Flow::Continue(self.meta(command).await),
                Err(d) => {
                    self.output.error(&d);
                    Flow::Continue(Status::Usage)
                }
            },
            Piece::Text { text, first_line } => {
                // Padding the text with the lines before it gives
                // diagnostics the script's line numbers without shifting
                // any span.
                let text = format!("{}{text}", "\n".repeat(*first_line));
                let base = self.options.base_dir.clone();
                Flow::Continue(self.run_text(display, &text, &base).await)
            }
        }
    }

    /// Checks, plans and runs a text; its definitions join the session once
    /// the whole text has been checked.
    pub(super) async fn run_text(&mut self, display: &str, text: &str, base_dir: &Path) -> Status {
        let options = PlanOptions {
            base_dir: base_dir.to_path_buf(),
            ..self.options.clone()
        };
        let (program, plans) = match self.plan_text(display, text, &options) {
            Ok(planned) => planned,
            Err(status) => return status,
        };
        self.define(&program, display);
        let mut status = Status::Success;
        for (index, (query, plan)) in plans.into_iter().enumerate() {
            let started = Instant::now();
            let engine = Arc::clone(&self.engine);
            // A table and its picture show a retention with the periods
            // after the end of the data blank.
            let wants_shown = self.sink.wants_shown();
            let zone = options.zone.clone();
            let work = async move {
                let outcome = execute(&engine, &query, plan).await?;
                let shown = if wants_shown {
                    Some(outcome.shown(&engine, &zone).await?)
                } else {
                    None
                };
                Ok::<_, Diagnostic>((outcome, shown))
            };
            let (outcome, shown) = match cancellable(self.interactive, work).await {
                Ok(Ok(done)) => done,
                Ok(Err(d)) => {
                    self.output.error(&d);
                    status = status.worst(Status::Failure);
                    continue;
                }
                Err(Cancelled) => {
                    report_cancelled();
                    return status.worst(Status::Failure);
                }
            };
            if !self.sink.begin(index + 1, &outcome, display, text) {
                return status;
            }
            // A reader that has gone ends the output quietly; the inputs
            // still run.
            if let Err(failed) = self.sink.show(&outcome, shown.map(Ok)) {
                status = status.worst(failed);
            }
            if self.timing {
                note!(
                    "time: {:.3} s, {} row{}",
                    started.elapsed().as_secs_f64(),
                    outcome.rows(),
                    if outcome.rows() == 1 { "" } else { "s" }
                );
            }
        }
        status
    }

    /// Parses, checks and plans a text against the session's definitions,
    /// reporting what it finds (warnings too); the text's own definitions
    /// do not join the session here.
    pub(super) fn plan_text(
        &self,
        display: &str,
        text: &str,
        options: &PlanOptions,
    ) -> Result<(Program, Vec<(Query, LogicalPlan)>), Status> {
        let program = segql::parse(text).map_err(|d| self.report(display, text, &d))?;
        let diagnostics = segql::planner::validate_replacing(&program, &self.library);
        if !diagnostics.is_empty() {
            let status = self.report(display, text, &diagnostics);
            if diagnostics.iter().any(Diagnostic::is_error) {
                return Err(status);
            }
        }
        // Planning resolves the text's definitions too, against the data,
        // while their text is at hand: later inputs that use them have their
        // own texts, which their spans do not point into.
        let plans = Runner::new(
            Statements::Program(&program),
            &self.library,
            self.engine.as_ref(),
            options,
        )
        .plans()
        .map_err(|d| self.report(display, text, &d))?;
        Ok((program, plans))
    }

    /// Keeps the definitions of a checked program for later inputs.
    fn define(&mut self, program: &Program, display: &str) {
        for statement in &program.statements {
            if let StatementKind::Define(def) = &statement.kind {
                let replaced = self.library.insert(LibraryDef {
                    name: def.name.name.clone(),
                    audience: def.segment.audience,
                    file: display.to_string(),
                    segment: def.segment.clone(),
                });
                if self.interactive {
                    let verb = if replaced.is_some() {
                        "redefined"
                    } else {
                        "defined"
                    };
                    println!(
                        "{verb} segment `{}` ({})",
                        def.name.name,
                        def.segment.audience.keyword()
                    );
                }
            }
        }
        self.share_segment_names();
    }

    pub fn share_segment_names(&self) {
        *self.completions.segments.borrow_mut() =
            self.library.defs.iter().map(|d| d.name.clone()).collect();
    }

    /// Shows diagnostics about a text; the status is 1 when one is about
    /// the data, else 2.
    pub(super) fn report(&self, display: &str, text: &str, diagnostics: &[Diagnostic]) -> Status {
        self.output.diagnostics(display, text, diagnostics);
        Status::of(diagnostics)
    }
}

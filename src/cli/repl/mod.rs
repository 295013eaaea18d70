//! `segql repl`: statements typed (or piped) one after another over one
//! dataset, with the definitions of earlier inputs kept for later ones.
//!
//! On a terminal, a line editor reads the input (history, completion,
//! colours); piped, standard input is read as a script: statements end at
//! `;`, meta commands take a line each, and the run goes on after an error,
//! ending with the worst exit status met.

mod cancel;
mod commands;
mod helper;
mod meta;
mod pieces;
mod session;

use super::args::{DataArgs, FormatArg, SessionArgs};
use super::setup::{decide_now, decide_zone, open_data, runtime};
use super::sink::Sink;
use super::sources::load_library;
use super::{Output, Status};
use helper::{ReplHelper, completions_for};
use pieces::Pieces;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{ColorMode, CompletionType, Config, Editor};
use segql::{Diagnostic, Library, codes};
use session::Session;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

const PROMPT: &str = "segql> ";

/// Type or pipe segql statements over one dataset.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql repl
  segql repl --data shop/ --segments segments/
  segql repl --history /tmp/segql_history --format csv
  printf 'segment a = users who viewed \"/cart\";\\nusers in segment a;\\n' | segql repl

A statement runs when a line ends it with `;`; until then Enter continues it on the next
line. Definitions (`segment NAME = ...`) stay for the session, and a new definition of a
name replaces the old one, also for the segments that use it. Lines that start with `.`
are commands: `.help` lists them. Tab completes keywords, segment names, columns and
event names; Ctrl-C cancels a running query; Ctrl-D leaves.

History is kept in --history FILE, else $SEGQL_HISTORY, else ~/.segql_history.

With standard input not a terminal, the statements are read from it as a script: results
go to standard output, diagnostics to standard error, and the script goes on after an
error. Exit status: 0 when every statement succeeded; else 1 if the worst was a data or
runtime error, 2 if it was an error in the segql text or a command's arguments.")]
pub struct ReplArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub session: SessionArgs,
    /// How to print results at first (`.format` changes it).
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// The history file (default: $SEGQL_HISTORY, else ~/.segql_history).
    /// Piped input is never written to it.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
}

/// What to do after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue(Status),
    Quit,
}

pub fn run(args: ReplArgs, output: Output) -> Status {
    let interactive = std::io::stdin().is_terminal();
    let rt = runtime();
    let engine = match open_data(&rt, &args.data, output) {
        Ok(engine) => Arc::new(engine),
        Err(status) => return status,
    };
    if let Err(d) = rt.block_on(engine.check_events()) {
        output.error(&d);
        return Status::Failure;
    }
    let zone = match decide_zone(&args.data, &engine, output) {
        Ok(zone) => zone,
        Err(status) => return status,
    };
    let now = match decide_now(&args.session, &engine, &zone, output) {
        Ok(now) => now,
        Err(status) => return status,
    };
    let library = match &args.session.segments {
        Some(dir) => match load_library(dir, output) {
            Some((library, _)) => library,
            None => return Status::Usage,
        },
        None => Library::new(),
    };
    let completions = Rc::new(completions_for(&engine, rt.handle().clone()));
    let mut session = Session {
        options: args
            .session
            .plan_options(now, PathBuf::from("."), engine.partitions(), zone),
        engine,
        library,
        completions,
        sink: Sink {
            format: args.format.into(),
            file: None,
            chart: None,
            count: false,
            pictures: interactive && std::io::stdout().is_terminal(),
            output,
        },
        timing: false,
        output,
        interactive,
    };
    session.share_segment_names();
    let status = if interactive {
        let history = args.history.or_else(default_history);
        interactive_loop(&mut session, &rt, history.as_deref())
    } else {
        script_loop(&mut session, &rt)
    };
    // A cancelled query stops at its next yield point, which a long step
    // of an operator may put off: leave without waiting for it.
    rt.shutdown_background();
    status
}

/// `$SEGQL_HISTORY`, else `~/.segql_history`; none without a home.
fn default_history() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SEGQL_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".segql_history"))
}

fn interactive_loop(
    session: &mut Session,
    rt: &tokio::runtime::Runtime,
    history: Option<&Path>,
) -> Status {
    // `--color` and `NO_COLOR` decide, as for diagnostics; rustyline would
    // otherwise apply `NO_COLOR` over `--color always`.
    let color = session.output.color && std::io::stdout().is_terminal();
    let config = Config::builder()
        .color_mode(if color {
            ColorMode::Forced
        } else {
            ColorMode::Disabled
        })
        .auto_add_history(false)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        // Asking the terminal where the cursor is can swallow typed-ahead
        // input when the terminal does not answer; every output here ends
        // with a newline anyway.
        .check_cursor_position(false)
        .build();
    let mut editor: Editor<ReplHelper, FileHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(e) => {
            session.output.error(&Diagnostic::error(
                codes::INTERNAL,
                format!("cannot start the line editor: {e}"),
            ));
            return Status::Failure;
        }
    };
    editor.set_helper(Some(ReplHelper::new(
        Rc::clone(&session.completions),
        color,
    )));
    if let Some(path) = history
        && path.exists()
        && let Err(e) = editor.load_history(path)
    {
        note!("warning: cannot read the history {}: {e}", path.display());
    }
    println!(
        "segql {}: statements end with `;`; `.help` lists the commands, `.tables` the data; Ctrl-D leaves.",
        env!("CARGO_PKG_VERSION")
    );
    let mut history_warned = false;
    loop {
        match editor.readline(PROMPT) {
            Ok(input) => {
                if input.trim().is_empty() {
                    continue;
                }
                let _ = editor.add_history_entry(input.as_str());
                if let Some(path) = history
                    && let Err(e) = editor.append_history(path)
                    && !history_warned
                {
                    history_warned = true;
                    note!("warning: cannot write the history {}: {e}", path.display());
                }
                if rt.block_on(session.input(&input)) == Flow::Quit {
                    break;
                }
            }
            // Ctrl-C at the prompt drops the text typed so far.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                session.output.error(&Diagnostic::error(
                    codes::INTERNAL,
                    format!("cannot read the input: {e}"),
                ));
                return Status::Failure;
            }
        }
    }
    // Leaving is a success: the errors of single inputs were shown as they
    // happened.
    Status::Success
}

fn script_loop(session: &mut Session, rt: &tokio::runtime::Runtime) -> Status {
    let mut status = Status::Success;
    let mut pieces = Pieces::default();
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                session.output.error(&Diagnostic::error(
                    codes::UNREADABLE_FILE,
                    format!("cannot read standard input: {e}"),
                ));
                // As `segql check -` says of the same input: the text, not
                // the data, is at fault.
                return status.worst(Status::Usage);
            }
        }
        // Each statement runs as soon as its `;` is read, so a long script
        // shows its results as it goes.
        if let Some(piece) = pieces.push_line(&line) {
            match rt.block_on(session.piece(&piece, "<stdin>")) {
                Flow::Continue(s) => status = status.worst(s),
                Flow::Quit => return status,
            }
        }
    }
    if let Some(piece) = pieces.finish()
        && let Flow::Continue(s) = rt.block_on(session.piece(&piece, "<stdin>"))
    {
        status = status.worst(s);
    }
    status
}

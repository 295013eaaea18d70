//! `segql repl`: statements typed (or piped) one after another over one
//! dataset, with the definitions of earlier inputs kept for later ones.
//!
//! On a terminal, a line editor reads the input (history, completion,
//! colours); piped, standard input is read as a script: statements end at
//! `;`, meta commands take a line each, and the run goes on after an error,
//! ending with the worst exit status met.

mod commands;
mod helper;

use super::run::{DataArgs, FormatArg, SessionArgs, now_micros, open_engine, picture, runtime};
use super::sources::{load_library, read_source};
use super::{Output, Status, print};
use commands::{MetaCommand, ResultFormat, Switch};
use helper::{Completions, EventName, ReplHelper};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{ColorMode, CompletionType, Config, Editor};
use segql::engine::Engine;
use segql::planner::{Catalog, PlanOptions, TableRole};
use segql::present::output::{self, OutputFormat};
use segql::syntax::{StatementKind, TokenKind};
use segql::{Diagnostic, Library, LibraryDef, Program, codes};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many of the most frequent event names completion offers.
const EVENT_NAMES_CAP: usize = 10_000;

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

/// One REPL session: the data, the definitions so far, the settings.
struct Session {
    engine: Arc<Engine>,
    options: PlanOptions,
    /// `--segments` definitions, then the session's, each replacing an
    /// earlier one of its name.
    library: Library,
    completions: Rc<Completions>,
    format: ResultFormat,
    timing: bool,
    output: Output,
    /// On a terminal: spinner, Ctrl-C, pictures, confirmations.
    interactive: bool,
    pictures: bool,
}

pub fn run(args: ReplArgs, output: Output) -> Status {
    let interactive = std::io::stdin().is_terminal();
    let rt = runtime();
    let engine = match rt.block_on(open_engine(&args.data)) {
        Ok(engine) => Arc::new(engine),
        Err(d) => {
            output.error(&d);
            return if d.code == codes::BAD_ARGUMENT {
                Status::Usage
            } else {
                Status::Failure
            };
        }
    };
    if let Err(d) = rt.block_on(engine.check_events()) {
        output.error(&d);
        return Status::Failure;
    }
    let now = match now_micros(&args.session.now, &engine) {
        Ok(now) => now,
        Err(d) => {
            output.error(&d);
            return Status::Usage;
        }
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
        options: PlanOptions {
            now_micros: now,
            base_dir: PathBuf::from("."),
            engine: args.session.engine.into(),
        },
        engine,
        library,
        completions,
        format: match args.format {
            FormatArg::Table => ResultFormat::Table,
            FormatArg::Csv => ResultFormat::Csv,
            FormatArg::Json => ResultFormat::Json,
            FormatArg::Ndjson => ResultFormat::Ndjson,
        },
        timing: false,
        output,
        interactive,
        pictures: interactive && std::io::stdout().is_terminal(),
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

/// A unit of input: a meta command line, or segql text up to and with its
/// `;`, and the line (from 0) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Meta(String),
    Text { text: String, first_line: usize },
}

/// Cuts lines of input into pieces: a line that starts with `.` outside a
/// statement is a meta command; other lines gather until one ends a
/// statement.
#[derive(Debug, Default)]
struct Pieces {
    pending: String,
    first_line: usize,
    lines: usize,
}

impl Pieces {
    fn push_line(&mut self, line: &str) -> Option<Piece> {
        self.lines += 1;
        if is_blank(&self.pending) {
            if commands::is_meta(line) {
                self.pending.clear();
                return Some(Piece::Meta(line.trim_end().to_string()));
            }
            if self.pending.is_empty() {
                self.first_line = self.lines - 1;
            }
        }
        self.pending.push_str(line);
        if !line.ends_with('\n') {
            self.pending.push('\n');
        }
        segql::syntax::ends_statement(&self.pending).then(|| self.take())
    }

    /// What is left at the end of the input: the last statement may omit
    /// its `;`.
    fn finish(&mut self) -> Option<Piece> {
        (!is_blank(&self.pending)).then(|| self.take())
    }

    fn take(&mut self) -> Piece {
        Piece::Text {
            text: std::mem::take(&mut self.pending),
            first_line: self.first_line,
        }
    }

    /// Every piece of a whole text.
    fn split(text: &str) -> Vec<Piece> {
        let mut pieces = Pieces::default();
        let mut out: Vec<Piece> = text.lines().filter_map(|l| pieces.push_line(l)).collect();
        out.extend(pieces.finish());
        out
    }
}

/// True for text with nothing but blanks and comments.
fn is_blank(text: &str) -> bool {
    segql::syntax::tokens(text)
        .iter()
        .all(|t| t.kind == TokenKind::Comment)
}

impl Session {
    /// Runs what was typed at the prompt: usually one statement or meta
    /// command, but a paste may hold several of both.
    async fn input(&mut self, input: &str) -> Flow {
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
    async fn piece(&mut self, piece: &Piece, display: &str) -> Flow {
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
    async fn run_text(&mut self, display: &str, text: &str, base_dir: &Path) -> Status {
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
            let table = self.format == ResultFormat::Table;
            let work = async move {
                let outcome = segql::execute::execute(&engine, &query, plan).await?;
                let shown = if table {
                    Some(outcome.shown(&engine).await?)
                } else {
                    None
                };
                Ok::<_, segql::Diagnostic>((outcome, shown))
            };
            let (outcome, shown) = match self.cancellable(work).await {
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
            if !outcome.warnings.is_empty() {
                self.output.diagnostics(display, text, &outcome.warnings);
            }
            if index > 0 && !print("\n") {
                return status;
            }
            if self.pictures
                && let Some(shown) = &shown
                && let Some(picture) = picture(&outcome, shown, self.output.color)
            {
                print(&format!("{picture}\n"));
            }
            if let Err(d) = self.write(&outcome, shown.as_ref()) {
                self.output.error(&d);
                status = status.worst(Status::Failure);
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
    fn plan_text(
        &self,
        display: &str,
        text: &str,
        options: &PlanOptions,
    ) -> Result<
        (
            Program,
            Vec<(segql::planner::Query, datafusion::logical_expr::LogicalPlan)>,
        ),
        Status,
    > {
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
        let plans = segql::execute::plan_program(&program, &self.library, &self.engine, options)
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

    fn share_segment_names(&self) {
        *self.completions.segments.borrow_mut() =
            self.library.defs.iter().map(|d| d.name.clone()).collect();
    }

    /// Runs `work` as a task of the runtime, so that this task stays free
    /// to watch: on a terminal, Ctrl-C aborts the work (dropping a
    /// DataFusion stream stops it) and a spinner shows the time taken once
    /// it passes a second.
    async fn cancellable<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, Diagnostic>> + Send + 'static,
    ) -> Result<Result<T, Diagnostic>, Cancelled> {
        let mut task = tokio::spawn(work);
        let joined = if self.interactive {
            let started = Instant::now();
            let mut spinner: Option<indicatif::ProgressBar> = None;
            let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
            let mut spinner_due = std::pin::pin!(tokio::time::sleep(Duration::from_secs(1)));
            let joined = loop {
                tokio::select! {
                    // Listening first: the first poll installs the handler,
                    // so Ctrl-C cannot end the process from then on.
                    biased;
                    _ = &mut ctrl_c => {
                        task.abort();
                        break None;
                    }
                    joined = &mut task => break Some(joined),
                    () = &mut spinner_due, if spinner.is_none() => {
                        spinner = Some(start_spinner(started));
                    }
                }
            };
            if let Some(spinner) = spinner {
                // Stop the ticking thread first, so that it cannot draw the
                // line again after it is cleared.
                spinner.disable_steady_tick();
                spinner.finish_and_clear();
            }
            joined.ok_or(Cancelled)?
        } else {
            task.await
        };
        Ok(joined.unwrap_or_else(|e| {
            Err(Diagnostic::error(
                codes::INTERNAL,
                format!("the query stopped unexpectedly: {e}"),
            ))
        }))
    }

    /// Prints a result: a table from the rows as `shown` when given.
    fn write(
        &self,
        outcome: &segql::execute::Outcome,
        shown: Option<&segql::execute::Shown>,
    ) -> Result<(), Diagnostic> {
        let format = match self.format {
            ResultFormat::Table => OutputFormat::Table,
            ResultFormat::Csv => OutputFormat::Csv,
            ResultFormat::Json => OutputFormat::Json,
            ResultFormat::Ndjson => OutputFormat::NdJson,
        };
        let (batches, schema) = match shown {
            Some(shown) => (&shown.batches, &shown.schema),
            None => (&outcome.batches, &outcome.schema),
        };
        let mut stdout = std::io::BufWriter::new(std::io::stdout());
        let written = output::write(batches, schema, format, &mut stdout)
            .and_then(|()| std::io::Write::flush(&mut stdout).map_err(Into::into));
        match written {
            // A reader that stopped early (`| head`) is not an error.
            Err(e) if e.to_string().contains("Broken pipe") => Ok(()),
            Err(e) => Err(Diagnostic::error(
                codes::UNWRITABLE_FILE,
                format!("cannot write the result: {e}"),
            )),
            Ok(()) => Ok(()),
        }
    }

    /// Shows diagnostics about a text; the status is 1 when one is about
    /// the data, else 2.
    fn report(&self, display: &str, text: &str, diagnostics: &[Diagnostic]) -> Status {
        self.output.diagnostics(display, text, diagnostics);
        Status::of(diagnostics)
    }

    async fn meta(&mut self, command: MetaCommand) -> Status {
        match command {
            MetaCommand::Help => {
                print(&commands::help());
                Status::Success
            }
            MetaCommand::Quit => Status::Success,
            MetaCommand::Tables => self.tables().await,
            MetaCommand::Schema { table } => self.schema(&table),
            MetaCommand::Segments => {
                print(&segments_table(&self.library));
                Status::Success
            }
            MetaCommand::Load { file } => {
                let source = match read_source(&file) {
                    Ok(source) => source,
                    Err(d) => {
                        self.output.error(&d);
                        return Status::Usage;
                    }
                };
                let base = file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                self.run_text(&source.display, &source.text, &base).await
            }
            MetaCommand::Explain { query } => self.explain(&query),
            MetaCommand::Format { format } => {
                self.format = format;
                Status::Success
            }
            MetaCommand::Timing { switch } => {
                self.timing = switch == Switch::On;
                Status::Success
            }
        }
    }

    /// The logical plan of each query of a text; its definitions do not
    /// join the session.
    fn explain(&self, query: &str) -> Status {
        let display = "<explain>";
        let plans = match self.plan_text(display, query, &self.options) {
            Ok((_, plans)) => plans,
            Err(status) => return status,
        };
        if plans.is_empty() {
            note!("nothing to explain: the text has no query");
        }
        for (index, (_, plan)) in plans.iter().enumerate() {
            let separator = if index > 0 { "\n" } else { "" };
            print(&format!(
                "{separator}{}\n",
                plan.display_indent().to_string().trim_end()
            ));
        }
        Status::Success
    }

    async fn tables(&self) -> Status {
        let mut rows = vec![["table".to_string(), "rows".to_string(), "from".to_string()]];
        for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
            let Some(entry) = self.engine.table(role) else {
                continue;
            };
            let engine = Arc::clone(&self.engine);
            let counted = entry.clone();
            let work = async move { count_rows(&engine, &counted).await };
            let count = match self.cancellable(work).await {
                Ok(Ok(n)) => n.to_string(),
                Ok(Err(d)) => {
                    self.output.error(&d);
                    return Status::Failure;
                }
                Err(Cancelled) => {
                    report_cancelled();
                    return Status::Failure;
                }
            };
            rows.push([role.name().to_string(), count, entry.origin.clone()]);
        }
        print(&align(&rows));
        Status::Success
    }

    fn schema(&self, table: &str) -> Status {
        let roles = [TableRole::Events, TableRole::Users, TableRole::Accounts];
        let present: Vec<&str> = roles
            .iter()
            .filter(|r| self.engine.table(**r).is_some())
            .map(|r| r.name())
            .collect();
        let entry = roles
            .iter()
            .find(|r| r.name().eq_ignore_ascii_case(table))
            .and_then(|r| self.engine.table(*r));
        let Some(entry) = entry else {
            let mut d =
                Diagnostic::error(codes::BAD_ARGUMENT, format!("there is no table `{table}`"))
                    .with_note(format!("the tables: {}", present.join(", ")));
            if let Some(close) = segql::syntax::did_you_mean(table, present.iter().copied()) {
                d = d.with_help(format!("did you mean `.schema {close}`?"));
            }
            self.output.error(&d);
            return Status::Usage;
        };
        let mut rows = vec![[
            "column".to_string(),
            "type".to_string(),
            "nullable".to_string(),
        ]];
        for field in entry.schema().fields() {
            rows.push([
                field.name().clone(),
                field.data_type().to_string(),
                if field.is_nullable() { "yes" } else { "no" }.to_string(),
            ]);
        }
        print(&align(&rows));
        Status::Success
    }
}

/// Ctrl-C stopped the work.
struct Cancelled;

fn report_cancelled() {
    // The terminal's echo of Ctrl-C can leave the cursor on the spinner's
    // line: clear that line before saying so.
    if std::io::stderr().is_terminal() {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"\r\x1b[2K");
    }
    note!("cancelled");
}

fn start_spinner(started: Instant) -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner().with_elapsed(started.elapsed());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} running… {elapsed} (Ctrl-C cancels)")
    {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}

/// Rows of text as columns padded to their widest cell.
fn align<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < N {
                line.push_str(&format!("{cell:w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn segments_table(library: &Library) -> String {
    if library.defs.is_empty() {
        return "no segments yet: define one with `segment NAME = users who ...;`\n".to_string();
    }
    let mut rows = vec![[
        "segment".to_string(),
        "audience".to_string(),
        "from".to_string(),
        "definition".to_string(),
    ]];
    for def in &library.defs {
        rows.push([
            def.name.clone(),
            def.audience.keyword().to_string(),
            def.file.clone(),
            def.segment.to_string(),
        ]);
    }
    align(&rows)
}

/// The number of rows of a table (Parquet files answer from their
/// metadata).
async fn count_rows(
    engine: &Engine,
    entry: &segql::planner::TableEntry,
) -> Result<i64, Diagnostic> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int64Type;
    use datafusion::functions_aggregate::expr_fn::count;
    use datafusion::logical_expr::{LogicalPlanBuilder, lit};
    let plan = LogicalPlanBuilder::scan(entry.name.as_str(), entry.source.clone(), None)
        .and_then(|b| {
            b.aggregate(
                Vec::<datafusion::logical_expr::Expr>::new(),
                vec![count(lit(1))],
            )
        })
        .and_then(LogicalPlanBuilder::build)
        .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot count rows: {e}")))?;
    let batches = engine.execute(plan).await?;
    Ok(batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            b.column(0)
                .as_primitive_opt::<Int64Type>()
                .map(|c| c.value(0))
        })
        .unwrap_or(0))
}

/// Completion's view of the data: columns, tables, event types, and a way
/// to read event names when first needed.
fn completions_for(engine: &Arc<Engine>, handle: tokio::runtime::Handle) -> Completions {
    let mut columns: Vec<String> = Vec::new();
    let mut tables = Vec::new();
    for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
        let Some(entry) = engine.table(role) else {
            continue;
        };
        tables.push(role.name().to_string());
        for field in entry.schema().fields() {
            let name = as_identifier(field.name());
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
    }
    let mapping = engine.mapping();
    let event_types = [("view", "view"), ("action", "action"), ("error", "error")]
        .into_iter()
        .map(|(keyword, model)| (keyword, mapping.event_type(model)))
        .collect();
    let engine = Arc::clone(engine);
    Completions::new(
        columns,
        tables,
        event_types,
        Box::new(move || {
            // Completion must not fail: without names it offers none.
            handle.block_on(event_names(&engine)).unwrap_or_default()
        }),
    )
}

/// A column name as segql text: back-quoted unless it is a plain (dotted)
/// identifier that is not a keyword.
fn as_identifier(name: &str) -> String {
    let plain = name.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if plain && !segql::syntax::is_keyword(name) {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// The most frequent event names with their types. With a mapping that
/// reads names from one column per event type, names come from its default
/// column only.
async fn event_names(engine: &Engine) -> Result<Vec<EventName>, Diagnostic> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::DataType;
    use datafusion::functions_aggregate::expr_fn::count;
    use datafusion::logical_expr::{LogicalPlanBuilder, cast, ident, lit};
    use segql::planner::NameColumn;
    let entry = engine
        .table(TableRole::Events)
        .ok_or_else(|| Diagnostic::error(codes::MISSING_TABLE, "no events table"))?;
    let mapping = engine.mapping();
    let name_column = match &mapping.name {
        NameColumn::Single(column) => column.clone(),
        NameColumn::PerType {
            default: Some(column),
            ..
        } => column.clone(),
        NameColumn::PerType { default: None, .. } => return Ok(Vec::new()),
    };
    let type_column = mapping.column(TableRole::Events, "event_type");
    let schema = entry.schema();
    if schema.field_with_name(&name_column).is_err() {
        return Ok(Vec::new());
    }
    let has_type = schema.field_with_name(&type_column).is_ok();
    let mut keys = vec![cast(ident(&name_column), DataType::Utf8).alias("name")];
    if has_type {
        keys.push(cast(ident(&type_column), DataType::Utf8).alias("event_type"));
    }
    let plan = LogicalPlanBuilder::scan(entry.name.as_str(), entry.source.clone(), None)
        .and_then(|b| b.aggregate(keys, vec![count(lit(1)).alias("n")]))
        .and_then(|b| {
            b.sort(vec![
                ident("n").sort(false, false),
                ident("name").sort(true, false),
            ])
        })
        .and_then(|b| b.limit(0, Some(EVENT_NAMES_CAP)))
        .and_then(LogicalPlanBuilder::build)
        .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot list event names: {e}")))?;
    let mut names = Vec::new();
    for batch in engine.execute(plan).await? {
        let Some(name) = batch.column(0).as_string_opt::<i32>() else {
            continue;
        };
        let event_type = if has_type {
            batch.column(1).as_string_opt::<i32>()
        } else {
            None
        };
        for row in 0..batch.num_rows() {
            if name.is_null(row) {
                continue;
            }
            names.push(EventName {
                event_type: event_type
                    .filter(|t| !t.is_null(row))
                    .map(|t| t.value(row).to_string()),
                name: name.value(row).to_string(),
            });
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str, first_line: usize) -> Piece {
        Piece::Text {
            text: text.to_string(),
            first_line,
        }
    }

    #[test]
    fn input_splits_into_meta_commands_and_statements() {
        assert_eq!(
            Pieces::split(
                ".format csv\n# a comment\nusers who viewed \"/a;\"\n  and have plan = \"x\"; \n.timing on\nexplore users"
            ),
            vec![
                Piece::Meta(".format csv".into()),
                text(
                    "# a comment\nusers who viewed \"/a;\"\n  and have plan = \"x\"; \n",
                    1
                ),
                Piece::Meta(".timing on".into()),
                text("explore users\n", 5),
            ]
        );
        // A line starting with `.` inside a statement is part of it.
        assert_eq!(
            Pieces::split("users who\n.5 = x;"),
            vec![text("users who\n.5 = x;\n", 0)]
        );
        assert_eq!(Pieces::split("  \n# only a comment\n"), vec![]);
    }

    #[test]
    fn columns_that_are_not_plain_names_are_back_quoted() {
        assert_eq!(as_identifier("plan"), "plan");
        assert_eq!(as_identifier("geo.country"), "geo.country");
        assert_eq!(as_identifier("@usr.id"), "`@usr.id`");
        assert_eq!(as_identifier("count"), "`count`");
        assert_eq!(as_identifier("a`b c"), "`a``b c`");
    }

    #[test]
    fn aligned_rows_pad_every_column_but_the_last() {
        let rows = [
            ["a".to_string(), "bb".to_string()],
            ["ccc".to_string(), "d".to_string()],
        ];
        assert_eq!(align(&rows), "a    bb\nccc  d\n");
    }
}

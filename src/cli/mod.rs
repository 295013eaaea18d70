//! Argument parsing and the subcommands. Exit codes (LANGUAGE.md §9):
//! 0 success; 1 a data or runtime error, or `fmt --check` found a file to
//! change; 2 an error in the DSL text or the arguments.

/// `eprintln!` that never panics: a closed standard error (`2>&1 | head`)
/// must not turn a message into a crash.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod check;
#[cfg(feature = "cluster")]
mod cluster;
mod demo_data;
mod explain;
mod fmt;
mod prepare;
mod repl;
mod run;
mod setup;
mod sink;
mod sources;

use clap::{CommandFactory, Parser, Subcommand};
use segql::render::ErrorFormat;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Writes to stdout; false when the reader has gone away (`| head`), which
/// ends the output quietly rather than as an error.
pub fn print(text: &str) -> bool {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// A problem of the data or of a file the text names (exit 1), rather than
/// of the text or the arguments (exit 2).
pub fn is_data_or_file_error(d: &segql::Diagnostic) -> bool {
    segql::codes::is_data_error(d.code) || d.code == segql::codes::UNREADABLE_FILE
}

/// Exit status of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// A data or runtime error, or `fmt --check` found work to do.
    Failure,
    /// An error in the DSL text or in the arguments.
    Usage,
}

impl Status {
    /// The status a command ends with after `diagnostics`: a data or file
    /// error is a failure (1), any other error a usage error (2), warnings
    /// alone a success.
    pub fn of(diagnostics: &[segql::Diagnostic]) -> Status {
        if diagnostics.iter().any(is_data_or_file_error) {
            Status::Failure
        } else if diagnostics.iter().any(segql::Diagnostic::is_error) {
            Status::Usage
        } else {
            Status::Success
        }
    }

    pub fn worst(self, other: Status) -> Status {
        use Status::*;
        match (self, other) {
            (Usage, _) | (_, Usage) => Usage,
            (Failure, _) | (_, Failure) => Failure,
            _ => Success,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Usage => ExitCode::from(2),
        }
    }
}

const ABOUT: &str =
    "Define segments of users and accounts in a small language, and check, format and run them.";

const EXAMPLES: &str = "\
Examples:
  segql run examples/cart_abandoners.seg
  segql run -e 'users who viewed \"/cart\" then not action \"CHECKOUT\" within session'
  segql check examples/*.seg
  segql fmt --check examples/*.seg
  segql repl
  segql prepare --data shop/ --out shop-prepared/
  segql completions bash > /etc/bash_completion.d/segql

Exit status: 0 success; 1 data or runtime error, or `fmt --check` found a file to change;
2 an error in the segql text or in the arguments.";

#[derive(Debug, Parser)]
#[command(name = "segql", version, about = ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// How to write diagnostics: human (rustc style), plain (no colour) or json (one object per line).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human, value_name = "FORMAT")]
    pub error_format: ErrorFormat,

    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Run(run::RunArgs),
    Check(check::CheckArgs),
    Explain(explain::ExplainArgs),
    Fmt(fmt::FmtArgs),
    Repl(repl::ReplArgs),
    DemoData(demo_data::DemoDataArgs),
    Prepare(prepare::PrepareArgs),
    #[cfg(feature = "cluster")]
    Cluster(cluster::ClusterArgs),
    Completions(CompletionsArgs),
}

/// Print a shell completion script for segql.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql completions bash > ~/.local/share/bash-completion/completions/segql
  segql completions zsh > ~/.zfunc/_segql
  segql completions fish > ~/.config/fish/completions/segql.fish")]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How diagnostics are shown, shared by the subcommands.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: ErrorFormat,
    pub color: bool,
}

impl Output {
    /// Writes diagnostics about one source to stderr.
    pub fn diagnostics(&self, path: &str, source: &str, diagnostics: &[segql::Diagnostic]) {
        let mut text = String::new();
        for d in diagnostics {
            text.push_str(&segql::render::render(
                d,
                path,
                source,
                self.format,
                self.color,
            ));
            // A blank line between reports, as rustc does; JSON stays one
            // object per line.
            if self.format != ErrorFormat::Json {
                text.push('\n');
            }
        }
        let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
    }

    /// Writes a diagnostic that belongs to no source text (a missing file, a
    /// bad argument).
    pub fn error(&self, diagnostic: &segql::Diagnostic) {
        self.diagnostics("", "", std::slice::from_ref(diagnostic));
    }
}

/// Refuses, unless `force`, to write files named `names` into `out` where
/// one exists already: a usage error naming it.
pub fn refuse_to_replace(
    out: &std::path::Path,
    names: &[&str],
    force: bool,
    output: Output,
) -> Result<(), Status> {
    let Some(existing) = names.iter().map(|n| out.join(n)).find(|p| p.exists()) else {
        return Ok(());
    };
    if force {
        return Ok(());
    }
    output.error(
        &segql::Diagnostic::error(
            segql::codes::BAD_ARGUMENT,
            format!(
                "`{}` exists; segql does not replace data without being asked",
                existing.display()
            ),
        )
        .with_help("pass --force to replace it, or choose another --out folder"),
    );
    Err(Status::Usage)
}

/// Reports a failure of segql itself (a panic that reached the top): one
/// plain line and a hint, no backtrace.
pub fn internal_error(message: &str) {
    let message: String = message.chars().take(500).collect();
    note!(
        "error[internal-error]: segql stopped on an internal error: {message}\n  = help: this is a bug in segql; please report it with the command that caused it"
    );
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` are successes; anything else is a
            // usage error (exit 2), as clap itself reports it.
            let _ = err.print();
            return if err.use_stderr() {
                Status::Usage.into()
            } else {
                Status::Success.into()
            };
        }
    };
    let color = match cli.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let output = Output {
        format: cli.error_format,
        color,
    };
    let status = match cli.command {
        Command::Run(args) => run::run(args, output),
        Command::Check(args) => check::run(args, output),
        Command::Explain(args) => explain::run(args, output),
        Command::DemoData(args) => demo_data::run(args, output),
        Command::Prepare(args) => prepare::run(args, output),
        #[cfg(feature = "cluster")]
        Command::Cluster(args) => cluster::run(args, output),
        Command::Fmt(args) => fmt::run(args, output),
        Command::Repl(args) => repl::run(args, output),
        Command::Completions(args) => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "segql", &mut script);
            print(&String::from_utf8_lossy(&script));
            Status::Success
        }
    };
    status.into()
}

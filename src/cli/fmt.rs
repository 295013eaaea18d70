//! `segql fmt`: canonical formatting that keeps every comment.

use super::sources::{Source, read_source};
use super::{Output, Status};
use segql::{Diagnostic, codes};
use std::path::{Path, PathBuf};

/// Print segql files in canonical form (keywords lower case, one statement
/// per line or clause, comments kept).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql fmt examples/cart_abandoners.seg            # print the formatted file
  segql fmt --write examples/*.seg                  # rewrite the files in place
  segql fmt --check examples/*.seg                  # exit 1 if any would change

Exit status: 0 success; 1 when --check finds a file to change; 2 when a file does not parse.")]
pub struct FmtArgs {
    /// The .seg files to format (`-` reads standard input).
    #[arg(required = true, value_name = "FILE.seg")]
    pub files: Vec<PathBuf>,

    /// Rewrite the files in place instead of printing them.
    #[arg(long, short = 'w', conflicts_with = "check")]
    pub write: bool,

    /// Print nothing and exit 1 when a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: FmtArgs, output: Output) -> Status {
    let mut status = Status::Success;
    for path in &args.files {
        let source = match read_source(path) {
            Ok(source) => source,
            Err(d) => {
                output.error(&d);
                status = status.worst(Status::Usage);
                continue;
            }
        };
        let formatted = match format_source(&source) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                output.diagnostics(&source.display, &source.text, &diagnostics);
                status = status.worst(Status::Usage);
                continue;
            }
        };
        let changed = formatted != source.text;
        if args.check {
            if changed {
                note!("would reformat {}", source.display);
                status = status.worst(Status::Failure);
            }
        } else if args.write {
            if changed && path != Path::new("-") {
                if let Err(d) = write_atomically(path, &formatted) {
                    output.error(&d);
                    status = status.worst(Status::Failure);
                    continue;
                }
                note!("formatted {}", source.display);
            } else if path == Path::new("-") && !super::print(&formatted) {
                return status;
            }
        } else if !super::print(&formatted) {
            // The reader has gone (`| head`): nothing more to show.
            return status;
        }
    }
    status
}

/// Formats a source, and refuses to hand back text that would not parse to
/// the same program or that lost a comment: a formatter bug must never reach
/// a user's file.
fn format_source(source: &Source) -> Result<String, Vec<Diagnostic>> {
    let program = segql::parse(&source.text)?;
    let formatted = segql::format_program(&program, &source.text);
    let reparsed = segql::parse(&formatted)
        .map_err(|_| vec![formatter_bug("the formatted text does not parse")])?;
    if reparsed.statements != program.statements {
        return Err(vec![formatter_bug(
            "the formatted text means something else",
        )]);
    }
    let texts = |p: &segql::Program| {
        p.comments
            .iter()
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
    };
    if texts(&reparsed) != texts(&program) {
        return Err(vec![formatter_bug(
            "the formatted text lost or reordered a comment",
        )]);
    }
    Ok(formatted)
}

fn formatter_bug(what: &str) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("segql fmt refused to format this file: {what}"),
    )
    .with_note("this is a bug in segql; the file was left as it was")
    .with_help("please report it with the file attached")
}

/// Replaces `path` through a temporary file in the same folder, so an
/// interrupted write never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), Diagnostic> {
    let fail = |e: std::io::Error| {
        Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.segql-fmt.tmp"));
    std::fs::write(&tmp, text).map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

//! `segql fmt`: canonical formatting that keeps every comment.

use super::sources::{Source, for_each_source};
use super::{Output, Status};
use segql::{Diagnostic, codes};
use std::ops::ControlFlow;
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
    for_each_source(&args.files, output, |path, source| {
        let mut status = Status::Success;
        let stdin = path == Path::new("-");
        let result = if args.check || (args.write && !stdin) {
            is_formatted(&source).and_then(|formatted| {
                if formatted {
                    Ok(())
                } else if args.check {
                    note!("would reformat {}", source.display);
                    status = Status::Failure;
                    Ok(())
                } else {
                    write_atomically(path, &source)?;
                    note!("formatted {}", source.display);
                    Ok(())
                }
            })
        } else {
            let mut reader_gone = false;
            let printed = format_each(&source, |piece| {
                reader_gone = !super::print(piece);
                !reader_gone
            });
            if reader_gone {
                // The reader has gone (`| head`): nothing more to show.
                return ControlFlow::Break(Status::Success);
            }
            printed
        };
        if let Err(diagnostics) = result {
            let failed = Status::of(&diagnostics).worst(Status::Failure);
            output.diagnostics(&source.display, &source.text, &diagnostics);
            status = status.worst(failed);
        }
        ControlFlow::Continue(status)
    })
}

/// Formats a source one statement at a time, handing each piece of the
/// canonical text to `sink` (which returns false to stop): a file of any
/// length is formatted in the memory of its largest statement. A file that
/// does not parse gives its syntax errors and no piece. Each statement's
/// text is parsed back before it is handed on, and every comment must be
/// placed: a formatter bug must never reach a user's file.
fn format_each(source: &Source, mut sink: impl FnMut(&str) -> bool) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let comments = segql::syntax::parse_each(&source.text, |parsed| {
        if let Err(d) = parsed {
            errors.push(d);
        }
        ControlFlow::Continue(())
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut formatter = segql::syntax::ProgramFormatter::new(&source.text, &comments);
    let mut bug = None;
    let mut stopped = false;
    segql::syntax::parse_each(&source.text, |parsed| {
        let Ok(statement) = parsed else {
            return ControlFlow::Break(());
        };
        let pretty = format!("{statement:#}");
        match segql::parse(&pretty) {
            Ok(reparsed) if reparsed.statements == std::slice::from_ref(&statement) => {}
            Ok(_) => {
                bug = Some(formatter_bug("the formatted text means something else"));
                return ControlFlow::Break(());
            }
            Err(_) => {
                bug = Some(formatter_bug("the formatted text does not parse"));
                return ControlFlow::Break(());
            }
        }
        if sink(&formatter.push(statement)) {
            ControlFlow::Continue(())
        } else {
            stopped = true;
            ControlFlow::Break(())
        }
    });
    if let Some(bug) = bug {
        return Err(vec![bug]);
    }
    if stopped {
        return Ok(());
    }
    let rest = formatter.finish();
    if !formatter.all_comments_printed() {
        return Err(vec![formatter_bug(
            "the formatted text lost or reordered a comment",
        )]);
    }
    sink(&rest);
    Ok(())
}

/// Whether a source is already in canonical form, compared piece by piece.
fn is_formatted(source: &Source) -> Result<bool, Vec<Diagnostic>> {
    let mut at = 0;
    let mut same = true;
    format_each(source, |piece| {
        same = source.text.get(at..at + piece.len()) == Some(piece);
        at += piece.len();
        same
    })?;
    Ok(same && at == source.text.len())
}

fn formatter_bug(what: &str) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("segql fmt refused to format this file: {what}"),
    )
    .with_note("this is a bug in segql; the file was left as it was")
    .with_help("please report it with the file attached")
}

/// Replaces `path` with the canonical text of `source` through a temporary
/// file in the same folder, so an interrupted write never leaves half a
/// file, and the text is written as it is formatted.
fn write_atomically(path: &Path, source: &Source) -> Result<(), Vec<Diagnostic>> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        vec![Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )]
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
    let written = std::fs::File::create(&tmp).map_err(fail).and_then(|file| {
        let mut file = std::io::BufWriter::new(file);
        let mut error = None;
        format_each(source, |piece| match file.write_all(piece.as_bytes()) {
            Ok(()) => true,
            Err(e) => {
                error = Some(e);
                false
            }
        })?;
        match error {
            Some(e) => Err(fail(e)),
            None => file.flush().map_err(fail),
        }
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

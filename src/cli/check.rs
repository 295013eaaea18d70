//! `segql check`: every diagnostic of the files, before any data is read.

use super::sources::{library_without, load_library, read_source};
use super::{Output, Status};
use segql::Library;
use std::path::PathBuf;

/// Report every problem of segql files without running them.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql check examples/*.seg
  segql check --segments segments/ reports/weekly.seg
  echo 'users who viewed \"/cart\"' | segql check -
  segql check --error-format json examples/*.seg

Exit status: 0 when every file is clean, 2 when any has an error.")]
pub struct CheckArgs {
    /// The .seg files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE.seg")]
    pub files: Vec<PathBuf>,

    /// A folder of .seg files whose segment definitions the files may use.
    #[arg(long, value_name = "DIR")]
    pub segments: Option<PathBuf>,
}

pub fn run(args: CheckArgs, output: Output) -> Status {
    let library = match &args.segments {
        Some(dir) => match load_library(dir, output) {
            Some((library, _)) => library,
            None => return Status::Usage,
        },
        None => Library::new(),
    };
    let mut status = Status::Success;
    let mut checked = 0;
    for path in &args.files {
        let source = match read_source(path) {
            Ok(source) => source,
            Err(diagnostic) => {
                output.error(&diagnostic);
                status = status.worst(Status::Usage);
                continue;
            }
        };
        checked += 1;
        let library = library_without(&library, path);
        let (program, mut diagnostics) = segql::parse_lenient(&source.text);
        if diagnostics.is_empty() {
            diagnostics = segql::validate(&program, &library);
        }
        if diagnostics.iter().any(segql::Diagnostic::is_error) {
            status = status.worst(Status::Usage);
        }
        output.diagnostics(&source.display, &source.text, &diagnostics);
    }
    if status == Status::Success && output.format != segql::render::ErrorFormat::Json {
        let files = if checked == 1 { "file" } else { "files" };
        eprintln!("checked {checked} {files}: no errors");
    }
    status
}

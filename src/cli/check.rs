//! `segql check`: every diagnostic of the files, before any data is read.

use super::sources::{library_without, load_library, read_source};
use super::{Output, Status, is_data_or_file_error};
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
  segql check --data shop/ examples/*.seg          # also check columns and types

Exit status: 0 when every file is clean; 1 for a data error (data or a CSV
list that cannot be read, a missing required column); 2 for any other error.")]
pub struct CheckArgs {
    /// The .seg files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE.seg")]
    pub files: Vec<PathBuf>,

    /// A folder of .seg files whose segment definitions the files may use.
    #[arg(long, value_name = "DIR")]
    pub segments: Option<PathBuf>,

    /// With data flags, columns and types are also checked against the
    /// files' schemas (no data is read).
    #[command(flatten)]
    pub data: super::run::DataArgs,
}

pub fn run(args: CheckArgs, output: Output) -> Status {
    let library = match &args.segments {
        Some(dir) => match load_library(dir, output) {
            Some((library, _)) => library,
            None => return Status::Usage,
        },
        None => Library::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let engine = if args.data.spec().is_empty() {
        None
    } else {
        match runtime.block_on(segql::engine::Engine::open(
            &args.data.spec(),
            segql::engine::Resources::default(),
        )) {
            Ok(engine) => Some(engine),
            Err(d) => {
                output.error(&d);
                return Status::Failure;
            }
        }
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
        // One statement at a time: a file of any length is checked in the
        // memory of its largest statement.
        let (checked, mut diagnostics) = segql::text::CheckedText::check(&source.text, &library);
        if let Some(engine) = &engine
            && let Some(checked) = &checked
        {
            let base_dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            let options = segql::planner::PlanOptions {
                now_micros: 0,
                base_dir,
                engine: segql::planner::SequenceEngine::Portable,
                partitions: engine.partitions(),
            };
            match segql::planner::StatementResolver::new(&library, engine, &options) {
                Err(d) => diagnostics.push(d),
                Ok(mut resolver) => checked.for_each(&source.text, |statement| {
                    if let Err(found) = resolver.statement(statement) {
                        diagnostics.extend(found);
                    }
                    std::ops::ControlFlow::Continue(())
                }),
            }
        }
        // Data and file errors (a CSV list that cannot be read) are 1, as
        // `run` gives them; any other error 2, which wins.
        if diagnostics.iter().any(is_data_or_file_error) {
            status = status.worst(Status::Failure);
        }
        if diagnostics
            .iter()
            .any(|d| d.is_error() && !is_data_or_file_error(d))
        {
            status = status.worst(Status::Usage);
        }
        output.diagnostics(&source.display, &source.text, &diagnostics);
    }
    if status == Status::Success && output.format != segql::render::ErrorFormat::Json {
        let files = if checked == 1 { "file" } else { "files" };
        note!("checked {checked} {files}: no errors");
    }
    status
}

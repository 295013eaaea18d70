//! `segql check`: every diagnostic of the files, before any data is read.

use super::sources::{for_each_source, library_without, load_library};
use super::{Output, Status, is_data_or_file_error};
use segql::Library;
use segql::engine::{CheckedText, Runner, Statements};
use std::ops::ControlFlow;
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
    pub data: super::args::DataArgs,
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
            Ok(mut engine) => {
                args.data.adjust(&mut engine);
                Some(engine)
            }
            Err(d) => {
                output.error(&d);
                return if d.code == segql::codes::UNKNOWN_TIME_ZONE {
                    Status::Usage
                } else {
                    Status::Failure
                };
            }
        }
    };
    // The zone decides which instant a date alone is, so whether a range
    // between a date and a time is empty.
    let zone = match &engine {
        Some(engine) => match super::setup::decide_zone(&args.data, engine, output) {
            Ok(zone) => zone,
            Err(status) => return status,
        },
        None => match args.data.time_zone_flag(output) {
            Ok(zone) => zone.unwrap_or_default(),
            Err(status) => return status,
        },
    };
    let mut checked = 0;
    let status = for_each_source(&args.files, output, |path, source| {
        checked += 1;
        let library = library_without(&library, path);
        // One statement at a time: a file of any length is checked in the
        // memory of its largest statement.
        let (checked, mut diagnostics) = CheckedText::check(&source.text, &library);
        if let Some(engine) = &engine
            && let Some(checked) = &checked
        {
            let base_dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            // Nothing runs: `now` changes no diagnostic.
            let options = segql::planner::PlanOptions {
                now_micros: 0,
                base_dir,
                engine: segql::planner::SequenceEngine::Portable,
                partitions: engine.partitions(),
                zone: zone.clone(),
                prune_by_storage: true,
            };
            let statements = Statements::Text {
                source: &source.text,
                checked,
            };
            diagnostics
                .extend(Runner::new(statements, &library, engine, &options).resolve_problems());
        }
        output.diagnostics(&source.display, &source.text, &diagnostics);
        // Data and file errors (a CSV list that cannot be read) are 1, as
        // `run` gives them; any other error 2, which wins.
        let mut status = Status::Success;
        if diagnostics.iter().any(is_data_or_file_error) {
            status = status.worst(Status::Failure);
        }
        if diagnostics
            .iter()
            .any(|d| d.is_error() && !is_data_or_file_error(d))
        {
            status = status.worst(Status::Usage);
        }
        ControlFlow::Continue(status)
    });
    if status == Status::Success && output.format != segql::render::ErrorFormat::Json {
        let files = if checked == 1 { "file" } else { "files" };
        note!("checked {checked} {files}: no errors");
    }
    status
}

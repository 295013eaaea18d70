//! `segql prepare`: a dataset rewritten into the layout segql reads
//! fastest (sorted by actor and time, Parquet with statistics, page index
//! and bloom filters, the order declared in the files).

use super::args::{MemoryLimit, SourceArgs};
use super::setup::runtime;
use super::{Output, Status};
use segql::engine::{Engine, Resources};
use segql::planner::TableRole;
use segql::{Diagnostic, codes};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// Rewrite a dataset into the layout segql runs fastest on.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Rewrites each table of the data (Parquet, CSV or NDJSON; a file, a glob or a folder) as one
Parquet file in OUT: the events sorted by user and time, the users and accounts by their key;
zstd, dictionary-encoded text, page statistics and a page index, bloom filters on the event
type and name, row groups of at most 1,048,576 rows (at least two per thread; the events'
groups end between two users, so a run of groups holds whole users), and the sort order
declared in the files. The sort spills to temporary files under --memory-limit, so data
larger than memory is prepared in bounded memory. Column names and types are kept: the same
schema mapping (--schema) reads the prepared data.

Examples:
  segql prepare --data shop/ --out shop-prepared/
  segql prepare --events 'logs/*.csv' --users users.csv --schema rum.toml --out rum/
  segql run --data shop-prepared/ examples/cart_abandoners.seg

Exit status: 0 success; 1 a data or file error; 2 an error in the arguments (OUT's files exist
without --force).")]
pub struct PrepareArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The folder to write events.parquet, users.parquet and
    /// accounts.parquet into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the files in OUT if they exist.
    #[arg(long)]
    pub force: bool,
    /// Threads to read, sort and write on (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Memory the sort may hold before spilling to temporary files, e.g.
    /// 512M, 4G, or `none`.
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = super::args::parse_memory_limit)]
    pub memory_limit: MemoryLimit,
    /// Rows per row group (default: at most 1,048,576, at least two groups
    /// per thread, and no fewer than 65,536 rows). An events group grows
    /// past it to the end of its last user's events, up to twice as many.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=(1 << 26)))]
    pub row_group_rows: Option<u64>,
}

pub fn run(args: PrepareArgs, output: Output) -> Status {
    let started = Instant::now();
    let spec = args.source.spec();
    if spec.data_dir.is_none() && spec.events.is_none() {
        output.error(
            &Diagnostic::error(codes::BAD_ARGUMENT, "prepare needs data to rewrite")
                .with_help("pass --data DIR, or --events PATH (and --users, --accounts)"),
        );
        return Status::Usage;
    }
    let resources = Resources {
        threads: args.threads.map(usize::from),
        memory_limit: args.memory_limit.0,
        ..Resources::default()
    };
    let rt = runtime();
    let engine = match rt.block_on(Engine::open(&spec, resources)) {
        Ok(engine) => engine,
        Err(d) => {
            output.error(&d);
            return if d.code == codes::BAD_ARGUMENT {
                Status::Usage
            } else {
                Status::Failure
            };
        }
    };
    let names = segql::engine::prepare::prepared_file_names(&engine);
    let file_names: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    if let Err(status) = super::refuse_to_replace(&args.out, &file_names, args.force, output) {
        return status;
    }
    if let Some(input) = engine
        .input_files()
        .iter()
        .find(|f| names.iter().any(|(_, n)| same_file(&args.out.join(n), f)))
    {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "`{}` is both read and written: prepare cannot rewrite data in place",
                    input.display()
                ),
            )
            .with_help("choose an --out folder other than the data's"),
        );
        return Status::Usage;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        output.error(&Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot create the folder `{}`: {e}", args.out.display()),
        ));
        return Status::Failure;
    }
    let bar = Progress::new();
    let row_group_rows = args.row_group_rows.map(|n| n as usize);
    let prepared = rt.block_on(engine.prepare(
        &args.out,
        row_group_rows,
        &|role, written, total| bar.show(role, written, total),
    ));
    bar.finish();
    match prepared {
        Ok(tables) => {
            for table in &tables {
                let order = if table.sorted_by.is_empty() {
                    String::new()
                } else {
                    format!(", sorted by {}", table.sorted_by.join(", "))
                };
                note!(
                    "wrote {} ({} rows in {} row groups{order})",
                    table.path.display(),
                    table.rows,
                    table.row_groups
                );
            }
            note!("prepared in {:.1} s", started.elapsed().as_secs_f64());
            Status::Success
        }
        Err(d) => {
            output.error(&d);
            Status::Failure
        }
    }
}

/// Whether two paths name one file (the second may not exist yet).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A progress bar per table on standard error, drawn only on a terminal.
struct Progress {
    bar: Mutex<Option<(TableRole, indicatif::ProgressBar)>>,
}

impl Progress {
    fn new() -> Self {
        Progress {
            bar: Mutex::new(None),
        }
    }

    fn show(&self, role: TableRole, written: u64, total: u64) {
        let Ok(mut current) = self.bar.lock() else {
            return;
        };
        if current.as_ref().is_none_or(|(r, _)| *r != role) {
            if let Some((_, old)) = current.take() {
                old.finish();
            }
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix:>9} {bar:30} {pos}/{len} rows, {elapsed}, {eta} left",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(role.name().to_string());
            *current = Some((role, bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set_position(written);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.bar.lock()
            && let Some((_, bar)) = current.take()
        {
            bar.finish();
        }
    }
}

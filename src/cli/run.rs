//! `segql run` and `segql explain`: segments over data.

use super::sources::{load_library, read_source};
use super::{Output, Status, print};
use segql::executor::output::{self, OutputFormat};
use segql::executor::{DataSpec, Engine, demo::DemoConfig};
use segql::planner::{PlanOptions, SequenceEngine};
use segql::{Diagnostic, Library, Program, codes};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the data comes from. Without any of these, the built-in demo
/// dataset (a small online shop) is used.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// A folder with events.*, users.*, accounts.* (Parquet, CSV or NDJSON).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The events table: a file, a glob or a folder.
    #[arg(long, value_name = "PATH")]
    pub events: Option<String>,
    /// The users table: a file, a glob or a folder.
    #[arg(long, value_name = "PATH")]
    pub users: Option<String>,
    /// The accounts table: a file, a glob or a folder.
    #[arg(long, value_name = "PATH")]
    pub accounts: Option<String>,
    /// A schema mapping (TOML) from the model's column names to the data's.
    #[arg(long, value_name = "MAP.toml")]
    pub schema: Option<PathBuf>,
    /// Threads to run queries on (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Memory the buffering operators (the sequence matcher, aggregates,
    /// sorts) may hold before spilling to temporary files, e.g. 512M, 4G,
    /// or `none` for no limit.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_memory_limit)]
    pub memory_limit: MemoryLimit,
}

/// `--memory-limit`: bytes, or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit(pub Option<usize>);

fn parse_memory_limit(text: &str) -> Result<MemoryLimit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(MemoryLimit(None));
    }
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let number: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write e.g. 512M, 4G or none"))?;
    let scale: usize = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("`{text}` has an unknown unit: use K, M, G or T")),
    };
    match number.checked_mul(scale) {
        Some(bytes) if bytes >= 16 << 20 => Ok(MemoryLimit(Some(bytes))),
        Some(_) => Err(format!(
            "`{text}` is too little memory to run queries: give at least 16M"
        )),
        None => Err(format!("`{text}` is too large")),
    }
}

impl DataArgs {
    pub fn resources(&self) -> segql::executor::Resources {
        segql::executor::Resources {
            threads: self.threads.map(usize::from),
            memory_limit: self.memory_limit.0,
        }
    }

    pub fn spec(&self) -> DataSpec {
        DataSpec {
            data_dir: self.data.clone(),
            events: self.events.clone(),
            users: self.users.clone(),
            accounts: self.accounts.clone(),
            schema: self.schema.clone(),
        }
    }
}

/// The segql text to run: a file or `-e TEXT`.
#[derive(Debug, Clone, clap::Args)]
pub struct TextArgs {
    /// A .seg file (`-` reads standard input).
    #[arg(
        value_name = "FILE.seg",
        required_unless_present = "expression",
        conflicts_with = "expression"
    )]
    pub file: Option<PathBuf>,
    /// segql text given on the command line.
    #[arg(short = 'e', long = "expr", value_name = "TEXT")]
    pub expression: Option<String>,
    #[command(flatten)]
    pub session: SessionArgs,
}

/// What a text is planned with besides the data: shared by `run`,
/// `explain` and `repl`.
#[derive(Debug, Clone, clap::Args)]
pub struct SessionArgs {
    /// A folder of .seg files whose segment definitions the text may use.
    #[arg(long, value_name = "DIR")]
    pub segments: Option<PathBuf>,
    /// `now` for relative ranges (`during last 7 days`), e.g. 2026-06-01,
    /// 2026-06-01T00:00:00Z or 2026-06-01T02:00:00+02:00; defaults to the end
    /// of the demo dataset, or to the wall clock with your own data.
    #[arg(long, value_name = "TIMESTAMP")]
    pub now: Option<String>,
    /// How sequences and funnels run: native (one pass per actor in time
    /// order) or portable (standard window functions and joins, the plan
    /// SQL export uses). Both give the same answers.
    #[arg(long, value_enum, default_value_t = EngineArg::Native, value_name = "ENGINE")]
    pub engine: EngineArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    Native,
    Portable,
}

impl From<EngineArg> for SequenceEngine {
    fn from(arg: EngineArg) -> Self {
        match arg {
            EngineArg::Native => SequenceEngine::Native,
            EngineArg::Portable => SequenceEngine::Portable,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Table,
    Csv,
    Json,
    Ndjson,
}

/// Run segments (and, when available, analyses) over data.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql run examples/cart_abandoners.seg
  segql run -e 'users who viewed \"/cart\" then not action \"CHECKOUT\" within session' --count
  segql run --data shop/ --format csv examples/premium_customers.seg
  segql run --events 'logs/*.parquet' --schema rum.toml -e 'users who viewed \"/cart\"'
  segql run -o members.parquet -e 'users who have plan = \"premium\"'
  segql run --chart funnel.svg -e 'funnel viewed \"/cart\" then action \"CHECKOUT\" by device'

Without --data, --events, --users or --accounts, segql runs on its built-in demo dataset
(an online shop, 2026-01-01 to 2026-03-31), and `now` is the end of that dataset.

Exit status: 0 success; 1 a data or runtime error; 2 an error in the segql text or the arguments.")]
pub struct RunArgs {
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// How to print results.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the result to a file instead (.parquet, .csv, .json, .ndjson); replaces the file.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Print only the number of members of each segment query.
    #[arg(long, conflicts_with_all = ["output", "chart"])]
    pub count: bool,
    /// Write a chart of the analysis as SVG (bars for funnels, a heat map
    /// for retention, lines for explore over time, ranked bars for paths).
    #[arg(long, value_name = "OUT.svg")]
    pub chart: Option<PathBuf>,
    /// Draw analyses in the terminal (bars, cohort triangle, sparklines)
    /// above their table: auto draws when stdout is a terminal.
    #[arg(long, value_enum, default_value_t = PicturesWhen::Auto, value_name = "WHEN")]
    pub pictures: PicturesWhen,
    /// Print where the time went to standard error: reading the text,
    /// opening the data, planning, and per query DataFusion's planning,
    /// the run (with CPU time in scans, the sequence matcher and other
    /// operators) and the output.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PicturesWhen {
    Auto,
    Always,
    Never,
}

/// Print the DataFusion plan of each query.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql explain examples/cart_abandoners.seg
  segql explain --optimized -e 'users who viewed \"/cart\" then action \"CHECKOUT\"'
  segql explain --physical --data shop/ examples/premium_customers.seg
  segql explain --analyze --engine portable examples/cart_abandoners.seg
  segql explain --sql postgres examples/cart_abandoners.seg

--sql writes each query as SQL over the tables events, users and accounts, from the
portable plan whatever --engine says; `now` and CSV lists are written into the SQL.
mysql and sqlite are best effort.")]
pub struct ExplainArgs {
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the plan after DataFusion's optimizer.
    #[arg(long, conflicts_with = "physical")]
    pub optimized: bool,
    /// Print the physical plan.
    #[arg(long)]
    pub physical: bool,
    /// Run each query and print its physical plan with each operator's
    /// metrics (rows, time).
    #[arg(long, conflicts_with_all = ["optimized", "physical"])]
    pub analyze: bool,
    /// Print each query as SQL in this dialect instead of a plan.
    #[arg(
        long,
        value_enum,
        value_name = "DIALECT",
        conflicts_with_all = ["optimized", "physical", "analyze"]
    )]
    pub sql: Option<SqlDialectArg>,
}

/// `--sql`: the dialects of SQL export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlDialectArg {
    /// DataFusion's own SQL.
    Default,
    Postgres,
    Duckdb,
    /// Best effort.
    Mysql,
    /// Best effort.
    Sqlite,
}

impl From<SqlDialectArg> for segql::export::SqlDialect {
    fn from(arg: SqlDialectArg) -> Self {
        use segql::export::SqlDialect;
        match arg {
            SqlDialectArg::Default => SqlDialect::Default,
            SqlDialectArg::Postgres => SqlDialect::Postgres,
            SqlDialectArg::Duckdb => SqlDialect::DuckDb,
            SqlDialectArg::Mysql => SqlDialect::MySql,
            SqlDialectArg::Sqlite => SqlDialect::Sqlite,
        }
    }
}

/// Write the built-in demo dataset as Parquet files.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql demo-data --out shop/
  segql demo-data --out big/ --users 1000000 --days 90 --seed 7
  segql run --data shop/ examples/cart_abandoners.seg")]
pub struct DemoDataArgs {
    /// The folder to write events.parquet, users.parquet and accounts.parquet into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of users (about 80 events each over 90 days).
    #[arg(long, default_value_t = DemoConfig::default().users, value_parser = clap::value_parser!(u64).range(1..))]
    pub users: u64,
    /// Number of days of activity, from 2026-01-01 (at most ten years).
    #[arg(long, default_value_t = DemoConfig::default().days, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = DemoConfig::default().seed)]
    pub seed: u64,
    /// Replace the files if they exist.
    #[arg(long)]
    pub force: bool,
}

/// A checked program, ready to run.
struct Loaded {
    display: String,
    text: String,
    program: Program,
    library: Library,
    base_dir: PathBuf,
}

fn load_text(args: &TextArgs, output: Output) -> Result<Loaded, Status> {
    let (display, text, base_dir) = match (&args.file, &args.expression) {
        (_, Some(text)) => ("<expr>".to_string(), text.clone(), PathBuf::from(".")),
        (Some(path), None) => {
            let source = read_source(path).map_err(|d| {
                output.error(&d);
                Status::Usage
            })?;
            let base = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty() && path != Path::new("-"))
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            (source.display, source.text, base)
        }
        (None, None) => unreachable!("clap requires a file or -e"),
    };
    let library = match &args.session.segments {
        Some(dir) => load_library(dir, output)
            .map(|(l, _)| l)
            .ok_or(Status::Usage)?,
        None => Library::new(),
    };
    let program = match segql::parse(&text) {
        Ok(p) => p,
        Err(diagnostics) => {
            output.diagnostics(&display, &text, &diagnostics);
            return Err(Status::Usage);
        }
    };
    let diagnostics = segql::validate(&program, &library);
    if !diagnostics.is_empty() {
        output.diagnostics(&display, &text, &diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Status::Usage);
        }
    }
    Ok(Loaded {
        display,
        text,
        program,
        library,
        base_dir,
    })
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::STACK_BYTES)
        .build()
        .expect("a tokio runtime starts")
}

pub(super) async fn open_engine(data: &DataArgs) -> Result<Engine, Diagnostic> {
    let spec = data.spec();
    if spec.is_empty() {
        if let Some(schema) = &spec.schema {
            return Err(Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!(
                    "--schema {} needs data: pass --data DIR or --events FILE",
                    schema.display()
                ),
            ));
        }
        Engine::demo(&DemoConfig::default(), data.resources())
    } else {
        Engine::open(&spec, data.resources()).await
    }
}

/// Opens the data and fixes `now`: what planning a loaded text needs.
async fn prepare(
    data: &DataArgs,
    text: &TextArgs,
    loaded: &Loaded,
    output: Output,
) -> Result<(Engine, PlanOptions), Status> {
    let engine = open_engine(data).await.map_err(|d| {
        output.error(&d);
        if d.code == codes::BAD_ARGUMENT {
            Status::Usage
        } else {
            Status::Failure
        }
    })?;
    let now = now_micros(&text.session.now, &engine).map_err(|d| {
        output.error(&d);
        Status::Usage
    })?;
    let options = PlanOptions {
        now_micros: now,
        base_dir: loaded.base_dir.clone(),
        engine: text.session.engine.into(),
    };
    Ok((engine, options))
}

/// A date or timestamp as the DSL writes it (UTC), or a timestamp with a
/// `±HH:MM` offset, in microseconds since the epoch.
fn instant_with_offset(text: &str) -> Option<i64> {
    if let Some(micros) = segql::syntax::parse_instant(text) {
        return Some(micros);
    }
    let split = text
        .len()
        .checked_sub(6)
        .filter(|&at| text.is_char_boundary(at))?;
    let (local, offset) = text.split_at(split);
    let sign = match offset.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = offset[1..].split_once(':')?;
    let digits = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (hours, minutes) = (digits(hours)?, digits(minutes)?);
    if !local.contains('T') || hours > 23 || minutes > 59 {
        return None;
    }
    let utc = segql::syntax::parse_instant(&format!("{local}Z"))?;
    Some(utc - sign * (hours * 60 + minutes) * 60_000_000)
}

/// `now`: the flag, the dataset's own, or the wall clock.
pub(super) fn now_micros(flag: &Option<String>, engine: &Engine) -> Result<i64, Diagnostic> {
    if let Some(text) = flag {
        return instant_with_offset(text).ok_or_else(|| {
            Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!("--now `{text}` is not a date or an RFC 3339 timestamp"),
            )
            .with_help("write it as 2026-06-01, 2026-06-01T00:00:00Z or 2026-06-01T02:00:00+02:00")
        });
    }
    if let Some(now) = engine.default_now_micros {
        return Ok(now);
    }
    Ok(segql::embed::wall_clock_micros())
}

/// Reports diagnostics about the text; the status is 1 when any is a data
/// error, else 2.
fn report(output: Output, loaded: &Loaded, diagnostics: &[Diagnostic]) -> Status {
    output.diagnostics(&loaded.display, &loaded.text, diagnostics);
    Status::of(diagnostics)
}

pub fn run(args: RunArgs, output: Output) -> Status {
    let started = Instant::now();
    let loaded = match load_text(&args.text, output) {
        Ok(l) => l,
        Err(status) => return status,
    };
    let queries = loaded
        .program
        .statements
        .iter()
        .filter(|s| !matches!(s.kind, segql::syntax::StatementKind::Define(_)))
        .count();
    if args.count
        && let Some(analysis) = loaded.program.statements.iter().find(|s| {
            !matches!(
                s.kind,
                segql::syntax::StatementKind::Define(_) | segql::syntax::StatementKind::Segment(_)
            )
        })
    {
        let d = Diagnostic::error(
            codes::BAD_ARGUMENT,
            "--count counts the members of segments, but this is an analysis",
        )
        .with_span(analysis.span)
        .with_label("an analysis has no members to count")
        .with_help("drop --count to see the analysis");
        output.diagnostics(&loaded.display, &loaded.text, &[d]);
        return Status::Usage;
    }
    let file_format = match &args.output {
        Some(path) => {
            if queries != 1 {
                output.error(
                    &Diagnostic::error(
                        codes::BAD_ARGUMENT,
                        format!("-o writes one result, but the text has {queries} queries"),
                    )
                    .with_help("keep one query in the text (definitions are fine), or print the results instead"),
                );
                return Status::Usage;
            }
            match OutputFormat::for_file(path) {
                Some(f) => Some(f),
                None => {
                    output.error(
                        &Diagnostic::error(
                            codes::BAD_ARGUMENT,
                            format!(
                                "cannot tell the format of `{}` from its extension",
                                path.display()
                            ),
                        )
                        .with_help("name the file .parquet, .csv, .json or .ndjson"),
                    );
                    return Status::Usage;
                }
            }
        }
        None => None,
    };
    let analyses = loaded
        .program
        .statements
        .iter()
        .filter(|s| {
            !matches!(
                s.kind,
                segql::syntax::StatementKind::Define(_) | segql::syntax::StatementKind::Segment(_)
            )
        })
        .count();
    if args.chart.is_some() && (analyses != 1 || queries != 1) {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!("--chart draws one analysis, but the text has {queries} queries of which {analyses} are analyses"),
            )
            .with_help("keep one funnel, retention, paths or explore query in the text (definitions are fine)"),
        );
        return Status::Usage;
    }
    let pictures = match args.pictures {
        PicturesWhen::Always => true,
        PicturesWhen::Never => false,
        PicturesWhen::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let rt = runtime();
    rt.block_on(async {
        let text_read = started.elapsed();
        let (engine, options) = match prepare(&args.data, &args.text, &loaded, output).await {
            Ok(ready) => ready,
            Err(status) => return status,
        };
        let data_opened = started.elapsed();
        // Counting needs the member keys alone: no profile columns, no sort.
        let members = if args.count {
            segql::execute::MemberRows::KeysOnly
        } else {
            segql::execute::MemberRows::Full
        };
        let plans = match segql::execute::plan_program_as(
            &loaded.program,
            &loaded.library,
            &engine,
            &options,
            members,
        ) {
            Ok(p) => p,
            Err(diagnostics) => return report(output, &loaded, &diagnostics),
        };
        if let Err(d) = engine.check_events_not_empty().await {
            output.error(&d);
            return Status::Failure;
        }
        if args.timings {
            note!(
                "timings: text {:.3} s, data opened {:.3} s, planned {:.3} s (since start)",
                text_read.as_secs_f64(),
                (data_opened - text_read).as_secs_f64(),
                (started.elapsed() - data_opened).as_secs_f64(),
            );
        }
        let mut first = true;
        for (index, (query, plan)) in plans.into_iter().enumerate() {
            let outcome = match segql::execute::execute(&engine, &query, plan).await {
                Ok(o) => o,
                Err(d) => {
                    output.error(&d);
                    return Status::Failure;
                }
            };
            if !outcome.warnings.is_empty() {
                output.diagnostics(&loaded.display, &loaded.text, &outcome.warnings);
            }
            let output_started = Instant::now();
            let report_timings = || {
                if args.timings {
                    note!(
                        "{}",
                        timings_line(index + 1, &outcome, output_started.elapsed())
                    );
                }
            };
            if !first && args.output.is_none() && !print("\n") {
                return Status::Success;
            }
            first = false;
            if args.count {
                if !print(&format!("{}\n", outcome.rows())) {
                    return Status::Success;
                }
                report_timings();
                continue;
            }
            // Tables, pictures and charts show the result with the periods
            // of a retention after the end of the data blank.
            let table = args.output.is_none() && args.format == FormatArg::Table;
            let shown = if table || args.chart.is_some() {
                match outcome.shown(&engine).await {
                    Ok(shown) => Some(shown),
                    Err(d) => {
                        output.error(&d);
                        return Status::Failure;
                    }
                }
            } else {
                None
            };
            if let Some(path) = &args.chart
                && let Some(shown) = &shown
                && let Err(d) = write_chart(path, &outcome, shown)
            {
                output.error(&d);
                return Status::Failure;
            }
            if pictures
                && table
                && let Some(shown) = &shown
                && let Some(picture) = picture(&outcome, shown, output.color)
                && !print(&format!("{picture}\n"))
            {
                return Status::Success;
            }
            let written = match (&args.output, file_format) {
                (Some(path), Some(format)) => write_file(path, format, &outcome),
                _ => {
                    let format = match args.format {
                        FormatArg::Table => OutputFormat::Table,
                        FormatArg::Csv => OutputFormat::Csv,
                        FormatArg::Json => OutputFormat::Json,
                        FormatArg::Ndjson => OutputFormat::NdJson,
                    };
                    let (batches, schema) = match (&shown, format) {
                        (Some(shown), OutputFormat::Table) => (&shown.batches, &shown.schema),
                        _ => (&outcome.batches, &outcome.schema),
                    };
                    let mut stdout = std::io::BufWriter::new(std::io::stdout());
                    output::write(batches, schema, format, &mut stdout)
                        .and_then(|()| std::io::Write::flush(&mut stdout).map_err(Into::into))
                        .map_err(|e| {
                            Diagnostic::error(
                                codes::UNWRITABLE_FILE,
                                format!("cannot write the result: {e}"),
                            )
                        })
                }
            };
            if let Err(d) = written {
                // A reader that stopped early (`| head`) is not an error.
                if d.message.contains("Broken pipe") {
                    return Status::Success;
                }
                output.error(&d);
                return Status::Failure;
            }
            report_timings();
        }
        if args.timings {
            note!("timings: total {:.3} s", started.elapsed().as_secs_f64());
        }
        Status::Success
    })
}

/// One query's `--timings` line.
fn timings_line(
    number: usize,
    outcome: &segql::execute::Outcome,
    output: std::time::Duration,
) -> String {
    let t = &outcome.timings;
    format!(
        "timings: query {number}: DataFusion planning {:.3} s, run {:.3} s \
         (CPU: scan {:.3} s, sequence matcher {:.3} s, other operators {:.3} s), \
         output {:.3} s, {} rows",
        t.planning.as_secs_f64(),
        t.execution.as_secs_f64(),
        t.scan.as_secs_f64(),
        t.matching.as_secs_f64(),
        t.other.as_secs_f64(),
        output.as_secs_f64(),
        outcome.rows(),
    )
}

/// A terminal drawing of an analysis result, from the rows as `shown`.
pub(super) fn picture(
    outcome: &segql::execute::Outcome,
    shown: &segql::execute::Shown,
    color: bool,
) -> Option<String> {
    use segql::execute::OutcomeKind;
    use segql::executor::present;
    let width = terminal_width();
    let (batches, schema) = (&shown.batches, &shown.schema);
    match outcome.kind {
        OutcomeKind::Members => None,
        OutcomeKind::Funnel => Some(present::funnel_bars(batches, schema, width)),
        OutcomeKind::Retention => Some(present::retention_triangle(batches, schema, color)),
        OutcomeKind::Paths => Some(present::paths_bars(batches, schema, width)),
        OutcomeKind::Explore => present::explore_sparklines(batches, schema),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}

fn write_chart(
    path: &Path,
    outcome: &segql::execute::Outcome,
    shown: &segql::execute::Shown,
) -> Result<(), Diagnostic> {
    use segql::execute::OutcomeKind;
    use segql::executor::chart::{ChartKind, svg_chart};
    let kind = match outcome.kind {
        OutcomeKind::Funnel => ChartKind::Funnel,
        OutcomeKind::Retention => ChartKind::Retention(outcome.retention.map(|r| r.period)),
        OutcomeKind::Paths => ChartKind::Paths,
        OutcomeKind::Explore => ChartKind::Explore,
        OutcomeKind::Members => {
            return Err(Diagnostic::error(
                codes::BAD_ARGUMENT,
                "--chart draws analyses; a segment's members have no chart",
            ));
        }
    };
    let svg = svg_chart(kind, &shown.batches, &shown.schema)
        .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot draw the chart: {e}")))?;
    std::fs::write(path, svg).map_err(|e| {
        Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )
    })?;
    note!("wrote the chart to {}", path.display());
    Ok(())
}

fn write_file(
    path: &Path,
    format: OutputFormat,
    outcome: &segql::execute::Outcome,
) -> Result<(), Diagnostic> {
    let fail = |e: String| {
        Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )
    };
    let mut file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    output::write(&outcome.batches, &outcome.schema, format, &mut file)
        .map_err(|e| fail(e.to_string()))?;
    let rows = outcome.rows();
    let noun = if rows == 1 { "row" } else { "rows" };
    note!("wrote {rows} {noun} to {}", path.display());
    Ok(())
}

pub fn explain(args: ExplainArgs, output: Output) -> Status {
    let loaded = match load_text(&args.text, output) {
        Ok(l) => l,
        Err(status) => return status,
    };
    let rt = runtime();
    rt.block_on(async {
        let (engine, mut options) = match prepare(&args.data, &args.text, &loaded, output).await {
            Ok(ready) => ready,
            Err(status) => return status,
        };
        if args.sql.is_some() {
            // The native engine's aggregates have no SQL form.
            options.engine = SequenceEngine::Portable;
        }
        let plans =
            match segql::execute::plan_program(&loaded.program, &loaded.library, &engine, &options)
            {
                Ok(p) => p,
                Err(diagnostics) => return report(output, &loaded, &diagnostics),
            };
        for (i, (query, plan)) in plans.into_iter().enumerate() {
            let statement = &loaded.text[query.span.start..query.span.end];
            let header = format!(
                "{}-- {}\n",
                if i > 0 { "\n" } else { "" },
                statement.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            if !print(&header) {
                return Status::Success;
            }
            let text = if let Some(dialect) = args.sql {
                match segql::export::plan_to_sql(&engine, &plan, dialect.into()).await {
                    Ok(sql) => format!("{sql};"),
                    Err(d) => {
                        // Not the text's fault: the plan (or a CSV list)
                        // could not be written as SQL.
                        let d = d.with_span(query.span).with_label("this query");
                        output.diagnostics(&loaded.display, &loaded.text, &[d]);
                        return Status::Failure;
                    }
                }
            } else if args.analyze {
                match engine.analyze(plan).await {
                    Ok(t) => t,
                    Err(d) => {
                        output.error(&d);
                        return Status::Failure;
                    }
                }
            } else if args.optimized || args.physical {
                match engine.explain(plan, args.physical).await {
                    Ok(t) => t,
                    Err(d) => {
                        output.error(&d);
                        return Status::Failure;
                    }
                }
            } else {
                plan.display_indent().to_string()
            };
            if !print(&format!("{}\n", text.trim_end())) {
                return Status::Success;
            }
        }
        Status::Success
    })
}

pub fn demo_data(args: DemoDataArgs, output: Output) -> Status {
    let names = ["events.parquet", "users.parquet", "accounts.parquet"];
    if !args.force
        && let Some(existing) = names.iter().map(|n| args.out.join(n)).find(|p| p.exists())
    {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "`{}` exists; segql does not replace data without being asked",
                    existing.display()
                ),
            )
            .with_help("pass --force to replace it, or choose another --out folder"),
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
    let config = DemoConfig {
        users: args.users,
        days: args.days,
        seed: args.seed,
    };
    match segql::executor::demo::write_parquet(&args.out, &config) {
        Ok(summary) => {
            note!(
                "wrote {} events in {} sessions, {} users and {} accounts to {}",
                summary.events,
                summary.sessions,
                summary.users,
                summary.accounts,
                args.out.display()
            );
            Status::Success
        }
        Err(e) => {
            output.error(&Diagnostic::error(
                codes::UNWRITABLE_FILE,
                e.message().to_string(),
            ));
            Status::Failure
        }
    }
}

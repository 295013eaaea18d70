//! `segql run` and `segql explain`: segments over data.

use super::sources::{load_library, read_source};
use super::{Output, Status, print};
use segql::demo::DemoConfig;
use segql::engine::{DataSpec, Engine};
use segql::planner::{PlanOptions, SequenceEngine};
use segql::present::AnalysisKind;
use segql::present::output::{self, OutputFormat};
use segql::text::CheckedText;
use segql::{Diagnostic, Library, codes};
use std::ops::ControlFlow;
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
    pub fn resources(&self) -> segql::engine::Resources {
        segql::engine::Resources {
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
    /// What the passes over the text learned; its statements are parsed
    /// again one at a time when they run.
    checked: CheckedText,
    library: Library,
    base_dir: PathBuf,
    /// The text's file and the library's files: inputs too.
    files: Vec<PathBuf>,
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
    let mut files: Vec<PathBuf> = args
        .file
        .iter()
        .filter(|path| path.as_path() != Path::new("-"))
        .cloned()
        .collect();
    let library = match &args.session.segments {
        Some(dir) => {
            let (library, library_files) = load_library(dir, output).ok_or(Status::Usage)?;
            files.extend(library_files);
            library
        }
        None => Library::new(),
    };
    let (checked, diagnostics) = CheckedText::check(&text, &library);
    if !diagnostics.is_empty() {
        output.diagnostics(&display, &text, &diagnostics);
    }
    let Some(checked) = checked else {
        return Err(Status::Usage);
    };
    Ok(Loaded {
        display,
        text,
        checked,
        library,
        base_dir,
        files,
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
        partitions: engine.partitions(),
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

/// "1 query", "3 queries".
fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(args: RunArgs, output: Output) -> Status {
    let started = Instant::now();
    let loaded = match load_text(&args.text, output) {
        Ok(l) => l,
        Err(status) => return status,
    };
    let queries = loaded.checked.queries;
    let analyses = loaded.checked.analyses;
    if args.count
        && let Some(analysis) = loaded.checked.first_analysis
    {
        let d = Diagnostic::error(
            codes::BAD_ARGUMENT,
            "--count counts the members of segments, but this is an analysis",
        )
        .with_span(analysis)
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
                        format!("-o writes one result, but the text has {}", count_of(queries, "query", "queries")),
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
    if args.chart.is_some() && (analyses != 1 || queries != 1) {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "--chart draws one analysis, but the text has {} of which {} {}",
                    count_of(queries, "query", "queries"),
                    analyses,
                    if analyses == 1 { "is an analysis" } else { "are analyses" }
                ),
            )
            .with_help("keep one funnel, retention, paths or explore query in the text (definitions are fine)"),
        );
        return Status::Usage;
    }
    if let Some(path) = &args.chart
        && !path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("svg"))
    {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "--chart writes SVG, but `{}` is not an .svg file",
                    path.display()
                ),
            )
            .with_help("name the chart file .svg (browsers and most editors open it)"),
        );
        return Status::Usage;
    }
    let pictures = match args.pictures {
        PicturesWhen::Always => true,
        PicturesWhen::Never => false,
        PicturesWhen::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let rt = runtime();
    let text_read = started.elapsed();
    let (engine, options) = match rt.block_on(prepare(&args.data, &args.text, &loaded, output)) {
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
    // Every problem of the text before any data is read (LANGUAGE.md §7);
    // then each query is planned again when its turn comes, so plans are
    // never all in memory.
    let planner = segql::execute::TextPlanner {
        source: &loaded.text,
        text: &loaded.checked,
        library: &loaded.library,
        engine: &engine,
        options: &options,
        members,
    };
    let (problems, relative_ranges) = planner.problems();
    if !problems.is_empty() {
        return report(output, &loaded, &problems);
    }
    // CSV lists are opened while planning: only now are all inputs known.
    let mut inputs = engine.input_files();
    inputs.extend(loaded.files.iter().cloned());
    for (flag, path) in [("-o", &args.output), ("--chart", &args.chart)] {
        if let Some(path) = path
            && let Err(d) = refuse_overwriting_input(flag, path, &inputs)
        {
            output.error(&d);
            return Status::Usage;
        }
    }
    if let Err(d) = rt.block_on(engine.check_events()) {
        output.error(&d);
        return Status::Failure;
    }
    // `now` from the wall clock on data that ended long ago.
    if args.text.session.now.is_none() && engine.default_now_micros.is_none() {
        match rt.block_on(segql::execute::ranges_after_the_data(
            &engine,
            &relative_ranges,
            options.now_micros,
        )) {
            Ok(warnings) if !warnings.is_empty() => {
                output.diagnostics(&loaded.display, &loaded.text, &warnings);
            }
            Ok(_) => {}
            Err(d) => {
                output.error(&d);
                return Status::Failure;
            }
        }
    }
    if args.timings {
        note!(
            "timings: text {:.3} s, data opened {:.3} s, planned {:.3} s (since start)",
            text_read.as_secs_f64(),
            (data_opened - text_read).as_secs_f64(),
            (started.elapsed() - data_opened).as_secs_f64(),
        );
    }
    let sink = ResultSink {
        args: &args,
        file_format,
        pictures,
        output,
        loaded: &loaded,
    };
    let mut status = Status::Success;
    let mut index = 0;
    let planned = planner.each(|query, plan| {
        index += 1;
        let outcome = match rt.block_on(segql::execute::execute(&engine, &query, plan)) {
            Ok(o) => o,
            Err(d) => {
                output.error(&d);
                status = Status::Failure;
                return ControlFlow::Break(());
            }
        };
        // Tables, pictures and charts show the result with the periods
        // of a retention after the end of the data blank.
        let table = args.output.is_none() && args.format == FormatArg::Table;
        let shown = (!args.count && (table || args.chart.is_some()))
            .then(|| rt.block_on(outcome.shown(&engine)));
        match sink.show(index, &outcome, shown) {
            Ok(true) => ControlFlow::Continue(()),
            // The reader has gone (`| head`): nothing more to show.
            Ok(false) => ControlFlow::Break(()),
            Err(failed) => {
                status = failed;
                ControlFlow::Break(())
            }
        }
    });
    if let Err(problems) = planned {
        return report(output, &loaded, &problems);
    }
    if args.timings && status == Status::Success {
        note!("timings: total {:.3} s", started.elapsed().as_secs_f64());
    }
    status
}

/// Where `run` shows each outcome, as its flags say.
struct ResultSink<'a> {
    args: &'a RunArgs,
    file_format: Option<OutputFormat>,
    pictures: bool,
    output: Output,
    loaded: &'a Loaded,
}

impl ResultSink<'_> {
    /// Shows the `index`-th outcome (from 1): `Ok(false)` when the reader of
    /// standard output has gone. `shown`: the rows as tables, pictures and
    /// charts show them, when they are shown so.
    fn show(
        &self,
        index: usize,
        outcome: &segql::execute::Outcome,
        shown: Option<Result<segql::execute::Shown, Diagnostic>>,
    ) -> Result<bool, Status> {
        let ResultSink {
            args,
            file_format,
            pictures,
            output,
            loaded,
        } = *self;
        if !outcome.warnings.is_empty() {
            output.diagnostics(&loaded.display, &loaded.text, &outcome.warnings);
        }
        let output_started = Instant::now();
        let report_timings = || {
            if args.timings {
                note!("{}", timings_line(index, outcome, output_started.elapsed()));
            }
        };
        if index > 1 && args.output.is_none() && !print("\n") {
            return Ok(false);
        }
        if args.count {
            if !print(&format!("{}\n", outcome.rows())) {
                return Ok(false);
            }
            report_timings();
            return Ok(true);
        }
        let table = args.output.is_none() && args.format == FormatArg::Table;
        let shown = match shown {
            Some(Ok(shown)) => Some(shown),
            Some(Err(d)) => {
                output.error(&d);
                return Err(Status::Failure);
            }
            None => None,
        };
        if let Some(path) = &args.chart
            && let Some(shown) = &shown
            && let Err(d) = write_chart(path, outcome, shown)
        {
            output.error(&d);
            return Err(Status::Failure);
        }
        if pictures
            && table
            && let Some(shown) = &shown
            && let Some(picture) = picture(outcome, shown, output.color)
            && !print(&format!("{picture}\n"))
        {
            return Ok(false);
        }
        let written = match (&args.output, file_format) {
            (Some(path), Some(format)) => write_file(path, format, outcome),
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
                return Ok(false);
            }
            output.error(&d);
            return Err(Status::Failure);
        }
        report_timings();
        Ok(true)
    }
}

/// Refuses to write `out` when it is one of the files the run reads:
/// replacing an input by a result would lose the user's data, so not even
/// `-o`'s "replaces the file" covers it.
fn refuse_overwriting_input(flag: &str, out: &Path, inputs: &[PathBuf]) -> Result<(), Diagnostic> {
    if !out.exists() {
        return Ok(());
    }
    match inputs.iter().find(|input| same_file(out, input)) {
        None => Ok(()),
        Some(input) => Err(Diagnostic::error(
            codes::BAD_ARGUMENT,
            format!(
                "{flag} `{}` is `{}`, which this run reads; segql never writes onto its input",
                out.display(),
                input.display()
            ),
        )
        .with_help(format!("give {flag} another file name"))),
    }
}

/// Whether two paths name one file: the same canonical path, or (through
/// hard links) the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(a), std::fs::canonicalize(b))
        && a == b
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    false
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
    let kind = analysis_kind(outcome)?;
    segql::present::present::picture(kind, &shown.batches, &shown.schema, terminal_width(), color)
}

/// The analysis an outcome is a result of; None for a segment's members.
fn analysis_kind(outcome: &segql::execute::Outcome) -> Option<AnalysisKind> {
    use segql::execute::OutcomeKind;
    match outcome.kind {
        OutcomeKind::Members => None,
        OutcomeKind::Funnel => Some(AnalysisKind::Funnel),
        OutcomeKind::Retention => {
            Some(AnalysisKind::Retention(outcome.retention.map(|r| r.period)))
        }
        OutcomeKind::Paths => Some(AnalysisKind::Paths),
        OutcomeKind::Explore => Some(AnalysisKind::Explore),
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
    use segql::present::chart::svg_chart;
    let Some(kind) = analysis_kind(outcome) else {
        return Err(Diagnostic::error(
            codes::BAD_ARGUMENT,
            "--chart draws analyses; a segment's members have no chart",
        ));
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
    let (engine, mut options) = match rt.block_on(prepare(&args.data, &args.text, &loaded, output))
    {
        Ok(ready) => ready,
        Err(status) => return status,
    };
    if args.sql.is_some() {
        // The native engine's aggregates have no SQL form.
        options.engine = SequenceEngine::Portable;
    }
    let members = segql::execute::MemberRows::Full;
    let planner = segql::execute::TextPlanner {
        source: &loaded.text,
        text: &loaded.checked,
        library: &loaded.library,
        engine: &engine,
        options: &options,
        members,
    };
    let (problems, _) = planner.problems();
    if !problems.is_empty() {
        return report(output, &loaded, &problems);
    }
    let mut status = Status::Success;
    let mut index = 0;
    let planned = planner.each(|query, plan| {
        index += 1;
        let statement = &loaded.text[query.span.start..query.span.end];
        let header = format!(
            "{}-- {}\n",
            if index > 1 { "\n" } else { "" },
            statement.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        if !print(&header) {
            return ControlFlow::Break(());
        }
        let text = if let Some(dialect) = args.sql {
            rt.block_on(segql::export::plan_to_sql(&engine, &plan, dialect.into()))
                .map(|sql| format!("{sql};"))
                // Not the text's fault: the plan (or a CSV list) could
                // not be written as SQL.
                .map_err(|d| d.with_span(query.span).with_label("this query"))
        } else if args.analyze {
            rt.block_on(engine.analyze(plan))
        } else if args.optimized || args.physical {
            rt.block_on(engine.explain(plan, args.physical))
        } else {
            Ok(plan.display_indent().to_string())
        };
        match text {
            Ok(text) if print(&format!("{}\n", text.trim_end())) => ControlFlow::Continue(()),
            Ok(_) => ControlFlow::Break(()),
            Err(d) => {
                output.diagnostics(&loaded.display, &loaded.text, &[d]);
                status = Status::Failure;
                ControlFlow::Break(())
            }
        }
    });
    if let Err(problems) = planned {
        return report(output, &loaded, &problems);
    }
    status
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
    match segql::demo::write_parquet(&args.out, &config) {
        Ok(summary) => {
            note!(
                "wrote {} events in {} sessions, {} users and {} accounts to {}",
                summary.events,
                summary.sessions,
                summary.users,
                summary.accounts,
                args.out.display()
            );
            // Run on files, `now` is the wall clock's: relative ranges need
            // the data's end to give the demo's answers.
            note!(
                "its events end before {}: pass --now {} to run relative ranges (`during last 30 days`) on it",
                segql::execute::utc_date(config.end_millis() * 1000),
                segql::execute::utc_date(config.end_millis() * 1000),
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

//! The arguments `run`, `explain`, `check` and `repl` share: where the
//! data comes from, the text to run, and what it is planned with.

use segql::engine::DataSpec;
use segql::planner::{DerivedSessions, SequenceEngine};
use segql::present::output::OutputFormat;
use std::path::PathBuf;

/// Which files hold the tables, and how their columns map to the model's.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
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
}

impl SourceArgs {
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

/// Where the data comes from. Without any of these, the built-in demo
/// dataset (a small online shop) is used.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Derive sessions from the gaps between each user's events, replacing
    /// session_id: `30m` starts a new session after more than 30 minutes
    /// without an event, `30m,24h` also after 24 hours from a session's
    /// start. Wins over the schema mapping's [sessions].
    #[arg(long, value_name = "GAP[,MAX]", value_parser = parse_sessions)]
    pub sessions: Option<DerivedSessions>,
    /// The reporting time zone: local days, weeks and months for periods
    /// and buckets, local midnight for dates, times printed with the zone's
    /// offset. An IANA name (Europe/Berlin), UTC (the default) or an offset
    /// (+05:30); wins over the mapping's `time_zone`.
    #[arg(long = "time-zone", value_name = "ZONE", allow_hyphen_values = true)]
    pub time_zone: Option<String>,
    /// Threads to run queries on (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Memory the buffering operators (the sequence matcher, aggregates,
    /// sorts) may hold before spilling to temporary files, e.g. 512M, 4G,
    /// or `none` for no limit. Each operator of each thread gets a fair
    /// share of it, so the whole process stays well below it.
    #[arg(long, value_name = "SIZE", default_value = "4G", value_parser = parse_memory_limit)]
    pub memory_limit: MemoryLimit,
    /// Run the queries on a Ballista cluster (`segql cluster`): the
    /// scheduler's address, df://HOST:PORT. Its executors read the data, so
    /// data paths must be s3:// URLs or paths every executor sees.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// Whether Parquet scans evaluate the steps' filter while decoding, so
    /// that user and session ids are decoded only for matching events:
    /// `auto` (per query, where the filter is selective), `on` or `off`.
    /// Answers are the same either way.
    #[arg(long, value_name = "auto|on|off", default_value = "auto", value_parser = segql::engine::FilterPushdown::parse)]
    pub pushdown: segql::engine::FilterPushdown,
    /// Read the event type and name from Parquet as strings, not as
    /// dictionaries (for comparing the two; answers are the same).
    #[arg(long)]
    pub plain_strings: bool,
    /// Repartition the events by user even where a Parquet file's row
    /// groups already hold whole users (as `segql prepare` writes them),
    /// for comparing the two; answers are the same.
    #[arg(long)]
    pub no_actor_ranges: bool,
}

/// `--memory-limit`: bytes, or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit(pub Option<usize>);

pub(crate) fn parse_memory_limit(text: &str) -> Result<MemoryLimit, String> {
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

fn parse_sessions(text: &str) -> Result<DerivedSessions, String> {
    DerivedSessions::parse(text)
}

impl DataArgs {
    /// What the flags change in the data's model: `--sessions` over the
    /// mapping's sessions.
    pub fn adjust(&self, engine: &mut segql::engine::Engine) {
        if let Some(sessions) = self.sessions {
            engine.derive_sessions(sessions);
        }
    }

    pub fn resources(&self) -> segql::engine::Resources {
        segql::engine::Resources {
            threads: self.threads.map(usize::from),
            memory_limit: self.memory_limit.0,
            pushdown: self.pushdown,
            plain_strings: self.plain_strings,
            no_actor_ranges: self.no_actor_ranges,
        }
    }

    pub fn spec(&self) -> DataSpec {
        self.source.spec()
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

impl From<FormatArg> for OutputFormat {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Table => OutputFormat::Table,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Ndjson => OutputFormat::NdJson,
        }
    }
}

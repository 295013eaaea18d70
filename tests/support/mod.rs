//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

pub mod calendar;
mod cli;

pub use cli::*;
use std::path::PathBuf;

/// The folder of the repository (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `segql` binary built for these tests.
pub fn segql_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_segql"))
}

/// Every `examples/*.seg` file, sorted by name.
pub fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    files.sort();
    files
}

/// Number of proptest cases: `default`, or more through `SEGQL_PROPTEST_CASES`.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("SEGQL_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Renders diagnostics as plain text, the way `segql check --error-format plain` does.
pub fn render_plain(source: &str, diagnostics: &[segql::Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            segql::render::render(
                d,
                "input.seg",
                source,
                segql::render::ErrorFormat::Plain,
                false,
            )
        })
        .collect::<Vec<_>>()
        .join("")
}

/// A runtime for the tests that run plans in process.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// The built-in demo dataset, and plan options with its `now` and the
/// examples folder for CSV lists.
pub fn demo_engine() -> (segql::engine::Engine, segql::planner::PlanOptions) {
    let engine = segql::engine::Engine::demo(
        &segql::demo::DemoConfig::default(),
        segql::engine::Resources::threads(2),
    )
    .expect("the demo dataset loads");
    demo_options(engine)
}

/// The demo dataset read through the schema mapping file `path` (an
/// example's `.toml`), and plan options with its `now` and time zone.
pub fn demo_engine_mapped(
    path: &std::path::Path,
) -> (segql::engine::Engine, segql::planner::PlanOptions) {
    let engine = segql::engine::Engine::demo_with_mapping_file(
        &segql::demo::DemoConfig::default(),
        path,
        segql::engine::Resources::threads(2),
    )
    .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
    use segql::Catalog;
    let zone = engine
        .mapping()
        .reporting_zone(None)
        .unwrap_or_else(|_| panic!("{}: an unknown time zone", path.display()));
    let (engine, options) = demo_options(engine);
    (engine, segql::planner::PlanOptions { zone, ..options })
}

fn demo_options(
    engine: segql::engine::Engine,
) -> (segql::engine::Engine, segql::planner::PlanOptions) {
    let options = segql::planner::PlanOptions {
        now_micros: engine
            .default_now_micros
            .expect("the demo dataset fixes now"),
        base_dir: repo_root().join("examples"),
        engine: segql::planner::SequenceEngine::Native,
        partitions: engine.partitions(),
        zone: Default::default(),
        prune_by_storage: true,
    };
    (engine, options)
}

/// segql's engine over a reference dataset's tables, mapped to stitch
/// identities and derive sessions as the dataset says.
pub fn reference_engine(
    data: &crate::reference::RefDataset,
) -> Result<segql::engine::Engine, String> {
    let (events, users, accounts) = data.to_record_batches();
    let mut mapping = segql::planner::SchemaMapping::default();
    if data.anonymous_ids {
        mapping.anonymous_id = Some("anon_id".into());
    }
    mapping.sessions = data.sessions.map(|s| {
        let gaps = segql::planner::DerivedSessions::new(s.inactivity_ms * 1000);
        match s.max_length_ms {
            Some(max) => gaps.with_max_length(max * 1000),
            None => gaps,
        }
    });
    mapping.time_zone = data.time_zone.clone();
    segql::engine::Engine::from_batches(
        vec![events],
        users.map(|u| vec![u]),
        accounts.map(|a| vec![a]),
        mapping,
        segql::engine::Resources::threads(2),
    )
    .map_err(|d| format!("engine: {d}"))
}

/// Runs every query of `program` (no segment library) on `engine`.
pub fn run_program(
    runtime: &tokio::runtime::Runtime,
    program: &segql::Program,
    engine: &segql::engine::Engine,
    options: &segql::planner::PlanOptions,
) -> Result<Vec<segql::engine::Outcome>, Vec<segql::Diagnostic>> {
    let library = segql::Library::new();
    runtime.block_on(segql::engine::run_program(
        program, &library, engine, options,
    ))
}

/// The results of every example that keeps a query once its statements are
/// narrowed to those `keep` accepts, run on the demo dataset (through the
/// example's schema mapping, a `.toml` of the same name, where it has one):
/// per example, its file stem and each result with its statement's text on
/// one line.
pub fn example_outcomes(
    keep: impl Fn(&segql::syntax::StatementKind) -> bool,
) -> Vec<(String, Vec<(String, segql::engine::Outcome)>)> {
    use segql::syntax::StatementKind;
    let runtime = runtime();
    let demo = demo_engine();
    let mut examples = Vec::new();
    for path in example_files() {
        let mapping = path.with_extension("toml");
        let mapped = mapping.exists().then(|| demo_engine_mapped(&mapping));
        let (engine, options) = mapped.as_ref().unwrap_or(&demo);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut program = segql::parse(&text).expect("examples parse");
        program.statements.retain(|s| keep(&s.kind));
        if program
            .statements
            .iter()
            .all(|s| matches!(s.kind, StatementKind::Define(_)))
        {
            continue;
        }
        let outcomes = run_program(&runtime, &program, engine, options)
            .unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        let results = outcomes
            .into_iter()
            .map(|outcome| {
                let statement = text[outcome.span.start..outcome.span.end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                (statement, outcome)
            })
            .collect();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        examples.push((name, results));
    }
    examples
}

/// A result as CSV, the way `segql run --format csv` writes it.
pub fn csv(outcome: &segql::engine::Outcome) -> String {
    use segql::present::output::{self, OutputFormat};
    let mut buffer = Vec::new();
    output::write(
        &outcome.batches,
        &outcome.schema,
        OutputFormat::Csv,
        &mut buffer,
    )
    .expect("CSV writes");
    String::from_utf8(buffer).expect("CSV is text")
}

/// Runs `command` with `stdin` as its standard input, capturing both
/// outputs.
pub fn output_with_stdin(command: &mut std::process::Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("segql runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the text");
    child.wait_with_output().expect("segql finishes")
}

/// The schema mapping (TOML) of a random dataset read from files: its
/// reporting zone, anonymous ids and derived sessions.
pub fn model_toml(data: &crate::reference::RefDataset) -> String {
    let mut mapping = String::new();
    if let Some(zone) = &data.time_zone {
        mapping.push_str(&format!("time_zone = \"{zone}\"\n"));
    }
    if data.anonymous_ids {
        mapping.push_str("[identity]\nanonymous_id = \"anon_id\"\n");
    }
    if let Some(sessions) = data.sessions {
        let seconds = |ms: i64| {
            assert_eq!(ms % 1000, 0, "derived sessions in whole seconds");
            format!("\"{}s\"", ms / 1000)
        };
        mapping.push_str(&format!(
            "[sessions]\ninactivity = {}\n",
            seconds(sessions.inactivity_ms)
        ));
        if let Some(max) = sessions.max_length_ms {
            mapping.push_str(&format!("max_length = {}\n", seconds(max)));
        }
    }
    mapping
}

/// The tables of a random dataset as Parquet files: `(name, bytes)` of
/// `events.parquet` and, when the dataset has them, `users.parquet` and
/// `accounts.parquet`.
pub fn parquet_files(data: &crate::reference::RefDataset) -> Vec<(String, Vec<u8>)> {
    let (events, users, accounts) = data.to_record_batches();
    [
        ("events", Some(events)),
        ("users", users),
        ("accounts", accounts),
    ]
    .into_iter()
    .filter_map(|(name, batch)| Some((format!("{name}.parquet"), parquet_bytes(&batch?))))
    .collect()
}

/// A batch as the bytes of a Parquet file.
pub fn parquet_bytes(batch: &datafusion::arrow::record_batch::RecordBatch) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    bytes
}

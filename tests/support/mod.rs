//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

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
pub fn demo_engine() -> (segql::executor::Engine, segql::planner::PlanOptions) {
    let engine = segql::executor::Engine::demo(
        &segql::executor::demo::DemoConfig::default(),
        segql::executor::Resources::threads(2),
    )
    .expect("the demo dataset loads");
    let options = segql::planner::PlanOptions {
        now_micros: engine
            .default_now_micros
            .expect("the demo dataset fixes now"),
        base_dir: repo_root().join("examples"),
        engine: segql::planner::SequenceEngine::Native,
    };
    (engine, options)
}

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

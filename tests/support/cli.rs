//! Running the `segql` binary as a user does, and reading what it printed.

use super::{repo_root, segql_bin};
use std::path::Path;
use std::process::{Command, Output};

/// `segql` ready to run in `dir`, without colours, with backtraces asked
/// for: a panic must not show whatever the user's environment says.
pub fn segql_command(dir: &Path) -> Command {
    let mut command = Command::new(segql_bin());
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1");
    command
}

/// `segql ARGS` run in `dir`.
pub fn segql_in(dir: &Path, args: &[&str]) -> Output {
    segql_command(dir).args(args).output().expect("segql runs")
}

/// `segql ARGS` run in the repository (the demo dataset, `examples/`).
pub fn segql(args: &[&str]) -> Output {
    segql_in(&repo_root(), args)
}

/// `segql ARGS` run in the repository with `stdin` as its standard input.
pub fn segql_stdin(args: &[&str], stdin: &str) -> Output {
    super::output_with_stdin(segql_command(&repo_root()).args(args), stdin)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `text` holds `part`.
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "`{part}` not in:\n{text}");
}

/// None of what a panic prints is on standard error: returns it.
pub fn assert_no_panic(o: &Output) -> String {
    let err = stderr(o);
    for panic_text in [
        "panicked",
        "backtrace",
        "Join Error",
        "RUST_BACKTRACE",
        "internal-error",
    ] {
        assert!(!err.contains(panic_text), "`{panic_text}` in:\n{err}");
    }
    err
}

/// Exit `code`, and none of what a panic prints: returns standard error.
pub fn assert_clean_failure(o: &Output, code: i32) -> String {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit code; stderr:\n{}",
        stderr(o)
    );
    assert_no_panic(o)
}

/// A clean failure with `code` whose error names each of `names`: returns
/// standard error.
pub fn assert_fails_naming(o: &Output, code: i32, names: &[&str]) -> String {
    let err = assert_clean_failure(o, code);
    for name in names {
        assert_contains(&err, name);
    }
    err
}

/// Exit 0: returns standard output.
pub fn assert_success(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(o));
    stdout(o)
}

/// A temporary folder holding `files` (name, text).
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("the file is written");
    }
    dir
}

/// `segql run --format csv ARGS -e TEXT` in `dir`, which must succeed: its
/// standard output.
pub fn run_csv_in(dir: &Path, args: &[&str], text: &str) -> String {
    let mut all = vec!["run", "--format", "csv"];
    all.extend_from_slice(args);
    all.extend(["-e", text]);
    let o = segql_in(dir, &all);
    assert_eq!(o.status.code(), Some(0), "{text}: {}", stderr(&o));
    stdout(&o)
}

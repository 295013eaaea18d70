//! Bad and damaged input as a user meets it: a result never replaces a file
//! the run reads, corrupt and truncated data files are named in a plain
//! diagnostic (never a panic), and bad event times fail every query alike.

use crate::support::{
    assert_clean_failure, assert_fails_naming, assert_success, folder, segql_bin, segql_in, stderr,
};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const EVENTS_CSV: &str = "\
timestamp,user_id,session_id,event_type,name
2026-03-01T10:00:00Z,u1,s1,view,/cart
2026-03-01T10:01:00Z,u1,s1,action,CHECKOUT
2026-03-01T11:00:00Z,u2,s2,view,/cart
";

const USERS_CSV: &str = "user_id,plan\nu1,premium\nu2,free\n";

fn shop() -> tempfile::TempDir {
    folder(&[("events.csv", EVENTS_CSV), ("users.csv", USERS_CSV)])
}

/// `segql run --data . ARGS` in `dir`.
fn run_data(dir: &Path, args: &[&str]) -> std::process::Output {
    segql_in(dir, &[&["run", "--data", "."][..], args].concat())
}

// ---- a result never replaces an input ------------------------------------

#[test]
fn output_onto_an_input_table_is_refused() {
    let dir = shop();
    for target in ["events.csv", "users.csv", "./events.csv"] {
        let o = run_data(dir.path(), &["-e", "explore events by name", "-o", target]);
        let names = ["which this run reads", "never writes onto its input"];
        assert_fails_naming(&o, 2, &names);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("events.csv")).unwrap(),
        EVENTS_CSV
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("users.csv")).unwrap(),
        USERS_CSV
    );
}

#[test]
fn output_onto_a_file_the_text_reads_is_refused() {
    let dir = shop();
    let list = "user_id\nu1\n";
    std::fs::write(dir.path().join("vip.csv"), list).unwrap();
    let text = "users in csv \"vip.csv\";\n";
    std::fs::write(dir.path().join("vip.seg"), text).unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let library = "segment carts = users who viewed \"/cart\";\n";
    std::fs::write(dir.path().join("lib/carts.seg"), library).unwrap();
    let mapping = "[events]\nname = \"name\"\n";
    std::fs::write(dir.path().join("map.toml"), mapping).unwrap();
    for (args, victim) in [
        (
            vec!["run", "--data", ".", "vip.seg", "-o", "vip.csv"],
            "vip.csv",
        ),
        (
            vec!["run", "--data", ".", "vip.seg", "-o", "vip.seg"],
            "vip.seg",
        ),
        (
            vec![
                "run",
                "--data",
                ".",
                "--segments",
                "lib",
                "-e",
                "users in segment carts",
                "-o",
                "lib/carts.seg",
            ],
            "lib/carts.seg",
        ),
        (
            vec![
                "run",
                "--data",
                ".",
                "--schema",
                "map.toml",
                "-e",
                "users who viewed \"/cart\"",
                "-o",
                "map.toml",
            ],
            "map.toml",
        ),
    ] {
        let before = std::fs::read(dir.path().join(victim)).unwrap();
        // A .seg or .toml output has no format: name it .csv through a link
        // so the refusal, not the extension, is what is tested.
        let link = dir
            .path()
            .join(format!("{}.link.csv", victim.replace('/', "_")));
        std::fs::hard_link(dir.path().join(victim), &link).unwrap();
        let link_name = link.file_name().unwrap().to_str().unwrap().to_string();
        let mut args: Vec<&str> = args.to_vec();
        let last = args.len() - 1;
        args[last] = &link_name;
        let o = segql_in(dir.path(), &args);
        assert_fails_naming(&o, 2, &["which this run reads"]);
        assert_eq!(std::fs::read(dir.path().join(victim)).unwrap(), before);
    }
}

#[test]
fn chart_onto_an_input_is_refused_and_must_be_svg() {
    let dir = shop();
    std::fs::write(dir.path().join("old.svg"), "<svg/>").unwrap();
    std::fs::hard_link(dir.path().join("events.csv"), dir.path().join("e.svg")).unwrap();
    let funnel = r#"funnel viewed "/cart" then action "CHECKOUT""#;
    let o = run_data(dir.path(), &["--chart", "e.svg", "-e", funnel]);
    assert_clean_failure(&o, 2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("events.csv")).unwrap(),
        EVENTS_CSV
    );
    let o = run_data(dir.path(), &["--chart", "funnel.png", "-e", funnel]);
    assert_fails_naming(&o, 2, &["is not an .svg file"]);
    assert!(!dir.path().join("funnel.png").exists());
}

// ---- corrupt and truncated files ------------------------------------------

/// A small events table as Parquet, written by the demo generator.
fn parquet_shop(dir: &Path) -> PathBuf {
    segql::demo::write_parquet(
        dir,
        &segql::demo::DemoConfig {
            users: 30,
            days: 10,
            seed: 3,
        },
        segql::demo::EventLayout::OneFile,
    )
    .expect("the demo shop is written");
    std::fs::remove_file(dir.join("users.parquet")).unwrap();
    std::fs::remove_file(dir.join("accounts.parquet")).unwrap();
    dir.join("events.parquet")
}

/// Where a Parquet file's metadata (the footer's Thrift part) starts.
fn footer_start(bytes: &[u8]) -> usize {
    let n = bytes.len();
    let length = u32::from_le_bytes(bytes[n - 8..n - 4].try_into().unwrap()) as usize;
    n - 8 - length
}

const QUERIES: [&str; 4] = [
    r#"users who viewed "/cart" then action "CHECKOUT" within session"#,
    "explore events by name",
    r#"funnel viewed "/home" then viewed "/cart""#,
    r#"paths from viewed "/home""#,
];

fn assert_names_corrupt_file(dir: &Path, file: &str) {
    for query in QUERIES {
        let o = run_data(dir, &["-e", query]);
        let err = assert_fails_naming(&o, 1, &[&format!("{file}` is corrupt")]);
        assert!(!err.contains("the data:"), "names one file: {err}");
    }
}

#[test]
fn corrupt_parquet_pages_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let events = parquet_shop(dir.path());
    let mut bytes = std::fs::read(&events).unwrap();
    // Every page of every column: the page headers and data are garbage.
    let end = footer_start(&bytes);
    for (i, byte) in bytes[4..end].iter_mut().enumerate() {
        *byte = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    std::fs::write(&events, bytes).unwrap();
    assert_names_corrupt_file(dir.path(), "events.parquet");
}

#[test]
fn corrupt_parquet_footers_and_truncated_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let events = parquet_shop(dir.path());
    let good = std::fs::read(&events).unwrap();
    let start = footer_start(&good);
    let mut footer = good.clone();
    let n = footer.len();
    for byte in &mut footer[start..n - 8] {
        *byte = !*byte;
    }
    let truncated = good[..good.len() / 2].to_vec();
    let no_magic = good[..good.len() - 3].to_vec();
    for damaged in [footer, truncated, no_magic] {
        std::fs::write(&events, damaged).unwrap();
        let o = run_data(dir.path(), &["-e", QUERIES[0]]);
        let corrupt = "events.parquet` is corrupt or not a Parquet file";
        assert_fails_naming(&o, 1, &[corrupt]);
    }
}

#[test]
fn damaged_csv_and_ndjson_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::from("timestamp,user_id,session_id,event_type,name\n");
    for i in 0..2000 {
        lines.push_str(&format!(
            "2026-03-01T10:{:02}:{:02}Z,u{i},s{i},view,/cart\n",
            i / 60 % 60,
            i % 60
        ));
    }
    // Cut inside the last line: its fields are missing.
    let truncated = &lines[..lines.len() - 12];
    std::fs::write(dir.path().join("events.csv"), truncated).unwrap();
    assert_names_corrupt_file(dir.path(), "events.csv");

    std::fs::remove_file(dir.path().join("events.csv")).unwrap();
    let mut json = String::new();
    for i in 0..2000 {
        json.push_str(&format!(
            "{{\"timestamp\":\"2026-03-01T10:00:00Z\",\"user_id\":\"u{i}\",\"session_id\":\"s{i}\",\"event_type\":\"view\",\"name\":\"/cart\"}}\n"
        ));
    }
    let truncated = &json[..json.len() - 20];
    std::fs::write(dir.path().join("events.ndjson"), truncated).unwrap();
    assert_names_corrupt_file(dir.path(), "events.ndjson");
}

#[test]
fn an_empty_file_is_called_empty() {
    let dir = tempfile::tempdir().unwrap();
    for (name, other) in [
        ("events.csv", None),
        ("events.ndjson", None),
        ("events.parquet", None),
        ("users.csv", Some(("events.csv", EVENTS_CSV))),
    ] {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        std::fs::write(dir.path().join(name), "").unwrap();
        if let Some((file, text)) = other {
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        let o = run_data(dir.path(), &["-e", r#"users who viewed "/cart""#]);
        let err = assert_fails_naming(&o, 1, &[&format!("{name}` is empty")]);
        assert!(!err.contains("has no column"), "{err}");
    }
}

// ---- bad event times fail every query alike --------------------------------

#[test]
fn text_in_the_time_column_fails_every_query_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // Within the sample (the column is read as text) and past it (the
    // sample types the column as timestamps).
    let early = "timestamp,user_id,session_id,event_type,name\n\
                 2026-03-01T10:00:00Z,u1,s1,view,/a\n\
                 hello,u2,s2,view,/b\n";
    let mut late = String::from("timestamp,user_id,session_id,event_type,name\n");
    for i in 0..1500 {
        late.push_str(&format!("2026-03-01T10:00:00Z,u{i},s{i},view,/a\n"));
    }
    late.push_str("hello,u2,s2,view,/b\n");
    for (events, line) in [(early.to_string(), 3), (late, 1502)] {
        std::fs::write(dir.path().join("events.csv"), &events).unwrap();
        for query in [
            r#"users who viewed "/a""#,
            r#"users who viewed "/a" then viewed "/b""#,
            "explore events by name",
            r#"users who not viewed "/b""#,
        ] {
            let o = segql_in(dir.path(), &["run", "--data", ".", "--count", "-e", query]);
            let o = if query.starts_with("explore") {
                segql_in(dir.path(), &["run", "--data", ".", "-e", query])
            } else {
                o
            };
            let bad = format!(
                "a value of column `timestamp` on line {line} of ./events.csv is not a timestamp"
            );
            assert_fails_naming(&o, 1, &[&bad]);
        }
    }
}

// ---- no damage to a data file panics ---------------------------------------

#[derive(Debug, Clone)]
enum Damage {
    Bytes(Vec<(usize, u8)>),
    Block { at: usize, len: usize, seed: u8 },
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..40).prop_map(Damage::Bytes),
        (any::<usize>(), 1usize..4000, any::<u8>()).prop_map(|(at, len, seed)| Damage::Block {
            at,
            len,
            seed
        }),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn apply(damage: &Damage, bytes: &mut Vec<u8>) {
    let n = bytes.len();
    match damage {
        Damage::Bytes(edits) => {
            for (at, value) in edits {
                bytes[at % n] = *value;
            }
        }
        Damage::Block { at, len, seed } => {
            let start = at % n;
            for (i, byte) in bytes[start..(start + len).min(n)].iter_mut().enumerate() {
                *byte = (i as u8).wrapping_mul(*seed | 1).wrapping_add(*seed);
            }
        }
        Damage::Truncate(at) => bytes.truncate(at % n),
    }
}

/// The clean copies of one small events table in each format.
fn clean_tables() -> &'static [(&'static str, Vec<u8>)] {
    static TABLES: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let parquet = std::fs::read(parquet_shop(dir.path())).unwrap();
        let mut csv = String::from("timestamp,user_id,session_id,event_type,name,price\n");
        let mut json = String::new();
        for i in 0..300 {
            let (time, user, kind) = (
                format!("2026-03-0{}T1{}:00:00Z", 1 + i % 5, i % 10),
                format!("u{}", i % 40),
                ["view", "action"][i % 2],
            );
            csv.push_str(&format!("{time},{user},s{},{kind},/cart,{i}.5\n", i % 90));
            json.push_str(&format!(
                "{{\"timestamp\":\"{time}\",\"user_id\":\"{user}\",\"session_id\":\"s{}\",\"event_type\":\"{kind}\",\"name\":\"/cart\",\"price\":{i}.5}}\n",
                i % 90
            ));
        }
        vec![
            ("events.parquet", parquet),
            ("events.csv", csv.into_bytes()),
            ("events.ndjson", json.into_bytes()),
        ]
    })
}

/// Opens a damaged table and runs segments and analyses on it, as `run`
/// does: the result is answers or a diagnostic naming the file.
fn run_on_damaged(dir: &Path, name: &str) -> Result<(), segql::Diagnostic> {
    let spec = segql::engine::DataSpec {
        events: Some(dir.join(name).display().to_string()),
        ..Default::default()
    };
    crate::support::runtime().block_on(async {
        let engine =
            segql::engine::Engine::open(&spec, segql::engine::Resources::threads(2)).await?;
        engine.check_events().await?;
        let options = segql::planner::PlanOptions {
            now_micros: segql::syntax::parse_instant("2026-03-10").unwrap(),
            base_dir: dir.to_path_buf(),
            engine: segql::planner::SequenceEngine::Native,
            partitions: engine.partitions(),
            zone: Default::default(),
            prune_by_storage: true,
        };
        let program = segql::parse(&QUERIES.join(";\n")).expect("the queries parse");
        segql::engine::run_program(&program, &segql::Library::new(), &engine, &options)
            .await
            .map_err(|mut d| d.remove(0))?;
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: crate::support::proptest_cases(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Property: no damage to a Parquet, CSV or NDJSON file panics segql;
    /// what cannot be read is a data error that names the file.
    #[test]
    fn no_damaged_data_file_panics(format in 0usize..3, damage in damage()) {
        let (name, clean) = &clean_tables()[format];
        let mut bytes = clean.clone();
        apply(&damage, &mut bytes);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| run_on_damaged(dir.path(), name));
        let result = outcome.map_err(|_| TestCaseError::fail("segql panicked"))?;
        if let Err(d) = result {
            prop_assert_ne!(d.code, segql::codes::INTERNAL, "{:?}", d);
            // A damaged header may lose or retype a column: the planner's
            // column errors name the table rather than the file.
            let column_error = [
                segql::codes::MISSING_COLUMN,
                segql::codes::WRONG_COLUMN_TYPE,
                segql::codes::UNKNOWN_COLUMN,
                segql::codes::TYPE_MISMATCH,
            ]
            .contains(&d.code);
            let said = format!("{} {:?}", d.message, d.notes);
            prop_assert!(
                column_error || said.contains(name),
                "the file is not named: {d:?}"
            );
        }
    }
}

// ---- memory grows with the largest statement, not the file ------------------

/// Runs segql on `text` (given as a file) and returns its peak resident
/// memory in bytes.
fn peak_memory(args: &[&str], text: &str) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.seg");
    std::fs::write(&file, text).unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.push(file.to_str().unwrap());
    // Waited for below with wait4, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(segql_bin())
        .args(&all)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("segql starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills; the child is
    // ours and waited for exactly once (`child` is never waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "segql {args:?} failed: {status}"
    );
    // Linux reports ru_maxrss in kilobytes.
    usage.ru_maxrss as u64 * 1024
}

/// A statement that plans to a sequence, the largest kind of plan.
const STATEMENT: &str = "users who viewed \"/cart\" then action \"CHECKOUT\" within session;\n";

/// `segql ARGS` on `n` statements peaks at less than `slack` bytes above
/// its peak on one.
fn assert_memory_bounded(args: &[&str], n: usize, slack: u64) {
    let one = peak_memory(args, STATEMENT);
    let all = peak_memory(args, &STATEMENT.repeat(n));
    assert!(
        all < one + slack,
        "{args:?}: {} MB for {n} statements, {} MB for one",
        all >> 20,
        one >> 20
    );
}

#[test]
fn check_and_fmt_hold_one_statement_at_a_time() {
    for args in [&["check"][..], &["fmt", "--check"][..], &["fmt"][..]] {
        // The text itself is 6.6 MB; a syntax tree per statement would be
        // well over 100 MB more.
        assert_memory_bounded(args, 100_000, 40 << 20);
    }
}

#[test]
fn explain_plans_one_statement_at_a_time() {
    // Every plan kept until the end would be about 18 KB each, 27 MB more.
    assert_memory_bounded(&["explain"], 1500, 12 << 20);
}

// ---- relative ranges after the data's end ----------------------------------

#[test]
fn a_relative_range_after_the_newest_event_is_a_warning() {
    let dir = shop();
    let text = r#"users who viewed "/cart" during last 30 days"#;
    // `now` is the wall clock: years after these March 2026 events.
    let o = run_data(dir.path(), &["--count", "-e", text]);
    assert_success(&o);
    let err = stderr(&o);
    assert!(err.contains("warning[range-after-data]"), "{err}");
    assert!(err.contains("the newest event is on 2026-03-01"), "{err}");
    assert!(err.contains("pass --now 2026-03-02"), "{err}");
    // Ranges that reach the data, and runs with --now, are quiet.
    let reaching = r#"users who viewed "/cart" during last 100000 days"#;
    for args in [
        ["--count", "--now", "2026-03-02", "-e", text].as_slice(),
        &["--count", "-e", reaching],
    ] {
        let o = run_data(dir.path(), args);
        assert_success(&o);
        assert!(!stderr(&o).contains("range-after-data"), "{}", stderr(&o));
    }
}

// ---- small ones ---------------------------------------------------------------

#[test]
fn counts_in_messages_agree_with_their_nouns() {
    let dir = shop();
    let o = run_data(
        dir.path(),
        &["--chart", "x.svg", "-e", r#"users who viewed "/cart""#],
    );
    assert_fails_naming(&o, 2, &["the text has 1 query of which 0 are analyses"]);
}

#[test]
fn repl_schema_without_a_table_says_what_is_missing() {
    let o = crate::support::output_with_stdin(
        Command::new(segql_bin())
            .args(["repl"])
            .env("NO_COLOR", "1"),
        ".schema\n",
    );
    let err = stderr(&o);
    assert!(
        err.contains("`.schema`: the following required arguments were not provided: <TABLE>"),
        "{err}"
    );
}

#[test]
fn piped_repl_input_that_is_not_utf8_is_a_usage_error_as_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.seg");
    std::fs::write(&input, b"users who viewed \"/a\"\xff;\n").unwrap();
    for args in [&["repl"][..], &["check", "-"][..]] {
        let o = Command::new(segql_bin())
            .args(args)
            .stdin(std::fs::File::open(&input).unwrap())
            .output()
            .unwrap();
        assert_fails_naming(&o, 2, &["not contain valid UTF-8"]);
    }
}

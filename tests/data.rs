//! Running segments over data files: formats, the schema mapping, and every
//! kind of bad input, each a clear error that names file and column.

use crate::support::{repo_root, segql_bin};
use std::path::Path;
use std::process::{Command, Output};

fn segql_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(segql_bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("segql runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_clean_failure(o: &Output, code: i32) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr:\n{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "no panic:\n{err}"
    );
}

/// `segql run --format csv ARGS -e TEXT` in `dir`, which must succeed: its
/// standard output.
fn run_csv(dir: &Path, args: &[&str], text: &str) -> String {
    let mut all = vec!["run", "--format", "csv"];
    all.extend_from_slice(args);
    all.extend(["-e", text]);
    let o = segql_in(dir, &all);
    assert_eq!(o.status.code(), Some(0), "{text}: {}", stderr(&o));
    stdout(&o)
}

/// Runs `users who viewed "/a"` on an events file with the given text.
fn run_on_events(events_csv: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), events_csv).unwrap();
    segql_in(
        dir.path(),
        &["run", "--data", ".", "-e", r#"users who viewed "/a""#],
    )
}

const EVENTS_CSV: &str = "\
timestamp,user_id,session_id,event_type,name,device
2026-03-01T10:00:00Z,u1,s1,view,/cart,mobile
2026-03-01T10:01:00Z,u1,s1,action,CHECKOUT,mobile
2026-03-01T11:00:00Z,u2,s2,view,/cart,desktop
2026-03-02T09:00:00Z,u3,s3,view,/home,desktop
2026-03-02T09:00:05Z,u3,,view,/cart,desktop
";

const USERS_CSV: &str = "\
user_id,email,plan,country
u1,Ana@Example.com ,premium,BR
u2,bo@example.com,free,US
u4,cy@example.com,premium,BR
";

fn shop(dir: &Path) {
    std::fs::write(dir.join("events.csv"), EVENTS_CSV).unwrap();
    std::fs::write(dir.join("users.csv"), USERS_CSV).unwrap();
}

#[test]
fn csv_data_folder_runs_segments() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    let out = run_csv(
        dir.path(),
        &["--data", "."],
        r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
    );
    // u1 checked out; u3's cart view has no session, so it is in no session.
    assert_eq!(
        out,
        "user_id,email,plan,country\nu2,bo@example.com,free,US\n"
    );
}

#[test]
fn universe_includes_profiles_without_events() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    assert_eq!(
        run_csv(
            dir.path(),
            &["--data", "."],
            r#"users who not viewed "/cart""#
        ),
        "user_id,email,plan,country\nu4,cy@example.com,premium,BR\n"
    );
}

#[test]
fn csv_list_by_email_is_trimmed_and_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    std::fs::write(
        dir.path().join("crm.csv"),
        "email\nana@example.com\nnobody@example.com\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("list.seg"),
        "users in csv \"crm.csv\" by email;\n",
    )
    .unwrap();
    let o = segql_in(dir.path(), &["run", "--data", ".", "--count", "list.seg"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "1");
}

#[test]
fn ndjson_and_parquet_output() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = EVENTS_CSV
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let session = if f[2].is_empty() { "null".to_string() } else { format!("\"{}\"", f[2]) };
            format!(
                "{{\"timestamp\":\"{}\",\"user_id\":\"{}\",\"session_id\":{},\"event_type\":\"{}\",\"name\":\"{}\",\"device\":\"{}\"}}\n",
                f[0], f[1], session, f[3], f[4], f[5]
            )
        })
        .collect();
    std::fs::write(dir.path().join("events.ndjson"), lines).unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--events",
            "events.ndjson",
            "-o",
            "out.parquet",
            "-e",
            r#"users who viewed "/cart" with device = "desktop""#,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote 2 rows"), "{}", stderr(&o));
    // The Parquet file reads back as the events of another run.
    let back = segql_in(
        dir.path(),
        &[
            "run",
            "--events",
            "events.ndjson",
            "--users",
            "out.parquet",
            "--count",
            "-e",
            "users who have user_id = \"u2\"",
        ],
    );
    assert_eq!(back.status.code(), Some(0), "{}", stderr(&back));
    assert_eq!(stdout(&back).trim(), "1");
}

#[test]
fn datadog_rum_columns_with_a_schema_mapping() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rum.ndjson"),
        concat!(
            r#"{"timestamp":1772359200000,"@usr.id":"u1","@session.id":"s1","type":"view","@view.url_path":"/cart","@action.target.name":null,"@error.message":null}"#, "\n",
            r#"{"timestamp":1772359260000,"@usr.id":"u1","@session.id":"s1","type":"action","@view.url_path":"/cart","@action.target.name":"CHECKOUT","@error.message":null}"#, "\n",
            r#"{"timestamp":1772362800000,"@usr.id":"u2","@session.id":"s2","type":"view","@view.url_path":"/cart","@action.target.name":null,"@error.message":null}"#, "\n",
            r#"{"timestamp":1772362860000,"@usr.id":"u2","@session.id":"s2","type":"error","@view.url_path":"/cart","@action.target.name":null,"@error.message":"Payment declined"}"#, "\n",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rum.toml"),
        r#"[events]
user_id = "@usr.id"
session_id = "@session.id"
event_type = "type"
name = { view = "@view.url_path", action = "@action.target.name", error = "@error.message" }
"#,
    )
    .unwrap();
    let run = |text: &str| {
        run_csv(
            dir.path(),
            &["--events", "rum.ndjson", "--schema", "rum.toml"],
            text,
        )
    };
    assert_eq!(
        run(r#"users who viewed "/cart" then not action "CHECKOUT" within session"#),
        "user_id\nu2\n"
    );
    assert_eq!(
        run(r#"users who error "Payment declined""#),
        "user_id\nu2\n"
    );
    assert_eq!(
        run(r#"users who viewed "/cart" with `@usr.id` = "u1""#),
        "user_id\nu1\n"
    );
}

#[test]
fn missing_events_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--events",
            "nope.parquet",
            "-e",
            r#"users who viewed "/a""#,
        ],
    );
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("nope.parquet"), "{}", stderr(&o));
}

#[test]
fn unreadable_parquet_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.parquet"), "this is not parquet").unwrap();
    let o = segql_in(
        dir.path(),
        &["run", "--data", ".", "-e", r#"users who viewed "/a""#],
    );
    assert_clean_failure(&o, 1);
    assert!(stderr(&o).contains("events.parquet"), "{}", stderr(&o));
}

#[test]
fn missing_required_column_names_file_and_column() {
    let o = run_on_events("timestamp,user_id,event_type\n2026-03-01T10:00:00Z,u1,view\n");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("missing-column") && err.contains("`name`") && err.contains("events.csv"),
        "{err}"
    );
}

#[test]
fn wrongly_typed_column_names_file_column_and_type() {
    let o = run_on_events("timestamp,user_id,event_type,name\n2026-03-01T10:00:00Z,1.5,view,/a\n");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("wrong-column-type") && err.contains("`user_id`") && err.contains("Float64"),
        "{err}"
    );
}

#[test]
fn empty_events_table_is_a_data_error() {
    let o = run_on_events("timestamp,user_id,session_id,event_type,name\n");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("events") && (err.contains("no rows") || err.contains("empty")),
        "{err}"
    );
}

#[test]
fn csv_list_without_the_named_column() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    std::fs::write(dir.path().join("ids.csv"), "customer\nu1\n").unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            ".",
            "-e",
            r#"users in csv "ids.csv" column "user_id""#,
        ],
    );
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("ids.csv") && err.contains("`user_id`") && err.contains("customer"),
        "{err}"
    );
}

#[test]
fn unknown_column_says_which_table_was_searched() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            ".",
            "-e",
            r#"users who viewed "/cart" with plan = "premium""#,
        ],
    );
    assert_clean_failure(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("unknown-column") && err.contains("events table"),
        "{err}"
    );
    assert!(
        err.contains("`plan` is a column of the users table, not of the events"),
        "{err}"
    );
    let typo = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            ".",
            "-e",
            r#"users who have contry = "BR""#,
        ],
    );
    assert_clean_failure(&typo, 2);
    assert!(
        stderr(&typo).contains("did you mean `country`?"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn type_mismatch_names_column_type_and_literal() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    let o = segql_in(
        dir.path(),
        &["run", "--data", ".", "-e", r#"users who have country = 5"#],
    );
    assert_clean_failure(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("type-mismatch") && err.contains("`country`") && err.contains("the number 5"),
        "{err}"
    );
}

#[test]
fn demo_dataset_runs_the_readme_command() {
    let o = segql_in(
        &repo_root(),
        &["run", "--count", "examples/cart_abandoners.seg"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let n: usize = stdout(&o).trim().parse().expect("a count");
    assert!(n > 100, "the demo dataset has cart abandoners: {n}");
}

#[test]
fn count_with_an_analysis_is_an_error() {
    let o = segql_in(
        &repo_root(),
        &[
            "run",
            "--count",
            "-e",
            r#"funnel viewed "/a" then viewed "/b""#,
        ],
    );
    assert_clean_failure(&o, 2);
}

#[test]
fn demo_data_writes_parquet_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop");
    let out_s = out.display().to_string();
    let o = segql_in(
        dir.path(),
        &[
            "demo-data",
            "--out",
            &out_s,
            "--users",
            "50",
            "--days",
            "10",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["events.parquet", "users.parquet", "accounts.parquet"] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let again = segql_in(dir.path(), &["demo-data", "--out", &out_s, "--users", "50"]);
    assert_clean_failure(&again, 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let run = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            &out_s,
            "--count",
            "-e",
            "users who any event",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
}

#[test]
fn missing_session_and_profile_key_columns_name_file_and_column() {
    // Only `account_id` of the events is optional (LANGUAGE.md §1); sessions
    // may all be empty, but the column must be there.
    let o = run_on_events("timestamp,user_id,event_type,name\n2026-03-01T10:00:00Z,u1,view,/a\n");
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("missing-column")
            && err.contains("`session_id`")
            && err.contains("events.csv"),
        "{err}"
    );
    let o = run_on_events(
        "timestamp,user_id,session_id,event_type,name\n2026-03-01T10:00:00Z,u1,,view,/a\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("u1"));

    for (file, header, key) in [
        ("users.csv", "uid,plan\nu1,pro\n", "`user_id`"),
        ("accounts.csv", "acc,arr\na1,10\n", "`account_id`"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("events.csv"), EVENTS_CSV).unwrap();
        std::fs::write(dir.path().join(file), header).unwrap();
        let o = segql_in(
            dir.path(),
            &["run", "--data", ".", "-e", r#"users who viewed "/cart""#],
        );
        assert_clean_failure(&o, 1);
        let err = stderr(&o);
        assert!(
            err.contains("missing-column") && err.contains(key) && err.contains(file),
            "{err}"
        );
    }
}

#[test]
fn a_bad_value_names_its_file_line_and_column() {
    // Typed from the first rows, then a value that is not a timestamp.
    let o = run_on_events(
        "timestamp,user_id,session_id,event_type,name\n\
         2026-03-01T10:00:00Z,u1,s1,view,/a\n\
         2026-13-45T00:00:00Z,u1,s1,view,/a\n",
    );
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("data-error")
            && err.contains("column `timestamp`")
            && err.contains("line 3 of ./events.csv"),
        "{err}"
    );
    // Read as text, then converted when the query needs the time.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "timestamp,user_id,session_id,event_type,name\nnot-a-time,u1,s1,view,/a\n",
    )
    .unwrap();
    let o = segql_in(
        dir.path(),
        &["run", "--data", ".", "-e", "explore events every 1 day"],
    );
    assert_clean_failure(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("`not-a-time`")
            && err.contains("column `timestamp`")
            && err.contains("events.csv"),
        "{err}"
    );
}

#[test]
fn nested_profile_columns_are_written_to_csv_as_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.ndjson"),
        r#"{"timestamp":"2026-01-10T10:00:00Z","user_id":"a","session_id":"s","event_type":"view","name":"/a"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("users.ndjson"),
        r#"{"user_id":"a","tags":["x","y"],"geo":{"c":"BR"}}"#,
    )
    .unwrap();
    assert_eq!(
        run_csv(dir.path(), &["--data", "."], r#"users who viewed "/a""#),
        "user_id,geo,tags\na,{c: BR},\"[x, y]\"\n"
    );
}

#[test]
fn a_library_segment_reads_its_csv_list_beside_its_own_file() {
    // LANGUAGE.md §4: the path of `in csv` is relative to the DSL file that
    // holds it, here the library's, not the text that uses the segment.
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    std::fs::write(
        lib.join("vip.seg"),
        "segment vip = users in csv \"vip.csv\"\n",
    )
    .unwrap();
    std::fs::write(lib.join("vip.csv"), "id\nu3\n").unwrap();
    let queries = dir.path().join("queries");
    std::fs::create_dir(&queries).unwrap();
    std::fs::write(queries.join("q.seg"), "users in segment vip\n").unwrap();
    for args in [vec!["-e", "users in segment vip"], vec!["queries/q.seg"]] {
        let mut all = vec!["run", "--data", ".", "--segments", "lib", "--format", "csv"];
        all.extend(args);
        let o = segql_in(dir.path(), &all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).starts_with("user_id") && stdout(&o).contains("\nu3"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn definitions_are_checked_against_the_data_used_or_not() {
    let dir = tempfile::tempdir().unwrap();
    shop(dir.path());
    std::fs::write(
        dir.path().join("q.seg"),
        "segment odd = users who viewed \"/a\" with devize = \"x\";\nusers who viewed \"/cart\"\n",
    )
    .unwrap();
    for command in ["run", "check"] {
        let o = segql_in(dir.path(), &[command, "--data", ".", "q.seg"]);
        assert_clean_failure(&o, 2);
        let err = stderr(&o);
        assert!(
            err.contains("unknown-column") && err.contains("q.seg:1:"),
            "{command}: {err}"
        );
        assert_eq!(err.matches("unknown-column").count(), 1, "{command}: {err}");
    }
    // A library definition's problem is shown at its use, naming its file.
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    std::fs::write(
        lib.join("odd.seg"),
        "segment odd = users who have plna = \"pro\"\n",
    )
    .unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            ".",
            "--segments",
            "lib",
            "-e",
            "users in segment odd",
        ],
    );
    assert_clean_failure(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("<expr>:1:18") && err.contains("in the definition of `odd` in lib/odd.seg"),
        "{err}"
    );
}

#[test]
fn times_compare_at_microsecond_precision() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "timestamp,user_id,session_id,event_type,name\n\
         2026-03-01T10:00:00.123456Z,u1,s1,view,/a\n\
         2026-03-01T10:00:00Z,u2,s1,view,/a\n",
    )
    .unwrap();
    let members = |text: &str| run_csv(dir.path(), &["--data", "."], text);
    assert_eq!(
        members(r#"users who viewed "/a" before 2026-03-01T10:00:00.123456Z"#),
        "user_id\nu2\n"
    );
    assert_eq!(
        members(r#"users who viewed "/a" before 2026-03-01T10:00:00.123457Z"#),
        "user_id\nu1\nu2\n"
    );
    assert_eq!(
        members(r#"users who viewed "/a" since 2026-03-01T10:00:00.000001Z"#),
        "user_id\nu1\n"
    );
    // A finer fraction would have to be cut: it is an error.
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            ".",
            "-e",
            r#"users who viewed "/a" before 2026-03-01T10:00:00.1234567Z"#,
        ],
    );
    assert_clean_failure(&o, 2);
    assert!(
        stderr(&o).contains("invalid-date") && stderr(&o).contains("6 digits"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn integers_past_i64_mean_more_than_any_data_and_never_wrap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("events.csv"), EVENTS_CSV).unwrap();
    let huge = "18446744073709551615";
    for engine in ["native", "portable"] {
        let run = |text: String| run_csv(dir.path(), &["--data", ".", "--engine", engine], &text);
        assert_eq!(
            run(format!(
                r#"users who action "CHECKOUT" at least {huge} times"#
            )),
            "user_id\n"
        );
        assert_eq!(
            run(format!(
                r#"users who action "CHECKOUT" at most {huge} times"#
            )),
            "user_id\nu1\nu2\nu3\n"
        );
        assert_eq!(
            run(format!(
                r#"users who viewed "/cart" then action "CHECKOUT" within {huge} seconds"#
            )),
            "user_id\nu1\n"
        );
        assert_eq!(
            run(format!(
                r#"users who viewed "/cart" during last {huge} days"#
            )),
            "user_id\nu1\nu2\nu3\n"
        );
        assert_eq!(
            run(format!("paths depth {huge} top {huge}")),
            run("paths depth 1000 top 1000".to_string())
        );
    }
    // What would be materialized is bounded.
    for text in [
        format!(r#"retention viewed "/cart" returning any event periods {huge}"#),
        format!("explore events every {huge} seconds"),
    ] {
        let o = segql_in(dir.path(), &["run", "--data", ".", "-e", &text]);
        assert_clean_failure(&o, 2);
        assert!(stderr(&o).contains("value-out-of-range"), "{}", stderr(&o));
    }
}

#[test]
fn types_a_per_type_name_mapping_leaves_out_keep_the_name_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "timestamp,uid,sid,type,url,target,name\n\
         2026-03-01T10:00:00Z,u1,s1,page_view,/cart,,\n\
         2026-03-01T10:01:00Z,u1,s1,action,,CHECKOUT,\n\
         2026-03-01T10:02:00Z,u2,s2,purchase,,,purchase\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("map.toml"),
        "[events]\nuser_id = \"uid\"\nsession_id = \"sid\"\nevent_type = \"type\"\n\
         name = { view = \"url\", action = \"target\" }\n[event_types]\nview = \"page_view\"\n",
    )
    .unwrap();
    for (text, members) in [
        (
            r#"users who viewed "/cart" then action "CHECKOUT""#,
            "user_id\nu1\n",
        ),
        (r#"users who event "purchase""#, "user_id\nu2\n"),
    ] {
        let out = run_csv(dir.path(), &["--data", ".", "--schema", "map.toml"], text);
        assert_eq!(out, members, "{text}");
    }
}

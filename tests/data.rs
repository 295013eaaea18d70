//! Running segments over data files: formats, the schema mapping, and every
//! kind of bad input, each a clear error that names file and column.

use crate::support::{
    assert_clean_failure, assert_fails_naming, assert_success, folder, repo_root, run_csv_in,
    segql_in, stderr,
};
use std::path::Path;
use std::process::Output;

/// `users who viewed "/a"` on an events file with the given text.
fn run_on_events(events_csv: &str) -> Output {
    let dir = folder(&[("events.csv", events_csv)]);
    segql_in(dir.path(), &["run", "--data", ".", "-e", VIEWED_A])
}

const VIEWED_A: &str = r#"users who viewed "/a""#;

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

/// A folder with the shop's events and users, and `more` files.
fn shop(more: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = folder(&[("events.csv", EVENTS_CSV), ("users.csv", USERS_CSV)]);
    for (name, text) in more {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// `files` written in the new folder `name` of `dir`.
fn subfolder(dir: &Path, name: &str, files: &[(&str, &str)]) {
    let sub = dir.join(name);
    std::fs::create_dir(&sub).unwrap();
    for (file, text) in files {
        std::fs::write(sub.join(file), text).unwrap();
    }
}

/// `segql run --data . ARGS` in `dir`.
fn run_data(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["run", "--data", "."];
    all.extend_from_slice(args);
    segql_in(dir, &all)
}

#[test]
fn csv_data_folder_runs_segments() {
    let dir = shop(&[]);
    for (text, members) in [
        // u1 checked out; u3's cart view has no session, so it is in no
        // session.
        (
            r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
            "user_id,email,plan,country\nu2,bo@example.com,free,US\n",
        ),
        // The universe includes profiles without events.
        (
            r#"users who not viewed "/cart""#,
            "user_id,email,plan,country\nu4,cy@example.com,premium,BR\n",
        ),
    ] {
        assert_eq!(run_csv_in(dir.path(), &["--data", "."], text), members);
    }
}

#[test]
fn csv_list_by_email_is_trimmed_and_case_insensitive() {
    let dir = shop(&[
        ("crm.csv", "email\nana@example.com\nnobody@example.com\n"),
        ("list.seg", "users in csv \"crm.csv\" by email;\n"),
    ]);
    let o = run_data(dir.path(), &["--count", "list.seg"]);
    assert_eq!(assert_success(&o).trim(), "1");
}

#[test]
fn ndjson_and_parquet_output() {
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
    let dir = folder(&[("events.ndjson", &lines)]);
    let write = [
        "run",
        "--events",
        "events.ndjson",
        "-o",
        "out.parquet",
        "-e",
    ];
    let o = segql_in(
        dir.path(),
        &[
            &write[..],
            &[r#"users who viewed "/cart" with device = "desktop""#],
        ]
        .concat(),
    );
    assert_success(&o);
    assert!(stderr(&o).contains("wrote 2 rows"), "{}", stderr(&o));
    // The Parquet file reads back as the events of another run.
    let read = ["run", "--events", "events.ndjson", "--users", "out.parquet"];
    let back = segql_in(
        dir.path(),
        &[
            &read[..],
            &["--count", "-e", "users who have user_id = \"u2\""],
        ]
        .concat(),
    );
    assert_eq!(assert_success(&back).trim(), "1");
}

#[test]
fn datadog_rum_columns_with_a_schema_mapping() {
    let rum = concat!(
        r#"{"timestamp":1772359200000,"@usr.id":"u1","@session.id":"s1","type":"view","@view.url_path":"/cart","@action.target.name":null,"@error.message":null}"#,
        "\n",
        r#"{"timestamp":1772359260000,"@usr.id":"u1","@session.id":"s1","type":"action","@view.url_path":"/cart","@action.target.name":"CHECKOUT","@error.message":null}"#,
        "\n",
        r#"{"timestamp":1772362800000,"@usr.id":"u2","@session.id":"s2","type":"view","@view.url_path":"/cart","@action.target.name":null,"@error.message":null}"#,
        "\n",
        r#"{"timestamp":1772362860000,"@usr.id":"u2","@session.id":"s2","type":"error","@view.url_path":"/cart","@action.target.name":null,"@error.message":"Payment declined"}"#,
        "\n",
    );
    let mapping = r#"[events]
user_id = "@usr.id"
session_id = "@session.id"
event_type = "type"
name = { view = "@view.url_path", action = "@action.target.name", error = "@error.message" }
"#;
    let dir = folder(&[("rum.ndjson", rum), ("rum.toml", mapping)]);
    let args = ["--events", "rum.ndjson", "--schema", "rum.toml"];
    for (text, members) in [
        (
            r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
            "user_id\nu2\n",
        ),
        (r#"users who error "Payment declined""#, "user_id\nu2\n"),
        (
            r#"users who viewed "/cart" with `@usr.id` = "u1""#,
            "user_id\nu1\n",
        ),
    ] {
        assert_eq!(run_csv_in(dir.path(), &args, text), members);
    }
}

#[test]
fn missing_or_unreadable_events_files_are_named() {
    let dir = folder(&[]);
    let o = segql_in(
        dir.path(),
        &["run", "--events", "nope.parquet", "-e", VIEWED_A],
    );
    assert_fails_naming(&o, 1, &["nope.parquet"]);
    // A file that is not Parquet.
    let dir = folder(&[("events.parquet", "this is not parquet")]);
    assert_fails_naming(
        &run_data(dir.path(), &["-e", VIEWED_A]),
        1,
        &["events.parquet"],
    );
}

#[test]
fn bad_events_tables_name_file_and_column() {
    let a_view = "2026-03-01T10:00:00Z,u1,view,/a\n";
    for (events, names) in [
        // A required column missing.
        (
            "timestamp,user_id,event_type\n2026-03-01T10:00:00Z,u1,view\n".to_string(),
            &["missing-column", "`name`", "events.csv"][..],
        ),
        // A wrongly typed column: its file, column and type.
        (
            "timestamp,user_id,event_type,name\n2026-03-01T10:00:00Z,1.5,view,/a\n".to_string(),
            &["wrong-column-type", "`user_id`", "Float64"],
        ),
        // Only `account_id` of the events is optional (LANGUAGE.md §1);
        // sessions may all be empty, but the column must be there.
        (
            format!("timestamp,user_id,event_type,name\n{a_view}"),
            &["missing-column", "`session_id`", "events.csv"],
        ),
    ] {
        assert_fails_naming(&run_on_events(&events), 1, names);
    }
    // An empty events table is a data error.
    let o = run_on_events("timestamp,user_id,session_id,event_type,name\n");
    let err = assert_fails_naming(&o, 1, &["events"]);
    assert!(err.contains("no rows") || err.contains("empty"), "{err}");
    // Empty sessions are fine.
    let o = run_on_events(
        "timestamp,user_id,session_id,event_type,name\n2026-03-01T10:00:00Z,u1,,view,/a\n",
    );
    assert!(assert_success(&o).contains("u1"));
}

#[test]
fn missing_profile_key_columns_name_file_and_column() {
    for (file, header, key) in [
        ("users.csv", "uid,plan\nu1,pro\n", "`user_id`"),
        ("accounts.csv", "acc,arr\na1,10\n", "`account_id`"),
    ] {
        let dir = folder(&[("events.csv", EVENTS_CSV), (file, header)]);
        let o = run_data(dir.path(), &["-e", r#"users who viewed "/cart""#]);
        assert_fails_naming(&o, 1, &["missing-column", key, file]);
    }
}

#[test]
fn csv_list_without_the_named_column() {
    let dir = shop(&[("ids.csv", "customer\nu1\n")]);
    let o = run_data(
        dir.path(),
        &["-e", r#"users in csv "ids.csv" column "user_id""#],
    );
    assert_fails_naming(&o, 1, &["ids.csv", "`user_id`", "customer"]);
}

#[test]
fn unknown_column_says_which_table_was_searched() {
    let dir = shop(&[]);
    let o = run_data(
        dir.path(),
        &["-e", r#"users who viewed "/cart" with plan = "premium""#],
    );
    assert_fails_naming(
        &o,
        2,
        &[
            "unknown-column",
            "events table",
            "`plan` is a column of the users table, not of the events",
        ],
    );
    let typo = run_data(dir.path(), &["-e", r#"users who have contry = "BR""#]);
    assert_fails_naming(&typo, 2, &["did you mean `country`?"]);
}

#[test]
fn holding_a_column_the_events_lack_says_where_it_is() {
    let dir = shop(&[]);
    let profile = run_data(
        dir.path(),
        &[
            "-e",
            r#"users who viewed "/cart" at least 2 times holding plan"#,
        ],
    );
    assert_fails_naming(
        &profile,
        2,
        &[
            "unknown-column",
            "`holding plan`",
            "`plan` is a column of the users table",
            "have plan = ...",
        ],
    );
    let typo = run_data(
        dir.path(),
        &["-e", r#"users who viewed "/cart" holding devce"#],
    );
    assert_fails_naming(
        &typo,
        2,
        &["unknown-column", "did you mean `holding device`?"],
    );
}

#[test]
fn type_mismatch_names_column_type_and_literal() {
    let o = run_data(shop(&[]).path(), &["-e", "users who have country = 5"]);
    assert_fails_naming(&o, 2, &["type-mismatch", "`country`", "the number 5"]);
}

#[test]
fn demo_dataset_runs_the_readme_command() {
    let root = repo_root();
    let o = segql_in(&root, &["run", "--count", "examples/cart_abandoners.seg"]);
    let n: usize = assert_success(&o).trim().parse().expect("a count");
    assert!(n > 100, "the demo dataset has cart abandoners: {n}");
    // `--count` with an analysis is an error.
    let funnel = r#"funnel viewed "/a" then viewed "/b""#;
    assert_clean_failure(&segql_in(&root, &["run", "--count", "-e", funnel]), 2);
}

#[test]
fn demo_data_writes_parquet_and_refuses_to_overwrite() {
    let dir = folder(&[]);
    let out = dir.path().join("shop");
    let out_s = out.display().to_string();
    let write = ["demo-data", "--out", &out_s, "--users", "50"];
    let o = segql_in(dir.path(), &[&write[..], &["--days", "10"]].concat());
    assert_success(&o);
    for f in ["events.parquet", "users.parquet", "accounts.parquet"] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let again = segql_in(dir.path(), &write);
    assert_fails_naming(&again, 2, &["--force"]);
    let count = [
        "run",
        "--data",
        &out_s,
        "--count",
        "-e",
        "users who any event",
    ];
    assert_success(&segql_in(dir.path(), &count));
}

#[test]
fn a_bad_value_names_its_file_line_and_column() {
    // Typed from the first rows, then a value that is not a timestamp.
    let o = run_on_events(
        "timestamp,user_id,session_id,event_type,name\n\
         2026-03-01T10:00:00Z,u1,s1,view,/a\n\
         2026-13-45T00:00:00Z,u1,s1,view,/a\n",
    );
    let names = ["data-error", "column `timestamp`", "line 3 of ./events.csv"];
    assert_fails_naming(&o, 1, &names);
    // Read as text, then converted when the query needs the time.
    let events = "timestamp,user_id,session_id,event_type,name\nnot-a-time,u1,s1,view,/a\n";
    let dir = folder(&[("events.csv", events)]);
    let o = run_data(dir.path(), &["-e", "explore events every 1 day"]);
    assert_fails_naming(&o, 1, &["`not-a-time`", "column `timestamp`", "events.csv"]);
}

#[test]
fn nested_profile_columns_are_written_to_csv_as_text() {
    let dir = folder(&[
        (
            "events.ndjson",
            r#"{"timestamp":"2026-01-10T10:00:00Z","user_id":"a","session_id":"s","event_type":"view","name":"/a"}"#,
        ),
        (
            "users.ndjson",
            r#"{"user_id":"a","tags":["x","y"],"geo":{"c":"BR"}}"#,
        ),
    ]);
    assert_eq!(
        run_csv_in(dir.path(), &["--data", "."], VIEWED_A),
        "user_id,geo,tags\na,{c: BR},\"[x, y]\"\n"
    );
}

#[test]
fn a_library_segment_reads_its_csv_list_beside_its_own_file() {
    // LANGUAGE.md §4: the path of `in csv` is relative to the DSL file that
    // holds it, here the library's, not the text that uses the segment.
    let dir = shop(&[]);
    let vip = "segment vip = users in csv \"vip.csv\"\n";
    subfolder(
        dir.path(),
        "lib",
        &[("vip.seg", vip), ("vip.csv", "id\nu3\n")],
    );
    subfolder(
        dir.path(),
        "queries",
        &[("q.seg", "users in segment vip\n")],
    );
    for args in [vec!["-e", "users in segment vip"], vec!["queries/q.seg"]] {
        let mut all = vec!["--segments", "lib", "--format", "csv"];
        all.extend(args);
        let out = assert_success(&run_data(dir.path(), &all));
        assert!(out.starts_with("user_id") && out.contains("\nu3"), "{out}");
    }
}

#[test]
fn definitions_are_checked_against_the_data_used_or_not() {
    let dir = shop(&[(
        "q.seg",
        "segment odd = users who viewed \"/a\" with devize = \"x\";\nusers who viewed \"/cart\"\n",
    )]);
    for command in ["run", "check"] {
        let o = segql_in(dir.path(), &[command, "--data", ".", "q.seg"]);
        let err = assert_fails_naming(&o, 2, &["unknown-column", "q.seg:1:"]);
        assert_eq!(err.matches("unknown-column").count(), 1, "{command}: {err}");
    }
    // A library definition's problem is shown at its use, naming its file.
    let odd = "segment odd = users who have plna = \"pro\"\n";
    subfolder(dir.path(), "lib", &[("odd.seg", odd)]);
    let o = run_data(
        dir.path(),
        &["--segments", "lib", "-e", "users in segment odd"],
    );
    let place = "in the definition of `odd` in lib/odd.seg";
    assert_fails_naming(&o, 2, &["<expr>:1:18", place]);
}

#[test]
fn times_compare_at_microsecond_precision() {
    let dir = folder(&[(
        "events.csv",
        "timestamp,user_id,session_id,event_type,name\n\
         2026-03-01T10:00:00.123456Z,u1,s1,view,/a\n\
         2026-03-01T10:00:00Z,u2,s1,view,/a\n",
    )]);
    for (range, members) in [
        ("before 2026-03-01T10:00:00.123456Z", "user_id\nu2\n"),
        ("before 2026-03-01T10:00:00.123457Z", "user_id\nu1\nu2\n"),
        ("since 2026-03-01T10:00:00.000001Z", "user_id\nu1\n"),
    ] {
        let text = format!("{VIEWED_A} {range}");
        assert_eq!(run_csv_in(dir.path(), &["--data", "."], &text), members);
    }
    // A finer fraction would have to be cut: it is an error.
    let text = format!("{VIEWED_A} before 2026-03-01T10:00:00.1234567Z");
    let o = run_data(dir.path(), &["-e", &text]);
    assert_fails_naming(&o, 2, &["invalid-date", "6 digits"]);
}

#[test]
fn integers_past_i64_mean_more_than_any_data_and_never_wrap() {
    let dir = folder(&[("events.csv", EVENTS_CSV)]);
    let huge = "18446744073709551615";
    for engine in ["native", "portable"] {
        let run =
            |text: String| run_csv_in(dir.path(), &["--data", ".", "--engine", engine], &text);
        for (text, members) in [
            (
                format!(r#"users who action "CHECKOUT" at least {huge} times"#),
                "user_id\n",
            ),
            (
                format!(r#"users who action "CHECKOUT" at most {huge} times"#),
                "user_id\nu1\nu2\nu3\n",
            ),
            (
                format!(r#"users who viewed "/cart" then action "CHECKOUT" within {huge} seconds"#),
                "user_id\nu1\n",
            ),
            (
                format!(r#"users who viewed "/cart" during last {huge} days"#),
                "user_id\nu1\nu2\nu3\n",
            ),
        ] {
            assert_eq!(run(text), members);
        }
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
        let o = run_data(dir.path(), &["-e", &text]);
        assert_fails_naming(&o, 2, &["value-out-of-range"]);
    }
}

#[test]
fn types_a_per_type_name_mapping_leaves_out_keep_the_name_column() {
    let dir = folder(&[
        (
            "events.csv",
            "timestamp,uid,sid,type,url,target,name\n\
             2026-03-01T10:00:00Z,u1,s1,page_view,/cart,,\n\
             2026-03-01T10:01:00Z,u1,s1,action,,CHECKOUT,\n\
             2026-03-01T10:02:00Z,u2,s2,purchase,,,purchase\n",
        ),
        (
            "map.toml",
            "[events]\nuser_id = \"uid\"\nsession_id = \"sid\"\nevent_type = \"type\"\n\
             name = { view = \"url\", action = \"target\" }\n[event_types]\nview = \"page_view\"\n",
        ),
    ]);
    for (text, members) in [
        (
            r#"users who viewed "/cart" then action "CHECKOUT""#,
            "user_id\nu1\n",
        ),
        (r#"users who event "purchase""#, "user_id\nu2\n"),
    ] {
        let out = run_csv_in(dir.path(), &["--data", ".", "--schema", "map.toml"], text);
        assert_eq!(out, members, "{text}");
    }
}

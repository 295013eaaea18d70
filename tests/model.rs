//! The data model of LANGUAGE.md §10, derived sessions and identity
//! stitching: the hand-computed cases (`reference/cases/sessions.txt`)
//! answered by segql on both engines, random datasets with random settings
//! against the reference evaluator, and the settings as a user gives them
//! (`--sessions`, the mapping's `[sessions]` and `[identity]`, an
//! embedder's `CompileOptions`) with their errors.

use crate::differential::{ENGINES, analyses_agree, segments_agree, segql_tables};
use crate::reference::{arb_modelled_analysis_case, arb_modelled_case, cases};
use crate::support::{
    assert_contains, assert_fails_naming, assert_success, folder, output_with_stdin, run_csv_in,
    segql_command, segql_in,
};

#[test]
fn the_hand_computed_cases_agree_on_both_engines() {
    let runtime = crate::support::runtime();
    for engine in ENGINES {
        cases::run_on("sessions", |source, data| {
            segql_tables(data, source, engine, &runtime).map_err(|e| format!("{engine:?}: {e}"))
        });
    }
}

#[test]
fn segments_agree_with_the_reference_with_derived_sessions_and_stitching() {
    segments_agree(120, arb_modelled_case());
}

#[test]
fn analyses_agree_with_the_reference_with_derived_sessions_and_stitching() {
    analyses_agree(80, arb_modelled_analysis_case());
}

// ----- as a user gives them --------------------------------------------------------

/// Events without a session column: u1 checks out 20 minutes after its
/// cart view, u2 40 minutes after.
const NO_SESSIONS_CSV: &str = "\
timestamp,user_id,event_type,name,anon
2026-03-01T10:00:00Z,u1,view,/cart,
2026-03-01T10:20:00Z,u1,action,CHECKOUT,
2026-03-01T10:00:00Z,u2,view,/cart,
2026-03-01T10:40:00Z,u2,action,CHECKOUT,
2026-03-01T09:00:00Z,,view,/home,d1
2026-03-01T09:50:00Z,u3,action,SIGNUP,d1
";

const CART_THEN_CHECKOUT: &str =
    r#"users who viewed "/cart" then action "CHECKOUT" within session"#;

/// For each (flags, members): the members of `CART_THEN_CHECKOUT` on
/// `events.csv` in `dir` with the flags.
fn members_with(dir: &std::path::Path, cases: &[(&[&str], &str)]) {
    for (args, members) in cases {
        let mut all = vec!["--events", "events.csv"];
        all.extend_from_slice(args);
        let expected: String = members
            .split_whitespace()
            .map(|m| format!("{m}\n"))
            .collect();
        assert_eq!(
            run_csv_in(dir, &all, CART_THEN_CHECKOUT),
            format!("user_id\n{expected}"),
            "{args:?}"
        );
    }
}

#[test]
fn an_events_file_without_sessions_reads_derived_ones() {
    let dir = folder(&[("events.csv", NO_SESSIONS_CSV)]);
    members_with(
        dir.path(),
        &[
            (&["--sessions", "30m"], "u1"),
            (&["--sessions", "1 hour"], "u1 u2"),
            // 40 minutes after the cart view is more than 30 after the
            // session's start: the maximum length cuts u2's session even
            // with an hour's gap.
            (&["--sessions", "1h,30m"], "u1"),
        ],
    );
    // Paths and explore's sessions read them too.
    let paths = run_csv_in(
        dir.path(),
        &["--events", "events.csv", "--sessions", "30m"],
        "paths",
    );
    assert_eq!(paths, "path,sessions,users\n/cart,2,2\n");
    let explore = run_csv_in(
        dir.path(),
        &["--events", "events.csv", "--sessions", "30m"],
        "explore sessions by session_id",
    );
    assert_eq!(
        explore,
        "session_id,sessions\nu1#1,1\nu2#1,1\nu2#2,1\nu3#1,1\n"
    );
}

#[test]
fn a_missing_session_column_names_the_flag_that_derives_sessions() {
    let dir = folder(&[("events.csv", NO_SESSIONS_CSV)]);
    let o = segql_in(
        dir.path(),
        &["run", "--events", "events.csv", "-e", CART_THEN_CHECKOUT],
    );
    let err = assert_fails_naming(&o, 1, &["missing-column", "`session_id`", "events.csv"]);
    assert_contains(&err, "--sessions 30m");
    // `check` with data flags finds the same, and nothing with the flag.
    std::fs::write(dir.path().join("q.seg"), CART_THEN_CHECKOUT).unwrap();
    let o = segql_in(dir.path(), &["check", "--events", "events.csv", "q.seg"]);
    assert_fails_naming(&o, 1, &["missing-column", "--sessions"]);
    let o = segql_in(
        dir.path(),
        &[
            "check",
            "--events",
            "events.csv",
            "--sessions",
            "30m",
            "q.seg",
        ],
    );
    assert_success(&o);
}

#[test]
fn the_flag_wins_over_the_mapping() {
    let dir = folder(&[
        ("events.csv", NO_SESSIONS_CSV),
        ("gaps.toml", "[sessions]\ninactivity = \"10 minutes\"\n"),
        (
            "long.toml",
            "[sessions]\ninactivity = \"2h\"\nmax_length = \"30m\"\n",
        ),
    ]);
    members_with(
        dir.path(),
        &[
            (&["--schema", "gaps.toml"], ""),
            (&["--schema", "long.toml"], "u1"),
            (&["--schema", "gaps.toml", "--sessions", "1h"], "u1 u2"),
            // The flag replaces the mapping's maximum length too.
            (&["--schema", "long.toml", "--sessions", "1h"], "u1 u2"),
        ],
    );
}

#[test]
fn bad_settings_name_the_flag_or_the_key() {
    let dir = folder(&[
        ("events.csv", NO_SESSIONS_CSV),
        ("bad.toml", "[sessions]\ninactivity = \"soon\"\n"),
        (
            "month.toml",
            "[sessions]\ninactivity = \"30m\"\nmax_length = \"1 month\"\n",
        ),
        ("anon.toml", "[identity]\nanonymous_id = \"anonymous\"\n"),
    ]);
    // `segql run --events events.csv FLAGS -e paths`.
    let paths = |flags: &[&str]| {
        let mut all = vec!["run", "--events", "events.csv"];
        all.extend_from_slice(flags);
        all.extend(["-e", "paths"]);
        segql_in(dir.path(), &all)
    };
    for (flag, word) in [
        ("30x", "not a duration"),
        ("30m,", "maximum length"),
        ("0m", "zero"),
        ("2 months", "months"),
    ] {
        assert_fails_naming(&paths(&["--sessions", flag]), 2, &["--sessions", word]);
    }
    for (mapping, names) in [
        ("bad.toml", ["bad.toml", "[sessions] inactivity"]),
        ("month.toml", ["month.toml", "[sessions] max_length"]),
    ] {
        assert_fails_naming(&paths(&["--schema", mapping]), 1, &names);
    }
    // A missing anonymous-id column is a data error naming the column and
    // the mapping's key, with the close name.
    let o = paths(&["--schema", "anon.toml", "--sessions", "30m"]);
    assert_fails_naming(
        &o,
        1,
        &[
            "missing-column",
            "`anonymous`",
            "events.csv",
            "[identity] anonymous_id",
            "`anon`",
        ],
    );
}

#[test]
fn stitching_from_the_mapping_before_derived_sessions() {
    let dir = folder(&[
        ("events.csv", NO_SESSIONS_CSV),
        (
            "map.toml",
            "[identity]\nanonymous_id = \"anon\"\n[sessions]\ninactivity = \"1h\"\n",
        ),
    ]);
    // The anonymous /home view is u3's, 50 minutes before its sign-up: one
    // session.
    let text = r#"users who viewed "/home" then action "SIGNUP" within session"#;
    for engine in ["native", "portable"] {
        let args = [
            "--events",
            "events.csv",
            "--schema",
            "map.toml",
            "--engine",
            engine,
        ];
        assert_eq!(run_csv_in(dir.path(), &args, text), "user_id\nu3\n");
        assert_eq!(
            run_csv_in(dir.path(), &args, "explore events, users"),
            "events,users\n6,3\n"
        );
    }
}

#[test]
fn explain_exports_gap_sessions_and_refuses_a_maximum_length() {
    let dir = folder(&[("events.csv", NO_SESSIONS_CSV)]);
    let sql = |sessions: &str| {
        segql_in(
            dir.path(),
            &[
                "explain",
                "--events",
                "events.csv",
                "--sessions",
                sessions,
                "--sql",
                "postgres",
                "-e",
                CART_THEN_CHECKOUT,
            ],
        )
    };
    let text = assert_success(&sql("30m"));
    assert_contains(&text, "lag(");
    assert_contains(&text, "'#'");
    let o = sql("30m,2h");
    assert_fails_naming(&o, 2, &["maximum length", "cannot be written as SQL"]);
}

#[test]
fn the_repl_takes_the_flag() {
    let dir = folder(&[("events.csv", NO_SESSIONS_CSV)]);
    let o = output_with_stdin(
        segql_command(dir.path()).args([
            "repl",
            "--events",
            "events.csv",
            "--sessions",
            "1h",
            "--format",
            "csv",
        ]),
        &format!("{CART_THEN_CHECKOUT};\n"),
    );
    let out = assert_success(&o);
    assert_contains(&out, "u1\nu2\n");
}

#[test]
fn an_embedder_derives_sessions_through_its_compile_options() {
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;
    use std::sync::Arc;
    // A host table without sessions, times as epoch milliseconds.
    let schema = Arc::new(Schema::new(vec![
        Field::new("user_id", DataType::Utf8, false),
        Field::new("timestamp", DataType::Int64, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
    ]));
    let minute = 60_000;
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(StringArray::from(vec!["ann", "ann", "bob", "bob"])),
            Arc::new(Int64Array::from(vec![0, 20 * minute, 0, 40 * minute])),
            Arc::new(StringArray::from(vec!["view", "view", "view", "view"])),
            Arc::new(StringArray::from(vec!["/a", "/b", "/a", "/b"])),
        ],
    )
    .unwrap();
    let ctx = SessionContext::new();
    let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
    ctx.register_table("events", Arc::new(table)).unwrap();
    let runtime = crate::support::runtime();
    let catalog = runtime
        .block_on(segql::catalog_from_context(
            &ctx,
            &segql::TableNames::default(),
            Default::default(),
        ))
        .unwrap();
    let text = r#"users who viewed "/a" then viewed "/b" within session"#;
    let without = segql::compile(text, &catalog, &segql::CompileOptions::new());
    let problems = without.expect_err("no session column and no derived sessions");
    assert_eq!(problems[0].code, "missing-column");
    let options =
        segql::CompileOptions::new().with_sessions(segql::DerivedSessions::parse("30m").unwrap());
    let plan = segql::compile(text, &catalog, &options).expect("it compiles");
    let batches = runtime
        .block_on(async { ctx.execute_logical_plan(plan).await?.collect().await })
        .unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("ann") && !text.contains("bob"), "{text}");
}

/// The README's command: `--schema` without data files reads the demo shop
/// through the mapping, whose time zone, derived sessions and stitching
/// all show in the answers.
#[test]
fn the_demo_reads_through_the_example_mapping() {
    let mapped = |extra: &[&str]| {
        let mut args = vec!["run", "--format", "csv"];
        args.extend_from_slice(extra);
        args.push("examples/shop_model.seg");
        assert_success(&crate::support::segql(&args))
    };
    let out = mapped(&["--schema", "examples/shop_model.toml"]);
    // Berlin days, across the change to summer time on 2026-03-29.
    assert_contains(&out, "2026-03-29T00:00:00+01:00,");
    assert_contains(&out, "2026-03-30T00:00:00+02:00,");
    // Without the mapping the same queries read UTC days and the file's
    // sessions, and give other answers.
    let plain = mapped(&[]);
    assert_contains(&plain, "2026-03-30T00:00:00Z,");
    assert_ne!(out, plain);
}

//! The reporting time zone (LANGUAGE.md §10) end to end: the hand-computed
//! answers of `reference/cases/zones.txt` from both engines, the command
//! line's `--time-zone` and the mapping's `time_zone`, zoned output in every
//! text format, SQL export, and the errors.

use crate::support::{
    assert_contains, assert_fails_naming, assert_success, folder, segql, segql_in, stdout,
};

#[test]
fn both_engines_give_the_hand_computed_answers_in_zones() {
    crate::differential::engines_give_the_hand_computed_answers("zones");
}

/// Events around the end of summer time in Berlin, as CSV.
const BERLIN_EVENTS: &str = "timestamp,user_id,session_id,event_type,name
2026-10-24T21:30:00Z,a,s1,view,/home
2026-10-24T22:30:00Z,a,s1,view,/home
2026-10-25T22:30:00Z,b,s2,view,/home
2026-10-25T23:30:00Z,b,s2,view,/home
";

const USERS: &str = "user_id,signup_date
a,2026-10-25
b,2026-10-26
";

fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["run", "--events", "events.csv", "--users", "users.csv"];
    all.extend_from_slice(args);
    segql_in(dir, &all)
}

#[test]
fn buckets_and_event_times_print_with_the_zones_offset_in_every_format() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let in_berlin = |format: &str, text: &str| {
        let args = [
            "--time-zone",
            "Europe/Berlin",
            "--format",
            format,
            "-e",
            text,
        ];
        assert_success(&run_in(dir.path(), &args))
    };
    let explore = "explore events every 1 day";
    assert_eq!(
        in_berlin("csv", explore),
        "time,events\n2026-10-24T00:00:00+02:00,1\n2026-10-25T00:00:00+02:00,2\n2026-10-26T00:00:00+01:00,1\n"
    );
    assert_eq!(
        in_berlin("json", explore),
        "[{\"time\":\"2026-10-24T00:00:00+02:00\",\"events\":1},{\"time\":\"2026-10-25T00:00:00+02:00\",\"events\":2},{\"time\":\"2026-10-26T00:00:00+01:00\",\"events\":1}]\n"
    );
    let ndjson = in_berlin("ndjson", explore);
    assert_eq!(ndjson.lines().count(), 3);
    assert_contains(
        &ndjson,
        "{\"time\":\"2026-10-26T00:00:00+01:00\",\"events\":1}",
    );
    assert_contains(
        &in_berlin("table", explore),
        "| 2026-10-25T00:00:00+02:00 | 2      |",
    );
    // Event times of a group print with the offset, dates as dates.
    let times = in_berlin("csv", "explore events by timestamp, signup_date");
    assert_contains(&times, "2026-10-25T00:30:00+02:00,2026-10-25,1");
    assert_contains(&times, "2026-10-26T00:30:00+01:00,2026-10-26,1");
    // UTC prints as before: `Z`.
    let utc = assert_success(&run_in(dir.path(), &["--format", "csv", "-e", explore]));
    assert_eq!(
        utc,
        "time,events\n2026-10-24T00:00:00Z,2\n2026-10-25T00:00:00Z,2\n"
    );
}

#[test]
fn parquet_output_keeps_the_zone() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let out = dir.path().join("buckets.parquet");
    assert_success(&run_in(
        dir.path(),
        &[
            "--time-zone",
            "Europe/Berlin",
            "-o",
            out.to_str().unwrap(),
            "-e",
            "explore events every 1 day",
        ],
    ));
    let file = std::fs::File::open(&out).unwrap();
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap();
    use datafusion::arrow::datatypes::{DataType, TimeUnit};
    assert_eq!(
        reader.schema().field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("Europe/Berlin".into()))
    );
}

#[test]
fn the_flag_wins_over_the_mappings_time_zone() {
    let mapping = "time_zone = \"America/New_York\"\n[events]\nuser_id = \"user_id\"\n";
    let dir = folder(&[
        ("events.csv", BERLIN_EVENTS),
        ("users.csv", USERS),
        ("map.toml", mapping),
    ]);
    let days = |extra: &[&str]| {
        let mut args = vec!["--schema", "map.toml", "--format", "csv"];
        args.extend_from_slice(extra);
        args.extend(["-e", "explore events every 1 day"]);
        assert_success(&run_in(dir.path(), &args))
    };
    // New York: 17:30 and 18:30 on the 24th, 18:30 and 19:30 on the 25th.
    assert_eq!(
        days(&[]),
        "time,events\n2026-10-24T00:00:00-04:00,2\n2026-10-25T00:00:00-04:00,2\n"
    );
    assert_eq!(
        days(&["--time-zone", "Europe/Berlin"]),
        "time,events\n2026-10-24T00:00:00+02:00,1\n2026-10-25T00:00:00+02:00,2\n2026-10-26T00:00:00+01:00,1\n"
    );
    assert_eq!(
        days(&["--time-zone", "UTC"]),
        "time,events\n2026-10-24T00:00:00Z,2\n2026-10-25T00:00:00Z,2\n"
    );
}

#[test]
fn an_unknown_zone_is_an_argument_error_with_a_hint() {
    for command in [
        vec![
            "run",
            "--time-zone",
            "Europe/Berln",
            "-e",
            "users who viewed \"/cart\"",
        ],
        vec![
            "explain",
            "--time-zone",
            "Europe/Berln",
            "-e",
            "users who viewed \"/cart\"",
        ],
        vec![
            "check",
            "--time-zone",
            "Europe/Berln",
            "examples/cart_abandoners.seg",
        ],
        vec!["repl", "--time-zone", "Europe/Berln"],
    ] {
        let output = segql(&command);
        assert_fails_naming(
            &output,
            2,
            &[
                "unknown-time-zone",
                "`Europe/Berln`",
                "did you mean `Europe/Berlin`?",
            ],
        );
    }
    let city = segql(&[
        "run",
        "--time-zone",
        "Kathmandu",
        "-e",
        "users who viewed \"/cart\"",
    ]);
    assert_fails_naming(&city, 2, &["did you mean `Asia/Kathmandu`?"]);
    let dir = folder(&[
        ("events.csv", BERLIN_EVENTS),
        ("map.toml", "time_zone = \"Mars/Olympus\"\n"),
    ]);
    for command in ["run", "check"] {
        let mut args = vec![command, "--events", "events.csv", "--schema", "map.toml"];
        args.extend(match command {
            "run" => vec!["-e", "users who viewed \"/home\""],
            _ => vec!["q.seg"],
        });
        std::fs::write(dir.path().join("q.seg"), "users who viewed \"/home\"\n").unwrap();
        let output = segql_in(dir.path(), &args);
        assert_fails_naming(
            &output,
            2,
            &["unknown-time-zone", "map.toml", "Mars/Olympus"],
        );
    }
}

#[test]
fn fixed_offsets_and_names_in_any_case_are_zones() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let first_day = |zone: &str| {
        let args = [
            "--time-zone",
            zone,
            "--format",
            "csv",
            "-e",
            "explore events every day",
        ];
        let csv = assert_success(&run_in(dir.path(), &args));
        csv.lines().nth(1).map(str::to_string)
    };
    assert_eq!(
        first_day("+05:30").as_deref(),
        Some("2026-10-25T00:00:00+05:30,2")
    );
    assert_eq!(
        first_day("-03:00").as_deref(),
        Some("2026-10-24T00:00:00-03:00,2")
    );
    assert_eq!(
        first_day("europe/berlin").as_deref(),
        Some("2026-10-24T00:00:00+02:00,1")
    );
}

#[test]
fn now_and_dates_alone_are_local_midnights() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let members = |args: &[&str]| {
        let mut all = vec!["--format", "csv"];
        all.extend_from_slice(args);
        assert_success(&run_in(dir.path(), &all))
    };
    // Local midnight of the 26th in Berlin is 2026-10-25T23:00Z: only b's
    // 23:30 view is after it.
    let since = ["-e", "users who viewed \"/home\" since 2026-10-26"];
    assert_eq!(
        members(&[&["--time-zone", "Europe/Berlin"][..], &since].concat()),
        "user_id,signup_date\nb,2026-10-26\n"
    );
    assert_eq!(members(&since), "user_id,signup_date\n");
    // `--now 2026-10-25` is local midnight too, 2026-10-24T22:00Z: the
    // last hour holds a's 21:30 view.
    let last_hour = [
        "--now",
        "2026-10-25",
        "-e",
        "users who viewed \"/home\" during last 1 hour",
    ];
    assert_eq!(
        members(&[&["--time-zone", "Europe/Berlin"][..], &last_hour].concat()),
        "user_id,signup_date\na,2026-10-25\n"
    );
    assert_eq!(members(&last_hour), "user_id,signup_date\n");
}

#[test]
fn a_range_between_a_date_and_a_time_that_is_empty_in_the_zone_is_an_error() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let text = "users who viewed \"/home\" between 2026-10-26 and 2026-10-26T00:30:00Z";
    // In UTC the range is half an hour long; in New York the 26th starts
    // at 04:00Z, after its end.
    assert_success(&run_in(dir.path(), &["-e", text]));
    let output = run_in(dir.path(), &["--time-zone", "America/New_York", "-e", text]);
    assert_fails_naming(&output, 2, &["zero-length-range", "America/New_York"]);
}

#[test]
fn fmt_keeps_dates_with_offsets_as_written() {
    let text = "users who viewed \"/a\" between 2026-03-01T10:00:00+01:00 and 2026-03-02T00:00:00.25-05:30;\n";
    let output = crate::support::segql_stdin(&["fmt", "-"], text);
    assert_eq!(stdout(&output), text);
}

#[test]
fn sql_export_writes_local_periods_or_says_it_cannot() {
    let export = |dialect: &str, text: &str| {
        segql(&[
            "explain",
            "--time-zone",
            "Europe/Berlin",
            "--sql",
            dialect,
            "-e",
            text,
        ])
    };
    let retention = "retention viewed \"/home\" returning viewed \"/home\" periods 1";
    let explore = "explore events every 2 days";
    for (dialect, local) in [
        ("postgres", "date_trunc('day', timezone('Europe/Berlin', "),
        ("duckdb", "date_trunc('day', timezone('Europe/Berlin', "),
        ("default", "'Timestamp(µs, \"Europe/Berlin\")')"),
    ] {
        for text in [retention, explore] {
            assert_contains(&assert_success(&export(dialect, text)), local);
        }
    }
    for dialect in ["mysql", "sqlite"] {
        let output = export(dialect, explore);
        assert_fails_naming(&output, 2, &["time zone Europe/Berlin", dialect]);
    }
    // A segment without dates or periods does not depend on the zone.
    assert_success(&export("mysql", "users who viewed \"/cart\""));
}

#[test]
fn the_repl_takes_the_flag() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS)]);
    let output = crate::support::output_with_stdin(
        crate::support::segql_command(dir.path()).args([
            "repl",
            "--events",
            "events.csv",
            "--time-zone",
            "Europe/Berlin",
            "--format",
            "csv",
        ]),
        "explore events every 1 day;\n",
    );
    assert_contains(
        &assert_success(&output),
        "time,events\n2026-10-24T00:00:00+02:00,1\n2026-10-25T00:00:00+02:00,2\n",
    );
}

/// An embedder's zone: `CompileOptions::with_time_zone`, else the mapping's.
#[test]
fn compile_options_and_the_hosts_mapping_carry_the_zone() {
    use crate::reference::{RefDataset, RefEvent};
    use datafusion::datasource::MemTable;
    use datafusion::prelude::SessionContext;
    // 2026-10-24T21:30Z and 22:30Z: the 24th and the 25th in Berlin.
    let data = RefDataset {
        events: [1_792_877_400_000, 1_792_881_000_000]
            .map(|ms| RefEvent::new(ms, Some("a"), "view", "/a"))
            .to_vec(),
        ..Default::default()
    };
    let (events, _, _) = data.to_record_batches();
    let runtime = crate::support::runtime();
    let ctx = SessionContext::new();
    let table = MemTable::try_new(events.schema(), vec![vec![events]]).unwrap();
    ctx.register_table("events", std::sync::Arc::new(table))
        .unwrap();
    let days = |mapping: segql::SchemaMapping, options: segql::CompileOptions| {
        runtime.block_on(async {
            let catalog = segql::catalog_from_context(&ctx, &Default::default(), mapping)
                .await
                .unwrap();
            let plan = segql::compile("explore events every day", &catalog, &options).unwrap();
            let batches = ctx
                .execute_logical_plan(plan)
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            let csv = segql::present::output::OutputFormat::Csv;
            let mut out = Vec::new();
            segql::present::output::write(&batches, &batches[0].schema(), csv, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        })
    };
    let berlin = "time,events\n2026-10-24T00:00:00+02:00,1\n2026-10-25T00:00:00+02:00,1\n";
    let zone = segql::ReportingZone::parse("Europe/Berlin").unwrap();
    assert_eq!(
        days(
            Default::default(),
            segql::CompileOptions::new().with_time_zone(zone)
        ),
        berlin
    );
    let mapping = segql::SchemaMapping {
        time_zone: Some("Europe/Berlin".into()),
        ..Default::default()
    };
    assert_eq!(days(mapping.clone(), segql::CompileOptions::new()), berlin);
    assert_eq!(
        days(
            mapping,
            segql::CompileOptions::new().with_time_zone(segql::ReportingZone::utc())
        ),
        "time,events\n2026-10-24T00:00:00Z,2\n"
    );
}

/// A table leaves blank the retention periods after the data; the data
/// ends at b's view of local 2026-10-26 00:30, so that local day is shown.
#[test]
fn tables_blank_only_the_local_periods_after_the_data() {
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", USERS)]);
    let text = "retention viewed \"/home\" returning viewed \"/home\" periods 2";
    let table = assert_success(&run_in(
        dir.path(),
        &[
            "--time-zone",
            "Europe/Berlin",
            "--format",
            "table",
            "-e",
            text,
        ],
    ));
    assert_contains(&table, "| 2026-10-25 | 1      | 1     | 1        | 1.0  |");
    assert_contains(&table, "| 2026-10-25 | 2      | 1     |          |      |");
}

#[test]
fn member_rows_print_their_times_with_the_offset() {
    let users = "user_id,signup_date,last_seen
a,2026-10-25,2026-10-24T22:30:00Z
b,2026-10-26,2026-10-25T23:30:00Z
";
    let dir = folder(&[("events.csv", BERLIN_EVENTS), ("users.csv", users)]);
    // a's last_seen is local 00:30 on the 25th: after local midnight.
    let csv = assert_success(&run_in(
        dir.path(),
        &[
            "--time-zone",
            "Europe/Berlin",
            "--format",
            "csv",
            "-e",
            "users who have last_seen >= 2026-10-25",
        ],
    ));
    assert_eq!(
        csv,
        "user_id,signup_date,last_seen\na,2026-10-25,2026-10-25T00:30:00+02:00\nb,2026-10-26,2026-10-26T00:30:00+01:00\n"
    );
}

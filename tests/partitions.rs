//! Hive-partitioned datasets (`events/date=2026-03-31/part-0.parquet`):
//! read as one table with their partition columns, pruned by a query's time
//! range when the mapping names the partition date, locally and in the S3
//! server.

use crate::stores::{fresh_prefix, s3};
use crate::support::{repo_root, segql_in, stderr, stdout};
use std::path::Path;

/// The demo shop written with `--partition-by day` into `dir/daily`, and
/// the same shop in one file into `dir/flat`.
fn shops(users: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (folder, extra) in [("daily", Some("day")), ("flat", None)] {
        let out = dir.path().join(folder);
        let mut args = vec![
            "demo-data",
            "--out",
            out.to_str().unwrap(),
            "--users",
            users,
        ];
        if let Some(unit) = extra {
            args.extend(["--partition-by", unit]);
        }
        let o = segql_in(dir.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    std::fs::write(
        dir.path().join("daily.toml"),
        "[events]\npartition_date = \"date\"\n",
    )
    .unwrap();
    dir
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = segql_in(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// The number of files the events scans opened, from `explain --analyze`.
fn events_files_opened(dir: &Path, args: &[&str]) -> Vec<u64> {
    let mut all = vec!["explain", "--analyze"];
    all.extend(args);
    ok(dir, &all)
        .lines()
        .filter(|l| l.contains("DataSourceExec") && l.contains("/events/"))
        .map(|l| {
            let (_, rest) = l
                .split_once("files_opened=")
                .expect("a files_opened metric");
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

#[test]
fn demo_data_writes_one_folder_per_day() {
    let dir = shops("40");
    let days: Vec<String> = std::fs::read_dir(dir.path().join("daily/events"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // A small shop may have a quiet day without any event.
    assert!(days.len() >= 85, "{days:?}");
    assert!(days.contains(&"date=2026-03-31".to_string()), "{days:?}");
    assert!(
        dir.path()
            .join("daily/events/date=2026-01-01/part-0.parquet")
            .is_file()
    );
    // Asked again without --force: nothing is overwritten.
    let o = segql_in(
        dir.path(),
        &["demo-data", "--out", "daily", "--partition-by", "day"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("daily/events` exists"),
        "{}",
        stderr(&o)
    );
}

/// Every segment and analysis example gives the same answer from the
/// partitioned folder (with and without pruning) as from the one file.
#[test]
fn a_partitioned_folder_answers_as_one_file() {
    let dir = shops("150");
    let root = repo_root();
    let flat = dir.path().join("flat");
    let daily = dir.path().join("daily");
    let mapping = dir.path().join("daily.toml");
    for example in [
        "cart_abandoners",
        "dormant_users",
        "account_arr",
        "funnel_payment_errors",
        "retention_by_device",
        "paths_from_cart",
        "explore_breakdowns",
        "lifecycle",
    ] {
        let file = format!("examples/{example}.seg");
        let common = ["--now", "2026-04-01", "--format", "csv"];
        let mut args = vec!["run", file.as_str(), "--data", flat.to_str().unwrap()];
        args.extend(common);
        let expected = ok(&root, &args);
        let mut args = vec!["run", file.as_str(), "--data", daily.to_str().unwrap()];
        args.extend(common);
        let partitioned = ok(&root, &args);
        args.extend(["--schema", mapping.to_str().unwrap()]);
        let pruned = ok(&root, &args);
        assert_eq!(partitioned, expected, "{example}");
        assert_eq!(pruned, expected, "{example} with partition_date");
    }
}

#[test]
fn a_time_range_reads_only_its_days() {
    let dir = shops("40");
    let query = r#"users who viewed "/cart" during last 7 days"#;
    let base = ["--data", "daily", "--now", "2026-04-01", "-e", query];
    // Without the mapping every day is opened (its statistics then skip
    // the row groups outside the range); with it, 7 days.
    let all = events_files_opened(dir.path(), &base);
    assert!(all.iter().all(|&n| n >= 85), "{all:?}");
    let mut mapped = base.to_vec();
    mapped.extend(["--schema", "daily.toml"]);
    let pruned = events_files_opened(dir.path(), &mapped);
    assert!(
        !pruned.is_empty() && pruned.iter().all(|&n| n == 7),
        "{pruned:?}"
    );
    // A range that does not start at midnight touches one day more.
    let query = r#"users who viewed "/cart" between 2026-03-30T12:00:00Z and 2026-03-31T12:00:00Z"#;
    let args = ["--data", "daily", "--schema", "daily.toml", "-e", query];
    assert_eq!(events_files_opened(dir.path(), &args), vec![2]);
    // The physical plan lists the files it will read.
    let plan = ok(
        dir.path(),
        &[
            "explain",
            "--physical",
            "--data",
            "daily",
            "--schema",
            "daily.toml",
            "-e",
            query,
        ],
    );
    assert!(plan.contains("date=2026-03-30/part-0.parquet"), "{plan}");
    assert!(plan.contains("date=2026-03-31/part-0.parquet"), "{plan}");
    assert!(!plan.contains("date=2026-03-29/"), "{plan}");
    // Row groups are pruned by their timestamp statistics.
    assert!(plan.contains("timestamp_min"), "{plan}");
}

#[test]
fn partition_columns_are_columns() {
    let dir = shops("60");
    let by_day = ok(
        dir.path(),
        &[
            "run",
            "--data",
            "daily",
            "--now",
            "2026-04-01",
            "--format",
            "csv",
            "-e",
            "explore events by date during last 3 days",
        ],
    );
    assert_eq!(
        by_day
            .lines()
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>(),
        ["date", "2026-03-29", "2026-03-30", "2026-03-31"]
    );
    let with_day = ok(
        dir.path(),
        &[
            "run",
            "--data",
            "daily",
            "--format",
            "csv",
            "-e",
            r#"users who viewed "/cart" with date = "2026-03-31""#,
        ],
    );
    let in_range = ok(
        dir.path(),
        &[
            "run",
            "--data",
            "flat",
            "--format",
            "csv",
            "-e",
            r#"users who viewed "/cart" between 2026-03-31 and 2026-04-01"#,
        ],
    );
    assert_eq!(with_day, in_range);
    // A partitioned users table: its key is a profile column for `where`.
    let users = dir.path().join("users");
    for (country, rows) in [
        ("DE", "user_id,plan\nu00001,free\nu00002,pro\n"),
        ("FR", "user_id,plan\nu00003,pro\n"),
    ] {
        std::fs::create_dir_all(users.join(format!("country={country}"))).unwrap();
        std::fs::write(users.join(format!("country={country}/part-0.csv")), rows).unwrap();
    }
    let members = ok(
        dir.path(),
        &[
            "run",
            "--events",
            "flat/events.parquet",
            "--users",
            "users",
            "--format",
            "csv",
            "-e",
            r#"users who have country = "DE" and plan = "pro""#,
        ],
    );
    assert_eq!(
        members.lines().nth(1).unwrap_or_default().split(',').next(),
        Some("u00002"),
        "{members}"
    );
}

#[test]
fn bad_layouts_and_mappings_are_errors() {
    let dir = shops("20");
    // A file beside the day folders: not one table.
    std::fs::copy(
        dir.path().join("flat/events.parquet"),
        dir.path().join("daily/events/stray.parquet"),
    )
    .unwrap();
    let o = segql_in(
        dir.path(),
        &["run", "--data", "daily", "-e", r#"users who viewed "/""#],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mixes layouts"), "{}", stderr(&o));
    assert!(stderr(&o).contains("is under date="), "{}", stderr(&o));
    std::fs::remove_file(dir.path().join("daily/events/stray.parquet")).unwrap();
    // A partition date the events do not have.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[events]\npartition_date = \"day\"\n",
    )
    .unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            "daily",
            "--schema",
            "bad.toml",
            "-e",
            r#"users who viewed "/""#,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no column `day`"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `date`?"),
        "{}",
        stderr(&o)
    );
    // A partition date of the wrong type.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[events]\npartition_date = \"amount\"\n",
    )
    .unwrap();
    let o = segql_in(
        dir.path(),
        &[
            "run",
            "--data",
            "flat",
            "--schema",
            "bad.toml",
            "-e",
            r#"users who viewed "/""#,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("must hold dates or YYYY-MM-DD text"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_partitioned_folder_in_a_bucket_is_pruned_too() {
    let s3 = s3();
    let dir = shops("60");
    let prefix = fresh_prefix("daily");
    s3.put_folder(&dir.path().join("daily"), &prefix);
    let data = s3.url(&format!("{prefix}/"));
    let query = r#"funnel viewed like "/product/%" then viewed "/cart" during last 14 days"#;
    let local = ok(
        dir.path(),
        &[
            "run",
            "--data",
            "flat",
            "--now",
            "2026-04-01",
            "--format",
            "csv",
            "-e",
            query,
        ],
    );
    let args = [
        "run",
        "--data",
        &data,
        "--schema",
        "daily.toml",
        "--now",
        "2026-04-01",
        "--format",
        "csv",
        "-e",
        query,
    ];
    let o = s3.segql(dir.path()).args(args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), local);
    let mut explain = vec!["explain", "--analyze"];
    explain.extend(&args[1..args.len() - 4]);
    explain.extend(["-e", query]);
    let o = s3.segql(dir.path()).args(&explain).output().unwrap();
    let plan = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let opened: Vec<&str> = plan
        .lines()
        .filter(|l| l.contains("DataSourceExec") && l.contains("/events/"))
        .filter_map(|l| {
            l.split_once("files_opened=")
                .map(|(_, r)| r.split(',').next().unwrap())
        })
        .collect();
    assert!(
        !opened.is_empty() && opened.iter().all(|n| *n == "14"),
        "{opened:?}\n{plan}"
    );
}

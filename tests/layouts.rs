//! The random cases of the differential tests on Parquet files instead of
//! batches in memory: as written (text read as string views, user keys
//! compared as views), read with and without filter pushdown, and after
//! `segql prepare` (sorted by user and time, statistics, bloom filters,
//! the order declared). Every layout gives the reference evaluator's
//! answers.

use crate::differential::{analyses_agree_on, segments_agree_on, tables_of};
use crate::reference::{RefDataset, Table, arb_analysis_case, arb_case};
use segql::engine::{DataSpec, Engine, FilterPushdown, Resources};
use segql::planner::SequenceEngine;
use std::path::Path;

/// The rows of a prepared case's row groups: small, so that the events
/// of a random case span several groups and threads.
const PREPARED_ROW_GROUP_ROWS: usize = 6;

/// How a case's files are laid out and read.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// The files as written, read with this pushdown.
    AsWritten(FilterPushdown),
    /// Rewritten by `segql prepare`.
    Prepared,
}

/// Writes `data` as Parquet files (and its schema mapping) into `dir`.
fn write_case(data: &RefDataset, dir: &Path) {
    for (name, bytes) in crate::support::parquet_files(data) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    std::fs::write(dir.join("model.toml"), crate::support::model_toml(data)).unwrap();
}

fn open(
    dir: &Path,
    mapping: &Path,
    pushdown: FilterPushdown,
    rt: &tokio::runtime::Runtime,
) -> Result<Engine, String> {
    let spec = DataSpec {
        data_dir: Some(dir.to_path_buf()),
        schema: Some(mapping.to_path_buf()),
        ..Default::default()
    };
    let resources = Resources {
        pushdown,
        ..Resources::threads(2)
    };
    rt.block_on(Engine::open(&spec, resources))
        .map_err(|d| format!("open: {d}"))
}

/// segql's tables of a random case, its data read from files in `layout`.
fn tables_in(
    layout: Layout,
    data: &RefDataset,
    text: &str,
    engine: SequenceEngine,
    rt: &tokio::runtime::Runtime,
) -> Result<Vec<Table>, String> {
    let raw = tempfile::tempdir().unwrap();
    write_case(data, raw.path());
    let mapping = raw.path().join("model.toml");
    // Both folders live until the queries have run: files are read then.
    let prepared = tempfile::tempdir().unwrap();
    let files = match layout {
        Layout::AsWritten(pushdown) => open(raw.path(), &mapping, pushdown, rt)?,
        Layout::Prepared => {
            let source = open(raw.path(), &mapping, FilterPushdown::Off, rt)?;
            // Row groups of a few rows: the prepared events are read in
            // ranges of whole users, one per thread.
            rt.block_on(source.prepare(
                prepared.path(),
                Some(PREPARED_ROW_GROUP_ROWS),
                &|_, _, _| {},
            ))
            .map_err(|d| format!("prepare: {d}"))?;
            open(prepared.path(), &mapping, FilterPushdown::Off, rt)?
        }
    };
    tables_of(&files, text, engine, rt)
}

#[test]
fn random_segments_on_parquet_files_agree_with_the_reference() {
    segments_agree_on(60, arb_case(), |d, t, e, rt| {
        tables_in(Layout::AsWritten(FilterPushdown::Auto), d, t, e, rt)
    });
}

#[test]
fn random_segments_with_filter_pushdown_agree_with_the_reference() {
    segments_agree_on(60, arb_case(), |d, t, e, rt| {
        tables_in(Layout::AsWritten(FilterPushdown::On), d, t, e, rt)
    });
}

#[test]
fn random_segments_on_prepared_data_agree_with_the_reference() {
    segments_agree_on(60, arb_case(), |d, t, e, rt| {
        tables_in(Layout::Prepared, d, t, e, rt)
    });
}

#[test]
fn random_analyses_with_pushdown_and_on_prepared_data_agree_with_the_reference() {
    analyses_agree_on(40, arb_analysis_case(), |d, t, e, rt| {
        tables_in(Layout::AsWritten(FilterPushdown::On), d, t, e, rt)
    });
    analyses_agree_on(40, arb_analysis_case(), |d, t, e, rt| {
        tables_in(Layout::Prepared, d, t, e, rt)
    });
}

/// `segql prepare` on the demo shop: the events sorted by user and time,
/// the order and bloom filters declared in the file, row groups sized for
/// the threads, and the answers of the seed query unchanged.
#[test]
fn prepare_writes_the_sorted_indexed_layout() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let raw = tempfile::tempdir().unwrap();
    let out = raw.path().join("prepared");
    let segql = crate::support::segql_bin();
    let status = std::process::Command::new(&segql)
        .args(["demo-data", "--users", "4000", "--out"])
        .arg(raw.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let prepare = |force: bool| {
        let mut command = std::process::Command::new(&segql);
        command
            .args(["prepare", "--threads", "2", "--data"])
            .arg(raw.path())
            .arg("--out")
            .arg(&out);
        if force {
            command.arg("--force");
        }
        command.output().unwrap()
    };
    let first = prepare(false);
    assert!(first.status.success(), "{first:?}");
    let text = String::from_utf8_lossy(&first.stderr);
    assert!(text.contains("sorted by user_id, timestamp"), "{text}");

    // The file declares its order and carries bloom filters on the names.
    let file = std::fs::File::open(out.join("events.parquet")).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let metadata = reader.metadata();
    assert!(metadata.num_row_groups() >= 4, "two row groups per thread");
    let group = metadata.row_group(0);
    let sorting = group.sorting_columns().expect("sorting columns declared");
    let schema = metadata.file_metadata().schema_descr();
    let names: Vec<String> = sorting
        .iter()
        .map(|c| schema.column(c.column_idx as usize).name().to_string())
        .collect();
    assert_eq!(names, ["user_id", "timestamp"]);
    // A column chunk of a row group, by the column's name.
    let chunk = |g: usize, name: &str| {
        let group = metadata.row_group(g);
        let index = (0..group.num_columns())
            .find(|&i| group.column(i).column_path().string() == name)
            .unwrap();
        group.column(index)
    };
    assert!(chunk(0, "name").bloom_filter_offset().is_some());

    // Rows in (user, time) order, every row kept.
    // One partition: rows come in file order.
    let ctx = datafusion::prelude::SessionContext::new_with_config(
        datafusion::prelude::SessionConfig::new().with_target_partitions(1),
    );
    let rt = crate::support::runtime();
    let count = |path: &Path| {
        rt.block_on(async {
            ctx.read_parquet(path.to_str().unwrap(), Default::default())
                .await
                .unwrap()
                .count()
                .await
                .unwrap()
        })
    };
    assert_eq!(
        count(&raw.path().join("events.parquet")),
        count(&out.join("events.parquet"))
    );
    let out_of_order = rt.block_on(async {
        ctx.register_parquet(
            "prepared",
            out.join("events.parquet").to_str().unwrap(),
            Default::default(),
        )
        .await
        .unwrap();
        let sql = "SELECT count(*) AS n FROM (SELECT user_id, timestamp, \
             lag(user_id) OVER () AS prev_user, lag(timestamp) OVER () AS prev_time \
             FROM prepared) WHERE prev_user > user_id \
             OR (prev_user = user_id AND prev_time > timestamp)";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
    });
    assert!(out_of_order.contains("| 0 |"), "{out_of_order}");

    // The same answers on both layouts, members in the same (key) order.
    let seed = r#"users who viewed "/cart" then not action "CHECKOUT" within session"#;
    // What segql writes with `args`, the seed query and its data in `dir`.
    let seed_output = |args: &[&str], dir: &Path| {
        let output = std::process::Command::new(&segql)
            .args(args)
            .args(["--now", "2026-04-01", "--data"])
            .arg(dir)
            .args(["-e", seed])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let members_of_the_seed = |dir: &Path| seed_output(&["run", "--format", "csv"], dir);
    assert_eq!(members_of_the_seed(raw.path()), members_of_the_seed(&out));

    // No user crosses a row group boundary: each group's smallest user is
    // above the one before's largest.
    let users_of = |g: usize| match chunk(g, "user_id").statistics() {
        Some(parquet::file::statistics::Statistics::ByteArray(s)) => (
            s.min_opt().unwrap().data().to_vec(),
            s.max_opt().unwrap().data().to_vec(),
        ),
        other => panic!("no user_id statistics: {other:?}"),
    };
    for g in 1..metadata.num_row_groups() {
        let (_, before) = users_of(g - 1);
        let (after, _) = users_of(g);
        assert!(before < after, "a user crosses row group {g}");
    }

    // The prepared events are read in ranges of users, one per thread: the
    // sequence matcher's events are not repartitioned (unless asked), and
    // the answers are the same.
    let physical_plan = |extra: &[&str]| {
        let args = [&["explain", "--physical", "--threads", "2"], extra].concat();
        seed_output(&args, &out)
    };
    let ranged = physical_plan(&[]);
    assert!(ranged.contains("output_partitioning=Range("), "{ranged}");
    let hashed = physical_plan(&["--no-actor-ranges"]);
    assert!(!hashed.contains("Range("), "{hashed}");
    let repartitions = |plan: &str| plan.matches("RepartitionExec: partitioning=Hash").count();
    assert!(
        repartitions(&ranged) < repartitions(&hashed),
        "{ranged}\n{hashed}"
    );

    // Existing files are replaced only when asked.
    let again = prepare(false);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --force"));
    assert!(prepare(true).status.success());
}

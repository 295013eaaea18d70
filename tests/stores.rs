//! Object-store paths (`s3://bucket/key`) read from a real S3-compatible
//! server: the one `scripts/test` starts on 127.0.0.1 and names in
//! `SEGQL_TEST_S3_ENDPOINT`. Without it these tests fail (they never skip):
//! run the tests with `scripts/test`.

use crate::support::{runtime, segql_command, stderr, stdout};
use object_store::ObjectStoreExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The S3 server of this test run and its bucket.
pub struct S3 {
    pub endpoint: String,
    pub bucket: String,
}

/// The server `scripts/test` started; a test that needs it fails without.
pub fn s3() -> S3 {
    let endpoint = std::env::var("SEGQL_TEST_S3_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "no S3 server: SEGQL_TEST_S3_ENDPOINT is not set. Run the tests with \
             scripts/test, which starts one (moto) on 127.0.0.1"
        )
    });
    let bucket = std::env::var("SEGQL_TEST_S3_BUCKET").unwrap_or_else(|_| "segql-test".into());
    S3 { endpoint, bucket }
}

/// A key prefix no other test writes under.
pub fn fresh_prefix(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl S3 {
    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(&self.bucket)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .expect("an S3 client for the test server")
    }

    /// Writes `bytes` at `key`.
    pub fn put(&self, key: &str, bytes: Vec<u8>) {
        let client = self.client();
        runtime()
            .block_on(client.put(&ObjectPath::from(key), bytes.into()))
            .unwrap_or_else(|e| panic!("cannot write s3://{}/{key}: {e}", self.bucket));
    }

    /// Copies every file under the local folder `dir` (recursively) to
    /// `prefix/` in the bucket, keeping the relative paths.
    pub fn put_folder(&self, dir: &Path, prefix: &str) {
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).expect("a readable folder") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let relative = path.strip_prefix(dir).expect("under dir");
                let key = format!("{prefix}/{}", relative.to_string_lossy());
                self.put(&key, std::fs::read(&path).expect("a readable file"));
            }
        }
    }

    /// `s3://bucket/key`.
    pub fn url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// `segql` run in `dir` with the server's endpoint and credentials in
    /// its environment, as a user would set them.
    pub fn segql(&self, dir: &Path) -> Command {
        let mut command = segql_command(dir);
        command
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1");
        command
    }
}

/// A small demo shop written to a temporary folder (Parquet).
pub fn demo_folder(users: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("shop");
    let output = segql_command(dir.path())
        .args([
            "demo-data",
            "--out",
            &out.to_string_lossy(),
            "--users",
            users,
        ])
        .output()
        .expect("segql runs");
    assert!(output.status.success(), "{}", stderr(&output));
    dir
}

fn run(command: &mut Command, args: &[&str]) -> Output {
    command.args(args).output().expect("segql runs")
}

#[test]
fn segments_and_analyses_read_from_a_bucket_match_the_local_files() {
    let s3 = s3();
    let local = demo_folder("120");
    let shop = local.path().join("shop");
    let prefix = fresh_prefix("shop");
    s3.put_folder(&shop, &prefix);
    let list = "user_id\nu00003\nu00007\nu00011\n";
    std::fs::write(local.path().join("vip.csv"), list).unwrap();
    s3.put(&format!("{prefix}-lists/vip.csv"), list.as_bytes().to_vec());
    let remote_list = s3.url(&format!("{prefix}-lists/vip.csv"));
    let data = s3.url(&format!("{prefix}/"));
    let root = crate::support::repo_root();
    let mut rows = 0;
    for example in [
        "cart_abandoners",
        "account_arr",
        "crm_import",
        "funnel_compare_segments",
        "retention_by_device",
        "paths_from_cart",
        "explore_breakdowns",
    ] {
        let file = format!("examples/{example}.seg");
        let expected = run(
            &mut segql_command(&root),
            &[
                "run",
                &file,
                "--data",
                &shop.to_string_lossy(),
                "--now",
                "2026-04-01",
                "--format",
                "csv",
            ],
        );
        assert!(
            expected.status.success(),
            "{example}: {}",
            stderr(&expected)
        );
        let got = run(
            &mut s3.segql(&root),
            &[
                "run",
                &file,
                "--data",
                &data,
                "--now",
                "2026-04-01",
                "--format",
                "csv",
            ],
        );
        assert!(got.status.success(), "{example}: {}", stderr(&got));
        assert_eq!(stdout(&got), stdout(&expected), "{example}");
        rows += stdout(&got).lines().count();
    }
    assert!(rows > 50, "the examples found almost nothing: {rows} lines");
    // A CSV list in the bucket, next to a local one.
    let query = format!("users who in csv \"{remote_list}\" or country = \"DE\"");
    let local_query = query.replace(&remote_list, "vip.csv");
    let expected = run(
        &mut segql_command(local.path()),
        &[
            "run",
            "--data",
            "shop",
            "--format",
            "csv",
            "-e",
            &local_query,
        ],
    );
    let got = run(
        &mut s3.segql(local.path()),
        &["run", "--data", &data, "--format", "csv", "-e", &query],
    );
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(stdout(&got), stdout(&expected));
    assert!(stdout(&got).contains("u00007"), "{}", stdout(&got));
    // Each table named on its own, and a mapping read from the bucket.
    s3.put(
        &format!("{prefix}-model.toml"),
        b"[sessions]\ninactivity = \"30m\"\n".to_vec(),
    );
    let query = r#"users who viewed "/cart" then viewed "/checkout" within session"#;
    let events = s3.url(&format!("{prefix}/events.parquet"));
    let users = s3.url(&format!("{prefix}/users.parquet"));
    let model = s3.url(&format!("{prefix}-model.toml"));
    let got = run(
        &mut s3.segql(local.path()),
        &[
            "run", "--events", &events, "--users", &users, "--schema", &model, "--format", "csv",
            "-e", query,
        ],
    );
    let expected = run(
        &mut segql_command(local.path()),
        &[
            "run",
            "--events",
            "shop/events.parquet",
            "--users",
            "shop/users.parquet",
            "--sessions",
            "30m",
            "--format",
            "csv",
            "-e",
            query,
        ],
    );
    assert!(got.status.success(), "{}", stderr(&got));
    assert_eq!(stdout(&got), stdout(&expected));
}

#[test]
fn a_bad_time_in_a_csv_object_is_located_by_line() {
    let s3 = s3();
    let key = format!("{}/events.csv", fresh_prefix("bad-times"));
    let csv = "user_id,session_id,timestamp,event_type,name\n\
               u1,s1,2026-01-01T00:00:00Z,view,/a\n\
               u1,s1,not a time,view,/b\n";
    s3.put(&key, csv.as_bytes().to_vec());
    let dir = tempfile::tempdir().unwrap();
    let url = s3.url(&key);
    let out = run(
        &mut s3.segql(dir.path()),
        &["run", "--events", &url, "-e", r#"users who viewed "/a""#],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("line 3 of {url}")), "{err}");
    assert!(err.contains("`not a time`"), "{err}");
}

/// Every way a store path can fail: a plain message naming the URL, with
/// a hint, exit 1, and no backtrace.
#[test]
fn store_failures_are_plain_errors_naming_the_url() {
    let s3 = s3();
    let dir = tempfile::tempdir().unwrap();
    let prefix = fresh_prefix("errors");
    s3.put(&format!("{prefix}/notes.txt"), b"not data".to_vec());
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec!["--data".into(), "s3://segql-no-such-bucket/shop/".into()],
            "the bucket `segql-no-such-bucket` does not exist",
            "s3://segql-no-such-bucket/shop/",
        ),
        (
            vec!["--data".into(), s3.url("segql-empty-prefix/")],
            "no object has this prefix",
            "segql-empty-prefix/",
        ),
        (
            vec!["--events".into(), s3.url(&format!("{prefix}/"))],
            "no .parquet, .csv or .ndjson object is under this prefix",
            &prefix,
        ),
        (
            vec![
                "--events".into(),
                s3.url(&format!("{prefix}/events.parquet")),
            ],
            "no object has this key or prefix",
            "events.parquet",
        ),
        (
            vec!["--schema".into(), s3.url(&format!("{prefix}/model.toml"))],
            "no object has this key",
            "model.toml",
        ),
        (
            vec!["--data".into(), "s3:///shop/".into()],
            "it names no bucket",
            "s3:///shop/",
        ),
    ];
    for (flags, cause, url) in cases {
        let mut args: Vec<&str> = vec!["run"];
        args.extend(flags.iter().map(String::as_str));
        args.extend(["-e", r#"users who viewed "/""#]);
        let out = run(&mut s3.segql(dir.path()), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {err}");
        assert!(err.contains(cause), "{flags:?}: {err}");
        assert!(err.contains(url), "{flags:?}: {err}");
        assert!(err.contains("help:"), "{flags:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{err}"
        );
    }
    // A CSV list that is not there: located at the path in the query.
    let events = demo_folder("20");
    let query = format!("users in csv \"{}\"", s3.url(&format!("{prefix}/none.csv")));
    let out = run(
        &mut s3.segql(events.path()),
        &["run", "--data", "shop", "-e", &query],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot read the CSV list") && err.contains("no object has this key"),
        "{err}"
    );
    assert!(err.contains("<expr>:1:14"), "{err}");
}

#[test]
fn an_unreachable_store_fails_within_seconds() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = segql_command(dir.path())
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "secret-that-must-not-be-printed")
        .env("AWS_REGION", "us-east-1")
        .args([
            "run",
            "--data",
            "s3://shop/events/",
            "-e",
            r#"users who viewed "/""#,
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot reach the object store"), "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL"), "{err}");
    assert!(!err.contains("secret-that-must-not-be-printed"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn file_urls_are_local_paths() {
    let local = demo_folder("30");
    let events = local.path().join("shop/events.parquet");
    let url = format!("file://{}", events.display());
    let query = r#"users who viewed "/cart""#;
    let a = run(
        &mut segql_command(local.path()),
        &["run", "--events", &url, "--format", "csv", "-e", query],
    );
    let b = run(
        &mut segql_command(local.path()),
        &[
            "run",
            "--events",
            "shop/events.parquet",
            "--format",
            "csv",
            "-e",
            query,
        ],
    );
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
}

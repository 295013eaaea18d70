//! Distributed runs on a real Ballista cluster: the scheduler and two
//! executors `scripts/test` starts (`segql cluster ...`, named in
//! `SEGQL_TEST_CLUSTER`), reading the demo shop from the S3 server. Without
//! them these tests fail (they never skip): run the tests with
//! `scripts/test`.

use crate::stores::{S3, fresh_prefix, s3};
use crate::support::{example_files, repo_root, segql_command, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The cluster `scripts/test` started.
fn cluster() -> String {
    std::env::var("SEGQL_TEST_CLUSTER").unwrap_or_else(|_| {
        panic!(
            "no cluster: SEGQL_TEST_CLUSTER is not set. Run the tests with scripts/test, \
             which starts a scheduler and two executors on 127.0.0.1"
        )
    })
}

/// The demo shop (the built-in dataset, written as files) in a local
/// folder and in the bucket, written once for all the tests here.
struct Shop {
    local: PathBuf,
    url: String,
    _dir: tempfile::TempDir,
}

fn shop(s3: &S3) -> &'static Shop {
    static SHOP: OnceLock<Shop> = OnceLock::new();
    SHOP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("shop");
        let o = segql_command(dir.path())
            .args(["demo-data", "--out", local.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let prefix = fresh_prefix("cluster-shop");
        s3.put_folder(&local, &prefix);
        Shop {
            local,
            url: s3.url(&format!("{prefix}/")),
            _dir: dir,
        }
    })
}

/// The flags of an example: its sibling mapping, if it has one.
fn example_flags(example: &Path) -> Vec<String> {
    let mapping = example.with_extension("toml");
    let mut flags = vec![
        "--now".to_string(),
        "2026-04-01".into(),
        "--format".into(),
        "csv".into(),
    ];
    if mapping.is_file() {
        flags.extend(["--schema".into(), mapping.display().to_string()]);
    }
    flags
}

fn run(command: &mut Command, args: &[String]) -> Output {
    command.args(args).output().expect("segql runs")
}

/// Every example, on both engines, gives on the cluster (data in the
/// bucket) what it gives in one local process (the same files on disk).
#[test]
fn every_example_on_the_cluster_matches_a_local_run() {
    let s3 = s3();
    let url = cluster();
    let shop = shop(&s3);
    let root = repo_root();
    let mut compared = 0;
    for example in example_files() {
        for engine in ["native", "portable"] {
            let file = example.display().to_string();
            let mut local_args = vec![
                "run".to_string(),
                file.clone(),
                "--engine".into(),
                engine.into(),
            ];
            local_args.extend(example_flags(&example));
            let mut cluster_args = local_args.clone();
            // The built-in demo dataset, which the members and analysis
            // snapshots are of: the files hold the same shop.
            let built_in = run(&mut segql_command(&root), &local_args);
            assert!(
                built_in.status.success(),
                "{file} ({engine}): {}",
                stderr(&built_in)
            );
            local_args.extend(["--data".into(), shop.local.display().to_string()]);
            cluster_args.extend([
                "--data".into(),
                shop.url.clone(),
                "--cluster".into(),
                url.clone(),
            ]);
            let local = run(&mut segql_command(&root), &local_args);
            assert!(
                local.status.success(),
                "{file} ({engine}): {}",
                stderr(&local)
            );
            let remote = run(&mut s3.segql(&root), &cluster_args);
            assert!(
                remote.status.success(),
                "{file} ({engine}) on the cluster: {}",
                stderr(&remote)
            );
            assert_eq!(
                stdout(&remote),
                stdout(&local),
                "{file} ({engine}) on the cluster"
            );
            compared += 1;
        }
    }
    assert!(compared >= 40, "{compared} runs compared");
}

/// A segment that is never true (a comparison with null) lets the optimizer
/// empty the plan; the scheduler must still get the columns its parents
/// read (a random case found the query failing on the cluster).
#[test]
fn a_plan_the_optimizer_empties_runs_on_the_cluster() {
    let s3 = s3();
    let url = cluster();
    let shop = shop(&s3);
    let root = repo_root();
    let text = r#"explore users, events for (accounts who have start_date = null)"#;
    let args: Vec<String> = [
        "run",
        "--format",
        "csv",
        "--now",
        "2026-04-01",
        "--data",
        &shop.url,
        "--cluster",
        &url,
        "-e",
        text,
    ]
    .map(str::to_string)
    .to_vec();
    let o = run(&mut s3.segql(&root), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "users,events\n0,0\n");
}

/// `explain --physical` on a cluster shows Ballista's distributed plan.
#[test]
fn explain_on_the_cluster_shows_the_distributed_plan() {
    let s3 = s3();
    let url = cluster();
    let shop = shop(&s3);
    let args: Vec<String> = [
        "explain",
        "--physical",
        "--data",
        &shop.url,
        "--cluster",
        &url,
        "-e",
        r#"users who viewed "/cart" then action "CHECKOUT" within session"#,
    ]
    .map(String::from)
    .to_vec();
    let o = run(&mut s3.segql(&repo_root()), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("DistributedQueryExec"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn an_unreachable_scheduler_fails_within_seconds() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "user_id,session_id,timestamp,event_type,name\nu1,s1,2026-01-01T00:00:00Z,view,/\n",
    )
    .unwrap();
    let started = Instant::now();
    let o = segql_command(dir.path())
        .args([
            "run",
            "--data",
            ".",
            "--cluster",
            &format!("df://127.0.0.1:{port}"),
            "-e",
            r#"users who viewed "/""#,
        ])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[cluster-error]"), "{err}");
    assert!(
        err.contains(&format!(
            "cannot reach the cluster's scheduler at df://127.0.0.1:{port}"
        )),
        "{err}"
    );
    assert!(err.contains("segql cluster scheduler"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    // A malformed address is an argument error; the demo dataset, which
    // lives in the process, cannot go to a cluster.
    let o = segql_command(dir.path())
        .args([
            "run",
            "--data",
            ".",
            "--cluster",
            "http://127.0.0.1:1",
            "-e",
            r#"users who viewed "/""#,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("df://HOST:PORT"), "{}", stderr(&o));
    let o = segql_command(dir.path())
        .args([
            "run",
            "--cluster",
            &format!("df://127.0.0.1:{port}"),
            "examples/cart_abandoners.seg",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("segql demo-data"), "{}", stderr(&o));
}

/// A process of a cluster of this test's own, stopped when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Waits until `http://127.0.0.1:port/path` answers 200.
fn wait_ready(port: u16, path: &str) {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
            {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("nothing answered http://127.0.0.1:{port}{path} within a minute");
}

/// One executor of two killed while a query runs: the query either
/// succeeds (Ballista runs the lost tasks again on the other) with the
/// local answer, or fails with a clear error — and never hangs.
#[test]
fn a_killed_executor_fails_or_retries_but_never_hangs() {
    let s3 = s3();
    let shop = shop(&s3);
    let work = tempfile::tempdir().unwrap();
    let scheduler_port = free_port();
    let spawn = |args: &[String], log: &str| {
        let log = std::fs::File::create(work.path().join(log)).unwrap();
        Process(
            s3.segql(work.path())
                .args(args)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("segql starts"),
        )
    };
    let _scheduler = spawn(
        &[
            "cluster",
            "scheduler",
            "--bind",
            &format!("127.0.0.1:{scheduler_port}"),
            "--min-executors",
            "2",
        ]
        .map(String::from),
        "scheduler.log",
    );
    wait_ready(scheduler_port, "/healthz");
    let mut executors: Vec<Process> = (1..=2)
        .map(|n| {
            let dir = work.path().join(format!("executor-{n}"));
            spawn(
                &[
                    "cluster".to_string(),
                    "executor".into(),
                    "--scheduler".into(),
                    format!("127.0.0.1:{scheduler_port}"),
                    "--bind".into(),
                    format!("127.0.0.1:{}", free_port()),
                    "--grpc-port".into(),
                    free_port().to_string(),
                    "--work-dir".into(),
                    dir.display().to_string(),
                    "--slots".into(),
                    "1".into(),
                ],
                &format!("executor-{n}.log"),
            )
        })
        .collect();
    wait_ready(scheduler_port, "/readyz");
    let query = "retention viewed like \"/product/%\" returning action \"add_to_cart\" every day periods 30;\n\
                 funnel viewed like \"/product/%\" then action \"add_to_cart\" then event \"purchase\" within 1 day;\n\
                 paths from viewed \"/cart\" depth 5";
    let args = |cluster: Option<String>| {
        let mut args = vec![
            "run".to_string(),
            "--now".into(),
            "2026-04-01".into(),
            "--format".into(),
            "csv".into(),
        ];
        match cluster {
            Some(url) => args.extend(["--data".into(), shop.url.clone(), "--cluster".into(), url]),
            None => args.extend(["--data".into(), shop.local.display().to_string()]),
        }
        args.extend(["-e".into(), query.into()]);
        args
    };
    let local = run(&mut segql_command(work.path()), &args(None));
    assert!(local.status.success(), "{}", stderr(&local));
    let mut child = s3
        .segql(work.path())
        .args(args(Some(format!("df://127.0.0.1:{scheduler_port}"))))
        // Files, not pipes: a full pipe would stop the query, not the cluster.
        .stdout(std::fs::File::create(work.path().join("query.out")).unwrap())
        .stderr(std::fs::File::create(work.path().join("query.err")).unwrap())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let mut killed = executors.remove(0);
    killed.0.kill().unwrap();
    let _ = killed.0.wait();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the query hangs after an executor was killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(work.path().join("query.out")).unwrap();
    let err = std::fs::read_to_string(work.path().join("query.err")).unwrap();
    if status.success() {
        assert_eq!(
            out,
            stdout(&local),
            "a retried query must give the local answer"
        );
    } else {
        assert_eq!(status.code(), Some(1), "{err}");
        assert!(err.starts_with("error["), "{err}");
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
    }
    drop(executors);
}

/// A reference dataset as the cluster reads it: Parquet files and a schema
/// mapping in a fresh prefix of the bucket, opened in this process and run
/// on the cluster.
fn cluster_engine(
    s3: &S3,
    url: &str,
    data: &crate::reference::RefDataset,
    runtime: &tokio::runtime::Runtime,
) -> Result<segql::engine::Engine, String> {
    let prefix = fresh_prefix("case");
    for (name, bytes) in crate::support::parquet_files(data) {
        s3.put(&format!("{prefix}/{name}"), bytes);
    }
    let mapping = crate::support::model_toml(data);
    s3.put(&format!("{prefix}-model.toml"), mapping.into_bytes());
    let spec = segql::engine::DataSpec {
        data_dir: Some(PathBuf::from(s3.url(&format!("{prefix}/")))),
        schema: Some(PathBuf::from(s3.url(&format!("{prefix}-model.toml")))),
        ..Default::default()
    };
    // The engine in this process reads the bucket with the credentials of
    // its environment, which scripts/test sets for the whole test run.
    assert_eq!(
        std::env::var("AWS_ENDPOINT_URL").ok().as_deref(),
        Some(s3.endpoint.as_str()),
        "scripts/test sets AWS_ENDPOINT_URL to the S3 server for the tests"
    );
    runtime.block_on(async {
        let mut engine = segql::engine::Engine::open(&spec, segql::engine::Resources::threads(2))
            .await
            .map_err(|d| format!("open: {d}"))?;
        engine
            .run_on_cluster(url)
            .await
            .map_err(|d| format!("cluster: {d}"))?;
        Ok(engine)
    })
}

/// segql's tables of a random case, with its dataset in the bucket and
/// every query run on the cluster.
fn tables_on_the_cluster(
    s3: &S3,
    url: &str,
    data: &crate::reference::RefDataset,
    text: &str,
    engine: segql::planner::SequenceEngine,
    rt: &tokio::runtime::Runtime,
) -> Result<Vec<crate::reference::Table>, String> {
    let on_cluster = cluster_engine(s3, url, data, rt)?;
    crate::differential::tables_of(&on_cluster, text, engine, rt)
}

/// The differential tests of segments and analyses (random datasets ×
/// random texts against the reference evaluator, both engines), on the
/// cluster.
#[test]
fn random_segments_on_the_cluster_agree_with_the_reference() {
    let (s3, url) = (s3(), cluster());
    crate::differential::segments_agree_on(120, crate::reference::arb_case(), |d, t, e, rt| {
        tables_on_the_cluster(&s3, &url, d, t, e, rt)
    });
}

#[test]
fn random_analyses_on_the_cluster_agree_with_the_reference() {
    let (s3, url) = (s3(), cluster());
    let cases = crate::reference::arb_analysis_case();
    crate::differential::analyses_agree_on(80, cases, |d, t, e, rt| {
        tables_on_the_cluster(&s3, &url, d, t, e, rt)
    });
}

/// The embedding API on a cluster: a host's session from
/// `segql::cluster_context`, its own tables in the bucket, a compiled
/// segment and funnel executed there, as in a local session.
#[test]
fn an_embedding_host_runs_compiled_plans_on_the_cluster() {
    let s3 = s3();
    let url = cluster();
    let shop = shop(&s3);
    let rt = crate::support::runtime();
    let texts = [
        r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
        r#"funnel viewed like "/product/%" then action "add_to_cart" then event "purchase" within 1 day"#,
    ];
    let answers = |ctx: datafusion::prelude::SessionContext, base: String| {
        rt.block_on(async {
            for table in ["events", "users"] {
                ctx.register_parquet(table, format!("{base}{table}.parquet"), Default::default())
                    .await
                    .unwrap();
            }
            let catalog =
                segql::catalog_from_context(&ctx, &Default::default(), Default::default())
                    .await
                    .unwrap();
            let options = segql::CompileOptions::new()
                .with_now_micros(1_775_001_600_000_000)
                .native(&ctx);
            let mut all = Vec::new();
            for text in texts {
                let plan =
                    segql::compile(text, &catalog, &options).unwrap_or_else(|d| panic!("{d:?}"));
                let batches = segql::execute(&ctx, plan)
                    .await
                    .unwrap_or_else(|d| panic!("{d}"));
                let shown =
                    datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap();
                all.push(shown.to_string());
            }
            all
        })
    };
    let local = answers(
        datafusion::prelude::SessionContext::new(),
        format!("{}/", shop.local.display()),
    );
    let on_cluster = rt
        .block_on(segql::cluster_context(
            &url,
            datafusion::prelude::SessionConfig::new(),
        ))
        .unwrap_or_else(|d| panic!("{d}"));
    let remote = answers(on_cluster, shop.url.clone());
    assert_eq!(remote, local);
    assert!(local[0].lines().count() > 100, "{}", local[0]);
}

//! Distributed execution on Apache DataFusion Ballista: the scheduler and
//! executor processes (`segql cluster scheduler|executor`) built with
//! segql's functions and the codecs that carry them ([`codec`]), and the
//! client side, a session whose plans run on a scheduler (`--cluster
//! df://HOST:PORT`).
//!
//! A query is planned where it is asked, as for a local run; the
//! scheduler cuts the physical plan into stages at each repartition (the
//! native matcher's hash repartition by actor is one shuffle) and the
//! executors read the data files themselves, so data paths must be
//! object-store URLs or paths every executor sees.

mod codec;

pub use codec::{LogicalCodec, PhysicalCodec};

use crate::stores::EnvStores;
use ballista_core::extension::SessionConfigExt;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionConfig;
use segql_syntax::{Diagnostic, codes};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long a client waits to connect to a scheduler before it says so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A scheduler's address as written after `--cluster`: `df://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerUrl {
    pub host: String,
    pub port: u16,
}

impl SchedulerUrl {
    pub fn parse(text: &str) -> Result<SchedulerUrl, Diagnostic> {
        let bad = |why: &str| {
            Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!("`{text}` is not a cluster address: {why}"),
            )
            .with_help("write the scheduler's address as df://HOST:PORT, e.g. --cluster df://127.0.0.1:50050")
        };
        let rest = text
            .strip_prefix("df://")
            .ok_or_else(|| bad("it does not start with df://"))?;
        let (host, port) = host_port(rest.trim_end_matches('/')).map_err(|why| bad(&why))?;
        Ok(SchedulerUrl { host, port })
    }

    /// The URL Ballista's client connects to.
    fn http(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for SchedulerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// `HOST:PORT` split, with a port that is a number.
pub fn host_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| "it names no port (HOST:PORT)".to_string())?;
    if host.is_empty() {
        return Err("it names no host (HOST:PORT)".into());
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("`{port}` is not a port number"))?;
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

/// A session configuration with Ballista's settings and segql's codecs,
/// for a client, scheduler or executor alike.
pub fn session_config(mut config: SessionConfig) -> SessionConfig {
    let connect = CONNECT_TIMEOUT.as_secs();
    // DataFusion's own threshold for repartitioning on a subset of the
    // keys (a local session over actor ranges lowers it): Ballista's
    // shuffles do not keep the order that such plans may rely on.
    config.options_mut().optimizer.subset_repartition_threshold =
        datafusion::config::ConfigOptions::default()
            .optimizer
            .subset_repartition_threshold;
    config
        .upgrade_for_ballista()
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()))
        .set_u64("ballista.client.grpc_connect_timeout_seconds", connect)
        // The adaptive planner of Ballista 55 re-plans stages as they
        // finish; with it, the rows of a final sort can come back out of
        // order. The static planner keeps the merge of sorted partitions.
        .with_ballista_adaptive_query_planner(false)
}

/// A runtime that reads `s3://` paths from the `AWS_*` environment and
/// spills into `work_dir`.
fn runtime(work_dir: Option<&PathBuf>) -> datafusion::error::Result<Arc<RuntimeEnv>> {
    let mut runtime =
        RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(EnvStores::default()));
    if let Some(dir) = work_dir {
        runtime = runtime.with_temp_file_path(dir);
    }
    runtime.build_arc()
}

/// DataFusion's optimizer rules that replace a plan by an empty relation.
const EMPTYING_RULES: [&str; 4] = [
    "eliminate_filter",
    "eliminate_limit",
    "eliminate_join",
    "propagate_empty_relation",
];

/// The session state of a client whose plans run on `url`: `state`'s
/// tables, functions and options, with Ballista's planner.
pub fn client_state(state: SessionState, url: &SchedulerUrl) -> Result<SessionState, Diagnostic> {
    use ballista_core::extension::SessionStateExt;
    let config = session_config(state.config().clone());
    // The client sends its optimized plan to the scheduler, whose protobuf
    // form of an empty relation has no schema: a plan the optimizer
    // emptied (a filter that is never true) would reach the scheduler
    // without the columns its parents read. The scheduler optimizes the
    // plan again with every rule.
    let rules: Vec<_> = state
        .optimizer()
        .rules
        .iter()
        .filter(|rule| !EMPTYING_RULES.contains(&rule.name()))
        .cloned()
        .collect();
    let state = SessionStateBuilder::new_from_existing(state)
        .with_config(config)
        .with_optimizer_rules(rules)
        .build();
    state.upgrade_for_ballista(url.http()).map_err(|e| {
        Diagnostic::error(
            codes::BAD_ARGUMENT,
            format!("cannot use the cluster {url}: {e}"),
        )
    })
}

/// A new session whose plans run on `url`, with `config`'s options, that
/// reads `s3://` tables from the `AWS_*` environment: what an embedding
/// host registers its tables on.
pub async fn client_context(
    url: &SchedulerUrl,
    config: SessionConfig,
) -> Result<datafusion::prelude::SessionContext, Diagnostic> {
    use datafusion::prelude::SessionContext;
    check_reachable(url).await?;
    let runtime = runtime(None).map_err(|e| {
        Diagnostic::error(
            codes::CLUSTER_ERROR,
            format!("cannot set up a session for {url}: {e}"),
        )
    })?;
    let local = SessionContext::new_with_config_rt(config, runtime);
    Ok(SessionContext::new_with_state(client_state(
        local.state(),
        url,
    )?))
}

/// Fails within [`CONNECT_TIMEOUT`] when nothing answers at the
/// scheduler's address: a plain message rather than a query that waits.
pub async fn check_reachable(url: &SchedulerUrl) -> Result<(), Diagnostic> {
    let unreachable = |why: String| {
        Diagnostic::error(
            codes::CLUSTER_ERROR,
            format!("cannot reach the cluster's scheduler at {url}: {why}"),
        )
        .with_help("start one with `segql cluster scheduler --bind HOST:PORT`, or check --cluster")
    };
    let address = format!("{}:{}", url.host, url.port);
    let connect = tokio::net::TcpStream::connect(address);
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!(
            "no answer within {} seconds",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// A bind address `HOST:PORT` resolved.
pub fn socket_address(what: &str, text: &str) -> Result<SocketAddr, Diagnostic> {
    let bad = |why: String| {
        Diagnostic::error(codes::BAD_ARGUMENT, format!("{what} `{text}`: {why}"))
            .with_help("write HOST:PORT, e.g. 127.0.0.1:50050")
    };
    let (host, port) = host_port(text).map_err(bad)?;
    (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("it names no address".into()))
}

/// How quickly a cluster notices a lost executor: heartbeats every second,
/// an executor gone after five without one. Ballista's defaults (a minute,
/// three minutes) would leave a query waiting that long.
pub const HEARTBEAT_SECONDS: u64 = 1;
pub const EXECUTOR_TIMEOUT_SECONDS: u64 = 5;

/// Runs a scheduler on `bind` until the process is stopped. `/healthz`
/// answers on the same port once it listens, `/readyz` once
/// `min_executors` executors have registered.
pub async fn run_scheduler(bind: SocketAddr, min_executors: usize) -> Result<(), Diagnostic> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let session_builder = Arc::new(|config: SessionConfig| {
        let state = ballista_core::utils::default_session_builder(session_config(config))?;
        Ok(SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(runtime(None)?)
            .build())
    });
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        override_session_builder: Some(session_builder),
        override_config_producer: Some(Arc::new(|| session_config(SessionConfig::new()))),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        executor_timeout_seconds: EXECUTOR_TIMEOUT_SECONDS,
        expire_dead_executor_interval_seconds: 1,
        no_executors_grace_period_seconds: EXECUTOR_TIMEOUT_SECONDS,
        min_ready_executors: min_executors,
        ..SchedulerConfig::default()
    };
    let failed = |e: String| {
        Diagnostic::error(
            codes::CLUSTER_ERROR,
            format!("the scheduler on {bind} stopped: {e}"),
        )
        .with_help("is another process listening on that port? choose another with --bind")
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| failed(e.to_string()))?;
    ballista_scheduler::scheduler_process::start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| failed(e.to_string()))
}

/// What an executor is started with.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub scheduler: (String, u16),
    /// The Arrow Flight address results and shuffle data are served on.
    pub bind: SocketAddr,
    /// The port the scheduler pushes tasks to.
    pub grpc_port: u16,
    pub work_dir: Option<PathBuf>,
    /// Tasks run at once (default: one per core).
    pub slots: usize,
}

/// Runs an executor until the process is stopped (Ctrl-C or SIGTERM
/// deregister it from the scheduler first).
pub async fn run_executor(options: ExecutorOptions) -> Result<(), Diagnostic> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    let work_dir = options.work_dir.clone();
    let runtime_dir = work_dir.clone();
    let config = ExecutorProcessConfig {
        bind_host: options.bind.ip().to_string(),
        external_host: Some(options.bind.ip().to_string()),
        port: options.bind.port(),
        grpc_port: options.grpc_port,
        scheduler_host: options.scheduler.0.clone(),
        scheduler_port: options.scheduler.1,
        vcores: options.slots.max(1),
        work_dir: work_dir.as_ref().map(|d| d.display().to_string()),
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        override_runtime_producer: Some(Arc::new(move |_config: &SessionConfig| {
            runtime(runtime_dir.as_ref())
        })),
        override_config_producer: Some(Arc::new(|| session_config(SessionConfig::new()))),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    let (host, port) = &options.scheduler;
    start_executor_process(Arc::new(config)).await.map_err(|e| {
        Diagnostic::error(
            codes::CLUSTER_ERROR,
            format!("the executor stopped: {e}"),
        )
        .with_help(format!(
            "is a scheduler running at {host}:{port} (segql cluster scheduler), and are ports {} and {} free?",
            options.bind.port(),
            options.grpc_port
        ))
    })
}

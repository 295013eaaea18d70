//! `segql cluster scheduler|executor`: a Ballista cluster that runs
//! segql's plans, started from segql itself so that the scheduler and its
//! executors know segql's functions and the codecs that carry them.

use super::setup::runtime;
use super::{Output, Status};
use segql::engine::cluster::{self, ExecutorOptions};
use std::path::PathBuf;

/// Run a Ballista scheduler or executor for `--cluster` runs.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql cluster scheduler --bind 127.0.0.1:50050
  segql cluster executor --scheduler 127.0.0.1:50050 --bind 127.0.0.1:50051 --work-dir /tmp/exec-1
  segql cluster executor --scheduler 127.0.0.1:50050 --bind 127.0.0.1:50061 --work-dir /tmp/exec-2
  segql run examples/cart_abandoners.seg --cluster df://127.0.0.1:50050 --data s3://shop/export/")]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub role: Role,
}

#[derive(Debug, clap::Subcommand)]
pub enum Role {
    Scheduler(SchedulerArgs),
    Executor(ExecutorArgs),
}

/// Run the scheduler: it takes queries from clients and hands their stages
/// to executors. `GET /healthz` on its port answers once it listens,
/// `GET /readyz` once --min-executors executors have registered.
#[derive(Debug, clap::Args)]
pub struct SchedulerArgs {
    /// The address to listen on (gRPC, and the health endpoints).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
    pub bind: String,
    /// Executors that must have registered before /readyz says ready.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_executors: usize,
}

/// Run an executor: it registers with the scheduler, runs the tasks it is
/// given, reading the data files itself (s3:// through the AWS_*
/// environment), and serves their results and shuffle data.
#[derive(Debug, clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler's address.
    #[arg(long, value_name = "HOST:PORT")]
    pub scheduler: String,
    /// The address results and shuffle data are served on (Arrow Flight).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    pub bind: String,
    /// The port the scheduler hands tasks to (default: the --bind port + 1).
    #[arg(long, value_name = "PORT")]
    pub grpc_port: Option<u16>,
    /// The folder for shuffle files and spills (default: a temporary folder).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Tasks to run at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub slots: Option<u16>,
}

pub fn run(args: ClusterArgs, output: Output) -> Status {
    let rt = runtime();
    let result = match args.role {
        Role::Scheduler(args) => {
            let bind = match cluster::socket_address("--bind", &args.bind) {
                Ok(bind) => bind,
                Err(d) => {
                    output.error(&d);
                    return Status::Usage;
                }
            };
            note!(
                "segql cluster scheduler listening on {bind} (health: http://{bind}/healthz, /readyz)"
            );
            rt.block_on(cluster::run_scheduler(bind, args.min_executors))
        }
        Role::Executor(args) => {
            let options = match executor_options(&args) {
                Ok(options) => options,
                Err(d) => {
                    output.error(&d);
                    return Status::Usage;
                }
            };
            if let Some(dir) = &options.work_dir
                && let Err(e) = std::fs::create_dir_all(dir)
            {
                output.error(&segql::Diagnostic::error(
                    segql::codes::UNWRITABLE_FILE,
                    format!("cannot create the work folder `{}`: {e}", dir.display()),
                ));
                return Status::Failure;
            }
            note!(
                "segql cluster executor on {} (tasks on port {}), scheduler {}:{}",
                options.bind,
                options.grpc_port,
                options.scheduler.0,
                options.scheduler.1
            );
            rt.block_on(cluster::run_executor(options))
        }
    };
    match result {
        Ok(()) => Status::Success,
        Err(d) => {
            output.error(&d);
            Status::Failure
        }
    }
}

fn executor_options(args: &ExecutorArgs) -> Result<ExecutorOptions, segql::Diagnostic> {
    let bind = cluster::socket_address("--bind", &args.bind)?;
    let scheduler = cluster::host_port(&args.scheduler).map_err(|why| {
        segql::Diagnostic::error(
            segql::codes::BAD_ARGUMENT,
            format!("--scheduler `{}`: {why}", args.scheduler),
        )
        .with_help("write the scheduler's HOST:PORT, e.g. --scheduler 127.0.0.1:50050")
    })?;
    let grpc_port = match args.grpc_port {
        Some(port) => port,
        None => bind.port().checked_add(1).ok_or_else(|| {
            segql::Diagnostic::error(
                segql::codes::BAD_ARGUMENT,
                format!("--bind `{}` leaves no port for tasks", args.bind),
            )
            .with_help("choose a lower port, or pass --grpc-port")
        })?,
    };
    if bind.port() == 0 || grpc_port == 0 || grpc_port == bind.port() {
        return Err(segql::Diagnostic::error(
            segql::codes::BAD_ARGUMENT,
            format!(
                "the executor needs two distinct fixed ports, not {} and {grpc_port}",
                bind.port()
            ),
        )
        .with_help(
            "the scheduler is told both ports: pass --bind HOST:PORT (and --grpc-port PORT)",
        ));
    }
    let slots = args
        .slots
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(ExecutorOptions {
        scheduler,
        bind,
        grpc_port,
        work_dir: args.work_dir.clone(),
        slots,
    })
}

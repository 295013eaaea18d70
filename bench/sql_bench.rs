//! Runs one SQL query through a plain DataFusion `SessionContext` over the
//! benchmark's Parquet files: the "best hand-written SQL in DataFusion"
//! column of `bench/run.sh`.
//!
//! ```text
//! segql-sql-bench --data DIR --threads 2 QUERY.sql
//! ```
//!
//! Registers `DIR/events.parquet`, `users.parquet` and `accounts.parquet`
//! (those that exist) as `events`, `users` and `accounts`, runs the query,
//! prints its rows as CSV on standard output and, on standard error, the
//! seconds the query took from the context's creation to its last row.

use datafusion::arrow::csv::WriterBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    data: PathBuf,
    threads: usize,
    query: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut data = None;
    let mut threads = 2;
    let mut query = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next().map(PathBuf::from),
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|t| t.parse().ok())
                    .ok_or("--threads takes a number")?
            }
            "-h" | "--help" => {
                return Err("usage: segql-sql-bench --data DIR [--threads N] QUERY.sql".into());
            }
            _ if query.is_none() => query = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    Ok(Args {
        data: data.ok_or("--data DIR is required")?,
        threads,
        query: query.ok_or("a QUERY.sql file is required")?,
    })
}

async fn run(args: &Args) -> datafusion::error::Result<(Vec<u8>, f64)> {
    let sql = std::fs::read_to_string(&args.query)?;
    let started = Instant::now();
    let ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(args.threads));
    for table in ["events", "users", "accounts"] {
        let path = args.data.join(format!("{table}.parquet"));
        if path.exists() {
            ctx.register_parquet(
                table,
                path.to_string_lossy().as_ref(),
                ParquetReadOptions::default(),
            )
            .await?;
        }
    }
    let batches = ctx.sql(&sql).await?.collect().await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut out = Vec::new();
    {
        let mut writer = WriterBuilder::new().with_header(true).build(&mut out);
        for batch in &batches {
            writer.write(batch)?;
        }
    }
    Ok((out, seconds))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("segql-sql-bench: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match runtime.block_on(run(&args)) {
        Ok((csv, seconds)) => {
            print!("{}", String::from_utf8_lossy(&csv));
            eprintln!("seconds {seconds:.6}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("segql-sql-bench: {e}");
            ExitCode::from(1)
        }
    }
}

//! `segql demo-data`: the built-in demo dataset written as Parquet files.

use super::{Output, Status};
use segql::demo::{DemoConfig, EventLayout};
use segql::present::present::utc_date;
use segql::{Diagnostic, codes};
use std::path::PathBuf;

/// Write the built-in demo dataset as Parquet files.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql demo-data --out shop/
  segql demo-data --out big/ --users 1000000 --days 90 --seed 7
  segql demo-data --out daily/ --partition-by day
  segql run --data shop/ examples/cart_abandoners.seg")]
pub struct DemoDataArgs {
    /// The folder to write events.parquet, users.parquet and accounts.parquet into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of users (about 80 events each over 90 days).
    #[arg(long, default_value_t = DemoConfig::default().users, value_parser = clap::value_parser!(u64).range(1..))]
    pub users: u64,
    /// Number of days of activity, from 2026-01-01 (at most ten years).
    #[arg(long, default_value_t = DemoConfig::default().days, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = DemoConfig::default().seed)]
    pub seed: u64,
    /// Replace the files if they exist.
    #[arg(long)]
    pub force: bool,
    /// Write the events as a Hive-partitioned folder, one file per UTC day:
    /// events/date=2026-01-01/part-0.parquet.
    #[arg(long, value_enum, value_name = "UNIT")]
    pub partition_by: Option<PartitionUnit>,
}

/// What `--partition-by` splits the events by.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PartitionUnit {
    Day,
}

pub fn run(args: DemoDataArgs, output: Output) -> Status {
    let layout = match args.partition_by {
        None => EventLayout::OneFile,
        Some(PartitionUnit::Day) => EventLayout::ByDay,
    };
    let events = match layout {
        EventLayout::OneFile => "events.parquet",
        EventLayout::ByDay => "events",
    };
    let names = [events, "users.parquet", "accounts.parquet"];
    if let Err(status) = super::refuse_to_replace(&args.out, &names, args.force, output) {
        return status;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        output.error(&Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot create the folder `{}`: {e}", args.out.display()),
        ));
        return Status::Failure;
    }
    let config = DemoConfig {
        users: args.users,
        days: args.days,
        seed: args.seed,
    };
    if layout == EventLayout::ByDay
        && args.force
        && let Err(e) = remove_partitions(&args.out.join("events"))
    {
        output.error(&Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!(
                "cannot replace `{}`: {e}",
                args.out.join("events").display()
            ),
        ));
        return Status::Failure;
    }
    match segql::demo::write_parquet(&args.out, &config, layout) {
        Ok(summary) => {
            note!(
                "wrote {} events in {} sessions, {} users and {} accounts to {}",
                summary.events,
                summary.sessions,
                summary.users,
                summary.accounts,
                args.out.display()
            );
            // Run on files, `now` is the wall clock's: relative ranges need
            // the data's end to give the demo's answers.
            let end = utc_date(config.end_micros());
            note!(
                "its events end before {end}: pass --now {end} to run relative ranges (`during last 30 days`) on it"
            );
            Status::Success
        }
        Err(e) => {
            output.error(&Diagnostic::error(
                codes::UNWRITABLE_FILE,
                e.message().to_string(),
            ));
            Status::Failure
        }
    }
}

/// Removes the day folders (`date=...`) an earlier `--partition-by day`
/// wrote into `events/`, and nothing else: a day the new data lacks must
/// not stay behind as part of the table.
fn remove_partitions(events: &std::path::Path) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(events) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        let is_day = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("date="));
        if is_day && path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

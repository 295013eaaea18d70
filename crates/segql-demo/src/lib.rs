//! The built-in demo dataset: a deterministic online shop, the data that
//! segql runs on when no data is given (`segql-engine` opens it in memory;
//! `segql demo-data` writes it as Parquet).
//!
//! Users (with a country, a plan, a signup date, an e-mail and sometimes an
//! account) walk through sessions of views, actions and errors:
//! home → search → product → cart → checkout → purchase, with drop-offs at
//! each stage, declined payments and retries, network timeouts, and B2B work
//! sessions (`/reports`, `export_report`, `invite_teammate`) for users who
//! belong to an account. Background `subscription_renewed` events have no
//! session.
//!
//! Everything is derived from a small PRNG (splitmix64) seeded from
//! `(seed, stream, user number)`, so the output is identical on every
//! machine, independent of the batch size, and never depends on the clock.
//! Events are generated user by user, so [`event_batches`] and
//! [`write_parquet`] run in bounded memory for any number of users.
//!
//! The data spans [`DEMO_START`] .. `DEMO_START + days` (exclusive);
//! [`DemoConfig::end_millis`] is the `now` to use with it.

mod batches;
mod events;
mod people;
mod rng;
mod vocab;

use batches::EventGen;
use people::{accounts_rows, users_rows};
use rng::days_from_civil;
use std::fmt;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow::array::ArrayBuilder;
use arrow::datatypes::DataType::{Boolean, Date32, Float64, Int64, Timestamp, Utf8};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// First day of the demo data (UTC).
pub const DEMO_START: &str = "2026-01-01";

/// [`DEMO_START`] in days since 1970-01-01.
const START_DAY: i64 = days_from_civil(2026, 1, 1);

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Rows per batch when the tables are built or written in chunks.
const CHUNK_ROWS: usize = 65_536;
/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// The size and seed of the demo dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Number of users in the users table.
    pub users: u64,
    /// Number of days of events, from [`DEMO_START`].
    pub days: u32,
    /// Seed of the generator: the same seed gives the same data.
    pub seed: u64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            users: 2000,
            days: 90,
            seed: 42,
        }
    }
}

impl DemoConfig {
    /// Midnight UTC of [`DEMO_START`], in epoch milliseconds.
    pub fn start_millis(&self) -> i64 {
        START_DAY * DAY
    }

    /// The end of the data (exclusive): start + `days`. The default `now`.
    pub fn end_millis(&self) -> i64 {
        self.start_millis() + i64::from(self.days) * DAY
    }

    /// [`DemoConfig::end_millis`] in microseconds, as `now` is given.
    pub fn end_micros(&self) -> i64 {
        self.end_millis() * 1000
    }

    fn end_day(&self) -> i64 {
        START_DAY + i64::from(self.days)
    }

    /// Number of accounts: one per 20 users, at least 5.
    fn account_count(&self) -> u64 {
        (self.users / 20).max(5)
    }

    /// Users who appear in events but have no users row (~1%).
    fn ghost_count(&self) -> u64 {
        self.users.div_ceil(100)
    }
}

/// What [`write_parquet`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Rows of users.parquet.
    pub users: u64,
    /// Rows of accounts.parquet.
    pub accounts: u64,
    /// Rows of events.parquet.
    pub events: u64,
    /// Distinct non-null session ids in events.parquet.
    pub sessions: u64,
}

/// An error while writing the demo dataset; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoError {
    message: String,
}

impl DemoError {
    fn new(message: String) -> Self {
        DemoError { message }
    }

    /// The plain message, e.g. `cannot create /tmp/x/events.parquet: ...`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DemoError {}

// ---------------------------------------------------------------------------
// Schemas

/// The events table: `timestamp`, `user_id`, `session_id`, `event_type`,
/// `name`, `account_id`, `device`, `browser`, `geo.country`, `amount`,
/// `product_id`, `query`, `referrer`, `anon_id`. Visits before a user signs
/// up have an `anon_id` and no `user_id`; the signup session has both.
pub fn events_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            table_schema([
                (
                    "timestamp",
                    Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                    false,
                ),
                ("user_id", Utf8, true),
                ("session_id", Utf8, true),
                ("event_type", Utf8, false),
                ("name", Utf8, false),
                ("account_id", Utf8, true),
                ("device", Utf8, true),
                ("browser", Utf8, true),
                ("geo.country", Utf8, true),
                ("amount", Float64, true),
                ("product_id", Utf8, true),
                ("query", Utf8, true),
                ("referrer", Utf8, true),
                ("anon_id", Utf8, true),
            ])
        })
        .clone()
}

/// The users table: `user_id`, `email`, `account_id`, `country`, `plan`,
/// `signup_date`, `marketing_opt_in`, `age`, `company_role`.
pub fn users_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            table_schema([
                ("user_id", Utf8, false),
                ("email", Utf8, false),
                ("account_id", Utf8, true),
                ("country", Utf8, false),
                ("plan", Utf8, true),
                ("signup_date", Date32, false),
                ("marketing_opt_in", Boolean, false),
                ("age", Int64, true),
                ("company_role", Utf8, true),
            ])
        })
        .clone()
}

/// The accounts table: `account_id`, `name`, `arr`, `start_date`,
/// `industry`, `tier`, `seats`.
pub fn accounts_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            table_schema([
                ("account_id", Utf8, false),
                ("name", Utf8, false),
                ("arr", Float64, false),
                ("start_date", Date32, false),
                ("industry", Utf8, false),
                ("tier", Utf8, false),
                ("seats", Int64, false),
            ])
        })
        .clone()
}

/// A schema from its columns, each `(name, type, nullable)`.
fn table_schema<const N: usize>(columns: [(&str, DataType, bool); N]) -> SchemaRef {
    let fields = columns.map(|(name, data_type, nullable)| Field::new(name, data_type, nullable));
    Arc::new(Schema::new(Vec::from(fields)))
}

/// A batch of `schema` from one builder per column, in the schema's order.
fn finish_batch(schema: SchemaRef, builders: &mut [&mut dyn ArrayBuilder]) -> RecordBatch {
    let columns = builders.iter_mut().map(|b| b.finish()).collect();
    RecordBatch::try_new(schema, columns).expect("one builder per column of the schema")
}

// ---------------------------------------------------------------------------
// Public generators

/// The whole users table in one batch (`cfg.users` rows).
pub fn users_batch(cfg: &DemoConfig) -> RecordBatch {
    users_rows(cfg, 0, cfg.users)
}

/// The whole accounts table in one batch (`max(5, users / 20)` rows).
pub fn accounts_batch(cfg: &DemoConfig) -> RecordBatch {
    accounts_rows(cfg, 0, cfg.account_count())
}

/// Events in batches of at most `batch_rows` rows, generated user by user
/// (each user's events in time order); bounded memory. The rows do not
/// depend on `batch_rows`.
pub fn event_batches(cfg: &DemoConfig, batch_rows: usize) -> impl Iterator<Item = RecordBatch> {
    EventGen::new(cfg, batch_rows)
}

/// The whole dataset in memory (for `segql run` without data flags):
/// events in batches of 8192 rows, users, accounts.
pub fn in_memory(cfg: &DemoConfig) -> (Vec<RecordBatch>, RecordBatch, RecordBatch) {
    (
        event_batches(cfg, 8192).collect(),
        users_batch(cfg),
        accounts_batch(cfg),
    )
}

/// How the events table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventLayout {
    /// One file, `events.parquet`.
    #[default]
    OneFile,
    /// A Hive-partitioned folder, one file per UTC day of the events:
    /// `events/date=2026-01-01/part-0.parquet`.
    ByDay,
}

/// Writes `DIR/events.parquet` (or the `DIR/events/date=.../` folders),
/// `DIR/users.parquet` and `DIR/accounts.parquet` (zstd), creating DIR if
/// needed. Every table is generated and written in chunks, so memory stays
/// bounded.
pub fn write_parquet(
    dir: &Path,
    cfg: &DemoConfig,
    layout: EventLayout,
) -> Result<DemoSummary, DemoError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| DemoError::new(format!("cannot create directory {}: {e}", dir.display())))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();

    let users = write_file(
        &dir.join("users.parquet"),
        users_schema(),
        chunks(cfg.users).map(|(lo, hi)| users_rows(cfg, lo, hi)),
        &props,
    )?;
    let accounts = write_file(
        &dir.join("accounts.parquet"),
        accounts_schema(),
        chunks(cfg.account_count()).map(|(lo, hi)| accounts_rows(cfg, lo, hi)),
        &props,
    )?;
    let mut events = EventGen::new(cfg, CHUNK_ROWS);
    let event_rows = match layout {
        EventLayout::OneFile => write_file(
            &dir.join("events.parquet"),
            events_schema(),
            &mut events,
            &props,
        )?,
        EventLayout::ByDay => write_by_day(&dir.join("events"), &mut events, &props)?,
    };
    Ok(DemoSummary {
        users,
        accounts,
        events: event_rows,
        sessions: events.sessions,
    })
}

/// Writes event batches into one file per UTC day of their timestamps,
/// `dir/date=YYYY-MM-DD/part-0.parquet`. The generator goes user by user,
/// so every day's writer stays open until the last batch.
fn write_by_day(
    dir: &Path,
    batches: impl Iterator<Item = RecordBatch>,
    props: &WriterProperties,
) -> Result<u64, DemoError> {
    use arrow::array::{AsArray, UInt32Array};
    use std::collections::BTreeMap;
    let mut writers: BTreeMap<String, (std::path::PathBuf, ArrowWriter<BufWriter<File>>)> =
        BTreeMap::new();
    let fail = |path: &Path, e: parquet::errors::ParquetError| {
        DemoError::new(format!("cannot write {}: {e}", path.display()))
    };
    let mut rows = 0u64;
    for batch in batches {
        rows += batch.num_rows() as u64;
        let days = arrow::compute::cast(batch.column(0), &Date32)
            .and_then(|d| arrow::compute::cast(&d, &Utf8))
            .map_err(|e| DemoError::new(format!("cannot compute event days: {e}")))?;
        let days = days.as_string::<i32>();
        let mut rows_of_day: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for row in 0..batch.num_rows() {
            rows_of_day
                .entry(days.value(row))
                .or_default()
                .push(row as u32);
        }
        for (day, indices) in rows_of_day {
            let part = arrow::compute::take_record_batch(&batch, &UInt32Array::from(indices))
                .map_err(|e| DemoError::new(format!("cannot split events by day: {e}")))?;
            if !writers.contains_key(day) {
                let folder = dir.join(format!("date={day}"));
                std::fs::create_dir_all(&folder).map_err(|e| {
                    DemoError::new(format!("cannot create directory {}: {e}", folder.display()))
                })?;
                let path = folder.join("part-0.parquet");
                let file = File::create(&path).map_err(|e| {
                    DemoError::new(format!("cannot create {}: {e}", path.display()))
                })?;
                let writer = ArrowWriter::try_new(
                    BufWriter::new(file),
                    events_schema(),
                    Some(props.clone()),
                )
                .map_err(|e| fail(&path, e))?;
                writers.insert(day.to_string(), (path, writer));
            }
            let (path, writer) = writers.get_mut(day).expect("the writer of the day");
            writer.write(&part).map_err(|e| fail(path, e))?;
        }
    }
    for (path, writer) in writers.into_values() {
        writer.close().map_err(|e| fail(&path, e))?;
    }
    Ok(rows)
}

fn chunks(n: u64) -> impl Iterator<Item = (u64, u64)> {
    let step = CHUNK_ROWS as u64;
    (0..n.div_ceil(step)).map(move |i| (i * step, ((i + 1) * step).min(n)))
}

fn write_file(
    path: &Path,
    schema: SchemaRef,
    batches: impl Iterator<Item = RecordBatch>,
    props: &WriterProperties,
) -> Result<u64, DemoError> {
    let file = File::create(path)
        .map_err(|e| DemoError::new(format!("cannot create {}: {e}", path.display())))?;
    let fail = |e: parquet::errors::ParquetError| {
        DemoError::new(format!("cannot write {}: {e}", path.display()))
    };
    let mut writer =
        ArrowWriter::try_new(BufWriter::new(file), schema, Some(props.clone())).map_err(fail)?;
    let mut rows = 0u64;
    for batch in batches {
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(fail)?;
    }
    writer.close().map_err(fail)?;
    Ok(rows)
}

#[cfg(test)]
mod tests;

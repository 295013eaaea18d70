//! The built-in demo dataset: a deterministic online shop.
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

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMillisecondArray,
};
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
/// `product_id`, `query`, `referrer`.
pub fn events_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new(
                    "timestamp",
                    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                    false,
                ),
                Field::new("user_id", DataType::Utf8, false),
                Field::new("session_id", DataType::Utf8, true),
                Field::new("event_type", DataType::Utf8, false),
                Field::new("name", DataType::Utf8, false),
                Field::new("account_id", DataType::Utf8, true),
                Field::new("device", DataType::Utf8, true),
                Field::new("browser", DataType::Utf8, true),
                Field::new("geo.country", DataType::Utf8, true),
                Field::new("amount", DataType::Float64, true),
                Field::new("product_id", DataType::Utf8, true),
                Field::new("query", DataType::Utf8, true),
                Field::new("referrer", DataType::Utf8, true),
            ]))
        })
        .clone()
}

/// The users table: `user_id`, `email`, `account_id`, `country`, `plan`,
/// `signup_date`, `marketing_opt_in`, `age`, `company_role`.
pub fn users_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("user_id", DataType::Utf8, false),
                Field::new("email", DataType::Utf8, false),
                Field::new("account_id", DataType::Utf8, true),
                Field::new("country", DataType::Utf8, false),
                Field::new("plan", DataType::Utf8, true),
                Field::new("signup_date", DataType::Date32, false),
                Field::new("marketing_opt_in", DataType::Boolean, false),
                Field::new("age", DataType::Int64, true),
                Field::new("company_role", DataType::Utf8, true),
            ]))
        })
        .clone()
}

/// The accounts table: `account_id`, `name`, `arr`, `start_date`,
/// `industry`, `tier`, `seats`.
pub fn accounts_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("account_id", DataType::Utf8, false),
                Field::new("name", DataType::Utf8, false),
                Field::new("arr", DataType::Float64, false),
                Field::new("start_date", DataType::Date32, false),
                Field::new("industry", DataType::Utf8, false),
                Field::new("tier", DataType::Utf8, false),
                Field::new("seats", DataType::Int64, false),
            ]))
        })
        .clone()
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

/// Writes `DIR/events.parquet`, `DIR/users.parquet` and
/// `DIR/accounts.parquet` (zstd), creating DIR if needed. Every table is
/// generated and written in chunks, so memory stays bounded.
pub fn write_parquet(dir: &Path, cfg: &DemoConfig) -> Result<DemoSummary, DemoError> {
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
    let event_rows = write_file(
        &dir.join("events.parquet"),
        events_schema(),
        &mut events,
        &props,
    )?;
    Ok(DemoSummary {
        users,
        accounts,
        events: event_rows,
        sessions: events.sessions,
    })
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

// ---------------------------------------------------------------------------
// Random numbers and dates

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64, seeded from (seed, stream, index).
#[derive(Debug, Clone)]
struct Rng(u64);

const STREAM_USER: u64 = 1;
const STREAM_EVENTS: u64 = 2;
const STREAM_ACCOUNT: u64 = 3;
const STREAM_CATALOG: u64 = 4;
const STREAM_ACCOUNT_USE: u64 = 5;

impl Rng {
    fn new(seed: u64, stream: u64, index: u64) -> Self {
        let s = mix64(seed ^ mix64(stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)));
        Rng(mix64(s ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi] (inclusive).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = ((m + 9) % 12) as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// ---------------------------------------------------------------------------
// Vocabulary

const COUNTRIES: [&str; 7] = ["BR", "US", "FR", "DE", "IN", "JP", "GB"];
const COUNTRY_WEIGHTS: [u32; 7] = [20, 28, 10, 10, 12, 8, 12];

/// Eight first names and eight last names per country (same order as
/// `COUNTRIES`), separated by spaces.
const FIRST_NAMES: [&str; 7] = [
    "ana bruno carla diego fernanda gabriel juliana lucas",
    "david emma james olivia michael sophia daniel emily",
    "lea hugo chloe louis manon jules camille arthur",
    "lukas anna felix lena jonas mia paul laura",
    "priya arjun ananya rahul isha vikram neha rohan",
    "hiroshi yuki haruto sakura kenji aoi takumi mei",
    "oliver amelia harry isla george ava jack grace",
];
const LAST_NAMES: [&str; 7] = [
    "silva costa mendes santos oliveira souza pereira lima",
    "smith johnson williams brown jones miller davis wilson",
    "martin bernard dubois thomas robert richard petit durand",
    "muller schmidt schneider fischer weber meyer wagner becker",
    "sharma patel gupta singh kumar reddy iyer nair",
    "tanaka suzuki sato takahashi watanabe ito yamamoto nakamura",
    "taylor evans thomas roberts walker wright hughes green",
];

const PLANS: [&str; 3] = ["free", "pro", "premium"];
const ROLES: [&str; 6] = [
    "owner",
    "admin",
    "analyst",
    "engineer",
    "marketing",
    "finance",
];

const INDUSTRIES: [&str; 4] = ["retail", "media", "software", "finance"];
const TIERS: [&str; 3] = ["smb", "mid", "enterprise"];
const NAME_ADJECTIVES: [&str; 12] = [
    "Blue", "Bright", "Silver", "North", "Green", "Red", "Swift", "Clear", "Golden", "Urban",
    "Prime", "Quiet",
];
const NAME_NOUNS: [&str; 12] = [
    "River", "Peak", "Harbor", "Stone", "Field", "Leaf", "Wave", "Forge", "Bridge", "Pine",
    "Orbit", "Lantern",
];
const NAME_SUFFIXES: [[&str; 2]; 4] = [
    ["Outfitters", "Market"],
    ["Media", "Studios"],
    ["Labs", "Software"],
    ["Capital", "Partners"],
];

const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
const DESKTOP: u8 = 0;
const MOBILE: u8 = 1;
const BROWSERS: [&str; 4] = ["chrome", "safari", "firefox", "edge"];
const REFERRERS: [&str; 3] = ["google", "newsletter", "ads"];
const QUERIES: [&str; 16] = [
    "running shoes",
    "leather boots",
    "hiking boots",
    "shoe rack",
    "kids shoes",
    "sneakers",
    "headphones",
    "coffee maker",
    "yoga mat",
    "backpack",
    "phone case",
    "desk lamp",
    "winter jacket",
    "sunglasses",
    "water bottle",
    "gift card",
];

const PRODUCTS: u8 = 50;

const EVENT_TYPES: [&str; 4] = ["view", "action", "error", "custom"];
const VIEW: u8 = 0;
const ACTION: u8 = 1;
const ERROR: u8 = 2;
const CUSTOM: u8 = 3;

/// No value (null) in the small-integer fields of [`Ev`].
const NONE: u8 = u8::MAX;

/// Prices of the catalogue in cents, the same for every seed.
fn price_cents(product: u8) -> i64 {
    static PRICES: OnceLock<Vec<i64>> = OnceLock::new();
    PRICES.get_or_init(|| {
        (1..=PRODUCTS)
            .map(|p| {
                let mut rng = Rng::new(0x5E6_0D05, STREAM_CATALOG, u64::from(p));
                let dollars = (5f64.ln() + rng.f64() * (400f64.ln() - 5f64.ln())).exp();
                dollars.floor() as i64 * 100 + 99
            })
            .collect()
    })[usize::from(product - 1)]
}

// ---------------------------------------------------------------------------
// Users and accounts

fn user_id(num: u64) -> String {
    format!("u{num:05}")
}

fn account_id(index: u64) -> String {
    format!("a{:04}", index + 1)
}

/// The profile of user number `num` (1-based; numbers above `cfg.users` are
/// users who appear in events only).
#[derive(Debug, Clone)]
struct Profile {
    num: u64,
    country: u8,
    first: &'static str,
    last: &'static str,
    email_style: u8,
    account: Option<u64>,
    plan: Option<u8>,
    signup_day: i64,
    signup_time: i64,
    opt_in: bool,
    age: Option<i64>,
    role: Option<u8>,
}

impl Profile {
    fn new(cfg: &DemoConfig, num: u64) -> Self {
        let mut rng = Rng::new(cfg.seed, STREAM_USER, num);
        let country = rng.weighted(&COUNTRY_WEIGHTS);
        let first = pick_word(&mut rng, FIRST_NAMES[country]);
        let last = pick_word(&mut rng, LAST_NAMES[country]);
        let email_style = rng.weighted(&[90, 5, 3, 2]) as u8;
        let in_account = rng.chance(0.4) && num <= cfg.users;
        let u = rng.f64();
        let account = in_account.then(|| ((cfg.account_count() as f64) * u * u) as u64);
        let plan_weights: [u32; 4] = if account.is_some() {
            [25, 45, 28, 2]
        } else {
            [60, 26, 12, 2]
        };
        let plan = match rng.weighted(&plan_weights) {
            3 => None,
            p => Some(p as u8),
        };
        let signup_day = if rng.chance(0.25) {
            START_DAY + rng.below(u64::from(cfg.days)) as i64
        } else {
            START_DAY - 1 - rng.below(730) as i64
        };
        let signup_time = rng.between(7 * HOUR, 23 * HOUR);
        let opt_in = rng.chance(0.45);
        let age = (!rng.chance(0.15)).then(|| {
            let t = (rng.f64() + rng.f64()) / 2.0;
            18 + (t * 55.0) as i64
        });
        let role_share = if account.is_some() { 0.7 } else { 0.05 };
        let role = rng
            .chance(role_share)
            .then(|| rng.below(ROLES.len() as u64) as u8);
        Profile {
            num,
            country: country as u8,
            first,
            last,
            email_style,
            account,
            plan,
            signup_day,
            signup_time,
            opt_in,
            age,
            role,
        }
    }

    /// Unique (it contains the user number); a few differ in letter case,
    /// have spaces around them, or have no dot before the `@`.
    fn email(&self) -> String {
        let (first, last, n) = (self.first, self.last, self.num);
        match self.email_style {
            0 => format!("{first}.{last}{n}@example.com"),
            1 => format!("{first}{last}{n}@example.com"),
            2 => format!("{}.{}{n}@Example.com", capitalize(first), capitalize(last)),
            _ => format!(" {first}.{last}{n}@example.com "),
        }
    }

    /// The moment of signup, in epoch milliseconds.
    fn signup_millis(&self) -> i64 {
        self.signup_day * DAY + self.signup_time
    }
}

fn pick_word(rng: &mut Rng, words: &'static str) -> &'static str {
    let n = words.split(' ').count() as u64;
    words.split(' ').nth(rng.below(n) as usize).unwrap_or(words)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn users_rows(cfg: &DemoConfig, lo: u64, hi: u64) -> RecordBatch {
    let n = (hi - lo) as usize;
    let mut ids = StringBuilder::with_capacity(n, n * 6);
    let mut emails = StringBuilder::with_capacity(n, n * 28);
    let mut accounts = StringBuilder::with_capacity(n, n * 5);
    let mut countries = StringBuilder::with_capacity(n, n * 2);
    let mut plans = StringBuilder::with_capacity(n, n * 5);
    let mut signups = Date32Builder::with_capacity(n);
    let mut opt_ins = BooleanBuilder::with_capacity(n);
    let mut ages = Int64Builder::with_capacity(n);
    let mut roles = StringBuilder::with_capacity(n, n * 4);
    for num in lo + 1..=hi {
        let p = Profile::new(cfg, num);
        ids.append_value(user_id(num));
        emails.append_value(p.email());
        accounts.append_option(p.account.map(account_id));
        countries.append_value(COUNTRIES[usize::from(p.country)]);
        plans.append_option(p.plan.map(|i| PLANS[usize::from(i)]));
        signups.append_value(p.signup_day as i32);
        opt_ins.append_value(p.opt_in);
        ages.append_option(p.age);
        roles.append_option(p.role.map(|i| ROLES[usize::from(i)]));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(emails.finish()),
        Arc::new(accounts.finish()),
        Arc::new(countries.finish()),
        Arc::new(plans.finish()),
        Arc::new(signups.finish()),
        Arc::new(opt_ins.finish()),
        Arc::new(ages.finish()),
        Arc::new(roles.finish()),
    ];
    RecordBatch::try_new(users_schema(), columns).expect("users columns match users_schema")
}

fn accounts_rows(cfg: &DemoConfig, lo: u64, hi: u64) -> RecordBatch {
    let n = (hi - lo) as usize;
    let mut ids = StringBuilder::with_capacity(n, n * 5);
    let mut names = StringBuilder::with_capacity(n, n * 20);
    let mut arrs = Float64Builder::with_capacity(n);
    let mut starts = Date32Builder::with_capacity(n);
    let mut industries = StringBuilder::with_capacity(n, n * 7);
    let mut tiers = StringBuilder::with_capacity(n, n * 4);
    let mut seats_col = Int64Builder::with_capacity(n);
    let total = cfg.account_count();
    for index in lo..hi {
        let mut rng = Rng::new(cfg.seed, STREAM_ACCOUNT, index);
        // Accounts with a low index get more users (see Profile::new), and
        // are more often large.
        let big = index < total.div_ceil(10);
        let tier = rng.weighted(if big { &[20, 30, 50] } else { &[60, 30, 10] });
        let industry = rng.below(INDUSTRIES.len() as u64) as usize;
        let (seats, per_seat) = match tier {
            0 => (rng.between(3, 50), rng.between(300, 700)),
            1 => (rng.between(40, 400), rng.between(400, 900)),
            _ => (rng.between(250, 3000), rng.between(500, 1200)),
        };
        let arr = ((seats * per_seat) as f64 / 100.0).round() * 100.0;
        let start = if rng.chance(0.15) {
            START_DAY + rng.below(u64::from(cfg.days)) as i64
        } else {
            START_DAY - 1 - rng.below(4 * 365) as i64
        };
        ids.append_value(account_id(index));
        let _ = write!(
            names,
            "{} {} {}",
            rng.pick(&NAME_ADJECTIVES),
            rng.pick(&NAME_NOUNS),
            rng.pick(&NAME_SUFFIXES[industry])
        );
        names.append_value("");
        arrs.append_value(arr);
        starts.append_value(start as i32);
        industries.append_value(INDUSTRIES[industry]);
        tiers.append_value(TIERS[tier]);
        seats_col.append_value(seats);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(names.finish()),
        Arc::new(arrs.finish()),
        Arc::new(starts.finish()),
        Arc::new(industries.finish()),
        Arc::new(tiers.finish()),
        Arc::new(seats_col.finish()),
    ];
    RecordBatch::try_new(accounts_schema(), columns)
        .expect("accounts columns match accounts_schema")
}

// ---------------------------------------------------------------------------
// Events

/// One event of the user being generated, in compact form.
#[derive(Debug, Clone, Copy)]
struct Ev {
    ts: i64,
    /// Session number within the user (1-based); 0 = null.
    session: u32,
    kind: u8,
    name: Name,
    account: bool,
    device: u8,
    browser: u8,
    geo: u8,
    /// Cents; negative = null.
    amount: i64,
    /// 1..=50; NONE = null.
    product: u8,
    query: u8,
    referrer: u8,
}

#[derive(Debug, Clone, Copy)]
enum Name {
    Str(&'static str),
    Product(u8),
}

/// Per-user behaviour, drawn from the user's event stream.
struct Traits {
    /// Multiplies the chance of adding products to the cart.
    intensity: f64,
    /// Products viewed per product stage: 1..=max_products.
    max_products: u64,
    coupon_hunter: bool,
    /// Chance of a declined payment per attempt.
    decline: f64,
    device: u8,
    browser: u8,
    /// Share of an account user's sessions that are work sessions.
    work_share: f64,
    /// Chance that a work session exports reports: a trait of the account
    /// (some accounts never adopted the reports feature).
    exports: f64,
}

/// Generates the events of one user into `out` (sorted by time); returns
/// the number of sessions with at least one non-null session id.
fn user_events(cfg: &DemoConfig, p: &Profile, out: &mut Vec<Ev>) -> u64 {
    out.clear();
    let mut rng = Rng::new(cfg.seed, STREAM_EVENTS, p.num);
    let start = cfg.start_millis();
    let end = cfg.end_millis();

    // How active: none (a profile without events), one-off, casual,
    // regular, power user.
    let base = match rng.weighted(&[3, 15, 47, 26, 9]) {
        0 => return 0,
        1 => 1,
        2 => rng.between(2, 8),
        3 => rng.between(8, 25),
        _ => rng.between(25, 70),
    };
    let mut n_sessions = ((base as f64) * f64::from(cfg.days) / 90.0).round() as i64;
    n_sessions = n_sessions.max(1);

    let signup = p.signup_millis();
    let new_user = signup >= start;
    let window_start = signup.max(start);
    if window_start >= end {
        return 0;
    }
    let mut window_end = end;
    if rng.chance(0.2) {
        // Lapsed: active only in the first part of the span.
        let len = (end - window_start) as f64;
        window_end = window_start + (len * (0.1 + 0.8 * rng.f64())) as i64 + HOUR;
    }

    let power = rng.chance(0.08);
    let device = [DESKTOP, MOBILE, 2][rng.weighted(&[50, 40, 10])];
    let traits = Traits {
        intensity: if power { 2.5 } else { 0.5 + rng.f64() },
        max_products: if power { 6 } else { 3 },
        coupon_hunter: rng.chance(0.1),
        decline: if rng.chance(0.06) { 0.6 } else { 0.1 },
        device,
        browser: browser_for(&mut rng, device),
        work_share: 0.25 + 0.3 * rng.f64(),
        exports: p.account.map_or(0.0, |a| report_adoption(cfg, a)),
    };

    // Session start times, sorted; fewer at night.
    let mut starts: Vec<i64> = (0..n_sessions)
        .map(|_| {
            let span = (window_end - window_start).max(1) as u64;
            let mut t = window_start + rng.below(span) as i64;
            if (t % DAY) < 7 * HOUR && rng.chance(0.7) {
                t = window_start + rng.below(span) as i64;
            }
            t
        })
        .collect();
    starts.sort_unstable();
    if new_user {
        starts[0] = window_start;
    }

    let mut sessions = 0;
    let mut prev_end = i64::MIN;
    for (k, &planned) in starts.iter().enumerate() {
        let t = if prev_end == i64::MIN {
            planned
        } else {
            planned.max(prev_end + 20 * MINUTE + rng.below(40 * MINUTE as u64) as i64)
        };
        if t >= window_end.min(end) {
            break;
        }
        let before = out.len();
        let mut walk = Walk::new(&mut rng, out, p, &traits, k as u32 + 1, t, end);
        walk.session(k == 0 && new_user);
        let with_session = walk.with_session;
        prev_end = walk.t;
        if with_session {
            sessions += 1;
        }
        if out.len() == before {
            break;
        }
    }

    // Background renewals of paying plans: once a month, no session.
    if matches!(p.plan, Some(1 | 2)) && !out.is_empty() {
        let (_, _, dom) = civil_from_days(p.signup_day);
        let (mut y, mut m, _) = civil_from_days(START_DAY);
        loop {
            let month_start = days_from_civil(y, m, 1);
            if month_start >= cfg.end_day() {
                break;
            }
            let ts = days_from_civil(y, m, dom.min(28)) * DAY + 3 * HOUR + rng.between(0, 3 * HOUR);
            if ts > signup && ts >= start && ts < end {
                out.push(Ev {
                    ts,
                    session: 0,
                    kind: CUSTOM,
                    name: Name::Str("subscription_renewed"),
                    account: p.account.is_some() && rng.chance(0.7),
                    device: NONE,
                    browser: NONE,
                    geo: NONE,
                    amount: -1,
                    product: NONE,
                    query: NONE,
                    referrer: NONE,
                });
            }
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
    }
    out.sort_by_key(|e| e.ts);
    sessions
}

/// How much an account's users export reports: never (~30% of accounts),
/// now and then, or in most work sessions.
fn report_adoption(cfg: &DemoConfig, account: u64) -> f64 {
    let mut rng = Rng::new(cfg.seed, STREAM_ACCOUNT_USE, account);
    [0.0, 0.25, 0.8][rng.weighted(&[30, 40, 30])]
}

fn browser_for(rng: &mut Rng, device: u8) -> u8 {
    let weights: [u32; 4] = if device == DESKTOP {
        [55, 15, 15, 15]
    } else {
        [45, 50, 5, 0]
    };
    rng.weighted(&weights) as u8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Home,
    Search,
    Products,
    Cart,
    Checkout,
    End,
}

/// One session: a walk through the shop.
struct Walk<'a> {
    rng: &'a mut Rng,
    out: &'a mut Vec<Ev>,
    traits: &'a Traits,
    t: i64,
    end: i64,
    session: u32,
    device: u8,
    browser: u8,
    geo: u8,
    has_account: bool,
    referrer: u8,
    landed: bool,
    timeout: f64,
    budget: u32,
    done: bool,
    with_session: bool,
    cart: Vec<u8>,
}

impl<'a> Walk<'a> {
    fn new(
        rng: &'a mut Rng,
        out: &'a mut Vec<Ev>,
        p: &Profile,
        traits: &'a Traits,
        session: u32,
        t: i64,
        end: i64,
    ) -> Self {
        let device = if rng.chance(0.8) {
            traits.device
        } else {
            rng.below(3) as u8
        };
        let browser = if device == traits.device && rng.chance(0.9) {
            traits.browser
        } else {
            browser_for(rng, device)
        };
        let geo = if rng.chance(0.92) {
            p.country
        } else {
            rng.below(COUNTRIES.len() as u64) as u8
        };
        let referrer = match rng.weighted(&[45, 25, 12, 18]) {
            0 => NONE,
            r => r as u8 - 1,
        };
        let bad_network = rng.chance(if device == DESKTOP { 0.03 } else { 0.08 });
        Walk {
            rng,
            out,
            traits,
            t,
            end,
            session,
            device,
            browser,
            geo,
            has_account: p.account.is_some(),
            referrer,
            landed: false,
            timeout: if bad_network { 0.25 } else { 0.006 },
            budget: 80,
            done: false,
            with_session: false,
            cart: Vec::new(),
        }
    }

    fn emit(&mut self, kind: u8, name: Name, amount: i64, product: u8, query: u8) {
        if self.done || self.t >= self.end || self.budget == 0 {
            self.done = true;
            return;
        }
        self.budget -= 1;
        let referrer = if kind == VIEW && !self.landed {
            self.landed = true;
            self.referrer
        } else {
            NONE
        };
        // A few events lose their session id.
        let session = if self.rng.chance(0.015) {
            0
        } else {
            self.with_session = true;
            self.session
        };
        let account = self.has_account && self.rng.chance(0.7);
        self.out.push(Ev {
            ts: self.t,
            session,
            kind,
            name,
            account,
            device: self.device,
            browser: self.browser,
            geo: self.geo,
            amount,
            product,
            query,
            referrer,
        });
        if kind != ERROR && self.rng.chance(self.timeout) {
            self.t += self.rng.between(SECOND, 10 * SECOND);
            self.error("Network timeout");
        }
    }

    fn view(&mut self, path: &'static str) {
        self.emit(VIEW, Name::Str(path), -1, NONE, NONE);
    }

    fn action(&mut self, name: &'static str) {
        self.emit(ACTION, Name::Str(name), -1, NONE, NONE);
    }

    fn error(&mut self, message: &'static str) {
        self.emit(ERROR, Name::Str(message), -1, NONE, NONE);
    }

    fn view_product(&mut self, product: u8) {
        self.emit(VIEW, Name::Product(product), -1, product, NONE);
    }

    /// A few seconds to a few minutes.
    fn wait(&mut self) {
        let u = self.rng.f64();
        self.t += 2 * SECOND + (u * u * 150_000.0) as i64 + self.rng.between(0, 999);
    }

    /// Under a few seconds.
    fn wait_short(&mut self) {
        self.t += self.rng.between(200, 4 * SECOND);
    }

    fn pick_product(&mut self) -> u8 {
        let u = self.rng.f64();
        1 + (f64::from(PRODUCTS) * u.powf(1.8)) as u8
    }

    fn session(&mut self, signup: bool) {
        let work = self.has_account && !signup && self.rng.chance(self.traits.work_share);
        if work {
            self.referrer = NONE;
        }
        // Landing.
        let product_landing = match self.referrer {
            2 => 0.7,
            0 => 0.3,
            _ => 0.05,
        };
        let mut stage = Stage::Home;
        let mut on_reports = false;
        if work && self.rng.chance(0.5) {
            self.view("/reports");
            on_reports = true;
        } else if !work && !signup && self.rng.chance(product_landing) {
            let product = self.pick_product();
            self.view_product(product);
            stage = Stage::Products;
            if self.rng.chance(0.3 * self.traits.intensity) {
                self.add_to_cart(product);
            }
        } else {
            self.view("/home");
        }
        if signup {
            self.wait();
            self.action("signup");
            if self.rng.chance(0.5) {
                self.wait();
                self.view("/account");
            }
        } else if self.rng.chance(0.3) {
            // Logged in the same millisecond as the landing view, sometimes.
            if !self.rng.chance(0.3) {
                self.wait_short();
            }
            self.action("login");
        }
        if work {
            self.work(on_reports);
            if !self.rng.chance(0.25) {
                return;
            }
        }
        self.shop(stage);
    }

    /// B2B work: reports, exports, team invitations.
    fn work(&mut self, on_reports: bool) {
        if !on_reports {
            self.wait();
            self.view("/reports");
        }
        let exports = if self.rng.chance(self.traits.exports) {
            [1, 2, 3][self.rng.weighted(&[55, 30, 15])]
        } else {
            0
        };
        for _ in 0..exports {
            self.wait();
            self.action("export_report");
        }
        if self.rng.chance(0.12) {
            self.wait();
            self.view("/settings/team");
            self.wait();
            self.action("invite_teammate");
            if self.rng.chance(0.3) {
                self.wait_short();
                self.action("invite_teammate");
            }
        }
        if self.rng.chance(0.1) {
            self.wait();
            self.view("/account");
        }
    }

    fn add_to_cart(&mut self, product: u8) {
        if self.rng.chance(0.04) {
            self.wait_short();
            self.error("Out of stock");
            if self.rng.chance(0.4) {
                self.t += self.rng.between(20 * SECOND, 90 * SECOND);
                self.error("Out of stock");
            }
            return;
        }
        // The quick-add button is logged in the same millisecond as the
        // product view, sometimes.
        if !self.rng.chance(0.25) {
            self.wait();
        }
        self.emit(
            ACTION,
            Name::Str("add_to_cart"),
            price_cents(product),
            product,
            NONE,
        );
        self.cart.push(product);
    }

    fn shop(&mut self, mut stage: Stage) {
        let mut searches = 0;
        let mut cart_visits = 0;
        while !self.done && stage != Stage::End {
            stage = match stage {
                Stage::Home => match self.rng.f64() {
                    r if r < 0.62 => Stage::Search,
                    r if r < 0.82 => Stage::Products,
                    r if r < 0.88 => {
                        self.wait();
                        let page = self.rng.pick(&["/help", "/account"]);
                        self.view(page);
                        Stage::End
                    }
                    _ => Stage::End,
                },
                Stage::Search => {
                    searches += 1;
                    self.wait();
                    let query = self.rng.below(QUERIES.len() as u64) as u8;
                    self.emit(ACTION, Name::Str("search"), -1, NONE, query);
                    self.wait_short();
                    self.view("/search");
                    match self.rng.f64() {
                        r if r < 0.72 => Stage::Products,
                        r if r < 0.86 && searches < 4 => Stage::Search,
                        _ => Stage::End,
                    }
                }
                Stage::Products => {
                    let n = 1 + self.rng.below(self.traits.max_products);
                    for _ in 0..n {
                        self.wait();
                        let product = self.pick_product();
                        self.view_product(product);
                        if self.rng.chance(0.3 * self.traits.intensity) {
                            self.add_to_cart(product);
                        }
                    }
                    let r = self.rng.f64();
                    if !self.cart.is_empty() {
                        if r < 0.72 {
                            Stage::Cart
                        } else if r < 0.85 && searches < 4 {
                            Stage::Search
                        } else {
                            Stage::End
                        }
                    } else if r < 0.05 {
                        Stage::Cart
                    } else if r < 0.35 && searches < 4 {
                        Stage::Search
                    } else {
                        Stage::End
                    }
                }
                Stage::Cart => {
                    cart_visits += 1;
                    self.wait();
                    self.view("/cart");
                    self.cart_stage(&mut cart_visits, searches)
                }
                Stage::Checkout => self.checkout(),
                Stage::End => Stage::End,
            };
        }
    }

    fn cart_stage(&mut self, cart_visits: &mut u32, searches: u32) -> Stage {
        if let Some(&product) = self.cart.last()
            && self.rng.chance(0.12)
        {
            self.wait();
            self.emit(ACTION, Name::Str("remove_from_cart"), -1, product, NONE);
            self.cart.pop();
        }
        let coupon = if self.traits.coupon_hunter { 0.7 } else { 0.07 };
        if self.rng.chance(coupon) {
            self.wait();
            self.action("apply_coupon");
            if self.traits.coupon_hunter && self.rng.chance(0.5) {
                self.wait_short();
                self.action("apply_coupon");
            }
        }
        if self.cart.is_empty() {
            return if self.rng.chance(0.5) && searches < 4 {
                Stage::Search
            } else {
                Stage::End
            };
        }
        if self.rng.chance(0.58) {
            return Stage::Checkout;
        }
        // Abandoned the cart (for now).
        match self.rng.f64() {
            r if r < 0.4 => Stage::End,
            r if r < 0.7 => {
                self.wait();
                let page = self.rng.pick(&["/search", "/search", "/help"]);
                self.view(page);
                if *cart_visits < 3 && self.rng.chance(0.5) {
                    Stage::Cart
                } else {
                    Stage::End
                }
            }
            _ => Stage::Products,
        }
    }

    fn checkout(&mut self) -> Stage {
        self.wait();
        self.action("CHECKOUT");
        self.wait_short();
        self.view("/checkout");
        if self.rng.chance(0.08) {
            return Stage::End;
        }
        for attempt in 1..=3 {
            self.t += self.rng.between(5 * SECOND, 60 * SECOND);
            if self.rng.chance(self.traits.decline) {
                self.error("Payment declined");
                if attempt < 3 && self.rng.chance(0.55) {
                    self.wait();
                    self.action("CHECKOUT");
                    self.wait_short();
                    self.view("/checkout");
                    continue;
                }
                if self.rng.chance(0.3) {
                    self.wait();
                    self.view("/help");
                }
                return Stage::End;
            }
            let total: i64 = self.cart.iter().map(|&p| price_cents(p)).sum();
            self.emit(CUSTOM, Name::Str("purchase"), total, NONE, NONE);
            self.wait_short();
            self.view("/checkout/confirmation");
            self.cart.clear();
            return if self.rng.chance(0.1) {
                Stage::Home
            } else {
                Stage::End
            };
        }
        Stage::End
    }
}

/// Streams the events table, user by user.
struct EventGen {
    cfg: DemoConfig,
    batch_rows: usize,
    next_num: u64,
    last_num: u64,
    buf: Vec<Ev>,
    pos: usize,
    strings: UserStrings,
    /// Sessions generated so far (distinct non-null session ids).
    sessions: u64,
}

impl EventGen {
    fn new(cfg: &DemoConfig, batch_rows: usize) -> Self {
        EventGen {
            cfg: *cfg,
            batch_rows: batch_rows.max(1),
            next_num: 1,
            last_num: cfg.users + cfg.ghost_count(),
            buf: Vec::new(),
            pos: 0,
            strings: UserStrings::default(),
            sessions: 0,
        }
    }

    fn load_next_user(&mut self) {
        let num = self.next_num;
        self.next_num += 1;
        let profile = Profile::new(&self.cfg, num);
        self.sessions += user_events(&self.cfg, &profile, &mut self.buf);
        self.pos = 0;
        let sessions = self.buf.iter().map(|e| e.session).max().unwrap_or(0);
        self.strings = UserStrings {
            user_id: user_id(num),
            account_id: profile.account.map(account_id),
            session_ids: (1..=sessions)
                .map(|k| format!("s{num:05}-{k:03}"))
                .collect(),
        };
    }
}

impl Iterator for EventGen {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        let mut b = EventsBuilder::new(self.batch_rows.min(CHUNK_ROWS));
        while b.len < self.batch_rows {
            if self.pos < self.buf.len() {
                let take = (self.batch_rows - b.len).min(self.buf.len() - self.pos);
                for ev in &self.buf[self.pos..self.pos + take] {
                    b.push(ev, &self.strings);
                }
                self.pos += take;
            } else if self.next_num <= self.last_num {
                self.load_next_user();
            } else {
                break;
            }
        }
        (b.len > 0).then(|| b.finish())
    }
}

/// The strings of the user being written.
#[derive(Debug, Default)]
struct UserStrings {
    user_id: String,
    account_id: Option<String>,
    /// Session number k (1-based) is `session_ids[k - 1]`.
    session_ids: Vec<String>,
}

/// ("/product/p001", "p001") .. ("/product/p050", "p050").
fn product_names() -> &'static [(String, String)] {
    static NAMES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        (1..=PRODUCTS)
            .map(|p| (format!("/product/p{p:03}"), format!("p{p:03}")))
            .collect()
    })
}

struct EventsBuilder {
    len: usize,
    ts: Vec<i64>,
    user_id: StringBuilder,
    session_id: StringBuilder,
    event_type: StringBuilder,
    name: StringBuilder,
    account_id: StringBuilder,
    device: StringBuilder,
    browser: StringBuilder,
    geo: StringBuilder,
    amount: Float64Builder,
    product_id: StringBuilder,
    query: StringBuilder,
    referrer: StringBuilder,
}

fn append_small(b: &mut StringBuilder, values: &[&str], i: u8) {
    if i == NONE {
        b.append_null();
    } else {
        b.append_value(values[usize::from(i)]);
    }
}

impl EventsBuilder {
    fn new(capacity: usize) -> Self {
        let strings = |bytes: usize| StringBuilder::with_capacity(capacity, capacity * bytes);
        EventsBuilder {
            len: 0,
            ts: Vec::with_capacity(capacity),
            user_id: strings(6),
            session_id: strings(10),
            event_type: strings(5),
            name: strings(10),
            account_id: strings(4),
            device: strings(6),
            browser: strings(6),
            geo: strings(2),
            amount: Float64Builder::with_capacity(capacity),
            product_id: strings(2),
            query: strings(1),
            referrer: strings(1),
        }
    }

    fn push(&mut self, ev: &Ev, user: &UserStrings) {
        let UserStrings {
            user_id,
            account_id,
            session_ids,
        } = user;
        self.len += 1;
        self.ts.push(ev.ts);
        self.user_id.append_value(user_id);
        if ev.session == 0 {
            self.session_id.append_null();
        } else {
            self.session_id
                .append_value(&session_ids[ev.session as usize - 1]);
        }
        self.event_type
            .append_value(EVENT_TYPES[usize::from(ev.kind)]);
        match ev.name {
            Name::Str(s) => self.name.append_value(s),
            Name::Product(p) => self
                .name
                .append_value(&product_names()[usize::from(p - 1)].0),
        }
        self.account_id
            .append_option(account_id.as_deref().filter(|_| ev.account));
        append_small(&mut self.device, &DEVICES, ev.device);
        append_small(&mut self.browser, &BROWSERS, ev.browser);
        append_small(&mut self.geo, &COUNTRIES, ev.geo);
        self.amount
            .append_option((ev.amount >= 0).then(|| ev.amount as f64 / 100.0));
        if ev.product == NONE {
            self.product_id.append_null();
        } else {
            self.product_id
                .append_value(&product_names()[usize::from(ev.product - 1)].1);
        }
        append_small(&mut self.query, &QUERIES, ev.query);
        append_small(&mut self.referrer, &REFERRERS, ev.referrer);
    }

    fn finish(mut self) -> RecordBatch {
        let ts = TimestampMillisecondArray::from(std::mem::take(&mut self.ts)).with_timezone("UTC");
        let columns: Vec<ArrayRef> = vec![
            Arc::new(ts),
            Arc::new(self.user_id.finish()),
            Arc::new(self.session_id.finish()),
            Arc::new(self.event_type.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.account_id.finish()),
            Arc::new(self.device.finish()),
            Arc::new(self.browser.finish()),
            Arc::new(self.geo.finish()),
            Arc::new(self.amount.finish()),
            Arc::new(self.product_id.finish()),
            Arc::new(self.query.finish()),
            Arc::new(self.referrer.finish()),
        ];
        RecordBatch::try_new(events_schema(), columns).expect("event columns match events_schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::compute::concat_batches;
    use arrow::datatypes::{Date32Type, Float64Type, TimestampMillisecondType};
    use std::collections::{BTreeMap, BTreeSet};

    /// One event row, read back from the batches.
    #[derive(Debug, Clone, PartialEq)]
    struct Row {
        ts: i64,
        user: String,
        session: Option<String>,
        event_type: String,
        name: String,
        account: Option<String>,
        device: Option<String>,
        amount: Option<f64>,
        product: Option<String>,
        query: Option<String>,
        referrer: Option<String>,
    }

    fn string(batch: &RecordBatch, column: &str, i: usize) -> Option<String> {
        let col = batch.column_by_name(column).unwrap().as_string::<i32>();
        col.is_valid(i).then(|| col.value(i).to_string())
    }

    fn rows(batches: &[RecordBatch]) -> Vec<Row> {
        let mut out = Vec::new();
        for b in batches {
            let ts = b.column(0).as_primitive::<TimestampMillisecondType>();
            let amount = b
                .column_by_name("amount")
                .unwrap()
                .as_primitive::<Float64Type>();
            for i in 0..b.num_rows() {
                out.push(Row {
                    ts: ts.value(i),
                    user: string(b, "user_id", i).unwrap(),
                    session: string(b, "session_id", i),
                    event_type: string(b, "event_type", i).unwrap(),
                    name: string(b, "name", i).unwrap(),
                    account: string(b, "account_id", i),
                    device: string(b, "device", i),
                    amount: amount.is_valid(i).then(|| amount.value(i)),
                    product: string(b, "product_id", i),
                    query: string(b, "query", i),
                    referrer: string(b, "referrer", i),
                });
            }
        }
        out
    }

    struct Data {
        events: Vec<Row>,
        users: RecordBatch,
        accounts: RecordBatch,
    }

    /// The default dataset, generated once for all tests.
    fn data() -> &'static Data {
        static DATA: OnceLock<Data> = OnceLock::new();
        DATA.get_or_init(|| {
            let (events, users, accounts) = in_memory(&DemoConfig::default());
            assert!(events.iter().all(|b| b.num_rows() <= 8192));
            Data {
                events: rows(&events),
                users,
                accounts,
            }
        })
    }

    fn column_strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
        (0..batch.num_rows())
            .map(|i| string(batch, column, i))
            .collect()
    }

    /// user_id -> account_id of the users table.
    fn user_accounts() -> BTreeMap<String, Option<String>> {
        let d = data();
        column_strings(&d.users, "user_id")
            .into_iter()
            .map(Option::unwrap)
            .zip(column_strings(&d.users, "account_id"))
            .collect()
    }

    /// Events grouped by session id (in time order).
    fn sessions() -> BTreeMap<&'static str, Vec<&'static Row>> {
        let mut map: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for r in &data().events {
            if let Some(s) = &r.session {
                map.entry(s.as_str()).or_default().push(r);
            }
        }
        map
    }

    #[test]
    fn dates_and_span() {
        let mut parts = DEMO_START.split('-').map(|p| p.parse::<u32>().unwrap());
        let (y, m, d) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(days_from_civil(i64::from(y), m, d), START_DAY);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        for z in -1000..30_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let cfg = DemoConfig::default();
        assert_eq!(
            cfg,
            DemoConfig {
                users: 2000,
                days: 90,
                seed: 42
            }
        );
        // 2026-01-01T00:00:00Z and 2026-04-01T00:00:00Z.
        assert_eq!(cfg.start_millis(), 1_767_225_600_000);
        assert_eq!(cfg.end_millis(), 1_775_001_600_000);
    }

    #[test]
    fn schemas() {
        let names = |s: SchemaRef| {
            s.fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect::<Vec<_>>()
        };
        let utf8 = |n: &str| (n.to_string(), DataType::Utf8);
        assert_eq!(
            names(events_schema()),
            vec![
                (
                    "timestamp".to_string(),
                    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
                ),
                utf8("user_id"),
                utf8("session_id"),
                utf8("event_type"),
                utf8("name"),
                utf8("account_id"),
                utf8("device"),
                utf8("browser"),
                utf8("geo.country"),
                ("amount".to_string(), DataType::Float64),
                utf8("product_id"),
                utf8("query"),
                utf8("referrer"),
            ]
        );
        assert_eq!(
            names(users_schema()),
            vec![
                utf8("user_id"),
                utf8("email"),
                utf8("account_id"),
                utf8("country"),
                utf8("plan"),
                ("signup_date".to_string(), DataType::Date32),
                ("marketing_opt_in".to_string(), DataType::Boolean),
                ("age".to_string(), DataType::Int64),
                utf8("company_role"),
            ]
        );
        assert_eq!(
            names(accounts_schema()),
            vec![
                utf8("account_id"),
                utf8("name"),
                ("arr".to_string(), DataType::Float64),
                ("start_date".to_string(), DataType::Date32),
                utf8("industry"),
                utf8("tier"),
                ("seats".to_string(), DataType::Int64),
            ]
        );
        let d = data();
        assert_eq!(d.users.schema(), users_schema());
        assert_eq!(d.accounts.schema(), accounts_schema());
    }

    #[test]
    fn deterministic_and_independent_of_batch_size() {
        let cfg = DemoConfig {
            users: 150,
            days: 30,
            seed: 7,
        };
        let a: Vec<_> = event_batches(&cfg, 1000).collect();
        let b: Vec<_> = event_batches(&cfg, 1000).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|x| x.num_rows() <= 1000));
        let all = concat_batches(&events_schema(), &a).unwrap();
        for size in [1, 97, 4096, usize::MAX] {
            let c: Vec<_> = event_batches(&cfg, size).collect();
            assert!(c.iter().all(|x| x.num_rows() <= size && x.num_rows() > 0));
            assert_eq!(concat_batches(&events_schema(), &c).unwrap(), all, "{size}");
        }
        assert_eq!(users_batch(&cfg), users_batch(&cfg));
        assert_eq!(accounts_batch(&cfg), accounts_batch(&cfg));
        // Another seed, other data.
        let other = DemoConfig { seed: 8, ..cfg };
        let d: Vec<_> = event_batches(&other, 1000).collect();
        assert_ne!(concat_batches(&events_schema(), &d).unwrap(), all);
        assert_ne!(users_batch(&other), users_batch(&cfg));
        // A chunk of the users table is the same rows as the whole table.
        assert_eq!(users_rows(&cfg, 10, 20), users_batch(&cfg).slice(10, 10));
        assert_eq!(accounts_rows(&cfg, 2, 5), accounts_batch(&cfg).slice(2, 3));
    }

    #[test]
    fn plausible_counts_and_values() {
        let d = data();
        let n = d.events.len();
        assert!((100_000..=250_000).contains(&n), "{n} events");
        assert_eq!(d.users.num_rows(), 2000);
        assert_eq!(d.accounts.num_rows(), 100);
        assert_eq!(
            accounts_batch(&DemoConfig {
                users: 10,
                ..Default::default()
            })
            .num_rows(),
            5
        );
        let cfg = DemoConfig::default();
        let (start, end) = (cfg.start_millis(), cfg.end_millis());
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for r in &d.events {
            assert!(r.ts >= start && r.ts < end, "{r:?}");
            *counts.entry((&r.event_type, &r.name)).or_default() += 1;
            let expected_type = match r.name.as_str() {
                n if n.starts_with('/') => "view",
                "Payment declined" | "Network timeout" | "Out of stock" => "error",
                "purchase" | "subscription_renewed" => "custom",
                _ => "action",
            };
            assert_eq!(r.event_type, expected_type, "{r:?}");
            assert_eq!(
                r.amount.is_some(),
                r.name == "purchase" || r.name == "add_to_cart",
                "{r:?}"
            );
            if let Some(a) = r.amount {
                assert!(a > 0.0 && ((a * 100.0).round() - a * 100.0).abs() < 1e-6);
            }
            let product_view = r.name.starts_with("/product/");
            assert_eq!(
                r.product.is_some(),
                product_view || r.name == "add_to_cart" || r.name == "remove_from_cart",
                "{r:?}"
            );
            if product_view {
                assert_eq!(r.name, format!("/product/{}", r.product.as_ref().unwrap()));
            }
            assert_eq!(r.query.is_some(), r.name == "search", "{r:?}");
        }
        let views: BTreeSet<&str> = counts
            .keys()
            .filter(|(t, n)| *t == "view" && !n.starts_with("/product/"))
            .map(|(_, n)| *n)
            .collect();
        let expected_views = [
            "/account",
            "/cart",
            "/checkout",
            "/checkout/confirmation",
            "/help",
            "/home",
            "/reports",
            "/search",
            "/settings/team",
        ];
        assert_eq!(views, expected_views.into_iter().collect());
        for name in [
            "search",
            "add_to_cart",
            "remove_from_cart",
            "CHECKOUT",
            "apply_coupon",
            "export_report",
            "invite_teammate",
            "signup",
            "login",
        ] {
            assert!(
                counts.get(&("action", name)).copied().unwrap_or(0) > 20,
                "{name}"
            );
        }
        for name in ["Payment declined", "Network timeout", "Out of stock"] {
            assert!(
                counts.get(&("error", name)).copied().unwrap_or(0) > 20,
                "{name}"
            );
        }
        assert!(counts[&("custom", "purchase")] > 500);
        assert!(counts[&("custom", "subscription_renewed")] > 500);
        // The funnel narrows at each stage.
        let c = |t, n| counts[&(t, n)];
        assert!(c("view", "/home") > c("view", "/cart"));
        assert!(c("view", "/cart") > c("action", "CHECKOUT"));
        assert!(c("action", "CHECKOUT") > c("custom", "purchase"));
        assert_eq!(c("custom", "purchase"), c("view", "/checkout/confirmation"));
    }

    #[test]
    fn cart_abandoners_and_buyers_exist() {
        let mut abandoners = BTreeSet::new();
        let mut converters = BTreeSet::new();
        for events in sessions().values() {
            let Some(cart) = events.iter().position(|r| r.name == "/cart") else {
                continue;
            };
            let cart_ts = events[cart].ts;
            let checkout = events
                .iter()
                .any(|r| r.name == "CHECKOUT" && r.ts > cart_ts);
            if checkout {
                converters.insert(events[0].user.clone());
            } else {
                abandoners.insert(events[0].user.clone());
            }
        }
        assert!(abandoners.len() > 100, "{} abandoners", abandoners.len());
        assert!(converters.len() > 100, "{} converters", converters.len());
    }

    #[test]
    fn sessions_are_walks() {
        let sessions = sessions();
        assert!(sessions.len() > 10_000);
        let mut declined_then_retry = 0;
        for events in sessions.values() {
            // One user, one device, one browser per session; time order.
            assert!(events.iter().all(|r| r.user == events[0].user));
            assert!(events.iter().all(|r| r.device == events[0].device));
            assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts));
            let names: Vec<&str> = events.iter().map(|r| r.name.as_str()).collect();
            if names
                .windows(2)
                .any(|w| w[0] == "Payment declined" && w[1] == "CHECKOUT")
            {
                declined_then_retry += 1;
            }
        }
        assert!(declined_then_retry > 10);
        // Referrer: only on the first view of a session.
        let mut referred = 0;
        for events in sessions.values() {
            let first_view = events.iter().position(|r| r.event_type == "view");
            for (i, r) in events.iter().enumerate() {
                if r.referrer.is_some() {
                    assert_eq!(Some(i), first_view, "{r:?}");
                    referred += 1;
                }
            }
        }
        assert!(referred > 5_000);
        let referrers: BTreeSet<_> = data()
            .events
            .iter()
            .filter_map(|r| r.referrer.as_deref())
            .collect();
        assert_eq!(
            referrers,
            ["ads", "google", "newsletter"].into_iter().collect()
        );
    }

    #[test]
    fn timestamp_ties() {
        let events = &data().events;
        let ties = events
            .windows(2)
            .filter(|w| {
                w[0].user == w[1].user
                    && w[0].ts == w[1].ts
                    && w[0].name.starts_with("/product/")
                    && w[1].name == "add_to_cart"
            })
            .count();
        assert!(ties > 100, "{ties} ties");
        // Each user's events are in time order.
        assert!(
            events
                .windows(2)
                .all(|w| w[0].user != w[1].user || w[0].ts <= w[1].ts)
        );
    }

    #[test]
    fn null_sessions() {
        let events = &data().events;
        let nulls = events.iter().filter(|r| r.session.is_none()).count();
        let share = nulls as f64 / events.len() as f64;
        assert!((0.01..0.08).contains(&share), "{share}");
        for r in events.iter().filter(|r| r.name == "subscription_renewed") {
            assert!(r.session.is_none() && r.device.is_none(), "{r:?}");
        }
        // Some views lost their session id too.
        assert!(
            events
                .iter()
                .any(|r| r.session.is_none() && r.event_type == "view")
        );
    }

    #[test]
    fn universe_edges() {
        let accounts = user_accounts();
        let event_users: BTreeSet<&str> = data().events.iter().map(|r| r.user.as_str()).collect();
        let without_row = event_users
            .iter()
            .filter(|u| !accounts.contains_key(**u))
            .count();
        let share = without_row as f64 / event_users.len() as f64;
        assert!((0.005..0.02).contains(&share), "{share}");
        let without_events = accounts
            .keys()
            .filter(|u| !event_users.contains(u.as_str()))
            .count();
        assert!(
            (10..200).contains(&without_events),
            "{without_events} users without events"
        );
        assert!(accounts.keys().all(|u| u.len() == 6 && u.starts_with('u')));
    }

    #[test]
    fn account_ids_on_events() {
        let accounts = user_accounts();
        let (mut set, mut null) = (0usize, 0usize);
        for r in &data().events {
            match accounts.get(&r.user).cloned().flatten() {
                Some(a) => match &r.account {
                    Some(e) => {
                        assert_eq!(*e, a);
                        set += 1;
                    }
                    None => null += 1,
                },
                None => assert!(r.account.is_none(), "{r:?}"),
            }
        }
        let share = null as f64 / (set + null) as f64;
        assert!((0.25..0.35).contains(&share), "{share}");
        let with_account = accounts.values().filter(|a| a.is_some()).count();
        assert!((600..1000).contains(&with_account), "{with_account}");
        // Account users work: reports are viewed and exported.
        let exporters: BTreeSet<_> = data()
            .events
            .iter()
            .filter(|r| r.name == "export_report")
            .map(|r| accounts[&r.user].clone().unwrap())
            .collect();
        assert!(exporters.len() > 50);
    }

    #[test]
    fn users_and_accounts_columns() {
        let d = data();
        let emails: Vec<String> = column_strings(&d.users, "email")
            .into_iter()
            .map(Option::unwrap)
            .collect();
        let normalized: BTreeSet<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
        assert_eq!(normalized.len(), emails.len(), "emails are unique");
        assert!(
            emails
                .iter()
                .any(|e| e.chars().any(|c| c.is_ascii_uppercase()))
        );
        assert!(emails.iter().any(|e| e.trim() != e));
        assert!(
            emails
                .iter()
                .any(|e| !e.split('@').next().unwrap().contains('.'))
        );
        assert!(normalized.iter().all(|e| e.ends_with("@example.com")));
        let plans: BTreeMap<Option<String>, usize> = column_strings(&d.users, "plan")
            .into_iter()
            .fold(BTreeMap::new(), |mut m, p| {
                *m.entry(p).or_default() += 1;
                m
            });
        assert_eq!(plans.len(), 4, "{plans:?}");
        let countries: BTreeSet<_> = column_strings(&d.users, "country").into_iter().collect();
        assert_eq!(countries.len(), 7);
        let signups = d
            .users
            .column_by_name("signup_date")
            .unwrap()
            .as_primitive::<Date32Type>();
        let end_day = DemoConfig::default().end_day();
        assert!(signups.values().iter().all(|&s| i64::from(s) < end_day));
        assert!(signups.values().iter().any(|&s| i64::from(s) >= START_DAY));
        assert!(signups.values().iter().any(|&s| i64::from(s) < START_DAY));
        assert!(d.users.column_by_name("age").unwrap().null_count() > 100);

        let ids = column_strings(&d.accounts, "account_id");
        assert_eq!(ids[6].as_deref(), Some("a0007"));
        let tiers: BTreeSet<_> = column_strings(&d.accounts, "tier")
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(tiers.len(), 3);
        let arr = d
            .accounts
            .column_by_name("arr")
            .unwrap()
            .as_primitive::<Float64Type>();
        assert!(arr.values().iter().any(|&a| a > 100_000.0));
        assert!(arr.values().iter().any(|&a| a <= 20_000.0));
        let starts = d
            .accounts
            .column_by_name("start_date")
            .unwrap()
            .as_primitive::<Date32Type>();
        assert!(
            starts
                .values()
                .iter()
                .any(|&s| i64::from(s) >= START_DAY + 14)
        );
    }

    #[test]
    fn example_csv_files_name_demo_users_and_accounts() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let read = |name: &str| std::fs::read_to_string(examples.join(name)).unwrap();
        let d = data();
        let emails: BTreeSet<String> = column_strings(&d.users, "email")
            .into_iter()
            .map(|e| e.unwrap().trim().to_lowercase())
            .collect();
        let users: BTreeSet<String> = column_strings(&d.users, "user_id")
            .into_iter()
            .flatten()
            .collect();
        let accounts: BTreeSet<String> = column_strings(&d.accounts, "account_id")
            .into_iter()
            .flatten()
            .collect();

        let crm = read("crm_list.csv");
        let mut lines = crm.lines();
        assert_eq!(lines.next(), Some("email"));
        let list: Vec<&str> = lines.collect();
        let known = list
            .iter()
            .filter(|e| emails.contains(&e.trim().to_lowercase()))
            .count();
        assert_eq!(known, list.len() - 1, "one email matches nobody");
        assert!(
            list.iter()
                .any(|e| e.chars().any(|c| c.is_ascii_uppercase()))
        );

        let vip = read("vip_accounts.csv");
        let mut lines = vip.lines();
        assert_eq!(lines.next(), Some("account_id"));
        let list: Vec<&str> = lines.collect();
        let known = list.iter().filter(|a| accounts.contains(**a)).count();
        assert_eq!(known, list.len() - 1, "one account is unknown");

        let survey = read("survey_respondents.csv");
        let mut lines = survey.lines();
        assert_eq!(lines.next(), Some("respondent,user_id,nps"));
        for line in lines {
            let user = line.split(',').nth(1).unwrap();
            assert!(users.contains(user), "{user}");
        }
    }

    #[test]
    fn parquet_round_trip() {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let dir = std::env::temp_dir().join(format!("segql-demo-test-{}", std::process::id()));
        let cfg = DemoConfig {
            users: 120,
            days: 20,
            seed: 3,
        };
        let summary = write_parquet(&dir, &cfg).unwrap();
        let read = |name: &str| -> Vec<RecordBatch> {
            let file = File::open(dir.join(name)).unwrap();
            ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let events = read("events.parquet");
        let expected: Vec<_> = event_batches(&cfg, 4096).collect();
        assert_eq!(
            concat_batches(&events_schema(), &events).unwrap(),
            concat_batches(&events_schema(), &expected).unwrap()
        );
        let users = read("users.parquet");
        assert_eq!(
            concat_batches(&users_schema(), &users).unwrap(),
            users_batch(&cfg)
        );
        let accounts = read("accounts.parquet");
        assert_eq!(
            concat_batches(&accounts_schema(), &accounts).unwrap(),
            accounts_batch(&cfg)
        );
        let distinct_sessions: BTreeSet<_> = rows(&events)
            .into_iter()
            .filter_map(|r| r.session)
            .collect();
        assert_eq!(
            summary,
            DemoSummary {
                users: 120,
                accounts: 6,
                events: rows(&events).len() as u64,
                sessions: distinct_sessions.len() as u64,
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();

        // Errors name the file.
        let blocker = std::env::temp_dir().join(format!("segql-demo-file-{}", std::process::id()));
        std::fs::write(&blocker, "not a directory").unwrap();
        let err = write_parquet(&blocker.join("sub"), &cfg).unwrap_err();
        assert!(err.message().contains("segql-demo-file"), "{err}");
        std::fs::remove_file(&blocker).unwrap();
    }
}

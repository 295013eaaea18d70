//! The reference datasets: plain Rust vectors, and their Arrow form.
//!
//! A [`RefDataset`] is the three tables of LANGUAGE.md §1 with a fixed set of
//! columns: events (`timestamp`, `user_id`, `session_id`, `event_type`,
//! `name`, optionally `account_id`, then the properties `product_id`,
//! `device`, `amount`, `qty`), users (`user_id`, `email`, `account_id`, `plan`, `score`,
//! `signup_date`, `vip`) and accounts (`account_id`, `plan`, `score`,
//! `start_date`, `vip`).

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
    TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use std::sync::Arc;

/// Milliseconds in a minute / day.
pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 86_400_000;

/// Builder methods that set optional fields: `name: type => field` sets
/// `field` to `Some(value)`.
macro_rules! setters {
    ($($name:ident: $t:ty => $field:ident),* $(,)?) => {
        $(
            pub fn $name(mut self, value: $t) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}

/// One row of the events table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefEvent {
    /// Epoch milliseconds (UTC).
    pub ts: i64,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub event_type: String,
    pub name: String,
    /// Only meaningful when the dataset's events have the `account_id`
    /// column ([`RefDataset::events_have_account_column`]).
    pub account_id: Option<String>,
    pub product_id: Option<String>,
    pub device: Option<String>,
    pub amount: Option<f64>,
    pub qty: Option<i64>,
    /// Only meaningful when the dataset stitches identities
    /// ([`RefDataset::anonymous_ids`]).
    pub anon_id: Option<String>,
}

/// One row of the users or the accounts table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefProfile {
    /// `user_id` (users) or `account_id` (accounts).
    pub key: Option<String>,
    /// Users only.
    pub email: Option<String>,
    /// Users only: the user's account.
    pub account_id: Option<String>,
    pub plan: Option<String>,
    pub score: Option<i64>,
    /// Days since 1970-01-01: `signup_date` (users) or `start_date` (accounts).
    pub signup: Option<i32>,
    pub vip: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefDataset {
    pub events: Vec<RefEvent>,
    pub users: Option<Vec<RefProfile>>,
    pub accounts: Option<Vec<RefProfile>>,
    pub events_have_account_column: bool,
    /// Sessions derived from gaps (LANGUAGE.md §10) replace `session_id`.
    pub sessions: Option<RefSessions>,
    /// The events have an `anon_id` column, and the mapping stitches
    /// identities by it (`[identity] anonymous_id = "anon_id"`).
    pub anonymous_ids: bool,
    /// The events table has no `session_id` column (only with derived
    /// sessions).
    pub no_session_column: bool,
    /// The mapping's `time_zone` (LANGUAGE.md §10): `UTC`, an IANA name or
    /// an offset; `None` is UTC.
    pub time_zone: Option<String>,
}

/// The settings of derived sessions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefSessions {
    pub inactivity_ms: i64,
    pub max_length_ms: Option<i64>,
}

impl RefEvent {
    /// An event at `ts` (epoch ms) of `user` with the given type and name;
    /// every other column null. Chain the setters for the rest.
    pub fn new(ts: i64, user: Option<&str>, event_type: &str, name: &str) -> Self {
        RefEvent {
            ts,
            user_id: user.map(str::to_string),
            event_type: event_type.to_string(),
            name: name.to_string(),
            ..RefEvent::default()
        }
    }

    setters! {
        session: &str => session_id,
        account: &str => account_id,
        product: &str => product_id,
        device: &str => device,
        amount: f64 => amount,
        qty: i64 => qty,
        anon: &str => anon_id,
    }
}

impl RefProfile {
    /// A profile row with key `key` and every attribute null.
    pub fn new(key: Option<&str>) -> Self {
        RefProfile {
            key: key.map(str::to_string),
            ..RefProfile::default()
        }
    }

    setters! {
        email: &str => email,
        account: &str => account_id,
        plan: &str => plan,
        score: i64 => score,
        signup: i32 => signup,
        vip: bool => vip,
    }
}

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from(values.collect::<Vec<_>>()))
}

fn field(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

impl RefDataset {
    /// The tables as Arrow record batches: events, then users and accounts
    /// when the dataset has them. Column names and types are those of the
    /// module documentation; `timestamp` is `Timestamp(Millisecond, "UTC")`,
    /// the dates `Date32`. Every field is nullable.
    pub fn to_record_batches(&self) -> (RecordBatch, Option<RecordBatch>, Option<RecordBatch>) {
        let ev = &self.events;
        let mut fields = vec![
            field(
                "timestamp",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            ),
            field("user_id", DataType::Utf8),
            field("session_id", DataType::Utf8),
            field("event_type", DataType::Utf8),
            field("name", DataType::Utf8),
        ];
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(
                TimestampMillisecondArray::from(ev.iter().map(|e| e.ts).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
            strings(ev.iter().map(|e| e.user_id.as_deref())),
            strings(ev.iter().map(|e| e.session_id.as_deref())),
            strings(ev.iter().map(|e| Some(e.event_type.as_str()))),
            strings(ev.iter().map(|e| Some(e.name.as_str()))),
        ];
        if self.no_session_column {
            fields.remove(2);
            columns.remove(2);
        }
        if self.anonymous_ids {
            fields.push(field("anon_id", DataType::Utf8));
            columns.push(strings(ev.iter().map(|e| e.anon_id.as_deref())));
        }
        if self.events_have_account_column {
            fields.push(field("account_id", DataType::Utf8));
            columns.push(strings(ev.iter().map(|e| e.account_id.as_deref())));
        }
        fields.extend([
            field("product_id", DataType::Utf8),
            field("device", DataType::Utf8),
            field("amount", DataType::Float64),
            field("qty", DataType::Int64),
        ]);
        columns.extend([
            strings(ev.iter().map(|e| e.product_id.as_deref())),
            strings(ev.iter().map(|e| e.device.as_deref())),
            Arc::new(Float64Array::from(
                ev.iter().map(|e| e.amount).collect::<Vec<_>>(),
            )) as ArrayRef,
            Arc::new(Int64Array::from(
                ev.iter().map(|e| e.qty).collect::<Vec<_>>(),
            )),
        ]);
        let events =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("events batch");

        let users = self.users.as_deref().map(|rows| profile_batch(rows, true));
        let accounts = self
            .accounts
            .as_deref()
            .map(|rows| profile_batch(rows, false));
        (events, users, accounts)
    }
}

/// The users table (`users`) or the accounts table of profile rows: the
/// key, for users their email and account, then the attributes.
fn profile_batch(rows: &[RefProfile], users: bool) -> RecordBatch {
    let (key, date) = match users {
        true => ("user_id", "signup_date"),
        false => ("account_id", "start_date"),
    };
    let mut fields = vec![field(key, DataType::Utf8)];
    let mut columns = vec![strings(rows.iter().map(|r| r.key.as_deref()))];
    if users {
        fields.extend([
            field("email", DataType::Utf8),
            field("account_id", DataType::Utf8),
        ]);
        columns.extend([
            strings(rows.iter().map(|r| r.email.as_deref())),
            strings(rows.iter().map(|r| r.account_id.as_deref())),
        ]);
    }
    fields.extend([
        field("plan", DataType::Utf8),
        field("score", DataType::Int64),
        field(date, DataType::Date32),
        field("vip", DataType::Boolean),
    ]);
    columns.extend([
        strings(rows.iter().map(|r| r.plan.as_deref())),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.score).collect::<Vec<_>>(),
        )),
        Arc::new(Date32Array::from(
            rows.iter().map(|r| r.signup).collect::<Vec<_>>(),
        )),
        Arc::new(BooleanArray::from(
            rows.iter().map(|r| r.vip).collect::<Vec<_>>(),
        )),
    ]);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).expect("a profile batch")
}

// ---------------------------------------------------------------------------
// Dates as text, on the tests' own calendar (not the parser's date
// handling).

pub use crate::support::calendar::{civil_from_days, days_from_civil};

/// `YYYY-MM-DD` of a day number.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (with `.fff` when there are milliseconds) of
/// epoch milliseconds.
/// A timestamp as the local time of an offset `east` minutes east of UTC:
/// `2026-01-01T05:07:00+05:00`.
pub fn format_timestamp_with_offset(ms: i64, east: i64) -> String {
    let local = format_timestamp(ms + east * MINUTE_MS);
    let sign = if east < 0 { '-' } else { '+' };
    format!(
        "{}{sign}{:02}:{:02}",
        local.trim_end_matches('Z'),
        east.abs() / 60,
        east.abs() % 60
    )
}

pub fn format_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rest = ms.rem_euclid(DAY_MS);
    let (h, mi, s, f) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    let frac = if f == 0 {
        String::new()
    } else {
        format!(".{f:03}")
    };
    format!("{}T{h:02}:{mi:02}:{s:02}{frac}Z", format_date(days))
}

/// Epoch milliseconds of a DATE token: `YYYY-MM-DD` (midnight UTC) or
/// `YYYY-MM-DDTHH:MM:SS[.fff]` followed by `Z` or an offset `±hh:mm` (the
/// local time of that offset).
pub fn parse_date_text(text: &str) -> i64 {
    fn bad(text: &str) -> ! {
        panic!("reference: not a DATE: {text:?}")
    }
    let num = |s: &str| -> i64 { s.parse().unwrap_or_else(|_| bad(text)) };
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 {
        bad(text);
    }
    let days = days_from_civil(num(parts[0]), num(parts[1]) as u32, num(parts[2]) as u32);
    let mut ms = days * DAY_MS;
    if let Some(time) = time {
        // `+01:00` is one hour ahead of UTC: its times are an hour earlier
        // in UTC.
        let (time, east_ms) = match time.strip_suffix('Z') {
            Some(time) => (time, 0),
            None => {
                let at = time.len().checked_sub(6).unwrap_or_else(|| bad(text));
                let (time, offset) = time.split_at(at);
                let (h, m) = offset[1..].split_once(':').unwrap_or_else(|| bad(text));
                let east = (num(h) * 60 + num(m)) * 60_000;
                (time, if offset.starts_with('-') { -east } else { east })
            }
        };
        ms -= east_ms;
        let (hms, frac) = match time.split_once('.') {
            Some((hms, frac)) => (hms, Some(frac)),
            None => (time, None),
        };
        let hms: Vec<&str> = hms.split(':').collect();
        if hms.len() != 3 {
            bad(text);
        }
        ms += num(hms[0]) * 3_600_000 + num(hms[1]) * 60_000 + num(hms[2]) * 1000;
        if let Some(frac) = frac {
            // Milliseconds: the first three digits of the fraction.
            let digits: String = frac.chars().chain("000".chars()).take(3).collect();
            ms += num(&digits);
        }
    }
    ms
}

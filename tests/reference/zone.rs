//! The reporting time zone of the reference (LANGUAGE.md §10), written from
//! the contract with chrono-tz, sharing nothing with the planner: local
//! dates of instants, the first instant of a local day, and the instants
//! `DATE` literals mean.

use super::data::{DAY_MS, parse_date_text};
use chrono::{NaiveDate, Offset, TimeDelta, TimeZone};
use std::str::FromStr;

/// A zone: an IANA zone, or a fixed offset east of UTC in minutes.
#[derive(Debug, Clone, Copy)]
pub enum RefZone {
    Iana(chrono_tz::Tz),
    Fixed(i32),
}

impl RefZone {
    pub fn utc() -> RefZone {
        RefZone::Fixed(0)
    }

    /// `UTC`, an IANA name, or `+05:30` / `-03:00`. Panics on anything else.
    pub fn parse(name: &str) -> RefZone {
        if name == "UTC" {
            return RefZone::utc();
        }
        if let Some(sign) = name.chars().next().filter(|c| *c == '+' || *c == '-') {
            let (h, m) = name[1..]
                .split_once(':')
                .expect("reference: an offset is ±hh:mm");
            let minutes = h.parse::<i32>().unwrap() * 60 + m.parse::<i32>().unwrap();
            return RefZone::Fixed(if sign == '-' { -minutes } else { minutes });
        }
        RefZone::Iana(chrono_tz::Tz::from_str(name).expect("reference: a zone name"))
    }

    /// The zone of a dataset: its mapping's `time_zone`, else UTC.
    pub fn of(name: Option<&str>) -> RefZone {
        name.map_or_else(RefZone::utc, RefZone::parse)
    }

    /// The offset east of UTC at instant `ms`, in milliseconds.
    fn offset_ms(self, ms: i64) -> i64 {
        match self {
            RefZone::Fixed(minutes) => i64::from(minutes) * 60_000,
            RefZone::Iana(tz) => {
                let utc = chrono::DateTime::from_timestamp_millis(ms).expect("an instant");
                let seconds = tz
                    .offset_from_utc_datetime(&utc.naive_utc())
                    .fix()
                    .local_minus_utc();
                i64::from(seconds) * 1000
            }
        }
    }

    /// "a day runs from local midnight to the next": the local date of
    /// instant `ms`, in days since 1970-01-01.
    pub fn local_day(self, ms: i64) -> i64 {
        (ms + self.offset_ms(ms)).div_euclid(DAY_MS)
    }

    /// The first instant of local day `day`: its local midnight (the
    /// earlier one when midnight happens twice; when a daylight-saving
    /// change skips midnight, the first local time that exists that day).
    pub fn day_start(self, day: i64) -> i64 {
        match self {
            RefZone::Fixed(minutes) => day * DAY_MS - i64::from(minutes) * 60_000,
            RefZone::Iana(tz) => {
                let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + TimeDelta::days(day);
                // Local minutes from midnight on: the first that exists.
                (0..24 * 60)
                    .find_map(|minute| {
                        let local = date.and_hms_opt(0, 0, 0).unwrap() + TimeDelta::minutes(minute);
                        tz.from_local_datetime(&local).earliest()
                    })
                    .expect("a local day has a first minute")
                    .timestamp_millis()
            }
        }
    }

    /// The instant of a `DATE` literal: "a DATE without a time is local
    /// midnight of that day; a DATE with a time is `Z` or may carry an
    /// offset, an instant either way".
    pub fn date_ms(self, text: &str) -> i64 {
        if text.contains('T') {
            parse_date_text(text)
        } else {
            self.day_start(parse_date_text(text).div_euclid(DAY_MS))
        }
    }
}

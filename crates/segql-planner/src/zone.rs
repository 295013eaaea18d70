//! The reporting time zone (LANGUAGE.md §10): the zone whose local days,
//! weeks and months periods and buckets follow, whose midnight a date
//! means, and whose offset times print with.
//!
//! A zone is an IANA name (`Europe/Berlin`, read from the zone database
//! DataFusion's own zoned timestamps use), `UTC`, or a fixed offset
//! (`+05:30`). Its canonical name is what plans carry in the type of a
//! zoned timestamp (`Timestamp(µs, "Europe/Berlin")`), so DataFusion's
//! `date_trunc` and casts compute local periods from the same rules.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
use datafusion_common::arrow::array::timezone::Tz;
use segql_syntax::{Diagnostic, codes, did_you_mean, quoted};
use std::sync::Arc;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A reporting time zone: its canonical name and its rules.
#[derive(Debug, Clone)]
pub struct ReportingZone {
    name: Arc<str>,
    tz: Tz,
}

impl PartialEq for ReportingZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ReportingZone {}

impl Default for ReportingZone {
    fn default() -> Self {
        ReportingZone::utc()
    }
}

impl std::fmt::Display for ReportingZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::str::FromStr for ReportingZone {
    type Err = UnknownZone;

    fn from_str(text: &str) -> Result<Self, UnknownZone> {
        ReportingZone::parse(text)
    }
}

impl ReportingZone {
    /// UTC, the default.
    pub fn utc() -> Self {
        ReportingZone::named("UTC").expect("UTC is a zone")
    }

    fn named(name: &str) -> Option<Self> {
        let tz = name.parse::<Tz>().ok()?;
        Some(ReportingZone {
            name: Arc::from(name),
            tz,
        })
    }

    /// Reads a zone as the command line and the mapping write it: an IANA
    /// name in any case (`europe/berlin` is `Europe/Berlin`), `UTC`, or a
    /// fixed offset `±HH:MM` (`±HHMM` and `±HH` too). A zero offset is UTC.
    pub fn parse(text: &str) -> Result<Self, UnknownZone> {
        let text = text.trim();
        let unknown = || UnknownZone {
            text: text.to_string(),
            suggestion: suggestion(text),
        };
        if text.starts_with(['+', '-']) {
            let (sign, minutes) = fixed_offset_minutes(text).ok_or_else(unknown)?;
            if minutes == 0 {
                return Ok(ReportingZone::utc());
            }
            let name = format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60);
            return ReportingZone::named(&name).ok_or_else(unknown);
        }
        if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") {
            return Ok(ReportingZone::utc());
        }
        let name = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .find(|name| name.eq_ignore_ascii_case(text))
            .ok_or_else(unknown)?;
        ReportingZone::named(name).ok_or_else(unknown)
    }

    /// The canonical name: `UTC`, `Europe/Berlin`, `+05:30`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name as a zoned timestamp type carries it.
    pub fn type_zone(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }

    /// Whether this is UTC, whose plans are those of a text without a zone.
    pub fn is_utc(&self) -> bool {
        &*self.name == "UTC"
    }

    /// The zone's offset from UTC at the start of 2026, in microseconds: an
    /// offset the zone has had for years, within a daylight-saving change
    /// of every other.
    pub fn usual_offset_micros(&self) -> i64 {
        const START_OF_2026: i64 = 1_767_225_600_000_000;
        i64::from(self.offset_seconds(START_OF_2026)) * 1_000_000
    }

    /// The local date of an instant, in days since 1970-01-01.
    pub fn local_day(&self, micros: i64) -> i64 {
        let offset = i64::from(self.offset_seconds(micros)) * 1_000_000;
        micros.saturating_add(offset).div_euclid(MICROS_PER_DAY)
    }

    /// The zone's offset from UTC at an instant, in seconds.
    pub fn offset_seconds(&self, micros: i64) -> i32 {
        match instant(micros) {
            Some(utc) => self
                .tz
                .offset_from_utc_datetime(&utc)
                .fix()
                .local_minus_utc(),
            None => 0,
        }
    }

    /// The first instant of local day `day` (days since 1970-01-01), in
    /// microseconds since the epoch: local midnight, or where a
    /// daylight-saving change skips midnight, the first local time after
    /// it; where midnight happens twice, the first of them. The same
    /// instant DataFusion's `date_trunc('day', …)` gives on a zoned
    /// timestamp.
    pub fn day_start(&self, day: i64) -> i64 {
        let Some(date) = i32::try_from(day)
            .ok()
            .and_then(|d| NaiveDate::from_num_days_from_ce_opt(d.checked_add(719_163)?))
        else {
            return day.saturating_mul(MICROS_PER_DAY);
        };
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight is a time");
        let found = match self.tz.from_local_datetime(&midnight).earliest() {
            Some(t) => Some(t.naive_utc()),
            // Midnight was skipped: three hours before it is a time of the
            // day before, and three hours after that is where the day starts.
            None => self
                .tz
                .from_local_datetime(&(midnight - TimeDelta::hours(3)))
                .earliest()
                .map(|t| t.naive_utc() + TimeDelta::hours(3)),
        };
        match found {
            Some(utc) => utc.and_utc().timestamp_micros(),
            None => day.saturating_mul(MICROS_PER_DAY),
        }
    }

    /// The instant a `DATE` literal means here: a bare date is the start
    /// of that local day; a time carries its own zone (`Z` or an offset).
    pub fn date_micros(&self, date: &segql_syntax::Date) -> i64 {
        if date.date_only {
            self.day_start(date.epoch_micros.div_euclid(MICROS_PER_DAY))
        } else {
            date.epoch_micros
        }
    }

    /// An instant as RFC 3339 with the zone's offset (`Z` in UTC), for
    /// messages.
    pub fn format_instant(&self, micros: i64) -> String {
        let Some(utc) = instant(micros) else {
            return format!("{micros} µs");
        };
        let local = self.tz.from_utc_datetime(&utc);
        if self.is_utc() {
            local.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
        } else {
            local.format("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
        }
    }

    /// The local date of day `day` as `YYYY-MM-DD`.
    pub fn format_day(day: i64) -> String {
        match i32::try_from(day)
            .ok()
            .and_then(|d| NaiveDate::from_num_days_from_ce_opt(d.checked_add(719_163)?))
        {
            Some(date) => format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
            None => format!("day {day}"),
        }
    }
}

fn instant(micros: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// `±HH:MM`, `±HHMM` or `±HH`: the sign and the offset in minutes.
fn fixed_offset_minutes(text: &str) -> Option<(char, u32)> {
    let sign = text.chars().next()?;
    let rest = &text[1..];
    let digits = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (hours, minutes) = match rest.len() {
        5 if rest.as_bytes()[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        2 => (digits(rest)?, 0),
        _ => return None,
    };
    // The zone database's offsets lie within ±14 hours.
    if minutes > 59 || hours * 60 + minutes > 14 * 60 {
        return None;
    }
    Some((sign, hours * 60 + minutes))
}

/// The zone a mistyped name most likely meant: the one whose city is the
/// name (`Berlin` → `Europe/Berlin`), else the closest name.
fn suggestion(text: &str) -> Option<String> {
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let city = text.replace(' ', "_");
    if let Some(name) = names().find(|name| {
        name.rsplit('/')
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case(&city))
    }) {
        return Some(name.to_string());
    }
    did_you_mean(text, names()).map(str::to_string)
}

/// A zone that is not one: what was written and the zone it most likely
/// meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone {
    pub text: String,
    pub suggestion: Option<String>,
}

impl UnknownZone {
    /// The error, saying where the zone was written (`--time-zone`, the
    /// mapping's `time_zone`).
    pub fn diagnostic(&self, origin: &str) -> Diagnostic {
        let help = match &self.suggestion {
            Some(name) => format!(
                "did you mean `{name}`? A zone is an IANA name such as Europe/Berlin, UTC, or an offset such as +05:30"
            ),
            None => "a zone is an IANA name such as Europe/Berlin or America/New_York, UTC, or an offset such as +05:30".to_string(),
        };
        Diagnostic::error(
            codes::UNKNOWN_TIME_ZONE,
            format!("{origin} `{}` is not a time zone", quoted(&self.text)),
        )
        .with_help(help)
    }
}

impl std::fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a time zone", quoted(&self.text))?;
        if let Some(name) = &self.suggestion {
            write!(f, " (did you mean `{name}`?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownZone {}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn names_offsets_and_utc() {
        assert_eq!(
            ReportingZone::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(
            ReportingZone::parse("europe/berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(ReportingZone::parse("+05:30").unwrap().name(), "+05:30");
        assert_eq!(ReportingZone::parse("+0545").unwrap().name(), "+05:45");
        assert_eq!(ReportingZone::parse("-03").unwrap().name(), "-03:00");
        assert!(ReportingZone::parse("utc").unwrap().is_utc());
        assert!(ReportingZone::parse("+00:00").unwrap().is_utc());
        assert!(ReportingZone::parse("+25:00").is_err());
        assert!(ReportingZone::parse("+05:61").is_err());
        assert!(ReportingZone::parse("").is_err());
    }

    #[test]
    fn unknown_zones_suggest_the_likely_one() {
        let err = ReportingZone::parse("Europe/Berln").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("Europe/Berlin"));
        let err = ReportingZone::parse("Kathmandu").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("Asia/Kathmandu"));
        let err = ReportingZone::parse("new york").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("America/New_York"));
        let d = ReportingZone::parse("Mars/Olympus")
            .unwrap_err()
            .diagnostic("--time-zone");
        assert_eq!(d.code, codes::UNKNOWN_TIME_ZONE);
    }

    #[test]
    fn local_days_across_daylight_saving() {
        let berlin = ReportingZone::parse("Europe/Berlin").unwrap();
        // 2026-10-25 is 25 hours long in Berlin.
        let day = berlin.local_day(micros("2026-10-25T12:00:00+01:00"));
        assert_eq!(ReportingZone::format_day(day), "2026-10-25");
        assert_eq!(berlin.day_start(day), micros("2026-10-25T00:00:00+02:00"));
        assert_eq!(
            berlin.day_start(day + 1),
            micros("2026-10-26T00:00:00+01:00")
        );
        assert_eq!(
            berlin.day_start(day + 1) - berlin.day_start(day),
            25 * 3_600_000_000
        );
        // 23:30 local on the 24th is 21:30 UTC.
        assert_eq!(
            ReportingZone::format_day(berlin.local_day(micros("2026-10-24T21:30:00Z"))),
            "2026-10-24"
        );
        assert_eq!(
            ReportingZone::format_day(berlin.local_day(micros("2026-10-24T22:30:00Z"))),
            "2026-10-25"
        );
        let new_york = ReportingZone::parse("America/New_York").unwrap();
        let day = new_york.local_day(micros("2026-11-01T12:00:00-05:00"));
        assert_eq!(
            new_york.day_start(day + 1) - new_york.day_start(day),
            25 * 3_600_000_000
        );
        assert_eq!(
            berlin.format_instant(micros("2026-10-24T22:00:00Z")),
            "2026-10-25T00:00:00+02:00"
        );
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_after_the_gap() {
        // Santiago moved its clocks from 00:00 to 01:00 on 2022-09-11.
        let santiago = ReportingZone::parse("America/Santiago").unwrap();
        let day = santiago.local_day(micros("2022-09-11T12:00:00-03:00"));
        assert_eq!(santiago.day_start(day), micros("2022-09-11T01:00:00-03:00"));
    }
}

//! Calendar arithmetic (proleptic Gregorian, UTC) counted the slow way,
//! year by year and month by month: the tests hold the parser's dates and
//! the reference evaluator's periods to it, so it shares no algorithm with
//! the code under test.

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn year_len(year: i64) -> i64 {
    if is_leap(year) { 366 } else { 365 }
}

/// The days of `month` (1 to 12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let years: i64 = if year >= 1970 {
        (1970..year).map(year_len).sum()
    } else {
        -(year..1970).map(year_len).sum::<i64>()
    };
    let months: i64 = (1..month).map(|m| days_in_month(year, m)).sum();
    years + months + i64::from(day) - 1
}

/// The civil date `(year, month, day)` of a day number.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let (mut year, mut rest) = (1970, days);
    while rest < 0 {
        year -= 1;
        rest += year_len(year);
    }
    while rest >= year_len(year) {
        rest -= year_len(year);
        year += 1;
    }
    let mut month = 1;
    while rest >= days_in_month(year, month) {
        rest -= days_in_month(year, month);
        month += 1;
    }
    (year, month, rest as u32 + 1)
}

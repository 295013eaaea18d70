//! Numbers, labels and bars as text: counts with digit groups, rates as
//! percentages, labels cut to a width (paths so that every step stays in
//! sight), time buckets, and bars in eighths of a character cell. Charts
//! write their labels with these too.

use super::NULL;
use arrow::temporal_conversions::timestamp_us_to_datetime;

/// A day in microseconds.
pub(super) const DAY_MICROS: i64 = 86_400_000_000;

/// `1234567` → `1,234,567`.
pub(crate) fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub(crate) fn count_text(n: Option<i64>) -> String {
    n.map_or_else(|| NULL.to_string(), group_digits)
}

/// `0.724` → `72.4%`.
pub(crate) fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r.is_finite() => format!("{:.1}%", r * 100.0),
        Some(r) => r.to_string(),
        None => NULL.to_string(),
    }
}

/// A time to convert in seconds, short: `0.4s`, `42s`, `3m 12s`, `2h 05m`,
/// `3d 04h`; empty for none (step 1, a step nobody reaches).
pub(crate) fn duration_text(seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return String::new();
    };
    if s < 10.0 {
        return format!("{s:.1}s");
    }
    let whole = s.round() as i64;
    let (days, hours, minutes, secs) = (
        whole / 86_400,
        whole % 86_400 / 3600,
        whole % 3600 / 60,
        whole % 60,
    );
    if whole < 60 {
        format!("{secs}s")
    } else if whole < 3600 {
        format!("{minutes}m {secs:02}s")
    } else if whole < 86_400 {
        format!("{hours}h {minutes:02}m")
    } else {
        format!("{days}d {hours:02}h")
    }
}

/// `text` cut to `width` characters, the last one `…` when it was cut.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` cut to `width` characters in the middle: a third of them from
/// its start, `…`, the rest from its end (where page names and paths from
/// one step differ most).
pub(super) fn truncate_middle(text: &str, width: usize) -> String {
    let count = chars(text);
    if count <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let head = (width - 1) / 3;
    let tail = width - 1 - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// A path (`/a -> /b -> /c`) cut to `width` characters: its longest names
/// cut in their middle, as little as makes it fit (each keeps at least 5
/// characters), so every step and both ends of each name stay in sight;
/// two paths that differ in one step still read differently, where a cut
/// at the end or in the middle of the whole text would make them read the
/// same. A path that does not fit even so is cut in its middle.
pub(crate) fn truncate_path(path: &str, width: usize) -> String {
    if chars(path) <= width {
        return path.to_string();
    }
    let names: Vec<&str> = path.split(PATH_SEPARATOR).collect();
    let cut = |limit: usize| -> String {
        names
            .iter()
            .map(|name| truncate_middle(name, limit))
            .collect::<Vec<_>>()
            .join(PATH_SEPARATOR)
    };
    const SHORTEST: usize = 5;
    let longest = names.iter().map(|n| chars(n)).max().unwrap_or(0);
    if names.len() > 1 && longest > SHORTEST && chars(&cut(SHORTEST)) <= width {
        // The longer the names may be, the longer the text: the largest
        // limit that fits, by bisection.
        let (mut fits, mut too_long) = (SHORTEST, longest);
        while too_long - fits > 1 {
            let limit = fits + (too_long - fits) / 2;
            if chars(&cut(limit)) <= width {
                fits = limit;
            } else {
                too_long = limit;
            }
        }
        return cut(fits);
    }
    truncate_middle(path, width)
}

/// What joins the names of a path (LANGUAGE.md §5).
const PATH_SEPARATOR: &str = " -> ";

pub(super) fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The width of a column: its widest text, `header` included.
pub(super) fn widest<S: AsRef<str>>(header: &str, texts: impl IntoIterator<Item = S>) -> usize {
    texts
        .into_iter()
        .map(|text| chars(text.as_ref()))
        .chain([chars(header)])
        .max()
        .unwrap_or(0)
}

/// A time bucket's start: `2026-03-18`, or `2026-03-18 06:00` when `date_only`
/// is false.
pub(crate) fn format_time(micros: i64, date_only: bool) -> String {
    match timestamp_us_to_datetime(micros) {
        Some(t) if date_only => t.format("%Y-%m-%d").to_string(),
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => micros.to_string(),
    }
}

/// The UTC date of an instant, as `2026-03-31`, for any instant (unlike
/// [`format_time`], which gives up beyond chrono's years).
pub fn utc_date(micros: i64) -> String {
    let (year, month, day) = super::retention::civil_from_days(micros.div_euclid(DAY_MICROS));
    format!("{year:04}-{month:02}-{day:02}")
}

/// True when every time is a midnight (UTC), so dates say it all.
pub(crate) fn all_midnights(times: &[i64]) -> bool {
    times.iter().all(|t| t.rem_euclid(DAY_MICROS) == 0)
}

/// The partial blocks, by eighths of a cell.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// A bar of `value / max` of `cells` characters, to the nearest eighth; a
/// positive value shows at least `▏`; nothing for zero, a null or `max` 0.
pub(super) fn bar(value: Option<i64>, max: i64, cells: usize) -> String {
    let value = value.unwrap_or(0);
    if value <= 0 || max <= 0 || cells == 0 {
        return String::new();
    }
    let fraction = (value as f64 / max as f64).min(1.0);
    let eighths = ((fraction * (cells * 8) as f64).round() as usize).max(1);
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push(EIGHTHS[eighths % 8]);
    }
    out
}

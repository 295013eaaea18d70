//! Ranges: `during last 7 days`, `since`, `before` and `between` become
//! instants (microseconds since the epoch) against `now`, and `within`
//! becomes a window. The relative ranges met are kept, so that a range
//! starting after the newest event can be warned about.

use super::Resolver;
use crate::ir::{TimeRange, Within};
use segql_syntax::{Range, RangeKind, Unit, WithinKind};

/// A relative range of the text, resolved against `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativeRange {
    pub span: segql_syntax::Span,
    /// Its length, in microseconds.
    pub length_micros: i64,
    /// Its start, in microseconds since the epoch (its end is `now`).
    pub from_micros: i64,
}

/// The length of the last `count` (1 when not written) `unit`s, in
/// microseconds.
pub(super) fn last_micros(count: Option<u64>, unit: Unit) -> i64 {
    segql_syntax::saturating_i64(count.unwrap_or(1))
        .saturating_mul(unit.millis())
        .saturating_mul(1000)
}

impl Resolver<'_> {
    pub(super) fn time_range(&self, range: &Range) -> TimeRange {
        let now = self.options.now_micros;
        match &range.kind {
            RangeKind::Last { count, unit, .. } => {
                let length = last_micros(*count, *unit);
                let mut seen = self.relative_ranges.borrow_mut();
                if !seen.iter().any(|r| r.length_micros == length) {
                    seen.push(RelativeRange {
                        span: range.span,
                        length_micros: length,
                        from_micros: now.saturating_sub(length),
                    });
                }
                TimeRange {
                    from: Some(now.saturating_sub(length)),
                    to: Some(now),
                }
            }
            RangeKind::Since(d) => TimeRange {
                from: Some(d.epoch_micros),
                to: None,
            },
            RangeKind::Before(d) => TimeRange {
                from: None,
                to: Some(d.epoch_micros),
            },
            RangeKind::Between(a, b) => TimeRange {
                from: Some(a.epoch_micros),
                to: Some(b.epoch_micros),
            },
        }
    }

    pub(super) fn within(within: Option<&segql_syntax::Within>) -> Within {
        match within {
            None => Within::None,
            Some(w) => match &w.kind {
                WithinKind::Session => Within::Session,
                WithinKind::Duration(d) => {
                    let micros = d.millis().saturating_mul(1000);
                    // A window longer than any span of microsecond times
                    // (2^61 µs, about 73,000 years) holds every chain, as no
                    // window does; and `t + D` stays far from overflow.
                    if micros > 1 << 61 {
                        Within::None
                    } else {
                        Within::Micros(micros)
                    }
                }
            },
        }
    }
}

//! Ranges: `during last 7 days`, `since`, `before` and `between` become
//! instants (microseconds since the epoch) against `now`, and `within`
//! becomes a window. The relative ranges met are kept, so that a range
//! starting after the newest event can be warned about.

use super::Resolver;
use crate::ir::{TimeRange, Within};
use segql_syntax::{Diagnostic, Range, RangeKind, Unit, WithinKind, codes};

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
    /// The instants of a range. Bare dates are local midnights of the
    /// reporting time zone, so a range between a bare date and a time can
    /// be empty in one zone and not in another: checked here, where the
    /// zone is known (the checker, without data, reads a bare date as UTC
    /// midnight).
    pub(super) fn time_range(&self, range: &Range) -> Result<TimeRange, Diagnostic> {
        let now = self.options.now_micros;
        let at = |d: &segql_syntax::Date| self.options.zone.date_micros(d);
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
                Ok(TimeRange {
                    from: Some(now.saturating_sub(length)),
                    to: Some(now),
                })
            }
            RangeKind::Since(d) => Ok(TimeRange {
                from: Some(at(d)),
                to: None,
            }),
            RangeKind::Before(d) => Ok(TimeRange {
                from: None,
                to: Some(at(d)),
            }),
            RangeKind::Between(a, b) if at(b) <= at(a) => Err(Diagnostic::error(
                codes::ZERO_LENGTH_RANGE,
                format!(
                    "this range is empty in the time zone {}: {} is {} and {} is {}",
                    self.options.zone,
                    a.text,
                    self.options.zone.format_instant(at(a)),
                    b.text,
                    self.options.zone.format_instant(at(b)),
                ),
            )
            .with_span(range.span)
            .with_label("an empty range")
            .with_help("a date alone is local midnight: the end must come after the start")),
            RangeKind::Between(a, b) => Ok(TimeRange {
                from: Some(at(a)),
                to: Some(at(b)),
            }),
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

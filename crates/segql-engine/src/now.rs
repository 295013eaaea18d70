//! `now`, the instant relative ranges (`during last 7 days`) count back
//! from. It is decided once, where a text enters segql (the command line's
//! `--now`, the demo dataset's end, an embedder's options), and passed down
//! in the plan options: nothing below reads the clock.

use crate::Engine;
use segql_planner::RelativeRange;
use segql_present::present::utc_date;
use segql_syntax::{Diagnostic, codes};

/// `now` in microseconds since the epoch, and what fixed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub micros: i64,
    pub from: NowFrom,
}

/// What fixed `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NowFrom {
    /// Whoever runs the text: `--now`, an embedder's options.
    Given,
    /// The dataset: the demo dataset ends at a fixed instant, so its
    /// answers do not drift from day to day.
    Dataset,
    /// Nothing: the wall clock.
    WallClock,
}

impl Now {
    /// `given` when there is one, else the dataset's own `now`, else the
    /// wall clock's.
    pub fn resolve(given: Option<i64>, dataset: Option<i64>) -> Now {
        match (given, dataset) {
            (Some(micros), _) => Now {
                micros,
                from: NowFrom::Given,
            },
            (None, Some(micros)) => Now {
                micros,
                from: NowFrom::Dataset,
            },
            (None, None) => Now {
                micros: wall_clock_micros(),
                from: NowFrom::WallClock,
            },
        }
    }

    /// [`Now::resolve`] for a text run on `engine`.
    pub fn on(engine: &Engine, given: Option<i64>) -> Now {
        Now::resolve(given, engine.default_now_micros)
    }
}

/// The wall clock in microseconds since the epoch: the one place segql
/// reads it for `now`.
fn wall_clock_micros() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_micros() as i64
}

/// Warnings for the relative ranges that start after the newest event: with
/// `now` from the wall clock and data that ended months ago, `during last
/// 30 days` matches nothing, which looks like an answer but is not one.
/// Only a `now` from the wall clock is checked: one given or the dataset's
/// is meant.
pub async fn ranges_after_the_data(
    engine: &Engine,
    ranges: &[RelativeRange],
    now: Now,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    if ranges.is_empty() || now.from != NowFrom::WallClock {
        return Ok(Vec::new());
    }
    let Some(newest) = engine.newest_event_micros().await? else {
        return Ok(Vec::new());
    };
    let day = utc_date;
    Ok(ranges
        .iter()
        .filter(|r| r.from_micros > newest)
        .map(|r| {
            Diagnostic::warning(
                codes::RANGE_AFTER_DATA,
                format!(
                    "this range ends at now = {} but the newest event is on {}: it matches nothing",
                    day(now.micros),
                    day(newest)
                ),
            )
            .with_span(r.span)
            .with_label("wholly after the newest event")
            .with_note("without --now, `now` is the wall clock's")
            .with_help(format!(
                "pass --now {} to count back from the data's end",
                day(newest.saturating_add(86_400_000_000))
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_given_wins_over_the_dataset_and_the_clock() {
        assert_eq!(
            Now::resolve(Some(5), Some(7)),
            Now {
                micros: 5,
                from: NowFrom::Given
            }
        );
        assert_eq!(
            Now::resolve(None, Some(7)),
            Now {
                micros: 7,
                from: NowFrom::Dataset
            }
        );
        assert_eq!(Now::resolve(None, None).from, NowFrom::WallClock);
    }
}

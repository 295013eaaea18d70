//! What the data model can derive from the events beyond their columns
//! (LANGUAGE.md §10): sessions made from the gaps between a user's events.
//! A schema mapping (`[sessions]`), the command line (`--sessions`) or an
//! embedder's options set them; the lowering builds them into the events
//! relation every query reads.

use segql_syntax::{Unit, parse_duration};

/// Sessions derived per user from the gaps between events, replacing
/// `session_id`: a user's event starts a new session when it is more than
/// `inactivity` after the user's previous event or, with a maximum length,
/// more than `max_length` after the first event of the current session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DerivedSessions {
    /// The longest gap inside a session, in microseconds.
    pub inactivity_micros: i64,
    /// The longest time from a session's first event to any of its events,
    /// in microseconds.
    pub max_length_micros: Option<i64>,
}

impl DerivedSessions {
    /// Sessions broken by gaps longer than `inactivity_micros`.
    pub fn new(inactivity_micros: i64) -> Self {
        DerivedSessions {
            inactivity_micros,
            max_length_micros: None,
        }
    }

    /// Also cut at `max_length_micros` after each session's first event.
    pub fn with_max_length(mut self, max_length_micros: i64) -> Self {
        self.max_length_micros = Some(max_length_micros);
        self
    }

    /// The form of `--sessions`: `30m`, or `30m,24h` with a maximum length.
    /// The message of an error says what is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (inactivity, max_length) = match text.split_once(',') {
            Some((gap, max)) => (gap, Some(max)),
            None => (text, None),
        };
        let sessions = DerivedSessions::new(
            session_duration(inactivity).map_err(|e| format!("the inactivity gap {e}"))?,
        );
        match max_length {
            None => Ok(sessions),
            Some(max) => Ok(sessions.with_max_length(
                session_duration(max).map_err(|e| format!("the maximum length {e}"))?,
            )),
        }
    }
}

/// A duration of the language (`30m`, `30 minutes`, `2h`) as microseconds:
/// at least a second, and no months (which have no fixed length). The
/// message of an error follows the name of what was given ("the inactivity
/// gap ...").
pub fn session_duration(text: &str) -> Result<i64, String> {
    let shown = text.trim();
    let duration = parse_duration(text).ok_or_else(|| {
        format!("`{shown}` is not a duration: write e.g. 30m, 30 minutes, 2h or 1 day")
    })?;
    if duration.unit == Unit::Month {
        return Err(format!(
            "`{shown}` is in months, which have no fixed length: write days, e.g. 30 days"
        ));
    }
    if duration.count == 0 {
        return Err(format!("`{shown}` is zero: give at least 1 second"));
    }
    Ok(duration.millis().saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_of_the_language() {
        assert_eq!(session_duration("30m"), Ok(30 * 60_000_000));
        assert_eq!(session_duration("30 minutes"), Ok(30 * 60_000_000));
        assert_eq!(session_duration(" 2h "), Ok(2 * 3_600_000_000));
        assert_eq!(session_duration("1 day"), Ok(86_400_000_000));
        for (text, error) in [
            ("30", "not a duration"),
            ("30x", "not a duration"),
            ("1 month", "months"),
            ("0s", "zero"),
        ] {
            assert!(
                session_duration(text).unwrap_err().contains(error),
                "{text}"
            );
        }
    }

    #[test]
    fn the_flag_form() {
        assert_eq!(
            DerivedSessions::parse("30m"),
            Ok(DerivedSessions::new(30 * 60_000_000))
        );
        assert_eq!(
            DerivedSessions::parse("30m,24h"),
            Ok(DerivedSessions::new(30 * 60_000_000).with_max_length(24 * 3_600_000_000))
        );
        assert!(
            DerivedSessions::parse("30m,")
                .unwrap_err()
                .starts_with("the maximum length")
        );
        assert!(
            DerivedSessions::parse("soon")
                .unwrap_err()
                .starts_with("the inactivity gap")
        );
    }
}

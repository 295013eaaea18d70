//! The owned syntax tree of a segql program.
//!
//! Every node is a struct with a `kind` enum (where a node has several forms)
//! and a [`Span`]. Spans never take part in equality, so trees can be compared
//! across a print and re-parse. The tree keeps what the user chose to write
//! where two spellings mean the same (`clicked` and `action`, an explicit
//! `have`, parentheses), so that `segql fmt` does not rewrite their words.
//!
//! This module holds the program, its statements and the leaves every
//! construct uses (names, strings, numbers, dates, durations); `segment`
//! the segments and everything inside them; `analysis` the funnel,
//! retention, paths, explore, lifecycle and stickiness statements.

mod analysis;
mod segment;

pub use analysis::*;
pub use segment::*;

use crate::span::Span;
use serde::Serialize;

/// A whole source file or REPL input: statements in order, and the comments
/// found between their tokens (kept for the formatter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub statements: Vec<Statement>,
    pub comments: Vec<Comment>,
}

/// A `#` or `--` comment, with its marker, up to (not including) the newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StatementKind {
    /// `segment NAME = <segment>`
    Define(SegmentDef),
    /// A segment query: its members are the result.
    Segment(Segment),
    Funnel(Funnel),
    Retention(Retention),
    Paths(Paths),
    Explore(Explore),
    Lifecycle(LifecycleAnalysis),
    Stickiness(Stickiness),
}

/// `INT UNIT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duration {
    pub count: u64,
    pub unit: Unit,
    pub span: Span,
}

impl Duration {
    /// The length in milliseconds (`month` is 30 days); a length past `i64`
    /// saturates (it is longer than any data).
    pub fn millis(&self) -> i64 {
        saturating_i64(self.count).saturating_mul(self.unit.millis())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    /// 30 days; only in relative ranges.
    Month,
}

impl Unit {
    pub fn millis(self) -> i64 {
        const S: i64 = 1000;
        match self {
            Unit::Second => S,
            Unit::Minute => 60 * S,
            Unit::Hour => 3600 * S,
            Unit::Day => 86_400 * S,
            Unit::Week => 7 * 86_400 * S,
            Unit::Month => 30 * 86_400 * S,
        }
    }

    /// The long name, singular or plural to agree with `count`.
    pub fn name(self, count: u64) -> &'static str {
        let (one, many) = match self {
            Unit::Second => ("second", "seconds"),
            Unit::Minute => ("minute", "minutes"),
            Unit::Hour => ("hour", "hours"),
            Unit::Day => ("day", "days"),
            Unit::Week => ("week", "weeks"),
            Unit::Month => ("month", "months"),
        };
        if count == 1 { one } else { many }
    }
}

/// A date or timestamp literal (`2026-01-31`, `2026-01-31T10:00:00Z`,
/// `2026-01-31T11:00:00+01:00`), kept as written and as epoch
/// microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Date {
    pub text: String,
    /// Microseconds since the epoch: the instant of a timestamp (its offset
    /// applied); for a bare date, UTC midnight, which resolution moves to
    /// midnight of the reporting time zone.
    pub epoch_micros: i64,
    /// True for a bare `YYYY-MM-DD`.
    pub date_only: bool,
    pub span: Span,
}

/// A number kept as written (`1e6`, `-3`, `2.50`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Number {
    pub text: String,
    pub span: Span,
}

impl Number {
    pub fn as_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer, when the text is one (no fraction or
    /// exponent).
    pub fn as_i64(&self) -> Option<i64> {
        self.text.parse().ok()
    }
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A column or segment name. `quoted` is true when it was back-quoted, which
/// for a dotted name asks for the exact column rather than a struct field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub quoted: bool,
    pub span: Span,
}

/// An `INT` of the text as an `i64`: values past `i64::MAX` (up to
/// `u64::MAX` parse) saturate. Every use of a count, depth or limit means
/// the same at `i64::MAX` as above it: no data has that many rows.
pub fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

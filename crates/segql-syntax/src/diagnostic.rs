//! The one diagnostic type every stage of segql reports with.
//!
//! Libraries return [`Diagnostic`]s; only the command line renders them.
//! Codes are stable kebab-case strings listed in [`codes`], so tests and
//! editors match on codes, never on wording.

use crate::span::Span;
use serde::Serialize;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary place in the source, with what it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A located problem: a stable code, a one-line message, the span it is
/// about (with an optional label under the caret), further labelled spans,
/// notes and a hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// `None` for problems that belong to no place in the text (a missing
    /// file, a bad argument).
    pub span: Option<Span>,
    /// Shown under the caret of the primary span.
    pub label: Option<String>,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// The most characters of the user's text a message quotes.
pub const QUOTED_MAX: usize = 60;

/// The user's text (a name, a string, a word) as a message quotes it: as it
/// is when it has at most [`QUOTED_MAX`] characters, else its start and its
/// end around a `…`, so a 50 MB name makes a short message and two long
/// names that differ at either end still read differently.
pub fn quoted(text: &str) -> Cow<'_, str> {
    // Bytes bound characters: most texts are short and need no count.
    if text.len() <= QUOTED_MAX || text.chars().nth(QUOTED_MAX).is_none() {
        return Cow::Borrowed(text);
    }
    let head = QUOTED_MAX / 2;
    let tail = QUOTED_MAX - head - 1;
    let head_end = text.char_indices().nth(head).map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .rev()
        .nth(tail - 1)
        .map_or(0, |(i, _)| i);
    Cow::Owned(format!("{}…{}", &text[..head_end], &text[tail_start..]))
}

/// Names longer than this (in bytes) neither get nor are a suggestion: no
/// one mistypes them, and comparing costs time and memory in the product of
/// the two lengths (a 50 MB name would need gigabytes).
const SUGGEST_MAX: usize = 200;

/// Suggest the candidate closest to `word`, if one is close enough to be a
/// likely typo ("did you mean `viewed`?").
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > SUGGEST_MAX {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if candidate == word || candidate.len() > SUGGEST_MAX {
            continue;
        }
        let score = strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase());
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_ascii_lowercase());
        let close = distance <= 2.max(candidate.len() / 4) || score >= 0.88;
        if close && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

/// Every diagnostic code segql reports, in one place. A code never changes
/// meaning once published.
pub mod codes {
    // Syntax (parser).
    pub const SYNTAX: &str = "syntax-error";
    pub const UNTERMINATED_STRING: &str = "unterminated-string";
    pub const UNTERMINATED_IDENTIFIER: &str = "unterminated-identifier";
    pub const INVALID_ESCAPE: &str = "invalid-escape";
    pub const INVALID_DATE: &str = "invalid-date";
    pub const INVALID_NUMBER: &str = "invalid-number";
    pub const RESERVED_WORD: &str = "reserved-word";
    pub const UNKNOWN_KEYWORD: &str = "unknown-keyword";
    pub const TOO_DEEP: &str = "nesting-too-deep";
    pub const MISSING_SEMICOLON: &str = "missing-semicolon";
    pub const MONTH_NOT_ALLOWED: &str = "month-not-allowed";
    pub const CLAUSE_ORDER: &str = "clause-order";

    // Names and structure (checked without data).
    pub const UNKNOWN_SEGMENT: &str = "unknown-segment";
    pub const DUPLICATE_DEFINITION: &str = "duplicate-definition";
    pub const SEGMENT_CYCLE: &str = "segment-cycle";
    pub const AUDIENCE_MISMATCH: &str = "audience-mismatch";
    pub const COUNT_ON_SEQUENCE: &str = "count-on-sequence";
    pub const WITHIN_WITH_AT_MOST: &str = "within-with-at-most";
    pub const AGGREGATE_WITH_WITHIN: &str = "aggregate-with-within";
    pub const NOT_BEFORE_SEQUENCE: &str = "not-before-sequence";
    pub const RANGE_GOVERNS_NOTHING: &str = "range-governs-nothing";
    pub const FUNNEL_ONE_STEP: &str = "funnel-one-step";
    pub const PATHS_STEP_NOT_VIEW: &str = "paths-step-not-view";
    pub const EMAIL_ON_ACCOUNTS: &str = "email-on-accounts";
    pub const ZERO_LENGTH_RANGE: &str = "zero-length-range";
    pub const VALUE_OUT_OF_RANGE: &str = "value-out-of-range";
    pub const DUPLICATE_COLUMN: &str = "duplicate-column";
    // `stopped`, `restarted` and `for the first time` (LANGUAGE.md §11):
    // on a sequence, with a modifier they take none of, and without the
    // range bound they need.
    pub const LIFECYCLE_ON_SEQUENCE: &str = "lifecycle-on-sequence";
    pub const LIFECYCLE_MODIFIER: &str = "lifecycle-modifier";
    pub const LIFECYCLE_RANGE: &str = "lifecycle-range";
    // Funnel order modes (LANGUAGE.md §12): negated steps, or `by` an event
    // column with `in any order`.
    pub const ORDER_WITH_NEGATION: &str = "order-with-negation";
    pub const ORDER_WITH_EVENT_BY: &str = "order-with-event-by";

    // Files and the command line.
    pub const UNREADABLE_FILE: &str = "unreadable-file";
    pub const UNWRITABLE_FILE: &str = "unwritable-file";
    pub const BAD_ARGUMENT: &str = "bad-argument";
    /// The cluster (`--cluster`) cannot be reached, or failed a query.
    pub const CLUSTER_ERROR: &str = "cluster-error";
    /// `--time-zone` or the mapping's `time_zone` names no zone.
    pub const UNKNOWN_TIME_ZONE: &str = "unknown-time-zone";
    /// A bug in segql itself, reported instead of panicking.
    pub const INTERNAL: &str = "internal-error";

    // Resolution against the data's schemas.
    pub const UNKNOWN_COLUMN: &str = "unknown-column";
    pub const TYPE_MISMATCH: &str = "type-mismatch";
    pub const MISSING_TABLE: &str = "missing-table";

    // Data errors (exit 1): they name the file and the column.
    pub const MISSING_COLUMN: &str = "missing-column";
    pub const WRONG_COLUMN_TYPE: &str = "wrong-column-type";
    pub const DATA_ERROR: &str = "data-error";
    pub const EMPTY_EVENTS: &str = "empty-events";

    // Warnings.
    pub const CSV_UNMATCHED: &str = "csv-unmatched";
    pub const RANGE_AFTER_DATA: &str = "range-after-data";

    /// Whether a code is a data or runtime error (exit 1) rather than an
    /// error in the text or the arguments (exit 2).
    pub fn is_data_error(code: &str) -> bool {
        matches!(
            code,
            MISSING_COLUMN
                | WRONG_COLUMN_TYPE
                | DATA_ERROR
                | EMPTY_EVENTS
                | UNWRITABLE_FILE
                | CLUSTER_ERROR
                | INTERNAL
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_keeps_both_ends_of_long_text() {
        assert_eq!(quoted("premium"), "premium");
        let exact = "a".repeat(QUOTED_MAX);
        assert_eq!(quoted(&exact), exact);
        let long = format!("{}{}", "a".repeat(1_000_000), "end");
        let shown = quoted(&long);
        assert_eq!(shown.chars().count(), QUOTED_MAX);
        assert!(shown.starts_with("aaaa") && shown.ends_with("…aaaaaaaaaaaaaaaaaaaaaaaaaaend"));
        // Characters of several bytes are never split.
        let wide = "é".repeat(100);
        assert_eq!(
            quoted(&wide),
            format!("{}…{}", "é".repeat(30), "é".repeat(29))
        );
    }

    #[test]
    fn very_long_names_get_and_give_no_suggestion() {
        assert_eq!(did_you_mean("viewd", ["viewed", "action"]), Some("viewed"));
        let long = "a".repeat(10_000_000);
        assert_eq!(did_you_mean(&long, ["viewed", "action"]), None);
        assert_eq!(did_you_mean("aaaa", [long.as_str()]), None);
    }
}

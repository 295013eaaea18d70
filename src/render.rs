//! Renders diagnostics for people (like rustc, with or without colour) and
//! for editors (one JSON object per line).

use crate::{Diagnostic, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use segql_parser::line_col;
use serde::Serialize;

/// How diagnostics are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorFormat {
    /// rustc-style, coloured when stderr is a terminal.
    Human,
    /// rustc-style, never coloured (stable text for tests and logs).
    Plain,
    /// One JSON object per diagnostic and line, for editors.
    Json,
}

/// Renders one diagnostic about `source` (read from `path`).
pub fn render(
    diagnostic: &Diagnostic,
    path: &str,
    source: &str,
    format: ErrorFormat,
    color: bool,
) -> String {
    match format {
        ErrorFormat::Json => to_json(diagnostic, path, source),
        ErrorFormat::Human | ErrorFormat::Plain => {
            let renderer = if color && format == ErrorFormat::Human {
                Renderer::styled()
            } else {
                Renderer::plain()
            };
            let mut text = renderer.render(&[group(diagnostic, path, source)]);
            text.push('\n');
            text
        }
    }
}

fn group<'a>(d: &'a Diagnostic, path: &'a str, source: &'a str) -> Group<'a> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code);
    let mut group = match d.span {
        Some(span) => {
            let end = span.end.min(source.len());
            let start = span.start.min(end);
            let mut primary = AnnotationKind::Primary.span(start..end);
            if let Some(label) = &d.label {
                primary = primary.label(label.as_str());
            }
            let mut snippet = Snippet::source(source)
                .path(path)
                .fold(true)
                .annotation(primary);
            for label in &d.labels {
                let end = label.span.end.min(source.len());
                let start = label.span.start.min(end);
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(start..end)
                        .label(label.message.as_str()),
                );
            }
            title.element(snippet)
        }
        None => Group::with_title(title),
    };
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    group
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    code: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<JsonRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// 1-based lines and columns, plus byte offsets.
#[derive(Serialize)]
struct JsonRange {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    start_byte: usize,
    end_byte: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    range: JsonRange,
    message: &'a str,
}

fn json_range(source: &str, start: usize, end: usize) -> JsonRange {
    let (start_line, start_column) = line_col(source, start);
    let (end_line, end_column) = line_col(source, end);
    JsonRange {
        start_line,
        start_column,
        end_line,
        end_column,
        start_byte: start,
        end_byte: end,
    }
}

fn to_json(d: &Diagnostic, path: &str, source: &str) -> String {
    let json = JsonDiagnostic {
        file: path,
        code: d.code,
        severity: d.severity,
        message: &d.message,
        range: d.span.map(|s| json_range(source, s.start, s.end)),
        label: d.label.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                range: json_range(source, l.span.start, l.span.end),
                message: &l.message,
            })
            .collect(),
        notes: &d.notes,
        help: d.help.as_deref(),
    };
    let mut line = serde_json::to_string(&json).expect("diagnostics serialize");
    line.push('\n');
    line
}

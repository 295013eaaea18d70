//! Renders diagnostics for people (like rustc, with or without colour) and
//! for editors (one JSON object per line).

use crate::{Diagnostic, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use segql_syntax::line_col;
use serde::Serialize;
use std::ops::Range;

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
            let (group, origin) = group(diagnostic, path, source);
            let mut text = renderer.render(&[group]);
            if let Some(origin) = origin {
                insert_origin(&mut text, &renderer, origin);
            }
            text.push('\n');
            text
        }
    }
}

/// The group of a diagnostic, with the `-->` line to add when its snippet
/// is a window (see [`insert_origin`]).
fn group<'a>(d: &'a Diagnostic, path: &'a str, source: &'a str) -> (Group<'a>, Option<Origin<'a>>) {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code);
    let mut origin = None;
    let mut group = match d.span {
        Some(span) => {
            let clamp = |span: segql_syntax::Span| {
                let end = span.end.min(source.len());
                span.start.min(end)..end
            };
            let primary_range = clamp(span);
            let ranges: Vec<Range<usize>> = std::iter::once(primary_range.clone())
                .chain(d.labels.iter().map(|l| clamp(l.span)))
                .collect();
            let (shown, ranges) = match Window::around(source, &ranges) {
                // A long line: the snippet shows a window of it, without a
                // path (the renderer would count the column in the
                // window); the `-->` line is added after rendering.
                Some(window) => {
                    let (line, column) = line_col(source, primary_range.start);
                    origin = Some(Origin::path(path).line(line).char_column(column));
                    let ranges = ranges.iter().map(|r| window.map(r)).collect();
                    let snippet = Snippet::source(window.text).line_start(window.first_line);
                    (snippet, ranges)
                }
                None => (Snippet::source(source).path(path), ranges),
            };
            let mut primary = AnnotationKind::Primary.span(ranges[0].clone());
            if let Some(label) = &d.label {
                primary = primary.label(label.as_str());
            }
            let mut snippet = shown.fold(true).annotation(primary);
            for (label, range) in d.labels.iter().zip(&ranges[1..]) {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(range.clone())
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
    (group, origin)
}

/// Adds the `--> path:line:column` line of `origin` to `text`, a rendered
/// diagnostic whose snippet has no path, where the renderer would have put
/// it: before the first gutter line (`  |`), one space less indented. The
/// line itself is rendered by the renderer, so it is styled alike.
fn insert_origin(text: &mut String, renderer: &Renderer, origin: Origin<'_>) {
    let rendered = renderer.render(&[Level::ERROR.primary_title("").element(origin)]);
    let Some(arrow) = rendered.lines().find(|l| l.contains("-->")) else {
        return;
    };
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if strip_ansi(line).trim() == "|" {
            let line = format!(
                "{}{}\n",
                " ".repeat(indent.saturating_sub(1)),
                arrow.trim_start()
            );
            text.insert_str(at, &line);
            return;
        }
        at += line.len();
    }
}

/// `text` without its ANSI escape sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // `ESC [ ... letter`
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Lines up to this many bytes are shown whole.
const LINE_MAX: usize = 400;
/// The characters a window keeps either side of each end of a span.
const CONTEXT: usize = 40;

/// The lines a diagnostic's spans touch, with every line longer than
/// [`LINE_MAX`] cut to the text around the ends of the spans (`…` where
/// text is left out): a 50 MB line shows as a few hundred characters, and
/// the renderer, whose work grows with the line, stays fast.
struct Window {
    text: String,
    /// The line number of the window's first line.
    first_line: usize,
    /// `(start in the source, start in the window, length)` of each piece
    /// kept, in order.
    pieces: Vec<(usize, usize, usize)>,
}

impl Window {
    /// None when every line the spans touch is short: the source is shown
    /// as it is.
    fn around(source: &str, ranges: &[Range<usize>]) -> Option<Window> {
        let from = ranges.iter().map(|r| r.start).min()?;
        let to = ranges.iter().map(|r| r.end).max()?;
        let region_start = source[..from].rfind('\n').map_or(0, |i| i + 1);
        let region_end = source[to..].find('\n').map_or(source.len(), |i| to + i);
        let region = &source[region_start..region_end];
        if region.split('\n').all(|line| line.len() <= LINE_MAX) {
            return None;
        }
        let ends: Vec<usize> = ranges.iter().flat_map(|r| [r.start, r.end]).collect();
        let mut window = Window {
            text: String::new(),
            first_line: line_col(source, region_start).0,
            pieces: Vec::new(),
        };
        let mut line_start = region_start;
        for line in region.split('\n') {
            let line_end = line_start + line.len();
            if line_start > region_start {
                window.text.push('\n');
            }
            let kept: Vec<Range<usize>> = if line.len() <= LINE_MAX {
                std::iter::once(line_start..line_end).collect()
            } else {
                let mut points: Vec<usize> = ends
                    .iter()
                    .copied()
                    .filter(|p| (line_start..=line_end).contains(p))
                    .collect();
                if points.is_empty() {
                    points = vec![line_start, line_end];
                }
                merged(
                    points
                        .into_iter()
                        .map(|p| {
                            chars_back(source, p, CONTEXT).max(line_start)
                                ..chars_forward(source, p, CONTEXT).min(line_end)
                        })
                        .collect(),
                )
            };
            let mut at = line_start;
            for piece in kept {
                if piece.start > at {
                    window.text.push('…');
                }
                window
                    .pieces
                    .push((piece.start, window.text.len(), piece.len()));
                window.text.push_str(&source[piece.clone()]);
                at = piece.end;
            }
            if at < line_end {
                window.text.push('…');
            }
            line_start = line_end + 1;
        }
        Some(window)
    }

    /// `range` of the source in the window: each end is in a kept piece.
    fn map(&self, range: &Range<usize>) -> Range<usize> {
        let offset = |p: usize| {
            self.pieces
                .iter()
                .find(|(start, _, len)| (*start..=start + len).contains(&p))
                .map_or(0, |(start, at, _)| at + (p - start))
        };
        offset(range.start)..offset(range.end)
    }
}

/// The byte offset `n` characters before `at` (or the start).
fn chars_back(source: &str, at: usize, n: usize) -> usize {
    source[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte offset `n` characters after `at` (or the end).
fn chars_forward(source: &str, at: usize, n: usize) -> usize {
    source[at..]
        .char_indices()
        .nth(n)
        .map_or(source.len(), |(i, _)| at + i)
}

/// Sorted ranges, those that touch or overlap joined.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
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

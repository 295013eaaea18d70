//! The result sink: where `segql run` and the REPL show each outcome, as
//! tables, CSV, JSON, NDJSON or Parquet, with terminal pictures, `--chart`
//! SVG files, `-o` files and `--count`. A reader that stops early
//! (`| head`) ends the output quietly, never as an error.

use super::{Output, Status, print};
use segql::engine::{Outcome, Shown};
use segql::present::output::{self, OutputFormat};
use segql::{Diagnostic, codes};
use std::path::{Path, PathBuf};

/// How results are shown: one for a `segql run`, one for a REPL session.
#[derive(Debug, Clone)]
pub struct Sink {
    /// How results are printed on standard output.
    pub format: OutputFormat,
    /// `-o`: the file the one result is written to instead, and its format.
    pub file: Option<(PathBuf, OutputFormat)>,
    /// `--chart`: the SVG file the one analysis is drawn into.
    pub chart: Option<PathBuf>,
    /// `--count`: print each segment's number of members alone.
    pub count: bool,
    /// Draw analyses in the terminal above their table.
    pub pictures: bool,
    pub output: Output,
}

/// What became of an outcome the sink was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Shown,
    /// The reader of standard output has gone (`| head`): nothing more
    /// can be shown there.
    ReaderGone,
}

impl Sink {
    /// Results go to standard output as a table.
    fn table(&self) -> bool {
        self.file.is_none() && self.format == OutputFormat::Table
    }

    /// Whether outcomes are shown as tables, pictures and charts show them
    /// ([`Outcome::shown`]: a retention's periods after the end of the data
    /// blank) rather than as their rows. CSV, JSON and Parquet write the
    /// rows themselves.
    pub fn wants_shown(&self) -> bool {
        !self.count && (self.table() || self.chart.is_some())
    }

    /// Starts the `index`-th outcome of a text (from 1): its warnings, and
    /// a blank line after the result before it on standard output. False
    /// when the reader has gone.
    pub fn begin(&self, index: usize, outcome: &Outcome, display: &str, text: &str) -> bool {
        if !outcome.warnings.is_empty() {
            self.output.diagnostics(display, text, &outcome.warnings);
        }
        index <= 1 || self.file.is_some() || print("\n")
    }

    /// Shows an outcome. `shown`: its rows as tables, pictures and charts
    /// show them, when [`Sink::wants_shown`]. A problem is reported here,
    /// and is a failure.
    pub fn show(
        &self,
        outcome: &Outcome,
        shown: Option<Result<Shown, Diagnostic>>,
    ) -> Result<Delivered, Status> {
        let fail = |d: &Diagnostic| {
            self.output.error(d);
            Status::Failure
        };
        if self.count {
            return Ok(delivered(print(&format!("{}\n", outcome.rows()))));
        }
        let shown = shown.transpose().map_err(|d| fail(&d))?;
        if let Some(path) = &self.chart
            && let Some(shown) = &shown
        {
            write_chart(path, outcome, shown).map_err(|d| fail(&d))?;
        }
        if self.pictures
            && self.table()
            && let Some(shown) = &shown
            && let Some(picture) = picture(outcome, shown, self.output.color)
            && !print(&format!("{picture}\n"))
        {
            return Ok(Delivered::ReaderGone);
        }
        let written = match &self.file {
            Some((path, format)) => write_file(path, *format, outcome),
            None => {
                let (batches, schema) = match (&shown, self.format) {
                    (Some(shown), OutputFormat::Table) => (&shown.batches, &shown.schema),
                    _ => (&outcome.batches, &outcome.schema),
                };
                let mut stdout = std::io::BufWriter::new(std::io::stdout());
                output::write(batches, schema, self.format, &mut stdout)
                    .and_then(|()| std::io::Write::flush(&mut stdout).map_err(Into::into))
                    .map_err(|e| {
                        Diagnostic::error(
                            codes::UNWRITABLE_FILE,
                            format!("cannot write the result: {e}"),
                        )
                    })
            }
        };
        match written {
            Ok(()) => Ok(Delivered::Shown),
            // A reader that stopped early (`| head`) is not an error.
            Err(d) if d.message.contains("Broken pipe") => Ok(Delivered::ReaderGone),
            Err(d) => Err(fail(&d)),
        }
    }
}

fn delivered(printed: bool) -> Delivered {
    if printed {
        Delivered::Shown
    } else {
        Delivered::ReaderGone
    }
}

/// A terminal drawing of an analysis result, from the rows as `shown`.
fn picture(outcome: &Outcome, shown: &Shown, color: bool) -> Option<String> {
    segql::present::present::picture(
        outcome.kind,
        &shown.batches,
        &shown.schema,
        terminal_width(),
        color,
    )
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}

fn write_chart(path: &Path, outcome: &Outcome, shown: &Shown) -> Result<(), Diagnostic> {
    use segql::present::{AnalysisKind, chart::svg_chart};
    if outcome.kind == AnalysisKind::Members {
        return Err(Diagnostic::error(
            codes::BAD_ARGUMENT,
            "--chart draws analyses; a segment's members have no chart",
        ));
    }
    let svg = svg_chart(outcome.kind, &shown.batches, &shown.schema)
        .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot draw the chart: {e}")))?;
    std::fs::write(path, svg).map_err(|e| {
        Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )
    })?;
    note!("wrote the chart to {}", path.display());
    Ok(())
}

fn write_file(path: &Path, format: OutputFormat, outcome: &Outcome) -> Result<(), Diagnostic> {
    let fail = |e: String| {
        Diagnostic::error(
            codes::UNWRITABLE_FILE,
            format!("cannot write `{}`: {e}", path.display()),
        )
    };
    let mut file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    output::write(&outcome.batches, &outcome.schema, format, &mut file)
        .map_err(|e| fail(e.to_string()))?;
    let rows = outcome.rows();
    let noun = if rows == 1 { "row" } else { "rows" };
    note!("wrote {rows} {noun} to {}", path.display());
    Ok(())
}

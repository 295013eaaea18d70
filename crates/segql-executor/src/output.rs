//! Writing results: a table for people, CSV, JSON, NDJSON, or Parquet.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use std::io::Write;

/// How a result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    NdJson,
    Parquet,
}

impl OutputFormat {
    /// The format a file name asks for (`-o members.parquet`).
    pub fn for_file(path: &std::path::Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        Some(match ext.as_str() {
            "parquet" | "pq" => OutputFormat::Parquet,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "ndjson" | "jsonl" => OutputFormat::NdJson,
            _ => return None,
        })
    }
}

/// Timestamps as RFC 3339 UTC, dates as `YYYY-MM-DD` (LANGUAGE.md §9).
const TIMESTAMP_TZ: &str = "%Y-%m-%dT%H:%M:%S%.fZ";
const TIMESTAMP: &str = "%Y-%m-%dT%H:%M:%S%.f";
const DATE: &str = "%Y-%m-%d";

/// Writes `batches` (of `schema`) to `out`.
pub fn write(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    format: OutputFormat,
    out: &mut (dyn Write + Send),
) -> Result<(), ArrowError> {
    match format {
        OutputFormat::Table => {
            let empty;
            let shown: &[RecordBatch] = if batches.is_empty() {
                empty = [RecordBatch::new_empty(schema.clone())];
                &empty
            } else {
                batches
            };
            let table = datafusion::arrow::util::pretty::pretty_format_batches(shown)?;
            writeln!(out, "{table}")?;
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            writeln!(out, "{rows} {}", if rows == 1 { "row" } else { "rows" })?;
        }
        OutputFormat::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format(TIMESTAMP_TZ.to_string())
                .with_timestamp_format(TIMESTAMP.to_string())
                .with_date_format(DATE.to_string())
                .build(out);
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for batch in batches {
                writer.write(batch)?;
            }
        }
        OutputFormat::Json => {
            let mut writer = datafusion::arrow::json::ArrayWriter::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
            if batches.iter().all(|b| b.num_rows() == 0) {
                // An empty result is still a JSON array.
                write!(out, "[]")?;
            }
            writeln!(out)?;
        }
        OutputFormat::NdJson => {
            let mut writer = datafusion::arrow::json::LineDelimitedWriter::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
        }
        OutputFormat::Parquet => {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .build();
            let mut writer = parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(props))
                .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            for batch in batches {
                writer
                    .write(batch)
                    .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            }
            writer
                .close()
                .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
        }
    }
    Ok(())
}

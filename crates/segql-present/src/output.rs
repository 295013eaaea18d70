//! Writing results: a table for people, CSV, JSON, NDJSON, or Parquet.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::json::writer::{JsonArray, LineDelimited, WriterBuilder};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::io::Write;
use std::sync::Arc;

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
/// Timestamps of a reporting time zone as RFC 3339 with the zone's offset
/// (`2026-10-25T00:00:00+02:00`; LANGUAGE.md §10), `+00:00` included.
const TIMESTAMP_OFFSET: &str = "%Y-%m-%dT%H:%M:%S%.f%:z";
const DATE: &str = "%Y-%m-%d";

/// The zone of a result's timestamps, when it is not UTC: a plan made in a
/// reporting time zone types every timestamp column in that zone.
pub fn reporting_zone(schema: &SchemaRef) -> Option<&str> {
    schema.fields().iter().find_map(|f| match f.data_type() {
        DataType::Timestamp(_, Some(tz)) if !is_utc(tz) => Some(tz.as_ref()),
        _ => None,
    })
}

fn is_utc(tz: &str) -> bool {
    matches!(tz, "UTC" | "+00:00" | "Z")
}

/// How a result's zoned timestamps are written: UTC with `Z`, or, in a
/// reporting time zone, always with the numeric offset.
fn timestamp_tz_format(schema: &SchemaRef) -> &'static str {
    if reporting_zone(schema).is_some() {
        TIMESTAMP_OFFSET
    } else {
        TIMESTAMP_TZ
    }
}

/// JSON rows keep every column: a null is written `null`, not left out, so
/// every row has the same keys. Timestamps of a reporting time zone carry
/// its offset.
fn json_writer(schema: &SchemaRef) -> WriterBuilder {
    let writer = WriterBuilder::new().with_explicit_nulls(true);
    if reporting_zone(schema).is_some() {
        writer.with_timestamp_tz_format(TIMESTAMP_OFFSET.to_string())
    } else {
        writer
    }
}

/// `batches` with every nested column (struct, list, map) as text, the way
/// the table shows it (`{c: BR}`, `[x, y]`): CSV has no nested values.
fn nested_as_text(batches: &[RecordBatch], schema: &SchemaRef) -> Converted {
    let options = FormatOptions::new().with_timestamp_tz_format(Some(timestamp_tz_format(schema)));
    retyped(
        batches,
        schema,
        |data_type| data_type.is_nested().then_some(DataType::Utf8),
        |column, _| {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            let values: StringArray = (0..column.len())
                .map(|row| {
                    column
                        .is_valid(row)
                        .then(|| formatter.value(row).to_string())
                })
                .collect();
            Ok(Arc::new(values) as ArrayRef)
        },
    )
}

/// `batches` with every top-level timestamp column without a zone given
/// the UTC zone.
fn with_utc_timestamps(batches: &[RecordBatch], schema: &SchemaRef) -> Converted {
    retyped(
        batches,
        schema,
        |data_type| match data_type {
            DataType::Timestamp(unit, None) => Some(DataType::Timestamp(*unit, Some("UTC".into()))),
            _ => None,
        },
        |column, data_type| cast(column, data_type),
    )
}

/// `batches` with every top-level float column as text rounded for people
/// ([`display_float`]).
fn rounded_floats(batches: &[RecordBatch], schema: &SchemaRef) -> Converted {
    retyped(
        batches,
        schema,
        |data_type| data_type.is_floating().then_some(DataType::Utf8),
        |column, _| {
            let floats = cast(column, &DataType::Float64)?;
            let values: StringArray = floats
                .as_primitive::<Float64Type>()
                .iter()
                .map(|value| value.map(display_float))
                .collect();
            Ok(Arc::new(values) as ArrayRef)
        },
    )
}

/// The most decimals a table shows.
const TABLE_DECIMALS: usize = 4;

/// A float as a table shows it: rounded to [`TABLE_DECIMALS`] decimals,
/// without trailing zeros but with at least one decimal (`0.8418`, `0.25`,
/// `1.0`), so a ratio reads at a glance; a value too small to show so is
/// written with 4 significant digits (`1.235e-7`) rather than as 0.
pub fn display_float(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded = format!("{value:.TABLE_DECIMALS$}");
    let digits = rounded.trim_end_matches('0');
    if value != 0.0 && digits.trim_start_matches('-') == "0." {
        return format!("{value:.3e}");
    }
    let shown = if digits.ends_with('.') {
        format!("{digits}0")
    } else {
        digits.to_string()
    };
    // A negative value that rounds to zero is zero.
    if shown == "-0.0" {
        "0.0".to_string()
    } else {
        shown
    }
}

type Converted = Result<(Vec<RecordBatch>, SchemaRef), ArrowError>;

/// `batches` with each column whose type `retype` changes converted by
/// `convert`; the others are kept as they are.
fn retyped(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    retype: impl Fn(&DataType) -> Option<DataType>,
    convert: impl Fn(&ArrayRef, &DataType) -> Result<ArrayRef, ArrowError>,
) -> Converted {
    let new_types: Vec<Option<DataType>> = schema
        .fields()
        .iter()
        .map(|f| retype(f.data_type()))
        .collect();
    if new_types.iter().all(Option::is_none) {
        return Ok((batches.to_vec(), schema.clone()));
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .zip(&new_types)
        .map(|(f, new_type)| match new_type {
            Some(data_type) => f.as_ref().clone().with_data_type(data_type.clone()),
            None => f.as_ref().clone(),
        })
        .collect();
    let converted = SchemaRef::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let batches = batches
        .iter()
        .map(|batch| {
            let columns = batch
                .columns()
                .iter()
                .zip(&new_types)
                .map(|(column, new_type)| match new_type {
                    Some(data_type) => convert(column, data_type),
                    None => Ok(column.clone()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(converted.clone(), columns)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((batches, converted))
}

/// Writes `batches` (of `schema`) to `out`.
pub fn write(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    format: OutputFormat,
    out: &mut (dyn Write + Send),
) -> Result<(), ArrowError> {
    // Text formats show every timestamp as UTC (LANGUAGE.md §1 reads a
    // timestamp without a zone as UTC): a column without a zone is given
    // the UTC zone, which keeps its instants.
    let utc;
    let (batches, schema) = if format == OutputFormat::Parquet {
        (batches, schema)
    } else {
        utc = with_utc_timestamps(batches, schema)?;
        (utc.0.as_slice(), &utc.1)
    };
    match format {
        OutputFormat::Table => {
            // Floats are rounded for people; the other formats keep every
            // digit.
            let text = rounded_floats(batches, schema)?;
            let (batches, schema) = (text.0.as_slice(), &text.1);
            let empty;
            let shown: &[RecordBatch] = if batches.is_empty() {
                empty = [RecordBatch::new_empty(schema.clone())];
                &empty
            } else {
                batches
            };
            let table = if reporting_zone(schema).is_some() {
                let options = FormatOptions::new().with_timestamp_tz_format(Some(TIMESTAMP_OFFSET));
                arrow::util::pretty::pretty_format_batches_with_options(shown, &options)?
                    .to_string()
            } else {
                arrow::util::pretty::pretty_format_batches(shown)?.to_string()
            };
            writeln!(out, "{table}")?;
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            writeln!(out, "{rows} {}", if rows == 1 { "row" } else { "rows" })?;
        }
        OutputFormat::Csv => {
            let text = nested_as_text(batches, schema)?;
            let (batches, schema) = (text.0.as_slice(), &text.1);
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format(timestamp_tz_format(schema).to_string())
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
            if batches.iter().all(|b| b.num_rows() == 0) {
                // An empty result is still a JSON array (Arrow's writer
                // writes one only once it has seen a batch).
                writeln!(out, "[]")?;
                return Ok(());
            }
            let mut writer = json_writer(schema).build::<_, JsonArray>(&mut *out);
            for batch in batches.iter().filter(|b| b.num_rows() > 0) {
                writer.write(batch)?;
            }
            writer.finish()?;
            writeln!(out)?;
        }
        OutputFormat::NdJson => {
            let mut writer = json_writer(schema).build::<_, LineDelimited>(&mut *out);
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

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{StringArray, TimestampMillisecondArray};
    use arrow::datatypes::TimeUnit;
    use std::sync::Arc;

    /// One naive millisecond timestamp (2026-01-01T03:00:00.5) and a null,
    /// with a text column holding a null.
    fn batch() -> (Vec<RecordBatch>, SchemaRef) {
        let schema = SchemaRef::new(Schema::new(vec![
            Field::new("at", DataType::Timestamp(TimeUnit::Millisecond, None), true),
            Field::new("device", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(TimestampMillisecondArray::from(vec![
                    Some(1_767_236_400_500),
                    None,
                ])),
                Arc::new(StringArray::from(vec![None, Some("mobile")])),
            ],
        )
        .unwrap();
        (vec![batch], schema)
    }

    fn text_of(batches: &[RecordBatch], schema: &SchemaRef, format: OutputFormat) -> String {
        let mut out = Vec::new();
        write(batches, schema, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn written(format: OutputFormat) -> String {
        let (batches, schema) = batch();
        text_of(&batches, &schema, format)
    }

    #[test]
    fn timestamps_without_a_zone_are_written_as_utc() {
        assert_eq!(
            written(OutputFormat::Csv),
            "at,device\n2026-01-01T03:00:00.500Z,\n,mobile\n"
        );
        assert!(written(OutputFormat::Table).contains("| 2026-01-01T03:00:00.500Z |"));
    }

    /// Bucket starts of a Berlin explore around the end of summer time
    /// (2026-10-24T22:00:00Z and 2026-10-25T23:00:00Z, local midnights),
    /// and a date column.
    fn zoned(format: OutputFormat) -> String {
        use arrow::array::{ArrayRef, Date32Array, TimestampMicrosecondArray};
        let days: ArrayRef = Arc::new(Date32Array::from(vec![20_751, 20_752]));
        let times: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from(vec![1_792_879_200_000_000, 1_792_969_200_000_000])
                .with_timezone("Europe/Berlin"),
        );
        let batch = RecordBatch::try_from_iter([("day", days), ("time", times)]).unwrap();
        text_of(std::slice::from_ref(&batch), &batch.schema(), format)
    }

    #[test]
    fn timestamps_of_a_reporting_zone_carry_its_offset() {
        let summer = "2026-10-25T00:00:00+02:00";
        let winter = "2026-10-26T00:00:00+01:00";
        let rows = [("2026-10-25", summer), ("2026-10-26", winter)];
        let csv: String = rows.iter().map(|(d, t)| format!("{d},{t}\n")).collect();
        assert_eq!(zoned(OutputFormat::Csv), format!("day,time\n{csv}"));
        let json: Vec<String> = rows
            .iter()
            .map(|(d, t)| format!("{{\"day\":\"{d}\",\"time\":\"{t}\"}}"))
            .collect();
        assert_eq!(
            zoned(OutputFormat::NdJson),
            format!("{}\n", json.join("\n"))
        );
        assert_eq!(zoned(OutputFormat::Json), format!("[{}]\n", json.join(",")));
        assert!(zoned(OutputFormat::Table).contains(&format!("| 2026-10-26 | {winter} |")));
    }

    #[test]
    fn tables_round_floats_and_other_formats_keep_every_digit() {
        let schema = SchemaRef::new(Schema::new(vec![Field::new(
            "rate",
            DataType::Float64,
            true,
        )]));
        let rates = vec![
            Some(0.8418367346938775),
            Some(0.25),
            Some(1.0),
            None,
            Some(1.23456e-7),
        ];
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(arrow::array::Float64Array::from(rates))],
        )
        .unwrap();
        let write_as = |format| {
            let mut out = Vec::new();
            write(std::slice::from_ref(&batch), &schema, format, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let table = write_as(OutputFormat::Table);
        for shown in [
            "| 0.8418   |",
            "| 0.25     |",
            "| 1.0      |",
            "| 1.235e-7 |",
        ] {
            assert!(table.contains(shown), "{shown} in\n{table}");
        }
        assert!(!table.contains("0.84183"), "{table}");
        assert_eq!(
            write_as(OutputFormat::Csv),
            "rate\n0.8418367346938775\n0.25\n1.0\n\"\"\n1.23456e-7\n"
        );
        assert!(write_as(OutputFormat::NdJson).contains("0.8418367346938775"));
        assert!(write_as(OutputFormat::Json).contains("0.8418367346938775"));
    }

    #[test]
    fn floats_for_people() {
        assert_eq!(display_float(0.8418367346938775), "0.8418");
        assert_eq!(display_float(0.99996), "1.0");
        assert_eq!(display_float(12345.0), "12345.0");
        assert_eq!(display_float(-2.5), "-2.5");
        assert_eq!(display_float(-0.00001), "-1.000e-5");
        assert_eq!(display_float(-0.0), "0.0");
        assert_eq!(display_float(0.0), "0.0");
        assert_eq!(display_float(f64::NAN), "NaN");
        assert_eq!(display_float(f64::INFINITY), "inf");
    }

    #[test]
    fn an_empty_result_is_an_empty_json_array() {
        let (batches, schema) = batch();
        let empty = batches[0].slice(0, 0);
        for shown in [vec![], vec![empty.clone()], vec![empty.clone(), empty]] {
            let mut out = Vec::new();
            write(&shown, &schema, OutputFormat::Json, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
            let mut out = Vec::new();
            write(&shown, &schema, OutputFormat::NdJson, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "");
        }
    }

    #[test]
    fn json_rows_write_nulls() {
        assert_eq!(
            written(OutputFormat::NdJson),
            "{\"at\":\"2026-01-01T03:00:00.500Z\",\"device\":null}\n{\"at\":null,\"device\":\"mobile\"}\n"
        );
        assert_eq!(
            written(OutputFormat::Json),
            "[{\"at\":\"2026-01-01T03:00:00.500Z\",\"device\":null},{\"at\":null,\"device\":\"mobile\"}]\n"
        );
    }
}

//! Data sources: a file, a glob or a folder of Parquet, CSV or NDJSON files,
//! registered as DataFusion listing tables. Only schemas are read here.

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{TableProvider, provider_as_source};
use datafusion::prelude::SessionContext;
use segql_parser::{Diagnostic, codes};
use segql_planner::TableEntry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file formats segql reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    NdJson,
}

impl Format {
    /// The format a file name's extension names.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".parquet") || name.ends_with(".pq") {
            Some(Format::Parquet)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") || name.ends_with(".json") {
            Some(Format::NdJson)
        } else {
            None
        }
    }

    fn extension(self, path: &Path) -> String {
        match path.extension() {
            Some(ext) => format!(".{}", ext.to_string_lossy()),
            None => match self {
                Format::Parquet => ".parquet".into(),
                Format::Csv => ".csv".into(),
                Format::NdJson => ".ndjson".into(),
            },
        }
    }

    fn file_format(self) -> Arc<dyn FileFormat> {
        match self {
            Format::Parquet => Arc::new(ParquetFormat::default()),
            Format::Csv => Arc::new(
                CsvFormat::default()
                    .with_has_header(true)
                    .with_schema_infer_max_rec(1000),
            ),
            Format::NdJson => Arc::new(JsonFormat::default().with_schema_infer_max_rec(1000)),
        }
    }
}

/// Where a table comes from, as the user wrote it.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// "events", "users", "accounts" or "CSV list".
    pub what: String,
    pub path: String,
}

fn data_error(message: String) -> Diagnostic {
    Diagnostic::error(codes::DATA_ERROR, message)
}

/// Expands a source path to the files it names: one file, the files of a
/// glob, or the data files directly in a folder.
fn files_of(spec: &SourceSpec) -> Result<Vec<PathBuf>, Diagnostic> {
    let path = Path::new(&spec.path);
    if spec.path.contains(['*', '?', '[']) {
        let mut files: Vec<PathBuf> = glob_files(&spec.path);
        files.sort();
        if files.is_empty() {
            return Err(Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!("no file matches the {} pattern `{}`", spec.what, spec.path),
            )
            .with_help("check the pattern; quote it so the shell does not expand it"));
        }
        return Ok(files);
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!(
                "cannot read the {} file `{}`: {reason}",
                spec.what, spec.path
            ),
        )
    })?;
    if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| {
                data_error(format!(
                    "cannot list the {} folder `{}`: {e}",
                    spec.what, spec.path
                ))
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && Format::of(p).is_some())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!(
                    "the {} folder `{}` has no .parquet, .csv or .ndjson files",
                    spec.what, spec.path
                ),
            ));
        }
        return Ok(files);
    }
    Ok(vec![path.to_path_buf()])
}

/// A minimal glob for the file-name part of a path (`data/events-*.parquet`):
/// `*` any run of characters, `?` one character.
fn glob_files(pattern: &str) -> Vec<PathBuf> {
    let path = Path::new(pattern);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name_pattern) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| wildcard_match(&name_pattern, &n.to_string_lossy()))
        })
        .collect()
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Opens a source as a listing table: its schema is inferred (for CSV and
/// NDJSON from a sample of rows), no data is read.
pub async fn open(
    ctx: &SessionContext,
    spec: &SourceSpec,
) -> Result<Arc<dyn TableProvider>, Diagnostic> {
    let files = files_of(spec)?;
    let format = Format::of(&files[0]).ok_or_else(|| {
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!(
                "cannot tell the format of the {} file `{}`",
                spec.what,
                files[0].display()
            ),
        )
        .with_help("segql reads .parquet, .csv and .ndjson (or .jsonl, .json) files")
    })?;
    if let Some(other) = files.iter().find(|f| Format::of(f) != Some(format)) {
        return Err(data_error(format!(
            "the {} files of `{}` mix formats: `{}` and `{}`",
            spec.what,
            spec.path,
            files[0].display(),
            other.display()
        )));
    }
    let urls = files
        .iter()
        .map(|f| {
            let absolute = std::path::absolute(f).unwrap_or_else(|_| f.clone());
            ListingTableUrl::parse(absolute.to_string_lossy()).map_err(|e| {
                data_error(format!(
                    "cannot read the {} file `{}`: {e}",
                    spec.what,
                    f.display()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(format.file_format()).with_file_extension(format.extension(&files[0]));
    let state = ctx.state();
    let mut schemas = Vec::new();
    for (url, file) in urls.iter().zip(&files) {
        let schema = options.infer_schema(&state, url).await.map_err(|e| {
            data_error(format!(
                "cannot read the {} file `{}`: {}",
                spec.what,
                file.display(),
                first_line(&e.to_string())
            ))
            .with_help(match format {
                Format::Parquet => "is it a Parquet file?",
                Format::Csv => {
                    "a CSV file needs a header row and the same number of fields on every line"
                }
                Format::NdJson => "an NDJSON file holds one JSON object per line",
            })
        })?;
        schemas.push(schema);
    }
    let schema =
        datafusion::arrow::datatypes::Schema::try_merge(schemas.iter().map(|s| s.as_ref().clone()))
            .map_err(|e| {
                data_error(format!(
                    "the {} files of `{}` have different columns: {e}",
                    spec.what, spec.path
                ))
            })?;
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(Arc::new(schema));
    let table = ListingTable::try_new(config).map_err(|e| {
        data_error(format!(
            "cannot open the {} `{}`: {e}",
            spec.what, spec.path
        ))
    })?;
    Ok(Arc::new(table))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            Format::of(Path::new("a/events.parquet")),
            Some(Format::Parquet)
        );
        assert_eq!(Format::of(Path::new("USERS.CSV")), Some(Format::Csv));
        assert_eq!(Format::of(Path::new("e.ndjson")), Some(Format::NdJson));
        assert_eq!(Format::of(Path::new("e.jsonl")), Some(Format::NdJson));
        assert_eq!(Format::of(Path::new("e.txt")), None);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("events-*.parquet", "events-2026-01.parquet"));
        assert!(wildcard_match("e?.csv", "e1.csv"));
        assert!(!wildcard_match("e?.csv", "e12.csv"));
        assert!(wildcard_match("*", "anything"));
        assert!(!wildcard_match("*.csv", "x.parquet"));
    }
}

/// The `number`-th CSV list (`in csv "file"`) of a catalog as a table named
/// `csv_N` in the plan: the header row names the columns, and every column
/// is read as text, so ids keep their leading zeros and compare as written.
/// Only the header is read here.
pub fn csv_list_table(path: &Path, number: usize) -> Result<TableEntry, String> {
    let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        _ => e.to_string(),
    })?;
    let (schema, _) = datafusion::arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(&mut file, Some(100))
        .map_err(|e| format!("it is not a CSV file with a header row ({e})"))?;
    let text_schema = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let absolute = std::path::absolute(path).map_err(|e| e.to_string())?;
    let url = ListingTableUrl::parse(absolute.to_string_lossy()).map_err(|e| e.to_string())?;
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let options = ListingOptions::new(Arc::new(CsvFormat::default().with_has_header(true)))
        .with_file_extension(extension);
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(text_schema);
    let table = ListingTable::try_new(config).map_err(|e| e.to_string())?;
    Ok(TableEntry {
        name: format!("csv_{number}"),
        source: provider_as_source(Arc::new(table)),
        origin: path.display().to_string(),
    })
}

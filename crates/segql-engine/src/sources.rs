//! Data sources: a file, a glob or a folder of Parquet, CSV or NDJSON files,
//! registered as DataFusion listing tables. Only schemas are read here.

use crate::stores;
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
use segql_planner::TableEntry;
use segql_syntax::{Diagnostic, codes};
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
        let mut files = Vec::new();
        folder_files(path, &mut files).map_err(|e| {
            data_error(format!(
                "cannot list the {} folder `{}`: {e}",
                spec.what, spec.path
            ))
        })?;
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

/// The data files directly in `dir` and in its Hive partition folders
/// (`date=2026-11-01/`), at any depth. Other sub-folders are not read.
fn folder_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.as_deref().and_then(partition_key).is_some() {
                folder_files(&path, files)?;
            }
        } else if Format::of(&path).is_some() {
            files.push(path);
        }
    }
    Ok(())
}

/// The key of a Hive partition folder's name (`date` of `date=2026-11-01`).
fn partition_key(name: &str) -> Option<&str> {
    let (key, _) = name.split_once('=')?;
    (!key.is_empty() && !key.starts_with(['.', '_'])).then_some(key)
}

/// The partition keys of a file below `root`: the keys of the folders
/// between them, outermost first; `None` when a folder between them is not
/// a partition folder.
fn partition_keys_of(root: &str, file: &Path) -> Option<Vec<String>> {
    let text = file.to_string_lossy();
    let relative = text.strip_prefix(root)?.trim_start_matches('/');
    let mut folders: Vec<&str> = relative.split('/').collect();
    folders.pop();
    folders
        .into_iter()
        .map(|f| partition_key(f).map(str::to_string))
        .collect()
}

/// How a folder's files are laid out: `None` for files side by side, or
/// the partition keys shared by every file (Hive style). Files under
/// different keys (or some under partition folders and some not) are an
/// error: such a folder is not one table.
fn partitioning(spec: &SourceSpec, files: &[PathBuf]) -> Result<Option<Vec<String>>, Diagnostic> {
    let root = spec.path.trim_end_matches('/');
    let mut layout: Option<(Vec<String>, &PathBuf)> = None;
    for file in files {
        let keys = partition_keys_of(root, file).unwrap_or_default();
        match &layout {
            None => layout = Some((keys, file)),
            Some((first, first_file)) if *first != keys => {
                let shown = |keys: &[String]| {
                    if keys.is_empty() {
                        "in no partition folder".to_string()
                    } else {
                        format!(
                            "under {}",
                            keys.iter()
                                .map(|k| format!("{k}="))
                                .collect::<Vec<_>>()
                                .join("/")
                        )
                    }
                };
                return Err(data_error(format!(
                    "the {} folder `{}` mixes layouts: `{}` is {}, `{}` is {}",
                    spec.what,
                    spec.path,
                    first_file.display(),
                    shown(first),
                    file.display(),
                    shown(&keys),
                ))
                .with_help("a partitioned table keeps every file under folders of the same keys, e.g. date=2026-11-01/part-0.parquet"));
            }
            Some(_) => {}
        }
    }
    Ok(layout.map(|(keys, _)| keys).filter(|keys| !keys.is_empty()))
}

/// A file of no bytes, or of blanks only: it holds no table at all (not
/// even a header row), which a schema would report as "no column".
fn is_empty_file(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.len() == 0 {
        return true;
    }
    if meta.len() > 4096 {
        return false;
    }
    let mut text = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut text))
        .is_ok_and(|_| text.iter().all(u8::is_ascii_whitespace))
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

/// A source opened as a table, and the files it reads.
pub struct Opened {
    pub provider: Arc<dyn TableProvider>,
    pub format: Format,
    pub files: Vec<PathBuf>,
    /// Whether the table's file is read in actor ranges.
    pub in_actor_ranges: bool,
}

/// Opens a source as a listing table: its schema is inferred (for CSV and
/// NDJSON from a sample of rows), no data is read. The text columns named
/// in `dictionaries` are read from Parquet as dictionaries (see
/// [`crate::parquet_scan`]); a single Parquet file is read in ranges of
/// `ranged_by` where its row groups allow (see [`crate::actor_ranges`]).
pub async fn open(
    ctx: &SessionContext,
    spec: &SourceSpec,
    dictionaries: &[String],
    ranged_by: Option<&str>,
) -> Result<Opened, Diagnostic> {
    let files = if stores::is_store_url(&spec.path) {
        stores::files(ctx, &spec.what, &spec.path).await?
    } else {
        files_of(spec)?
    };
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
    if let Some(empty) = files.iter().find(|f| is_empty_file(f)) {
        let code = if spec.what == "events" {
            codes::EMPTY_EVENTS
        } else {
            codes::DATA_ERROR
        };
        return Err(Diagnostic::error(
            code,
            format!("the {} file `{}` is empty", spec.what, empty.display()),
        )
        .with_help(match format {
            Format::Parquet => "write the file again from its source, or leave it out of the data",
            Format::Csv => "a CSV file starts with a header row naming its columns",
            Format::NdJson => "an NDJSON file holds one JSON object per line",
        }));
    }
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
            table_url(f).map_err(|e| {
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
        let schema = reading(options.infer_schema(&state, url))
            .await
            .map_err(|e| {
                let cause = reader_cause(&e.to_string());
                match format {
                    Format::Parquet => data_error(format!(
                        "the {} file `{}` is corrupt or not a Parquet file: {cause}",
                        spec.what,
                        file.display(),
                    ))
                    .with_help("write the file again from its source, or leave it out of the data"),
                    Format::Csv => data_error(format!(
                        "cannot read the {} file `{}`: {cause}",
                        spec.what,
                        file.display(),
                    ))
                    .with_help(
                        "a CSV file needs a header row and the same number of fields on every line",
                    ),
                    Format::NdJson => data_error(format!(
                        "cannot read the {} file `{}`: {cause}",
                        spec.what,
                        file.display(),
                    ))
                    .with_help("an NDJSON file holds one JSON object per line"),
                }
            })?;
        schemas.push(schema);
    }
    // Each file's schema with dictionary columns, by its location in the
    // object store; the table's schema is merged from them.
    let mut file_schemas = std::collections::HashMap::new();
    if format == Format::Parquet {
        for (url, schema) in urls.iter().zip(schemas.iter_mut()) {
            if let Some(with_dictionaries) =
                crate::parquet_scan::with_dictionaries(schema, dictionaries)
            {
                *schema = Arc::new(with_dictionaries);
                file_schemas.insert(url.prefix().to_string(), Arc::clone(schema));
            }
        }
    }
    let schema =
        datafusion::arrow::datatypes::Schema::try_merge(schemas.iter().map(|s| s.as_ref().clone()))
            .map_err(|e| {
                data_error(format!(
                    "the {} files of `{}` have different columns: {e}",
                    spec.what, spec.path
                ))
            })?;
    let folders = partitioning(spec, &files)?;
    let ranges = match (format, ranged_by, urls.as_slice(), &folders) {
        (Format::Parquet, Some(column), [url], None) => {
            crate::actor_ranges::ActorRanges::read(ctx, url, &schema, column).await
        }
        _ => None,
    };
    let config = match folders {
        // One table over the folder: DataFusion reads the partition values
        // from the folder names, and prunes folders a filter excludes.
        Some(keys) => {
            if let Some(clash) = keys.iter().find(|k| schema.field_with_name(k).is_ok()) {
                return Err(data_error(format!(
                    "the {} files of `{}` have a column `{clash}`, which is also a partition folder's key",
                    spec.what, spec.path
                ))
                .with_help("rename the column in the files, or the partition folders"));
            }
            let root = format!("{}/", spec.path.trim_end_matches('/'));
            let url = table_url(Path::new(&root)).map_err(|e| {
                data_error(format!(
                    "cannot read the {} folder `{}`: {e}",
                    spec.what, spec.path
                ))
            })?;
            let columns = keys.iter().map(|k| (k.clone(), DataType::Utf8)).collect();
            ListingTableConfig::new(url)
                .with_listing_options(options.with_table_partition_cols(columns))
                .with_schema(Arc::new(schema))
        }
        None => ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(Arc::new(schema)),
    };
    let table = ListingTable::try_new(config).map_err(|e| {
        data_error(format!(
            "cannot open the {} `{}`: {e}",
            spec.what, spec.path
        ))
    })?;
    let in_actor_ranges = ranges.is_some();
    let provider: Arc<dyn TableProvider> = match format {
        Format::Parquet => Arc::new(crate::parquet_scan::ParquetScan::new(
            table,
            file_schemas,
            ranges,
        )),
        Format::Csv | Format::NdJson => Arc::new(table),
    };
    Ok(Opened {
        provider,
        format,
        files,
        in_actor_ranges,
    })
}

/// The URL DataFusion reads `file` at: an object-store path as it is, a
/// local path made absolute.
fn table_url(file: &Path) -> datafusion::error::Result<ListingTableUrl> {
    let text = file.to_string_lossy();
    if stores::is_store_url(&text) {
        return ListingTableUrl::parse(text);
    }
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    ListingTableUrl::parse(absolute.to_string_lossy())
}

/// One file of a table as a table of its own, with the table's schema.
fn one_file_table(
    format: Format,
    file: &Path,
    schema: datafusion::arrow::datatypes::SchemaRef,
) -> datafusion::error::Result<ListingTable> {
    let url = table_url(file)?;
    // A file of a partitioned table holds the table's columns but its
    // partition keys, which are in the folder names above it.
    let text = file.to_string_lossy();
    let folders = text.rsplit_once('/').map_or("", |(folders, _)| folders);
    let keys: Vec<String> = folders
        .split('/')
        .filter_map(|folder| partition_key(folder).map(str::to_string))
        .collect();
    let schema = if keys.is_empty() {
        schema
    } else {
        Arc::new(Schema::new(
            schema
                .fields()
                .iter()
                .filter(|f| !keys.contains(f.name()))
                .cloned()
                .collect::<Vec<_>>(),
        ))
    };
    let options =
        ListingOptions::new(format.file_format()).with_file_extension(format.extension(file));
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    ListingTable::try_new(config)
}

/// Reads every row of one file of a table, with the table's schema: how a
/// failed query finds which of its files is corrupt.
pub async fn read_whole_file(
    ctx: &SessionContext,
    format: Format,
    file: &Path,
    schema: datafusion::arrow::datatypes::SchemaRef,
) -> datafusion::error::Result<()> {
    use futures::StreamExt;
    let table = one_file_table(format, file, schema)?;
    reading(async move {
        let mut stream = ctx.read_table(Arc::new(table))?.execute_stream().await?;
        while let Some(batch) = stream.next().await {
            batch?;
        }
        Ok(())
    })
    .await
}

/// Runs a step that reads files, turning a panic of a reader (a corrupt file
/// can make the Parquet decoder give up by panicking) into an error, so the
/// failure is reported with the file's name like any other.
pub async fn reading<T>(
    step: impl std::future::Future<Output = datafusion::error::Result<T>>,
) -> datafusion::error::Result<T> {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(step).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let message = if let Some(text) = payload.downcast_ref::<&str>() {
                (*text).to_string()
            } else if let Some(text) = payload.downcast_ref::<String>() {
                text.clone()
            } else {
                "an unknown failure".to_string()
            };
            Err(datafusion::error::DataFusionError::Execution(format!(
                "the reader failed: {message}"
            )))
        }
    }
}

/// A value of a text file's event-time column that is not a timestamp:
/// its line in the file and the value.
pub struct BadTime {
    pub line: u64,
    pub value: String,
}

/// The first event time of a CSV or NDJSON file that cannot be read as a
/// timestamp, reading that one column in file order. A column typed as
/// timestamp or integer (from the sample) fails in the reader itself, with
/// its line; a text column is parsed here as the queries parse it.
pub async fn first_bad_time(
    runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
    format: Format,
    file: &Path,
    schema: datafusion::arrow::datatypes::SchemaRef,
    column: &str,
) -> datafusion::error::Result<Option<BadTime>> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::compute::{CastOptions, cast_with_options};
    use datafusion::arrow::datatypes::TimeUnit;
    use futures::StreamExt;
    // One partition: rows come in file order, so a row's number is its line.
    // The session's runtime: its object stores read the file.
    let ctx = SessionContext::new_with_config_rt(
        datafusion::prelude::SessionConfig::new().with_target_partitions(1),
        runtime,
    );
    let table = one_file_table(format, file, schema)?;
    let frame = ctx.read_table(Arc::new(table))?.select_columns(&[column])?;
    let mut stream = reading(frame.execute_stream()).await?;
    // The header is line 1 of a CSV file; NDJSON starts with a row.
    let mut line: u64 = if format == Format::Csv { 2 } else { 1 };
    let utc_micros = DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")));
    let lenient = CastOptions {
        safe: true,
        ..CastOptions::default()
    };
    while let Some(batch) = reading(async { stream.next().await.transpose() }).await? {
        let values = batch.column(0);
        if matches!(
            values.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            let text = cast_with_options(values, &DataType::Utf8, &lenient)?;
            let times = cast_with_options(&text, &utc_micros, &lenient)?;
            let text = text.as_string::<i32>();
            if let Some(row) = (0..text.len()).find(|&i| text.is_valid(i) && times.is_null(i)) {
                return Ok(Some(BadTime {
                    line: line + row as u64,
                    value: text.value(row).to_string(),
                }));
            }
        }
        line += batch.num_rows() as u64;
    }
    Ok(None)
}

/// What a reader said of a file, without the layers of error types around
/// it (`External error: Parquet error: ...`) and on one line.
pub(crate) fn reader_cause(message: &str) -> String {
    let mut cause = message.lines().next().unwrap_or(message).trim();
    loop {
        let stripped = [
            "External error: ",
            "External: ",
            "Execution error: ",
            "Parquet error: ",
            "Parquet argument error: ",
            "Arrow error: ",
            "Join Error: ",
            "Json error: ",
            "Csv error: ",
            "General error: ",
            "IO error: ",
            "Internal error: ",
            "Object Store error: ",
        ]
        .iter()
        .find_map(|prefix| cause.strip_prefix(prefix));
        match stripped {
            Some(rest) => cause = rest.trim(),
            None => break,
        }
    }
    let cause: String = cause.chars().take(300).collect();
    if cause.is_empty() {
        "it cannot be read".to_string()
    } else {
        cause
    }
}

/// The columns of a CSV file with a header row, from its first rows.
fn infer_csv_schema(reader: &mut impl std::io::Read) -> Result<(Schema, usize), String> {
    datafusion::arrow::csv::reader::Format::default()
        .with_header(true)
        .infer_schema(reader, Some(100))
        .map_err(|e| format!("it is not a CSV file with a header row ({e})"))
}

/// The `number`-th CSV list (`in csv "file"`) of a catalog as a table named
/// `csv_N` in the plan: the header row names the columns, and every column
/// is read as text, so ids keep their leading zeros and compare as written.
/// Only the header is read here.
pub fn csv_list_table(path: &Path, number: usize) -> Result<TableEntry, String> {
    let text = path.to_string_lossy();
    let (schema, _) = if stores::is_store_url(&text) {
        // The header and a sample of rows: the first 64 KiB, whole lines.
        let mut head = stores::read_blocking("CSV list", &text, Some(64 * 1024))
            .map_err(|d| stores::cause_of(&d.message))?;
        if let Some(end) = head.iter().rposition(|&b| b == b'\n') {
            head.truncate(end + 1);
        }
        infer_csv_schema(&mut std::io::Cursor::new(head))?
    } else {
        let mut file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        })?;
        infer_csv_schema(&mut file)?
    };
    let text_schema = Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let url = table_url(path).map_err(|e| e.to_string())?;
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

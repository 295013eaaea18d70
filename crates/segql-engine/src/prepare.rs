//! `segql prepare`: a dataset rewritten into the layout segql reads
//! fastest, in any format segql reads.
//!
//! - Events sorted by actor (the mapped `user_id`) and time, the profile
//!   tables by their key: one user's events sit together (their ids and
//!   sessions compress to runs, and row-group statistics on the id prune
//!   whole groups), and the Parquet footer declares the order
//!   (`sorting_columns`) for the engines that use it (segql's own scans
//!   set it aside, see `parquet_scan`).
//! - Parquet with zstd, dictionary-encoded text (the event types and names
//!   of a shop repeat), page-level statistics with a page index, and bloom
//!   filters on the event name and type: a reader skips the row groups and
//!   pages that cannot hold a step's value.
//! - Row groups sized for the machine: at most a million rows, and at
//!   least two per thread, so that every thread has groups to read. The
//!   events' row groups end between two users (a group grows past its
//!   size to the end of its last user's events, up to twice the size), so
//!   that a reader can give each thread a run of groups of whole users
//!   without moving events between threads (see `actor_ranges`).
//!
//! The sort is DataFusion's: it spills to temporary files under the
//! memory limit, so a dataset larger than memory is prepared in bounded
//! memory. Rows stream from the sort to the writer; each table is written
//! to a hidden file first and renamed when complete, so a failure never
//! leaves a half-written table under its real name.

use crate::engine::Engine;
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::{cast, partition};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::prelude::ident;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use segql_planner::{Catalog, TableRole};
use segql_syntax::{Diagnostic, codes};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The most rows a row group holds.
pub const MAX_ROW_GROUP_ROWS: usize = 1 << 20;
/// The fewest rows worth a row group of their own.
const MIN_ROW_GROUP_ROWS: usize = 1 << 16;

/// What one prepared table holds.
#[derive(Debug, Clone)]
pub struct PreparedTable {
    pub role: TableRole,
    pub path: PathBuf,
    pub rows: u64,
    pub row_groups: usize,
    /// The columns the rows are sorted by, outermost first.
    pub sorted_by: Vec<String>,
}

/// The file names `prepare` writes into its folder, one per table of the
/// data.
pub fn prepared_file_names(engine: &Engine) -> Vec<(TableRole, String)> {
    engine
        .providers
        .keys()
        .map(|role| (*role, format!("{}.parquet", role.name())))
        .collect()
}

impl Engine {
    /// Writes every table of this engine's data into `out` (which must
    /// exist) in the prepared layout. `progress` is told, per table, the
    /// rows written so far and the total, as `(role, written, total)`,
    /// first with none written. `row_group_rows`: the rows of a row group,
    /// instead of a size chosen for the threads ([`row_group_rows`]); an
    /// events group ends at the first change of user from there on.
    pub async fn prepare(
        &self,
        out: &Path,
        row_group_rows: Option<usize>,
        progress: &(dyn Fn(TableRole, u64, u64) + Sync),
    ) -> Result<Vec<PreparedTable>, Diagnostic> {
        let mut prepared = Vec::new();
        for (role, file_name) in prepared_file_names(self) {
            let table = self
                .prepare_table(role, &out.join(file_name), row_group_rows, progress)
                .await?;
            prepared.push(table);
        }
        Ok(prepared)
    }

    /// The columns a table is sorted by: the events by actor and time, a
    /// profile table by its key; those the table has.
    fn sort_columns(&self, role: TableRole, schema: &Schema) -> Vec<String> {
        let mapping = self.catalog.mapping();
        let wanted: Vec<String> = match role {
            TableRole::Events => vec![
                mapping.column(role, "user_id"),
                mapping.column(role, "timestamp"),
            ],
            TableRole::Users => vec![mapping.column(role, "user_id")],
            TableRole::Accounts => vec![mapping.column(role, "account_id")],
        };
        wanted
            .into_iter()
            .filter(|c| schema.field_with_name(c).is_ok())
            .collect()
    }

    async fn prepare_table(
        &self,
        role: TableRole,
        path: &Path,
        row_group_rows: Option<usize>,
        progress: &(dyn Fn(TableRole, u64, u64) + Sync),
    ) -> Result<PreparedTable, Diagnostic> {
        let provider = Arc::clone(&self.providers[&role]);
        let failed = |e: datafusion::error::DataFusionError| {
            Diagnostic::error(
                codes::DATA_ERROR,
                format!(
                    "cannot read the {} table: {}",
                    role.name(),
                    crate::sources::reader_cause(&e.to_string())
                ),
            )
        };
        let frame = self.ctx.read_table(Arc::clone(&provider)).map_err(failed)?;
        let total = crate::sources::reading(frame.clone().count())
            .await
            .map_err(failed)? as u64;
        progress(role, 0, total);
        let sorted_by = self.sort_columns(role, &provider.schema());
        let order = sorted_by
            .iter()
            .map(|c| ident(c).sort(true, false))
            .collect::<Vec<_>>();
        let frame = if order.is_empty() {
            frame
        } else {
            frame.sort(order).map_err(failed)?
        };
        let mut stream = crate::sources::reading(frame.execute_stream())
            .await
            .map_err(failed)?;
        let compared = match role {
            TableRole::Events => crate::parquet_scan::compared_columns(self.catalog.mapping()),
            _ => Vec::new(),
        };
        let schema = written_schema(&stream.schema(), &compared);
        let row_group_rows = row_group_rows
            .unwrap_or_else(|| self::row_group_rows(total as usize, self.partitions()))
            .max(1);
        // The events' groups end between two users: the actor column, when
        // the rows are sorted by it.
        let actor = match role {
            TableRole::Events => sorted_by
                .first()
                .filter(|c| **c == self.catalog.mapping().column(role, "user_id"))
                .and_then(|c| schema.index_of(c).ok()),
            _ => None,
        };
        let most_rows = match actor {
            Some(_) => row_group_rows.saturating_mul(2),
            None => row_group_rows,
        };
        let properties = writer_properties(&schema, &sorted_by, &compared, most_rows);
        let partial = partial_path(path);
        let unwritable = |e: String| {
            let _ = std::fs::remove_file(&partial);
            Diagnostic::error(
                codes::UNWRITABLE_FILE,
                format!("cannot write `{}`: {e}", path.display()),
            )
        };
        let file = std::fs::File::create(&partial).map_err(|e| unwritable(e.to_string()))?;
        let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties))
            .map_err(|e| unwritable(e.to_string()))?;
        let mut written = 0u64;
        let mut last_actor: Option<ArrayRef> = None;
        while let Some(batch) = crate::sources::reading(async { stream.next().await.transpose() })
            .await
            .map_err(|e| {
                let _ = std::fs::remove_file(&partial);
                failed(e)
            })?
        {
            let mut batch = to_written(&batch, &schema).map_err(|e| unwritable(e.to_string()))?;
            let rows = batch.num_rows() as u64;
            if let Some(actor) = actor {
                // Write up to the first change of user once the group is
                // full, end the group there, and go on with the rest.
                loop {
                    let room = row_group_rows.saturating_sub(writer.in_progress_rows());
                    let cut = first_change_from(&batch, actor, room, last_actor.as_ref())
                        .map_err(|e| unwritable(e.to_string()))?;
                    let Some(cut) = cut else { break };
                    if cut > 0 {
                        writer
                            .write(&batch.slice(0, cut))
                            .map_err(|e| unwritable(e.to_string()))?;
                    }
                    if writer.in_progress_rows() > 0 {
                        writer.flush().map_err(|e| unwritable(e.to_string()))?;
                    }
                    batch = batch.slice(cut, batch.num_rows() - cut);
                    last_actor = None;
                    if batch.num_rows() == 0 {
                        break;
                    }
                }
                if batch.num_rows() > 0 {
                    last_actor = Some(batch.column(actor).slice(batch.num_rows() - 1, 1));
                }
            }
            if batch.num_rows() > 0 {
                writer
                    .write(&batch)
                    .map_err(|e| unwritable(e.to_string()))?;
            }
            written += rows;
            progress(role, written, total);
        }
        let metadata = writer.close().map_err(|e| unwritable(e.to_string()))?;
        std::fs::rename(&partial, path).map_err(|e| unwritable(e.to_string()))?;
        Ok(PreparedTable {
            role,
            path: path.to_path_buf(),
            rows: written,
            row_groups: metadata.num_row_groups(),
            sorted_by,
        })
    }
}

/// The first row of `batch`, at `from` or after, whose actor (column
/// `actor`) differs from the row before it (for row 0: from `previous`,
/// the last actor written); `None` when there is none in the batch.
fn first_change_from(
    batch: &RecordBatch,
    actor: usize,
    from: usize,
    previous: Option<&ArrayRef>,
) -> datafusion::error::Result<Option<usize>> {
    let column = batch.column(actor);
    if from >= batch.num_rows() {
        return Ok(None);
    }
    if from == 0
        && let Some(previous) = previous
        && ScalarValue::try_from_array(previous, 0)? != ScalarValue::try_from_array(column, 0)?
    {
        return Ok(Some(0));
    }
    let runs = partition(&[Arc::clone(column)])?;
    Ok(runs
        .ranges()
        .into_iter()
        .map(|run| run.start)
        .find(|&start| start > 0 && start >= from))
}

/// The hidden file a table is written to before it is complete.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// Rows per row group: at most [`MAX_ROW_GROUP_ROWS`], and small enough
/// that each of `threads` threads gets at least two groups, but not below
/// [`MIN_ROW_GROUP_ROWS`].
pub fn row_group_rows(total: usize, threads: usize) -> usize {
    let per_thread_pair = total.div_ceil(threads.max(1) * 2);
    per_thread_pair.clamp(MIN_ROW_GROUP_ROWS, MAX_ROW_GROUP_ROWS)
}

/// The schema a table is written with: the text columns steps compare as
/// dictionaries (the file's Arrow schema then tells DataFusion to read
/// them as dictionaries, whose ids a filter compares instead of strings),
/// other text as plain `Utf8` (any Parquet reader reads it back;
/// DataFusion as string views), everything else as read.
fn written_schema(schema: &SchemaRef, dictionaries: &[String]) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8View | DataType::LargeUtf8 | DataType::Utf8
                    if dictionaries.contains(f.name()) =>
                {
                    Arc::new(Field::new(
                        f.name(),
                        crate::parquet_scan::dictionary_type(),
                        f.is_nullable(),
                    ))
                }
                DataType::Utf8View | DataType::LargeUtf8 => {
                    Arc::new(Field::new(f.name(), DataType::Utf8, f.is_nullable()))
                }
                _ => Arc::clone(f),
            })
            .collect::<Vec<_>>(),
    ))
}

fn to_written(batch: &RecordBatch, schema: &SchemaRef) -> datafusion::error::Result<RecordBatch> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(Arc::clone(column))
            } else {
                cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

/// zstd, dictionaries, page statistics (and so a page index), the sort
/// order, and bloom filters on the columns steps compare.
fn writer_properties(
    schema: &Schema,
    sorted_by: &[String],
    compared: &[String],
    row_group_rows: usize,
) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(row_group_rows));
    let sorting: Vec<SortingColumn> = sorted_by
        .iter()
        .filter_map(|c| schema.index_of(c).ok())
        .map(|index| SortingColumn {
            column_idx: index as i32,
            descending: false,
            nulls_first: false,
        })
        .collect();
    if !sorting.is_empty() {
        builder = builder.set_sorting_columns(Some(sorting));
    }
    for name in compared {
        if schema.field_with_name(name).is_ok() {
            builder =
                builder.set_column_bloom_filter_enabled(ColumnPath::from(name.as_str()), true);
        }
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_groups_fit_the_threads() {
        assert_eq!(row_group_rows(10_000_000, 2), MAX_ROW_GROUP_ROWS);
        assert_eq!(row_group_rows(1_000_000, 2), 250_000);
        assert_eq!(row_group_rows(1_000, 2), MIN_ROW_GROUP_ROWS);
        assert_eq!(row_group_rows(0, 0), MIN_ROW_GROUP_ROWS);
    }
}

//! How segql scans Parquet tables: the events' compared text columns read
//! as dictionaries, and the files' declared sort order set aside.
//!
//! Dictionary reads: a shop's event types and names repeat, Parquet
//! writers store them dictionary-encoded, and the reader can hand over the
//! dictionary and the ids as they are instead of building a string for
//! every event. A filter `name = '/cart'` then compares the few dictionary
//! values once and the ids row by row (DataFusion unwraps the cast the
//! lowering puts around the column). DataFusion reads a column as a
//! dictionary when the file's Arrow schema says so. Files written by
//! `segql prepare` say so themselves; for other files, the table declares
//! the columns as dictionaries and each scanned file is given its own
//! Arrow schema with those columns as dictionaries
//! ([`PartitionedFile::with_arrow_schema`]), so that the reader decodes
//! straight into them rather than into strings cast afterwards.
//!
//! The declared order: files written sorted (by `segql prepare`) declare
//! it in their footer (`sorting_columns`), and DataFusion 55 would plan
//! with it: order-preserving repartitions, which measured slower on
//! segql's grouped queries, and on the prepared demo shop member lists
//! came out of a join unsorted, their final sort elided as if the order
//! held. segql's scans therefore declare no order; its plans sort where
//! they need to.
//!
//! Actor ranges: a file whose row groups hold disjoint ranges of actors is
//! read as runs of row groups, one per partition, and the scan declares
//! that partitioning (see [`crate::actor_ranges`]).
//!
//! [`PartitionedFile::with_arrow_schema`]: datafusion::datasource::listing::PartitionedFile::with_arrow_schema

use crate::actor_ranges::ActorRanges;
use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetAccessPlan;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use segql_planner::{NameColumn, SchemaMapping, TableRole};
use std::collections::HashMap;
use std::sync::Arc;

/// The events' columns that steps compare with values: the mapping's event
/// type column and its name columns.
pub(crate) fn compared_columns(mapping: &SchemaMapping) -> Vec<String> {
    let mut columns = vec![mapping.column(TableRole::Events, "event_type")];
    match &mapping.name {
        NameColumn::Single(name) => columns.push(name.clone()),
        NameColumn::PerType {
            columns: per_type,
            default,
        } => {
            columns.extend(per_type.values().cloned());
            columns.extend(default.iter().cloned());
        }
    }
    columns.sort();
    columns.dedup();
    columns
}

/// The dictionary type text columns are read as.
pub(crate) fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// `schema` with its text columns among `columns` as dictionaries; `None`
/// when it has none of them as text.
pub(crate) fn with_dictionaries(schema: &Schema, columns: &[String]) -> Option<Schema> {
    let mut changed = false;
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                if columns.contains(f.name()) =>
            {
                changed = true;
                Arc::new(f.as_ref().clone().with_data_type(dictionary_type()))
            }
            _ => Arc::clone(f),
        })
        .collect();
    changed.then(|| Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// A Parquet listing table as segql scans it: its compared columns read as
/// dictionaries (the table declared with dictionary columns and, per file,
/// the Arrow schema the reader decodes that file with), no declared order.
#[derive(Debug)]
pub struct ParquetScan {
    table: Arc<ListingTable>,
    /// Each file's Arrow schema with dictionary columns, by its location in
    /// the object store (as the scan's files name it).
    file_schemas: HashMap<String, SchemaRef>,
    /// The actor ranges of the table's file, when it is one file whose row
    /// groups hold disjoint ranges of actors.
    ranges: Option<ActorRanges>,
}

impl ParquetScan {
    pub(crate) fn new(
        table: ListingTable,
        file_schemas: HashMap<String, SchemaRef>,
        ranges: Option<ActorRanges>,
    ) -> Self {
        ParquetScan {
            table: Arc::new(table),
            file_schemas,
            ranges,
        }
    }

    /// The listing table alone (the same declared schema; files read as
    /// strings and cast): what travels to a cluster, whose plan codec
    /// knows listing tables.
    pub fn listing_table(&self) -> Arc<ListingTable> {
        Arc::clone(&self.table)
    }

    /// `plan` with each of its Parquet scans' files given its Arrow schema,
    /// no order, and (with actor ranges) its file read as `partitions`
    /// runs of whole actors.
    fn with_file_schemas(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        partitions: usize,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(scan) = file_scan(&node) else {
                return Ok(Transformed::no(node));
            };
            let mut scan = scan.clone();
            scan.output_ordering = Vec::new();
            scan.file_groups = scan
                .file_groups
                .iter()
                .map(|group| {
                    let files = group
                        .iter()
                        .map(|file| {
                            let mut file = file.clone();
                            file.ordering = None;
                            match self.file_schemas.get(file.object_meta.location.as_ref()) {
                                Some(schema) => file.with_arrow_schema(Arc::clone(schema)),
                                None => file,
                            }
                        })
                        .collect();
                    let regrouped = FileGroup::new(files);
                    match group.file_statistics(None) {
                        Some(statistics) => regrouped.with_statistics(Arc::new(statistics.clone())),
                        None => regrouped,
                    }
                })
                .collect();
            if let Some(ranges) = &self.ranges {
                in_actor_ranges(&mut scan, ranges, partitions);
            }
            Ok(Transformed::yes(
                DataSourceExec::from_data_source(scan) as Arc<dyn ExecutionPlan>
            ))
        })
        .data()
    }
}

#[async_trait]
impl TableProvider for ParquetScan {
    fn schema(&self) -> SchemaRef {
        self.table.schema()
    }

    fn table_type(&self) -> TableType {
        self.table.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.table.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.table.scan(state, projection, filters, limit).await?;
        self.with_file_schemas(plan, state.config().target_partitions())
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let result = self.table.scan_with_args(state, args).await?;
        let partitions = state.config().target_partitions();
        let plan = self.with_file_schemas(result.into_inner(), partitions)?;
        Ok(plan.into())
    }
}

/// The file scan `node` is, if it is one (a `DataSourceExec` over files).
pub(crate) fn file_scan(node: &Arc<dyn ExecutionPlan>) -> Option<&FileScanConfig> {
    node.downcast_ref::<DataSourceExec>()?
        .data_source()
        .downcast_ref::<FileScanConfig>()
}

/// Regroups `scan`, when it reads exactly the file of `ranges` (whole or in
/// byte ranges), into runs of row groups of whole actors, one per
/// partition, and declares its range partitioning. Left as it is when the
/// file cannot be cut in two.
fn in_actor_ranges(scan: &mut FileScanConfig, ranges: &ActorRanges, partitions: usize) {
    let files: Vec<&PartitionedFile> = scan.file_groups.iter().flat_map(|g| g.iter()).collect();
    let Some(first) = files.first() else { return };
    if files
        .iter()
        .any(|f| f.object_meta.location.as_ref() != ranges.location())
    {
        return;
    }
    let Some(runs) = ranges.partitions(partitions) else {
        return;
    };
    let Some(partitioning) = ranges.partitioning(&runs) else {
        return;
    };
    let mut whole = (*first).clone();
    whole.range = None;
    scan.file_groups = runs
        .row_groups
        .iter()
        .map(|run| {
            let mut access = ParquetAccessPlan::new_none(ranges.row_group_count());
            for group in run.clone() {
                access.scan(group);
            }
            FileGroup::new(vec![whole.clone().with_extension(access)])
        })
        .collect();
    scan.output_partitioning = Some(partitioning);
}

//! Actor ranges: a Parquet file whose row groups hold disjoint ranges of
//! actors is read as partitions that each hold whole actors, and says so.
//!
//! Every per-actor operator of a segql plan (the sequence matcher, the path
//! builder, the grouped counts, the windows of a funnel) needs all of an
//! actor's events in one partition. On files in any order DataFusion gets
//! that by a hash repartition: every filtered event's actor id hashed, the
//! rows copied into per-partition batches and passed between threads. A
//! file sorted by actor (`segql prepare` writes one, and ends its row groups
//! between two actors) already has each actor in one row group range: read
//! the row groups in contiguous runs, one run per partition, cut only where
//! the row-group statistics prove that no actor crosses the cut (the
//! largest id before it is below the smallest after it), and declare the
//! scan range-partitioned by the actor column (DataFusion's
//! `Partitioning::Range`). The planner then sees the per-actor
//! distribution already satisfied and leaves the repartition out; a join
//! with a table partitioned otherwise is still repartitioned (DataFusion
//! checks that joined inputs are co-partitioned).
//!
//! The proof uses the statistics only, as bounds (a truncated minimum is a
//! lower bound, a truncated maximum an upper one), not the file's declared
//! sort order: a file whose row groups are not disjoint gets no ranges and
//! is read as any other. Nulls sort last: a row group with a null actor
//! can only be in the last partition.

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::Schema;
use datafusion::common::{ScalarValue, SplitPoint};
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{LexOrdering, Partitioning, PhysicalSortExpr, RangePartitioning};
use datafusion::prelude::SessionContext;
use object_store::ObjectStoreExt;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

/// What the statistics say of one row group's actor column.
#[derive(Debug, Clone)]
struct GroupBounds {
    rows: u64,
    /// At most the smallest actor of the group; `None`: no actor (all
    /// null) or no statistics.
    min: Option<ScalarValue>,
    /// At least the largest actor of the group.
    max: Option<ScalarValue>,
    /// Rows with no actor; `None`: unknown.
    nulls: Option<u64>,
}

/// One Parquet file's row groups as bounds of its actor column.
#[derive(Debug, Clone)]
pub(crate) struct ActorRanges {
    /// The file's location, as the scan's files name it.
    location: String,
    /// The actor column and its index in the table's schema.
    column: String,
    index: usize,
    groups: Vec<GroupBounds>,
}

/// Partitions of whole actors: each a run of row groups, and the smallest
/// actor of each partition after the first (the split points).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActorPartitions {
    pub(crate) row_groups: Vec<Range<usize>>,
    pub(crate) split_points: Vec<ScalarValue>,
}

impl ActorRanges {
    /// Reads the footer of the Parquet file at `url` and the bounds of
    /// `column` (typed as in `table_schema`) in each row group; `None`
    /// when the file cannot be read or the column has no statistics. The
    /// footer comes through the session's metadata cache, where inferring
    /// the file's schema left it and where the scans find it again.
    pub(crate) async fn read(
        ctx: &SessionContext,
        url: &ListingTableUrl,
        table_schema: &Schema,
        column: &str,
    ) -> Option<ActorRanges> {
        let index = table_schema.index_of(column).ok()?;
        let store = ctx.runtime_env().object_store(url).ok()?;
        let meta = store.head(url.prefix()).await.ok()?;
        let cache = ctx.runtime_env().cache_manager.get_file_metadata_cache();
        let metadata = DFParquetMetadata::new(store.as_ref(), &meta)
            .with_file_metadata_cache(Some(cache))
            .fetch_metadata()
            .await
            .ok()?;
        let converter = StatisticsConverter::try_new(
            column,
            table_schema,
            metadata.file_metadata().schema_descr(),
        )
        .ok()?;
        let row_groups = metadata.row_groups();
        let mins = converter.row_group_mins(row_groups).ok()?;
        let maxes = converter.row_group_maxes(row_groups).ok()?;
        let nulls = converter.row_group_null_counts(row_groups).ok()?;
        let groups = row_groups
            .iter()
            .enumerate()
            .map(|(i, group)| {
                let bound = |array: &ArrayRef| {
                    ScalarValue::try_from_array(array.as_ref(), i)
                        .ok()
                        .filter(|v| !v.is_null())
                };
                GroupBounds {
                    rows: group.num_rows().max(0) as u64,
                    min: bound(&mins),
                    max: bound(&maxes),
                    nulls: (!nulls.is_null(i)).then(|| nulls.value(i)),
                }
            })
            .collect();
        Some(ActorRanges {
            location: url.prefix().to_string(),
            column: column.to_string(),
            index,
            groups,
        })
    }

    /// The file these ranges are of.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    /// The row groups cut into at most `wanted` partitions of whole actors,
    /// as even in rows as the clean cuts allow; `None` when fewer than two
    /// partitions can be cut.
    pub(crate) fn partitions(&self, wanted: usize) -> Option<ActorPartitions> {
        let count = self.groups.len();
        if wanted < 2 || count < 2 {
            return None;
        }
        // The split point of each clean cut `j` (between groups j-1 and j):
        // the smallest actor from j on, when it is above every actor
        // before j and no row before j lacks an actor.
        let mut splits: Vec<Option<ScalarValue>> = vec![None; count];
        let mut suffix_min: Option<ScalarValue> = None;
        let mut suffix_known = true;
        let mut suffix_min_at = vec![None; count];
        for j in (0..count).rev() {
            let group = &self.groups[j];
            let all_null = group.nulls == Some(group.rows);
            if !all_null {
                match &group.min {
                    Some(min) => {
                        suffix_min = Some(match suffix_min.take() {
                            Some(current) if less(&current, min) => current,
                            _ => min.clone(),
                        })
                    }
                    None => suffix_known = false,
                }
            }
            suffix_min_at[j] = if suffix_known {
                suffix_min.clone()
            } else {
                None
            };
        }
        let mut prefix_max: Option<ScalarValue> = None;
        for j in 1..count {
            let group = &self.groups[j - 1];
            if group.nulls != Some(0) {
                break;
            }
            let Some(max) = &group.max else { break };
            prefix_max = Some(match prefix_max.take() {
                Some(current) if less(max, &current) => current,
                _ => max.clone(),
            });
            if let (Some(before), Some(after)) = (&prefix_max, &suffix_min_at[j])
                && less(before, after)
            {
                splits[j] = Some(after.clone());
            }
        }
        let total: u64 = self.groups.iter().map(|g| g.rows).sum();
        let mut rows_before = vec![0u64; count + 1];
        for (j, group) in self.groups.iter().enumerate() {
            rows_before[j + 1] = rows_before[j] + group.rows;
        }
        let mut cuts: Vec<usize> = Vec::new();
        for k in 1..wanted {
            let ideal = total as f64 * k as f64 / wanted as f64;
            let after = cuts.last().copied().unwrap_or(0);
            let best = (after + 1..count)
                .filter(|&j| splits[j].is_some())
                .min_by(|&a, &b| {
                    let distance = |j: usize| (rows_before[j] as f64 - ideal).abs();
                    distance(a).total_cmp(&distance(b))
                });
            if let Some(j) = best {
                cuts.push(j);
            }
        }
        cuts.dedup();
        if cuts.is_empty() {
            return None;
        }
        let mut row_groups = Vec::with_capacity(cuts.len() + 1);
        let mut start = 0;
        for &cut in &cuts {
            row_groups.push(start..cut);
            start = cut;
        }
        row_groups.push(start..count);
        let split_points = cuts
            .iter()
            .map(|&j| splits[j].clone())
            .collect::<Option<Vec<_>>>()?;
        Some(ActorPartitions {
            row_groups,
            split_points,
        })
    }

    /// The scan's partitioning for `partitions`: by ranges of the actor
    /// column, ascending, nulls last.
    pub(crate) fn partitioning(&self, partitions: &ActorPartitions) -> Option<Partitioning> {
        let key = PhysicalSortExpr::new(
            Arc::new(Column::new(&self.column, self.index)),
            SortOptions {
                descending: false,
                nulls_first: false,
            },
        );
        let ordering = LexOrdering::new(vec![key])?;
        let split_points = partitions
            .split_points
            .iter()
            .map(|value| SplitPoint::new(vec![value.clone()]))
            .collect();
        RangePartitioning::try_new(ordering, split_points)
            .ok()
            .map(Partitioning::Range)
    }

    /// The number of row groups of the file.
    pub(crate) fn row_group_count(&self) -> usize {
        self.groups.len()
    }
}

fn less(a: &ScalarValue, b: &ScalarValue) -> bool {
    a.partial_cmp(b) == Some(Ordering::Less)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Option<ScalarValue> {
        Some(ScalarValue::Utf8View(Some(value.to_string())))
    }

    fn ranges(groups: &[(u64, &str, &str, u64)]) -> ActorRanges {
        ActorRanges {
            location: "events.parquet".into(),
            column: "user_id".into(),
            index: 1,
            groups: groups
                .iter()
                .map(|&(rows, min, max, nulls)| GroupBounds {
                    rows,
                    min: (!min.is_empty()).then(|| text(min)).flatten(),
                    max: (!max.is_empty()).then(|| text(max)).flatten(),
                    nulls: Some(nulls),
                })
                .collect(),
        }
    }

    #[test]
    fn cuts_where_no_actor_crosses() {
        let r = ranges(&[
            (10, "u1", "u3", 0),
            (10, "u3", "u5", 0),
            (10, "u6", "u8", 0),
            (10, "u9", "u9", 0),
        ]);
        let p = r.partitions(2).unwrap();
        // u3 crosses the first boundary: the only even cut is after two groups.
        assert_eq!(p.row_groups, vec![0..2, 2..4]);
        assert_eq!(p.split_points, vec![text("u6").unwrap()]);
        let p = r.partitions(4).unwrap();
        assert_eq!(p.row_groups, vec![0..2, 2..3, 3..4]);
        assert!(r.partitioning(&p).is_some());
    }

    #[test]
    fn no_ranges_without_a_clean_cut() {
        let r = ranges(&[
            (10, "u1", "u3", 0),
            (10, "u3", "u3", 0),
            (10, "u3", "u4", 0),
        ]);
        assert_eq!(r.partitions(2), None);
        // Unsorted groups overlap.
        let r = ranges(&[(10, "u5", "u9", 0), (10, "u1", "u4", 0)]);
        assert_eq!(r.partitions(2), None);
        // One partition asked for, or one group.
        let r = ranges(&[(10, "u1", "u2", 0), (10, "u3", "u4", 0)]);
        assert_eq!(r.partitions(1), None);
        assert_eq!(ranges(&[(10, "u1", "u2", 0)]).partitions(2), None);
    }

    #[test]
    fn nulls_stay_in_the_last_partition() {
        let r = ranges(&[(10, "u1", "u2", 0), (10, "u3", "u4", 2), (10, "", "", 10)]);
        let p = r.partitions(3).unwrap();
        assert_eq!(p.row_groups, vec![0..1, 1..3]);
        // A group without statistics stops every cut after it.
        let mut r = ranges(&[
            (10, "u1", "u2", 0),
            (10, "u3", "u4", 0),
            (10, "u5", "u6", 0),
        ]);
        r.groups[1].max = None;
        assert_eq!(r.partitions(3).unwrap().row_groups, vec![0..1, 1..3]);
        r.groups[0].nulls = None;
        assert_eq!(r.partitions(3), None);
    }
}

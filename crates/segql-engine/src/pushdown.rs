//! Filter pushdown into the Parquet reader, decided per query.
//!
//! With pushdown, the reader evaluates the scan's filter while decoding: it
//! decodes the filter's columns first (the event type and name a step
//! compares), and the other columns (user and session ids, times) only for
//! the rows that pass. Measured on the benchmark's shapes (BENCHMARKS.md,
//! "Filter pushdown"), that costs more than it saves whenever the filter
//! keeps any scattered part of the events (1.3 to 2 times the time, even
//! at half a percent of them): the reader then decodes in many short runs.
//! It saves only where a filter keeps next to nothing. So `auto`, the
//! default, leaves it off, and `--pushdown on` turns it on for a run.
//! DataFusion's setting is one per session; segql sets it on each query's
//! copy of the session state.

use crate::engine::FilterPushdown;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::physical_plan::{FileScanConfigBuilder, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result;
use datafusion::execution::SessionState;
use datafusion::physical_expr::utils::{conjunction_opt, split_conjunction};
use datafusion::physical_expr::{PhysicalExpr, expressions::IsNotNullExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use std::sync::Arc;

/// Sets the session's pushdown for one query as the engine's setting says.
pub(crate) fn configure(state: &mut SessionState) {
    let setting = state
        .config()
        .get_extension::<FilterPushdown>()
        .map_or(FilterPushdown::Auto, |s| *s);
    let on = match setting {
        FilterPushdown::On => true,
        FilterPushdown::Off | FilterPushdown::Auto => false,
    };
    let parquet = &mut state.config_mut().options_mut().execution.parquet;
    parquet.pushdown_filters = on;
    // The filter's conjuncts in the order `SelectiveFiltersFirst` gives
    // them. DataFusion's reordering by column size would put a sorted id
    // column's small null test first, decoding the ids of every event.
    parquet.reorder_filters = false;
}

/// Orders the conjuncts of each Parquet scan's predicate so that the
/// reader evaluates the selective ones first: comparisons (a step's type
/// and name) before null tests (a user, a session), each kept once. With
/// pushdown, each conjunct decodes its columns only for the rows the ones
/// before it kept, so a null test on the user id placed first would decode
/// every event's id.
#[derive(Debug, Default)]
pub struct SelectiveFiltersFirst;

impl PhysicalOptimizerRule for SelectiveFiltersFirst {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(scan) = crate::parquet_scan::file_scan(&node) else {
                return Ok(Transformed::no(node));
            };
            let Some(parquet) = scan.file_source().downcast_ref::<ParquetSource>() else {
                return Ok(Transformed::no(node));
            };
            let Some(predicate) = parquet.filter() else {
                return Ok(Transformed::no(node));
            };
            let conjuncts = split_conjunction(&predicate);
            let mut ordered: Vec<Arc<dyn PhysicalExpr>> = Vec::with_capacity(conjuncts.len());
            let (tests, comparisons): (Vec<_>, Vec<_>) = conjuncts
                .into_iter()
                .partition(|c| c.downcast_ref::<IsNotNullExpr>().is_some());
            for conjunct in comparisons.into_iter().chain(tests) {
                if !ordered.iter().any(|o| o.as_ref() == conjunct.as_ref()) {
                    ordered.push(Arc::clone(conjunct));
                }
            }
            let Some(reordered) = conjunction_opt(ordered) else {
                return Ok(Transformed::no(node));
            };
            if reordered.as_ref() == predicate.as_ref() {
                return Ok(Transformed::no(node));
            }
            let source: Arc<dyn FileSource> = Arc::new(parquet.with_predicate(reordered));
            let config = FileScanConfigBuilder::from(scan.clone())
                .with_source(source)
                .build();
            Ok(Transformed::yes(DataSourceExec::from_data_source(config)))
        })
        .data()
    }

    fn name(&self) -> &str {
        "segql_selective_filters_first"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

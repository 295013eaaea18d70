//! Questions about the data itself rather than a segql text: how many rows
//! a table has, and which event names are most frequent (what the REPL's
//! `.tables` and its completion show), and when the newest event happened
//! (where a retention's observed periods end, and what relative ranges are
//! checked against).

use crate::Engine;
use crate::outcome::{first_count, first_value};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, cast, ident, lit};
use segql_planner::{Catalog, NameColumn, TableRole};
use segql_syntax::{Diagnostic, codes};

/// An event name of the data, with its event type when the data has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName {
    pub event_type: Option<String>,
    pub name: String,
}

impl Engine {
    /// The time of the newest event in microseconds since the epoch; None
    /// without events. Read from the data once per engine.
    pub async fn newest_event_micros(&self) -> Result<Option<i64>, Diagnostic> {
        if let Some(newest) = self.newest_event.get() {
            return Ok(*newest);
        }
        let plan = segql_planner::plan_last_event_time(self)?;
        let newest = first_value(&self.execute(plan).await?);
        Ok(*self.newest_event.get_or_init(|| newest))
    }

    /// The number of rows of a table (Parquet files answer from their
    /// metadata); 0 for a table the engine does not have.
    pub async fn row_count(&self, role: TableRole) -> Result<i64, Diagnostic> {
        let Some(entry) = self.table(role) else {
            return Ok(0);
        };
        let plan = LogicalPlanBuilder::scan(entry.name.as_str(), entry.source.clone(), None)
            .and_then(|b| b.aggregate(Vec::<Expr>::new(), vec![count(lit(1))]))
            .and_then(LogicalPlanBuilder::build)
            .map_err(|e| Diagnostic::error(codes::INTERNAL, format!("cannot count rows: {e}")))?;
        Ok(first_count(&self.execute(plan).await?))
    }

    /// The `most` most frequent event names with their types. With a
    /// mapping that reads names from one column per event type, names come
    /// from its default column only.
    pub async fn event_names(&self, most: usize) -> Result<Vec<EventName>, Diagnostic> {
        let entry = self
            .table(TableRole::Events)
            .ok_or_else(|| Diagnostic::error(codes::MISSING_TABLE, "no events table"))?;
        let mapping = self.mapping();
        let name_column = match &mapping.name {
            NameColumn::Single(column) => column.clone(),
            NameColumn::PerType {
                default: Some(column),
                ..
            } => column.clone(),
            NameColumn::PerType { default: None, .. } => return Ok(Vec::new()),
        };
        let type_column = mapping.column(TableRole::Events, "event_type");
        let schema = entry.schema();
        if schema.field_with_name(&name_column).is_err() {
            return Ok(Vec::new());
        }
        let has_type = schema.field_with_name(&type_column).is_ok();
        let mut keys = vec![cast(ident(&name_column), DataType::Utf8).alias("name")];
        if has_type {
            keys.push(cast(ident(&type_column), DataType::Utf8).alias("event_type"));
        }
        let plan = LogicalPlanBuilder::scan(entry.name.as_str(), entry.source.clone(), None)
            .and_then(|b| b.aggregate(keys, vec![count(lit(1)).alias("n")]))
            .and_then(|b| {
                b.sort(vec![
                    ident("n").sort(false, false),
                    ident("name").sort(true, false),
                ])
            })
            .and_then(|b| b.limit(0, Some(most)))
            .and_then(LogicalPlanBuilder::build)
            .map_err(|e| {
                Diagnostic::error(codes::INTERNAL, format!("cannot list event names: {e}"))
            })?;
        let mut names = Vec::new();
        for batch in self.execute(plan).await? {
            let Some(name) = batch.column(0).as_string_opt::<i32>() else {
                continue;
            };
            let event_type = if has_type {
                batch.column(1).as_string_opt::<i32>()
            } else {
                None
            };
            for row in 0..batch.num_rows() {
                if name.is_null(row) {
                    continue;
                }
                names.push(EventName {
                    event_type: event_type
                        .filter(|t| !t.is_null(row))
                        .map(|t| t.value(row).to_string()),
                    name: name.value(row).to_string(),
                });
            }
        }
        Ok(names)
    }
}

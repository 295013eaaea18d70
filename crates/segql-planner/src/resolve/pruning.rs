//! The mapping's `[events] partition_date` (pruning by time): the events
//! must have the column, holding days as `YYYY-MM-DD` text or dates.

use super::Resolver;
use super::identity::missing_mapped_column;
use crate::catalog::TableEntry;
use datafusion_common::arrow::datatypes::DataType;
use segql_syntax::{Diagnostic, codes};

impl Resolver<'_> {
    pub(super) fn check_partition_date(
        &self,
        events: &TableEntry,
        column: &str,
    ) -> Result<(), Diagnostic> {
        let schema = events.schema();
        let Ok(field) = schema.field_with_name(column) else {
            return Err(missing_mapped_column(
                events,
                column,
                ("its partition date", "[events] partition_date"),
                "names the column (a folder key like date=2026-11-01) that holds each event's UTC day",
                "read the partitioned folder itself (--events events/), or leave partition_date out",
            ));
        };
        if matches!(
            field.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Date32
        ) {
            return Ok(());
        }
        Err(Diagnostic::error(
            codes::WRONG_COLUMN_TYPE,
            format!(
                "column `{column}` of the events table ({}) is {}, but the partition date ([events] partition_date) must hold dates or YYYY-MM-DD text",
                events.origin,
                field.data_type()
            ),
        )
        .with_help("name another column in the schema mapping, or leave partition_date out"))
    }
}

//! Identity stitching's column (LANGUAGE.md §10, `[identity] anonymous_id`):
//! the events must have it, as text or integers, before any data is read.

use super::Resolver;
use crate::catalog::TableEntry;
use datafusion_common::arrow::datatypes::DataType;
use segql_syntax::{Diagnostic, codes, did_you_mean};

impl Resolver<'_> {
    /// The anonymous-id column the mapping names is a column of the events
    /// holding text or integers (or nothing at all: a CSV column without
    /// values, which stitches nothing).
    pub(super) fn check_anonymous_id(
        &self,
        events: &TableEntry,
        column: &str,
    ) -> Result<(), Diagnostic> {
        let schema = events.schema();
        let Ok(field) = schema.field_with_name(column) else {
            return Err(missing_mapped_column(
                events,
                column,
                ("the anonymous id", "[identity] anonymous_id"),
                "stitches anonymous events to their users by this column",
                "name the events column that holds anonymous ids: [identity] anonymous_id = \"your_column\"",
            ));
        };
        let data_type = match field.data_type() {
            DataType::Dictionary(_, value) => value.as_ref(),
            other => other,
        };
        let usable = matches!(
            data_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
        ) || data_type.is_integer();
        if usable {
            return Ok(());
        }
        Err(Diagnostic::error(
            codes::WRONG_COLUMN_TYPE,
            format!(
                "column `{column}` of the events table ({}) is {}, but the anonymous id ([identity] anonymous_id) must be text or an integer",
                events.origin,
                field.data_type()
            ),
        )
        .with_help("convert the column, or name another one in the schema mapping"))
    }
}

/// An events column that the schema mapping names (as `role`, under the
/// setting `key`) but the events lack, with the closest name as a hint.
pub(super) fn missing_mapped_column(
    events: &TableEntry,
    column: &str,
    (role, key): (&str, &str),
    does: &str,
    otherwise: &str,
) -> Diagnostic {
    let schema = events.schema();
    let d = Diagnostic::error(
        codes::MISSING_COLUMN,
        format!(
            "the events table ({}) has no column `{column}`, which the schema mapping names as {role}",
            events.origin
        ),
    )
    .with_note(format!("{key} = \"{column}\" {does}"));
    let names = schema.fields().iter().map(|f| f.name().as_str());
    match did_you_mean(column, names) {
        Some(close) => d.with_help(format!(
            "did you mean `{close}`? write {key} = \"{close}\" in the schema mapping"
        )),
        None => d.with_help(otherwise.to_string()),
    }
}

//! Columns: binds a name of the text to a column of the events or of a
//! profile table, through the schema mapping (the model's event columns
//! read their normalized forms, `geo.country` reads a struct field), and
//! checks before anything else that the events table has what every query
//! needs. Unknown and missing columns are reported with the table's file
//! and a close name.

use super::Resolver;
use crate::catalog::{NameColumn, TableEntry, TableRole};
use crate::ir::{ByColumn, BySource};
use crate::names;
use datafusion_common::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion_expr::{Expr, col};
use segql_syntax::{Audience, Diagnostic, Ident, codes, did_you_mean, quoted};
use std::sync::Arc;

/// The kind of values a column holds, as far as literals are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueKind {
    Text,
    Number,
    Bool,
    /// A date or timestamp column, compared as a UTC timestamp (a date in
    /// a reporting time zone: as its local midnight, [`Resolver::local_dates`]).
    Time,
    /// The event time, already microseconds since the epoch.
    EventTime,
    Other,
}

impl ValueKind {
    pub(super) fn of(data_type: &DataType) -> ValueKind {
        match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ValueKind::Text,
            DataType::Dictionary(_, value) => ValueKind::of(value),
            DataType::Boolean => ValueKind::Bool,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => ValueKind::Time,
            t if t.is_numeric() => ValueKind::Number,
            _ => ValueKind::Other,
        }
    }

    pub(super) fn describe(self, data_type: &DataType) -> String {
        match self {
            ValueKind::Text => "text".into(),
            ValueKind::Number => format!("a number ({data_type})"),
            ValueKind::Bool => "a boolean".into(),
            ValueKind::Time | ValueKind::EventTime => "a date or timestamp".into(),
            ValueKind::Other => format!("{data_type}"),
        }
    }
}

/// A required column missing from a table: names the file and the column,
/// and suggests a close name to map.
fn missing_column(role: TableRole, table: &TableEntry, model: &str, column: &str) -> Diagnostic {
    let schema = table.schema();
    let what = match role {
        TableRole::Events => "each event",
        TableRole::Users => "each user",
        TableRole::Accounts => "each account",
    };
    let d = Diagnostic::error(
        codes::MISSING_COLUMN,
        format!(
            "the {} table ({}) has no column `{column}`",
            role.name(),
            table.origin
        ),
    )
    .with_note(format!("segql reads the {model} of {what} from `{column}`"));
    let section = role.name();
    match did_you_mean(column, schema.fields().iter().map(|f| f.name().as_str())) {
        Some(s) => d.with_help(format!(
            "did you mean `{s}`? map it with a schema file: [{section}] {model} = \"{s}\""
        )),
        None => d.with_help(format!(
            "map the column that holds it with --schema MAP.toml: [{section}] {model} = \"your_column\""
        )),
    }
}

/// A column bound to a table.
pub(super) struct BoundColumn {
    pub(super) expr: Expr,
    pub(super) kind: ValueKind,
    pub(super) data_type: DataType,
}

impl Resolver<'_> {
    /// The events table must exist and have the model's required columns
    /// with usable types. These are data errors: they name file and column.
    pub(super) fn check_events_table(&self) -> Result<(), Diagnostic> {
        let Some(events) = self.table(TableRole::Events) else {
            return Err(Diagnostic::error(codes::MISSING_TABLE, "no events table was given")
                .with_help("pass --events FILE or --data DIR (a folder with events.parquet, .csv or .ndjson)"));
        };
        let schema = events.schema();
        let mapping = self.catalog.mapping();
        let mut required = vec![
            ("timestamp", mapping.column(TableRole::Events, "timestamp")),
            ("user_id", mapping.column(TableRole::Events, "user_id")),
            (
                "event_type",
                mapping.column(TableRole::Events, "event_type"),
            ),
        ];
        match &mapping.name {
            NameColumn::Single(name) => required.push(("name", name.clone())),
            NameColumn::PerType { columns, default } => {
                for c in columns.values().chain(default.iter()) {
                    required.push(("name", c.clone()));
                }
            }
        }
        for (model, column) in &required {
            let Ok(field) = schema.field_with_name(column) else {
                return Err(missing_column(TableRole::Events, &events, model, column));
            };
            if field.data_type() == &DataType::Null {
                // CSV and NDJSON infer a column's type from its values: a
                // file with a header and no rows has none.
                return Err(Diagnostic::error(
                    codes::EMPTY_EVENTS,
                    format!("the events table ({}) has no rows", events.origin),
                )
                .with_note(format!("column `{column}` has no values to read"))
                .with_help("segments are computed from events: check that the file holds data"));
            }
            let ok = match *model {
                "timestamp" => matches!(
                    field.data_type(),
                    DataType::Timestamp(_, _)
                        | DataType::Int64
                        | DataType::Date32
                        | DataType::Date64
                        | DataType::Utf8
                        | DataType::LargeUtf8
                        | DataType::Utf8View
                ),
                "user_id" => {
                    matches!(
                        ValueKind::of(field.data_type()),
                        ValueKind::Text | ValueKind::Number
                    ) && !field.data_type().is_floating()
                }
                _ => ValueKind::of(field.data_type()) == ValueKind::Text,
            };
            if !ok {
                let want = match *model {
                    "timestamp" => "a timestamp, epoch milliseconds (int64) or RFC 3339 text",
                    "user_id" => "text or an integer",
                    _ => "text",
                };
                return Err(Diagnostic::error(
                    codes::WRONG_COLUMN_TYPE,
                    format!(
                        "column `{column}` of the events table ({}) is {}, but the {model} must be {want}",
                        events.origin,
                        field.data_type()
                    ),
                )
                .with_help("convert the column, or map another column with --schema"));
            }
        }
        // Sessions may be null, even all of them, but the column is one of
        // the model's (only `account_id` is optional): a missing one is more
        // often a mapping's typo than data without sessions. Derived
        // sessions (LANGUAGE.md §10) need none.
        let session = mapping.column(TableRole::Events, "session_id");
        if mapping.sessions.is_none() && schema.field_with_name(&session).is_err() {
            let d = missing_column(TableRole::Events, &events, "session_id", &session).with_note(
                "events without a session may leave it empty: a null session never satisfies `within session`",
            );
            let help = d.help.clone().unwrap_or_default();
            return Err(d.with_help(format!(
                "{help}, or derive sessions from the gaps between each user's events with --sessions 30m"
            )));
        }
        if let Some(anonymous) = &mapping.anonymous_id {
            self.check_anonymous_id(&events, anonymous)?;
        }
        if let Some(partition) = &mapping.partition_date {
            self.check_partition_date(&events, partition)?;
        }
        // A profile table is joined by its key.
        for (role, key) in [
            (TableRole::Users, "user_id"),
            (TableRole::Accounts, "account_id"),
        ] {
            let Some(table) = self.table(role) else {
                continue;
            };
            let column = mapping.column(role, key);
            if table.schema().field_with_name(&column).is_err() {
                return Err(missing_column(role, &table, key, &column));
            }
        }
        Ok(())
    }

    /// A `by` column: an event column when the events table has it, else a
    /// profile column of the audience.
    pub(super) fn by_column(
        &self,
        ident: &Ident,
        audience: Audience,
    ) -> Result<ByColumn, Diagnostic> {
        // Groups keep the column's own values: a date stays a date (bound
        // columns of dates compare as timestamps).
        let raw = |bound: BoundColumn| match bound.expr {
            Expr::Cast(c) if bound.kind == ValueKind::Time => *c.expr,
            other => other,
        };
        // The events' time is held as microseconds since the epoch: a group
        // shows it as the UTC timestamp it is.
        let event_value = |bound: BoundColumn| match bound.kind {
            ValueKind::EventTime => Expr::Cast(datafusion_expr::Cast::new(
                Box::new(bound.expr),
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            )),
            _ => raw(bound),
        };
        match self.column(TableRole::Events, ident).map(event_value) {
            Ok(expr) => Ok(ByColumn {
                name: ident.name.clone(),
                source: BySource::Event,
                expr,
            }),
            Err(event_error) => {
                let role = Self::profile_role(audience);
                let Some(profile) = self.table(role) else {
                    return Err(event_error);
                };
                match self.column(role, ident) {
                    Ok(bound) => Ok(ByColumn {
                        name: ident.name.clone(),
                        source: BySource::Profile,
                        expr: raw(bound),
                    }),
                    Err(_) => {
                        let d = Diagnostic::error(
                            codes::UNKNOWN_COLUMN,
                            format!(
                                "unknown column `{}`: neither the events table nor the {} table has it",
                                quoted(&ident.name),
                                role.name()
                            ),
                        )
                        .with_span(ident.span)
                        .with_label("not a column");
                        let events = self.table(TableRole::Events).map(|t| t.schema());
                        // The model's event columns answer to their own
                        // names whatever the mapping calls them.
                        let model = ["timestamp", "name", "event_type", "session_id"];
                        let names: Vec<String> = events
                            .iter()
                            .chain([&profile.schema()])
                            .flat_map(|schema| schema.fields().iter().map(|f| f.name().clone()))
                            .chain(model.map(String::from))
                            .collect();
                        Err(
                            match did_you_mean(&ident.name, names.iter().map(String::as_str)) {
                                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                                None => d.with_help(
                                    "`by` groups by an event column or a profile column",
                                ),
                            },
                        )
                    }
                }
            }
        }
    }

    /// Binds a column name of `role`'s table.
    pub(super) fn column(&self, role: TableRole, ident: &Ident) -> Result<BoundColumn, Diagnostic> {
        let table = self.table(role).ok_or_else(|| {
            let flag = match role {
                TableRole::Events => "--events",
                TableRole::Users => "--users",
                TableRole::Accounts => "--accounts",
            };
            Diagnostic::error(
                codes::MISSING_TABLE,
                format!(
                    "`{}` is a column of the {} table, but no {} table was given",
                    quoted(&ident.name),
                    role.name(),
                    role.name()
                ),
            )
            .with_span(ident.span)
            .with_label(format!("needs the {} table", role.name()))
            .with_help(format!(
                "pass {flag} FILE, or --data DIR with a file for the {} table",
                role.name()
            ))
        })?;
        let mapping = self.catalog.mapping();
        if role == TableRole::Events {
            // The model's event columns read their normalized forms.
            let normalized = match ident.name.as_str() {
                "timestamp" => Some((names::TS, ValueKind::EventTime, DataType::Int64)),
                "name" => Some((names::NAME, ValueKind::Text, DataType::Utf8)),
                "event_type" => Some((names::TYPE, ValueKind::Text, DataType::Utf8)),
                "session_id" => Some((names::SESSION, ValueKind::Text, DataType::Utf8)),
                _ => None,
            };
            if let Some((column, kind, data_type)) = normalized {
                return Ok(BoundColumn {
                    expr: col(column),
                    kind,
                    data_type,
                });
            }
        }
        let schema = table.schema();
        let mapped = mapping.column(role, &ident.name);
        if let Ok(field) = schema.field_with_name(&mapped) {
            return Ok(bound(
                Expr::Column(datafusion_common::Column::new_unqualified(mapped.clone())),
                field,
            ));
        }
        if !ident.quoted
            && let Some(found) = struct_path(&schema, &ident.name)
        {
            return Ok(found);
        }
        Err(self.unknown_column(role, &table, ident))
    }

    /// A date column compares as local midnight of the reporting time zone
    /// (LANGUAGE.md §10): the first instant of its local day, a timestamp
    /// of that zone. Timestamps keep their instants; in UTC a date is read
    /// as UTC midnight, as [`bound`] does.
    pub(super) fn local_dates(&self, mut column: BoundColumn) -> BoundColumn {
        let zone = &self.options.zone;
        if !zone.is_utc()
            && matches!(column.data_type, DataType::Date32 | DataType::Date64)
            && let Expr::Cast(cast) = column.expr
        {
            column.expr = crate::lower::date_start(*cast.expr, &column.data_type, zone);
        }
        column
    }

    fn unknown_column(&self, role: TableRole, table: &TableEntry, ident: &Ident) -> Diagnostic {
        let schema = table.schema();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_COLUMN,
            format!(
                "unknown column `{}` in the {} table ({})",
                quoted(&ident.name),
                role.name(),
                table.origin
            ),
        )
        .with_span(ident.span)
        .with_label(format!("not a column of {}", role.name()));
        let elsewhere = [TableRole::Events, TableRole::Users, TableRole::Accounts]
            .into_iter()
            .filter(|r| *r != role)
            .find(|r| {
                self.table(*r).is_some_and(|t| {
                    t.schema()
                        .field_with_name(&self.catalog.mapping().column(*r, &ident.name))
                        .is_ok()
                })
            });
        if let Some(other) = elsewhere {
            let name = quoted(&ident.name);
            let help = match (role, other) {
                (TableRole::Events, _) => format!(
                    "`{}` is a column of the {} table, not of the events: close the behavior with parentheses and test it as a profile attribute, e.g. `(viewed \"/cart\") and have {} = ...`",
                    name,
                    other.name(),
                    name
                ),
                (_, TableRole::Events) => format!(
                    "`{}` is a column of the events, not of the {} table: filter the events of a step with `with`, e.g. `viewed \"/cart\" with {} = ...`",
                    name,
                    role.name(),
                    name
                ),
                _ => format!(
                    "`{}` is a column of the {} table, not of the {} table",
                    name,
                    other.name(),
                    role.name()
                ),
            };
            return d.with_help(help);
        }
        let fields: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        if let Some(s) = did_you_mean(&ident.name, fields.iter().copied()) {
            let written = if s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                s.to_string()
            } else {
                format!("`{s}`")
            };
            d = d.with_help(format!("did you mean `{written}`?"));
        } else {
            let shown: Vec<&str> = fields.iter().copied().take(12).collect();
            d = d.with_note(format!(
                "the {} table has: {}{}",
                role.name(),
                shown.join(", "),
                if fields.len() > 12 { ", ..." } else { "" }
            ));
        }
        d
    }
}

fn bound(expr: Expr, field: &Field) -> BoundColumn {
    let kind = ValueKind::of(field.data_type());
    let expr = match kind {
        // Dates and timestamps of any unit or zone compare as UTC
        // microseconds, like the literals they meet.
        ValueKind::Time => datafusion_expr::cast(
            expr,
            DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC"))),
        ),
        _ => expr,
    };
    BoundColumn {
        expr,
        kind,
        data_type: field.data_type().clone(),
    }
}

/// `geo.country` as the field `country` of a struct column `geo`.
fn struct_path(schema: &Schema, name: &str) -> Option<BoundColumn> {
    let mut parts = name.split('.');
    let first = parts.next()?;
    let field = schema.field_with_name(first).ok()?;
    let mut expr = Expr::Column(datafusion_common::Column::new_unqualified(first));
    let mut current = field.clone();
    for part in parts {
        let DataType::Struct(children) = current.data_type() else {
            return None;
        };
        let child = children.iter().find(|c| c.name() == part)?;
        expr = datafusion_functions::core::expr_fn::get_field(expr, part);
        current = child.as_ref().clone();
    }
    Some(bound(expr, &current))
}

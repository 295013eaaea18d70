//! The schema mapping file (LANGUAGE.md §8): a TOML file that maps the
//! model's names to a dataset's.
//!
//! ```toml
//! [events]
//! user_id = "@usr.id"
//! session_id = "@session.id"
//! name = { view = "@view.url_path", action = "@action.target.name", error = "@error.message" }
//! [users]
//! email = "@usr.email"
//! [event_types]
//! view = "page_view"
//! ```
//!
//! A top-level `time_zone = "Europe/Berlin"` (before the first section)
//! sets the reporting time zone when `--time-zone` is not given.

use segql_planner::{NameColumn, SchemaMapping};
use segql_syntax::{Diagnostic, codes};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads and checks a mapping file. Unknown sections and values of the wrong
/// shape are errors naming the file and the key.
pub fn load(path: &Path) -> Result<SchemaMapping, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read the schema mapping `{}`: {e}", path.display()),
        )
    })?;
    let mapping = parse(&text).map_err(|message| {
        Diagnostic::error(
            codes::DATA_ERROR,
            format!("the schema mapping `{}` is not valid: {message}", path.display()),
        )
        .with_help("see the README: [events], [users], [accounts] map model names to your columns; [event_types] renames event types")
    })?;
    // An unknown zone is an argument error (LANGUAGE.md §10), as on the
    // command line.
    mapping.reporting_zone(None).map_err(|unknown| {
        unknown.diagnostic(&format!(
            "the schema mapping `{}`: time_zone",
            path.display()
        ))
    })?;
    Ok(mapping)
}

/// Parses mapping text.
pub fn parse(text: &str) -> Result<SchemaMapping, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    let mut mapping = SchemaMapping::default();
    for (section, value) in &table {
        if section == "time_zone" {
            let zone = value.as_str().ok_or(
                "time_zone must be a zone name in quotes, e.g. time_zone = \"Europe/Berlin\"",
            )?;
            mapping.time_zone = Some(zone.to_string());
            continue;
        }
        let entries = value
            .as_table()
            .ok_or_else(|| format!("`{section}` must be a section like [{section}]"))?;
        match section.as_str() {
            "events" => {
                for (key, value) in entries {
                    if key == "name" {
                        mapping.name = name_column(value)?;
                    } else {
                        mapping
                            .events
                            .insert(key.clone(), string(section, key, value)?);
                    }
                }
            }
            "users" => mapping.users = strings(section, entries)?,
            "accounts" => mapping.accounts = strings(section, entries)?,
            "event_types" => mapping.event_types = strings(section, entries)?,
            other => {
                return Err(format!(
                    "unknown section [{other}]; the sections are [events], [users], [accounts] and [event_types]"
                ));
            }
        }
    }
    Ok(mapping)
}

fn string(section: &str, key: &str, value: &toml::Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("[{section}] {key} must be a column name in quotes"))
}

fn strings(section: &str, entries: &toml::Table) -> Result<BTreeMap<String, String>, String> {
    entries
        .iter()
        .map(|(k, v)| Ok((k.clone(), string(section, k, v)?)))
        .collect()
}

fn name_column(value: &toml::Value) -> Result<NameColumn, String> {
    if let Some(column) = value.as_str() {
        return Ok(NameColumn::Single(column.to_string()));
    }
    let per_type = value.as_table().ok_or_else(|| {
        "[events] name must be a column name, or a table of columns by event type".to_string()
    })?;
    let mut columns = BTreeMap::new();
    let mut default = None;
    for (event_type, column) in per_type {
        let column = string("events", &format!("name.{event_type}"), column)?;
        if event_type == "default" {
            default = Some(column);
        } else {
            columns.insert(event_type.clone(), column);
        }
    }
    Ok(NameColumn::PerType { columns, default })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datadog_rum_mapping() {
        let mapping = parse(
            r#"
[events]
user_id = "@usr.id"
session_id = "@session.id"
name = { view = "@view.url_path", action = "@action.target.name", error = "@error.message" }
[users]
email = "@usr.email"
[event_types]
view = "page_view"
"#,
        )
        .unwrap();
        assert_eq!(mapping.events["user_id"], "@usr.id");
        assert_eq!(mapping.users["email"], "@usr.email");
        assert_eq!(mapping.event_types["view"], "page_view");
        match &mapping.name {
            NameColumn::PerType { columns, default } => {
                assert_eq!(columns["view"], "@view.url_path");
                assert_eq!(columns.len(), 3);
                assert!(default.is_none());
            }
            other => panic!("expected per-type names, got {other:?}"),
        }
    }

    #[test]
    fn a_time_zone_at_the_top() {
        let mapping = parse("time_zone = \"Europe/Berlin\"\n[events]\nuser_id = \"uid\"").unwrap();
        assert_eq!(mapping.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(mapping.events["user_id"], "uid");
        assert!(parse("time_zone = 3").unwrap_err().contains("time_zone"));
        // Inside a section it is a column mapping like any other key.
        let mapping = parse("[events]\ntime_zone = \"tz\"").unwrap();
        assert_eq!(mapping.time_zone, None);
    }

    #[test]
    fn errors_name_the_key() {
        assert!(
            parse("[events]\nuser_id = 3")
                .unwrap_err()
                .contains("[events] user_id")
        );
        assert!(
            parse("[tables]\nx = \"y\"")
                .unwrap_err()
                .contains("unknown section [tables]")
        );
        assert!(parse("events = 1").unwrap_err().contains("section"));
    }
}

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
//! [sessions]
//! inactivity = "30m"
//! max_length = "24h"
//! [identity]
//! anonymous_id = "anonymous_id"
//! ```
//!
//! A top-level `time_zone = "Europe/Berlin"` (before the first section)
//! sets the reporting time zone when `--time-zone` is not given.

use segql_planner::{DerivedSessions, NameColumn, SchemaMapping, session_duration};
use segql_syntax::{Diagnostic, codes};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads and checks a mapping file. Unknown sections and values of the wrong
/// shape are errors naming the file and the key.
pub fn load(path: &Path) -> Result<SchemaMapping, Diagnostic> {
    let shown = path.to_string_lossy();
    let text = if crate::stores::is_store_url(&shown) {
        let bytes = crate::stores::read_blocking("schema mapping", &shown, None)?;
        String::from_utf8(bytes).map_err(|_| {
            Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!("cannot read the schema mapping `{shown}`: it is not UTF-8 text"),
            )
        })?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!("cannot read the schema mapping `{}`: {e}", path.display()),
            )
        })?
    };
    let mapping = parse(&text).map_err(|message| {
        Diagnostic::error(
            codes::DATA_ERROR,
            format!("the schema mapping `{}` is not valid: {message}", path.display()),
        )
        .with_help("see the README: [events], [users], [accounts] map model names to your columns; [event_types] renames event types; [sessions] derives sessions, [identity] stitches anonymous events")
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
                    } else if key == "partition_date" {
                        mapping.partition_date = Some(string(section, key, value)?);
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
            "sessions" => mapping.sessions = Some(sessions(entries)?),
            "identity" => mapping.anonymous_id = Some(identity(entries)?),
            other => {
                return Err(format!(
                    "unknown section [{other}]; the sections are [events], [users], [accounts], [event_types], [sessions] and [identity]"
                ));
            }
        }
    }
    Ok(mapping)
}

/// `[sessions] inactivity = "30m"`, optionally `max_length = "24h"`
/// (LANGUAGE.md §10).
fn sessions(entries: &toml::Table) -> Result<DerivedSessions, String> {
    let duration = |key: &str| -> Result<Option<i64>, String> {
        entries
            .get(key)
            .map(|value| {
                let text = value.as_str().ok_or_else(|| {
                    format!("[sessions] {key} must be a duration in quotes, e.g. \"30m\"")
                })?;
                session_duration(text).map_err(|e| format!("[sessions] {key}: {e}"))
            })
            .transpose()
    };
    only_keys("sessions", entries, &["inactivity", "max_length"])?;
    let inactivity = duration("inactivity")?.ok_or(
        "[sessions] needs inactivity, the longest gap inside a session, e.g. inactivity = \"30m\"",
    )?;
    let sessions = DerivedSessions::new(inactivity);
    Ok(match duration("max_length")? {
        Some(max) => sessions.with_max_length(max),
        None => sessions,
    })
}

/// `[identity] anonymous_id = "COLUMN"` (LANGUAGE.md §10).
fn identity(entries: &toml::Table) -> Result<String, String> {
    only_keys("identity", entries, &["anonymous_id"])?;
    let value = entries.get("anonymous_id").ok_or(
        "[identity] needs anonymous_id, the events column of anonymous ids, e.g. anonymous_id = \"anonymous_id\"",
    )?;
    string("identity", "anonymous_id", value)
}

fn only_keys(section: &str, entries: &toml::Table, known: &[&str]) -> Result<(), String> {
    match entries.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(format!(
            "unknown key `{key}` in [{section}]; its keys are {}",
            known.join(" and ")
        )),
        None => Ok(()),
    }
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
    fn sessions_and_identity() {
        let mapping = parse(
            "[sessions]\ninactivity = \"30m\"\nmax_length = \"24 hours\"\n[identity]\nanonymous_id = \"anon\"",
        )
        .unwrap();
        assert_eq!(
            mapping.sessions,
            Some(DerivedSessions::new(1_800_000_000).with_max_length(86_400_000_000))
        );
        assert_eq!(mapping.anonymous_id.as_deref(), Some("anon"));
        let gaps_only = parse("[sessions]\ninactivity = \"2h\"").unwrap();
        assert_eq!(
            gaps_only.sessions,
            Some(DerivedSessions::new(7_200_000_000))
        );
        for (text, named) in [
            ("[sessions]\ninactivity = \"30x\"", "[sessions] inactivity"),
            ("[sessions]\ninactivity = 30", "[sessions] inactivity"),
            (
                "[sessions]\ninactivity = \"30m\"\nmax_length = \"1 month\"",
                "[sessions] max_length",
            ),
            (
                "[sessions]\nmax_length = \"2h\"",
                "[sessions] needs inactivity",
            ),
            (
                "[sessions]\ngap = \"2h\"",
                "unknown key `gap` in [sessions]",
            ),
            ("[identity]\nanonymous_id = 1", "[identity] anonymous_id"),
            ("[identity]\n", "[identity] needs anonymous_id"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(named), "{text}: {error}");
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

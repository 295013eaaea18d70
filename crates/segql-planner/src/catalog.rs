//! What the planner knows of the data: table schemas and how a dataset's
//! column names map to the model's (LANGUAGE.md §1, §8). No data is read
//! through a catalog.

use datafusion_common::arrow::datatypes::SchemaRef;
use datafusion_expr::TableSource;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The three tables of the data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableRole {
    Events,
    Users,
    Accounts,
}

impl TableRole {
    pub fn name(self) -> &'static str {
        match self {
            TableRole::Events => "events",
            TableRole::Users => "users",
            TableRole::Accounts => "accounts",
        }
    }
}

/// A table the planner can scan: the name it has in the plan, its source
/// (schema and, in an engine, the provider) and where it came from, for
/// messages.
#[derive(Clone)]
pub struct TableEntry {
    pub name: String,
    pub source: Arc<dyn TableSource>,
    /// The file, glob or folder it was read from ("events.parquet"), or a
    /// description ("the built-in demo dataset").
    pub origin: String,
}

impl TableEntry {
    pub fn schema(&self) -> SchemaRef {
        self.source.schema()
    }
}

impl std::fmt::Debug for TableEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableEntry")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish()
    }
}

/// Supplies schemas to the planner. An engine implements it over its
/// registered tables; tests implement it over in-memory schemas.
pub trait Catalog {
    /// The events, users or accounts table, if the dataset has it.
    fn table(&self, role: TableRole) -> Option<TableEntry>;

    /// The model-to-dataset column mapping.
    fn mapping(&self) -> &SchemaMapping;

    /// A CSV list for `in csv "path"`: its header is read, not its rows.
    fn csv(&self, path: &Path) -> Result<TableEntry, String>;
}

/// How `name` is found for an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameColumn {
    /// One column for every event type.
    Single(String),
    /// A column per event type (`view = "@view.url_path"`); types not listed
    /// read `default` when there is one.
    PerType {
        columns: BTreeMap<String, String>,
        default: Option<String>,
    },
}

/// Model names → dataset names (LANGUAGE.md §8). Unmapped names keep their
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaMapping {
    pub events: BTreeMap<String, String>,
    pub name: NameColumn,
    /// Model event type (`view`) → the value the dataset uses (`page_view`).
    pub event_types: BTreeMap<String, String>,
    pub users: BTreeMap<String, String>,
    pub accounts: BTreeMap<String, String>,
}

impl Default for SchemaMapping {
    fn default() -> Self {
        SchemaMapping {
            events: BTreeMap::new(),
            name: NameColumn::Single("name".into()),
            event_types: BTreeMap::new(),
            users: BTreeMap::new(),
            accounts: BTreeMap::new(),
        }
    }
}

impl SchemaMapping {
    /// The dataset's column for a model column of `role`.
    pub fn column(&self, role: TableRole, model: &str) -> String {
        let map = match role {
            TableRole::Events => &self.events,
            TableRole::Users => &self.users,
            TableRole::Accounts => &self.accounts,
        };
        map.get(model).cloned().unwrap_or_else(|| model.to_string())
    }

    /// The value of `event_type` the dataset uses for a model event type.
    pub fn event_type(&self, model: &str) -> String {
        self.event_types
            .get(model)
            .cloned()
            .unwrap_or_else(|| model.to_string())
    }
}

//! What the planner knows of the data: table schemas and how a dataset's
//! column names map to the model's (LANGUAGE.md §1, §8). No data is read
//! through a catalog.

use crate::model::DerivedSessions;
use crate::zone::{ReportingZone, UnknownZone};
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
    /// `[sessions]`: sessions derived from gaps replace `session_id`.
    pub sessions: Option<DerivedSessions>,
    /// `[identity] anonymous_id`: the events column whose values stitch
    /// anonymous events to the user first seen with them.
    pub anonymous_id: Option<String>,
    /// The top-level `time_zone = "Europe/Berlin"` as written: the
    /// reporting time zone when no `--time-zone` is given (LANGUAGE.md
    /// §10). [`SchemaMapping::reporting_zone`] reads it.
    pub time_zone: Option<String>,
    /// `[events] partition_date`: the column (a Hive partition key, or a
    /// stored one) holding each event's UTC day, `YYYY-MM-DD` text or a
    /// date; time ranges then prune by it.
    pub partition_date: Option<String>,
}

impl Default for SchemaMapping {
    fn default() -> Self {
        SchemaMapping {
            events: BTreeMap::new(),
            name: NameColumn::Single("name".into()),
            event_types: BTreeMap::new(),
            users: BTreeMap::new(),
            accounts: BTreeMap::new(),
            sessions: None,
            anonymous_id: None,
            time_zone: None,
            partition_date: None,
        }
    }
}

impl SchemaMapping {
    /// The reporting time zone: `given` (the command line's `--time-zone`,
    /// an embedder's option) wins over the mapping's `time_zone`; neither
    /// is UTC. An unknown `time_zone` is an error.
    pub fn reporting_zone(
        &self,
        given: Option<&ReportingZone>,
    ) -> Result<ReportingZone, UnknownZone> {
        match (given, &self.time_zone) {
            (Some(zone), _) => Ok(zone.clone()),
            (None, Some(text)) => ReportingZone::parse(text),
            (None, None) => Ok(ReportingZone::utc()),
        }
    }

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

/// Reads the header of a CSV list (`in csv "file"`) into a scannable table.
/// A planner cannot read files itself: an engine supplies this.
pub type CsvReader = dyn Fn(&Path) -> Result<TableEntry, String> + Send + Sync;

/// The names a host gives the three tables (`events`, `users`, `accounts`
/// unless told otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub events: String,
    pub users: String,
    pub accounts: String,
}

impl Default for TableNames {
    fn default() -> Self {
        TableNames {
            events: TableRole::Events.name().into(),
            users: TableRole::Users.name().into(),
            accounts: TableRole::Accounts.name().into(),
        }
    }
}

impl TableNames {
    pub fn get(&self, role: TableRole) -> &str {
        match role {
            TableRole::Events => &self.events,
            TableRole::Users => &self.users,
            TableRole::Accounts => &self.accounts,
        }
    }
}

/// A [`Catalog`] made of table sources a host already has: the way another
/// engine plans segments against its own registered tables.
///
/// ```
/// use datafusion_common::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
/// use datafusion_expr::logical_plan::builder::LogicalTableSource;
/// use segql_planner::{Catalog, TableCatalog, TableEntry, TableRole};
/// use std::sync::Arc;
///
/// let events = Schema::new(vec![
///     Field::new("user_id", DataType::Utf8, false),
///     Field::new("timestamp", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
///     Field::new("event_type", DataType::Utf8, false),
///     Field::new("name", DataType::Utf8, true),
/// ]);
/// let catalog = TableCatalog::new().with_table(
///     TableRole::Events,
///     TableEntry {
///         name: "events".into(),
///         source: Arc::new(LogicalTableSource::new(Arc::new(events))),
///         origin: "the host's events table".into(),
///     },
/// );
/// assert!(catalog.table(TableRole::Events).is_some());
/// assert!(catalog.table(TableRole::Users).is_none());
/// ```
///
/// [`TableCatalog::from_provider`] builds one from any DataFusion
/// `ContextProvider` (what a SQL front end plans with).
#[derive(Clone, Default)]
pub struct TableCatalog {
    tables: BTreeMap<TableRole, TableEntry>,
    mapping: SchemaMapping,
    csv_reader: Option<Arc<CsvReader>>,
}

impl std::fmt::Debug for TableCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableCatalog")
            .field("tables", &self.tables)
            .field("mapping", &self.mapping)
            .field("reads_csv", &self.csv_reader.is_some())
            .finish()
    }
}

impl TableCatalog {
    /// A catalog with no tables: add them with [`TableCatalog::with_table`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The tables `names` names, as `provider` resolves them; a name it does
    /// not know leaves that table out (a dataset without accounts).
    pub fn from_provider(
        provider: &dyn datafusion_expr::planner::ContextProvider,
        names: &TableNames,
    ) -> Self {
        let mut catalog = TableCatalog::new();
        for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
            let name = names.get(role);
            let reference = datafusion_common::TableReference::from(name);
            if let Ok(source) = provider.get_table_source(reference) {
                catalog = catalog.with_table(
                    role,
                    TableEntry {
                        name: name.to_string(),
                        source,
                        origin: format!("the table `{name}`"),
                    },
                );
            }
        }
        catalog
    }

    /// The tables, in the order of their roles.
    pub fn tables(&self) -> impl Iterator<Item = &TableEntry> {
        self.tables.values()
    }

    /// The tables, to rename their origins (a host's own words for them).
    pub fn tables_mut(&mut self) -> impl Iterator<Item = &mut TableEntry> {
        self.tables.values_mut()
    }

    /// Adds (or replaces) the table of `role`.
    pub fn with_table(mut self, role: TableRole, entry: TableEntry) -> Self {
        self.tables.insert(role, entry);
        self
    }

    /// Maps the model's column names to the tables' (LANGUAGE.md §8).
    pub fn with_mapping(mut self, mapping: SchemaMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// The mapping, for what a host's own settings override in it
    /// (`--sessions` over `[sessions]`).
    pub fn mapping_mut(&mut self) -> &mut SchemaMapping {
        &mut self.mapping
    }

    /// Lets `in csv "file"` lists be planned: `reader` turns a file into a
    /// table. Without one, a CSV list is an error.
    pub fn with_csv_reader(mut self, reader: Arc<CsvReader>) -> Self {
        self.csv_reader = Some(reader);
        self
    }
}

impl Catalog for TableCatalog {
    fn table(&self, role: TableRole) -> Option<TableEntry> {
        self.tables.get(&role).cloned()
    }

    fn mapping(&self) -> &SchemaMapping {
        &self.mapping
    }

    fn csv(&self, path: &Path) -> Result<TableEntry, String> {
        match &self.csv_reader {
            Some(read) => read(path),
            None => {
                Err("this catalog cannot read CSV lists (it was built without a CSV reader)".into())
            }
        }
    }
}

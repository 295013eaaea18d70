//! segql inside another engine: compile a text against the host's own
//! tables into a DataFusion `LogicalPlan`, and run it in the host's own
//! `SessionContext`.
//!
//! ```text
//! host's SessionContext ──catalog_from_context──▶ TableCatalog
//! text + TableCatalog + CompileOptions ──compile──▶ LogicalPlan ──host runs it──▶ batches
//! ```
//!
//! By default [`compile`] returns the portable plan: standard relational
//! operators (window functions, joins, aggregates) that any session runs and
//! DataFusion's unparser turns into SQL. The native sequence operators
//! (one pass per actor in time order, much faster on long sequences and
//! funnels) are opt-in: [`CompileOptions::native`] asks the planner to use
//! them, sized to the host's session. They are aggregate functions carried
//! inside the plan, each with its own pattern, so the host's session has
//! nothing to register; the plans need no session option either.

use crate::{Diagnostic, Library, Span, codes};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::provider_as_source;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder, col};
use datafusion::prelude::SessionContext;
use segql_engine::{CheckedText, MemberRows, Now, Runner, Statements};
use segql_planner::{
    Catalog, DerivedSessions, PlanOptions, Query, QueryKind, ReportingZone, SchemaMapping,
    SequenceEngine, TableCatalog, TableEntry, TableNames, TableRole,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How [`compile`] plans a text.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// `now` for relative ranges (`during last 7 days`), in microseconds
    /// since the epoch; `None` takes the wall clock at compile time.
    pub now_micros: Option<i64>,
    /// The folder `in csv "file"` paths are relative to.
    pub base_dir: PathBuf,
    /// The portable lowering (the default) or the native operators.
    pub engine: SequenceEngine,
    /// With the native operators: the partitions (threads) actors are
    /// spread over, usually the host session's target partitions.
    pub partitions: usize,
    /// Segment definitions the text may use, as `--segments DIR` loads them.
    pub library: Library,
    /// Sessions derived from gaps, as `--sessions` gives them: they win over
    /// the catalog mapping's (LANGUAGE.md §10).
    pub sessions: Option<DerivedSessions>,
    /// The reporting time zone (LANGUAGE.md §10); `None` takes the
    /// catalog's mapping's `time_zone`, else UTC.
    pub time_zone: Option<ReportingZone>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            now_micros: None,
            base_dir: PathBuf::from("."),
            engine: SequenceEngine::Portable,
            partitions: 1,
            library: Library::new(),
            sessions: None,
            time_zone: None,
        }
    }
}

impl CompileOptions {
    /// Portable plans, `now` from the wall clock, no library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fixes `now`, so relative ranges give the same answer every day.
    pub fn with_now_micros(mut self, now_micros: i64) -> Self {
        self.now_micros = Some(now_micros);
        self
    }

    /// The reporting time zone: local periods and buckets, local midnight
    /// for dates, zoned output timestamps. Wins over the mapping's.
    pub fn with_time_zone(mut self, zone: ReportingZone) -> Self {
        self.time_zone = Some(zone);
        self
    }

    /// Definitions the text may use.
    pub fn with_library(mut self, library: Library) -> Self {
        self.library = library;
        self
    }

    /// Derives sessions from the gaps between each user's events, whatever
    /// the catalog's mapping says.
    pub fn with_sessions(mut self, sessions: DerivedSessions) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// The folder CSV lists are read relative to.
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = dir.into();
        self
    }

    /// Plans sequences, funnels and paths with segql's native operators,
    /// spread over the partitions of `ctx`. The plan then runs in segql's
    /// engine or a host's session, but has no SQL form.
    pub fn native(mut self, ctx: &SessionContext) -> Self {
        self.engine = SequenceEngine::Native;
        self.partitions = ctx.state().config().target_partitions().max(1);
        self
    }

    /// The plan options, with `now` decided here: the one given, else the
    /// wall clock's at compile time; and the time zone: the one given, else
    /// the mapping's of `catalog`.
    fn plan_options(&self, catalog: &dyn Catalog) -> Result<PlanOptions, Diagnostic> {
        let zone = catalog
            .mapping()
            .reporting_zone(self.time_zone.as_ref())
            .map_err(|unknown| unknown.diagnostic("the schema mapping's time_zone"))?;
        Ok(PlanOptions {
            now_micros: Now::resolve(self.now_micros, None).micros,
            base_dir: self.base_dir.clone(),
            engine: self.engine,
            partitions: self.partitions.max(1),
            zone,
            prune_by_storage: true,
        })
    }
}

/// Compiles a text holding one query (and any definitions it uses) into the
/// query's logical plan, against the tables of `catalog`.
///
/// The plan of a segment has one row per member (the actor's key and its
/// profile columns), sorted by key; the plan of an analysis has the rows of
/// its result (LANGUAGE.md §7). Every problem is a located
/// [`Diagnostic`](crate::Diagnostic); render it with
/// [`render::render`](crate::render::render).
///
/// ```
/// use datafusion::arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
/// use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
/// use datafusion::datasource::MemTable;
/// use datafusion::prelude::SessionContext;
/// use std::sync::Arc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // The host's own table of events.
/// let schema = Arc::new(Schema::new(vec![
///     Field::new("user_id", DataType::Utf8, false),
///     Field::new("timestamp", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
///     Field::new("event_type", DataType::Utf8, false),
///     Field::new("name", DataType::Utf8, true),
///     Field::new("session_id", DataType::Utf8, true),
/// ]));
/// let batch = RecordBatch::try_new(Arc::clone(&schema), vec![
///     Arc::new(StringArray::from(vec!["ann", "ann", "bob"])),
///     Arc::new(TimestampMicrosecondArray::from(vec![1_000_000, 2_000_000, 3_000_000]).with_timezone("UTC")),
///     Arc::new(StringArray::from(vec!["view", "action", "view"])),
///     Arc::new(StringArray::from(vec!["/cart", "CHECKOUT", "/cart"])),
///     Arc::new(StringArray::from(vec!["s1", "s1", "s2"])),
/// ])?;
/// let ctx = SessionContext::new();
/// ctx.register_table("events", Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))?;
///
/// let catalog = segql::catalog_from_context(&ctx, &segql::TableNames::default(), Default::default()).await?;
/// let plan = segql::compile(
///     r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
///     &catalog,
///     &segql::CompileOptions::new(),
/// )
/// .map_err(|d| d[0].message.clone())?;
/// let members = ctx.execute_logical_plan(plan).await?.collect().await?;
/// let ids = members[0].column(0).as_any().downcast_ref::<StringArray>().unwrap();
/// assert_eq!(ids.iter().collect::<Vec<_>>(), vec![Some("bob")]);
/// # Ok(())
/// # }
/// ```
pub fn compile(
    text: &str,
    catalog: &dyn Catalog,
    options: &CompileOptions,
) -> Result<LogicalPlan, Vec<Diagnostic>> {
    let (_, plan) = single_query("compile", text, catalog, options, MemberRows::Full)?;
    Ok(plan)
}

/// Like [`compile`], but for a segment's members: a plan of the actors'
/// keys alone (one column, `user_id` or `account_id`, unsorted), the form to
/// join or filter with in a host's own queries.
pub fn compile_members(
    text: &str,
    catalog: &dyn Catalog,
    options: &CompileOptions,
) -> Result<LogicalPlan, Vec<Diagnostic>> {
    let (query, keys) = single_query(
        "compile_members",
        text,
        catalog,
        options,
        MemberRows::KeysOnly,
    )?;
    let QueryKind::Members(segment) = &query.kind else {
        return Err(vec![
            Diagnostic::error(
                codes::BAD_ARGUMENT,
                "compile_members plans a segment, but this is an analysis",
            )
            .with_span(query.span)
            .with_help("use compile for funnels, retention, paths and explore"),
        ]);
    };
    let key = segment.audience.key_column();
    LogicalPlanBuilder::from(keys)
        .project(vec![col(segql_planner::names::ACTOR).alias(key)])
        .and_then(LogicalPlanBuilder::build)
        .map_err(|e| vec![Diagnostic::error(codes::INTERNAL, e.to_string()).with_span(query.span)])
}

/// Checks a text that must hold exactly one query and plans it through the
/// statement runner, a segment's as `members` says.
fn single_query(
    function: &str,
    text: &str,
    catalog: &dyn Catalog,
    options: &CompileOptions,
    members: MemberRows,
) -> Result<(Query, LogicalPlan), Vec<Diagnostic>> {
    let (checked, diagnostics) = CheckedText::check(text, &options.library);
    let Some(checked) = checked else {
        return Err(diagnostics);
    };
    let plan_options = options.plan_options(catalog).map_err(|d| vec![d])?;
    let with_sessions;
    let catalog = match options.sessions {
        Some(sessions) => {
            with_sessions = SessionsOverride::new(catalog, sessions);
            &with_sessions as &dyn Catalog
        }
        None => catalog,
    };
    let mut plans = Runner::new(
        Statements::Text {
            source: text,
            checked: &checked,
        },
        &options.library,
        catalog,
        &plan_options,
    )
    .with_members(members)
    .plans()?;
    if plans.len() == 1 {
        return Ok(plans.remove(0));
    }
    let span = plans
        .get(1)
        .map(|(q, _)| q.span)
        .unwrap_or_else(|| Span::new(0, text.len()));
    Err(vec![
        Diagnostic::error(
            codes::BAD_ARGUMENT,
            format!(
                "{function} plans one query, but the text has {}",
                plans.len()
            ),
        )
        .with_span(span)
        .with_help(
            "keep one segment or analysis (definitions are fine), or use resolve and plan for many",
        ),
    ])
}

/// A host's catalog whose mapping derives the sessions of
/// [`CompileOptions::sessions`].
struct SessionsOverride<'a> {
    catalog: &'a dyn Catalog,
    mapping: SchemaMapping,
}

impl<'a> SessionsOverride<'a> {
    fn new(catalog: &'a dyn Catalog, sessions: DerivedSessions) -> Self {
        let mut mapping = catalog.mapping().clone();
        mapping.sessions = Some(sessions);
        SessionsOverride { catalog, mapping }
    }
}

impl Catalog for SessionsOverride<'_> {
    fn table(&self, role: TableRole) -> Option<TableEntry> {
        self.catalog.table(role)
    }

    fn mapping(&self) -> &SchemaMapping {
        &self.mapping
    }

    fn csv(&self, path: &Path) -> Result<TableEntry, String> {
        self.catalog.csv(path)
    }
}

/// A catalog of the tables `names` names in a host's session (those it does
/// not have are left out: a dataset without accounts), mapped by `mapping`,
/// able to read `in csv "file"` lists.
pub async fn catalog_from_context(
    ctx: &SessionContext,
    names: &TableNames,
    mapping: SchemaMapping,
) -> Result<TableCatalog, Diagnostic> {
    let mut catalog = TableCatalog::new()
        .with_mapping(mapping)
        .with_csv_reader(csv_reader());
    for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
        let name = names.get(role);
        let exists = ctx.table_exist(name).map_err(|e| {
            Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!("`{name}` is not a table name: {e}"),
            )
        })?;
        if !exists {
            continue;
        }
        let provider = ctx.table_provider(name).await.map_err(|e| {
            Diagnostic::error(
                codes::DATA_ERROR,
                format!("cannot open the table `{name}`: {e}"),
            )
        })?;
        catalog = catalog.with_table(
            role,
            TableEntry {
                name: name.to_string(),
                source: provider_as_source(provider),
                origin: format!("the table `{name}`"),
            },
        );
    }
    Ok(catalog)
}

/// A catalog over any DataFusion `ContextProvider` (what a SQL front end
/// plans with), able to read `in csv "file"` lists.
pub fn catalog_from_provider(
    provider: &dyn datafusion::logical_expr::planner::ContextProvider,
    names: &TableNames,
    mapping: SchemaMapping,
) -> TableCatalog {
    TableCatalog::from_provider(provider, names)
        .with_mapping(mapping)
        .with_csv_reader(csv_reader())
}

/// Reads CSV lists as segql's own engine does: columns as text, named
/// `csv_N` in the plan.
fn csv_reader() -> Arc<segql_planner::CsvReader> {
    let count = std::sync::atomic::AtomicUsize::new(0);
    Arc::new(move |path: &Path| {
        segql_engine::csv_list_table(
            path,
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        )
    })
}

/// Runs a compiled plan in a session: the same as the host's
/// `ctx.execute_logical_plan(plan).await?.collect().await`, with errors as
/// diagnostics.
pub async fn execute(
    ctx: &SessionContext,
    plan: LogicalPlan,
) -> Result<Vec<RecordBatch>, Diagnostic> {
    let frame = ctx
        .execute_logical_plan(plan)
        .await
        .map_err(|e| Diagnostic::error(codes::DATA_ERROR, format!("planning failed: {e}")))?;
    frame
        .collect()
        .await
        .map_err(|e| Diagnostic::error(codes::DATA_ERROR, format!("the query failed: {e}")))
}

/// A session whose plans run on the segql cluster at `url`
/// (`df://HOST:PORT`, `segql cluster scheduler`), with `config`'s options
/// and segql's codecs: register the host's tables on it (files every
/// executor reads: `s3://` URLs or shared paths), [`compile`] against
/// [`catalog_from_context`] of it, and [`execute`] there. Fails within
/// seconds when nothing answers at `url`.
#[cfg(feature = "cluster")]
pub async fn cluster_context(
    url: &str,
    config: datafusion::prelude::SessionConfig,
) -> Result<SessionContext, Diagnostic> {
    use segql_engine::cluster;
    cluster::client_context(&cluster::SchedulerUrl::parse(url)?, config).await
}

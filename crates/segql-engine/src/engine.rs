//! The engine: a DataFusion `SessionContext` with the dataset's tables, the
//! [`Catalog`] the planner resolves against, and plan execution.

use crate::mapping;
use crate::sources::{self, SourceSpec};
use crate::stores;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::datasource::TableProvider;
use datafusion::datasource::provider_as_source;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use segql_demo::{self as demo, DemoConfig};
use segql_planner::{Catalog, DerivedSessions, SchemaMapping, TableCatalog, TableEntry, TableRole};
use segql_syntax::{Diagnostic, codes};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Where the data comes from, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct DataSpec {
    /// A folder with `events.*`, `users.*`, `accounts.*`.
    pub data_dir: Option<PathBuf>,
    pub events: Option<String>,
    pub users: Option<String>,
    pub accounts: Option<String>,
    /// A schema mapping TOML file.
    pub schema: Option<PathBuf>,
}

impl DataSpec {
    /// True when no data flag was given: the built-in demo dataset is used.
    pub fn is_empty(&self) -> bool {
        self.data_dir.is_none()
            && self.events.is_none()
            && self.users.is_none()
            && self.accounts.is_none()
    }

    /// The file (or glob or folder) of each table: explicit flags win over
    /// the files found in `--data DIR`.
    async fn sources(
        &self,
        ctx: &SessionContext,
    ) -> Result<BTreeMap<TableRole, String>, Diagnostic> {
        let mut found = BTreeMap::new();
        if let Some(dir) = &self.data_dir {
            let text = stores::local_path(&dir.to_string_lossy());
            let dir = PathBuf::from(&text);
            // Each entry of the folder, and whether it is a folder itself.
            let paths: Vec<(PathBuf, bool)> = if stores::is_store_url(&text) {
                stores::folder_entries(ctx, &text).await?
            } else {
                let entries = std::fs::read_dir(&dir).map_err(|e| {
                    Diagnostic::error(
                        codes::UNREADABLE_FILE,
                        format!("cannot read the data folder `{}`: {e}", dir.display()),
                    )
                })?;
                let mut paths: Vec<(PathBuf, bool)> = entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        let path = e.path();
                        let is_dir = path.is_dir();
                        (path, is_dir)
                    })
                    .collect();
                paths.sort();
                paths
            };
            for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
                let matching: Vec<&PathBuf> = paths
                    .iter()
                    .filter(|(p, is_dir)| {
                        let stem = p
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let stem = stem.split('.').next().unwrap_or("").to_string();
                        stem == role.name() && (*is_dir || sources::Format::of(p).is_some())
                    })
                    .map(|(p, _)| p)
                    .collect();
                match matching.as_slice() {
                    [] => {}
                    [one] => {
                        found.insert(role, one.display().to_string());
                    }
                    several => {
                        return Err(Diagnostic::error(
                            codes::DATA_ERROR,
                            format!(
                                "the data folder `{}` has several {} files: {}",
                                dir.display(),
                                role.name(),
                                several
                                    .iter()
                                    .map(|p| p.display().to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .with_help(format!("keep one, or name it with --{}", role.name())));
                    }
                }
            }
            if !found.contains_key(&TableRole::Events) && self.events.is_none() {
                return Err(Diagnostic::error(
                    codes::UNREADABLE_FILE,
                    format!("the data folder `{}` has no events file", dir.display()),
                )
                .with_help(
                    "name it events.parquet, events.csv or events.ndjson, or pass --events FILE",
                ));
            }
        }
        for (role, flag) in [
            (TableRole::Events, &self.events),
            (TableRole::Users, &self.users),
            (TableRole::Accounts, &self.accounts),
        ] {
            if let Some(path) = flag {
                found.insert(role, stores::local_path(path));
            }
        }
        if !found.contains_key(&TableRole::Events) {
            return Err(Diagnostic::error(codes::UNREADABLE_FILE, "no events table was given")
                .with_help("pass --events FILE or --data DIR; without data flags segql uses its demo dataset"));
        }
        Ok(found)
    }
}

/// Where the time of one query went. Operator times are CPU time summed
/// over the threads, so they may add up to more than the wall time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// DataFusion's optimizer and physical planner (wall).
    pub planning: Duration,
    /// Running the physical plan to its last row (wall).
    pub execution: Duration,
    /// Reading and decoding the tables (CPU).
    pub scan: Duration,
    /// The native sequence matcher (CPU).
    pub matching: Duration,
    /// Every other operator: filters, projections, joins, aggregates,
    /// sorts, repartitions (CPU).
    pub other: Duration,
}

impl Timings {
    fn add_operators(&mut self, node: &dyn ExecutionPlan) {
        if let Some(metrics) = node.metrics() {
            let nanos = |name: &str| metrics.sum_by_name(name).map_or(0, |v| v.as_usize() as u64);
            let compute = Duration::from_nanos(metrics.elapsed_compute().unwrap_or(0) as u64);
            let line = datafusion::physical_plan::displayable(node)
                .one_line()
                .to_string();
            if node.name() == "DataSourceExec" {
                self.scan += compute
                    + Duration::from_nanos(
                        nanos("time_elapsed_processing") + nanos("time_elapsed_opening"),
                    );
            } else if line.contains(segql_planner::udaf::sequence::SequenceMatch::NAME) {
                self.matching += compute;
            } else {
                self.other += compute;
            }
        }
        for child in node.children() {
            self.add_operators(child.as_ref());
        }
    }
}

/// Lets `ctx`'s plans take rows partitioned by the actor as partitioned by
/// (actor, session) as well: on events read in actor ranges
/// (`actor_ranges`), the per-session counts and the per-actor aggregates
/// above them then need no repartition either. DataFusion takes such a
/// subset only from 4 partitions on, by default; segql's groups (actors)
/// are many and small, so no partition is left with too much of the work.
/// Set only with actor ranges (a cluster's sessions keep the default:
/// Ballista's shuffles do not keep the order that such plans may rely on).
fn take_actor_subsets(ctx: &SessionContext) {
    let state = ctx.state_ref();
    let mut state = state.write();
    state
        .config_mut()
        .options_mut()
        .optimizer
        .subset_repartition_threshold = 2;
}

/// What a query may use of the machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// Threads (partitions); `None`: one per core.
    pub threads: Option<usize>,
    /// Bytes the operators that buffer (aggregates, sorts, the sequence
    /// matcher) may hold before they spill to temporary files; `None`: no
    /// limit.
    pub memory_limit: Option<usize>,
    /// Whether Parquet scans evaluate a query's event filter while decoding.
    pub pushdown: FilterPushdown,
    /// Whether the events' type and name columns are read from Parquet as
    /// dictionaries (see [`crate::parquet_scan`]); on unless turned off.
    pub plain_strings: bool,
    /// Whether Parquet events are always repartitioned by actor, even
    /// where the file's row groups hold whole actors (see
    /// [`crate::actor_ranges`]); off unless turned on.
    pub no_actor_ranges: bool,
}

impl Resources {
    pub fn threads(threads: usize) -> Self {
        Resources {
            threads: Some(threads),
            ..Resources::default()
        }
    }
}

/// Whether the Parquet reader evaluates a query's event filter itself,
/// decoding the other columns only for the rows that pass (late
/// materialization), or decodes every column of every row and filters
/// afterwards. The answers are the same; only the time differs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FilterPushdown {
    /// As measured best for segql's queries: off (see the `pushdown`
    /// module).
    #[default]
    Auto,
    /// For every query.
    On,
    /// For no query (DataFusion's default).
    Off,
}

impl FilterPushdown {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "auto" => Ok(FilterPushdown::Auto),
            "on" => Ok(FilterPushdown::On),
            "off" => Ok(FilterPushdown::Off),
            _ => Err(format!(
                "`{text}` is not a pushdown setting: use auto, on or off"
            )),
        }
    }
}

/// A dataset registered in a DataFusion session.
pub struct Engine {
    pub(crate) ctx: SessionContext,
    /// The tables as the planner sees them, and the schema mapping.
    pub(crate) catalog: TableCatalog,
    pub(crate) providers: BTreeMap<TableRole, Arc<dyn TableProvider>>,
    /// `now` fixed by the dataset (the demo dataset's end), microseconds;
    /// see [`Now`](crate::Now).
    pub default_now_micros: Option<i64>,
    /// Atomic so that an engine can be shared with the tasks that run its
    /// queries (the REPL runs each on the runtime, to cancel it).
    csv_count: AtomicUsize,
    /// The files each table reads (none for tables in memory).
    files: BTreeMap<TableRole, (sources::Format, Vec<PathBuf>)>,
    /// The schema mapping's file, when one was given.
    mapping_file: Option<PathBuf>,
    /// The CSV lists that plans have opened so far, each once (a text is
    /// planned twice, and many queries may use one list).
    csv_lists: Mutex<std::collections::BTreeSet<PathBuf>>,
    /// The time of the newest event, once asked: the data of an engine
    /// does not change, and a text may ask for it once per retention.
    pub(crate) newest_event: OnceLock<Option<i64>>,
}

impl Engine {
    /// A session sized for this machine, or as `resources` say.
    pub fn context(resources: Resources) -> SessionContext {
        // No option beyond DataFusion's defaults that plans would depend on:
        // what runs here runs in a host's session too. The one rule added
        // changes how segql's event aggregates execute (in one phase, see
        // `single_phase`), not what a logical plan means.
        let mut config = SessionConfig::new()
            .with_information_schema(false)
            .with_extension(Arc::new(resources.pushdown));
        if let Some(threads) = resources.threads {
            config = config.with_target_partitions(threads.max(1));
        }
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(limit) = resources.memory_limit {
            // Fair shares between the operators that can spill: with a
            // first-come pool, the aggregates of one partition starve those
            // of the others, which then fail instead of spilling.
            runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
        }
        let mut state = datafusion::execution::SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(crate::SinglePhaseEventAggregates))
            .with_physical_optimizer_rule(Arc::new(crate::pushdown::SelectiveFiltersFirst));
        if let Ok(runtime) = runtime.build_arc() {
            state = state.with_runtime_env(runtime);
        }
        SessionContext::new_with_state(state.build())
    }

    /// Opens the files of `spec`: schemas only, no data read.
    pub async fn open(spec: &DataSpec, resources: Resources) -> Result<Engine, Diagnostic> {
        let mapping = match &spec.schema {
            Some(path) => mapping::load(path)?,
            None => SchemaMapping::default(),
        };
        let ctx = Self::context(resources);
        let mut providers = BTreeMap::new();
        let mut origins = BTreeMap::new();
        let mut files = BTreeMap::new();
        for (role, path) in spec.sources(&ctx).await? {
            let source = SourceSpec {
                what: role.name().to_string(),
                path: path.clone(),
            };
            let dictionaries = match role {
                TableRole::Events if !resources.plain_strings => {
                    crate::parquet_scan::compared_columns(&mapping)
                }
                _ => Vec::new(),
            };
            let actor_column = mapping.column(TableRole::Events, "user_id");
            let ranged_by = match role {
                TableRole::Events if !resources.no_actor_ranges => Some(actor_column.as_str()),
                _ => None,
            };
            let opened = sources::open(&ctx, &source, &dictionaries, ranged_by).await?;
            if opened.in_actor_ranges {
                take_actor_subsets(&ctx);
            }
            providers.insert(role, opened.provider);
            files.insert(role, (opened.format, opened.files));
            origins.insert(role, path);
        }
        let mut engine = Self::assemble(ctx, providers, origins, mapping)?;
        engine.files = files;
        engine.mapping_file = spec.schema.clone();
        Ok(engine)
    }

    /// Runs this engine's plans on the Ballista cluster whose scheduler is
    /// at `url` (`df://HOST:PORT`): queries are planned here as before,
    /// and executed by the cluster's executors, which read the data files
    /// themselves.
    #[cfg(feature = "cluster")]
    pub async fn run_on_cluster(&mut self, url: &str) -> Result<(), Diagnostic> {
        use crate::cluster;
        let url = cluster::SchedulerUrl::parse(url)?;
        if self.files.is_empty() {
            return Err(Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!("the built-in demo dataset lives in this process; the cluster {url} reads data files"),
            )
            .with_help("write the demo shop with `segql demo-data --out shop/` (or into a bucket) and pass --data"));
        }
        cluster::check_reachable(&url).await?;
        self.plain_listing_tables()?;
        let state = cluster::client_state(self.ctx.state(), &url)?;
        self.ctx = SessionContext::new_with_state(state);
        Ok(())
    }

    /// Tables that read dictionaries replaced by their listing tables (the
    /// same schema, files decoded as strings and cast): plans travel to a
    /// cluster as protobuf, whose codec knows listing tables only.
    #[cfg(feature = "cluster")]
    fn plain_listing_tables(&mut self) -> Result<(), Diagnostic> {
        let mut catalog = TableCatalog::new().with_mapping(self.catalog.mapping().clone());
        for (role, provider) in self.providers.iter_mut() {
            if let Some(reads) = provider.downcast_ref::<crate::parquet_scan::ParquetScan>() {
                *provider = reads.listing_table();
            }
            // DataFusion refuses to register a name twice.
            let _ = self.ctx.deregister_table(role.name());
            let origin = self
                .catalog
                .table(*role)
                .map(|t| t.origin)
                .unwrap_or_default();
            catalog = catalog.with_table(*role, register(&self.ctx, *role, provider, origin)?);
        }
        self.catalog = catalog;
        Ok(())
    }

    /// Without the `cluster` feature there is no cluster to run on.
    #[cfg(not(feature = "cluster"))]
    pub async fn run_on_cluster(&mut self, url: &str) -> Result<(), Diagnostic> {
        Err(Diagnostic::error(
            codes::BAD_ARGUMENT,
            format!("this segql was built without the cluster feature, so it cannot run on {url}"),
        )
        .with_help("build segql with its default features (cargo build --release)"))
    }

    /// Every file this engine has read or may read: the tables' files, the
    /// schema mapping, and the CSV lists that plans opened. Nothing may be
    /// written onto them.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut inputs: Vec<PathBuf> = self
            .files
            .values()
            .flat_map(|(_, files)| files.iter().cloned())
            .collect();
        inputs.extend(self.mapping_file.iter().cloned());
        inputs.extend(
            self.csv_lists
                .lock()
                .map(|lists| lists.iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        inputs
    }

    /// The built-in demo dataset, generated in memory. `now` defaults to its
    /// end, so answers do not drift from day to day.
    pub fn demo(config: &DemoConfig, resources: Resources) -> Result<Engine, Diagnostic> {
        Self::demo_mapped(config, SchemaMapping::default(), resources)
    }

    /// The built-in demo dataset read through `mapping`: its tables use the
    /// model's column names, so what a mapping changes there is the
    /// reporting time zone, derived sessions and identity stitching.
    pub fn demo_mapped(
        config: &DemoConfig,
        mapping: SchemaMapping,
        resources: Resources,
    ) -> Result<Engine, Diagnostic> {
        let (events, users, accounts) = demo::in_memory(config);
        let mut engine = Self::from_batches(
            events,
            Some(vec![users]),
            Some(vec![accounts]),
            mapping,
            resources,
        )?;
        for entry in engine.catalog.tables_mut() {
            entry.origin = format!("the built-in demo dataset's {} table", entry.name);
        }
        engine.default_now_micros = Some(config.end_micros());
        Ok(engine)
    }

    /// The demo dataset through the mapping file `path` (`--schema`
    /// without data files).
    pub fn demo_with_mapping_file(
        config: &DemoConfig,
        path: &std::path::Path,
        resources: Resources,
    ) -> Result<Engine, Diagnostic> {
        let mut engine = Self::demo_mapped(config, mapping::load(path)?, resources)?;
        engine.mapping_file = Some(path.to_path_buf());
        Ok(engine)
    }

    /// A dataset from record batches in memory (tests, embedding).
    pub fn from_batches(
        events: Vec<RecordBatch>,
        users: Option<Vec<RecordBatch>>,
        accounts: Option<Vec<RecordBatch>>,
        mapping: SchemaMapping,
        resources: Resources,
    ) -> Result<Engine, Diagnostic> {
        let ctx = Self::context(resources);
        let mut providers: BTreeMap<TableRole, Arc<dyn TableProvider>> = BTreeMap::new();
        let mut origins = BTreeMap::new();
        for (role, batches) in [
            (TableRole::Events, Some(events)),
            (TableRole::Users, users),
            (TableRole::Accounts, accounts),
        ] {
            let Some(batches) = batches else { continue };
            let Some(first) = batches.first() else {
                return Err(Diagnostic::error(
                    codes::EMPTY_EVENTS,
                    format!("the {} table has no batches", role.name()),
                ));
            };
            let table = MemTable::try_new(first.schema(), vec![batches]).map_err(|e| {
                Diagnostic::error(
                    codes::DATA_ERROR,
                    format!("cannot load the {} table: {e}", role.name()),
                )
            })?;
            providers.insert(role, Arc::new(table));
            origins.insert(role, format!("in-memory {}", role.name()));
        }
        Self::assemble(ctx, providers, origins, mapping)
    }

    fn assemble(
        ctx: SessionContext,
        providers: BTreeMap<TableRole, Arc<dyn TableProvider>>,
        origins: BTreeMap<TableRole, String>,
        mapping: SchemaMapping,
    ) -> Result<Engine, Diagnostic> {
        let mut catalog = TableCatalog::new().with_mapping(mapping);
        for (role, provider) in &providers {
            let origin = origins.get(role).cloned().unwrap_or_default();
            catalog = catalog.with_table(*role, register(&ctx, *role, provider, origin)?);
        }
        Ok(Engine {
            ctx,
            catalog,
            providers,
            default_now_micros: None,
            csv_count: AtomicUsize::new(0),
            files: BTreeMap::new(),
            mapping_file: None,
            csv_lists: Mutex::new(std::collections::BTreeSet::new()),
            newest_event: OnceLock::new(),
        })
    }

    /// Derives sessions from gaps (`--sessions`), whatever the schema
    /// mapping says (LANGUAGE.md §10: the flag wins over the mapping).
    pub fn derive_sessions(&mut self, sessions: DerivedSessions) {
        self.catalog.mapping_mut().sessions = Some(sessions);
    }

    /// The number of partitions (threads) queries run on.
    pub fn partitions(&self) -> usize {
        self.ctx.state().config().target_partitions()
    }

    pub fn context_ref(&self) -> &SessionContext {
        &self.ctx
    }

    /// Checks what every query relies on before any runs: the events table
    /// has rows, and (read from CSV or NDJSON, where the sample that typed
    /// the columns may have missed a bad value) every event time is a
    /// timestamp. A bad value is then the same error for every query, with
    /// its file, line and column, not only for the queries that read it.
    pub async fn check_events(&self) -> Result<(), Diagnostic> {
        self.check_events_not_empty().await?;
        self.check_event_times().await
    }

    async fn check_event_times(&self) -> Result<(), Diagnostic> {
        let Some((format, files)) = self.files.get(&TableRole::Events) else {
            return Ok(());
        };
        if *format == sources::Format::Parquet {
            return Ok(());
        }
        let schema = self.providers[&TableRole::Events].schema();
        let column = self.mapping().column(TableRole::Events, "timestamp");
        if schema.field_with_name(&column).is_err() {
            // A missing column is the planner's error, with its own hint.
            return Ok(());
        }
        for file in files {
            match sources::first_bad_time(
                self.ctx.runtime_env(),
                *format,
                file,
                Arc::clone(&schema),
                &column,
            )
            .await
            {
                Ok(None) => {}
                Ok(Some(bad)) => {
                    let value: String = bad.value.chars().take(60).collect();
                    return Err(Diagnostic::error(
                        codes::DATA_ERROR,
                        format!(
                            "a value of column `{column}` on line {} of {} is not a timestamp: `{value}`",
                            bad.line,
                            file.display()
                        ),
                    )
                    .with_help(
                        "write event times like 2026-01-31T10:00:00Z (RFC 3339), or as epoch milliseconds",
                    ));
                }
                Err(e) => {
                    let message = e.to_string();
                    return Err(self
                        .located_value_error(&message, file, &schema)
                        .unwrap_or_else(|| self.data_error(e)));
                }
            }
        }
        Ok(())
    }

    /// "Error parsing column N at line L" of one known CSV file, named by
    /// file, line and column.
    fn located_value_error(
        &self,
        message: &str,
        file: &Path,
        schema: &datafusion::arrow::datatypes::Schema,
    ) -> Option<Diagnostic> {
        let (index, row, detail) = parse_column_error(message)?;
        let field = schema.fields().get(index)?;
        let place = match row {
            Some(row) => format!("line {} of {}", row + 1, file.display()),
            None => file.display().to_string(),
        };
        let data_type = type_noun(field.data_type());
        Some(
            Diagnostic::error(
                codes::DATA_ERROR,
                format!(
                    "a value of column `{}` on {place} is not {}",
                    field.name(),
                    a(&data_type)
                ),
            )
            .with_note(detail)
            .with_help(format!(
                "fix the value: `{}` holds {data_type}s in the file's first rows, which give a CSV column its type",
                field.name()
            )),
        )
    }

    /// Fails with a data error when the events table has no rows.
    async fn check_events_not_empty(&self) -> Result<(), Diagnostic> {
        let events = self
            .providers
            .get(&TableRole::Events)
            .expect("an engine always has events");
        let frame = self
            .ctx
            .read_table(Arc::clone(events))
            .and_then(|f| f.limit(0, Some(1)))
            .map_err(|e| self.data_error(e))?;
        let batches = match sources::reading(frame.collect()).await {
            Ok(batches) => batches,
            Err(e) => return Err(self.failure(e).await),
        };
        if batches.iter().all(|b| b.num_rows() == 0) {
            let origin = self
                .table(TableRole::Events)
                .map(|t| t.origin)
                .unwrap_or_default();
            return Err(Diagnostic::error(
                codes::EMPTY_EVENTS,
                format!("the events table ({origin}) has no rows"),
            )
            .with_help("segments are computed from events: check that the file holds data"));
        }
        Ok(())
    }

    /// Runs a logical plan to completion.
    pub async fn execute(&self, plan: LogicalPlan) -> Result<Vec<RecordBatch>, Diagnostic> {
        Ok(self.execute_timed(plan).await?.0)
    }

    /// Runs a logical plan to completion, and says where the time went.
    pub async fn execute_timed(
        &self,
        plan: LogicalPlan,
    ) -> Result<(Vec<RecordBatch>, Timings), Diagnostic> {
        let (physical, batches, mut timings) = self.run(plan).await?;
        timings.add_operators(physical.as_ref());
        Ok((batches, timings))
    }

    /// Plans and runs a logical plan: the physical plan (with its metrics),
    /// the rows, and the planning and run times.
    async fn run(
        &self,
        plan: LogicalPlan,
    ) -> Result<(Arc<dyn ExecutionPlan>, Vec<RecordBatch>, Timings), Diagnostic> {
        let started = Instant::now();
        let mut state = self.ctx.state();
        crate::pushdown::configure(&mut state);
        let physical = sources::reading(state.create_physical_plan(&plan))
            .await
            .map_err(|e| self.data_error(e))?;
        let planning = started.elapsed();
        let started = Instant::now();
        let batches = match sources::reading(datafusion::physical_plan::collect(
            Arc::clone(&physical),
            self.ctx.task_ctx(),
        ))
        .await
        {
            Ok(batches) => batches,
            Err(e) => return Err(self.failure(e).await),
        };
        let timings = Timings {
            planning,
            execution: started.elapsed(),
            ..Timings::default()
        };
        Ok((physical, batches, timings))
    }

    /// Runs a plan and returns its physical plan with each operator's
    /// metrics, as text.
    pub async fn analyze(&self, plan: LogicalPlan) -> Result<String, Diagnostic> {
        let (physical, _, _) = self.run(plan).await?;
        Ok(
            datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(
                physical.as_ref(),
            )
            .indent(false)
            .to_string(),
        )
    }

    /// The optimized logical plan and the physical plan, as text.
    pub async fn explain(&self, plan: LogicalPlan, physical: bool) -> Result<String, Diagnostic> {
        let mut state = self.ctx.state();
        let optimized = state.optimize(&plan).map_err(|e| self.data_error(e))?;
        crate::pushdown::configure(&mut state);
        if !physical {
            return Ok(optimized.display_indent().to_string());
        }
        let physical_plan = state
            .create_physical_plan(&optimized)
            .await
            .map_err(|e| self.data_error(e))?;
        Ok(
            datafusion::physical_plan::displayable(physical_plan.as_ref())
                .indent(false)
                .to_string(),
        )
    }

    /// The diagnostic of a query that failed while reading: a value that
    /// its column cannot hold, named by file, line and column; else, when
    /// one file of the data cannot be read on its own (a corrupt page, a
    /// truncated file, a reader giving up), that file; else DataFusion's
    /// message.
    async fn failure(&self, e: datafusion::error::DataFusionError) -> Diagnostic {
        let message = e.to_string();
        if message.contains("Resources exhausted") || self.unreadable_value(&message).is_some() {
            return self.data_error(e);
        }
        if let Some(d) = self.corrupt_file().await {
            return d;
        }
        self.data_error(e)
    }

    /// The first file of the data that cannot be read whole on its own.
    /// Only a failed query pays for this second reading.
    async fn corrupt_file(&self) -> Option<Diagnostic> {
        for (role, (format, files)) in &self.files {
            let schema = self.providers.get(role)?.schema();
            for file in files {
                let Err(e) =
                    sources::read_whole_file(&self.ctx, *format, file, Arc::clone(&schema)).await
                else {
                    continue;
                };
                let message = e.to_string();
                if let Some(d) = self.located_value_error(&message, file, &schema) {
                    return Some(d);
                }
                return Some(
                    Diagnostic::error(
                        codes::DATA_ERROR,
                        format!(
                            "`{}` is corrupt: {}",
                            file.display(),
                            sources::reader_cause(&message)
                        ),
                    )
                    .with_note(format!("it is a file of the {} table", role.name()))
                    .with_help(match format {
                        sources::Format::Parquet => {
                            "write the file again from its source, or leave it out of the data"
                        }
                        sources::Format::Csv => {
                            "a CSV file needs a header row, the same number of fields on every line, and values of one type per column"
                        }
                        sources::Format::NdJson => {
                            "an NDJSON file holds one JSON object per line, with values of one type per field"
                        }
                    }),
                );
            }
        }
        None
    }

    fn data_error(&self, e: datafusion::error::DataFusionError) -> Diagnostic {
        let message = e.to_string();
        if message.contains("Resources exhausted") {
            return Diagnostic::error(
                codes::DATA_ERROR,
                "the query needs more memory than its limit allows",
            )
            .with_note(message.lines().next().unwrap_or_default().to_string())
            .with_help(
                "raise the limit, e.g. --memory-limit 4G, or lift it with --memory-limit none",
            );
        }
        if let Some(d) = self.unreadable_value(&message) {
            return d;
        }
        let mut lines = message.lines();
        let first = lines.next().unwrap_or(&message).to_string();
        let sources: Vec<String> = self.catalog.tables().map(|t| t.origin.clone()).collect();
        let mut d = Diagnostic::error(
            codes::DATA_ERROR,
            format!("reading the data failed: {first}"),
        );
        let rest: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
        if !rest.is_empty() {
            d = d.with_note(rest.join("; "));
        }
        d.with_note(format!("the data: {}", sources.join(", ")))
    }

    /// A value of a CSV file that its column's type cannot read, or an
    /// event time that is not RFC 3339, named by file and column (Arrow's
    /// messages give a column number, or no column at all).
    fn unreadable_value(&self, message: &str) -> Option<Diagnostic> {
        let first = message.lines().next().unwrap_or(message);
        if let Some((index, row, detail)) = parse_column_error(first) {
            // The column number is the file's: only CSV files have it.
            let columns: Vec<(String, String, String)> = self
                .catalog
                .tables()
                .filter(|t| t.origin.to_ascii_lowercase().contains(".csv"))
                .filter_map(|t| {
                    let schema = t.schema();
                    let field = schema.fields().get(index)?;
                    Some((
                        t.origin.clone(),
                        field.name().clone(),
                        type_noun(field.data_type()),
                    ))
                })
                .collect();
            let [(origin, column, data_type)] = columns.as_slice() else {
                return None;
            };
            // Arrow counts the rows after the header from 1: the file's line
            // is one more.
            let place = match row {
                Some(row) => format!("line {} of {origin}", row + 1),
                None => origin.clone(),
            };
            return Some(
                Diagnostic::error(
                    codes::DATA_ERROR,
                    format!("a value of column `{column}` on {place} is not {}", a(data_type)),
                )
                .with_note(detail)
                .with_help(format!(
                    "fix the value: `{column}` holds {data_type}s in the file's first rows, which give a CSV column its type"
                )),
            );
        }
        let at = first.find("Error parsing timestamp from '")?;
        let value = first[at + "Error parsing timestamp from '".len()..]
            .split('\'')
            .next()
            .unwrap_or_default();
        let events = self.table(TableRole::Events)?;
        let column = self.mapping().column(TableRole::Events, "timestamp");
        Some(
            Diagnostic::error(
                codes::DATA_ERROR,
                format!(
                    "the value `{value}` of column `{column}` in {} is not an RFC 3339 timestamp",
                    events.origin
                ),
            )
            .with_help("write event times like 2026-01-31T10:00:00Z, or as epoch milliseconds"),
        )
    }
}

/// Arrow's "Error parsing column N at line L: detail": the column's index
/// in the file, the row after the header (from 1), and the detail.
fn parse_column_error(message: &str) -> Option<(usize, Option<u64>, String)> {
    let first = message.lines().next().unwrap_or(message);
    let at = first.find("Error parsing column ")?;
    let rest = &first[at + "Error parsing column ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let index: usize = digits.parse().ok()?;
    let rest = &rest[digits.len()..];
    let row = rest.strip_prefix(" at line ").and_then(|r| {
        r.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    });
    let detail = rest.split_once(": ").map_or(rest, |(_, d)| d).trim();
    Some((index, row, detail.to_string()))
}

/// A column type as a user names it: "timestamp", "integer".
fn type_noun(data_type: &DataType) -> String {
    match data_type {
        DataType::Timestamp(_, _) => "timestamp".to_string(),
        DataType::Date32 | DataType::Date64 => "date".to_string(),
        DataType::Boolean => "boolean".to_string(),
        t if t.is_integer() => "integer".to_string(),
        t if t.is_floating() => "number".to_string(),
        t => t.to_string(),
    }
}

/// "a date", "an integer".
fn a(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

impl Catalog for Engine {
    fn table(&self, role: TableRole) -> Option<TableEntry> {
        self.catalog.table(role)
    }

    fn mapping(&self) -> &SchemaMapping {
        self.catalog.mapping()
    }

    /// A CSV list, named `csv_N` in the plan.
    fn csv(&self, path: &Path) -> Result<TableEntry, String> {
        if let Ok(mut lists) = self.csv_lists.lock() {
            lists.insert(path.to_path_buf());
        }
        let text = path.to_string_lossy();
        if stores::is_store_url(&text) {
            stores::register(&self.ctx, "CSV list", &text)
                .map_err(|d| stores::cause_of(&d.message))?;
        }
        sources::csv_list_table(path, self.csv_count.fetch_add(1, Ordering::Relaxed))
    }
}

/// Registers `provider` as the `role` table of `ctx` (which has none of
/// that name), and the catalog's entry for it.
fn register(
    ctx: &SessionContext,
    role: TableRole,
    provider: &Arc<dyn TableProvider>,
    origin: String,
) -> Result<TableEntry, Diagnostic> {
    ctx.register_table(role.name(), Arc::clone(provider))
        .map_err(|e| {
            Diagnostic::error(
                codes::INTERNAL,
                format!("cannot register the {} table: {e}", role.name()),
            )
        })?;
    Ok(TableEntry {
        name: role.name().to_string(),
        source: provider_as_source(Arc::clone(provider)),
        origin,
    })
}

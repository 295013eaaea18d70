//! What `run`, `explain` and `repl` do before their first query: start the
//! runtime, load and check the text, open the data and decide `now`.

use super::args::{DataArgs, SessionArgs, TextArgs};
use super::sources::{load_library, read_source};
use super::{Output, Status};
use segql::demo::DemoConfig;
use segql::engine::{CheckedText, Engine, MemberRows, Now, Runner, Statements};
use segql::planner::{Catalog, PlanOptions, RelativeRange, ReportingZone};
use segql::{Diagnostic, Library, codes};
use std::path::{Path, PathBuf};

/// A checked text, ready to run.
pub struct Loaded {
    pub display: String,
    pub text: String,
    /// What the passes over the text learned; its statements are parsed
    /// again one at a time when they run.
    pub checked: CheckedText,
    pub library: Library,
    pub base_dir: PathBuf,
    /// The text's file and the library's files: inputs too.
    pub files: Vec<PathBuf>,
}

impl Loaded {
    /// Reads and checks the text, reporting its diagnostics.
    pub fn load(args: &TextArgs, output: Output) -> Result<Loaded, Status> {
        let (display, text, base_dir) = match (&args.file, &args.expression) {
            (_, Some(text)) => ("<expr>".to_string(), text.clone(), PathBuf::from(".")),
            (Some(path), None) => {
                let source = read_source(path).map_err(|d| {
                    output.error(&d);
                    Status::Usage
                })?;
                let base = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty() && path != Path::new("-"))
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                (source.display, source.text, base)
            }
            (None, None) => unreachable!("clap requires a file or -e"),
        };
        let mut files: Vec<PathBuf> = args
            .file
            .iter()
            .filter(|path| path.as_path() != Path::new("-"))
            .cloned()
            .collect();
        let library = match &args.session.segments {
            Some(dir) => {
                let (library, library_files) = load_library(dir, output).ok_or(Status::Usage)?;
                files.extend(library_files);
                library
            }
            None => Library::new(),
        };
        let (checked, diagnostics) = CheckedText::check(&text, &library);
        if !diagnostics.is_empty() {
            output.diagnostics(&display, &text, &diagnostics);
        }
        let Some(checked) = checked else {
            return Err(Status::Usage);
        };
        Ok(Loaded {
            display,
            text,
            checked,
            library,
            base_dir,
            files,
        })
    }

    /// Reports diagnostics about the text; the status is 1 when any is a
    /// data error, else 2.
    pub fn report(&self, output: Output, diagnostics: &[Diagnostic]) -> Status {
        output.diagnostics(&self.display, &self.text, diagnostics);
        Status::of(diagnostics)
    }

    /// The runner of the text's queries on `engine`, once every problem of
    /// the text has been found against the data's schemas, before any data
    /// is read (LANGUAGE.md §7); each query is planned again when its turn
    /// comes, so plans are never all in memory. Also the text's relative
    /// ranges.
    pub fn runner<'a>(
        &'a self,
        engine: &'a Engine,
        options: &'a PlanOptions,
        members: MemberRows,
        output: Output,
    ) -> Result<(Runner<'a>, Vec<RelativeRange>), Status> {
        let statements = Statements::Text {
            source: &self.text,
            checked: &self.checked,
        };
        let runner = Runner::new(statements, &self.library, engine, options).with_members(members);
        let (problems, ranges) = runner.problems();
        if problems.is_empty() {
            Ok((runner, ranges))
        } else {
            Err(self.report(output, &problems))
        }
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::STACK_BYTES)
        .build()
        .expect("a tokio runtime starts")
}

async fn open_engine(data: &DataArgs) -> Result<Engine, Diagnostic> {
    let spec = data.spec();
    let mut engine = if spec.is_empty() {
        match &spec.schema {
            Some(schema) => {
                Engine::demo_with_mapping_file(&DemoConfig::default(), schema, data.resources())
            }
            None => Engine::demo(&DemoConfig::default(), data.resources()),
        }
    } else {
        Engine::open(&spec, data.resources()).await
    }?;
    if let Some(url) = &data.cluster {
        engine.run_on_cluster(url).await?;
    }
    Ok(engine)
}

/// Opens the data, reporting why it cannot be: a bad argument is a usage
/// error, anything else a failure.
pub fn open_data(
    rt: &tokio::runtime::Runtime,
    data: &DataArgs,
    output: Output,
) -> Result<Engine, Status> {
    let mut engine = rt.block_on(open_engine(data)).map_err(|d| {
        output.error(&d);
        if d.code == codes::BAD_ARGUMENT || d.code == codes::UNKNOWN_TIME_ZONE {
            Status::Usage
        } else {
            Status::Failure
        }
    })?;
    data.adjust(&mut engine);
    Ok(engine)
}

/// The reporting time zone of texts run on `engine`: `--time-zone` when
/// given, else the schema mapping's `time_zone`, else UTC. An unknown zone
/// is a usage error.
pub fn decide_zone(
    data: &DataArgs,
    engine: &Engine,
    output: Output,
) -> Result<ReportingZone, Status> {
    let given = data.time_zone_flag(output)?;
    engine
        .mapping()
        .reporting_zone(given.as_ref())
        .map_err(|unknown| {
            output.error(&unknown.diagnostic("the schema mapping's time_zone"));
            Status::Usage
        })
}

impl DataArgs {
    /// `--time-zone`, when given; an unknown zone is a usage error.
    pub fn time_zone_flag(&self, output: Output) -> Result<Option<ReportingZone>, Status> {
        self.time_zone
            .as_deref()
            .map(|text| {
                ReportingZone::parse(text).map_err(|unknown| {
                    output.error(&unknown.diagnostic("--time-zone"));
                    Status::Usage
                })
            })
            .transpose()
    }
}

/// `now` for texts run on `engine`: `--now` when given (a date alone is
/// midnight in `zone`), else the dataset's own, else the wall clock's. A
/// `--now` that is no instant is a usage error.
pub fn decide_now(
    session: &SessionArgs,
    engine: &Engine,
    zone: &ReportingZone,
    output: Output,
) -> Result<Now, Status> {
    let given = match &session.now {
        None => None,
        Some(text) => match segql::syntax::parse_date(text) {
            Some(date) => Some(zone.date_micros(&date)),
            None => {
                output.error(
                    &Diagnostic::error(
                        codes::BAD_ARGUMENT,
                        format!("--now `{text}` is not a date or an RFC 3339 timestamp"),
                    )
                    .with_help(
                        "write it as 2026-06-01, 2026-06-01T00:00:00Z or 2026-06-01T02:00:00+02:00",
                    ),
                );
                return Err(Status::Usage);
            }
        },
    };
    Ok(Now::on(engine, given))
}

impl SessionArgs {
    /// What the session's texts are planned with: `now`, CSV lists read
    /// relative to `base_dir`, native operators over `partitions`, the
    /// reporting time zone.
    pub fn plan_options(
        &self,
        now: Now,
        base_dir: PathBuf,
        partitions: usize,
        zone: ReportingZone,
    ) -> PlanOptions {
        PlanOptions {
            now_micros: now.micros,
            base_dir,
            engine: self.engine.into(),
            partitions,
            zone,
            prune_by_storage: true,
        }
    }
}

/// Opens the data and decides the time zone and `now`: what planning a
/// loaded text needs.
pub fn prepare(
    rt: &tokio::runtime::Runtime,
    data: &DataArgs,
    text: &TextArgs,
    loaded: &Loaded,
    output: Output,
) -> Result<(Engine, Now, PlanOptions), Status> {
    let engine = open_data(rt, data, output)?;
    let zone = decide_zone(data, &engine, output)?;
    let now = decide_now(&text.session, &engine, &zone, output)?;
    let options =
        text.session
            .plan_options(now, loaded.base_dir.clone(), engine.partitions(), zone);
    Ok((engine, now, options))
}

//! The planner embedded in a host's engine: `examples/embed.rs` itself
//! (which runs a native funnel in a plain session), every example's
//! portable plan compiled against a plain DataFusion session that owns the
//! demo tables and giving segql's own answers, the catalog from a
//! `ContextProvider`, and `compile`'s errors.

use crate::support::{demo_engine, example_files, render_plain, runtime};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use segql::demo::{self, DemoConfig};
use segql::{CompileOptions, SequenceEngine, TableNames};
use std::sync::Arc;

#[allow(dead_code)] // its `main` is for `cargo run --example embed`
#[path = "../examples/embed.rs"]
mod embed_example;

#[test]
fn the_embed_example_runs() {
    let report = runtime()
        .block_on(embed_example::report())
        .unwrap_or_else(|e| panic!("examples/embed.rs failed: {e}"));
    // The segment: bob and dee left a cart without checking out in that
    // visit; cy never checked out; ann did.
    let members: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("users who viewed"))
        .skip(4)
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert_eq!(
        members,
        [
            "| bob     | free    | 0   |",
            "| cy      | premium | 310 |",
            "| dee     | free    | 15  |",
        ],
        "{report}"
    );
    assert!(report.contains("| cy      | 310 |"), "{report}");
    assert!(
        report.contains("| 3    | action \"CHECKOUT\" | 1     |"),
        "{report}"
    );
}

/// A plain session (DataFusion's defaults, nothing of segql's) with the
/// demo dataset's tables, as a host would have them.
fn host_with_demo_tables() -> SessionContext {
    let (events, users, accounts) = demo::in_memory(&DemoConfig::default());
    let ctx = SessionContext::new();
    for (name, batches) in [
        ("events", events),
        ("users", vec![users]),
        ("accounts", vec![accounts]),
    ] {
        let table = MemTable::try_new(batches[0].schema(), vec![batches]).expect("a table");
        ctx.register_table(name, Arc::new(table))
            .expect("registered");
    }
    ctx
}

/// The catalog of the host's demo tables, under their usual names.
fn demo_catalog(rt: &tokio::runtime::Runtime, host: &SessionContext) -> segql::TableCatalog {
    rt.block_on(segql::catalog_from_context(
        host,
        &TableNames::default(),
        Default::default(),
    ))
    .expect("a catalog")
}

/// Rows as text, sorted: the comparison ignores the order of rows that
/// analyses leave unspecified.
fn sorted_rows(batches: &[datafusion::arrow::record_batch::RecordBatch]) -> Vec<String> {
    let text = pretty_format_batches(batches)
        .expect("printable")
        .to_string();
    let mut rows: Vec<String> = text.lines().map(str::to_string).collect();
    rows.sort();
    rows
}

#[test]
fn every_example_runs_in_a_host_session_as_in_segql() {
    let rt = runtime();
    let (engine, options) = demo_engine();
    let host = host_with_demo_tables();
    let catalog = demo_catalog(&rt, &host);
    let mut checked = 0;
    for path in example_files() {
        let source = std::fs::read_to_string(&path).expect("readable");
        let program = segql::check(&source, &segql::Library::new())
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), render_plain(&source, &d)));
        let expected = rt
            .block_on(segql::engine::run_program(
                &program,
                &segql::Library::new(),
                &engine,
                &options,
            ))
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), render_plain(&source, &d)));
        let plan_options = segql::PlanOptions {
            engine: SequenceEngine::Portable,
            ..options.clone()
        };
        let queries = segql::resolve(&program, &segql::Library::new(), &catalog, &plan_options)
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), render_plain(&source, &d)));
        assert_eq!(queries.len(), expected.len(), "{}", path.display());
        for (query, outcome) in queries.iter().zip(&expected) {
            let plan = segql::plan(query, &catalog, &segql::LowerOptions::default())
                .unwrap_or_else(|d| panic!("{}: {}", path.display(), render_plain(&source, &[d])));
            let got = rt
                .block_on(segql::execute(&host, plan))
                .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
            assert_eq!(
                sorted_rows(&got),
                sorted_rows(&outcome.batches),
                "{}: the portable plan gives other rows in a host session",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} queries were compared");
}

#[test]
fn compile_plans_one_query_with_its_definitions() {
    let rt = runtime();
    let host = host_with_demo_tables();
    let catalog = demo_catalog(&rt, &host);
    let (engine, options) = demo_engine();
    let now = options.now_micros;
    let text = r#"
        segment carters = users who viewed "/cart" during last 30 days;
        users who in segment carters and not performed action "CHECKOUT" during last 30 days
    "#;
    let plan = segql::compile(text, &catalog, &CompileOptions::new().with_now_micros(now))
        .unwrap_or_else(|d| panic!("{}", render_plain(text, &d)));
    let got = rt.block_on(segql::execute(&host, plan)).expect("runs");
    let program = segql::check(text, &segql::Library::new()).expect("valid");
    let expected = rt
        .block_on(segql::engine::run_program(
            &program,
            &segql::Library::new(),
            &engine,
            &options,
        ))
        .expect("runs in segql");
    assert_eq!(sorted_rows(&got), sorted_rows(&expected[0].batches));
    assert!(expected[0].rows() > 0, "the segment should have members");

    // The keys alone, named after the audience.
    let keys = segql::compile_members(text, &catalog, &CompileOptions::new().with_now_micros(now))
        .expect("compiles");
    assert_eq!(keys.schema().fields().len(), 1);
    assert_eq!(keys.schema().field(0).name(), "user_id");
    let key_rows: usize = rt
        .block_on(segql::execute(&host, keys))
        .expect("runs")
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(key_rows, expected[0].rows());
}

#[test]
fn compile_reports_located_errors() {
    let host = host_with_demo_tables();
    let catalog = demo_catalog(&runtime(), &host);
    let options = CompileOptions::new();

    let two = r#"users who viewed "/cart"; users who viewed "/home""#;
    let errors = segql::compile(two, &catalog, &options).expect_err("two queries");
    let text = render_plain(two, &errors);
    assert!(
        text.contains("compile plans one query, but the text has 2"),
        "{text}"
    );

    let unknown = "users who have plann = \"premium\"";
    let errors = segql::compile(unknown, &catalog, &options).expect_err("no such column");
    let text = render_plain(unknown, &errors);
    assert!(text.contains("plann"), "{text}");
    assert!(text.contains("plan"), "{text}");

    let syntax = "users who viewed";
    assert!(segql::compile(syntax, &catalog, &options).is_err());

    let analysis = r#"funnel viewed "/home" then viewed "/cart""#;
    let errors = segql::compile_members(analysis, &catalog, &options).expect_err("an analysis");
    assert!(render_plain(analysis, &errors).contains("this is an analysis"));
}

#[test]
fn a_catalog_from_a_context_provider_names_the_hosts_tables() {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::common::{Result, TableReference, plan_err};
    use datafusion::config::ConfigOptions;
    use datafusion::logical_expr::planner::ContextProvider;
    use datafusion::logical_expr::{AggregateUDF, ScalarUDF, TableSource, WindowUDF};

    /// A SQL front end's view of the host's tables: only `clicks`.
    struct Host {
        clicks: Arc<dyn TableSource>,
        options: ConfigOptions,
    }
    impl ContextProvider for Host {
        fn get_table_source(&self, name: TableReference) -> Result<Arc<dyn TableSource>> {
            match name.table() {
                "clicks" => Ok(Arc::clone(&self.clicks)),
                other => plan_err!("no table {other}"),
            }
        }
        fn get_function_meta(&self, _: &str) -> Option<Arc<ScalarUDF>> {
            None
        }
        fn get_higher_order_meta(
            &self,
            _: &str,
        ) -> Option<Arc<datafusion::logical_expr::HigherOrderUDF>> {
            None
        }
        fn get_aggregate_meta(&self, _: &str) -> Option<Arc<AggregateUDF>> {
            None
        }
        fn get_window_meta(&self, _: &str) -> Option<Arc<WindowUDF>> {
            None
        }
        fn get_variable_type(&self, _: &[String]) -> Option<DataType> {
            None
        }
        fn options(&self) -> &ConfigOptions {
            &self.options
        }
        fn udf_names(&self) -> Vec<String> {
            Vec::new()
        }
        fn higher_order_function_names(&self) -> Vec<String> {
            Vec::new()
        }
        fn udaf_names(&self) -> Vec<String> {
            Vec::new()
        }
        fn udwf_names(&self) -> Vec<String> {
            Vec::new()
        }
    }

    let host_ctx = host_with_demo_tables();
    let events = runtime()
        .block_on(host_ctx.table_provider("events"))
        .expect("events");
    let host = Host {
        clicks: datafusion::datasource::provider_as_source(events),
        options: ConfigOptions::default(),
    };
    let names = TableNames {
        events: "clicks".into(),
        ..TableNames::default()
    };
    let catalog = segql::catalog_from_provider(&host, &names, Default::default());
    let plan = segql::compile(
        r#"users who viewed "/cart" then action "CHECKOUT""#,
        &catalog,
        &CompileOptions::new(),
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let shown = plan.display_indent().to_string();
    assert!(shown.contains("TableScan: clicks"), "{shown}");
    // No users table here: a profile test is a located error.
    let text = r#"users who have plan = "premium""#;
    let errors = segql::compile(text, &catalog, &CompileOptions::new()).expect_err("no users");
    assert!(!errors.is_empty());
    assert!(errors[0].span.is_some(), "{:?}", errors[0]);
}

//! Any bytes as an events file, in each format segql reads (Parquet, CSV,
//! NDJSON): opening it, checking its event times and running a segment, a
//! funnel and paths on it never panics, and whatever cannot be read is a
//! data error that names the file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const QUERIES: &str = "users who viewed \"/cart\" then action \"CHECKOUT\" within session;\n\
                       funnel viewed \"/home\" then viewed \"/cart\";\n\
                       paths from viewed \"/home\"";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime starts")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = ["events.parquet", "events.csv", "events.ndjson"][usize::from(selector % 3)];
    let dir = std::env::temp_dir().join(format!("segql-fuzz-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("the input is written");
    let result: Result<(), segql::Diagnostic> = runtime().block_on(async {
        let spec = segql::engine::DataSpec {
            events: Some(path.display().to_string()),
            ..Default::default()
        };
        let engine =
            segql::engine::Engine::open(&spec, segql::engine::Resources::threads(2)).await?;
        engine.check_events().await?;
        let options = segql::planner::PlanOptions {
            now_micros: 1_775_000_000_000_000,
            base_dir: dir.clone(),
            engine: segql::planner::SequenceEngine::Native,
            partitions: engine.partitions(),
            zone: Default::default(),
        };
        let program = segql::parse(QUERIES).expect("the queries parse");
        segql::engine::run_program(&program, &segql::Library::new(), &engine, &options)
            .await
            .map_err(|mut d| d.remove(0))?;
        Ok(())
    });
    let _ = std::fs::remove_file(&path);
    if let Err(d) = result {
        assert_ne!(d.code, segql::codes::INTERNAL, "{d:?}");
    }
});

//! segql: a compiler for a small language that defines segments of users and
//! accounts for product analytics.
//!
//! ```text
//! text ──parse──▶ Program ──check──▶ diagnostics             segql-syntax, segql-planner::check
//! Program + Catalog ──resolve──▶ Query ──lower──▶ LogicalPlan + AnalysisKind     segql-planner
//! LogicalPlan ──execute──▶ Outcome                                             segql-engine
//! Outcome ──present──▶ table, file, picture, chart                            segql-present
//! ```
//!
//! | stage    | input → output                         | crate          | function        |
//! |----------|----------------------------------------|----------------|-----------------|
//! | parse    | source text → [`Program`] (syntax tree) | `segql-syntax` | [`parse`]       |
//! | print    | [`Program`] → canonical source          | `segql-syntax` | [`format_program`] |
//! | check    | [`Program`] → diagnostics (names, rules) | `segql-planner` | [`validate`]    |
//! | resolve  | [`Program`] + catalog → IR               | `segql-planner` | [`resolve`] |
//! | lower    | IR → DataFusion `LogicalPlan`            | `segql-planner` | [`plan`] |
//! | execute  | `LogicalPlan` → Arrow record batches     | `segql-engine` | [`execute()`] in any session; [`engine::run_program`] on segql's engine |
//! | present  | results → tables, files, pictures, charts | `segql-present` | [`present`] |
//!
//! [`compile`] runs parse, check, resolve and plan in one call, against a
//! host's own tables ([`catalog_from_context`], [`catalog_from_provider`]):
//! the way to embed segql in another DataFusion engine (see [`embed`]).
//!
//! Every stage reports problems as [`Diagnostic`]s; [`render`] turns them
//! into the text a person reads (rustc style), plain text for tests, or JSON
//! for editors.
//!
//! ```
//! let program = segql::parse(r#"users who viewed "/cart" then not action "CHECKOUT" within session"#)
//!     .expect("valid segql");
//! assert!(segql::validate(&program, &segql::Library::new()).is_empty());
//! ```

pub mod embed;
pub mod export;
pub mod render;

#[cfg(feature = "cluster")]
pub use embed::cluster_context;
pub use embed::{
    CompileOptions, catalog_from_context, catalog_from_provider, compile, compile_members, execute,
};
pub use segql_planner::{
    Catalog, DerivedSessions, Library, LibraryDef, PlanOptions, Query, ReportingZone,
    SchemaMapping, SequenceEngine, TableCatalog, TableNames, TableRole, plan, resolve, validate,
};

pub use segql_demo as demo;
pub use segql_engine as engine;
pub use segql_planner as planner;
pub use segql_present as present;
pub use segql_syntax as syntax;
pub use segql_syntax::{
    Diagnostic, Program, Severity, Span, codes, format_program, parse, parse_lenient,
};

/// Parses and validates a program against a library of definitions: every
/// diagnostic that needs no data, syntax first.
pub fn check(source: &str, library: &Library) -> Result<Program, Vec<Diagnostic>> {
    let program = parse(source)?;
    let diagnostics = validate(&program, library);
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(diagnostics)
    } else {
        Ok(program)
    }
}

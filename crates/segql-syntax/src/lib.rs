//! segql's syntax: source text to an owned syntax tree with spans, the
//! canonical printer, the one keyword table, the `Diagnostic` type every
//! stage reports with, and the kind and columns of each query's result.
//! The first stage of:
//!
//! ```text
//! text ──parse──▶ Program ──check──▶ diagnostics             segql-syntax, segql-planner::check
//! Program + Catalog ──resolve──▶ Query ──lower──▶ LogicalPlan + AnalysisKind     segql-planner
//! LogicalPlan ──execute──▶ Outcome                                             segql-engine
//! Outcome ──present──▶ table, file, picture, chart                            segql-present
//! ```
//!
//! Modules: `keywords`, `lexer`/`tokens`, `ast/`, `parse/` (one function per
//! grammar production), `print/` (canonical text and `fmt`), `result`
//! (`AnalysisKind`, result columns), `diagnostic`, `span`.
//!
//! ```
//! let program = segql_syntax::parse(r#"users who viewed "/cart" then not action "CHECKOUT" within session"#)
//!     .expect("valid segql");
//! assert_eq!(program.statements.len(), 1);
//! assert_eq!(
//!     program.statements[0].to_string(),
//!     r#"users who viewed "/cart" then not action "CHECKOUT" within session"#
//! );
//! ```

mod ast;
mod diagnostic;
mod keywords;
mod lexer;
mod parse;
mod print;
pub mod result;
mod span;
mod tokens;

pub use ast::*;
pub use diagnostic::{Diagnostic, Label, QUOTED_MAX, Severity, codes, did_you_mean, quoted};
pub use keywords::{KEYWORDS, is_keyword};
pub use lexer::{parse_date, parse_duration, parse_instant};
pub use parse::{MAX_DEPTH, parse, parse_each, parse_lenient};
pub use print::{ProgramFormatter, format_program};
pub use span::{Span, line_col};
pub use tokens::{Token, TokenKind, ends_statement, tokens};

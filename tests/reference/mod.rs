//! A reference evaluator of segments for differential tests.
//!
//! - [`data`]: the reference datasets ([`RefDataset`]: plain vectors) and
//!   their Arrow record batches;
//! - [`eval`]: [`evaluate`], the members of every segment query of a
//!   program, computed straight from LANGUAGE.md §1, §4 and §6 by brute
//!   force, sharing no code with the planner;
//! - [`gen`]: proptest strategies for random datasets and random segment
//!   programs (as source text) that fit them;
//! - [`analysis`]: [`evaluate_all`], one [`Table`] per query of a program,
//!   analyses (LANGUAGE.md §5: funnel, retention, paths, explore) included,
//!   and [`tables_match`] to compare two results;
//! - [`analysis_gen`]: proptest strategies for random analysis programs;
//! - `model`: identity stitching and derived sessions (§10), applied to a
//!   dataset before anything reads it; `model_gen`: random settings of them;
//! - [`zone`]: the reporting time zone (local days, local midnight);
//! - `cases`: hand-computed cases (`cases/*.txt`), the ground truth of the
//!   reference itself; `tests`: the reference's own pieces, and the cases
//!   written in Rust.

#![allow(dead_code, unused_imports)]

pub mod analysis;
pub mod analysis_gen;
#[cfg(test)]
pub mod cases;
pub mod data;
pub mod eval;
pub mod r#gen;
mod model;
pub mod model_gen;
#[cfg(test)]
mod tests;
pub mod zone;

pub use analysis::{Cell, Table, evaluate_all, evaluate_all_source, tables_match};
pub use analysis_gen::arb_analysis_case;
pub use data::{RefDataset, RefEvent, RefProfile, RefSessions};
pub use eval::{evaluate, evaluate_source};
pub use r#gen::{BASE_DAY, BASE_MS, NOW_MS, Shape, arb_case, arb_dataset, arb_segment_program};
pub use model_gen::{arb_modelled_analysis_case, arb_modelled_case};

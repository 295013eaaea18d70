//! A reference evaluator of segments for differential tests.
//!
//! - [`data`]: the reference datasets ([`RefDataset`]: plain vectors) and
//!   their Arrow record batches;
//! - [`eval`]: [`evaluate`], the members of every segment query of a
//!   program, computed straight from LANGUAGE.md §1, §4 and §6 by brute
//!   force, sharing no code with the planner;
//! - [`gen`]: proptest strategies for random datasets and random segment
//!   programs (as source text) that fit them;
//! - `tests`: hand-computed cases, the ground truth of the reference itself.

#![allow(dead_code, unused_imports)]

pub mod data;
pub mod eval;
pub mod r#gen;
#[cfg(test)]
mod tests;

pub use data::{RefDataset, RefEvent, RefProfile};
pub use eval::{evaluate, evaluate_source};
pub use r#gen::{BASE_DAY, BASE_MS, NOW_MS, Shape, arb_case, arb_dataset, arb_segment_program};

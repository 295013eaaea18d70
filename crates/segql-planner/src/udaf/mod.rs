//! segql's own aggregate functions, which the native lowering
//! ([`crate::SequenceEngine::Native`]) plans in place of self-joins and
//! window passes: the sequence matcher ([`sequence`]) decides sequences and
//! funnels, the path builder ([`paths`]) builds one path per session. Both
//! read each actor's events once, in time order, keep their groups' events
//! alike ([`state`]), and are one kind of function to DataFusion
//! ([`aggregate`]), each saying only what it keeps and gives. One window
//! function numbers derived sessions ([`sessions`]), another lists the
//! periods of a span ([`series`]).

mod aggregate;
pub mod paths;
pub mod sequence;
pub mod series;
mod session_runs;
pub mod sessions;
mod state;
pub mod wire;

//! What a plan depends on beyond the text and the schemas: one set of
//! options, read by resolution (`now`, where CSV lists are) and by the
//! lowering (which operators sequences get, over how many partitions), so
//! that a caller fixes them once for both.

use crate::zone::ReportingZone;
use std::path::PathBuf;

/// Which lowering sequences and funnels get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SequenceEngine {
    /// Standard operators only (window functions and joins): runs in any
    /// `SessionContext` and unparses to SQL.
    #[default]
    Portable,
    /// The native matcher ([`crate::native`]): one pass per actor in time
    /// order. Plans carry its aggregate function, so they run only where
    /// segql's functions travel with the plan (any DataFusion context), not
    /// as SQL text.
    Native,
}

/// What a plan depends on beyond the text and the schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// `now` for relative ranges, in microseconds since the epoch. The
    /// caller reads the clock (or takes a fixed instant) once; planning
    /// never does.
    pub now_micros: i64,
    /// The folder `in csv "file"` paths are relative to.
    pub base_dir: PathBuf,
    /// Which lowering sequences and funnels get.
    pub engine: SequenceEngine,
    /// The number of partitions the native matcher spreads actors over
    /// (the threads of the engine that runs the plan); 1 adds no
    /// repartition.
    pub partitions: usize,
    /// The reporting time zone (LANGUAGE.md §10): local midnight of a
    /// date, local calendar periods, local output. UTC by default.
    pub zone: ReportingZone,
    /// Whether time ranges are also written on the stored event-time
    /// column and the mapping's partition date, where DataFusion prunes
    /// Parquet row groups and partition folders by them. Off for SQL
    /// export: other engines compare a zoned column with a timestamp
    /// literal in their session's time zone, and the exported SQL keeps to
    /// integer instants.
    pub prune_by_storage: bool,
}

//! Names of the columns the lowering adds. They start with `__segql_` so
//! they cannot meet a dataset's own columns.

/// The actor (user or account key) of an event or profile row.
pub const ACTOR: &str = "__segql_actor";
/// Event time in microseconds since the epoch (Int64).
pub const TS: &str = "__segql_ts";
/// The session as text, null when the event has none.
pub const SESSION: &str = "__segql_session";
/// The model event type (`view`, `action`, `error`, or the dataset's own).
pub const TYPE: &str = "__segql_type";
/// The event name (URL path, action name, error message, event name).
pub const NAME: &str = "__segql_name";

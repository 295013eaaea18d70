//! Derived sessions with a maximum length (LANGUAGE.md §10) have no SQL
//! form: each cut depends on where the current session started, which
//! standard window functions cannot carry from row to row, so the plan
//! numbers them with segql's own functions. Export says so rather
//! than writing a call no other engine has.

use super::calls;
use crate::{Diagnostic, codes};
use datafusion::logical_expr::LogicalPlan;
use segql_planner::udaf::sessions::SessionId;

/// An error when `plan` numbers sessions with segql's own functions.
pub(super) fn refuse_session_numbers(plan: &LogicalPlan) -> Result<(), Diagnostic> {
    if !calls(plan, SessionId::NAME)? {
        return Ok(());
    }
    Err(Diagnostic::error(
        codes::BAD_ARGUMENT,
        "derived sessions with a maximum length cannot be written as SQL",
    )
    .with_note(
        "a maximum length cuts each session from where it started, which standard SQL window functions cannot follow",
    )
    .with_help(
        "export with the inactivity gap alone (--sessions 30m, or no max_length in [sessions]), or run the query with segql",
    ))
}

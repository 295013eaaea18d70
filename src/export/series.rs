//! Lifecycle and stickiness (LANGUAGE.md §12) report every period of a
//! span, periods without events included; the plan lists them with
//! segql's own `segql_numbers` and an unnest. SQL dialects spell a series
//! each their own way (`generate_series` as a table, `range`, recursive
//! queries) and DataFusion's unparser writes none of them, so export says
//! so rather than writing SQL that loses the periods.

use super::calls;
use crate::{Diagnostic, codes};
use datafusion::logical_expr::LogicalPlan;
use segql_planner::udaf::series::Numbers;

/// An error when `plan` lists periods with `segql_numbers`.
pub(super) fn refuse_period_series(plan: &LogicalPlan) -> Result<(), Diagnostic> {
    if !calls(plan, Numbers::NAME)? {
        return Ok(());
    }
    Err(Diagnostic::error(
        codes::BAD_ARGUMENT,
        "lifecycle and stickiness cannot be written as SQL",
    )
    .with_note(
        "they report every period of their span, also periods without events, which needs a series of periods that every SQL dialect writes differently",
    )
    .with_help("run the analysis with segql (`segql run`), or export it as CSV with `--format csv`"))
}

//! `in any order` in the portable engine.

use crate::ir::*;
use crate::lower::holding::Shared;
use crate::lower::{Lowering, Result};
use datafusion_expr::{LogicalPlan, LogicalPlanBuilder};

impl Lowering<'_> {
    pub(super) fn any_order_groups(
        &self,
        _funnel: &FunnelIr,
        _shared: &Shared,
        _events: LogicalPlan,
    ) -> Result<LogicalPlanBuilder> {
        datafusion_common::plan_err!("FIXME-ANY")
    }
}

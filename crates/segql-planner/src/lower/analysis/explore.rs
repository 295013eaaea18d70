//! Explore: events, users, sessions and step counts grouped by columns and
//! time buckets, optionally limited to the top groups.

use crate::catalog::TableRole;
use crate::ir::*;
use crate::lower::expr::column;
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, SESSION, TS};
use datafusion_common::{Column, JoinType, ScalarValue};
use datafusion_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit, when};
use datafusion_functions_aggregate::expr_fn::count;
use segql_syntax::result::column as out;

impl Lowering<'_> {
    pub(in crate::lower) fn explore(&self, explore: &ExploreIr) -> Result<LogicalPlan> {
        let mut events = self.scoped_events(&explore.scope)?.build()?;
        // Profile columns come from the actor's profile row.
        let profile_by: Vec<&ByColumn> = explore
            .by
            .iter()
            .filter(|b| b.source == BySource::Profile)
            .collect();
        if !profile_by.is_empty() {
            events = match self.profile_relation()? {
                Some(profile) => {
                    let mut p = vec![column(ACTOR).alias("__segql_p_actor")];
                    for (i, by) in profile_by.iter().enumerate() {
                        p.push(by.expr.clone().alias(format!("__segql_pby{i}")));
                    }
                    let profile = profile.project(p)?.build()?;
                    let joined = self.join_null_equal(
                        events,
                        profile,
                        JoinType::Left,
                        &[(ACTOR, "__segql_p_actor")],
                    )?;
                    let schema = joined.schema().clone();
                    let columns: Vec<Expr> = schema
                        .iter()
                        .filter(|(_, f)| f.name() != "__segql_p_actor")
                        .map(|(q, f)| {
                            Expr::Column(Column::new(q.cloned(), f.name())).alias(f.name())
                        })
                        .collect();
                    joined.project(columns)?.build()?
                }
                None => {
                    let mut columns: Vec<Expr> = events
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| column(f.name()))
                        .collect();
                    for i in 0..profile_by.len() {
                        columns.push(lit(ScalarValue::Null).alias(format!("__segql_pby{i}")));
                    }
                    LogicalPlanBuilder::from(events).project(columns)?.build()?
                }
            };
        }
        // One narrow row per event: the group keys under inner names (a by
        // column may share its name with an event column), the time, the
        // session, the user and a 0/1 flag per counted step.
        let by_key = |i: usize| format!("__segql_by{i}");
        let mut keyed = vec![column(TS), column(SESSION)];
        let mut profile_index = 0;
        for (i, by) in explore.by.iter().enumerate() {
            let expr = match by.source {
                BySource::Event => by.expr.clone(),
                BySource::Profile => {
                    profile_index += 1;
                    column(&format!("__segql_pby{}", profile_index - 1))
                }
            };
            keyed.push(expr.alias(by_key(i)));
        }
        let uid = self.mapped(TableRole::Events, "user_id");
        keyed.push(column(&uid).alias("__segql_uid"));
        let mut measures = Vec::new();
        let mut counts = 0;
        for measure in &explore.measures {
            measures.push(match measure {
                MeasureIr::Events => count(lit(1i64)).alias(out::EVENTS),
                MeasureIr::Users => count(column("__segql_uid"))
                    .distinct()
                    .build()?
                    .alias(out::USERS),
                MeasureIr::Sessions => count(column(SESSION))
                    .distinct()
                    .build()?
                    .alias(out::SESSIONS),
                MeasureIr::Count(step) => {
                    counts += 1;
                    let name = segql_syntax::result::count_column(counts);
                    let flag_name = format!("__segql_c{counts}");
                    // 1 for a matching event, null otherwise: counting the
                    // non-null values gives 0, not null, over no events.
                    keyed.push(
                        when(step.clone(), lit(1i64))
                            .end()?
                            .alias(flag_name.as_str()),
                    );
                    count(column(&flag_name)).alias(name)
                }
            });
        }
        let keyed = LogicalPlanBuilder::from(events).project(keyed)?.build()?;
        let by_keys: Vec<String> = (0..explore.by.len()).map(by_key).collect();
        let mut group: Vec<Expr> = by_keys.iter().map(|n| column(n)).collect();
        if let Some(every) = explore.every {
            group.push(self.bucket_start(every, column(TS)).alias(out::TIME));
        }
        let mut result = LogicalPlanBuilder::from(keyed.clone())
            .aggregate(group, measures.clone())?
            .build()?;
        if let (Some(top), false) = (explore.top, by_keys.is_empty()) {
            // The top groups by the first measure over the whole range.
            let first = measures[0].clone();
            let first_name = first.schema_name().to_string();
            let totals = LogicalPlanBuilder::from(keyed).aggregate(
                by_keys.iter().map(|n| column(n)).collect::<Vec<_>>(),
                vec![first],
            )?;
            let mut order = vec![column(&first_name).sort(false, false)];
            order.extend(by_keys.iter().map(|n| column(n).sort(true, false)));
            let rank = datafusion_functions_window::expr_fn::row_number()
                .order_by(order)
                .build()?;
            let rank_name = rank.schema_name().to_string();
            let chosen = totals
                .window(vec![rank])?
                .filter(column(&rank_name).lt_eq(lit(segql_syntax::saturating_i64(top))))?
                .project(by_keys.iter().map(|n| column(n)).collect::<Vec<_>>())?
                .build()?;
            let keys: Vec<(&str, &str)> =
                by_keys.iter().map(|n| (n.as_str(), n.as_str())).collect();
            let joined = self.join_null_equal(result, chosen, JoinType::LeftSemi, &keys)?;
            let schema = joined.schema().clone();
            let columns: Vec<Expr> = schema
                .iter()
                .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())).alias(f.name()))
                .collect();
            result = joined.project(columns)?.build()?;
        }
        let by_names: Vec<String> = explore.by.iter().map(|b| b.name.clone()).collect();
        let mut output: Vec<Expr> = by_keys
            .iter()
            .zip(&by_names)
            .map(|(key, name)| column(key).alias(name.as_str()))
            .collect();
        output.extend(
            result
                .schema()
                .fields()
                .iter()
                .filter(|f| !f.name().starts_with("__segql_by"))
                .map(|f| column(f.name())),
        );
        let result = LogicalPlanBuilder::from(result).project(output)?.build()?;
        let mut order: Vec<_> = by_names
            .iter()
            .map(|n| column(n).sort(true, false))
            .collect();
        if explore.every.is_some() {
            order.push(column(out::TIME).sort(true, false));
        }
        if order.is_empty() {
            return Ok(result);
        }
        LogicalPlanBuilder::from(result).sort(order)?.build()
    }
}

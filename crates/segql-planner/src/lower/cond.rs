//! Conditions: a segment's members, `and`/`or`/`not`, profile tests and
//! behaviors of one step. However many items an `and` or `or` has, its
//! plan has a bounded depth (see [`Lowering::all`]).

use super::expr::{any_of, balanced, column, filter_form, qualified};
use super::holding::Shared;
use super::relations::join_on;
use super::{Lowering, Result};
use crate::ir::*;
use crate::names::{ACTOR, TS};
use datafusion_common::JoinType;
use datafusion_common::arrow::datatypes::DataType;
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, Operator, cast, lit, when,
};
use datafusion_functions_aggregate::expr_fn::{avg, count, max, min, sum};
use segql_syntax::{AggregateFunc, CmpOp};
use std::sync::Arc;

impl Lowering<'_> {
    /// A segment's members: one row per actor, its key and (with the
    /// audience's profile table) its profile columns, sorted by key.
    pub(super) fn members(&self, segment: &SegmentIr) -> Result<LogicalPlan> {
        let members = self.cond(&segment.condition)?;
        let key_name = self.audience.key_column();
        let Some(profile) = self.profile_relation()? else {
            return LogicalPlanBuilder::from(members)
                .project(vec![column(ACTOR).alias(key_name)])?
                .sort(vec![column(key_name).sort(true, false)])?
                .build();
        };
        let (table, role) = self
            .profile_table()
            .expect("a profile relation has a table");
        let raw_key = self.mapped(role, self.audience.key_column());
        let (m, p) = (self.alias("m"), self.alias("p"));
        let mut projection = vec![Expr::Column(qualified(&m, ACTOR)).alias(key_name)];
        projection.extend(
            table
                .schema()
                .fields()
                .iter()
                .filter(|f| f.name() != &raw_key && f.name() != key_name)
                .map(|f| Expr::Column(qualified(&p, f.name())).alias(f.name())),
        );
        join_on(
            members,
            profile,
            (&m, &p),
            JoinType::Left,
            &[(ACTOR, ACTOR)],
        )?
        .project(projection)?
        .sort(vec![column(key_name).sort(true, false)])?
        .build()
    }

    /// A condition as a relation of distinct actors.
    pub(super) fn cond(&self, cond: &Cond) -> Result<LogicalPlan> {
        match cond {
            Cond::Universe => self.universe(),
            Cond::And(items) => self.all(items.iter().collect()),
            Cond::Or(items) => self.any(items.iter().collect()),
            Cond::Not(inner) => {
                self.filter_actors(self.universe()?, self.cond(inner)?, JoinType::LeftAnti)
            }
            Cond::Profile {
                predicate,
                when_missing,
            } => {
                let Some(profile) = self.profile_relation()? else {
                    // Without a profile table no actor has a profile row.
                    return if *when_missing {
                        self.universe()
                    } else {
                        self.empty_set()
                    };
                };
                let with_row = self.actor_set(
                    profile.filter(predicate.clone().and(column(ACTOR).is_not_null()))?,
                )?;
                if !when_missing {
                    return Ok(with_row);
                }
                let profiled = self.actor_set(self.profile_relation()?.expect("checked above"))?;
                let without_row =
                    self.filter_actors(self.universe()?, profiled, JoinType::LeftAnti)?;
                self.actor_set(LogicalPlanBuilder::from(with_row).union(without_row)?)
            }
            Cond::Csv(set) => self.csv(set),
            Cond::Behavior(b) => self.behavior(b),
            Cond::Lifecycle(lifecycle) => self.lifecycle(lifecycle),
        }
    }

    /// The actors every item holds for. However many items there are, the
    /// plan has a bounded depth: the items that ask for one event (`viewed
    /// "/a"`, with a range or `within session`) are one grouped aggregate
    /// over one scan, negated items are one anti join (`not a and not b` is
    /// `not (a or b)`), and the others meet in a balanced tree of semi
    /// joins. A chain of thousands of nested joins would make every
    /// optimizer pass and plan walk of DataFusion quadratic, or overflow the
    /// stack.
    fn all(&self, items: Vec<&Cond>) -> Result<LogicalPlan> {
        let mut events = Vec::new();
        let mut negated = Vec::new();
        let mut plans = Vec::new();
        for item in flattened(items, true) {
            match item {
                // The universe holds every actor, and every relation is of
                // its actors.
                Cond::Universe => {}
                Cond::Not(inner) => negated.push(&**inner),
                Cond::Behavior(b) if let Some(predicate) = one_event(b) => events.push(predicate),
                other => plans.push(self.cond(other)?),
            }
        }
        if !events.is_empty() {
            plans.push(self.with_every_event(events)?);
        }
        let held = if plans.is_empty() {
            self.universe()?
        } else {
            self.intersection(plans)?
        };
        if negated.is_empty() {
            return Ok(held);
        }
        self.filter_actors(held, self.any(negated)?, JoinType::LeftAnti)
    }

    /// The actors some item holds for: the items that ask for one event
    /// are one scan with one filter, profile items one filter of the
    /// profile table, negated items one anti join (`not a or not b` is `not
    /// (a and b)`), and the rest one union.
    fn any(&self, items: Vec<&Cond>) -> Result<LogicalPlan> {
        let mut events = Vec::new();
        let mut profiles = Vec::new();
        let mut negated = Vec::new();
        let mut plans = Vec::new();
        for item in flattened(items, false) {
            match item {
                Cond::Universe => return self.universe(),
                Cond::Not(inner) => negated.push(&**inner),
                Cond::Behavior(b) if let Some(predicate) = one_event(b) => events.push(predicate),
                Cond::Profile {
                    predicate,
                    when_missing,
                } => profiles.push((predicate.clone(), *when_missing)),
                other => plans.push(self.cond(other)?),
            }
        }
        if !events.is_empty() {
            plans.push(self.actor_set(self.events_relation()?.filter(any_of(events))?)?);
        }
        if !profiles.is_empty() {
            // Some row satisfies one predicate or another exactly when some
            // row satisfies their disjunction (two-valued, like each).
            let when_missing = profiles.iter().any(|(_, missing)| *missing);
            let predicate = balanced(profiles.into_iter().map(|(p, _)| p).collect(), Operator::Or)
                .expect("collected one");
            plans.push(self.cond(&Cond::Profile {
                predicate,
                when_missing,
            })?);
        }
        if !negated.is_empty() {
            let excluded = self.all(negated)?;
            plans.push(self.filter_actors(self.universe()?, excluded, JoinType::LeftAnti)?);
        }
        if plans.len() == 1 {
            return Ok(plans.pop().expect("one plan"));
        }
        let union = datafusion_expr::logical_plan::Union::try_new_with_loose_types(
            plans.into_iter().map(Arc::new).collect(),
        )?;
        self.actor_set(LogicalPlanBuilder::from(LogicalPlan::Union(union)))
    }

    /// The actors in every one of `plans` (relations of distinct actors),
    /// through a balanced tree of semi joins.
    fn intersection(&self, mut plans: Vec<LogicalPlan>) -> Result<LogicalPlan> {
        while plans.len() > 1 {
            let mut pairs = Vec::with_capacity(plans.len().div_ceil(2));
            let mut rest = plans.into_iter();
            while let Some(left) = rest.next() {
                pairs.push(match rest.next() {
                    Some(right) => self.filter_actors(left, right, JoinType::LeftSemi)?,
                    None => left,
                });
            }
            plans = pairs;
        }
        Ok(plans.pop().expect("an intersection of at least one plan"))
    }

    /// The actors with, for each predicate, an event satisfying it: one scan
    /// of the events satisfying any of them, grouped by actor, with one bit
    /// per predicate or-ed over the actor's events (`bit_or`, 63 predicates a
    /// column, so that the plan has few columns however many predicates:
    /// DataFusion finds a column by name in a linear search).
    fn with_every_event(&self, predicates: Vec<Expr>) -> Result<LogicalPlan> {
        let rows = self
            .events_relation()?
            .filter(any_of(predicates.iter().cloned()))?;
        if predicates.len() == 1 {
            return self.actor_set(rows);
        }
        const BITS: usize = 63;
        let mut aggregates = Vec::new();
        let mut tests = Vec::new();
        for (c, chunk) in predicates.chunks(BITS).enumerate() {
            let bits = chunk
                .iter()
                .enumerate()
                .map(|(b, p)| when(filter_form(p.clone()), lit(1i64 << b)).otherwise(lit(0i64)))
                .collect::<Result<Vec<_>>>()?;
            let name = format!("__segql_every{c}");
            let all = if chunk.len() == BITS {
                i64::MAX
            } else {
                (1i64 << chunk.len()) - 1
            };
            aggregates.push(
                datafusion_functions_aggregate::expr_fn::bit_or(
                    balanced(bits, Operator::Plus).expect("a chunk has predicates"),
                )
                .alias(&name),
            );
            tests.push(column(&name).eq(lit(all)));
        }
        // Built as nodes, not through the builder: the builder resolves each
        // column by walking the whole input plan and its expressions, which
        // for thousands of predicates over a filter of thousands is
        // quadratic. Every column here is a bare name of the input.
        use datafusion_expr::logical_plan::{Aggregate, Filter};
        let grouped = Aggregate::try_new(Arc::new(rows.build()?), vec![column(ACTOR)], aggregates)?;
        let held = Filter::try_new(
            balanced(tests, Operator::And).expect("a chunk at least"),
            Arc::new(LogicalPlan::Aggregate(grouped)),
        )?;
        self.actor_set(LogicalPlanBuilder::from(LogicalPlan::Filter(held)))
    }

    fn empty_set(&self) -> Result<LogicalPlan> {
        let universe = self.universe()?;
        self.actor_set(LogicalPlanBuilder::from(universe).filter(lit(false))?)
    }

    fn behavior(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        if behavior.steps.len() == 1 {
            return self.single_step(behavior);
        }
        self.sequence(behavior)
    }

    fn single_step(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        let step = behavior.steps[0].predicate.clone();
        // A count counts the events of one actor that share these: its
        // session (`within session`) and held values (`holding`).
        let shared = Shared::new(behavior.within, &behavior.holding);
        let mut keys = vec![column(ACTOR)];
        keys.extend(shared.keys());
        let matching = || -> Result<LogicalPlanBuilder> {
            let mut predicate = step.clone();
            if let Some(present) = shared.present() {
                predicate = predicate.and(present);
            }
            let rows = self
                .events_in(behavior.range)?
                .filter(filter_form(predicate))?;
            shared.with_values(rows)
        };
        let count_column = "__segql_count";
        match &behavior.count {
            None => self.actor_set(matching()?),
            Some(CountIr::AtLeast(0)) => self.universe(),
            Some(CountIr::AtLeast(n)) => {
                let n = segql_syntax::saturating_i64(*n);
                match behavior.within {
                    Within::Micros(d) if n > 1 => {
                        // N matches within D: some N consecutive matches in
                        // time order span at most D.
                        let lag = datafusion_functions_window::expr_fn::lag(
                            column(TS),
                            Some(n - 1),
                            None,
                        )
                        .partition_by(keys.clone())
                        .order_by(vec![column(TS).sort(true, false)])
                        .build()?;
                        let lag_name = lag.schema_name().to_string();
                        let mut narrow = keys.clone();
                        narrow.push(column(TS));
                        let rows = matching()?
                            .project(narrow)?
                            .window(vec![lag])?
                            .filter((column(TS) - column(&lag_name)).lt_eq(lit(d)).is_true())?;
                        self.actor_set(rows)
                    }
                    Within::Micros(_) | Within::None | Within::Session => {
                        // N matches in all (within session: in one session).
                        let counts = matching()?
                            .aggregate(keys, vec![count(lit(1i64)).alias(count_column)])?
                            .filter(column(count_column).gt_eq(lit(n)))?;
                        self.actor_set(counts)
                    }
                }
            }
            Some(CountIr::AtMost(n)) | Some(CountIr::Exactly(n)) => {
                let counts =
                    matching()?.aggregate(keys, vec![count(lit(1i64)).alias(count_column)])?;
                let counts = if shared.holds() {
                    self.largest_per_actor(counts, count_column)?
                } else {
                    counts.build()?
                };
                let value =
                    datafusion_functions::expr_fn::coalesce(vec![column(count_column), lit(0i64)]);
                let test = match behavior.count {
                    Some(CountIr::AtMost(_)) => value.lt_eq(lit(segql_syntax::saturating_i64(*n))),
                    _ => value.eq(lit(segql_syntax::saturating_i64(*n))),
                };
                self.with_universe(counts, test)
            }
            Some(CountIr::Aggregate {
                func,
                column: value_column,
                op,
                value,
            }) => {
                let agg_name = "__segql_aggregate";
                let as_float = cast(value_column.clone(), DataType::Float64);
                let aggregate = match func {
                    AggregateFunc::Total => sum(as_float),
                    AggregateFunc::Average => avg(as_float),
                    AggregateFunc::Min => min(as_float),
                    AggregateFunc::Max => max(as_float),
                };
                let per_set = matching()?.aggregate(keys, vec![aggregate.alias(agg_name)])?;
                let zero = || lit(0.0f64);
                if shared.holds() {
                    // Some value set's aggregate passes; without any, the
                    // total of no events is 0.
                    let (of_set, when_none) = match func {
                        AggregateFunc::Total => (
                            datafusion_functions::expr_fn::coalesce(vec![column(agg_name), zero()]),
                            compare(zero(), *op, lit(*value)),
                        ),
                        _ => (column(agg_name), lit(false)),
                    };
                    let test = compare(of_set, *op, lit(*value)).is_true();
                    return self.some_value_set(per_set, test, when_none);
                }
                let per_actor = per_set.build()?;
                match func {
                    // The total of no events is 0, so actors without any
                    // are tested too.
                    AggregateFunc::Total => {
                        let total =
                            datafusion_functions::expr_fn::coalesce(vec![column(agg_name), zero()]);
                        self.with_universe(per_actor, compare(total, *op, lit(*value)).is_true())
                    }
                    _ => self.actor_set(
                        LogicalPlanBuilder::from(per_actor)
                            .filter(compare(column(agg_name), *op, lit(*value)).is_true())?,
                    ),
                }
            }
        }
    }

    /// Every actor of the universe, with the columns of `per_actor` (null
    /// where it has no row), kept where `test` holds.
    pub(super) fn with_universe(&self, per_actor: LogicalPlan, test: Expr) -> Result<LogicalPlan> {
        let (u, a) = (self.alias("u"), self.alias("a"));
        let value_columns: Vec<Expr> = per_actor
            .schema()
            .fields()
            .iter()
            .filter(|f| f.name() != ACTOR)
            .map(|f| Expr::Column(qualified(&a, f.name())).alias(f.name()))
            .collect();
        let mut projection = vec![Expr::Column(qualified(&u, ACTOR)).alias(ACTOR)];
        projection.extend(value_columns);
        let joined = join_on(
            self.universe()?,
            per_actor,
            (&u, &a),
            JoinType::Left,
            &[(ACTOR, ACTOR)],
        )?
        .project(projection)?
        .filter(test)?;
        self.actor_set(joined)
    }
}

/// The items of nested conjunctions (`and`) or disjunctions: `a and (b and
/// c)` is one conjunction of three.
fn flattened(items: Vec<&Cond>, and: bool) -> Vec<&Cond> {
    let mut out = Vec::with_capacity(items.len());
    let mut pending: Vec<&Cond> = items.into_iter().rev().collect();
    while let Some(item) = pending.pop() {
        match item {
            Cond::And(inner) if and => pending.extend(inner.iter().rev()),
            Cond::Or(inner) if !and => pending.extend(inner.iter().rev()),
            other => out.push(other),
        }
    }
    out
}

/// For a behavior that holds exactly when one of the actor's events
/// satisfies one predicate (one step, asked once): that predicate, with the
/// behavior's range and, for `within session` and `holding`, a session and
/// the held values. A filter (or a `CASE WHEN`) reads it; a null time makes
/// it null, which keeps the event out as the range's own filter would.
fn one_event(behavior: &Behavior) -> Option<Expr> {
    if behavior.steps.len() != 1 || !matches!(behavior.count, None | Some(CountIr::AtLeast(1))) {
        return None;
    }
    let mut predicate = behavior.steps[0].predicate.clone();
    if let Some(present) = Shared::new(behavior.within, &behavior.holding).present() {
        predicate = predicate.and(present);
    }
    if let Some(from) = behavior.range.from {
        predicate = predicate.and(column(TS).gt_eq(lit(from)));
    }
    if let Some(to) = behavior.range.to {
        predicate = predicate.and(column(TS).lt(lit(to)));
    }
    Some(predicate)
}

fn compare(left: Expr, op: CmpOp, right: Expr) -> Expr {
    match op {
        CmpOp::Eq => left.eq(right),
        CmpOp::NotEq => left.not_eq(right),
        CmpOp::Lt => left.lt(right),
        CmpOp::LtEq => left.lt_eq(right),
        CmpOp::Gt => left.gt(right),
        CmpOp::GtEq => left.gt_eq(right),
    }
}

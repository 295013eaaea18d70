//! The portable lowering: IR → DataFusion `LogicalPlan`, made of standard
//! operators only (scans, filters, projections, aggregates, window
//! functions, joins, unions), every derived relation aliased, no custom
//! functions. Any engine that runs DataFusion plans, or SQL unparsed from
//! them, can run it.
//!
//! A condition lowers to a relation of one column, [`names::ACTOR`], holding
//! distinct actor keys. Sequences are evaluated by one window pass per step
//! over the events of a partition (an actor, an actor's session, or an actor
//! and a start time for `within D`): an event is reachable at step j when it
//! matches step j and the latest event reachable at step j-1 lies strictly
//! before it with no event of the negated steps of that gap in between.

use crate::catalog::{Catalog, NameColumn, TableEntry, TableRole};
use crate::ir::*;
use crate::names::{ACTOR, NAME, SESSION, TS, TYPE};
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_common::{Column, JoinType, ScalarValue};
use datafusion_expr::expr::WindowFunction;
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, WindowFrame, WindowFrameBound,
    WindowFrameUnits, WindowFunctionDefinition, cast, lit, when,
};
use datafusion_functions_aggregate::expr_fn::{avg, count, max, min, sum};
use segql_parser::{AggregateFunc, Audience, CmpOp, Diagnostic, codes};
use std::cell::Cell;
use std::sync::Arc;

/// The plan of a segment query: its members, one row each, sorted by key,
/// with the profile columns when the audience's profile table is loaded.
pub fn plan_members(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, segment.audience)?;
    lowering.members(segment).map_err(internal)
}

/// For each CSV list a segment reads: where it comes from, where the text
/// names it, and a plan of one
/// row counting its values that match no actor (reported as a warning).
pub fn plan_csv_checks(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
) -> std::result::Result<Vec<(String, segql_parser::Span, LogicalPlan)>, Diagnostic> {
    fn collect<'c>(cond: &'c Cond, out: &mut Vec<&'c CsvSet>) {
        match cond {
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| collect(c, out)),
            Cond::Not(inner) => collect(inner, out),
            Cond::Csv(set) => out.push(set),
            Cond::Universe | Cond::Profile { .. } | Cond::Behavior(_) => {}
        }
    }
    let mut sets = Vec::new();
    collect(&segment.condition, &mut sets);
    let lowering = Lowering::new(catalog, segment.audience)?;
    sets.into_iter()
        .map(|set| {
            Ok((
                set.table.origin.clone(),
                set.span,
                lowering.csv_unmatched(set).map_err(internal)?,
            ))
        })
        .collect()
}

/// The plan of a segment's actor set alone (one column of keys).
pub fn plan_actor_set(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, segment.audience)?;
    lowering.cond(&segment.condition).map_err(internal)
}

fn internal(e: datafusion_common::DataFusionError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("segql could not build the plan: {e}"),
    )
    .with_note("this is a bug in segql")
}

type Result<T> = datafusion_common::Result<T>;

/// Plain column reference: never split at dots (`geo.country` is one name).
fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

fn qualified(relation: &str, name: &str) -> Column {
    Column::new(Some(relation), name)
}

struct Lowering<'a> {
    catalog: &'a dyn Catalog,
    audience: Audience,
    key_type: DataType,
    events: TableEntry,
    users: Option<TableEntry>,
    accounts: Option<TableEntry>,
    next_alias: Cell<usize>,
}

impl<'a> Lowering<'a> {
    fn new(catalog: &'a dyn Catalog, audience: Audience) -> std::result::Result<Self, Diagnostic> {
        let events = catalog.table(TableRole::Events).ok_or_else(|| {
            Diagnostic::error(codes::MISSING_TABLE, "no events table was given")
                .with_help("pass --events FILE or --data DIR")
        })?;
        let users = catalog.table(TableRole::Users);
        let accounts = catalog.table(TableRole::Accounts);
        let mut lowering = Lowering {
            catalog,
            audience,
            key_type: DataType::Utf8,
            events,
            users,
            accounts,
            next_alias: Cell::new(0),
        };
        lowering.key_type = lowering.compute_key_type();
        Ok(lowering)
    }

    /// The type actor keys are compared in: the key columns' common type, or
    /// text when they differ (LANGUAGE.md §6).
    fn compute_key_type(&self) -> DataType {
        let mapping = self.catalog.mapping();
        let mut types = Vec::new();
        let mut push = |table: &TableEntry, role: TableRole, model: &str| {
            if let Ok(field) = table.schema().field_with_name(&mapping.column(role, model)) {
                types.push(value_type(field.data_type()));
            }
        };
        match self.audience {
            Audience::Users => {
                push(&self.events, TableRole::Events, "user_id");
                if let Some(users) = &self.users {
                    push(users, TableRole::Users, "user_id");
                }
            }
            Audience::Accounts => {
                push(&self.events, TableRole::Events, "account_id");
                if let Some(users) = &self.users {
                    push(users, TableRole::Users, "account_id");
                }
                if let Some(accounts) = &self.accounts {
                    push(accounts, TableRole::Accounts, "account_id");
                }
            }
        }
        match types.split_first() {
            Some((first, rest)) if rest.iter().all(|t| t == first) && is_key_type(first) => {
                first.clone()
            }
            _ => DataType::Utf8,
        }
    }

    fn alias(&self, prefix: &str) -> String {
        let n = self.next_alias.get();
        self.next_alias.set(n + 1);
        format!("{prefix}_{n}")
    }

    fn scan(&self, table: &TableEntry) -> Result<LogicalPlanBuilder> {
        LogicalPlanBuilder::scan(table.name.as_str(), Arc::clone(&table.source), None)
    }

    fn mapped(&self, role: TableRole, model: &str) -> String {
        self.catalog.mapping().column(role, model)
    }

    fn has_column(table: &TableEntry, name: &str) -> bool {
        table.schema().field_with_name(name).is_ok()
    }

    /// Events with their normalized columns: actor, time, session, model
    /// type and name, plus every column of the events table (for `with`).
    /// Rows without a user, or (for accounts) without an account, are gone.
    fn events_relation(&self) -> Result<LogicalPlanBuilder> {
        let schema = self.events.schema();
        let uid = self.mapped(TableRole::Events, "user_id");
        let mut scan = self
            .scan(&self.events)?
            .filter(column(&uid).is_not_null())?;
        let mut raw: Vec<Expr> = schema.fields().iter().map(|f| column(f.name())).collect();
        let actor = match self.audience {
            Audience::Users => cast(column(&uid), self.key_type.clone()),
            Audience::Accounts => {
                let own = self.mapped(TableRole::Events, "account_id");
                let own = Self::has_column(&self.events, &own)
                    .then(|| cast(column(&own), self.key_type.clone()));
                let via_user = self.users_accounts()?;
                match (own, via_user) {
                    (own, Some(users)) => {
                        // Left join each event to its user's account.
                        let left_alias = self.alias("ev");
                        let uid_text = "__segql_uid_text";
                        let mut projected: Vec<Expr> = raw.clone();
                        projected.push(cast(column(&uid), DataType::Utf8).alias(uid_text));
                        scan = scan.project(projected)?.alias(left_alias.as_str())?.join(
                            users,
                            JoinType::Left,
                            (
                                vec![qualified(&left_alias, uid_text)],
                                vec![Column::new_unqualified("__segql_u_uid")],
                            ),
                            None,
                        )?;
                        raw = schema
                            .fields()
                            .iter()
                            .map(|f| Expr::Column(qualified(&left_alias, f.name())).alias(f.name()))
                            .collect();
                        let from_user = column("__segql_u_account");
                        match own {
                            Some(own) => datafusion_functions::expr_fn::coalesce(vec![
                                rebase(own, &left_alias),
                                from_user,
                            ]),
                            None => from_user,
                        }
                    }
                    (Some(own), None) => own,
                    (None, None) => lit(ScalarValue::try_from(&self.key_type)?),
                }
            }
        };
        let mut projection = vec![
            actor.alias(ACTOR),
            self.event_time()?.alias(TS),
            self.session()?.alias(SESSION),
            self.event_type().alias(TYPE),
            self.event_name().alias(NAME),
        ];
        projection.extend(raw);
        scan.project(projection)?
            .filter(column(ACTOR).is_not_null())
    }

    /// `user id as text → the user's account` from the users table, one row
    /// per user, if the users table has an account column.
    fn users_accounts(&self) -> Result<Option<LogicalPlan>> {
        let Some(users) = &self.users else {
            return Ok(None);
        };
        let account = self.mapped(TableRole::Users, "account_id");
        let uid = self.mapped(TableRole::Users, "user_id");
        if !Self::has_column(users, &account) || !Self::has_column(users, &uid) {
            return Ok(None);
        }
        let plan = self
            .scan(users)?
            .filter(column(&uid).is_not_null())?
            .aggregate(
                vec![cast(column(&uid), DataType::Utf8).alias("__segql_u_uid")],
                vec![max(cast(column(&account), self.key_type.clone())).alias("__segql_u_account")],
            )?
            .alias(self.alias("ua").as_str())?
            .build()?;
        Ok(Some(plan))
    }

    /// The event time as microseconds since the epoch, whatever its type.
    fn event_time(&self) -> Result<Expr> {
        let name = self.mapped(TableRole::Events, "timestamp");
        let field = self.events.schema().field_with_name(&name)?.clone();
        let utc_micros = DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")));
        Ok(match field.data_type() {
            // Epoch milliseconds.
            DataType::Int64 => column(&name) * lit(1000i64),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => cast(
                datafusion_functions::expr_fn::to_timestamp_micros(vec![column(&name)]),
                DataType::Int64,
            ),
            _ => cast(cast(column(&name), utc_micros), DataType::Int64),
        })
    }

    fn session(&self) -> Result<Expr> {
        let name = self.mapped(TableRole::Events, "session_id");
        Ok(if Self::has_column(&self.events, &name) {
            cast(column(&name), DataType::Utf8)
        } else {
            lit(ScalarValue::Utf8(None))
        })
    }

    /// The model event type: a mapping's renames (`page_view` → `view`)
    /// undone.
    fn event_type(&self) -> Expr {
        let raw = cast(
            column(&self.mapped(TableRole::Events, "event_type")),
            DataType::Utf8,
        );
        let renames: Vec<_> = self
            .catalog
            .mapping()
            .event_types
            .iter()
            .filter(|(model, data)| model != data)
            .collect();
        if renames.is_empty() {
            return raw;
        }
        let mut case = datafusion_expr::case(raw.clone());
        for (model, data) in renames {
            case = case.when(lit(data.clone()), lit(model.clone()));
        }
        case.otherwise(raw).expect("a CASE with branches")
    }

    fn event_name(&self) -> Expr {
        match &self.catalog.mapping().name {
            NameColumn::Single(name) => cast(column(name), DataType::Utf8),
            NameColumn::PerType { columns, default } => {
                let fallback = match default {
                    Some(d) => cast(column(d), DataType::Utf8),
                    None => lit(ScalarValue::Utf8(None)),
                };
                let mut case = datafusion_expr::case(self.event_type());
                for (model, data) in columns {
                    case = case.when(lit(model.clone()), cast(column(data), DataType::Utf8));
                }
                case.otherwise(fallback).expect("a CASE with branches")
            }
        }
    }

    fn profile_table(&self) -> Option<(&TableEntry, TableRole)> {
        match self.audience {
            Audience::Users => self.users.as_ref().map(|t| (t, TableRole::Users)),
            Audience::Accounts => self.accounts.as_ref().map(|t| (t, TableRole::Accounts)),
        }
    }

    /// The profile table with its key as ACTOR, plus its own columns.
    fn profile_relation(&self) -> Result<Option<LogicalPlanBuilder>> {
        let Some((table, role)) = self.profile_table() else {
            return Ok(None);
        };
        let key = self.mapped(role, self.audience.key_column());
        if !Self::has_column(table, &key) {
            return Ok(None);
        }
        let mut projection = vec![cast(column(&key), self.key_type.clone()).alias(ACTOR)];
        projection.extend(table.schema().fields().iter().map(|f| column(f.name())));
        Ok(Some(self.scan(table)?.project(projection)?))
    }

    /// Every actor of the audience (LANGUAGE.md §1): the non-null keys of the
    /// profile table and of the events (and, for accounts, of the users'
    /// accounts).
    fn universe(&self) -> Result<LogicalPlan> {
        let mut parts: Vec<LogicalPlan> = vec![
            self.events_relation()?
                .project(vec![column(ACTOR)])?
                .build()?,
        ];
        if let Some(profile) = self.profile_relation()? {
            parts.push(profile.project(vec![column(ACTOR)])?.build()?);
        }
        if self.audience == Audience::Accounts
            && let Some(users) = &self.users
        {
            let account = self.mapped(TableRole::Users, "account_id");
            if Self::has_column(users, &account) {
                parts.push(
                    self.scan(users)?
                        .project(vec![
                            cast(column(&account), self.key_type.clone()).alias(ACTOR),
                        ])?
                        .build()?,
                );
            }
        }
        let mut plans = parts.into_iter();
        let mut builder = LogicalPlanBuilder::from(plans.next().expect("events are always there"));
        for plan in plans {
            builder = builder.union(plan)?;
        }
        self.actor_set(builder.filter(column(ACTOR).is_not_null())?)
    }

    /// Distinct ACTOR, aliased.
    fn actor_set(&self, builder: LogicalPlanBuilder) -> Result<LogicalPlan> {
        builder
            .project(vec![column(ACTOR)])?
            .distinct()?
            .alias(self.alias("s").as_str())?
            .build()
    }

    /// Rows of `left` whose ACTOR is (semi) or is not (anti) in `right`.
    fn filter_actors(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
    ) -> Result<LogicalPlan> {
        let (l, r) = (self.alias("l"), self.alias("r"));
        let joined = LogicalPlanBuilder::from(left)
            .alias(l.as_str())?
            .join(
                LogicalPlanBuilder::from(right).alias(r.as_str())?.build()?,
                join,
                (vec![qualified(&l, ACTOR)], vec![qualified(&r, ACTOR)]),
                None,
            )?
            .project(vec![Expr::Column(qualified(&l, ACTOR)).alias(ACTOR)])?;
        self.actor_set(joined)
    }

    fn members(&self, segment: &SegmentIr) -> Result<LogicalPlan> {
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
        LogicalPlanBuilder::from(members)
            .alias(m.as_str())?
            .join(
                profile.alias(p.as_str())?.build()?,
                JoinType::Left,
                (vec![qualified(&m, ACTOR)], vec![qualified(&p, ACTOR)]),
                None,
            )?
            .project(projection)?
            .sort(vec![column(key_name).sort(true, false)])?
            .build()
    }

    /// A condition as a relation of distinct actors.
    fn cond(&self, cond: &Cond) -> Result<LogicalPlan> {
        match cond {
            Cond::Universe => self.universe(),
            Cond::And(items) => {
                let mut plans = items.iter().map(|c| self.cond(c));
                let mut acc = plans.next().expect("and has items")?;
                for plan in plans {
                    acc = self.filter_actors(acc, plan?, JoinType::LeftSemi)?;
                }
                Ok(acc)
            }
            Cond::Or(items) => {
                let mut plans = items.iter().map(|c| self.cond(c));
                let mut builder = LogicalPlanBuilder::from(plans.next().expect("or has items")?);
                for plan in plans {
                    builder = builder.union(plan?)?;
                }
                self.actor_set(builder)
            }
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
        }
    }

    fn empty_set(&self) -> Result<LogicalPlan> {
        let universe = self.universe()?;
        self.actor_set(LogicalPlanBuilder::from(universe).filter(lit(false))?)
    }

    /// Actors listed in a CSV column: by key, compared as text; or users by
    /// email, trimmed and case-insensitive.
    fn csv(&self, set: &CsvSet) -> Result<LogicalPlan> {
        let (candidates, listed) = self.csv_parts(set)?;
        let (c, l) = (self.alias("c"), self.alias("l"));
        let joined = LogicalPlanBuilder::from(candidates)
            .alias(c.as_str())?
            .join(
                LogicalPlanBuilder::from(listed)
                    .alias(l.as_str())?
                    .build()?,
                JoinType::LeftSemi,
                (
                    vec![qualified(&c, "__segql_match")],
                    vec![qualified(&l, "__segql_listed")],
                ),
                None,
            )?
            .project(vec![Expr::Column(qualified(&c, ACTOR)).alias(ACTOR)])?
            .filter(column(ACTOR).is_not_null())?;
        self.actor_set(joined)
    }

    /// The number of values of a CSV list that match no actor (one row,
    /// column `unmatched`).
    fn csv_unmatched(&self, set: &CsvSet) -> Result<LogicalPlan> {
        let (candidates, listed) = self.csv_parts(set)?;
        let (c, l) = (self.alias("c"), self.alias("l"));
        LogicalPlanBuilder::from(listed)
            .alias(l.as_str())?
            .join(
                LogicalPlanBuilder::from(candidates)
                    .alias(c.as_str())?
                    .build()?,
                JoinType::LeftAnti,
                (
                    vec![qualified(&l, "__segql_listed")],
                    vec![qualified(&c, "__segql_match")],
                ),
                None,
            )?
            .aggregate(
                Vec::<Expr>::new(),
                vec![count(lit(1i64)).alias("unmatched")],
            )?
            .build()
    }

    /// The actors a CSV list can name, with the text they are matched by,
    /// and the list's non-empty values in the same form.
    fn csv_parts(&self, set: &CsvSet) -> Result<(LogicalPlan, LogicalPlan)> {
        let value = "__segql_csv_value";
        let (candidates, key_text) = if set.by_email {
            let (users, _) = self.profile_table().expect("checked by resolution");
            let email = self.mapped(TableRole::Users, "email");
            let key = self.mapped(TableRole::Users, "user_id");
            let plan = self
                .scan(users)?
                .project(vec![
                    cast(column(&key), self.key_type.clone()).alias(ACTOR),
                    normalize_email(column(&email)).alias("__segql_match"),
                ])?
                .build()?;
            (plan, normalize_email(column(value)))
        } else {
            let universe = self.universe()?;
            let plan = LogicalPlanBuilder::from(universe)
                .project(vec![
                    column(ACTOR),
                    cast(column(ACTOR), DataType::Utf8).alias("__segql_match"),
                ])?
                .build()?;
            (plan, column(value))
        };
        let listed = self
            .scan(&set.table)?
            .project(vec![cast(column(&set.column), DataType::Utf8).alias(value)])?
            .filter(
                column(value)
                    .is_not_null()
                    .and(column(value).not_eq(lit(""))),
            )?
            .project(vec![key_text.alias("__segql_listed")])?
            .build()?;
        Ok((candidates, listed))
    }

    /// The events a behavior sees: in its range.
    fn events_in(&self, range: TimeRange) -> Result<LogicalPlanBuilder> {
        let mut events = self.events_relation()?;
        if let Some(from) = range.from {
            events = events.filter(column(TS).gt_eq(lit(from)))?;
        }
        if let Some(to) = range.to {
            events = events.filter(column(TS).lt(lit(to)))?;
        }
        Ok(events)
    }

    fn behavior(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        if behavior.steps.len() == 1 {
            return self.single_step(behavior);
        }
        self.sequence(behavior)
    }

    fn single_step(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        let step = behavior.steps[0].predicate.clone();
        let in_session = behavior.within == Within::Session;
        let matching = |extra: Option<Expr>| -> Result<LogicalPlanBuilder> {
            let mut predicate = step.clone();
            if in_session {
                predicate = predicate.and(column(SESSION).is_not_null());
            }
            if let Some(extra) = extra {
                predicate = predicate.and(extra);
            }
            self.events_in(behavior.range)?.filter(predicate)
        };
        let count_column = "__segql_count";
        match &behavior.count {
            None => self.actor_set(matching(None)?),
            Some(CountIr::AtLeast(0)) => self.universe(),
            Some(CountIr::AtLeast(n)) => {
                let n = *n as i64;
                match behavior.within {
                    Within::Micros(d) if n > 1 => {
                        // N matches within D: some N consecutive matches in
                        // time order span at most D.
                        let lag = datafusion_functions_window::expr_fn::lag(
                            column(TS),
                            Some(n - 1),
                            None,
                        )
                        .partition_by(vec![column(ACTOR)])
                        .order_by(vec![column(TS).sort(true, false)])
                        .build()?;
                        let lag_name = lag.schema_name().to_string();
                        let rows = matching(None)?
                            .project(vec![column(ACTOR), column(TS)])?
                            .window(vec![lag])?
                            .filter((column(TS) - column(&lag_name)).lt_eq(lit(d)).is_true())?;
                        self.actor_set(rows)
                    }
                    Within::Micros(_) | Within::None => {
                        let counts = matching(None)?
                            .aggregate(
                                vec![column(ACTOR)],
                                vec![count(lit(1i64)).alias(count_column)],
                            )?
                            .filter(column(count_column).gt_eq(lit(n)))?;
                        self.actor_set(counts)
                    }
                    Within::Session => {
                        let counts = matching(None)?
                            .aggregate(
                                vec![column(ACTOR), column(SESSION)],
                                vec![count(lit(1i64)).alias(count_column)],
                            )?
                            .filter(column(count_column).gt_eq(lit(n)))?;
                        self.actor_set(counts)
                    }
                }
            }
            Some(CountIr::AtMost(n)) | Some(CountIr::Exactly(n)) => {
                let counts = matching(None)?
                    .aggregate(
                        vec![column(ACTOR)],
                        vec![count(lit(1i64)).alias(count_column)],
                    )?
                    .build()?;
                let value =
                    datafusion_functions::expr_fn::coalesce(vec![column(count_column), lit(0i64)]);
                let test = match behavior.count {
                    Some(CountIr::AtMost(_)) => value.lt_eq(lit(*n as i64)),
                    _ => value.eq(lit(*n as i64)),
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
                let per_actor = matching(None)?
                    .aggregate(vec![column(ACTOR)], vec![aggregate.alias(agg_name)])?
                    .build()?;
                match func {
                    // The total of no events is 0, so actors without any
                    // are tested too.
                    AggregateFunc::Total => {
                        let total = datafusion_functions::expr_fn::coalesce(vec![
                            column(agg_name),
                            lit(0.0f64),
                        ]);
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
    fn with_universe(&self, per_actor: LogicalPlan, test: Expr) -> Result<LogicalPlan> {
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
        let joined = LogicalPlanBuilder::from(self.universe()?)
            .alias(u.as_str())?
            .join(
                LogicalPlanBuilder::from(per_actor)
                    .alias(a.as_str())?
                    .build()?,
                JoinType::Left,
                (vec![qualified(&u, ACTOR)], vec![qualified(&a, ACTOR)]),
                None,
            )?
            .project(projection)?
            .filter(test)?;
        self.actor_set(joined)
    }

    fn sequence(&self, behavior: &Behavior) -> Result<LogicalPlan> {
        // Positive steps, and for each the negated steps of the gap after it
        // (the last gap is "after the last positive step").
        let mut positive: Vec<Expr> = Vec::new();
        let mut gaps: Vec<Option<Expr>> = Vec::new();
        for step in &behavior.steps {
            if step.negated {
                let gap = gaps
                    .last_mut()
                    .expect("a sequence starts with a positive step");
                *gap = Some(match gap.take() {
                    Some(existing) => existing.or(step.predicate.clone()),
                    None => step.predicate.clone(),
                });
            } else {
                positive.push(step.predicate.clone());
                gaps.push(None);
            }
        }
        let k = positive.len();
        let flag = |kind: &str, j: usize| format!("__segql_{kind}{j}");

        let any_step = behavior
            .steps
            .iter()
            .map(|s| s.predicate.clone())
            .reduce(Expr::or)
            .expect("a sequence has steps");
        let mut rows = self.events_in(behavior.range)?.filter(any_step)?;
        if behavior.within == Within::Session {
            rows = rows.filter(column(SESSION).is_not_null())?;
        }
        let mut projection = vec![column(ACTOR), column(TS), column(SESSION)];
        for (j, p) in positive.iter().enumerate() {
            projection.push(p.clone().alias(flag("m", j)));
        }
        for (j, g) in gaps.iter().enumerate() {
            if let Some(g) = g {
                projection.push(g.clone().alias(flag("g", j)));
            }
        }
        let mut rows = rows.project(projection)?;
        let flag_columns: Vec<String> = (0..k)
            .map(|j| flag("m", j))
            .chain((0..k).filter(|j| gaps[*j].is_some()).map(|j| flag("g", j)))
            .collect();

        // The partition a chain lives in, and which events may start it.
        let start = "__segql_start";
        let (partition, first_reachable) = match behavior.within {
            Within::None => (vec![column(ACTOR)], column(&flag("m", 0))),
            Within::Session => (vec![column(ACTOR), column(SESSION)], column(&flag("m", 0))),
            Within::Micros(d) => {
                // One partition per actor and start time: the events from
                // the start to the start + D, inclusive.
                let rows_plan = rows.build()?;
                let starts = LogicalPlanBuilder::from(rows_plan.clone())
                    .filter(column(&flag("m", 0)))?
                    .aggregate(
                        vec![
                            column(ACTOR).alias("__segql_s_actor"),
                            column(TS).alias(start),
                        ],
                        Vec::<Expr>::new(),
                    )?
                    .build()?;
                let (e, s) = (self.alias("e"), self.alias("st"));
                let mut projection = vec![
                    Expr::Column(qualified(&e, ACTOR)).alias(ACTOR),
                    Expr::Column(qualified(&e, TS)).alias(TS),
                    Expr::Column(qualified(&s, start)).alias(start),
                ];
                projection.extend(
                    flag_columns
                        .iter()
                        .map(|f| Expr::Column(qualified(&e, f)).alias(f.as_str())),
                );
                let window = Expr::Column(qualified(&e, TS))
                    .gt_eq(Expr::Column(qualified(&s, start)))
                    .and(
                        Expr::Column(qualified(&e, TS))
                            .lt_eq(Expr::Column(qualified(&s, start)) + lit(d)),
                    );
                rows = LogicalPlanBuilder::from(rows_plan)
                    .alias(e.as_str())?
                    .join(
                        LogicalPlanBuilder::from(starts)
                            .alias(s.as_str())?
                            .build()?,
                        JoinType::Inner,
                        (
                            vec![qualified(&e, ACTOR)],
                            vec![qualified(&s, "__segql_s_actor")],
                        ),
                        Some(window),
                    )?
                    .project(projection)?;
                (
                    vec![column(ACTOR), column(start)],
                    column(&flag("m", 0)).and(column(TS).eq(column(start))),
                )
            }
        };

        let reach = |j: usize| format!("__segql_r{j}");
        let mut keep: Vec<Expr> = rows
            .schema()
            .fields()
            .iter()
            .map(|f| column(f.name()))
            .collect();
        keep.push(first_reachable.is_true().alias(reach(0)));
        rows = rows.project(keep)?;
        for j in 1..k {
            let before = WindowFrame::new_bounds(
                WindowFrameUnits::Range,
                WindowFrameBound::Preceding(ScalarValue::Int64(None)),
                WindowFrameBound::Preceding(ScalarValue::Int64(Some(1))),
            );
            let latest = |flag_column: String| -> Result<Expr> {
                let value = when(column(&flag_column), column(TS)).end()?;
                Expr::from(WindowFunction::new(
                    WindowFunctionDefinition::AggregateUDF(
                        datafusion_functions_aggregate::min_max::max_udaf(),
                    ),
                    vec![value],
                ))
                .partition_by(partition.clone())
                .order_by(vec![column(TS).sort(true, false)])
                .window_frame(before.clone())
                .build()
            };
            let mut windows = vec![latest(reach(j - 1))?];
            if gaps[j - 1].is_some() {
                windows.push(latest(flag("g", j - 1))?);
            }
            let names: Vec<String> = windows
                .iter()
                .map(|w| w.schema_name().to_string())
                .collect();
            let previous = column(&names[0]);
            let mut reachable = column(&flag("m", j)).and(previous.clone().is_not_null());
            if let Some(negated) = names.get(1) {
                reachable = reachable.and(
                    column(negated)
                        .is_null()
                        .or(column(negated).lt_eq(previous)),
                );
            }
            let mut keep: Vec<Expr> = rows
                .schema()
                .fields()
                .iter()
                .map(|f| column(f.name()))
                .collect();
            keep.push(reachable.is_true().alias(reach(j)));
            rows = rows.window(windows)?.project(keep)?;
        }

        let last = reach(k - 1);
        match &gaps[k - 1] {
            None => self.actor_set(rows.filter(column(&last))?),
            Some(_) => {
                // Negated steps at the end: nothing of them strictly after
                // the latest reachable last step, up to the partition's end
                // (the session's, the range's, or start + D).
                let latest = max(when(column(&last), column(TS)).end()?).alias("__segql_last");
                let negated =
                    max(when(column(&flag("g", k - 1)), column(TS)).end()?).alias("__segql_neg");
                let groups = rows
                    .aggregate(partition.clone(), vec![latest, negated])?
                    .filter(
                        column("__segql_last").is_not_null().and(
                            column("__segql_neg")
                                .is_null()
                                .or(column("__segql_neg").lt_eq(column("__segql_last"))),
                        ),
                    )?;
                self.actor_set(groups)
            }
        }
    }
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

fn normalize_email(e: Expr) -> Expr {
    datafusion_functions::expr_fn::lower(datafusion_functions::expr_fn::btrim(vec![cast(
        e,
        DataType::Utf8,
    )]))
}

/// Qualifies the unqualified columns of `e` with `relation`.
fn rebase(e: Expr, relation: &str) -> Expr {
    use datafusion_common::tree_node::{Transformed, TreeNode};
    e.transform(|node| {
        Ok(match node {
            Expr::Column(c) if c.relation.is_none() => {
                Transformed::yes(Expr::Column(Column::new(Some(relation), c.name)))
            }
            other => Transformed::no(other),
        })
    })
    .map(|t| t.data)
    .expect("rebasing columns cannot fail")
}

/// Strings of any encoding compare as plain text; other key types as they
/// are.
fn value_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Dictionary(_, value) => value_type(value),
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        other => other.clone(),
    }
}

fn is_key_type(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8) || data_type.is_integer()
}

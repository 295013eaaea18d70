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
use crate::native::{SequenceMatch, SequenceOutput, SequencePattern};
use crate::native_paths;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_common::{Column, JoinType, ScalarValue};
use datafusion_expr::expr::WindowFunction;
use datafusion_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, Operator, WindowFrame,
    WindowFrameBound, WindowFrameUnits, WindowFunctionDefinition, cast, lit, when,
};
use datafusion_functions_aggregate::expr_fn::{avg, count, max, min, sum};
use segql_syntax::{AggregateFunc, Audience, CmpOp, Diagnostic, codes};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The plan of one resolved query: a segment's members (one row each,
/// sorted by key, with the profile columns when the audience's profile table
/// is loaded), or an analysis with the columns of LANGUAGE.md §5.
pub fn plan_query(
    query: &Query,
    catalog: &dyn Catalog,
    options: &LowerOptions,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let audience = match &query.kind {
        QueryKind::Members(segment) => segment.audience,
        QueryKind::Funnel(f) => f.scope.audience,
        QueryKind::Retention(r) => r.scope.audience,
        QueryKind::Paths(p) => p.scope.audience,
        QueryKind::Explore(e) => e.scope.audience,
    };
    let lowering = Lowering::new(catalog, audience)?.with_options(options);
    let plan = match &query.kind {
        QueryKind::Members(segment) => lowering.members(segment),
        QueryKind::Funnel(funnel) => lowering.funnel(funnel),
        QueryKind::Retention(retention) => lowering.retention(retention),
        QueryKind::Paths(paths) => lowering.paths(paths),
        QueryKind::Explore(explore) => lowering.explore(explore),
    };
    plan.map_err(internal)
}

/// For each CSV list a segment reads: where it comes from, where the text
/// names it, and a plan of one
/// row counting its values that match no actor (reported as a warning).
pub fn plan_csv_checks(
    segment: &SegmentIr,
    catalog: &dyn Catalog,
) -> std::result::Result<Vec<(String, segql_syntax::Span, LogicalPlan)>, Diagnostic> {
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
    options: &LowerOptions,
) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, segment.audience)?.with_options(options);
    lowering.cond(&segment.condition).map_err(internal)
}

/// A plan of one row and one column, `last_event`: the time of the newest
/// event of the events table in microseconds since the epoch (null when
/// the table is empty). Where the data ends, for showing the periods of a
/// retention that lie after it.
pub fn plan_last_event_time(catalog: &dyn Catalog) -> std::result::Result<LogicalPlan, Diagnostic> {
    let lowering = Lowering::new(catalog, Audience::Users)?;
    lowering.last_event_time().map_err(internal)
}

fn internal(e: datafusion_common::DataFusionError) -> Diagnostic {
    Diagnostic::error(
        codes::INTERNAL,
        format!("segql could not build the plan: {e}"),
    )
    .with_note("this is a bug in segql")
}

type Result<T> = datafusion_common::Result<T>;

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

/// How queries are lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowerOptions {
    pub engine: SequenceEngine,
    /// The number of partitions the native matcher spreads actors over
    /// (the engine's threads); 1 adds no repartition.
    pub partitions: usize,
}

impl Default for LowerOptions {
    fn default() -> Self {
        LowerOptions {
            engine: SequenceEngine::Portable,
            partitions: 1,
        }
    }
}

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
    options: LowerOptions,
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
            options: LowerOptions::default(),
        };
        lowering.key_type = lowering.compute_key_type();
        Ok(lowering)
    }

    fn with_options(mut self, options: &LowerOptions) -> Self {
        self.options = *options;
        self
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

    fn last_event_time(&self) -> Result<LogicalPlan> {
        self.scan(&self.events)?
            .aggregate(
                Vec::<Expr>::new(),
                vec![max(self.event_time()?).alias("last_event")],
            )?
            .build()
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
        projection.extend(self.unqualified(raw));
        scan.project(projection)?
            .filter(column(ACTOR).is_not_null())
    }

    /// In the portable lowering, the table's columns by their bare names.
    /// SQL export writes a projection under a filter as a derived table,
    /// where a reference qualified by the table's name would not resolve.
    fn unqualified(&self, columns: Vec<Expr>) -> Vec<Expr> {
        if self.options.engine != SequenceEngine::Portable {
            return columns;
        }
        columns
            .into_iter()
            .map(|e| match e {
                Expr::Column(c) => {
                    let name = c.name.clone();
                    Expr::Column(c).alias(name)
                }
                other => other,
            })
            .collect()
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
        // Timestamps count from the epoch in UTC whatever their zone: their
        // integer value, scaled to microseconds, needs no timestamp cast
        // (whose unit SQL export could not keep).
        let raw = || cast(column(&name), DataType::Int64);
        Ok(match field.data_type() {
            DataType::Timestamp(TimeUnit::Microsecond, _) => raw(),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                cast(raw() / lit(1000i64), DataType::Int64)
            }
            DataType::Timestamp(TimeUnit::Millisecond, _) => raw() * lit(1000i64),
            DataType::Timestamp(TimeUnit::Second, _) => raw() * lit(1_000_000i64),
            // Epoch milliseconds.
            DataType::Int64 => column(&name) * lit(1000i64),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => cast(
                datafusion_functions::expr_fn::to_timestamp_micros(vec![column(&name)]),
                DataType::Int64,
            ),
            _ => cast(cast(column(&name), utc_micros), DataType::Int64),
        })
    }

    /// An events column as text: string columns as they are (a cast would
    /// copy every value, and DataFusion compares and groups string views
    /// fastest), others cast.
    fn event_text(&self, name: &str) -> Expr {
        let is_text = self.events.schema().field_with_name(name).is_ok_and(|f| {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            )
        });
        if is_text {
            column(name)
        } else {
            cast(column(name), DataType::Utf8)
        }
    }

    fn session(&self) -> Result<Expr> {
        let name = self.mapped(TableRole::Events, "session_id");
        Ok(if Self::has_column(&self.events, &name) {
            self.event_text(&name)
        } else {
            lit(ScalarValue::Utf8(None))
        })
    }

    /// The model event type: a mapping's renames (`page_view` → `view`)
    /// undone.
    fn event_type(&self) -> Expr {
        let raw = self.event_text(&self.mapped(TableRole::Events, "event_type"));
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
            NameColumn::Single(name) => self.event_text(name),
            NameColumn::PerType { columns, default } => {
                // The types the mapping does not list keep the default
                // column, `name`, when the events have one (LANGUAGE.md §8:
                // "Unmapped names keep their defaults").
                let fallback = match default {
                    Some(d) => self.event_text(d),
                    None if Self::has_column(&self.events, "name") => self.event_text("name"),
                    None => lit(ScalarValue::Utf8(None)),
                };
                let mut case = datafusion_expr::case(self.event_type());
                for (model, data) in columns {
                    case = case.when(lit(model.clone()), self.event_text(data));
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
        projection.extend(
            self.unqualified(
                table
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| column(f.name()))
                    .collect(),
            ),
        );
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
            self.events_in(behavior.range)?
                .filter(filter_form(predicate))
        };
        let count_column = "__segql_count";
        match &behavior.count {
            None => self.actor_set(matching(None)?),
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
        let events = self.events_in(behavior.range)?;
        if let Some(pattern) =
            self.native_pattern(&behavior.steps, behavior.within, SequenceOutput::Holds)
        {
            let rows = self.native_sequence(&behavior.steps, behavior.within, events, pattern)?;
            return self.actor_set(rows.filter(column(MATCHED))?);
        }
        let reach = self.reach(&behavior.steps, behavior.within, events, false, false)?;
        let last = reach_flag(reach.k - 1);
        if reach.end_gap.is_none() {
            return self.actor_set(reach.rows.filter(column(&last))?);
        }
        let (aggregates, check) = (reach.end_check_aggregates()?, reach.end_check());
        let groups = reach
            .rows
            .aggregate(reach.partition, aggregates)?
            .filter(check)?;
        self.actor_set(groups)
    }

    /// The reachability of each step of a sequence, event by event.
    ///
    /// `events` are the events the sequence sees (range and scope applied).
    /// The result has, per row: ACTOR, TS, the partition columns, the
    /// columns the steps read, and `__segql_r{k-1}` — the event matches the
    /// last positive step and ends a chain of every positive step that
    /// obeys every rule but the negated steps after the last positive step
    /// (which [`Reach::end_check`] tests per partition). With `furthest`,
    /// also TOP: the most positive steps short of the last that a chain
    /// ending at the event reaches (null when none). With `by_start`, every
    /// chain lives in a partition of its own start time (column
    /// `__segql_start`), so a partition's result belongs to the chains that
    /// start there.
    ///
    /// Each window pass evaluates its own step's predicates over the event
    /// columns the rows carry, and keeps only the reach flag of its step:
    /// a pass carries a bounded number of columns however many steps there
    /// are (a flag per step carried through every pass would make the plan,
    /// and every pass of its run, grow with the square of the steps).
    fn reach(
        &self,
        steps: &[StepIr],
        within: Within,
        events: LogicalPlanBuilder,
        by_start: bool,
        furthest: bool,
    ) -> Result<Reach> {
        // Positive steps, and for each the negated steps of the gap after it
        // (the last gap is "after the last positive step").
        let mut positive: Vec<Expr> = Vec::new();
        let mut gaps: Vec<Vec<Expr>> = Vec::new();
        for step in steps {
            if step.negated {
                gaps.last_mut()
                    .expect("a sequence starts with a positive step")
                    .push(step.predicate.clone());
            } else {
                positive.push(step.predicate.clone());
                gaps.push(Vec::new());
            }
        }
        let gaps: Vec<Option<Expr>> = gaps
            .into_iter()
            .map(|g| balanced(g, Operator::Or))
            .collect();
        let k = positive.len();
        let mut rows = events.filter(any_of(steps.iter().map(|s| s.predicate.clone())))?;
        if within == Within::Session {
            rows = rows.filter(column(SESSION).is_not_null())?;
        }
        let mut read = BTreeSet::new();
        for step in steps {
            read.extend(
                step.predicate
                    .column_refs()
                    .into_iter()
                    .map(|c| c.name.clone()),
            );
        }
        let mut carried = vec![ACTOR.to_string(), TS.to_string(), SESSION.to_string()];
        for c in [ACTOR, TS, SESSION] {
            read.remove(c);
        }
        carried.extend(read);
        let mut rows = rows.project(carried.iter().map(|c| column(c)).collect::<Vec<_>>())?;

        // The partition a chain lives in, and which events may start it.
        let (partition, first_reachable) = if by_start || matches!(within, Within::Micros(_)) {
            // One partition per actor (and session) and start time: the
            // events from the start on (to the start + D, inclusive).
            let rows_plan = rows.build()?;
            let mut start_keys = vec![column(ACTOR).alias("__segql_s_actor")];
            if within == Within::Session {
                start_keys.push(column(SESSION).alias("__segql_s_session"));
            }
            start_keys.push(column(TS).alias(START));
            let starts = LogicalPlanBuilder::from(rows_plan.clone())
                .filter(filter_form(positive[0].clone()))?
                .aggregate(start_keys, Vec::<Expr>::new())?
                .build()?;
            let (e, s) = (self.alias("e"), self.alias("st"));
            let mut projection: Vec<Expr> = carried
                .iter()
                .map(|c| Expr::Column(qualified(&e, c)).alias(c.as_str()))
                .collect();
            projection.push(Expr::Column(qualified(&s, START)).alias(START));
            let mut window =
                Expr::Column(qualified(&e, TS)).gt_eq(Expr::Column(qualified(&s, START)));
            if let Within::Micros(d) = within {
                window = window.and(
                    Expr::Column(qualified(&e, TS))
                        .lt_eq(Expr::Column(qualified(&s, START)) + lit(d)),
                );
            }
            let mut left_keys = vec![qualified(&e, ACTOR)];
            let mut right_keys = vec![qualified(&s, "__segql_s_actor")];
            if within == Within::Session {
                left_keys.push(qualified(&e, SESSION));
                right_keys.push(qualified(&s, "__segql_s_session"));
            }
            rows = LogicalPlanBuilder::from(rows_plan)
                .alias(e.as_str())?
                .join(
                    LogicalPlanBuilder::from(starts)
                        .alias(s.as_str())?
                        .build()?,
                    JoinType::Inner,
                    (left_keys, right_keys),
                    Some(window),
                )?
                .project(projection)?;
            carried.push(START.to_string());
            let mut partition = vec![column(ACTOR)];
            if within == Within::Session {
                partition.push(column(SESSION));
            }
            partition.push(column(START));
            (
                partition,
                positive[0].clone().and(column(TS).eq(column(START))),
            )
        } else if within == Within::Session {
            (vec![column(ACTOR), column(SESSION)], positive[0].clone())
        } else {
            (vec![column(ACTOR)], positive[0].clone())
        };

        // Per pass: the carried columns, the reach flag of the pass's step,
        // and TOP.
        let mut keep: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
        if furthest {
            keep.push(lit(ScalarValue::Int64(None)).alias(TOP));
        }
        keep.push(exactly_true(first_reachable).alias(reach_flag(0)));
        rows = rows.project(keep)?;
        let mut carried: Vec<Expr> = carried.iter().map(|c| column(c)).collect();
        if furthest {
            carried.push(column(TOP));
        }
        for j in 1..k {
            let before = WindowFrame::new_bounds(
                WindowFrameUnits::Range,
                WindowFrameBound::Preceding(ScalarValue::Int64(None)),
                WindowFrameBound::Preceding(ScalarValue::Int64(Some(1))),
            );
            let latest = |of: Expr| -> Result<Expr> {
                let value = when(of, column(TS)).end()?;
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
            let mut windows = vec![latest(column(&reach_flag(j - 1)))?];
            if let Some(gap) = &gaps[j - 1] {
                windows.push(latest(filter_form(gap.clone()))?);
            }
            let names: Vec<String> = windows
                .iter()
                .map(|w| w.schema_name().to_string())
                .collect();
            let previous = column(&names[0]);
            let mut reachable = positive[j].clone().and(previous.clone().is_not_null());
            if let Some(negated) = names.get(1) {
                reachable = reachable.and(
                    column(negated)
                        .is_null()
                        .or(column(negated).lt_eq(previous)),
                );
            }
            let mut projection = carried.clone();
            if furthest {
                // A chain reaching step j-1 (j steps) ends here; a later
                // pass overrides an earlier one.
                let top = projection.pop().expect("TOP is carried last");
                projection.push(
                    when(column(&reach_flag(j - 1)), lit(j as i64))
                        .otherwise(top)?
                        .alias(TOP),
                );
            }
            projection.push(exactly_true(reachable).alias(reach_flag(j)));
            // Nodes, not the builder: the builder resolves each column by
            // walking the whole plan below, which grows with every pass.
            // Every column here is a bare name of the input.
            let window =
                datafusion_expr::logical_plan::Window::try_new(windows, Arc::new(rows.build()?))?;
            let projected = datafusion_expr::logical_plan::Projection::try_new(
                projection,
                Arc::new(LogicalPlan::Window(window)),
            )?;
            rows = LogicalPlanBuilder::from(LogicalPlan::Projection(projected));
        }
        Ok(Reach {
            rows,
            partition,
            k,
            end_gap: gaps[k - 1].clone(),
        })
    }
}

/// Column of the native matcher's result per actor (or session).
const MATCHED: &str = "__segql_matched";

/// Column of an event's mask word `w` for the native matcher.
fn mask_word(w: usize) -> String {
    format!("__segql_mask{w}")
}

impl Lowering<'_> {
    /// The pattern the native matcher runs for these steps, when the native
    /// engine is chosen and the matcher handles them.
    fn native_pattern(
        &self,
        steps: &[StepIr],
        within: Within,
        output: SequenceOutput,
    ) -> Option<SequencePattern> {
        if self.options.engine != SequenceEngine::Native {
            return None;
        }
        let mut gaps: Vec<bool> = Vec::new();
        for step in steps {
            if step.negated {
                *gaps
                    .last_mut()
                    .expect("a sequence starts with a positive step") = true;
            } else {
                gaps.push(false);
            }
        }
        let end_negated = *gaps.last().expect("a sequence has a positive step");
        let window = match within {
            Within::Micros(d) => Some(d),
            Within::None | Within::Session => None,
        };
        // Negated steps at the end of a window look up to start + D, which
        // needs the earliest start, not the latest one the matcher keeps.
        if window.is_some() && end_negated {
            return None;
        }
        // The earliest start is found for chains that end at a positive
        // step only.
        if output == SequenceOutput::FurthestWithStart && end_negated {
            return None;
        }
        Some(SequencePattern {
            steps: gaps.len(),
            gaps,
            window,
            output,
        })
    }

    /// Per actor (and session, for `within session`): MATCHED, the native
    /// matcher's result over the events that match some step.
    fn native_sequence(
        &self,
        steps: &[StepIr],
        within: Within,
        events: LogicalPlanBuilder,
        pattern: SequencePattern,
    ) -> Result<LogicalPlanBuilder> {
        let mut rows = events.filter(any_of(steps.iter().map(|s| s.predicate.clone())))?;
        if within == Within::Session {
            rows = rows.filter(column(SESSION).is_not_null())?;
        }
        // The negated steps of one gap share its bit: an event matching
        // several of them must set it once (a sum of the same bit twice
        // would carry into the next one).
        let mut predicates: BTreeMap<usize, Vec<Expr>> = BTreeMap::new();
        let mut positive = 0usize;
        for step in steps {
            let index = if step.negated {
                SequencePattern::gap_index(positive - 1)
            } else {
                positive += 1;
                SequencePattern::step_index(positive - 1)
            };
            predicates
                .entry(index)
                .or_default()
                .push(step.predicate.clone());
        }
        let mut words: Vec<Vec<Expr>> = vec![Vec::new(); pattern.words()];
        for (index, predicates) in predicates {
            let (word, bit) = SequencePattern::word_bit(index);
            let predicate = balanced(predicates, Operator::Or).expect("a bit has a step");
            words[word].push(when(predicate, lit(bit)).otherwise(lit(0i64))?);
        }
        let mut keys = vec![column(ACTOR)];
        if within == Within::Session {
            keys.push(column(SESSION));
        }
        let mut projection = keys.clone();
        projection.push(column(TS));
        for (w, bits) in words.into_iter().enumerate() {
            // A word of no bit (only gap bits of steps without negated
            // steps fall there) is zero.
            let word = balanced(bits, Operator::Plus).unwrap_or_else(|| lit(0i64));
            projection.push(word.alias(mask_word(w)));
        }
        rows = rows.project(projection)?;
        if self.options.partitions > 1 {
            // Each actor whole on one core: the aggregate then runs in one
            // phase, without shipping partial per-actor event lists.
            rows = rows.repartition(datafusion_expr::Partitioning::Hash(
                keys.clone(),
                self.options.partitions,
            ))?;
        }
        if let Some(plan) = Self::min_max_sequence(&rows, &keys, &pattern)? {
            return Ok(plan);
        }
        rows.aggregate(
            keys,
            vec![
                SequenceMatch::call(
                    pattern.clone(),
                    column(TS),
                    (0..pattern.words())
                        .map(|w| column(&mask_word(w)))
                        .collect(),
                )
                .alias(MATCHED),
            ],
        )
    }

    /// Two common shapes need no ordered pass, only two extreme times per
    /// group, which DataFusion's own `min`/`max` compute fastest:
    /// - `A then B` (no window, no negated step): the first A before the
    ///   last B;
    /// - `A then not B` (no window): the last A, and no B after it.
    fn min_max_sequence(
        rows: &LogicalPlanBuilder,
        keys: &[Expr],
        pattern: &SequencePattern,
    ) -> Result<Option<LogicalPlanBuilder>> {
        if pattern.window.is_some() {
            return Ok(None);
        }
        // Two steps at most: their bits are in the first word.
        let mask = column(&mask_word(0));
        let time_of = |index: usize| -> Result<Expr> {
            let (_, bit) = SequencePattern::word_bit(index);
            when((mask.clone() & lit(bit)).not_eq(lit(0i64)), column(TS)).end()
        };
        let (first, second, holds) = match (pattern.steps, pattern.gaps.as_slice()) {
            (2, [false, false]) => {
                let (a, b) = (column("__segql_a"), column("__segql_b"));
                (
                    min(time_of(SequencePattern::step_index(0))?),
                    max(time_of(SequencePattern::step_index(1))?),
                    a.lt(b),
                )
            }
            (1, [true]) => {
                let (a, b) = (column("__segql_a"), column("__segql_b"));
                (
                    max(time_of(SequencePattern::step_index(0))?),
                    max(time_of(SequencePattern::gap_index(0))?),
                    a.clone()
                        .is_not_null()
                        .and(b.clone().is_null().or(b.lt_eq(a))),
                )
            }
            _ => return Ok(None),
        };
        let reached = match pattern.output {
            SequenceOutput::Holds => exactly_true(holds),
            // A funnel reaches step 1 of `A then B` with any A.
            SequenceOutput::Furthest if pattern.steps == 2 => when(holds.is_true(), lit(2i64))
                .when(column("__segql_a").is_not_null(), lit(1i64))
                .otherwise(lit(0i64))?,
            SequenceOutput::Furthest => when(holds.is_true(), lit(1i64)).otherwise(lit(0i64))?,
            // Two extreme times do not tell which start is the earliest
            // that reaches the furthest step.
            SequenceOutput::FurthestWithStart => return Ok(None),
        };
        let mut projection = keys.to_vec();
        projection.push(reached.alias(MATCHED));
        Ok(Some(
            rows.clone()
                .aggregate(
                    keys.to_vec(),
                    vec![first.alias("__segql_a"), second.alias("__segql_b")],
                )?
                .project(projection)?,
        ))
    }
}

/// Column of the start time of a chain's partition.
const START: &str = "__segql_start";

/// Column of the most steps short of the last a chain ending at an event
/// reaches, see [`Lowering::reach`].
const TOP: &str = "__segql_top";

fn reach_flag(j: usize) -> String {
    format!("__segql_r{j}")
}

/// Events with their reachability flags, see [`Lowering::reach`].
struct Reach {
    rows: LogicalPlanBuilder,
    partition: Vec<Expr>,
    /// Number of positive steps.
    k: usize,
    /// The negated steps after the last positive step, as one predicate.
    end_gap: Option<Expr>,
}

impl Reach {
    /// Per partition: the latest event reaching the last step, and the
    /// latest event of the negated steps after it.
    fn end_check_aggregates(&self) -> Result<Vec<Expr>> {
        let last = reach_flag(self.k - 1);
        let mut aggregates =
            vec![max(when(column(&last), column(TS)).end()?).alias("__segql_last")];
        if let Some(gap) = &self.end_gap {
            aggregates
                .push(max(when(filter_form(gap.clone()), column(TS)).end()?).alias("__segql_neg"));
        }
        Ok(aggregates)
    }

    /// Whether a partition completes the sequence: a last step is reached
    /// and nothing of the negated steps after it follows it, up to the
    /// partition's end (the session's, the range's, or start + D).
    fn end_check(&self) -> Expr {
        let reached = column("__segql_last").is_not_null();
        if self.end_gap.is_none() {
            return reached;
        }
        reached.and(
            column("__segql_neg")
                .is_null()
                .or(column("__segql_neg").lt_eq(column("__segql_last"))),
        )
    }
}

/// `p IS NOT DISTINCT FROM true`: true when `p` is, false when it is false
/// or null. The same as `p IS TRUE`, but spelt so that DataFusion's logical
/// and physical plans agree on its nullability (the logical `IS TRUE` is
/// never null, the physical one, planned as this comparison, may be), and
/// an aggregate or window over it runs in any session.
///
/// `NOT p` is written `p IS NOT DISTINCT FROM false`, which means the same:
/// SQL reads `NOT p IS NOT DISTINCT FROM true` as `NOT (p IS ...)`, and
/// DataFusion's unparser writes a `NOT` operand without parentheses.
pub(crate) fn exactly_true(predicate: Expr) -> Expr {
    let (operand, value) = match predicate {
        Expr::Not(inner) => (*inner, false),
        other => (other, true),
    };
    Expr::BinaryExpr(datafusion_expr::BinaryExpr::new(
        Box::new(operand),
        datafusion_expr::Operator::IsNotDistinctFrom,
        Box::new(lit(value)),
    ))
}

/// A two-valued predicate as a filter condition. A filter keeps only the
/// rows where its condition is true, so `p IS TRUE` there is `p`, and so are
/// the `IS TRUE` wrappers under `and`/`or` (null and false are both dropped
/// either way); under `not` they stay. The plain form keeps DataFusion's
/// fast boolean paths.
fn filter_form(predicate: Expr) -> Expr {
    use datafusion_expr::{BinaryExpr, Operator};
    match predicate {
        Expr::IsTrue(inner) => filter_form(*inner),
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::IsNotDistinctFrom && *right == lit(true) =>
        {
            filter_form(*left)
        }
        // `exactly_true(NOT p)`: under `not` the wrappers stay.
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::IsNotDistinctFrom && *right == lit(false) =>
        {
            Expr::Not(left)
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op == Operator::And || op == Operator::Or =>
        {
            Expr::BinaryExpr(BinaryExpr::new(
                Box::new(filter_form(*left)),
                op,
                Box::new(filter_form(*right)),
            ))
        }
        other => other,
    }
}

/// `items` joined by `op` as a balanced tree (`None` when there are none).
/// A chain of thousands of terms as a left-deep tree would make every
/// recursive walk over it (simplification, type coercion, physical
/// planning, SQL export) recurse as deep, and overflow the stack.
pub(crate) fn balanced(mut items: Vec<Expr>, op: Operator) -> Option<Expr> {
    while items.len() > 1 {
        let mut pairs = Vec::with_capacity(items.len().div_ceil(2));
        let mut rest = items.into_iter();
        while let Some(left) = rest.next() {
            pairs.push(match rest.next() {
                Some(right) => datafusion_expr::binary_expr(left, op, right),
                None => left,
            });
        }
        items = pairs;
    }
    items.pop()
}

/// Rows where any of `predicates` (two-valued) holds, as one filter
/// condition. Predicates that differ only in the value one column is
/// compared with (`TYPE = 'view' AND NAME = '/a'`, `… AND NAME = '/b'`)
/// become one `IN` list, which DataFusion tests with one hash lookup rather
/// than one comparison per predicate: an `or` of thousands of `viewed` steps
/// stays one cheap filter. In a filter, `r AND c = v1 OR r AND c = v2` and
/// `r AND c IN (v1, v2)` keep the same rows, nulls included.
fn any_of(predicates: impl IntoIterator<Item = Expr>) -> Expr {
    use datafusion_expr::utils::{conjunction, split_conjunction_owned};
    // (the other conjuncts, the column) → the values, in first-seen order.
    let mut lists: Vec<(Vec<Expr>, Expr, Vec<Expr>)> = Vec::new();
    let mut by_rest: std::collections::HashMap<(Vec<Expr>, Expr), usize> =
        std::collections::HashMap::new();
    let mut terms = Vec::new();
    for predicate in predicates {
        let predicate = filter_form(predicate);
        let mut conjuncts = split_conjunction_owned(predicate.clone());
        let Some(at) = conjuncts.iter().rposition(|c| {
            matches!(c, Expr::BinaryExpr(datafusion_expr::BinaryExpr { left, op: Operator::Eq, right })
                if matches!(**left, Expr::Column(_)) && matches!(**right, Expr::Literal(..)))
        }) else {
            terms.push(predicate);
            continue;
        };
        let Expr::BinaryExpr(datafusion_expr::BinaryExpr { left, right, .. }) =
            conjuncts.remove(at)
        else {
            unreachable!("found above")
        };
        let key = (conjuncts, *left);
        match by_rest.get(&key) {
            Some(&i) => lists[i].2.push(*right),
            None => {
                by_rest.insert(key.clone(), lists.len());
                lists.push((key.0, key.1, vec![*right]));
            }
        }
    }
    for (mut rest, column, mut values) in lists {
        rest.push(if values.len() == 1 {
            column.eq(values.pop().expect("one value"))
        } else {
            datafusion_expr::in_list(column, values, false)
        });
        terms.push(conjunction(rest).expect("a comparison at least"));
    }
    balanced(terms, Operator::Or).unwrap_or_else(|| lit(false))
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
/// behavior's range and, for `within session`, a session. A filter (or a
/// `CASE WHEN`) reads it; a null time makes it null, which keeps the event
/// out as the range's own filter would.
fn one_event(behavior: &Behavior) -> Option<Expr> {
    if behavior.steps.len() != 1 || !matches!(behavior.count, None | Some(CountIr::AtLeast(1))) {
        return None;
    }
    let mut predicate = behavior.steps[0].predicate.clone();
    if behavior.within == Within::Session {
        predicate = predicate.and(column(SESSION).is_not_null());
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

const FURTHEST: &str = "__segql_furthest";
const BY: &str = "__segql_by";
const BLOCK: &str = "__segql_block";

impl Lowering<'_> {
    /// The events an analysis sees: in its range, of its `for` segment's
    /// actors.
    fn scoped_events(&self, scope: &Scope) -> Result<LogicalPlanBuilder> {
        let events = self.events_in(scope.range)?;
        let Some(segment) = &scope.segment else {
            return Ok(events);
        };
        let members = self.cond(segment)?;
        let (e, m) = (self.alias("ev"), self.alias("sc"));
        let joined = events.alias(e.as_str())?.join(
            LogicalPlanBuilder::from(members)
                .alias(m.as_str())?
                .build()?,
            JoinType::LeftSemi,
            (vec![qualified(&e, ACTOR)], vec![qualified(&m, ACTOR)]),
            None,
        )?;
        let unqualified: Vec<Expr> = joined
            .schema()
            .fields()
            .iter()
            .map(|f| Expr::Column(qualified(&e, f.name())).alias(f.name()))
            .collect();
        joined.project(unqualified)
    }

    /// Per actor that reaches step 1: FURTHEST (the last positive step it
    /// reaches, from 1) and, with an event `by`, BY read on the step-1
    /// event starting its furthest-reaching chain (the earliest one).
    fn funnel_actors(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let event_by = funnel.by.as_ref().filter(|b| b.source == BySource::Event);
        let events = self.scoped_events(&funnel.scope)?.build()?;
        if event_by.is_none()
            && let Some(pattern) =
                self.native_pattern(&funnel.steps, funnel.within, SequenceOutput::Furthest)
        {
            return self
                .native_sequence(
                    &funnel.steps,
                    funnel.within,
                    LogicalPlanBuilder::from(events),
                    pattern,
                )?
                .filter(column(MATCHED).gt(lit(0i64)))?
                .aggregate(
                    vec![column(ACTOR)],
                    vec![max(column(MATCHED)).alias(FURTHEST)],
                )?
                .build();
        }
        // With an event `by`, the native matcher also gives, per actor (and
        // session), the time of the earliest start reaching the furthest
        // step.
        let native_with_start = event_by.and_then(|_| {
            self.native_pattern(
                &funnel.steps,
                funnel.within,
                SequenceOutput::FurthestWithStart,
            )
        });
        let mut per_partition = if let Some(pattern) = native_with_start {
            let field = |name: &str| {
                datafusion_functions::core::expr_fn::get_field(column(MATCHED), name.to_string())
            };
            self.native_sequence(
                &funnel.steps,
                funnel.within,
                LogicalPlanBuilder::from(events.clone()),
                pattern,
            )?
            .project({
                let mut p = vec![column(ACTOR)];
                if funnel.within == Within::Session {
                    p.push(column(SESSION));
                }
                p.push(field(crate::native::FURTHEST_FIELD).alias(FURTHEST));
                p.push(field(crate::native::START_FIELD).alias(START));
                p
            })?
            .filter(column(FURTHEST).gt(lit(0i64)))?
        } else {
            let reach = self.reach(
                &funnel.steps,
                funnel.within,
                LogicalPlanBuilder::from(events.clone()),
                event_by.is_some(),
                true,
            )?;
            let k = reach.k;
            // Furthest step short of the last, per row.
            let below = column(TOP);
            let mut aggregates = reach.end_check_aggregates()?;
            aggregates.push(max(below).alias("__segql_below"));
            let check = reach.end_check();
            let furthest = when(check, lit(k as i64))
                .otherwise(column("__segql_below"))?
                .alias(FURTHEST);
            reach
                .rows
                .aggregate(reach.partition.clone(), aggregates)?
                .project({
                    let mut p = vec![column(ACTOR), furthest];
                    if event_by.is_some() {
                        if funnel.within == Within::Session {
                            p.push(column(SESSION));
                        }
                        p.push(column(START));
                    }
                    p
                })?
                .filter(column(FURTHEST).is_not_null())?
        };
        let Some(by) = event_by else {
            return per_partition
                .aggregate(
                    vec![column(ACTOR)],
                    vec![max(column(FURTHEST)).alias(FURTHEST)],
                )?
                .build();
        };
        // The earliest start among the partitions reaching the actor's
        // furthest step: the partitions first by furthest step (descending),
        // then by start; those ranked first are kept (several sessions may
        // share that start). One window, so that SQL export writes it as one
        // derived table.
        let first = datafusion_functions_window::expr_fn::rank()
            .partition_by(vec![column(ACTOR)])
            .order_by(vec![
                column(FURTHEST).sort(false, false),
                column(START).sort(true, false),
            ])
            .build()?;
        let first_name = first.schema_name().to_string();
        let mut kept = vec![column(ACTOR)];
        if funnel.within == Within::Session {
            kept.push(column(SESSION));
        }
        kept.extend([column(FURTHEST), column(START)]);
        per_partition = per_partition
            .window(vec![first])?
            .filter(column(&first_name).eq(lit(1u64)))?
            .project(kept)?;
        // The by value on a step-1 event at that start, in that partition:
        // with `within session` a step-1 event of another session (or of
        // none) at the same time starts no such chain. Every step-1 event
        // of the partition at that time does (chains depend on times only),
        // and on a tie the smallest value wins, nulls last (min skips them).
        let first_step = funnel.steps[0].predicate.clone();
        let by_session = funnel.within == Within::Session;
        let mut value_columns = vec![
            column(ACTOR).alias("__segql_v_actor"),
            column(TS).alias("__segql_v_ts"),
            by.expr.clone().alias(BY),
        ];
        if by_session {
            value_columns.push(column(SESSION).alias("__segql_v_session"));
        }
        let values = LogicalPlanBuilder::from(events)
            .filter(filter_form(first_step))?
            .project(value_columns)?
            .build()?;
        let (a, v) = (self.alias("fa"), self.alias("fv"));
        let mut left_keys = vec![qualified(&a, ACTOR), qualified(&a, START)];
        let mut right_keys = vec![
            qualified(&v, "__segql_v_actor"),
            qualified(&v, "__segql_v_ts"),
        ];
        if by_session {
            left_keys.push(qualified(&a, SESSION));
            right_keys.push(qualified(&v, "__segql_v_session"));
        }
        per_partition
            .alias(a.as_str())?
            .join(
                LogicalPlanBuilder::from(values)
                    .alias(v.as_str())?
                    .build()?,
                JoinType::Inner,
                (left_keys, right_keys),
                None,
            )?
            .aggregate(
                vec![Expr::Column(qualified(&a, ACTOR)).alias(ACTOR)],
                vec![
                    max(Expr::Column(qualified(&a, FURTHEST))).alias(FURTHEST),
                    min(Expr::Column(qualified(&v, BY))).alias(BY),
                ],
            )?
            .build()
    }

    /// Adds BY from the profile table (null without a profile row).
    fn with_profile_by(&self, actors: LogicalPlan, by: &ByColumn) -> Result<LogicalPlan> {
        let Some(profile) = self.profile_relation()? else {
            return LogicalPlanBuilder::from(actors)
                .project(vec![
                    column(ACTOR),
                    column(FURTHEST),
                    lit(ScalarValue::Null).alias(BY),
                ])?
                .build();
        };
        let profile = profile
            .project(vec![
                column(ACTOR).alias("__segql_p_actor"),
                by.expr.clone().alias(BY),
            ])?
            .aggregate(
                vec![column("__segql_p_actor")],
                vec![min(column(BY)).alias(BY)],
            )?
            .build()?;
        let (joined, a, p) = self.join_keyed(
            actors,
            profile,
            JoinType::Left,
            &[(ACTOR, "__segql_p_actor")],
            datafusion_common::NullEquality::NullEqualsNothing,
        )?;
        joined
            .project(vec![
                Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                Expr::Column(qualified(&a, FURTHEST)).alias(FURTHEST),
                Expr::Column(qualified(&p, BY)).alias(BY),
            ])?
            .build()
    }

    fn funnel(&self, funnel: &FunnelIr) -> Result<LogicalPlan> {
        let mut actors = self.funnel_actors(funnel)?;
        if let Some(by) = funnel.by.as_ref().filter(|b| b.source == BySource::Profile) {
            actors = self.with_profile_by(actors, by)?;
        }
        let k = funnel.labels.len();
        let has_by = funnel.by.is_some();
        let by_column = || if has_by { vec![column(BY)] } else { vec![] };

        // The block each actor counts in: block 0, or one row per `compare`
        // segment it belongs to. Every block reads the one actors relation,
        // so the sequence is matched once whatever the number of blocks.
        let in_blocks = if funnel.compare.is_empty() {
            let mut projection = vec![lit(0i64).alias(BLOCK), column(FURTHEST)];
            projection.extend(by_column());
            LogicalPlanBuilder::from(actors)
                .project(projection)?
                .build()?
        } else {
            let mut memberships: Option<LogicalPlanBuilder> = None;
            for (index, (_, cond)) in funnel.compare.iter().enumerate() {
                let members = LogicalPlanBuilder::from(self.cond(cond)?)
                    .project(vec![
                        lit(index as i64).alias(BLOCK),
                        column(ACTOR).alias("__segql_m_actor"),
                    ])?
                    .build()?;
                memberships = Some(match memberships {
                    None => LogicalPlanBuilder::from(members),
                    Some(all) => all.union(members)?,
                });
            }
            let memberships = memberships.expect("compare names a segment").build()?;
            let (joined, a, m) = self.join_keyed(
                actors,
                memberships,
                JoinType::Inner,
                &[(ACTOR, "__segql_m_actor")],
                datafusion_common::NullEquality::NullEqualsNothing,
            )?;
            let mut projection = vec![
                Expr::Column(qualified(&m, BLOCK)).alias(BLOCK),
                Expr::Column(qualified(&a, FURTHEST)).alias(FURTHEST),
            ];
            if has_by {
                projection.push(Expr::Column(qualified(&a, BY)).alias(BY));
            }
            joined.project(projection)?.build()?
        };

        // Users reaching each step, per block (and by group): one row each.
        let mut sums = Vec::with_capacity(k);
        for j in 1..=k {
            let reached =
                when(column(FURTHEST).gt_eq(lit(j as i64)), lit(1i64)).otherwise(lit(0i64))?;
            sums.push(sum(reached).alias(format!("__segql_u{j}")));
        }
        let mut groups = vec![column(BLOCK)];
        groups.extend(by_column());
        let mut counts = LogicalPlanBuilder::from(in_blocks)
            .aggregate(groups, sums)?
            .build()?;
        if !has_by {
            // Without `by`, every block has its rows even when nobody is in
            // it.
            let blocks = funnel.compare.len().max(1);
            let block_table =
                LogicalPlanBuilder::values((0..blocks).map(|b| vec![lit(b as i64)]).collect())?
                    .project(vec![column("column1").alias("__segql_b")])?
                    .build()?;
            let (joined, b, c) = self.join_keyed(
                block_table,
                counts,
                JoinType::Left,
                &[("__segql_b", BLOCK)],
                datafusion_common::NullEquality::NullEqualsNothing,
            )?;
            let mut projection = vec![Expr::Column(qualified(&b, "__segql_b")).alias(BLOCK)];
            projection.extend((1..=k).map(|j| {
                let name = format!("__segql_u{j}");
                Expr::Column(qualified(&c, &name)).alias(name)
            }));
            counts = joined.project(projection)?.build()?;
        }

        // Unpivot: one row per step, by a join with the table of steps.
        let step_table = LogicalPlanBuilder::values(
            (1..=k)
                .map(|j| vec![lit(j as i64), lit(funnel.labels[j - 1].clone())])
                .collect(),
        )?
        .project(vec![
            column("column1").alias("step"),
            column("column2").alias("label"),
        ])?
        .build()?;
        let users_at = |j: usize| {
            datafusion_functions::expr_fn::coalesce(vec![
                column(&format!("__segql_u{j}")),
                lit(0i64),
            ])
        };
        let by_step = |value: &dyn Fn(usize) -> Expr| -> Result<Expr> {
            let mut case = datafusion_expr::case(column("step"));
            for j in 1..=k {
                case = case.when(lit(j as i64), value(j));
            }
            case.end()
        };
        let users = by_step(&users_at)?;
        let previous = by_step(&|j| users_at(j.saturating_sub(1).max(1)))?;
        let ratio = |num: Expr, den: Expr| -> Result<Expr> {
            when(den.clone().eq(lit(0i64)), lit(0.0f64))
                .otherwise(cast(num, DataType::Float64) / cast(den, DataType::Float64))
        };
        let mut projection = vec![column(BLOCK)];
        if !funnel.compare.is_empty() {
            let mut label = datafusion_expr::case(column(BLOCK));
            for (index, (name, _)) in funnel.compare.iter().enumerate() {
                label = label.when(lit(index as i64), lit(name.clone()));
            }
            projection.push(label.end()?.alias("segment"));
        }
        if let Some(by) = &funnel.by {
            projection.push(column(BY).alias(by.name.as_str()));
        }
        projection.push(column("step"));
        projection.push(column("label"));
        projection.push(users.clone().alias("users"));
        projection.push(ratio(users.clone(), users_at(1))?.alias("conversion"));
        projection.push(
            when(column("step").eq(lit(1i64)), lit(1.0f64))
                .otherwise(ratio(users, previous)?)?
                .alias("step_conversion"),
        );
        let rows = LogicalPlanBuilder::from(counts)
            .cross_join(step_table)?
            .project(projection)?;
        let mut order = vec![column(BLOCK).sort(true, false)];
        if let Some(by) = &funnel.by {
            order.push(column(&by.name).sort(true, false));
        }
        order.push(column("step").sort(true, false));
        let output: Vec<Expr> = rows
            .schema()
            .fields()
            .iter()
            .filter(|f| f.name() != BLOCK)
            .map(|f| column(f.name()))
            .collect();
        rows.sort(order)?.project(output)?.build()
    }
}

/// The most retention periods pivoted into columns (one flag per period);
/// longer grids use the join of the portable form.
const MAX_PIVOTED_PERIODS: i64 = 64;

/// Monday 1970-01-05T00:00:00Z in microseconds: explore buckets align to it.
const BUCKET_ORIGIN: i64 = 4 * 86_400 * 1_000_000;

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

/// Microseconds since the epoch as a UTC timestamp. Through
/// `to_timestamp_micros` rather than a cast from the integer: SQL names no
/// unit in a cast to a timestamp, so an exported cast would read the number
/// as nanoseconds.
fn micros_to_timestamp(micros: Expr) -> Expr {
    cast(
        datafusion_functions::expr_fn::to_timestamp_micros(vec![micros]),
        utc_micros(),
    )
}

/// The first day of the calendar period holding `ts` (µs), as a date.
fn period_start(period: segql_syntax::Period, ts: Expr) -> Expr {
    let granularity = lit(period.keyword());
    cast(
        datafusion_functions::expr_fn::date_trunc(granularity, micros_to_timestamp(ts)),
        DataType::Date32,
    )
}

/// Days since the epoch of a date.
fn day_number(date: Expr) -> Expr {
    cast(cast(date, DataType::Int32), DataType::Int64)
}

/// Months since year 0 of a date.
fn month_number(date: Expr) -> Expr {
    let part = |p: &str| {
        cast(
            datafusion_functions::expr_fn::date_part(lit(p), date.clone()),
            DataType::Int64,
        )
    };
    part("year") * lit(12i64) + part("month")
}

impl Lowering<'_> {
    /// Joins `left` and `right` on the given column pairs where nulls are
    /// equal (a null `by` value is a group of its own).
    fn join_null_equal(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        keys: &[(&str, &str)],
    ) -> Result<LogicalPlanBuilder> {
        let (joined, _, _) = self.join_keyed(
            left,
            right,
            join,
            keys,
            datafusion_common::NullEquality::NullEqualsNull,
        )?;
        Ok(joined)
    }

    /// Aliases `left` and `right` afresh and joins them on the given column
    /// pairs; returns the join and the two aliases, to qualify columns by.
    fn join_keyed(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
        keys: &[(&str, &str)],
        nulls: datafusion_common::NullEquality,
    ) -> Result<(LogicalPlanBuilder, String, String)> {
        let (l, r) = (self.alias("jl"), self.alias("jr"));
        let joined = LogicalPlanBuilder::from(left)
            .alias(l.as_str())?
            .join_detailed(
                LogicalPlanBuilder::from(right).alias(r.as_str())?.build()?,
                join,
                (
                    keys.iter()
                        .map(|(a, _)| qualified(&l, a))
                        .collect::<Vec<_>>(),
                    keys.iter()
                        .map(|(_, b)| qualified(&r, b))
                        .collect::<Vec<_>>(),
                ),
                None,
                nulls,
            )?;
        Ok((joined, l, r))
    }

    /// Per actor: the time of its first event matching `start`, and BY read
    /// there (an event column: the smallest value at that time; a profile
    /// column: the actor's).
    fn first_events(
        &self,
        events: &LogicalPlan,
        start: &Expr,
        by: Option<&ByColumn>,
    ) -> Result<LogicalPlan> {
        let firsts = LogicalPlanBuilder::from(events.clone())
            .filter(filter_form(start.clone()))?
            .aggregate(
                vec![column(ACTOR)],
                vec![min(column(TS)).alias("__segql_first")],
            )?
            .build()?;
        match by {
            None => Ok(firsts),
            Some(by) if by.source == BySource::Profile => {
                let with_by = self.with_profile_by(
                    LogicalPlanBuilder::from(firsts)
                        .project(vec![column(ACTOR), column("__segql_first").alias(FURTHEST)])?
                        .build()?,
                    by,
                )?;
                LogicalPlanBuilder::from(with_by)
                    .project(vec![
                        column(ACTOR),
                        column(FURTHEST).alias("__segql_first"),
                        column(BY),
                    ])?
                    .build()
            }
            Some(by) => {
                let values = LogicalPlanBuilder::from(events.clone())
                    .filter(filter_form(start.clone()))?
                    .project(vec![
                        column(ACTOR).alias("__segql_v_actor"),
                        column(TS).alias("__segql_v_ts"),
                        by.expr.clone().alias(BY),
                    ])?
                    .build()?;
                let (a, v) = (self.alias("fa"), self.alias("fv"));
                LogicalPlanBuilder::from(firsts)
                    .alias(a.as_str())?
                    .join(
                        LogicalPlanBuilder::from(values)
                            .alias(v.as_str())?
                            .build()?,
                        JoinType::Inner,
                        (
                            vec![qualified(&a, ACTOR), qualified(&a, "__segql_first")],
                            vec![
                                qualified(&v, "__segql_v_actor"),
                                qualified(&v, "__segql_v_ts"),
                            ],
                        ),
                        None,
                    )?
                    .aggregate(
                        vec![
                            Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                            Expr::Column(qualified(&a, "__segql_first")).alias("__segql_first"),
                        ],
                        vec![min(Expr::Column(qualified(&v, BY))).alias(BY)],
                    )?
                    .build()
            }
        }
    }

    fn retention(&self, retention: &RetentionIr) -> Result<LogicalPlan> {
        let events = self.scoped_events(&retention.scope)?.build()?;
        let has_by = retention.by.is_some();
        let period = retention.period;
        let firsts = self.first_events(&events, &retention.start, retention.by.as_ref())?;
        let mut cohort_columns = vec![
            column(ACTOR),
            period_start(period, column("__segql_first")).alias("cohort"),
        ];
        if has_by {
            cohort_columns.push(column(BY));
        }
        let actors = LogicalPlanBuilder::from(firsts)
            .project(cohort_columns)?
            .build()?;
        // Each actor's return periods, as offsets from its cohort.
        let returns = LogicalPlanBuilder::from(events)
            .filter(filter_form(retention.returning.clone()))?
            .project(vec![
                column(ACTOR).alias("__segql_r_actor"),
                period_start(period, column(TS)).alias("__segql_r_period"),
            ])?
            .distinct()?
            .build()?;
        let offset = match period {
            segql_syntax::Period::Day => {
                day_number(column("__segql_r_period")) - day_number(column("cohort"))
            }
            segql_syntax::Period::Week => {
                // Exact: both are week starts. The cast keeps exported SQL
                // an integer where `/` divides exactly (DuckDB).
                cast(
                    (day_number(column("__segql_r_period")) - day_number(column("cohort")))
                        / lit(7i64),
                    DataType::Int64,
                )
            }
            segql_syntax::Period::Month => {
                month_number(column("__segql_r_period")) - month_number(column("cohort"))
            }
        };
        let periods = segql_syntax::saturating_i64(retention.periods);
        if self.options.engine == SequenceEngine::Native && periods <= MAX_PIVOTED_PERIODS {
            return self.retention_pivoted(retention, actors, returns, offset);
        }
        let mut group = vec![];
        if has_by {
            group.push(column(BY));
        }
        group.push(column("cohort"));
        let cohorts = LogicalPlanBuilder::from(actors.clone())
            .aggregate(group, vec![count(lit(1i64)).alias("users")])?
            .build()?;
        let (joined, a, _) = self.join_keyed(
            actors,
            returns,
            JoinType::Inner,
            &[(ACTOR, "__segql_r_actor")],
            datafusion_common::NullEquality::NullEqualsNothing,
        )?;
        let retained = joined
            .project({
                let mut p = vec![
                    Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
                    offset.alias("__segql_offset"),
                ];
                if has_by {
                    p.push(Expr::Column(qualified(&a, BY)).alias(BY));
                }
                p.push(Expr::Column(qualified(&a, "cohort")).alias("cohort"));
                p
            })?
            .filter(
                column("__segql_offset")
                    .gt_eq(lit(0i64))
                    .and(column("__segql_offset").lt_eq(lit(periods))),
            )?
            .aggregate(
                {
                    let mut g = vec![];
                    if has_by {
                        g.push(column(BY));
                    }
                    g.push(column("cohort"));
                    g.push(column("__segql_offset").alias("period"));
                    g
                },
                vec![count(column(ACTOR)).alias("retained")],
            )?
            .build()?;

        // Every cohort has every period, 0 through `periods`.
        let values: Vec<Vec<Expr>> = (0..=periods).map(|p| vec![lit(p)]).collect();
        let period_table = LogicalPlanBuilder::values(values)?
            .project(vec![column("column1").alias("period")])?
            .build()?;
        let grid = LogicalPlanBuilder::from(cohorts)
            .cross_join(period_table)?
            .build()?;
        let mut keys: Vec<(&str, &str)> = vec![];
        if has_by {
            keys.push((BY, BY));
        }
        keys.push(("cohort", "cohort"));
        keys.push(("period", "period"));
        let joined = self.join_null_equal(grid, retained, JoinType::Left, &keys)?;
        let schema = joined.schema().clone();
        let side = |name: &str, left: bool| -> Expr {
            let matching: Vec<_> = schema.iter().filter(|(_, f)| f.name() == name).collect();
            let (q, f) = if left {
                matching[0]
            } else {
                matching[matching.len() - 1]
            };
            Expr::Column(Column::new(q.cloned(), f.name()))
        };
        let mut projection = vec![];
        if let Some(by) = &retention.by {
            projection.push(side(BY, true).alias(by.name.as_str()));
        }
        let retained_count =
            datafusion_functions::expr_fn::coalesce(vec![side("retained", false), lit(0i64)]);
        projection.push(side("cohort", true).alias("cohort"));
        projection.push(side("period", true).alias("period"));
        projection.push(side("users", true).alias("users"));
        projection.push(retained_count.clone().alias("retained"));
        projection.push(
            (cast(retained_count, DataType::Float64)
                / cast(side("users", true), DataType::Float64))
            .alias("rate"),
        );
        let mut order = vec![];
        if let Some(by) = &retention.by {
            order.push(column(&by.name).sort(true, false));
        }
        order.push(column("cohort").sort(true, false));
        order.push(column("period").sort(true, false));
        joined.project(projection)?.sort(order)?.build()
    }

    /// Retention from one pass over each actor's cohort and returns: per
    /// actor a flag for each period, summed per cohort, then one row per
    /// period by a join with the table of periods. The actors are read
    /// once (the portable form reads them twice: cohort sizes and returns).
    fn retention_pivoted(
        &self,
        retention: &RetentionIr,
        actors: LogicalPlan,
        returns: LogicalPlan,
        offset: Expr,
    ) -> Result<LogicalPlan> {
        let has_by = retention.by.is_some();
        let periods = segql_syntax::saturating_i64(retention.periods);
        let flag = |p: i64| format!("__segql_p{p}");
        let (joined, a, _) = self.join_keyed(
            actors,
            returns,
            JoinType::Left,
            &[(ACTOR, "__segql_r_actor")],
            datafusion_common::NullEquality::NullEqualsNothing,
        )?;
        let mut keys = vec![
            Expr::Column(qualified(&a, ACTOR)).alias(ACTOR),
            Expr::Column(qualified(&a, "cohort")).alias("cohort"),
        ];
        if has_by {
            keys.push(Expr::Column(qualified(&a, BY)).alias(BY));
        }
        let offset = offset.alias("__segql_offset");
        let mut projection = keys;
        projection.push(offset);
        let mut flags = Vec::new();
        for p in 0..=periods {
            flags.push(
                max(when(column("__segql_offset").eq(lit(p)), lit(1i64)).otherwise(lit(0i64))?)
                    .alias(flag(p)),
            );
        }
        let mut actor_keys = vec![column(ACTOR), column("cohort")];
        let mut cohort_keys = vec![column("cohort")];
        if has_by {
            actor_keys.push(column(BY));
            cohort_keys.insert(0, column(BY));
        }
        let mut sums = vec![count(lit(1i64)).alias("users")];
        sums.extend((0..=periods).map(|p| sum(column(&flag(p))).alias(flag(p))));
        let per_cohort = joined
            .project(projection)?
            .aggregate(actor_keys, flags)?
            .aggregate(cohort_keys, sums)?
            .build()?;
        let period_table =
            LogicalPlanBuilder::values((0..=periods).map(|p| vec![lit(p)]).collect())?
                .project(vec![column("column1").alias("period")])?
                .build()?;
        let mut retained = datafusion_expr::case(column("period"));
        for p in 0..=periods {
            retained = retained.when(lit(p), column(&flag(p)));
        }
        let retained = retained.end()?;
        let mut output = vec![];
        if let Some(by) = &retention.by {
            output.push(column(BY).alias(by.name.as_str()));
        }
        output.push(column("cohort"));
        output.push(column("period"));
        output.push(column("users"));
        output.push(retained.clone().alias("retained"));
        output.push(
            (cast(retained, DataType::Float64) / cast(column("users"), DataType::Float64))
                .alias("rate"),
        );
        let mut order = vec![];
        if let Some(by) = &retention.by {
            order.push(column(&by.name).sort(true, false));
        }
        order.push(column("cohort").sort(true, false));
        order.push(column("period").sort(true, false));
        LogicalPlanBuilder::from(per_cohort)
            .cross_join(period_table)?
            .project(output)?
            .sort(order)?
            .build()
    }

    fn paths(&self, paths: &PathsIr) -> Result<LogicalPlan> {
        let per_session = if self.options.engine == SequenceEngine::Native {
            self.native_paths(paths)?
        } else {
            self.portable_paths(paths)?
        };
        per_session
            .aggregate(
                vec![column("path")],
                vec![
                    count(lit(1i64)).alias("sessions"),
                    count(column(ACTOR)).distinct().build()?.alias("users"),
                ],
            )?
            .sort(vec![
                column("sessions").sort(false, false),
                column("path").sort(true, false),
            ])?
            .limit(0, Some(segql_syntax::saturating_i64(paths.top) as usize))?
            .build()
    }

    /// The views of sessions (scope applied): ACTOR, SESSION, TS, NAME and
    /// `extra`.
    fn session_views(&self, scope: &Scope, extra: Vec<Expr>) -> Result<LogicalPlanBuilder> {
        let mut projection = vec![column(ACTOR), column(SESSION), column(TS), column(NAME)];
        projection.extend(extra);
        self.scoped_events(scope)?
            .filter(
                column(TYPE)
                    .eq(lit("view"))
                    .and(column(SESSION).is_not_null()),
            )?
            .project(projection)
    }

    /// Per session with a path: ACTOR, SESSION and `path`, by the native
    /// path builder.
    fn native_paths(&self, paths: &PathsIr) -> Result<LogicalPlanBuilder> {
        let flag = |step: &Option<Expr>, bit: i64| -> Result<Expr> {
            Ok(match step {
                Some(p) => when(p.clone(), lit(bit)).otherwise(lit(0i64))?,
                None => lit(0i64),
            })
        };
        let from = match &paths.from {
            Some(_) => flag(&paths.from, native_paths::FROM)?,
            None => lit(native_paths::FROM),
        };
        let shape = native_paths::PathShape {
            depth: segql_syntax::saturating_i64(paths.depth) as usize,
            has_to: paths.to.is_some(),
        };
        let session = vec![column(ACTOR), column(SESSION)];
        self.session_views(
            &paths.scope,
            vec![(from + flag(&paths.to, native_paths::TO)?).alias("__segql_flags")],
        )?
        .aggregate(
            session,
            vec![
                native_paths::PathBuilder::call(
                    shape,
                    column(TS),
                    column(NAME),
                    column("__segql_flags"),
                )
                .alias("path"),
            ],
        )?
        .filter(column("path").is_not_null())
    }

    /// Per session with a path: ACTOR, SESSION and `path`, by window
    /// functions, a join and `string_agg`.
    fn portable_paths(&self, paths: &PathsIr) -> Result<LogicalPlanBuilder> {
        let truthy = |e: &Option<Expr>| e.clone().unwrap_or(lit(true));
        let views = self.session_views(
            &paths.scope,
            vec![
                cast(truthy(&paths.from), DataType::Int64).alias("__segql_from"),
                cast(truthy(&paths.to), DataType::Int64).alias("__segql_to"),
            ],
        )?;
        let session = vec![column(ACTOR), column(SESSION)];
        let order = vec![column(TS).sort(true, false), column(NAME).sort(true, false)];
        // Runs of equal names collapse into one element.
        let previous = datafusion_functions_window::expr_fn::lag(column(NAME), Some(1), None)
            .partition_by(session.clone())
            .order_by(order.clone())
            .build()?;
        let previous_name = previous.schema_name().to_string();
        let views = views.window(vec![previous])?.project(vec![
            column(ACTOR),
            column(SESSION),
            column(TS),
            column(NAME),
            column("__segql_from"),
            column("__segql_to"),
            when(
                column(&previous_name)
                    .is_null()
                    .or(column(&previous_name).not_eq(column(NAME))),
                lit(1i64),
            )
            .otherwise(lit(0i64))?
            .alias("__segql_new"),
        ])?;
        let running = Expr::from(WindowFunction::new(
            WindowFunctionDefinition::AggregateUDF(datafusion_functions_aggregate::sum::sum_udaf()),
            vec![column("__segql_new")],
        ))
        .partition_by(session.clone())
        .order_by(order)
        .window_frame(WindowFrame::new_bounds(
            WindowFrameUnits::Rows,
            WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
            WindowFrameBound::CurrentRow,
        ))
        .build()?;
        let running_name = running.schema_name().to_string();
        // The element number is projected before it is grouped by: SQL
        // export cannot write a window function in a GROUP BY.
        let elements = views
            .window(vec![running])?
            .project(vec![
                column(ACTOR),
                column(SESSION),
                column(NAME),
                column("__segql_from"),
                column("__segql_to"),
                cast(column(&running_name), DataType::Int64).alias("__segql_i"),
            ])?
            .aggregate(
                vec![column(ACTOR), column(SESSION), column("__segql_i")],
                vec![
                    min(column(NAME)).alias(NAME),
                    max(column("__segql_from")).alias("__segql_from"),
                    max(column("__segql_to")).alias("__segql_to"),
                ],
            )?
            .build()?;
        // Where each session's path starts (and ends, with `to`).
        let starts = LogicalPlanBuilder::from(elements.clone())
            .filter(column("__segql_from").eq(lit(1i64)))?
            .aggregate(
                session.clone(),
                vec![min(column("__segql_i")).alias("__segql_start")],
            )?
            .build()?;
        let depth = segql_syntax::saturating_i64(paths.depth);
        let joined = self
            .join_null_equal(
                elements,
                starts,
                JoinType::Inner,
                &[(ACTOR, ACTOR), (SESSION, SESSION)],
            )?
            .build()?;
        let schema = joined.schema().clone();
        let pick = |name: &str| -> Expr {
            let (q, f) = schema
                .iter()
                .find(|(_, f)| f.name() == name)
                .expect("joined column");
            Expr::Column(Column::new(q.cloned(), f.name()))
        };
        let mut kept = LogicalPlanBuilder::from(joined.clone())
            .project(vec![
                pick(ACTOR).alias(ACTOR),
                pick(SESSION).alias(SESSION),
                pick("__segql_i").alias("__segql_i"),
                pick(NAME).alias(NAME),
                pick("__segql_to").alias("__segql_to"),
                pick("__segql_start").alias("__segql_start"),
            ])?
            .filter(
                column("__segql_i")
                    .gt_eq(column("__segql_start"))
                    // As a difference: `start + depth` could overflow.
                    .and((column("__segql_i") - column("__segql_start")).lt(lit(depth))),
            )?;
        if paths.to.is_some() {
            let end = Expr::from(WindowFunction::new(
                WindowFunctionDefinition::AggregateUDF(
                    datafusion_functions_aggregate::min_max::min_udaf(),
                ),
                vec![when(column("__segql_to").eq(lit(1i64)), column("__segql_i")).end()?],
            ))
            .partition_by(session.clone())
            .build()?;
            let end_name = end.schema_name().to_string();
            kept = kept.window(vec![end])?.filter(
                column(&end_name)
                    .is_not_null()
                    .and(column("__segql_i").lt_eq(column(&end_name))),
            )?;
        }
        let path = datafusion_functions_aggregate::string_agg::string_agg_udaf()
            .call(vec![column(NAME), lit(" -> ")])
            .order_by(vec![column("__segql_i").sort(true, false)])
            .build()?;
        kept.aggregate(session, vec![path.alias("path")])
    }

    fn explore(&self, explore: &ExploreIr) -> Result<LogicalPlan> {
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
                MeasureIr::Events => count(lit(1i64)).alias("events"),
                MeasureIr::Users => count(column("__segql_uid"))
                    .distinct()
                    .build()?
                    .alias("users"),
                MeasureIr::Sessions => count(column(SESSION)).distinct().build()?.alias("sessions"),
                MeasureIr::Count(step) => {
                    counts += 1;
                    let name = segql_syntax::count_column(counts);
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
            let offset = column(TS) - lit(BUCKET_ORIGIN);
            let floor_mod = ((offset.clone() % lit(every)) + lit(every)) % lit(every);
            group.push(micros_to_timestamp(column(TS) - floor_mod).alias("time"));
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
            order.push(column("time").sort(true, false));
        }
        if order.is_empty() {
            return Ok(result);
        }
        LogicalPlanBuilder::from(result).sort(order)?.build()
    }
}

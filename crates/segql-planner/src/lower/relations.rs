//! The relations every plan starts from, and what the catalog says about
//! them: the events with their normalized columns (actor, time, session,
//! model type and name), the audience's profile table, the universe of
//! actors, and relations of distinct actors.

use super::expr::{column, qualified};
use super::time::utc_micros;
use super::{Lowering, Result};
use crate::catalog::{NameColumn, TableEntry, TableRole};
use crate::names::{ACTOR, NAME, SESSION, TS, TYPE};
use crate::options::SequenceEngine;
use datafusion_common::arrow::datatypes::{DataType, TimeUnit};
use datafusion_common::{Column, JoinType, NullEquality, ScalarValue};
use datafusion_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use datafusion_functions_aggregate::expr_fn::max;
use segql_syntax::Audience;
use std::sync::Arc;

impl Lowering<'_> {
    /// The type actor keys are compared in: the key columns' common type, or
    /// text when they differ (LANGUAGE.md §6).
    pub(super) fn compute_key_type(&self) -> DataType {
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
            // Text; as string views when the events' keys are read so, so
            // that the cast falls on the smaller profile table.
            Some((DataType::Utf8View, _)) => DataType::Utf8View,
            _ => DataType::Utf8,
        }
    }

    pub(super) fn scan(&self, table: &TableEntry) -> Result<LogicalPlanBuilder> {
        LogicalPlanBuilder::scan(table.name.as_str(), Arc::clone(&table.source), None)
    }

    pub(super) fn last_event_time(&self) -> Result<LogicalPlan> {
        self.scan(&self.events)?
            .aggregate(
                Vec::<Expr>::new(),
                vec![max(self.event_time()?).alias("last_event")],
            )?
            .build()
    }

    pub(super) fn mapped(&self, role: TableRole, model: &str) -> String {
        self.catalog.mapping().column(role, model)
    }

    fn has_column(table: &TableEntry, name: &str) -> bool {
        table.schema().field_with_name(name).is_ok()
    }

    /// Events with their normalized columns: actor, time, session, model
    /// type and name, plus every column of the events table (for `with`).
    /// Rows without a user, or (for accounts) without an account, are gone.
    /// Users are stitched and sessions derived first when the mapping says
    /// so (LANGUAGE.md §10).
    pub(super) fn events_relation(&self) -> Result<LogicalPlanBuilder> {
        let schema = self.events.schema();
        let uid = self.mapped(TableRole::Events, "user_id");
        let mut scan = self.event_rows()?;
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
        let derived = self.derived_sessions();
        let session = match derived {
            // Derived below, over every event of each user, accounts or not.
            Some(_) => lit(ScalarValue::Utf8(None)),
            None => self.session()?,
        };
        let mut projection = vec![
            actor.alias(ACTOR),
            self.event_time()?.alias(TS),
            session.alias(SESSION),
            self.event_type().alias(TYPE),
            self.event_name().alias(NAME),
        ];
        projection.extend(self.unqualified(raw));
        let mut events = scan.project(projection)?;
        if let Some(sessions) = derived {
            events = self.with_derived_sessions(events, &uid, sessions)?;
        }
        events.filter(column(ACTOR).is_not_null())
    }

    /// In the portable lowering, the table's columns by their bare names.
    /// SQL export writes a projection under a filter as a derived table,
    /// where a reference qualified by the table's name would not resolve.
    fn unqualified(&self, columns: Vec<Expr>) -> Vec<Expr> {
        if self.engine != SequenceEngine::Portable {
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
    pub(super) fn event_time(&self) -> Result<Expr> {
        let name = self.mapped(TableRole::Events, "timestamp");
        let field = self.events.schema().field_with_name(&name)?.clone();
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
            _ => cast(cast(column(&name), utc_micros()), DataType::Int64),
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

    pub(super) fn profile_table(&self) -> Option<(&TableEntry, TableRole)> {
        match self.audience {
            Audience::Users => self.users.as_ref().map(|t| (t, TableRole::Users)),
            Audience::Accounts => self.accounts.as_ref().map(|t| (t, TableRole::Accounts)),
        }
    }

    /// The profile table with its key as ACTOR, plus its own columns.
    pub(super) fn profile_relation(&self) -> Result<Option<LogicalPlanBuilder>> {
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
    pub(super) fn universe(&self) -> Result<LogicalPlan> {
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
    pub(super) fn actor_set(&self, builder: LogicalPlanBuilder) -> Result<LogicalPlan> {
        builder
            .project(vec![column(ACTOR)])?
            .distinct()?
            .alias(self.alias("s").as_str())?
            .build()
    }

    /// Rows of `left` whose ACTOR is (semi) or is not (anti) in `right`.
    pub(super) fn filter_actors(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join: JoinType,
    ) -> Result<LogicalPlan> {
        let (l, r) = (self.alias("l"), self.alias("r"));
        let joined = join_on(left, right, (&l, &r), join, &[(ACTOR, ACTOR)])?
            .project(vec![Expr::Column(qualified(&l, ACTOR)).alias(ACTOR)])?;
        self.actor_set(joined)
    }
}

/// `left` under the alias `l` joined to `right` under `r`, where each pair
/// of `keys` (a column of `left`, a column of `right`) is equal and
/// `filter` holds; `nulls` says whether null keys are equal. The columns of
/// each side are then qualified by its alias.
pub(super) fn join_aliased(
    left: impl Into<LogicalPlanBuilder>,
    right: impl Into<LogicalPlanBuilder>,
    (l, r): (&str, &str),
    join: JoinType,
    keys: &[(&str, &str)],
    filter: Option<Expr>,
    nulls: NullEquality,
) -> Result<LogicalPlanBuilder> {
    let (left_keys, right_keys): (Vec<Column>, Vec<Column>) = keys
        .iter()
        .map(|(a, b)| (qualified(l, a), qualified(r, b)))
        .unzip();
    left.into().alias(l)?.join_detailed(
        right.into().alias(r)?.build()?,
        join,
        (left_keys, right_keys),
        filter,
        nulls,
    )
}

/// [`join_aliased`] as SQL joins: on the keys alone, null keys equal to
/// nothing.
pub(super) fn join_on(
    left: impl Into<LogicalPlanBuilder>,
    right: impl Into<LogicalPlanBuilder>,
    aliases: (&str, &str),
    join: JoinType,
    keys: &[(&str, &str)],
) -> Result<LogicalPlanBuilder> {
    join_aliased(
        left,
        right,
        aliases,
        join,
        keys,
        None,
        NullEquality::NullEqualsNothing,
    )
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
        DataType::LargeUtf8 => DataType::Utf8,
        other => other.clone(),
    }
}

/// Whether keys of this type are compared as they are read. String views
/// (how DataFusion reads Parquet text) stay views: a cast to `Utf8` would
/// copy every event's key before anything is filtered or grouped.
fn is_key_type(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::Utf8View) || data_type.is_integer()
}

/// `rows` with `windows` computed, projected to `projection` (bare names
/// of the input and the windows): one pass of the window chains of
/// sequences and funnels. Built as nodes, not through the builder, which
/// resolves each column by walking the whole plan below, a plan that grows
/// with every pass.
pub(super) fn window_pass(
    rows: LogicalPlanBuilder,
    windows: Vec<Expr>,
    projection: Vec<Expr>,
) -> Result<LogicalPlanBuilder> {
    let window = datafusion_expr::logical_plan::Window::try_new(windows, Arc::new(rows.build()?))?;
    let projected = datafusion_expr::logical_plan::Projection::try_new(
        projection,
        Arc::new(LogicalPlan::Window(window)),
    )?;
    Ok(LogicalPlanBuilder::from(LogicalPlan::Projection(projected)))
}

//! Conditions: `and`, `or`, `not` and groups over behaviors (steps,
//! sequences and their counts), profile attributes, and sets (named
//! segments and CSV lists). A group's or a segment's range reaches the
//! behaviors inside it that have none of their own.

use super::Resolver;
use super::column::ValueKind;
use crate::catalog::TableRole;
use crate::ir::*;
use crate::names;
use datafusion_expr::{Expr, col, lit};
use segql_syntax::{
    Audience, Behavior as AstBehavior, Condition, ConditionKind, CountKind, CsvKey, Diagnostic,
    EventKind, SeqStep, SetRef, SetRefKind, Step, Target, codes, did_you_mean, quoted,
};
use std::path::PathBuf;

impl Resolver<'_> {
    pub(super) fn condition(
        &self,
        condition: &Condition,
        audience: Audience,
        inherited: Option<TimeRange>,
    ) -> Result<Cond, Diagnostic> {
        Ok(match &condition.kind {
            ConditionKind::Or(items) => Cond::Or(
                items
                    .iter()
                    .map(|c| self.condition(c, audience, inherited))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionKind::And(items) => Cond::And(
                items
                    .iter()
                    .map(|c| self.condition(c, audience, inherited))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionKind::Not(inner) => {
                Cond::Not(Box::new(self.condition(inner, audience, inherited)?))
            }
            ConditionKind::Group { inner, range } => {
                let range = range
                    .as_ref()
                    .map(|r| self.time_range(r))
                    .transpose()?
                    .or(inherited);
                self.condition(inner, audience, range)?
            }
            ConditionKind::Profile { atom, .. } => Cond::Profile {
                predicate: self.atom(atom, Self::profile_role(audience))?,
                when_missing: false,
            },
            ConditionKind::InSet(set) => self.set_ref(set, audience)?,
            ConditionKind::Behavior(b) => {
                let range = b
                    .range
                    .as_ref()
                    .map(|r| self.time_range(r))
                    .transpose()?
                    .or(inherited);
                self.behavior(b, range.unwrap_or(TimeRange::ALL))?
            }
        })
    }

    pub(super) fn set_ref(&self, set: &SetRef, audience: Audience) -> Result<Cond, Diagnostic> {
        match &set.kind {
            // A referenced segment means what its definition says: no
            // range of the reference reaches into it.
            SetRefKind::Segment(name) => self.segment_named(name),
            SetRefKind::Csv { path, column, key } => {
                // An object-store URL (`s3://bucket/key`) is not relative
                // to any folder.
                let file = if path.value.contains("://") {
                    PathBuf::from(&path.value)
                } else {
                    self.csv_base().join(&path.value)
                };
                let shown_file = file.display().to_string();
                let shown_file = quoted(&shown_file);
                let table = self.catalog.csv(&file).map_err(|reason| {
                    Diagnostic::error(codes::UNREADABLE_FILE, format!("cannot read the CSV list `{shown_file}`: {reason}"))
                        .with_span(path.span)
                        .with_label("this file")
                        .with_help(if path.value.contains("://") {
                            "check the bucket and the key, and the AWS_* environment"
                        } else {
                            "the path of `in csv` is relative to the .seg file (or to the working folder for -e text)"
                        })
                })?;
                let schema = table.schema();
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                let by_email = *key == Some(CsvKey::Email);
                let chosen = match column {
                    Some(c) => {
                        if !names.contains(&c.value.as_str()) {
                            let mut d = Diagnostic::error(
                                codes::MISSING_COLUMN,
                                format!(
                                    "the CSV list `{shown_file}` has no column `{}`",
                                    quoted(&c.value)
                                ),
                            )
                            .with_span(c.span)
                            .with_label("not in the header row")
                            .with_note(format!("its columns are: {}", names.join(", ")));
                            if let Some(s) = did_you_mean(&c.value, names.iter().copied()) {
                                d = d.with_help(format!("did you mean `{s}`?"));
                            }
                            return Err(d);
                        }
                        c.value.clone()
                    }
                    None => {
                        let preferred: &[&str] = if by_email {
                            &["email"]
                        } else {
                            &["id", audience.key_column()]
                        };
                        let found = preferred
                            .iter()
                            .find(|p| names.contains(p))
                            .map(|p| p.to_string());
                        match found.or_else(|| names.first().map(|n| n.to_string())) {
                            Some(c) => c,
                            None => {
                                return Err(Diagnostic::error(
                                    codes::MISSING_COLUMN,
                                    format!("the CSV list `{shown_file}` has no columns"),
                                )
                                .with_span(path.span)
                                .with_help("the first row of the file must name its columns, e.g. `email` or `id`"));
                            }
                        }
                    }
                };
                if by_email {
                    let users = self.table(TableRole::Users).ok_or_else(|| {
                        Diagnostic::error(
                            codes::MISSING_TABLE,
                            "`by email` needs a users table with an email column",
                        )
                        .with_span(set.span)
                        .with_help("pass --users FILE (or --data DIR with a users file)")
                    })?;
                    let email = self.catalog.mapping().column(TableRole::Users, "email");
                    if users.schema().field_with_name(&email).is_err() {
                        return Err(Diagnostic::error(
                            codes::MISSING_COLUMN,
                            format!("the users table ({}) has no column `{email}` to match emails against", users.origin),
                        )
                        .with_span(set.span)
                        .with_help("map the email column with a schema file: [users] email = \"your_column\""));
                    }
                }
                Ok(Cond::Csv(CsvSet {
                    table,
                    column: chosen,
                    by_email,
                    span: set.span,
                }))
            }
        }
    }

    fn behavior(&self, behavior: &AstBehavior, range: TimeRange) -> Result<Cond, Diagnostic> {
        if let Some(lifecycle) = self.lifecycle(behavior, range)? {
            return Ok(lifecycle);
        }
        let steps = self.steps(&behavior.steps)?;
        let within = Self::within(behavior.within.as_ref());
        let count = match &behavior.count {
            None => None,
            Some(count) => Some(match &count.kind {
                CountKind::AtLeast(n) => CountIr::AtLeast(*n),
                CountKind::AtMost(n) => CountIr::AtMost(*n),
                CountKind::Exactly(n) => CountIr::Exactly(*n),
                CountKind::Aggregate {
                    func,
                    column,
                    op,
                    value,
                } => {
                    let bound = self.column(TableRole::Events, column)?;
                    if bound.kind != ValueKind::Number {
                        return Err(Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            format!(
                                "`{} {}` needs a numeric column, but `{}` is {}",
                                func.keyword(),
                                quoted(&column.name),
                                quoted(&column.name),
                                bound.kind.describe(&bound.data_type)
                            ),
                        )
                        .with_span(column.span)
                        .with_label("not a number")
                        .with_help(
                            "aggregate a numeric event column, such as an amount or a quantity",
                        ));
                    }
                    CountIr::Aggregate {
                        func: *func,
                        column: bound.expr,
                        op: *op,
                        value: value.as_f64(),
                    }
                }
            }),
        };
        Ok(Cond::Behavior(Behavior {
            steps,
            within,
            holding: self.holding(behavior.holding.as_ref())?,
            count,
            range,
        }))
    }

    /// The steps of a sequence (of a behavior or a funnel), in order.
    pub(super) fn steps(&self, steps: &[SeqStep]) -> Result<Vec<StepIr>, Diagnostic> {
        steps
            .iter()
            .map(|s| {
                Ok(StepIr {
                    negated: s.negated,
                    predicate: self.step(&s.step)?,
                })
            })
            .collect()
    }

    /// The predicate of one step: its event type and name, and its `with`
    /// filter, over the normalized events relation.
    pub(super) fn step(&self, step: &Step) -> Result<Expr, Diagnostic> {
        // TYPE holds the model's event type: the schema mapping's renames
        // are undone when the events relation is built.
        let of_type = |t: &str| col(names::TYPE).eq(lit(t.to_string()));
        let named = |target: &Target| {
            let pattern = lit(target.pattern.value.clone());
            if target.like {
                col(names::NAME).like(pattern)
            } else {
                col(names::NAME).eq(pattern)
            }
        };
        let event = match &step.event.kind {
            EventKind::Viewed(t) => of_type("view").and(named(t)),
            EventKind::Action { target, .. } => of_type("action").and(named(target)),
            EventKind::Error(None) => of_type("error"),
            EventKind::Error(Some(t)) => of_type("error").and(named(t)),
            EventKind::Named(t) => named(t),
            EventKind::Any => lit(true),
        };
        let event = crate::lower::exactly_true(event);
        match &step.filter {
            None => Ok(event),
            Some(filter) => Ok(event.and(self.pred(filter, TableRole::Events)?)),
        }
    }
}

//! The statement runner: resolves and plans the queries of a checked text
//! one after another, for `segql run` and `explain`, the REPL, the
//! embedding helpers and tests alike. Whoever holds the runner runs each
//! plan ([`execute`](crate::execute)) as its turn comes, and shows it.

use crate::Engine;
use crate::outcome::{Outcome, execute};
use crate::text::CheckedText;
use datafusion::logical_expr::LogicalPlan;
use segql_planner::Library;
use segql_planner::{Catalog, PlanOptions, Query, QueryKind, RelativeRange, StatementResolver};
use segql_syntax::{Diagnostic, Program, Statement};
use std::ops::ControlFlow;

/// What the plan of a segment query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRows {
    /// One row per member: the key and the profile columns, sorted by key
    /// (LANGUAGE.md §6).
    Full,
    /// The member keys alone, unsorted: what counting them needs, and what
    /// a host joins with.
    KeysOnly,
}

/// The statements a runner plans, checked before.
#[derive(Debug, Clone, Copy)]
pub enum Statements<'a> {
    /// A checked text, parsed again one statement at a time: a text of any
    /// length is planned in the memory of its largest statement.
    Text {
        source: &'a str,
        checked: &'a CheckedText,
    },
    /// A program parsed and checked whole (a REPL input, a test's program).
    Program(&'a Program),
}

impl Statements<'_> {
    fn for_each(&self, mut each: impl FnMut(&Statement) -> ControlFlow<()>) {
        match self {
            Statements::Text { source, checked } => checked.for_each(source, each),
            Statements::Program(program) => {
                for statement in &program.statements {
                    if each(statement).is_break() {
                        break;
                    }
                }
            }
        }
    }
}

/// Checked statements and what their queries are planned against: plans
/// each query in order, one plan in memory at a time.
pub struct Runner<'a> {
    statements: Statements<'a>,
    library: &'a Library,
    catalog: &'a dyn Catalog,
    options: &'a PlanOptions,
    members: MemberRows,
}

impl<'a> Runner<'a> {
    /// Plans `statements` against the tables of `catalog` (a host's, or
    /// segql's own engine) as `options` say. Segments are planned with all
    /// their rows ([`MemberRows::Full`]).
    pub fn new(
        statements: Statements<'a>,
        library: &'a Library,
        catalog: &'a dyn Catalog,
        options: &'a PlanOptions,
    ) -> Self {
        Runner {
            statements,
            library,
            catalog,
            options,
            members: MemberRows::Full,
        }
    }

    /// Plans segments as `members` says.
    pub fn with_members(mut self, members: MemberRows) -> Self {
        self.members = members;
        self
    }

    /// Resolves each query in order, handing it (or the problems of its
    /// statement) to `each` before the next is resolved; returns the
    /// text's relative ranges.
    fn for_each_query(
        &self,
        mut each: impl FnMut(Result<Query, Vec<Diagnostic>>) -> ControlFlow<()>,
    ) -> Vec<RelativeRange> {
        let mut resolver = match StatementResolver::new(self.library, self.catalog, self.options) {
            Ok(resolver) => resolver,
            Err(d) => {
                let _ = each(Err(vec![d]));
                return Vec::new();
            }
        };
        self.statements
            .for_each(|statement| match resolver.statement(statement) {
                Ok(Some(query)) => each(Ok(query)),
                Ok(None) => ControlFlow::Continue(()),
                Err(problems) => each(Err(problems)),
            });
        resolver.relative_ranges()
    }

    /// Resolves and plans each query in order, handing each plan (or the
    /// problems of its statement) to `each` before the next is planned.
    fn for_each_plan(
        &self,
        mut each: impl FnMut(Result<(Query, LogicalPlan), Vec<Diagnostic>>) -> ControlFlow<()>,
    ) -> Vec<RelativeRange> {
        self.for_each_query(|resolved| {
            let query = match resolved {
                Ok(query) => query,
                Err(problems) => return each(Err(problems)),
            };
            match plan_one(&query, self.catalog, self.options, self.members) {
                Ok(plan) => each(Ok((query, plan))),
                Err(d) => each(Err(vec![d.with_span(query.span)])),
            }
        })
    }

    /// Every problem of resolving the queries against the catalog's
    /// schemas, planning none: what `segql check` reports with data.
    pub fn resolve_problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        self.for_each_query(|resolved| {
            if let Err(found) = resolved {
                problems.extend(found);
            }
            ControlFlow::Continue(())
        });
        problems
    }

    /// Every problem of resolving and planning the queries against the
    /// catalog's schemas (no data is read), keeping no plan: what must be
    /// reported before anything runs (LANGUAGE.md §7). Also the text's
    /// relative ranges, for [`ranges_after_the_data`](crate::ranges_after_the_data).
    pub fn problems(&self) -> (Vec<Diagnostic>, Vec<RelativeRange>) {
        let mut problems = Vec::new();
        let ranges = self.for_each_plan(|planned| {
            if let Err(found) = planned {
                problems.extend(found);
            }
            ControlFlow::Continue(())
        });
        (problems, ranges)
    }

    /// Plans each query in order and hands it to `each`, which runs it
    /// before the next is planned. Call [`Runner::problems`] first: a
    /// problem found here stops the text and is returned.
    pub fn each(
        &self,
        mut each: impl FnMut(Query, LogicalPlan) -> ControlFlow<()>,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut problems = Vec::new();
        self.for_each_plan(|planned| match planned {
            Ok((query, plan)) => each(query, plan),
            Err(found) => {
                problems = found;
                ControlFlow::Break(())
            }
        });
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Every plan at once, or every problem: for short texts whose plans
    /// are all wanted before any runs (a REPL input, one query to compile).
    pub fn plans(&self) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
        let mut plans = Vec::new();
        let mut problems = Vec::new();
        self.for_each_plan(|planned| {
            match planned {
                Ok(plan) => plans.push(plan),
                Err(found) => problems.extend(found),
            }
            ControlFlow::Continue(())
        });
        if problems.is_empty() {
            Ok(plans)
        } else {
            Err(problems)
        }
    }
}

/// The plan of one resolved query; a segment's as `members` says.
fn plan_one(
    query: &Query,
    catalog: &dyn Catalog,
    options: &PlanOptions,
    members: MemberRows,
) -> Result<LogicalPlan, Diagnostic> {
    match (&query.kind, members) {
        (QueryKind::Members(segment), MemberRows::KeysOnly) => {
            segql_planner::plan_actor_set(segment, catalog, options)
        }
        _ => segql_planner::plan(query, catalog, options),
    }
}

/// Resolves every query of `program` against `engine` (schemas only: no
/// data is read) and plans it.
pub fn plan_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    Runner::new(Statements::Program(program), library, engine, options).plans()
}

/// Plans and executes every query of `program`, in order.
pub async fn run_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<Outcome>, Vec<Diagnostic>> {
    let plans = plan_program(program, library, engine, options)?;
    let mut outcomes = Vec::new();
    for (query, plan) in plans {
        outcomes.push(execute(engine, &query, plan).await.map_err(|d| vec![d])?);
    }
    Ok(outcomes)
}

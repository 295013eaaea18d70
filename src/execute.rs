//! Running a checked program: resolve against the engine's schemas, plan,
//! execute each query in order.

use crate::text::CheckedText;
use crate::{Diagnostic, Library, Program, Span, codes};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::LogicalPlan;
use segql_engine::Engine;
use segql_planner::{PlanOptions, Query, QueryKind, RelativeRange};
use std::ops::ControlFlow;

/// The result of one query statement.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The statement it answers.
    pub span: Span,
    pub kind: OutcomeKind,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Things worth knowing that did not stop the query (CSV values that
    /// match nobody).
    pub warnings: Vec<Diagnostic>,
    /// Where the time went (the query itself, not its CSV checks).
    pub timings: segql_engine::Timings,
    /// For a retention: what showing it needs besides its rows (see
    /// [`Outcome::shown`]).
    pub retention: Option<RetentionPeriods>,
}

/// A retention's period and the end of its range (microseconds since the
/// epoch, exclusive; None when the range has no end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPeriods {
    pub period: segql_syntax::Period,
    pub range_end: Option<i64>,
}

/// A result as a table, a picture or a chart shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// The members of a segment, one row each, sorted by key.
    Members,
    Funnel,
    Retention,
    Paths,
    Explore,
}

impl Outcome {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The result as tables, pictures and charts show it: for a retention,
    /// the `retained` and `rate` of the periods that start after the data
    /// ends are null (blank), for they were not observed; any other result
    /// as it is. The data ends at the newest event, or at the end of the
    /// range when that is earlier. CSV, JSON and Parquet write the result
    /// itself, where such a period counts 0 (LANGUAGE.md §5).
    pub async fn shown(&self, engine: &Engine) -> Result<Shown, Diagnostic> {
        let as_it_is = || Shown {
            schema: self.schema.clone(),
            batches: self.batches.clone(),
        };
        let Some(retention) = self.retention else {
            return Ok(as_it_is());
        };
        if self.rows() == 0 {
            return Ok(as_it_is());
        }
        let plan = segql_planner::plan_last_event_time(engine)?;
        let last = first_value(&engine.execute(plan).await?);
        let end = match (last.map(|t| t.saturating_add(1)), retention.range_end) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(end) => end,
                None => return Ok(as_it_is()),
            },
        };
        let (batches, schema) = segql_present::present::blank_unobserved(
            &self.batches,
            &self.schema,
            retention.period,
            end,
        )
        .map_err(|e| {
            Diagnostic::error(codes::INTERNAL, format!("cannot show the retention: {e}"))
        })?;
        Ok(Shown { schema, batches })
    }
}

/// What the plan of a segment query returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRows {
    /// One row per member: the key and the profile columns, sorted by key
    /// (LANGUAGE.md §6).
    Full,
    /// The member keys alone, unsorted: what counting them needs.
    KeysOnly,
}

/// Resolves every query of `program` against `engine` (schemas only: no
/// data is read) and plans it.
pub fn plan_program(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    plan_program_as(program, library, engine, options, MemberRows::Full)
}

/// [`plan_program`], with segment queries planned as `members` says.
pub fn plan_program_as(
    program: &Program,
    library: &Library,
    engine: &Engine,
    options: &PlanOptions,
    members: MemberRows,
) -> Result<Vec<(Query, LogicalPlan)>, Vec<Diagnostic>> {
    let queries = segql_planner::resolve(program, library, engine, options)?;
    let mut plans = Vec::new();
    let mut diagnostics = Vec::new();
    for query in queries {
        match plan_one(&query, engine, options, members) {
            Ok(plan) => plans.push((query, plan)),
            Err(d) => diagnostics.push(d.with_span(query.span)),
        }
    }
    if diagnostics.is_empty() {
        Ok(plans)
    } else {
        Err(diagnostics)
    }
}

/// The plan of one resolved query; a segment's as `members` says.
fn plan_one(
    query: &Query,
    engine: &Engine,
    options: &PlanOptions,
    members: MemberRows,
) -> Result<LogicalPlan, Diagnostic> {
    match (&query.kind, members) {
        (QueryKind::Members(segment), MemberRows::KeysOnly) => {
            segql_planner::plan_actor_set(segment, engine, options)
        }
        _ => segql_planner::plan(query, engine, options),
    }
}

/// A checked text and what its queries are planned against: plans each
/// query in order, one plan in memory at a time.
pub struct TextPlanner<'a> {
    /// The text `text` was checked from.
    pub source: &'a str,
    pub text: &'a CheckedText,
    pub library: &'a Library,
    pub engine: &'a Engine,
    pub options: &'a PlanOptions,
    pub members: MemberRows,
}

impl TextPlanner<'_> {
    /// Resolves and plans each query in order, handing each plan (or the
    /// problems of its statement) to `each` before the next is planned.
    fn for_each_plan(
        &self,
        mut each: impl FnMut(Result<(Query, LogicalPlan), Vec<Diagnostic>>) -> ControlFlow<()>,
    ) -> Vec<RelativeRange> {
        let mut resolver =
            match segql_planner::StatementResolver::new(self.library, self.engine, self.options) {
                Ok(resolver) => resolver,
                Err(d) => {
                    let _ = each(Err(vec![d]));
                    return Vec::new();
                }
            };
        self.text.for_each(self.source, |statement| {
            let query = match resolver.statement(statement) {
                Ok(Some(query)) => query,
                Ok(None) => return ControlFlow::Continue(()),
                Err(problems) => return each(Err(problems)),
            };
            match plan_one(&query, self.engine, self.options, self.members) {
                Ok(plan) => each(Ok((query, plan))),
                Err(d) => each(Err(vec![d.with_span(query.span)])),
            }
        });
        resolver.relative_ranges()
    }

    /// Every problem of resolving and planning the queries against the
    /// engine's schemas (no data is read), keeping no plan: what must be
    /// reported before anything runs (LANGUAGE.md §7). Also the text's
    /// relative ranges, for [`ranges_after_the_data`].
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
    /// before the next is planned. Call [`TextPlanner::problems`] first: a
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
}

/// Warnings for the relative ranges that start after the newest event: with
/// `now` from the wall clock and data that ended months ago, `during last
/// 30 days` matches nothing, which looks like an answer but is not one.
pub async fn ranges_after_the_data(
    engine: &Engine,
    ranges: &[RelativeRange],
    now_micros: i64,
) -> Result<Vec<Diagnostic>, Diagnostic> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let plan = segql_planner::plan_last_event_time(engine)?;
    let Some(newest) = first_value(&engine.execute(plan).await?) else {
        return Ok(Vec::new());
    };
    let day = utc_date;
    Ok(ranges
        .iter()
        .filter(|r| r.from_micros > newest)
        .map(|r| {
            Diagnostic::warning(
                codes::RANGE_AFTER_DATA,
                format!(
                    "this range ends at now = {} but the newest event is on {}: it matches nothing",
                    day(now_micros),
                    day(newest)
                ),
            )
            .with_span(r.span)
            .with_label("wholly after the newest event")
            .with_note("without --now, `now` is the wall clock's")
            .with_help(format!(
                "pass --now {} to count back from the data's end",
                day(newest.saturating_add(86_400_000_000))
            ))
        })
        .collect())
}

/// Executes one planned query.
pub async fn execute(
    engine: &Engine,
    query: &Query,
    plan: LogicalPlan,
) -> Result<Outcome, Diagnostic> {
    let schema = SchemaRef::new(plan.schema().as_arrow().clone());
    let (batches, timings) = engine.execute_timed(plan).await?;
    let mut warnings = Vec::new();
    let mut retention = None;
    let kind = match &query.kind {
        QueryKind::Members(segment) => {
            for (origin, span, check) in segql_planner::plan_csv_checks(segment, engine)? {
                let unmatched = first_count(&engine.execute(check).await?);
                if unmatched > 0 {
                    let (noun, verb) = if unmatched == 1 {
                        ("value", "matches")
                    } else {
                        ("values", "match")
                    };
                    let actor = segment.audience.keyword().trim_end_matches('s');
                    warnings.push(
                        Diagnostic::warning(
                            codes::CSV_UNMATCHED,
                            format!(
                                "{unmatched} {noun} of the CSV list `{}` {verb} no {actor}",
                                segql_syntax::quoted(&origin)
                            ),
                        )
                        .with_span(span)
                        .with_label("this list")
                        .with_note("values that match nothing are ignored"),
                    );
                }
            }
            OutcomeKind::Members
        }
        QueryKind::Funnel(_) => OutcomeKind::Funnel,
        QueryKind::Retention(r) => {
            retention = Some(RetentionPeriods {
                period: r.period,
                range_end: r.scope.range.to,
            });
            OutcomeKind::Retention
        }
        QueryKind::Paths(_) => OutcomeKind::Paths,
        QueryKind::Explore(_) => OutcomeKind::Explore,
    };
    Ok(Outcome {
        span: query.span,
        kind,
        schema,
        batches,
        warnings,
        timings,
        retention,
    })
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

/// The UTC date of an instant, as `2026-03-31`.
pub fn utc_date(micros: i64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm).
    let days = micros.div_euclid(86_400_000_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The value of the first row and column of a count.
fn first_count(batches: &[RecordBatch]) -> i64 {
    first_value(batches).unwrap_or(0)
}

/// The integer in the first row and column, if there is one and not null.
fn first_value(batches: &[RecordBatch]) -> Option<i64> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;
    batches.iter().find(|b| b.num_rows() > 0).and_then(|b| {
        let column = b.column(0).as_primitive_opt::<Int64Type>()?;
        (!column.is_null(0)).then(|| column.value(0))
    })
}

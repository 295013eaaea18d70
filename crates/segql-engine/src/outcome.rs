//! What running one planned query gives: its rows with the kind of
//! analysis they answer, the warnings that did not stop it (CSV values that
//! match nobody), where the time went, and how tables, pictures and charts
//! show it.

use crate::Engine;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::LogicalPlan;
use segql_planner::{Query, QueryKind, ReportingZone};
use segql_syntax::result::AnalysisKind;
use segql_syntax::{Diagnostic, Span, codes};

/// The result of one query statement.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The statement it answers.
    pub span: Span,
    /// What the rows answer, as the planner decided it.
    pub kind: AnalysisKind,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Things worth knowing that did not stop the query (CSV values that
    /// match nobody).
    pub warnings: Vec<Diagnostic>,
    /// Where the time went (the query itself, not its CSV checks).
    pub timings: crate::Timings,
    /// The end of the query's range (microseconds since the epoch,
    /// exclusive; None when the range has no end): what showing a retention
    /// needs besides its rows (see [`Outcome::shown`]).
    pub range_end: Option<i64>,
}

/// A result as a table, a picture or a chart shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
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
    /// itself, where such a period counts 0 (LANGUAGE.md §5). Periods are
    /// those of the reporting time `zone`.
    pub async fn shown(&self, engine: &Engine, zone: &ReportingZone) -> Result<Shown, Diagnostic> {
        let as_it_is = || Shown {
            schema: self.schema.clone(),
            batches: self.batches.clone(),
        };
        let AnalysisKind::Retention(period) = self.kind else {
            return Ok(as_it_is());
        };
        if self.rows() == 0 {
            return Ok(as_it_is());
        }
        let last = engine.newest_event_micros().await?;
        let end = match (last.map(|t| t.saturating_add(1)), self.range_end) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(end) => end,
                None => return Ok(as_it_is()),
            },
        };
        // The cohorts are local dates: their periods start at local
        // midnight, which the end is compared with on the local clock.
        let local_end = end.saturating_add(i64::from(zone.offset_seconds(end)) * 1_000_000);
        let (batches, schema) = segql_present::present::blank_unobserved(
            &self.batches,
            &self.schema,
            period,
            local_end,
        )
        .map_err(|e| {
            Diagnostic::error(codes::INTERNAL, format!("cannot show the retention: {e}"))
        })?;
        Ok(Shown { schema, batches })
    }
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
    let mut range_end = None;
    match &query.kind {
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
        }
        QueryKind::Retention(r) => range_end = r.scope.range.to,
        QueryKind::Funnel(_)
        | QueryKind::Paths(_)
        | QueryKind::Explore(_)
        | QueryKind::Lifecycle(_)
        | QueryKind::Stickiness(_) => {}
    }
    Ok(Outcome {
        span: query.span,
        kind: query.analysis_kind(),
        schema,
        batches,
        warnings,
        timings,
        range_end,
    })
}

/// The value of the first row and column of a count.
pub(crate) fn first_count(batches: &[RecordBatch]) -> i64 {
    first_value(batches).unwrap_or(0)
}

/// The integer in the first row and column, if there is one and not null.
pub(crate) fn first_value(batches: &[RecordBatch]) -> Option<i64> {
    batches.iter().find(|b| b.num_rows() > 0).and_then(|b| {
        let column = b.column(0).as_primitive_opt::<Int64Type>()?;
        (!column.is_null(0)).then(|| column.value(0))
    })
}

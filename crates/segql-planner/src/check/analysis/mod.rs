//! What every analysis checks: its segments share one audience, and its
//! result has distinct column names. Each analysis's own rules are in its
//! file.

mod explore;
mod funnel;
mod lifecycle;
mod paths;
mod retention;
mod stickiness;

use super::{Checker, Resolved, a_segment};
use segql_syntax::result::{self, ResultColumn};
use segql_syntax::{Audience, Diagnostic, Range, SegRef, SegRefKind, Span, codes, quoted};

impl Checker<'_> {
    /// The segments of one analysis (`for`, then `compare`), which must share
    /// one audience.
    fn check_analysis_segments<'s>(&mut self, refs: impl Iterator<Item = &'s SegRef>) {
        let mut first: Option<(Audience, Span)> = None;
        let mut reported = false;
        for seg_ref in refs {
            let audience = match &seg_ref.kind {
                SegRefKind::Named(ident) => self.lookup(ident).map(Resolved::audience),
                SegRefKind::Inline(seg) => {
                    self.check_segment(seg);
                    Some(seg.audience)
                }
            };
            let Some(audience) = audience else {
                continue;
            };
            match first {
                None => first = Some((audience, seg_ref.span)),
                Some((first_audience, first_span)) if first_audience != audience && !reported => {
                    reported = true;
                    let d = Diagnostic::error(
                        codes::AUDIENCE_MISMATCH,
                        format!(
                            "this is {} segment, but this analysis is about {}",
                            a_segment(audience),
                            first_audience.keyword()
                        ),
                    )
                    .with_span(seg_ref.span)
                    .with_label(format!("{} segment", a_segment(audience)))
                    .with_secondary(first_span, format!("{} segment", a_segment(first_audience)))
                    .with_help(
                        "the segments of one analysis share an audience: use only users segments \
                         or only accounts segments",
                    );
                    self.push(d);
                }
                _ => {}
            }
        }
    }

    /// What every analysis checks last: its segments, which share one
    /// audience, and its range.
    fn check_segments_and_range<'s>(
        &mut self,
        refs: impl Iterator<Item = &'s SegRef>,
        range: Option<&Range>,
    ) {
        self.check_analysis_segments(refs);
        self.check_opt_range(range);
    }

    /// A `top 0`, which keeps no `row` (what the analysis ranks); `default`
    /// follows the rule in the help.
    fn check_top(&mut self, top: Option<u64>, stmt_span: Span, row: &str, default: &str) {
        if top == Some(0) {
            self.push(out_of_range(
                stmt_span,
                &format!("`top 0` keeps no {row}"),
                &format!("`top` is at least 1{default}"),
            ));
        }
    }

    /// The columns of an analysis's result must have distinct names (a
    /// result is a table): a repeated `by` column or measure, or a `by`
    /// column named like one of the analysis's own columns, is an error.
    fn check_result_columns(&mut self, columns: &[ResultColumn]) {
        for (i, column) in columns.iter().enumerate() {
            let Some(earlier) = columns[..i].iter().find(|c| c.name == column.name) else {
                continue;
            };
            let d = if column.what == earlier.what {
                // The same `by` column or measure written twice.
                let Some(span) = column.written else {
                    continue;
                };
                Diagnostic::error(
                    codes::DUPLICATE_COLUMN,
                    format!("`{}` is written twice", quoted(&column.name)),
                )
                .with_span(span)
                .with_label("written again here")
                .with_help(format!("write `{}` once", quoted(&column.name)))
            } else {
                // A `by` column named like a measure or one of the
                // analysis's own columns: the `by` column is what can
                // change.
                let (by, other) = if column.what == result::BY_COLUMN {
                    (column, earlier)
                } else {
                    (earlier, column)
                };
                let Some(span) = by.written.filter(|_| by.what == result::BY_COLUMN) else {
                    continue;
                };
                Diagnostic::error(
                    codes::DUPLICATE_COLUMN,
                    format!(
                        "the result would have two columns named `{}`",
                        quoted(&by.name)
                    ),
                )
                .with_span(span)
                .with_label(format!("`{}` is already {}", quoted(&by.name), other.what))
                .with_help("group by another column, or give this one another name in the data")
            };
            self.push(d);
        }
    }
}

fn out_of_range(span: Span, message: &str, help: &str) -> Diagnostic {
    Diagnostic::error(codes::VALUE_OUT_OF_RANGE, message)
        .with_span(span)
        .with_label("must be at least 1")
        .with_help(help)
}

//! Sequences by segql's native matcher ([`crate::native`]): one aggregate
//! over the events of each actor (or session), each event carrying a mask
//! of the steps it matches.

use crate::ir::*;
use crate::lower::expr::{balanced, column, exactly_true};
use crate::lower::holding::Shared;
use crate::lower::sequence::{MATCHED, step_events};
use crate::lower::{Lowering, Result};
use crate::names::{ACTOR, TS};
use crate::options::SequenceEngine;
use crate::udaf::sequence::{OrderKind, SequenceMatch, SequenceOutput, SequencePattern};
use datafusion_expr::{Expr, LogicalPlanBuilder, Operator, lit, when};
use datafusion_functions_aggregate::expr_fn::{max, min};
use std::collections::BTreeMap;

/// Column of an event's mask word `w` for the native matcher.
fn mask_word(w: usize) -> String {
    format!("__segql_mask{w}")
}

impl Lowering<'_> {
    /// The pattern the native matcher runs for these steps, when the native
    /// engine is chosen and the matcher handles them.
    pub(in crate::lower) fn native_pattern(
        &self,
        steps: &[StepIr],
        within: Within,
        output: SequenceOutput,
    ) -> Option<SequencePattern> {
        if self.engine != SequenceEngine::Native {
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
        if output == (SequenceOutput::Funnel { entry: true }) && end_negated {
            return None;
        }
        Some(SequencePattern {
            steps: gaps.len(),
            gaps,
            window,
            output,
            order: OrderKind::Sequential,
        })
    }

    /// Per actor (and session and held values, the columns of `shared`):
    /// MATCHED, the native matcher's result over the events that match
    /// some step.
    pub(in crate::lower) fn native_sequence(
        &self,
        steps: &[StepIr],
        shared: &Shared,
        events: LogicalPlanBuilder,
        pattern: SequencePattern,
    ) -> Result<LogicalPlanBuilder> {
        // Strict order reads every event: those of no step stand between
        // the others.
        let strict = pattern.order == OrderKind::Strict;
        let mut rows = step_events(steps, shared, events, strict)?;
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
        keys.extend(shared.keys());
        let mut projection = keys.clone();
        projection.push(column(TS));
        for (w, bits) in words.into_iter().enumerate() {
            // A word of no bit (only gap bits of steps without negated
            // steps fall there) is zero.
            let word = balanced(bits, Operator::Plus).unwrap_or_else(|| lit(0i64));
            projection.push(word.alias(mask_word(w)));
        }
        rows = rows.project(projection)?;
        if self.partitions > 1 {
            // Each actor whole on one core: the aggregate then runs in one
            // phase, without shipping partial per-actor event lists.
            rows = rows.repartition(datafusion_expr::Partitioning::Hash(
                keys.clone(),
                self.partitions,
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
            // Two extreme times tell neither the smallest time between the
            // steps nor the earliest start: funnels take the ordered pass.
            SequenceOutput::Funnel { .. } => return Ok(None),
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

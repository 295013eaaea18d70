//! `in strict order` (LANGUAGE.md §12): consecutive steps of a chain lie at
//! consecutive instants of the actor's events, so no other event of the
//! actor falls strictly between them. The group's events all come to the
//! matcher, those of no step too (their mask is empty): they are what a
//! chain must not skip.
//!
//! A chain is fixed by its start: step j of the chain starting at instant
//! i lies at instant i + j. So the matcher keeps, per step, the start of
//! the chain that ends there at the previous instant, and moves every
//! chain one instant on at a time.

use super::matcher::{Masks, STEP_BITS, next_instant};
use super::{SequencePattern, WORD_BITS};

/// What one group's events give in strict order: the steps reached, the
/// smallest time to each step (from 0), and the earliest start of a chain
/// reaching the furthest step.
pub(super) fn strict_scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
) -> (usize, Vec<Option<i64>>, Option<i64>) {
    let k = pattern.steps;
    let width = masks.map_or(1, |t| t.width);
    let mut previous: Vec<Option<i64>> = vec![None; k];
    let mut current: Vec<Option<i64>> = vec![None; k];
    let mut best: Vec<Option<i64>> = vec![None; k];
    let mut earliest: Vec<Option<i64>> = vec![None; k];
    let mut instant = vec![0u64; width];
    let mut reached = 0usize;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        i = next_instant(events, i, masks, &mut instant);
        current.fill(None);
        for (w, &word) in instant.iter().enumerate() {
            let mut bits = word & STEP_BITS;
            while bits != 0 {
                let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                bits &= bits - 1;
                if j >= k {
                    continue;
                }
                let start = if j == 0 {
                    Some(t)
                } else {
                    previous[j - 1].filter(|&s| pattern.window.is_none_or(|d| t - s <= d))
                };
                if let Some(start) = start {
                    current[j] = Some(start);
                    let time = Some(t - start);
                    best[j] = best[j].min(time).or(time);
                    earliest[j] = earliest[j].min(Some(start)).or(Some(start));
                    reached = reached.max(j + 1);
                }
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let entry = reached.checked_sub(1).and_then(|j| earliest[j]);
    (reached, best, entry)
}

//! `in any order` (LANGUAGE.md §12): an actor reaches step k when k
//! distinct events match steps 1..k, one each, whatever their order in time
//! (`max t - min t <= D` with `within D`).
//!
//! An event may match several steps (`viewed like "/p%"` and `viewed
//! "/pricing"`), so reaching k is a matching of steps to events, found by
//! augmenting paths. Events that match the same steps are interchangeable:
//! they are counted per kind (the steps they match), and a matching
//! assigns steps to kinds up to their counts. The smallest span reaching
//! step k comes from two pointers over the instants (a window that reaches
//! k still does when it grows).

use super::matcher::{Masks, STEP_BITS};
use super::{SequencePattern, WORD_BITS};
use std::collections::HashMap;

/// The kinds of a group's events: the positive steps each matches.
struct Kinds {
    /// Per kind, the steps it matches (from 0).
    steps: Vec<Vec<usize>>,
    /// Per step, the kinds that match it.
    kinds_of: Vec<Vec<usize>>,
}

/// The buffers of the matching, allocated once per group.
#[derive(Default)]
struct Matching {
    /// Per kind, the steps assigned to its events.
    assigned: Vec<Vec<usize>>,
    visited: Vec<bool>,
}

impl Kinds {
    /// Whether steps `steps` can each get a distinct event of the window
    /// whose events number `counts` per kind: the number of leading steps
    /// matched before the first that cannot be.
    fn leading(&self, counts: &[usize], steps: &[usize], m: &mut Matching) -> usize {
        m.assigned.resize_with(counts.len(), Vec::new);
        m.assigned.iter_mut().for_each(Vec::clear);
        m.visited.resize(counts.len(), false);
        for (n, &step) in steps.iter().enumerate() {
            m.visited.fill(false);
            if !self.augment(step, counts, &mut m.assigned, &mut m.visited) {
                return n;
            }
        }
        steps.len()
    }

    /// Finds a kind for `step`, moving steps assigned before to other kinds
    /// where needed.
    fn augment(
        &self,
        step: usize,
        counts: &[usize],
        assigned: &mut [Vec<usize>],
        visited: &mut [bool],
    ) -> bool {
        for &kind in &self.kinds_of[step] {
            if visited[kind] || counts[kind] == 0 {
                continue;
            }
            visited[kind] = true;
            if assigned[kind].len() < counts[kind] {
                assigned[kind].push(step);
                return true;
            }
            for slot in 0..assigned[kind].len() {
                let other = assigned[kind][slot];
                if self.augment(other, counts, assigned, visited) {
                    assigned[kind][slot] = step;
                    return true;
                }
            }
        }
        false
    }
}

/// A group's events as instants: each instant's time and its events'
/// kinds.
struct Instants {
    times: Vec<i64>,
    /// Where each instant's events start in `kinds` (and one past the
    /// last).
    starts: Vec<usize>,
    /// The events' kinds, instant after instant.
    kinds: Vec<usize>,
}

impl Instants {
    /// The kinds of the events of instant `i`.
    fn events(&self, i: usize) -> &[usize] {
        &self.kinds[self.starts[i]..self.starts[i + 1]]
    }
}

fn instants(events: &[(i64, u32)], masks: Masks, k: usize) -> (Instants, Kinds) {
    let width = masks.map_or(1, |t| t.width);
    let mut numbers: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut kinds = Kinds {
        steps: Vec::new(),
        kinds_of: vec![Vec::new(); k],
    };
    let mut out = Instants {
        times: Vec::new(),
        starts: Vec::new(),
        kinds: Vec::new(),
    };
    let mut mask = vec![0u64; width];
    for &(t, entry) in events {
        match masks {
            None => mask[0] = entry as u64 & STEP_BITS,
            Some(table) => {
                for (m, &word) in mask.iter_mut().zip(table.get(entry)) {
                    *m = word & STEP_BITS;
                }
            }
        }
        if mask.iter().all(|&w| w == 0) {
            continue;
        }
        let kind = match numbers.get(&mask) {
            Some(&n) => n,
            None => {
                let n = kinds.steps.len();
                let mut steps = Vec::new();
                for (w, &word) in mask.iter().enumerate() {
                    let mut bits = word;
                    while bits != 0 {
                        let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                        bits &= bits - 1;
                        if j < k {
                            steps.push(j);
                            kinds.kinds_of[j].push(n);
                        }
                    }
                }
                kinds.steps.push(steps);
                numbers.insert(mask.clone(), n);
                n
            }
        };
        if out.times.last() != Some(&t) {
            out.times.push(t);
            out.starts.push(out.kinds.len());
        }
        out.kinds.push(kind);
    }
    out.starts.push(out.kinds.len());
    (out, kinds)
}

/// What one group's events give in any order: the steps reached, the
/// smallest span reaching each step (from 0), and, with `entry`, the time
/// of the earliest event that matches step 1 in an assignment reaching the
/// furthest step.
pub(super) fn any_order_scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
    entry: bool,
) -> (usize, Vec<Option<i64>>, Option<i64>) {
    let k = pattern.steps;
    let (instants, kinds) = instants(events, masks, k);
    let n = instants.times.len();
    let mut best: Vec<Option<i64>> = vec![None; k];
    let all_steps: Vec<usize> = (0..k).collect();
    let mut counts = vec![0usize; kinds.steps.len()];
    let mut m = Matching::default();
    let add = |counts: &mut [usize], i: usize, sign: bool| {
        for &kind in instants.events(i) {
            if sign {
                counts[kind] += 1;
            } else {
                counts[kind] -= 1;
            }
        }
    };
    // Per number of steps: the smallest span of a window reaching it.
    for target in 1..=k {
        counts.fill(0);
        let steps = &all_steps[..target];
        let mut right = 0usize; // the window is instants [left, right)
        let mut found: Option<i64> = None;
        for left in 0..n {
            if right < left {
                right = left;
                counts.fill(0);
            }
            while right < n && kinds.leading(&counts, steps, &mut m) < target {
                add(&mut counts, right, true);
                right += 1;
            }
            if kinds.leading(&counts, steps, &mut m) < target {
                break;
            }
            let span = instants.times[right - 1] - instants.times[left];
            found = found.min(Some(span)).or(Some(span));
            add(&mut counts, left, false);
        }
        match found {
            Some(span) if pattern.window.is_none_or(|d| span <= d) => best[target - 1] = Some(span),
            _ => break,
        }
    }
    let reached = best.iter().take_while(|b| b.is_some()).count();
    let start = if entry && reached > 0 {
        earliest_entry(&instants, &kinds, pattern.window, reached)
    } else {
        None
    };
    (reached, best, start)
}

/// The time of the earliest event matching step 1 that some assignment
/// reaching `reached` steps gives step 1: the first instant with such an
/// event for which a window holding it (of span at most D) matches steps
/// 2..reached with its other events.
fn earliest_entry(
    instants: &Instants,
    kinds: &Kinds,
    window: Option<i64>,
    reached: usize,
) -> Option<i64> {
    let n = instants.times.len();
    let rest: Vec<usize> = (1..reached).collect();
    let mut counts = vec![0usize; kinds.steps.len()];
    let mut m = Matching::default();
    for i in 0..n {
        let t = instants.times[i];
        let mut firsts: Vec<usize> = instants
            .events(i)
            .iter()
            .copied()
            .filter(|&kind| kinds.steps[kind].first() == Some(&0))
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        if firsts.is_empty() {
            continue;
        }
        // The windows holding instant i: all the events without `within
        // D`, else those starting at each instant of [t - D, t].
        let lefts: Vec<usize> = match window {
            None => vec![0],
            Some(d) => (0..=i).filter(|&l| instants.times[l] >= t - d).collect(),
        };
        for left in lefts {
            counts.fill(0);
            let end = window.map_or(i64::MAX, |d| instants.times[left] + d);
            for j in left..n {
                if instants.times[j] > end {
                    break;
                }
                for &kind in instants.events(j) {
                    counts[kind] += 1;
                }
            }
            for &first in &firsts {
                counts[first] -= 1;
                let fits = kinds.leading(&counts, &rest, &mut m) == rest.len();
                counts[first] += 1;
                if fits {
                    return Some(t);
                }
            }
        }
    }
    None
}

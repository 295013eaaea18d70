//! The matcher itself: [`scan`] decides how far one group's events, sorted
//! by time, go through a pattern, and [`reversed_scan`] finds the earliest
//! start reaching that far by scanning them backwards. Events come as
//! `(time, entry)`: the entry is the event's mask, or the number of its mask
//! in a [`MaskTable`] for patterns of more than [`MASK_STEPS`](super::MASK_STEPS) steps.

use super::{SequenceOutput, SequencePattern, WORD_BITS, words_for};
use std::collections::HashMap;

/// The bits of positive steps in a mask word (even bits); the others are
/// gaps.
pub(super) const STEP_BITS: u64 = 0x5555_5555_5555_5555;

/// The masks of more than one word, each stored once: an entry holds its
/// mask's number. Events of one kind share one mask (a `viewed "/cart"`
/// event matches the same steps as any other), so the table stays small,
/// and an event costs one entry however many steps it matches.
#[derive(Debug)]
pub(in crate::udaf) struct MaskTable {
    pub(super) width: usize,
    /// The masks, `width` words each, by number.
    words: Vec<u64>,
    numbers: HashMap<Box<[u64]>, u32>,
}

impl MaskTable {
    pub(super) fn new(width: usize) -> Self {
        MaskTable {
            width,
            words: Vec::new(),
            numbers: HashMap::new(),
        }
    }

    /// The number of `mask` (`width` words), stored if new.
    pub(super) fn intern(&mut self, mask: &[u64]) -> u32 {
        if let Some(&n) = self.numbers.get(mask) {
            return n;
        }
        let n = self.numbers.len() as u32;
        self.words.extend_from_slice(mask);
        self.numbers.insert(mask.into(), n);
        n
    }

    pub(super) fn get(&self, n: u32) -> &[u64] {
        let start = n as usize * self.width;
        &self.words[start..start + self.width]
    }

    pub(super) fn size(&self) -> usize {
        // Each mask twice (the words and the key), plus the map's slots.
        self.words.capacity() * 8 * 2 + self.numbers.capacity() * (16 + 4 + 8)
    }
}

/// How stored entries are read: `None` for masks in the entry itself (at
/// most [`MASK_STEPS`](super::MASK_STEPS) steps), or the table their numbers refer to.
pub(super) type Masks<'a> = Option<&'a MaskTable>;

/// The matcher's state, allocated once and reused for every group.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Per positive step: the latest start of the chains that end there and
    /// are not cut.
    alive: Vec<Option<i64>>,
    /// The chains the current instant extends: (step, start).
    extended: Vec<(usize, i64)>,
    /// The mask of the current instant: its events' masks or-ed.
    instant: Vec<u64>,
    /// Per positive step j (from 0): the smallest time to convert to it
    /// (`t(p_j) - t(p_1)`) over the chains [`scan`] saw reach it; for the
    /// last step with negated steps after it, over those no such event
    /// follows.
    pub(super) best: Vec<Option<i64>>,
}

/// The number of positive steps an actor reaches (0 through k) over its
/// events sorted by time, each with its mask (at most [`MASK_STEPS`](super::MASK_STEPS)
/// steps). Negated steps after the last positive step count only for
/// reaching the last step.
pub fn furthest(events: &[(i64, u32)], pattern: &SequencePattern) -> usize {
    scan(events, None, pattern, &mut Scratch::default()).0
}

/// The time of the step-1 event that starts the earliest chain reaching
/// `reached` steps (as [`furthest`] found them), over the same events.
pub fn earliest_start(
    events: &[(i64, u32)],
    pattern: &SequencePattern,
    reached: usize,
) -> Option<i64> {
    reversed_scan(events, None, pattern, reached, &mut Scratch::default())
}

/// The masks of the events at the time of `events[i]` or-ed into
/// `instant`; returns the index of the first event of the next instant.
pub(super) fn next_instant(
    events: &[(i64, u32)],
    mut i: usize,
    masks: Masks,
    instant: &mut [u64],
) -> usize {
    let t = events[i].0;
    instant.fill(0);
    while i < events.len() && events[i].0 == t {
        match masks {
            None => instant[0] |= events[i].1 as u64,
            Some(table) => {
                for (w, &word) in instant.iter_mut().zip(table.get(events[i].1)) {
                    *w |= word;
                }
            }
        }
        i += 1;
    }
    i
}

/// Calls `f` with the index of every bit set in `mask`, in order.
pub(super) fn for_each_bit(mask: &[u64], mut f: impl FnMut(usize)) {
    for (w, &word) in mask.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            f(w * WORD_BITS + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// [`earliest_start`] over entries read through `masks`.
///
/// Time reversed, a chain of steps 1..=K is a chain of the same steps in
/// reverse order under the same rules: the window is the distance between
/// its ends, a negated step must not stand strictly between two neighbours,
/// and equal times never follow each other. The latest instant at which the
/// reversed matcher completes its last step (step 1) is therefore the
/// earliest start that reaches step K. Negated steps after step K play no
/// part in reaching it. Patterns with negated steps after the last positive
/// step are not handled (the planner does not ask).
pub(super) fn reversed_scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
    reached: usize,
    scratch: &mut Scratch,
) -> Option<i64> {
    if reached == 0 {
        return None;
    }
    let k = reached;
    // Step j becomes step k-1-j; the gap after step j lies between steps
    // k-2-j and k-1-j when reversed, after reversed step k-2-j.
    let remap = |index: usize| -> Option<usize> {
        let j = index / 2;
        if index == SequencePattern::step_index(j) {
            (j < k).then(|| SequencePattern::step_index(k - 1 - j))
        } else {
            (j + 1 < k).then(|| SequencePattern::gap_index(k - 2 - j))
        }
    };
    let mut gaps = vec![false; k];
    for j in 0..k - 1 {
        gaps[k - 2 - j] = pattern.gaps[j];
    }
    let reversed_pattern = SequencePattern {
        steps: k,
        gaps,
        window: pattern.window,
        output: SequenceOutput::Holds,
        order: pattern.order,
    };
    let last = match masks {
        None => {
            let reversed: Vec<(i64, u32)> = events
                .iter()
                .rev()
                .map(|&(t, mask)| {
                    let mut out = 0u32;
                    for_each_bit(&[mask as u64], |i| {
                        if let Some(i) = remap(i) {
                            out |= 1 << i;
                        }
                    });
                    (-t, out)
                })
                .filter(|&(_, mask)| mask != 0)
                .collect();
            scan(&reversed, None, &reversed_pattern, scratch).1
        }
        Some(table) => {
            let mut reversed_table = MaskTable::new(words_for(k));
            let mut mask = vec![0u64; reversed_table.width];
            let mut reversed = Vec::with_capacity(events.len());
            for &(t, n) in events.iter().rev() {
                mask.fill(0);
                for_each_bit(table.get(n), |i| {
                    if let Some(i) = remap(i) {
                        mask[i / WORD_BITS] |= 1 << (i % WORD_BITS);
                    }
                });
                if mask.iter().any(|&w| w != 0) {
                    reversed.push((-t, reversed_table.intern(&mask)));
                }
            }
            scan(&reversed, Some(&reversed_table), &reversed_pattern, scratch).1
        }
    };
    last.map(|t| -t)
}

/// [`furthest`], and the latest instant at which a chain reaches the last
/// positive step, over entries read through `masks`.
pub(super) fn scan(
    events: &[(i64, u32)],
    masks: Masks,
    pattern: &SequencePattern,
    scratch: &mut Scratch,
) -> (usize, Option<i64>) {
    let k = pattern.steps;
    let end_gap = pattern.end_negated();
    let Scratch {
        alive,
        extended,
        instant,
        best,
    } = scratch;
    alive.clear();
    alive.resize(k, None);
    best.clear();
    best.resize(k, None);
    // The best time to the last step among its chains that no negated
    // step after it has followed yet.
    let mut last_best: Option<i64> = None;
    instant.clear();
    instant.resize(masks.map_or(1, |t| t.width), 0);
    let mut reached = 0usize;
    // For negated steps at the end: the latest time the last step is
    // reached, and the latest event of those negated steps.
    let mut last_end: Option<i64> = None;
    let mut last_gap: Option<i64> = None;
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        i = next_instant(events, i, masks, instant);
        // Chains this instant extends, from state strictly before it.
        extended.clear();
        for (w, &word) in instant.iter().enumerate() {
            let mut bits = word & STEP_BITS;
            while bits != 0 {
                let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                bits &= bits - 1;
                if j == 0 {
                    extended.push((0, t));
                } else if j < k
                    && let Some(start) = alive[j - 1]
                    && pattern.window.is_none_or(|d| t - start <= d)
                {
                    extended.push((j, start));
                }
            }
        }
        // Negated steps at this instant cut the chains that end before it.
        for (w, &word) in instant.iter().enumerate() {
            let mut bits = word & !STEP_BITS;
            while bits != 0 {
                let j = (w * WORD_BITS + bits.trailing_zeros() as usize) / 2;
                bits &= bits - 1;
                if j < k {
                    alive[j] = None;
                    if end_gap && j == k - 1 {
                        last_gap = Some(t);
                        last_best = None;
                    }
                }
            }
        }
        for &(j, start) in extended.iter() {
            alive[j] = Some(alive[j].map_or(start, |s| s.max(start)));
            // The latest start is the best one for a chain ending here.
            let time = Some(t - start);
            if j == k - 1 && end_gap {
                last_best = last_best.min(time).or(time);
            } else {
                best[j] = best[j].min(time).or(time);
            }
            if j == k - 1 {
                last_end = Some(t);
            }
            if j + 1 > reached && (j + 1 < k || !end_gap) {
                reached = j + 1;
            }
        }
    }
    if end_gap && let Some(end) = last_end {
        // The last step is reached at `end`; the negated steps must not
        // follow it.
        if last_gap.is_none_or(|g| g <= end) {
            reached = k;
            best[k - 1] = last_best;
        }
    }
    (reached, last_end)
}

use super::matcher::for_each_bit;
use super::*;
use crate::udaf::aggregate::EventGroups;
use datafusion_expr::{EmitTo, GroupsAccumulator};

/// A pattern with negated steps after the positive steps whose bits
/// `gaps` sets.
fn pattern(steps: usize, gaps: u32, window: Option<i64>) -> SequencePattern {
    SequencePattern {
        steps,
        gaps: (0..steps).map(|j| gaps & (1 << j) != 0).collect(),
        window,
        output: SequenceOutput::Funnel { entry: false },
        order: OrderKind::Sequential,
    }
}

fn step(j: usize) -> u32 {
    1 << SequencePattern::step_index(j)
}

fn gap(j: usize) -> u32 {
    1 << SequencePattern::gap_index(j)
}

/// Random cases from a xorshift generator: the same ones on every run.
struct Cases(u64);

impl Cases {
    /// A number below `n`.
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    /// Fewer than `most` events at times below `times`, sorted: each
    /// matches each step with odds 1 in `one_in`, and each negated step of
    /// `gaps` with odds 1 in 4 (events that match nothing are dropped).
    fn events(
        &mut self,
        steps: usize,
        gaps: u32,
        most: u64,
        one_in: u64,
        times: u64,
    ) -> Vec<(i64, u32)> {
        let mut events: Vec<(i64, u32)> = (0..self.below(most))
            .map(|_| {
                let mut mask = 0u32;
                for j in 0..steps {
                    if self.below(one_in) == 0 {
                        mask |= step(j);
                    }
                    if gaps & (1 << j) != 0 && self.below(4) == 0 {
                        mask |= gap(j);
                    }
                }
                (self.below(times) as i64, mask)
            })
            .filter(|&(_, mask)| mask != 0)
            .collect();
        events.sort_unstable();
        events
    }
}

const A: u32 = 1;
const B: u32 = 1 << 2;
const C: u32 = 1 << 4;

#[test]
fn steps_need_strictly_later_times() {
    let p = pattern(2, 0, None);
    assert_eq!(furthest(&[(1, A), (1, B)], &p), 1);
    assert_eq!(furthest(&[(1, A), (2, B)], &p), 2);
    assert_eq!(furthest(&[(1, A | B)], &p), 1);
    assert_eq!(furthest(&[(1, A | B), (2, A | B)], &p), 2);
    assert_eq!(furthest(&[(1, B), (2, A)], &p), 1);
}

#[test]
fn a_gap_event_cuts_chains_ending_strictly_before_it() {
    // A then not C then B.
    let p = pattern(2, 0b01, None);
    assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, B)], &p), 1);
    // A second A after the gap event starts a clean chain.
    assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, A), (4, B)], &p), 2);
    // At the time of the A or of the B: not strictly between.
    assert_eq!(furthest(&[(1, A | gap(0)), (3, B)], &p), 2);
    assert_eq!(furthest(&[(1, A), (3, B | gap(0))], &p), 2);
}

#[test]
fn negated_steps_at_the_end_look_after_the_latest_last_step() {
    // A then not C.
    let p = pattern(1, 0b1, None);
    assert_eq!(furthest(&[(1, A), (2, gap(0))], &p), 0);
    assert_eq!(furthest(&[(1, A), (2, gap(0)), (3, A)], &p), 1);
    assert_eq!(furthest(&[(1, A | gap(0))], &p), 1);
    // A then B then not C: reaching B is cut, A still counts.
    let p = pattern(2, 0b10, None);
    assert_eq!(furthest(&[(1, A), (2, B), (3, gap(1))], &p), 1);
}

#[test]
fn a_window_keeps_the_latest_start() {
    let p = pattern(3, 0, Some(10));
    assert_eq!(furthest(&[(0, A), (5, A), (12, B), (14, C)], &p), 3);
    assert_eq!(furthest(&[(0, A), (5, B), (12, C)], &p), 2);
    assert_eq!(furthest(&[(0, A), (10, B)], &p), 2);
    // The latest start survives a gap cut only if it ends after the cut.
    let p = pattern(2, 0b01, Some(10));
    assert_eq!(furthest(&[(0, A), (3, A), (4, gap(0)), (9, B)], &p), 1);
    assert_eq!(furthest(&[(0, A), (4, gap(0)), (5, A), (9, B)], &p), 2);
}

#[test]
fn the_earliest_start_reaching_the_furthest_step() {
    let p = pattern(3, 0, Some(10));
    // Starts at 0 and 5: only 5 reaches C within 10.
    let events = [(0, A), (5, A), (12, B), (14, C)];
    assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(5));
    // Both reach B only: the earliest, 0.
    let events = [(0, A), (5, A), (8, B)];
    assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(0));
    // A then not C then B: the gap cuts the first start.
    let p = pattern(2, 0b01, None);
    let events = [(1, A), (2, gap(0)), (3, A), (4, B)];
    assert_eq!(earliest_start(&events, &p, 2), Some(3));
    // Equal times never follow each other.
    let p = pattern(2, 0, None);
    let events = [(1, A), (2, A | B)];
    assert_eq!(earliest_start(&events, &p, furthest(&events, &p)), Some(1));
    assert_eq!(earliest_start(&[(3, A | B)], &p, 1), Some(3));
    assert_eq!(earliest_start(&[(3, B)], &p, 0), None);
}

/// Every chain, tried one by one: the furthest step and the earliest
/// start reaching it.
fn brute_force(events: &[(i64, u32)], p: &SequencePattern) -> (usize, Option<i64>) {
    fn extend(
        events: &[(i64, u32)],
        p: &SequencePattern,
        start: i64,
        last: i64,
        level: usize,
    ) -> usize {
        let mut best = level;
        if level == p.steps {
            return best;
        }
        for &(t, mask) in events {
            let cut = events
                .iter()
                .any(|&(g, m)| g > last && g < t && m & (gap(level - 1)) != 0);
            if t > last
                && mask & step(level) != 0
                && p.window.is_none_or(|d| t - start <= d)
                && !cut
            {
                best = best.max(extend(events, p, start, t, level + 1));
            }
        }
        best
    }
    let mut best = (0, None);
    for &(s, mask) in events {
        if mask & 1 == 0 {
            continue;
        }
        let reached = extend(events, p, s, s, 1);
        if reached > best.0 || (reached == best.0 && best.1.is_none_or(|b| s < b)) {
            best = (reached, Some(s));
        }
    }
    best
}

#[test]
fn the_matcher_agrees_with_trying_every_chain() {
    let mut cases = Cases(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        let steps = 1 + cases.below(4) as usize;
        // Gaps between positive steps only: no negated step at the end.
        let gaps = (cases.below(1 << steps) as u32) & ((1 << (steps - 1)) - 1);
        let window = if cases.below(2) == 0 {
            None
        } else {
            Some(cases.below(6) as i64)
        };
        let p = pattern(steps, gaps, window);
        let events = cases.events(steps, gaps, 7, 3, 8);
        let reached = furthest(&events, &p);
        let expected = brute_force(&events, &p);
        assert_eq!(reached, expected.0, "{events:?} {p:?}");
        let start = earliest_start(&events, &p, reached);
        assert_eq!(start, expected.1, "{events:?} {p:?}");
    }
}

/// Events given as (time, bit indices), their masks in a table.
fn wide(events: &[(i64, Vec<usize>)], steps: usize) -> (Vec<(i64, u32)>, MaskTable) {
    let mut table = MaskTable::new(words_for(steps));
    let mut entries: Vec<(i64, u32)> = events
        .iter()
        .map(|(t, indices)| {
            let mut mask = vec![0u64; table.width];
            for &i in indices {
                mask[i / WORD_BITS] |= 1 << (i % WORD_BITS);
            }
            (*t, table.intern(&mask))
        })
        .collect();
    entries.sort_unstable();
    (entries, table)
}

#[test]
fn masks_in_a_table_give_what_masks_in_entries_give() {
    let mut cases = Cases(0x9e37_79b9_7f4a_7c15);
    let mut scratch = Scratch::default();
    for _ in 0..3000 {
        let steps = 1 + cases.below(MASK_STEPS as u64) as usize;
        let gaps = cases.below(1 << steps) as u32 & cases.below(1 << steps) as u32;
        let window = (cases.below(2) == 0).then(|| cases.below(6) as i64);
        let p = pattern(steps, gaps, window);
        let events = cases.events(steps, gaps, 12, 4, 10);
        let listed: Vec<(i64, Vec<usize>)> = events
            .iter()
            .map(|&(t, mask)| {
                let mut indices = Vec::new();
                for_each_bit(&[mask as u64], |i| indices.push(i));
                (t, indices)
            })
            .collect();
        let (entries, table) = wide(&listed, steps);
        let narrow = scan(&events, None, &p, &mut scratch);
        let in_table = scan(&entries, Some(&table), &p, &mut scratch);
        assert_eq!(narrow, in_table, "{events:?} {p:?}");
        if !p.end_negated() {
            let reached = narrow.0;
            assert_eq!(
                reversed_scan(&events, None, &p, reached, &mut scratch),
                reversed_scan(&entries, Some(&table), &p, reached, &mut scratch),
                "{events:?} {p:?}"
            );
        }
    }
}

#[test]
fn sequences_longer_than_a_mask() {
    let k = 40;
    let mut p = SequencePattern {
        steps: k,
        gaps: vec![false; k],
        window: None,
        output: SequenceOutput::Funnel { entry: false },
        order: OrderKind::Sequential,
    };
    let mut scratch = Scratch::default();
    let mut furthest = |events: &[(i64, Vec<usize>)], p: &SequencePattern| {
        let (entries, table) = wide(events, k);
        scan(&entries, Some(&table), p, &mut scratch).0
    };
    // Step j at minute 2j.
    let chain: Vec<(i64, Vec<usize>)> = (0..k)
        .map(|j| (2 * j as i64, vec![SequencePattern::step_index(j)]))
        .collect();
    assert_eq!(furthest(&chain, &p), k);
    let without_26: Vec<(i64, Vec<usize>)> = chain
        .iter()
        .filter(|e| e.1[0] != SequencePattern::step_index(25))
        .cloned()
        .collect();
    assert_eq!(furthest(&without_26, &p), 25);
    // A negated step strictly between steps 31 and 32 cuts the chain.
    p.gaps[30] = true;
    let mut cut = chain.clone();
    cut.push((61, vec![SequencePattern::gap_index(30)]));
    assert_eq!(furthest(&cut, &p), 31);
    // At the time of step 31 it does not.
    cut.last_mut().expect("pushed").0 = 60;
    assert_eq!(furthest(&cut, &p), k);
    // The window counts from the start.
    p.window = Some(2 * (k as i64 - 1));
    assert_eq!(furthest(&chain, &p), k);
    p.window = Some(2 * (k as i64 - 1) - 1);
    assert_eq!(furthest(&chain, &p), k - 1);
    // One event matching every step reaches step 1 only; the same
    // event a minute later, step 2.
    let all: Vec<usize> = (0..k).map(SequencePattern::step_index).collect();
    p.window = None;
    assert_eq!(furthest(&[(0, all.clone())], &p), 1);
    assert_eq!(furthest(&[(0, all.clone()), (1, all)], &p), 2);
}

/// Runs the groups accumulator of `pattern` over events given as
/// (group, time, matched steps), through a partial state and a merge.
fn run_groups(pattern: SequencePattern, events: &[(usize, i64, &[usize])]) -> ArrayRef {
    let matcher = SequenceMatch::new(pattern.clone());
    let mut words = vec![vec![0i64; events.len()]; pattern.words()];
    for (row, (_, _, steps)) in events.iter().enumerate() {
        for &j in *steps {
            let (w, bit) = SequencePattern::word_bit(SequencePattern::step_index(j));
            words[w][row] |= bit;
        }
    }
    let mut values: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(
        events.iter().map(|e| e.1).collect::<Vec<_>>(),
    ))];
    values.extend(
        words
            .into_iter()
            .map(|w| Arc::new(Int64Array::from(w)) as ArrayRef),
    );
    let groups: Vec<usize> = events.iter().map(|e| e.0).collect();
    let num_groups = groups.iter().max().map_or(0, |g| g + 1);
    let new = || EventGroups::new(matcher.clone());
    // Half the rows through update and state, half as converted state.
    let half = events.len() / 2;
    let mut partial = new();
    let head: Vec<ArrayRef> = values.iter().map(|v| v.slice(0, half)).collect();
    partial
        .update_batch(&head, &groups[..half], None, num_groups)
        .expect("update");
    let state = partial.state(EmitTo::All).expect("state");
    let tail: Vec<ArrayRef> = values
        .iter()
        .map(|v| v.slice(half, events.len() - half))
        .collect();
    let converted = partial.convert_to_state(&tail, None).expect("convert");
    let mut merged = new();
    merged
        .merge_batch(&state, &(0..num_groups).collect::<Vec<_>>(), num_groups)
        .expect("merge state");
    merged
        .merge_batch(&converted, &groups[half..], num_groups)
        .expect("merge converted");
    merged.evaluate(EmitTo::All).expect("evaluate")
}

#[test]
fn the_aggregate_reads_many_mask_words() {
    let k = 70;
    let pattern = SequencePattern {
        steps: k,
        gaps: vec![false; k],
        window: None,
        output: SequenceOutput::Funnel { entry: false },
        order: OrderKind::Sequential,
    };
    assert_eq!(pattern.words(), 3);
    let all: Vec<usize> = (0..k).collect();
    let mut events: Vec<(usize, i64, &[usize])> = Vec::new();
    // Group 0: every step in order, one event each, shuffled in.
    // Group 1: one event matching every step: step 1 only.
    // Group 2: steps 0..=40 in order, then step 50.
    for j in (0..k).rev() {
        events.push((0, j as i64, &all[j..=j]));
    }
    events.push((1, 5, &all[..]));
    for j in 0..=40 {
        events.push((2, j as i64, &all[j..=j]));
    }
    events.push((2, 100, &all[50..=50]));
    let result = run_groups(pattern, &events);
    let furthest = result
        .as_struct()
        .column_by_name(FURTHEST_FIELD)
        .expect("the furthest step")
        .as_primitive::<Int64Type>()
        .values()
        .to_vec();
    assert_eq!(furthest, vec![k as i64, 1, 41]);
}

/// What a funnel's group gives, through the aggregate's own path: the
/// steps reached, the times to steps 2..k, and the entry.
fn funnel_outcome(
    events: &[(i64, u32)],
    pattern: &SequencePattern,
) -> (usize, Vec<Option<i64>>, Option<i64>) {
    let matcher = SequenceMatch::new(pattern.clone());
    let o = matcher.outcome(events, None, &mut Scratch::default());
    let times = (1..pattern.steps)
        .map(|j| o.times.get(j).copied().flatten().filter(|_| o.reached > j))
        .collect();
    (o.reached, times, o.start)
}

/// Every assignment of events (by index) to steps 0..k of `order`, tried
/// one by one: the steps reached, the smallest span to each step from 2,
/// and the earliest event given step 1 by an assignment reaching the
/// furthest step. No negated steps (the orders take none).
fn brute_force_funnel(
    events: &[(i64, u32)],
    p: &SequencePattern,
) -> (usize, Vec<Option<i64>>, Option<i64>) {
    fn each(
        events: &[(i64, u32)],
        p: &SequencePattern,
        k: usize,
        chosen: &mut Vec<usize>,
        f: &mut dyn FnMut(&[usize]),
    ) {
        if chosen.len() == k {
            let times: Vec<i64> = chosen.iter().map(|&i| events[i].0).collect();
            let (min, max) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
            if p.window.is_some_and(|d| max - min > d) {
                return;
            }
            if p.order == OrderKind::Strict {
                // No event strictly between two consecutive steps.
                let between = times
                    .windows(2)
                    .any(|w| events.iter().any(|&(t, _)| w[0] < t && t < w[1]));
                if between {
                    return;
                }
            }
            f(chosen);
            return;
        }
        let j = chosen.len();
        for i in 0..events.len() {
            let fits = match p.order {
                OrderKind::Any => !chosen.contains(&i),
                _ => chosen.last().is_none_or(|&l| events[i].0 > events[l].0),
            };
            if fits && events[i].1 & step(j) != 0 {
                chosen.push(i);
                each(events, p, k, chosen, f);
                chosen.pop();
            }
        }
    }
    let mut reached = 0;
    let mut times = vec![None; p.steps - 1];
    let mut entry = None;
    for k in 1..=p.steps {
        let mut best: Option<i64> = None;
        let mut first: Option<i64> = None;
        each(events, p, k, &mut Vec::new(), &mut |chosen| {
            let ts: Vec<i64> = chosen.iter().map(|&i| events[i].0).collect();
            let span = ts.iter().max().unwrap() - ts.iter().min().unwrap();
            best = Some(best.map_or(span, |b| b.min(span)));
            first = Some(first.map_or(ts[0], |f| f.min(ts[0])));
        });
        if first.is_none() {
            break;
        }
        reached = k;
        if k >= 2 {
            times[k - 2] = best;
        }
        entry = first;
    }
    (reached, times, entry)
}

#[test]
fn every_order_agrees_with_trying_every_assignment() {
    let mut cases = Cases(0x9e37_79b9_7f4a_7c15);
    for order in [OrderKind::Sequential, OrderKind::Strict, OrderKind::Any] {
        for _ in 0..2000 {
            let steps = 1 + cases.below(4) as usize;
            let window = if cases.below(2) == 0 {
                None
            } else {
                Some(cases.below(6) as i64)
            };
            let mut p = pattern(steps, 0, window);
            p.order = order;
            p.output = SequenceOutput::Funnel { entry: true };
            let mut events = cases.events(steps, 0, 7, 3, 8);
            if order == OrderKind::Strict {
                // Events of no step stand between the others.
                for _ in 0..cases.below(3) {
                    events.push((cases.below(8) as i64, 0));
                }
                events.sort_unstable();
            }
            let got = funnel_outcome(&events, &p);
            let expected = brute_force_funnel(&events, &p);
            assert_eq!(got.0, expected.0, "{order:?} {events:?} {p:?}");
            assert_eq!(got.1, expected.1, "times: {order:?} {events:?} {p:?}");
            assert_eq!(got.2, expected.2, "entry: {order:?} {events:?} {p:?}");
        }
    }
}

#[test]
fn the_fastest_chain_gives_the_time_and_the_earliest_the_entry() {
    let mut p = pattern(2, 0, None);
    p.output = SequenceOutput::Funnel { entry: true };
    // A at 0 and 12, B at 10 and 13: the entry is 0, the time 1 (12 → 13).
    let events = [(0, A), (10, B), (12, A), (13, B)];
    assert_eq!(funnel_outcome(&events, &p), (2, vec![Some(1)], Some(0)));
    // Strict order: the A at 12 goes straight to the B at 13; the B at 10
    // follows the A at 0 directly too.
    p.order = OrderKind::Strict;
    assert_eq!(funnel_outcome(&events, &p), (2, vec![Some(1)], Some(0)));
    let blocked = [(0, A), (5, 0), (10, B), (12, A), (13, B)];
    assert_eq!(funnel_outcome(&blocked, &p), (2, vec![Some(1)], Some(12)));
    // Any order: B at 10 and A at 12 are 2 apart, A at 12 and B at 13 one.
    p.order = OrderKind::Any;
    assert_eq!(funnel_outcome(&events, &p), (2, vec![Some(1)], Some(0)));
    // Equal times: in any order they pair, in time order never.
    assert_eq!(
        funnel_outcome(&[(3, A), (3, B)], &p),
        (2, vec![Some(0)], Some(3))
    );
    p.order = OrderKind::Sequential;
    assert_eq!(
        funnel_outcome(&[(3, A), (3, B)], &p),
        (1, vec![None], Some(3))
    );
}

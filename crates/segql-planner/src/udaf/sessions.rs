//! Derived sessions (LANGUAGE.md §10) without sorting the events: two
//! functions that number each event's session from its user's session
//! starts.
//!
//! - `segql_session_starts(time)`, an aggregate grouped by user (a hash
//!   aggregate, as every other per-user pass), gives the times at which the
//!   user's sessions start, in order. With gaps alone it keeps the runs of
//!   the user's times as they arrive ([`super::session_runs`]); with a
//!   maximum length it keeps every time and sorts them when the group is
//!   emitted.
//! - `segql_session_id(user, time, starts)`, a scalar function, is the id
//!   `<user>#<n>` of the session an event at `time` is in: n is the count of
//!   the user's starts not after it.
//!
//! An event's session number depends only on its user and its time (events
//! at the same time are never cut apart), so the starts say everything. The
//! events meet their user's starts in a hash join, after the query's own
//! filters: a query reads every event's time once, and numbers only the
//! events it keeps, where a window function would sort every event of the
//! table by user and time first. A maximum length makes each cut depend on
//! where the current session started, which the ordered pass over a user's
//! times follows as easily as gaps.

use super::aggregate::{EventAggregate, EventUdaf, Rows};
use super::session_runs::SessionRuns;
use super::state::{Emitted, lists, one_element_lists, one_list, passes, row_starts};
use crate::model::DerivedSessions;
use datafusion_common::arrow::array::{
    Array, ArrayAccessor, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, StringArray,
    StringBuilder,
};
use datafusion_common::arrow::compute::cast;
use datafusion_common::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion_common::{Result, ScalarValue, exec_datafusion_err, exec_err, internal_err};
use datafusion_expr::{
    Accumulator, ColumnarValue, Expr, GroupsAccumulator, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use std::fmt::Write;
use std::sync::Arc;

/// The aggregate `segql_session_starts(time)` for one setting of derived
/// sessions; times are microseconds since the epoch (Int64).
///
/// Its state is a list of spans per group, each the first and last time of
/// some of the group's events. With gaps alone, a partial phase merges the
/// times it sees into their runs (consecutive gaps at most the inactivity)
/// and passes one span per run: another phase's times only fill a run in,
/// and runs whose spans come within the inactivity of each other are one
/// session; a user's events shrink to about two times per session before
/// they are shuffled. A maximum length cuts where a session started, which
/// no partial phase knows, so every time is a span of its own there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionStarts {
    pub(super) sessions: DerivedSessions,
}

impl SessionStarts {
    pub const NAME: &'static str = "segql_session_starts";

    /// `segql_session_starts(time)`: the start times of the group's
    /// sessions, a list in time order (empty for a group without a timed
    /// event).
    pub fn call(sessions: DerivedSessions, time: Expr) -> Expr {
        EventUdaf::call(SessionStarts { sessions }, vec![time])
    }

    /// Whether `function` is a session-starts aggregate whose partial
    /// phase shrinks its events to runs (gaps alone): worth two phases.
    pub fn shrinks_in_partial_phase(function: &datafusion_expr::AggregateUDF) -> bool {
        function
            .inner()
            .downcast_ref::<EventUdaf<SessionStarts>>()
            .is_some_and(|f| f.aggregate().sessions.max_length_micros.is_none())
    }

    /// The runs of `spans` ((first, last) times), sorted in place: spans
    /// within the inactivity of the runs before them join them. Each run
    /// is a session (gaps alone).
    pub(super) fn runs(&self, spans: &mut [(i64, i64)]) -> Vec<(i64, i64)> {
        spans.sort_unstable();
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for &(first, last) in spans.iter() {
            match runs.last_mut() {
                Some(run) if first.saturating_sub(run.1) <= self.sessions.inactivity_micros => {
                    run.1 = run.1.max(last);
                }
                _ => runs.push((first, last)),
            }
        }
        runs
    }

    /// The starts of the sessions of the events `spans` cover, sorted in
    /// place.
    fn starts(&self, spans: &mut [(i64, i64)]) -> Vec<i64> {
        if self.sessions.max_length_micros.is_none() {
            return self
                .runs(spans)
                .into_iter()
                .map(|(first, _)| first)
                .collect();
        }
        // With a maximum length every span is one time.
        spans.sort_unstable();
        let mut numbering = Numbering::new(self.sessions);
        let mut starts = Vec::new();
        for &(time, _) in spans.iter() {
            if numbering.starts_session(time) {
                starts.push(time);
            }
        }
        starts
    }

    /// The spans a partial phase passes on for `spans`, sorted in place.
    fn passed_on(&self, spans: &mut [(i64, i64)]) -> Vec<(i64, i64)> {
        if self.sessions.max_length_micros.is_none() {
            self.runs(spans)
        } else {
            spans.to_vec()
        }
    }
}

impl EventAggregate for SessionStarts {
    /// The last time of the span an event stands for (its first is the
    /// event's time).
    type Kept = i64;
    type Store = ();
    const NAME: &'static str = SessionStarts::NAME;

    fn arguments(&self) -> Vec<DataType> {
        vec![DataType::Int64]
    }

    fn result(&self) -> DataType {
        DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
    }

    fn nullable(&self) -> bool {
        false
    }

    fn state_columns(&self) -> Vec<(&'static str, DataType)> {
        vec![("firsts", DataType::Int64), ("lasts", DataType::Int64)]
    }

    fn accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(StartsAccumulator {
            aggregate: *self,
            spans: Vec::new(),
        })
    }

    fn store(&self) {}

    fn store_size(_: &()) -> usize {
        0
    }

    fn read(&self, _: &mut (), rows: Rows, keep: impl FnMut(usize, i64, i64)) -> Result<()> {
        match rows {
            Rows::Input(values, filter) => input_spans(values, filter, keep),
            Rows::State(states) => state_spans(states, keep),
        }
    }

    fn evaluate(&self, _: &(), mut emitted: Emitted<i64>) -> Result<ArrayRef> {
        let mut offsets = vec![0usize];
        let mut starts = Vec::new();
        for w in emitted.offsets.windows(2) {
            starts.extend(self.starts(&mut emitted.events[w[0]..w[1]]));
            offsets.push(starts.len());
        }
        Ok(lists(&offsets, Arc::new(Int64Array::from(starts))))
    }

    fn state(&self, _: &(), mut emitted: Emitted<i64>) -> Result<Vec<ArrayRef>> {
        let mut passed = GroupSpans::with_groups(emitted.offsets.len() - 1);
        for w in emitted.offsets.windows(2) {
            passed.push_group(self.passed_on(&mut emitted.events[w[0]..w[1]]));
        }
        Ok(passed.state())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.spans_of_times(values, filter)
    }

    fn groups_accumulator(&self) -> Option<Box<dyn GroupsAccumulator>> {
        match self.sessions.max_length_micros {
            None => Some(Box::new(SessionRuns::new(*self))),
            Some(_) => None,
        }
    }
}

impl SessionStarts {
    /// Each time of `values` as a state of its own: the span of one event,
    /// its first and its last.
    pub(super) fn spans_of_times(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let times = one_element_lists(&values[..1], filter);
        Ok(vec![Arc::clone(&times[0]), Arc::clone(&times[0])])
    }
}

/// The spans of groups emitted at once, column-wise: each group's spans
/// start at its offset (one offset more than groups).
pub(super) struct GroupSpans {
    offsets: Vec<usize>,
    firsts: Vec<i64>,
    lasts: Vec<i64>,
}

impl GroupSpans {
    pub(super) fn with_groups(groups: usize) -> Self {
        let mut offsets = Vec::with_capacity(groups + 1);
        offsets.push(0);
        GroupSpans {
            offsets,
            firsts: Vec::new(),
            lasts: Vec::new(),
        }
    }

    /// Adds the next group's spans.
    pub(super) fn push_group(&mut self, spans: impl IntoIterator<Item = (i64, i64)>) {
        for (first, last) in spans {
            self.firsts.push(first);
            self.lasts.push(last);
        }
        self.offsets.push(self.firsts.len());
    }

    /// The state: a list of firsts and a list of lasts per group.
    pub(super) fn state(self) -> Vec<ArrayRef> {
        vec![
            lists(&self.offsets, Arc::new(Int64Array::from(self.firsts))),
            lists(&self.offsets, Arc::new(Int64Array::from(self.lasts))),
        ]
    }

    /// The firsts alone: with runs for spans, each group's session starts.
    pub(super) fn first_lists(self) -> ArrayRef {
        lists(&self.offsets, Arc::new(Int64Array::from(self.firsts)))
    }
}

/// The times of `values` (one Int64 column) that `filter` keeps, without
/// nulls, each a span of its own: `f(row, time, time)`.
pub(super) fn input_spans(
    values: &[ArrayRef],
    filter: Option<&BooleanArray>,
    mut f: impl FnMut(usize, i64, i64),
) -> Result<()> {
    let Some(times) = values
        .first()
        .and_then(|v| v.as_primitive_opt::<Int64Type>())
    else {
        return internal_err!("{} takes the event time (Int64)", SessionStarts::NAME);
    };
    for row in 0..times.len() {
        if times.is_valid(row) && passes(filter, row) {
            f(row, times.value(row), times.value(row));
        }
    }
    Ok(())
}

/// The spans of every state row's lists: `f(row, first, last)`.
pub(super) fn state_spans(states: &[ArrayRef], mut f: impl FnMut(usize, i64, i64)) -> Result<()> {
    let malformed = || internal_err!("{} state is two lists of times", SessionStarts::NAME);
    let [Some(firsts), Some(lasts)] =
        [0, 1].map(|i| states.get(i).and_then(|s| s.as_list_opt::<i32>()))
    else {
        return malformed();
    };
    let (Some(first_times), Some(last_times)) = (
        firsts.values().as_primitive_opt::<Int64Type>(),
        lasts.values().as_primitive_opt::<Int64Type>(),
    ) else {
        return malformed();
    };
    for row in 0..firsts.len() {
        let Some(([a, b], length)) = row_starts([firsts, lasts], row) else {
            continue;
        };
        for i in 0..length {
            f(row, first_times.value(a + i), last_times.value(b + i));
        }
    }
    Ok(())
}

/// The session starts of one group at a time (where DataFusion does not
/// group).
#[derive(Debug)]
struct StartsAccumulator {
    aggregate: SessionStarts,
    spans: Vec<(i64, i64)>,
}

impl Accumulator for StartsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        input_spans(values, None, |_, first, last| {
            self.spans.push((first, last))
        })
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let starts = self.aggregate.starts(&mut self.spans);
        Ok(one_list(Arc::new(Int64Array::from(starts))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.spans.capacity() * 16
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let spans = self.aggregate.passed_on(&mut self.spans);
        let (firsts, lasts): (Vec<i64>, Vec<i64>) = spans.into_iter().unzip();
        Ok(vec![
            one_list(Arc::new(Int64Array::from(firsts))),
            one_list(Arc::new(Int64Array::from(lasts))),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        state_spans(states, |_, first, last| self.spans.push((first, last)))
    }
}

/// The scalar function `segql_session_id(user, time, starts)`: the derived
/// id `<user>#<n>` of the session an event of `user` at `time` is in, n
/// counting from one, given the user's session starts; null for an event
/// without a time or a user without starts.
///
/// It is volatile only in DataFusion's sense that the optimizer must not
/// copy it: a filter on the session above it (`session IS NOT NULL`) would
/// otherwise compute every id a second time below its projection.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SessionId {
    signature: Signature,
}

impl SessionId {
    pub const NAME: &'static str = "segql_session_id";

    pub fn call(user: Expr, time: Expr, starts: Expr) -> Expr {
        Self::function().call(vec![user, time, starts])
    }

    /// The function as DataFusion calls it (it has no parameters).
    pub fn function() -> ScalarUDF {
        ScalarUDF::from(SessionId {
            signature: Signature::any(3, Volatility::Volatile),
        })
    }
}

impl ScalarUDFImpl for SessionId {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let [user, time, starts] = args.args.as_slice() else {
            return exec_err!("{} takes a user, a time and a list of starts", Self::NAME);
        };
        let (user, time, starts) = (
            user.to_array(rows)?,
            time.to_array(rows)?,
            starts.to_array(rows)?,
        );
        let (Some(times), Some(starts)) = (
            time.as_primitive_opt::<Int64Type>(),
            starts.as_list_opt::<i32>(),
        ) else {
            return exec_err!("{} takes Int64 times and lists of Int64 starts", Self::NAME);
        };
        let ids = match user.data_type() {
            DataType::Utf8View => session_ids(user.as_string_view(), times, starts),
            DataType::Utf8 => session_ids(user.as_string::<i32>(), times, starts),
            _ => {
                let user = cast(&user, &DataType::Utf8)?;
                session_ids(user.as_string::<i32>(), times, starts)
            }
        }?;
        Ok(ColumnarValue::Array(Arc::new(ids)))
    }
}

/// For each row, `<user>#<n>`, n the count of its starts not after its
/// time.
fn session_ids<'a>(
    users: impl ArrayAccessor<Item = &'a str>,
    times: &Int64Array,
    starts: &ListArray,
) -> Result<StringArray> {
    let Some(values) = starts.values().as_primitive_opt::<Int64Type>() else {
        return exec_err!("{} takes lists of Int64 starts", SessionId::NAME);
    };
    let offsets = starts.value_offsets();
    let mut out = StringBuilder::with_capacity(times.len(), times.len() * 16);
    for row in 0..times.len() {
        if users.is_null(row) || times.is_null(row) || starts.is_null(row) {
            out.append_null();
            continue;
        }
        let own = &values.values()[offsets[row] as usize..offsets[row + 1] as usize];
        let number = own.partition_point(|&start| start <= times.value(row));
        if number == 0 {
            // A time before the user's first start is not one of the
            // user's events (the starts come from all of them).
            out.append_null();
            continue;
        }
        // Written into the builder's buffer, with no copy in between;
        // `append_value("")` ends the value there.
        write_id(&mut out, users.value(row), number)
            .map_err(|e| exec_datafusion_err!("{}: {e}", SessionId::NAME))?;
        out.append_value("");
    }
    Ok(out.finish())
}

/// Writes `<user>#<number>`, the number's decimal digits without the
/// formatting machinery: this runs once per event.
fn write_id(out: &mut impl Write, user: &str, mut number: usize) -> std::fmt::Result {
    out.write_str(user)?;
    out.write_char('#')?;
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    digits[at..]
        .iter()
        .try_for_each(|&d| out.write_char(d as char))
}

/// One user's sessions so far, over the user's times in order: the previous
/// event's time and where the current session started.
#[derive(Debug)]
struct Numbering {
    sessions: DerivedSessions,
    previous: Option<i64>,
    start: i64,
}

impl Numbering {
    fn new(sessions: DerivedSessions) -> Self {
        Numbering {
            sessions,
            previous: None,
            start: 0,
        }
    }

    /// Whether the next event, at `time` (not before the previous one),
    /// starts a session: the user's first, one more than the inactivity gap
    /// after the previous event, or more than the maximum length after the
    /// session's start. An event at the same time as the previous one never
    /// does (its gap and its distance from the start are the previous
    /// event's, or zero).
    fn starts_session(&mut self, time: i64) -> bool {
        let starts = match self.previous {
            None => true,
            Some(previous) => {
                time.saturating_sub(previous) > self.sessions.inactivity_micros
                    || self
                        .sessions
                        .max_length_micros
                        .is_some_and(|max| time.saturating_sub(self.start) > max)
            }
        };
        if starts {
            self.start = time;
        }
        self.previous = Some(time);
        starts
    }
}

#[cfg(test)]
mod tests {
    use super::super::aggregate::EventGroups;
    use super::*;
    use datafusion_expr::{EmitTo, GroupsAccumulator};

    const MINUTE: i64 = 60_000_000;

    /// The session number of each time of one user, in the order given.
    fn numbers(sessions: DerivedSessions, minutes: &[i64]) -> Vec<i64> {
        let mut times: Vec<i64> = minutes.iter().map(|m| m * MINUTE).collect();
        let mut spans: Vec<(i64, i64)> = times.iter().map(|&t| (t, t)).collect();
        let starts = SessionStarts { sessions }.starts(&mut spans);
        times
            .drain(..)
            .map(|t| starts.partition_point(|&s| s <= t) as i64)
            .collect()
    }

    #[test]
    fn a_gap_exactly_the_inactivity_stays_in_the_session() {
        let gaps = DerivedSessions::new(30 * MINUTE);
        assert_eq!(numbers(gaps, &[0, 30, 61, 61, 91, 200]), [1, 1, 2, 2, 2, 3]);
    }

    #[test]
    fn the_maximum_length_cuts_from_the_session_start() {
        let capped = DerivedSessions::new(30 * MINUTE).with_max_length(60 * MINUTE);
        // 0..60 is one session (60 is exactly the maximum); 70 is more than
        // 60 after 0 and starts the second, which runs to 130.
        assert_eq!(
            numbers(capped, &[0, 20, 40, 60, 70, 70, 100, 130, 131]),
            [1, 1, 1, 1, 2, 2, 2, 2, 3]
        );
    }

    #[test]
    fn session_numbers_are_written_in_decimal() {
        for n in [1, 9, 10, 12, 100, 4_294_967_296] {
            let mut text = String::new();
            write_id(&mut text, "u", n).unwrap();
            assert_eq!(text, format!("u#{n}"));
        }
    }

    #[test]
    fn times_in_any_order_number_alike() {
        let gaps = DerivedSessions::new(30 * MINUTE);
        assert_eq!(numbers(gaps, &[200, 0, 61, 30]), [3, 1, 2, 1]);
    }

    #[test]
    fn groups_give_their_starts_through_a_partial_state() {
        let aggregate = SessionStarts {
            sessions: DerivedSessions::new(30 * MINUTE),
        };
        let times: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(0),
            Some(100 * MINUTE),
            None,
            Some(31 * MINUTE),
            Some(5 * MINUTE),
        ]));
        let mut partial = EventGroups::new(aggregate);
        partial
            .update_batch(&[times], &[0, 1, 0, 0, 1], None, 2)
            .unwrap();
        let state = partial.state(EmitTo::All).unwrap();
        let mut fin = EventGroups::new(aggregate);
        fin.merge_batch(&state, &[1, 0], 2).unwrap();
        let starts = fin.evaluate(EmitTo::All).unwrap();
        let starts = starts.as_list::<i32>();
        let of = |g: usize| -> Vec<i64> {
            starts
                .value(g)
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        };
        // Group 0 of the final stage is the partial's group 1.
        assert_eq!(of(0), [5 * MINUTE, 100 * MINUTE]);
        assert_eq!(of(1), [0, 31 * MINUTE]);
        let ids = session_ids(
            &StringArray::from(vec!["u1", "u1", "u2"]),
            &Int64Array::from(vec![Some(31 * MINUTE), None, Some(4 * MINUTE)]),
            &ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
                Some(vec![Some(0), Some(31 * MINUTE)]),
                Some(vec![Some(0)]),
                Some(vec![Some(5 * MINUTE)]),
            ]),
        )
        .unwrap();
        assert_eq!(ids, StringArray::from(vec![Some("u1#2"), None, None]));
    }

    /// The starts of `times` found in one phase, and through partial
    /// phases that each see the times `part` assigns them.
    fn starts_both_ways(
        aggregate: SessionStarts,
        times: &[i64],
        part: impl Fn(usize) -> usize,
        parts: usize,
    ) -> (Vec<i64>, Vec<i64>) {
        let mut spans: Vec<(i64, i64)> = times.iter().map(|&t| (t, t)).collect();
        let single = aggregate.starts(&mut spans);
        // The accumulator DataFusion gets: the runs with gaps alone.
        let accumulator = || -> Box<dyn GroupsAccumulator> {
            aggregate
                .groups_accumulator()
                .unwrap_or_else(|| Box::new(EventGroups::new(aggregate)))
        };
        let mut fin = accumulator();
        for p in 0..parts {
            let mut mine: Vec<i64> = (0..times.len())
                .filter(|&i| part(i) == p)
                .map(|i| times[i])
                .collect();
            if p == 1 {
                // Out of time order.
                mine.reverse();
            }
            let rows = mine.len();
            let mut partial = accumulator();
            partial
                .update_batch(
                    &[Arc::new(Int64Array::from(mine)) as ArrayRef],
                    &vec![0; rows],
                    None,
                    1,
                )
                .unwrap();
            let state = partial.state(EmitTo::All).unwrap();
            fin.merge_batch(&state, &[0], 1).unwrap();
        }
        let starts = fin.evaluate(EmitTo::All).unwrap();
        let two_phase = starts.as_list::<i32>().value(0);
        (
            single,
            two_phase.as_primitive::<Int64Type>().values().to_vec(),
        )
    }

    #[test]
    fn partial_runs_merge_into_the_sessions_of_all_the_times() {
        // A pseudo-random walk of times (gaps around the inactivity, equal
        // times included) split across partial phases at random.
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for case in 0..200 {
            let count = 1 + (next() % 60) as usize;
            let mut t = 0i64;
            let times: Vec<i64> = (0..count)
                .map(|_| {
                    t += (next() % 45) as i64 * MINUTE + [0, 0, 1][(next() % 3) as usize];
                    t
                })
                .collect();
            let assignment: Vec<usize> = (0..count).map(|_| (next() % 3) as usize).collect();
            for sessions in [
                DerivedSessions::new(30 * MINUTE),
                DerivedSessions::new(30 * MINUTE).with_max_length(90 * MINUTE),
            ] {
                let aggregate = SessionStarts { sessions };
                let (single, two_phase) = starts_both_ways(aggregate, &times, |i| assignment[i], 3);
                assert_eq!(
                    single, two_phase,
                    "case {case}: {times:?} in {assignment:?}"
                );
                // All in one partial phase, in time order.
                let (single, in_order) = starts_both_ways(aggregate, &times, |_| 0, 1);
                assert_eq!(single, in_order, "case {case}: {times:?} in order");
            }
        }
    }
}

//! Derived sessions (LANGUAGE.md §10) without sorting the events: two
//! functions that number each event's session from its user's session
//! starts.
//!
//! - `segql_session_starts(time)`, an aggregate grouped by user, keeps the
//!   user's event times (a hash aggregate, as every other per-user pass),
//!   sorts them when the group is emitted, and gives the times at which the
//!   user's sessions start, in order.
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
use super::state::{Emitted, lists, one_list, passes, row_starts};
use crate::model::DerivedSessions;
use datafusion_common::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, StringArray, StringBuilder,
};
use datafusion_common::arrow::compute::cast;
use datafusion_common::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion_common::{Result, ScalarValue, exec_err, internal_err};
use datafusion_expr::{
    Accumulator, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use std::fmt::Write;
use std::sync::Arc;

/// The aggregate `segql_session_starts(time)` for one setting of derived
/// sessions; times are microseconds since the epoch (Int64).
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

    /// The starts of the sessions of events at `times`, sorted in place.
    fn starts(&self, times: &mut [i64]) -> Vec<i64> {
        times.sort_unstable();
        let mut numbering = Numbering::new(self.sessions);
        let mut starts = Vec::new();
        for &time in times.iter() {
            if numbering.starts_session(time) {
                starts.push(time);
            }
        }
        starts
    }
}

impl EventAggregate for SessionStarts {
    type Kept = ();
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
        vec![("times", DataType::Int64)]
    }

    fn accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(StartsAccumulator {
            aggregate: *self,
            times: Vec::new(),
        })
    }

    fn store(&self) {}

    fn store_size(_: &()) -> usize {
        0
    }

    fn read(&self, _: &mut (), rows: Rows, mut keep: impl FnMut(usize, i64, ())) -> Result<()> {
        let keep = |row, time| keep(row, time, ());
        match rows {
            Rows::Input(values, filter) => input_times(values, filter, keep),
            Rows::State(states) => state_times(states, keep),
        }
    }

    fn evaluate(&self, _: &(), mut emitted: Emitted<()>) -> Result<ArrayRef> {
        let mut offsets = vec![0usize];
        let mut starts = Vec::new();
        let mut times = Vec::new();
        for w in emitted.offsets.windows(2) {
            times.clear();
            times.extend(emitted.events[w[0]..w[1]].iter_mut().map(|e| e.0));
            starts.extend(self.starts(&mut times));
            offsets.push(starts.len());
        }
        Ok(lists(&offsets, Arc::new(Int64Array::from(starts))))
    }

    fn state(&self, _: &(), emitted: Emitted<()>) -> Result<Vec<ArrayRef>> {
        let times = Int64Array::from_iter_values(emitted.events.iter().map(|e| e.0));
        Ok(vec![lists(&emitted.offsets, Arc::new(times))])
    }
}

/// The times of `values` (one Int64 column) that `filter` keeps, without
/// nulls: `f(row, time)`.
fn input_times(
    values: &[ArrayRef],
    filter: Option<&BooleanArray>,
    mut f: impl FnMut(usize, i64),
) -> Result<()> {
    let Some(times) = values
        .first()
        .and_then(|v| v.as_primitive_opt::<Int64Type>())
    else {
        return internal_err!("{} takes the event time (Int64)", SessionStarts::NAME);
    };
    for row in 0..times.len() {
        if times.is_valid(row) && passes(filter, row) {
            f(row, times.value(row));
        }
    }
    Ok(())
}

/// The times of every state row's list: `f(row, time)`.
fn state_times(states: &[ArrayRef], mut f: impl FnMut(usize, i64)) -> Result<()> {
    let Some(list) = states.first().and_then(|s| s.as_list_opt::<i32>()) else {
        return internal_err!("{} state is a list of times", SessionStarts::NAME);
    };
    let Some(times) = list.values().as_primitive_opt::<Int64Type>() else {
        return internal_err!("{} state is a list of times", SessionStarts::NAME);
    };
    for row in 0..list.len() {
        let Some(([start], length)) = row_starts([list], row) else {
            continue;
        };
        for time in &times.values()[start..start + length] {
            f(row, *time);
        }
    }
    Ok(())
}

/// The session starts of one group at a time (where DataFusion does not
/// group).
#[derive(Debug)]
struct StartsAccumulator {
    aggregate: SessionStarts,
    times: Vec<i64>,
}

impl Accumulator for StartsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        input_times(values, None, |_, time| self.times.push(time))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let starts = self.aggregate.starts(&mut self.times);
        Ok(one_list(Arc::new(Int64Array::from(starts))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.times.capacity() * 8
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![one_list(Arc::new(Int64Array::from(
            self.times.clone(),
        )))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        state_times(states, |_, time| self.times.push(time))
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
        let user = cast(&user.to_array(rows)?, &DataType::Utf8)?;
        let (time, starts) = (time.to_array(rows)?, starts.to_array(rows)?);
        let (Some(users), Some(times), Some(starts)) = (
            user.as_string_opt::<i32>(),
            time.as_primitive_opt::<Int64Type>(),
            starts.as_list_opt::<i32>(),
        ) else {
            return exec_err!(
                "{} takes text users, Int64 times and lists of Int64 starts",
                Self::NAME
            );
        };
        Ok(ColumnarValue::Array(Arc::new(session_ids(
            users, times, starts,
        )?)))
    }
}

/// For each row, `<user>#<n>`, n the count of its starts not after its
/// time.
fn session_ids(users: &StringArray, times: &Int64Array, starts: &ListArray) -> Result<StringArray> {
    let Some(values) = starts.values().as_primitive_opt::<Int64Type>() else {
        return exec_err!("{} takes lists of Int64 starts", SessionId::NAME);
    };
    let offsets = starts.value_offsets();
    let mut out =
        StringBuilder::with_capacity(times.len(), users.value_data().len() + times.len() * 4);
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
        } else {
            write!(out, "{}#{number}", users.value(row)).expect("writing to a string builder");
            out.append_value("");
        }
    }
    Ok(out.finish())
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
        let starts = SessionStarts { sessions }.starts(&mut times.clone());
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
}

//! The session numberer: a window function that numbers one user's derived
//! sessions (LANGUAGE.md §10) in a single pass over the user's events in
//! time order. Standard window functions express sessions cut by gaps alone
//! (`lag` and a running sum); a maximum length makes each cut depend on
//! where the current session started, which only a pass that carries that
//! start can follow.
//!
//! `segql_session(time) OVER (PARTITION BY user ORDER BY time)` gives the
//! session number of each event, from 1. It streams: each user's number
//! needs only the previous event's time and the current session's start,
//! so DataFusion runs it in its bounded window operator.

use datafusion_common::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion_common::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion_common::{Result, ScalarValue, internal_err};
use datafusion_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion_expr::{Expr, SortExpr};
use datafusion_expr::{
    ExprFunctionExt, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use std::ops::Range;
use std::sync::Arc;

use crate::model::DerivedSessions;

/// The window function `segql_session(time)` for one setting of derived
/// sessions; times are microseconds since the epoch (Int64).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SessionNumber {
    sessions: DerivedSessions,
    signature: Signature,
}

impl SessionNumber {
    pub const NAME: &'static str = "segql_session";

    pub fn new(sessions: DerivedSessions) -> Self {
        SessionNumber {
            sessions,
            signature: Signature::exact(vec![DataType::Int64], Volatility::Immutable),
        }
    }

    /// `segql_session(time) OVER (PARTITION BY user ORDER BY time)`.
    pub fn call(sessions: DerivedSessions, time: Expr, user: Expr) -> Result<Expr> {
        WindowUDF::from(SessionNumber::new(sessions))
            .call(vec![time.clone()])
            .partition_by(vec![user])
            .order_by(vec![SortExpr::new(time, true, false)])
            .build()
    }
}

impl WindowUDFImpl for SessionNumber {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        _: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Numbering::new(self.sessions)))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Int64,
            false,
        )))
    }
}

/// One user's sessions so far: the previous event's time, where the current
/// session started and its number.
#[derive(Debug)]
struct Numbering {
    sessions: DerivedSessions,
    previous: Option<i64>,
    start: i64,
    number: i64,
}

impl Numbering {
    fn new(sessions: DerivedSessions) -> Self {
        Numbering {
            sessions,
            previous: None,
            start: 0,
            number: 0,
        }
    }

    /// The session number of the next event, at `time` (not before the
    /// previous one). An event starts a session when it is the user's first,
    /// more than the inactivity gap after the previous event, or more than
    /// the maximum length after the session's start; an event at the same
    /// time as the previous one never does (its gap and its distance from
    /// the start are the previous event's, or zero).
    fn next(&mut self, time: i64) -> i64 {
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
            self.number += 1;
            self.start = time;
        }
        self.previous = Some(time);
        self.number
    }

    /// The session number of row `i`; an event without a time (which the
    /// plan leaves without a session) changes nothing.
    fn next_of(&mut self, times: &Int64Array, i: usize) -> i64 {
        if times.is_null(i) {
            return self.number;
        }
        self.next(times.value(i))
    }
}

impl PartitionEvaluator for Numbering {
    fn is_causal(&self) -> bool {
        true
    }

    fn supports_bounded_execution(&self) -> bool {
        true
    }

    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        let Some(times) = values.first() else {
            return internal_err!("{} takes the event time", SessionNumber::NAME);
        };
        let times = times.as_primitive::<Int64Type>();
        Ok(ScalarValue::Int64(Some(self.next_of(times, range.start))))
    }

    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let Some(times) = values.first() else {
            return internal_err!("{} takes the event time", SessionNumber::NAME);
        };
        let times = times.as_primitive::<Int64Type>();
        let numbers: Int64Array = (0..num_rows).map(|i| self.next_of(times, i)).collect();
        Ok(Arc::new(numbers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    fn numbers(sessions: DerivedSessions, minutes: &[i64]) -> Vec<i64> {
        let mut numbering = Numbering::new(sessions);
        minutes.iter().map(|m| numbering.next(m * MINUTE)).collect()
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
    fn whole_partitions_number_alike() {
        let gaps = DerivedSessions::new(30 * MINUTE);
        let times: ArrayRef = Arc::new(Int64Array::from(vec![0, 31 * MINUTE, 31 * MINUTE]));
        let all = Numbering::new(gaps).evaluate_all(&[times], 3).unwrap();
        assert_eq!(
            all.as_primitive::<Int64Type>().values().to_vec(),
            vec![1, 2, 2]
        );
    }
}

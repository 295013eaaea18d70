//! segql's functions on the wire: what a distributed engine (Ballista)
//! sends with a plan so that another process rebuilds the same function.
//! DataFusion's plan codecs name a function and carry bytes the codec
//! writes; each aggregate here is one function per parameter set (a
//! sequence pattern, a path shape, a session setting), so its bytes are
//! those parameters, as a short versioned text.

use super::aggregate::EventUdaf;
use super::paths::{PathBuilder, PathShape};
use super::sequence::{OrderKind, SequenceMatch, SequenceOutput, SequencePattern};
use super::series::Numbers;
use super::sessions::{SessionId, SessionStarts};
use crate::DerivedSessions;
use datafusion_common::{DataFusionError, Result};
use datafusion_expr::{AggregateUDF, ScalarUDF};
use std::sync::Arc;

/// The parameters of one of segql's aggregates, or `None` for another
/// function.
pub fn encode_aggregate(function: &AggregateUDF) -> Option<Vec<u8>> {
    let inner = function.inner();
    let text = if let Some(f) = inner.downcast_ref::<EventUdaf<SequenceMatch>>() {
        let p = &f.aggregate().pattern;
        let gaps: String = p.gaps.iter().map(|&g| if g { '1' } else { '0' }).collect();
        let window = p.window.map_or("-".to_string(), |w| w.to_string());
        let output = match p.output {
            SequenceOutput::Holds => "holds",
            SequenceOutput::Funnel { entry: false } => "funnel",
            SequenceOutput::Funnel { entry: true } => "funnel_entry",
        };
        let order = match p.order {
            OrderKind::Sequential => "sequential",
            OrderKind::Strict => "strict",
            OrderKind::Any => "any",
        };
        format!("1 {} {gaps} {window} {output} {order}", p.steps)
    } else if let Some(f) = inner.downcast_ref::<EventUdaf<PathBuilder>>() {
        let shape = f.aggregate().shape;
        format!(
            "1 {} {} {}",
            shape.depth,
            u8::from(shape.has_to),
            u8::from(shape.labelled)
        )
    } else if let Some(f) = inner.downcast_ref::<EventUdaf<SessionStarts>>() {
        let s = f.aggregate().sessions;
        let max = s
            .max_length_micros
            .map_or("-".to_string(), |m| m.to_string());
        format!("1 {} {max}", s.inactivity_micros)
    } else {
        return None;
    };
    Some(text.into_bytes())
}

/// The aggregate `name` with the parameters `bytes`; `None` when `name` is
/// not one of segql's.
pub fn decode_aggregate(name: &str, bytes: &[u8]) -> Option<Result<Arc<AggregateUDF>>> {
    let parse = || -> std::result::Result<AggregateUDF, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let fields: Vec<&str> = text.split(' ').collect();
        let number = |s: &str| s.parse::<i64>().map_err(|e| format!("`{s}`: {e}"));
        let optional = |s: &str| {
            if s == "-" {
                Ok(None)
            } else {
                number(s).map(Some)
            }
        };
        match (name, fields.as_slice()) {
            (SequenceMatch::NAME, ["1", steps, gaps, window, output, order]) => {
                let steps = usize::try_from(number(steps)?).map_err(|e| e.to_string())?;
                let gaps: Vec<bool> = gaps.chars().map(|c| c == '1').collect();
                if steps == 0 || gaps.len() != steps {
                    return Err(format!(
                        "a pattern of {steps} steps with {} gaps",
                        gaps.len()
                    ));
                }
                let output = match *output {
                    "holds" => SequenceOutput::Holds,
                    "funnel" => SequenceOutput::Funnel { entry: false },
                    "funnel_entry" => SequenceOutput::Funnel { entry: true },
                    other => return Err(format!("no output `{other}`")),
                };
                let order = match *order {
                    "sequential" => OrderKind::Sequential,
                    "strict" => OrderKind::Strict,
                    "any" => OrderKind::Any,
                    other => return Err(format!("no order `{other}`")),
                };
                let pattern = SequencePattern {
                    steps,
                    gaps,
                    window: optional(window)?,
                    output,
                    order,
                };
                Ok(EventUdaf::function(SequenceMatch::new(pattern)))
            }
            (PathBuilder::NAME, ["1", depth, has_to, labelled]) => {
                let depth = usize::try_from(number(depth)?).map_err(|e| e.to_string())?;
                let shape = PathShape {
                    depth,
                    has_to: *has_to == "1",
                    labelled: *labelled == "1",
                };
                Ok(EventUdaf::function(PathBuilder::new(shape)))
            }
            (SessionStarts::NAME, ["1", inactivity, max]) => {
                let mut sessions = DerivedSessions::new(number(inactivity)?);
                if let Some(max) = optional(max)? {
                    sessions = sessions.with_max_length(max);
                }
                Ok(EventUdaf::function(SessionStarts { sessions }))
            }
            _ => Err(format!("`{text}` are not its parameters")),
        }
    };
    if ![SequenceMatch::NAME, PathBuilder::NAME, SessionStarts::NAME].contains(&name) {
        return None;
    }
    Some(parse().map(Arc::new).map_err(|why| {
        DataFusionError::Plan(format!("cannot rebuild segql's function `{name}`: {why}"))
    }))
}

/// segql's scalar function `name`, which has no parameters; `None` for
/// another name.
pub fn decode_scalar(name: &str) -> Option<Arc<ScalarUDF>> {
    match name {
        SessionId::NAME => Some(Arc::new(SessionId::function())),
        Numbers::NAME => Some(Arc::new(Numbers::function())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(function: AggregateUDF) {
        let bytes = encode_aggregate(&function).expect("one of segql's");
        let back = decode_aggregate(function.name(), &bytes)
            .expect("a name of segql's")
            .expect("its parameters");
        assert_eq!(back.as_ref(), &function);
    }

    #[test]
    fn every_aggregate_comes_back_with_its_parameters() {
        for output in [
            SequenceOutput::Holds,
            SequenceOutput::Funnel { entry: false },
            SequenceOutput::Funnel { entry: true },
        ] {
            for window in [None, Some(3_600_000_000)] {
                for order in [OrderKind::Sequential, OrderKind::Strict, OrderKind::Any] {
                    round_trip(EventUdaf::function(SequenceMatch::new(SequencePattern {
                        steps: 3,
                        gaps: vec![false, true, false],
                        window,
                        output,
                        order,
                    })));
                }
            }
        }
        for (has_to, labelled) in [(false, false), (true, false), (false, true)] {
            round_trip(EventUdaf::function(PathBuilder::new(PathShape {
                depth: 5,
                has_to,
                labelled,
            })));
        }
        round_trip(EventUdaf::function(SessionStarts {
            sessions: DerivedSessions::new(1_800_000_000),
        }));
        round_trip(EventUdaf::function(SessionStarts {
            sessions: DerivedSessions::new(60).with_max_length(3600),
        }));
    }

    #[test]
    fn other_functions_are_not_segqls() {
        let count = datafusion_functions_aggregate::count::count_udaf();
        assert_eq!(encode_aggregate(&count), None);
        assert!(decode_aggregate("count", b"").is_none());
        assert!(decode_scalar("abs").is_none());
        assert!(decode_scalar(SessionId::NAME).is_some());
        assert!(decode_scalar(Numbers::NAME).is_some());
        let bad = decode_aggregate(SequenceMatch::NAME, b"1 2 0").unwrap();
        assert!(bad.unwrap_err().to_string().contains("segql_sequence"));
    }
}

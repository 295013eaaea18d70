//! Random settings of LANGUAGE.md §10's data model over random datasets:
//! derived sessions (gaps and maximum lengths from 30 seconds to 15 days,
//! so that every time scale of the analyses gets gaps exactly at the limit,
//! sessions cut by their length, and ties at a boundary) and identity
//! stitching (anonymous ids on some events, a third of the users removed,
//! so that ids are linked to one user, to two, or never).

use super::analysis_gen::arb_analysis_case;
use super::data::{DAY_MS, MINUTE_MS, RefDataset, RefSessions};
use super::r#gen::{arb_dataset, arb_segment_program};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Derived sessions.
fn arb_sessions() -> impl Strategy<Value = RefSessions> {
    let lengths = vec![
        MINUTE_MS / 2,
        MINUTE_MS,
        2 * MINUTE_MS,
        5 * MINUTE_MS,
        HOUR_MS,
        3 * HOUR_MS,
        DAY_MS,
        5 * DAY_MS,
        15 * DAY_MS,
    ];
    (
        select(lengths.clone()),
        prop_oneof![2 => Just(None), 3 => select(lengths).prop_map(Some)],
    )
        .prop_map(|(inactivity_ms, max_length_ms)| RefSessions {
            inactivity_ms,
            max_length_ms,
        })
}

/// `data` with derived sessions, identity stitching or both: never neither.
pub fn arb_modelled(data: RefDataset) -> BoxedStrategy<RefDataset> {
    let n = data.events.len();
    (
        select(vec![(true, false), (false, true), (true, true)]),
        arb_sessions(),
        any::<bool>(),
        vec(
            (
                select(vec![None, Some("d1"), Some("d2"), Some("d3"), Some("d4")]),
                prop::bool::weighted(0.35),
            ),
            n,
        ),
    )
        .prop_map(move |((derive, stitch), sessions, no_column, anonymous)| {
            let mut data = data.clone();
            if derive {
                data.sessions = Some(sessions);
                data.no_session_column = no_column;
            }
            if stitch {
                data.anonymous_ids = true;
                for (event, (anon, forget_user)) in data.events.iter_mut().zip(anonymous) {
                    event.anon_id = anon.map(str::to_string);
                    if forget_user {
                        event.user_id = None;
                    }
                }
            }
            data
        })
        .boxed()
}

/// A modelled dataset and a segment program that fits it.
pub fn arb_modelled_case() -> impl Strategy<Value = (RefDataset, String)> {
    arb_dataset()
        .prop_flat_map(arb_modelled)
        .prop_flat_map(|data| {
            let shape = data.shape();
            (Just(data), arb_segment_program(shape))
        })
}

/// A modelled dataset and an analysis program that fits it.
pub fn arb_modelled_analysis_case() -> impl Strategy<Value = (RefDataset, String)> {
    arb_analysis_case().prop_flat_map(|(data, text)| (arb_modelled(data), Just(text)))
}

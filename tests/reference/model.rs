//! The data model of LANGUAGE.md §10 over a [`RefDataset`]: identity
//! stitching, then derived sessions, as the rest of the reference reads the
//! events. Written from the contract's sentences, by brute force.

use super::data::{RefDataset, RefEvent, RefSessions};
use std::collections::BTreeMap;

impl RefDataset {
    /// The events as §4–§5 see them: "Stitching happens before everything
    /// else, derived sessions included (they are derived over the stitched
    /// user ids)".
    pub fn modelled(&self) -> RefDataset {
        let mut data = self.clone();
        if data.anonymous_ids {
            stitch(&mut data.events);
        }
        if let Some(sessions) = data.sessions {
            derive_sessions(&mut data.events, sessions);
        }
        data
    }
}

/// "an event whose `user_id` is null and whose anonymous id is not null
/// takes the user id linked to that anonymous id — the `user_id` of the
/// earliest event (by timestamp, then smallest `user_id`) that carries both
/// this anonymous id and a non-null `user_id`. Events whose anonymous id is
/// never linked stay without a user".
fn stitch(events: &mut [RefEvent]) {
    let mut links: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for event in events.iter() {
        if let (Some(anonymous), Some(user)) = (&event.anon_id, &event.user_id) {
            let candidate = (event.ts, user.clone());
            match links.get(anonymous) {
                Some(best) if *best <= candidate => {}
                _ => {
                    links.insert(anonymous.clone(), candidate);
                }
            }
        }
    }
    for event in events.iter_mut() {
        if event.user_id.is_none()
            && let Some(anonymous) = &event.anon_id
        {
            event.user_id = links.get(anonymous).map(|(_, user)| user.clone());
        }
    }
}

/// "events of one `user_id` in time order; the first starts a session; an
/// event starts a new one when it is more than the inactivity gap after the
/// previous event of that user, or, with `max_length`, more than
/// `max_length` after the first event of the current session. Events with
/// equal timestamps are in one session. The derived id is `<user_id>#<n>`,
/// n = 1, 2, ... in time order." Events without a user have no session.
fn derive_sessions(events: &mut [RefEvent], sessions: RefSessions) {
    let mut by_user: BTreeMap<String, BTreeMap<i64, Vec<usize>>> = BTreeMap::new();
    for (index, event) in events.iter_mut().enumerate() {
        event.session_id = None;
        if let Some(user) = &event.user_id {
            by_user
                .entry(user.clone())
                .or_default()
                .entry(event.ts)
                .or_default()
                .push(index);
        }
    }
    for (user, times) in by_user {
        let mut number = 0;
        let mut previous: Option<i64> = None;
        let mut start = 0;
        // One decision per timestamp: its events share a session.
        for (ts, indices) in times {
            let starts = match previous {
                None => true,
                Some(previous) => {
                    ts - previous > sessions.inactivity_ms
                        || sessions.max_length_ms.is_some_and(|max| ts - start > max)
                }
            };
            if starts {
                number += 1;
                start = ts;
            }
            previous = Some(ts);
            for index in indices {
                events[index].session_id = Some(format!("{user}#{number}"));
            }
        }
    }
}

//! The events table as Arrow batches, streamed user by user.

use crate::events::{ANONYMOUS_SESSION, Ev, Identity, Name, user_events};
use crate::people::{Profile, account_id, user_id};
use crate::vocab::{BROWSERS, COUNTRIES, DEVICES, EVENT_TYPES, NONE, PRODUCTS, QUERIES, REFERRERS};
use crate::{CHUNK_ROWS, DemoConfig, events_schema, finish_batch};
use arrow::array::{Float64Builder, StringBuilder, TimestampMillisecondBuilder};
use arrow::record_batch::RecordBatch;
use std::sync::OnceLock;

/// Streams the events table, user by user.
pub(crate) struct EventGen {
    pub(crate) cfg: DemoConfig,
    pub(crate) batch_rows: usize,
    pub(crate) next_num: u64,
    pub(crate) last_num: u64,
    pub(crate) buf: Vec<Ev>,
    pub(crate) pos: usize,
    pub(crate) strings: UserStrings,
    /// Sessions generated so far (distinct non-null session ids).
    pub(crate) sessions: u64,
}

impl EventGen {
    pub(crate) fn new(cfg: &DemoConfig, batch_rows: usize) -> Self {
        EventGen {
            cfg: *cfg,
            batch_rows: batch_rows.max(1),
            next_num: 1,
            last_num: cfg.users + cfg.ghost_count(),
            buf: Vec::new(),
            pos: 0,
            strings: UserStrings::default(),
            sessions: 0,
        }
    }

    pub(crate) fn load_next_user(&mut self) {
        let num = self.next_num;
        self.next_num += 1;
        let profile = Profile::new(&self.cfg, num);
        self.sessions += user_events(&self.cfg, &profile, &mut self.buf);
        self.pos = 0;
        let numbers = |anonymous: bool| {
            self.buf
                .iter()
                .map(|e| e.session)
                .filter(|k| (*k >= ANONYMOUS_SESSION) == anonymous)
                .max()
        };
        let sessions = numbers(false).unwrap_or(0);
        let visits = numbers(true).map_or(0, |k| k - ANONYMOUS_SESSION + 1);
        self.strings = UserStrings {
            user_id: user_id(num),
            account_id: profile.account.map(account_id),
            anonymous_id: format!("anon-{num:05}"),
            session_ids: (1..=sessions)
                .map(|k| format!("s{num:05}-{k:03}"))
                .collect(),
            visit_ids: (1..=visits).map(|k| format!("v{num:05}-{k:03}")).collect(),
        };
    }
}

impl Iterator for EventGen {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        let mut b = EventsBuilder::new(self.batch_rows.min(CHUNK_ROWS));
        while b.len < self.batch_rows {
            if self.pos < self.buf.len() {
                let take = (self.batch_rows - b.len).min(self.buf.len() - self.pos);
                for ev in &self.buf[self.pos..self.pos + take] {
                    b.push(ev, &self.strings);
                }
                self.pos += take;
            } else if self.next_num <= self.last_num {
                self.load_next_user();
            } else {
                break;
            }
        }
        (b.len > 0).then(|| b.finish())
    }
}

/// The strings of the user being written.
#[derive(Debug, Default)]
pub(crate) struct UserStrings {
    pub(crate) user_id: String,
    pub(crate) account_id: Option<String>,
    /// The id of the user's visits before signing up.
    pub(crate) anonymous_id: String,
    /// Session number k (1-based) is `session_ids[k - 1]`.
    pub(crate) session_ids: Vec<String>,
    /// Session number `ANONYMOUS_SESSION + k` (an anonymous visit) is
    /// `visit_ids[k]`.
    pub(crate) visit_ids: Vec<String>,
}

/// ("/product/p001", "p001") .. ("/product/p050", "p050").
pub(crate) fn product_names() -> &'static [(String, String)] {
    static NAMES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        (1..=PRODUCTS)
            .map(|p| (format!("/product/p{p:03}"), format!("p{p:03}")))
            .collect()
    })
}

pub(crate) struct EventsBuilder {
    pub(crate) len: usize,
    pub(crate) ts: TimestampMillisecondBuilder,
    pub(crate) user_id: StringBuilder,
    pub(crate) session_id: StringBuilder,
    pub(crate) event_type: StringBuilder,
    pub(crate) name: StringBuilder,
    pub(crate) account_id: StringBuilder,
    pub(crate) device: StringBuilder,
    pub(crate) browser: StringBuilder,
    pub(crate) geo: StringBuilder,
    pub(crate) amount: Float64Builder,
    pub(crate) product_id: StringBuilder,
    pub(crate) query: StringBuilder,
    pub(crate) referrer: StringBuilder,
    pub(crate) anon_id: StringBuilder,
}

pub(crate) fn append_small(b: &mut StringBuilder, values: &[&str], i: u8) {
    if i == NONE {
        b.append_null();
    } else {
        b.append_value(values[usize::from(i)]);
    }
}

impl EventsBuilder {
    pub(crate) fn new(capacity: usize) -> Self {
        let strings = |bytes: usize| StringBuilder::with_capacity(capacity, capacity * bytes);
        EventsBuilder {
            len: 0,
            ts: TimestampMillisecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            user_id: strings(6),
            session_id: strings(10),
            event_type: strings(5),
            name: strings(10),
            account_id: strings(4),
            device: strings(6),
            browser: strings(6),
            geo: strings(2),
            amount: Float64Builder::with_capacity(capacity),
            product_id: strings(2),
            query: strings(1),
            referrer: strings(1),
            anon_id: strings(2),
        }
    }

    pub(crate) fn push(&mut self, ev: &Ev, user: &UserStrings) {
        let UserStrings {
            user_id,
            account_id,
            anonymous_id,
            session_ids,
            visit_ids,
        } = user;
        self.len += 1;
        self.ts.append_value(ev.ts);
        let (known, anonymous) = match ev.identity {
            Identity::Known => (true, false),
            Identity::Anonymous => (false, true),
            Identity::Linking => (true, true),
        };
        self.user_id.append_option(known.then_some(user_id));
        self.anon_id
            .append_option(anonymous.then_some(anonymous_id));
        match ev.session {
            0 => self.session_id.append_null(),
            k if k >= ANONYMOUS_SESSION => self
                .session_id
                .append_value(&visit_ids[(k - ANONYMOUS_SESSION) as usize]),
            k => self.session_id.append_value(&session_ids[k as usize - 1]),
        }
        self.event_type
            .append_value(EVENT_TYPES[usize::from(ev.kind)]);
        match ev.name {
            Name::Str(s) => self.name.append_value(s),
            Name::Product(p) => self
                .name
                .append_value(&product_names()[usize::from(p - 1)].0),
        }
        self.account_id
            .append_option(account_id.as_deref().filter(|_| ev.account));
        append_small(&mut self.device, &DEVICES, ev.device);
        append_small(&mut self.browser, &BROWSERS, ev.browser);
        append_small(&mut self.geo, &COUNTRIES, ev.geo);
        self.amount
            .append_option((ev.amount >= 0).then(|| ev.amount as f64 / 100.0));
        if ev.product == NONE {
            self.product_id.append_null();
        } else {
            self.product_id
                .append_value(&product_names()[usize::from(ev.product - 1)].1);
        }
        append_small(&mut self.query, &QUERIES, ev.query);
        append_small(&mut self.referrer, &REFERRERS, ev.referrer);
    }

    pub(crate) fn finish(mut self) -> RecordBatch {
        finish_batch(
            events_schema(),
            &mut [
                &mut self.ts,
                &mut self.user_id,
                &mut self.session_id,
                &mut self.event_type,
                &mut self.name,
                &mut self.account_id,
                &mut self.device,
                &mut self.browser,
                &mut self.geo,
                &mut self.amount,
                &mut self.product_id,
                &mut self.query,
                &mut self.referrer,
                &mut self.anon_id,
            ],
        )
    }
}

//! Users and accounts: each user's profile is derived from its number, so a
//! table can be written in chunks in any order.

use crate::rng::{Rng, STREAM_ACCOUNT, STREAM_USER};
use crate::vocab::{
    COUNTRIES, COUNTRY_WEIGHTS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, NAME_ADJECTIVES, NAME_NOUNS,
    NAME_SUFFIXES, PLANS, ROLES, TIERS,
};
use crate::{DAY, DemoConfig, HOUR, START_DAY, accounts_schema, finish_batch, users_schema};
use arrow::array::{BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder};
use arrow::record_batch::RecordBatch;
use std::fmt::Write as _;

pub(crate) fn user_id(num: u64) -> String {
    format!("u{num:05}")
}

pub(crate) fn account_id(index: u64) -> String {
    format!("a{:04}", index + 1)
}

/// The profile of user number `num` (1-based; numbers above `cfg.users` are
/// users who appear in events only).
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) num: u64,
    pub(crate) country: u8,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    pub(crate) email_style: u8,
    pub(crate) account: Option<u64>,
    pub(crate) plan: Option<u8>,
    pub(crate) signup_day: i64,
    pub(crate) signup_time: i64,
    pub(crate) opt_in: bool,
    pub(crate) age: Option<i64>,
    pub(crate) role: Option<u8>,
}

impl Profile {
    pub(crate) fn new(cfg: &DemoConfig, num: u64) -> Self {
        let mut rng = Rng::new(cfg.seed, STREAM_USER, num);
        let country = rng.weighted(&COUNTRY_WEIGHTS);
        let first = pick_word(&mut rng, FIRST_NAMES[country]);
        let last = pick_word(&mut rng, LAST_NAMES[country]);
        let email_style = rng.weighted(&[90, 5, 3, 2]) as u8;
        let in_account = rng.chance(0.4) && num <= cfg.users;
        let u = rng.f64();
        let account = in_account.then(|| ((cfg.account_count() as f64) * u * u) as u64);
        let plan_weights: [u32; 4] = if account.is_some() {
            [25, 45, 28, 2]
        } else {
            [60, 26, 12, 2]
        };
        let plan = match rng.weighted(&plan_weights) {
            3 => None,
            p => Some(p as u8),
        };
        let signup_day = if rng.chance(0.25) {
            START_DAY + rng.below(u64::from(cfg.days)) as i64
        } else {
            START_DAY - 1 - rng.below(730) as i64
        };
        let signup_time = rng.between(7 * HOUR, 23 * HOUR);
        let opt_in = rng.chance(0.45);
        let age = (!rng.chance(0.15)).then(|| {
            let t = (rng.f64() + rng.f64()) / 2.0;
            18 + (t * 55.0) as i64
        });
        let role_share = if account.is_some() { 0.7 } else { 0.05 };
        let role = rng
            .chance(role_share)
            .then(|| rng.below(ROLES.len() as u64) as u8);
        Profile {
            num,
            country: country as u8,
            first,
            last,
            email_style,
            account,
            plan,
            signup_day,
            signup_time,
            opt_in,
            age,
            role,
        }
    }

    /// Unique (it contains the user number); a few differ in letter case,
    /// have spaces around them, or have no dot before the `@`.
    pub(crate) fn email(&self) -> String {
        let (first, last, n) = (self.first, self.last, self.num);
        match self.email_style {
            0 => format!("{first}.{last}{n}@example.com"),
            1 => format!("{first}{last}{n}@example.com"),
            2 => format!("{}.{}{n}@Example.com", capitalize(first), capitalize(last)),
            _ => format!(" {first}.{last}{n}@example.com "),
        }
    }

    /// The moment of signup, in epoch milliseconds.
    pub(crate) fn signup_millis(&self) -> i64 {
        self.signup_day * DAY + self.signup_time
    }
}

pub(crate) fn pick_word(rng: &mut Rng, words: &'static str) -> &'static str {
    let n = words.split(' ').count() as u64;
    words.split(' ').nth(rng.below(n) as usize).unwrap_or(words)
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

pub(crate) fn users_rows(cfg: &DemoConfig, lo: u64, hi: u64) -> RecordBatch {
    let n = (hi - lo) as usize;
    let mut ids = StringBuilder::with_capacity(n, n * 6);
    let mut emails = StringBuilder::with_capacity(n, n * 28);
    let mut accounts = StringBuilder::with_capacity(n, n * 5);
    let mut countries = StringBuilder::with_capacity(n, n * 2);
    let mut plans = StringBuilder::with_capacity(n, n * 5);
    let mut signups = Date32Builder::with_capacity(n);
    let mut opt_ins = BooleanBuilder::with_capacity(n);
    let mut ages = Int64Builder::with_capacity(n);
    let mut roles = StringBuilder::with_capacity(n, n * 4);
    for num in lo + 1..=hi {
        let p = Profile::new(cfg, num);
        ids.append_value(user_id(num));
        emails.append_value(p.email());
        accounts.append_option(p.account.map(account_id));
        countries.append_value(COUNTRIES[usize::from(p.country)]);
        plans.append_option(p.plan.map(|i| PLANS[usize::from(i)]));
        signups.append_value(p.signup_day as i32);
        opt_ins.append_value(p.opt_in);
        ages.append_option(p.age);
        roles.append_option(p.role.map(|i| ROLES[usize::from(i)]));
    }
    finish_batch(
        users_schema(),
        &mut [
            &mut ids,
            &mut emails,
            &mut accounts,
            &mut countries,
            &mut plans,
            &mut signups,
            &mut opt_ins,
            &mut ages,
            &mut roles,
        ],
    )
}

pub(crate) fn accounts_rows(cfg: &DemoConfig, lo: u64, hi: u64) -> RecordBatch {
    let n = (hi - lo) as usize;
    let mut ids = StringBuilder::with_capacity(n, n * 5);
    let mut names = StringBuilder::with_capacity(n, n * 20);
    let mut arrs = Float64Builder::with_capacity(n);
    let mut starts = Date32Builder::with_capacity(n);
    let mut industries = StringBuilder::with_capacity(n, n * 7);
    let mut tiers = StringBuilder::with_capacity(n, n * 4);
    let mut seats_col = Int64Builder::with_capacity(n);
    let total = cfg.account_count();
    for index in lo..hi {
        let mut rng = Rng::new(cfg.seed, STREAM_ACCOUNT, index);
        // Accounts with a low index get more users (see Profile::new), and
        // are more often large.
        let big = index < total.div_ceil(10);
        let tier = rng.weighted(if big { &[20, 30, 50] } else { &[60, 30, 10] });
        let industry = rng.below(INDUSTRIES.len() as u64) as usize;
        let (seats, per_seat) = match tier {
            0 => (rng.between(3, 50), rng.between(300, 700)),
            1 => (rng.between(40, 400), rng.between(400, 900)),
            _ => (rng.between(250, 3000), rng.between(500, 1200)),
        };
        let arr = ((seats * per_seat) as f64 / 100.0).round() * 100.0;
        let start = if rng.chance(0.15) {
            START_DAY + rng.below(u64::from(cfg.days)) as i64
        } else {
            START_DAY - 1 - rng.below(4 * 365) as i64
        };
        ids.append_value(account_id(index));
        let _ = write!(
            names,
            "{} {} {}",
            rng.pick(&NAME_ADJECTIVES),
            rng.pick(&NAME_NOUNS),
            rng.pick(&NAME_SUFFIXES[industry])
        );
        names.append_value("");
        arrs.append_value(arr);
        starts.append_value(start as i32);
        industries.append_value(INDUSTRIES[industry]);
        tiers.append_value(TIERS[tier]);
        seats_col.append_value(seats);
    }
    finish_batch(
        accounts_schema(),
        &mut [
            &mut ids,
            &mut names,
            &mut arrs,
            &mut starts,
            &mut industries,
            &mut tiers,
            &mut seats_col,
        ],
    )
}

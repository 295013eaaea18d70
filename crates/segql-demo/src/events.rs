//! One user's events: sessions that walk home → search → product → cart →
//! checkout → purchase, with drop-offs, declined payments, retries, timeouts,
//! B2B work sessions and background renewals.

use crate::people::Profile;
use crate::rng::{
    Rng, STREAM_ACCOUNT_USE, STREAM_ANONYMOUS, STREAM_EVENTS, civil_from_days, days_from_civil,
};
use crate::vocab::{
    ACTION, COUNTRIES, CUSTOM, DESKTOP, ERROR, MOBILE, NONE, PRODUCTS, QUERIES, VIEW, price_cents,
};
use crate::{DAY, DemoConfig, HOUR, MINUTE, SECOND, START_DAY};

/// One event of the user being generated, in compact form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ev {
    pub(crate) ts: i64,
    /// Session number within the user (1-based); 0 = null.
    pub(crate) session: u32,
    pub(crate) kind: u8,
    pub(crate) name: Name,
    pub(crate) account: bool,
    pub(crate) device: u8,
    pub(crate) browser: u8,
    pub(crate) geo: u8,
    /// Cents; negative = null.
    pub(crate) amount: i64,
    /// 1..=50; NONE = null.
    pub(crate) product: u8,
    pub(crate) query: u8,
    pub(crate) referrer: u8,
    pub(crate) identity: Identity,
}

/// What an event says of who did it (LANGUAGE.md §10, identity stitching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// The user's id only.
    Known,
    /// A visit before signing up: the anonymous id only, no user id.
    Anonymous,
    /// The signup session: both ids, which links the earlier visits.
    Linking,
}

/// Session numbers of a user's anonymous visits start here (their ids are
/// written apart from the user's own sessions).
pub(crate) const ANONYMOUS_SESSION: u32 = 1000;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Name {
    Str(&'static str),
    Product(u8),
}

/// Per-user behaviour, drawn from the user's event stream.
pub(crate) struct Traits {
    /// Multiplies the chance of adding products to the cart.
    pub(crate) intensity: f64,
    /// Products viewed per product stage: 1..=max_products.
    pub(crate) max_products: u64,
    pub(crate) coupon_hunter: bool,
    /// Chance of a declined payment per attempt.
    pub(crate) decline: f64,
    pub(crate) device: u8,
    pub(crate) browser: u8,
    /// Share of an account user's sessions that are work sessions.
    pub(crate) work_share: f64,
    /// Chance that a work session exports reports: a trait of the account
    /// (some accounts never adopted the reports feature).
    pub(crate) exports: f64,
}

/// Generates the events of one user into `out` (sorted by time); returns
/// the number of sessions with at least one non-null session id.
pub(crate) fn user_events(cfg: &DemoConfig, p: &Profile, out: &mut Vec<Ev>) -> u64 {
    out.clear();
    let mut rng = Rng::new(cfg.seed, STREAM_EVENTS, p.num);
    let start = cfg.start_millis();
    let end = cfg.end_millis();

    // How active: none (a profile without events), one-off, casual,
    // regular, power user.
    let base = match rng.weighted(&[3, 15, 47, 26, 9]) {
        0 => return 0,
        1 => 1,
        2 => rng.between(2, 8),
        3 => rng.between(8, 25),
        _ => rng.between(25, 70),
    };
    let mut n_sessions = ((base as f64) * f64::from(cfg.days) / 90.0).round() as i64;
    n_sessions = n_sessions.max(1);

    let signup = p.signup_millis();
    let new_user = signup >= start;
    let window_start = signup.max(start);
    if window_start >= end {
        return 0;
    }
    let mut window_end = end;
    if rng.chance(0.2) {
        // Lapsed: active only in the first part of the span.
        let len = (end - window_start) as f64;
        window_end = window_start + (len * (0.1 + 0.8 * rng.f64())) as i64 + HOUR;
    }

    let power = rng.chance(0.08);
    let device = [DESKTOP, MOBILE, 2][rng.weighted(&[50, 40, 10])];
    let traits = Traits {
        intensity: if power { 2.5 } else { 0.5 + rng.f64() },
        max_products: if power { 6 } else { 3 },
        coupon_hunter: rng.chance(0.1),
        decline: if rng.chance(0.06) { 0.6 } else { 0.1 },
        device,
        browser: browser_for(&mut rng, device),
        work_share: 0.25 + 0.3 * rng.f64(),
        exports: p.account.map_or(0.0, |a| report_adoption(cfg, a)),
    };

    // Session start times, sorted; fewer at night.
    let mut starts: Vec<i64> = (0..n_sessions)
        .map(|_| {
            let span = (window_end - window_start).max(1) as u64;
            let mut t = window_start + rng.below(span) as i64;
            if (t % DAY) < 7 * HOUR && rng.chance(0.7) {
                t = window_start + rng.below(span) as i64;
            }
            t
        })
        .collect();
    starts.sort_unstable();
    if new_user {
        starts[0] = window_start;
    }

    let mut sessions = 0;
    let mut prev_end = i64::MIN;
    for (k, &planned) in starts.iter().enumerate() {
        let t = if prev_end == i64::MIN {
            planned
        } else {
            planned.max(prev_end + 20 * MINUTE + rng.below(40 * MINUTE as u64) as i64)
        };
        if t >= window_end.min(end) {
            break;
        }
        let before = out.len();
        let mut walk = Walk::new(&mut rng, out, p, &traits, k as u32 + 1, t, end);
        let signs_up = k == 0 && new_user;
        if signs_up {
            walk.identity = Identity::Linking;
        }
        walk.session(signs_up);
        let with_session = walk.with_session;
        prev_end = walk.t;
        if with_session {
            sessions += 1;
        }
        if out.len() == before {
            break;
        }
    }

    // Background renewals of paying plans: once a month, no session.
    if matches!(p.plan, Some(1 | 2)) && !out.is_empty() {
        let (_, _, dom) = civil_from_days(p.signup_day);
        let (mut y, mut m, _) = civil_from_days(START_DAY);
        loop {
            let month_start = days_from_civil(y, m, 1);
            if month_start >= cfg.end_day() {
                break;
            }
            let ts = days_from_civil(y, m, dom.min(28)) * DAY + 3 * HOUR + rng.between(0, 3 * HOUR);
            if ts > signup && ts >= start && ts < end {
                out.push(Ev {
                    ts,
                    session: 0,
                    kind: CUSTOM,
                    name: Name::Str("subscription_renewed"),
                    account: p.account.is_some() && rng.chance(0.7),
                    device: NONE,
                    browser: NONE,
                    geo: NONE,
                    amount: -1,
                    product: NONE,
                    query: NONE,
                    referrer: NONE,
                    identity: Identity::Known,
                });
            }
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
    }
    if new_user && out.first().is_some_and(|e| e.identity == Identity::Linking) {
        sessions += anonymous_visits(cfg, p, &traits, signup, out);
    }
    out.sort_by_key(|e| e.ts);
    sessions
}

/// Visits before a new user signs up, in the week before: browsing and
/// carts, no login and no checkout, with an anonymous id and no user id.
/// The signup session carries both ids. Returns the visits with a session.
fn anonymous_visits(
    cfg: &DemoConfig,
    p: &Profile,
    traits: &Traits,
    signup: i64,
    out: &mut Vec<Ev>,
) -> u64 {
    let mut rng = Rng::new(cfg.seed, STREAM_ANONYMOUS, p.num);
    let visits = rng.weighted(&[45, 35, 20]);
    let mut starts: Vec<i64> = (0..visits)
        .map(|_| signup - rng.between(2 * HOUR, 6 * DAY))
        .filter(|t| *t >= cfg.start_millis())
        .collect();
    starts.sort_unstable();
    let mut sessions = 0;
    for (j, &t) in starts.iter().enumerate() {
        let until = starts.get(j + 1).copied().unwrap_or(signup);
        let number = ANONYMOUS_SESSION + j as u32;
        let mut walk = Walk::new(&mut rng, out, p, traits, number, t, until);
        walk.identity = Identity::Anonymous;
        walk.view("/home");
        walk.shop(Stage::Home);
        if walk.with_session {
            sessions += 1;
        }
    }
    sessions
}

/// How much an account's users export reports: never (~30% of accounts),
/// now and then, or in most work sessions.
pub(crate) fn report_adoption(cfg: &DemoConfig, account: u64) -> f64 {
    let mut rng = Rng::new(cfg.seed, STREAM_ACCOUNT_USE, account);
    [0.0, 0.25, 0.8][rng.weighted(&[30, 40, 30])]
}

pub(crate) fn browser_for(rng: &mut Rng, device: u8) -> u8 {
    let weights: [u32; 4] = if device == DESKTOP {
        [55, 15, 15, 15]
    } else {
        [45, 50, 5, 0]
    };
    rng.weighted(&weights) as u8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Home,
    Search,
    Products,
    Cart,
    Checkout,
    End,
}

/// One session: a walk through the shop.
pub(crate) struct Walk<'a> {
    pub(crate) rng: &'a mut Rng,
    pub(crate) out: &'a mut Vec<Ev>,
    pub(crate) traits: &'a Traits,
    pub(crate) t: i64,
    pub(crate) end: i64,
    pub(crate) session: u32,
    pub(crate) device: u8,
    pub(crate) browser: u8,
    pub(crate) geo: u8,
    pub(crate) has_account: bool,
    pub(crate) referrer: u8,
    pub(crate) landed: bool,
    pub(crate) timeout: f64,
    pub(crate) budget: u32,
    pub(crate) done: bool,
    pub(crate) with_session: bool,
    pub(crate) cart: Vec<u8>,
    pub(crate) identity: Identity,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(
        rng: &'a mut Rng,
        out: &'a mut Vec<Ev>,
        p: &Profile,
        traits: &'a Traits,
        session: u32,
        t: i64,
        end: i64,
    ) -> Self {
        let device = if rng.chance(0.8) {
            traits.device
        } else {
            rng.below(3) as u8
        };
        let browser = if device == traits.device && rng.chance(0.9) {
            traits.browser
        } else {
            browser_for(rng, device)
        };
        let geo = if rng.chance(0.92) {
            p.country
        } else {
            rng.below(COUNTRIES.len() as u64) as u8
        };
        let referrer = match rng.weighted(&[45, 25, 12, 18]) {
            0 => NONE,
            r => r as u8 - 1,
        };
        let bad_network = rng.chance(if device == DESKTOP { 0.03 } else { 0.08 });
        Walk {
            rng,
            out,
            traits,
            t,
            end,
            session,
            device,
            browser,
            geo,
            has_account: p.account.is_some(),
            referrer,
            landed: false,
            timeout: if bad_network { 0.25 } else { 0.006 },
            budget: 80,
            done: false,
            with_session: false,
            cart: Vec::new(),
            identity: Identity::Known,
        }
    }

    pub(crate) fn emit(&mut self, kind: u8, name: Name, amount: i64, product: u8, query: u8) {
        if self.done || self.t >= self.end || self.budget == 0 {
            self.done = true;
            return;
        }
        self.budget -= 1;
        let referrer = if kind == VIEW && !self.landed {
            self.landed = true;
            self.referrer
        } else {
            NONE
        };
        // A few events lose their session id.
        let session = if self.rng.chance(0.015) {
            0
        } else {
            self.with_session = true;
            self.session
        };
        // An anonymous visitor has no account yet.
        let account =
            self.has_account && self.rng.chance(0.7) && self.identity != Identity::Anonymous;
        self.out.push(Ev {
            ts: self.t,
            session,
            kind,
            name,
            account,
            device: self.device,
            browser: self.browser,
            geo: self.geo,
            amount,
            product,
            query,
            referrer,
            identity: self.identity,
        });
        if kind != ERROR && self.rng.chance(self.timeout) {
            self.t += self.rng.between(SECOND, 10 * SECOND);
            self.error("Network timeout");
        }
    }

    pub(crate) fn view(&mut self, path: &'static str) {
        self.emit(VIEW, Name::Str(path), -1, NONE, NONE);
    }

    pub(crate) fn action(&mut self, name: &'static str) {
        self.emit(ACTION, Name::Str(name), -1, NONE, NONE);
    }

    pub(crate) fn error(&mut self, message: &'static str) {
        self.emit(ERROR, Name::Str(message), -1, NONE, NONE);
    }

    pub(crate) fn view_product(&mut self, product: u8) {
        self.emit(VIEW, Name::Product(product), -1, product, NONE);
    }

    /// A few seconds to a few minutes.
    pub(crate) fn wait(&mut self) {
        let u = self.rng.f64();
        self.t += 2 * SECOND + (u * u * 150_000.0) as i64 + self.rng.between(0, 999);
    }

    /// Under a few seconds.
    pub(crate) fn wait_short(&mut self) {
        self.t += self.rng.between(200, 4 * SECOND);
    }

    pub(crate) fn pick_product(&mut self) -> u8 {
        let u = self.rng.f64();
        1 + (f64::from(PRODUCTS) * u.powf(1.8)) as u8
    }

    pub(crate) fn session(&mut self, signup: bool) {
        let work = self.has_account && !signup && self.rng.chance(self.traits.work_share);
        if work {
            self.referrer = NONE;
        }
        // Landing.
        let product_landing = match self.referrer {
            2 => 0.7,
            0 => 0.3,
            _ => 0.05,
        };
        let mut stage = Stage::Home;
        let mut on_reports = false;
        if work && self.rng.chance(0.5) {
            self.view("/reports");
            on_reports = true;
        } else if !work && !signup && self.rng.chance(product_landing) {
            let product = self.pick_product();
            self.view_product(product);
            stage = Stage::Products;
            if self.rng.chance(0.3 * self.traits.intensity) {
                self.add_to_cart(product);
            }
        } else {
            self.view("/home");
        }
        if signup {
            self.wait();
            self.action("signup");
            if self.rng.chance(0.5) {
                self.wait();
                self.view("/account");
            }
        } else if self.rng.chance(0.3) {
            // Logged in the same millisecond as the landing view, sometimes.
            if !self.rng.chance(0.3) {
                self.wait_short();
            }
            self.action("login");
        }
        if work {
            self.work(on_reports);
            if !self.rng.chance(0.25) {
                return;
            }
        }
        self.shop(stage);
    }

    /// B2B work: reports, exports, team invitations.
    pub(crate) fn work(&mut self, on_reports: bool) {
        if !on_reports {
            self.wait();
            self.view("/reports");
        }
        let exports = if self.rng.chance(self.traits.exports) {
            [1, 2, 3][self.rng.weighted(&[55, 30, 15])]
        } else {
            0
        };
        for _ in 0..exports {
            self.wait();
            self.action("export_report");
        }
        if self.rng.chance(0.12) {
            self.wait();
            self.view("/settings/team");
            self.wait();
            self.action("invite_teammate");
            if self.rng.chance(0.3) {
                self.wait_short();
                self.action("invite_teammate");
            }
        }
        if self.rng.chance(0.1) {
            self.wait();
            self.view("/account");
        }
    }

    pub(crate) fn add_to_cart(&mut self, product: u8) {
        if self.rng.chance(0.04) {
            self.wait_short();
            self.error("Out of stock");
            if self.rng.chance(0.4) {
                self.t += self.rng.between(20 * SECOND, 90 * SECOND);
                self.error("Out of stock");
            }
            return;
        }
        // The quick-add button is logged in the same millisecond as the
        // product view, sometimes.
        if !self.rng.chance(0.25) {
            self.wait();
        }
        self.emit(
            ACTION,
            Name::Str("add_to_cart"),
            price_cents(product),
            product,
            NONE,
        );
        self.cart.push(product);
    }

    pub(crate) fn shop(&mut self, mut stage: Stage) {
        let mut searches = 0;
        let mut cart_visits = 0;
        while !self.done && stage != Stage::End {
            stage = match stage {
                Stage::Home => match self.rng.f64() {
                    r if r < 0.62 => Stage::Search,
                    r if r < 0.82 => Stage::Products,
                    r if r < 0.88 => {
                        self.wait();
                        let page = self.rng.pick(&["/help", "/account"]);
                        self.view(page);
                        Stage::End
                    }
                    _ => Stage::End,
                },
                Stage::Search => {
                    searches += 1;
                    self.wait();
                    let query = self.rng.below(QUERIES.len() as u64) as u8;
                    self.emit(ACTION, Name::Str("search"), -1, NONE, query);
                    self.wait_short();
                    self.view("/search");
                    match self.rng.f64() {
                        r if r < 0.72 => Stage::Products,
                        r if r < 0.86 && searches < 4 => Stage::Search,
                        _ => Stage::End,
                    }
                }
                Stage::Products => {
                    let n = 1 + self.rng.below(self.traits.max_products);
                    for _ in 0..n {
                        self.wait();
                        let product = self.pick_product();
                        self.view_product(product);
                        if self.rng.chance(0.3 * self.traits.intensity) {
                            self.add_to_cart(product);
                        }
                    }
                    let r = self.rng.f64();
                    if !self.cart.is_empty() {
                        if r < 0.72 {
                            Stage::Cart
                        } else if r < 0.85 && searches < 4 {
                            Stage::Search
                        } else {
                            Stage::End
                        }
                    } else if r < 0.05 {
                        Stage::Cart
                    } else if r < 0.35 && searches < 4 {
                        Stage::Search
                    } else {
                        Stage::End
                    }
                }
                Stage::Cart => {
                    cart_visits += 1;
                    self.wait();
                    self.view("/cart");
                    self.cart_stage(&mut cart_visits, searches)
                }
                Stage::Checkout => self.checkout(),
                Stage::End => Stage::End,
            };
        }
    }

    pub(crate) fn cart_stage(&mut self, cart_visits: &mut u32, searches: u32) -> Stage {
        if let Some(&product) = self.cart.last()
            && self.rng.chance(0.12)
        {
            self.wait();
            self.emit(ACTION, Name::Str("remove_from_cart"), -1, product, NONE);
            self.cart.pop();
        }
        let coupon = if self.traits.coupon_hunter { 0.7 } else { 0.07 };
        if self.rng.chance(coupon) {
            self.wait();
            self.action("apply_coupon");
            if self.traits.coupon_hunter && self.rng.chance(0.5) {
                self.wait_short();
                self.action("apply_coupon");
            }
        }
        if self.cart.is_empty() {
            return if self.rng.chance(0.5) && searches < 4 {
                Stage::Search
            } else {
                Stage::End
            };
        }
        if self.rng.chance(0.58) {
            // An anonymous visitor leaves to sign up first.
            return if self.identity == Identity::Anonymous {
                Stage::End
            } else {
                Stage::Checkout
            };
        }
        // Abandoned the cart (for now).
        match self.rng.f64() {
            r if r < 0.4 => Stage::End,
            r if r < 0.7 => {
                self.wait();
                let page = self.rng.pick(&["/search", "/search", "/help"]);
                self.view(page);
                if *cart_visits < 3 && self.rng.chance(0.5) {
                    Stage::Cart
                } else {
                    Stage::End
                }
            }
            _ => Stage::Products,
        }
    }

    pub(crate) fn checkout(&mut self) -> Stage {
        self.wait();
        self.action("CHECKOUT");
        self.wait_short();
        self.view("/checkout");
        if self.rng.chance(0.08) {
            return Stage::End;
        }
        for attempt in 1..=3 {
            self.t += self.rng.between(5 * SECOND, 60 * SECOND);
            if self.rng.chance(self.traits.decline) {
                self.error("Payment declined");
                if attempt < 3 && self.rng.chance(0.55) {
                    self.wait();
                    self.action("CHECKOUT");
                    self.wait_short();
                    self.view("/checkout");
                    continue;
                }
                if self.rng.chance(0.3) {
                    self.wait();
                    self.view("/help");
                }
                return Stage::End;
            }
            let total: i64 = self.cart.iter().map(|&p| price_cents(p)).sum();
            self.emit(CUSTOM, Name::Str("purchase"), total, NONE, NONE);
            self.wait_short();
            self.view("/checkout/confirmation");
            self.cart.clear();
            return if self.rng.chance(0.1) {
                Stage::Home
            } else {
                Stage::End
            };
        }
        Stage::End
    }
}

//! The shop's vocabulary: countries, names, plans, devices, browsers, search
//! queries, products and prices, with the weights that pick them.

use crate::rng::{Rng, STREAM_CATALOG};
use std::sync::OnceLock;

pub(crate) const COUNTRIES: [&str; 7] = ["BR", "US", "FR", "DE", "IN", "JP", "GB"];
pub(crate) const COUNTRY_WEIGHTS: [u32; 7] = [20, 28, 10, 10, 12, 8, 12];

/// Eight first names and eight last names per country (same order as
/// `COUNTRIES`), separated by spaces.
pub(crate) const FIRST_NAMES: [&str; 7] = [
    "ana bruno carla diego fernanda gabriel juliana lucas",
    "david emma james olivia michael sophia daniel emily",
    "lea hugo chloe louis manon jules camille arthur",
    "lukas anna felix lena jonas mia paul laura",
    "priya arjun ananya rahul isha vikram neha rohan",
    "hiroshi yuki haruto sakura kenji aoi takumi mei",
    "oliver amelia harry isla george ava jack grace",
];
pub(crate) const LAST_NAMES: [&str; 7] = [
    "silva costa mendes santos oliveira souza pereira lima",
    "smith johnson williams brown jones miller davis wilson",
    "martin bernard dubois thomas robert richard petit durand",
    "muller schmidt schneider fischer weber meyer wagner becker",
    "sharma patel gupta singh kumar reddy iyer nair",
    "tanaka suzuki sato takahashi watanabe ito yamamoto nakamura",
    "taylor evans thomas roberts walker wright hughes green",
];

pub(crate) const PLANS: [&str; 3] = ["free", "pro", "premium"];
pub(crate) const ROLES: [&str; 6] = [
    "owner",
    "admin",
    "analyst",
    "engineer",
    "marketing",
    "finance",
];

pub(crate) const INDUSTRIES: [&str; 4] = ["retail", "media", "software", "finance"];
pub(crate) const TIERS: [&str; 3] = ["smb", "mid", "enterprise"];
pub(crate) const NAME_ADJECTIVES: [&str; 12] = [
    "Blue", "Bright", "Silver", "North", "Green", "Red", "Swift", "Clear", "Golden", "Urban",
    "Prime", "Quiet",
];
pub(crate) const NAME_NOUNS: [&str; 12] = [
    "River", "Peak", "Harbor", "Stone", "Field", "Leaf", "Wave", "Forge", "Bridge", "Pine",
    "Orbit", "Lantern",
];
pub(crate) const NAME_SUFFIXES: [[&str; 2]; 4] = [
    ["Outfitters", "Market"],
    ["Media", "Studios"],
    ["Labs", "Software"],
    ["Capital", "Partners"],
];

pub(crate) const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
pub(crate) const DESKTOP: u8 = 0;
pub(crate) const MOBILE: u8 = 1;
pub(crate) const BROWSERS: [&str; 4] = ["chrome", "safari", "firefox", "edge"];
pub(crate) const REFERRERS: [&str; 3] = ["google", "newsletter", "ads"];
pub(crate) const QUERIES: [&str; 16] = [
    "running shoes",
    "leather boots",
    "hiking boots",
    "shoe rack",
    "kids shoes",
    "sneakers",
    "headphones",
    "coffee maker",
    "yoga mat",
    "backpack",
    "phone case",
    "desk lamp",
    "winter jacket",
    "sunglasses",
    "water bottle",
    "gift card",
];

pub(crate) const PRODUCTS: u8 = 50;

pub(crate) const EVENT_TYPES: [&str; 4] = ["view", "action", "error", "custom"];
pub(crate) const VIEW: u8 = 0;
pub(crate) const ACTION: u8 = 1;
pub(crate) const ERROR: u8 = 2;
pub(crate) const CUSTOM: u8 = 3;

/// No value (null) in the small-integer fields of [`Ev`].
pub(crate) const NONE: u8 = u8::MAX;

/// Prices of the catalogue in cents, the same for every seed.
pub(crate) fn price_cents(product: u8) -> i64 {
    static PRICES: OnceLock<Vec<i64>> = OnceLock::new();
    PRICES.get_or_init(|| {
        (1..=PRODUCTS)
            .map(|p| {
                let mut rng = Rng::new(0x5E6_0D05, STREAM_CATALOG, u64::from(p));
                let dollars = (5f64.ln() + rng.f64() * (400f64.ln() - 5f64.ln())).exp();
                dollars.floor() as i64 * 100 + 99
            })
            .collect()
    })[usize::from(product - 1)]
}

//! Random analyses (LANGUAGE.md §5) over random datasets, for differential
//! tests of funnels, retention, paths, explore, lifecycle and stickiness.
//!
//! A case is a dataset of [`arb_dataset`] whose minute grid is stretched to
//! one of five time scales (minutes, hours, days, 5-day steps from
//! 2025-11-17, so that days, ISO weeks and calendar months across the year
//! end all get several cohorts and buckets, and 13-hour steps across the
//! daylight-saving days of 2026-10-25 and 2026-11-01, for the datasets'
//! reporting time zones), sometimes turned mostly into
//! views of three names (so that paths repeat), and a program of 0–2
//! segment definitions followed by one analysis that uses every clause of
//! §5. `now` stays [`super::NOW_MS`] (2026-01-01T00:15:00Z): relative ranges
//! cut through the data at every scale. Programs pass `segql::validate` and
//! use only the columns and tables of the dataset.

use super::data::{DAY_MS, MINUTE_MS, RefDataset, format_timestamp};
use super::r#gen::{
    BASE_MS, Shape, arb_dataset, arb_range, arb_segment, arb_step_text, arb_viewed_step_text,
    has_profile_table,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::BoxedStrategy;
use segql::syntax::Audience;

const HOUR_MS: i64 = 60 * MINUTE_MS;

/// A time scale: grid point `m` of [`arb_dataset`] (minute `m` of
/// 2026-01-01) becomes `origin + m * unit` (the 30 s offsets of ties stay).
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub origin: i64,
    pub unit: i64,
    /// The unit's name in durations, and how many of it make one grid step.
    unit_name: &'static str,
    per_step: u64,
}

const SCALES: [Scale; 5] = [
    Scale {
        origin: BASE_MS,
        unit: MINUTE_MS,
        unit_name: "minute",
        per_step: 1,
    },
    Scale {
        origin: BASE_MS - 10 * HOUR_MS,
        unit: HOUR_MS,
        unit_name: "hour",
        per_step: 1,
    },
    Scale {
        origin: BASE_MS - 10 * DAY_MS,
        unit: DAY_MS,
        unit_name: "day",
        per_step: 1,
    },
    // 2025-11-17 (a Monday) to 2026-02-20: months across the year end.
    Scale {
        origin: BASE_MS - 45 * DAY_MS,
        unit: 5 * DAY_MS,
        unit_name: "day",
        per_step: 5,
    },
    // 2026-10-23 to 2026-11-03 in steps of 13 hours, at every hour of the
    // day by turns: the ends of summer time in Europe (2026-10-25) and in
    // North America (2026-11-01), where a local day lasts 25 hours.
    Scale {
        origin: DST_ORIGIN_MS,
        unit: 13 * HOUR_MS,
        unit_name: "hour",
        per_step: 13,
    },
];

/// 2026-10-23T00:00:00Z.
const DST_ORIGIN_MS: i64 = 1_792_713_600_000;

impl Scale {
    /// `n` grid steps as a duration text: `3 hours`, `15 days`.
    fn steps(self, n: u64) -> String {
        let count = n * self.per_step;
        let plural = if count == 1 { "" } else { "s" };
        format!("{count} {}{plural}", self.unit_name)
    }

    /// The timestamp of grid point `m`.
    fn at(self, m: i64) -> String {
        format_timestamp(self.origin + m * self.unit)
    }
}

/// Stretches the dataset's minute grid to `scale`, and when `views` has an
/// entry for an event, makes it a view of that name.
fn rescale(mut data: RefDataset, scale: Scale, views: &[Option<&str>]) -> RefDataset {
    for (i, e) in data.events.iter_mut().enumerate() {
        let offset = e.ts - BASE_MS;
        e.ts =
            scale.origin + offset.div_euclid(MINUTE_MS) * scale.unit + offset.rem_euclid(MINUTE_MS);
        if let Some(Some(name)) = views.get(i) {
            e.event_type = "view".to_string();
            e.name = name.to_string();
        }
    }
    data
}

/// A dataset at a random time scale, with the scale.
fn arb_scaled_dataset() -> impl Strategy<Value = (RefDataset, Scale)> {
    (
        arb_dataset(),
        select(SCALES.to_vec()),
        prop::bool::weighted(0.4),
    )
        .prop_flat_map(|(data, scale, view_heavy)| {
            let n = data.events.len();
            let views = if view_heavy {
                vec(option::weighted(0.8, select(vec!["/a", "/b", "/c"])), n).boxed()
            } else {
                Just(vec![None; n]).boxed()
            };
            (Just(data), Just(scale), views)
        })
        .prop_map(|(data, scale, views)| (rescale(data, scale, &views), scale))
}

/// A dataset and a program of 0–2 segment definitions and one analysis
/// that fits it.
pub fn arb_analysis_case() -> impl Strategy<Value = (RefDataset, String)> {
    arb_scaled_dataset().prop_flat_map(|(data, scale)| {
        let shape = data.shape();
        let timelines = timelines(&data);
        (Just(data), arb_analysis_program(shape, scale, timelines))
    })
}

// ----- pieces ---------------------------------------------------------------------

/// Every range form of §4.2, on the grid of `scale` (plus, now and then,
/// the minute ranges of segments).
fn arb_analysis_range(scale: Scale) -> BoxedStrategy<String> {
    prop_oneof![
        3 => (select(vec!["last", "past"]), 1u64..=20)
            .prop_map(move |(w, n)| format!("during {w} {}", scale.steps(n))),
        1 => (select(vec!["past", "last"]), select(vec!["hour", "day", "week", "month"]))
            .prop_map(|(w, u)| format!("in the {w} {u}")),
        2 => (0i64..=21).prop_map(move |m| format!("since {}", scale.at(m))),
        2 => (0i64..=21).prop_map(move |m| format!("before {}", scale.at(m))),
        2 => (0i64..=20, 1i64..=8)
            .prop_map(move |(a, len)| format!("between {} and {}", scale.at(a), scale.at(a + len))),
        1 => select(vec![
            "since 2026-01-01",
            "before 2026-01-01",
            "between 2025-12-01 and 2026-02-01",
            "between 2025-12-29 and 2026-01-05",
        ])
        .prop_map(str::to_string),
        1 => arb_range(),
    ]
    .boxed()
}

/// A step: often a broad one that most datasets match (so that funnels
/// go deep and cohorts return), else any step of [`arb_step_text`].
fn arb_broad_step() -> BoxedStrategy<String> {
    prop_oneof![
        2 => arb_step_text(),
        5 => select(vec![
            "any event",
            "any event",
            "viewed \"/a\"",
            "viewed \"/b\"",
            "viewed \"/c\"",
            "viewed like \"/%\"",
            "event \"x\"",
            "action \"x\"",
            "action like \"%\"",
            "event like \"%\" with device = \"mobile\"",
            "any event with qty > 0",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

/// Per user of the dataset with at least two events, a step matching each
/// of its events, in time order: funnels built from them go deep.
fn timelines(data: &RefDataset) -> Vec<Vec<String>> {
    let mut by_user: std::collections::BTreeMap<&str, Vec<&super::data::RefEvent>> =
        std::collections::BTreeMap::new();
    for e in &data.events {
        if let Some(u) = &e.user_id {
            by_user.entry(u).or_default().push(e);
        }
    }
    by_user
        .into_values()
        .filter(|events| events.len() >= 2)
        .map(|mut events| {
            events.sort_by_key(|e| e.ts);
            events
                .iter()
                .map(|e| match e.event_type.as_str() {
                    "view" => format!("viewed \"{}\"", e.name),
                    "action" => format!("action \"{}\"", e.name),
                    "error" => format!("error \"{}\"", e.name),
                    _ => format!("event \"{}\"", e.name),
                })
                .collect()
        })
        .collect()
}

/// 2–4 positive funnel steps: broad ones, or (most often, when the dataset
/// allows) steps following one user's events in time order.
fn arb_positive_steps(timelines: Vec<Vec<String>>) -> BoxedStrategy<Vec<String>> {
    let broad = vec(arb_broad_step(), 2..=4).boxed();
    if timelines.is_empty() {
        return broad;
    }
    let chain = select(timelines)
        .prop_flat_map(|steps| {
            let n = steps.len();
            subsequence(steps, 2..=n.min(4))
        })
        .boxed();
    prop_oneof![2 => broad, 3 => chain].boxed()
}

fn arb_analysis_within(scale: Scale) -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just("within session".to_string()),
        3 => (0u64..=8).prop_map(move |n| format!("within {}", scale.steps(n))),
    ]
    .boxed()
}

/// The audiences an analysis may have on a dataset of this shape: accounts
/// only when events can be attributed to accounts.
fn audiences(shape: Shape) -> Vec<Audience> {
    let mut out = vec![Audience::Users];
    if shape.events_have_account_column || shape.has_users {
        out.push(Audience::Accounts);
    }
    out
}

/// A segment that holds for a fair share of actors (random segments of
/// [`arb_segment`] are often empty): a broad behavior or a profile test.
fn arb_simple_segment(audience: Audience, shape: Shape) -> BoxedStrategy<String> {
    let mut bodies = vec![
        "viewed \"/a\"",
        "any event at least 3 times",
        "action \"x\"",
        "not viewed \"/b\"",
        "viewed like \"/%\" then action \"x\"",
        "any event with device = \"mobile\"",
    ];
    if has_profile_table(audience, shape) {
        bodies.extend([
            "have plan = \"pro\"",
            "plan in (\"free\", \"pro\")",
            "vip = true",
            "score > 0",
            "not plan = \"free\"",
        ]);
    }
    select(bodies)
        .prop_map(move |body| format!("{} who {body}", audience.keyword()))
        .boxed()
}

/// `for`/`compare` operands: a definition of the audience, or an inline
/// segment in parentheses (mostly a simple one).
fn arb_seg_ref(audience: Audience, shape: Shape, names: Vec<String>) -> BoxedStrategy<String> {
    let inline = prop_oneof![
        3 => arb_simple_segment(audience, shape),
        2 => arb_segment(audience, shape, names.clone()),
    ]
    .prop_map(|s| format!("({s})"))
    .boxed();
    if names.is_empty() {
        inline
    } else {
        prop_oneof![2 => select(names), 3 => inline].boxed()
    }
}

/// Columns a `by` may name: event columns, and the profile columns of the
/// audience when its profile table exists.
fn by_columns(audience: Audience, shape: Shape) -> Vec<&'static str> {
    let mut out = vec![
        "device",
        "event_type",
        "name",
        "qty",
        "amount",
        "session_id",
        "user_id",
        "device",
        "name",
    ];
    if shape.events_have_account_column {
        out.push("account_id");
    }
    if has_profile_table(audience, shape) {
        match audience {
            Audience::Users => out.extend([
                "plan",
                "score",
                "vip",
                "signup_date",
                "email",
                "plan",
                "vip",
            ]),
            Audience::Accounts => out.extend(["plan", "score", "vip", "start_date", "plan"]),
        }
        if !shape.events_have_account_column {
            out.push("account_id");
        }
    }
    out
}

/// `(scope, compare)` texts, and the audience they give the analysis
/// (users when there is no segment at all).
type Segs = (Option<String>, Vec<String>, Audience);

fn arb_segs(
    audience: Audience,
    shape: Shape,
    names: Vec<String>,
    compare: bool,
) -> BoxedStrategy<Segs> {
    let seg = arb_seg_ref(audience, shape, names);
    let compare = if compare {
        prop_oneof![3 => Just(Vec::new()), 2 => vec(seg.clone(), 1..=3)].boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (option::weighted(0.35, seg), compare)
        .prop_map(move |(scope, compare)| {
            let effective = if scope.is_none() && compare.is_empty() {
                Audience::Users
            } else {
                audience
            };
            (scope, compare, effective)
        })
        .boxed()
}

/// `head`, then each clause that is there (`word` and value), separated by
/// spaces.
fn with_clauses(head: String, clauses: Vec<(&str, Option<String>)>) -> String {
    let mut parts = vec![head];
    for (word, value) in clauses {
        if let Some(v) = value {
            parts.push(format!("{word}{v}"));
        }
    }
    parts.join(" ")
}

// ----- the four analyses -------------------------------------------------------------

/// `funnel step then [not] step ... [within] [in ... order] [holding]
/// [every] [for] [compare] [by] [range]`: 2–4 positive steps and 0–2
/// negated ones, in the middle or at the end (none in strict or any
/// order, which take none; nor `by` an event column in any order).
fn arb_funnel(
    shape: Shape,
    scale: Scale,
    audience: Audience,
    names: Vec<String>,
    timelines: Vec<Vec<String>>,
) -> BoxedStrategy<String> {
    (
        arb_positive_steps(timelines),
        prop_oneof![
            3 => Just(Vec::new()),
            2 => vec((arb_step_text(), 1usize..=4), 1..=1),
            1 => vec((arb_step_text(), 1usize..=4), 2..=2),
        ],
        option::weighted(0.4, arb_analysis_within(scale)),
        arb_segs(audience, shape, names, true),
        option::weighted(0.4, arb_analysis_range(scale)),
        (
            prop_oneof![2 => Just(None), 1 => Just(Some("strict")), 1 => Just(Some("any"))],
            option::weighted(0.2, arb_held_columns()),
            option::weighted(0.25, select(vec!["day", "week", "month"])),
        ),
    )
        .prop_flat_map(
            move |(
                positive,
                negated,
                within,
                (scope, compare, eff),
                range,
                (order, holding, every),
            )| {
                let mut columns = by_columns(eff, shape);
                if order == Some("any") {
                    columns.retain(|c| !is_event_column(c, shape));
                }
                let by = if columns.is_empty() {
                    Just(None).boxed()
                } else {
                    option::weighted(0.4, select(columns)).boxed()
                };
                let negated = if order.is_some() { Vec::new() } else { negated };
                (
                    Just((positive.clone(), negated, within.clone())),
                    Just((scope.clone(), compare.clone(), range.clone())),
                    Just((order, holding, every)),
                    by,
                )
            },
        )
        .prop_map(
            |(
                (positive, negated, within),
                (scope, compare, range),
                (order, holding, every),
                by,
            )| {
                // A negated step stands after positive step `gap` (1-based; the
                // last gap is the end of the funnel).
                let mut steps: Vec<String> = Vec::new();
                for (i, p) in positive.iter().enumerate() {
                    steps.push(p.clone());
                    for (n, gap) in &negated {
                        if (*gap).min(positive.len()) == i + 1 {
                            steps.push(format!("not {n}"));
                        }
                    }
                }
                let compare = (!compare.is_empty()).then(|| compare.join(", "));
                with_clauses(
                    format!("funnel {}", steps.join(" then ")),
                    vec![
                        ("", within),
                        ("in ", order.map(|o| format!("{o} order"))),
                        ("holding ", holding.map(str::to_string)),
                        ("every ", every.map(str::to_string)),
                        ("for ", scope),
                        ("compare ", compare),
                        ("by ", by.map(str::to_string)),
                        ("", range),
                    ],
                )
            },
        )
        .boxed()
}

/// The columns of a funnel's `holding`: event columns of [`arb_dataset`]
/// with nulls and few distinct values.
fn arb_held_columns() -> BoxedStrategy<&'static str> {
    select(vec!["product_id", "device", "qty", "product_id, device"]).boxed()
}

/// Whether a `by` name of [`by_columns`] is a column of the events table.
fn is_event_column(name: &str, shape: Shape) -> bool {
    match name {
        "device" | "event_type" | "name" | "qty" | "amount" | "session_id" | "user_id" => true,
        "account_id" => shape.events_have_account_column,
        _ => false,
    }
}

/// `retention step returning step [every] [periods] [for] [by] [range]`.
fn arb_retention(
    shape: Shape,
    scale: Scale,
    audience: Audience,
    names: Vec<String>,
) -> BoxedStrategy<String> {
    (
        arb_broad_step(),
        arb_broad_step(),
        option::weighted(0.7, select(vec!["day", "week", "month"])),
        option::weighted(0.7, 0u64..=4),
        arb_segs(audience, shape, names, false),
        option::weighted(0.4, arb_analysis_range(scale)),
    )
        .prop_flat_map(
            move |(start, ret, every, periods, (scope, _, eff), range)| {
                (
                    Just((start, ret, every, periods)),
                    Just((scope, range)),
                    option::weighted(0.4, select(by_columns(eff, shape))),
                )
            },
        )
        .prop_map(|((start, ret, every, periods), (scope, range), by)| {
            with_clauses(
                format!("retention {start} returning {ret}"),
                vec![
                    ("every ", every.map(str::to_string)),
                    ("periods ", periods.map(|p| p.to_string())),
                    ("for ", scope),
                    ("by ", by.map(str::to_string)),
                    ("", range),
                ],
            )
        })
        .boxed()
}

/// `lifecycle step [every] [for] [range]` or `stickiness step [every]
/// [for] [range]`.
fn arb_periods_analysis(
    analysis: &'static str,
    shape: Shape,
    scale: Scale,
    audience: Audience,
    names: Vec<String>,
) -> BoxedStrategy<String> {
    (
        arb_broad_step(),
        option::weighted(0.7, select(vec!["day", "week", "month"])),
        arb_segs(audience, shape, names, false),
        option::weighted(0.5, arb_analysis_range(scale)),
    )
        .prop_map(move |(step, every, (scope, _, _), range)| {
            with_clauses(
                format!("{analysis} {step}"),
                vec![
                    ("every ", every.map(str::to_string)),
                    ("for ", scope),
                    ("", range),
                ],
            )
        })
        .boxed()
}

/// A `clean` rule: patterns that match some of the datasets' view names
/// (or all, or none), and labels that are new names or existing ones (so
/// that cleaned views collapse with views of that name).
fn arb_clean_rule() -> BoxedStrategy<String> {
    (
        select(vec!["/%", "/_", "x", "%", "/a%", "z%"]),
        select(vec!["/a", "/b", "L", "/*"]),
    )
        .prop_map(|(pattern, label)| format!("like \"{pattern}\" as \"{label}\""))
        .boxed()
}

/// `paths [from] [to] [depth] [top] [clean] [for] [range]`.
fn arb_paths(
    shape: Shape,
    scale: Scale,
    audience: Audience,
    names: Vec<String>,
) -> BoxedStrategy<String> {
    (
        option::weighted(0.5, arb_viewed_step_text()),
        option::weighted(0.35, arb_viewed_step_text()),
        option::weighted(0.5, 1u64..=5),
        option::weighted(0.5, 1u64..=5),
        option::weighted(0.4, vec(arb_clean_rule(), 1..=2)),
        arb_segs(audience, shape, names, false),
        option::weighted(0.4, arb_analysis_range(scale)),
    )
        .prop_map(|(from, to, depth, top, clean, (scope, _, _), range)| {
            with_clauses(
                "paths".to_string(),
                vec![
                    ("from ", from),
                    ("to ", to),
                    ("depth ", depth.map(|d| d.to_string())),
                    ("top ", top.map(|t| t.to_string())),
                    ("clean ", clean.map(|rules| rules.join(", "))),
                    ("for ", scope),
                    ("", range),
                ],
            )
        })
        .boxed()
}

/// `explore measure, ... [by] [every] [for] [top] [range]`: 1–3 measures
/// (`events`, `users`, `sessions` at most once each; any number of
/// `count(step)`), 0–2 distinct `by` columns.
fn arb_explore(
    shape: Shape,
    scale: Scale,
    audience: Audience,
    names: Vec<String>,
) -> BoxedStrategy<String> {
    let measure = prop_oneof![
        2 => Just("events".to_string()),
        2 => Just("users".to_string()),
        2 => Just("sessions".to_string()),
        3 => arb_step_text().prop_map(|s| format!("count({s})")),
    ];
    let every: Vec<&'static str> = match (scale.unit_name, scale.per_step) {
        ("minute", _) => vec![
            "5 minutes",
            "1 minute",
            "7 minutes",
            "1 hour",
            "1 day",
            "90 seconds",
            "10m",
        ],
        ("hour", 1) => vec!["1 hour", "3 hours", "1 day", "30 minutes", "day", "1 week"],
        ("hour", _) => vec!["1 day", "2 days", "1 week", "24 hours", "6 hours", "day"],
        (_, 1) => vec!["1 day", "2 days", "1 week", "day", "12 hours"],
        _ => vec!["1 week", "2 weeks", "1 day", "10 days", "week"],
    };
    (
        vec(measure, 1..=3),
        option::weighted(0.5, select(every)),
        arb_segs(audience, shape, names, false),
        option::weighted(0.4, 1u64..=4),
        option::weighted(0.4, arb_analysis_range(scale)),
    )
        .prop_flat_map(move |(measures, every, (scope, _, eff), top, range)| {
            let mut cols = by_columns(eff, shape);
            cols.sort_unstable();
            cols.dedup();
            (
                Just((measures, every, scope, top, range)),
                subsequence(cols, 0..=2).prop_shuffle(),
            )
        })
        .prop_map(|((measures, every, scope, top, range), by)| {
            let mut seen: Vec<String> = Vec::new();
            for m in measures {
                if m.starts_with("count(") || !seen.contains(&m) {
                    seen.push(m);
                }
            }
            let by = (!by.is_empty()).then(|| by.join(", "));
            with_clauses(
                format!("explore {}", seen.join(", ")),
                vec![
                    ("by ", by),
                    ("every ", every.map(str::to_string)),
                    ("for ", scope),
                    ("top ", top.map(|t| t.to_string())),
                    ("", range),
                ],
            )
        })
        .boxed()
}

/// 0–2 definitions `d0`, `d1` (each of a random audience, using the
/// earlier ones of its audience), then one analysis of a random kind and
/// audience that may use the definitions of its audience.
fn arb_analysis_program(
    shape: Shape,
    scale: Scale,
    timelines: Vec<Vec<String>>,
) -> BoxedStrategy<String> {
    let auds = audiences(shape);
    (vec(select(auds.clone()), 0..=2), select(auds), 0u8..6)
        .prop_flat_map(move |(def_audiences, audience, kind)| {
            let mut defs: Vec<BoxedStrategy<String>> = Vec::new();
            let mut named: Vec<(String, Audience)> = Vec::new();
            for (i, a) in def_audiences.into_iter().enumerate() {
                let earlier: Vec<String> = named
                    .iter()
                    .filter(|(_, b)| *b == a)
                    .map(|(n, _)| n.clone())
                    .collect();
                let name = format!("d{i}");
                let n2 = name.clone();
                defs.push(
                    prop_oneof![
                        1 => arb_simple_segment(a, shape),
                        2 => arb_segment(a, shape, earlier),
                    ]
                    .prop_map(move |s| format!("segment {n2} = {s}"))
                    .boxed(),
                );
                named.push((name, a));
            }
            let names: Vec<String> = named
                .iter()
                .filter(|(_, b)| *b == audience)
                .map(|(n, _)| n.clone())
                .collect();
            let analysis = match kind {
                0 => arb_funnel(shape, scale, audience, names, timelines.clone()),
                1 => arb_retention(shape, scale, audience, names),
                2 => arb_paths(shape, scale, audience, names),
                3 => arb_explore(shape, scale, audience, names),
                4 => arb_periods_analysis("lifecycle", shape, scale, audience, names),
                _ => arb_periods_analysis("stickiness", shape, scale, audience, names),
            };
            (defs, analysis)
        })
        .prop_map(|(mut defs, analysis)| {
            defs.push(analysis);
            defs.join(";\n")
        })
        .boxed()
}

use super::*;
use crate::rng::civil_from_days;
use arrow::array::{Array, AsArray, PrimitiveArray};
use arrow::compute::concat_batches;
use arrow::datatypes::{ArrowPrimitiveType, Date32Type, Float64Type, TimestampMillisecondType};
use std::collections::{BTreeMap, BTreeSet};

/// One event row, read back from the batches.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    ts: i64,
    user: String,
    session: Option<String>,
    event_type: String,
    name: String,
    account: Option<String>,
    device: Option<String>,
    amount: Option<f64>,
    product: Option<String>,
    query: Option<String>,
    referrer: Option<String>,
    anonymous_id: Option<String>,
}

/// An anonymous visit's event: no user id, an anonymous id.
#[derive(Debug, Clone, PartialEq)]
struct Visit {
    ts: i64,
    anonymous_id: String,
    session: Option<String>,
    event_type: String,
    name: String,
    account: Option<String>,
}

fn string(batch: &RecordBatch, column: &str, i: usize) -> Option<String> {
    let col = batch.column_by_name(column).unwrap().as_string::<i32>();
    col.is_valid(i).then(|| col.value(i).to_string())
}

/// The column `column` of `batch`, of primitive type `T`.
fn primitive<'b, T: ArrowPrimitiveType>(
    batch: &'b RecordBatch,
    column: &str,
) -> &'b PrimitiveArray<T> {
    batch.column_by_name(column).unwrap().as_primitive::<T>()
}

/// The events with a user id, and the anonymous visits' events.
fn rows(batches: &[RecordBatch]) -> (Vec<Row>, Vec<Visit>) {
    let mut out = Vec::new();
    let mut visits = Vec::new();
    for b in batches {
        let ts = b.column(0).as_primitive::<TimestampMillisecondType>();
        let amount = primitive::<Float64Type>(b, "amount");
        for i in 0..b.num_rows() {
            let Some(user) = string(b, "user_id", i) else {
                visits.push(Visit {
                    ts: ts.value(i),
                    anonymous_id: string(b, "anon_id", i).unwrap(),
                    session: string(b, "session_id", i),
                    event_type: string(b, "event_type", i).unwrap(),
                    name: string(b, "name", i).unwrap(),
                    account: string(b, "account_id", i),
                });
                continue;
            };
            out.push(Row {
                ts: ts.value(i),
                user,
                session: string(b, "session_id", i),
                event_type: string(b, "event_type", i).unwrap(),
                name: string(b, "name", i).unwrap(),
                account: string(b, "account_id", i),
                device: string(b, "device", i),
                amount: amount.is_valid(i).then(|| amount.value(i)),
                product: string(b, "product_id", i),
                query: string(b, "query", i),
                referrer: string(b, "referrer", i),
                anonymous_id: string(b, "anon_id", i),
            });
        }
    }
    (out, visits)
}

struct Data {
    events: Vec<Row>,
    visits: Vec<Visit>,
    users: RecordBatch,
    accounts: RecordBatch,
}

/// The default dataset, generated once for all tests.
fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let (events, users, accounts) = in_memory(&DemoConfig::default());
        assert!(events.iter().all(|b| b.num_rows() <= 8192));
        let (events, visits) = rows(&events);
        Data {
            events,
            visits,
            users,
            accounts,
        }
    })
}

fn column_strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    (0..batch.num_rows())
        .map(|i| string(batch, column, i))
        .collect()
}

/// user_id -> account_id of the users table.
fn user_accounts() -> BTreeMap<String, Option<String>> {
    let d = data();
    column_strings(&d.users, "user_id")
        .into_iter()
        .map(Option::unwrap)
        .zip(column_strings(&d.users, "account_id"))
        .collect()
}

/// Events grouped by session id (in time order).
fn sessions() -> BTreeMap<&'static str, Vec<&'static Row>> {
    let mut map: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &data().events {
        if let Some(s) = &r.session {
            map.entry(s.as_str()).or_default().push(r);
        }
    }
    map
}

#[test]
fn dates_and_span() {
    let mut parts = DEMO_START.split('-').map(|p| p.parse::<u32>().unwrap());
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert_eq!(days_from_civil(i64::from(y), m, d), START_DAY);
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    for z in -1000..30_000 {
        let (y, m, d) = civil_from_days(z);
        assert_eq!(days_from_civil(y, m, d), z);
    }
    let cfg = DemoConfig::default();
    assert_eq!(
        cfg,
        DemoConfig {
            users: 2000,
            days: 90,
            seed: 42
        }
    );
    // 2026-01-01T00:00:00Z and 2026-04-01T00:00:00Z.
    assert_eq!(cfg.start_millis(), 1_767_225_600_000);
    assert_eq!(cfg.end_millis(), 1_775_001_600_000);
}

#[test]
fn schemas() {
    let names = |s: SchemaRef| {
        s.fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<Vec<_>>()
    };
    let utf8 = |n: &str| (n.to_string(), DataType::Utf8);
    assert_eq!(
        names(events_schema()),
        vec![
            (
                "timestamp".to_string(),
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
            ),
            utf8("user_id"),
            utf8("session_id"),
            utf8("event_type"),
            utf8("name"),
            utf8("account_id"),
            utf8("device"),
            utf8("browser"),
            utf8("geo.country"),
            ("amount".to_string(), DataType::Float64),
            utf8("product_id"),
            utf8("query"),
            utf8("referrer"),
            utf8("anon_id"),
        ]
    );
    assert_eq!(
        names(users_schema()),
        vec![
            utf8("user_id"),
            utf8("email"),
            utf8("account_id"),
            utf8("country"),
            utf8("plan"),
            ("signup_date".to_string(), DataType::Date32),
            ("marketing_opt_in".to_string(), DataType::Boolean),
            ("age".to_string(), DataType::Int64),
            utf8("company_role"),
        ]
    );
    assert_eq!(
        names(accounts_schema()),
        vec![
            utf8("account_id"),
            utf8("name"),
            ("arr".to_string(), DataType::Float64),
            ("start_date".to_string(), DataType::Date32),
            utf8("industry"),
            utf8("tier"),
            ("seats".to_string(), DataType::Int64),
        ]
    );
    let d = data();
    assert_eq!(d.users.schema(), users_schema());
    assert_eq!(d.accounts.schema(), accounts_schema());
}

#[test]
fn deterministic_and_independent_of_batch_size() {
    let cfg = DemoConfig {
        users: 150,
        days: 30,
        seed: 7,
    };
    let a: Vec<_> = event_batches(&cfg, 1000).collect();
    let b: Vec<_> = event_batches(&cfg, 1000).collect();
    assert_eq!(a, b);
    assert!(a.iter().all(|x| x.num_rows() <= 1000));
    let all = concat_batches(&events_schema(), &a).unwrap();
    for size in [1, 97, 4096, usize::MAX] {
        let c: Vec<_> = event_batches(&cfg, size).collect();
        assert!(c.iter().all(|x| x.num_rows() <= size && x.num_rows() > 0));
        assert_eq!(concat_batches(&events_schema(), &c).unwrap(), all, "{size}");
    }
    assert_eq!(users_batch(&cfg), users_batch(&cfg));
    assert_eq!(accounts_batch(&cfg), accounts_batch(&cfg));
    // Another seed, other data.
    let other = DemoConfig { seed: 8, ..cfg };
    let d: Vec<_> = event_batches(&other, 1000).collect();
    assert_ne!(concat_batches(&events_schema(), &d).unwrap(), all);
    assert_ne!(users_batch(&other), users_batch(&cfg));
    // A chunk of the users table is the same rows as the whole table.
    assert_eq!(users_rows(&cfg, 10, 20), users_batch(&cfg).slice(10, 10));
    assert_eq!(accounts_rows(&cfg, 2, 5), accounts_batch(&cfg).slice(2, 3));
}

#[test]
fn plausible_counts_and_values() {
    let d = data();
    let n = d.events.len();
    assert!((100_000..=250_000).contains(&n), "{n} events");
    assert_eq!(d.users.num_rows(), 2000);
    assert_eq!(d.accounts.num_rows(), 100);
    assert_eq!(
        accounts_batch(&DemoConfig {
            users: 10,
            ..Default::default()
        })
        .num_rows(),
        5
    );
    let cfg = DemoConfig::default();
    let (start, end) = (cfg.start_millis(), cfg.end_millis());
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for r in &d.events {
        assert!(r.ts >= start && r.ts < end, "{r:?}");
        *counts.entry((&r.event_type, &r.name)).or_default() += 1;
        let expected_type = match r.name.as_str() {
            n if n.starts_with('/') => "view",
            "Payment declined" | "Network timeout" | "Out of stock" => "error",
            "purchase" | "subscription_renewed" => "custom",
            _ => "action",
        };
        assert_eq!(r.event_type, expected_type, "{r:?}");
        assert_eq!(
            r.amount.is_some(),
            r.name == "purchase" || r.name == "add_to_cart",
            "{r:?}"
        );
        if let Some(a) = r.amount {
            assert!(a > 0.0 && ((a * 100.0).round() - a * 100.0).abs() < 1e-6);
        }
        let product_view = r.name.starts_with("/product/");
        assert_eq!(
            r.product.is_some(),
            product_view || r.name == "add_to_cart" || r.name == "remove_from_cart",
            "{r:?}"
        );
        if product_view {
            assert_eq!(r.name, format!("/product/{}", r.product.as_ref().unwrap()));
        }
        assert_eq!(r.query.is_some(), r.name == "search", "{r:?}");
    }
    let views: BTreeSet<&str> = counts
        .keys()
        .filter(|(t, n)| *t == "view" && !n.starts_with("/product/"))
        .map(|(_, n)| *n)
        .collect();
    let expected_views = [
        "/account",
        "/cart",
        "/checkout",
        "/checkout/confirmation",
        "/help",
        "/home",
        "/reports",
        "/search",
        "/settings/team",
    ];
    assert_eq!(views, expected_views.into_iter().collect());
    for name in [
        "search",
        "add_to_cart",
        "remove_from_cart",
        "CHECKOUT",
        "apply_coupon",
        "export_report",
        "invite_teammate",
        "signup",
        "login",
    ] {
        assert!(
            counts.get(&("action", name)).copied().unwrap_or(0) > 20,
            "{name}"
        );
    }
    for name in ["Payment declined", "Network timeout", "Out of stock"] {
        assert!(
            counts.get(&("error", name)).copied().unwrap_or(0) > 20,
            "{name}"
        );
    }
    assert!(counts[&("custom", "purchase")] > 500);
    assert!(counts[&("custom", "subscription_renewed")] > 500);
    // The funnel narrows at each stage.
    let c = |t, n| counts[&(t, n)];
    assert!(c("view", "/home") > c("view", "/cart"));
    assert!(c("view", "/cart") > c("action", "CHECKOUT"));
    assert!(c("action", "CHECKOUT") > c("custom", "purchase"));
    assert_eq!(c("custom", "purchase"), c("view", "/checkout/confirmation"));
}

#[test]
fn cart_abandoners_and_buyers_exist() {
    let mut abandoners = BTreeSet::new();
    let mut converters = BTreeSet::new();
    for events in sessions().values() {
        let Some(cart) = events.iter().position(|r| r.name == "/cart") else {
            continue;
        };
        let cart_ts = events[cart].ts;
        let checkout = events
            .iter()
            .any(|r| r.name == "CHECKOUT" && r.ts > cart_ts);
        if checkout {
            converters.insert(events[0].user.clone());
        } else {
            abandoners.insert(events[0].user.clone());
        }
    }
    assert!(abandoners.len() > 100, "{} abandoners", abandoners.len());
    assert!(converters.len() > 100, "{} converters", converters.len());
}

#[test]
fn sessions_are_walks() {
    let sessions = sessions();
    assert!(sessions.len() > 10_000);
    let mut declined_then_retry = 0;
    for events in sessions.values() {
        // One user, one device, one browser per session; time order.
        assert!(events.iter().all(|r| r.user == events[0].user));
        assert!(events.iter().all(|r| r.device == events[0].device));
        assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts));
        let names: Vec<&str> = events.iter().map(|r| r.name.as_str()).collect();
        if names
            .windows(2)
            .any(|w| w[0] == "Payment declined" && w[1] == "CHECKOUT")
        {
            declined_then_retry += 1;
        }
    }
    assert!(declined_then_retry > 10);
    // Referrer: only on the first view of a session.
    let mut referred = 0;
    for events in sessions.values() {
        let first_view = events.iter().position(|r| r.event_type == "view");
        for (i, r) in events.iter().enumerate() {
            if r.referrer.is_some() {
                assert_eq!(Some(i), first_view, "{r:?}");
                referred += 1;
            }
        }
    }
    assert!(referred > 5_000);
    let referrers: BTreeSet<_> = data()
        .events
        .iter()
        .filter_map(|r| r.referrer.as_deref())
        .collect();
    assert_eq!(
        referrers,
        ["ads", "google", "newsletter"].into_iter().collect()
    );
}

#[test]
fn timestamp_ties() {
    let events = &data().events;
    let ties = events
        .windows(2)
        .filter(|w| {
            w[0].user == w[1].user
                && w[0].ts == w[1].ts
                && w[0].name.starts_with("/product/")
                && w[1].name == "add_to_cart"
        })
        .count();
    assert!(ties > 100, "{ties} ties");
    // Each user's events are in time order.
    assert!(
        events
            .windows(2)
            .all(|w| w[0].user != w[1].user || w[0].ts <= w[1].ts)
    );
}

#[test]
fn null_sessions() {
    let events = &data().events;
    let nulls = events.iter().filter(|r| r.session.is_none()).count();
    let share = nulls as f64 / events.len() as f64;
    assert!((0.01..0.08).contains(&share), "{share}");
    for r in events.iter().filter(|r| r.name == "subscription_renewed") {
        assert!(r.session.is_none() && r.device.is_none(), "{r:?}");
    }
    // Some views lost their session id too.
    assert!(
        events
            .iter()
            .any(|r| r.session.is_none() && r.event_type == "view")
    );
}

#[test]
fn universe_edges() {
    let accounts = user_accounts();
    let event_users: BTreeSet<&str> = data().events.iter().map(|r| r.user.as_str()).collect();
    let without_row = event_users
        .iter()
        .filter(|u| !accounts.contains_key(**u))
        .count();
    let share = without_row as f64 / event_users.len() as f64;
    assert!((0.005..0.02).contains(&share), "{share}");
    let without_events = accounts
        .keys()
        .filter(|u| !event_users.contains(u.as_str()))
        .count();
    assert!(
        (10..200).contains(&without_events),
        "{without_events} users without events"
    );
    assert!(accounts.keys().all(|u| u.len() == 6 && u.starts_with('u')));
}

#[test]
fn account_ids_on_events() {
    let accounts = user_accounts();
    let (mut set, mut null) = (0usize, 0usize);
    for r in &data().events {
        match accounts.get(&r.user).cloned().flatten() {
            Some(a) => match &r.account {
                Some(e) => {
                    assert_eq!(*e, a);
                    set += 1;
                }
                None => null += 1,
            },
            None => assert!(r.account.is_none(), "{r:?}"),
        }
    }
    let share = null as f64 / (set + null) as f64;
    assert!((0.25..0.35).contains(&share), "{share}");
    let with_account = accounts.values().filter(|a| a.is_some()).count();
    assert!((600..1000).contains(&with_account), "{with_account}");
    // Account users work: reports are viewed and exported.
    let exporters: BTreeSet<_> = data()
        .events
        .iter()
        .filter(|r| r.name == "export_report")
        .map(|r| accounts[&r.user].clone().unwrap())
        .collect();
    assert!(exporters.len() > 50);
}

#[test]
fn users_and_accounts_columns() {
    let d = data();
    let emails: Vec<String> = column_strings(&d.users, "email")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let normalized: BTreeSet<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
    assert_eq!(normalized.len(), emails.len(), "emails are unique");
    assert!(
        emails
            .iter()
            .any(|e| e.chars().any(|c| c.is_ascii_uppercase()))
    );
    assert!(emails.iter().any(|e| e.trim() != e));
    assert!(
        emails
            .iter()
            .any(|e| !e.split('@').next().unwrap().contains('.'))
    );
    assert!(normalized.iter().all(|e| e.ends_with("@example.com")));
    let plans: BTreeMap<Option<String>, usize> =
        column_strings(&d.users, "plan")
            .into_iter()
            .fold(BTreeMap::new(), |mut m, p| {
                *m.entry(p).or_default() += 1;
                m
            });
    assert_eq!(plans.len(), 4, "{plans:?}");
    let countries: BTreeSet<_> = column_strings(&d.users, "country").into_iter().collect();
    assert_eq!(countries.len(), 7);
    let signups = primitive::<Date32Type>(&d.users, "signup_date");
    let end_day = DemoConfig::default().end_day();
    assert!(signups.values().iter().all(|&s| i64::from(s) < end_day));
    assert!(signups.values().iter().any(|&s| i64::from(s) >= START_DAY));
    assert!(signups.values().iter().any(|&s| i64::from(s) < START_DAY));
    assert!(d.users.column_by_name("age").unwrap().null_count() > 100);

    let ids = column_strings(&d.accounts, "account_id");
    assert_eq!(ids[6].as_deref(), Some("a0007"));
    let tiers: BTreeSet<_> = column_strings(&d.accounts, "tier")
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(tiers.len(), 3);
    let arr = primitive::<Float64Type>(&d.accounts, "arr");
    assert!(arr.values().iter().any(|&a| a > 100_000.0));
    assert!(arr.values().iter().any(|&a| a <= 20_000.0));
    let starts = primitive::<Date32Type>(&d.accounts, "start_date");
    assert!(
        starts
            .values()
            .iter()
            .any(|&s| i64::from(s) >= START_DAY + 14)
    );
}

#[test]
fn example_csv_files_name_demo_users_and_accounts() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let read = |name: &str| std::fs::read_to_string(examples.join(name)).unwrap();
    let d = data();
    let emails: BTreeSet<String> = column_strings(&d.users, "email")
        .into_iter()
        .map(|e| e.unwrap().trim().to_lowercase())
        .collect();
    let users: BTreeSet<String> = column_strings(&d.users, "user_id")
        .into_iter()
        .flatten()
        .collect();
    let accounts: BTreeSet<String> = column_strings(&d.accounts, "account_id")
        .into_iter()
        .flatten()
        .collect();

    let crm = read("crm_list.csv");
    let mut lines = crm.lines();
    assert_eq!(lines.next(), Some("email"));
    let list: Vec<&str> = lines.collect();
    let known = list
        .iter()
        .filter(|e| emails.contains(&e.trim().to_lowercase()))
        .count();
    assert_eq!(known, list.len() - 1, "one email matches nobody");
    assert!(
        list.iter()
            .any(|e| e.chars().any(|c| c.is_ascii_uppercase()))
    );

    let vip = read("vip_accounts.csv");
    let mut lines = vip.lines();
    assert_eq!(lines.next(), Some("account_id"));
    let list: Vec<&str> = lines.collect();
    let known = list.iter().filter(|a| accounts.contains(**a)).count();
    assert_eq!(known, list.len() - 1, "one account is unknown");

    let survey = read("survey_respondents.csv");
    let mut lines = survey.lines();
    assert_eq!(lines.next(), Some("respondent,user_id,nps"));
    for line in lines {
        let user = line.split(',').nth(1).unwrap();
        assert!(users.contains(user), "{user}");
    }
}

#[test]
fn parquet_round_trip() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let dir = std::env::temp_dir().join(format!("segql-demo-test-{}", std::process::id()));
    let cfg = DemoConfig {
        users: 120,
        days: 20,
        seed: 3,
    };
    let summary = write_parquet(&dir, &cfg, EventLayout::OneFile).unwrap();
    let read = |name: &str| -> Vec<RecordBatch> {
        let file = File::open(dir.join(name)).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let events = read("events.parquet");
    let expected: Vec<_> = event_batches(&cfg, 4096).collect();
    assert_eq!(
        concat_batches(&events_schema(), &events).unwrap(),
        concat_batches(&events_schema(), &expected).unwrap()
    );
    let users = read("users.parquet");
    assert_eq!(
        concat_batches(&users_schema(), &users).unwrap(),
        users_batch(&cfg)
    );
    let accounts = read("accounts.parquet");
    assert_eq!(
        concat_batches(&accounts_schema(), &accounts).unwrap(),
        accounts_batch(&cfg)
    );
    let (known, visits) = rows(&events);
    let distinct_sessions: BTreeSet<_> = known
        .iter()
        .filter_map(|r| r.session.clone())
        .chain(visits.iter().filter_map(|v| v.session.clone()))
        .collect();
    assert_eq!(
        summary,
        DemoSummary {
            users: 120,
            accounts: 6,
            events: (known.len() + visits.len()) as u64,
            sessions: distinct_sessions.len() as u64,
        }
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // Errors name the file.
    let blocker = std::env::temp_dir().join(format!("segql-demo-file-{}", std::process::id()));
    std::fs::write(&blocker, "not a directory").unwrap();
    let err = write_parquet(&blocker.join("sub"), &cfg, EventLayout::OneFile).unwrap_err();
    assert!(err.message().contains("segql-demo-file"), "{err}");
    std::fs::remove_file(&blocker).unwrap();
}

/// Visits before signing up (LANGUAGE.md §10, identity stitching): no user
/// id, the anonymous id of the user who signs up later, sessions of their
/// own, no account, no checkout; the signup session carries both ids, so
/// that every anonymous id is linked to exactly one user, after its visits.
#[test]
fn anonymous_visits_before_signup() {
    let d = data();
    assert!(
        (300..3000).contains(&d.visits.len()),
        "anonymous events: {}",
        d.visits.len()
    );
    let mut linked: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
    for r in &d.events {
        if let Some(anonymous) = &r.anonymous_id {
            let first = linked.entry(anonymous).or_insert((&r.user, r.ts));
            assert_eq!(first.0, r.user, "{anonymous} is linked to one user");
            first.1 = first.1.min(r.ts);
            assert_eq!(*anonymous, format!("anon-{}", &r.user[1..]));
        }
    }
    let signups: BTreeSet<&str> = d
        .events
        .iter()
        .filter(|r| r.name == "signup")
        .map(|r| r.user.as_str())
        .collect();
    assert!(linked.values().all(|(user, _)| signups.contains(user)));
    for v in &d.visits {
        let (_, link) = linked[v.anonymous_id.as_str()];
        assert!(
            v.ts < link,
            "a visit comes before the signup session: {v:?}"
        );
        assert!(v.account.is_none());
        assert!(v.session.as_ref().is_none_or(|s| s.starts_with('v')));
        assert!(!["checkout", "purchase", "login"].contains(&v.name.as_str()));
        assert!(!v.name.starts_with("/checkout"), "{v:?}");
    }
    let visitors: BTreeSet<&str> = d.visits.iter().map(|v| v.anonymous_id.as_str()).collect();
    assert!(visitors.len() > 50, "visitors: {}", visitors.len());
}

use super::*;

mod lifecycle;
use segql_syntax::{Audience, Diagnostic, Program, Severity, codes};

fn parse(src: &str) -> Program {
    segql_syntax::parse(src).unwrap_or_else(|e| panic!("parse failed for {src:?}: {e:?}"))
}

fn check_with(src: &str, library: &Library) -> Vec<Diagnostic> {
    validate(&parse(src), library)
}

fn check(src: &str) -> Vec<Diagnostic> {
    check_with(src, &Library::new())
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

/// Asserts exactly one diagnostic, of `code`, whose primary span covers
/// `spanned` (when given), and returns it.
fn one(src: &str, code: &str, spanned: Option<&str>) -> Diagnostic {
    one_of(src, check(src), code, spanned)
}

/// `one` against a library.
fn one_with(src: &str, library: &Library, code: &str, spanned: Option<&str>) -> Diagnostic {
    one_of(src, check_with(src, library), code, spanned)
}

/// `one` against a library whose definitions `src` replaces (the REPL).
fn one_replacing(src: &str, library: &Library, code: &str, spanned: Option<&str>) -> Diagnostic {
    one_of(src, validate_replacing(&parse(src), library), code, spanned)
}

fn one_of(src: &str, diags: Vec<Diagnostic>, code: &str, spanned: Option<&str>) -> Diagnostic {
    assert_eq!(codes_of(&diags), vec![code], "for {src:?}: {diags:#?}");
    let d = diags.into_iter().next().unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert!(!d.message.is_empty() && !d.message.contains('\n'), "{d:?}");
    assert!(d.label.is_some(), "no label: {d:?}");
    assert!(d.help.is_some(), "no help: {d:?}");
    let span = d.span.expect("a diagnostic of the text has a span");
    if let Some(text) = spanned {
        assert_eq!(&src[span.range()], text, "span of {d:?}");
    }
    for label in &d.labels {
        assert!(label.span.end <= src.len());
    }
    d
}

/// `one` for each `(source, spanned)`.
fn each(code: &str, cases: &[(&str, &str)]) {
    for &(src, spanned) in cases {
        one(src, code, Some(spanned));
    }
}

fn clean(src: &str) {
    let diags = check(src);
    assert!(diags.is_empty(), "for {src:?}: {diags:#?}");
}

fn library(files: &[(&str, &str)]) -> (Library, Vec<(String, Diagnostic)>) {
    let parsed: Vec<(String, Program)> = files
        .iter()
        .map(|(name, src)| (name.to_string(), parse(src)))
        .collect();
    Library::from_files(&parsed)
}

fn clean_library(files: &[(&str, &str)]) -> Library {
    let (lib, diags) = library(files);
    assert!(diags.is_empty(), "{diags:#?}");
    lib
}

// ----- valid programs ---------------------------------------------------

#[test]
fn valid_programs_have_no_diagnostics() {
    clean(
        r#"segment buyers = users who performed event "purchase" at least 2 times within 7 days;
segment big = users who event "purchase" total amount > 100 during last 30 days;
segment accts = accounts who have arr > 100000;
users who in segment buyers and not in segment big;
users who viewed "/cart" then not action "CHECKOUT" within session where country = "BR" in the past week;
users who not (viewed "/a" then action "b") during last 7 days;
users who viewed "/a" then not action "b" then action "c" within 45 minutes;
users who (viewed "/a" and action "b") during last 7 days;
users who have plan = "pro" and viewed "/a" where country = "BR" during last 7 days;
users who (have plan = "pro" or viewed "/a") during last 7 days;
users who action "x" at least 0 times;
users who action "x" at least 2 times within 0 seconds;
users who action "x" at most 3 times during last 1 month;
users who action "x" exactly 0 times;
users who have signup_date in the past 3 months;
users who have signup_date in the past week;
users who event "e" between 2026-01-01 and 2026-01-02;
users in csv "list.csv" by email where plan = "pro";
accounts in csv "vip.csv" by id;
accounts in segment accts where tier = "enterprise";
funnel viewed "/cart" then action "CHECKOUT" within 1 hour compare buyers, big, (users who have plan = "pro") during last 30 days;
funnel viewed "/a" then not error then event "b" for accts;
retention viewed "/a" returning any event every month periods 0 for (accounts who have tier = "smb") during last 3 months;
paths from viewed "/cart" to viewed like "/checkout%" depth 1 top 1 for buyers;
explore events, count(action "x" with amount > 1) by device every 6h for big top 3 during last 2 weeks"#,
    );
}

#[test]
fn examples_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "seg") {
            let src = std::fs::read_to_string(&path).unwrap();
            let diags = check(&src);
            assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        }
    }
}

// ----- names ------------------------------------------------------------

#[test]
fn unknown_segment_everywhere() {
    each(
        codes::UNKNOWN_SEGMENT,
        &[
            ("users who in segment nope", "nope"),
            ("accounts in segment nope", "nope"),
            (r#"funnel viewed "/a" then viewed "/b" for nope"#, "nope"),
            (
                r#"funnel viewed "/a" then viewed "/b" compare (users who in segment nope)"#,
                "nope",
            ),
            (
                r#"retention viewed "/a" returning viewed "/a" for nope"#,
                "nope",
            ),
            ("paths for nope", "nope"),
            ("explore events for nope", "nope"),
        ],
    );
}

#[test]
fn unknown_segment_suggests_a_close_name() {
    let d = one(
        "segment premium_users = users who have plan = \"premium\";\nusers who in segment premium_user",
        codes::UNKNOWN_SEGMENT,
        Some("premium_user"),
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `premium_users`?"));

    let lib = clean_library(&[(
        "lib.seg",
        "segment churned = users who not any event during last 30 days",
    )]);
    let src = "users who in segment churnd";
    let d = one_with(src, &lib, codes::UNKNOWN_SEGMENT, Some("churnd"));
    assert_eq!(d.help.as_deref(), Some("did you mean `churned`?"));

    let d = one(
        "users who in segment zzz",
        codes::UNKNOWN_SEGMENT,
        Some("zzz"),
    );
    assert!(d.help.unwrap().contains("segment zzz = "));
}

#[test]
fn a_definition_is_visible_only_below_it() {
    let src = "users who in segment later;\nsegment later = users who have plan = \"pro\"";
    let d = one(src, codes::UNKNOWN_SEGMENT, Some("later"));
    assert_eq!(d.labels.len(), 1);
    assert_eq!(&src[d.labels[0].span.range()], "later");
    assert!(d.labels[0].span.start > src.find(';').unwrap());
    assert!(d.notes[0].contains("defined later in this file"));
}

#[test]
fn self_reference_is_a_cycle() {
    one(
        "segment a = users who in segment a",
        codes::SEGMENT_CYCLE,
        Some("a"),
    );
}

#[test]
fn duplicate_definition_in_a_program() {
    let src = "segment a = users who have x = 1;\nsegment a = users who have x = 2";
    let d = one(src, codes::DUPLICATE_DEFINITION, Some("a"));
    assert!(d.span.unwrap().start > 10);
    assert_eq!(d.labels.len(), 1);
    assert_eq!(d.labels[0].span.start, "segment ".len());
}

#[test]
fn shadowing_a_library_name_is_a_duplicate() {
    let lib = clean_library(&[("lib/core.seg", "segment a = users who have x = 1")]);
    let src = "segment a = users who have x = 2";
    let d = one_with(src, &lib, codes::DUPLICATE_DEFINITION, Some("a"));
    assert!(d.notes[0].contains("lib/core.seg"), "{d:?}");
    // The REPL replaces instead.
    assert!(validate_replacing(&parse(src), &lib).is_empty());
}

#[test]
fn replacing_redefines_without_errors() {
    let src = "segment a = users who have x = 1;\nsegment a = users who have x = 2;\nusers who in segment a";
    assert!(validate_replacing(&parse(src), &Library::new()).is_empty());
}

#[test]
fn replacing_can_not_close_a_cycle_or_change_an_audience_in_use() {
    // The REPL's library: `b` uses `a`.
    let lib = clean_library(&[(
        "repl",
        "segment a = users who have x = 1; segment b = users who in segment a",
    )]);
    for (src, code, spanned, says) in [
        (
            "segment a = users who in segment b",
            codes::SEGMENT_CYCLE,
            "b",
            "a -> b -> a",
        ),
        (
            "segment a = accounts who have x = 1",
            codes::AUDIENCE_MISMATCH,
            "accounts",
            "`b`",
        ),
    ] {
        let d = one_replacing(src, &lib, code, Some(spanned));
        assert!(d.message.contains(says), "{d:?}");
    }

    let src = "segment a = users who in segment a";
    one_replacing(src, &lib, codes::SEGMENT_CYCLE, Some("a"));

    let src = "segment c = users who have x = 1;\nsegment d = users who in segment c;\nsegment c = accounts who have x = 1";
    let d = one_replacing(src, &Library::new(), codes::AUDIENCE_MISMATCH, None);
    assert_eq!(d.labels.len(), 1);
    assert_eq!(&src[d.labels[0].span.range()], "c");
}

// ----- libraries ----------------------------------------------------------

#[test]
fn library_definitions_see_each_other_in_any_order() {
    let lib = clean_library(&[
        (
            "a.seg",
            "segment a = users who in segment b and in segment c",
        ),
        (
            "b.seg",
            "segment b = users who have x = 1;\nsegment c = users who in segment b",
        ),
    ]);
    assert_eq!(lib.defs.len(), 3);
    assert_eq!(lib.get("c").unwrap().file, "b.seg");
    assert_eq!(lib.get("a").unwrap().audience, Audience::Users);
    assert!(lib.get("zz").is_none());
    clean_with_lib("users who in segment a", &lib);
}

fn clean_with_lib(src: &str, lib: &Library) {
    let diags = check_with(src, lib);
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn library_name_in_two_files() {
    let (lib, diags) = library(&[
        ("one.seg", "segment a = users who have x = 1"),
        (
            "two.seg",
            "segment b = users who have x = 1;\nsegment a = users who have x = 2",
        ),
    ]);
    assert_eq!(lib.defs.len(), 2);
    assert_eq!(lib.get("a").unwrap().file, "one.seg");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (file, d) = &diags[0];
    assert_eq!(file, "two.seg");
    assert_eq!(d.code, codes::DUPLICATE_DEFINITION);
    assert!(
        d.message.contains("one.seg") && d.message.contains("two.seg"),
        "{d:?}"
    );
}

#[test]
fn library_name_twice_in_one_file() {
    let (_, diags) = library(&[(
        "one.seg",
        "segment a = users who have x = 1; segment a = users who have x = 2",
    )]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].1.code, codes::DUPLICATE_DEFINITION);
    assert_eq!(diags[0].1.labels.len(), 1);
}

#[test]
fn library_cycles_name_the_chain() {
    let (_, diags) = library(&[
        ("a.seg", "segment a = users who in segment b"),
        ("b.seg", "segment b = users who have x = 1 and in segment a"),
    ]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let (file, d) = &diags[0];
    assert_eq!(d.code, codes::SEGMENT_CYCLE);
    assert_eq!(file, "b.seg");
    assert!(d.message.contains("a -> b -> a"), "{d:?}");
    assert!(d.notes.iter().any(|n| n.contains("a.seg")), "{d:?}");

    let (_, diags) = library(&[("s.seg", "segment s = users who in segment s")]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].1.code, codes::SEGMENT_CYCLE);
    assert!(diags[0].1.message.contains("s -> s"));

    let (_, diags) = library(&[(
        "c.seg",
        "segment a = users who in segment b; segment b = users who in segment c; \
         segment c = users who in segment a or in segment b",
    )]);
    let cycles: Vec<_> = diags
        .iter()
        .filter(|(_, d)| d.code == codes::SEGMENT_CYCLE)
        .collect();
    assert_eq!(cycles.len(), 2, "{diags:#?}");
    assert!(
        cycles[0].1.message.contains("a -> b -> c -> a")
            || cycles[1].1.message.contains("a -> b -> c -> a")
    );
}

#[test]
fn library_checks_names_audiences_and_structure() {
    let (_, diags) = library(&[
        ("a.seg", "segment a = users who in segment nope"),
        (
            "b.seg",
            "segment b = accounts who have x = 1; segment c = users who in segment b",
        ),
        (
            "c.seg",
            r#"segment d = users who viewed "/a" then viewed "/b" at least 2 times"#,
        ),
    ]);
    let got: Vec<(&str, &str)> = diags.iter().map(|(f, d)| (f.as_str(), d.code)).collect();
    assert_eq!(
        got,
        vec![
            ("a.seg", codes::UNKNOWN_SEGMENT),
            ("b.seg", codes::AUDIENCE_MISMATCH),
            ("c.seg", codes::COUNT_ON_SEQUENCE),
        ]
    );
}

// ----- audiences ------------------------------------------------------------

#[test]
fn audience_mismatch_in_a_segment() {
    let src = "segment accts = accounts who have arr > 1;\nusers who in segment accts";
    let d = one(src, codes::AUDIENCE_MISMATCH, Some("accts"));
    assert!(d.labels.iter().any(|l| &src[l.span.range()] == "users"));

    one(
        "segment u = users who have plan = \"pro\";\naccounts in segment u",
        codes::AUDIENCE_MISMATCH,
        Some("u"),
    );
    let lib = clean_library(&[("l.seg", "segment accts = accounts who have arr > 1")]);
    let src = "users who in segment accts";
    let d = one_with(src, &lib, codes::AUDIENCE_MISMATCH, Some("accts"));
    assert!(d.notes[0].contains("l.seg"));
}

#[test]
fn audience_mismatch_in_an_analysis() {
    let src = "segment u = users who have plan = \"pro\";\nsegment a = accounts who have arr > 1;\n\
               funnel viewed \"/a\" then viewed \"/b\" for u compare a, (accounts who have arr > 2)";
    let d = one(src, codes::AUDIENCE_MISMATCH, Some("a"));
    assert_eq!(d.labels.len(), 1);
    assert_eq!(&src[d.labels[0].span.range()], "u");

    one(
        "funnel viewed \"/a\" then viewed \"/b\" compare (users who have x = 1), (accounts who have y = 2)",
        codes::AUDIENCE_MISMATCH,
        Some("(accounts who have y = 2)"),
    );
    // One audience throughout: fine.
    clean(
        "funnel viewed \"/a\" then viewed \"/b\" for (accounts who have x = 1) compare (accounts who have y = 2)",
    );
}

// ----- behaviors ------------------------------------------------------------

#[test]
fn count_on_sequence() {
    each(
        codes::COUNT_ON_SEQUENCE,
        &[
            (
                r#"users who viewed "/a" then action "b" at least 2 times"#,
                "at least 2 times",
            ),
            (
                r#"users who viewed "/a" then not action "b" exactly 1 time"#,
                "exactly 1 time",
            ),
            (
                r#"users who event "a" then event "b" total amount > 1"#,
                "total amount > 1",
            ),
            // Also inside inline segments of analyses.
            (
                r#"explore events for (users who viewed "/a" then viewed "/b" at least 2 times)"#,
                "at least 2 times",
            ),
        ],
    );
}

#[test]
fn within_with_at_most_or_exactly() {
    each(
        codes::WITHIN_WITH_AT_MOST,
        &[
            (
                r#"users who action "a" at most 2 times within session"#,
                "within session",
            ),
            (
                r#"users who action "a" within 1 hour exactly 2 times"#,
                "within 1 hour",
            ),
        ],
    );
    clean(r#"users who action "a" at least 2 times within 1 hour"#);
}

#[test]
fn aggregate_with_within() {
    each(
        codes::AGGREGATE_WITH_WITHIN,
        &[
            (
                r#"users who event "purchase" total amount > 100 within session"#,
                "within session",
            ),
            (
                r#"users who event "purchase" within 1 day max amount > 100"#,
                "within 1 day",
            ),
        ],
    );
}

#[test]
fn not_before_a_sequence() {
    each(
        codes::NOT_BEFORE_SEQUENCE,
        &[
            (
                r#"users who not viewed "/a" then action "b""#,
                r#"not viewed "/a" then action "b""#,
            ),
            (
                r#"users who have x = 1 and not not viewed "/a" then action "b""#,
                r#"not viewed "/a" then action "b""#,
            ),
            (
                r#"users who not viewed "/a" then action "b" with x = 1 within session during last 7 days"#,
                r#"not viewed "/a" then action "b" with x = 1"#,
            ),
        ],
    );
    clean(r#"users who not (viewed "/a" then action "b")"#);
    clean(r#"users who not viewed "/a""#);
}

#[test]
fn range_that_governs_nothing() {
    each(
        codes::RANGE_GOVERNS_NOTHING,
        &[
            (
                r#"users who have plan = "pro" where country = "BR" during last 7 days"#,
                "during last 7 days",
            ),
            (
                r#"users who viewed "/a" during last 3 days where country = "BR" during last 7 days"#,
                "during last 7 days",
            ),
            (
                r#"users who (have plan = "pro" or have plan = "max") since 2026-01-01"#,
                "since 2026-01-01",
            ),
        ],
    );
    let d = one(
        "segment s = users who viewed \"/a\";\nusers who (in segment s) during last 7 days",
        codes::RANGE_GOVERNS_NOTHING,
        Some("during last 7 days"),
    );
    assert!(d.notes[0].contains("in segment"));
    one(
        r#"users who (viewed "/a" during last 1 day and not (action "b") in the past week) before 2026-01-01"#,
        codes::RANGE_GOVERNS_NOTHING,
        Some("before 2026-01-01"),
    );
    clean(r#"users who (viewed "/a" during last 1 day and not action "b") before 2026-01-01"#);
}

// ----- analyses -------------------------------------------------------------

#[test]
fn funnel_with_one_positive_step() {
    one(
        r#"funnel viewed "/a" then not action "b""#,
        codes::FUNNEL_ONE_STEP,
        Some(r#"viewed "/a" then not action "b""#),
    );
}

#[test]
fn paths_steps_must_be_views() {
    each(
        codes::PATHS_STEP_NOT_VIEW,
        &[
            (r#"paths from action "a""#, r#"action "a""#),
            (r#"paths from viewed "/a" to any event"#, "any event"),
        ],
    );
}

#[test]
fn values_out_of_range() {
    // `depth 0` and `top 0` are reported by the parser, which knows where
    // the clause is; the checks here stay for trees built in code.
    for (src, clause) in [
        (r#"paths from viewed "/a" depth 0"#, "depth 0"),
        ("paths top 0", "top 0"),
        ("explore events by device top 0", "top 0"),
    ] {
        let diags = segql_syntax::parse(src).expect_err(src);
        assert_eq!(codes_of(&diags), vec![codes::VALUE_OUT_OF_RANGE], "{src}");
        assert_eq!(&src[diags[0].span.expect("a span").range()], clause);
    }
    one(
        "explore events every 0 days",
        codes::VALUE_OUT_OF_RANGE,
        Some("0 days"),
    );
}

#[test]
fn result_columns_have_distinct_names() {
    for (src, spanned, label) in [
        ("explore events, events", "events", "written again here"),
        (
            r#"explore events, count(viewed "/a"), users, users"#,
            "users",
            "written again here",
        ),
        ("explore events by name, name", "name", "written again here"),
        (
            "explore events by time every 1 day",
            "time",
            "`time` is already the start of each `every` bucket",
        ),
        (
            "explore events by events",
            "events",
            "`events` is already a measure",
        ),
        (
            r#"funnel viewed "/a" then viewed "/b" by step"#,
            "step",
            "`step` is already a column of every funnel",
        ),
        (
            r#"funnel viewed "/a" then viewed "/b" compare (users who viewed "/a") by segment"#,
            "segment",
            "`segment` is already the compared segment",
        ),
        (
            r#"retention viewed "/a" returning viewed "/b" by cohort"#,
            "cohort",
            "`cohort` is already a column of every retention",
        ),
    ] {
        let d = one(src, codes::DUPLICATE_COLUMN, None);
        let span = d.span.expect("a span");
        assert_eq!(&src[span.range()], spanned, "{src}");
        // The later of the two when both are written.
        assert_eq!(
            span.end,
            src.rfind(spanned).unwrap() + spanned.len(),
            "{src}"
        );
        assert_eq!(d.label.as_deref(), Some(label), "{src}");
    }
    // Names that only look alike, and a `time` without `every`.
    clean("explore events by time");
    clean(r#"explore count(viewed "/a"), count(viewed "/b") by count_3"#);
    clean(r#"funnel viewed "/a" then viewed "/b" by segment"#);
}

// ----- sets and ranges ------------------------------------------------------

#[test]
fn email_on_accounts() {
    each(
        codes::EMAIL_ON_ACCOUNTS,
        &[
            (
                r#"accounts in csv "a.csv" by email"#,
                r#"csv "a.csv" by email"#,
            ),
            (
                r#"accounts who have x = 1 and in csv "a.csv" column "mail" by email"#,
                r#"csv "a.csv" column "mail" by email"#,
            ),
            (
                r#"explore events for (accounts in csv "a.csv" by email)"#,
                r#"csv "a.csv" by email"#,
            ),
        ],
    );
}

#[test]
fn zero_length_ranges() {
    each(
        codes::ZERO_LENGTH_RANGE,
        &[
            (
                r#"users who viewed "/a" during last 0 days"#,
                "during last 0 days",
            ),
            (
                r#"users who viewed "/a" in the past 0 weeks"#,
                "in the past 0 weeks",
            ),
            (
                "users who have signup_date in the past 0 days",
                "signup_date in the past 0 days",
            ),
            (
                r#"users who viewed "/a" with t in the last 0 hours"#,
                "t in the last 0 hours",
            ),
            (
                r#"users who viewed "/a" between 2026-02-01 and 2026-01-01"#,
                "between 2026-02-01 and 2026-01-01",
            ),
            (
                r#"funnel viewed "/a" then viewed "/b" during last 0 days"#,
                "during last 0 days",
            ),
            (r#"paths during past 0 months"#, "during past 0 months"),
        ],
    );
    one(
        r#"users who viewed "/a" between 2026-02-01 and 2026-02-01T00:00:00Z"#,
        codes::ZERO_LENGTH_RANGE,
        None,
    );
}

#[test]
fn months_only_in_ranges() {
    let d = one(
        r#"users who action "a" at least 2 times within 1 month"#,
        codes::MONTH_NOT_ALLOWED,
        Some("1 month"),
    );
    assert!(d.message.contains("30 days"));
    one(
        r#"funnel viewed "/a" then viewed "/b" within 2 months"#,
        codes::MONTH_NOT_ALLOWED,
        Some("2 months"),
    );
    one(
        "explore events every 1 month",
        codes::MONTH_NOT_ALLOWED,
        Some("1 month"),
    );
    clean(r#"users who action "a" during last 2 months"#);
}

#[test]
fn checks_reach_every_step_filter() {
    each(
        codes::ZERO_LENGTH_RANGE,
        &[
            (
                r#"retention viewed "/a" with d in the past 0 days returning any event"#,
                "d in the past 0 days",
            ),
            (
                r#"explore count(action "a" with d in the past 0 days)"#,
                "d in the past 0 days",
            ),
            (
                r#"funnel viewed "/a" then not action "b" with d in the past 0 days then viewed "/c""#,
                "d in the past 0 days",
            ),
            (
                r#"paths from viewed "/a" with d in the past 0 days"#,
                "d in the past 0 days",
            ),
        ],
    );
}

#[test]
fn several_errors_are_all_reported() {
    let diags = check(
        r#"users who in segment nope and viewed "/a" then action "b" at least 2 times during last 0 days;
accounts in csv "x.csv" by email"#,
    );
    assert_eq!(
        codes_of(&diags),
        vec![
            codes::UNKNOWN_SEGMENT,
            codes::COUNT_ON_SEQUENCE,
            codes::ZERO_LENGTH_RANGE,
            codes::EMAIL_ON_ACCOUNTS
        ]
    );
}

// ----- holding ------------------------------------------------------------------

#[test]
fn holding_names_each_column_once_and_not_with_lifecycle_words() {
    clean(r#"users who viewed "/a" then viewed "/b" holding product_id, device within session"#);
    clean(r#"users who viewed "/a" at most 1 time holding product_id during last 7 days"#);
    let src = r#"users who viewed "/a" holding device, product_id, device"#;
    let d = one(src, codes::DUPLICATE_COLUMN, Some("device"));
    assert_eq!(d.span.expect("a span").start, src.rfind("device").unwrap());
    assert_eq!(d.labels.len(), 1, "the first one is shown too: {d:?}");
    // The error points at `holding` and shows the word it meets.
    for behavior in [
        r#"viewed "/a" for the first time holding device"#,
        r#"viewed "/a" holding device for the first time during last 7 days"#,
        r#"stopped viewed "/a" holding device during last 7 days"#,
        r#"restarted action "x" holding device, plan during last 7 days"#,
    ] {
        let src = format!("users who {behavior}");
        let d = one(&src, codes::LIFECYCLE_MODIFIER, None);
        let held = &src[d.span.expect("a span").range()];
        assert!(held.starts_with("holding device"), "{src}: {d:?}");
        assert_eq!(d.labels.len(), 1, "{src}: {d:?}");
    }
}

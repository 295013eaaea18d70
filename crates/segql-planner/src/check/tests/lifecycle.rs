//! `stopped`, `restarted` and `for the first time`: the range that governs
//! them, wherever it was written, and the modifiers they refuse.

use super::*;

#[test]
fn the_governing_range_may_come_from_the_behavior_a_group_or_the_segment() {
    clean(r#"users who stopped action "x" during last 7 days"#);
    clean(r#"users who stopped action "x" since 2026-01-01"#);
    clean(r#"users who restarted action "x" between 2026-01-01 and 2026-02-01"#);
    clean(r#"users who (stopped action "x" or viewed "/a") in the past week"#);
    clean(r#"users who restarted action "x" where plan = "pro" during last 7 days"#);
    // Its own range wins over the group's.
    clean(
        r#"users who (restarted action "x" during last 7 days and viewed "/a") before 2026-01-01"#,
    );
    // The nearest group's range wins over an outer one and the segment's.
    clean(r#"users who ((stopped action "x") since 2026-01-01 and viewed "/a") before 2026-01-01"#);
    // `for the first time` takes any range, or none.
    clean(r#"users who performed action "x" for the first time"#);
    clean(r#"users who action "x" for the first time before 2026-01-01"#);
    clean(r#"users who not action "x" for the first time since 2026-01-01"#);
    clean(r#"users who not stopped action "x" during last 7 days"#);
}

#[test]
fn stopped_needs_a_start_and_restarted_both_ends() {
    each(
        codes::LIFECYCLE_RANGE,
        &[
            (r#"users who stopped action "x""#, r#"stopped action "x""#),
            (
                r#"users who stopped action "x" before 2026-01-01"#,
                r#"stopped action "x""#,
            ),
            (
                r#"users who restarted action "x" since 2026-01-01"#,
                r#"restarted action "x""#,
            ),
            (
                r#"users who (restarted action "x" and viewed "/a") before 2026-01-01"#,
                r#"restarted action "x""#,
            ),
            (
                r#"users who ((stopped action "x") before 2026-01-01 and viewed "/a") in the past week"#,
                r#"stopped action "x""#,
            ),
            (
                r#"users who stopped action "x" where plan = "pro" before 2026-01-01"#,
                r#"stopped action "x""#,
            ),
        ],
    );
}

#[test]
fn the_range_error_names_where_the_range_was_written() {
    let src = r#"users who (stopped action "x" and viewed "/a") before 2026-01-01"#;
    let d = one(src, codes::LIFECYCLE_RANGE, Some(r#"stopped action "x""#));
    assert_eq!(&src[d.labels[0].span.range()], "before 2026-01-01");
    assert!(d.labels[0].message.contains("parentheses"), "{d:?}");
    let src = r#"users who restarted action "x" where plan = "pro" since 2026-01-01"#;
    let d = one(src, codes::LIFECYCLE_RANGE, None);
    assert!(d.labels[0].message.contains("segment-wide"), "{d:?}");
}

#[test]
fn a_range_never_reaches_into_a_referenced_segment() {
    let src = "segment quiet = users who stopped action \"x\";\n\
               users who in segment quiet and viewed \"/a\" during last 7 days";
    let diags = check(src);
    assert_eq!(codes_of(&diags), vec![codes::LIFECYCLE_RANGE], "{diags:#?}");
}

#[test]
fn one_positive_step_and_no_other_modifier() {
    each(
        codes::LIFECYCLE_ON_SEQUENCE,
        &[
            (
                r#"users who stopped action "x" then viewed "/a" during last 7 days"#,
                r#"viewed "/a""#,
            ),
            (
                r#"users who restarted action "x" then not viewed "/a" during last 7 days"#,
                r#"not viewed "/a""#,
            ),
            (
                r#"users who action "x" then viewed "/a" then viewed "/b" for the first time"#,
                r#"viewed "/a" then viewed "/b""#,
            ),
        ],
    );
    each(
        codes::LIFECYCLE_MODIFIER,
        &[
            (
                r#"users who stopped action "x" within session during last 7 days"#,
                "within session",
            ),
            (
                r#"users who action "x" within 1 hour for the first time"#,
                "within 1 hour",
            ),
            (
                r#"users who restarted action "x" at most 2 times during last 7 days"#,
                "at most 2 times",
            ),
            (
                r#"users who action "x" for the first time max amount > 3"#,
                "max amount > 3",
            ),
            (
                r#"users who restarted action "x" holding device during last 7 days"#,
                "holding device",
            ),
            (
                r#"users who restarted action "x" for the first time during last 7 days"#,
                "for the first time",
            ),
        ],
    );
}

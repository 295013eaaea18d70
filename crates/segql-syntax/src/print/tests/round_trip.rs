//! Printing what the parser read and reading the print back: the canonical
//! text, the pretty form and `segql fmt` give the same statements again.

use super::*;

/// (source, canonical text): parse, print, and parse the print again.
const ROUND_TRIPS: &[(&str, &str)] = &[
    (
        r#"USERS WHO Viewed "/cart" THEN NOT Action "CHECKOUT" WITHIN SESSION"#,
        r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
    ),
    (
        r#"users who performed viewed "/a" within 30m at least 3 times during last 7 d"#,
        r#"users who performed viewed "/a" at least 3 times within 30 minutes during last 7 days"#,
    ),
    (
        r#"users  who  have plan="premium" and country = "BR""#,
        r#"users who have plan = "premium" and country = "BR""#,
    ),
    (
        r#"users who viewed "/a" with device = "mobile" and browser = "chrome""#,
        r#"users who viewed "/a" with device = "mobile" and browser = "chrome""#,
    ),
    (
        r#"users who viewed "/a" with device = "mobile" and action "b""#,
        r#"users who viewed "/a" with device = "mobile" and action "b""#,
    ),
    (
        r#"users who ( viewed "/a" and action "b" ) during last 7 days"#,
        r#"users who (viewed "/a" and action "b") during last 7 days"#,
    ),
    (
        r#"users who viewed "/a" and action "b" during past 2 weeks"#,
        r#"users who viewed "/a" and action "b" during past 2 weeks"#,
    ),
    (
        r#"users who not (viewed "/a" then viewed "/b") or in segment premium"#,
        r#"users who not (viewed "/a" then viewed "/b") or in segment premium"#,
    ),
    (
        r#"users who in csv "f.csv" column "c" by email and error"#,
        r#"users who in csv "f.csv" column "c" by email and error"#,
    ),
    (
        r#"users who error "boom" in the past week"#,
        r#"users who error "boom" in the past week"#,
    ),
    (
        r#"users who clicked like "buy%" exactly 1 times in the last month"#,
        r#"users who clicked like "buy%" exactly 1 time in the last month"#,
    ),
    (
        r#"users who performed event "purchase" total amount > 100 during last 30 days"#,
        r#"users who performed event "purchase" total amount > 100 during last 30 days"#,
    ),
    (
        r#"users who any event since 2026-01-01"#,
        r#"users who any event since 2026-01-01"#,
    ),
    (
        r#"users who viewed "/a" between 2026-01-01 and 2026-02-01T10:00:00Z"#,
        r#"users who viewed "/a" between 2026-01-01 and 2026-02-01T10:00:00Z"#,
    ),
    (
        r#"users who viewed "/a" where country = "BR" and not (plan in ("a","b") or plan is null) during last 7 days"#,
        r#"users who viewed "/a" where country = "BR" and not (plan in ("a", "b") or plan is null) during last 7 days"#,
    ),
    (
        r#"accounts in csv "accts.csv" by id where arr >= 1e6"#,
        r#"accounts in csv "accts.csv" by id where arr >= 1e6"#,
    ),
    (
        r#"users who have `@usr.id` not like "x%" and `geo.country` = "BR" and geo.city contains "Rio""#,
        r#"users who have `@usr.id` not like "x%" and `geo.country` = "BR" and geo.city contains "Rio""#,
    ),
    (
        r#"users who have age between 18 and 30.5 and signup in the past 7 days and `where` != null"#,
        r#"users who have age between 18 and 30.5 and signup in the past 7 days and `where` != null"#,
    ),
    (
        r#"users who have `odd``name` = 1 and `AND` = 2 and `plain` = true or d < 2026-01-01"#,
        r#"users who have `odd``name` = 1 and `AND` = 2 and `plain` = true or d < 2026-01-01"#,
    ),
    (
        r#"users who have name = "a\"b\\c\nd\te" and x in (1, "a", false, null, 2026-01-01)"#,
        r#"users who have name = "a\"b\\c\nd\te" and x in (1, "a", false, null, 2026-01-01)"#,
    ),
    (
        r#"segment buyers = users who action "buy" within 1 h at most 2 times"#,
        r#"segment buyers = users who action "buy" at most 2 times within 1 hour"#,
    ),
    (
        r#"segment users = accounts who viewed "/a" at least 2 times within 0s"#,
        r#"segment users = accounts who viewed "/a" at least 2 times within 0 seconds"#,
    ),
    (
        r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#,
        r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#,
    ),
    (
        r#"funnel viewed "/a" then viewed "/b" for users by top"#,
        r#"funnel viewed "/a" then viewed "/b" for users by top"#,
    ),
    (
        r#"retention action "signup" returning any event every week periods 8 for x by device since 2026-01-01"#,
        r#"retention action "signup" returning any event every week periods 8 for x by device since 2026-01-01"#,
    ),
    (
        r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 for x during last 1 month"#,
        r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 for x during last 1 month"#,
    ),
    ("PATHS", "paths"),
    (
        r#"explore users, events, count(viewed "/cart") by device, country every 1 d for x top 5 during last 7 days"#,
        r#"explore users, events, count(viewed "/cart") by device, country every 1 day for x top 5 during last 7 days"#,
    ),
    ("explore sessions every day", "explore sessions every 1 day"),
    (
        r#"users who ((viewed "/a") during last 1 day) since 2026-01-01 and not not viewed "/b""#,
        r#"users who ((viewed "/a") during last 1 day) since 2026-01-01 and not not viewed "/b""#,
    ),
    (
        r#"users who viewed "/a" with (a = 1 or b = 2) and c = 3 then viewed "/b" with at = 4 at least 2 times"#,
        r#"users who viewed "/a" with (a = 1 or b = 2) and c = 3 then viewed "/b" with at = 4 at least 2 times"#,
    ),
    (
        r#"users who have during = 1 and since = 2 and last in the last week"#,
        r#"users who have during = 1 and since = 2 and last in the last week"#,
    ),
];

fn parse_one(source: &str) -> Statement {
    let program = crate::parse(source)
        .unwrap_or_else(|errors| panic!("{source:?} does not parse: {errors:?}"));
    assert_eq!(program.statements.len(), 1, "{source:?}");
    program.statements.into_iter().next().unwrap()
}

#[test]
fn printer_round_trips_through_the_parser() {
    for (source, canonical) in ROUND_TRIPS {
        let tree = parse_one(source);
        assert_eq!(tree.to_string(), *canonical, "printing {source:?}");
        assert_eq!(parse_one(canonical), tree, "re-parsing {canonical:?}");
        let pretty = format!("{tree:#}");
        assert_eq!(parse_one(&pretty), tree, "re-parsing {pretty:?}");
        // The canonical text is a fixed point.
        assert_eq!(parse_one(canonical).to_string(), *canonical);
    }
}

#[test]
fn pretty_round_trips_a_long_condition() {
    let source = r#"segment engaged = users who viewed "/product/very/long/path" then not action "CHECKOUT" within session and have plan = "premium" or (error "boom" and any event) during last 7 days where country = "BR" since 2026-01-01"#;
    let tree = parse_one(source);
    let pretty = format!("{tree:#}");
    assert_eq!(
        pretty,
        r#"segment engaged = users who viewed "/product/very/long/path"
    then not action "CHECKOUT" within session
    and have plan = "premium"
    or (error "boom" and any event) during last 7 days
    where country = "BR"
    since 2026-01-01"#
    );
    assert_eq!(parse_one(&pretty), tree);
}

fn fmt_source(source: &str) -> String {
    let program = crate::parse(source)
        .unwrap_or_else(|errors| panic!("{source:?} does not parse: {errors:?}"));
    let formatted = format_program(&program, source);
    let again = crate::parse(&formatted)
        .unwrap_or_else(|errors| panic!("{formatted:?} does not parse: {errors:?}"));
    assert_eq!(again.statements, program.statements, "{formatted}");
    assert_eq!(again.comments.len(), program.comments.len(), "{formatted}");
    assert_eq!(
        format_program(&again, &formatted),
        formatted,
        "fmt is not idempotent"
    );
    formatted
}

#[test]
fn format_program_from_source() {
    let source = r#"# Segments for the shop   
-- second header line


# buyers
segment buyers = users who   action "buy"   -- inside
   within 1h ;   # after the semicolon
segment browsers = users who viewed like "/product/%" # inside too
   at least 3 times during last 7 d;

users who (in segment buyers # inside 2
  or in segment browsers) and not error;
funnel viewed "/cart" then action "CHECKOUT" within 1 day for buyers compare browsers, (users who have plan = "premium") by device during last 7 days; # long one
# before last
explore users by device # trailing without semicolon

# end 1
# end 2


-- end 3
"#;
    let expected = r#"# Segments for the shop
-- second header line

# buyers
-- inside
segment buyers = users who action "buy" within 1 hour; # after the semicolon
# inside too
segment browsers = users who viewed like "/product/%" at least 3 times during last 7 days;

# inside 2
users who (in segment buyers or in segment browsers) and not error;
funnel viewed "/cart"
    then action "CHECKOUT"
    within 1 day
    for buyers
    compare browsers, (users who have plan = "premium")
    by device
    during last 7 days; # long one
# before last
explore users by device; # trailing without semicolon

# end 1
# end 2

-- end 3
"#;
    assert_eq!(fmt_source(source), expected);
}

#[test]
fn format_program_small_sources() {
    let cases = [
        ("", ""),
        ("\n\n  \n", ""),
        ("# only a comment", "# only a comment\n"),
        (r#"users who viewed "/a""#, "users who viewed \"/a\";\n"),
        (
            "users who viewed \"/a\"; users who viewed \"/b\" # x\n;users who viewed \"/c\"\n# y\n;\n\n# z\nusers who viewed \"/d\"",
            "users who viewed \"/a\";\nusers who viewed \"/b\"; # x\nusers who viewed \"/c\";\n# y\n\n# z\nusers who viewed \"/d\";\n",
        ),
        (
            "users who\n# own line inside\n  viewed \"/a\" and viewed \"/b\" # end\n\n\n",
            "# own line inside\nusers who viewed \"/a\" and viewed \"/b\"; # end\n",
        ),
        (
            "paths;\n\n\n\npaths;\r\npaths -- crlf\r\n",
            "paths;\n\npaths;\npaths; -- crlf\n",
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(fmt_source(source), expected, "formatting {source:?}");
    }
}

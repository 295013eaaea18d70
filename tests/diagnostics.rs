//! The diagnostics an analyst sees for the mistakes analysts really make.
//!
//! Each case is one invalid text, the code of the first diagnostic it must
//! give, and a snapshot of that diagnostic rendered as plain text (what
//! `segql check --error-format plain` prints), so that a change of wording,
//! caret or hint shows up in review. Codes are asserted, wording is
//! snapshot: tests match codes, people read the text.

use crate::support::{render_plain, segql_bin};
use segql::{Diagnostic, Library, codes};
use std::io::Write;
use std::process::{Command, Stdio};

/// `(name, source, expected code of the first diagnostic)`.
const CASES: &[(&str, &str, &str)] = &[
    // ----- misspelled keywords ---------------------------------------------
    ("viewed_misspelled", r#"users who viewd "/cart""#, codes::UNKNOWN_KEYWORD),
    ("users_misspelled", r#"usres who viewed "/cart""#, codes::UNKNOWN_KEYWORD),
    ("action_misspelled", r#"users who acction "CHECKOUT""#, codes::UNKNOWN_KEYWORD),
    ("in_segment_misspelled", "users who in segmnt big_spenders", codes::UNKNOWN_KEYWORD),
    ("unit_misspelled", r#"users who viewed "/cart" during last 7 dayz"#, codes::UNKNOWN_KEYWORD),
    ("within_unit_abbreviated", r#"users who viewed "/cart" then action "CHECKOUT" within 30 mins"#, codes::UNKNOWN_KEYWORD),
    ("explore_measure_misspelled", "explore evnts by country", codes::UNKNOWN_KEYWORD),
    ("retention_every_year", r#"retention viewed "/home" returning viewed "/home" every year"#, codes::SYNTAX),
    // ----- strings -----------------------------------------------------------
    ("path_without_quotes", "users who viewed /cart", codes::SYNTAX),
    ("single_quotes", "users who viewed '/cart'", codes::SYNTAX),
    ("curly_quotes", "users who viewed \u{201c}/cart\u{201d}", codes::SYNTAX),
    ("value_without_quotes", "users who have plan = premium", codes::SYNTAX),
    ("unterminated_string", r#"users who viewed "/cart"#, codes::UNTERMINATED_STRING),
    ("unterminated_string_before_next_line", "users who viewed \"/cart and action \"CHECKOUT\";\nusers who viewed \"/home\"", codes::UNTERMINATED_STRING),
    ("bad_escape", r#"users who viewed "C:\Users\cart""#, codes::INVALID_ESCAPE),
    ("unclosed_back_quote", "users who have `plan = \"pro\"", codes::UNTERMINATED_IDENTIFIER),
    // ----- operators and values ----------------------------------------------
    ("double_equals", r#"users who have plan == "pro""#, codes::SYNTAX),
    ("sql_not_equals", r#"users who have plan <> "free""#, codes::SYNTAX),
    ("is_instead_of_equals", r#"users who have plan is "pro""#, codes::SYNTAX),
    ("in_list_without_parentheses", r#"users who have country in "BR", "AR""#, codes::SYNTAX),
    ("number_too_large", r#"users who action "export" at least 99999999999999999999 times"#, codes::INVALID_NUMBER),
    // ----- dates and ranges ----------------------------------------------------
    ("impossible_date", r#"users who viewed "/cart" since 2026-02-30"#, codes::INVALID_DATE),
    ("month_thirteen", r#"users who have signup_date > 2026-13-01"#, codes::INVALID_DATE),
    ("timestamp_without_z", r#"users who viewed "/cart" since 2026-01-31T10:00:00"#, codes::INVALID_DATE),
    ("us_date_format", r#"users who viewed "/cart" since 01/31/2026"#, codes::SYNTAX),
    ("zero_length_last", r#"users who viewed "/cart" during last 0 days"#, codes::ZERO_LENGTH_RANGE),
    ("reversed_between", r#"users who viewed "/cart" between 2026-02-01 and 2026-01-01"#, codes::ZERO_LENGTH_RANGE),
    ("during_without_last", r#"users who viewed "/cart" during 7 days"#, codes::SYNTAX),
    ("in_last_without_the", r#"users who viewed "/cart" in last 7 days"#, codes::SYNTAX),
    ("range_without_unit", r#"users who viewed "/cart" during last 7"#, codes::SYNTAX),
    ("two_ranges", r#"users who viewed "/cart" during last 7 days since 2026-01-01"#, codes::SYNTAX),
    ("within_a_month", r#"users who action "export" at least 2 times within 1 month"#, codes::MONTH_NOT_ALLOWED),
    ("range_governs_nothing", r#"users who have plan = "pro" where country = "BR" during last 7 days"#, codes::RANGE_GOVERNS_NOTHING),
    ("range_after_profile_test", r#"users who have plan = "pro" during last 7 days"#, codes::RANGE_GOVERNS_NOTHING),
    // ----- words and structure ---------------------------------------------------
    ("reserved_word_as_column", r#"users who viewed "/cart" with event = 1"#, codes::RESERVED_WORD),
    ("reserved_word_after_and", r#"users who viewed "/cart" with device = "mobile" and event = "x""#, codes::RESERVED_WORD),
    ("reserved_word_as_segment_name", r#"segment event = users who viewed "/cart""#, codes::RESERVED_WORD),
    ("missing_semicolon", "segment carts = users who viewed \"/cart\"\nusers who in segment carts", codes::MISSING_SEMICOLON),
    ("missing_close_paren", r#"users who (viewed "/cart" or viewed "/checkout" during last 7 days"#, codes::SYNTAX),
    ("trailing_and", r#"users who viewed "/cart" and"#, codes::SYNTAX),
    ("users_who_nothing", "users who", codes::SYNTAX),
    ("where_without_who", r#"users where country = "BR""#, codes::SYNTAX),
    ("definition_without_name", r#"segment = users who viewed "/cart""#, codes::SYNTAX),
    ("definition_without_equals", r#"segment carts users who viewed "/cart""#, codes::SYNTAX),
    ("then_at_the_end", r#"users who viewed "/cart" then"#, codes::SYNTAX),
    ("count_without_times", r#"users who action "export" at least 3"#, codes::SYNTAX),
    ("more_than_count", r#"users who action "export" more than 3 times"#, codes::SYNTAX),
    // ----- language rules ---------------------------------------------------------
    ("not_before_sequence", r#"users who not viewed "/cart" then action "CHECKOUT""#, codes::NOT_BEFORE_SEQUENCE),
    ("count_on_sequence", r#"users who viewed "/cart" then action "CHECKOUT" at least 2 times"#, codes::COUNT_ON_SEQUENCE),
    ("within_with_at_most", r#"users who action "export" at most 2 times within session"#, codes::WITHIN_WITH_AT_MOST),
    ("aggregate_with_within", r#"users who performed event "purchase" total amount > 100 within 1 day"#, codes::AGGREGATE_WITH_WITHIN),
    // ----- names --------------------------------------------------------------------
    ("unknown_segment", "segment big_accounts = accounts who have arr > 100000;\naccounts who in segment big_acounts", codes::UNKNOWN_SEGMENT),
    ("segment_defined_later", "users who in segment carts;\nsegment carts = users who viewed \"/cart\"", codes::UNKNOWN_SEGMENT),
    ("duplicate_definition", "segment pro = users who have plan = \"pro\";\nsegment pro = users who have plan = \"max\"", codes::DUPLICATE_DEFINITION),
    ("audience_mismatch", "segment big_accounts = accounts who have arr > 100000;\nusers who in segment big_accounts", codes::AUDIENCE_MISMATCH),
    ("email_on_accounts", r#"accounts in csv "owners.csv" by email"#, codes::EMAIL_ON_ACCOUNTS),
    ("csv_path_without_quotes", "users in csv crm_list.csv", codes::SYNTAX),
    // ----- analyses -------------------------------------------------------------------
    ("funnel_one_step", r#"funnel viewed "/cart""#, codes::FUNNEL_ONE_STEP),
    ("funnel_missing_then", r#"funnel viewed "/cart" action "CHECKOUT""#, codes::SYNTAX),
    ("funnel_one_positive_step", r#"funnel viewed "/cart" then not action "CHECKOUT""#, codes::FUNNEL_ONE_STEP),
    ("funnel_starts_negated", r#"funnel not viewed "/home" then viewed "/cart""#, codes::SYNTAX),
    ("paths_from_action", r#"paths from action "x""#, codes::PATHS_STEP_NOT_VIEW),
    ("paths_depth_zero", r#"paths from viewed "/home" depth 0"#, codes::VALUE_OUT_OF_RANGE),
    ("clause_out_of_order", "funnel viewed \"/cart\" then action \"CHECKOUT\" by country for big_spenders", codes::CLAUSE_ORDER),
    ("retention_without_returning", r#"retention viewed "/home" every week"#, codes::SYNTAX),
    ("explore_every_zero", "explore events every 0 days", codes::VALUE_OUT_OF_RANGE),
];

/// How many parentheses or `not`s the nesting cases stack up.
const DEEP: usize = 10_000;

/// Every case, with the two generated nesting ones at the end.
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let mut cases: Vec<_> = CASES.iter().map(|&(name, source, code)| (name, source.to_string(), code)).collect();
    cases.push((
        "nesting_parentheses",
        format!("users who {}viewed \"/cart\"{}", "(".repeat(DEEP), ")".repeat(DEEP)),
        codes::TOO_DEEP,
    ));
    cases.push(("nesting_nots", format!("users who {}viewed \"/cart\"", "not ".repeat(DEEP)), codes::TOO_DEEP));
    cases
}

/// Parses, and validates what parses, against an empty segment library.
fn diagnose(source: &str) -> Vec<Diagnostic> {
    match segql::parse(source) {
        Ok(program) => segql::validate(&program, &Library::new()),
        Err(diagnostics) => diagnostics,
    }
}

#[test]
fn there_are_enough_cases_with_distinct_names() {
    let cases = cases();
    assert!(cases.len() >= 45, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
}

#[test]
fn each_case_reports_its_code_at_a_place() {
    let mut wrong = Vec::new();
    for (name, source, code) in CASES {
        let diagnostics = diagnose(source);
        let Some(first) = diagnostics.first() else {
            wrong.push(format!("{name}: no diagnostic"));
            continue;
        };
        if first.code != *code {
            wrong.push(format!("{name}: expected `{code}`, got `{}`: {}", first.code, first.message));
        }
        match first.span {
            None => wrong.push(format!("{name}: no span")),
            Some(span) if span.end > source.len() || span.start > span.end => {
                wrong.push(format!("{name}: span {span:?} outside the text"))
            }
            Some(_) => {}
        }
        if !first.is_error() {
            wrong.push(format!("{name}: not an error"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_case_renders_as_snapshot() {
    for (name, source, _) in CASES {
        let diagnostics = diagnose(source);
        let rendered = render_plain(source, &diagnostics[..1.min(diagnostics.len())]);
        insta::assert_snapshot!(*name, rendered, source);
    }
}

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
#[rustfmt::skip]
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
    ("double_semicolon", "users who viewed \"/cart\";;\nusers who viewed \"/home\"", codes::SYNTAX),
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
    ("holding_a_column_twice", r#"users who viewed like "/product/%" at least 2 times holding product_id, device, product_id"#, codes::DUPLICATE_COLUMN),
    ("holding_for_the_first_time", r#"users who viewed "/pricing" for the first time holding device during last 7 days"#, codes::LIFECYCLE_MODIFIER),
    ("holding_with_stopped", r#"users who stopped action "export_report" holding device during last 30 days"#, codes::LIFECYCLE_MODIFIER),
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
    ("explore_by_time_every_day", "explore events by time every 1 day", codes::DUPLICATE_COLUMN),
    ("explore_measure_twice", "explore users, events, users by device", codes::DUPLICATE_COLUMN),
    ("funnel_then_misspelled", r#"funnel viewed "/cart" thne action "CHECKOUT""#, codes::UNKNOWN_KEYWORD),
    ("funnel_audience_mismatch", "funnel viewed \"/cart\" then action \"CHECKOUT\"\n    compare (users who have plan = \"pro\"), (accounts who have arr > 100000)", codes::AUDIENCE_MISMATCH),
    // ----- more slips --------------------------------------------------------------------
    ("unknown_behavior_word", r#"users who visited "/cart""#, codes::UNKNOWN_KEYWORD),
    ("have_without_who", r#"users have plan = "pro""#, codes::SYNTAX),
    ("extra_close_paren", r#"users who viewed "/cart" or viewed "/checkout")"#, codes::SYNTAX),
    ("with_after_count", r#"users who action "export" at least 2 times with format = "csv""#, codes::SYNTAX),
    ("range_after_in_segment", "segment carts = users who viewed \"/cart\";\nusers in segment carts during last 7 days", codes::RANGE_GOVERNS_NOTHING),
    ("timestamp_with_short_offset", r#"users who viewed "/cart" since 2026-01-31T10:00:00+2"#, codes::INVALID_DATE),
    ("list_missing_comma", r#"users who have country in ("BR" "AR")"#, codes::SYNTAX),
    ("missing_and", r#"users who viewed "/cart" action "CHECKOUT""#, codes::SYNTAX),
    ("within_after_range", r#"users who action "export" during last 30 days at least 2 times"#, codes::SYNTAX),
    ("thousands_separator", "accounts who have arr > 100,000", codes::INVALID_NUMBER),
    ("column_without_comparison", "users who have plan and viewed \"/pricing\"", codes::SYNTAX),
    ("unit_glued_to_number", r#"users who viewed "/cart" then action "CHECKOUT" within 30mins"#, codes::UNKNOWN_KEYWORD),
    // ----- stopped, restarted, for the first time (§11) -------------------------------------
    ("stopped_without_range", r#"users who stopped event "purchase""#, codes::LIFECYCLE_RANGE),
    ("stopped_before_a_date", r#"users who stopped event "purchase" before 2026-03-01"#, codes::LIFECYCLE_RANGE),
    ("stopped_under_a_segment_range_without_start", r#"users who stopped event "purchase" where plan = "pro" before 2026-03-01"#, codes::LIFECYCLE_RANGE),
    ("restarted_without_range", r#"users who restarted viewed "/cart""#, codes::LIFECYCLE_RANGE),
    ("restarted_since_a_date", r#"users who restarted viewed "/cart" since 2026-03-01"#, codes::LIFECYCLE_RANGE),
    ("restarted_under_a_group_range_without_end", r#"users who (restarted viewed "/cart" and viewed "/home") since 2026-03-01"#, codes::LIFECYCLE_RANGE),
    ("stopped_on_a_sequence", r#"users who stopped viewed "/cart" then action "CHECKOUT" during last 30 days"#, codes::LIFECYCLE_ON_SEQUENCE),
    ("first_time_on_a_sequence", r#"users who viewed "/cart" then action "CHECKOUT" for the first time during last 7 days"#, codes::LIFECYCLE_ON_SEQUENCE),
    ("restarted_within_session", r#"users who restarted action "CHECKOUT" within session during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    ("first_time_within_a_duration", r#"users who action "CHECKOUT" for the first time within 1 hour during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    ("stopped_with_a_count", r#"users who stopped event "purchase" at least 2 times during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    ("first_time_with_a_count", r#"users who performed event "purchase" exactly 1 time for the first time during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    ("first_time_with_an_aggregate", r#"users who performed event "purchase" total amount > 100 for the first time since 2026-03-01"#, codes::LIFECYCLE_MODIFIER),
    ("stopped_holding", r#"users who stopped viewed like "/product/%" holding product_id during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    ("stopped_for_the_first_time", r#"users who stopped event "purchase" for the first time during last 30 days"#, codes::LIFECYCLE_MODIFIER),
    // ----- funnel order modes, holding, every (§12) ----------------------------------------
    ("strict_order_with_a_negated_step", r#"funnel viewed "/cart" then not action "CHECKOUT" then viewed "/cart" in strict order"#, codes::ORDER_WITH_NEGATION),
    ("any_order_with_a_negated_step", r#"funnel viewed "/cart" then action "CHECKOUT" then not event "purchase" within session in any order"#, codes::ORDER_WITH_NEGATION),
    ("funnel_order_misspelled", r#"funnel viewed "/cart" then action "CHECKOUT" in strcit order"#, codes::SYNTAX),
    ("funnel_order_without_order", r#"funnel viewed "/cart" then action "CHECKOUT" in any by device"#, codes::SYNTAX),
    ("funnel_order_after_for", "segment pro = users who have plan = \"pro\";\nfunnel viewed \"/cart\" then action \"CHECKOUT\" for pro in strict order", codes::CLAUSE_ORDER),
    ("funnel_holding_a_column_twice", r#"funnel viewed like "/product/%" then action "add_to_cart" holding product_id, product_id"#, codes::DUPLICATE_COLUMN),
    ("funnel_every_quarter", r#"funnel viewed "/cart" then action "CHECKOUT" every quarter"#, codes::SYNTAX),
    ("funnel_by_period_with_every", r#"funnel viewed "/cart" then action "CHECKOUT" every week by period"#, codes::DUPLICATE_COLUMN),
];

/// How many parentheses or `not`s the nesting cases stack up.
const DEEP: usize = 10_000;

/// Every case, with the two generated nesting ones at the end.
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let mut cases: Vec<_> = CASES
        .iter()
        .map(|&(name, source, code)| (name, source.to_string(), code))
        .collect();
    cases.push((
        "nesting_parentheses",
        format!(
            "users who {}viewed \"/cart\"{}",
            "(".repeat(DEEP),
            ")".repeat(DEEP)
        ),
        codes::TOO_DEEP,
    ));
    cases.push((
        "nesting_nots",
        format!("users who {}viewed \"/cart\"", "not ".repeat(DEEP)),
        codes::TOO_DEEP,
    ));
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
            wrong.push(format!(
                "{name}: expected `{code}`, got `{}`: {}",
                first.code, first.message
            ));
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

/// Runs `f` on a thread with the 2 MiB stack a test thread gets by default,
/// whatever `RUST_MIN_STACK` says, so that the depth limit is proven to fit.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("a thread")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    let deep: Vec<(&str, String)> = vec![
        (
            "parentheses",
            format!(
                "users who {}viewed \"/cart\"{}",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "nots",
            format!("users who {}viewed \"/cart\"", "not ".repeat(DEEP)),
        ),
        (
            "parentheses in a filter",
            format!(
                "users who viewed \"/cart\" with {}device = \"mobile\"{}",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "nots in a filter",
            format!(
                "users who viewed \"/cart\" where {}country = \"BR\"",
                "not ".repeat(DEEP)
            ),
        ),
        (
            "mixed",
            format!(
                "users who {}viewed \"/cart\"{}",
                "not (".repeat(DEEP / 2),
                ")".repeat(DEEP / 2)
            ),
        ),
        (
            "an inline segment",
            format!(
                "explore events for (users who {}viewed \"/cart\"{})",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
    ];
    on_small_stack(move || {
        for (what, source) in deep {
            let diagnostics = diagnose(&source);
            assert_eq!(diagnostics.len(), 1, "{what}: {diagnostics:#?}");
            let d = &diagnostics[0];
            assert_eq!(d.code, codes::TOO_DEEP, "{what}: {d:#?}");
            let span = d.span.expect("a span");
            assert!(span.end <= source.len(), "{what}");
            // The error is at the first level too many, not at the end.
            assert!(
                span.start <= 10 + 5 * (segql::syntax::MAX_DEPTH + 2) + 40,
                "{what}: {span:?}"
            );
            // Just below the limit, the same shapes parse, validate and print.
            let _ = segql::parse_lenient(&source);
        }
        let depth = segql::syntax::MAX_DEPTH - 1;
        let ok = format!(
            "users who {}viewed \"/cart\"{}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let program = segql::parse(&ok).expect("nesting below the limit parses");
        assert!(segql::validate(&program, &Library::new()).is_empty());
        let printed = segql::format_program(&program, &ok);
        assert_eq!(
            segql::parse(&printed).expect("the printed text parses"),
            program
        );
    });
}

#[test]
fn deep_nesting_cases_render_briefly() {
    for (name, source, _) in cases().into_iter().filter(|c| c.2 == codes::TOO_DEEP) {
        let rendered = on_small_stack(move || {
            let diagnostics = diagnose(&source);
            render_plain(&source, &diagnostics)
        });
        // A 20,000-character line is not shown whole.
        assert!(
            rendered.len() < 2_000,
            "{name}: {} characters",
            rendered.len()
        );
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn the_parser_resumes_after_each_semicolon() {
    let source = "\
users who viewd \"/cart\";
segment carts = users who viewed \"/cart\";
users who have plan == \"pro\";
users who in segment carts and action \"CHECKOUT\";
funnel viewed \"/cart\" then;
explore events by country";
    let (program, diagnostics) = segql::parse_lenient(source);
    let found: Vec<(&str, usize)> = diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                segql::syntax::line_col(source, d.span.expect("a span").start).0,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (codes::UNKNOWN_KEYWORD, 1),
            (codes::SYNTAX, 3),
            (codes::SYNTAX, 5)
        ],
        "{diagnostics:#?}"
    );
    // The good statements between the bad ones are all there, in order.
    let printed: Vec<String> = program.statements.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        vec![
            "segment carts = users who viewed \"/cart\"",
            "users who in segment carts and action \"CHECKOUT\"",
            "explore events by country",
        ]
    );
    // `parse` reports the same diagnostics.
    assert_eq!(segql::parse(source).expect_err("three errors"), diagnostics);
}

#[test]
fn a_bad_string_does_not_swallow_the_next_statements() {
    // The unclosed string ends at the line's end; the statement after the
    // next `;` is still read.
    let source = "users who viewed \"/cart;\nusers who viewd \"/home\";\nusers who viewed \"/ok\"";
    let (program, diagnostics) = segql::parse_lenient(source);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        vec![codes::UNTERMINATED_STRING, codes::UNKNOWN_KEYWORD],
        "{diagnostics:#?}"
    );
    assert_eq!(program.statements.len(), 1);
    assert_eq!(
        program.statements[0].to_string(),
        "users who viewed \"/ok\""
    );
}

/// Runs `segql` with `args`, `stdin` as its standard input.
fn segql_with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(segql_bin())
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("segql runs");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_string();
    // Write from another thread: a large input must not block on a full
    // pipe while segql waits to be read.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let output = child.wait_with_output().expect("segql ends");
    writer.join().expect("stdin written");
    output
}

#[test]
fn check_prints_json_diagnostics_one_per_line() {
    let source = "users who viewd \"/cart\";\nsegment pro = users who have plan = \"pro\";\n  users who have plan <> \"free\";\nusers who in segment pr";
    let output = segql_with_stdin(&["check", "--error-format", "json", "-"], source);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    // Syntax errors hide validation: the unknown `pr` is not reported yet.
    assert_eq!(lines.len(), 2, "{stderr}");
    for line in &lines {
        assert_eq!(line["file"], "<stdin>");
        assert_eq!(line["severity"], "error");
        assert!(line["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(lines[0]["code"], codes::UNKNOWN_KEYWORD);
    assert_eq!(lines[0]["range"]["start_line"], 1);
    assert_eq!(lines[0]["range"]["start_column"], 11);
    assert_eq!(lines[0]["range"]["end_column"], 16);
    assert_eq!(lines[0]["help"], "did you mean `viewed`?");
    assert_eq!(lines[1]["code"], codes::SYNTAX);
    assert_eq!(lines[1]["range"]["start_line"], 3);
    assert_eq!(lines[1]["range"]["start_column"], 23);

    // Once the syntax is right, validation reports with the same shape.
    let fixed = source.replace("viewd", "viewed").replace("<>", "!=");
    let output = segql_with_stdin(&["check", "--error-format", "json", "-"], &fixed);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["code"], codes::UNKNOWN_SEGMENT);
    assert_eq!(lines[0]["range"]["start_line"], 4);
    assert_eq!(lines[0]["range"]["start_column"], 22);
    assert_eq!(lines[0]["help"], "did you mean `pro`?");
}

#[test]
fn check_exits_2_with_the_diagnostic_for_every_case() {
    let mut wrong = Vec::new();
    for (name, source, code) in cases() {
        let output = segql_with_stdin(&["check", "--error-format", "plain", "-"], &source);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(2) {
            wrong.push(format!(
                "{name}: exit status {:?}\n{stderr}",
                output.status.code()
            ));
        }
        if !output.stdout.is_empty() {
            wrong.push(format!("{name}: wrote to stdout"));
        }
        if !stderr.starts_with(&format!("error[{code}]: ")) {
            wrong.push(format!(
                "{name}: stderr does not start with error[{code}]:\n{stderr}"
            ));
        }
        for bad in [
            "panicked",
            "RUST_BACKTRACE",
            "stack backtrace",
            "overflow",
            "internal-error",
        ] {
            if stderr.contains(bad) {
                wrong.push(format!("{name}: stderr mentions `{bad}`:\n{stderr}"));
            }
        }
        if !stderr.contains("<stdin>:") {
            wrong.push(format!("{name}: no location in\n{stderr}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn a_huge_name_or_string_gives_a_short_diagnostic() {
    // Each text quotes a 1 MB name, word or string where a diagnostic
    // echoes the user's text: in the message, a label, a note, a help, a
    // suggestion, and the source line shown under the location.
    let huge = "a".repeat(1_000_000);
    let texts = [
        ("check", format!("users who in segment {huge}")),
        (
            "check",
            format!("users who in segment {huge}_x;\nsegment {huge}_x = users who viewed \"/a\""),
        ),
        (
            "check",
            format!(
                "segment {huge} = users who viewed \"/a\";\nsegment {huge} = users who viewed \"/b\""
            ),
        ),
        ("check", format!("users who {huge} \"/cart\"")),
        ("check", format!("users who viewd \"{huge}\"")),
        (
            "check",
            format!("users who viewed \"/a\" then action \"b\" within 3 {huge}"),
        ),
        (
            "check",
            format!("users who have {huge} and viewed \"/pricing\""),
        ),
        ("check", format!("users who have plan is {huge}")),
        ("check", format!("users who have plan = '{huge}'")),
        ("check", format!("users who have plan = {huge}")),
        ("check", format!("users who have `{huge}")),
        (
            "check",
            format!("accounts who have arr > 1,{}", "0".repeat(1_000_000)),
        ),
        ("run", format!("users who have {huge} = 1")),
        ("run", format!("users who have age = \"{huge}\"")),
        (
            "run",
            format!("users who have country = {}", "1".repeat(1_000_000)),
        ),
        ("run", format!("users who viewed \"/a\" with {huge} = 1")),
    ];
    for (command, text) in &texts {
        for format in ["plain", "json"] {
            let output = segql_with_stdin(&[command, "--error-format", format, "-"], text);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} {}…: {}",
                &text[..40],
                &stderr[..stderr.len().min(2_000)]
            );
            assert!(
                stderr.len() < 3_000,
                "{command} {}… ({format}): {} bytes of diagnostics:\n{}",
                &text[..40],
                stderr.len(),
                &stderr[..stderr.len().min(2_000)]
            );
        }
    }
}

#[test]
fn a_window_of_a_long_line_keeps_the_location_of_the_whole_line() {
    let source = format!(
        "users who viewed \"/a\" and {} and in segment nope",
        vec!["viewed \"/b\""; 20_000].join(" and ")
    );
    let output = segql_with_stdin(&["check", "--error-format", "plain", "-"], &source);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let column = source.find("nope").unwrap() + 1;
    let expected = format!(
        "error[unknown-segment]: unknown segment `nope`\n --> <stdin>:1:{column}\n  |\n1 | …"
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    // The caret is under the name in the window.
    let lines: Vec<&str> = stderr.lines().collect();
    let shown = lines[3];
    let caret = lines[4];
    let at = caret.chars().position(|c| c == '^').expect("a caret");
    let under: String = shown.chars().skip(at).take(4).collect();
    assert_eq!(under, "nope", "{stderr}");
    assert!(stderr.len() < 1_000, "{stderr}");
}

//! The `segql` binary as a user runs it: exit codes, streams, files.

use crate::support::{
    assert_contains, assert_fails_naming, assert_no_panic, assert_success, example_files, folder,
    repo_root, segql, segql_bin, segql_stdin, stderr, stdout,
};
use std::io::Write;
use std::process::{Command, Stdio};

const CART: &str = r#"users who viewed "/cart""#;

/// A temporary folder holding the file `name`, and the file's path.
fn file_in_a_folder(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = folder(&[(name, text)]);
    let path = dir.path().join(name);
    (dir, path)
}

/// The examples' paths, relative to the repository when `relative`.
fn example_paths(relative: bool) -> Vec<String> {
    example_files()
        .iter()
        .map(|p| match relative {
            true => p.strip_prefix(repo_root()).unwrap().display().to_string(),
            false => p.display().to_string(),
        })
        .collect()
}

#[test]
fn check_accepts_every_example() {
    let files = example_paths(true);
    assert!(
        files.len() >= 15,
        "at least 15 examples, found {}",
        files.len()
    );
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let output = segql(&args);
    assert_success(&output);
    assert!(stderr(&output).contains(&format!("checked {} files: no errors", files.len())));
}

#[test]
fn fmt_check_passes_on_every_example() {
    let files = example_paths(false);
    let mut args = vec!["fmt", "--check"];
    args.extend(files.iter().map(String::as_str));
    assert_success(&segql(&args));
}

#[test]
fn check_reports_located_errors_and_exits_2() {
    let output = segql_stdin(
        &["check", "--error-format", "plain", "-"],
        "users who viewd \"/cart\";\nusers who viewed \"/a\";\nfunnel viewed \"/a\";\n",
    );
    let names = [
        "error[unknown-keyword]",
        "--> <stdin>:1:11",
        "did you mean `viewed`?",
        // The parser resumes after `;`: the third statement's error is
        // reported too.
        "<stdin>:3:",
    ];
    assert_fails_naming(&output, 2, &names);
    assert!(stdout(&output).is_empty());
}

#[test]
fn check_reports_validation_errors() {
    let output = segql_stdin(
        &["check", "--error-format", "plain", "-"],
        "segment premium = users who have plan = \"premium\";\nusers who in segment premum;\n",
    );
    let names = ["error[unknown-segment]", "did you mean `premium`?"];
    assert_fails_naming(&output, 2, &names);
}

#[test]
fn check_json_is_one_object_per_line() {
    let output = segql_stdin(
        &["check", "--error-format", "json", "-"],
        "users who viewed cart;\nusers who action;\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(lines[0]["code"], "syntax-error");
    assert_eq!(lines[0]["file"], "<stdin>");
    assert_eq!(lines[0]["range"]["start_line"], 1);
    assert_eq!(lines[0]["range"]["start_column"], 18);
    assert_eq!(lines[1]["range"]["start_line"], 2);
}

#[test]
fn check_missing_file_is_an_argument_error() {
    let output = segql(&["check", "no/such/file.seg"]);
    assert_fails_naming(&output, 2, &["unreadable-file", "no/such/file.seg"]);
}

#[test]
fn check_uses_a_segment_library() {
    let dir = folder(&[
        (
            "shoppers.seg",
            "segment buyers = users who performed event \"purchase\";\n",
        ),
        (
            "loyal.seg",
            "segment loyal = users who in segment buyers and have plan = \"premium\";\n",
        ),
    ]);
    let lib = dir.path().display().to_string();
    let check = ["check", "--segments", &lib, "-"];
    let funnel = "funnel viewed \"/a\" then viewed \"/b\" for loyal;";
    assert_success(&segql_stdin(&check, funnel));
    let unknown = segql_stdin(&check, "users who in segment loyl;");
    assert_fails_naming(&unknown, 2, &["did you mean `loyal`?"]);
}

#[test]
fn check_reports_a_name_defined_in_two_library_files() {
    let dir = folder(&[
        ("a.seg", "segment x = users who viewed \"/a\";"),
        ("b.seg", "segment x = users who viewed \"/b\";"),
    ]);
    let lib = dir.path().display().to_string();
    let output = segql_stdin(
        &["check", "--error-format", "plain", "--segments", &lib, "-"],
        "users who in segment x;",
    );
    assert_fails_naming(&output, 2, &["duplicate-definition", "a.seg", "b.seg"]);
}

#[test]
fn fmt_prints_canonical_text_and_keeps_comments() {
    let output = segql_stdin(
        &["fmt", "-"],
        "# cart abandoners\nUSERS  WHO viewed \"/cart\"   THEN not ACTION \"CHECKOUT\" within   session ; -- the seed case\n",
    );
    assert_eq!(
        assert_success(&output),
        "# cart abandoners\nusers who viewed \"/cart\" then not action \"CHECKOUT\" within session; -- the seed case\n"
    );
}

#[test]
fn fmt_check_and_write() {
    let messy = "users who viewed \"/a\"   and action \"b\" # both\n;\n";
    let (_dir, path) = file_in_a_folder("messy.seg", messy);
    let p = path.display().to_string();

    let check = segql(&["fmt", "--check", &p]);
    assert_fails_naming(&check, 1, &["would reformat"]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        messy,
        "--check never writes"
    );

    assert_success(&segql(&["fmt", "--write", &p]));
    let formatted = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        formatted,
        "users who viewed \"/a\" and action \"b\"; # both\n"
    );

    let again = segql(&["fmt", "--check", &p]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "fmt is idempotent: {}",
        stderr(&again)
    );
}

#[test]
fn fmt_never_writes_a_file_that_does_not_parse() {
    let broken = "users who viewed \"/a\n";
    let (_dir, path) = file_in_a_folder("broken.seg", broken);
    let output = segql(&["fmt", "--write", &path.display().to_string()]);
    assert_fails_naming(&output, 2, &["unterminated-string"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn help_shows_examples_for_each_subcommand() {
    for sub in ["check", "fmt", "completions"] {
        let output = segql(&[sub, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{sub} --help");
        let text = stdout(&output);
        assert!(
            text.contains("Examples:"),
            "{sub} --help has examples:\n{text}"
        );
        assert!(
            text.contains(&format!("segql {sub}")),
            "{sub} --help shows a command line"
        );
    }
    let top = segql(&["--help"]);
    assert_eq!(top.status.code(), Some(0));
    assert!(stdout(&top).contains("Exit status"));
}

#[test]
fn version_prints_the_package_version() {
    let output = segql(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output).trim(),
        format!("segql {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["frobnicate"][..],
        &["check"],
        &["fmt", "--check", "--write", "x.seg"],
        &["completions", "tcsh"],
    ] {
        let output = segql(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "segql {args:?}: {}",
            stderr(&output)
        );
        assert_no_panic(&output);
    }
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete"),
        ("zsh", "#compdef segql"),
        ("fish", "complete -c segql"),
    ] {
        let output = segql(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(
            script.contains(marker),
            "{shell} completion script mentions {marker}"
        );
        assert!(
            script.contains("check") && script.contains("fmt"),
            "{shell} completes subcommands"
        );
    }
}

/// The engines, the memory limit and the thread count change how a query
/// runs, never its answer. (Each sort keeps a spill reservation per thread,
/// so the limit here leaves room for three; spilling itself is measured on
/// large data by the benchmark.)
#[test]
fn engines_limits_and_threads_give_the_same_answers() {
    let files = [
        "examples/cart_abandoners.seg",
        "examples/funnel_compare_segments.seg",
        "examples/retention_by_device.seg",
        "examples/paths_from_cart.seg",
    ];
    for file in files {
        assert!(repo_root().join(file).exists(), "{file} exists");
        let reference = segql(&["run", "--format", "csv", "--engine", "portable", file]);
        assert!(reference.status.success(), "{}", stderr(&reference));
        for flags in [
            &["--engine", "native"][..],
            &["--engine", "native", "--threads", "1"],
            &[
                "--engine",
                "native",
                "--threads",
                "3",
                "--memory-limit",
                "256M",
            ],
        ] {
            let mut args = vec!["run", "--format", "csv"];
            args.extend_from_slice(flags);
            args.push(file);
            let out = segql(&args);
            assert_no_panic(&out);
            assert!(out.status.success(), "{file} {flags:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), stdout(&reference), "{file} {flags:?}");
        }
    }
}

/// Negated steps of one gap share one bit of the native matcher's mask; an
/// event matching two of them once set it twice, which carried into the
/// next bit and lost the gap.
#[test]
fn an_event_matching_two_negated_steps_of_one_gap_cuts_once() {
    for text in [
        r#"funnel viewed "/cart" then action "CHECKOUT" then not viewed "/home" then not viewed "/home" with device = "mobile""#,
        r#"users who viewed "/cart" then not viewed "/home" then not viewed "/home" with device = "mobile" then action "CHECKOUT""#,
    ] {
        let portable = segql(&["run", "--format", "csv", "--engine", "portable", "-e", text]);
        assert!(portable.status.success(), "{}", stderr(&portable));
        let native = segql(&["run", "--format", "csv", "--engine", "native", "-e", text]);
        assert!(native.status.success(), "{}", stderr(&native));
        assert_eq!(stdout(&native), stdout(&portable), "{text}");
    }
}

#[test]
fn a_memory_limit_that_is_not_a_size_is_an_argument_error() {
    for bad in ["lots", "12X", "1K"] {
        let out = segql(&["run", "--memory-limit", bad, "-e", CART]);
        assert_fails_naming(&out, 2, &["--memory-limit"]);
    }
}

#[test]
fn timings_say_where_the_time_went() {
    let out = segql(&[
        "run",
        "--timings",
        "--count",
        "examples/cart_abandoners.seg",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for part in ["planned", "query 1:", "sequence matcher", "output", "total"] {
        assert!(err.contains(part), "`{part}` in:\n{err}");
    }
    // The result itself is unchanged on stdout.
    assert!(
        stdout(&out).trim().parse::<u64>().is_ok(),
        "{}",
        stdout(&out)
    );
}

#[test]
fn explain_shows_the_native_matcher_or_the_portable_windows() {
    let text = "users who viewed \"/home\" then viewed \"/cart\" within 1 hour";
    let native = segql(&["explain", "-e", text]);
    assert!(native.status.success(), "{}", stderr(&native));
    assert_contains(&stdout(&native), "segql_sequence");
    let portable = segql(&["explain", "--engine", "portable", "-e", text]);
    assert!(!stdout(&portable).contains("segql_sequence"));
    assert_contains(&stdout(&portable), "WindowAggr");
    let analyzed = segql(&["explain", "--analyze", "-e", text]);
    assert!(analyzed.status.success(), "{}", stderr(&analyzed));
    assert_contains(&stdout(&analyzed), "output_rows");
}

/// A reader that goes away (`segql … 2>&1 | head`) ends the output; it is
/// not a crash, on standard output or standard error.
#[test]
fn closed_output_streams_are_not_a_crash() {
    let script = "users who viewed \"/cart\";\n".repeat(3) + "users who viewd \"/x\";\n";
    let mut child = Command::new(segql_bin())
        .args(["repl", "--color", "never"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("segql starts");
    // Close both read ends before anything is written to them.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(script.as_bytes()).expect("script written");
    drop(stdin);
    let status = child.wait().expect("segql ends");
    // 2: the script's own error; a panic would be 101.
    assert_eq!(status.code(), Some(2), "{status:?}");

    // Every command that writes to standard output.
    let examples = example_paths(false);
    let mut fmt = vec!["fmt"];
    fmt.extend(examples.iter().map(String::as_str));
    for args in [
        fmt,
        vec!["completions", "bash"],
        vec!["explain", "-e", "paths"],
    ] {
        let mut child = Command::new(segql_bin())
            .args(&args)
            .current_dir(repo_root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("segql starts");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("segql ends");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn now_takes_a_date_a_utc_timestamp_or_an_offset() {
    let count = |now: &str| {
        let o = segql(&[
            "run",
            "--count",
            "--now",
            now,
            "-e",
            r#"users who viewed "/cart" in the last 3 days"#,
        ]);
        (o.status.code(), stdout(&o))
    };
    let utc = count("2026-03-01T00:00:00Z");
    assert_eq!(utc.0, Some(0));
    assert_eq!(count("2026-03-01"), utc);
    assert_eq!(count("2026-03-01T02:00:00+02:00"), utc);
    assert_eq!(count("2026-02-28T19:00:00-05:00"), utc);
    let bad = segql(&["run", "--now", "2026-03-01+02:00", "-e", CART]);
    assert_fails_naming(&bad, 2, &["bad-argument"]);
}

/// A segment of many conditions is a deep plan, which DataFusion walks
/// recursively: it runs, rather than overflowing the stack.
#[test]
fn long_segments_run_without_overflowing_the_stack() {
    let text = String::from(r#"users who viewed "/cart""#) + &r#" and viewed "/x""#.repeat(100);
    for engine in ["native", "portable"] {
        let o = segql(&["run", "--count", "--engine", engine, "-e", &text]);
        assert_eq!(assert_success(&o), "0\n", "{engine}");
    }
}

/// The errors of funnel order modes that need the data's schema: `by` an
/// event column in any order, and more steps in any order than the
/// portable engine takes.
#[test]
fn funnel_order_errors_that_need_the_schema() {
    let by_event = segql(&[
        "run",
        "-e",
        r#"funnel viewed "/cart" then action "CHECKOUT" in any order by device"#,
    ]);
    assert_fails_naming(
        &by_event,
        2,
        &["order-with-event-by", "1:62", "a profile column"],
    );
    // A profile column is fine.
    let by_plan = segql(&[
        "run",
        "--format",
        "csv",
        "-e",
        r#"funnel viewed "/cart" then action "CHECKOUT" in any order by plan"#,
    ]);
    assert_contains(&assert_success(&by_plan), "plan,step,label,users");
    let steps: Vec<String> = (1..=11).map(|n| format!("viewed \"/{n}\"")).collect();
    let long = format!("funnel {} in any order", steps.join(" then "));
    let portable = segql(&["run", "--engine", "portable", "-e", &long]);
    assert_fails_naming(
        &portable,
        2,
        &["bad-argument", "at most 10 steps", "--engine native"],
    );
    // The native engine runs it.
    assert_success(&segql(&["run", "--format", "csv", "-e", &long]));
}

//! `segql repl` as a person types into it (through a pseudo-terminal) and as
//! a script feeds it (piped standard input).

use crate::support::{
    assert_contains, assert_fails_naming, assert_success, repo_root, segql_bin, stderr, stdout,
};
use expectrl::process::unix::WaitStatus;
use expectrl::{ControlCode, Eof, Expect};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const PROMPT: &str = "segql> ";

/// The number of members `segql run --count` finds for a segment: what the
/// REPL must print for the same segment.
fn count(segment: &str) -> String {
    let output = Command::new(segql_bin())
        .args(["run", "--count", "-e", segment])
        .current_dir(repo_root())
        .output()
        .expect("segql runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_string()
}

/// What `segql run --format csv` prints for a text.
fn run_csv(text: &str) -> String {
    let output = Command::new(segql_bin())
        .args(["run", "--format", "csv", "-e", text])
        .current_dir(repo_root())
        .output()
        .expect("segql runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

// ---------------------------------------------------------------------------
// Through a pseudo-terminal

struct Repl {
    session: expectrl::session::OsSession,
    _home: tempfile::TempDir,
}

impl Repl {
    /// Starts `segql repl` on a terminal, with its history in `history` and
    /// a home of its own, and waits for the first prompt.
    fn start(history: &Path, args: &[&str]) -> Repl {
        let mut command = Command::new(segql_bin());
        command.arg("repl").arg("--history").arg(history);
        Repl::start_command(command, args)
    }

    /// Starts `segql repl` with its history file named by `SEGQL_HISTORY`.
    fn start_with_history_variable(history: &Path) -> Repl {
        let mut command = Command::new(segql_bin());
        command.arg("repl").env("SEGQL_HISTORY", history);
        Repl::start_command(command, &[])
    }

    fn start_command(command: Command, args: &[&str]) -> Repl {
        let home = tempfile::tempdir().expect("a temporary home");
        Repl::start_command_in(command, args, home)
    }

    fn start_command_in(mut command: Command, args: &[&str], home: tempfile::TempDir) -> Repl {
        if command.get_envs().all(|(k, _)| k != "SEGQL_HISTORY") {
            command.env_remove("SEGQL_HISTORY");
        }
        command
            .args(args)
            .current_dir(repo_root())
            .env("HOME", home.path())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm");
        let mut session = expectrl::Session::spawn(command).expect("segql starts in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        let mut repl = Repl {
            session,
            _home: home,
        };
        repl.expect("statements end with `;`");
        repl.expect(PROMPT);
        repl
    }

    /// Starts `segql repl ARGS` on a terminal, its history in its own home.
    fn new(args: &[&str]) -> Repl {
        let home = tempfile::tempdir().expect("a temporary home");
        let mut command = Command::new(segql_bin());
        command
            .arg("repl")
            .arg("--history")
            .arg(home.path().join("history"));
        Repl::start_command_in(command, args, home)
    }

    /// Types `text` and Enter, waits for `answer` (if not empty) then the
    /// next prompt: returns what came before `answer`.
    fn enter(&mut self, text: &str, answer: &str) -> String {
        self.line(text);
        self.enter_after(answer)
    }

    /// Waits for `answer`, then the next prompt: returns what came before
    /// `answer`.
    fn enter_after(&mut self, answer: &str) -> String {
        let before = match answer {
            "" => String::new(),
            _ => self.expect(answer),
        };
        self.expect(PROMPT);
        before
    }

    /// Types `text` and Enter.
    fn line(&mut self, text: &str) {
        self.session.send(text).expect("the pty takes input");
        self.session.send("\r").expect("the pty takes Enter");
    }

    /// Waits for `text`; fails with what was seen instead.
    fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
            Err(e) => panic!("expected {text:?} from the REPL: {e}"),
        }
    }

    /// Leaves with Ctrl-D and checks the exit status is 0.
    fn quit(mut self) {
        self.session
            .send(ControlCode::EndOfTransmission)
            .expect("the pty takes Ctrl-D");
        self.session.expect(Eof).expect("the REPL ends");
        let status = self.session.get_process().wait().expect("segql exits");
        assert!(
            matches!(status, WaitStatus::Exited(_, 0)),
            "Ctrl-D ends the REPL with status 0, not {status:?}"
        );
    }
}

/// How the REPL shows the number of members of `segment` in `explore
/// users`: a table cell.
fn users_cell(segment: &str) -> String {
    format!("| {} ", count(segment))
}

const CART: &str = r#"users who viewed "/cart""#;

#[test]
fn a_definition_then_a_query_that_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut repl = Repl::start(&history, &[]);
    let define = r#"segment carts = users who viewed "/cart";"#;
    repl.enter(define, "defined segment `carts` (users)");
    repl.enter("explore users for carts;", &users_cell(CART));
    repl.quit();
    let saved = std::fs::read_to_string(&history).expect("the history was written");
    assert!(
        saved.contains(define) && saved.contains("explore users for carts;"),
        "history:\n{saved}"
    );
}

#[test]
fn history_is_kept_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let cart = users_cell(CART);
    let mut first = Repl::start(&history, &[]);
    first.enter(r#"explore users for (users who viewed "/cart");"#, &cart);
    first.quit();
    // The next session, told of the file by the environment, recalls the
    // statement with the Up arrow.
    let mut second = Repl::start_with_history_variable(&history);
    second.session.send("\x1b[A").unwrap();
    second.session.send("\r").unwrap();
    second.expect(&cart);
    second.expect(PROMPT);
    second.quit();
}

#[test]
fn a_statement_runs_at_its_semicolon_across_lines() {
    let mut repl = Repl::new(&[]);
    repl.line(r#"explore users for (users who viewed "/cart""#);
    repl.line(r#"    and have plan = "premium")"#);
    // Nothing has run yet: the statement has no `;`.
    let expected = users_cell(r#"users who viewed "/cart" and have plan = "premium""#);
    let before = repl.enter(";", &expected);
    assert!(
        !before.contains("error"),
        "the first lines ran on their own:\n{before}"
    );
    repl.quit();
}

#[test]
fn a_parse_error_is_shown_under_the_input() {
    let mut repl = Repl::new(&[]);
    repl.line(r#"users who viewd "/cart";"#);
    repl.expect("error[unknown-keyword]: `viewd` is not a kind of event");
    repl.expect("--> <repl>:1:11");
    repl.expect(r#"1 | users who viewd "/cart";"#);
    repl.expect("^^^^^ expected `viewed`");
    repl.enter_after("help: did you mean `viewed`?");
    // The session goes on.
    repl.enter(".timing on", "");
    repl.enter(r#"explore users for (users who viewed "/cart");"#, "time: ");
    repl.quit();
}

#[test]
fn tab_completes_segment_and_event_names() {
    let mut repl = Repl::new(&[]);
    let abandoners = r#"users who viewed "/cart" then not action "CHECKOUT" within session"#;
    repl.enter(&format!("segment cart_abandoners = {abandoners};"), "");
    // Only the completed name is a known segment: `cart_ab` would be an
    // error.
    repl.session.send("explore users for cart_ab\t").unwrap();
    let before = repl.enter(";", &users_cell(abandoners));
    assert!(!before.contains("unknown segment"), "{before}");
    // An event name from the data, inside its string, closed by the
    // completion.
    repl.session
        .send(r#"explore users for (users who viewed "/car"#)
        .unwrap();
    repl.session.send("\t").unwrap();
    let before = repl.enter(");", &users_cell(CART));
    assert!(!before.contains("error"), "{before}");
    repl.quit();
}

#[test]
fn ctrl_c_cancels_a_long_query_and_not_the_repl() {
    // One thread and a minute-by-minute breakdown: many seconds of work.
    let mut repl = Repl::new(&["--threads", "1"]);
    repl.line("explore events, users, sessions by name, device every 1 minute;");
    repl.expect("running");
    repl.expect("Ctrl-C cancels");
    repl.session.send(ControlCode::EndOfText).unwrap();
    // The spinner's line is cleared before "cancelled", and never drawn
    // again after it.
    let before = repl.expect("cancelled");
    let last_frame = before.rfind("running").unwrap_or(0);
    assert!(
        before
            .rfind("\x1b[2K")
            .is_some_and(|cleared| cleared > last_frame),
        "the spinner's line is not cleared: {before:?}"
    );
    let after = repl.expect(PROMPT);
    assert!(
        !after.contains("running"),
        "the spinner is drawn again: {after:?}"
    );
    repl.enter(
        r#"explore users for (users who viewed "/cart");"#,
        &users_cell(CART),
    );
    repl.quit();
}

#[test]
fn keywords_and_strings_are_coloured_as_they_are_typed() {
    let mut repl = Repl::new(&["--color", "always"]);
    repl.session
        .send(r#"explore users for (users who viewed "/cart")"#)
        .unwrap();
    repl.expect("\x1b[1;34mviewed\x1b[0m");
    repl.expect("\x1b[32m\"/cart\"\x1b[0m");
    // The line is redrawn, prompt and all, at each key: wait for the
    // result before the next prompt.
    repl.enter(";", &users_cell(CART));
    repl.quit();
}

#[test]
fn meta_commands_answer_on_a_terminal() {
    let mut repl = Repl::new(&[]);
    repl.enter(".help", ".schema TABLE");
    repl.enter(".schema events", "event_type");
    repl.enter(".tabels", "did you mean `.tables`?");
    repl.line(".quit");
    repl.session.expect(Eof).expect("`.quit` ends the REPL");
}

// ---------------------------------------------------------------------------
// Piped standard input

fn piped(args: &[&str], script: &str) -> Output {
    let home = tempfile::tempdir().expect("a temporary home");
    let output = crate::support::output_with_stdin(
        Command::new(segql_bin())
            .arg("repl")
            .args(args)
            .current_dir(repo_root())
            .env("HOME", home.path())
            .env_remove("SEGQL_HISTORY")
            .env("NO_COLOR", "1"),
        script,
    );
    assert!(
        std::fs::read_dir(home.path()).unwrap().next().is_none(),
        "piped input wrote to the home folder"
    );
    output
}

#[test]
fn a_script_keeps_definitions_sees_redefinitions_and_goes_on_after_errors() {
    let script = r#"
.format csv
segment inner = users who viewed "/cart";
segment outer = users in segment inner
    where plan = "premium";   # a statement over two lines
explore users for outer;
-- Redefining `inner` changes `outer`, which uses it.
segment inner = users who action "CHECKOUT";
explore users for outer;
users who viewd "/x";
explore users for
  (users who viewed "/cart")
;
.segments
"#;
    let output = piped(&[], script);
    let (stdout, stderr) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    let first = count(r#"users who viewed "/cart" and have plan = "premium""#);
    let second = count(r#"users who action "CHECKOUT" and have plan = "premium""#);
    let all = count(r#"users who viewed "/cart""#);
    assert_ne!(first, second, "the redefinition must make a difference");
    assert_eq!(
        stdout.lines().take(6).collect::<Vec<_>>(),
        [
            "users",
            first.as_str(),
            "users",
            second.as_str(),
            "users",
            all.as_str()
        ],
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("outer ")
            && l.contains(" users ")
            && l.contains("<stdin>")
            && l.ends_with(r#"users in segment inner where plan = "premium""#)),
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.contains(r#"users who action "CHECKOUT""#),
        "the listed `inner` is the new one:\n{stdout}"
    );
    // The error names the script's line, under the text.
    assert!(stderr.contains("--> <stdin>:10:11"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("^^^^^ expected `viewed`"),
        "stderr:\n{stderr}"
    );
    // Piped, there is no prompt, banner or confirmation.
    assert!(
        !stdout.contains(PROMPT) && !stdout.contains("defined"),
        "{stdout}"
    );
}

#[test]
fn a_script_exits_with_the_worst_status_it_met() {
    assert_success(&piped(&[], "explore users;\n.timing off\n"));
    let missing = "users in csv \"no_such_file.csv\";\n";
    let data = piped(&[], &format!("{missing}explore users;\n"));
    assert_fails_naming(&data, 1, &["no_such_file.csv"]);
    assert!(stdout(&data).contains("users"), "the next statement ran");
    let both = piped(&[], &format!("{missing}.schema nope\n"));
    assert_fails_naming(&both, 2, &["there is no table `nope`"]);
}

#[test]
fn a_script_may_end_without_a_semicolon_and_quit_early() {
    let csv = ["--format", "csv"];
    let output = piped(&csv, "explore users\n");
    assert_eq!(assert_success(&output), run_csv("explore users"));
    let output = piped(&csv, ".quit\nusers who viewd \"/x\";\n");
    assert_eq!(assert_success(&output), "");
}

#[test]
fn load_runs_a_file_and_keeps_its_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("defs.seg");
    std::fs::write(
        &file,
        "segment premium = users who have plan = \"premium\";\nexplore users for premium;\n",
    )
    .unwrap();
    let script = format!(
        ".format csv\n.load {}\nexplore users for (users in segment premium);\n.explain users in segment premium\n",
        file.display()
    );
    let stdout = assert_success(&piped(&[], &script));
    let premium = run_csv(r#"explore users for (users who have plan = "premium")"#);
    assert!(
        stdout.starts_with(&format!("{premium}{premium}")),
        "{stdout}"
    );
    // `.explain` prints a logical plan.
    assert!(
        stdout.contains("Projection") || stdout.contains("Sort"),
        "{stdout}"
    );
}

#[test]
fn tables_and_schema_describe_the_data() {
    let output = piped(&[], ".tables\n.schema users\n.schema user\n");
    let (stdout, stderr) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let row = |first: &str| -> Vec<String> {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(first))
            .unwrap_or_else(|| panic!("no `{first}` line in:\n{stdout}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("table")[..3], ["table", "rows", "from"]);
    assert_eq!(row("users")[..2], ["users", "2000"]);
    assert!(row("events")[2..].join(" ").contains("demo dataset"));
    assert_eq!(row("plan"), ["plan", "Utf8", "yes"]);
    assert!(
        stderr.contains("there is no table `user`")
            && stderr.contains("did you mean `.schema users`?"),
        "{stderr}"
    );
}

#[test]
fn a_missing_data_folder_is_reported_before_any_input() {
    let output = piped(&["--data", "no/such/folder"], "explore users;\n");
    assert_ne!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty());
    assert_contains(&stderr(&output), "no/such/folder");
}

#[test]
fn a_history_file_is_never_written_by_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let output = piped(
        &["--history", history.to_str().unwrap()],
        "explore users;\n",
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(!history.exists());
}

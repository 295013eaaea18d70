//! `segql repl` as a person types into it (through a pseudo-terminal) and as
//! a script feeds it (piped standard input).

use crate::support::{repo_root, segql_bin};
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

    fn start_command(mut command: Command, args: &[&str]) -> Repl {
        let home = tempfile::tempdir().expect("a temporary home");
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

#[test]
fn a_definition_then_a_query_that_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut repl = Repl::start(&history, &[]);
    repl.line(r#"segment carts = users who viewed "/cart";"#);
    repl.expect("defined segment `carts` (users)");
    repl.expect(PROMPT);
    repl.line("explore users for carts;");
    repl.expect(&format!("| {} ", count(r#"users who viewed "/cart""#)));
    repl.expect(PROMPT);
    repl.quit();
    let saved = std::fs::read_to_string(&history).expect("the history was written");
    assert!(
        saved.contains(r#"segment carts = users who viewed "/cart";"#)
            && saved.contains("explore users for carts;"),
        "history:\n{saved}"
    );
}

#[test]
fn history_is_kept_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let cart = count(r#"users who viewed "/cart""#);
    let mut first = Repl::start(&history, &[]);
    first.line(r#"explore users for (users who viewed "/cart");"#);
    first.expect(&format!("| {cart} "));
    first.expect(PROMPT);
    first.quit();
    // The next session, told of the file by the environment, recalls the
    // statement with the Up arrow.
    let mut second = Repl::start_with_history_variable(&history);
    second.session.send("\x1b[A").unwrap();
    second.session.send("\r").unwrap();
    second.expect(&format!("| {cart} "));
    second.expect(PROMPT);
    second.quit();
}

#[test]
fn a_statement_runs_at_its_semicolon_across_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = Repl::start(&dir.path().join("history"), &[]);
    repl.line(r#"explore users for (users who viewed "/cart""#);
    repl.line(r#"    and have plan = "premium")"#);
    // Nothing has run yet: the statement has no `;`.
    repl.line(";");
    let expected = count(r#"users who viewed "/cart" and have plan = "premium""#);
    let before = repl.expect(&format!("| {expected} "));
    assert!(
        !before.contains("error"),
        "the first lines ran on their own:\n{before}"
    );
    repl.expect(PROMPT);
    repl.quit();
}

#[test]
fn a_parse_error_is_shown_under_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = Repl::start(&dir.path().join("history"), &[]);
    repl.line(r#"users who viewd "/cart";"#);
    repl.expect("error[unknown-keyword]: `viewd` is not a kind of event");
    repl.expect("--> <repl>:1:11");
    repl.expect(r#"1 | users who viewd "/cart";"#);
    repl.expect("^^^^^ expected `viewed`");
    repl.expect("help: did you mean `viewed`?");
    repl.expect(PROMPT);
    // The session goes on.
    repl.line(".timing on");
    repl.expect(PROMPT);
    repl.line(r#"explore users for (users who viewed "/cart");"#);
    repl.expect("time: ");
    repl.expect(PROMPT);
    repl.quit();
}

#[test]
fn tab_completes_segment_and_event_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = Repl::start(&dir.path().join("history"), &[]);
    repl.line(r#"segment cart_abandoners = users who viewed "/cart" then not action "CHECKOUT" within session;"#);
    repl.expect(PROMPT);
    // Only the completed name is a known segment: `cart_ab` would be an
    // error.
    repl.session.send("explore users for cart_ab\t").unwrap();
    repl.line(";");
    let expected = count(r#"users who viewed "/cart" then not action "CHECKOUT" within session"#);
    let before = repl.expect(&format!("| {expected} "));
    assert!(!before.contains("unknown segment"), "{before}");
    repl.expect(PROMPT);
    // An event name from the data, inside its string, closed by the
    // completion.
    repl.session
        .send(r#"explore users for (users who viewed "/car"#)
        .unwrap();
    repl.session.send("\t").unwrap();
    repl.line(");");
    let before = repl.expect(&format!("| {} ", count(r#"users who viewed "/cart""#)));
    assert!(!before.contains("error"), "{before}");
    repl.expect(PROMPT);
    repl.quit();
}

#[test]
fn ctrl_c_cancels_a_long_query_and_not_the_repl() {
    let dir = tempfile::tempdir().unwrap();
    // One thread and a minute-by-minute breakdown: many seconds of work.
    let mut repl = Repl::start(&dir.path().join("history"), &["--threads", "1"]);
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
    repl.line(r#"explore users for (users who viewed "/cart");"#);
    repl.expect(&format!("| {} ", count(r#"users who viewed "/cart""#)));
    repl.expect(PROMPT);
    repl.quit();
}

#[test]
fn keywords_and_strings_are_coloured_as_they_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = Repl::start(&dir.path().join("history"), &["--color", "always"]);
    repl.session
        .send(r#"explore users for (users who viewed "/cart")"#)
        .unwrap();
    repl.expect("\x1b[1;34mviewed\x1b[0m");
    repl.expect("\x1b[32m\"/cart\"\x1b[0m");
    repl.line(";");
    // The line is redrawn, prompt and all, at each key: wait for the
    // result before the next prompt.
    repl.expect(&format!("| {} ", count(r#"users who viewed "/cart""#)));
    repl.expect(PROMPT);
    repl.quit();
}

#[test]
fn meta_commands_answer_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut repl = Repl::start(&dir.path().join("history"), &[]);
    repl.line(".help");
    repl.expect(".schema TABLE");
    repl.expect(PROMPT);
    repl.line(".schema events");
    repl.expect("event_type");
    repl.expect(PROMPT);
    repl.line(".tabels");
    repl.expect("did you mean `.tables`?");
    repl.expect(PROMPT);
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
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
    let ok = piped(&[], "explore users;\n.timing off\n");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));

    let data = piped(&[], "users in csv \"no_such_file.csv\";\nexplore users;\n");
    assert_eq!(data.status.code(), Some(1), "{}", text(&data.stderr));
    assert!(text(&data.stderr).contains("no_such_file.csv"));
    assert!(
        text(&data.stdout).contains("users"),
        "the next statement ran"
    );

    let both = piped(&[], "users in csv \"no_such_file.csv\";\n.schema nope\n");
    assert_eq!(both.status.code(), Some(2), "{}", text(&both.stderr));
    assert!(
        text(&both.stderr).contains("there is no table `nope`"),
        "{}",
        text(&both.stderr)
    );
}

#[test]
fn a_script_may_end_without_a_semicolon_and_quit_early() {
    let output = piped(&["--format", "csv"], "explore users\n");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), run_csv("explore users"));

    let output = piped(&["--format", "csv"], ".quit\nusers who viewd \"/x\";\n");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "");
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
    let output = piped(&[], &script);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
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
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
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
    assert!(text(&output.stdout).is_empty());
    assert!(
        text(&output.stderr).contains("no/such/folder"),
        "{}",
        text(&output.stderr)
    );
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

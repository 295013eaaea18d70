//! The line editor's helper: when an input is complete, what Tab offers,
//! and the colours of the text being typed. All three read the text through
//! the parser's tokens, so they agree with the parser on what a string, a
//! comment or a keyword is.

use super::commands;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use segql::engine::{Engine, EventName};
use segql::planner::{Catalog, TableRole};
use segql::syntax::{KEYWORDS, Token, TokenKind, ends_statement, tokens};
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

/// How many of the most frequent event names completion offers.
const EVENT_NAMES_CAP: usize = 10_000;

/// What completion offers beyond keywords; shared with the session, which
/// adds segment names as they are defined.
pub struct Completions {
    pub segments: RefCell<Vec<String>>,
    pub columns: Vec<String>,
    pub tables: Vec<String>,
    /// The dataset's `event_type` value for each event keyword.
    pub event_types: Vec<(&'static str, String)>,
    /// Read from the data the first time a string is completed: most
    /// sessions never need them, and reading them scans the events.
    event_names: OnceCell<Vec<EventName>>,
    load_event_names: Box<dyn Fn() -> Vec<EventName>>,
}

impl Completions {
    pub fn new(
        columns: Vec<String>,
        tables: Vec<String>,
        event_types: Vec<(&'static str, String)>,
        load_event_names: Box<dyn Fn() -> Vec<EventName>>,
    ) -> Self {
        Completions {
            segments: RefCell::new(Vec::new()),
            columns,
            tables,
            event_types,
            event_names: OnceCell::new(),
            load_event_names,
        }
    }

    fn event_names(&self) -> &[EventName] {
        self.event_names.get_or_init(|| (self.load_event_names)())
    }

    /// The words that complete `prefix` where a keyword or name may stand.
    fn words(&self, prefix: &str) -> Vec<Pair> {
        let lower = prefix.to_ascii_lowercase();
        let mut out: Vec<String> = Vec::new();
        let segments = self.segments.borrow();
        let names = segments.iter().chain(&self.columns);
        for word in KEYWORDS.iter().map(|k| k.to_string()).chain(names.cloned()) {
            if word.to_ascii_lowercase().starts_with(&lower) && !out.contains(&word) {
                out.push(word);
            }
        }
        out.sort();
        out.into_iter().map(|w| pair(w.clone(), w)).collect()
    }

    /// Event names that complete the string being typed after `keyword`
    /// (`viewed`, `action`, ...), with the closing quote.
    fn strings(&self, keyword: &str, typed: &str) -> Vec<Pair> {
        let wanted_type = match keyword {
            "viewed" => Some("view"),
            "action" | "clicked" => Some("action"),
            "error" => Some("error"),
            _ => None,
        }
        .and_then(|model| {
            self.event_types
                .iter()
                .find(|(m, _)| *m == model)
                .map(|(_, data)| data.as_str())
        });
        let mut out: Vec<Pair> = Vec::new();
        for event in self.event_names() {
            let type_fits = wanted_type.is_none_or(|t| event.event_type.as_deref() == Some(t));
            if type_fits
                && event.name.starts_with(typed)
                && !out.iter().any(|p| p.display == event.name)
            {
                let quoted = event.name.replace('\\', "\\\\").replace('"', "\\\"");
                out.push(pair(event.name.clone(), format!("{quoted}\"")));
            }
        }
        out
    }
}

fn pair(display: String, replacement: String) -> Pair {
    Pair {
        display,
        replacement,
    }
}

/// The helper the editor calls.
pub struct ReplHelper {
    pub completions: Rc<Completions>,
    /// Colour the input (a terminal, and colour not turned off).
    pub color: bool,
    files: FilenameCompleter,
}

impl ReplHelper {
    pub fn new(completions: Rc<Completions>, color: bool) -> Self {
        ReplHelper {
            completions,
            color,
            files: FilenameCompleter::new(),
        }
    }

    fn complete_meta(&self, line: &str, pos: usize, ctx: &Context<'_>) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        let start = line.len() - line.trim_start().len();
        let Some((name, rest)) = before.trim_start().split_once(char::is_whitespace) else {
            // The command name itself.
            let typed = before.trim_start().trim_start_matches('.');
            let mut names: Vec<Pair> = commands::names()
                .into_iter()
                .filter(|n| n.starts_with(typed))
                .map(|n| pair(format!(".{n}"), format!(".{n} ")))
                .collect();
            names.sort_by(|a, b| a.display.cmp(&b.display));
            return (start, names);
        };
        let arg_start = pos - rest.trim_start().len();
        let typed = &line[arg_start..pos];
        let choose = |options: &[&str]| -> (usize, Vec<Pair>) {
            let pairs = options
                .iter()
                .filter(|o| o.starts_with(typed))
                .map(|o| pair(o.to_string(), o.to_string()))
                .collect();
            (arg_start, pairs)
        };
        match name {
            ".schema" => {
                let tables: Vec<&str> =
                    self.completions.tables.iter().map(String::as_str).collect();
                choose(&tables)
            }
            ".format" => choose(&["table", "csv", "json", "ndjson"]),
            ".timing" => choose(&["on", "off"]),
            ".load" => self
                .files
                .complete(line, pos, ctx)
                .unwrap_or((pos, Vec::new())),
            ".explain" => {
                let (at, pairs) = self.complete_segql(&line[arg_start..], pos - arg_start);
                (arg_start + at, pairs)
            }
            _ => (pos, Vec::new()),
        }
    }

    fn complete_segql(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        let tokens: Vec<Token> = tokens(before)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Comment)
            .collect();
        let Some(last) = tokens.last() else {
            return (pos, Vec::new());
        };
        if last.span.end != pos {
            // After a blank: nothing typed to complete.
            return (pos, Vec::new());
        }
        let text = &before[last.span.range()];
        match last.kind {
            TokenKind::OpenString if text.starts_with('"') => {
                // `viewed "/ca` or `viewed like "/ca`: the word before the
                // string says which events' names fit.
                let keyword = tokens
                    .iter()
                    .rev()
                    .skip(1)
                    .map(|t| before[t.span.range()].to_ascii_lowercase())
                    .find(|w| w != "like")
                    .unwrap_or_default();
                let typed = &text[1..];
                (
                    last.span.start + 1,
                    self.completions.strings(&keyword, typed),
                )
            }
            TokenKind::Keyword | TokenKind::Name => (last.span.start, self.completions.words(text)),
            _ => (pos, Vec::new()),
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if commands::is_meta(line) {
            Ok(self.complete_meta(line, pos, ctx))
        } else {
            Ok(self.complete_segql(line, pos))
        }
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Validator for ReplHelper {
    /// A statement runs at `;`: until then Enter starts a new line. A meta
    /// command is complete on its own line.
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.trim().is_empty() || commands::is_meta(input) || ends_statement(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

const KEYWORD: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[90m";
const META: &str = "\x1b[1;35m";
const RESET: &str = "\x1b[0m";

/// `line` with ANSI colours for keywords, strings, numbers and comments.
pub fn highlight(line: &str) -> String {
    if commands::is_meta(line) {
        let end = line
            .trim_start()
            .find(char::is_whitespace)
            .map_or(line.len(), |n| n + line.len() - line.trim_start().len());
        return format!("{META}{}{RESET}{}", &line[..end], &line[end..]);
    }
    let mut out = String::with_capacity(line.len() * 2);
    let mut at = 0;
    for token in tokens(line) {
        let colour = match token.kind {
            TokenKind::Keyword => KEYWORD,
            TokenKind::String | TokenKind::OpenString => STRING,
            TokenKind::Number => NUMBER,
            TokenKind::Comment => COMMENT,
            TokenKind::Name | TokenKind::Symbol | TokenKind::Unknown => "",
        };
        out.push_str(&line[at..token.span.start]);
        if colour.is_empty() {
            out.push_str(&line[token.span.range()]);
        } else {
            out.push_str(colour);
            out.push_str(&line[token.span.range()]);
            out.push_str(RESET);
        }
        at = token.span.end;
    }
    out.push_str(&line[at..]);
    out
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        // Any character may change the tokens (an opening quote turns the
        // rest of the line into a string).
        self.color
    }
}

impl Helper for ReplHelper {}

/// Completion's view of the data: columns, tables, event types, and a way
/// to read event names when first needed.
pub fn completions_for(engine: &Arc<Engine>, handle: tokio::runtime::Handle) -> Completions {
    let mut columns: Vec<String> = Vec::new();
    let mut tables = Vec::new();
    for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
        let Some(entry) = engine.table(role) else {
            continue;
        };
        tables.push(role.name().to_string());
        for field in entry.schema().fields() {
            let name = as_identifier(field.name());
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
    }
    let mapping = engine.mapping();
    let event_types = [("view", "view"), ("action", "action"), ("error", "error")]
        .into_iter()
        .map(|(keyword, model)| (keyword, mapping.event_type(model)))
        .collect();
    let engine = Arc::clone(engine);
    Completions::new(
        columns,
        tables,
        event_types,
        Box::new(move || {
            // Completion must not fail: without names it offers none.
            handle
                .block_on(engine.event_names(EVENT_NAMES_CAP))
                .unwrap_or_default()
        }),
    )
}

/// A column name as segql text: back-quoted unless it is a plain (dotted)
/// identifier that is not a keyword.
fn as_identifier(name: &str) -> String {
    let plain = name.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if plain && !segql::syntax::is_keyword(name) {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        let completions = Completions::new(
            vec!["plan".into(), "device".into(), "`geo.country`".into()],
            vec!["events".into(), "users".into()],
            vec![("view", "view".into()), ("action", "action".into())],
            Box::new(|| {
                vec![
                    EventName {
                        event_type: Some("view".into()),
                        name: "/cart".into(),
                    },
                    EventName {
                        event_type: Some("view".into()),
                        name: "/catalog".into(),
                    },
                    EventName {
                        event_type: Some("action".into()),
                        name: "CHECKOUT".into(),
                    },
                ]
            }),
        );
        completions
            .segments
            .borrow_mut()
            .push("cart_abandoners".into());
        ReplHelper::new(Rc::new(completions), true)
    }

    fn complete(line: &str) -> (usize, Vec<String>) {
        let (start, pairs) = if commands::is_meta(line) {
            let history = rustyline::history::DefaultHistory::new();
            let ctx = Context::new(&history);
            helper().complete_meta(line, line.len(), &ctx)
        } else {
            helper().complete_segql(line, line.len())
        };
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn words_complete_to_keywords_segments_and_columns() {
        assert_eq!(
            complete("users in segment car"),
            (17, vec!["cart_abandoners".into()])
        );
        assert_eq!(complete("users who vie"), (10, vec!["viewed".into()]));
        assert_eq!(complete("users who have pl"), (15, vec!["plan".into()]));
        assert_eq!(complete("users who "), (10, vec![]));
        // `holding`, then the columns it holds.
        let counted = r#"users who viewed "/cart" at least 2 times hol"#;
        assert_eq!(complete(counted), (42, vec!["holding".into()]));
        let held = r#"users who viewed "/cart" holding dev"#;
        assert_eq!(complete(held), (33, vec!["device".into()]));
    }

    #[test]
    fn the_analyses_of_revision_2_complete_at_a_statement_start() {
        assert_eq!(complete("lifec"), (0, vec!["lifecycle".into()]));
        assert_eq!(complete("stick"), (0, vec!["stickiness".into()]));
        assert_eq!(
            complete(r#"stickiness viewed "/home" ev"#),
            (26, vec!["event".into(), "events".into(), "every".into()])
        );
    }

    #[test]
    fn funnel_order_words_complete() {
        let funnel = r#"funnel viewed "/cart" then action "CHECKOUT" within session in str"#;
        assert_eq!(complete(funnel), (63, vec!["strict".into()]));
        let ordered = r#"funnel viewed "/cart" then action "CHECKOUT" in any ord"#;
        assert_eq!(complete(ordered), (52, vec!["order".into()]));
    }

    #[test]
    fn lifecycle_words_complete_where_a_behavior_starts() {
        assert_eq!(complete("users who sto"), (10, vec!["stopped".into()]));
        assert_eq!(complete("users who resta"), (10, vec!["restarted".into()]));
        assert_eq!(
            complete(r#"users who not STO"#),
            (14, vec!["stopped".into()])
        );
        assert_eq!(
            complete(r#"users who viewed "/cart" for the fir"#),
            (33, vec!["first".into()])
        );
    }

    #[test]
    fn strings_complete_to_event_names_of_the_keyword_s_type() {
        assert_eq!(
            complete(r#"users who viewed "/ca"#),
            (18, vec!["/cart\"".into(), "/catalog\"".into()])
        );
        assert_eq!(
            complete(r#"users who viewed like "/car"#),
            (23, vec!["/cart\"".into()])
        );
        assert_eq!(
            complete(r#"users who action "C"#),
            (18, vec!["CHECKOUT\"".into()])
        );
        assert_eq!(complete(r#"users who action "/c"#), (18, vec![]));
        // `event` names any type.
        assert_eq!(
            complete(r#"users who event "C"#),
            (17, vec!["CHECKOUT\"".into()])
        );
    }

    #[test]
    fn meta_commands_complete_their_names_and_arguments() {
        assert_eq!(complete(".ta"), (0, vec![".tables ".into()]));
        assert_eq!(complete(".schema ev"), (8, vec!["events".into()]));
        assert_eq!(complete(".format n"), (8, vec!["ndjson".into()]));
        assert_eq!(
            complete(".explain users in segment cart_a"),
            (26, vec!["cart_abandoners".into()])
        );
    }

    #[test]
    fn highlighting_keeps_the_text_and_colours_tokens() {
        let line = r#"users who viewed "/cart" at least 2 times # c"#;
        let coloured = highlight(line);
        assert!(coloured.contains("\x1b[1;34musers\x1b[0m"));
        assert!(coloured.contains("\x1b[32m\"/cart\"\x1b[0m"));
        assert!(coloured.contains("\x1b[33m2\x1b[0m"));
        assert!(coloured.contains("\x1b[90m# c\x1b[0m"));
        let plain: String = coloured
            .split('\x1b')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    &part[part.find('m').unwrap() + 1..]
                }
            })
            .collect();
        assert_eq!(plain, line);
    }

    #[test]
    fn columns_that_are_not_plain_names_are_back_quoted() {
        assert_eq!(as_identifier("plan"), "plan");
        assert_eq!(as_identifier("geo.country"), "geo.country");
        assert_eq!(as_identifier("@usr.id"), "`@usr.id`");
        assert_eq!(as_identifier("count"), "`count`");
        assert_eq!(as_identifier("a`b c"), "`a``b c`");
    }
}

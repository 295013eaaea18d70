//! Every word the grammar gives a meaning to (LANGUAGE.md §2 to §5), in one
//! table: whether it is reserved, and what it starts where the parser
//! decides by one word. The lexer's reserved words, the tokens' keywords
//! (the REPL's colours and completion) and the parser's "did you mean" and
//! "what comes next" lists are all read from it, so a word is added in one
//! place.

/// What a word starts, where the parser decides by the next word alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starts {
    /// A statement: `users who ...`, `funnel ...`.
    Statement,
    /// A condition of a `who` segment: a behavior, `not`, `have`, `in`.
    Condition,
    /// A behavior (which is also a condition): `viewed "/cart"`.
    Behavior,
    /// A range: `during last 7 days`, `in the past week`, `since 2026-01-01`.
    Range,
}

/// One word of the language, in lower case.
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    pub word: &'static str,
    /// Never a bare identifier (LANGUAGE.md §2); every other keyword is
    /// contextual: a name wherever the grammar expects no keyword.
    pub reserved: bool,
    pub starts: &'static [Starts],
}

const fn reserved(word: &'static str, starts: &'static [Starts]) -> Keyword {
    Keyword {
        word,
        reserved: true,
        starts,
    }
}

const fn contextual(word: &'static str, starts: &'static [Starts]) -> Keyword {
    Keyword {
        word,
        reserved: false,
        starts,
    }
}

use Starts::*;

/// The words, grouped as the grammar uses them.
pub const WORDS: &[Keyword] = &[
    // Statements and segments.
    contextual("segment", &[Statement]),
    contextual("users", &[Statement]),
    contextual("accounts", &[Statement]),
    reserved("who", &[]),
    reserved("where", &[]),
    reserved("have", &[Condition]),
    reserved("in", &[Condition, Range]),
    contextual("csv", &[]),
    contextual("column", &[]),
    contextual("by", &[]),
    contextual("id", &[]),
    contextual("email", &[]),
    reserved("and", &[]),
    reserved("or", &[]),
    reserved("not", &[Condition]),
    // Behaviors, in the order "did you mean" prefers them.
    reserved("viewed", &[Condition, Behavior]),
    reserved("action", &[Condition, Behavior]),
    reserved("clicked", &[Condition, Behavior]),
    reserved("error", &[Condition, Behavior]),
    reserved("event", &[Condition, Behavior]),
    reserved("any", &[Condition, Behavior]),
    reserved("performed", &[Condition, Behavior]),
    // `stopped` and `restarted` start a behavior only before an event word
    // (LANGUAGE.md §11), so they start nothing by themselves.
    contextual("stopped", &[]),
    contextual("restarted", &[]),
    reserved("then", &[]),
    reserved("with", &[]),
    reserved("within", &[]),
    contextual("session", &[]),
    contextual("at", &[]),
    contextual("least", &[]),
    contextual("most", &[]),
    contextual("exactly", &[]),
    contextual("time", &[]),
    contextual("times", &[]),
    contextual("total", &[]),
    contextual("average", &[]),
    contextual("min", &[]),
    contextual("max", &[]),
    contextual("holding", &[]),
    contextual("first", &[]),
    // Predicates and literals.
    reserved("is", &[]),
    reserved("like", &[]),
    reserved("contains", &[]),
    reserved("between", &[Range]),
    reserved("true", &[]),
    reserved("false", &[]),
    reserved("null", &[]),
    // Ranges and durations.
    contextual("during", &[Range]),
    contextual("last", &[]),
    contextual("past", &[]),
    contextual("the", &[]),
    contextual("since", &[Range]),
    contextual("before", &[Range]),
    contextual("second", &[]),
    contextual("seconds", &[]),
    contextual("minute", &[]),
    contextual("minutes", &[]),
    contextual("hour", &[]),
    contextual("hours", &[]),
    contextual("day", &[]),
    contextual("days", &[]),
    contextual("week", &[]),
    contextual("weeks", &[]),
    contextual("month", &[]),
    contextual("months", &[]),
    // Analyses.
    contextual("funnel", &[Statement]),
    contextual("retention", &[Statement]),
    contextual("paths", &[Statement]),
    contextual("explore", &[Statement]),
    contextual("lifecycle", &[Statement]),
    contextual("stickiness", &[Statement]),
    contextual("for", &[]),
    contextual("compare", &[]),
    contextual("returning", &[]),
    contextual("every", &[]),
    contextual("periods", &[]),
    contextual("from", &[]),
    contextual("to", &[]),
    contextual("depth", &[]),
    contextual("top", &[]),
    contextual("clean", &[]),
    contextual("strict", &[]),
    contextual("order", &[]),
    contextual("as", &[]),
    contextual("events", &[]),
    contextual("sessions", &[]),
    contextual("count", &[]),
];

/// Every word of the language, reserved or not, in lower case.
pub const KEYWORDS: &[&str] = &{
    let mut words = [""; WORDS.len()];
    let mut n = 0;
    while n < WORDS.len() {
        words[n] = WORDS[n].word;
        n += 1;
    }
    words
};

/// The keyword `word` is, in any case.
fn lookup(word: &str) -> Option<&'static Keyword> {
    WORDS.iter().find(|k| k.word.eq_ignore_ascii_case(word))
}

/// True for a word of [`KEYWORDS`], in any case.
pub fn is_keyword(word: &str) -> bool {
    lookup(word).is_some()
}

/// True for a reserved word, in any case: it is never a bare identifier.
pub fn is_reserved(word: &str) -> bool {
    lookup(word).is_some_and(|k| k.reserved)
}

/// True when the word, in any case, may start `what`.
pub fn starts(word: &str, what: Starts) -> bool {
    lookup(word).is_some_and(|k| k.starts.contains(&what))
}

/// The words that may start `what`, in the order of [`WORDS`].
pub fn starting(what: Starts) -> impl Iterator<Item = &'static str> {
    WORDS
        .iter()
        .filter(move |k| k.starts.contains(&what))
        .map(|k| k.word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_word_is_listed_once_in_lower_case() {
        for (n, k) in WORDS.iter().enumerate() {
            assert!(k.word.bytes().all(|b| b.is_ascii_lowercase()), "{}", k.word);
            assert!(
                WORDS[..n].iter().all(|other| other.word != k.word),
                "`{}` is listed twice",
                k.word
            );
        }
        assert_eq!(KEYWORDS.len(), WORDS.len());
    }

    #[test]
    fn the_reserved_words_are_those_of_the_language() {
        let reserved: Vec<&str> = WORDS
            .iter()
            .filter(|k| k.reserved)
            .map(|k| k.word)
            .collect();
        let mut reserved = reserved;
        reserved.sort_unstable();
        // LANGUAGE.md §2, as written there.
        let mut language: Vec<&str> = "and or not who where with then within have in is like \
             between contains performed viewed action clicked error event any true false null"
            .split_whitespace()
            .collect();
        language.sort_unstable();
        assert_eq!(reserved, language);
        assert!(is_reserved("EVENT") && !is_reserved("users") && !is_reserved("plan"));
    }

    /// The source of every parse module, read from the crate's folder.
    fn parser_sources(dir: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("the parse folder")
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                parser_sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).expect("a parse module"));
            }
        }
    }

    #[test]
    fn every_word_the_parser_reads_is_a_keyword() {
        let mut sources = Vec::new();
        parser_sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/parse"),
            &mut sources,
        );
        let quoted_after = |source: &str, marker: &str| -> Vec<String> {
            source
                .match_indices(marker)
                .filter_map(|(at, _)| {
                    let call = &source[at + marker.len()..];
                    let call = &call[..call.find(')')?];
                    let rest = &call[call.find('"')? + 1..];
                    let word = &rest[..rest.find('"')?];
                    word.bytes()
                        .all(|b| b.is_ascii_lowercase())
                        .then(|| word.to_string())
                })
                .collect()
        };
        let mut words = Vec::new();
        for source in &sources {
            words.extend(quoted_after(source, "kw("));
            words.extend(quoted_after(source, "at_keyword("));
            words.extend(quoted_after(source, "clause("));
        }
        assert!(words.len() > 40, "{words:?}");
        for word in words {
            assert!(is_keyword(&word), "`{word}` is missing from WORDS");
        }
    }

    #[test]
    fn what_words_start() {
        let statements: Vec<_> = starting(Statement).collect();
        assert_eq!(
            statements,
            [
                "segment",
                "users",
                "accounts",
                "funnel",
                "retention",
                "paths",
                "explore",
                "lifecycle",
                "stickiness"
            ]
        );
        assert!(starts("In", Condition) && starts("in", Range));
        assert!(starts("viewed", Behavior) && starts("viewed", Condition));
        assert!(!starts("have", Behavior) && !starts("plan", Condition));
    }
}

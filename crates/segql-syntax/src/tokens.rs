//! The tokens of a text, for tools that colour or complete it (the REPL)
//! rather than parse it: every byte that is not blank belongs to one token,
//! and an unfinished text (an open string, a half-typed word) still has
//! tokens. The parser's own token readers do the work, so a word, string
//! or number is read the same way here as in a program.

use crate::keywords::is_keyword;
use crate::lexer;
use crate::parse::{Input, State};
use crate::span::Span;
use nom::Input as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A word of [`KEYWORDS`](crate::KEYWORDS).
    Keyword,
    /// Any other word: a segment, column or back-quoted name.
    Name,
    /// A closed string.
    String,
    /// A string (or back-quoted name) whose line ends before its closing
    /// quote: the text is still being typed, or it is a mistake.
    OpenString,
    /// A number or a date.
    Number,
    /// A `#` or `--` comment.
    Comment,
    /// Punctuation: `;`, `,`, parentheses and comparisons.
    Symbol,
    /// A character no token starts with.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// The tokens of `source`, in order; blanks between them are not tokens.
pub fn tokens(source: &str) -> Vec<Token> {
    let state = State::new(source);
    let whole = Input::new_extra(source, &state);
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut comments = state.comments.iter().peekable();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        while comments.next_if(|c| c.span.end <= at).is_some() {}
        if let Some(comment) = comments.next_if(|c| c.span.start == at) {
            out.push(Token {
                kind: TokenKind::Comment,
                span: comment.span,
            });
            at = comment.span.end;
            continue;
        }
        let input = whole.take_from(at);
        let (kind, len) = token_at(&input, &source[at..]);
        out.push(Token {
            kind,
            span: Span::new(at, at + len),
        });
        at += len.max(1);
    }
    out
}

/// The kind and length of the token that starts `rest`.
fn token_at(input: &Input, rest: &str) -> (TokenKind, usize) {
    let first = rest.chars().next().unwrap_or(' ');
    let line_end = rest.find('\n').unwrap_or(rest.len());
    match first {
        '"' => match lexer::string(*input) {
            Ok((_, s)) => (TokenKind::String, s.span.len()),
            Err(_) => (TokenKind::OpenString, line_end),
        },
        '`' => match lexer::ident(*input) {
            Ok((_, name)) => (TokenKind::Name, name.span.len()),
            Err(_) => (TokenKind::OpenString, line_end),
        },
        c if c.is_ascii_digit() || ((c == '-' || c == '+') && starts_number(&rest[1..])) => {
            if let Ok((_, date)) = lexer::date(*input) {
                return (TokenKind::Number, date.span.len());
            }
            if let Ok((_, number)) = lexer::number(*input) {
                return (TokenKind::Number, number.span.len());
            }
            // `30m`: the digits, then the unit as a word of its own.
            let digits = rest.bytes().skip(1).take_while(u8::is_ascii_digit).count();
            (TokenKind::Number, 1 + digits)
        }
        c if c.is_ascii_alphabetic() || c == '_' => {
            let word = lexer::peek_word(input);
            if is_keyword(word) {
                return (TokenKind::Keyword, word.len());
            }
            match lexer::ident(*input) {
                Ok((_, name)) => (TokenKind::Name, name.span.len()),
                Err(_) => (TokenKind::Name, word.len()),
            }
        }
        _ => {
            let symbol = ["!=", "<=", ">=", ";", ",", "(", ")", "=", "<", ">"]
                .into_iter()
                .find(|s| rest.starts_with(s));
            match symbol {
                Some(s) => (TokenKind::Symbol, s.len()),
                None => (TokenKind::Unknown, first.len_utf8()),
            }
        }
    }
}

fn starts_number(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// True when `source` ends a statement: its last token is `;` (blanks and
/// comments may follow). A `;` inside a string or comment does not count.
pub fn ends_statement(source: &str) -> bool {
    tokens(source)
        .iter()
        .rev()
        .find(|t| t.kind != TokenKind::Comment)
        .is_some_and(|t| t.kind == TokenKind::Symbol && &source[t.span.range()] == ";")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(TokenKind, &str)> {
        tokens(source)
            .into_iter()
            .map(|t| (t.kind, &source[t.span.range()]))
            .collect()
    }

    #[test]
    fn a_statement_splits_into_its_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"users who viewed "/cart" within 30m and plan != "x;y"; # done"#),
            vec![
                (Keyword, "users"),
                (Keyword, "who"),
                (Keyword, "viewed"),
                (String, r#""/cart""#),
                (Keyword, "within"),
                (Number, "30"),
                (Name, "m"),
                (Keyword, "and"),
                (Name, "plan"),
                (Symbol, "!="),
                (String, r#""x;y""#),
                (Symbol, ";"),
                (Comment, "# done"),
            ]
        );
    }

    #[test]
    fn dates_numbers_and_dotted_names() {
        use TokenKind::*;
        assert_eq!(
            kinds(
                "geo.country since 2026-01-31 before 2026-02-01T10:00:00-05:30 -- c\n arr >= -5e4 `odd name`"
            ),
            vec![
                (Name, "geo.country"),
                (Keyword, "since"),
                (Number, "2026-01-31"),
                (Keyword, "before"),
                (Number, "2026-02-01T10:00:00-05:30"),
                (Comment, "-- c"),
                (Name, "arr"),
                (Symbol, ">="),
                (Number, "-5e4"),
                (Name, "`odd name`"),
            ]
        );
    }

    #[test]
    fn an_open_string_runs_to_the_end_of_its_line() {
        use TokenKind::*;
        assert_eq!(
            kinds("viewed \"/ca;\nusers"),
            vec![
                (Keyword, "viewed"),
                (OpenString, "\"/ca;"),
                (Keyword, "users"),
            ]
        );
    }

    #[test]
    fn odd_text_gives_ordered_tokens_on_character_boundaries() {
        for source in [
            "é \"ü\\",
            "`open name",
            "- + -- +1 -x 1e 1e+ 2026-13-45 30mins",
            "\"\\q\" `` ; \u{1F600}",
            "a. .b geo.",
            "\"",
            "#",
        ] {
            let mut end = 0;
            for token in tokens(source) {
                assert!(
                    token.span.start >= end && token.span.end > token.span.start,
                    "{source:?}"
                );
                assert!(source.is_char_boundary(token.span.start), "{source:?}");
                assert!(source.is_char_boundary(token.span.end), "{source:?}");
                end = token.span.end;
            }
            assert!(end <= source.len());
        }
    }

    #[test]
    fn a_statement_ends_at_a_semicolon_outside_strings_and_comments() {
        assert!(ends_statement("users who viewed \"/a\";"));
        assert!(ends_statement("users who viewed \"/a\"; -- done\n"));
        assert!(!ends_statement("users who viewed \"/a;\""));
        assert!(!ends_statement("users who viewed \"/a\" # ;"));
        assert!(!ends_statement("users who viewed \"/a\"; users"));
        assert!(!ends_statement(""));
    }
}

//! Cutting input into pieces: meta command lines, and segql text up to
//! and with the `;` that ends a statement.

use super::commands;
use segql::syntax::TokenKind;

/// A unit of input: a meta command line, or segql text up to and with its
/// `;`, and the line (from 0) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Meta(String),
    Text { text: String, first_line: usize },
}

/// Cuts lines of input into pieces: a line that starts with `.` outside a
/// statement is a meta command; other lines gather until one ends a
/// statement.
#[derive(Debug, Default)]
pub struct Pieces {
    pending: String,
    first_line: usize,
    lines: usize,
}

impl Pieces {
    pub fn push_line(&mut self, line: &str) -> Option<Piece> {
        self.lines += 1;
        if is_blank(&self.pending) {
            if commands::is_meta(line) {
                self.pending.clear();
                return Some(Piece::Meta(line.trim_end().to_string()));
            }
            if self.pending.is_empty() {
                self.first_line = self.lines - 1;
            }
        }
        self.pending.push_str(line);
        if !line.ends_with('\n') {
            self.pending.push('\n');
        }
        segql::syntax::ends_statement(&self.pending).then(|| self.take())
    }

    /// What is left at the end of the input: the last statement may omit
    /// its `;`.
    pub fn finish(&mut self) -> Option<Piece> {
        (!is_blank(&self.pending)).then(|| self.take())
    }

    fn take(&mut self) -> Piece {
        Piece::Text {
            text: std::mem::take(&mut self.pending),
            first_line: self.first_line,
        }
    }

    /// Every piece of a whole text.
    pub fn split(text: &str) -> Vec<Piece> {
        let mut pieces = Pieces::default();
        let mut out: Vec<Piece> = text.lines().filter_map(|l| pieces.push_line(l)).collect();
        out.extend(pieces.finish());
        out
    }
}

/// True for text with nothing but blanks and comments.
fn is_blank(text: &str) -> bool {
    segql::syntax::tokens(text)
        .iter()
        .all(|t| t.kind == TokenKind::Comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str, first_line: usize) -> Piece {
        Piece::Text {
            text: text.to_string(),
            first_line,
        }
    }

    #[test]
    fn input_splits_into_meta_commands_and_statements() {
        assert_eq!(
            Pieces::split(
                ".format csv\n# a comment\nusers who viewed \"/a;\"\n  and have plan = \"x\"; \n.timing on\nexplore users"
            ),
            vec![
                Piece::Meta(".format csv".into()),
                text(
                    "# a comment\nusers who viewed \"/a;\"\n  and have plan = \"x\"; \n",
                    1
                ),
                Piece::Meta(".timing on".into()),
                text("explore users\n", 5),
            ]
        );
        // A line starting with `.` inside a statement is part of it.
        assert_eq!(
            Pieces::split("users who\n.5 = x;"),
            vec![text("users who\n.5 = x;\n", 0)]
        );
        assert_eq!(Pieces::split("  \n# only a comment\n"), vec![]);
    }
}

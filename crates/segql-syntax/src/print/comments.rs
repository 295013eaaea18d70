//! `segql fmt`: every statement in its pretty form, with the comments of the
//! source put back by position (the syntax tree keeps comments apart from
//! the statements, with their spans).

use crate::ast::*;
use std::fmt::Write as _;

/// Whether the source between `from` and `to` holds a blank line (a line
/// with nothing but white space).
fn blank_line_between(source: &str, from: usize, to: usize) -> bool {
    let Some(gap) = source.get(from..to) else {
        return false;
    };
    let lines: Vec<&str> = gap.split('\n').collect();
    lines.len() >= 3
        && lines[1..lines.len() - 1]
            .iter()
            .any(|l| l.trim().is_empty())
}

/// The canonical text of a program, as `segql fmt` writes it.
///
/// Each statement is printed in its pretty form (`{:#}`) followed by `;`, one
/// after another; a single blank line is kept where the source had one or
/// more between two statements or comments. Every comment of
/// `program.comments` is kept: a comment on its own line stays before the
/// statement it precedes, a comment after the end of a statement on the same
/// line stays at the end of that statement's last line (`...; # note`), a
/// comment inside a statement moves to its own line before that statement,
/// and comments after the last statement come last. The output ends with one
/// newline, or is empty for a program with no statement and no comment.
///
/// `source` is the text `program` was parsed from: blank lines and the
/// places of comments are read from it through the spans.
pub fn format_program(program: &Program, source: &str) -> String {
    let mut formatter = ProgramFormatter::new(source, &program.comments);
    let mut out = String::new();
    for statement in &program.statements {
        out.push_str(&formatter.push(statement.clone()));
    }
    out.push_str(&formatter.finish());
    out
}

/// [`format_program`] one statement at a time, for texts parsed with
/// [`parse_each`](crate::parse_each): each call gives the next piece of the
/// output, so a text of any length is formatted in the memory of one
/// statement.
pub struct ProgramFormatter<'s> {
    source: &'s str,
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next_comment: usize,
    /// The statement given last: where its trailing comment ends depends on
    /// where the next one starts.
    pending: Option<Statement>,
    /// The source offset where the previously printed item ends.
    previous_end: Option<usize>,
}

impl<'s> ProgramFormatter<'s> {
    pub fn new(source: &'s str, comments: &[Comment]) -> Self {
        let mut comments = comments.to_vec();
        comments.sort_by_key(|c| c.span.start);
        ProgramFormatter {
            source,
            comments,
            next_comment: 0,
            pending: None,
            previous_end: None,
        }
    }

    /// Takes the next statement; returns the text of the one before it.
    pub fn push(&mut self, statement: Statement) -> String {
        let next_start = statement.span.start;
        match self.pending.replace(statement) {
            Some(previous) => self.print(&previous, Some(next_start)),
            None => String::new(),
        }
    }

    /// The text of the last statement and of the comments after it.
    pub fn finish(&mut self) -> String {
        let mut out = match self.pending.take() {
            Some(last) => self.print(&last, None),
            None => String::new(),
        };
        self.comments_before(&mut out, usize::MAX);
        out
    }

    /// The comments not printed yet that start before `before`, each on its
    /// own line.
    fn comments_before(&mut self, out: &mut String, before: usize) {
        while let Some(comment) = self.comments.get(self.next_comment)
            && comment.span.start < before
        {
            self.separate(out, comment.span.start);
            let _ = writeln!(out, "{comment}");
            self.previous_end = Some(comment.span.end);
            self.next_comment += 1;
        }
    }

    /// Whether every comment has been printed.
    pub fn all_comments_printed(&self) -> bool {
        self.next_comment == self.comments.len()
    }

    fn separate(&self, out: &mut String, start: usize) {
        if self
            .previous_end
            .is_some_and(|end| blank_line_between(self.source, end, start))
        {
            out.push('\n');
        }
    }

    /// A statement with its comments: those before it (on their own lines),
    /// those inside it (moved before it), and the first one after its end on
    /// the same line, unless the next statement starts before that.
    fn print(&mut self, statement: &Statement, next_start: Option<usize>) -> String {
        let mut out = String::new();
        let span = statement.span;
        self.comments_before(&mut out, span.start);
        self.separate(&mut out, span.start);
        while let Some(comment) = self.comments.get(self.next_comment)
            && comment.span.start < span.end
        {
            let _ = writeln!(out, "{comment}");
            self.next_comment += 1;
        }
        let _ = write!(out, "{statement:#};");
        let mut end = span.end;
        if let Some(comment) = self.comments.get(self.next_comment) {
            let at = comment.span.start;
            let same_line = self
                .source
                .get(span.end..at)
                .is_some_and(|gap| !gap.contains('\n'));
            if same_line && next_start.is_none_or(|next| at < next) {
                let _ = write!(out, " {comment}");
                end = end.max(comment.span.end);
                self.next_comment += 1;
            }
        }
        out.push('\n');
        self.previous_end = Some(end);
        out
    }
}

//! The canonical printer: syntax tree back to segql source text.
//!
//! `Display` on every node prints its canonical one-line text (see "Canonical
//! text" in `grammar/NOTES.md`): keywords in lower case, single spaces,
//! strings re-escaped, identifiers back-quoted only when they must be,
//! durations in long form. The printer adds no parentheses: the `Group`
//! nodes of the tree are the parentheses the user wrote.
//!
//! The alternate form (`{:#}`) of a statement (and of a segment, a definition
//! or an analysis) is the pretty form: the one-line text when it fits in
//! [`MAX_WIDTH`] columns, else the same words broken before each top-level
//! `then`/`and`/`or` of the condition, before `where`, and before each
//! analysis clause, continuation lines indented by four spaces.
//!
//! [`format_program`] is what `segql fmt` writes: every statement in its
//! pretty form followed by `;`, with the comments of the source kept.
//!
//! This module holds the shared writer (the `Layout` of a statement, the
//! leaves: names, strings, literals, durations); `segment` prints segments,
//! conditions, steps, predicates and ranges, `analysis` the funnel,
//! retention, paths, explore, lifecycle and stickiness statements, and
//! `comments` puts the comments of the source back for `segql fmt`.

mod analysis;
mod comments;
mod segment;
#[cfg(test)]
mod tests;

pub use comments::{ProgramFormatter, format_program};

use crate::ast::*;
use crate::lexer::is_reserved;
use analysis::{
    layout_explore, layout_funnel, layout_lifecycle, layout_paths, layout_retention,
    layout_stickiness,
};
use segment::{layout_behavior, layout_condition, layout_segment, layout_segment_def};
use std::fmt::{self, Display, Formatter, Write as _};

/// The width a statement's one-line form must fit in to stay on one line.
pub const MAX_WIDTH: usize = 88;

/// What precedes each continuation line of a broken statement.
const INDENT: &str = "\n    ";

/// Whether `name` can be printed without back quotes: dotted parts of the
/// form `[A-Za-z_][A-Za-z0-9_]*`, the first not a reserved word (the lexer
/// reads `geo.in` as one name, but `in.x` starts with the keyword `in`).
fn is_bare_name(name: &str) -> bool {
    let well_formed = name.split('.').all(|part| {
        let mut chars = part.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    well_formed && !name.split('.').next().is_some_and(is_reserved)
}

/// Writes `value` as a string literal: in double quotes, with `"`, `\`,
/// newline and tab escaped.
fn write_string(f: &mut Formatter<'_>, value: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Writes `items` separated by `sep`.
fn write_joined<T: Display>(f: &mut Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// `INT UNIT` in long form: `30 minutes`, `1 hour`.
fn write_count_unit(f: &mut Formatter<'_>, count: u64, unit: Unit) -> fmt::Result {
    write!(f, "{count} {}", unit.name(count))
}

/// Display helper: items separated by `, `.
struct Joined<'a, T>(&'a [T]);

impl<T: Display> Display for Joined<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_joined(f, self.0, ", ")
    }
}

// ---------------------------------------------------------------------------
// Layout: a statement as a list of pieces, joined by spaces on one line or by
// a newline and an indent when broken.
// ---------------------------------------------------------------------------

/// The words of a statement grouped into pieces; a piece starts at a place
/// where the pretty form may break the line.
#[derive(Default)]
struct Layout {
    pieces: Vec<String>,
    /// The next word starts a new piece.
    fresh: bool,
}

impl Layout {
    /// Appends a word (or several) to the current piece.
    fn word(&mut self, text: impl Display) {
        match self.pieces.last_mut() {
            Some(last) if !self.fresh => {
                last.push(' ');
                let _ = write!(last, "{text}");
            }
            _ => self.pieces.push(text.to_string()),
        }
        self.fresh = false;
    }

    /// Appends the word when there is one.
    fn word_if(&mut self, text: Option<impl Display>) {
        if let Some(text) = text {
            self.word(text);
        }
    }

    /// Marks a possible line break before the next word.
    fn brk(&mut self) {
        self.fresh = true;
    }

    /// A clause that starts a new piece: `for x`, `by device`, ...
    fn clause(&mut self, text: impl Display) {
        self.brk();
        self.word(text);
    }

    /// A clause for an optional part of a statement: a range, a `within`.
    fn clause_if(&mut self, text: Option<impl Display>) {
        if let Some(text) = text {
            self.clause(text);
        }
    }

    /// `keyword value` as a clause, when the value is there: `for x`,
    /// `top 5`.
    fn keyword_clause(&mut self, keyword: &str, value: Option<impl Display>) {
        if let Some(value) = value {
            self.clause(format_args!("{keyword} {value}"));
        }
    }

    fn flat(&self) -> String {
        self.pieces.join(" ")
    }

    /// One line, or in the alternate form, one line when it fits in
    /// [`MAX_WIDTH`] and else one piece a line.
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let flat = self.flat();
        if f.alternate() && flat.chars().count() > MAX_WIDTH {
            f.write_str(&self.pieces.join(INDENT))
        } else {
            f.write_str(&flat)
        }
    }
}

fn layout_statement(statement: &Statement, out: &mut Layout) {
    match &statement.kind {
        StatementKind::Define(def) => layout_segment_def(def, out),
        StatementKind::Segment(segment) => layout_segment(segment, out),
        StatementKind::Funnel(funnel) => layout_funnel(funnel, out),
        StatementKind::Retention(retention) => layout_retention(retention, out),
        StatementKind::Paths(paths) => layout_paths(paths, out),
        StatementKind::Explore(explore) => layout_explore(explore, out),
        StatementKind::Lifecycle(lifecycle) => layout_lifecycle(lifecycle, out),
        StatementKind::Stickiness(stickiness) => layout_stickiness(stickiness, out),
    }
}

/// Implements `Display` through a layout function: one line, or the pretty
/// form with `{:#}`.
macro_rules! display_by_layout {
    ($($ty:ty => $layout:ident),* $(,)?) => {$(
        impl Display for $ty {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                let mut out = Layout::default();
                $layout(self, &mut out);
                out.write(f)
            }
        }
    )*};
}

display_by_layout! {
    Statement => layout_statement,
    SegmentDef => layout_segment_def,
    Segment => layout_segment,
    Funnel => layout_funnel,
    Retention => layout_retention,
    Paths => layout_paths,
    Explore => layout_explore,
    LifecycleAnalysis => layout_lifecycle,
    Stickiness => layout_stickiness,
    Condition => layout_condition,
    Behavior => layout_behavior,
}

// ---------------------------------------------------------------------------
// Display of the program and of the leaves (always one line).
// ---------------------------------------------------------------------------

impl Display for Program {
    /// Every statement followed by `;` and a newline (pretty with `{:#}`).
    /// Comments are not printed: [`format_program`] keeps them.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for statement in &self.statements {
            if f.alternate() {
                writeln!(f, "{statement:#};")?;
            } else {
                writeln!(f, "{statement};")?;
            }
        }
        Ok(())
    }
}

impl Display for Comment {
    /// The comment as written, marker included, trailing whitespace trimmed.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.text.trim_end())
    }
}

/// Implements `Display` for the nodes that print as one fixed word.
macro_rules! display_by_word {
    ($($ty:ty => $word:ident),* $(,)?) => {$(
        impl Display for $ty {
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                f.write_str(self.$word())
            }
        }
    )*};
}

display_by_word! {
    Audience => keyword,
    AggregateFunc => keyword,
    Period => keyword,
    CmpOp => symbol,
}

impl Display for Duration {
    /// Long form, plural agreeing with the count: `30 minutes`, `1 hour`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_count_unit(f, self.count, self.unit)
    }
}

impl Display for Date {
    /// The date as written.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LiteralKind::String(value) => write_string(f, value),
            LiteralKind::Number(number) => write!(f, "{number}"),
            LiteralKind::Date(date) => write!(f, "{date}"),
            LiteralKind::Bool(true) => f.write_str("true"),
            LiteralKind::Bool(false) => f.write_str("false"),
            LiteralKind::Null => f.write_str("null"),
        }
    }
}

impl Display for Number {
    /// The number as written.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for Str {
    /// The string in double quotes, re-escaped.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_string(f, &self.value)
    }
}

impl Display for Ident {
    /// Bare when it may be, else back-quoted with inner back quotes doubled.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.quoted && is_bare_name(&self.name) {
            f.write_str(&self.name)
        } else {
            write!(f, "`{}`", self.name.replace('`', "``"))
        }
    }
}

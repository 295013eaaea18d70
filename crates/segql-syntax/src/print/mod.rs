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

use crate::ast::*;
use crate::lexer::is_reserved;
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

    /// Marks a possible line break before the next word.
    fn brk(&mut self) {
        self.fresh = true;
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

fn layout_condition(cond: &Condition, out: &mut Layout) {
    match &cond.kind {
        ConditionKind::Or(items) => layout_joined(items, "or", out),
        ConditionKind::And(items) => layout_joined(items, "and", out),
        ConditionKind::Not(inner) => {
            out.word("not");
            layout_condition(inner, out);
        }
        ConditionKind::Behavior(behavior) => layout_behavior(behavior, out),
        ConditionKind::Group { inner, range } => {
            out.word(format_args!("({inner})"));
            if let Some(range) = range {
                out.word(range);
            }
        }
        ConditionKind::Profile { atom, have } => {
            if *have {
                out.word("have");
            }
            out.word(atom);
        }
        ConditionKind::InSet(set) => out.word(format_args!("in {set}")),
    }
}

fn layout_joined(items: &[Condition], op: &str, out: &mut Layout) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.brk();
            out.word(op);
        }
        layout_condition(item, out);
    }
}

/// The steps of a sequence, a break before each `then`.
fn layout_steps(steps: &[SeqStep], out: &mut Layout) {
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.brk();
            out.word("then");
        }
        out.word(step);
    }
}

fn layout_behavior(behavior: &Behavior, out: &mut Layout) {
    if behavior.performed {
        out.word("performed");
    }
    layout_steps(&behavior.steps, out);
    if let Some(count) = &behavior.count {
        out.word(count);
    }
    if let Some(within) = &behavior.within {
        out.word(within);
    }
    if let Some(range) = &behavior.range {
        out.word(range);
    }
}

/// A clause that starts a new piece: `for x`, `by device`, ...
fn layout_clause(out: &mut Layout, text: impl Display) {
    out.brk();
    out.word(text);
}

fn layout_segment(segment: &Segment, out: &mut Layout) {
    out.word(segment.audience);
    match &segment.body {
        SegmentBody::Who {
            condition,
            filter,
            range,
        } => {
            out.word("who");
            layout_condition(condition, out);
            if let Some(filter) = filter {
                layout_clause(out, format_args!("where {filter}"));
            }
            if let Some(range) = range {
                layout_clause(out, range);
            }
        }
        SegmentBody::In { set, filter } => {
            out.word(format_args!("in {set}"));
            if let Some(filter) = filter {
                layout_clause(out, format_args!("where {filter}"));
            }
        }
    }
}

fn layout_segment_def(def: &SegmentDef, out: &mut Layout) {
    out.word(format_args!("segment {} =", def.name));
    layout_segment(&def.segment, out);
}

fn layout_funnel(funnel: &Funnel, out: &mut Layout) {
    out.word("funnel");
    layout_steps(&funnel.steps, out);
    if let Some(within) = &funnel.within {
        layout_clause(out, within);
    }
    if let Some(scope) = &funnel.scope {
        layout_clause(out, format_args!("for {scope}"));
    }
    if !funnel.compare.is_empty() {
        layout_clause(out, format_args!("compare {}", Joined(&funnel.compare)));
    }
    if let Some(by) = &funnel.by {
        layout_clause(out, format_args!("by {by}"));
    }
    if let Some(range) = &funnel.range {
        layout_clause(out, range);
    }
}

fn layout_retention(retention: &Retention, out: &mut Layout) {
    out.word(format_args!(
        "retention {} returning {}",
        retention.start, retention.returning
    ));
    if let Some(every) = retention.every {
        layout_clause(out, format_args!("every {every}"));
    }
    if let Some(periods) = retention.periods {
        layout_clause(out, format_args!("periods {periods}"));
    }
    if let Some(scope) = &retention.scope {
        layout_clause(out, format_args!("for {scope}"));
    }
    if let Some(by) = &retention.by {
        layout_clause(out, format_args!("by {by}"));
    }
    if let Some(range) = &retention.range {
        layout_clause(out, range);
    }
}

fn layout_paths(paths: &Paths, out: &mut Layout) {
    out.word("paths");
    if let Some(from) = &paths.from {
        out.word(format_args!("from {from}"));
    }
    if let Some(to) = &paths.to {
        out.word(format_args!("to {to}"));
    }
    if let Some(depth) = paths.depth {
        layout_clause(out, format_args!("depth {depth}"));
    }
    if let Some(top) = paths.top {
        layout_clause(out, format_args!("top {top}"));
    }
    if let Some(scope) = &paths.scope {
        layout_clause(out, format_args!("for {scope}"));
    }
    if let Some(range) = &paths.range {
        layout_clause(out, range);
    }
}

fn layout_explore(explore: &Explore, out: &mut Layout) {
    out.word(format_args!("explore {}", Joined(&explore.measures)));
    if !explore.by.is_empty() {
        layout_clause(out, format_args!("by {}", Joined(&explore.by)));
    }
    if let Some(every) = &explore.every {
        layout_clause(out, format_args!("every {every}"));
    }
    if let Some(scope) = &explore.scope {
        layout_clause(out, format_args!("for {scope}"));
    }
    if let Some(top) = explore.top {
        layout_clause(out, format_args!("top {top}"));
    }
    if let Some(range) = &explore.range {
        layout_clause(out, range);
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
    }
}

/// Display helper: items separated by `, `.
struct Joined<'a, T>(&'a [T]);

impl<T: Display> Display for Joined<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_joined(f, self.0, ", ")
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
    Condition => layout_condition,
    Behavior => layout_behavior,
}

// ---------------------------------------------------------------------------
// Display of the smaller nodes (always one line).
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

impl Display for Audience {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl Display for SetRef {
    /// `segment NAME` or `csv "f.csv" [column "c"] [by id|email]` (without
    /// the `in` that precedes it).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SetRefKind::Segment(name) => write!(f, "segment {name}"),
            SetRefKind::Csv { path, column, key } => {
                write!(f, "csv {path}")?;
                if let Some(column) = column {
                    write!(f, " column {column}")?;
                }
                if let Some(key) = key {
                    write!(f, " by {key}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for CsvKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsvKey::Id => "id",
            CsvKey::Email => "email",
        })
    }
}

impl Display for SeqStep {
    /// `[not] step`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("not ")?;
        }
        write!(f, "{}", self.step)
    }
}

impl Display for Step {
    /// `event [with pred]`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.event)?;
        if let Some(filter) = &self.filter {
            write!(f, " with {filter}")?;
        }
        Ok(())
    }
}

impl Display for Event {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            EventKind::Viewed(target) => write!(f, "viewed {target}"),
            EventKind::Action { target, clicked } => {
                let word = if *clicked { "clicked" } else { "action" };
                write!(f, "{word} {target}")
            }
            EventKind::Error(None) => f.write_str("error"),
            EventKind::Error(Some(target)) => write!(f, "error {target}"),
            EventKind::Named(target) => write!(f, "event {target}"),
            EventKind::Any => f.write_str("any event"),
        }
    }
}

impl Display for Target {
    /// `"name"` or `like "pattern"`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.like {
            f.write_str("like ")?;
        }
        write!(f, "{}", self.pattern)
    }
}

impl Display for Within {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            WithinKind::Session => f.write_str("within session"),
            WithinKind::Duration(duration) => write!(f, "within {duration}"),
        }
    }
}

impl Display for Duration {
    /// Long form, plural agreeing with the count: `30 minutes`, `1 hour`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_count_unit(f, self.count, self.unit)
    }
}

impl Display for Count {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (words, n) = match &self.kind {
            CountKind::AtLeast(n) => ("at least", *n),
            CountKind::AtMost(n) => ("at most", *n),
            CountKind::Exactly(n) => ("exactly", *n),
            CountKind::Aggregate {
                func,
                column,
                op,
                value,
            } => return write!(f, "{func} {column} {op} {value}"),
        };
        let times = if n == 1 { "time" } else { "times" };
        write!(f, "{words} {n} {times}")
    }
}

impl Display for AggregateFunc {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl Display for Range {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RangeKind::Last { form, count, unit } => {
                let words = match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                };
                match (form, count) {
                    // Only `in the past week` may omit the count; the
                    // parser gives `during` forms a count, so one without
                    // prints as 1 to stay valid text.
                    (LastForm::InThePast | LastForm::InTheLast, None) => {
                        write!(f, "{words} {}", unit.name(1))
                    }
                    (_, count) => {
                        write!(f, "{words} ")?;
                        write_count_unit(f, count.unwrap_or(1), *unit)
                    }
                }
            }
            RangeKind::Since(date) => write!(f, "since {date}"),
            RangeKind::Before(date) => write!(f, "before {date}"),
            RangeKind::Between(from, to) => write!(f, "between {from} and {to}"),
        }
    }
}

impl Display for Date {
    /// The date as written.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for Pred {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PredKind::Or(items) => write_joined(f, items, " or "),
            PredKind::And(items) => write_joined(f, items, " and "),
            PredKind::Not(inner) => write!(f, "not {inner}"),
            PredKind::Group(inner) => write!(f, "({inner})"),
            PredKind::Atom(atom) => write!(f, "{atom}"),
        }
    }
}

impl Display for Atom {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.column)?;
        let not = |negated: bool| if negated { "not " } else { "" };
        match &self.kind {
            AtomKind::Compare { op, value } => write!(f, "{op} {value}"),
            AtomKind::InList { negated, values } => {
                write!(f, "{}in (", not(*negated))?;
                write_joined(f, values, ", ")?;
                f.write_char(')')
            }
            AtomKind::IsNull { negated } => write!(f, "is {}null", not(*negated)),
            AtomKind::Like { negated, pattern } => {
                write!(f, "{}like {pattern}", not(*negated))
            }
            AtomKind::Between { low, high } => write!(f, "between {low} and {high}"),
            AtomKind::InThePast { last, count, unit } => {
                let word = if *last { "last" } else { "past" };
                match count {
                    None => write!(f, "in the {word} {}", unit.name(1)),
                    Some(count) => {
                        write!(f, "in the {word} ")?;
                        write_count_unit(f, *count, *unit)
                    }
                }
            }
            AtomKind::Contains { needle } => write!(f, "contains {needle}"),
        }
    }
}

impl Display for CmpOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
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

impl Display for Period {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl Display for Measure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            MeasureKind::Events => f.write_str("events"),
            MeasureKind::Users => f.write_str("users"),
            MeasureKind::Sessions => f.write_str("sessions"),
            MeasureKind::Count(step) => write!(f, "count({step})"),
        }
    }
}

impl Display for SegRef {
    /// A name, or an inline segment in parentheses (always on one line).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SegRefKind::Named(name) => write!(f, "{name}"),
            SegRefKind::Inline(segment) => write!(f, "({segment})"),
        }
    }
}

// ---------------------------------------------------------------------------
// format_program: `segql fmt`.
// ---------------------------------------------------------------------------

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
        while let Some(comment) = self.comments.get(self.next_comment) {
            self.separate(&mut out, comment.span.start);
            let _ = writeln!(out, "{comment}");
            self.previous_end = Some(comment.span.end);
            self.next_comment += 1;
        }
        out
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
        while let Some(comment) = self.comments.get(self.next_comment)
            && comment.span.start < span.start
        {
            self.separate(&mut out, comment.span.start);
            let _ = writeln!(out, "{comment}");
            self.previous_end = Some(comment.span.end);
            self.next_comment += 1;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    // ----- tree builders ---------------------------------------------------

    fn sp() -> Span {
        Span::default()
    }

    fn id(name: &str) -> Ident {
        Ident {
            name: name.into(),
            quoted: false,
            span: sp(),
        }
    }

    fn qid(name: &str) -> Ident {
        Ident {
            quoted: true,
            ..id(name)
        }
    }

    fn st(value: &str) -> Str {
        Str {
            value: value.into(),
            span: sp(),
        }
    }

    fn num(text: &str) -> Number {
        Number {
            text: text.into(),
            span: sp(),
        }
    }

    fn date(text: &str) -> Date {
        Date {
            text: text.into(),
            epoch_micros: 0,
            date_only: text.len() == 10,
            span: sp(),
        }
    }

    fn lit(kind: LiteralKind) -> Literal {
        Literal { kind, span: sp() }
    }

    fn lstr(value: &str) -> Literal {
        lit(LiteralKind::String(value.into()))
    }

    fn lnum(text: &str) -> Literal {
        lit(LiteralKind::Number(num(text)))
    }

    fn atom(column: &str, kind: AtomKind) -> Atom {
        Atom {
            column: id(column),
            kind,
            span: sp(),
        }
    }

    fn eq(column: &str, value: Literal) -> Atom {
        atom(
            column,
            AtomKind::Compare {
                op: CmpOp::Eq,
                value,
            },
        )
    }

    fn pred(kind: PredKind) -> Pred {
        Pred { kind, span: sp() }
    }

    fn patom(a: Atom) -> Pred {
        pred(PredKind::Atom(a))
    }

    fn target(name: &str) -> Target {
        Target {
            like: false,
            pattern: st(name),
        }
    }

    fn like(pattern: &str) -> Target {
        Target {
            like: true,
            pattern: st(pattern),
        }
    }

    fn event(kind: EventKind) -> Event {
        Event { kind, span: sp() }
    }

    fn step(kind: EventKind) -> Step {
        Step {
            event: event(kind),
            filter: None,
            span: sp(),
        }
    }

    fn viewed(name: &str) -> Step {
        step(EventKind::Viewed(target(name)))
    }

    fn action(name: &str) -> Step {
        step(EventKind::Action {
            target: target(name),
            clicked: false,
        })
    }

    fn with(mut s: Step, filter: Pred) -> Step {
        s.filter = Some(filter);
        s
    }

    fn seq(negated: bool, step: Step) -> SeqStep {
        SeqStep {
            negated,
            step,
            span: sp(),
        }
    }

    fn behavior(steps: Vec<SeqStep>) -> Behavior {
        Behavior {
            performed: false,
            steps,
            within: None,
            count: None,
            range: None,
            span: sp(),
        }
    }

    fn cond(kind: ConditionKind) -> Condition {
        Condition { kind, span: sp() }
    }

    fn cbeh(b: Behavior) -> Condition {
        cond(ConditionKind::Behavior(b))
    }

    fn cview(name: &str) -> Condition {
        cbeh(behavior(vec![seq(false, viewed(name))]))
    }

    fn caction(name: &str) -> Condition {
        cbeh(behavior(vec![seq(false, action(name))]))
    }

    fn cprofile(a: Atom, have: bool) -> Condition {
        cond(ConditionKind::Profile { atom: a, have })
    }

    fn within(kind: WithinKind) -> Within {
        Within { kind, span: sp() }
    }

    fn dur(count: u64, unit: Unit) -> Duration {
        Duration {
            count,
            unit,
            span: sp(),
        }
    }

    fn count(kind: CountKind) -> Count {
        Count { kind, span: sp() }
    }

    fn range(kind: RangeKind) -> Range {
        Range { kind, span: sp() }
    }

    fn last(form: LastForm, count: Option<u64>, unit: Unit) -> Range {
        range(RangeKind::Last { form, count, unit })
    }

    fn who(audience: Audience, condition: Condition) -> Segment {
        Segment {
            audience,
            audience_span: sp(),
            body: SegmentBody::Who {
                condition,
                filter: None,
                range: None,
            },
            span: sp(),
        }
    }

    fn users_who(condition: Condition) -> Segment {
        who(Audience::Users, condition)
    }

    fn stmt(kind: StatementKind) -> Statement {
        Statement { kind, span: sp() }
    }

    fn named(name: &str) -> SegRef {
        SegRef {
            kind: SegRefKind::Named(id(name)),
            span: sp(),
        }
    }

    fn inline(segment: Segment) -> SegRef {
        SegRef {
            kind: SegRefKind::Inline(Box::new(segment)),
            span: sp(),
        }
    }

    fn measure(kind: MeasureKind) -> Measure {
        Measure { kind, span: sp() }
    }

    // ----- leaves ----------------------------------------------------------

    #[test]
    fn printer_identifiers() {
        assert_eq!(id("plan").to_string(), "plan");
        assert_eq!(id("_x9").to_string(), "_x9");
        assert_eq!(id("geo.country").to_string(), "geo.country");
        assert_eq!(qid("geo.country").to_string(), "`geo.country`");
        assert_eq!(qid("plan").to_string(), "`plan`");
        assert_eq!(id("@usr.id").to_string(), "`@usr.id`");
        assert_eq!(id("odd`name").to_string(), "`odd``name`");
        assert_eq!(id("9lives").to_string(), "`9lives`");
        assert_eq!(id("a b").to_string(), "`a b`");
        assert_eq!(id("a..b").to_string(), "`a..b`");
        assert_eq!(id("a.").to_string(), "`a.`");
        assert_eq!(id("événement").to_string(), "`événement`");
        // Reserved words, in any case, as the first part of a name; later
        // dotted parts are read as part of the name.
        assert_eq!(id("event").to_string(), "`event`");
        assert_eq!(id("AND").to_string(), "`AND`");
        assert_eq!(id("geo.in").to_string(), "geo.in");
        assert_eq!(id("null.x").to_string(), "`null.x`");
        // Contextual keywords stay bare.
        assert_eq!(id("users").to_string(), "users");
        assert_eq!(id("session").to_string(), "session");
        assert_eq!(id("events.index").to_string(), "events.index");
    }

    #[test]
    fn printer_strings_and_literals() {
        assert_eq!(st("/cart").to_string(), r#""/cart""#);
        assert_eq!(
            st("a\"b\\c\nd\te\r").to_string(),
            "\"a\\\"b\\\\c\\nd\\te\r\""
        );
        assert_eq!(st("").to_string(), r#""""#);
        assert_eq!(st("ünï €").to_string(), "\"ünï €\"");
        assert_eq!(lstr("x").to_string(), r#""x""#);
        assert_eq!(lnum("1e6").to_string(), "1e6");
        assert_eq!(lnum("-2.50").to_string(), "-2.50");
        assert_eq!(
            lit(LiteralKind::Date(date("2026-01-31T10:00:00Z"))).to_string(),
            "2026-01-31T10:00:00Z"
        );
        assert_eq!(lit(LiteralKind::Bool(true)).to_string(), "true");
        assert_eq!(lit(LiteralKind::Bool(false)).to_string(), "false");
        assert_eq!(lit(LiteralKind::Null).to_string(), "null");
        for (op, text) in [
            (CmpOp::Eq, "="),
            (CmpOp::NotEq, "!="),
            (CmpOp::Lt, "<"),
            (CmpOp::LtEq, "<="),
            (CmpOp::Gt, ">"),
            (CmpOp::GtEq, ">="),
        ] {
            assert_eq!(op.to_string(), text);
        }
    }

    #[test]
    fn printer_durations_counts_withins() {
        assert_eq!(dur(30, Unit::Minute).to_string(), "30 minutes");
        assert_eq!(dur(1, Unit::Hour).to_string(), "1 hour");
        assert_eq!(dur(0, Unit::Second).to_string(), "0 seconds");
        assert_eq!(dur(2, Unit::Week).to_string(), "2 weeks");
        assert_eq!(dur(1, Unit::Day).to_string(), "1 day");
        assert_eq!(within(WithinKind::Session).to_string(), "within session");
        assert_eq!(
            within(WithinKind::Duration(dur(10, Unit::Minute))).to_string(),
            "within 10 minutes"
        );
        assert_eq!(count(CountKind::AtLeast(3)).to_string(), "at least 3 times");
        assert_eq!(count(CountKind::AtLeast(1)).to_string(), "at least 1 time");
        assert_eq!(count(CountKind::AtMost(0)).to_string(), "at most 0 times");
        assert_eq!(count(CountKind::Exactly(1)).to_string(), "exactly 1 time");
        let aggregate = |func, op, value| {
            count(CountKind::Aggregate {
                func,
                column: id("amount"),
                op,
                value: num(value),
            })
            .to_string()
        };
        assert_eq!(
            aggregate(AggregateFunc::Total, CmpOp::Gt, "100"),
            "total amount > 100"
        );
        assert_eq!(
            aggregate(AggregateFunc::Average, CmpOp::LtEq, "2.5"),
            "average amount <= 2.5"
        );
        assert_eq!(
            aggregate(AggregateFunc::Min, CmpOp::GtEq, "-3"),
            "min amount >= -3"
        );
        assert_eq!(
            aggregate(AggregateFunc::Max, CmpOp::NotEq, "1e6"),
            "max amount != 1e6"
        );
    }

    #[test]
    fn printer_ranges() {
        use LastForm::*;
        assert_eq!(
            last(DuringLast, Some(7), Unit::Day).to_string(),
            "during last 7 days"
        );
        assert_eq!(
            last(DuringPast, Some(2), Unit::Week).to_string(),
            "during past 2 weeks"
        );
        assert_eq!(
            last(DuringLast, Some(1), Unit::Month).to_string(),
            "during last 1 month"
        );
        assert_eq!(
            last(InThePast, None, Unit::Week).to_string(),
            "in the past week"
        );
        assert_eq!(
            last(InThePast, Some(3), Unit::Day).to_string(),
            "in the past 3 days"
        );
        assert_eq!(
            last(InThePast, Some(1), Unit::Day).to_string(),
            "in the past 1 day"
        );
        assert_eq!(
            last(InTheLast, None, Unit::Month).to_string(),
            "in the last month"
        );
        assert_eq!(
            last(InTheLast, Some(12), Unit::Hour).to_string(),
            "in the last 12 hours"
        );
        // Never produced by the parser; printed as valid text.
        assert_eq!(
            last(DuringLast, None, Unit::Day).to_string(),
            "during last 1 day"
        );
        assert_eq!(
            range(RangeKind::Since(date("2026-01-01"))).to_string(),
            "since 2026-01-01"
        );
        assert_eq!(
            range(RangeKind::Before(date("2026-01-31T10:00:00Z"))).to_string(),
            "before 2026-01-31T10:00:00Z"
        );
        assert_eq!(
            range(RangeKind::Between(date("2026-01-01"), date("2026-02-01"))).to_string(),
            "between 2026-01-01 and 2026-02-01"
        );
    }

    #[test]
    fn printer_atoms_and_preds() {
        let cases = [
            (eq("plan", lstr("premium")), r#"plan = "premium""#),
            (
                atom(
                    "amount",
                    AtomKind::Compare {
                        op: CmpOp::GtEq,
                        value: lnum("10"),
                    },
                ),
                "amount >= 10",
            ),
            (
                atom(
                    "plan",
                    AtomKind::InList {
                        negated: true,
                        values: vec![lstr("a"), lstr("b")],
                    },
                ),
                r#"plan not in ("a", "b")"#,
            ),
            (
                atom(
                    "n",
                    AtomKind::InList {
                        negated: false,
                        values: vec![lnum("1")],
                    },
                ),
                "n in (1)",
            ),
            (
                atom("email", AtomKind::IsNull { negated: true }),
                "email is not null",
            ),
            (
                atom("email", AtomKind::IsNull { negated: false }),
                "email is null",
            ),
            (
                atom(
                    "url",
                    AtomKind::Like {
                        negated: true,
                        pattern: st("x%"),
                    },
                ),
                r#"url not like "x%""#,
            ),
            (
                atom(
                    "url",
                    AtomKind::Like {
                        negated: false,
                        pattern: st("x%"),
                    },
                ),
                r#"url like "x%""#,
            ),
            (
                atom(
                    "age",
                    AtomKind::Between {
                        low: lnum("18"),
                        high: lnum("30"),
                    },
                ),
                "age between 18 and 30",
            ),
            (
                atom(
                    "start_date",
                    AtomKind::InThePast {
                        last: false,
                        count: Some(7),
                        unit: Unit::Day,
                    },
                ),
                "start_date in the past 7 days",
            ),
            (
                atom(
                    "start_date",
                    AtomKind::InThePast {
                        last: true,
                        count: None,
                        unit: Unit::Week,
                    },
                ),
                "start_date in the last week",
            ),
            (
                atom("name", AtomKind::Contains { needle: st("x") }),
                r#"name contains "x""#,
            ),
            (
                Atom {
                    column: id("where"),
                    ..eq("x", lit(LiteralKind::Null))
                },
                "`where` = null",
            ),
        ];
        for (a, text) in cases {
            assert_eq!(a.to_string(), text);
        }

        let a = patom(eq("a", lnum("1")));
        let b = patom(eq("b", lnum("2")));
        let c = patom(eq("c", lnum("3")));
        let p = pred(PredKind::Or(vec![
            pred(PredKind::And(vec![a.clone(), b.clone()])),
            pred(PredKind::Not(Box::new(pred(PredKind::Group(Box::new(
                pred(PredKind::Or(vec![b, c])),
            )))))),
        ]));
        assert_eq!(p.to_string(), "a = 1 and b = 2 or not (b = 2 or c = 3)");
        assert_eq!(pred(PredKind::Not(Box::new(a))).to_string(), "not a = 1");
    }

    #[test]
    fn printer_events_and_steps() {
        let cases = [
            (viewed("/cart"), r#"viewed "/cart""#),
            (
                step(EventKind::Viewed(like("/product/%"))),
                r#"viewed like "/product/%""#,
            ),
            (action("CHECKOUT"), r#"action "CHECKOUT""#),
            (
                step(EventKind::Action {
                    target: target("buy"),
                    clicked: true,
                }),
                r#"clicked "buy""#,
            ),
            (
                step(EventKind::Action {
                    target: like("b%"),
                    clicked: true,
                }),
                r#"clicked like "b%""#,
            ),
            (step(EventKind::Error(None)), "error"),
            (
                step(EventKind::Error(Some(target("boom")))),
                r#"error "boom""#,
            ),
            (
                step(EventKind::Named(target("purchase"))),
                r#"event "purchase""#,
            ),
            (step(EventKind::Any), "any event"),
            (
                with(viewed("/a"), patom(eq("device", lstr("mobile")))),
                r#"viewed "/a" with device = "mobile""#,
            ),
        ];
        for (s, text) in cases {
            assert_eq!(s.to_string(), text);
        }
        assert_eq!(seq(true, action("x")).to_string(), r#"not action "x""#);
        assert_eq!(
            measure(MeasureKind::Count(viewed("/cart"))).to_string(),
            r#"count(viewed "/cart")"#
        );
        assert_eq!(measure(MeasureKind::Events).to_string(), "events");
        assert_eq!(measure(MeasureKind::Users).to_string(), "users");
        assert_eq!(measure(MeasureKind::Sessions).to_string(), "sessions");
    }

    #[test]
    fn printer_behaviors() {
        let mut b = behavior(vec![
            seq(false, viewed("/cart")),
            seq(true, action("CHECKOUT")),
        ]);
        b.within = Some(within(WithinKind::Session));
        assert_eq!(
            b.to_string(),
            r#"viewed "/cart" then not action "CHECKOUT" within session"#
        );

        let mut b = behavior(vec![seq(false, viewed("/a"))]);
        b.performed = true;
        b.within = Some(within(WithinKind::Session));
        b.count = Some(count(CountKind::AtLeast(3)));
        b.range = Some(last(LastForm::DuringLast, Some(7), Unit::Day));
        assert_eq!(
            b.to_string(),
            r#"performed viewed "/a" at least 3 times within session during last 7 days"#
        );

        let mut b = behavior(vec![seq(false, step(EventKind::Named(target("purchase"))))]);
        b.performed = true;
        b.count = Some(count(CountKind::Aggregate {
            func: AggregateFunc::Total,
            column: id("amount"),
            op: CmpOp::Gt,
            value: num("100"),
        }));
        b.range = Some(last(LastForm::DuringLast, Some(30), Unit::Day));
        assert_eq!(
            b.to_string(),
            r#"performed event "purchase" total amount > 100 during last 30 days"#
        );

        let mut b = behavior(vec![
            seq(false, viewed("/a")),
            seq(false, with(viewed("/b"), patom(eq("x", lnum("1"))))),
            seq(false, clicked_step("c")),
        ]);
        b.within = Some(within(WithinKind::Duration(dur(30, Unit::Minute))));
        assert_eq!(
            b.to_string(),
            r#"viewed "/a" then viewed "/b" with x = 1 then clicked "c" within 30 minutes"#
        );
    }

    fn clicked_step(name: &str) -> Step {
        step(EventKind::Action {
            target: target(name),
            clicked: true,
        })
    }

    #[test]
    fn printer_conditions() {
        let c = cond(ConditionKind::Or(vec![
            cond(ConditionKind::And(vec![
                cview("/a"),
                cprofile(eq("plan", lstr("pro")), true),
            ])),
            cond(ConditionKind::Not(Box::new(caction("b")))),
        ]));
        assert_eq!(
            c.to_string(),
            r#"viewed "/a" and have plan = "pro" or not action "b""#
        );

        let group = cond(ConditionKind::Group {
            inner: Box::new(cond(ConditionKind::And(vec![cview("/a"), caction("b")]))),
            range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
        });
        assert_eq!(
            group.to_string(),
            r#"(viewed "/a" and action "b") during last 7 days"#
        );
        let group = cond(ConditionKind::Group {
            inner: Box::new(cview("/a")),
            range: None,
        });
        assert_eq!(group.to_string(), r#"(viewed "/a")"#);

        let in_segment = cond(ConditionKind::InSet(SetRef {
            kind: SetRefKind::Segment(id("premium")),
            span: sp(),
        }));
        assert_eq!(in_segment.to_string(), "in segment premium");
        let in_csv = cond(ConditionKind::InSet(SetRef {
            kind: SetRefKind::Csv {
                path: st("f.csv"),
                column: Some(st("c")),
                key: Some(CsvKey::Email),
            },
            span: sp(),
        }));
        assert_eq!(in_csv.to_string(), r#"in csv "f.csv" column "c" by email"#);
        let in_csv = cond(ConditionKind::InSet(SetRef {
            kind: SetRefKind::Csv {
                path: st("ids.csv"),
                column: None,
                key: Some(CsvKey::Id),
            },
            span: sp(),
        }));
        assert_eq!(in_csv.to_string(), r#"in csv "ids.csv" by id"#);
        assert_eq!(
            cprofile(eq("plan", lstr("pro")), false).to_string(),
            r#"plan = "pro""#
        );
    }

    #[test]
    fn printer_segments_and_definitions() {
        let mut s = users_who(cview("/a"));
        s.body = SegmentBody::Who {
            condition: cview("/a"),
            filter: Some(patom(eq("country", lstr("BR")))),
            range: Some(last(LastForm::InThePast, None, Unit::Week)),
        };
        assert_eq!(
            s.to_string(),
            r#"users who viewed "/a" where country = "BR" in the past week"#
        );

        let s = Segment {
            audience: Audience::Accounts,
            audience_span: sp(),
            body: SegmentBody::In {
                set: SetRef {
                    kind: SetRefKind::Csv {
                        path: st("f.csv"),
                        column: None,
                        key: None,
                    },
                    span: sp(),
                },
                filter: Some(patom(eq("arr", lnum("1000")))),
            },
            span: sp(),
        };
        assert_eq!(s.to_string(), r#"accounts in csv "f.csv" where arr = 1000"#);

        let def = stmt(StatementKind::Define(SegmentDef {
            name: id("buyers"),
            segment: users_who(caction("buy")),
        }));
        assert_eq!(
            def.to_string(),
            r#"segment buyers = users who action "buy""#
        );
        let def = stmt(StatementKind::Define(SegmentDef {
            name: id("in"),
            segment: who(Audience::Accounts, caction("buy")),
        }));
        assert_eq!(
            def.to_string(),
            r#"segment `in` = accounts who action "buy""#
        );
    }

    fn premium_inline() -> Segment {
        users_who(cprofile(eq("plan", lstr("premium")), true))
    }

    #[test]
    fn printer_funnel() {
        let f = Funnel {
            steps: vec![
                seq(false, viewed("/cart")),
                seq(false, action("CHECKOUT")),
                seq(true, step(EventKind::Error(None))),
            ],
            within: Some(within(WithinKind::Duration(dur(1, Unit::Day)))),
            scope: Some(named("premium")),
            compare: vec![named("seg1"), inline(premium_inline())],
            by: Some(id("device")),
            range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
        };
        assert_eq!(
            stmt(StatementKind::Funnel(f.clone())).to_string(),
            r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#
        );
        let bare = Funnel {
            steps: f.steps[..2].to_vec(),
            within: None,
            scope: None,
            compare: vec![],
            by: None,
            range: None,
        };
        assert_eq!(
            bare.to_string(),
            r#"funnel viewed "/cart" then action "CHECKOUT""#
        );
    }

    #[test]
    fn printer_retention_paths_explore() {
        let r = Retention {
            start: action("signup"),
            returning: step(EventKind::Any),
            every: Some(Period::Week),
            periods: Some(8),
            scope: Some(inline(premium_inline())),
            by: Some(id("device")),
            range: Some(range(RangeKind::Since(date("2026-01-01")))),
        };
        assert_eq!(
            stmt(StatementKind::Retention(r)).to_string(),
            r#"retention action "signup" returning any event every week periods 8 for (users who have plan = "premium") by device since 2026-01-01"#
        );
        let r = Retention {
            start: action("a"),
            returning: action("b"),
            every: None,
            periods: Some(0),
            scope: None,
            by: None,
            range: None,
        };
        assert_eq!(
            r.to_string(),
            r#"retention action "a" returning action "b" periods 0"#
        );

        let p = Paths {
            from: Some(viewed("/cart")),
            to: Some(viewed("/checkout")),
            depth: Some(4),
            top: Some(5),
            scope: Some(named("x")),
            range: Some(last(LastForm::InTheLast, Some(2), Unit::Week)),
        };
        assert_eq!(
            p.to_string(),
            r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 for x in the last 2 weeks"#
        );
        let p = Paths {
            from: None,
            to: None,
            depth: None,
            top: None,
            scope: None,
            range: None,
        };
        assert_eq!(stmt(StatementKind::Paths(p)).to_string(), "paths");

        let e = Explore {
            measures: vec![
                measure(MeasureKind::Users),
                measure(MeasureKind::Events),
                measure(MeasureKind::Count(viewed("/cart"))),
            ],
            by: vec![id("device"), id("country")],
            every: Some(dur(1, Unit::Day)),
            scope: Some(named("x")),
            top: Some(5),
            range: Some(last(LastForm::DuringLast, Some(30), Unit::Day)),
        };
        assert_eq!(
            stmt(StatementKind::Explore(e)).to_string(),
            r#"explore users, events, count(viewed "/cart") by device, country every 1 day for x top 5 during last 30 days"#
        );
        let e = Explore {
            measures: vec![measure(MeasureKind::Sessions)],
            by: vec![],
            every: None,
            scope: None,
            top: None,
            range: None,
        };
        assert_eq!(e.to_string(), "explore sessions");
    }

    // ----- pretty form -----------------------------------------------------

    #[test]
    fn pretty_short_statement_stays_on_one_line() {
        let s = stmt(StatementKind::Segment(users_who(cview("/a"))));
        assert_eq!(format!("{s:#}"), r#"users who viewed "/a""#);
    }

    #[test]
    fn pretty_breaks_condition_where_and_range() {
        let long = "/a/very/long/path/that/goes/on/and/on";
        let b = {
            let mut b = behavior(vec![
                seq(false, viewed(long)),
                seq(true, with(action("CHECKOUT"), patom(eq("a", lnum("1"))))),
            ]);
            b.within = Some(within(WithinKind::Session));
            cbeh(b)
        };
        let condition = cond(ConditionKind::Or(vec![
            cond(ConditionKind::And(vec![
                b,
                cprofile(eq("plan", lstr("pro")), true),
                cond(ConditionKind::Group {
                    inner: Box::new(cond(ConditionKind::Or(vec![cview("/x"), cview("/y")]))),
                    range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
                }),
            ])),
            cond(ConditionKind::Not(Box::new(caction("b")))),
        ]));
        let segment = Segment {
            body: SegmentBody::Who {
                condition,
                filter: Some(pred(PredKind::And(vec![
                    patom(eq("country", lstr("BR"))),
                    patom(eq("device", lstr("mobile"))),
                ]))),
                range: Some(last(LastForm::DuringLast, Some(30), Unit::Day)),
            },
            ..users_who(cview("/a"))
        };
        let s = stmt(StatementKind::Define(SegmentDef {
            name: id("long_one"),
            segment,
        }));
        let expected = r#"segment long_one = users who viewed "/a/very/long/path/that/goes/on/and/on"
    then not action "CHECKOUT" with a = 1 within session
    and have plan = "pro"
    and (viewed "/x" or viewed "/y") during last 7 days
    or not action "b"
    where country = "BR" and device = "mobile"
    during last 30 days"#;
        assert_eq!(format!("{s:#}"), expected);
        assert_eq!(s.to_string(), expected.replace("\n    ", " "));
    }

    #[test]
    fn pretty_breaks_at_exactly_the_width() {
        // 88 columns stay on one line, 89 break.
        let prefix = r#"users who viewed ""#.len() + r#"" and action "b""#.len();
        for (width, lines) in [(88, 1), (89, 2)] {
            let name = "x".repeat(width - prefix);
            let s = stmt(StatementKind::Segment(users_who(cond(ConditionKind::And(
                vec![cview(&name), caction("b")],
            )))));
            assert_eq!(s.to_string().len(), width);
            assert_eq!(format!("{s:#}").lines().count(), lines);
        }
    }

    #[test]
    fn pretty_breaks_analysis_clauses() {
        let f = stmt(StatementKind::Funnel(Funnel {
            steps: vec![
                seq(false, viewed("/cart")),
                seq(false, action("CHECKOUT")),
                seq(true, step(EventKind::Error(None))),
            ],
            within: Some(within(WithinKind::Duration(dur(1, Unit::Day)))),
            scope: Some(named("premium")),
            compare: vec![named("seg1"), inline(premium_inline())],
            by: Some(id("device")),
            range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
        }));
        assert_eq!(
            format!("{f:#}"),
            r#"funnel viewed "/cart"
    then action "CHECKOUT"
    then not error
    within 1 day
    for premium
    compare seg1, (users who have plan = "premium")
    by device
    during last 7 days"#
        );

        let r = stmt(StatementKind::Retention(Retention {
            start: action("signup"),
            returning: step(EventKind::Any),
            every: Some(Period::Week),
            periods: Some(8),
            scope: Some(inline(premium_inline())),
            by: Some(id("device")),
            range: Some(range(RangeKind::Since(date("2026-01-01")))),
        }));
        assert_eq!(
            format!("{r:#}"),
            r#"retention action "signup" returning any event
    every week
    periods 8
    for (users who have plan = "premium")
    by device
    since 2026-01-01"#
        );

        let p = stmt(StatementKind::Paths(Paths {
            from: Some(viewed("/cart/with/a/long/name")),
            to: Some(viewed("/checkout/with/a/long/name")),
            depth: Some(4),
            top: Some(5),
            scope: Some(named("x")),
            range: Some(last(LastForm::InTheLast, Some(2), Unit::Week)),
        }));
        assert_eq!(
            format!("{p:#}"),
            r#"paths from viewed "/cart/with/a/long/name" to viewed "/checkout/with/a/long/name"
    depth 4
    top 5
    for x
    in the last 2 weeks"#
        );

        let e = stmt(StatementKind::Explore(Explore {
            measures: vec![
                measure(MeasureKind::Users),
                measure(MeasureKind::Count(viewed("/cart"))),
            ],
            by: vec![id("device"), id("country")],
            every: Some(dur(1, Unit::Day)),
            scope: Some(named("premium_users")),
            top: Some(5),
            range: Some(range(RangeKind::Between(
                date("2026-01-01"),
                date("2026-02-01"),
            ))),
        }));
        assert_eq!(
            format!("{e:#}"),
            r#"explore users, count(viewed "/cart")
    by device, country
    every 1 day
    for premium_users
    top 5
    between 2026-01-01 and 2026-02-01"#
        );
    }

    #[test]
    fn program_display() {
        let program = Program {
            statements: vec![
                stmt(StatementKind::Segment(users_who(cview("/a")))),
                stmt(StatementKind::Paths(Paths {
                    from: None,
                    to: None,
                    depth: Some(3),
                    top: None,
                    scope: None,
                    range: None,
                })),
            ],
            comments: vec![],
        };
        assert_eq!(
            program.to_string(),
            "users who viewed \"/a\";\npaths depth 3;\n"
        );
    }

    // ----- format_program --------------------------------------------------

    /// The span of the first occurrence of `text` in `source` at or after
    /// `from`.
    fn find(source: &str, text: &str, from: usize) -> Span {
        let start = source[from..].find(text).expect("text in source") + from;
        Span::new(start, start + text.len())
    }

    /// A statement `users who viewed "<name>"` whose span is from `first` to
    /// `last` (searched in that order from `from`).
    fn view_at(source: &str, name: &str, first: &str, last: &str, from: usize) -> Statement {
        let start = find(source, first, from);
        let end = find(source, last, start.start);
        Statement {
            kind: StatementKind::Segment(users_who(cview(name))),
            span: start.to(end),
        }
    }

    /// Every `#` comment of `source` (no `#` in its strings), with its span.
    fn comments_of(source: &str) -> Vec<Comment> {
        let mut comments = Vec::new();
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            if let Some(i) = line.find('#').or_else(|| line.find("--")) {
                let text = line[i..].trim_end_matches('\n');
                comments.push(Comment {
                    text: text.into(),
                    span: Span::new(offset + i, offset + i + text.len()),
                });
            }
            offset += line.len();
        }
        comments
    }

    /// Statements `users who viewed "<name>"`, written on one line each as
    /// `users who viewed "<name>"` in `source` (in order).
    fn simple_program(source: &str, names: &[&str]) -> Program {
        let mut statements = Vec::new();
        let mut from = 0;
        for name in names {
            let text = format!("users who viewed \"{name}\"");
            let span = find(source, &text, from);
            from = span.end;
            statements.push(Statement {
                kind: StatementKind::Segment(users_who(cview(name))),
                span,
            });
        }
        Program {
            statements,
            comments: comments_of(source),
        }
    }

    #[test]
    fn format_empty_program() {
        let program = Program {
            statements: vec![],
            comments: vec![],
        };
        assert_eq!(format_program(&program, ""), "");
        assert_eq!(format_program(&program, "\n\n  \n"), "");
    }

    #[test]
    fn format_only_comments() {
        let source = "# one   \n-- two\n\n\n# three\n";
        let program = simple_program(source, &[]);
        assert_eq!(
            format_program(&program, source),
            "# one\n-- two\n\n# three\n"
        );
    }

    #[test]
    fn format_statements_and_blank_lines() {
        let source = "users who viewed \"/a\"  ;users who viewed \"/b\"\n\n\n\nusers who viewed \"/c\";\n;\nusers who viewed \"/d\"";
        let program = simple_program(source, &["/a", "/b", "/c", "/d"]);
        assert_eq!(
            format_program(&program, source),
            "users who viewed \"/a\";\nusers who viewed \"/b\";\n\nusers who viewed \"/c\";\nusers who viewed \"/d\";\n"
        );
        // A blank line before the `;` counts too.
        let source = "users who viewed \"/a\"\n\n;users who viewed \"/b\";";
        let program = simple_program(source, &["/a", "/b"]);
        assert_eq!(
            format_program(&program, source),
            "users who viewed \"/a\";\n\nusers who viewed \"/b\";\n"
        );
    }

    #[test]
    fn format_keeps_comments() {
        let source = r#"# Header comment


# about a
users who viewed "/a";  # trailing a   
-- about b, after a blank line

users who viewed "/b" # before the semicolon
;
users who viewed "/c"; users who viewed "/d"; # after d
# the end

# really the end
"#;
        let program = simple_program(source, &["/a", "/b", "/c", "/d"]);
        let expected = r#"# Header comment

# about a
users who viewed "/a"; # trailing a
-- about b, after a blank line

users who viewed "/b"; # before the semicolon
users who viewed "/c";
users who viewed "/d"; # after d
# the end

# really the end
"#;
        assert_eq!(format_program(&program, source), expected);
        // Idempotent: the output, read the same way, formats to itself.
        let again = simple_program(expected, &["/a", "/b", "/c", "/d"]);
        assert_eq!(format_program(&again, expected), expected);
    }

    #[test]
    fn format_moves_comments_inside_a_statement() {
        let source = "# lead\n\nusers who viewed # inside one\n  \"/a\" # inside two\n  and viewed \"/b\"; # trail\nusers who viewed \"/c\"\n";
        let first = Statement {
            kind: StatementKind::Segment(users_who(cond(ConditionKind::And(vec![
                cview("/a"),
                cview("/b"),
            ])))),
            span: find(source, "users", 0).to(find(source, "\"/b\"", 0)),
        };
        let program = Program {
            statements: vec![
                first,
                view_at(source, "/c", "users who viewed \"/c\"", "\"/c\"", 60),
            ],
            comments: comments_of(source),
        };
        let expected = "# lead\n\n# inside one\n# inside two\nusers who viewed \"/a\" and viewed \"/b\"; # trail\nusers who viewed \"/c\";\n";
        assert_eq!(format_program(&program, source), expected);
    }

    #[test]
    fn format_trailing_comment_after_a_broken_statement() {
        let long = "/a/very/long/path/that/goes/on/and/on/and/on/and/on";
        let source = format!("users who viewed \"{long}\" and viewed \"{long}\"; # note\n");
        let span = find(&source, "users", 0).to(find(&source, &format!("\"{long}\";"), 30));
        let program = Program {
            statements: vec![Statement {
                kind: StatementKind::Segment(users_who(cond(ConditionKind::And(vec![
                    cview(long),
                    cview(long),
                ])))),
                span: Span::new(span.start, span.end - 1),
            }],
            comments: comments_of(&source),
        };
        assert_eq!(
            format_program(&program, &source),
            format!("users who viewed \"{long}\"\n    and viewed \"{long}\"; # note\n")
        );
    }

    // ----- round trips through the parser ----------------------------------

    /// (source, canonical text): parse, print, and parse the print again.
    const ROUND_TRIPS: &[(&str, &str)] = &[
        (
            r#"USERS WHO Viewed "/cart" THEN NOT Action "CHECKOUT" WITHIN SESSION"#,
            r#"users who viewed "/cart" then not action "CHECKOUT" within session"#,
        ),
        (
            r#"users who performed viewed "/a" within 30m at least 3 times during last 7 d"#,
            r#"users who performed viewed "/a" at least 3 times within 30 minutes during last 7 days"#,
        ),
        (
            r#"users  who  have plan="premium" and country = "BR""#,
            r#"users who have plan = "premium" and country = "BR""#,
        ),
        (
            r#"users who viewed "/a" with device = "mobile" and browser = "chrome""#,
            r#"users who viewed "/a" with device = "mobile" and browser = "chrome""#,
        ),
        (
            r#"users who viewed "/a" with device = "mobile" and action "b""#,
            r#"users who viewed "/a" with device = "mobile" and action "b""#,
        ),
        (
            r#"users who ( viewed "/a" and action "b" ) during last 7 days"#,
            r#"users who (viewed "/a" and action "b") during last 7 days"#,
        ),
        (
            r#"users who viewed "/a" and action "b" during past 2 weeks"#,
            r#"users who viewed "/a" and action "b" during past 2 weeks"#,
        ),
        (
            r#"users who not (viewed "/a" then viewed "/b") or in segment premium"#,
            r#"users who not (viewed "/a" then viewed "/b") or in segment premium"#,
        ),
        (
            r#"users who in csv "f.csv" column "c" by email and error"#,
            r#"users who in csv "f.csv" column "c" by email and error"#,
        ),
        (
            r#"users who error "boom" in the past week"#,
            r#"users who error "boom" in the past week"#,
        ),
        (
            r#"users who clicked like "buy%" exactly 1 times in the last month"#,
            r#"users who clicked like "buy%" exactly 1 time in the last month"#,
        ),
        (
            r#"users who performed event "purchase" total amount > 100 during last 30 days"#,
            r#"users who performed event "purchase" total amount > 100 during last 30 days"#,
        ),
        (
            r#"users who any event since 2026-01-01"#,
            r#"users who any event since 2026-01-01"#,
        ),
        (
            r#"users who viewed "/a" between 2026-01-01 and 2026-02-01T10:00:00Z"#,
            r#"users who viewed "/a" between 2026-01-01 and 2026-02-01T10:00:00Z"#,
        ),
        (
            r#"users who viewed "/a" where country = "BR" and not (plan in ("a","b") or plan is null) during last 7 days"#,
            r#"users who viewed "/a" where country = "BR" and not (plan in ("a", "b") or plan is null) during last 7 days"#,
        ),
        (
            r#"accounts in csv "accts.csv" by id where arr >= 1e6"#,
            r#"accounts in csv "accts.csv" by id where arr >= 1e6"#,
        ),
        (
            r#"users who have `@usr.id` not like "x%" and `geo.country` = "BR" and geo.city contains "Rio""#,
            r#"users who have `@usr.id` not like "x%" and `geo.country` = "BR" and geo.city contains "Rio""#,
        ),
        (
            r#"users who have age between 18 and 30.5 and signup in the past 7 days and `where` != null"#,
            r#"users who have age between 18 and 30.5 and signup in the past 7 days and `where` != null"#,
        ),
        (
            r#"users who have `odd``name` = 1 and `AND` = 2 and `plain` = true or d < 2026-01-01"#,
            r#"users who have `odd``name` = 1 and `AND` = 2 and `plain` = true or d < 2026-01-01"#,
        ),
        (
            r#"users who have name = "a\"b\\c\nd\te" and x in (1, "a", false, null, 2026-01-01)"#,
            r#"users who have name = "a\"b\\c\nd\te" and x in (1, "a", false, null, 2026-01-01)"#,
        ),
        (
            r#"segment buyers = users who action "buy" within 1 h at most 2 times"#,
            r#"segment buyers = users who action "buy" at most 2 times within 1 hour"#,
        ),
        (
            r#"segment users = accounts who viewed "/a" at least 2 times within 0s"#,
            r#"segment users = accounts who viewed "/a" at least 2 times within 0 seconds"#,
        ),
        (
            r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#,
            r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#,
        ),
        (
            r#"funnel viewed "/a" then viewed "/b" for users by top"#,
            r#"funnel viewed "/a" then viewed "/b" for users by top"#,
        ),
        (
            r#"retention action "signup" returning any event every week periods 8 for x by device since 2026-01-01"#,
            r#"retention action "signup" returning any event every week periods 8 for x by device since 2026-01-01"#,
        ),
        (
            r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 for x during last 1 month"#,
            r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 for x during last 1 month"#,
        ),
        ("PATHS", "paths"),
        (
            r#"explore users, events, count(viewed "/cart") by device, country every 1 d for x top 5 during last 7 days"#,
            r#"explore users, events, count(viewed "/cart") by device, country every 1 day for x top 5 during last 7 days"#,
        ),
        ("explore sessions every day", "explore sessions every 1 day"),
        (
            r#"users who ((viewed "/a") during last 1 day) since 2026-01-01 and not not viewed "/b""#,
            r#"users who ((viewed "/a") during last 1 day) since 2026-01-01 and not not viewed "/b""#,
        ),
        (
            r#"users who viewed "/a" with (a = 1 or b = 2) and c = 3 then viewed "/b" with at = 4 at least 2 times"#,
            r#"users who viewed "/a" with (a = 1 or b = 2) and c = 3 then viewed "/b" with at = 4 at least 2 times"#,
        ),
        (
            r#"users who have during = 1 and since = 2 and last in the last week"#,
            r#"users who have during = 1 and since = 2 and last in the last week"#,
        ),
    ];

    fn parse_one(source: &str) -> Statement {
        let program = crate::parse(source)
            .unwrap_or_else(|errors| panic!("{source:?} does not parse: {errors:?}"));
        assert_eq!(program.statements.len(), 1, "{source:?}");
        program.statements.into_iter().next().unwrap()
    }

    #[test]
    fn printer_round_trips_through_the_parser() {
        for (source, canonical) in ROUND_TRIPS {
            let tree = parse_one(source);
            assert_eq!(tree.to_string(), *canonical, "printing {source:?}");
            assert_eq!(parse_one(canonical), tree, "re-parsing {canonical:?}");
            let pretty = format!("{tree:#}");
            assert_eq!(parse_one(&pretty), tree, "re-parsing {pretty:?}");
            // The canonical text is a fixed point.
            assert_eq!(parse_one(canonical).to_string(), *canonical);
        }
    }

    #[test]
    fn pretty_round_trips_a_long_condition() {
        let source = r#"segment engaged = users who viewed "/product/very/long/path" then not action "CHECKOUT" within session and have plan = "premium" or (error "boom" and any event) during last 7 days where country = "BR" since 2026-01-01"#;
        let tree = parse_one(source);
        let pretty = format!("{tree:#}");
        assert_eq!(
            pretty,
            r#"segment engaged = users who viewed "/product/very/long/path"
    then not action "CHECKOUT" within session
    and have plan = "premium"
    or (error "boom" and any event) during last 7 days
    where country = "BR"
    since 2026-01-01"#
        );
        assert_eq!(parse_one(&pretty), tree);
    }

    fn fmt_source(source: &str) -> String {
        let program = crate::parse(source)
            .unwrap_or_else(|errors| panic!("{source:?} does not parse: {errors:?}"));
        let formatted = format_program(&program, source);
        let again = crate::parse(&formatted)
            .unwrap_or_else(|errors| panic!("{formatted:?} does not parse: {errors:?}"));
        assert_eq!(again.statements, program.statements, "{formatted}");
        assert_eq!(again.comments.len(), program.comments.len(), "{formatted}");
        assert_eq!(
            format_program(&again, &formatted),
            formatted,
            "fmt is not idempotent"
        );
        formatted
    }

    #[test]
    fn format_program_from_source() {
        let source = r#"# Segments for the shop   
-- second header line


# buyers
segment buyers = users who   action "buy"   -- inside
   within 1h ;   # after the semicolon
segment browsers = users who viewed like "/product/%" # inside too
   at least 3 times during last 7 d;

users who (in segment buyers # inside 2
  or in segment browsers) and not error;
funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day for buyers compare browsers, (users who have plan = "premium") by device during last 7 days; # long one
# before last
explore users by device # trailing without semicolon

# end 1
# end 2


-- end 3
"#;
        let expected = r#"# Segments for the shop
-- second header line

# buyers
-- inside
segment buyers = users who action "buy" within 1 hour; # after the semicolon
# inside too
segment browsers = users who viewed like "/product/%" at least 3 times during last 7 days;

# inside 2
users who (in segment buyers or in segment browsers) and not error;
funnel viewed "/cart"
    then action "CHECKOUT"
    then not error
    within 1 day
    for buyers
    compare browsers, (users who have plan = "premium")
    by device
    during last 7 days; # long one
# before last
explore users by device; # trailing without semicolon

# end 1
# end 2

-- end 3
"#;
        assert_eq!(fmt_source(source), expected);
    }

    #[test]
    fn format_program_small_sources() {
        let cases = [
            ("", ""),
            ("\n\n  \n", ""),
            ("# only a comment", "# only a comment\n"),
            (r#"users who viewed "/a""#, "users who viewed \"/a\";\n"),
            (
                "users who viewed \"/a\"; users who viewed \"/b\" # x\n;users who viewed \"/c\"\n# y\n;\n\n# z\nusers who viewed \"/d\"",
                "users who viewed \"/a\";\nusers who viewed \"/b\"; # x\nusers who viewed \"/c\";\n# y\n\n# z\nusers who viewed \"/d\";\n",
            ),
            (
                "users who\n# own line inside\n  viewed \"/a\" and viewed \"/b\" # end\n\n\n",
                "# own line inside\nusers who viewed \"/a\" and viewed \"/b\"; # end\n",
            ),
            (
                "paths;\n\n\n\npaths;\r\npaths -- crlf\r\n",
                "paths;\n\npaths;\npaths; -- crlf\n",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(fmt_source(source), expected, "formatting {source:?}");
        }
    }
}

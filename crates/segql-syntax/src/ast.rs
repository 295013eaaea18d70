//! The owned syntax tree of a segql program.
//!
//! Every node is a struct with a `kind` enum (where a node has several forms)
//! and a [`Span`]. Spans never take part in equality, so trees can be compared
//! across a print and re-parse. The tree keeps what the user chose to write
//! where two spellings mean the same (`clicked` and `action`, an explicit
//! `have`, parentheses), so that `segql fmt` does not rewrite their words.

use crate::span::Span;
use serde::Serialize;

/// A whole source file or REPL input: statements in order, and the comments
/// found between their tokens (kept for the formatter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub statements: Vec<Statement>,
    pub comments: Vec<Comment>,
}

/// A `#` or `--` comment, with its marker, up to (not including) the newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StatementKind {
    /// `segment NAME = <segment>`
    Define(SegmentDef),
    /// A segment query: its members are the result.
    Segment(Segment),
    Funnel(Funnel),
    Retention(Retention),
    Paths(Paths),
    Explore(Explore),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentDef {
    pub name: Ident,
    pub segment: Segment,
}

/// `users who ...` or `accounts in ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub audience: Audience,
    pub audience_span: Span,
    pub body: SegmentBody,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Audience {
    Users,
    Accounts,
}

impl Audience {
    pub fn keyword(self) -> &'static str {
        match self {
            Audience::Users => "users",
            Audience::Accounts => "accounts",
        }
    }

    /// The key column of the audience's profile table.
    pub fn key_column(self) -> &'static str {
        match self {
            Audience::Users => "user_id",
            Audience::Accounts => "account_id",
        }
    }
}

// A syntax tree is built once per statement; the size of its nodes does not
// matter, the clarity of plain (unboxed) fields does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SegmentBody {
    /// `who <condition> [where <pred> [<range>]]`
    Who {
        condition: Condition,
        filter: Option<Pred>,
        range: Option<Range>,
    },
    /// `in <set_ref> [where <pred>]`
    In { set: SetRef, filter: Option<Pred> },
}

/// A condition of a `who` segment: behaviors and profile tests joined by
/// `and`, `or`, `not`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub kind: ConditionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ConditionKind {
    /// Two or more alternatives.
    Or(Vec<Condition>),
    /// Two or more conditions that must all hold.
    And(Vec<Condition>),
    Not(Box<Condition>),
    /// `( condition ) [range]`: the parentheses the user wrote.
    Group {
        inner: Box<Condition>,
        range: Option<Range>,
    },
    /// A test of the audience's profile table; `have` records whether the
    /// optional word was written.
    Profile {
        atom: Atom,
        have: bool,
    },
    /// `in segment NAME` or `in csv "file"`.
    InSet(SetRef),
    Behavior(Behavior),
}

/// What `in` refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetRef {
    pub kind: SetRefKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SetRefKind {
    Segment(Ident),
    Csv {
        path: Str,
        column: Option<Str>,
        key: Option<CsvKey>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CsvKey {
    Id,
    Email,
}

/// `[performed] step { then [not] step } [modifiers] [range]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behavior {
    /// Whether the optional word `performed` was written.
    pub performed: bool,
    /// The steps in order; the first is never negated.
    pub steps: Vec<SeqStep>,
    pub within: Option<Within>,
    pub count: Option<Count>,
    pub range: Option<Range>,
    pub span: Span,
}

impl Behavior {
    pub fn is_sequence(&self) -> bool {
        self.steps.len() > 1
    }
}

/// One step of a sequence: `[not] step` after a `then`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeqStep {
    pub negated: bool,
    pub step: Step,
    /// From `not` (when negated) to the end of the step.
    pub span: Span,
}

/// `event [with pred]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub event: Event,
    pub filter: Option<Pred>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// `viewed X`: a `view` event named X.
    Viewed(Target),
    /// `action X`, or `clicked X` when `clicked` is true.
    Action { target: Target, clicked: bool },
    /// `error [X]`.
    Error(Option<Target>),
    /// `event X`: any event type named X.
    Named(Target),
    /// `any event`.
    Any,
}

/// An event name: exact (`"/cart"`) or a LIKE pattern (`like "/product/%"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub like: bool,
    pub pattern: Str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Within {
    pub kind: WithinKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum WithinKind {
    Session,
    Duration(Duration),
}

/// `INT UNIT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duration {
    pub count: u64,
    pub unit: Unit,
    pub span: Span,
}

impl Duration {
    /// Length in milliseconds (`month` is 30 days).
    /// The length in milliseconds; a length past `i64` saturates (it is
    /// longer than any data).
    pub fn millis(&self) -> i64 {
        saturating_i64(self.count).saturating_mul(self.unit.millis())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    /// 30 days; only in relative ranges.
    Month,
}

impl Unit {
    pub fn millis(self) -> i64 {
        const S: i64 = 1000;
        match self {
            Unit::Second => S,
            Unit::Minute => 60 * S,
            Unit::Hour => 3600 * S,
            Unit::Day => 86_400 * S,
            Unit::Week => 7 * 86_400 * S,
            Unit::Month => 30 * 86_400 * S,
        }
    }

    /// The long name, singular or plural to agree with `count`.
    pub fn name(self, count: u64) -> &'static str {
        let (one, many) = match self {
            Unit::Second => ("second", "seconds"),
            Unit::Minute => ("minute", "minutes"),
            Unit::Hour => ("hour", "hours"),
            Unit::Day => ("day", "days"),
            Unit::Week => ("week", "weeks"),
            Unit::Month => ("month", "months"),
        };
        if count == 1 { one } else { many }
    }
}

/// A count or aggregate test on a single step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub kind: CountKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CountKind {
    AtLeast(u64),
    AtMost(u64),
    Exactly(u64),
    /// `total amount > 100` and its siblings.
    Aggregate {
        func: AggregateFunc,
        column: Ident,
        op: CmpOp,
        value: Number,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AggregateFunc {
    Total,
    Average,
    Min,
    Max,
}

impl AggregateFunc {
    pub fn keyword(self) -> &'static str {
        match self {
            AggregateFunc::Total => "total",
            AggregateFunc::Average => "average",
            AggregateFunc::Min => "min",
            AggregateFunc::Max => "max",
        }
    }
}

/// A time range that limits which events a behavior sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    pub kind: RangeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RangeKind {
    /// `[now - count unit, now)`. `count` is `None` only for the
    /// `in the past week` forms, where it means 1.
    Last {
        form: LastForm,
        count: Option<u64>,
        unit: Unit,
    },
    /// `[date, +inf)`
    Since(Date),
    /// `(-inf, date)`
    Before(Date),
    /// `[from, to)`
    Between(Date, Date),
}

/// Which of the four spellings of a relative range was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LastForm {
    DuringLast,
    DuringPast,
    InThePast,
    InTheLast,
}

/// A date or UTC timestamp literal, kept as written and as epoch
/// milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Date {
    pub text: String,
    /// Microseconds since the epoch (UTC).
    pub epoch_micros: i64,
    /// True for a bare `YYYY-MM-DD`.
    pub date_only: bool,
    pub span: Span,
}

/// A predicate over the columns of one table (`with`, `where`, `have`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pred {
    pub kind: PredKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PredKind {
    Or(Vec<Pred>),
    And(Vec<Pred>),
    Not(Box<Pred>),
    /// Parentheses the user wrote.
    Group(Box<Pred>),
    Atom(Atom),
}

/// A two-valued test of one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Atom {
    pub column: Ident,
    pub kind: AtomKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AtomKind {
    Compare {
        op: CmpOp,
        value: Literal,
    },
    InList {
        negated: bool,
        values: Vec<Literal>,
    },
    IsNull {
        negated: bool,
    },
    Like {
        negated: bool,
        pattern: Str,
    },
    /// Inclusive at both ends.
    Between {
        low: Literal,
        high: Literal,
    },
    /// `col in the past [N] unit` (`last` when written `in the last`).
    InThePast {
        last: bool,
        count: Option<u64>,
        unit: Unit,
    },
    Contains {
        needle: Str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtEq => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtEq => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum LiteralKind {
    String(String),
    Number(Number),
    Date(Date),
    Bool(bool),
    Null,
}

/// A number kept as written (`1e6`, `-3`, `2.50`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Number {
    pub text: String,
    pub span: Span,
}

impl Number {
    pub fn as_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer, when the text is one (no fraction or
    /// exponent).
    pub fn as_i64(&self) -> Option<i64> {
        self.text.parse().ok()
    }
}

/// A string literal, unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// A column or segment name. `quoted` is true when it was back-quoted, which
/// for a dotted name asks for the exact column rather than a struct field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub quoted: bool,
    pub span: Span,
}

/// `funnel step then [not] step ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Funnel {
    /// The steps in order; the first is never negated.
    pub steps: Vec<SeqStep>,
    pub within: Option<Within>,
    pub scope: Option<SegRef>,
    pub compare: Vec<SegRef>,
    pub by: Option<Ident>,
    pub range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retention {
    pub start: Step,
    pub returning: Step,
    pub every: Option<Period>,
    pub periods: Option<u64>,
    pub scope: Option<SegRef>,
    pub by: Option<Ident>,
    pub range: Option<Range>,
}

/// A calendar period of retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub fn keyword(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub from: Option<Step>,
    pub to: Option<Step>,
    pub depth: Option<u64>,
    pub top: Option<u64>,
    pub scope: Option<SegRef>,
    pub range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explore {
    pub measures: Vec<Measure>,
    pub by: Vec<Ident>,
    pub every: Option<Duration>,
    pub scope: Option<SegRef>,
    pub top: Option<u64>,
    pub range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub kind: MeasureKind,
    pub span: Span,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum MeasureKind {
    Events,
    Users,
    Sessions,
    Count(Step),
}

/// The segment an analysis is scoped to or compares: a name or an inline
/// segment in parentheses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegRef {
    pub kind: SegRefKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SegRefKind {
    Named(Ident),
    Inline(Box<Segment>),
}

/// An `INT` of the text as an `i64`: values past `i64::MAX` (up to
/// `u64::MAX` parse) saturate. Every use of a count, depth or limit means
/// the same at `i64::MAX` as above it: no data has that many rows.
pub fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The result column of the `nth` (from 1) `count(step)` measure of an
/// explore: `count`, then `count_2`, `count_3`, ... (LANGUAGE.md §5).
pub fn count_column(nth: usize) -> String {
    if nth == 1 {
        "count".to_string()
    } else {
        format!("count_{nth}")
    }
}

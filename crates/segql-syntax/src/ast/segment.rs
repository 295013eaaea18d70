//! Segments and what they are made of: conditions, behaviors and their
//! steps, counts, ranges and the predicates of `with`, `where` and `have`.

use super::{Date, Duration, Ident, Number, Str, Unit};
use crate::span::Span;
use serde::Serialize;

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

// Most conditions are behaviors, the largest variant: boxing it would add
// an allocation to the common case to shrink the rare ones.
#[allow(clippy::large_enum_variant)]
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

/// `[performed | stopped | restarted] step { then [not] step } {modifier} [range]`.
///
/// The fields of LANGUAGE.md §11 (`lifecycle`, `holding`, `first_time`) are
/// left out of the printed and serialized tree when absent, so that a
/// behavior of §4 reads as it always has.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Behavior {
    /// Whether the optional word `performed` was written.
    pub performed: bool,
    /// `stopped` or `restarted` before the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    /// The steps in order; the first is never negated.
    pub steps: Vec<SeqStep>,
    pub within: Option<Within>,
    pub count: Option<Count>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holding: Option<Holding>,
    /// The span of `for the first time`, when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<Span>,
    pub range: Option<Range>,
    pub span: Span,
}

/// `stopped` or `restarted`: the word and where it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub kind: LifecycleKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LifecycleKind {
    /// Did the step before the range and not in it.
    Stopped,
    /// Did the step in the range, not in the gap of the same length before
    /// it, and before that gap.
    Restarted,
}

impl LifecycleKind {
    pub fn keyword(self) -> &'static str {
        match self {
            LifecycleKind::Stopped => "stopped",
            LifecycleKind::Restarted => "restarted",
        }
    }
}

/// `holding c1, c2`: the event columns whose values every matched event
/// shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    pub columns: Vec<Ident>,
    pub span: Span,
}

impl std::fmt::Debug for Behavior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Behavior");
        out.field("performed", &self.performed);
        if let Some(lifecycle) = &self.lifecycle {
            out.field("lifecycle", lifecycle);
        }
        out.field("steps", &self.steps)
            .field("within", &self.within)
            .field("count", &self.count);
        if let Some(holding) = &self.holding {
            out.field("holding", holding);
        }
        if let Some(first_time) = &self.first_time {
            out.field("first_time", first_time);
        }
        out.field("range", &self.range)
            .field("span", &self.span)
            .finish()
    }
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

//! Printing segments and what they are made of: conditions, behaviors,
//! steps and events, predicates, counts and ranges.

use super::{Layout, write_count_unit, write_joined};
use crate::ast::*;
use std::fmt::{self, Display, Formatter, Write as _};

pub(super) fn layout_condition(cond: &Condition, out: &mut Layout) {
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
            out.word_if(range.as_ref());
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
pub(super) fn layout_steps(steps: &[SeqStep], out: &mut Layout) {
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.brk();
            out.word("then");
        }
        out.word(step);
    }
}

pub(super) fn layout_behavior(behavior: &Behavior, out: &mut Layout) {
    if let Some(lifecycle) = &behavior.lifecycle {
        out.word(lifecycle.kind.keyword());
    } else if behavior.performed {
        out.word("performed");
    }
    layout_steps(&behavior.steps, out);
    out.word_if(behavior.count.as_ref());
    out.word_if(behavior.within.as_ref());
    out.word_if(behavior.holding.as_ref());
    if behavior.first_time.is_some() {
        out.word("for the first time");
    }
    out.word_if(behavior.range.as_ref());
}

pub(super) fn layout_segment(segment: &Segment, out: &mut Layout) {
    out.word(segment.audience);
    match &segment.body {
        SegmentBody::Who {
            condition,
            filter,
            range,
        } => {
            out.word("who");
            layout_condition(condition, out);
            out.keyword_clause("where", filter.as_ref());
            out.clause_if(range.as_ref());
        }
        SegmentBody::In { set, filter } => {
            out.word(format_args!("in {set}"));
            out.keyword_clause("where", filter.as_ref());
        }
    }
}

pub(super) fn layout_segment_def(def: &SegmentDef, out: &mut Layout) {
    out.word(format_args!("segment {} =", def.name));
    layout_segment(&def.segment, out);
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

/// `inner`, after `word` and a space when `marked`: `not step`, `like "pattern"`.
fn write_marked(
    f: &mut Formatter<'_>,
    marked: bool,
    word: &str,
    inner: &impl Display,
) -> fmt::Result {
    if marked {
        write!(f, "{word} ")?;
    }
    write!(f, "{inner}")
}

impl Display for SeqStep {
    /// `[not] step`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_marked(f, self.negated, "not", &self.step)
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
        write_marked(f, self.like, "like", &self.pattern)
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
impl Display for Holding {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("holding ")?;
        write_joined(f, &self.columns, ", ")
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

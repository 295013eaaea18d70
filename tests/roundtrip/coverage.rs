//! The generator covers the grammar: 600 generated statements use every
//! feature of [`FEATURES`], and no other.

use super::leaves::CONTEXTUAL;
use super::trees::statement;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use segql::syntax::*;
use std::collections::BTreeSet;

/// The grammar features a tree uses, by name.
#[derive(Default)]
struct Seen(BTreeSet<&'static str>);

impl Seen {
    fn add(&mut self, feature: &'static str) {
        self.0.insert(feature);
    }

    fn statement(&mut self, s: &Statement) {
        match &s.kind {
            StatementKind::Define(def) => {
                self.add("statement: segment definition");
                self.ident(&def.name);
                self.segment(&def.segment);
            }
            StatementKind::Segment(segment) => {
                self.add("statement: segment");
                self.segment(segment);
            }
            StatementKind::Funnel(f) => {
                self.add("statement: funnel");
                self.steps(&f.steps);
                f.within
                    .iter()
                    .for_each(|w| self.within(w, "funnel within"));
                f.scope.iter().for_each(|s| self.seg_ref(s, "funnel for"));
                f.compare
                    .iter()
                    .for_each(|s| self.seg_ref(s, "funnel compare"));
                if f.compare.len() > 1 {
                    self.add("funnel compare list");
                }
                f.by.iter().for_each(|i| self.clause_ident(i, "funnel by"));
                f.range.iter().for_each(|r| self.range(r, "funnel range"));
            }
            StatementKind::Retention(r) => {
                self.add("statement: retention");
                self.step(&r.start);
                self.step(&r.returning);
                if let Some(every) = r.every {
                    self.add(match every {
                        Period::Day => "retention every day",
                        Period::Week => "retention every week",
                        Period::Month => "retention every month",
                    });
                }
                if r.periods.is_some() {
                    self.add("retention periods");
                }
                r.scope
                    .iter()
                    .for_each(|s| self.seg_ref(s, "retention for"));
                r.by.iter()
                    .for_each(|i| self.clause_ident(i, "retention by"));
                r.range
                    .iter()
                    .for_each(|x| self.range(x, "retention range"));
            }
            StatementKind::Paths(p) => {
                self.add("statement: paths");
                if let Some(from) = &p.from {
                    self.add("paths from");
                    self.step(from);
                }
                if let Some(to) = &p.to {
                    self.add("paths to");
                    self.step(to);
                }
                if p.depth.is_some() {
                    self.add("paths depth");
                }
                if p.top.is_some() {
                    self.add("paths top");
                }
                p.scope.iter().for_each(|s| self.seg_ref(s, "paths for"));
                p.range.iter().for_each(|r| self.range(r, "paths range"));
            }
            StatementKind::Explore(e) => {
                self.add("statement: explore");
                for m in &e.measures {
                    match &m.kind {
                        MeasureKind::Events => self.add("measure events"),
                        MeasureKind::Users => self.add("measure users"),
                        MeasureKind::Sessions => self.add("measure sessions"),
                        MeasureKind::Count(step) => {
                            self.add("measure count(step)");
                            self.step(step);
                        }
                    }
                }
                if e.measures.len() > 1 {
                    self.add("explore measure list");
                }
                e.by.iter().for_each(|i| self.clause_ident(i, "explore by"));
                if e.by.len() > 1 {
                    self.add("explore by list");
                }
                if let Some(every) = &e.every {
                    self.add("explore every");
                    self.unit(every.unit);
                }
                e.scope.iter().for_each(|s| self.seg_ref(s, "explore for"));
                if e.top.is_some() {
                    self.add("explore top");
                }
                e.range.iter().for_each(|r| self.range(r, "explore range"));
            }
        }
    }

    fn clause_ident(&mut self, ident: &Ident, clause: &'static str) {
        self.add(clause);
        self.ident(ident);
    }

    fn seg_ref(&mut self, s: &SegRef, clause: &'static str) {
        self.add(clause);
        match &s.kind {
            SegRefKind::Named(name) => {
                self.add("segment by name");
                self.ident(name);
            }
            SegRefKind::Inline(segment) => {
                self.add("inline segment");
                self.segment(segment);
            }
        }
    }

    fn segment(&mut self, s: &Segment) {
        self.add(match s.audience {
            Audience::Users => "audience users",
            Audience::Accounts => "audience accounts",
        });
        match &s.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                self.add("who");
                self.condition(condition);
                if let Some(filter) = filter {
                    self.add("who ... where");
                    self.pred(filter);
                }
                range
                    .iter()
                    .for_each(|r| self.range(r, "segment-wide range"));
            }
            SegmentBody::In { set, filter } => {
                self.add("in set");
                self.set_ref(set);
                if let Some(filter) = filter {
                    self.add("in set ... where");
                    self.pred(filter);
                }
            }
        }
    }

    fn set_ref(&mut self, s: &SetRef) {
        match &s.kind {
            SetRefKind::Segment(name) => {
                self.add("in segment");
                self.ident(name);
            }
            SetRefKind::Csv { path, column, key } => {
                self.add("in csv");
                self.string(&path.value);
                if column.is_some() {
                    self.add("csv column");
                }
                match key {
                    Some(CsvKey::Id) => self.add("csv by id"),
                    Some(CsvKey::Email) => self.add("csv by email"),
                    None => {}
                }
            }
        }
    }

    fn condition(&mut self, c: &Condition) {
        match &c.kind {
            ConditionKind::Or(items) => {
                self.add("condition or");
                items.iter().for_each(|c| self.condition(c));
            }
            ConditionKind::And(items) => {
                self.add("condition and");
                items.iter().for_each(|c| self.condition(c));
            }
            ConditionKind::Not(inner) => {
                self.add("condition not");
                self.condition(inner);
            }
            ConditionKind::Group { inner, range } => {
                self.add("condition (group)");
                range.iter().for_each(|r| self.range(r, "group range"));
                self.condition(inner);
            }
            ConditionKind::Profile { atom, have } => {
                self.add(if *have {
                    "profile test with have"
                } else {
                    "profile test"
                });
                self.atom(atom);
            }
            ConditionKind::InSet(set) => self.set_ref(set),
            ConditionKind::Behavior(b) => {
                self.add("behavior");
                if b.performed {
                    self.add("performed");
                }
                if b.steps.len() > 1 {
                    self.add("sequence");
                }
                self.steps(&b.steps);
                b.within
                    .iter()
                    .for_each(|w| self.within(w, "behavior within"));
                if let Some(count) = &b.count {
                    match &count.kind {
                        CountKind::AtLeast(_) => self.add("at least"),
                        CountKind::AtMost(_) => self.add("at most"),
                        CountKind::Exactly(_) => self.add("exactly"),
                        CountKind::Aggregate { func, column, .. } => {
                            self.add(match func {
                                AggregateFunc::Total => "total",
                                AggregateFunc::Average => "average",
                                AggregateFunc::Min => "min",
                                AggregateFunc::Max => "max",
                            });
                            self.ident(column);
                        }
                    }
                    if b.within.is_some() {
                        self.add("count and within");
                    }
                }
                b.range.iter().for_each(|r| self.range(r, "behavior range"));
            }
        }
    }

    fn steps(&mut self, steps: &[SeqStep]) {
        for s in steps {
            if s.negated {
                self.add("then not");
            }
            self.step(&s.step);
        }
    }

    fn step(&mut self, s: &Step) {
        let target = match &s.event.kind {
            EventKind::Viewed(t) => {
                self.add("viewed");
                Some(t)
            }
            EventKind::Action { target, clicked } => {
                self.add(if *clicked { "clicked" } else { "action" });
                Some(target)
            }
            EventKind::Error(t) => {
                self.add(if t.is_some() {
                    "error with target"
                } else {
                    "error"
                });
                t.as_ref()
            }
            EventKind::Named(t) => {
                self.add("event");
                Some(t)
            }
            EventKind::Any => {
                self.add("any event");
                None
            }
        };
        if let Some(t) = target {
            if t.like {
                self.add("like target");
            }
            self.string(&t.pattern.value);
        }
        if let Some(filter) = &s.filter {
            self.add("step with");
            self.pred(filter);
        }
    }

    fn within(&mut self, w: &Within, clause: &'static str) {
        self.add(clause);
        match &w.kind {
            WithinKind::Session => self.add("within session"),
            WithinKind::Duration(d) => {
                self.add("within duration");
                self.unit(d.unit);
            }
        }
    }

    fn range(&mut self, r: &Range, place: &'static str) {
        self.add(place);
        match &r.kind {
            RangeKind::Last { form, count, unit } => {
                self.add(match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                });
                if count.is_none() {
                    self.add("in the past/last without a count");
                }
                self.unit(*unit);
            }
            RangeKind::Since(d) => {
                self.add("since");
                self.date(d);
            }
            RangeKind::Before(d) => {
                self.add("before");
                self.date(d);
            }
            RangeKind::Between(a, b) => {
                self.add("between dates");
                self.date(a);
                self.date(b);
            }
        }
    }

    fn pred(&mut self, p: &Pred) {
        match &p.kind {
            PredKind::Or(items) => {
                self.add("pred or");
                items.iter().for_each(|p| self.pred(p));
            }
            PredKind::And(items) => {
                self.add("pred and");
                items.iter().for_each(|p| self.pred(p));
            }
            PredKind::Not(inner) => {
                self.add("pred not");
                self.pred(inner);
            }
            PredKind::Group(inner) => {
                self.add("pred (group)");
                self.pred(inner);
            }
            PredKind::Atom(atom) => self.atom(atom),
        }
    }

    fn atom(&mut self, a: &Atom) {
        self.ident(&a.column);
        match &a.kind {
            AtomKind::Compare { op, value } => {
                self.add(match op {
                    CmpOp::Eq => "cmp =",
                    CmpOp::NotEq => "cmp !=",
                    CmpOp::Lt => "cmp <",
                    CmpOp::LtEq => "cmp <=",
                    CmpOp::Gt => "cmp >",
                    CmpOp::GtEq => "cmp >=",
                });
                self.literal(value);
            }
            AtomKind::InList { negated, values } => {
                self.add(if *negated {
                    "not in (list)"
                } else {
                    "in (list)"
                });
                values.iter().for_each(|v| self.literal(v));
            }
            AtomKind::IsNull { negated } => {
                self.add(if *negated { "is not null" } else { "is null" })
            }
            AtomKind::Like { negated, pattern } => {
                self.add(if *negated { "not like" } else { "like" });
                self.string(&pattern.value);
            }
            AtomKind::Between { low, high } => {
                self.add("between values");
                self.literal(low);
                self.literal(high);
            }
            AtomKind::InThePast { last, count, unit } => {
                self.add(if *last {
                    "atom in the last"
                } else {
                    "atom in the past"
                });
                if count.is_none() {
                    self.add("atom in the past/last without a count");
                }
                self.unit(*unit);
            }
            AtomKind::Contains { needle } => {
                self.add("contains");
                self.string(&needle.value);
            }
        }
    }

    fn literal(&mut self, l: &Literal) {
        match &l.kind {
            LiteralKind::String(s) => {
                self.add("string literal");
                self.string(s);
            }
            LiteralKind::Number(n) => {
                self.add("number literal");
                if n.text.starts_with('-') {
                    self.add("negative number");
                }
                if n.text.contains('.') {
                    self.add("number with fraction");
                }
                if n.text.contains(['e', 'E']) {
                    self.add("number with exponent");
                }
            }
            LiteralKind::Date(d) => {
                self.add("date literal");
                self.date(d);
            }
            LiteralKind::Bool(true) => self.add("true"),
            LiteralKind::Bool(false) => self.add("false"),
            LiteralKind::Null => self.add("null"),
        }
    }

    fn date(&mut self, d: &Date) {
        self.add(if d.date_only { "date" } else { "timestamp" });
        if d.text.contains('.') {
            self.add("timestamp with fraction");
        }
    }

    fn string(&mut self, s: &str) {
        if s.contains(['"', '\\', '\n', '\t']) {
            self.add("string with escapes");
        }
        if !s.is_ascii() {
            self.add("string with unicode");
        }
    }

    fn ident(&mut self, i: &Ident) {
        if i.quoted {
            self.add("back-quoted name");
            if i.name.contains('`') {
                self.add("back-quoted name with a back quote");
            }
            if i.name.contains(' ') {
                self.add("back-quoted name with a space");
            }
            if i.name.starts_with('@') {
                self.add("back-quoted name like @usr.id");
            }
        } else {
            self.add("bare name");
            if i.name.contains('.') {
                self.add("dotted name");
            }
            if CONTEXTUAL.contains(&i.name.as_str()) {
                self.add("contextual keyword as a name");
            }
        }
    }

    fn unit(&mut self, unit: Unit) {
        self.add(match unit {
            Unit::Second => "unit second",
            Unit::Minute => "unit minute",
            Unit::Hour => "unit hour",
            Unit::Day => "unit day",
            Unit::Week => "unit week",
            Unit::Month => "unit month",
        });
    }
}

/// Every feature of the grammar, as [`Seen`] names them.
#[rustfmt::skip]
const FEATURES: &[&str] = &[
    "statement: segment definition", "statement: segment", "statement: funnel", "statement: retention",
    "statement: paths", "statement: explore",
    // segments
    "audience users", "audience accounts", "who", "who ... where", "segment-wide range", "in set",
    "in set ... where", "in segment", "in csv", "csv column", "csv by id", "csv by email",
    // conditions
    "condition or", "condition and", "condition not", "condition (group)", "group range", "profile test",
    "profile test with have", "behavior",
    // behaviors
    "performed", "sequence", "then not", "behavior within", "within session", "within duration", "at least",
    "at most", "exactly", "total", "average", "min", "max", "count and within", "behavior range", "viewed",
    "action", "clicked", "error", "error with target", "event", "any event", "like target", "step with",
    // ranges
    "during last", "during past", "in the past", "in the last", "in the past/last without a count", "since",
    "before", "between dates",
    // predicates
    "pred or", "pred and", "pred not", "pred (group)", "cmp =", "cmp !=", "cmp <", "cmp <=", "cmp >", "cmp >=",
    "in (list)", "not in (list)", "is null", "is not null", "like", "not like", "between values",
    "atom in the past", "atom in the last", "atom in the past/last without a count", "contains",
    // literals and names
    "string literal", "number literal", "negative number", "number with fraction", "number with exponent",
    "date literal", "true", "false", "null", "date", "timestamp", "timestamp with fraction",
    "string with escapes", "string with unicode", "bare name", "dotted name", "back-quoted name",
    "back-quoted name with a back quote", "back-quoted name with a space", "back-quoted name like @usr.id",
    "contextual keyword as a name", "unit second", "unit minute", "unit hour", "unit day", "unit week",
    "unit month",
    // analyses
    "funnel within", "funnel for", "funnel compare", "funnel compare list", "funnel by", "funnel range",
    "segment by name", "inline segment", "retention every day", "retention every week", "retention every month",
    "retention periods", "retention for", "retention by", "retention range", "paths from", "paths to",
    "paths depth", "paths top", "paths for", "paths range", "measure events", "measure users",
    "measure sessions", "measure count(step)", "explore measure list", "explore by", "explore by list",
    "explore every", "explore for", "explore top", "explore range",
];

#[test]
fn generator_covers_the_grammar() {
    let mut runner = TestRunner::deterministic();
    let strategy = statement();
    let mut seen = Seen::default();
    for _ in 0..600 {
        let tree = strategy
            .new_tree(&mut runner)
            .expect("the generator makes trees");
        seen.statement(&tree.current());
    }
    let missing: Vec<&str> = FEATURES
        .iter()
        .copied()
        .filter(|f| !seen.0.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "600 generated statements never use: {missing:?}"
    );
    let unlisted: Vec<&str> = seen
        .0
        .iter()
        .copied()
        .filter(|f| !FEATURES.contains(f))
        .collect();
    assert!(
        unlisted.is_empty(),
        "features missing from FEATURES: {unlisted:?}"
    );
}

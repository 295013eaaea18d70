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
struct Seen(BTreeSet<String>);

impl Seen {
    fn add(&mut self, feature: impl Into<String>) {
        self.0.insert(feature.into());
    }

    /// [`Seen::add`], then on to the node the feature introduces.
    fn then(&mut self, feature: &str) -> &mut Self {
        self.add(feature);
        self
    }

    /// `feature` when `on`.
    fn flag(&mut self, on: bool, feature: &str) {
        if on {
            self.add(feature);
        }
    }

    /// `yes` or `no`.
    fn either(&mut self, which: bool, yes: &str, no: &str) {
        self.add(if which { yes } else { no });
    }

    fn statement(&mut self, s: &Statement) {
        match &s.kind {
            StatementKind::Define(def) => {
                self.add("statement: segment definition");
                self.ident(&def.name);
                self.segment(&def.segment);
            }
            StatementKind::Segment(segment) => self.then("statement: segment").segment(segment),
            StatementKind::Funnel(f) => {
                self.add("statement: funnel");
                self.steps(&f.steps);
                f.within
                    .iter()
                    .for_each(|w| self.within(w, "funnel within"));
                f.compare
                    .iter()
                    .for_each(|s| self.seg_ref(s, "funnel compare"));
                self.flag(f.compare.len() > 1, "funnel compare list");
                self.clauses("funnel", &f.scope, f.by.as_slice(), &f.range);
            }
            StatementKind::Retention(r) => {
                self.add("statement: retention");
                self.step(&r.start);
                self.step(&r.returning);
                if let Some(every) = r.every {
                    self.add(format!("retention every {}", every.keyword()));
                }
                self.flag(r.periods.is_some(), "retention periods");
                self.clauses("retention", &r.scope, r.by.as_slice(), &r.range);
            }
            StatementKind::Lifecycle(l) => {
                self.add("statement: lifecycle");
                self.step(&l.step);
                if let Some(every) = l.every {
                    self.add(format!("lifecycle every {}", every.keyword()));
                }
                self.clauses("lifecycle", &l.scope, &[], &l.range);
            }
            StatementKind::Stickiness(s) => {
                self.add("statement: stickiness");
                self.step(&s.step);
                if let Some(every) = s.every {
                    self.add(format!("stickiness every {}", every.keyword()));
                }
                self.clauses("stickiness", &s.scope, &[], &s.range);
            }
            StatementKind::Paths(p) => {
                self.add("statement: paths");
                for (clause, step) in [("paths from", &p.from), ("paths to", &p.to)] {
                    if let Some(step) = step {
                        self.add(clause);
                        self.step(step);
                    }
                }
                self.flag(p.depth.is_some(), "paths depth");
                self.flag(p.top.is_some(), "paths top");
                self.flag(!p.clean.is_empty(), "paths clean");
                self.flag(p.clean.len() > 1, "paths clean list");
                self.clauses("paths", &p.scope, &[], &p.range);
            }
            StatementKind::Explore(e) => {
                self.add("statement: explore");
                for m in &e.measures {
                    match &m.kind {
                        MeasureKind::Events => self.add("measure events"),
                        MeasureKind::Users => self.add("measure users"),
                        MeasureKind::Sessions => self.add("measure sessions"),
                        MeasureKind::Count(step) => self.then("measure count(step)").step(step),
                    }
                }
                self.flag(e.measures.len() > 1, "explore measure list");
                self.flag(e.by.len() > 1, "explore by list");
                if let Some(every) = &e.every {
                    self.add("explore every");
                    self.unit(every.unit);
                }
                self.flag(e.top.is_some(), "explore top");
                self.clauses("explore", &e.scope, &e.by, &e.range);
            }
        }
    }

    /// The `for`, `by` and range clauses of an analysis.
    fn clauses(
        &mut self,
        analysis: &str,
        scope: &Option<SegRef>,
        by: &[Ident],
        range: &Option<Range>,
    ) {
        if let Some(scope) = scope {
            self.seg_ref(scope, &format!("{analysis} for"));
        }
        for ident in by {
            self.add(format!("{analysis} by"));
            self.ident(ident);
        }
        if let Some(range) = range {
            self.range(range, &format!("{analysis} range"));
        }
    }

    fn seg_ref(&mut self, s: &SegRef, clause: &str) {
        self.add(clause);
        match &s.kind {
            SegRefKind::Named(name) => self.then("segment by name").ident(name),
            SegRefKind::Inline(segment) => self.then("inline segment").segment(segment),
        }
    }

    fn segment(&mut self, s: &Segment) {
        self.add(format!("audience {}", s.audience.keyword()));
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
            SetRefKind::Segment(name) => self.then("in segment").ident(name),
            SetRefKind::Csv { path, column, key } => {
                self.add("in csv");
                self.string(&path.value);
                self.flag(column.is_some(), "csv column");
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
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                let or = matches!(c.kind, ConditionKind::Or(_));
                self.either(or, "condition or", "condition and");
                items.iter().for_each(|c| self.condition(c));
            }
            ConditionKind::Not(inner) => self.then("condition not").condition(inner),
            ConditionKind::Group { inner, range } => {
                self.add("condition (group)");
                range.iter().for_each(|r| self.range(r, "group range"));
                self.condition(inner);
            }
            ConditionKind::Profile { atom, have } => {
                self.either(*have, "profile test with have", "profile test");
                self.atom(atom);
            }
            ConditionKind::InSet(set) => self.set_ref(set),
            ConditionKind::Behavior(b) => self.behavior(b),
        }
    }

    fn behavior(&mut self, b: &Behavior) {
        self.add("behavior");
        self.flag(b.performed, "performed");
        self.flag(b.steps.len() > 1, "sequence");
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
                    self.then(func.keyword()).ident(column)
                }
            }
            self.flag(b.within.is_some(), "count and within");
        }
        b.range.iter().for_each(|r| self.range(r, "behavior range"));
    }

    fn steps(&mut self, steps: &[SeqStep]) {
        for s in steps {
            self.flag(s.negated, "then not");
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
                self.either(*clicked, "clicked", "action");
                Some(target)
            }
            EventKind::Error(t) => {
                self.either(t.is_some(), "error with target", "error");
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
            self.flag(t.like, "like target");
            self.string(&t.pattern.value);
        }
        if let Some(filter) = &s.filter {
            self.add("step with");
            self.pred(filter);
        }
    }

    fn within(&mut self, w: &Within, clause: &str) {
        self.add(clause);
        match &w.kind {
            WithinKind::Session => self.add("within session"),
            WithinKind::Duration(d) => self.then("within duration").unit(d.unit),
        }
    }

    fn range(&mut self, r: &Range, place: &str) {
        self.add(place);
        match &r.kind {
            RangeKind::Last { form, count, unit } => {
                self.add(match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                });
                self.flag(count.is_none(), "in the past/last without a count");
                self.unit(*unit);
            }
            RangeKind::Since(d) | RangeKind::Before(d) => {
                let since = matches!(r.kind, RangeKind::Since(_));
                self.either(since, "since", "before");
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
            PredKind::Or(items) | PredKind::And(items) => {
                self.either(matches!(p.kind, PredKind::Or(_)), "pred or", "pred and");
                items.iter().for_each(|p| self.pred(p));
            }
            PredKind::Not(inner) | PredKind::Group(inner) => {
                let not = matches!(p.kind, PredKind::Not(_));
                self.either(not, "pred not", "pred (group)");
                self.pred(inner);
            }
            PredKind::Atom(atom) => self.atom(atom),
        }
    }

    fn atom(&mut self, a: &Atom) {
        self.ident(&a.column);
        match &a.kind {
            AtomKind::Compare { op, value } => {
                self.then(&format!("cmp {}", op.symbol())).literal(value)
            }
            AtomKind::InList { negated, values } => {
                self.either(*negated, "not in (list)", "in (list)");
                values.iter().for_each(|v| self.literal(v));
            }
            AtomKind::IsNull { negated } => self.either(*negated, "is not null", "is null"),
            AtomKind::Like { negated, pattern } => {
                self.either(*negated, "not like", "like");
                self.string(&pattern.value);
            }
            AtomKind::Between { low, high } => {
                self.add("between values");
                self.literal(low);
                self.literal(high);
            }
            AtomKind::InThePast { last, count, unit } => {
                self.either(*last, "atom in the last", "atom in the past");
                let without = "atom in the past/last without a count";
                self.flag(count.is_none(), without);
                self.unit(*unit);
            }
            AtomKind::Contains { needle } => self.then("contains").string(&needle.value),
        }
    }

    fn literal(&mut self, l: &Literal) {
        match &l.kind {
            LiteralKind::String(s) => self.then("string literal").string(s),
            LiteralKind::Number(n) => {
                self.add("number literal");
                self.flag(n.text.starts_with('-'), "negative number");
                self.flag(n.text.contains('.'), "number with fraction");
                self.flag(n.text.contains(['e', 'E']), "number with exponent");
            }
            LiteralKind::Date(d) => self.then("date literal").date(d),
            LiteralKind::Bool(b) => self.either(*b, "true", "false"),
            LiteralKind::Null => self.add("null"),
        }
    }

    fn date(&mut self, d: &Date) {
        self.either(d.date_only, "date", "timestamp");
        self.flag(d.text.contains('.'), "timestamp with fraction");
    }

    fn string(&mut self, s: &str) {
        self.flag(s.contains(['"', '\\', '\n', '\t']), "string with escapes");
        self.flag(!s.is_ascii(), "string with unicode");
    }

    fn ident(&mut self, i: &Ident) {
        let name = &i.name;
        if i.quoted {
            self.add("back-quoted name");
            self.flag(name.contains('`'), "back-quoted name with a back quote");
            self.flag(name.contains(' '), "back-quoted name with a space");
            self.flag(name.starts_with('@'), "back-quoted name like @usr.id");
        } else {
            self.add("bare name");
            self.flag(name.contains('.'), "dotted name");
            let contextual = CONTEXTUAL.contains(&name.as_str());
            self.flag(contextual, "contextual keyword as a name");
        }
    }

    fn unit(&mut self, unit: Unit) {
        self.add(format!("unit {}", unit.name(1)));
    }
}

/// Every feature of the grammar, as [`Seen`] names them.
#[rustfmt::skip]
const FEATURES: &[&str] = &[
    "statement: segment definition", "statement: segment", "statement: funnel", "statement: retention",
    "statement: paths", "statement: explore", "statement: lifecycle", "statement: stickiness",
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
    "paths depth", "paths top", "paths clean", "paths clean list", "paths for", "paths range", "measure events", "measure users",
    "measure sessions", "measure count(step)", "explore measure list", "explore by", "explore by list",
    "explore every", "explore for", "explore top", "explore range", "lifecycle every day",
    "lifecycle every week", "lifecycle every month", "lifecycle for", "lifecycle range",
    "stickiness every day", "stickiness every week", "stickiness every month", "stickiness for",
    "stickiness range",
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
        .filter(|f| !seen.0.contains(*f))
        .collect();
    assert!(
        missing.is_empty(),
        "600 generated statements never use: {missing:?}"
    );
    let unlisted: Vec<&String> = seen
        .0
        .iter()
        .filter(|f| !FEATURES.contains(&f.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "features missing from FEATURES: {unlisted:?}"
    );
}

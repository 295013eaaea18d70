//! Resolution: syntax tree + catalog → IR. Binds every column to a table of
//! the catalog, types every literal against its column, turns ranges into
//! instants and inlines referenced segments. Every error here is found from
//! schemas alone, before any data is read (LANGUAGE.md §7).

use crate::Library;
use crate::catalog::{Catalog, TableEntry, TableRole};
use crate::ir::*;
use crate::names;
use datafusion_common::ScalarValue;
use datafusion_common::arrow::datatypes::{DataType, Field, TimeUnit};
use datafusion_expr::{Expr, col, lit};
use segql_syntax::{
    Atom, AtomKind, Audience, Behavior as AstBehavior, CmpOp, Condition, ConditionKind, CountKind,
    CsvKey, Diagnostic, EventKind, Ident, Literal, LiteralKind, Pred, PredKind, Program, Range,
    RangeKind, SegRef, SegRefKind, Segment, SegmentBody, SetRef, SetRefKind, Statement,
    StatementKind, Step, Target, WithinKind, codes, did_you_mean, quoted,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a plan depends on beyond the text and the schemas.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// `now` for relative ranges, in microseconds since the epoch.
    pub now_micros: i64,
    /// The folder `in csv "file"` paths are relative to.
    pub base_dir: PathBuf,
    /// Which lowering sequences and funnels get.
    pub engine: crate::SequenceEngine,
}

/// Resolves every query statement of a validated program. Definitions are
/// taken from the program (earlier statements) and the library.
pub fn resolve(
    program: &Program,
    library: &Library,
    catalog: &dyn Catalog,
    options: &PlanOptions,
) -> Result<Vec<Query>, Vec<Diagnostic>> {
    let mut resolver = StatementResolver::new(library, catalog, options).map_err(|d| vec![d])?;
    let mut queries = Vec::new();
    let mut diagnostics = Vec::new();
    for statement in &program.statements {
        match resolver.statement(statement) {
            Ok(Some(query)) => queries.push(query),
            Ok(None) => {}
            Err(d) => diagnostics.extend(d),
        }
    }
    if diagnostics.is_empty() {
        Ok(queries)
    } else {
        Err(diagnostics)
    }
}

/// [`resolve`] one statement at a time, in order: only the resolved
/// definitions are kept, so a text of any length resolves in the memory of
/// its largest statement and its definitions.
pub struct StatementResolver<'a> {
    resolver: Resolver<'a>,
    /// The problems reported so far: a definition's problem comes back with
    /// every query that uses it, and is reported once.
    reported: std::collections::HashSet<(&'static str, Option<std::ops::Range<usize>>, String)>,
}

impl<'a> StatementResolver<'a> {
    /// Fails when the events table lacks what every query needs.
    pub fn new(
        library: &'a Library,
        catalog: &'a dyn Catalog,
        options: &'a PlanOptions,
    ) -> Result<Self, Diagnostic> {
        let resolver = Resolver {
            catalog,
            library,
            defs: HashMap::new(),
            options,
            library_dirs: RefCell::new(Vec::new()),
            library_resolved: RefCell::new(HashMap::new()),
            relative_ranges: RefCell::new(Vec::new()),
        };
        resolver.check_events_table()?;
        Ok(StatementResolver {
            resolver,
            reported: std::collections::HashSet::new(),
        })
    }

    /// The first relative range of each length met so far.
    pub fn relative_ranges(&self) -> Vec<RelativeRange> {
        self.resolver.relative_ranges.borrow().clone()
    }

    /// The query of the next statement (`None` for a definition), or its
    /// problems not reported before.
    pub fn statement(&mut self, statement: &Statement) -> Result<Option<Query>, Vec<Diagnostic>> {
        let resolver = &mut self.resolver;
        let result = match &statement.kind {
            StatementKind::Define(def) => {
                // A definition is resolved once, where it is written, used
                // or not: its unknown columns are errors of the text
                // (LANGUAGE.md §7). Its uses take the result.
                let resolved = resolver.segment(&def.segment);
                let problem = resolved.as_ref().err().cloned();
                resolver
                    .defs
                    .insert(def.name.name.clone(), (def.segment.audience, resolved));
                match problem {
                    Some(d) => Err(d),
                    None => return Ok(None),
                }
            }
            StatementKind::Segment(segment) => resolver.segment(segment).map(|ir| Query {
                span: statement.span,
                kind: QueryKind::Members(ir),
            }),
            StatementKind::Funnel(_)
            | StatementKind::Retention(_)
            | StatementKind::Paths(_)
            | StatementKind::Explore(_) => resolver.analysis(&statement.kind).map(|kind| Query {
                span: statement.span,
                kind,
            }),
        };
        match result {
            Ok(query) => Ok(Some(query)),
            Err(d) => {
                let key = (d.code, d.span.map(|s| s.range()), d.message.clone());
                if self.reported.insert(key) {
                    Err(vec![d])
                } else {
                    Err(Vec::new())
                }
            }
        }
    }
}

/// The kind of values a column holds, as far as literals are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Text,
    Number,
    Bool,
    /// A date or timestamp column, compared as a UTC timestamp.
    Time,
    /// The event time, already microseconds since the epoch.
    EventTime,
    Other,
}

impl ValueKind {
    fn of(data_type: &DataType) -> ValueKind {
        match data_type {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ValueKind::Text,
            DataType::Dictionary(_, value) => ValueKind::of(value),
            DataType::Boolean => ValueKind::Bool,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => ValueKind::Time,
            t if t.is_numeric() => ValueKind::Number,
            _ => ValueKind::Other,
        }
    }

    fn describe(self, data_type: &DataType) -> String {
        match self {
            ValueKind::Text => "text".into(),
            ValueKind::Number => format!("a number ({data_type})"),
            ValueKind::Bool => "a boolean".into(),
            ValueKind::Time | ValueKind::EventTime => "a date or timestamp".into(),
            ValueKind::Other => format!("{data_type}"),
        }
    }
}

/// A required column missing from a table: names the file and the column,
/// and suggests a close name to map.
fn missing_column(role: TableRole, table: &TableEntry, model: &str, column: &str) -> Diagnostic {
    let schema = table.schema();
    let what = match role {
        TableRole::Events => "each event",
        TableRole::Users => "each user",
        TableRole::Accounts => "each account",
    };
    let d = Diagnostic::error(
        codes::MISSING_COLUMN,
        format!(
            "the {} table ({}) has no column `{column}`",
            role.name(),
            table.origin
        ),
    )
    .with_note(format!("segql reads the {model} of {what} from `{column}`"));
    let section = role.name();
    match did_you_mean(column, schema.fields().iter().map(|f| f.name().as_str())) {
        Some(s) => d.with_help(format!(
            "did you mean `{s}`? map it with a schema file: [{section}] {model} = \"{s}\""
        )),
        None => d.with_help(format!(
            "map the column that holds it with --schema MAP.toml: [{section}] {model} = \"your_column\""
        )),
    }
}

/// A column bound to a table.
struct BoundColumn {
    expr: Expr,
    kind: ValueKind,
    data_type: DataType,
}

struct Resolver<'a> {
    catalog: &'a dyn Catalog,
    library: &'a Library,
    /// The program's definitions so far, resolved: each with its audience.
    defs: HashMap<String, (Audience, Result<SegmentIr, Diagnostic>)>,
    options: &'a PlanOptions,
    /// The folders of the library files whose definitions are being
    /// resolved, innermost last: their `in csv` paths are relative to them.
    library_dirs: RefCell<Vec<PathBuf>>,
    /// The library's definitions resolved so far, each once.
    library_resolved: RefCell<HashMap<String, Result<SegmentIr, Diagnostic>>>,
    /// The first relative range (`during last N unit`) of each length, and
    /// where it starts: a range that starts after the newest event is worth
    /// a warning.
    relative_ranges: RefCell<Vec<RelativeRange>>,
}

/// A relative range of the text, resolved against `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativeRange {
    pub span: segql_syntax::Span,
    /// Its length, in microseconds.
    pub length_micros: i64,
    /// Its start, in microseconds since the epoch (its end is `now`).
    pub from_micros: i64,
}

impl Resolver<'_> {
    /// The condition of the segment `name` names: a definition of the
    /// program, else of the library (resolved with its file's folder as
    /// the base of `in csv` paths). `None` when neither has it.
    fn named_segment(&self, ident: &Ident) -> Option<Result<SegmentIr, Diagnostic>> {
        let name = ident.name.as_str();
        if let Some((_, resolved)) = self.defs.get(name) {
            return Some(resolved.clone());
        }
        let def = self.library.get(name)?;
        let cached = self.library_resolved.borrow().get(name).cloned();
        let resolved = match cached {
            Some(resolved) => resolved,
            None => {
                let folder = Path::new(&def.file)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                self.library_dirs.borrow_mut().push(folder);
                let resolved = self.segment(&def.segment);
                self.library_dirs.borrow_mut().pop();
                self.library_resolved
                    .borrow_mut()
                    .insert(name.to_string(), resolved.clone());
                resolved
            }
        };
        // The spans of a library definition point into its own file, not
        // into the text being resolved: point at the use, and say where
        // the definition is.
        Some(resolved.map_err(|mut d| {
            let shown = quoted(name);
            let mut note = format!("in the definition of `{shown}` in {}", def.file);
            if let Some(label) = d.label.take() {
                note.push_str(&format!(": {label}"));
            }
            d.labels.clear();
            d.with_span(ident.span)
                .with_label(format!("`{shown}` is defined in {}", def.file))
                .with_note(note)
        }))
    }

    /// The folder `in csv` paths are relative to, where resolution is now.
    fn csv_base(&self) -> PathBuf {
        self.library_dirs
            .borrow()
            .last()
            .cloned()
            .unwrap_or_else(|| self.options.base_dir.clone())
    }

    fn table(&self, role: TableRole) -> Option<TableEntry> {
        self.catalog.table(role)
    }

    /// The events table must exist and have the model's required columns
    /// with usable types. These are data errors: they name file and column.
    fn check_events_table(&self) -> Result<(), Diagnostic> {
        let Some(events) = self.table(TableRole::Events) else {
            return Err(Diagnostic::error(codes::MISSING_TABLE, "no events table was given")
                .with_help("pass --events FILE or --data DIR (a folder with events.parquet, .csv or .ndjson)"));
        };
        let schema = events.schema();
        let mapping = self.catalog.mapping();
        let mut required = vec![
            ("timestamp", mapping.column(TableRole::Events, "timestamp")),
            ("user_id", mapping.column(TableRole::Events, "user_id")),
            (
                "event_type",
                mapping.column(TableRole::Events, "event_type"),
            ),
        ];
        match &mapping.name {
            crate::catalog::NameColumn::Single(name) => required.push(("name", name.clone())),
            crate::catalog::NameColumn::PerType { columns, default } => {
                for c in columns.values().chain(default.iter()) {
                    required.push(("name", c.clone()));
                }
            }
        }
        for (model, column) in &required {
            let Ok(field) = schema.field_with_name(column) else {
                return Err(missing_column(TableRole::Events, &events, model, column));
            };
            if field.data_type() == &DataType::Null {
                // CSV and NDJSON infer a column's type from its values: a
                // file with a header and no rows has none.
                return Err(Diagnostic::error(
                    codes::EMPTY_EVENTS,
                    format!("the events table ({}) has no rows", events.origin),
                )
                .with_note(format!("column `{column}` has no values to read"))
                .with_help("segments are computed from events: check that the file holds data"));
            }
            let ok = match *model {
                "timestamp" => matches!(
                    field.data_type(),
                    DataType::Timestamp(_, _)
                        | DataType::Int64
                        | DataType::Date32
                        | DataType::Date64
                        | DataType::Utf8
                        | DataType::LargeUtf8
                        | DataType::Utf8View
                ),
                "user_id" => {
                    matches!(
                        ValueKind::of(field.data_type()),
                        ValueKind::Text | ValueKind::Number
                    ) && !field.data_type().is_floating()
                }
                _ => ValueKind::of(field.data_type()) == ValueKind::Text,
            };
            if !ok {
                let want = match *model {
                    "timestamp" => "a timestamp, epoch milliseconds (int64) or RFC 3339 text",
                    "user_id" => "text or an integer",
                    _ => "text",
                };
                return Err(Diagnostic::error(
                    codes::WRONG_COLUMN_TYPE,
                    format!(
                        "column `{column}` of the events table ({}) is {}, but the {model} must be {want}",
                        events.origin,
                        field.data_type()
                    ),
                )
                .with_help("convert the column, or map another column with --schema"));
            }
        }
        // Sessions may be null, even all of them, but the column is one of
        // the model's (only `account_id` is optional): a missing one is more
        // often a mapping's typo than data without sessions.
        let session = mapping.column(TableRole::Events, "session_id");
        if schema.field_with_name(&session).is_err() {
            return Err(
                missing_column(TableRole::Events, &events, "session_id", &session).with_note(
                    "events without a session may leave it empty: a null session never satisfies `within session`",
                ),
            );
        }
        // A profile table is joined by its key.
        for (role, key) in [
            (TableRole::Users, "user_id"),
            (TableRole::Accounts, "account_id"),
        ] {
            let Some(table) = self.table(role) else {
                continue;
            };
            let column = mapping.column(role, key);
            if table.schema().field_with_name(&column).is_err() {
                return Err(missing_column(role, &table, key, &column));
            }
        }
        Ok(())
    }

    fn profile_role(audience: Audience) -> TableRole {
        match audience {
            Audience::Users => TableRole::Users,
            Audience::Accounts => TableRole::Accounts,
        }
    }

    fn time_range(&self, range: &Range) -> TimeRange {
        let now = self.options.now_micros;
        match &range.kind {
            RangeKind::Last { count, unit, .. } => {
                let length = segql_syntax::saturating_i64(count.unwrap_or(1))
                    .saturating_mul(unit.millis())
                    .saturating_mul(1000);
                let mut seen = self.relative_ranges.borrow_mut();
                if !seen.iter().any(|r| r.length_micros == length) {
                    seen.push(RelativeRange {
                        span: range.span,
                        length_micros: length,
                        from_micros: now.saturating_sub(length),
                    });
                }
                TimeRange {
                    from: Some(now.saturating_sub(length)),
                    to: Some(now),
                }
            }
            RangeKind::Since(d) => TimeRange {
                from: Some(d.epoch_micros),
                to: None,
            },
            RangeKind::Before(d) => TimeRange {
                from: None,
                to: Some(d.epoch_micros),
            },
            RangeKind::Between(a, b) => TimeRange {
                from: Some(a.epoch_micros),
                to: Some(b.epoch_micros),
            },
        }
    }

    /// `segment` with the definitions visible at this point.
    fn segment(&self, segment: &Segment) -> Result<SegmentIr, Diagnostic> {
        let audience = segment.audience;
        let condition = match &segment.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                let inherited = range.as_ref().map(|r| self.time_range(r));
                let mut cond = self.condition(condition, audience, inherited)?;
                if let Some(filter) = filter {
                    cond = Cond::And(vec![cond, self.profile_filter(filter, audience)?]);
                }
                cond
            }
            SegmentBody::In { set, filter } => {
                let mut cond = self.set_ref(set, audience)?;
                if let Some(filter) = filter {
                    cond = Cond::And(vec![cond, self.profile_filter(filter, audience)?]);
                }
                cond
            }
        };
        Ok(SegmentIr {
            audience,
            condition,
        })
    }

    /// The audience of an analysis: that of its segments, else users.
    fn analysis_audience(&self, segs: &[&SegRef]) -> Audience {
        segs.iter()
            .find_map(|s| match &s.kind {
                SegRefKind::Inline(seg) => Some(seg.audience),
                SegRefKind::Named(name) => self
                    .defs
                    .get(&name.name)
                    .map(|(audience, _)| *audience)
                    .or_else(|| self.library.get(&name.name).map(|d| d.audience)),
            })
            .unwrap_or(Audience::Users)
    }

    fn seg_ref(&self, seg: &SegRef) -> Result<Cond, Diagnostic> {
        match &seg.kind {
            SegRefKind::Inline(segment) => Ok(self.segment(segment)?.condition),
            SegRefKind::Named(name) => {
                let segment = self.named_segment(name).ok_or_else(|| {
                    Diagnostic::error(
                        codes::UNKNOWN_SEGMENT,
                        format!("unknown segment `{}`", quoted(&name.name)),
                    )
                    .with_span(name.span)
                })?;
                Ok(segment?.condition)
            }
        }
    }

    fn scope(
        &self,
        audience: Audience,
        seg: Option<&SegRef>,
        range: Option<&Range>,
    ) -> Result<Scope, Diagnostic> {
        Ok(Scope {
            audience,
            segment: seg.map(|s| self.seg_ref(s)).transpose()?,
            range: range.map(|r| self.time_range(r)).unwrap_or(TimeRange::ALL),
        })
    }

    /// A `by` column: an event column when the events table has it, else a
    /// profile column of the audience.
    fn by_column(&self, ident: &Ident, audience: Audience) -> Result<ByColumn, Diagnostic> {
        // Groups keep the column's own values: a date stays a date (bound
        // columns of dates compare as timestamps).
        let raw = |bound: BoundColumn| match bound.expr {
            Expr::Cast(c) if bound.kind == ValueKind::Time => *c.expr,
            other => other,
        };
        // The events' time is held as microseconds since the epoch: a group
        // shows it as the UTC timestamp it is.
        let event_value = |bound: BoundColumn| match bound.kind {
            ValueKind::EventTime => Expr::Cast(datafusion_expr::Cast::new(
                Box::new(bound.expr),
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            )),
            _ => raw(bound),
        };
        match self.column(TableRole::Events, ident).map(event_value) {
            Ok(expr) => Ok(ByColumn {
                name: ident.name.clone(),
                source: BySource::Event,
                expr,
            }),
            Err(event_error) => {
                let role = Self::profile_role(audience);
                let Some(profile) = self.table(role) else {
                    return Err(event_error);
                };
                match self.column(role, ident) {
                    Ok(bound) => Ok(ByColumn {
                        name: ident.name.clone(),
                        source: BySource::Profile,
                        expr: raw(bound),
                    }),
                    Err(_) => {
                        let d = Diagnostic::error(
                            codes::UNKNOWN_COLUMN,
                            format!(
                                "unknown column `{}`: neither the events table nor the {} table has it",
                                quoted(&ident.name),
                                role.name()
                            ),
                        )
                        .with_span(ident.span)
                        .with_label("not a column");
                        let events = self.table(TableRole::Events).map(|t| t.schema());
                        // The model's event columns answer to their own
                        // names whatever the mapping calls them.
                        let model = ["timestamp", "name", "event_type", "session_id"];
                        let names: Vec<String> = events
                            .iter()
                            .chain([&profile.schema()])
                            .flat_map(|schema| schema.fields().iter().map(|f| f.name().clone()))
                            .chain(model.map(String::from))
                            .collect();
                        Err(
                            match did_you_mean(&ident.name, names.iter().map(String::as_str)) {
                                Some(close) => d.with_help(format!("did you mean `{close}`?")),
                                None => d.with_help(
                                    "`by` groups by an event column or a profile column",
                                ),
                            },
                        )
                    }
                }
            }
        }
    }

    fn within(within: Option<&segql_syntax::Within>) -> Within {
        match within {
            None => Within::None,
            Some(w) => match &w.kind {
                WithinKind::Session => Within::Session,
                WithinKind::Duration(d) => {
                    let micros = d.millis().saturating_mul(1000);
                    // A window longer than any span of microsecond times
                    // (2^61 µs, about 73,000 years) holds every chain, as no
                    // window does; and `t + D` stays far from overflow.
                    if micros > 1 << 61 {
                        Within::None
                    } else {
                        Within::Micros(micros)
                    }
                }
            },
        }
    }

    fn analysis(&self, kind: &StatementKind) -> Result<QueryKind, Diagnostic> {
        Ok(match kind {
            StatementKind::Funnel(f) => {
                let mut segs: Vec<&SegRef> = f.scope.iter().collect();
                segs.extend(f.compare.iter());
                let audience = self.analysis_audience(&segs);
                let steps = f
                    .steps
                    .iter()
                    .map(|s| {
                        Ok(StepIr {
                            negated: s.negated,
                            predicate: self.step(&s.step)?,
                        })
                    })
                    .collect::<Result<Vec<_>, Diagnostic>>()?;
                let compare = f
                    .compare
                    .iter()
                    .map(|seg| {
                        let label = match &seg.kind {
                            SegRefKind::Named(name) => name.name.clone(),
                            SegRefKind::Inline(segment) => segment.to_string(),
                        };
                        Ok((label, self.seg_ref(seg)?))
                    })
                    .collect::<Result<Vec<_>, Diagnostic>>()?;
                QueryKind::Funnel(FunnelIr {
                    scope: self.scope(audience, f.scope.as_ref(), f.range.as_ref())?,
                    labels: f
                        .steps
                        .iter()
                        .filter(|s| !s.negated)
                        .map(|s| s.step.to_string())
                        .collect(),
                    steps,
                    within: Self::within(f.within.as_ref()),
                    compare,
                    by: f
                        .by
                        .as_ref()
                        .map(|b| self.by_column(b, audience))
                        .transpose()?,
                })
            }
            StatementKind::Retention(r) => {
                let audience = self.analysis_audience(&r.scope.iter().collect::<Vec<_>>());
                QueryKind::Retention(RetentionIr {
                    scope: self.scope(audience, r.scope.as_ref(), r.range.as_ref())?,
                    start: self.step(&r.start)?,
                    returning: self.step(&r.returning)?,
                    period: r.every.unwrap_or(segql_syntax::Period::Day),
                    periods: r.periods.unwrap_or(7),
                    by: r
                        .by
                        .as_ref()
                        .map(|b| self.by_column(b, audience))
                        .transpose()?,
                })
            }
            StatementKind::Paths(p) => {
                let audience = self.analysis_audience(&p.scope.iter().collect::<Vec<_>>());
                QueryKind::Paths(PathsIr {
                    scope: self.scope(audience, p.scope.as_ref(), p.range.as_ref())?,
                    from: p.from.as_ref().map(|s| self.step(s)).transpose()?,
                    to: p.to.as_ref().map(|s| self.step(s)).transpose()?,
                    depth: p.depth.unwrap_or(5),
                    top: p.top.unwrap_or(10),
                })
            }
            StatementKind::Explore(e) => {
                let audience = self.analysis_audience(&e.scope.iter().collect::<Vec<_>>());
                let measures = e
                    .measures
                    .iter()
                    .map(|m| {
                        Ok(match &m.kind {
                            segql_syntax::MeasureKind::Events => MeasureIr::Events,
                            segql_syntax::MeasureKind::Users => MeasureIr::Users,
                            segql_syntax::MeasureKind::Sessions => MeasureIr::Sessions,
                            segql_syntax::MeasureKind::Count(step) => {
                                MeasureIr::Count(self.step(step)?)
                            }
                        })
                    })
                    .collect::<Result<Vec<_>, Diagnostic>>()?;
                QueryKind::Explore(ExploreIr {
                    scope: self.scope(audience, e.scope.as_ref(), e.range.as_ref())?,
                    measures,
                    by: e
                        .by
                        .iter()
                        .map(|b| self.by_column(b, audience))
                        .collect::<Result<_, _>>()?,
                    every: e.every.as_ref().map(|d| d.millis().saturating_mul(1000)),
                    top: e.top,
                })
            }
            StatementKind::Define(_) | StatementKind::Segment(_) => {
                unreachable!("only analyses come here")
            }
        })
    }

    fn condition(
        &self,
        condition: &Condition,
        audience: Audience,
        inherited: Option<TimeRange>,
    ) -> Result<Cond, Diagnostic> {
        Ok(match &condition.kind {
            ConditionKind::Or(items) => Cond::Or(
                items
                    .iter()
                    .map(|c| self.condition(c, audience, inherited))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionKind::And(items) => Cond::And(
                items
                    .iter()
                    .map(|c| self.condition(c, audience, inherited))
                    .collect::<Result<_, _>>()?,
            ),
            ConditionKind::Not(inner) => {
                Cond::Not(Box::new(self.condition(inner, audience, inherited)?))
            }
            ConditionKind::Group { inner, range } => {
                let range = range.as_ref().map(|r| self.time_range(r)).or(inherited);
                self.condition(inner, audience, range)?
            }
            ConditionKind::Profile { atom, .. } => Cond::Profile {
                predicate: self.atom(atom, Self::profile_role(audience))?,
                when_missing: false,
            },
            ConditionKind::InSet(set) => self.set_ref(set, audience)?,
            ConditionKind::Behavior(b) => {
                let range = b.range.as_ref().map(|r| self.time_range(r)).or(inherited);
                self.behavior(b, range.unwrap_or(TimeRange::ALL))?
            }
        })
    }

    /// `where P`: a profile predicate, with what it says of an actor that
    /// has no profile row.
    fn profile_filter(&self, filter: &Pred, audience: Audience) -> Result<Cond, Diagnostic> {
        Ok(Cond::Profile {
            predicate: self.pred(filter, Self::profile_role(audience))?,
            when_missing: holds_without_row(filter),
        })
    }

    fn set_ref(&self, set: &SetRef, audience: Audience) -> Result<Cond, Diagnostic> {
        match &set.kind {
            SetRefKind::Segment(name) => {
                let Some(segment) = self.named_segment(name) else {
                    return Err(Diagnostic::error(
                        codes::UNKNOWN_SEGMENT,
                        format!("unknown segment `{}`", quoted(&name.name)),
                    )
                    .with_span(name.span));
                };
                // A referenced segment means what its definition says: no
                // range of the reference reaches into it.
                Ok(segment?.condition)
            }
            SetRefKind::Csv { path, column, key } => {
                let file = self.csv_base().join(&path.value);
                let shown_file = file.display().to_string();
                let shown_file = quoted(&shown_file);
                let table = self.catalog.csv(&file).map_err(|reason| {
                    Diagnostic::error(codes::UNREADABLE_FILE, format!("cannot read the CSV list `{shown_file}`: {reason}"))
                        .with_span(path.span)
                        .with_label("this file")
                        .with_help("the path of `in csv` is relative to the .seg file (or to the working folder for -e text)")
                })?;
                let schema = table.schema();
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                let by_email = *key == Some(CsvKey::Email);
                let chosen = match column {
                    Some(c) => {
                        if !names.contains(&c.value.as_str()) {
                            let mut d = Diagnostic::error(
                                codes::MISSING_COLUMN,
                                format!(
                                    "the CSV list `{shown_file}` has no column `{}`",
                                    quoted(&c.value)
                                ),
                            )
                            .with_span(c.span)
                            .with_label("not in the header row")
                            .with_note(format!("its columns are: {}", names.join(", ")));
                            if let Some(s) = did_you_mean(&c.value, names.iter().copied()) {
                                d = d.with_help(format!("did you mean `{s}`?"));
                            }
                            return Err(d);
                        }
                        c.value.clone()
                    }
                    None => {
                        let preferred: &[&str] = if by_email {
                            &["email"]
                        } else {
                            &["id", audience.key_column()]
                        };
                        let found = preferred
                            .iter()
                            .find(|p| names.contains(p))
                            .map(|p| p.to_string());
                        match found.or_else(|| names.first().map(|n| n.to_string())) {
                            Some(c) => c,
                            None => {
                                return Err(Diagnostic::error(
                                    codes::MISSING_COLUMN,
                                    format!("the CSV list `{shown_file}` has no columns"),
                                )
                                .with_span(path.span)
                                .with_help("the first row of the file must name its columns, e.g. `email` or `id`"));
                            }
                        }
                    }
                };
                if by_email {
                    let users = self.table(TableRole::Users).ok_or_else(|| {
                        Diagnostic::error(
                            codes::MISSING_TABLE,
                            "`by email` needs a users table with an email column",
                        )
                        .with_span(set.span)
                        .with_help("pass --users FILE (or --data DIR with a users file)")
                    })?;
                    let email = self.catalog.mapping().column(TableRole::Users, "email");
                    if users.schema().field_with_name(&email).is_err() {
                        return Err(Diagnostic::error(
                            codes::MISSING_COLUMN,
                            format!("the users table ({}) has no column `{email}` to match emails against", users.origin),
                        )
                        .with_span(set.span)
                        .with_help("map the email column with a schema file: [users] email = \"your_column\""));
                    }
                }
                Ok(Cond::Csv(CsvSet {
                    table,
                    column: chosen,
                    by_email,
                    span: set.span,
                }))
            }
        }
    }

    fn behavior(&self, behavior: &AstBehavior, range: TimeRange) -> Result<Cond, Diagnostic> {
        let steps = behavior
            .steps
            .iter()
            .map(|s| {
                Ok(StepIr {
                    negated: s.negated,
                    predicate: self.step(&s.step)?,
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        let within = Self::within(behavior.within.as_ref());
        let count = match &behavior.count {
            None => None,
            Some(count) => Some(match &count.kind {
                CountKind::AtLeast(n) => CountIr::AtLeast(*n),
                CountKind::AtMost(n) => CountIr::AtMost(*n),
                CountKind::Exactly(n) => CountIr::Exactly(*n),
                CountKind::Aggregate {
                    func,
                    column,
                    op,
                    value,
                } => {
                    let bound = self.column(TableRole::Events, column)?;
                    if bound.kind != ValueKind::Number {
                        return Err(Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            format!(
                                "`{} {}` needs a numeric column, but `{}` is {}",
                                func.keyword(),
                                quoted(&column.name),
                                quoted(&column.name),
                                bound.kind.describe(&bound.data_type)
                            ),
                        )
                        .with_span(column.span)
                        .with_label("not a number")
                        .with_help(
                            "aggregate a numeric event column, such as an amount or a quantity",
                        ));
                    }
                    CountIr::Aggregate {
                        func: *func,
                        column: bound.expr,
                        op: *op,
                        value: value.as_f64(),
                    }
                }
            }),
        };
        Ok(Cond::Behavior(Behavior {
            steps,
            within,
            count,
            range,
        }))
    }

    /// The predicate of one step: its event type and name, and its `with`
    /// filter, over the normalized events relation.
    fn step(&self, step: &Step) -> Result<Expr, Diagnostic> {
        // TYPE holds the model's event type: the schema mapping's renames
        // are undone when the events relation is built.
        let of_type = |t: &str| col(names::TYPE).eq(lit(t.to_string()));
        let named = |target: &Target| {
            let pattern = lit(target.pattern.value.clone());
            if target.like {
                col(names::NAME).like(pattern)
            } else {
                col(names::NAME).eq(pattern)
            }
        };
        let event = match &step.event.kind {
            EventKind::Viewed(t) => of_type("view").and(named(t)),
            EventKind::Action { target, .. } => of_type("action").and(named(target)),
            EventKind::Error(None) => of_type("error"),
            EventKind::Error(Some(t)) => of_type("error").and(named(t)),
            EventKind::Named(t) => named(t),
            EventKind::Any => lit(true),
        };
        let event = crate::lower::exactly_true(event);
        match &step.filter {
            None => Ok(event),
            Some(filter) => Ok(event.and(self.pred(filter, TableRole::Events)?)),
        }
    }

    /// A two-valued predicate over one table.
    fn pred(&self, pred: &Pred, role: TableRole) -> Result<Expr, Diagnostic> {
        Ok(match &pred.kind {
            PredKind::Or(items) => items
                .iter()
                .map(|p| self.pred(p, role))
                .collect::<Result<Vec<_>, _>>()
                .map(|items| crate::lower::balanced(items, datafusion_expr::Operator::Or))?
                .expect("or has items"),
            PredKind::And(items) => items
                .iter()
                .map(|p| self.pred(p, role))
                .collect::<Result<Vec<_>, _>>()
                .map(|items| crate::lower::balanced(items, datafusion_expr::Operator::And))?
                .expect("and has items"),
            PredKind::Not(inner) => Expr::Not(Box::new(self.pred(inner, role)?)),
            PredKind::Group(inner) => self.pred(inner, role)?,
            PredKind::Atom(atom) => self.atom(atom, role)?,
        })
    }

    /// One atom, true or false: where SQL would say unknown, false.
    fn atom(&self, atom: &Atom, role: TableRole) -> Result<Expr, Diagnostic> {
        let column = self.column(role, &atom.column)?;
        let name = &atom.column.name;
        let expr = match &atom.kind {
            AtomKind::Compare { op, value } => {
                let value = self.literal(&column, name, value)?;
                let left = column.expr.clone();
                match op {
                    CmpOp::Eq => left.eq(value),
                    CmpOp::NotEq => left.not_eq(value),
                    CmpOp::Lt => left.lt(value),
                    CmpOp::LtEq => left.lt_eq(value),
                    CmpOp::Gt => left.gt(value),
                    CmpOp::GtEq => left.gt_eq(value),
                }
            }
            AtomKind::InList { negated, values } => {
                let list = values
                    .iter()
                    .map(|v| self.literal(&column, name, v))
                    .collect::<Result<Vec<_>, _>>()?;
                datafusion_expr::in_list(column.expr.clone(), list, *negated)
            }
            AtomKind::IsNull { negated } => {
                if *negated {
                    column.expr.clone().is_not_null()
                } else {
                    column.expr.clone().is_null()
                }
            }
            AtomKind::Like { negated, pattern } => {
                self.expect_text(&column, name, atom, "like")?;
                let e = column.expr.clone().like(lit(pattern.value.clone()));
                if *negated { Expr::Not(Box::new(e)) } else { e }
            }
            AtomKind::Between { low, high } => {
                let low = self.literal(&column, name, low)?;
                let high = self.literal(&column, name, high)?;
                column.expr.clone().between(low, high)
            }
            AtomKind::InThePast { count, unit, .. } => {
                if !matches!(column.kind, ValueKind::Time | ValueKind::EventTime) {
                    return Err(Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!(
                            "`in the past` needs a date or timestamp column, but `{}` is {}",
                            quoted(name),
                            column.kind.describe(&column.data_type)
                        ),
                    )
                    .with_span(atom.span)
                    .with_label("not a date"));
                }
                let now = self.options.now_micros;
                let length = segql_syntax::saturating_i64(count.unwrap_or(1))
                    .saturating_mul(unit.millis())
                    .saturating_mul(1000);
                let from = self.time_literal(&column, now.saturating_sub(length));
                let to = self.time_literal(&column, now);
                column
                    .expr
                    .clone()
                    .gt_eq(from)
                    .and(column.expr.clone().lt(to))
            }
            AtomKind::Contains { needle } => {
                self.expect_text(&column, name, atom, "contains")?;
                datafusion_functions::expr_fn::strpos(
                    column.expr.clone(),
                    lit(needle.value.clone()),
                )
                .gt(lit(0i64))
            }
        };
        Ok(crate::lower::exactly_true(expr))
    }

    fn expect_text(
        &self,
        column: &BoundColumn,
        name: &str,
        atom: &Atom,
        what: &str,
    ) -> Result<(), Diagnostic> {
        if column.kind == ValueKind::Text {
            return Ok(());
        }
        Err(Diagnostic::error(
            codes::TYPE_MISMATCH,
            format!(
                "`{what}` needs a text column, but `{}` is {}",
                quoted(name),
                column.kind.describe(&column.data_type)
            ),
        )
        .with_span(atom.span)
        .with_label(format!("`{what}` on a column that is not text")))
    }

    fn time_literal(&self, column: &BoundColumn, micros: i64) -> Expr {
        match column.kind {
            ValueKind::EventTime => lit(micros),
            _ => lit(ScalarValue::TimestampMicrosecond(
                Some(micros),
                Some(Arc::from("UTC")),
            )),
        }
    }

    /// A literal typed for comparison with `column`, or a type error naming
    /// column, type and literal.
    fn literal(
        &self,
        column: &BoundColumn,
        name: &str,
        literal: &Literal,
    ) -> Result<Expr, Diagnostic> {
        let mismatch = |what: &str, help: &str| {
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                format!(
                    "cannot compare `{}` ({}) with {what}",
                    quoted(name),
                    column.kind.describe(&column.data_type)
                ),
            )
            .with_span(literal.span)
            .with_label(what.to_string())
            .with_help(help.to_string())
        };
        Ok(match (&literal.kind, column.kind) {
            (LiteralKind::Null, _) => lit(ScalarValue::Null),
            (LiteralKind::String(s), ValueKind::Text) => lit(s.clone()),
            (LiteralKind::Number(n), ValueKind::Number) => match n.as_i64() {
                Some(i) => lit(i),
                None => lit(n.as_f64()),
            },
            (LiteralKind::Bool(b), ValueKind::Bool) => lit(*b),
            (LiteralKind::Date(d), ValueKind::Time | ValueKind::EventTime) => {
                self.time_literal(column, d.epoch_micros)
            }
            (LiteralKind::String(s), ValueKind::Time | ValueKind::EventTime) => {
                return Err(mismatch(
                    &format!("the text \"{}\"", quoted(s)),
                    "write dates without quotes: 2026-01-31 or 2026-01-31T10:00:00Z",
                ));
            }
            (LiteralKind::String(s), _) => {
                return Err(mismatch(
                    &format!("the text \"{}\"", quoted(s)),
                    "compare it with a value of its own type",
                ));
            }
            (LiteralKind::Number(n), ValueKind::Text) => {
                return Err(mismatch(
                    &format!("the number {}", quoted(&n.text)),
                    &format!(
                        "write the value as text: {} = \"{}\"",
                        quoted(name),
                        quoted(&n.text)
                    ),
                ));
            }
            (LiteralKind::Number(n), _) => {
                return Err(mismatch(
                    &format!("the number {}", quoted(&n.text)),
                    "compare it with a value of its own type",
                ));
            }
            (LiteralKind::Bool(b), _) => {
                return Err(mismatch(
                    &format!("`{b}`"),
                    "`true` and `false` compare with boolean columns",
                ));
            }
            (LiteralKind::Date(d), _) => {
                return Err(mismatch(
                    &format!("the date {}", d.text),
                    "dates compare with date and timestamp columns",
                ));
            }
        })
    }

    /// Binds a column name of `role`'s table.
    fn column(&self, role: TableRole, ident: &Ident) -> Result<BoundColumn, Diagnostic> {
        let table = self.table(role).ok_or_else(|| {
            let flag = match role {
                TableRole::Events => "--events",
                TableRole::Users => "--users",
                TableRole::Accounts => "--accounts",
            };
            Diagnostic::error(
                codes::MISSING_TABLE,
                format!(
                    "`{}` is a column of the {} table, but no {} table was given",
                    quoted(&ident.name),
                    role.name(),
                    role.name()
                ),
            )
            .with_span(ident.span)
            .with_label(format!("needs the {} table", role.name()))
            .with_help(format!(
                "pass {flag} FILE, or --data DIR with a file for the {} table",
                role.name()
            ))
        })?;
        let mapping = self.catalog.mapping();
        if role == TableRole::Events {
            // The model's event columns read their normalized forms.
            let normalized = match ident.name.as_str() {
                "timestamp" => Some((names::TS, ValueKind::EventTime, DataType::Int64)),
                "name" => Some((names::NAME, ValueKind::Text, DataType::Utf8)),
                "event_type" => Some((names::TYPE, ValueKind::Text, DataType::Utf8)),
                "session_id" => Some((names::SESSION, ValueKind::Text, DataType::Utf8)),
                _ => None,
            };
            if let Some((column, kind, data_type)) = normalized {
                return Ok(BoundColumn {
                    expr: col(column),
                    kind,
                    data_type,
                });
            }
        }
        let schema = table.schema();
        let mapped = mapping.column(role, &ident.name);
        if let Ok(field) = schema.field_with_name(&mapped) {
            return Ok(bound(
                Expr::Column(datafusion_common::Column::new_unqualified(mapped.clone())),
                field,
            ));
        }
        if !ident.quoted
            && let Some(found) = struct_path(&schema, &ident.name)
        {
            return Ok(found);
        }
        Err(self.unknown_column(role, &table, ident))
    }

    fn unknown_column(&self, role: TableRole, table: &TableEntry, ident: &Ident) -> Diagnostic {
        let schema = table.schema();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_COLUMN,
            format!(
                "unknown column `{}` in the {} table ({})",
                quoted(&ident.name),
                role.name(),
                table.origin
            ),
        )
        .with_span(ident.span)
        .with_label(format!("not a column of {}", role.name()));
        let elsewhere = [TableRole::Events, TableRole::Users, TableRole::Accounts]
            .into_iter()
            .filter(|r| *r != role)
            .find(|r| {
                self.table(*r).is_some_and(|t| {
                    t.schema()
                        .field_with_name(&self.catalog.mapping().column(*r, &ident.name))
                        .is_ok()
                })
            });
        if let Some(other) = elsewhere {
            let name = quoted(&ident.name);
            let help = match (role, other) {
                (TableRole::Events, _) => format!(
                    "`{}` is a column of the {} table, not of the events: close the behavior with parentheses and test it as a profile attribute, e.g. `(viewed \"/cart\") and have {} = ...`",
                    name,
                    other.name(),
                    name
                ),
                (_, TableRole::Events) => format!(
                    "`{}` is a column of the events, not of the {} table: filter the events of a step with `with`, e.g. `viewed \"/cart\" with {} = ...`",
                    name,
                    role.name(),
                    name
                ),
                _ => format!(
                    "`{}` is a column of the {} table, not of the {} table",
                    name,
                    other.name(),
                    role.name()
                ),
            };
            return d.with_help(help);
        }
        let fields: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        if let Some(s) = did_you_mean(&ident.name, fields.iter().copied()) {
            let written = if s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                s.to_string()
            } else {
                format!("`{s}`")
            };
            d = d.with_help(format!("did you mean `{written}`?"));
        } else {
            let shown: Vec<&str> = fields.iter().copied().take(12).collect();
            d = d.with_note(format!(
                "the {} table has: {}{}",
                role.name(),
                shown.join(", "),
                if fields.len() > 12 { ", ..." } else { "" }
            ));
        }
        d
    }
}

/// The value of a predicate for an actor without a profile row: every atom
/// is false there, and `not`, `and`, `or` apply as usual.
fn holds_without_row(pred: &Pred) -> bool {
    match &pred.kind {
        PredKind::Or(items) => items.iter().any(holds_without_row),
        PredKind::And(items) => items.iter().all(holds_without_row),
        PredKind::Not(inner) => !holds_without_row(inner),
        PredKind::Group(inner) => holds_without_row(inner),
        PredKind::Atom(_) => false,
    }
}

fn bound(expr: Expr, field: &Field) -> BoundColumn {
    let kind = ValueKind::of(field.data_type());
    let expr = match kind {
        // Dates and timestamps of any unit or zone compare as UTC
        // microseconds, like the literals they meet.
        ValueKind::Time => datafusion_expr::cast(
            expr,
            DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC"))),
        ),
        _ => expr,
    };
    BoundColumn {
        expr,
        kind,
        data_type: field.data_type().clone(),
    }
}

/// `geo.country` as the field `country` of a struct column `geo`.
fn struct_path(
    schema: &datafusion_common::arrow::datatypes::Schema,
    name: &str,
) -> Option<BoundColumn> {
    let mut parts = name.split('.');
    let first = parts.next()?;
    let field = schema.field_with_name(first).ok()?;
    let mut expr = Expr::Column(datafusion_common::Column::new_unqualified(first));
    let mut current = field.clone();
    for part in parts {
        let DataType::Struct(children) = current.data_type() else {
            return None;
        };
        let child = children.iter().find(|c| c.name() == part)?;
        expr = datafusion_functions::core::expr_fn::get_field(expr, part);
        current = child.as_ref().clone();
    }
    Some(bound(expr, &current))
}

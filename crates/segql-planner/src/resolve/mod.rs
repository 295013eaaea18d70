//! Resolution: syntax tree + catalog → IR. Binds every column to a table of
//! the catalog, types every literal against its column, turns ranges into
//! instants and inlines referenced segments. Every error here is found from
//! schemas alone, before any data is read (LANGUAGE.md §7).
//!
//! Here: the entry points, the resolver's context for a text (its
//! definitions so far, the library, the options) and segments. By
//! construct: [`column`] binds columns, [`literal`] types literals,
//! [`pred`] resolves predicates over one table, [`range`] turns ranges into
//! instants, [`cond`] resolves conditions, behaviors and sets,
//! [`lifecycle`] `stopped`, `restarted` and `for the first time`,
//! [`holding`] the columns a behavior holds constant, and [`analysis`] the
//! analyses.

mod analysis;
mod column;
mod cond;
mod holding;
mod identity;
mod lifecycle;
mod literal;
mod pred;
mod pruning;
mod range;

pub use range::RelativeRange;

use crate::Library;
use crate::catalog::{Catalog, TableEntry, TableRole};
use crate::ir::*;
use crate::options::PlanOptions;
use segql_syntax::{
    Audience, Diagnostic, Ident, Program, SegRef, SegRefKind, Segment, SegmentBody, Statement,
    StatementKind, codes, quoted,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
            | StatementKind::Explore(_)
            | StatementKind::Lifecycle(_)
            | StatementKind::Stickiness(_) => {
                resolver.analysis(&statement.kind).map(|kind| Query {
                    span: statement.span,
                    kind,
                })
            }
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

/// What resolving a text's statements needs and keeps: the catalog, the
/// library and the options, and the definitions resolved so far.
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

    fn profile_role(audience: Audience) -> TableRole {
        match audience {
            Audience::Users => TableRole::Users,
            Audience::Accounts => TableRole::Accounts,
        }
    }

    /// `segment` with the definitions visible at this point.
    fn segment(&self, segment: &Segment) -> Result<SegmentIr, Diagnostic> {
        let audience = segment.audience;
        let (condition, filter) = match &segment.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                let inherited = range.as_ref().map(|r| self.time_range(r)).transpose()?;
                (self.condition(condition, audience, inherited)?, filter)
            }
            SegmentBody::In { set, filter } => (self.set_ref(set, audience)?, filter),
        };
        let condition = match filter {
            Some(filter) => Cond::And(vec![condition, self.profile_filter(filter, audience)?]),
            None => condition,
        };
        Ok(SegmentIr {
            audience,
            condition,
        })
    }

    fn seg_ref(&self, seg: &SegRef) -> Result<Cond, Diagnostic> {
        match &seg.kind {
            SegRefKind::Inline(segment) => Ok(self.segment(segment)?.condition),
            SegRefKind::Named(name) => self.segment_named(name),
        }
    }

    /// The condition of the segment `name` names, or the error that no
    /// definition has it.
    fn segment_named(&self, name: &Ident) -> Result<Cond, Diagnostic> {
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

//! Checks that need no data: segment names, audiences, and the rules of the
//! language that the grammar alone does not enforce (counts on sequences,
//! ranges that govern nothing, empty ranges, ...).
//!
//! Every check applies wherever a segment, step or range appears: segment
//! definitions, segment queries, inline segments of analyses and the steps
//! of funnels, retention, paths and explore.
//!
//! Names resolve like this: a program sees the definitions above the
//! statement that uses them and every definition of the segment [`Library`]
//! (`--segments DIR`). Inside a library, every definition sees every other
//! one whatever the file or order, which is why only a library can hold a
//! cycle. [`validate_replacing`] is the REPL's variant, where a definition
//! replaces an earlier one of the same name (and the segments that use the
//! name see the new definition).
//!
//! The checks are split by construct: `library` (definitions, names,
//! audiences, cycles), `segment` (conditions, behaviors, steps, predicates,
//! ranges), `lifecycle` (`stopped`, `restarted`, `for the first time`),
//! `holding` (the columns a behavior holds constant) and
//! `analysis` (funnel, retention, paths, explore and their result columns).

mod analysis;
mod holding;
mod library;
mod lifecycle;
mod segment;
#[cfg(test)]
mod tests;

pub use library::{Library, LibraryDef};

use segql_syntax::{
    Audience, Diagnostic, Ident, Program, Segment, SegmentDef, Span, Statement, StatementKind,
};
use std::collections::HashMap;

/// Checks one program (a file or REPL input) against the library.
///
/// A definition is visible to the statements after it only; a name defined
/// twice in the program, or defined both in the program and in the library,
/// is an error.
pub fn validate(program: &Program, library: &Library) -> Vec<Diagnostic> {
    check_program(program, library, false)
}

/// [`validate`] for the REPL: a definition replaces an earlier one of the
/// same name, in the program or the library, instead of being an error. The
/// segments that use the name see the new definition, so a redefinition
/// that closes a cycle, or changes the audience of a segment others use, is
/// an error.
pub fn validate_replacing(program: &Program, library: &Library) -> Vec<Diagnostic> {
    check_program(program, library, true)
}

fn check_program(program: &Program, library: &Library, replacing: bool) -> Vec<Diagnostic> {
    let mut checker = Checker::new(library, replacing, false);
    checker.all_defs = program
        .statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.kind {
            StatementKind::Define(def) => Some((i, &def.name)),
            _ => None,
        })
        .collect();
    for (i, stmt) in program.statements.iter().enumerate() {
        checker.stmt_index = i;
        checker.check_statement(stmt);
    }
    checker.diags
}

/// [`validate`] one statement at a time, for texts parsed with
/// [`parse_each`](segql_syntax::parse_each): the same diagnostics, while only the
/// definitions are kept (later statements may use them).
pub struct Validator<'a> {
    checker: Checker<'a>,
    definitions: &'a [(usize, Statement)],
}

impl<'a> Validator<'a> {
    /// `definitions`: every definition of the text with its statement
    /// number (from 0), in order: a first pass over the text collects them.
    pub fn new(library: &'a Library, definitions: &'a [(usize, Statement)]) -> Self {
        let mut checker = Checker::new(library, false, false);
        checker.all_defs = definitions
            .iter()
            .filter_map(|(i, s)| match &s.kind {
                StatementKind::Define(def) => Some((*i, &def.name)),
                _ => None,
            })
            .collect();
        Validator {
            checker,
            definitions,
        }
    }

    /// The diagnostics of statement number `index`; statements come in
    /// order. A definition is checked as the copy in `definitions`, which
    /// later statements see.
    pub fn check(&mut self, index: usize, statement: &Statement) -> Vec<Diagnostic> {
        self.checker.stmt_index = index;
        match self.definitions.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(at) => self.checker.check_statement(&self.definitions[at].1),
            Err(_) => self.checker.check_query(statement),
        }
        std::mem::take(&mut self.checker.diags)
    }
}

/// The segment a name resolves to.
#[derive(Clone, Copy)]
enum Resolved<'a> {
    Program(&'a SegmentDef),
    Library(&'a LibraryDef),
}

impl<'a> Resolved<'a> {
    fn segment(self) -> &'a Segment {
        match self {
            Resolved::Program(def) => &def.segment,
            Resolved::Library(def) => &def.segment,
        }
    }

    fn audience(self) -> Audience {
        self.segment().audience
    }
}

/// The segment whose condition is being checked.
#[derive(Clone, Copy)]
struct SegCtx {
    audience: Audience,
    audience_span: Span,
}

struct Checker<'a> {
    library: &'a Library,
    /// REPL mode: a definition replaces an earlier one.
    replacing: bool,
    /// Checking a library definition (for the wording of hints).
    in_library: bool,
    /// The program's definitions in effect so far.
    program_defs: HashMap<&'a str, &'a SegmentDef>,
    /// Every definition of the program, with its statement index.
    all_defs: Vec<(usize, &'a Ident)>,
    stmt_index: usize,
    /// The name of the definition being checked.
    defining: Option<&'a str>,
    diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn new(library: &'a Library, replacing: bool, in_library: bool) -> Self {
        Checker {
            library,
            replacing,
            in_library,
            program_defs: HashMap::new(),
            all_defs: Vec::new(),
            stmt_index: 0,
            defining: None,
            diags: Vec::new(),
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn resolve(&self, name: &str) -> Option<Resolved<'a>> {
        if let Some(def) = self.program_defs.get(name) {
            return Some(Resolved::Program(def));
        }
        self.library.get(name).map(Resolved::Library)
    }

    /// The names a reference could have meant.
    fn known_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&'a str> = self.program_defs.keys().copied().collect();
        names.sort_unstable();
        for def in &self.library.defs {
            if !self.program_defs.contains_key(def.name.as_str()) {
                names.push(def.name.as_str());
            }
        }
        names
    }

    // ----- statements -----------------------------------------------------

    fn check_statement(&mut self, stmt: &'a Statement) {
        match &stmt.kind {
            StatementKind::Define(def) => self.check_definition(def),
            _ => self.check_query(stmt),
        }
    }

    /// A statement other than a definition: nothing of it is kept.
    fn check_query(&mut self, stmt: &Statement) {
        match &stmt.kind {
            StatementKind::Define(_) => {}
            StatementKind::Segment(seg) => self.check_segment(seg),
            StatementKind::Funnel(f) => self.check_funnel(f, stmt.span),
            StatementKind::Retention(r) => self.check_retention(r, stmt.span),
            StatementKind::Paths(p) => self.check_paths(p, stmt.span),
            StatementKind::Explore(e) => self.check_explore(e, stmt.span),
            StatementKind::Lifecycle(l) => self.check_lifecycle_analysis(l),
            StatementKind::Stickiness(s) => self.check_stickiness(s),
        }
    }
}

/// "a users" / "an accounts", to go before "segment".
fn a_segment(audience: Audience) -> &'static str {
    match audience {
        Audience::Users => "a users",
        Audience::Accounts => "an accounts",
    }
}

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

use segql_syntax::*;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Segment definitions loaded from a `--segments DIR` library, visible to
/// every program.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub defs: Vec<LibraryDef>,
}

/// One definition of a library: `segment NAME = <segment>` of `file`.
#[derive(Debug, Clone)]
pub struct LibraryDef {
    pub name: String,
    pub audience: Audience,
    /// The file it was read from, as given to [`Library::from_files`].
    pub file: String,
    /// The definition (its spans are offsets into `file`).
    pub segment: Segment,
}

impl Library {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&LibraryDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    /// Adds a definition, replacing the one of the same name (the REPL keeps
    /// its session's definitions this way). Returns the replaced definition.
    pub fn insert(&mut self, def: LibraryDef) -> Option<LibraryDef> {
        match self.defs.iter_mut().find(|d| d.name == def.name) {
            Some(slot) => Some(std::mem::replace(slot, def)),
            None => {
                self.defs.push(def);
                None
            }
        }
    }

    /// Builds a library from parsed files (`(file name, program)`), in the
    /// order given.
    ///
    /// Only the definitions of the files are loaded; other statements are
    /// ignored. Every definition sees every other one, whatever the file or
    /// order. Reports, per file: a name defined twice (in one file or in two,
    /// naming both files; the first definition is kept), cycles between
    /// definitions (naming the chain, `a -> b -> a`), unknown names and every
    /// other check of [`validate`] inside the definitions. Diagnostics are
    /// sorted by file (in the order given) and position.
    pub fn from_files(files: &[(String, Program)]) -> (Library, Vec<(String, Diagnostic)>) {
        let mut library = Library::new();
        let mut found: Vec<(usize, Diagnostic)> = Vec::new();
        let mut first: HashMap<&str, (usize, &Ident)> = HashMap::new();
        let mut dropped: Vec<(usize, &SegmentDef)> = Vec::new();

        for (fi, (file, program)) in files.iter().enumerate() {
            for stmt in &program.statements {
                let StatementKind::Define(def) = &stmt.kind else {
                    continue;
                };
                let name = def.name.name.as_str();
                match first.get(name) {
                    Some(&(ffi, fident)) if ffi == fi => {
                        found.push((fi, duplicate_in_file(&def.name, fident.span)));
                        dropped.push((fi, def));
                    }
                    Some(&(ffi, _)) => {
                        let first_file = &files[ffi].0;
                        let d = Diagnostic::error(
                            codes::DUPLICATE_DEFINITION,
                            format!(
                                "segment `{}` is defined in both `{first_file}` and `{file}`",
                                quoted(name)
                            ),
                        )
                        .with_span(def.name.span)
                        .with_label("defined again here")
                        .with_note(format!(
                            "the first definition, in `{first_file}`, is the one used"
                        ))
                        .with_help(
                            "rename one of them: a name is defined once across the segment library",
                        );
                        found.push((fi, d));
                        dropped.push((fi, def));
                    }
                    None => {
                        first.insert(name, (fi, &def.name));
                        library.defs.push(LibraryDef {
                            name: name.to_string(),
                            audience: def.segment.audience,
                            file: file.clone(),
                            segment: def.segment.clone(),
                        });
                    }
                }
            }
        }

        let file_index: HashMap<&str, usize> = files
            .iter()
            .enumerate()
            .rev()
            .map(|(i, (f, _))| (f.as_str(), i))
            .collect();

        // Names, audiences and structure inside every definition.
        for def in &library.defs {
            let mut checker = Checker::new(&library, false, true);
            checker.check_segment(&def.segment);
            let fi = file_index[def.file.as_str()];
            found.extend(checker.diags.into_iter().map(|d| (fi, d)));
        }
        for (fi, def) in dropped {
            let mut checker = Checker::new(&library, false, true);
            checker.check_segment(&def.segment);
            found.extend(checker.diags.into_iter().map(|d| (fi, d)));
        }

        // Cycles.
        for cycle in find_cycles(&library) {
            let closing = &library.defs[cycle.from];
            let names: Vec<Cow<str>> = cycle
                .members
                .iter()
                .map(|&i| quoted(&library.defs[i].name))
                .chain(std::iter::once(quoted(
                    &library.defs[cycle.members[0]].name,
                )))
                .collect();
            let chain = names.join(" -> ");
            let message = if cycle.members.len() == 1 {
                format!("segment `{}` uses itself: {chain}", names[0])
            } else {
                format!("segments use each other in a cycle: {chain}")
            };
            let mut d = Diagnostic::error(codes::SEGMENT_CYCLE, message)
                .with_span(cycle.span)
                .with_label(format!(
                    "`{}` is used here, closing the cycle",
                    quoted(&library.defs[cycle.to].name)
                ))
                .with_help(
                    "a segment cannot use itself, directly or through other segments: \
                     remove one of the references of the cycle",
                );
            for &i in &cycle.members {
                let member = &library.defs[i];
                if member.file != closing.file {
                    d = d.with_note(format!(
                        "`{}` is defined in `{}`",
                        quoted(&member.name),
                        member.file
                    ));
                }
            }
            found.push((file_index[closing.file.as_str()], d));
        }

        found.sort_by_key(|(fi, d)| (*fi, d.span.map_or(0, |s| s.start)));
        let diags = found
            .into_iter()
            .map(|(fi, d)| (files[fi].0.clone(), d))
            .collect();
        (library, diags)
    }
}

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

fn duplicate_in_file(name: &Ident, first: Span) -> Diagnostic {
    Diagnostic::error(
        codes::DUPLICATE_DEFINITION,
        format!("segment `{}` is defined twice", quoted(&name.name)),
    )
    .with_span(name.span)
    .with_label("defined again here")
    .with_secondary(first, "first defined here")
    .with_help("rename one of them: a file defines each segment once")
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
            StatementKind::Retention(r) => {
                self.check_step(&r.start);
                self.check_step(&r.returning);
                self.check_analysis_segments(r.scope.iter());
                self.check_opt_range(r.range.as_ref());
                if r.periods.is_some_and(|p| p > MAX_PERIODS) {
                    // Every cohort gets a row per period: the result must
                    // fit in memory.
                    self.push(
                        Diagnostic::error(
                            codes::VALUE_OUT_OF_RANGE,
                            format!("`periods` is at most {MAX_PERIODS}"),
                        )
                        .with_span(stmt.span)
                        .with_label("too many periods")
                        .with_help(format!(
                            "every cohort gets a row per period: ask for {MAX_PERIODS} or fewer"
                        )),
                    );
                }
                let mut columns: Vec<ResultColumn> = r.by.iter().map(ResultColumn::by).collect();
                for name in ["cohort", "period", "users", "retained", "rate"] {
                    columns.push(ResultColumn::fixed(name, "a column of every retention"));
                }
                self.check_result_columns(&columns);
            }
            StatementKind::Paths(p) => self.check_paths(p, stmt.span),
            StatementKind::Explore(e) => self.check_explore(e, stmt.span),
        }
    }

    fn check_definition(&mut self, def: &'a SegmentDef) {
        let name = def.name.name.as_str();
        if !self.replacing {
            if let Some(first) = self.program_defs.get(name) {
                let d = duplicate_in_file(&def.name, first.name.span);
                self.push(d);
            } else if let Some(lib) = self.library.get(name) {
                let shown = quoted(name);
                let d = Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("segment `{shown}` is already defined in the segment library"),
                )
                .with_span(def.name.span)
                .with_label("defined again here")
                .with_note(format!("`{shown}` is defined in `{}`", lib.file))
                .with_help("rename this segment: a name defined in the segment library cannot be defined again");
                self.push(d);
            }
        }

        self.defining = Some(name);
        self.check_segment(&def.segment);
        self.defining = None;

        if self.replacing {
            self.check_replacement(def);
        }
        if self.replacing || self.resolve(name).is_none() {
            self.program_defs.insert(name, def);
        }
    }

    /// REPL mode: the segments that use `def`'s name will see `def`, so it
    /// must not close a cycle nor change the audience they expect.
    fn check_replacement(&mut self, def: &'a SegmentDef) {
        let name = def.name.name.as_str();
        let shown = quoted(name);
        for r in segment_refs(&def.segment) {
            if r.name == name {
                continue; // reported while checking the segment
            }
            let mut path = vec![name.to_string(), r.name.clone()];
            let mut visited = HashSet::new();
            if self.reaches(&r.name, name, &mut visited, &mut path) {
                let d = Diagnostic::error(
                    codes::SEGMENT_CYCLE,
                    format!(
                        "segments would use each other in a cycle: {}",
                        path.iter()
                            .map(|n| quoted(n))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                )
                .with_span(r.span)
                .with_label(format!("`{}` uses `{shown}`", quoted(&r.name)))
                .with_help(format!(
                    "a segment cannot use itself, directly or through other segments: \
                     give this definition another name than `{shown}`"
                ));
                self.push(d);
                break;
            }
        }

        let new_audience = def.segment.audience;
        let mut users: Vec<(&'a str, Resolved<'a>, &'a Ident)> = Vec::new();
        let mut program: Vec<(&'a str, &'a SegmentDef)> =
            self.program_defs.iter().map(|(k, v)| (*k, *v)).collect();
        program.sort_by_key(|(_, d)| d.name.span.start);
        for (other, d) in program {
            if other != name
                && let Some(r) = segment_refs(&d.segment)
                    .into_iter()
                    .find(|r| r.name == name)
            {
                users.push((other, Resolved::Program(d), r));
            }
        }
        for lib in &self.library.defs {
            if lib.name != name
                && !self.program_defs.contains_key(lib.name.as_str())
                && let Some(r) = segment_refs(&lib.segment)
                    .into_iter()
                    .find(|r| r.name == name)
            {
                users.push((lib.name.as_str(), Resolved::Library(lib), r));
            }
        }
        let broken: Vec<_> = users
            .into_iter()
            .filter(|(_, res, _)| res.audience() != new_audience)
            .collect();
        if let Some((first, res, _)) = broken.first() {
            let mut d = Diagnostic::error(
                codes::AUDIENCE_MISMATCH,
                format!(
                    "redefining `{shown}` as {} segment breaks `{}`, {} segment that uses it",
                    a_segment(new_audience),
                    quoted(first),
                    a_segment(res.audience())
                ),
            )
            .with_span(def.segment.audience_span)
            .with_label(format!("now {} segment", a_segment(new_audience)));
            for (other, res, r) in &broken {
                match res {
                    Resolved::Program(_) => {
                        d = d.with_secondary(
                            r.span,
                            format!("`{}` uses `{shown}` here", quoted(other)),
                        );
                    }
                    Resolved::Library(lib) => {
                        d = d.with_note(format!(
                            "`{}` (in `{}`) uses `{shown}`",
                            quoted(other),
                            lib.file
                        ));
                    }
                }
            }
            d = d.with_help(format!(
                "keep `{shown}` {} segment, or give the new definition another name",
                a_segment(res.audience())
            ));
            self.push(d);
        }
    }

    /// Whether the segment named `from` uses `target`, directly or through
    /// others; `path` gets the chain.
    fn reaches(
        &self,
        from: &str,
        target: &str,
        visited: &mut HashSet<String>,
        path: &mut Vec<String>,
    ) -> bool {
        if !visited.insert(from.to_string()) {
            return false;
        }
        let Some(res) = self.resolve(from) else {
            return false;
        };
        for r in segment_refs(res.segment()) {
            path.push(r.name.clone());
            if r.name == target || self.reaches(&r.name, target, visited, path) {
                return true;
            }
            path.pop();
        }
        false
    }

    // ----- segments -------------------------------------------------------

    fn check_segment(&mut self, seg: &Segment) {
        let ctx = SegCtx {
            audience: seg.audience,
            audience_span: seg.audience_span,
        };
        match &seg.body {
            SegmentBody::Who {
                condition,
                filter,
                range,
            } => {
                self.check_condition(condition, ctx);
                if let Some(filter) = filter {
                    self.check_pred(filter);
                }
                if let Some(range) = range {
                    self.check_range(range);
                    if !governs_behavior(condition) {
                        let d = range_governs_nothing(range, condition)
                            .with_help(
                                "a range limits the behaviors (`viewed`, `action`, ...) of the segment; \
                                 profile tests have no time: remove the range, or add a behavior",
                            );
                        self.push(d);
                    }
                }
            }
            SegmentBody::In { set, filter } => {
                self.check_set(set, ctx);
                if let Some(filter) = filter {
                    self.check_pred(filter);
                }
            }
        }
    }

    fn check_condition(&mut self, cond: &Condition, ctx: SegCtx) {
        match &cond.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                for item in items {
                    self.check_condition(item, ctx);
                }
            }
            ConditionKind::Not(inner) => {
                if let ConditionKind::Behavior(b) = &inner.kind
                    && b.is_sequence()
                {
                    let d = Diagnostic::error(
                        codes::NOT_BEFORE_SEQUENCE,
                        "`not` cannot stand directly before a sequence",
                    )
                    .with_span(Span::new(
                        cond.span.start,
                        b.steps[b.steps.len() - 1].span.end,
                    ))
                    .with_label("`not` before a behavior with `then`")
                    .with_help(
                        "write `not (A then B)` for \"never did A then B\", \
                             or `A then not B` for \"did A, and no B after it\"",
                    );
                    self.push(d);
                }
                self.check_condition(inner, ctx);
            }
            ConditionKind::Group { inner, range } => {
                self.check_condition(inner, ctx);
                if let Some(range) = range {
                    self.check_range(range);
                    if !governs_behavior(inner) {
                        let d = range_governs_nothing(range, inner).with_help(
                            "a range limits the behaviors (`viewed`, `action`, ...) in the parentheses \
                             that have no range of their own: remove it, or move it after a behavior",
                        );
                        self.push(d);
                    }
                }
            }
            ConditionKind::Profile { atom, .. } => self.check_atom(atom),
            ConditionKind::InSet(set) => self.check_set(set, ctx),
            ConditionKind::Behavior(b) => self.check_behavior(b),
        }
    }

    fn check_set(&mut self, set: &SetRef, ctx: SegCtx) {
        match &set.kind {
            SetRefKind::Segment(ident) => self.check_segment_use(ident, ctx),
            SetRefKind::Csv { key, .. } => {
                if *key == Some(CsvKey::Email) && ctx.audience == Audience::Accounts {
                    let d = Diagnostic::error(
                        codes::EMAIL_ON_ACCOUNTS,
                        "`by email` matches users, and this is an accounts segment",
                    )
                    .with_span(set.span)
                    .with_label("emails cannot name accounts")
                    .with_secondary(ctx.audience_span, "the segment is about accounts")
                    .with_help(
                        "list account ids instead (`in csv \"accounts.csv\" by id`), \
                         or match emails in a users segment",
                    );
                    self.push(d);
                }
            }
        }
    }

    /// `in segment NAME` inside a segment of audience `ctx.audience`.
    fn check_segment_use(&mut self, ident: &Ident, ctx: SegCtx) {
        let name = ident.name.as_str();
        let shown = quoted(name);
        if self.defining == Some(name) && (self.replacing || self.resolve(name).is_none()) {
            let d = Diagnostic::error(
                codes::SEGMENT_CYCLE,
                format!("segment `{shown}` uses itself: {shown} -> {shown}"),
            )
            .with_span(ident.span)
            .with_label("used in its own definition")
            .with_help(format!(
                "a segment cannot use itself: write out the condition, or define the part you \
                     need under another name before `{shown}`"
            ));
            self.push(d);
            return;
        }
        let Some(res) = self.lookup(ident) else {
            return;
        };
        let audience = res.audience();
        if audience != ctx.audience {
            let mut d = Diagnostic::error(
                codes::AUDIENCE_MISMATCH,
                format!(
                    "`{shown}` is {} segment, used in {} segment",
                    a_segment(audience),
                    a_segment(ctx.audience)
                ),
            )
            .with_span(ident.span)
            .with_label(format!("{} segment", a_segment(audience)))
            .with_secondary(
                ctx.audience_span,
                format!("this segment is about {}", ctx.audience.keyword()),
            );
            d = match res {
                Resolved::Program(def) => d.with_secondary(
                    def.segment.audience_span,
                    format!("`{shown}` is about {}", audience.keyword()),
                ),
                Resolved::Library(def) => d.with_note(format!(
                    "`{shown}` is defined in `{}` as {} segment",
                    def.file,
                    a_segment(audience)
                )),
            };
            d = d.with_help(format!(
                "use {} segment here, or write this segment for {}",
                a_segment(ctx.audience),
                audience.keyword()
            ));
            self.push(d);
        }
    }

    /// Resolves a segment name, reporting it when unknown.
    fn lookup(&mut self, ident: &Ident) -> Option<Resolved<'a>> {
        let name = ident.name.as_str();
        if let Some(res) = self.resolve(name) {
            return Some(res);
        }
        let shown = quoted(name);
        let mut d = Diagnostic::error(codes::UNKNOWN_SEGMENT, format!("unknown segment `{shown}`"))
            .with_span(ident.span)
            .with_label("no segment of this name");
        let later = self
            .all_defs
            .iter()
            .find(|(i, def)| *i > self.stmt_index && def.name == name)
            .map(|(_, def)| def.span);
        if let Some(later) = later {
            d = d
                .with_secondary(later, format!("`{shown}` is defined here"))
                .with_note(format!(
                    "`{shown}` is defined later in this file; a segment can only use the definitions above it"
                ))
                .with_help(format!("move the definition of `{shown}` above this statement"));
        } else {
            let known = self.known_names();
            d = match did_you_mean(name, known.iter().copied()) {
                Some(guess) => d.with_help(format!("did you mean `{guess}`?")),
                None if self.in_library => d.with_help(format!(
                    "define it in a file of the segment library: `segment {shown} = users who ...`"
                )),
                None => d.with_help(format!(
                    "define it above this statement (`segment {shown} = users who ...`), \
                     or load the library that defines it with `--segments DIR`"
                )),
            };
        }
        self.push(d);
        None
    }

    // ----- behaviors and steps ---------------------------------------------

    fn check_behavior(&mut self, b: &Behavior) {
        for step in &b.steps {
            self.check_step(&step.step);
        }
        if let Some(within) = &b.within {
            self.check_within(within);
        }
        if let Some(count) = &b.count {
            let aggregate = match &count.kind {
                CountKind::Aggregate { func, .. } => Some(*func),
                _ => None,
            };
            if b.is_sequence() {
                let what = match aggregate {
                    Some(func) => format!("an aggregate (`{}`)", func.keyword()),
                    None => "a count".to_string(),
                };
                let steps = b.steps[0].span.to(b.steps[b.steps.len() - 1].span);
                let d = Diagnostic::error(
                    codes::COUNT_ON_SEQUENCE,
                    format!("{what} applies to a single step, not to a sequence"),
                )
                .with_span(count.span)
                .with_label("on a sequence")
                .with_secondary(steps, format!("a sequence of {} steps", b.steps.len()))
                .with_help(
                    "count one step (`action \"buy\" at least 3 times`) and join it to the sequence \
                     with `and`: `(viewed \"/a\" then action \"buy\") and action \"buy\" at least 3 times`",
                );
                self.push(d);
            }
            if let Some(within) = &b.within {
                match (&count.kind, aggregate) {
                    (CountKind::AtMost(_) | CountKind::Exactly(_), _) => {
                        let word = if matches!(count.kind, CountKind::AtMost(_)) {
                            "at most"
                        } else {
                            "exactly"
                        };
                        let d = Diagnostic::error(
                            codes::WITHIN_WITH_AT_MOST,
                            format!("`within` cannot be combined with `{word}`"),
                        )
                        .with_span(within.span)
                        .with_label(format!("not allowed with `{word}`"))
                        .with_secondary(count.span, format!("`{word}` counts every matching event"))
                        .with_help(format!(
                            "remove the `within`: `{word} N times` counts all matching events in the \
                             range; limit the time with a range such as `during last 7 days`"
                        ));
                        self.push(d);
                    }
                    (_, Some(func)) => {
                        let d = Diagnostic::error(
                            codes::AGGREGATE_WITH_WITHIN,
                            format!("`within` cannot be combined with `{}`", func.keyword()),
                        )
                        .with_span(within.span)
                        .with_label(format!("not allowed with `{}`", func.keyword()))
                        .with_secondary(count.span, "an aggregate over every matching event")
                        .with_help(
                            "remove the `within` and limit the time with a range: \
                             `event \"purchase\" total amount > 100 during last 30 days`",
                        );
                        self.push(d);
                    }
                    _ => {}
                }
            }
        }
        if let Some(range) = &b.range {
            self.check_range(range);
        }
    }

    fn check_step(&mut self, step: &Step) {
        if let Some(filter) = &step.filter {
            self.check_pred(filter);
        }
    }

    fn check_within(&mut self, within: &Within) {
        if let WithinKind::Duration(duration) = &within.kind {
            self.check_no_month(duration, "`within`");
        }
    }

    fn check_no_month(&mut self, duration: &Duration, place: &str) {
        if duration.unit == Unit::Month {
            let days = duration.count.saturating_mul(30);
            let d = Diagnostic::error(
                codes::MONTH_NOT_ALLOWED,
                format!("a month has no fixed length in {place}; write {days} days"),
            )
            .with_span(duration.span)
            .with_label("months are for ranges only")
            .with_help(format!(
                "write `{days} {}`; months are allowed only in ranges such as `during last 3 months`",
                Unit::Day.name(days)
            ));
            self.push(d);
        }
    }

    // ----- predicates and ranges ---------------------------------------------

    fn check_pred(&mut self, pred: &Pred) {
        match &pred.kind {
            PredKind::Or(items) | PredKind::And(items) => {
                for item in items {
                    self.check_pred(item);
                }
            }
            PredKind::Not(inner) | PredKind::Group(inner) => self.check_pred(inner),
            PredKind::Atom(atom) => self.check_atom(atom),
        }
    }

    fn check_atom(&mut self, atom: &Atom) {
        if let AtomKind::InThePast {
            last,
            count: Some(0),
            unit,
        } = &atom.kind
        {
            let word = if *last { "last" } else { "past" };
            let d = Diagnostic::error(
                codes::ZERO_LENGTH_RANGE,
                format!("`in the {word} 0 {}` covers no time", unit.name(0)),
            )
            .with_span(atom.span)
            .with_label("an empty period")
            .with_help(format!(
                "a period is at least 1 long: `{} in the {word} 1 {}`",
                atom.column.name,
                unit.name(1)
            ));
            self.push(d);
        }
    }

    fn check_opt_range(&mut self, range: Option<&Range>) {
        if let Some(range) = range {
            self.check_range(range);
        }
    }

    fn check_range(&mut self, range: &Range) {
        match &range.kind {
            RangeKind::Last {
                form,
                count: Some(0),
                unit,
            } => {
                let words = match form {
                    LastForm::DuringLast => "during last",
                    LastForm::DuringPast => "during past",
                    LastForm::InThePast => "in the past",
                    LastForm::InTheLast => "in the last",
                };
                let d = Diagnostic::error(
                    codes::ZERO_LENGTH_RANGE,
                    format!("`{words} 0 {}` is an empty range", unit.name(0)),
                )
                .with_span(range.span)
                .with_label("covers no time")
                .with_help(format!(
                    "a range is at least 1 long: `{words} 1 {}`",
                    unit.name(1)
                ));
                self.push(d);
            }
            RangeKind::Between(from, to) if to.epoch_micros <= from.epoch_micros => {
                let d = if to.epoch_micros == from.epoch_micros {
                    Diagnostic::error(
                        codes::ZERO_LENGTH_RANGE,
                        "this range is empty: it starts and ends at the same time",
                    )
                    .with_label("an empty range")
                    .with_help(format!(
                        "the end is excluded, so it must come after the start: for the day {0} \
                         alone, write `between {0} and` the next day",
                        from.text
                    ))
                } else {
                    Diagnostic::error(
                        codes::ZERO_LENGTH_RANGE,
                        "this range is empty: its end is before its start",
                    )
                    .with_label("a reversed range")
                    .with_help(format!(
                        "write the earlier date first: `between {} and {}` \
                         (the start is included, the end is not)",
                        to.text, from.text
                    ))
                };
                let d = d.with_span(range.span);
                self.push(d);
            }
            _ => {}
        }
    }

    // ----- analyses -----------------------------------------------------------

    /// The segments of one analysis (`for`, then `compare`), which must share
    /// one audience.
    fn check_analysis_segments<'s>(&mut self, refs: impl Iterator<Item = &'s SegRef>) {
        let mut first: Option<(Audience, Span)> = None;
        let mut reported = false;
        for seg_ref in refs {
            let audience = match &seg_ref.kind {
                SegRefKind::Named(ident) => self.lookup(ident).map(Resolved::audience),
                SegRefKind::Inline(seg) => {
                    self.check_segment(seg);
                    Some(seg.audience)
                }
            };
            let Some(audience) = audience else {
                continue;
            };
            match first {
                None => first = Some((audience, seg_ref.span)),
                Some((first_audience, first_span)) if first_audience != audience && !reported => {
                    reported = true;
                    let d = Diagnostic::error(
                        codes::AUDIENCE_MISMATCH,
                        format!(
                            "this is {} segment, but this analysis is about {}",
                            a_segment(audience),
                            first_audience.keyword()
                        ),
                    )
                    .with_span(seg_ref.span)
                    .with_label(format!("{} segment", a_segment(audience)))
                    .with_secondary(first_span, format!("{} segment", a_segment(first_audience)))
                    .with_help(
                        "the segments of one analysis share an audience: use only users segments \
                         or only accounts segments",
                    );
                    self.push(d);
                }
                _ => {}
            }
        }
    }

    fn check_funnel(&mut self, f: &Funnel, stmt_span: Span) {
        for step in &f.steps {
            self.check_step(&step.step);
        }
        let positive = f.steps.iter().filter(|s| !s.negated).count();
        if positive < 2 {
            let span = match (f.steps.first(), f.steps.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => stmt_span,
            };
            let d = Diagnostic::error(
                codes::FUNNEL_ONE_STEP,
                format!(
                    "a funnel needs at least two steps that are not negated, this one has {positive}"
                ),
            )
            .with_span(span)
            .with_label("one positive step")
            .with_help("add a step: `funnel viewed \"/cart\" then action \"CHECKOUT\"`");
            self.push(d);
        }
        if let Some(within) = &f.within {
            self.check_within(within);
        }
        self.check_analysis_segments(f.scope.iter().chain(f.compare.iter()));
        self.check_opt_range(f.range.as_ref());
        let mut columns = Vec::new();
        if !f.compare.is_empty() {
            columns.push(ResultColumn::fixed("segment", "the compared segment"));
        }
        columns.extend(f.by.iter().map(ResultColumn::by));
        for name in ["step", "label", "users", "conversion", "step_conversion"] {
            columns.push(ResultColumn::fixed(name, "a column of every funnel"));
        }
        self.check_result_columns(&columns);
    }

    fn check_paths(&mut self, p: &Paths, stmt_span: Span) {
        for (word, step) in [("from", &p.from), ("to", &p.to)] {
            let Some(step) = step else {
                continue;
            };
            self.check_step(step);
            if !matches!(step.event.kind, EventKind::Viewed(_)) {
                let d = Diagnostic::error(
                    codes::PATHS_STEP_NOT_VIEW,
                    format!("`paths {word}` takes a `viewed` step"),
                )
                .with_span(step.event.span)
                .with_label("not a page view")
                .with_help(format!(
                    "paths are made of page views: write `paths {word} viewed \"/home\"`"
                ));
                self.push(d);
            }
        }
        if p.depth == Some(0) {
            self.push(out_of_range(
                stmt_span,
                "`depth 0` leaves no page in a path",
                "`depth` is at least 1 (5 by default)",
            ));
        }
        if p.top == Some(0) {
            self.push(out_of_range(
                stmt_span,
                "`top 0` keeps no row",
                "`top` is at least 1 (10 by default)",
            ));
        }
        self.check_analysis_segments(p.scope.iter());
        self.check_opt_range(p.range.as_ref());
    }

    fn check_explore(&mut self, e: &Explore, stmt_span: Span) {
        for measure in &e.measures {
            if let MeasureKind::Count(step) = &measure.kind {
                self.check_step(step);
            }
        }
        if let Some(every) = &e.every {
            if every.count == 0 {
                let d = out_of_range(
                    every.span,
                    &format!("`every 0 {}` is not a bucket size", every.unit.name(0)),
                    &format!(
                        "a bucket is at least 1 long: `every 1 {}`",
                        every.unit.name(1)
                    ),
                );
                self.push(d);
            }
            self.check_no_month(every, "`every`");
            if every.millis() > MAX_BUCKET_MILLIS {
                self.push(
                    Diagnostic::error(
                        codes::VALUE_OUT_OF_RANGE,
                        "an `every` bucket is at most 10000 weeks long",
                    )
                    .with_span(every.span)
                    .with_label("too long")
                    .with_help(
                        "without `every`, explore gives one row per group over the whole range",
                    ),
                );
            }
        }
        if e.top == Some(0) {
            self.push(out_of_range(
                stmt_span,
                "`top 0` keeps no group",
                "`top` is at least 1",
            ));
        }
        self.check_analysis_segments(e.scope.iter());
        self.check_opt_range(e.range.as_ref());
        let mut columns: Vec<ResultColumn> = e.by.iter().map(ResultColumn::by).collect();
        if e.every.is_some() {
            columns.push(ResultColumn::fixed(
                "time",
                "the start of each `every` bucket",
            ));
        }
        let mut counts = 0;
        for measure in &e.measures {
            let name = match &measure.kind {
                MeasureKind::Events => "events".to_string(),
                MeasureKind::Users => "users".to_string(),
                MeasureKind::Sessions => "sessions".to_string(),
                MeasureKind::Count(_) => {
                    counts += 1;
                    count_column(counts)
                }
            };
            columns.push(ResultColumn {
                name,
                written: Some(measure.span),
                what: "a measure",
            });
        }
        self.check_result_columns(&columns);
    }

    /// The columns of an analysis's result must have distinct names (a
    /// result is a table): a repeated `by` column or measure, or a `by`
    /// column named like one of the analysis's own columns, is an error.
    fn check_result_columns(&mut self, columns: &[ResultColumn]) {
        for (i, column) in columns.iter().enumerate() {
            let Some(earlier) = columns[..i].iter().find(|c| c.name == column.name) else {
                continue;
            };
            let d = if column.what == earlier.what {
                // The same `by` column or measure written twice.
                let Some(span) = column.written else {
                    continue;
                };
                Diagnostic::error(
                    codes::DUPLICATE_COLUMN,
                    format!("`{}` is written twice", quoted(&column.name)),
                )
                .with_span(span)
                .with_label("written again here")
                .with_help(format!("write `{}` once", quoted(&column.name)))
            } else {
                // A `by` column named like a measure or one of the
                // analysis's own columns: the `by` column is what can
                // change.
                let (by, other) = if column.what == BY_COLUMN {
                    (column, earlier)
                } else {
                    (earlier, column)
                };
                let Some(span) = by.written.filter(|_| by.what == BY_COLUMN) else {
                    continue;
                };
                Diagnostic::error(
                    codes::DUPLICATE_COLUMN,
                    format!(
                        "the result would have two columns named `{}`",
                        quoted(&by.name)
                    ),
                )
                .with_span(span)
                .with_label(format!("`{}` is already {}", quoted(&by.name), other.what))
                .with_help("group by another column, or give this one another name in the data")
            };
            self.push(d);
        }
    }
}

const BY_COLUMN: &str = "a `by` column";

/// The most periods a retention may ask for.
const MAX_PERIODS: u64 = 10_000;

/// The longest explore bucket: 10,000 weeks (about 190 years), which keeps
/// bucket arithmetic on microseconds far from overflow.
const MAX_BUCKET_MILLIS: i64 = 10_000 * 7 * 86_400_000;

/// A column of an analysis's result, for [`Checker::check_result_columns`].
struct ResultColumn {
    name: String,
    /// Where the text names it; `None` for the analysis's own columns.
    written: Option<Span>,
    /// What the column is, for the message.
    what: &'static str,
}

impl ResultColumn {
    fn fixed(name: &str, what: &'static str) -> Self {
        ResultColumn {
            name: name.to_string(),
            written: None,
            what,
        }
    }

    fn by(ident: &Ident) -> Self {
        ResultColumn {
            name: ident.name.clone(),
            written: Some(ident.span),
            what: BY_COLUMN,
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

fn out_of_range(span: Span, message: &str, help: &str) -> Diagnostic {
    Diagnostic::error(codes::VALUE_OUT_OF_RANGE, message)
        .with_span(span)
        .with_label("must be at least 1")
        .with_help(help)
}

fn range_governs_nothing(range: &Range, cond: &Condition) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::RANGE_GOVERNS_NOTHING,
        "this range limits no behavior",
    )
    .with_span(range.span)
    .with_label("governs nothing")
    .with_secondary(cond.span, "no behavior here without a range of its own");
    if contains_segment_use(cond) {
        d = d.with_note(
            "a range never reaches into `in segment`: a segment means what its definition says",
        );
    }
    d
}

/// Whether a range after `cond` would govern a behavior: one that has no
/// range of its own and is not inside a group with a range. Ranges never
/// reach into `in segment`.
fn governs_behavior(cond: &Condition) -> bool {
    match &cond.kind {
        ConditionKind::Or(items) | ConditionKind::And(items) => items.iter().any(governs_behavior),
        ConditionKind::Not(inner) => governs_behavior(inner),
        ConditionKind::Group { inner, range } => range.is_none() && governs_behavior(inner),
        ConditionKind::Profile { .. } | ConditionKind::InSet(_) => false,
        ConditionKind::Behavior(b) => b.range.is_none(),
    }
}

fn contains_segment_use(cond: &Condition) -> bool {
    match &cond.kind {
        ConditionKind::Or(items) | ConditionKind::And(items) => {
            items.iter().any(contains_segment_use)
        }
        ConditionKind::Not(inner) | ConditionKind::Group { inner, .. } => {
            contains_segment_use(inner)
        }
        ConditionKind::InSet(set) => matches!(set.kind, SetRefKind::Segment(_)),
        ConditionKind::Profile { .. } | ConditionKind::Behavior(_) => false,
    }
}

/// The `in segment NAME` references of a segment, in source order.
fn segment_refs(seg: &Segment) -> Vec<&Ident> {
    fn walk<'s>(cond: &'s Condition, out: &mut Vec<&'s Ident>) {
        match &cond.kind {
            ConditionKind::Or(items) | ConditionKind::And(items) => {
                for item in items {
                    walk(item, out);
                }
            }
            ConditionKind::Not(inner) | ConditionKind::Group { inner, .. } => walk(inner, out),
            ConditionKind::InSet(set) => set_ref(set, out),
            ConditionKind::Profile { .. } | ConditionKind::Behavior(_) => {}
        }
    }
    fn set_ref<'s>(set: &'s SetRef, out: &mut Vec<&'s Ident>) {
        if let SetRefKind::Segment(ident) = &set.kind {
            out.push(ident);
        }
    }
    let mut out = Vec::new();
    match &seg.body {
        SegmentBody::Who { condition, .. } => walk(condition, &mut out),
        SegmentBody::In { set, .. } => set_ref(set, &mut out),
    }
    out
}

/// A cycle between library definitions: `members` in order (indices into
/// `Library::defs`), closed by the reference at `span` in `from`'s definition
/// to `to` (the first member).
struct Cycle {
    members: Vec<usize>,
    from: usize,
    to: usize,
    span: Span,
}

/// Finds the cycles of the library, each once (a depth-first search finds
/// at least one cycle of every strongly connected part).
fn find_cycles(library: &Library) -> Vec<Cycle> {
    struct Search<'l> {
        library: &'l Library,
        index: HashMap<&'l str, usize>,
        state: Vec<u8>,
        stack: Vec<usize>,
        seen: HashSet<Vec<usize>>,
        cycles: Vec<Cycle>,
    }
    impl Search<'_> {
        fn visit(&mut self, i: usize) {
            self.state[i] = 1;
            self.stack.push(i);
            for r in segment_refs(&self.library.defs[i].segment) {
                let Some(&j) = self.index.get(r.name.as_str()) else {
                    continue;
                };
                match self.state[j] {
                    0 => self.visit(j),
                    1 => {
                        let pos = self.stack.iter().position(|&k| k == j).unwrap_or(0);
                        let members = self.stack[pos..].to_vec();
                        let mut key = members.clone();
                        let min = key
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, v)| **v)
                            .map_or(0, |(p, _)| p);
                        key.rotate_left(min);
                        if self.seen.insert(key) {
                            self.cycles.push(Cycle {
                                members,
                                from: i,
                                to: j,
                                span: r.span,
                            });
                        }
                    }
                    _ => {}
                }
            }
            self.stack.pop();
            self.state[i] = 2;
        }
    }
    let mut search = Search {
        library,
        index: library
            .defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.as_str(), i))
            .collect(),
        state: vec![0; library.defs.len()],
        stack: Vec::new(),
        seen: HashSet::new(),
        cycles: Vec::new(),
    };
    for i in 0..library.defs.len() {
        if search.state[i] == 0 {
            search.visit(i);
        }
    }
    search.cycles
}

#[cfg(test)]
mod tests {
    use super::*;
    
    fn parse(src: &str) -> Program {
        segql_syntax::parse(src).unwrap_or_else(|e| panic!("parse failed for {src:?}: {e:?}"))
    }

    fn check_with(src: &str, library: &Library) -> Vec<Diagnostic> {
        validate(&parse(src), library)
    }

    fn check(src: &str) -> Vec<Diagnostic> {
        check_with(src, &Library::new())
    }

    fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
        diags.iter().map(|d| d.code).collect()
    }

    /// Asserts exactly one diagnostic, of `code`, whose primary span covers
    /// `spanned` (when given), and returns it.
    fn one(src: &str, code: &str, spanned: Option<&str>) -> Diagnostic {
        one_of(src, check(src), code, spanned)
    }

    fn one_of(src: &str, diags: Vec<Diagnostic>, code: &str, spanned: Option<&str>) -> Diagnostic {
        assert_eq!(codes_of(&diags), vec![code], "for {src:?}: {diags:#?}");
        let d = diags.into_iter().next().unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert!(!d.message.is_empty() && !d.message.contains('\n'), "{d:?}");
        assert!(d.label.is_some(), "no label: {d:?}");
        assert!(d.help.is_some(), "no help: {d:?}");
        let span = d.span.expect("a diagnostic of the text has a span");
        if let Some(text) = spanned {
            assert_eq!(&src[span.range()], text, "span of {d:?}");
        }
        for label in &d.labels {
            assert!(label.span.end <= src.len());
        }
        d
    }

    fn clean(src: &str) {
        let diags = check(src);
        assert!(diags.is_empty(), "for {src:?}: {diags:#?}");
    }

    fn library(files: &[(&str, &str)]) -> (Library, Vec<(String, Diagnostic)>) {
        let parsed: Vec<(String, Program)> = files
            .iter()
            .map(|(name, src)| (name.to_string(), parse(src)))
            .collect();
        Library::from_files(&parsed)
    }

    fn clean_library(files: &[(&str, &str)]) -> Library {
        let (lib, diags) = library(files);
        assert!(diags.is_empty(), "{diags:#?}");
        lib
    }

    // ----- valid programs ---------------------------------------------------

    #[test]
    fn valid_programs_have_no_diagnostics() {
        clean(
            r#"segment buyers = users who performed event "purchase" at least 2 times within 7 days;
segment big = users who event "purchase" total amount > 100 during last 30 days;
segment accts = accounts who have arr > 100000;
users who in segment buyers and not in segment big;
users who viewed "/cart" then not action "CHECKOUT" within session where country = "BR" in the past week;
users who not (viewed "/a" then action "b") during last 7 days;
users who viewed "/a" then not action "b" then action "c" within 45 minutes;
users who (viewed "/a" and action "b") during last 7 days;
users who have plan = "pro" and viewed "/a" where country = "BR" during last 7 days;
users who (have plan = "pro" or viewed "/a") during last 7 days;
users who action "x" at least 0 times;
users who action "x" at least 2 times within 0 seconds;
users who action "x" at most 3 times during last 1 month;
users who action "x" exactly 0 times;
users who have signup_date in the past 3 months;
users who have signup_date in the past week;
users who event "e" between 2026-01-01 and 2026-01-02;
users in csv "list.csv" by email where plan = "pro";
accounts in csv "vip.csv" by id;
accounts in segment accts where tier = "enterprise";
funnel viewed "/cart" then action "CHECKOUT" within 1 hour compare buyers, big, (users who have plan = "pro") during last 30 days;
funnel viewed "/a" then not error then event "b" for accts;
retention viewed "/a" returning any event every month periods 0 for (accounts who have tier = "smb") during last 3 months;
paths from viewed "/cart" to viewed like "/checkout%" depth 1 top 1 for buyers;
explore events, count(action "x" with amount > 1) by device every 6h for big top 3 during last 2 weeks"#,
        );
    }

    #[test]
    fn examples_are_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "seg") {
                let src = std::fs::read_to_string(&path).unwrap();
                let diags = check(&src);
                assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
            }
        }
    }

    // ----- names ------------------------------------------------------------

    #[test]
    fn unknown_segment_everywhere() {
        one(
            "users who in segment nope",
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
        one(
            "accounts in segment nope",
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
        one(
            r#"funnel viewed "/a" then viewed "/b" for nope"#,
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
        one(
            r#"funnel viewed "/a" then viewed "/b" compare (users who in segment nope)"#,
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
        one(
            r#"retention viewed "/a" returning viewed "/a" for nope"#,
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
        one("paths for nope", codes::UNKNOWN_SEGMENT, Some("nope"));
        one(
            "explore events for nope",
            codes::UNKNOWN_SEGMENT,
            Some("nope"),
        );
    }

    #[test]
    fn unknown_segment_suggests_a_close_name() {
        let d = one(
            "segment premium_users = users who have plan = \"premium\";\nusers who in segment premium_user",
            codes::UNKNOWN_SEGMENT,
            Some("premium_user"),
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `premium_users`?"));

        let lib = clean_library(&[(
            "lib.seg",
            "segment churned = users who not any event during last 30 days",
        )]);
        let src = "users who in segment churnd";
        let d = one_of(
            src,
            check_with(src, &lib),
            codes::UNKNOWN_SEGMENT,
            Some("churnd"),
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `churned`?"));

        let d = one(
            "users who in segment zzz",
            codes::UNKNOWN_SEGMENT,
            Some("zzz"),
        );
        assert!(d.help.unwrap().contains("segment zzz = "));
    }

    #[test]
    fn a_definition_is_visible_only_below_it() {
        let src = "users who in segment later;\nsegment later = users who have plan = \"pro\"";
        let d = one(src, codes::UNKNOWN_SEGMENT, Some("later"));
        assert_eq!(d.labels.len(), 1);
        assert_eq!(&src[d.labels[0].span.range()], "later");
        assert!(d.labels[0].span.start > src.find(';').unwrap());
        assert!(d.notes[0].contains("defined later in this file"));
    }

    #[test]
    fn self_reference_is_a_cycle() {
        one(
            "segment a = users who in segment a",
            codes::SEGMENT_CYCLE,
            Some("a"),
        );
    }

    #[test]
    fn duplicate_definition_in_a_program() {
        let src = "segment a = users who have x = 1;\nsegment a = users who have x = 2";
        let d = one(src, codes::DUPLICATE_DEFINITION, Some("a"));
        assert!(d.span.unwrap().start > 10);
        assert_eq!(d.labels.len(), 1);
        assert_eq!(d.labels[0].span.start, "segment ".len());
    }

    #[test]
    fn shadowing_a_library_name_is_a_duplicate() {
        let lib = clean_library(&[("lib/core.seg", "segment a = users who have x = 1")]);
        let src = "segment a = users who have x = 2";
        let d = one_of(
            src,
            check_with(src, &lib),
            codes::DUPLICATE_DEFINITION,
            Some("a"),
        );
        assert!(d.notes[0].contains("lib/core.seg"), "{d:?}");
        // The REPL replaces instead.
        assert!(validate_replacing(&parse(src), &lib).is_empty());
    }

    #[test]
    fn replacing_redefines_without_errors() {
        let src = "segment a = users who have x = 1;\nsegment a = users who have x = 2;\nusers who in segment a";
        assert!(validate_replacing(&parse(src), &Library::new()).is_empty());
    }

    #[test]
    fn replacing_can_not_close_a_cycle() {
        let lib = clean_library(&[(
            "repl",
            "segment a = users who have x = 1; segment b = users who in segment a",
        )]);
        let src = "segment a = users who in segment b";
        let diags = validate_replacing(&parse(src), &lib);
        let d = one_of(src, diags, codes::SEGMENT_CYCLE, Some("b"));
        assert!(d.message.contains("a -> b -> a"), "{d:?}");

        let src = "segment a = users who in segment a";
        one_of(
            src,
            validate_replacing(&parse(src), &lib),
            codes::SEGMENT_CYCLE,
            Some("a"),
        );
    }

    #[test]
    fn replacing_can_not_change_an_audience_in_use() {
        let lib = clean_library(&[(
            "repl",
            "segment a = users who have x = 1; segment b = users who in segment a",
        )]);
        let src = "segment a = accounts who have x = 1";
        let d = one_of(
            src,
            validate_replacing(&parse(src), &lib),
            codes::AUDIENCE_MISMATCH,
            Some("accounts"),
        );
        assert!(d.message.contains("`b`"), "{d:?}");

        let src = "segment c = users who have x = 1;\nsegment d = users who in segment c;\nsegment c = accounts who have x = 1";
        let d = one_of(
            src,
            validate_replacing(&parse(src), &Library::new()),
            codes::AUDIENCE_MISMATCH,
            None,
        );
        assert_eq!(d.labels.len(), 1);
        assert_eq!(&src[d.labels[0].span.range()], "c");
    }

    // ----- libraries ----------------------------------------------------------

    #[test]
    fn library_definitions_see_each_other_in_any_order() {
        let lib = clean_library(&[
            (
                "a.seg",
                "segment a = users who in segment b and in segment c",
            ),
            (
                "b.seg",
                "segment b = users who have x = 1;\nsegment c = users who in segment b",
            ),
        ]);
        assert_eq!(lib.defs.len(), 3);
        assert_eq!(lib.get("c").unwrap().file, "b.seg");
        assert_eq!(lib.get("a").unwrap().audience, Audience::Users);
        assert!(lib.get("zz").is_none());
        clean_with_lib("users who in segment a", &lib);
    }

    fn clean_with_lib(src: &str, lib: &Library) {
        let diags = check_with(src, lib);
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn library_name_in_two_files() {
        let (lib, diags) = library(&[
            ("one.seg", "segment a = users who have x = 1"),
            (
                "two.seg",
                "segment b = users who have x = 1;\nsegment a = users who have x = 2",
            ),
        ]);
        assert_eq!(lib.defs.len(), 2);
        assert_eq!(lib.get("a").unwrap().file, "one.seg");
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let (file, d) = &diags[0];
        assert_eq!(file, "two.seg");
        assert_eq!(d.code, codes::DUPLICATE_DEFINITION);
        assert!(
            d.message.contains("one.seg") && d.message.contains("two.seg"),
            "{d:?}"
        );
    }

    #[test]
    fn library_name_twice_in_one_file() {
        let (_, diags) = library(&[(
            "one.seg",
            "segment a = users who have x = 1; segment a = users who have x = 2",
        )]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].1.code, codes::DUPLICATE_DEFINITION);
        assert_eq!(diags[0].1.labels.len(), 1);
    }

    #[test]
    fn library_cycles_name_the_chain() {
        let (_, diags) = library(&[
            ("a.seg", "segment a = users who in segment b"),
            ("b.seg", "segment b = users who have x = 1 and in segment a"),
        ]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let (file, d) = &diags[0];
        assert_eq!(d.code, codes::SEGMENT_CYCLE);
        assert_eq!(file, "b.seg");
        assert!(d.message.contains("a -> b -> a"), "{d:?}");
        assert!(d.notes.iter().any(|n| n.contains("a.seg")), "{d:?}");

        let (_, diags) = library(&[("s.seg", "segment s = users who in segment s")]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].1.code, codes::SEGMENT_CYCLE);
        assert!(diags[0].1.message.contains("s -> s"));

        let (_, diags) = library(&[(
            "c.seg",
            "segment a = users who in segment b; segment b = users who in segment c; \
             segment c = users who in segment a or in segment b",
        )]);
        let cycles: Vec<_> = diags
            .iter()
            .filter(|(_, d)| d.code == codes::SEGMENT_CYCLE)
            .collect();
        assert_eq!(cycles.len(), 2, "{diags:#?}");
        assert!(
            cycles[0].1.message.contains("a -> b -> c -> a")
                || cycles[1].1.message.contains("a -> b -> c -> a")
        );
    }

    #[test]
    fn library_checks_names_audiences_and_structure() {
        let (_, diags) = library(&[
            ("a.seg", "segment a = users who in segment nope"),
            (
                "b.seg",
                "segment b = accounts who have x = 1; segment c = users who in segment b",
            ),
            (
                "c.seg",
                r#"segment d = users who viewed "/a" then viewed "/b" at least 2 times"#,
            ),
        ]);
        let got: Vec<(&str, &str)> = diags.iter().map(|(f, d)| (f.as_str(), d.code)).collect();
        assert_eq!(
            got,
            vec![
                ("a.seg", codes::UNKNOWN_SEGMENT),
                ("b.seg", codes::AUDIENCE_MISMATCH),
                ("c.seg", codes::COUNT_ON_SEQUENCE),
            ]
        );
    }

    // ----- audiences ------------------------------------------------------------

    #[test]
    fn audience_mismatch_in_a_segment() {
        let src = "segment accts = accounts who have arr > 1;\nusers who in segment accts";
        let d = one(src, codes::AUDIENCE_MISMATCH, Some("accts"));
        assert!(d.labels.iter().any(|l| &src[l.span.range()] == "users"));

        one(
            "segment u = users who have plan = \"pro\";\naccounts in segment u",
            codes::AUDIENCE_MISMATCH,
            Some("u"),
        );
        let lib = clean_library(&[("l.seg", "segment accts = accounts who have arr > 1")]);
        let src = "users who in segment accts";
        let d = one_of(
            src,
            check_with(src, &lib),
            codes::AUDIENCE_MISMATCH,
            Some("accts"),
        );
        assert!(d.notes[0].contains("l.seg"));
    }

    #[test]
    fn audience_mismatch_in_an_analysis() {
        let src = "segment u = users who have plan = \"pro\";\nsegment a = accounts who have arr > 1;\n\
                   funnel viewed \"/a\" then viewed \"/b\" for u compare a, (accounts who have arr > 2)";
        let d = one(src, codes::AUDIENCE_MISMATCH, Some("a"));
        assert_eq!(d.labels.len(), 1);
        assert_eq!(&src[d.labels[0].span.range()], "u");

        one(
            "funnel viewed \"/a\" then viewed \"/b\" compare (users who have x = 1), (accounts who have y = 2)",
            codes::AUDIENCE_MISMATCH,
            Some("(accounts who have y = 2)"),
        );
        // One audience throughout: fine.
        clean(
            "funnel viewed \"/a\" then viewed \"/b\" for (accounts who have x = 1) compare (accounts who have y = 2)",
        );
    }

    // ----- behaviors ------------------------------------------------------------

    #[test]
    fn count_on_sequence() {
        one(
            r#"users who viewed "/a" then action "b" at least 2 times"#,
            codes::COUNT_ON_SEQUENCE,
            Some("at least 2 times"),
        );
        one(
            r#"users who viewed "/a" then not action "b" exactly 1 time"#,
            codes::COUNT_ON_SEQUENCE,
            Some("exactly 1 time"),
        );
        one(
            r#"users who event "a" then event "b" total amount > 1"#,
            codes::COUNT_ON_SEQUENCE,
            Some("total amount > 1"),
        );
        // Also inside inline segments of analyses.
        one(
            r#"explore events for (users who viewed "/a" then viewed "/b" at least 2 times)"#,
            codes::COUNT_ON_SEQUENCE,
            Some("at least 2 times"),
        );
    }

    #[test]
    fn within_with_at_most_or_exactly() {
        one(
            r#"users who action "a" at most 2 times within session"#,
            codes::WITHIN_WITH_AT_MOST,
            Some("within session"),
        );
        one(
            r#"users who action "a" within 1 hour exactly 2 times"#,
            codes::WITHIN_WITH_AT_MOST,
            Some("within 1 hour"),
        );
        clean(r#"users who action "a" at least 2 times within 1 hour"#);
    }

    #[test]
    fn aggregate_with_within() {
        one(
            r#"users who event "purchase" total amount > 100 within session"#,
            codes::AGGREGATE_WITH_WITHIN,
            Some("within session"),
        );
        one(
            r#"users who event "purchase" within 1 day max amount > 100"#,
            codes::AGGREGATE_WITH_WITHIN,
            Some("within 1 day"),
        );
    }

    #[test]
    fn not_before_a_sequence() {
        one(
            r#"users who not viewed "/a" then action "b""#,
            codes::NOT_BEFORE_SEQUENCE,
            Some(r#"not viewed "/a" then action "b""#),
        );
        one(
            r#"users who have x = 1 and not not viewed "/a" then action "b""#,
            codes::NOT_BEFORE_SEQUENCE,
            Some(r#"not viewed "/a" then action "b""#),
        );
        one(
            r#"users who not viewed "/a" then action "b" with x = 1 within session during last 7 days"#,
            codes::NOT_BEFORE_SEQUENCE,
            Some(r#"not viewed "/a" then action "b" with x = 1"#),
        );
        clean(r#"users who not (viewed "/a" then action "b")"#);
        clean(r#"users who not viewed "/a""#);
    }

    #[test]
    fn range_that_governs_nothing() {
        one(
            r#"users who have plan = "pro" where country = "BR" during last 7 days"#,
            codes::RANGE_GOVERNS_NOTHING,
            Some("during last 7 days"),
        );
        one(
            r#"users who viewed "/a" during last 3 days where country = "BR" during last 7 days"#,
            codes::RANGE_GOVERNS_NOTHING,
            Some("during last 7 days"),
        );
        one(
            r#"users who (have plan = "pro" or have plan = "max") since 2026-01-01"#,
            codes::RANGE_GOVERNS_NOTHING,
            Some("since 2026-01-01"),
        );
        let d = one(
            "segment s = users who viewed \"/a\";\nusers who (in segment s) during last 7 days",
            codes::RANGE_GOVERNS_NOTHING,
            Some("during last 7 days"),
        );
        assert!(d.notes[0].contains("in segment"));
        one(
            r#"users who (viewed "/a" during last 1 day and not (action "b") in the past week) before 2026-01-01"#,
            codes::RANGE_GOVERNS_NOTHING,
            Some("before 2026-01-01"),
        );
        clean(r#"users who (viewed "/a" during last 1 day and not action "b") before 2026-01-01"#);
    }

    // ----- analyses -------------------------------------------------------------

    #[test]
    fn funnel_with_one_positive_step() {
        one(
            r#"funnel viewed "/a" then not action "b""#,
            codes::FUNNEL_ONE_STEP,
            Some(r#"viewed "/a" then not action "b""#),
        );
    }

    #[test]
    fn paths_steps_must_be_views() {
        one(
            r#"paths from action "a""#,
            codes::PATHS_STEP_NOT_VIEW,
            Some(r#"action "a""#),
        );
        one(
            r#"paths from viewed "/a" to any event"#,
            codes::PATHS_STEP_NOT_VIEW,
            Some("any event"),
        );
    }

    #[test]
    fn values_out_of_range() {
        // `depth 0` and `top 0` are reported by the parser, which knows where
        // the clause is; the checks here stay for trees built in code.
        for (src, clause) in [
            (r#"paths from viewed "/a" depth 0"#, "depth 0"),
            ("paths top 0", "top 0"),
            ("explore events by device top 0", "top 0"),
        ] {
            let diags = segql_syntax::parse(src).expect_err(src);
            assert_eq!(codes_of(&diags), vec![codes::VALUE_OUT_OF_RANGE], "{src}");
            assert_eq!(&src[diags[0].span.expect("a span").range()], clause);
        }
        one(
            "explore events every 0 days",
            codes::VALUE_OUT_OF_RANGE,
            Some("0 days"),
        );
    }

    #[test]
    fn result_columns_have_distinct_names() {
        for (src, spanned, label) in [
            ("explore events, events", "events", "written again here"),
            (
                r#"explore events, count(viewed "/a"), users, users"#,
                "users",
                "written again here",
            ),
            ("explore events by name, name", "name", "written again here"),
            (
                "explore events by time every 1 day",
                "time",
                "`time` is already the start of each `every` bucket",
            ),
            (
                "explore events by events",
                "events",
                "`events` is already a measure",
            ),
            (
                r#"funnel viewed "/a" then viewed "/b" by step"#,
                "step",
                "`step` is already a column of every funnel",
            ),
            (
                r#"funnel viewed "/a" then viewed "/b" compare (users who viewed "/a") by segment"#,
                "segment",
                "`segment` is already the compared segment",
            ),
            (
                r#"retention viewed "/a" returning viewed "/b" by cohort"#,
                "cohort",
                "`cohort` is already a column of every retention",
            ),
        ] {
            let d = one(src, codes::DUPLICATE_COLUMN, None);
            let span = d.span.expect("a span");
            assert_eq!(&src[span.range()], spanned, "{src}");
            // The later of the two when both are written.
            assert_eq!(
                span.end,
                src.rfind(spanned).unwrap() + spanned.len(),
                "{src}"
            );
            assert_eq!(d.label.as_deref(), Some(label), "{src}");
        }
        // Names that only look alike, and a `time` without `every`.
        clean("explore events by time");
        clean(r#"explore count(viewed "/a"), count(viewed "/b") by count_3"#);
        clean(r#"funnel viewed "/a" then viewed "/b" by segment"#);
    }

    // ----- sets and ranges ------------------------------------------------------

    #[test]
    fn email_on_accounts() {
        one(
            r#"accounts in csv "a.csv" by email"#,
            codes::EMAIL_ON_ACCOUNTS,
            Some(r#"csv "a.csv" by email"#),
        );
        one(
            r#"accounts who have x = 1 and in csv "a.csv" column "mail" by email"#,
            codes::EMAIL_ON_ACCOUNTS,
            Some(r#"csv "a.csv" column "mail" by email"#),
        );
        one(
            r#"explore events for (accounts in csv "a.csv" by email)"#,
            codes::EMAIL_ON_ACCOUNTS,
            Some(r#"csv "a.csv" by email"#),
        );
    }

    #[test]
    fn zero_length_ranges() {
        one(
            r#"users who viewed "/a" during last 0 days"#,
            codes::ZERO_LENGTH_RANGE,
            Some("during last 0 days"),
        );
        one(
            r#"users who viewed "/a" in the past 0 weeks"#,
            codes::ZERO_LENGTH_RANGE,
            Some("in the past 0 weeks"),
        );
        one(
            "users who have signup_date in the past 0 days",
            codes::ZERO_LENGTH_RANGE,
            Some("signup_date in the past 0 days"),
        );
        one(
            r#"users who viewed "/a" with t in the last 0 hours"#,
            codes::ZERO_LENGTH_RANGE,
            Some("t in the last 0 hours"),
        );
        one(
            r#"users who viewed "/a" between 2026-02-01 and 2026-01-01"#,
            codes::ZERO_LENGTH_RANGE,
            Some("between 2026-02-01 and 2026-01-01"),
        );
        one(
            r#"users who viewed "/a" between 2026-02-01 and 2026-02-01T00:00:00Z"#,
            codes::ZERO_LENGTH_RANGE,
            None,
        );
        one(
            r#"funnel viewed "/a" then viewed "/b" during last 0 days"#,
            codes::ZERO_LENGTH_RANGE,
            Some("during last 0 days"),
        );
        one(
            r#"paths during past 0 months"#,
            codes::ZERO_LENGTH_RANGE,
            Some("during past 0 months"),
        );
    }

    #[test]
    fn months_only_in_ranges() {
        let d = one(
            r#"users who action "a" at least 2 times within 1 month"#,
            codes::MONTH_NOT_ALLOWED,
            Some("1 month"),
        );
        assert!(d.message.contains("30 days"));
        one(
            r#"funnel viewed "/a" then viewed "/b" within 2 months"#,
            codes::MONTH_NOT_ALLOWED,
            Some("2 months"),
        );
        one(
            "explore events every 1 month",
            codes::MONTH_NOT_ALLOWED,
            Some("1 month"),
        );
        clean(r#"users who action "a" during last 2 months"#);
    }

    #[test]
    fn checks_reach_every_step_filter() {
        one(
            r#"retention viewed "/a" with d in the past 0 days returning any event"#,
            codes::ZERO_LENGTH_RANGE,
            Some("d in the past 0 days"),
        );
        one(
            r#"explore count(action "a" with d in the past 0 days)"#,
            codes::ZERO_LENGTH_RANGE,
            Some("d in the past 0 days"),
        );
        one(
            r#"funnel viewed "/a" then not action "b" with d in the past 0 days then viewed "/c""#,
            codes::ZERO_LENGTH_RANGE,
            Some("d in the past 0 days"),
        );
        one(
            r#"paths from viewed "/a" with d in the past 0 days"#,
            codes::ZERO_LENGTH_RANGE,
            Some("d in the past 0 days"),
        );
    }

    #[test]
    fn several_errors_are_all_reported() {
        let diags = check(
            r#"users who in segment nope and viewed "/a" then action "b" at least 2 times during last 0 days;
accounts in csv "x.csv" by email"#,
        );
        assert_eq!(
            codes_of(&diags),
            vec![
                codes::UNKNOWN_SEGMENT,
                codes::COUNT_ON_SEQUENCE,
                codes::ZERO_LENGTH_RANGE,
                codes::EMAIL_ON_ACCOUNTS
            ]
        );
    }
}

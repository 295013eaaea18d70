//! Segment names: the definitions of a program and of the segment library,
//! what a name resolves to, the audience a use expects, and the cycles
//! between definitions.

use super::{Checker, Resolved, SegCtx, a_segment};
use segql_syntax::{
    Audience, Condition, ConditionKind, Diagnostic, Ident, Program, Segment, SegmentBody,
    SegmentDef, SetRef, SetRefKind, Span, StatementKind, codes, did_you_mean, quoted,
};
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

impl<'a> Checker<'a> {
    pub(super) fn check_definition(&mut self, def: &'a SegmentDef) {
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

    /// `in segment NAME` inside a segment of audience `ctx.audience`.
    pub(super) fn check_segment_use(&mut self, ident: &Ident, ctx: SegCtx) {
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
    pub(super) fn lookup(&mut self, ident: &Ident) -> Option<Resolved<'a>> {
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

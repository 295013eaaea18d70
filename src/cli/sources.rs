//! Reading segql source files and segment libraries from disk.

use super::{Output, Status};
use segql::{Diagnostic, Library, Program, codes};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// A source text and the name it is shown under in diagnostics.
pub struct Source {
    pub display: String,
    pub text: String,
}

/// Reads a `.seg` file, or standard input for `-`.
pub fn read_source(path: &Path) -> Result<Source, Diagnostic> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            Diagnostic::error(
                codes::UNREADABLE_FILE,
                format!("cannot read standard input: {e}"),
            )
        })?;
        return Ok(Source {
            display: "<stdin>".into(),
            text: without_bom(text),
        });
    }
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ if path.is_dir() => "it is a folder, not a file".to_string(),
            _ => e.to_string(),
        };
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!("cannot read `{display}`: {reason}"),
        )
        .with_help("check the path; segql files usually end in .seg")
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(
            codes::UNREADABLE_FILE,
            format!(
                "`{display}` is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
        .with_help("save the file as UTF-8")
    })?;
    Ok(Source {
        display,
        text: without_bom(text),
    })
}

/// Hands each file of `files` that can be read to `each`, in order, and
/// reports those that cannot (a usage error, as the text's own problems
/// are). `each` gives its file's status, or breaks off the files with it.
/// The worst status met is returned.
pub fn for_each_source(
    files: &[PathBuf],
    output: Output,
    mut each: impl FnMut(&Path, Source) -> ControlFlow<Status, Status>,
) -> Status {
    let mut status = Status::Success;
    for path in files {
        match read_source(path) {
            Ok(source) => match each(path, source) {
                ControlFlow::Continue(file) => status = status.worst(file),
                ControlFlow::Break(file) => return status.worst(file),
            },
            Err(d) => {
                output.error(&d);
                status = status.worst(Status::Usage);
            }
        }
    }
    status
}

/// Text without the byte-order mark some editors put first: it is not part
/// of the program, and would be an invisible syntax error.
fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Loads every `*.seg` file directly in `dir` as a segment library. Reports
/// the files' own diagnostics; `None` when any is an error.
pub fn load_library(dir: &Path, output: Output) -> Option<(Library, Vec<PathBuf>)> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            output.error(
                &Diagnostic::error(
                    codes::UNREADABLE_FILE,
                    format!("cannot read the segment library `{}`: {e}", dir.display()),
                )
                .with_help("--segments takes a folder of .seg files"),
            );
            return None;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "seg"))
        .collect();
    paths.sort();
    let mut ok = true;
    let mut files: Vec<(String, Program)> = Vec::new();
    let mut texts = Vec::new();
    for path in &paths {
        let source = match read_source(path) {
            Ok(s) => s,
            Err(d) => {
                output.error(&d);
                ok = false;
                continue;
            }
        };
        match segql::parse(&source.text) {
            Ok(program) => files.push((source.display.clone(), program)),
            Err(diagnostics) => {
                output.diagnostics(&source.display, &source.text, &diagnostics);
                ok = false;
            }
        }
        texts.push(source);
    }
    let (library, diagnostics) = Library::from_files(&files);
    for (file, diagnostic) in &diagnostics {
        let text = texts
            .iter()
            .find(|s| &s.display == file)
            .map_or("", |s| s.text.as_str());
        output.diagnostics(file, text, std::slice::from_ref(diagnostic));
        ok &= !diagnostic.is_error();
    }
    ok.then_some((library, paths))
}

/// The library without the definitions of `path` itself, so that checking a
/// file that also lives in the library folder does not see its own
/// definitions twice.
pub fn library_without(library: &Library, path: &Path) -> Library {
    let same = |file: &str| {
        let a = std::fs::canonicalize(file).ok();
        let b = std::fs::canonicalize(path).ok();
        a.is_some() && a == b
    };
    Library {
        defs: library
            .defs
            .iter()
            .filter(|d| !same(&d.file))
            .cloned()
            .collect(),
    }
}

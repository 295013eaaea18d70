//! Every `examples/*.seg` file: its syntax tree (snapshot), no diagnostics
//! from `validate`, and `segql fmt` (`format_program`) that keeps its
//! meaning and its comments and is idempotent. Then the formatter on a
//! richly commented sample, output asserted exactly.

use crate::support::{example_files, render_plain};
use segql::{Library, Program, format_program, parse, validate};
use std::path::Path;

fn name_of(path: &Path) -> String {
    path.file_stem()
        .expect("an example has a file name")
        .to_string_lossy()
        .into_owned()
}

fn parse_example(path: &Path) -> (String, Program) {
    let source =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match parse(&source) {
        Ok(program) => (source, program),
        Err(diagnostics) => panic!(
            "{} does not parse:\n{}",
            path.display(),
            render_plain(&source, &diagnostics)
        ),
    }
}

fn comment_texts(program: &Program) -> Vec<&str> {
    program.comments.iter().map(|c| c.text.as_str()).collect()
}

#[test]
fn there_are_examples() {
    assert!(
        example_files().len() >= 10,
        "examples/ should hold the example files"
    );
}

#[test]
fn example_syntax_trees() {
    for path in example_files() {
        let (_, program) = parse_example(&path);
        let name = name_of(&path);
        insta::assert_debug_snapshot!(name, program.statements);
    }
}

#[test]
fn examples_validate_cleanly() {
    for path in example_files() {
        let (source, program) = parse_example(&path);
        let diagnostics = validate(&program, &Library::new());
        assert!(
            diagnostics.is_empty(),
            "{}:\n{}",
            path.display(),
            render_plain(&source, &diagnostics)
        );
    }
}

#[test]
fn formatting_examples_keeps_meaning_and_comments() {
    for path in example_files() {
        let (source, program) = parse_example(&path);
        let shown = path.display();
        let formatted = format_program(&program, &source);
        let reparsed = parse(&formatted).unwrap_or_else(|d| {
            panic!(
                "{shown}: the formatted text does not parse:\n{formatted}\n{}",
                render_plain(&formatted, &d)
            )
        });
        assert_eq!(
            reparsed.statements, program.statements,
            "{shown}: formatting changed the statements:\n{formatted}"
        );
        assert_eq!(
            comment_texts(&reparsed),
            comment_texts(&program),
            "{shown}: formatting lost or reordered comments:\n{formatted}"
        );
        assert_eq!(
            format_program(&reparsed, &formatted),
            formatted,
            "{shown}: formatting the formatted text changes it"
        );
    }
}

/// Comments before, inside and after statements, in both styles, with runs
/// of blank lines; a statement too long for one line; messy spacing and
/// letter case.
const COMMENTED: &str = "\
# A file header, in the hash style.
-- and a second header line, in the SQL style


# The definition's own comment, after two blank lines (kept as one).
SEGMENT carts   =  Users WHO viewed \"/cart\"   # inside: moves before the statement
    AND not action \"CHECKOUT\";   -- after the statement: stays at the end of its line
users who (viewed \"/a\" -- inside a group
  or clicked \"b\") during last 7 days;
   # indented, on its own line before the next statement

funnel viewed \"/\" then viewed \"/cart\" then action \"CHECKOUT\" then event \"purchase\" within 30m for carts by device; # trailing, after a broken statement
explore events by device, browser top 5;
# Comments after the last statement,

-- separated by a blank line.
";

const COMMENTED_FORMATTED: &str = "\
# A file header, in the hash style.
-- and a second header line, in the SQL style

# The definition's own comment, after two blank lines (kept as one).
# inside: moves before the statement
segment carts = users who viewed \"/cart\" and not action \"CHECKOUT\"; -- after the statement: stays at the end of its line
-- inside a group
users who (viewed \"/a\" or clicked \"b\") during last 7 days;
# indented, on its own line before the next statement

funnel viewed \"/\"
    then viewed \"/cart\"
    then action \"CHECKOUT\"
    then event \"purchase\"
    within 30 minutes
    for carts
    by device; # trailing, after a broken statement
explore events by device, browser top 5;
# Comments after the last statement,

-- separated by a blank line.
";

#[test]
fn fmt_of_a_commented_file() {
    let program = parse(COMMENTED).expect("the sample parses");
    assert_eq!(program.statements.len(), 4);
    let formatted = format_program(&program, COMMENTED);
    assert_eq!(formatted, COMMENTED_FORMATTED);

    let reparsed = parse(&formatted).expect("the formatted sample parses");
    assert_eq!(reparsed.statements, program.statements);
    assert_eq!(comment_texts(&reparsed), comment_texts(&program));
    assert_eq!(format_program(&reparsed, &formatted), formatted);
}

#[test]
fn fmt_of_comments_only_and_of_nothing() {
    for source in ["", "\n\n", "   "] {
        let program = parse(source).expect("an empty text is an empty program");
        assert_eq!(format_program(&program, source), "");
    }
    let source = "\n# only a comment   \n\n\n-- and another\n";
    let program = parse(source).expect("comments alone are an empty program");
    assert_eq!(
        format_program(&program, source),
        "# only a comment\n\n-- and another\n"
    );
}

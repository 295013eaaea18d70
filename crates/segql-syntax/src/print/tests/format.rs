//! `format_program` on hand-built trees: blank lines and comments kept by
//! position.

use super::*;

/// The span of the first occurrence of `text` in `source` at or after
/// `from`.
fn find(source: &str, text: &str, from: usize) -> Span {
    let start = source[from..].find(text).expect("text in source") + from;
    Span::new(start, start + text.len())
}

/// A statement `users who viewed "<name>"` whose span is from `first` to
/// `last` (searched in that order from `from`).
fn view_at(source: &str, name: &str, first: &str, last: &str, from: usize) -> Statement {
    let start = find(source, first, from);
    let end = find(source, last, start.start);
    Statement {
        kind: StatementKind::Segment(users_who(cview(name))),
        span: start.to(end),
    }
}

/// Every `#` comment of `source` (no `#` in its strings), with its span.
fn comments_of(source: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if let Some(i) = line.find('#').or_else(|| line.find("--")) {
            let text = line[i..].trim_end_matches('\n');
            comments.push(Comment {
                text: text.into(),
                span: Span::new(offset + i, offset + i + text.len()),
            });
        }
        offset += line.len();
    }
    comments
}

/// Statements `users who viewed "<name>"`, written on one line each as
/// `users who viewed "<name>"` in `source` (in order).
fn simple_program(source: &str, names: &[&str]) -> Program {
    let mut statements = Vec::new();
    let mut from = 0;
    for name in names {
        let text = format!("users who viewed \"{name}\"");
        let span = find(source, &text, from);
        from = span.end;
        statements.push(Statement {
            kind: StatementKind::Segment(users_who(cview(name))),
            span,
        });
    }
    Program {
        statements,
        comments: comments_of(source),
    }
}

#[test]
fn format_empty_program() {
    let program = Program {
        statements: vec![],
        comments: vec![],
    };
    assert_eq!(format_program(&program, ""), "");
    assert_eq!(format_program(&program, "\n\n  \n"), "");
}

#[test]
fn format_only_comments() {
    let source = "# one   \n-- two\n\n\n# three\n";
    let program = simple_program(source, &[]);
    assert_eq!(
        format_program(&program, source),
        "# one\n-- two\n\n# three\n"
    );
}

#[test]
fn format_statements_and_blank_lines() {
    let source = "users who viewed \"/a\"  ;users who viewed \"/b\"\n\n\n\nusers who viewed \"/c\";\n;\nusers who viewed \"/d\"";
    let program = simple_program(source, &["/a", "/b", "/c", "/d"]);
    assert_eq!(
        format_program(&program, source),
        "users who viewed \"/a\";\nusers who viewed \"/b\";\n\nusers who viewed \"/c\";\nusers who viewed \"/d\";\n"
    );
    // A blank line before the `;` counts too.
    let source = "users who viewed \"/a\"\n\n;users who viewed \"/b\";";
    let program = simple_program(source, &["/a", "/b"]);
    assert_eq!(
        format_program(&program, source),
        "users who viewed \"/a\";\n\nusers who viewed \"/b\";\n"
    );
}

#[test]
fn format_keeps_comments() {
    let source = r#"# Header comment


# about a
users who viewed "/a";  # trailing a   
-- about b, after a blank line

users who viewed "/b" # before the semicolon
;
users who viewed "/c"; users who viewed "/d"; # after d
# the end

# really the end
"#;
    let program = simple_program(source, &["/a", "/b", "/c", "/d"]);
    let expected = r#"# Header comment

# about a
users who viewed "/a"; # trailing a
-- about b, after a blank line

users who viewed "/b"; # before the semicolon
users who viewed "/c";
users who viewed "/d"; # after d
# the end

# really the end
"#;
    assert_eq!(format_program(&program, source), expected);
    // Idempotent: the output, read the same way, formats to itself.
    let again = simple_program(expected, &["/a", "/b", "/c", "/d"]);
    assert_eq!(format_program(&again, expected), expected);
}

#[test]
fn format_moves_comments_inside_a_statement() {
    let source = "# lead\n\nusers who viewed # inside one\n  \"/a\" # inside two\n  and viewed \"/b\"; # trail\nusers who viewed \"/c\"\n";
    let first = Statement {
        kind: StatementKind::Segment(users_who(cond(ConditionKind::And(vec![
            cview("/a"),
            cview("/b"),
        ])))),
        span: find(source, "users", 0).to(find(source, "\"/b\"", 0)),
    };
    let program = Program {
        statements: vec![
            first,
            view_at(source, "/c", "users who viewed \"/c\"", "\"/c\"", 60),
        ],
        comments: comments_of(source),
    };
    let expected = "# lead\n\n# inside one\n# inside two\nusers who viewed \"/a\" and viewed \"/b\"; # trail\nusers who viewed \"/c\";\n";
    assert_eq!(format_program(&program, source), expected);
}

#[test]
fn format_trailing_comment_after_a_broken_statement() {
    let long = "/a/very/long/path/that/goes/on/and/on/and/on/and/on";
    let source = format!("users who viewed \"{long}\" and viewed \"{long}\"; # note\n");
    let span = find(&source, "users", 0).to(find(&source, &format!("\"{long}\";"), 30));
    let program = Program {
        statements: vec![Statement {
            kind: StatementKind::Segment(users_who(cond(ConditionKind::And(vec![
                cview(long),
                cview(long),
            ])))),
            span: Span::new(span.start, span.end - 1),
        }],
        comments: comments_of(&source),
    };
    assert_eq!(
        format_program(&program, &source),
        format!("users who viewed \"{long}\"\n    and viewed \"{long}\"; # note\n")
    );
}

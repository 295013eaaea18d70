//! The documents agree with the code: every production of
//! `grammar/segql.ebnf` has a parse function that names it, and every segql
//! block of the README parses and validates.

use crate::support::repo_root;
use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Names defined as `name :=` at the start of a line of the grammar.
fn grammar_productions() -> BTreeSet<String> {
    read("grammar/segql.ebnf")
        .lines()
        .filter(|line| !line.starts_with(char::is_whitespace))
        .filter_map(|line| line.split_once(":="))
        .map(|(lhs, _)| lhs.trim())
        .filter(|lhs| !lhs.is_empty() && lhs.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// The files of the parse functions: the lexer and every file under `parse/`.
fn parser_files() -> Vec<String> {
    let mut files = vec!["crates/segql-syntax/src/lexer.rs".to_string()];
    let mut dirs = vec!["crates/segql-syntax/src/parse".to_string()];
    while let Some(dir) = dirs.pop() {
        let entries =
            std::fs::read_dir(repo_root().join(&dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for entry in entries {
            let name = entry.expect("a folder entry").file_name();
            let path = format!("{dir}/{}", name.to_string_lossy());
            if path.ends_with(".rs") {
                files.push(path);
            } else {
                dirs.push(path);
            }
        }
    }
    files
}

/// Productions named by a parse function's doc comment: "/// `name := ...".
fn documented_productions() -> BTreeSet<String> {
    parser_files()
        .iter()
        .flat_map(|file| {
            read(file)
                .lines()
                .filter_map(|line| line.trim().strip_prefix("/// `"))
                .filter_map(|rest| rest.split_once(" :="))
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_grammar_production_has_a_parse_function() {
    let grammar = grammar_productions();
    let code = documented_productions();
    assert!(
        grammar.len() >= 35,
        "the grammar defines its productions: {grammar:?}"
    );
    let missing_in_code: Vec<_> = grammar.difference(&code).collect();
    let missing_in_grammar: Vec<_> = code.difference(&grammar).collect();
    assert!(
        missing_in_code.is_empty() && missing_in_grammar.is_empty(),
        "grammar/segql.ebnf and the parser disagree.\nonly in the grammar: {missing_in_code:?}\nonly in the parser: {missing_in_grammar:?}"
    );
}

/// The ```segql blocks of a Markdown text.
fn segql_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```segql") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn readme_segql_blocks_parse_and_validate() {
    let readme = read("README.md");
    let blocks = segql_blocks(&readme);
    assert!(
        blocks.len() >= 4,
        "the README tours the language in segql blocks"
    );
    for block in blocks {
        let program = segql::parse(&block)
            .unwrap_or_else(|d| panic!("README block does not parse:\n{block}\n{d:#?}"));
        let diagnostics = segql::validate(&program, &segql::Library::new());
        assert!(
            diagnostics.is_empty(),
            "README block does not validate:\n{block}\n{diagnostics:#?}"
        );
    }
}

/// The README's SQL export sample is what segql prints for the command
/// shown above it, line for line up to its `...`.
#[test]
fn readme_sql_export_sample_matches_its_command() {
    let readme = read("README.md");
    let section = &readme[readme.find("### SQL export").expect("the section")..];
    let command = "segql explain --sql postgres -e 'users who have plan = \"premium\"'";
    assert!(section.contains(command), "the command is in the section");
    let sample_start = section.find("```text\n").expect("a sample") + "```text\n".len();
    let sample = &section[sample_start..];
    let sample = &sample[..sample.find("```").unwrap()];
    let output = std::process::Command::new(crate::support::segql_bin())
        .args([
            "explain",
            "--sql",
            "postgres",
            "-e",
            "users who have plan = \"premium\"",
        ])
        .output()
        .expect("segql runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    let mut lines = printed.lines();
    for expected in sample.lines().take_while(|l| l.trim() != "...") {
        assert_eq!(lines.next(), Some(expected), "README sample vs:\n{printed}");
    }
}

//! Any UTF-8 text: the parser never panics, every diagnostic points inside
//! the text on character boundaries, and whatever parses prints to text that
//! parses back to the same statements (one-line and pretty forms alike).

#![no_main]

use libfuzzer_sys::fuzz_target;
use segql_syntax::{Span, parse, parse_lenient};

fn check_span(text: &str, span: Span) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "span {span:?} outside the text"
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "span {span:?} not on character boundaries"
    );
}

fuzz_target!(|text: &str| {
    let (program, diagnostics) = parse_lenient(text);
    for d in &diagnostics {
        if let Some(span) = d.span {
            check_span(text, span);
        }
        for label in &d.labels {
            check_span(text, label.span);
        }
    }
    for statement in &program.statements {
        for printed in [statement.to_string(), format!("{statement:#}")] {
            let reparsed = parse(&printed)
                .unwrap_or_else(|d| panic!("printed statement does not parse:\n{printed}\n{d:?}"));
            assert_eq!(
                reparsed.statements,
                std::slice::from_ref(statement),
                "print -> parse changed the statement:\n{printed}"
            );
        }
    }
});

//! Hand-computed analyses.
use super::analysis::*;
use super::analysis_gen::arb_analysis_case;
use super::r#gen::NOW_MS;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::path::Path;

#[test]
fn reference_sample_stats() {
    let mut runner = TestRunner::deterministic();
    let mut stats = std::collections::BTreeMap::<String, (u32, u32, u32)>::new();
    let t0 = std::time::Instant::now();
    for _ in 0..2000 {
        let (data, text) = arb_analysis_case().new_tree(&mut runner).unwrap().current();
        let program = segql::check(&text, &segql::Library::new())
            .unwrap_or_else(|d| panic!("{text}\n{d:#?}"));
        let t = evaluate_all(&program, &data, NOW_MS, Path::new("."));
        let kind = text
            .lines()
            .last()
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        let e = stats.entry(kind).or_default();
        e.0 += 1;
        let t = &t[0];
        if !t.rows.is_empty() {
            e.1 += 1;
        }
        // interesting: some non-zero non-trivial value
        let nontrivial = match t
            .columns
            .iter()
            .position(|c| c == "users" || c == "retained" || c == "sessions")
        {
            _ if t.columns.contains(&"retained".to_string()) => {
                let i = t.columns.iter().position(|c| c == "retained").unwrap();
                t.rows.iter().any(|r| r[i] != Cell::Int(0))
            }
            _ if t.columns.contains(&"step".to_string()) => {
                let i = t.columns.iter().position(|c| c == "users").unwrap();
                t.rows
                    .iter()
                    .any(|r| r[i] != Cell::Int(0) && r[i - 2] != Cell::Int(1))
            }
            _ => t.rows.len() > 1,
        };
        if nontrivial {
            e.2 += 1;
        }
    }
    println!("{:?} {stats:#?}", t0.elapsed());
}
#[test]
fn reference_sample_funnels() {
    let mut runner = TestRunner::deterministic();
    let mut n = 0;
    while n < 25 {
        let (data, text) = arb_analysis_case().new_tree(&mut runner).unwrap().current();
        if !text.lines().last().unwrap().starts_with("funnel") {
            continue;
        }
        n += 1;
        let program = segql::check(&text, &segql::Library::new()).unwrap();
        let t = evaluate_all(&program, &data, NOW_MS, Path::new("."));
        println!(
            "=== {} events\n{}\n{}",
            data.events.len(),
            text.lines().last().unwrap(),
            t[0]
        );
    }
}

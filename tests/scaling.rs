//! Large programs: thousands of `and`/`or` terms plan to a plan whose shape
//! does not grow with them, and sequences longer than the native matcher's
//! mask (16 steps) still run natively, with the answers of the portable
//! engine and of the reference evaluator. No timings: the shape of the plan
//! is what keeps planning and running linear.

use crate::differential::{segql_members, segql_tables};
use crate::reference::data::{MINUTE_MS, RefEvent};
use crate::reference::r#gen::BASE_MS;
use crate::reference::{NOW_MS, RefDataset, evaluate, evaluate_all, tables_match};
use crate::support::{demo_engine, runtime};
use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::LogicalPlan;
use segql::planner::{PlanOptions, SequenceEngine};
use std::collections::BTreeSet;

const ENGINES: [SequenceEngine; 2] = [SequenceEngine::Portable, SequenceEngine::Native];

/// What grows when a plan grows with its terms: its joins, its unions'
/// inputs, its scans, and its depth.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    joins: usize,
    union_inputs: usize,
    scans: usize,
    depth: usize,
}

fn shape(plan: &LogicalPlan) -> Shape {
    let mut shape = Shape {
        joins: 0,
        union_inputs: 0,
        scans: 0,
        depth: depth(plan),
    };
    plan.apply(|node| {
        match node {
            LogicalPlan::Join(_) => shape.joins += 1,
            LogicalPlan::Union(union) => shape.union_inputs += union.inputs.len(),
            LogicalPlan::TableScan(_) => shape.scans += 1,
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .expect("the walk cannot fail");
    shape
}

fn depth(plan: &LogicalPlan) -> usize {
    1 + plan.inputs().into_iter().map(depth).max().unwrap_or(0)
}

/// `users who T(0) op T(1) op …` for `n` terms.
fn chain(n: usize, op: &str, term: impl Fn(usize) -> String) -> String {
    let terms: Vec<String> = (0..n).map(term).collect();
    format!("users who {}", terms.join(&format!(" {op} ")))
}

#[test]
fn the_plan_of_and_and_or_does_not_grow_with_their_terms() {
    let viewed = |i: usize| format!(r#"viewed "/p{i}""#);
    // Events in ranges and sessions, negated terms and profile atoms.
    let mixed = |i: usize| match i % 4 {
        0 => format!(r#"viewed "/p{i}""#),
        1 => format!(r#"action "a{i}" within session during last {} days"#, 1 + i),
        2 => format!(r#"not viewed "/q{i}""#),
        _ => format!(r#"error "/e{i}""#),
    };
    let profile = |i: usize| match i % 2 {
        0 => format!(r#"viewed "/p{i}""#),
        _ => format!(r#"country = "C{i}""#),
    };
    let demo = Demo::new();
    for engine in ENGINES {
        for (op, term) in [
            ("or", &viewed as &dyn Fn(usize) -> String),
            ("and", &viewed),
            ("or", &mixed),
            ("and", &mixed),
            ("or", &profile),
        ] {
            let small = shape(&demo.plan(&chain(8, op, term), engine));
            let large = shape(&demo.plan(&chain(400, op, term), engine));
            assert_eq!(
                small,
                large,
                "`{op}` of 8 and of 400 terms like `{}`, {engine:?}",
                term(1)
            );
        }
    }
}

/// Whether the plan runs the native sequence matcher.
fn is_native(plan: &LogicalPlan) -> bool {
    plan.display_indent().to_string().contains("segql_sequence")
}

/// `viewed "/s0" then viewed "/s1" then … ` for `n` steps, with `extra`
/// after step `at`.
fn steps(n: usize, at: usize, extra: &str) -> String {
    let mut text = String::new();
    for j in 0..n {
        if j > 0 {
            text.push_str(" then ");
        }
        text.push_str(&format!(r#"viewed "/s{j}""#));
        if j == at {
            text.push_str(extra);
        }
    }
    text
}

#[test]
fn sequences_of_more_than_sixteen_steps_run_natively() {
    let demo = Demo::new();
    for n in [17, 40, 400] {
        for text in [
            format!("users who {}", steps(n, 0, "")),
            format!(
                "users who {} within 1 hour",
                steps(n, 5, r#" then not error"#)
            ),
            format!(
                "users who {} within session",
                steps(n, n - 1, r#" then not error"#)
            ),
            format!("funnel {} within 1 day", steps(n, 0, "")),
            format!("funnel {} within session by device", steps(n, 0, "")),
        ] {
            assert!(
                is_native(&demo.plan(&text, SequenceEngine::Native)),
                "{n} steps: {text}"
            );
        }
    }
}

/// Users walking `/s0`, `/s1`, … one minute apart: through all 20 steps,
/// with a gap, out of order, across sessions, slowly, with an error between
/// two steps, twice, and two steps a minute.
fn walkers() -> RefDataset {
    let mut events = Vec::new();
    // (minute, step) in session `session`.
    let mut walk = |user: &str, session: &str, steps: Vec<(i64, usize)>| {
        for (minute, step) in steps {
            events.push(
                RefEvent::new(
                    BASE_MS + minute * MINUTE_MS,
                    Some(user),
                    "view",
                    &format!("/s{step}"),
                )
                .session(session)
                .device(if step % 2 == 0 { "mobile" } else { "desktop" }),
            );
        }
    };
    let each = |minutes: fn(i64) -> i64, steps: std::ops::Range<usize>| -> Vec<(i64, usize)> {
        steps.map(|j| (minutes(j as i64), j)).collect()
    };
    walk("all", "a", each(|j| j, 0..20));
    let mut gap = each(|j| j, 0..20);
    gap.remove(11);
    walk("gap", "g", gap);
    let mut swapped = each(|j| j, 0..20);
    swapped.swap(8, 9);
    swapped[8].0 = 8;
    swapped[9].0 = 9;
    walk("swapped", "w", swapped);
    walk("split", "s1", each(|j| j, 0..10));
    walk("split", "s2", each(|j| j, 10..20));
    walk("slow", "l", each(|j| j * 5, 0..20));
    walk("error", "e", each(|j| j * 2, 0..20));
    walk("twice", "t", each(|j| j, 0..20));
    walk("twice", "t", each(|j| j + 30, 0..20));
    walk("instant", "i", each(|j| j / 2, 0..20));
    events
        .push(RefEvent::new(BASE_MS + 13 * MINUTE_MS, Some("error"), "error", "/s6").session("e"));
    events.push(RefEvent::new(BASE_MS + 45 * MINUTE_MS, Some("twice"), "error", "/x").session("t"));
    RefDataset {
        events,
        ..RefDataset::default()
    }
}

#[test]
fn long_sequences_agree_with_the_portable_engine_and_the_reference() {
    let data = walkers();
    let runtime = runtime();
    let texts = [
        format!("users who {}", steps(20, 0, "")),
        format!("users who {}", steps(17, 0, "")),
        format!("users who {} within session", steps(20, 0, "")),
        format!("users who {} within 30 minutes", steps(20, 0, "")),
        format!("users who {}", steps(20, 5, " then not error")),
        format!(
            "users who {} within 1 hour",
            steps(20, 5, " then not error")
        ),
        format!(
            "users who {} within session",
            steps(20, 19, " then not error")
        ),
        format!("users who {}", steps(20, 19, " then not error")),
    ];
    let mut seen = BTreeSet::new();
    for text in &texts {
        let program = segql::parse(text).expect("the text parses");
        let expected = evaluate(&program, &data, NOW_MS, &std::env::temp_dir());
        seen.insert(expected[0].len());
        for engine in ENGINES {
            let actual = segql_members(&data, text, engine, &runtime).expect("segql runs");
            assert_eq!(actual, expected, "{engine:?}: {text}");
        }
    }
    // The cases tell something apart.
    assert!(seen.len() >= 3, "{seen:?}");
    for text in [
        format!("funnel {} within 1 hour", steps(20, 0, "")),
        format!("funnel {} within session", steps(18, 5, " then not error")),
        format!("funnel {} within session by device", steps(20, 0, "")),
        format!("funnel {} by device", steps(17, 3, " then not error")),
    ] {
        let program = segql::parse(&text).expect("the text parses");
        let expected = evaluate_all(&program, &data, NOW_MS, &std::env::temp_dir());
        for engine in ENGINES {
            let actual = segql_tables(&data, &text, engine, &runtime).expect("segql runs");
            if let Err(difference) = tables_match(&actual[0], &expected[0]) {
                panic!("{engine:?}: {text}\n{difference}");
            }
        }
    }
}

/// The demo dataset with its plan options, and a runtime to run on it.
struct Demo {
    engine: segql::engine::Engine,
    options: PlanOptions,
    runtime: tokio::runtime::Runtime,
}

impl Demo {
    fn new() -> Self {
        let (engine, options) = demo_engine();
        // Plans of dozens of window passes recurse deeper than a worker's
        // default stack in a debug build (the command line's runtime has
        // large stacks too).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(LARGE_STACK)
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        Demo {
            engine,
            options,
            runtime,
        }
    }

    /// The plan of the one query of `text`.
    fn plan(&self, text: &str, engine: SequenceEngine) -> LogicalPlan {
        let program = segql::parse(text).expect("the text parses");
        let options = PlanOptions {
            engine,
            ..self.options.clone()
        };
        let mut plans =
            segql::engine::plan_program(&program, &segql::Library::new(), &self.engine, &options)
                .unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(plans.len(), 1);
        plans.pop().expect("one plan").1
    }

    /// The member keys of every query of `text`.
    fn members(&self, text: &str, engine: SequenceEngine) -> Vec<BTreeSet<String>> {
        let program = segql::parse(text).expect("the text parses");
        let options = PlanOptions {
            engine,
            ..self.options.clone()
        };
        let outcomes = self
            .runtime
            .block_on(segql::engine::run_program(
                &program,
                &segql::Library::new(),
                &self.engine,
                &options,
            ))
            .unwrap_or_else(|d| panic!("{d:#?}"));
        outcomes.iter().map(|o| keys(&o.batches)).collect()
    }
}

/// The first column's values, as text.
fn keys(batches: &[RecordBatch]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for batch in batches {
        let column = datafusion::arrow::compute::cast(batch.column(0), &DataType::Utf8)
            .expect("keys cast to text");
        keys.extend(
            column
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_string),
        );
    }
    keys
}

const LARGE_STACK: usize = 256 << 20;

/// Planning recurses once per plan node: deep plans need more than a test
/// thread's stack in a debug build.
fn on_a_large_stack(test: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(LARGE_STACK)
        .spawn(test)
        .expect("a thread starts")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn thousands_of_terms_and_dozens_of_steps_give_the_answers_of_a_few() {
    on_a_large_stack(thousands_of_terms_and_dozens_of_steps);
}

fn thousands_of_terms_and_dozens_of_steps() {
    let demo = Demo::new();
    // 2,000 views of 50 products and of pages nobody views: the users who
    // viewed a product.
    let products = |i: usize| format!(r#"viewed "/product/p{:03}""#, 1 + i % 50);
    let or_text = chain(2000, "or", |i| {
        if i % 3 == 0 {
            products(i)
        } else {
            format!(r#"viewed "/none{i}""#)
        }
    });
    let expected = demo.members(
        r#"users who viewed like "/product/p%""#,
        SequenceEngine::Native,
    );
    assert!(!expected[0].is_empty());
    // 2,000 terms naming two pages and an action in a session: the users of
    // each, intersected.
    let pages = [
        r#"viewed "/home""#,
        r#"viewed "/cart""#,
        r#"action "add_to_cart" within session"#,
    ];
    let and_text = chain(2000, "and", |i| pages[i % 3].to_string());
    let each = demo.members(
        &pages
            .iter()
            .map(|p| format!("users who {p};"))
            .collect::<String>(),
        SequenceEngine::Native,
    );
    let every = each.iter().skip(1).fold(each[0].clone(), |acc, s| {
        acc.intersection(s).cloned().collect()
    });
    assert!(!every.is_empty());
    // 60 steps over the shop's usual walk, against 6 of them.
    let walk = |n: usize| {
        let steps: Vec<String> = (0..n)
            .map(|j| format!(r#"viewed "{}""#, ["/home", "/search", "/cart"][j % 3]))
            .collect();
        format!("users who {}", steps.join(" then "))
    };
    let mut long_walkers = Vec::new();
    for engine in ENGINES {
        assert_eq!(demo.members(&or_text, engine), expected, "{engine:?}");
        assert_eq!(demo.members(&and_text, engine)[0], every, "{engine:?}");
        let walked = demo.members(&walk(60), engine).remove(0);
        assert!(walked.is_subset(&demo.members(&walk(6), engine)[0]));
        long_walkers.push(walked);
    }
    assert!(!long_walkers[0].is_empty());
    assert_eq!(long_walkers[0], long_walkers[1], "the engines agree");
}

#[test]
fn flattened_terms_write_as_sql_that_runs_back_to_the_same_members() {
    on_a_large_stack(flattened_terms_as_sql);
}

fn flattened_terms_as_sql() {
    let demo = Demo::new();
    let term = |i: usize| match i % 4 {
        0 => format!(r#"viewed "/product/p{:03}""#, 1 + i % 50),
        1 => format!(r#"not viewed "/none{i}""#),
        2 => r#"action "add_to_cart" within session during last 30 days"#.to_string(),
        _ => format!(r#"viewed "/none{i}""#),
    };
    let texts = [
        chain(300, "or", term),
        chain(300, "and", |i| if i % 4 == 3 { term(1) } else { term(i) }),
        format!("users who {}", steps(20, 3, " then not error")),
    ];
    let options = PlanOptions {
        engine: SequenceEngine::Portable,
        prune_by_storage: false,
        ..demo.options.clone()
    };
    for text in texts {
        let expected = demo.members(&text, SequenceEngine::Native).remove(0);
        let program = segql::parse(&text).expect("the text parses");
        let plans =
            segql::engine::plan_program(&program, &segql::Library::new(), &demo.engine, &options)
                .unwrap_or_else(|d| panic!("{d:#?}"));
        let sql = demo
            .runtime
            .block_on(segql::export::plan_to_sql(
                &demo.engine,
                &plans[0].1,
                segql::export::SqlDialect::Default,
            ))
            .unwrap_or_else(|d| panic!("{d:#?}"));
        let batches = demo
            .runtime
            .block_on(async {
                let context = demo.engine.context_ref();
                context
                    .sql("SET datafusion.sql_parser.recursion_limit = 1000")
                    .await?;
                context.sql(&sql).await?.collect().await
            })
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
        assert_eq!(keys(&batches), expected, "{text}");
    }
}

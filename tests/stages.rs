//! Every fixture of `tests/fixtures/*.seg` through every stage of the
//! compiler, one snapshot per stage and fixture (the layout of PRQL's
//! `tests/integration/queries.rs`):
//!
//! | snapshot  | what it holds                                                  |
//! |-----------|----------------------------------------------------------------|
//! | `parse`   | the syntax tree                                                |
//! | `fmt`     | the canonical text (which formats to itself)                   |
//! | `ir`      | the resolved IR against the demo dataset's schemas, as an      |
//! |           | outline with DataFusion's text of each expression              |
//! | `plan`    | the DataFusion logical plan (native sequence engine)           |
//! | `sql`     | the exported SQL of the portable plan, or why there is none    |
//! | `results` | the answer on the demo dataset with its fixed `now`, as CSV    |
//!
//! Each stage takes the previous one's output, so a change shows first in
//! the stage that made it, and the later snapshots say whether the answer
//! moved. The fixtures are small on purpose: together they name every
//! construct of the language once, and each gives few rows.

use crate::support::{csv, demo_engine, render_plain, repo_root, runtime};
use datafusion::logical_expr::LogicalPlan;
use segql::Query;
use segql::engine::Engine;
use segql::export::SqlDialect;
use segql::planner::{PlanOptions, SequenceEngine};

/// At most this many rows of a result are kept in its snapshot; the row
/// count is kept whole.
const ROWS_SHOWN: usize = 10;

#[test]
fn every_fixture_through_every_stage() {
    let runtime = runtime();
    let (engine, demo) = demo_engine();
    // CSV lists are read next to the fixtures.
    let native = PlanOptions {
        base_dir: repo_root().join("tests").join("fixtures"),
        ..demo
    };
    // As `segql explain --sql` plans: portable, ranges on instants only.
    let portable = PlanOptions {
        engine: SequenceEngine::Portable,
        prune_by_storage: false,
        ..native.clone()
    };
    let library = segql::Library::new();
    insta::glob!("fixtures/*.seg", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let program = segql::check(&source, &library)
            .unwrap_or_else(|d| panic!("{}:\n{}", path.display(), render_plain(&source, &d)));
        insta::assert_snapshot!("parse", format!("{program:#?}"));

        let formatted = segql::format_program(&program, &source);
        let reparsed = segql::parse(&formatted).expect("the canonical text parses");
        assert_eq!(reparsed, program, "the canonical text means the same");
        assert_eq!(
            segql::format_program(&reparsed, &formatted),
            formatted,
            "the canonical text formats to itself"
        );
        insta::assert_snapshot!("fmt", formatted);

        let queries = resolve(&source, &program, &library, &engine, &native);
        insta::assert_snapshot!(
            "ir",
            per_query(&source, queries.iter().map(|q| (q, ir::show(q))))
        );

        let plans = plan(&queries, &engine, &native);
        insta::assert_snapshot!(
            "plan",
            per_query(
                &source,
                queries
                    .iter()
                    .zip(&plans)
                    .map(|(q, p)| (q, p.display_indent().to_string()))
            )
        );

        let portable_queries = resolve(&source, &program, &library, &engine, &portable);
        let portable_plans = plan(&portable_queries, &engine, &portable);
        let sql = portable_queries.iter().zip(&portable_plans).map(|(q, p)| {
            let export = segql::export::plan_to_sql(&engine, p, SqlDialect::Default);
            match runtime.block_on(export) {
                Ok(sql) => (q, sql),
                Err(d) => (
                    q,
                    format!("cannot export:\n{}", render_plain(&source, &[d])),
                ),
            }
        });
        insta::assert_snapshot!("sql", per_query(&source, sql));

        let results = queries.iter().zip(plans).map(|(q, p)| {
            let outcome = runtime
                .block_on(segql::engine::execute(&engine, q, p))
                .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
            let warnings = render_plain(&source, &outcome.warnings);
            (q, format!("{warnings}{}", csv_head(&outcome)))
        });
        insta::assert_snapshot!("results", per_query(&source, results));
    });
}

/// Resolves a fixture's queries; a fixture that does not resolve is a bug
/// of the fixture or of the resolver.
fn resolve(
    source: &str,
    program: &segql::Program,
    library: &segql::Library,
    engine: &Engine,
    options: &PlanOptions,
) -> Vec<Query> {
    segql::resolve(program, library, engine, options)
        .unwrap_or_else(|d| panic!("{}", render_plain(source, &d)))
}

/// The logical plan of each query, lowered as `options` say.
fn plan(queries: &[Query], engine: &Engine, options: &PlanOptions) -> Vec<LogicalPlan> {
    queries
        .iter()
        .map(|query| {
            segql::plan(query, engine, options).unwrap_or_else(|d| panic!("{}", d.message))
        })
        .collect()
}

/// One block per query: its statement on one line, then what is shown of
/// it. Paths below the repository are written relative to it, so the
/// snapshots hold no machine's folders.
fn per_query<'q>(source: &str, shown: impl IntoIterator<Item = (&'q Query, String)>) -> String {
    let root = format!("{}/", repo_root().display());
    shown
        .into_iter()
        .map(|(query, shown)| {
            let statement = source[query.span.start..query.span.end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let shown = shown.replace(&root, "");
            format!("-- {statement}\n{}\n", shown.trim_end())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A result as CSV, cut to [`ROWS_SHOWN`] rows, with its row count.
fn csv_head(outcome: &segql::engine::Outcome) -> String {
    let text = csv(outcome);
    let rows = outcome.rows();
    let mut lines: Vec<&str> = text.lines().take(ROWS_SHOWN + 1).collect();
    let more = rows.saturating_sub(ROWS_SHOWN);
    let more_line;
    if more > 0 {
        more_line = format!("... {more} more");
        lines.push(&more_line);
    }
    format!("({rows} rows)\n{}", lines.join("\n"))
}

/// The resolved IR as an outline: one line per node, children indented,
/// each expression in DataFusion's text.
mod ir {
    use segql::planner::{
        Behavior, ByColumn, Cond, CountIr, LifecycleTest, MeasureIr, QueryKind, Scope, StepIr,
        TimeRange, Within,
    };
    use std::fmt::Write;

    pub fn show(query: &segql::Query) -> String {
        let mut out = String::new();
        match &query.kind {
            QueryKind::Members(segment) => {
                line(&mut out, 0, format!("members of {}", segment.audience));
                cond(&mut out, 1, &segment.condition);
            }
            QueryKind::Funnel(funnel) => {
                line(&mut out, 0, format!("funnel {}", within(funnel.within)));
                scope(&mut out, &funnel.scope);
                steps(&mut out, 1, &funnel.steps);
                line(&mut out, 1, format!("labels {:?}", funnel.labels));
                for (name, segment) in &funnel.compare {
                    line(&mut out, 1, format!("compare {name:?}"));
                    cond(&mut out, 2, segment);
                }
                by(&mut out, funnel.by.iter());
            }
            QueryKind::Retention(retention) => {
                let every = retention.period.keyword();
                let periods = retention.periods;
                line(
                    &mut out,
                    0,
                    format!("retention every {every}, {periods} periods"),
                );
                scope(&mut out, &retention.scope);
                line(&mut out, 1, format!("start {}", retention.start));
                line(&mut out, 1, format!("returning {}", retention.returning));
                by(&mut out, retention.by.iter());
            }
            QueryKind::Lifecycle(lifecycle) => {
                let every = lifecycle.period.keyword();
                line(&mut out, 0, format!("lifecycle every {every}"));
                scope(&mut out, &lifecycle.scope);
                line(&mut out, 1, format!("step {}", lifecycle.step));
            }
            QueryKind::Stickiness(stickiness) => {
                let every = stickiness.period.keyword();
                line(&mut out, 0, format!("stickiness every {every}"));
                scope(&mut out, &stickiness.scope);
                line(&mut out, 1, format!("step {}", stickiness.step));
            }
            QueryKind::Paths(paths) => {
                line(
                    &mut out,
                    0,
                    format!("paths depth {}, top {}", paths.depth, paths.top),
                );
                scope(&mut out, &paths.scope);
                for (word, step) in [("from", &paths.from), ("to", &paths.to)] {
                    if let Some(step) = step {
                        line(&mut out, 1, format!("{word} {step}"));
                    }
                }
            }
            QueryKind::Explore(explore) => {
                let every = explore.every.map_or("no buckets".into(), |e| {
                    format!("every {}", seconds(e.micros()))
                });
                let top = explore
                    .top
                    .map_or("all groups".into(), |t| format!("top {t}"));
                line(&mut out, 0, format!("explore {every}, {top}"));
                scope(&mut out, &explore.scope);
                for measure in &explore.measures {
                    let text = match measure {
                        MeasureIr::Count(step) => format!("count {step}"),
                        other => format!("{other:?}").to_lowercase(),
                    };
                    line(&mut out, 1, format!("measure {text}"));
                }
                by(&mut out, explore.by.iter());
            }
        }
        out
    }

    fn line(out: &mut String, depth: usize, text: impl AsRef<str>) {
        let _ = writeln!(out, "{:width$}{}", "", text.as_ref(), width = 2 * depth);
    }

    fn scope(out: &mut String, scope: &Scope) {
        line(
            out,
            1,
            format!("audience {}, {}", scope.audience, range(scope.range)),
        );
        if let Some(segment) = &scope.segment {
            line(out, 1, "for");
            cond(out, 2, segment);
        }
    }

    fn by<'a>(out: &mut String, columns: impl Iterator<Item = &'a ByColumn>) {
        for column in columns {
            let ByColumn { name, source, expr } = column;
            line(out, 1, format!("by {name:?} ({source:?}): {expr}"));
        }
    }

    fn steps(out: &mut String, depth: usize, steps: &[StepIr]) {
        for step in steps {
            let word = if step.negated { "not step" } else { "step" };
            line(out, depth, format!("{word} {}", step.predicate));
        }
    }

    fn cond(out: &mut String, depth: usize, cond: &Cond) {
        match cond {
            Cond::Universe => line(out, depth, "universe"),
            Cond::And(parts) | Cond::Or(parts) => {
                line(
                    out,
                    depth,
                    if matches!(cond, Cond::And(_)) {
                        "and"
                    } else {
                        "or"
                    },
                );
                for part in parts {
                    self::cond(out, depth + 1, part);
                }
            }
            Cond::Not(inner) => {
                line(out, depth, "not");
                self::cond(out, depth + 1, inner);
            }
            Cond::Profile {
                predicate,
                when_missing,
            } => {
                let missing = if *when_missing {
                    " (or no profile row)"
                } else {
                    ""
                };
                line(out, depth, format!("profile {predicate}{missing}"));
            }
            Cond::Csv(list) => {
                let key = if list.by_email { "email" } else { "key" };
                let (table, column) = (&list.table.origin, &list.column);
                line(
                    out,
                    depth,
                    format!("csv {table} column {column:?} by {key}"),
                );
            }
            Cond::Behavior(behavior) => self::behavior(out, depth, behavior),
            Cond::Lifecycle(lifecycle) => {
                let test = match lifecycle.test {
                    LifecycleTest::FirstTime(r) => format!("first time {}", range(r)),
                    LifecycleTest::Stopped { from, to } => format!(
                        "stopped {}",
                        range(TimeRange {
                            from: Some(from),
                            to
                        })
                    ),
                    LifecycleTest::Restarted { gap_from, from, to } => format!(
                        "restarted {}, after a gap from {}",
                        range(TimeRange {
                            from: Some(from),
                            to: Some(to)
                        }),
                        instant_text(gap_from)
                    ),
                };
                line(out, depth, test);
                line(out, depth + 1, format!("step {}", lifecycle.step));
            }
        }
    }

    fn behavior(out: &mut String, depth: usize, behavior: &Behavior) {
        let count = match &behavior.count {
            None => "any number of times".to_string(),
            Some(CountIr::AtLeast(n)) => format!("at least {n} times"),
            Some(CountIr::AtMost(n)) => format!("at most {n} times"),
            Some(CountIr::Exactly(n)) => format!("exactly {n} times"),
            Some(CountIr::Aggregate {
                func,
                column,
                op,
                value,
            }) => format!("{} of {column} {} {value}", func.keyword(), op.symbol()),
        };
        let (within, range) = (within(behavior.within), range(behavior.range));
        line(out, depth, format!("behavior {within}, {count}, {range}"));
        for held in &behavior.holding {
            line(
                out,
                depth + 1,
                format!("holding {:?}: {}", held.name, held.expr),
            );
        }
        steps(out, depth + 1, &behavior.steps);
    }

    fn within(within: Within) -> String {
        match within {
            Within::None => "without within".into(),
            Within::Session => "within a session".into(),
            Within::Micros(micros) => format!("within {}", seconds(micros)),
        }
    }

    fn seconds(micros: i64) -> String {
        format!("{} s", micros as f64 / 1e6)
    }

    fn range(range: TimeRange) -> String {
        let end = |instant: Option<i64>, open: &str| instant.map_or(open.into(), instant_text);
        format!(
            "from {} to {}",
            end(range.from, "the start"),
            end(range.to, "the end")
        )
    }

    /// An instant as an RFC 3339 UTC date, with its time when not midnight.
    fn instant_text(micros: i64) -> String {
        const DAY: i64 = 86_400_000_000;
        let date = segql::present::present::utc_date(micros);
        let time = micros.rem_euclid(DAY) / 1_000_000;
        if time == 0 {
            date
        } else {
            let (h, m, s) = (time / 3600, time / 60 % 60, time % 60);
            format!("{date}T{h:02}:{m:02}:{s:02}Z")
        }
    }
}

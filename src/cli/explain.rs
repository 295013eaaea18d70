//! `segql explain`: the plan of each query of a text, DataFusion's or as
//! SQL.

use super::args::{DataArgs, TextArgs};
use super::setup::{Loaded, prepare, runtime};
use super::{Output, Status, print};
use segql::engine::MemberRows;
use segql::planner::SequenceEngine;
use std::ops::ControlFlow;

/// Print the DataFusion plan of each query.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql explain examples/cart_abandoners.seg
  segql explain --optimized -e 'users who viewed \"/cart\" then action \"CHECKOUT\"'
  segql explain --physical --data shop/ examples/premium_customers.seg
  segql explain --analyze --engine portable examples/cart_abandoners.seg
  segql explain --sql postgres examples/cart_abandoners.seg

--sql writes each query as SQL over the tables events, users and accounts, from the
portable plan whatever --engine says; `now` and CSV lists are written into the SQL.
mysql and sqlite are best effort.")]
pub struct ExplainArgs {
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the plan after DataFusion's optimizer.
    #[arg(long, conflicts_with = "physical")]
    pub optimized: bool,
    /// Print the physical plan.
    #[arg(long)]
    pub physical: bool,
    /// Run each query and print its physical plan with each operator's
    /// metrics (rows, time).
    #[arg(long, conflicts_with_all = ["optimized", "physical"])]
    pub analyze: bool,
    /// Print each query as SQL in this dialect instead of a plan.
    #[arg(
        long,
        value_enum,
        value_name = "DIALECT",
        conflicts_with_all = ["optimized", "physical", "analyze"]
    )]
    pub sql: Option<SqlDialectArg>,
}

/// `--sql`: the dialects of SQL export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlDialectArg {
    /// DataFusion's own SQL.
    Default,
    Postgres,
    Duckdb,
    /// Best effort.
    Mysql,
    /// Best effort.
    Sqlite,
}

impl From<SqlDialectArg> for segql::export::SqlDialect {
    fn from(arg: SqlDialectArg) -> Self {
        use segql::export::SqlDialect;
        match arg {
            SqlDialectArg::Default => SqlDialect::Default,
            SqlDialectArg::Postgres => SqlDialect::Postgres,
            SqlDialectArg::Duckdb => SqlDialect::DuckDb,
            SqlDialectArg::Mysql => SqlDialect::MySql,
            SqlDialectArg::Sqlite => SqlDialect::Sqlite,
        }
    }
}

pub fn run(args: ExplainArgs, output: Output) -> Status {
    let loaded = match Loaded::load(&args.text, output) {
        Ok(l) => l,
        Err(status) => return status,
    };
    let rt = runtime();
    let (engine, _, mut options) = match prepare(&rt, &args.data, &args.text, &loaded, output) {
        Ok(ready) => ready,
        Err(status) => return status,
    };
    if args.sql.is_some() {
        // The native engine's aggregates have no SQL form.
        options.engine = SequenceEngine::Portable;
        options.prune_by_storage = false;
    }
    let (runner, _) = match loaded.runner(&engine, &options, MemberRows::Full, output) {
        Ok(ready) => ready,
        Err(status) => return status,
    };
    let mut status = Status::Success;
    let mut index = 0;
    let planned = runner.each(|query, plan| {
        index += 1;
        let statement = &loaded.text[query.span.start..query.span.end];
        let header = format!(
            "{}-- {}\n",
            if index > 1 { "\n" } else { "" },
            statement.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        if !print(&header) {
            return ControlFlow::Break(());
        }
        let text = if let Some(dialect) = args.sql {
            rt.block_on(segql::export::plan_to_sql(&engine, &plan, dialect.into()))
                .map(|sql| format!("{sql};"))
                // Not the text's fault: the plan (or a CSV list) could
                // not be written as SQL.
                .map_err(|d| d.with_span(query.span).with_label("this query"))
        } else if args.analyze {
            rt.block_on(engine.analyze(plan))
        } else if args.optimized || args.physical {
            rt.block_on(engine.explain(plan, args.physical))
        } else {
            Ok(plan.display_indent().to_string())
        };
        match text {
            Ok(text) if print(&format!("{}\n", text.trim_end())) => ControlFlow::Continue(()),
            Ok(_) => ControlFlow::Break(()),
            Err(d) => {
                // A plan with no SQL form, or a time zone in a dialect
                // without one, is the arguments' fault (2); a CSV list that
                // cannot be read, or a bug, is not (1).
                status = Status::of(std::slice::from_ref(&d));
                output.diagnostics(&loaded.display, &loaded.text, &[d]);
                ControlFlow::Break(())
            }
        }
    });
    if let Err(problems) = planned {
        return loaded.report(output, &problems);
    }
    status
}

//! `segql run`: the results of a text's queries over data, shown as its
//! flags say.

use super::args::{DataArgs, FormatArg, TextArgs};
use super::setup::{Loaded, prepare, runtime};
use super::sink::{Delivered, Sink};
use super::{Output, Status};
use segql::engine::{MemberRows, Outcome, execute, ranges_after_the_data};
use segql::present::output::OutputFormat;
use segql::{Diagnostic, codes};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Run segments (and, when available, analyses) over data.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  segql run examples/cart_abandoners.seg
  segql run -e 'users who viewed \"/cart\" then not action \"CHECKOUT\" within session' --count
  segql run --data shop/ --format csv examples/premium_customers.seg
  segql run --events 'logs/*.parquet' --schema rum.toml -e 'users who viewed \"/cart\"'
  segql run -o members.parquet -e 'users who have plan = \"premium\"'
  segql run --chart funnel.svg -e 'funnel viewed \"/cart\" then action \"CHECKOUT\" by device'
  segql run --time-zone Europe/Berlin -e 'explore users every 1 day since 2026-03-25'

Without --data, --events, --users or --accounts, segql runs on its built-in demo dataset
(an online shop, 2026-01-01 to 2026-03-31), and `now` is the end of that dataset.

Exit status: 0 success; 1 a data or runtime error; 2 an error in the segql text or the arguments.")]
pub struct RunArgs {
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// How to print results.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the result to a file instead (.parquet, .csv, .json, .ndjson); replaces the file.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Print only the number of members of each segment query.
    #[arg(long, conflicts_with_all = ["output", "chart"])]
    pub count: bool,
    /// Write a chart of the analysis as SVG (bars for funnels, a heat map
    /// for retention, lines for explore over time, ranked bars for paths).
    #[arg(long, value_name = "OUT.svg")]
    pub chart: Option<PathBuf>,
    /// Draw analyses in the terminal (bars, cohort triangle, sparklines)
    /// above their table: auto draws when stdout is a terminal.
    #[arg(long, value_enum, default_value_t = PicturesWhen::Auto, value_name = "WHEN")]
    pub pictures: PicturesWhen,
    /// Print where the time went to standard error: reading the text,
    /// opening the data, planning, and per query DataFusion's planning,
    /// the run (with CPU time in scans, the sequence matcher and other
    /// operators) and the output.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PicturesWhen {
    Auto,
    Always,
    Never,
}

/// "1 query", "3 queries".
fn count_of(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(args: RunArgs, output: Output) -> Status {
    let started = Instant::now();
    let loaded = match Loaded::load(&args.text, output) {
        Ok(l) => l,
        Err(status) => return status,
    };
    let sink = match sink_for(&args, &loaded, output) {
        Ok(sink) => sink,
        Err(status) => return status,
    };
    let rt = runtime();
    let text_read = started.elapsed();
    let (engine, now, options) = match prepare(&rt, &args.data, &args.text, &loaded, output) {
        Ok(ready) => ready,
        Err(status) => return status,
    };
    let data_opened = started.elapsed();
    // Counting needs the member keys alone: no profile columns, no sort.
    let members = if args.count {
        MemberRows::KeysOnly
    } else {
        MemberRows::Full
    };
    let (runner, relative_ranges) = match loaded.runner(&engine, &options, members, output) {
        Ok(ready) => ready,
        Err(status) => return status,
    };
    // CSV lists are opened while planning: only now are all inputs known.
    let mut inputs = engine.input_files();
    inputs.extend(loaded.files.iter().cloned());
    for (flag, path) in [("-o", &args.output), ("--chart", &args.chart)] {
        if let Some(path) = path
            && let Err(d) = refuse_overwriting_input(flag, path, &inputs)
        {
            output.error(&d);
            return Status::Usage;
        }
    }
    if let Err(d) = rt.block_on(engine.check_events()) {
        output.error(&d);
        return Status::Failure;
    }
    // `now` from the wall clock on data that ended long ago.
    match rt.block_on(ranges_after_the_data(&engine, &relative_ranges, now)) {
        Ok(warnings) if !warnings.is_empty() => {
            output.diagnostics(&loaded.display, &loaded.text, &warnings);
        }
        Ok(_) => {}
        Err(d) => {
            output.error(&d);
            return Status::Failure;
        }
    }
    if args.timings {
        note!(
            "timings: text {:.3} s, data opened {:.3} s, planned {:.3} s (since start)",
            text_read.as_secs_f64(),
            (data_opened - text_read).as_secs_f64(),
            (started.elapsed() - data_opened).as_secs_f64(),
        );
    }
    let mut status = Status::Success;
    let mut index = 0;
    let planned = runner.each(|query, plan| {
        index += 1;
        let outcome = match rt.block_on(execute(&engine, &query, plan)) {
            Ok(o) => o,
            Err(d) => {
                output.error(&d);
                status = Status::Failure;
                return ControlFlow::Break(());
            }
        };
        let shown = sink
            .wants_shown()
            .then(|| rt.block_on(outcome.shown(&engine, &options.zone)));
        let output_started = Instant::now();
        if !sink.begin(index, &outcome, &loaded.display, &loaded.text) {
            return ControlFlow::Break(());
        }
        match sink.show(&outcome, shown) {
            Ok(Delivered::Shown) => {
                if args.timings {
                    note!(
                        "{}",
                        timings_line(index, &outcome, output_started.elapsed())
                    );
                }
                ControlFlow::Continue(())
            }
            // The reader has gone (`| head`): nothing more to show.
            Ok(Delivered::ReaderGone) => ControlFlow::Break(()),
            Err(failed) => {
                status = failed;
                ControlFlow::Break(())
            }
        }
    });
    if let Err(problems) = planned {
        return loaded.report(output, &problems);
    }
    if args.timings && status == Status::Success {
        note!("timings: total {:.3} s", started.elapsed().as_secs_f64());
    }
    status
}

/// The sink the flags ask for, once they are found to fit the text.
fn sink_for(args: &RunArgs, loaded: &Loaded, output: Output) -> Result<Sink, Status> {
    let queries = loaded.checked.queries;
    let analyses = loaded.checked.analyses;
    if args.count
        && let Some(analysis) = loaded.checked.first_analysis
    {
        let d = Diagnostic::error(
            codes::BAD_ARGUMENT,
            "--count counts the members of segments, but this is an analysis",
        )
        .with_span(analysis)
        .with_label("an analysis has no members to count")
        .with_help("drop --count to see the analysis");
        output.diagnostics(&loaded.display, &loaded.text, &[d]);
        return Err(Status::Usage);
    }
    let file = match &args.output {
        Some(path) => {
            if queries != 1 {
                output.error(
                    &Diagnostic::error(
                        codes::BAD_ARGUMENT,
                        format!("-o writes one result, but the text has {}", count_of(queries, "query", "queries")),
                    )
                    .with_help("keep one query in the text (definitions are fine), or print the results instead"),
                );
                return Err(Status::Usage);
            }
            match OutputFormat::for_file(path) {
                Some(f) => Some((path.clone(), f)),
                None => {
                    output.error(
                        &Diagnostic::error(
                            codes::BAD_ARGUMENT,
                            format!(
                                "cannot tell the format of `{}` from its extension",
                                path.display()
                            ),
                        )
                        .with_help("name the file .parquet, .csv, .json or .ndjson"),
                    );
                    return Err(Status::Usage);
                }
            }
        }
        None => None,
    };
    if args.chart.is_some() && (analyses != 1 || queries != 1) {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "--chart draws one analysis, but the text has {} of which {} {}",
                    count_of(queries, "query", "queries"),
                    analyses,
                    if analyses == 1 { "is an analysis" } else { "are analyses" }
                ),
            )
            .with_help("keep one funnel, retention, paths or explore query in the text (definitions are fine)"),
        );
        return Err(Status::Usage);
    }
    if let Some(path) = &args.chart
        && !path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("svg"))
    {
        output.error(
            &Diagnostic::error(
                codes::BAD_ARGUMENT,
                format!(
                    "--chart writes SVG, but `{}` is not an .svg file",
                    path.display()
                ),
            )
            .with_help("name the chart file .svg (browsers and most editors open it)"),
        );
        return Err(Status::Usage);
    }
    let pictures = match args.pictures {
        PicturesWhen::Always => true,
        PicturesWhen::Never => false,
        PicturesWhen::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    Ok(Sink {
        format: args.format.into(),
        file,
        chart: args.chart.clone(),
        count: args.count,
        pictures,
        output,
    })
}

/// Refuses to write `out` when it is one of the files the run reads:
/// replacing an input by a result would lose the user's data, so not even
/// `-o`'s "replaces the file" covers it.
fn refuse_overwriting_input(flag: &str, out: &Path, inputs: &[PathBuf]) -> Result<(), Diagnostic> {
    if !out.exists() {
        return Ok(());
    }
    match inputs.iter().find(|input| same_file(out, input)) {
        None => Ok(()),
        Some(input) => Err(Diagnostic::error(
            codes::BAD_ARGUMENT,
            format!(
                "{flag} `{}` is `{}`, which this run reads; segql never writes onto its input",
                out.display(),
                input.display()
            ),
        )
        .with_help(format!("give {flag} another file name"))),
    }
}

/// Whether two paths name one file: the same canonical path, or (through
/// hard links) the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(a), std::fs::canonicalize(b))
        && a == b
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    false
}

/// One query's `--timings` line.
fn timings_line(number: usize, outcome: &Outcome, output: std::time::Duration) -> String {
    let t = &outcome.timings;
    format!(
        "timings: query {number}: DataFusion planning {:.3} s, run {:.3} s \
         (CPU: scan {:.3} s, sequence matcher {:.3} s, other operators {:.3} s), \
         output {:.3} s, {} rows",
        t.planning.as_secs_f64(),
        t.execution.as_secs_f64(),
        t.scan.as_secs_f64(),
        t.matching.as_secs_f64(),
        t.other.as_secs_f64(),
        output.as_secs_f64(),
        outcome.rows(),
    )
}

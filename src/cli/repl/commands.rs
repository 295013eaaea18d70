//! The REPL's meta commands: lines that start with `.`. They are one clap
//! enum, so each variant's doc comment is its line of `.help`, and its
//! arguments are its usage: a new variant documents itself.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use segql::present::output::OutputFormat;
use segql::{Diagnostic, codes};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    multicall = true,
    disable_help_subcommand = true,
    disable_help_flag = true
)]
struct MetaLine {
    #[command(subcommand)]
    command: MetaCommand,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum MetaCommand {
    /// List the meta commands.
    Help,
    /// List the tables, where they come from and how many rows they have.
    Tables,
    /// Show the columns of a table and their types.
    Schema {
        #[arg(value_name = "TABLE")]
        table: String,
    },
    /// List the segments of the session and of --segments, with their audience.
    Segments,
    /// Run the statements of a file; its definitions join the session.
    Load {
        #[arg(value_name = "FILE.seg")]
        file: PathBuf,
    },
    /// Print the DataFusion logical plan of a query (nothing runs).
    Explain {
        #[arg(value_name = "QUERY", allow_hyphen_values = true)]
        query: String,
    },
    /// Choose how results are printed.
    Format {
        #[arg(value_enum, value_name = "table|csv|json|ndjson")]
        format: ResultFormat,
    },
    /// Print how long each statement takes.
    Timing {
        #[arg(value_enum, value_name = "on|off")]
        switch: Switch,
    },
    /// Leave the REPL (Ctrl-D too).
    #[command(alias = "exit")]
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultFormat {
    Table,
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl From<ResultFormat> for OutputFormat {
    fn from(format: ResultFormat) -> Self {
        match format {
            ResultFormat::Table => OutputFormat::Table,
            ResultFormat::Csv => OutputFormat::Csv,
            ResultFormat::Json => OutputFormat::Json,
            ResultFormat::Ndjson => OutputFormat::NdJson,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// True for a line that is a meta command rather than segql text.
pub fn is_meta(line: &str) -> bool {
    line.trim_start().starts_with('.')
}

/// The names a meta command may be typed as (without the dot), aliases
/// included.
pub fn names() -> Vec<String> {
    MetaLine::command()
        .get_subcommands()
        .flat_map(|c| std::iter::once(c.get_name()).chain(c.get_all_aliases()))
        .map(str::to_string)
        .collect()
}

/// Reads a meta command line: `.name` and at most one argument, the rest of
/// the line (so `.explain` takes a whole query and `.load` a path with
/// spaces).
pub fn parse(line: &str) -> Result<MetaCommand, Diagnostic> {
    let body = line.trim();
    let body = body.strip_prefix('.').unwrap_or(body);
    let (name, rest) = match body.split_once(char::is_whitespace) {
        Some((name, rest)) => (name, rest.trim()),
        None => (body, ""),
    };
    let known = names();
    if !known.iter().any(|n| n == name) {
        let help = match segql::syntax::did_you_mean(name, known.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `.{close}`? `.help` lists the commands"),
            None => "`.help` lists the commands".to_string(),
        };
        return Err(
            Diagnostic::error(codes::BAD_ARGUMENT, format!("unknown command `.{name}`"))
                .with_help(help),
        );
    }
    let mut words = vec![name];
    if !rest.is_empty() {
        words.push(rest);
    }
    MetaLine::try_parse_from(words)
        .map(|line| line.command)
        .map_err(|e| {
            // clap's first line says what is wrong ("a value is required
            // for ..."); its usage line names the binary, so ours replaces it.
            let text = e.to_string();
            let problem = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            // "the following required arguments were not provided:" lists
            // them on the lines after it.
            let problem = if problem.ends_with(':') {
                let missing: Vec<&str> = text
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .take_while(|l| l.starts_with('<'))
                    .collect();
                if missing.is_empty() {
                    problem.trim_end_matches(':').to_string()
                } else {
                    format!("{} {}", problem, missing.join(" "))
                }
            } else {
                problem
            };
            let mut d = Diagnostic::error(codes::BAD_ARGUMENT, format!("`.{name}`: {problem}"));
            if let Some(values) = text.lines().find(|l| l.contains("possible values")) {
                d = d.with_note(values.trim().trim_matches(['[', ']']).to_string());
            }
            if let Some((usage, _)) = usages().into_iter().find(|(u, _)| {
                u.trim_start_matches('.').split(' ').next() == Some(canonical(name).as_str())
            }) {
                d = d.with_help(format!("usage: {usage}"));
            }
            d
        })
}

/// The name a command is listed under, for one typed as an alias.
fn canonical(name: &str) -> String {
    MetaLine::command()
        .find_subcommand(name)
        .map_or_else(|| name.to_string(), |c| c.get_name().to_string())
}

/// Each command's usage (`.schema TABLE`) and description, in the order of
/// the enum.
pub fn usages() -> Vec<(String, String)> {
    MetaLine::command()
        .get_subcommands()
        .map(|c| {
            let mut usage = format!(".{}", c.get_name());
            for arg in c.get_positionals() {
                let name = arg
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map_or_else(|| arg.get_id().to_string(), ToString::to_string);
                usage.push(' ');
                usage.push_str(&name);
            }
            for alias in c.get_all_aliases() {
                usage.push_str(&format!(", .{alias}"));
            }
            let about = c.get_about().map(ToString::to_string).unwrap_or_default();
            (usage, about)
        })
        .collect()
}

/// The text of `.help`.
pub fn help() -> String {
    let rows = usages();
    let width = rows.iter().map(|(u, _)| u.len()).max().unwrap_or(0);
    let mut text = String::from(
        "Statements end with `;` and may span lines; definitions stay for the session,\n\
         and a new definition of a name replaces the old one.\n\n",
    );
    for (usage, about) in rows {
        text.push_str(&format!("  {usage:width$}  {about}\n"));
    }
    text.push_str(
        "\nTab completes keywords, segment names, columns and event names (`viewed \"/ca<Tab>`).\n\
         Ctrl-C cancels a running query; Ctrl-D leaves.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_parses_with_its_argument() {
        assert_eq!(parse(".tables").unwrap(), MetaCommand::Tables);
        assert_eq!(
            parse("  .schema events ").unwrap(),
            MetaCommand::Schema {
                table: "events".into()
            }
        );
        assert_eq!(
            parse(r#".explain users who viewed "/cart" -- why"#).unwrap(),
            MetaCommand::Explain {
                query: r#"users who viewed "/cart" -- why"#.into()
            }
        );
        assert_eq!(
            parse(".load my segments.seg").unwrap(),
            MetaCommand::Load {
                file: "my segments.seg".into()
            }
        );
        assert_eq!(
            parse(".format csv").unwrap(),
            MetaCommand::Format {
                format: ResultFormat::Csv
            }
        );
        assert_eq!(parse(".exit").unwrap(), MetaCommand::Quit);
    }

    #[test]
    fn mistakes_say_what_would_work() {
        let unknown = parse(".tabels").unwrap_err();
        assert_eq!(unknown.message, "unknown command `.tabels`");
        assert!(unknown.help.unwrap().contains("`.tables`"));

        let missing = parse(".schema").unwrap_err();
        assert!(missing.message.starts_with("`.schema`: "), "{missing:?}");
        assert_eq!(missing.help.as_deref(), Some("usage: .schema TABLE"));

        let bad = parse(".format xml").unwrap_err();
        assert!(bad.message.contains("xml"), "{bad:?}");
        assert!(bad.notes.iter().any(|n| n.contains("ndjson")), "{bad:?}");
    }

    #[test]
    fn help_lists_every_command_with_its_usage() {
        let help = help();
        for name in names() {
            assert!(
                help.contains(&format!(".{name}")),
                "{name} missing:\n{help}"
            );
        }
        assert!(help.contains(".schema TABLE"));
        assert!(help.contains(".format table|csv|json|ndjson"));
        assert!(help.contains(".quit, .exit"));
    }
}

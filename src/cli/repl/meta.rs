//! The REPL's meta commands (`.help`, `.tables`, `.schema`, `.segments`,
//! `.load`, `.explain`, `.format`, `.timing`).

use super::Session;
use super::cancel::{Cancelled, cancellable, report_cancelled};
use super::commands::{self, MetaCommand, Switch};
use crate::cli::sources::read_source;
use crate::cli::{Status, print};
use segql::planner::{Catalog, TableRole};
use segql::{Diagnostic, Library, codes};
use std::path::{Path, PathBuf};
use std::sync::Arc;

impl Session {
    pub(super) async fn meta(&mut self, command: MetaCommand) -> Status {
        match command {
            MetaCommand::Help => {
                print(&commands::help());
                Status::Success
            }
            MetaCommand::Quit => Status::Success,
            MetaCommand::Tables => self.tables().await,
            MetaCommand::Schema { table } => self.schema(&table),
            MetaCommand::Segments => {
                print(&segments_table(&self.library));
                Status::Success
            }
            MetaCommand::Load { file } => {
                let source = match read_source(&file) {
                    Ok(source) => source,
                    Err(d) => {
                        self.output.error(&d);
                        return Status::Usage;
                    }
                };
                let base = file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
                self.run_text(&source.display, &source.text, &base).await
            }
            MetaCommand::Explain { query } => self.explain(&query),
            MetaCommand::Format { format } => {
                self.sink.format = format.into();
                Status::Success
            }
            MetaCommand::Timing { switch } => {
                self.timing = switch == Switch::On;
                Status::Success
            }
        }
    }

    /// The logical plan of each query of a text; its definitions do not
    /// join the session.
    fn explain(&self, query: &str) -> Status {
        let display = "<explain>";
        let plans = match self.plan_text(display, query, &self.options) {
            Ok((_, plans)) => plans,
            Err(status) => return status,
        };
        if plans.is_empty() {
            note!("nothing to explain: the text has no query");
        }
        for (index, (_, plan)) in plans.iter().enumerate() {
            let separator = if index > 0 { "\n" } else { "" };
            print(&format!(
                "{separator}{}\n",
                plan.display_indent().to_string().trim_end()
            ));
        }
        Status::Success
    }

    async fn tables(&self) -> Status {
        let mut rows = vec![["table".to_string(), "rows".to_string(), "from".to_string()]];
        for role in [TableRole::Events, TableRole::Users, TableRole::Accounts] {
            let Some(entry) = self.engine.table(role) else {
                continue;
            };
            let engine = Arc::clone(&self.engine);
            let work = async move { engine.row_count(role).await };
            let count = match cancellable(self.interactive, work).await {
                Ok(Ok(n)) => n.to_string(),
                Ok(Err(d)) => {
                    self.output.error(&d);
                    return Status::Failure;
                }
                Err(Cancelled) => {
                    report_cancelled();
                    return Status::Failure;
                }
            };
            rows.push([role.name().to_string(), count, entry.origin.clone()]);
        }
        print(&align(&rows));
        Status::Success
    }

    fn schema(&self, table: &str) -> Status {
        let roles = [TableRole::Events, TableRole::Users, TableRole::Accounts];
        let present: Vec<&str> = roles
            .iter()
            .filter(|r| self.engine.table(**r).is_some())
            .map(|r| r.name())
            .collect();
        let entry = roles
            .iter()
            .find(|r| r.name().eq_ignore_ascii_case(table))
            .and_then(|r| self.engine.table(*r));
        let Some(entry) = entry else {
            let mut d =
                Diagnostic::error(codes::BAD_ARGUMENT, format!("there is no table `{table}`"))
                    .with_note(format!("the tables: {}", present.join(", ")));
            if let Some(close) = segql::syntax::did_you_mean(table, present.iter().copied()) {
                d = d.with_help(format!("did you mean `.schema {close}`?"));
            }
            self.output.error(&d);
            return Status::Usage;
        };
        let mut rows = vec![[
            "column".to_string(),
            "type".to_string(),
            "nullable".to_string(),
        ]];
        for field in entry.schema().fields() {
            rows.push([
                field.name().clone(),
                field.data_type().to_string(),
                if field.is_nullable() { "yes" } else { "no" }.to_string(),
            ]);
        }
        print(&align(&rows));
        Status::Success
    }
}

/// Rows of text as columns padded to their widest cell.
fn align<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < N {
                line.push_str(&format!("{cell:w$}  ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn segments_table(library: &Library) -> String {
    if library.defs.is_empty() {
        return "no segments yet: define one with `segment NAME = users who ...;`\n".to_string();
    }
    let mut rows = vec![[
        "segment".to_string(),
        "audience".to_string(),
        "from".to_string(),
        "definition".to_string(),
    ]];
    for def in &library.defs {
        rows.push([
            def.name.clone(),
            def.audience.keyword().to_string(),
            def.file.clone(),
            def.segment.to_string(),
        ]);
    }
    align(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_rows_pad_every_column_but_the_last() {
        let rows = [
            ["a".to_string(), "bb".to_string()],
            ["ccc".to_string(), "d".to_string()],
        ];
        assert_eq!(align(&rows), "a    bb\nccc  d\n");
    }
}

//! CSV lists (`in csv`, §4): the column chosen, ids or emails matched, and
//! a small CSV reader.

use super::*;

impl<'a> Evaluator<'a> {
    /// `in csv "file" [column "c"] [by id|email]` (§4).
    pub(super) fn csv_members(
        &self,
        audience: Audience,
        path: &str,
        column: Option<&str>,
        key: Option<CsvKey>,
    ) -> Members {
        let file = self.csv_dir.join(path);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reference: cannot read {}: {e}", file.display()));
        let rows = parse_csv(&text);
        let Some((header, rows)) = rows.split_first() else {
            return Members::new();
        };
        let position = |name: &str| header.iter().position(|h| h == name);
        // "Column: the one named by `column`; else with `by email` the column
        // `email`, else the first column; else `id`, then
        // `user_id`/`account_id`, then the first column."
        let index = match (column, key) {
            (Some(name), _) => position(name)
                .unwrap_or_else(|| panic!("reference: no column {name:?} in {}", file.display())),
            (None, Some(CsvKey::Email)) => position("email").unwrap_or(0),
            (None, _) => position("id")
                .or_else(|| position(audience.key_column()))
                .unwrap_or(0),
        };
        // An empty cell is a null: it names nobody.
        let values: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(index))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .collect();
        match key {
            // "`by email` matches `users.email` case-insensitively after
            // trimming, and every user with that email is in; it is an error
            // for `accounts`."
            Some(CsvKey::Email) => {
                assert!(
                    audience == Audience::Users,
                    "reference: `by email` on accounts"
                );
                let wanted: BTreeSet<String> = values
                    .iter()
                    .map(|v| v.trim().to_lowercase())
                    .filter(|v| !v.is_empty())
                    .collect();
                self.profile_table(Audience::Users)
                    .iter()
                    .filter(|r| {
                        r.key.is_some()
                            && r.email
                                .as_ref()
                                .is_some_and(|m| wanted.contains(&m.trim().to_lowercase()))
                    })
                    .filter_map(|r| r.key.clone())
                    .collect()
            }
            // "Values are compared as text with the key"; "Values that match
            // nothing are ignored".
            _ => {
                let universe = self.universe(audience);
                values
                    .into_iter()
                    .filter(|v| universe.contains(*v))
                    .map(str::to_string)
                    .collect()
            }
        }
    }
}

/// A small RFC 4180 reader: fields separated by commas, optionally in
/// double quotes (`""` is a quote inside), records separated by `\n` or
/// `\r\n`. Blank lines are skipped.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut any = false; // the current record has content
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if any || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                any = false;
            }
            c => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

//! The native path builder: an aggregate function that turns one session's
//! views into its path (LANGUAGE.md §5, `paths`) in one pass, instead of two
//! window passes, a self-join and a `string_agg`.
//!
//! `segql_path(time, name, flags)` is grouped by actor and session. The
//! accumulator keeps `(group, time, name code, flags)` per view, with names
//! interned (a site has few distinct pages), then per session sorts the views
//! by time and name, collapses runs of equal names into elements (an element
//! matches `from` or `to` when any of its views does), starts at the first
//! element matching `from`, and cuts to `depth` elements, or ends at the
//! first element matching `to` (no path when that is not within `depth`).
//!
//! With `clean` rules (LANGUAGE.md §12) a view's name argument is its
//! original name, [`LABEL_MARK`] and its label: sorting these sorts by the
//! original name (the mark sorts before every character a name has), which
//! orders views at one time as §5 says, and runs collapse and paths show
//! by the label.

use super::aggregate::{EventAggregate, EventUdaf, Rows};
use super::state::{Emitted, lists, one_list, passes, row_starts};
use datafusion_common::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray, StringBuilder,
};
use datafusion_common::arrow::datatypes::{DataType, Int64Type};
use datafusion_common::{Result, ScalarValue, internal_err};
use datafusion_expr::{Accumulator, Expr};
use std::collections::HashMap;
use std::sync::Arc;

/// Flag bit: the view matches the `from` step.
pub const FROM: i64 = 1;
/// Flag bit: the view matches the `to` step.
pub const TO: i64 = 2;

/// Between a view's original name and its label, when paths are cleaned.
pub const LABEL_MARK: char = '\u{0}';

/// The shape of the paths to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PathShape {
    /// The most elements a path has.
    pub depth: usize,
    /// Whether a path ends at the first element matching `to`.
    pub has_to: bool,
    /// Whether names are `original` [`LABEL_MARK`] `label` (`clean`).
    pub labelled: bool,
}

impl PathShape {
    /// What a path shows of a view's name argument.
    fn shown(self, name: &str) -> &str {
        if !self.labelled {
            return name;
        }
        name.rsplit_once(LABEL_MARK)
            .map_or(name, |(_, label)| label)
    }
}

/// The path of one session's views, sorted by time then name: the names of
/// its elements, or `None` when the session has no path.
pub fn session_path<'a>(views: &[(i64, &'a str, i64)], shape: PathShape) -> Option<Vec<&'a str>> {
    // Elements: runs of equal names, with their flags or-ed.
    let mut elements: Vec<(&str, i64)> = Vec::new();
    for &(_, name, flags) in views {
        let name = shape.shown(name);
        match elements.last_mut() {
            Some((last, f)) if *last == name => *f |= flags,
            _ => elements.push((name, flags)),
        }
    }
    let start = elements.iter().position(|(_, f)| f & FROM != 0)?;
    let window = &elements[start..elements.len().min(start.saturating_add(shape.depth))];
    let end = if shape.has_to {
        window.iter().position(|(_, f)| f & TO != 0)? + 1
    } else {
        window.len()
    };
    Some(window[..end].iter().map(|(name, _)| *name).collect())
}

/// The aggregate function `segql_path(time, name, flags)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathBuilder {
    pub(super) shape: PathShape,
}

impl PathBuilder {
    pub const NAME: &'static str = "segql_path";
    pub const SEPARATOR: &'static str = " -> ";

    pub fn new(shape: PathShape) -> Self {
        PathBuilder { shape }
    }

    /// The call `segql_path(time, name, flags)`.
    pub fn call(shape: PathShape, time: Expr, name: Expr, flags: Expr) -> Expr {
        EventUdaf::call(PathBuilder::new(shape), vec![time, name, flags])
    }
}

impl EventAggregate for PathBuilder {
    type Kept = View;
    type Store = Names;
    const NAME: &'static str = PathBuilder::NAME;

    fn arguments(&self) -> Vec<DataType> {
        vec![DataType::Int64, DataType::Utf8, DataType::Int64]
    }

    fn result(&self) -> DataType {
        DataType::Utf8
    }

    fn state_columns(&self) -> Vec<(&'static str, DataType)> {
        vec![
            ("times", DataType::Int64),
            ("names", DataType::Utf8),
            ("flags", DataType::Int64),
        ]
    }

    fn accumulator(&self) -> Box<dyn Accumulator> {
        Box::new(PathAccumulator {
            shape: self.shape,
            views: Vec::new(),
        })
    }

    fn store(&self) -> Names {
        Names::default()
    }

    fn store_size(names: &Names) -> usize {
        names.names.iter().map(|n| n.len() * 2 + 48).sum::<usize>()
    }

    fn read(
        &self,
        names: &mut Names,
        rows: Rows,
        mut keep: impl FnMut(usize, i64, View),
    ) -> Result<()> {
        let view = |row, time, name: &str, flags| keep(row, time, names.view(name, flags));
        match rows {
            Rows::Input(values, filter) => input_views(values, filter, view),
            Rows::State(states) => state_views(states, view),
        }
    }

    fn evaluate(&self, names: &Names, mut emitted: Emitted<View>) -> Result<ArrayRef> {
        names.sort(&mut emitted);
        let (offsets, sorted) = (emitted.offsets, emitted.events);
        let mut out = StringBuilder::new();
        let mut views: Vec<(i64, &str, i64)> = Vec::new();
        for w in offsets.windows(2) {
            views.clear();
            views.extend(
                sorted[w[0]..w[1]]
                    .iter()
                    .map(|&(t, v)| (t, names.names[v.code as usize].as_str(), v.flags as i64)),
            );
            match session_path(&views, self.shape) {
                Some(path) => out.append_value(path.join(PathBuilder::SEPARATOR)),
                None => out.append_null(),
            }
        }
        Ok(Arc::new(out.finish()))
    }

    fn state(&self, names: &Names, mut emitted: Emitted<View>) -> Result<Vec<ArrayRef>> {
        names.sort(&mut emitted);
        let (offsets, sorted) = (emitted.offsets, emitted.events);
        let times = Int64Array::from_iter_values(sorted.iter().map(|v| v.0));
        let name_values = StringArray::from_iter_values(
            sorted
                .iter()
                .map(|v| names.names[v.1.code as usize].as_str()),
        );
        let flags = Int64Array::from_iter_values(sorted.iter().map(|v| v.1.flags as i64));
        Ok(vec![
            lists(&offsets, Arc::new(times)),
            lists(&offsets, Arc::new(name_values)),
            lists(&offsets, Arc::new(flags)),
        ])
    }
}

fn arguments(values: &[ArrayRef]) -> Result<(&Int64Array, &StringArray, &Int64Array)> {
    match (
        values[0].as_primitive_opt::<Int64Type>(),
        values[1].as_string_opt::<i32>(),
        values[2].as_primitive_opt::<Int64Type>(),
    ) {
        (Some(t), Some(n), Some(f)) => Ok((t, n, f)),
        _ => internal_err!("segql_path expects (Int64, Utf8, Int64) arguments"),
    }
}

/// Calls `f(row, time, name, flags)` for every view of the input rows that
/// `filter` keeps: a row with a time and a name (null flags are none).
fn input_views<'a>(
    values: &'a [ArrayRef],
    filter: Option<&BooleanArray>,
    mut f: impl FnMut(usize, i64, &'a str, i64),
) -> Result<()> {
    let (times, names, flags) = arguments(values)?;
    for row in 0..times.len() {
        if times.is_null(row) || names.is_null(row) || !passes(filter, row) {
            continue;
        }
        let flag = if flags.is_null(row) {
            0
        } else {
            flags.value(row)
        };
        f(row, times.value(row), names.value(row), flag);
    }
    Ok(())
}

/// Calls `f(row, time, name, flags)` for every view of the state lists of
/// every row.
fn state_views(states: &[ArrayRef], mut f: impl FnMut(usize, i64, &str, i64)) -> Result<()> {
    let lists = [0, 1, 2].map(|i| states[i].as_list::<i32>());
    let flat = lists.map(|l| Arc::clone(l.values()));
    let (times, names, flags) = arguments(&flat)?;
    for row in 0..lists[0].len() {
        let Some(([t, n, fl], length)) = row_starts(lists, row) else {
            continue;
        };
        for i in 0..length {
            f(
                row,
                times.value(t + i),
                names.value(n + i),
                flags.value(fl + i),
            );
        }
    }
    Ok(())
}

/// What is kept of a view besides its group and time.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct View {
    /// Its name's number in [`Names`].
    code: u32,
    flags: u8,
}

/// The names of the views, interned: a view keeps its name's number.
#[derive(Default)]
pub(super) struct Names {
    codes: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    /// What is kept of a view named `name`.
    fn view(&mut self, name: &str, flags: i64) -> View {
        let code = match self.codes.get(name) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.names.push(name.to_string());
                self.codes.insert(name.to_string(), c);
                c
            }
        };
        View {
            code,
            flags: flags as u8,
        }
    }

    /// Sorts each emitted group's views by time then name.
    fn sort(&self, emitted: &mut Emitted<View>) {
        for w in emitted.offsets.windows(2) {
            emitted.events[w[0]..w[1]].sort_unstable_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| self.names[a.1.code as usize].cmp(&self.names[b.1.code as usize]))
            });
        }
    }
}

/// The path builder for one group at a time (where DataFusion does not
/// group).
#[derive(Debug)]
struct PathAccumulator {
    shape: PathShape,
    views: Vec<(i64, String, i64)>,
}

impl Accumulator for PathAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        input_views(values, None, |_, time, name, flags| {
            self.views.push((time, name.to_string(), flags))
        })
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.views.sort();
        let views: Vec<(i64, &str, i64)> = self
            .views
            .iter()
            .map(|(t, n, f)| (*t, n.as_str(), *f))
            .collect();
        Ok(ScalarValue::Utf8(
            session_path(&views, self.shape).map(|p| p.join(PathBuilder::SEPARATOR)),
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .views
                .iter()
                .map(|v| 24 + v.1.capacity())
                .sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            one_list(Arc::new(Int64Array::from_iter_values(
                self.views.iter().map(|v| v.0),
            ))),
            one_list(Arc::new(StringArray::from_iter_values(
                self.views.iter().map(|v| v.1.as_str()),
            ))),
            one_list(Arc::new(Int64Array::from_iter_values(
                self.views.iter().map(|v| v.2),
            ))),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        state_views(states, |_, time, name, flags| {
            self.views.push((time, name.to_string(), flags))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::aggregate::EventGroups;
    use super::*;
    use datafusion_expr::{EmitTo, GroupsAccumulator};

    fn path(views: &[(i64, &'static str, i64)], depth: usize, has_to: bool) -> Option<String> {
        let shape = PathShape {
            depth,
            has_to,
            labelled: false,
        };
        session_path(views, shape).map(|p| p.join(" -> "))
    }

    #[test]
    fn labelled_views_collapse_and_show_by_their_labels() {
        // `/p/1` and `/p/2` are both `/p/*`: one element; `/about` keeps
        // its name (its label is itself).
        let views = [
            (1, "/p/1\u{0}/p/*", FROM),
            (2, "/p/2\u{0}/p/*", 0),
            (3, "/about\u{0}/about", 0),
        ];
        let shape = PathShape {
            depth: 5,
            has_to: false,
            labelled: true,
        };
        let path = session_path(&views, shape).map(|p| p.join(" -> "));
        assert_eq!(path.as_deref(), Some("/p/* -> /about"));
        // Sorting the arguments orders views as their original names do.
        let mut names = ["/a-b\u{0}Z", "/a\u{0}Y"];
        names.sort();
        assert_eq!(names, ["/a\u{0}Y", "/a-b\u{0}Z"]);
    }

    #[test]
    fn runs_collapse_and_the_path_starts_at_the_first_from() {
        let views = [
            (1, "/a", 0),
            (2, "/a", 0),
            (3, "/b", FROM),
            (4, "/c", 0),
            (5, "/c", 0),
        ];
        assert_eq!(path(&views, 5, false).as_deref(), Some("/b -> /c"));
        assert_eq!(path(&views, 1, false).as_deref(), Some("/b"));
        assert_eq!(path(&[(1, "/a", 0)], 5, false), None);
    }

    #[test]
    fn a_run_matches_when_any_of_its_views_does() {
        let views = [(1, "/a", 0), (2, "/a", FROM), (3, "/b", TO)];
        assert_eq!(path(&views, 5, true).as_deref(), Some("/a -> /b"));
    }

    #[test]
    fn to_must_come_within_depth() {
        let views = [(1, "/a", FROM), (2, "/b", 0), (3, "/c", TO)];
        assert_eq!(path(&views, 3, true).as_deref(), Some("/a -> /b -> /c"));
        assert_eq!(path(&views, 2, true), None);
        // The start element itself may be the end.
        assert_eq!(
            path(&[(1, "/a", FROM | TO), (2, "/b", 0)], 3, true).as_deref(),
            Some("/a")
        );
    }

    #[test]
    fn the_groups_accumulator_builds_paths_through_a_partial_state() {
        // Group 0: /a (from), /b, /b, /c, out of time order; group 1 never
        // meets `from`; group 2: /x then /y (from) at the same time, sorted
        // by name.
        let views: [(usize, i64, &str, i64); 7] = [
            (0, 4, "/c", 0),
            (1, 1, "/a", 0),
            (0, 1, "/a", FROM),
            (2, 7, "/y", FROM),
            (0, 2, "/b", 0),
            (2, 7, "/x", 0),
            (0, 3, "/b", 0),
        ];
        let values: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(views.iter().map(|v| v.1))),
            Arc::new(StringArray::from_iter_values(views.iter().map(|v| v.2))),
            Arc::new(Int64Array::from_iter_values(views.iter().map(|v| v.3))),
        ];
        let groups: Vec<usize> = views.iter().map(|v| v.0).collect();
        let new = || {
            EventGroups::new(PathBuilder::new(PathShape {
                depth: 5,
                has_to: false,
                labelled: false,
            }))
        };
        // Half the rows through update and state, half as converted state.
        let mut partial = new();
        let head: Vec<ArrayRef> = values.iter().map(|v| v.slice(0, 4)).collect();
        partial
            .update_batch(&head, &groups[..4], None, 3)
            .expect("update");
        let state = partial.state(EmitTo::All).expect("state");
        let tail: Vec<ArrayRef> = values.iter().map(|v| v.slice(4, 3)).collect();
        let converted = partial.convert_to_state(&tail, None).expect("convert");
        let mut merged = new();
        merged
            .merge_batch(&state, &[0, 1, 2], 3)
            .expect("merge state");
        merged
            .merge_batch(&converted, &groups[4..], 3)
            .expect("merge converted");
        let result = merged.evaluate(EmitTo::All).expect("evaluate");
        let result = result.as_string::<i32>();
        let paths: Vec<Option<&str>> = result.iter().collect();
        assert_eq!(paths, vec![Some("/a -> /b -> /c"), None, Some("/y")]);
    }
}

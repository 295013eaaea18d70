//! Explore on a terminal: a sparkline per `by` group over time, one block
//! per measure.

use super::read::{Explore, read_explore};
use super::text::{all_midnights, count_text, format_time, truncate, widest};
use super::{MAX_KEY, NO_ROWS};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// The most marks of a sparkline: longer series are summed in runs of
/// consecutive buckets.
pub const MAX_SPARK: usize = 60;

/// The levels of a sparkline.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// An explore result with a `time` column (`every`) as sparklines, one
/// block per measure (blocks separated by a blank line): a header line
/// (measure, `by` columns, first and last bucket, bucket count), then one
/// line per `by` group with its key, a sparkline of the measure over every
/// bucket of the result (a bucket the group has no row for counts 0; a
/// null value is a blank mark; each line is scaled from 0 to its own
/// maximum), and the min, max and total. More than [`MAX_SPARK`] buckets
/// are summed in runs so a line stays short. None when the result has no
/// `time` column.
pub fn explore_sparklines(batches: &[RecordBatch], schema: &SchemaRef) -> Option<String> {
    let explore = match read_explore(batches, schema) {
        Ok(explore) => explore,
        // Not an explore result: only a `time` column says what to do.
        Err(e) => {
            return schema
                .index_of("time")
                .ok()
                .map(|_| format!("cannot draw the explore: {e}\n"));
        }
    };
    if !explore.timed {
        return None;
    }
    if explore.times.is_empty() {
        return Some(NO_ROWS.to_string());
    }
    let blocks: Vec<String> = (0..explore.measures.len())
        .map(|m| sparkline_block(&explore, m))
        .collect();
    Some(blocks.join("\n"))
}

/// The sparklines of measure `m` of a timed explore with buckets.
fn sparkline_block(explore: &Explore, m: usize) -> String {
    let buckets = explore.times.len();
    let run = buckets.div_ceil(MAX_SPARK);
    let date_only = all_midnights(&explore.times);
    let mut out = format!(
        "{} from {} to {}, {} {}",
        explore.title(m),
        format_time(explore.times[0], date_only),
        format_time(explore.times[buckets - 1], date_only),
        buckets,
        if buckets == 1 { "bucket" } else { "buckets" }
    );
    if run > 1 {
        out.push_str(&format!(", {run} per mark"));
    }
    out.push('\n');
    struct Line {
        key: String,
        spark: String,
        min: String,
        max: String,
        total: String,
    }
    let lines: Vec<Line> = explore
        .groups
        .iter()
        .map(|group| {
            let series = group.series(&explore.times, m);
            let marks: Vec<Option<i64>> = series
                .chunks(run)
                .map(|chunk| chunk.iter().try_fold(0i64, |sum, v| v.map(|v| sum + v)))
                .collect();
            let known = || series.iter().flatten().copied();
            let top = marks.iter().flatten().copied().max().unwrap_or(0);
            let spark = marks
                .iter()
                .map(|mark| match mark {
                    None => ' ',
                    Some(v) if *v <= 0 || top <= 0 => SPARKS[0],
                    Some(v) => {
                        SPARKS[((*v as f64 / top as f64) * 7.0).round().clamp(0.0, 7.0) as usize]
                    }
                })
                .collect();
            Line {
                key: truncate(&group.key, MAX_KEY),
                spark,
                min: count_text(known().min()),
                max: count_text(known().max()),
                total: count_text(known().reduce(|a, b| a + b)),
            }
        })
        .collect();
    let width = |f: fn(&Line) -> &String| widest("", lines.iter().map(f));
    let key_width = width(|l| &l.key);
    let min_width = width(|l| &l.min);
    let max_width = width(|l| &l.max);
    let total_width = width(|l| &l.total);
    for line in &lines {
        out.push_str(&format!(
            "{:<key_width$}  {}  min {:>min_width$}  max {:>max_width$}  total {:>total_width$}\n",
            line.key, line.spark, line.min, line.max, line.total
        ));
    }
    out
}

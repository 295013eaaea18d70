//! Hand-built results for the tests of the pictures and the charts, one
//! per analysis kind and shape.

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

pub(crate) type Result = (Vec<RecordBatch>, SchemaRef);

/// One batch of `columns`; with `split`, the rows are cut in two batches
/// after row `split`.
pub(crate) fn table(columns: Vec<(&str, ArrayRef)>, split: Option<usize>) -> Result {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays = columns.into_iter().map(|(_, array)| array).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    let batches = match split {
        Some(at) => vec![batch.slice(0, at), batch.slice(at, batch.num_rows() - at)],
        None => vec![batch],
    };
    (batches, schema)
}

/// No batches at all, only the schema.
pub(crate) fn empty(columns: &[(&str, DataType)]) -> Result {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, data_type)| Field::new(*name, data_type.clone(), true))
        .collect();
    (Vec::new(), Arc::new(Schema::new(fields)))
}

pub(crate) fn strs(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

pub(crate) fn ints(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

pub(crate) fn floats(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

/// Days since 1970-01-01.
pub(crate) fn dates(values: &[i32]) -> ArrayRef {
    Arc::new(Date32Array::from(values.to_vec()))
}

pub(crate) fn times(values: &[i64]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

pub(crate) const DAY: i64 = 86_400_000_000;
/// 2026-03-16T00:00:00Z (a Monday) in microseconds.
pub(crate) const MAR16: i64 = 20_528 * DAY;

pub(crate) fn funnel_types() -> Vec<(&'static str, DataType)> {
    vec![
        ("step", DataType::Int64),
        ("label", DataType::Utf8),
        ("users", DataType::Int64),
        ("conversion", DataType::Float64),
        ("step_conversion", DataType::Float64),
    ]
}

/// One block: 1000 → 724 → 0 users.
pub(crate) fn funnel() -> Result {
    table(
        vec![
            ("step", ints(&[Some(1), Some(2), Some(3)])),
            (
                "label",
                strs(&[
                    Some("viewed \"/cart\""),
                    Some("action \"CHECKOUT\""),
                    Some("event \"purchase\""),
                ]),
            ),
            ("users", ints(&[Some(1000), Some(724), Some(0)])),
            ("conversion", floats(&[Some(1.0), Some(0.724), Some(0.0)])),
            (
                "step_conversion",
                floats(&[Some(1.0), Some(0.724), Some(0.0)]),
            ),
        ],
        None,
    )
}

/// `compare premium, free by device`: three blocks of two steps, in two
/// batches; the free/null block has no users at all.
pub(crate) fn funnel_compare() -> Result {
    let label = |n: usize| -> Vec<Option<&'static str>> {
        [Some("viewed \"/cart\""), Some("action \"CHECKOUT\"")]
            .into_iter()
            .cycle()
            .take(n)
            .collect()
    };
    table(
        vec![
            (
                "segment",
                strs(&[
                    Some("premium"),
                    Some("premium"),
                    Some("premium"),
                    Some("premium"),
                    Some("free"),
                    Some("free"),
                ]),
            ),
            (
                "device",
                strs(&[
                    Some("desktop"),
                    Some("desktop"),
                    Some("mobile"),
                    Some("mobile"),
                    None,
                    None,
                ]),
            ),
            (
                "step",
                ints(&[Some(1), Some(2), Some(1), Some(2), Some(1), Some(2)]),
            ),
            ("label", strs(&label(6))),
            (
                "users",
                ints(&[
                    Some(200),
                    Some(50),
                    Some(1234),
                    Some(1234),
                    Some(0),
                    Some(0),
                ]),
            ),
            (
                "conversion",
                floats(&[
                    Some(1.0),
                    Some(0.25),
                    Some(1.0),
                    Some(1.0),
                    Some(0.0),
                    Some(0.0),
                ]),
            ),
            (
                "step_conversion",
                floats(&[
                    Some(1.0),
                    Some(0.25),
                    Some(1.0),
                    Some(1.0),
                    Some(1.0),
                    Some(0.0),
                ]),
            ),
        ],
        Some(3),
    )
}

/// `retention ... periods 2 by device`: two cohorts on desktop, one on a
/// null device; one rate is null.
pub(crate) fn retention() -> Result {
    // 2026-03-16 is day 20528.
    table(
        vec![
            (
                "device",
                strs(&[
                    Some("desktop"),
                    Some("desktop"),
                    Some("desktop"),
                    Some("desktop"),
                    Some("desktop"),
                    Some("desktop"),
                    None,
                    None,
                    None,
                ]),
            ),
            (
                "cohort",
                dates(&[
                    20528, 20528, 20528, 20535, 20535, 20535, 20528, 20528, 20528,
                ]),
            ),
            (
                "period",
                ints(&[
                    Some(0),
                    Some(1),
                    Some(2),
                    Some(0),
                    Some(1),
                    Some(2),
                    Some(0),
                    Some(1),
                    Some(2),
                ]),
            ),
            (
                "users",
                ints(&[
                    Some(1200),
                    Some(1200),
                    Some(1200),
                    Some(40),
                    Some(40),
                    Some(40),
                    Some(0),
                    Some(0),
                    Some(0),
                ]),
            ),
            (
                "retained",
                ints(&[
                    Some(1200),
                    Some(540),
                    Some(60),
                    Some(10),
                    Some(0),
                    Some(0),
                    Some(0),
                    Some(0),
                    Some(0),
                ]),
            ),
            (
                "rate",
                floats(&[
                    Some(1.0),
                    Some(0.45),
                    Some(0.05),
                    Some(0.25),
                    Some(0.0),
                    Some(0.0),
                    None,
                    None,
                    None,
                ]),
            ),
        ],
        None,
    )
}

pub(crate) fn paths() -> Result {
    table(
        vec![
            (
                "path",
                strs(&[
                    Some(
                        "/cart -> /checkout -> /checkout/payment -> /checkout/confirmation -> /account/orders",
                    ),
                    Some("/cart -> /home"),
                    None,
                    Some("/cart"),
                ]),
            ),
            ("sessions", ints(&[Some(120), Some(60), Some(7), Some(0)])),
            ("users", ints(&[Some(100), Some(58), None, Some(0)])),
        ],
        None,
    )
}

/// `explore events, users by device every 1 day`: desktop on four days
/// (none on the third), mobile on one.
pub(crate) fn explore_timed() -> Result {
    table(
        vec![
            (
                "device",
                strs(&[
                    Some("desktop"),
                    Some("desktop"),
                    Some("desktop"),
                    Some("mobile"),
                ]),
            ),
            (
                "time",
                times(&[MAR16, MAR16 + DAY, MAR16 + 3 * DAY, MAR16 + 2 * DAY]),
            ),
            ("events", ints(&[Some(10), Some(40), Some(80), Some(5)])),
            ("users", ints(&[Some(3), Some(4), Some(9), Some(1)])),
        ],
        Some(2),
    )
}

/// `explore events by device` without `every`.
pub(crate) fn explore_untimed() -> Result {
    table(
        vec![
            ("device", strs(&[Some("desktop"), Some("mobile"), None])),
            ("events", ints(&[Some(300), Some(150), Some(0)])),
        ],
        None,
    )
}

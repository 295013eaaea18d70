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

/// `result` without its rows: the same schema, no batches.
pub(crate) fn no_rows((_, schema): Result) -> Result {
    (Vec::new(), schema)
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
            ("average_seconds", floats(&[None, Some(95.25), None])),
            ("median_seconds", floats(&[None, Some(72.4), None])),
        ],
        None,
    )
}

/// `compare premium, free by device`: three blocks of two steps, in two
/// batches; the free/null block has no users at all.
pub(crate) fn funnel_compare() -> Result {
    const CART: Option<&str> = Some("viewed \"/cart\"");
    const CHECKOUT: Option<&str> = Some("action \"CHECKOUT\"");
    // segment, device, step, label, users, conversion, step_conversion,
    // average_seconds, median_seconds
    let rows = [
        (
            "premium",
            Some("desktop"),
            1,
            CART,
            200,
            1.0,
            1.0,
            None,
            None,
        ),
        (
            "premium",
            Some("desktop"),
            2,
            CHECKOUT,
            50,
            0.25,
            0.25,
            Some(4000.0),
            Some(3725.0),
        ),
        (
            "premium",
            Some("mobile"),
            1,
            CART,
            1234,
            1.0,
            1.0,
            None,
            None,
        ),
        (
            "premium",
            Some("mobile"),
            2,
            CHECKOUT,
            1234,
            1.0,
            1.0,
            Some(8.5),
            Some(6.25),
        ),
        ("free", None, 1, CART, 0, 0.0, 1.0, None, None),
        ("free", None, 2, CHECKOUT, 0, 0.0, 0.0, None, None),
    ];
    table(
        vec![
            ("segment", strs(&rows.map(|r| Some(r.0)))),
            ("device", strs(&rows.map(|r| r.1))),
            ("step", ints(&rows.map(|r| Some(r.2)))),
            ("label", strs(&rows.map(|r| r.3))),
            ("users", ints(&rows.map(|r| Some(r.4)))),
            ("conversion", floats(&rows.map(|r| Some(r.5)))),
            ("step_conversion", floats(&rows.map(|r| Some(r.6)))),
            ("average_seconds", floats(&rows.map(|r| r.7))),
            ("median_seconds", floats(&rows.map(|r| r.8))),
        ],
        Some(3),
    )
}

/// `every week by device`: two groups, the second with one period.
pub(crate) fn funnel_trend() -> Result {
    const CART: Option<&str> = Some("viewed \"/cart\"");
    const CHECKOUT: Option<&str> = Some("action \"CHECKOUT\"");
    // device, period (days since 1970), step, label, users, conversion
    let rows = [
        (Some("desktop"), 20454, 1, CART, 120, 1.0),
        (Some("desktop"), 20454, 2, CHECKOUT, 30, 0.25),
        (Some("desktop"), 20461, 1, CART, 80, 1.0),
        (Some("desktop"), 20461, 2, CHECKOUT, 40, 0.5),
        (None, 20461, 1, CART, 3, 1.0),
        (None, 20461, 2, CHECKOUT, 0, 0.0),
    ];
    table(
        vec![
            ("device", strs(&rows.map(|r| r.0))),
            (
                "period",
                Arc::new(arrow::array::Date32Array::from(
                    rows.map(|r| Some(r.1)).to_vec(),
                )),
            ),
            ("step", ints(&rows.map(|r| Some(r.2)))),
            ("label", strs(&rows.map(|r| r.3))),
            ("users", ints(&rows.map(|r| Some(r.4)))),
            ("conversion", floats(&rows.map(|r| Some(r.5)))),
            ("step_conversion", floats(&rows.map(|r| Some(r.5)))),
            ("average_seconds", floats(&rows.map(|_| None))),
            ("median_seconds", floats(&rows.map(|_| None))),
        ],
        None,
    )
}

pub(crate) fn retention_types() -> Vec<(&'static str, DataType)> {
    vec![
        ("cohort", DataType::Date32),
        ("period", DataType::Int64),
        ("users", DataType::Int64),
        ("retained", DataType::Int64),
        ("rate", DataType::Float64),
    ]
}

/// `retention ... periods 2 by device`: two cohorts on desktop, one on a
/// null device; one rate is null.
pub(crate) fn retention() -> Result {
    // device, cohort (2026-03-16 is day 20528), period, users, retained,
    // rate
    let rows = [
        (Some("desktop"), 20528, 0, 1200, 1200, Some(1.0)),
        (Some("desktop"), 20528, 1, 1200, 540, Some(0.45)),
        (Some("desktop"), 20528, 2, 1200, 60, Some(0.05)),
        (Some("desktop"), 20535, 0, 40, 10, Some(0.25)),
        (Some("desktop"), 20535, 1, 40, 0, Some(0.0)),
        (Some("desktop"), 20535, 2, 40, 0, Some(0.0)),
        (None, 20528, 0, 0, 0, None),
        (None, 20528, 1, 0, 0, None),
        (None, 20528, 2, 0, 0, None),
    ];
    table(
        vec![
            ("device", strs(&rows.map(|r| r.0))),
            ("cohort", dates(&rows.map(|r| r.1))),
            ("period", ints(&rows.map(|r| Some(r.2)))),
            ("users", ints(&rows.map(|r| Some(r.3)))),
            ("retained", ints(&rows.map(|r| Some(r.4)))),
            ("rate", floats(&rows.map(|r| r.5))),
        ],
        None,
    )
}

/// A paths result of `(path, sessions, users)` rows.
pub(crate) fn paths_of(rows: &[(&str, i64, i64)]) -> Result {
    let paths: Vec<_> = rows.iter().map(|r| Some(r.0)).collect();
    let sessions: Vec<_> = rows.iter().map(|r| Some(r.1)).collect();
    let users: Vec<_> = rows.iter().map(|r| Some(r.2)).collect();
    table(
        vec![
            ("path", strs(&paths)),
            ("sessions", ints(&sessions)),
            ("users", ints(&users)),
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

/// A weekly lifecycle of two periods, the second split over two batches.
pub(crate) fn lifecycle() -> Result {
    let statuses = ["new", "returning", "resurrecting", "dormant"];
    table(
        vec![
            (
                "period",
                dates(
                    &[20_514; 4]
                        .into_iter()
                        .chain([20_521; 4])
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "status",
                strs(
                    &statuses
                        .iter()
                        .chain(&statuses)
                        .map(|s| Some(*s))
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "users",
                ints(&[
                    Some(40),
                    Some(0),
                    Some(0),
                    Some(0),
                    Some(10),
                    Some(25),
                    Some(5),
                    Some(15),
                ]),
            ),
        ],
        Some(6),
    )
}

/// A stickiness over 4 periods.
pub(crate) fn stickiness() -> Result {
    table(
        vec![
            ("periods", ints(&[Some(1), Some(2), Some(3), Some(4)])),
            ("users", ints(&[Some(60), Some(30), Some(0), Some(10)])),
            (
                "share",
                floats(&[Some(0.6), Some(0.3), Some(0.0), Some(0.1)]),
            ),
        ],
        None,
    )
}

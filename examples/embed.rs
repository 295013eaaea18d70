//! segql inside your own DataFusion engine.
//!
//! A host application keeps its click stream and customers in its own
//! in-memory tables, under its own table and column names. It builds a segql
//! catalog from its `SessionContext`, compiles a segment and a funnel into
//! logical plans, and runs them in that same context, joining the segment's
//! members with its own SQL.
//!
//! ```text
//! cargo run --example embed
//! ```

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use segql::{CompileOptions, SchemaMapping, TableNames};
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

/// 2026-03-01T00:00:00Z, in milliseconds.
const MARCH_FIRST: i64 = 1_772_323_200_000;
const MINUTE: i64 = 60_000;

/// One click: `(visitor, minutes after March 1st, kind, page or action,
/// visit)`.
type Click = (&'static str, i64, &'static str, &'static str, &'static str);

/// The host's click stream.
const CLICKS: &[Click] = &[
    ("ann", 0, "page_view", "/home", "v1"),
    ("ann", 2, "page_view", "/cart", "v1"),
    ("ann", 3, "action", "CHECKOUT", "v1"),
    ("bob", 10, "page_view", "/cart", "v2"),
    ("bob", 90, "page_view", "/home", "v3"),
    ("cy", 20, "page_view", "/home", "v4"),
    ("cy", 25, "page_view", "/cart", "v4"),
    ("dee", 30, "page_view", "/cart", "v5"),
    ("dee", 31, "action", "CHECKOUT", "v6"),
];

/// The host's customers: `(visitor, plan, lifetime value)`.
const CUSTOMERS: &[(&str, &str, i64)] = &[
    ("ann", "premium", 420),
    ("bob", "free", 0),
    ("cy", "premium", 310),
    ("dee", "free", 15),
    ("eve", "premium", 990),
];

/// The host's session, with its tables registered under its own names.
fn host_session() -> Result<SessionContext, Error> {
    let clicks = Arc::new(Schema::new(vec![
        Field::new("visitor", DataType::Utf8, false),
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        ),
        Field::new("kind", DataType::Utf8, false),
        Field::new("target", DataType::Utf8, true),
        Field::new("visit", DataType::Utf8, true),
    ]));
    let column = |f: fn(&Click) -> &'static str| {
        Arc::new(StringArray::from_iter_values(CLICKS.iter().map(f)))
    };
    let times = CLICKS.iter().map(|c| MARCH_FIRST + c.1 * MINUTE);
    let clicks_batch = RecordBatch::try_new(
        Arc::clone(&clicks),
        vec![
            column(|c| c.0),
            Arc::new(TimestampMillisecondArray::from_iter_values(times).with_timezone("UTC")),
            column(|c| c.2),
            column(|c| c.3),
            column(|c| c.4),
        ],
    )?;
    let customers = Arc::new(Schema::new(vec![
        Field::new("visitor", DataType::Utf8, false),
        Field::new("plan", DataType::Utf8, false),
        Field::new("ltv", DataType::Int64, false),
    ]));
    let customers_batch = RecordBatch::try_new(
        Arc::clone(&customers),
        vec![
            Arc::new(StringArray::from_iter_values(CUSTOMERS.iter().map(|c| c.0))),
            Arc::new(StringArray::from_iter_values(CUSTOMERS.iter().map(|c| c.1))),
            Arc::new(Int64Array::from_iter_values(CUSTOMERS.iter().map(|c| c.2))),
        ],
    )?;
    let ctx = SessionContext::new();
    ctx.register_table(
        "clicks",
        Arc::new(MemTable::try_new(clicks, vec![vec![clicks_batch]])?),
    )?;
    ctx.register_table(
        "customers",
        Arc::new(MemTable::try_new(customers, vec![vec![customers_batch]])?),
    )?;
    Ok(ctx)
}

/// The host's names for segql's model (LANGUAGE.md §8), as a schema mapping
/// file would say them.
fn mapping() -> Result<SchemaMapping, Error> {
    Ok(segql::engine::mapping::parse(
        r#"
        [events]
        user_id = "visitor"
        timestamp = "at"
        event_type = "kind"
        name = "target"
        session_id = "visit"
        [users]
        user_id = "visitor"
        [event_types]
        view = "page_view"
        "#,
    )?)
}

/// Compiles segql text into a plan, or the rendered diagnostics.
fn compile(
    text: &str,
    catalog: &segql::TableCatalog,
    options: &CompileOptions,
) -> Result<datafusion::logical_expr::LogicalPlan, Error> {
    segql::compile(text, catalog, options).map_err(|diagnostics| {
        let rendered: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                segql::render::render(d, "<segql>", text, segql::render::ErrorFormat::Plain, false)
            })
            .collect();
        rendered.join("\n").into()
    })
}

/// Everything the example does, as the text it prints.
pub async fn report() -> Result<String, Error> {
    let ctx = host_session()?;
    let names = TableNames {
        events: "clicks".into(),
        users: "customers".into(),
        accounts: "accounts".into(),
    };
    let catalog = segql::catalog_from_context(&ctx, &names, mapping()?).await?;
    // `now` fixed, so `during last 30 days` means the same every day.
    let options = CompileOptions::new().with_now_micros((MARCH_FIRST + 24 * 60 * MINUTE) * 1000);
    let mut out = String::new();

    // 1. A segment, run in the host's own context.
    let abandoners = r#"users who viewed "/cart" then not action "CHECKOUT" within session"#;
    let plan = compile(abandoners, &catalog, &options)?;
    let members = ctx.execute_logical_plan(plan).await?.collect().await?;
    out += &format!("{abandoners}\n{}\n\n", pretty_format_batches(&members)?);

    // 2. The same segment's keys joined with the host's own SQL: the
    //    lifetime value of premium customers who abandoned a cart.
    let keys =
        segql::compile_members(abandoners, &catalog, &options).map_err(|d| d[0].message.clone())?;
    ctx.register_table(
        "abandoners",
        Arc::new(datafusion::datasource::view::ViewTable::new(keys, None)),
    )?;
    let joined = ctx
        .sql(
            "SELECT c.visitor, c.ltv FROM customers c \
             JOIN abandoners a ON a.user_id = c.visitor \
             WHERE c.plan = 'premium' ORDER BY c.visitor",
        )
        .await?
        .collect()
        .await?;
    out += &format!(
        "premium customers who abandoned a cart (host SQL over the segment)\n{}\n\n",
        pretty_format_batches(&joined)?
    );

    // 3. A funnel with the native operators, opted into by the host.
    let native = options.clone().native(&ctx);
    let funnel =
        r#"funnel viewed "/home" then viewed "/cart" then action "CHECKOUT" within 1 hour"#;
    let plan = compile(funnel, &catalog, &native)?;
    let steps = ctx.execute_logical_plan(plan).await?.collect().await?;
    out += &format!("{funnel}\n{}\n", pretty_format_batches(&steps)?);
    Ok(out)
}

#[tokio::main]
async fn main() {
    match report().await {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

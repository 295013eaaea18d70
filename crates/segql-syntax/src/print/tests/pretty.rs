//! The pretty form (`{:#}`): one line when it fits, else broken before
//! each top-level `then`/`and`/`or`, `where` and analysis clause.

use super::*;

#[test]
fn pretty_short_statement_stays_on_one_line() {
    let s = stmt(StatementKind::Segment(users_who(cview("/a"))));
    assert_eq!(format!("{s:#}"), r#"users who viewed "/a""#);
}

#[test]
fn pretty_breaks_condition_where_and_range() {
    let long = "/a/very/long/path/that/goes/on/and/on";
    let b = {
        let mut b = behavior(vec![
            seq(false, viewed(long)),
            seq(true, with(action("CHECKOUT"), patom(eq("a", lnum("1"))))),
        ]);
        b.within = Some(within(WithinKind::Session));
        cbeh(b)
    };
    let condition = cond(ConditionKind::Or(vec![
        cond(ConditionKind::And(vec![
            b,
            cprofile(eq("plan", lstr("pro")), true),
            cond(ConditionKind::Group {
                inner: Box::new(cond(ConditionKind::Or(vec![cview("/x"), cview("/y")]))),
                range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
            }),
        ])),
        cond(ConditionKind::Not(Box::new(caction("b")))),
    ]));
    let segment = Segment {
        body: SegmentBody::Who {
            condition,
            filter: Some(pred(PredKind::And(vec![
                patom(eq("country", lstr("BR"))),
                patom(eq("device", lstr("mobile"))),
            ]))),
            range: Some(last(LastForm::DuringLast, Some(30), Unit::Day)),
        },
        ..users_who(cview("/a"))
    };
    let s = stmt(StatementKind::Define(SegmentDef {
        name: id("long_one"),
        segment,
    }));
    let expected = r#"segment long_one = users who viewed "/a/very/long/path/that/goes/on/and/on"
    then not action "CHECKOUT" with a = 1 within session
    and have plan = "pro"
    and (viewed "/x" or viewed "/y") during last 7 days
    or not action "b"
    where country = "BR" and device = "mobile"
    during last 30 days"#;
    assert_eq!(format!("{s:#}"), expected);
    assert_eq!(s.to_string(), expected.replace("\n    ", " "));
}

#[test]
fn pretty_breaks_at_exactly_the_width() {
    // 88 columns stay on one line, 89 break.
    let prefix = r#"users who viewed ""#.len() + r#"" and action "b""#.len();
    for (width, lines) in [(88, 1), (89, 2)] {
        let name = "x".repeat(width - prefix);
        let s = stmt(StatementKind::Segment(users_who(cond(ConditionKind::And(
            vec![cview(&name), caction("b")],
        )))));
        assert_eq!(s.to_string().len(), width);
        assert_eq!(format!("{s:#}").lines().count(), lines);
    }
}

#[test]
fn pretty_breaks_analysis_clauses() {
    let f = stmt(StatementKind::Funnel(funnel_example()));
    assert_eq!(
        format!("{f:#}"),
        r#"funnel viewed "/cart"
    then action "CHECKOUT"
    then not error
    within 1 day
    holding product_id
    every week
    for premium
    compare seg1, (users who have plan = "premium")
    by device
    during last 7 days"#
    );

    let r = stmt(StatementKind::Retention(retention_example()));
    assert_eq!(
        format!("{r:#}"),
        r#"retention action "signup" returning any event
    every week
    periods 8
    for (users who have plan = "premium")
    by device
    since 2026-01-01"#
    );

    let p = stmt(StatementKind::Paths(paths_example(
        "/cart/with/a/long/name",
        "/checkout/with/a/long/name",
    )));
    assert_eq!(
        format!("{p:#}"),
        r#"paths from viewed "/cart/with/a/long/name" to viewed "/checkout/with/a/long/name"
    depth 4
    top 5
    clean like "/product/%" as "/product/*",
    like "/c_t/%" as "/category"
    for x
    in the last 2 weeks"#
    );

    let e = stmt(StatementKind::Explore(explore_example(
        vec![MeasureKind::Users, MeasureKind::Count(viewed("/cart"))],
        "premium_users",
        range(RangeKind::Between(date("2026-01-01"), date("2026-02-01"))),
    )));
    assert_eq!(
        format!("{e:#}"),
        r#"explore users, count(viewed "/cart")
    by device, country
    every 1 day
    for premium_users
    top 5
    between 2026-01-01 and 2026-02-01"#
    );
}

#[test]
fn program_display() {
    let program = Program {
        statements: vec![
            stmt(StatementKind::Segment(users_who(cview("/a")))),
            stmt(StatementKind::Paths(Paths {
                depth: Some(3),
                ..paths_bare()
            })),
        ],
        comments: vec![],
    };
    assert_eq!(
        program.to_string(),
        "users who viewed \"/a\";\npaths depth 3;\n"
    );
}

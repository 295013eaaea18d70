//! The one-line canonical text of every node.

use super::*;

// ----- leaves ----------------------------------------------------------

#[test]
fn printer_identifiers() {
    assert_eq!(id("plan").to_string(), "plan");
    assert_eq!(id("_x9").to_string(), "_x9");
    assert_eq!(id("geo.country").to_string(), "geo.country");
    assert_eq!(qid("geo.country").to_string(), "`geo.country`");
    assert_eq!(qid("plan").to_string(), "`plan`");
    assert_eq!(id("@usr.id").to_string(), "`@usr.id`");
    assert_eq!(id("odd`name").to_string(), "`odd``name`");
    assert_eq!(id("9lives").to_string(), "`9lives`");
    assert_eq!(id("a b").to_string(), "`a b`");
    assert_eq!(id("a..b").to_string(), "`a..b`");
    assert_eq!(id("a.").to_string(), "`a.`");
    assert_eq!(id("événement").to_string(), "`événement`");
    // Reserved words, in any case, as the first part of a name; later
    // dotted parts are read as part of the name.
    assert_eq!(id("event").to_string(), "`event`");
    assert_eq!(id("AND").to_string(), "`AND`");
    assert_eq!(id("geo.in").to_string(), "geo.in");
    assert_eq!(id("null.x").to_string(), "`null.x`");
    // Contextual keywords stay bare.
    assert_eq!(id("users").to_string(), "users");
    assert_eq!(id("session").to_string(), "session");
    assert_eq!(id("events.index").to_string(), "events.index");
}

#[test]
fn printer_strings_and_literals() {
    assert_eq!(st("/cart").to_string(), r#""/cart""#);
    assert_eq!(
        st("a\"b\\c\nd\te\r").to_string(),
        "\"a\\\"b\\\\c\\nd\\te\r\""
    );
    assert_eq!(st("").to_string(), r#""""#);
    assert_eq!(st("ünï €").to_string(), "\"ünï €\"");
    assert_eq!(lstr("x").to_string(), r#""x""#);
    assert_eq!(lnum("1e6").to_string(), "1e6");
    assert_eq!(lnum("-2.50").to_string(), "-2.50");
    assert_eq!(
        lit(LiteralKind::Date(date("2026-01-31T10:00:00Z"))).to_string(),
        "2026-01-31T10:00:00Z"
    );
    assert_eq!(lit(LiteralKind::Bool(true)).to_string(), "true");
    assert_eq!(lit(LiteralKind::Bool(false)).to_string(), "false");
    assert_eq!(lit(LiteralKind::Null).to_string(), "null");
    for (op, text) in [
        (CmpOp::Eq, "="),
        (CmpOp::NotEq, "!="),
        (CmpOp::Lt, "<"),
        (CmpOp::LtEq, "<="),
        (CmpOp::Gt, ">"),
        (CmpOp::GtEq, ">="),
    ] {
        assert_eq!(op.to_string(), text);
    }
}

#[test]
fn printer_durations_counts_withins() {
    assert_eq!(dur(30, Unit::Minute).to_string(), "30 minutes");
    assert_eq!(dur(1, Unit::Hour).to_string(), "1 hour");
    assert_eq!(dur(0, Unit::Second).to_string(), "0 seconds");
    assert_eq!(dur(2, Unit::Week).to_string(), "2 weeks");
    assert_eq!(dur(1, Unit::Day).to_string(), "1 day");
    assert_eq!(within(WithinKind::Session).to_string(), "within session");
    assert_eq!(
        within(WithinKind::Duration(dur(10, Unit::Minute))).to_string(),
        "within 10 minutes"
    );
    assert_eq!(count(CountKind::AtLeast(3)).to_string(), "at least 3 times");
    assert_eq!(count(CountKind::AtLeast(1)).to_string(), "at least 1 time");
    assert_eq!(count(CountKind::AtMost(0)).to_string(), "at most 0 times");
    assert_eq!(count(CountKind::Exactly(1)).to_string(), "exactly 1 time");
    let aggregate = |func, op, value| {
        count(CountKind::Aggregate {
            func,
            column: id("amount"),
            op,
            value: num(value),
        })
        .to_string()
    };
    for (func, op, value, text) in [
        (AggregateFunc::Total, CmpOp::Gt, "100", "total amount > 100"),
        (
            AggregateFunc::Average,
            CmpOp::LtEq,
            "2.5",
            "average amount <= 2.5",
        ),
        (AggregateFunc::Min, CmpOp::GtEq, "-3", "min amount >= -3"),
        (AggregateFunc::Max, CmpOp::NotEq, "1e6", "max amount != 1e6"),
    ] {
        assert_eq!(aggregate(func, op, value), text);
    }
}

#[test]
fn printer_ranges() {
    use LastForm::*;
    for (r, text) in [
        (last(DuringLast, Some(7), Unit::Day), "during last 7 days"),
        (last(DuringPast, Some(2), Unit::Week), "during past 2 weeks"),
        (
            last(DuringLast, Some(1), Unit::Month),
            "during last 1 month",
        ),
        (last(InThePast, None, Unit::Week), "in the past week"),
        (last(InThePast, Some(3), Unit::Day), "in the past 3 days"),
        (last(InThePast, Some(1), Unit::Day), "in the past 1 day"),
        (last(InTheLast, None, Unit::Month), "in the last month"),
        (
            last(InTheLast, Some(12), Unit::Hour),
            "in the last 12 hours",
        ),
        // Never produced by the parser; printed as valid text.
        (last(DuringLast, None, Unit::Day), "during last 1 day"),
        (
            range(RangeKind::Since(date("2026-01-01"))),
            "since 2026-01-01",
        ),
        (
            range(RangeKind::Before(date("2026-01-31T10:00:00Z"))),
            "before 2026-01-31T10:00:00Z",
        ),
        (
            range(RangeKind::Between(date("2026-01-01"), date("2026-02-01"))),
            "between 2026-01-01 and 2026-02-01",
        ),
    ] {
        assert_eq!(r.to_string(), text);
    }
}

#[test]
fn printer_atoms_and_preds() {
    let cases = [
        (eq("plan", lstr("premium")), r#"plan = "premium""#),
        (
            atom(
                "amount",
                AtomKind::Compare {
                    op: CmpOp::GtEq,
                    value: lnum("10"),
                },
            ),
            "amount >= 10",
        ),
        (
            atom(
                "plan",
                AtomKind::InList {
                    negated: true,
                    values: vec![lstr("a"), lstr("b")],
                },
            ),
            r#"plan not in ("a", "b")"#,
        ),
        (
            atom(
                "n",
                AtomKind::InList {
                    negated: false,
                    values: vec![lnum("1")],
                },
            ),
            "n in (1)",
        ),
        (
            atom("email", AtomKind::IsNull { negated: true }),
            "email is not null",
        ),
        (
            atom("email", AtomKind::IsNull { negated: false }),
            "email is null",
        ),
        (
            atom(
                "url",
                AtomKind::Like {
                    negated: true,
                    pattern: st("x%"),
                },
            ),
            r#"url not like "x%""#,
        ),
        (
            atom(
                "url",
                AtomKind::Like {
                    negated: false,
                    pattern: st("x%"),
                },
            ),
            r#"url like "x%""#,
        ),
        (
            atom(
                "age",
                AtomKind::Between {
                    low: lnum("18"),
                    high: lnum("30"),
                },
            ),
            "age between 18 and 30",
        ),
        (
            atom(
                "start_date",
                AtomKind::InThePast {
                    last: false,
                    count: Some(7),
                    unit: Unit::Day,
                },
            ),
            "start_date in the past 7 days",
        ),
        (
            atom(
                "start_date",
                AtomKind::InThePast {
                    last: true,
                    count: None,
                    unit: Unit::Week,
                },
            ),
            "start_date in the last week",
        ),
        (
            atom("name", AtomKind::Contains { needle: st("x") }),
            r#"name contains "x""#,
        ),
        (
            Atom {
                column: id("where"),
                ..eq("x", lit(LiteralKind::Null))
            },
            "`where` = null",
        ),
    ];
    for (a, text) in cases {
        assert_eq!(a.to_string(), text);
    }

    let a = patom(eq("a", lnum("1")));
    let b = patom(eq("b", lnum("2")));
    let c = patom(eq("c", lnum("3")));
    let p = pred(PredKind::Or(vec![
        pred(PredKind::And(vec![a.clone(), b.clone()])),
        pred(PredKind::Not(Box::new(pred(PredKind::Group(Box::new(
            pred(PredKind::Or(vec![b, c])),
        )))))),
    ]));
    assert_eq!(p.to_string(), "a = 1 and b = 2 or not (b = 2 or c = 3)");
    assert_eq!(pred(PredKind::Not(Box::new(a))).to_string(), "not a = 1");
}

#[test]
fn printer_events_and_steps() {
    let cases = [
        (viewed("/cart"), r#"viewed "/cart""#),
        (
            step(EventKind::Viewed(like("/product/%"))),
            r#"viewed like "/product/%""#,
        ),
        (action("CHECKOUT"), r#"action "CHECKOUT""#),
        (
            step(EventKind::Action {
                target: target("buy"),
                clicked: true,
            }),
            r#"clicked "buy""#,
        ),
        (
            step(EventKind::Action {
                target: like("b%"),
                clicked: true,
            }),
            r#"clicked like "b%""#,
        ),
        (step(EventKind::Error(None)), "error"),
        (
            step(EventKind::Error(Some(target("boom")))),
            r#"error "boom""#,
        ),
        (
            step(EventKind::Named(target("purchase"))),
            r#"event "purchase""#,
        ),
        (step(EventKind::Any), "any event"),
        (
            with(viewed("/a"), patom(eq("device", lstr("mobile")))),
            r#"viewed "/a" with device = "mobile""#,
        ),
    ];
    for (s, text) in cases {
        assert_eq!(s.to_string(), text);
    }
    assert_eq!(seq(true, action("x")).to_string(), r#"not action "x""#);
    assert_eq!(
        measure(MeasureKind::Count(viewed("/cart"))).to_string(),
        r#"count(viewed "/cart")"#
    );
    assert_eq!(measure(MeasureKind::Events).to_string(), "events");
    assert_eq!(measure(MeasureKind::Users).to_string(), "users");
    assert_eq!(measure(MeasureKind::Sessions).to_string(), "sessions");
}

#[test]
fn printer_behaviors() {
    let mut b = behavior(vec![
        seq(false, viewed("/cart")),
        seq(true, action("CHECKOUT")),
    ]);
    b.within = Some(within(WithinKind::Session));
    assert_eq!(
        b.to_string(),
        r#"viewed "/cart" then not action "CHECKOUT" within session"#
    );

    let mut b = behavior(vec![seq(false, viewed("/a"))]);
    b.performed = true;
    b.within = Some(within(WithinKind::Session));
    b.count = Some(count(CountKind::AtLeast(3)));
    b.range = Some(last(LastForm::DuringLast, Some(7), Unit::Day));
    assert_eq!(
        b.to_string(),
        r#"performed viewed "/a" at least 3 times within session during last 7 days"#
    );

    let mut b = behavior(vec![seq(false, step(EventKind::Named(target("purchase"))))]);
    b.performed = true;
    b.count = Some(count(CountKind::Aggregate {
        func: AggregateFunc::Total,
        column: id("amount"),
        op: CmpOp::Gt,
        value: num("100"),
    }));
    b.range = Some(last(LastForm::DuringLast, Some(30), Unit::Day));
    assert_eq!(
        b.to_string(),
        r#"performed event "purchase" total amount > 100 during last 30 days"#
    );

    let mut b = behavior(vec![
        seq(false, viewed("/a")),
        seq(false, with(viewed("/b"), patom(eq("x", lnum("1"))))),
        seq(false, clicked_step("c")),
    ]);
    b.within = Some(within(WithinKind::Duration(dur(30, Unit::Minute))));
    assert_eq!(
        b.to_string(),
        r#"viewed "/a" then viewed "/b" with x = 1 then clicked "c" within 30 minutes"#
    );
}

#[test]
fn printer_conditions() {
    let c = cond(ConditionKind::Or(vec![
        cond(ConditionKind::And(vec![
            cview("/a"),
            cprofile(eq("plan", lstr("pro")), true),
        ])),
        cond(ConditionKind::Not(Box::new(caction("b")))),
    ]));
    assert_eq!(
        c.to_string(),
        r#"viewed "/a" and have plan = "pro" or not action "b""#
    );

    let group = cond(ConditionKind::Group {
        inner: Box::new(cond(ConditionKind::And(vec![cview("/a"), caction("b")]))),
        range: Some(last(LastForm::DuringLast, Some(7), Unit::Day)),
    });
    assert_eq!(
        group.to_string(),
        r#"(viewed "/a" and action "b") during last 7 days"#
    );
    let group = cond(ConditionKind::Group {
        inner: Box::new(cview("/a")),
        range: None,
    });
    assert_eq!(group.to_string(), r#"(viewed "/a")"#);

    let in_segment = cond(ConditionKind::InSet(SetRef {
        kind: SetRefKind::Segment(id("premium")),
        span: sp(),
    }));
    assert_eq!(in_segment.to_string(), "in segment premium");
    let in_csv = cond(ConditionKind::InSet(SetRef {
        kind: SetRefKind::Csv {
            path: st("f.csv"),
            column: Some(st("c")),
            key: Some(CsvKey::Email),
        },
        span: sp(),
    }));
    assert_eq!(in_csv.to_string(), r#"in csv "f.csv" column "c" by email"#);
    let in_csv = cond(ConditionKind::InSet(SetRef {
        kind: SetRefKind::Csv {
            path: st("ids.csv"),
            column: None,
            key: Some(CsvKey::Id),
        },
        span: sp(),
    }));
    assert_eq!(in_csv.to_string(), r#"in csv "ids.csv" by id"#);
    assert_eq!(
        cprofile(eq("plan", lstr("pro")), false).to_string(),
        r#"plan = "pro""#
    );
}

#[test]
fn printer_segments_and_definitions() {
    let mut s = users_who(cview("/a"));
    s.body = SegmentBody::Who {
        condition: cview("/a"),
        filter: Some(patom(eq("country", lstr("BR")))),
        range: Some(last(LastForm::InThePast, None, Unit::Week)),
    };
    assert_eq!(
        s.to_string(),
        r#"users who viewed "/a" where country = "BR" in the past week"#
    );

    let s = Segment {
        audience: Audience::Accounts,
        audience_span: sp(),
        body: SegmentBody::In {
            set: SetRef {
                kind: SetRefKind::Csv {
                    path: st("f.csv"),
                    column: None,
                    key: None,
                },
                span: sp(),
            },
            filter: Some(patom(eq("arr", lnum("1000")))),
        },
        span: sp(),
    };
    assert_eq!(s.to_string(), r#"accounts in csv "f.csv" where arr = 1000"#);

    let def = stmt(StatementKind::Define(SegmentDef {
        name: id("buyers"),
        segment: users_who(caction("buy")),
    }));
    assert_eq!(
        def.to_string(),
        r#"segment buyers = users who action "buy""#
    );
    let def = stmt(StatementKind::Define(SegmentDef {
        name: id("in"),
        segment: who(Audience::Accounts, caction("buy")),
    }));
    assert_eq!(
        def.to_string(),
        r#"segment `in` = accounts who action "buy""#
    );
}

#[test]
fn printer_funnel() {
    let f = funnel_example();
    assert_eq!(
        stmt(StatementKind::Funnel(f.clone())).to_string(),
        r#"funnel viewed "/cart" then action "CHECKOUT" then not error within 1 day holding product_id every week for premium compare seg1, (users who have plan = "premium") by device during last 7 days"#
    );
    let bare = Funnel {
        steps: f.steps[..2].to_vec(),
        within: None,
        order: None,
        holding: None,
        every: None,
        scope: None,
        compare: vec![],
        by: None,
        range: None,
    };
    assert_eq!(
        bare.to_string(),
        r#"funnel viewed "/cart" then action "CHECKOUT""#
    );
    for (kind, text) in [(OrderKind::Strict, "strict"), (OrderKind::Any, "any")] {
        let ordered = Funnel {
            order: Some(FunnelOrder { kind, span: sp() }),
            ..bare.clone()
        };
        assert_eq!(
            ordered.to_string(),
            format!(r#"funnel viewed "/cart" then action "CHECKOUT" in {text} order"#)
        );
    }
}

#[test]
fn printer_retention_paths_explore() {
    let r = retention_example();
    assert_eq!(
        stmt(StatementKind::Retention(r)).to_string(),
        r#"retention action "signup" returning any event every week periods 8 for (users who have plan = "premium") by device since 2026-01-01"#
    );
    let r = Retention {
        start: action("a"),
        returning: action("b"),
        every: None,
        periods: Some(0),
        scope: None,
        by: None,
        range: None,
    };
    assert_eq!(
        r.to_string(),
        r#"retention action "a" returning action "b" periods 0"#
    );

    let p = paths_example("/cart", "/checkout");
    assert_eq!(
        p.to_string(),
        r#"paths from viewed "/cart" to viewed "/checkout" depth 4 top 5 clean like "/product/%" as "/product/*", like "/c_t/%" as "/category" for x in the last 2 weeks"#
    );
    assert_eq!(
        stmt(StatementKind::Paths(paths_bare())).to_string(),
        "paths"
    );

    let e = explore_example(
        vec![
            MeasureKind::Users,
            MeasureKind::Events,
            MeasureKind::Count(viewed("/cart")),
        ],
        "x",
        last(LastForm::DuringLast, Some(30), Unit::Day),
    );
    assert_eq!(
        stmt(StatementKind::Explore(e)).to_string(),
        r#"explore users, events, count(viewed "/cart") by device, country every 1 day for x top 5 during last 30 days"#
    );
    let e = Explore {
        measures: vec![measure(MeasureKind::Sessions)],
        by: vec![],
        every: None,
        scope: None,
        top: None,
        range: None,
    };
    assert_eq!(e.to_string(), "explore sessions");
}

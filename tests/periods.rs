//! Lifecycle and stickiness (LANGUAGE.md §12) end to end on small shops,
//! with both engines: statuses and counts worked out by hand, empty
//! periods, open ranges, `for` segments and periods across a
//! daylight-saving day.

use crate::support::{folder, run_csv_in};

/// Purchases by day: u1 on 1, 2 and 4 March; u2 on 27 February and 3
/// March; u3 on 2 March; u4 on 5 March. u4 has the pro plan.
const BUYS: &str = "\
timestamp,user_id,session_id,event_type,name
2026-03-01T10:00:00Z,u1,s1,action,buy
2026-03-02T10:00:00Z,u1,s2,action,buy
2026-03-04T23:59:59Z,u1,s3,action,buy
2026-02-27T10:00:00Z,u2,s4,action,buy
2026-03-03T00:00:00Z,u2,s5,action,buy
2026-03-02T12:00:00Z,u3,s6,action,buy
2026-03-02T12:00:00Z,u3,s6,view,/home
2026-03-05T08:00:00Z,u4,s7,action,buy
";

const USERS: &str = "user_id,plan\nu1,free\nu2,free\nu3,free\nu4,pro\n";

/// The CSV of `text` on `events` (and USERS) with both engines, which must
/// agree; `zone` is a reporting time zone.
fn run(events: &str, text: &str, zone: Option<&str>) -> String {
    let dir = folder(&[("events.csv", events), ("users.csv", USERS)]);
    let mut answers = Vec::new();
    for engine in ["native", "portable"] {
        let mut args = vec!["--data", ".", "--now", "2026-04-01", "--engine", engine];
        if let Some(zone) = zone {
            args.extend(["--time-zone", zone]);
        }
        answers.push(run_csv_in(dir.path(), &args, text));
    }
    assert_eq!(answers[0], answers[1], "the engines differ on {text}");
    answers.remove(0)
}

#[test]
fn lifecycle_statuses_per_day() {
    // 1 March: u1's first purchase. 2 March: u1 again, u3's first. 3 March:
    // u2 back after 27 February; u1 and u3 gone. 4 March: u1 back after a
    // day off; u2 gone. u4's purchase on 5 March is after the range.
    let text = r#"lifecycle action "buy" between 2026-03-01 and 2026-03-05"#;
    assert_eq!(
        run(BUYS, text, None),
        "period,status,users
2026-03-01,new,1
2026-03-01,returning,0
2026-03-01,resurrecting,0
2026-03-01,dormant,0
2026-03-02,new,1
2026-03-02,returning,1
2026-03-02,resurrecting,0
2026-03-02,dormant,0
2026-03-03,new,0
2026-03-03,returning,0
2026-03-03,resurrecting,1
2026-03-03,dormant,2
2026-03-04,new,0
2026-03-04,returning,0
2026-03-04,resurrecting,1
2026-03-04,dormant,1
"
    );
}

#[test]
fn lifecycle_reports_empty_periods_and_the_data_span_without_a_range() {
    // Nobody buys from 6 March: the first such day still counts u4 as
    // dormant, the next is all zeros.
    let text = r#"lifecycle action "buy" between 2026-03-06 and 2026-03-08"#;
    assert_eq!(
        run(BUYS, text, None),
        "period,status,users
2026-03-06,new,0
2026-03-06,returning,0
2026-03-06,resurrecting,0
2026-03-06,dormant,1
2026-03-07,new,0
2026-03-07,returning,0
2026-03-07,resurrecting,0
2026-03-07,dormant,0
"
    );
    // No range: from the week of the first purchase (23 February) to that
    // of the last (2 March). u2 (27 February) and u1 (Sunday 1 March) are
    // new in the first; in the second u3 and u4 are new, u1 and u2 return.
    let text = r#"lifecycle action "buy" every week"#;
    assert_eq!(
        run(BUYS, text, None),
        "period,status,users
2026-02-23,new,2
2026-02-23,returning,0
2026-02-23,resurrecting,0
2026-02-23,dormant,0
2026-03-02,new,2
2026-03-02,returning,2
2026-03-02,resurrecting,0
2026-03-02,dormant,0
"
    );
    // `since` ends at the last purchase's month; nothing matches: no rows.
    let text = r#"lifecycle action "buy" every month since 2026-02-15"#;
    assert_eq!(
        run(BUYS, text, None),
        "period,status,users
2026-02-01,new,1
2026-02-01,returning,0
2026-02-01,resurrecting,0
2026-02-01,dormant,0
2026-03-01,new,3
2026-03-01,returning,1
2026-03-01,resurrecting,0
2026-03-01,dormant,0
"
    );
    assert_eq!(
        run(BUYS, r#"lifecycle action "sell""#, None),
        "period,status,users\n"
    );
}

#[test]
fn lifecycle_of_a_segment_counts_only_its_actors() {
    let text = r#"lifecycle action "buy" for (users who have plan = "pro") between 2026-03-05 and 2026-03-07"#;
    assert_eq!(
        run(BUYS, text, None),
        "period,status,users
2026-03-05,new,1
2026-03-05,returning,0
2026-03-05,resurrecting,0
2026-03-05,dormant,0
2026-03-06,new,0
2026-03-06,returning,0
2026-03-06,resurrecting,0
2026-03-06,dormant,1
"
    );
}

/// u1 buys at 23:30 Berlin time on 24 October 2026 (21:30 UTC, summer
/// time) and at 00:30 on 26 October (23:30 UTC on the 25th, winter time):
/// in Berlin a day lies between them, in UTC none does.
const ACROSS_THE_CHANGE: &str = "\
timestamp,user_id,session_id,event_type,name
2026-10-24T21:30:00Z,u1,s1,action,buy
2026-10-25T23:30:00Z,u1,s2,action,buy
";

#[test]
fn lifecycle_periods_are_local_days_across_daylight_saving() {
    let text = r#"lifecycle action "buy" between 2026-10-25 and 2026-10-27"#;
    assert_eq!(
        run(ACROSS_THE_CHANGE, text, Some("Europe/Berlin")),
        "period,status,users
2026-10-25,new,0
2026-10-25,returning,0
2026-10-25,resurrecting,0
2026-10-25,dormant,1
2026-10-26,new,0
2026-10-26,returning,0
2026-10-26,resurrecting,1
2026-10-26,dormant,0
"
    );
    assert_eq!(
        run(ACROSS_THE_CHANGE, text, None),
        "period,status,users
2026-10-25,new,0
2026-10-25,returning,1
2026-10-25,resurrecting,0
2026-10-25,dormant,0
2026-10-26,new,0
2026-10-26,returning,0
2026-10-26,resurrecting,0
2026-10-26,dormant,1
"
    );
}

#[test]
fn stickiness_counts_active_periods_of_the_range() {
    // In the 4 days: u1 on 3 of them, u2 and u3 on 1; u4 buys after.
    let text = r#"stickiness action "buy" between 2026-03-01 and 2026-03-05"#;
    assert_eq!(
        run(BUYS, text, None),
        "periods,users,share
1,2,0.6666666666666666
2,0,0.0
3,1,0.3333333333333333
4,0,0.0
"
    );
    // Weeks holding an instant of [1 March, 15 March): those of 23
    // February, 2 March and 9 March. u1 buys in two of them.
    let text = r#"stickiness action "buy" every week between 2026-03-01 and 2026-03-15"#;
    assert_eq!(
        run(BUYS, text, None),
        "periods,users,share
1,3,0.75
2,1,0.25
3,0,0.0
"
    );
    // No range: 27 February to 5 March, seven days; u2 buys on two of
    // them, u3 and u4 on one.
    let text = r#"stickiness action "buy""#;
    assert_eq!(
        run(BUYS, text, None),
        "periods,users,share
1,2,0.5
2,1,0.25
3,1,0.25
4,0,0.0
5,0,0.0
6,0,0.0
7,0,0.0
"
    );
}

#[test]
fn stickiness_without_actors_shares_nothing() {
    // A bounded range keeps its rows, with a share of 0.
    let text = r#"stickiness action "buy" every month between 2026-05-01 and 2026-07-01"#;
    assert_eq!(
        run(BUYS, text, None),
        "periods,users,share\n1,0,0.0\n2,0,0.0\n"
    );
    assert_eq!(
        run(BUYS, r#"stickiness action "sell""#, None),
        "periods,users,share\n"
    );
}

use chrono::{TimeZone, Utc};

use super::*;
use crate::hours::testing::hm;

fn schedule(byday: &str, opens: &str, closes: &str) -> Schedule {
    Schedule {
        freq: Some("WEEKLY".into()),
        byday: Some(byday.into()),
        opens_at: Some(opens.into()),
        closes_at: Some(closes.into()),
        ..Schedule::default()
    }
}

fn text(description: &str) -> Schedule {
    Schedule {
        description: Some(description.into()),
        ..Schedule::default()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The only rule of some hours.
fn only_rule(hours: &Hours) -> Rule {
    match hours.rules() {
        [rule] => rule.clone(),
        other => panic!("expected one rule, got {other:?} from {hours:?}"),
    }
}

#[test]
fn a_weekly_row_is_a_rule_for_its_days() {
    let hours = parse(&[schedule("MO,TU,WE,TH,FR", "09:00", "17:00")]);
    let rule = only_rule(&hours);
    assert_eq!(rule.freq, Freq::Weekly);
    assert_eq!(
        rule.days,
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri
        ]
        .map(Day::every)
    );
    assert_eq!(
        rule.span,
        Span::Open {
            opens: hm(9, 0),
            closes: hm(17, 0)
        }
    );
    assert_eq!(
        rule,
        Rule::weekly(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ],
            rule.span
        )
    );
    // Without `freq`, days make it weekly all the same; seconds are read.
    let bare = Schedule {
        freq: None,
        ..schedule("SA", "10:00:00", "14:00:00")
    };
    assert_eq!(
        only_rule(&parse(&[bare])).span,
        Span::Open {
            opens: hm(10, 0),
            closes: hm(14, 0)
        }
    );
}

#[test]
fn monthly_ordinals_are_read_including_from_the_end() {
    let row = Schedule {
        freq: Some("MONTHLY".into()),
        ..schedule("1SA,-1FR,+2TU", "10:00", "13:00")
    };
    let rule = only_rule(&parse(&[row]));
    assert_eq!(rule.freq, Freq::Monthly);
    assert_eq!(
        rule.days,
        vec![
            Day {
                weekday: Weekday::Sat,
                nth: Some(1)
            },
            Day {
                weekday: Weekday::Fri,
                nth: Some(-1)
            },
            Day {
                weekday: Weekday::Tue,
                nth: Some(2)
            },
        ]
    );
    // An ordinal on a WEEKLY row is still an ordinal; plain days beside it stay weekly.
    let mixed = parse(&[schedule("MO,3WE", "09:00", "12:00")]);
    let freqs: Vec<Freq> = mixed.rules().iter().map(|r| r.freq).collect();
    assert_eq!(freqs, vec![Freq::Weekly, Freq::Monthly]);
    // A byday that is not one leaves the row unread, text kept.
    let bad = Schedule {
        description: Some("see website".into()),
        ..schedule("XX", "09:00", "12:00")
    };
    assert_eq!(parse(&[bad]), Hours::Unknown(vec!["see website".into()]));
}

#[test]
fn nth_weekday_of_the_month_matches_the_right_dates() {
    // March 2026: Sundays 1, 8, 15, 22, 29; Fridays 6, 13, 20, 27; Tuesdays 3 … 31.
    let first_sun = Day {
        weekday: Weekday::Sun,
        nth: Some(1),
    };
    assert!(first_sun.matches(date(2026, 3, 1)));
    assert!(!first_sun.matches(date(2026, 3, 8)));
    let last_fri = Day {
        weekday: Weekday::Fri,
        nth: Some(-1),
    };
    assert!(last_fri.matches(date(2026, 3, 27)));
    assert!(!last_fri.matches(date(2026, 3, 20)));
    let fifth_tue = Day {
        weekday: Weekday::Tue,
        nth: Some(5),
    };
    assert!(fifth_tue.matches(date(2026, 3, 31)));
    assert!(!fifth_tue.matches(date(2026, 4, 28)), "April has four");
    let second_to_last_sun = Day {
        weekday: Weekday::Sun,
        nth: Some(-2),
    };
    assert!(second_to_last_sun.matches(date(2026, 3, 22)));
    // February in a leap year.
    let last_sun_feb = Day {
        weekday: Weekday::Sun,
        nth: Some(-1),
    };
    assert!(last_sun_feb.matches(date(2028, 2, 27)));
    assert_eq!(days_in_month(date(2028, 2, 1)), 29);
    assert_eq!(days_in_month(date(2026, 12, 5)), 31);
}

#[test]
fn twenty_four_hours_midnight_and_overnight_rows() {
    assert_eq!(
        only_rule(&parse(&[schedule("MO", "00:00", "23:59")])).span,
        Span::AllDay
    );
    assert_eq!(
        only_rule(&parse(&[schedule("MO", "00:00", "00:00")])).span,
        Span::AllDay
    );
    assert_eq!(
        only_rule(&parse(&[schedule("MO", "06:00", "23:59")])).span,
        Span::Open {
            opens: hm(6, 0),
            closes: NaiveTime::MIN
        },
        "23:59 is midnight"
    );
    assert_eq!(
        only_rule(&parse(&[schedule("FR", "22:00", "06:00")])).span,
        Span::Open {
            opens: hm(22, 0),
            closes: hm(6, 0)
        }
    );
    assert_eq!(
        only_rule(&parse(&[schedule("FR", "17:00", "24:00")])).span,
        Span::Open {
            opens: hm(17, 0),
            closes: NaiveTime::MIN
        }
    );
    // Opening and closing at the same time on a regular row says nothing readable.
    assert!(matches!(
        parse(&[schedule("MO", "09:00", "09:00")]),
        Hours::Unknown(_)
    ));
}

#[test]
fn split_shifts_are_several_rows() {
    let hours = parse(&[
        schedule("MO,TU", "09:00", "12:00"),
        schedule("MO,TU", "13:00", "17:00"),
        schedule("MO,TU", "09:00", "12:00"),
    ]);
    assert_eq!(hours.rules().len(), 2, "repeats are dropped");
}

#[test]
fn offsets_and_zones_on_rows() {
    let with = |opens: &str, closes: &str, tz: Option<&str>| {
        only_rule(&parse(&[Schedule {
            timezone: tz.map(str::to_owned),
            ..schedule("MO", opens, closes)
        }]))
        .zone
    };
    let east = |h: i32| {
        Zone::Fixed(FixedOffset::east_opt(h * 3600).unwrap_or_else(|| panic!("offset {h}")))
    };
    assert_eq!(with("09:00", "17:00", None), Zone::Local);
    assert_eq!(with("09:00Z", "17:00Z", None), east(0));
    assert_eq!(with("09:00-05:00", "17:00-05:00", None), east(-5));
    assert_eq!(with("09:00:00+01:00", "17:00:00+01:00", None), east(1));
    // The importer moves an offset written with the times into `timezone`.
    assert_eq!(with("09:00", "17:00", Some("-05:00")), east(-5));
    assert_eq!(with("09:00", "17:00", Some("UTC")), east(0));
    // HSDS 3.0 writes `timezone` as a number of hours.
    assert_eq!(with("09:00", "17:00", Some("-6")), east(-6));
    assert_eq!(
        with("09:00", "17:00", Some("America/Chicago")),
        Zone::Named(Tz::America__Chicago)
    );
    // A zone that is none of these leaves the row unread.
    assert!(matches!(
        parse(&[Schedule {
            timezone: Some("Mars/Olympus".into()),
            ..schedule("MO", "09:00", "17:00")
        }]),
        Hours::Unknown(_)
    ));
}

#[test]
fn holiday_rows_close_their_days() {
    let regular = schedule("MO,TU,WE,TH,FR", "09:00", "17:00");
    let dated = |opens: Option<&str>, closes: Option<&str>, description: Option<&str>| Schedule {
        freq: None,
        byday: None,
        opens_at: opens.map(str::to_owned),
        closes_at: closes.map(str::to_owned),
        valid_from: Some("2025-12-25".into()),
        valid_to: Some("2025-12-25".into()),
        description: description.map(str::to_owned),
        ..Schedule::default()
    };
    for holiday in [
        dated(None, None, None),
        dated(Some("09:00"), Some("09:00"), None),
        dated(None, None, Some("Closed for Christmas")),
        dated(None, None, Some("Christmas Day")),
        dated(Some("00:00"), Some("00:00"), None),
    ] {
        let hours = parse(&[regular.clone(), holiday.clone()]);
        let closing = hours
            .rules()
            .iter()
            .find(|r| r.is_dated())
            .unwrap_or_else(|| panic!("{holiday:?}: {hours:?}"));
        assert_eq!(closing.span, Span::Closed(None), "{holiday:?}");
        assert!(closing.days.is_empty(), "every day of its range");
        assert_eq!(
            closing.window(),
            (Some(date(2025, 12, 25)), Some(date(2025, 12, 25)))
        );
    }
    // Special hours on a holiday: the dated row gives that day's hours.
    let eve = dated(Some("09:00"), Some("12:00"), Some("Christmas Eve"));
    let hours = parse(&[regular, eve]);
    assert!(hours.rules().iter().any(|r| r.is_dated()
        && r.span
            == Span::Open {
                opens: hm(9, 0),
                closes: hm(12, 0)
            }));
    // A summer closure over a long range, said in words.
    let summer = Schedule {
        valid_from: Some("2026-06-01".into()),
        valid_to: Some("2026-08-31".into()),
        description: Some("Closed for the summer".into()),
        ..Schedule::default()
    };
    let rule = only_rule(&parse(&[summer]));
    assert_eq!(rule.span, Span::Closed(None));
    assert!(!rule.is_dated(), "92 days is a season, not a holiday");
    // A lunch closing on a row with times.
    let lunch = Schedule {
        description: Some("Closed for lunch".into()),
        ..schedule("MO,TU,WE,TH,FR", "12:00", "13:00")
    };
    assert_eq!(
        only_rule(&parse(&[lunch])).span,
        Span::Closed(Some((hm(12, 0), hm(13, 0))))
    );
}

#[test]
fn interval_dtstart_and_until_are_read_from_full_rows() {
    let row = Row {
        freq: Some("WEEKLY"),
        byday: Some("MO"),
        opens_at: Some("10:00"),
        closes_at: Some("12:00"),
        interval: Some("2"),
        dtstart: Some("2026-01-05"),
        until: Some("2026-12-31"),
        ..Row::default()
    };
    let rule = only_rule(&parse_rows(&[row]));
    assert_eq!(rule.interval, 2);
    assert_eq!(rule.dtstart, Some(date(2026, 1, 5)));
    assert_eq!(rule.valid_to, Some(date(2026, 12, 31)));
    assert!(!rule.uncertain);
    assert!(rule.holds_on(date(2026, 1, 5)));
    assert!(!rule.holds_on(date(2026, 1, 12)));
    assert!(rule.holds_on(date(2026, 1, 19)));
    assert!(!rule.holds_on(date(2025, 12, 22)), "nothing before dtstart");
    assert!(!rule.holds_on(date(2027, 1, 4)), "nothing after until");
    // Without dtstart the weeks are not known.
    let unanchored = Row {
        dtstart: None,
        ..row
    };
    assert!(only_rule(&parse_rows(&[unanchored])).uncertain);
    // A weekly rule without byday holds on dtstart's weekday (RRULE).
    let by_start = Row { byday: None, ..row };
    assert_eq!(
        only_rule(&parse_rows(&[by_start])).days,
        vec![Day::every(Weekday::Mon)]
    );
    // Every other month on the first Saturday.
    let monthly = Row {
        freq: Some("MONTHLY"),
        byday: Some("1SA"),
        interval: Some("2"),
        dtstart: Some("2026-01-03"),
        until: None,
        ..row
    };
    let rule = only_rule(&parse_rows(&[monthly]));
    assert!(rule.holds_on(date(2026, 1, 3)));
    assert!(!rule.holds_on(date(2026, 2, 7)));
    assert!(rule.holds_on(date(2026, 3, 7)));
    let bad = Row {
        interval: Some("0"),
        ..row
    };
    assert!(matches!(parse_rows(&[bad]), Hours::Unknown(_)));
}

#[test]
fn rows_with_text_only_are_read_as_text() {
    let hours = parse(&[text("9:00am-5:00pm, Mon-Fri")]);
    assert_eq!(hours.rules().len(), 1);
    assert_eq!(
        parse(&[text("By appointment only")]),
        Hours::ByAppointment("By appointment only".into())
    );
    assert_eq!(
        parse(&[text("Call for hours")]),
        Hours::Unknown(vec!["Call for hours".into()])
    );
    assert_eq!(parse(&[]), Hours::Unknown(vec![]));
    // Text that cannot be read is kept as written, beside rows that can.
    let mixed = parse(&[
        schedule("MO", "09:00", "17:00"),
        text("Hours vary in the summer"),
    ]);
    assert_eq!(
        mixed,
        Hours::Known {
            rules: vec![Rule::weekly(
                &[Weekday::Mon],
                Span::Open {
                    opens: hm(9, 0),
                    closes: hm(17, 0)
                }
            )],
            notes: vec!["Hours vary in the summer".into()],
        }
    );
}

/// Regression shape from the Miami 1.x data: a weekday row whose times were blank,
/// beside rows with times; its text (the whole service's hours) gives that day.
#[test]
fn a_day_without_times_takes_them_from_its_text() {
    let all = "9:00am–6:00pm, Mon-Fri;\n10:00am-2:00pm, Sat";
    let weekdays = Schedule {
        description: Some(all.into()),
        ..schedule("MO,TU,WE,TH,FR", "09:00", "18:00")
    };
    let saturday = Schedule {
        opens_at: None,
        closes_at: None,
        description: Some(all.into()),
        ..schedule("SA", "", "")
    };
    let hours = parse(&[weekdays, saturday]);
    assert!(
        hours.rules().contains(&Rule::weekly(
            &[Weekday::Sat],
            Span::Open {
                opens: hm(10, 0),
                closes: hm(14, 0)
            }
        )),
        "{hours:?}"
    );
    // When the text says nothing readable, the day is open at times not given.
    let unknown = Schedule {
        opens_at: None,
        closes_at: None,
        description: Some("Mobile Team: see flyer".into()),
        ..schedule("TU", "", "")
    };
    assert_eq!(only_rule(&parse(&[unknown])).span, Span::Unknown);
    // Only an opening time: something starts then.
    let start = Schedule {
        closes_at: None,
        ..schedule("TU", "19:00", "")
    };
    assert_eq!(only_rule(&parse(&[start])).span, Span::Starts(hm(19, 0)));
}

#[test]
fn dates_and_offsets_in_their_written_forms() {
    assert_eq!(parse_date("2025-12-25"), Some(date(2025, 12, 25)));
    assert_eq!(parse_date("2025-12-25T00:00:00Z"), Some(date(2025, 12, 25)));
    assert_eq!(parse_date("6/27/2017"), Some(date(2017, 6, 27)));
    assert_eq!(parse_date("06/27/17"), Some(date(2017, 6, 27)));
    assert_eq!(parse_date("13/45/2017"), None);
    assert_eq!(parse_date("soon"), None);
    let secs = |o: Option<FixedOffset>| o.map(|o| o.local_minus_utc());
    assert_eq!(secs(parse_offset("-05:00")), Some(-5 * 3600));
    assert_eq!(secs(parse_offset("+0530")), Some(5 * 3600 + 1800));
    assert_eq!(secs(parse_offset("3")), Some(3 * 3600));
    assert_eq!(secs(parse_offset("-4.5")), Some(-4 * 3600 - 1800));
    assert_eq!(parse_offset("+15:00"), None);
    assert_eq!(parse_offset("NaN"), None);
    assert_eq!(
        parse_row_time("10:00:00-05:00").map(|(t, o)| (t, secs(o))),
        Some((hm(10, 0), Some(-5 * 3600)))
    );
    assert_eq!(parse_row_time("9:30am").map(|(t, _)| t), Some(hm(9, 30)));
    assert_eq!(parse_row_time("25:00"), None);
}

// ---------------------------------------------------------------------------
// The bundled data
// ---------------------------------------------------------------------------

/// How one location's schedules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Outcome {
    /// Rules with every time known.
    Full,
    /// Rules, some days with times not given (or weeks not said).
    Partial,
    Appointment,
    Unread,
}

fn outcome(hours: &Hours) -> Outcome {
    match hours {
        Hours::Known { rules, .. } => {
            let vague = rules
                .iter()
                .any(|r| r.uncertain || matches!(r.span, Span::Unknown | Span::Starts(_)));
            if vague {
                Outcome::Partial
            } else {
                Outcome::Full
            }
        }
        Hours::ByAppointment(_) => Outcome::Appointment,
        Hours::Unknown(_) => Outcome::Unread,
    }
}

/// The shape of a text: digits as 9, spaces squeezed, cut to 60 characters.
fn shape(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        let c = if c.is_ascii_digit() {
            '9'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out.chars().take(60).collect()
}

/// Every location's schedules in the bundled data (a Miami service's own rows
/// stand for its locations), read and evaluated without a panic; prints the
/// share read per dataset and the commonest shapes of text that was not read.
/// `HEARTH_HOURS_DUMP=file` writes each location's text, summary and outcome,
/// and `HEARTH_HOURS_UNREAD=file` every unread shape with its count.
#[test]
fn every_bundled_schedule_is_read_without_panic() {
    use std::collections::BTreeMap;

    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let gazetteer = crate::geo::Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}"));
    let categories = crate::import::CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}"));
    let ctx = crate::import::ImportContext {
        gazetteer: &gazetteer,
        categories: &categories,
    };
    let instant = Utc.with_ymd_and_hms(2026, 3, 4, 17, 30, 0).single();
    let instant = instant.unwrap_or_else(|| panic!("a valid instant"));
    let mut counts: BTreeMap<String, BTreeMap<Outcome, usize>> = BTreeMap::new();
    let mut unread_shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = (0usize, 0usize);
    // Locations whose state at the instant is neither open nor closed.
    let mut not_known: BTreeMap<String, usize> = BTreeMap::new();
    let mut dump = std::env::var("HEARTH_HOURS_DUMP")
        .ok()
        .map(|_| String::new());
    for path in crate::import::bundled_sources(&data).unwrap_or_else(|e| panic!("{e}")) {
        let parsed = crate::import::read_source(ctx, &path, None).unwrap_or_else(|e| panic!("{e}"));
        for service in &parsed.services {
            for location in &service.locations {
                let rows = if location.schedules.is_empty() {
                    &service.schedules
                } else {
                    &location.schedules
                };
                if rows.is_empty() {
                    continue;
                }
                let hours = parse(rows);
                let (lat, lon) = location.point().unwrap_or((f64::NAN, f64::NAN));
                let state = location.address.as_ref().map(|a| a.state_province.as_str());
                let tz = time_zone(state, lat, lon);
                // Evaluating must not panic either, and must agree with itself.
                let state = state_at(&hours, tz, instant);
                let open = open_at(&hours, tz, instant);
                assert_eq!(
                    matches!(state, OpenState::Open { .. }),
                    open == Some(true),
                    "{hours:?}"
                );
                let lines = summary(&hours);
                if let Some(dump) = dump.as_mut() {
                    let texts: Vec<&str> = rows
                        .iter()
                        .filter_map(|r| r.description.as_deref())
                        .collect();
                    dump.push_str(&format!(
                        "{}\t{:?}\t{:?}\t{:?}\n",
                        parsed.dataset,
                        texts.first().copied().unwrap_or(""),
                        lines,
                        outcome(&hours)
                    ));
                }
                if !matches!(state, OpenState::Open { .. } | OpenState::Closed { .. }) {
                    *not_known.entry(parsed.dataset.clone()).or_default() += 1;
                }
                let kind = outcome(&hours);
                *counts
                    .entry(parsed.dataset.clone())
                    .or_default()
                    .entry(kind)
                    .or_default() += 1;
                total.0 += 1;
                if kind == Outcome::Unread {
                    for row in rows {
                        if let Some(d) = &row.description {
                            *unread_shapes.entry(shape(d)).or_default() += 1;
                        }
                    }
                } else {
                    total.1 += 1;
                }
            }
        }
    }
    println!("hours read, per dataset (locations with schedules):");
    for (dataset, outcomes) in &counts {
        let n: usize = outcomes.values().sum();
        let get = |o: Outcome| outcomes.get(&o).copied().unwrap_or(0);
        let read = n - get(Outcome::Unread);
        println!(
            "  {dataset:<24} {n:>5}  read {read:>5} ({:>5.1}%)  full {:>5}  partial {:>4}  by appointment {:>3}  unread {:>4}  not open/closed at {instant}: {:>4}",
            100.0 * read as f64 / n.max(1) as f64,
            get(Outcome::Full),
            get(Outcome::Partial),
            get(Outcome::Appointment),
            get(Outcome::Unread),
            not_known.get(dataset).copied().unwrap_or(0),
        );
    }
    println!(
        "  all: {} of {} ({:.1}%)",
        total.1,
        total.0,
        100.0 * total.1 as f64 / total.0.max(1) as f64
    );
    let mut shapes: Vec<(&String, &usize)> = unread_shapes.iter().collect();
    shapes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("commonest shapes not read:");
    for (shape, n) in shapes.iter().take(25) {
        println!("  {n:>4}  {shape:?}");
    }
    if let Ok(path) = std::env::var("HEARTH_HOURS_UNREAD") {
        let all: String = shapes.iter().map(|(s, n)| format!("{n}\t{s}\n")).collect();
        std::fs::write(path, all).unwrap_or_else(|e| panic!("{e}"));
    }
    if let (Ok(path), Some(dump)) = (std::env::var("HEARTH_HOURS_DUMP"), dump) {
        std::fs::write(path, dump).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        total.0 > 4000,
        "the bundled data has schedules: {}",
        total.0
    );
}

/// The HSDS 3.0 example schedule (`timezone` 3, valid on 2005-01-01 only): a
/// dated row in UTC+3, so in 2026 its hours are unknown, not closed.
#[test]
fn the_hsds_example_schedule_reads_as_one_dated_day() {
    let row = Schedule {
        freq: Some("WEEKLY".into()),
        byday: Some("TH,FR".into()),
        opens_at: Some("10:00".into()),
        closes_at: Some("18:00".into()),
        valid_from: Some("2005-01-01".into()),
        valid_to: Some("2005-01-01".into()),
        timezone: Some("3".into()),
        description: Some("The service is available from 10 am to 6pm weekdays.".into()),
        ..Schedule::default()
    };
    let hours = parse(&[row]);
    let rule = only_rule(&hours);
    assert!(rule.is_dated());
    assert_eq!(
        rule.zone,
        Zone::Fixed(FixedOffset::east_opt(3 * 3600).unwrap_or_else(|| panic!("offset")))
    );
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).single();
    let now = now.unwrap_or_else(|| panic!("instant"));
    assert_eq!(
        state_at(&hours, Tz::Europe__London, now),
        OpenState::Unknown
    );
}

/// HSDS 3.0 `interval` with `dtstart`, carried by the stored schedule row: every
/// other Monday from 5 January 2026, and `until` ends it.
#[test]
fn stored_rows_keep_interval_dtstart_and_until() {
    let row = Schedule {
        freq: Some("WEEKLY".into()),
        byday: Some("MO".into()),
        opens_at: Some("09:00".into()),
        closes_at: Some("12:00".into()),
        dtstart: Some("2026-01-05".into()),
        until: Some("2026-03-02".into()),
        interval: Some("2".into()),
        ..Schedule::default()
    };
    let hours = parse(&[row]);
    let tz = Tz::America__New_York;
    let at = |d: u32, m: u32| {
        let local = tz
            .with_ymd_and_hms(2026, m, d, 10, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("instant"));
        crate::hours::open_at(&hours, tz, local.with_timezone(&Utc))
    };
    assert_eq!(at(5, 1), Some(true), "the first Monday");
    assert_eq!(at(12, 1), Some(false), "the week between");
    assert_eq!(at(19, 1), Some(true), "two weeks on");
    assert_eq!(at(2, 3), Some(true), "the until day itself");
    assert_ne!(at(16, 3), Some(true), "after until");
}

/// Miami's mobile crisis team: weekday rows on Mon, Tue, Wed and Fri all carry
/// one text whose first part says "24 hours a day, 7 days a week"; that part
/// holds on every day, not only on the rows' days.
#[test]
fn seven_days_a_week_in_the_text_outranks_the_rows_days() {
    let row = Schedule {
        freq: Some("WEEKLY".into()),
        byday: Some("MO,TU,WE,FR".into()),
        description: Some(
            "Mobile Team:\n24 hours a day, 7 days a week\n\nOutpatient Hours:\n8:30am-5:00pm, Tue, Fri;\n8:30am-8:00pm, Mon, Wed, Thur, Fri".into(),
        ),
        ..Schedule::default()
    };
    let hours = parse(&[row]);
    let tz = Tz::America__New_York;
    let saturday = tz
        .with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("instant"));
    assert_eq!(
        crate::hours::open_at(&hours, tz, saturday.with_timezone(&Utc)),
        Some(true)
    );
    // A row limited to some days with a text that gives no days keeps to them.
    let limited = Schedule {
        byday: Some("MO".into()),
        description: Some("9:00am-5:00pm".into()),
        ..Schedule::default()
    };
    let hours = parse(&[limited]);
    assert_eq!(
        crate::hours::open_at(&hours, tz, saturday.with_timezone(&Utc)),
        Some(false)
    );
}

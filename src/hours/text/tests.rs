use chrono::{NaiveDate, Weekday};

use super::*;
use crate::hours::Zone;
use crate::hours::testing::{hm, open};

use Weekday::*;

fn rules(text: &str) -> Vec<Rule> {
    match parse(text) {
        Reading::Rules(rules) => rules,
        other => panic!("{text:?} was not read: {other:?}"),
    }
}

/// (weekdays, span) for each weekly rule, in order.
fn weekly(text: &str) -> Vec<(Vec<Weekday>, Span)> {
    rules(text)
        .into_iter()
        .map(|r| {
            assert_eq!(r.freq, Freq::Weekly, "{text:?}: {r:?}");
            assert!(!r.uncertain, "{text:?}: {r:?}");
            (r.days.iter().map(|d| d.weekday).collect(), r.span)
        })
        .collect()
}

const MON_FRI: [Weekday; 5] = [Mon, Tue, Wed, Thu, Fri];
const EVERY_DAY: [Weekday; 7] = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];

#[test]
fn the_forms_people_write_most() {
    let nine_to_five = vec![(MON_FRI.to_vec(), open((9, 0), (17, 0)))];
    for text in [
        "9:00am-5:00pm, Mon-Fri",
        "Mon-Fri 9am-5pm",
        "Mon - Fri 9 am - 5 pm",
        "Monday-Friday 9am-5pm",
        "Monday through Friday, 9:00 a.m. to 5:00 p.m.",
        "M-F 9-5",
        "Weekdays 9-5",
        "MON-FRI: 09:00-17:00",
        "Monday - Friday: 9 AM - 5 PM",
        "Every Monday - Friday 9:00AM - 5:00PM",
        "9:00amGÇô5:00pm, Mon-Fri",
        "Mon–Fri 9:00 AM–5:00 PM",
        "Monday-Friday 0900-1700",
    ] {
        assert_eq!(weekly(text), nine_to_five, "{text:?}");
    }
    assert_eq!(
        weekly("Mon - Fri 8:30 am - 5 pm"),
        vec![(MON_FRI.to_vec(), open((8, 30), (17, 0)))]
    );
}

#[test]
fn several_clauses_and_split_shifts() {
    assert_eq!(
        weekly("Monday-Friday 9am-5pm; Saturday 10am-2pm"),
        vec![
            (MON_FRI.to_vec(), open((9, 0), (17, 0))),
            (vec![Sat], open((10, 0), (14, 0))),
        ]
    );
    // Times first, as 211 exports write them, across lines.
    assert_eq!(
        weekly("9:00am-4:00pm, Mon, Tue, Thur, Fri;\n9:00am-12:00pm, Wed"),
        vec![
            (vec![Mon, Tue, Thu, Fri], open((9, 0), (16, 0))),
            (vec![Wed], open((9, 0), (12, 0))),
        ]
    );
    assert_eq!(
        weekly("9:00am-1:00pm / 2:00pm-6:00pm, Tue, Wed, Thur"),
        vec![
            (vec![Tue, Wed, Thu], open((9, 0), (13, 0))),
            (vec![Tue, Wed, Thu], open((14, 0), (18, 0))),
        ]
    );
    assert_eq!(
        weekly("Wednesdays and Fridays:\n\n9 AM - 11:30 AM\n\n1 PM - 3 PM"),
        vec![
            (vec![Wed, Fri], open((9, 0), (11, 30))),
            (vec![Wed, Fri], open((13, 0), (15, 0))),
        ]
    );
    assert_eq!(
        weekly("Monday 10am-12pm, Tuesday and Wednesday 1pm-3pm"),
        vec![
            (vec![Mon], open((10, 0), (12, 0))),
            (vec![Tue, Wed], open((13, 0), (15, 0))),
        ]
    );
    // Times glued together by a scraper, and seconds.
    assert_eq!(
        weekly("Wednesday: 8:00 AM - 9:00 AM4:30 PM - 5:30 PM"),
        vec![
            (vec![Wed], open((8, 0), (9, 0))),
            (vec![Wed], open((16, 30), (17, 30))),
        ]
    );
    assert_eq!(
        weekly("Tuesday 10:00:00 AM 12:00:00 PM"),
        vec![(vec![Tue], open((10, 0), (12, 0)))]
    );
    // Days wrapping round the week.
    assert_eq!(
        weekly("9:00am-5:00pm, Mon, Wed-Sun"),
        vec![(vec![Mon, Wed, Thu, Fri, Sat, Sun], open((9, 0), (17, 0)))]
    );
}

#[test]
fn am_and_pm_are_inferred_the_way_people_mean_them() {
    let span = |text: &str| weekly(&format!("Mon {text}"))[0].1;
    assert_eq!(span("10-12pm"), open((10, 0), (12, 0)));
    assert_eq!(span("11-1pm"), open((11, 0), (13, 0)));
    assert_eq!(span("6 - 8:00 am"), open((6, 0), (8, 0)));
    assert_eq!(span("9am-5"), open((9, 0), (17, 0)));
    assert_eq!(span("9-9"), open((9, 0), (21, 0)));
    assert_eq!(span("10am-12"), open((10, 0), (12, 0)));
    assert_eq!(span("9-5"), open((9, 0), (17, 0)));
    assert_eq!(span("5-7"), open((17, 0), (19, 0)));
    assert_eq!(span("1-3"), open((13, 0), (15, 0)));
    assert_eq!(span("8-11"), open((8, 0), (11, 0)));
    assert_eq!(span("10a - 1p"), open((10, 0), (13, 0)));
    assert_eq!(span("930am-10:15am"), open((9, 30), (10, 15)));
    assert_eq!(span("10:00 AM - Noon"), open((10, 0), (12, 0)));
    assert_eq!(span("12 noon - 2 pm"), open((12, 0), (14, 0)));
    assert_eq!(span("13:00-15:30"), open((13, 0), (15, 30)));
    assert_eq!(span("9.30am-11am"), open((9, 30), (11, 0)));
    // Past midnight, and to midnight.
    assert_eq!(span("10pm-6am"), open((22, 0), (6, 0)));
    assert_eq!(span("6:00 AM–midnight"), open((6, 0), (0, 0)));
    assert_eq!(span("4:00pm-12:00am"), open((16, 0), (0, 0)));
    assert_eq!(span("12:00am-12:00am"), Span::AllDay);
}

#[test]
fn twenty_four_hours_and_every_day() {
    let all_day = vec![(EVERY_DAY.to_vec(), Span::AllDay)];
    for text in [
        "24 hours",
        "24/7",
        "Open 24 hours",
        "Open 24 hours a day, 7 days a week",
        "24 hours a day, 7 days a week",
        "Every day: open 24 hours",
        "Daily 24 hrs",
    ] {
        assert_eq!(weekly(text), all_day, "{text:?}");
    }
    assert_eq!(
        weekly("Every day 5:00 AM–midnight"),
        vec![(EVERY_DAY.to_vec(), open((5, 0), (0, 0)))]
    );
    assert_eq!(
        weekly("Mon-Fri 24 hours"),
        vec![(MON_FRI.to_vec(), Span::AllDay)]
    );
    assert_eq!(
        weekly("Weekends 10-4"),
        vec![(vec![Sat, Sun], open((10, 0), (16, 0)))]
    );
}

#[test]
fn monthly_ordinals() {
    let monthly = |text: &str| -> Vec<(Vec<(i8, Weekday)>, Span)> {
        rules(text)
            .into_iter()
            .map(|r| {
                assert_eq!(r.freq, Freq::Monthly, "{text:?}");
                let days = r
                    .days
                    .iter()
                    .map(|d| (d.nth.unwrap_or(0), d.weekday))
                    .collect();
                (days, r.span)
            })
            .collect()
    };
    assert_eq!(
        monthly("1st and 3rd Saturday of the month 10am-1pm"),
        vec![(vec![(1, Sat), (3, Sat)], open((10, 0), (13, 0)))]
    );
    assert_eq!(
        monthly("2nd & 4th Thursdays, 10 AM - 2 PM"),
        vec![(vec![(2, Thu), (4, Thu)], open((10, 0), (14, 0)))]
    );
    assert_eq!(
        monthly("Last Saturday of the month: 9:00 a.m. - 11:00 a.m."),
        vec![(vec![(-1, Sat)], open((9, 0), (11, 0)))]
    );
    assert_eq!(
        monthly("1PM-3pm Last Saturday of Month"),
        vec![(vec![(-1, Sat)], open((13, 0), (15, 0)))]
    );
    assert_eq!(
        monthly("2nd Sat, 4th Sat 8:00 AM–10:00 AM"),
        vec![(vec![(2, Sat), (4, Sat)], open((8, 0), (10, 0)))]
    );
    assert_eq!(
        monthly("First and Third Thursdays only: 8:30 AM - 11:30 AM"),
        vec![(vec![(1, Thu), (3, Thu)], open((8, 30), (11, 30)))]
    );
    // A plain day refined by an ordinal for the same day: the ordinal wins.
    assert_eq!(
        monthly("Third + Fourth Thursday Thursday 5:30 PM 7:00 PM"),
        vec![(vec![(3, Thu), (4, Thu)], open((17, 30), (19, 0)))]
    );
    // Weekly and monthly in one text.
    let both = rules("Fri 10-11:30am, 1st thursday of month 5:30-7pm");
    assert_eq!(both.len(), 2);
    assert_eq!((both[0].freq, both[1].freq), (Freq::Weekly, Freq::Monthly));
}

#[test]
fn weeks_not_said_are_uncertain() {
    for text in [
        "Every other Monday 12:00 PM 2:00 PM",
        "Bi-weekly Thursday 6-8pm",
        "monthly Thursday 10:00 AM 11:00 AM",
        "Twice per Month Friday 8:00AM 12:00PM",
    ] {
        let found = rules(text);
        assert!(found.iter().all(|r| r.uncertain), "{text:?}: {found:?}");
    }
    let every_other = rules("Every other Monday 12:00 PM 2:00 PM");
    assert_eq!((every_other[0].interval, every_other[0].dtstart), (2, None));
}

#[test]
fn single_times_closings_and_appointments() {
    assert_eq!(
        weekly("Thursdays at 6pm"),
        vec![(vec![Thu], Span::Starts(hm(18, 0)))]
    );
    assert_eq!(
        weekly("Monday: Closed\nTuesday: 9:00 AM - 11:00 AM"),
        vec![
            (vec![Mon], Span::Closed(None)),
            (vec![Tue], open((9, 0), (11, 0)))
        ]
    );
    assert_eq!(
        weekly("Mon-Fri 9-5, closed for lunch 12-1"),
        vec![
            (MON_FRI.to_vec(), open((9, 0), (17, 0))),
            (MON_FRI.to_vec(), Span::Closed(Some((hm(12, 0), hm(13, 0))))),
        ]
    );
    assert_eq!(
        weekly("Weekly Mon Tue Wed 10:00am - 1:00pm\n Thursday by Appointment"),
        vec![
            (vec![Mon, Tue, Wed], open((10, 0), (13, 0))),
            (vec![Thu], Span::Appointment),
        ]
    );
    // Days without times: open at times not given.
    assert_eq!(
        weekly("Tuesday 10:00:00 AM 12:00:00 PM\nThursday"),
        vec![
            (vec![Tue], open((10, 0), (12, 0))),
            (vec![Thu], Span::Unknown)
        ]
    );
    // A closing time without an opening.
    assert_eq!(
        weekly("Mon –12:00 PM, Wed 8:00 AM–12:00 PM"),
        vec![
            (vec![Mon], Span::Unknown),
            (vec![Wed], open((8, 0), (12, 0)))
        ]
    );
    for text in [
        "by appointment",
        "By appointment only",
        "Please call to make an appointment.",
        "Call for appointment",
        "Appointment only",
    ] {
        assert_eq!(parse(text), Reading::Appointment, "{text:?}");
    }
}

#[test]
fn notes_headings_and_remarks_are_set_aside() {
    assert_eq!(
        weekly("Food Pantry:\n10:00am-11:00am AND 6:45pm-7:45pm, Tue"),
        vec![
            (vec![Tue], open((10, 0), (11, 0))),
            (vec![Tue], open((18, 45), (19, 45)))
        ]
    );
    assert_eq!(
        weekly("6:30am-12:00pm (dispensing), Mon-Fri"),
        vec![(MON_FRI.to_vec(), open((6, 30), (12, 0)))]
    );
    assert_eq!(
        weekly(
            "Tuesdays and Thursdays: 10:00 a.m. - 12:00 p.m. Serves residents of Escambia County only."
        ),
        vec![(vec![Tue, Thu], open((10, 0), (12, 0)))]
    );
    assert_eq!(
        weekly(
            "Free meals for children, 18 and younger. Child must be present.\n\nMonday-Friday\n\nBreakfast: 8:30 AM - 9 AM\n\nLunch: 11:30 AM - 12:30 PM"
        ),
        vec![
            (MON_FRI.to_vec(), open((8, 30), (9, 0))),
            (MON_FRI.to_vec(), open((11, 30), (12, 30)))
        ]
    );
    assert_eq!(
        weekly("Monday & Friday 9:00 am-12:00 pm except holidays"),
        vec![(vec![Mon, Fri], open((9, 0), (12, 0)))]
    );
    assert_eq!(
        notes("Tuesdays: 9 AM - 11 AM\nMust show ID.\nFood Pantry:\n(Call first)"),
        vec!["Must show ID.".to_owned(), "(Call first)".to_owned()]
    );
}

#[test]
fn date_ranges_hold_for_their_own_line() {
    let found = rules(
        "Wed 5:00 PM–7:00 PM, Sat 8:30 AM–11:30 AM (05/23/2020 to 10/17/2020)\nSat 10:00 AM–2:00 PM (from 11/07/2020)",
    );
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let windows: Vec<_> = found.iter().map(|r| (r.valid_from, r.valid_to)).collect();
    assert_eq!(
        windows,
        vec![
            (date(2020, 5, 23), date(2020, 10, 17)),
            (date(2020, 5, 23), date(2020, 10, 17)),
            (date(2020, 11, 7), None),
        ]
    );
    // A season on a line of its own holds for every line.
    let season = rules("Mon–Fri 11:00 AM–12:00 PM\nSeason: 6/27/2017 to 7/28/2017");
    assert_eq!(
        (season[0].valid_from, season[0].valid_to),
        (date(2017, 6, 27), date(2017, 7, 28))
    );
    assert_eq!(season[0].zone, Zone::Local);
}

/// Text that could be misread is left unread rather than guessed at.
#[test]
fn what_cannot_be_read_with_confidence_is_unread() {
    for text in [
        "",
        "Call for hours",
        "Call for dates and times",
        "Closed",
        "Hours vary",
        "10:30 am - 11:30 am",
        "Tuesday or Wednesday 9-11",
        "Tuesdays (except the 4th Tuesday of the month): 9:00 a.m. - 11:00 a.m.",
        "Screening on 3rd Thursday of each month; Pantry on 1st Saturday after 3rd Thursday",
        "One Friday Each Month 1:00pm - 4:00pm, Please Call for Schedule.",
        "Sat 10:00 AM–12:00 PM (November 21 to April 17)",
        "Monday - Friday\n\n8:00 AM - 5:00 PM\n\nand 9:00 AM - 11:00 AM once a month on Saturday",
        "Temporarily closed due to COVID-19.\nEvery Monday 9:00 AM 2:00 PM",
        "Grades 2-5: 3pm-6pm, Mon-Fri",
        "Mon 25:00-26:00",
        "1st and 3rd",
        "🏠🍞⚖️",
        "İİİ Mon 9-5",
    ] {
        assert!(
            matches!(parse(text), Reading::Unread),
            "{text:?} gave {:?}",
            parse(text)
        );
    }
}

#[test]
fn clocks_and_closing_words() {
    assert_eq!(parse_clock("9:00am"), Some(hm(9, 0)));
    assert_eq!(parse_clock("9 a.m."), Some(hm(9, 0)));
    assert_eq!(parse_clock("12:30 PM"), Some(hm(12, 30)));
    assert_eq!(parse_clock("17:30"), Some(hm(17, 30)));
    assert_eq!(parse_clock("noon"), Some(hm(12, 0)));
    assert_eq!(parse_clock("12 midnight"), Some(hm(0, 0)));
    assert_eq!(parse_clock("9"), None, "a bare hour is not a time");
    assert_eq!(parse_clock("13pm"), None);
    assert_eq!(parse_clock("8:00m"), None);
    assert!(says_closed("Closed"));
    assert!(says_closed("  CLOSED for Thanksgiving"));
    assert!(says_closed("Closure: staff training"));
    assert!(!says_closed("Open; closed Mondays"));
    assert!(!says_closed("Closes at 5"));
}

/// Odd input never panics (the same values the importers are fuzzed with).
#[test]
fn no_text_makes_the_reader_panic() {
    let odd = [
        "İ".repeat(50),
        "e\u{301}\u{301} Mon 9-5".to_owned(),
        "9:".to_owned(),
        "9:0".to_owned(),
        ":30".to_owned(),
        "99999999999999999999:99".to_owned(),
        "1/2/3/4/5".to_owned(),
        "(((".to_owned(),
        ")))Mon 9-5(".to_owned(),
        "- - - -".to_owned(),
        "1st 2nd 3rd last".to_owned(),
        "a.m. p.m. am pm".to_owned(),
        "24/7/365".to_owned(),
        "x".repeat(20_000),
        "Mon-".to_owned(),
        "-Mon".to_owned(),
        "Sun-Sat, Sat-Sun 12am-12am".to_owned(),
        "\\n\\n###MON###".to_owned(),
        "0/0/0".to_owned(),
        "12/31/99999 to 1/1/0".to_owned(),
    ];
    for text in odd {
        let _ = parse(&text);
        let _ = notes(&text);
        let _ = parse_clock(&text);
    }
}

/// Regression guard: parentheses were matched by scanning ahead from each one,
/// quadratic on a cell of many "(".
#[test]
fn many_parentheses_are_read_in_linear_time() {
    let text = format!("{} Mon 9-5", "(".repeat(50_000));
    let started = std::time::Instant::now();
    let _ = parse(&text);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

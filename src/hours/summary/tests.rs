use chrono::{FixedOffset, NaiveDate, Weekday};

use super::*;
use crate::hours::testing::{hm, open};
use crate::hours::{Rule, parse};
use crate::model::Schedule;

use Weekday::*;

fn lines(rules: Vec<Rule>) -> Vec<String> {
    summary(&Hours::Known {
        rules,
        notes: Vec::new(),
    })
}

fn text(description: &str) -> Vec<String> {
    summary(&parse(&[Schedule {
        description: Some(description.into()),
        ..Schedule::default()
    }]))
}

#[test]
fn weekly_lines_group_days_with_the_same_hours() {
    assert_eq!(
        lines(vec![Rule::weekly(
            &[Mon, Tue, Wed, Thu, Fri],
            open((9, 0), (17, 0))
        )]),
        vec!["Mon–Fri 9 am – 5 pm"]
    );
    assert_eq!(
        lines(vec![
            Rule::weekly(&[Sat], open((10, 0), (14, 0))),
            Rule::weekly(&[Mon, Tue, Wed, Thu, Fri], open((8, 30), (12, 0))),
            Rule::weekly(&[Mon, Tue, Wed, Thu, Fri], open((13, 0), (17, 0))),
            Rule::weekly(&[Wed], open((18, 0), (20, 0))),
        ]),
        vec![
            "Mon, Tue, Thu, Fri 8:30 am – 12 pm, 1 pm – 5 pm",
            "Wed 8:30 am – 12 pm, 1 pm – 5 pm, 6 pm – 8 pm",
            "Sat 10 am – 2 pm",
        ]
    );
    assert_eq!(
        lines(vec![Rule::weekly(
            &[Mon, Wed, Thu, Fri, Sun],
            open((9, 0), (12, 0))
        )]),
        vec!["Mon, Wed–Fri, Sun 9 am – 12 pm"]
    );
    assert_eq!(
        lines(vec![Rule::weekly(&[Sat, Sun], open((22, 0), (0, 0)))]),
        vec!["Sat, Sun 10 pm – midnight"]
    );
    assert_eq!(
        lines(vec![Rule::weekly(&[Fri], open((22, 0), (6, 0)))]),
        vec!["Fri 10 pm – 6 am"]
    );
}

#[test]
fn all_day_and_every_day() {
    assert_eq!(text("24/7"), vec!["Open 24 hours"]);
    assert_eq!(
        lines(vec![Rule::weekly(&[Mon, Tue, Wed, Thu, Fri], Span::AllDay)]),
        vec!["Mon–Fri 24 hours"]
    );
    assert_eq!(
        text("Every day 6:00 AM–10:30 PM"),
        vec!["Every day 6 am – 10:30 pm"]
    );
}

#[test]
fn monthly_and_vague_lines() {
    assert_eq!(
        lines(vec![Rule::monthly(&[(1, Sat)], open((10, 0), (13, 0)))]),
        vec!["1st Sat of the month 10 am – 1 pm"]
    );
    assert_eq!(
        lines(vec![Rule::monthly(
            &[(3, Sat), (1, Sat)],
            open((10, 0), (13, 0))
        )]),
        vec!["1st & 3rd Sat of the month 10 am – 1 pm"]
    );
    assert_eq!(
        lines(vec![Rule::monthly(&[(-1, Fri)], open((16, 0), (17, 0)))]),
        vec!["Last Fri of the month 4 pm – 5 pm"]
    );
    assert_eq!(
        text("Every other Monday 12:00 PM 2:00 PM"),
        vec!["Every other Mon 12 pm – 2 pm"]
    );
    assert_eq!(
        text("monthly Thursday 10:00 AM 11:00 AM"),
        vec!["Some weeks: Thu 10 am – 11 am"]
    );
    assert_eq!(text("Thursdays at 6pm"), vec!["Thu at 6 pm"]);
    assert_eq!(
        text("Tuesday 10:00 AM - 12:00 PM\nThursday"),
        vec!["Tue 10 am – 12 pm", "Thu (hours not given)"]
    );
    assert_eq!(
        text("Mon-Fri 9-5\nThursday by appointment"),
        vec![
            "Mon–Wed, Fri 9 am – 5 pm",
            "Thu 9 am – 5 pm, by appointment"
        ]
    );
}

#[test]
fn date_ranges_closings_zones_and_notes() {
    assert_eq!(
        text(
            "Sat 8:00 AM–1:00 PM (05/02/2020 to 10/31/2020)\nSat 9:00 AM–12:00 PM (11/01/2020 to 04/30/2021)"
        ),
        vec![
            "Sat 8 am – 1 pm (May 2 – Oct 31, 2020)",
            "Sat 9 am – 12 pm (Nov 1, 2020 – Apr 30, 2021)"
        ]
    );
    let christmas = NaiveDate::from_ymd_opt(2025, 12, 25);
    assert_eq!(
        lines(vec![
            Rule::weekly(&[Mon, Tue, Wed, Thu, Fri], open((9, 0), (17, 0))),
            Rule {
                valid_from: christmas,
                valid_to: christmas,
                ..Rule::weekly(&[], Span::Closed(None))
            },
        ]),
        vec!["Mon–Fri 9 am – 5 pm", "Closed Dec 25, 2025"]
    );
    assert_eq!(
        lines(vec![Rule {
            valid_from: christmas,
            ..Rule::weekly(&[Sat], open((9, 0), (12, 0)))
        }]),
        vec!["Sat 9 am – 12 pm (from Dec 25, 2025)"]
    );
    assert_eq!(
        lines(vec![Rule::weekly(
            &[Mon],
            Span::Closed(Some((hm(12, 0), hm(13, 0))))
        )]),
        vec!["Mon closed 12 pm – 1 pm"]
    );
    let utc_minus_5 = FixedOffset::east_opt(-5 * 3600).unwrap_or_else(|| panic!("offset"));
    assert_eq!(
        lines(vec![Rule {
            zone: Zone::Fixed(utc_minus_5),
            ..Rule::weekly(&[Mon], open((9, 0), (17, 0)))
        }]),
        vec!["Mon 9 am – 5 pm (UTC-05:00)"]
    );
    assert_eq!(
        summary(&Hours::Known {
            rules: vec![Rule::weekly(&[Tue], open((9, 0), (11, 0)))],
            notes: vec!["Must show ID.\nServes 36617 only.".into()],
        }),
        vec!["Tue 9 am – 11 am", "Must show ID.", "Serves 36617 only."]
    );
}

#[test]
fn appointment_and_unknown_hours_give_the_source_s_words() {
    assert_eq!(
        summary(&Hours::ByAppointment(
            "Please call for an appointment.".into()
        )),
        vec!["Please call for an appointment."]
    );
    assert_eq!(
        summary(&Hours::Unknown(vec![
            "Call for hours".into(),
            "Call for hours".into()
        ])),
        vec!["Call for hours"]
    );
    assert!(summary(&Hours::Unknown(vec![])).is_empty());
}

//! A listing's hours compiled for the index: when they are plain weekly rules,
//! the open and closed windows of a week in the location's wall-clock time, so
//! that "open now" can be answered for every search candidate without reading
//! the store.
//!
//! Only hours whose meaning is the same every week are compiled: weekly rules
//! without ordinals, intervals, validity ranges or uncertain days, written in
//! the location's own zone, that open, open all day or close. Hours that cannot
//! be open at any time (unknown, by appointment, no rules) compile to
//! [`Week::Never`]; anything else (monthly ordinals, seasons, holiday rows,
//! times in another zone) to [`Week::Dated`], which the caller evaluates from
//! the full rules with [`super::open_at`].
//!
//! [`Week::open_at`] agrees with [`super::open_at`] for every compiled week
//! (the tests check it over real schedules and a year of instants).

use chrono::{DateTime, Datelike, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::{Freq, Hours, Rule, Span, Zone};

/// Seconds in a week.
const WEEK: u32 = 7 * 86_400;

/// A listing's hours, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Week {
    /// Never known to be open (hours unknown, by appointment, or no rules).
    Never,
    /// The same every week: open and closed windows in seconds from Monday 00:00
    /// wall-clock time in `zone`. A window may run past the end of the week
    /// (Sunday 22:00 to Monday 06:00); closed windows win over open ones.
    Weekly {
        zone: Tz,
        open: Vec<(u32, u32)>,
        closed: Vec<(u32, u32)>,
    },
    /// Depends on the date: evaluate the full rules.
    Dated,
}

impl Week {
    /// Compiles `hours`, kept in the location's zone `zone`.
    pub fn compile(hours: &Hours, zone: Tz) -> Week {
        let rules = match hours {
            Hours::Known { rules, .. } if !rules.is_empty() => rules,
            _ => return Week::Never,
        };
        if !rules.iter().all(is_weekly) {
            return Week::Dated;
        }
        let mut open = Vec::new();
        let mut closed = Vec::new();
        for rule in rules {
            let days: Vec<u32> = if rule.days.is_empty() {
                (0..7).collect()
            } else {
                rule.days
                    .iter()
                    .map(|d| d.weekday.num_days_from_monday())
                    .collect()
            };
            for day in days {
                let base = day * 86_400;
                let window = |opens: chrono::NaiveTime, closes: chrono::NaiveTime| {
                    let a = base + opens.num_seconds_from_midnight();
                    let b = base + closes.num_seconds_from_midnight();
                    (a, if closes <= opens { b + 86_400 } else { b })
                };
                match rule.span {
                    Span::Open { opens, closes } => open.push(window(opens, closes)),
                    Span::AllDay => open.push((base, base + 86_400)),
                    Span::Closed(None) => closed.push((base, base + 86_400)),
                    Span::Closed(Some((opens, closes))) => closed.push(window(opens, closes)),
                    Span::Starts(_) | Span::Appointment | Span::Unknown => return Week::Dated,
                }
            }
        }
        if open.is_empty() {
            // Closed every day of the week by its rules: never open.
            return Week::Never;
        }
        Week::Weekly { zone, open, closed }
    }

    /// Whether the listing is open at `when`: `Some(true)` or `Some(false)` for
    /// weekly hours, `None` for [`Week::Never`] (not known to be open), and
    /// `None` for [`Week::Dated`] too — the caller must evaluate those itself
    /// (see [`Week::is_dated`]).
    pub fn open_at(&self, when: DateTime<Utc>) -> Option<bool> {
        match self {
            Week::Weekly { zone, open, closed } => {
                let s = second_of_week(*zone, when);
                Some(Week::open_at_second(open, closed, s))
            }
            Week::Never | Week::Dated => None,
        }
    }

    /// Whether the full rules must be evaluated for this listing.
    pub fn is_dated(&self) -> bool {
        matches!(self, Week::Dated)
    }

    fn open_at_second(open: &[(u32, u32)], closed: &[(u32, u32)], s: u32) -> bool {
        let inside = |set: &[(u32, u32)]| {
            set.iter()
                .any(|&(a, b)| (a <= s && s < b) || (a <= s + WEEK && s + WEEK < b))
        };
        !inside(closed) && inside(open)
    }

    /// A compact byte form for the index (the same hours give the same bytes).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Week::Never => vec![0],
            Week::Dated => vec![2],
            Week::Weekly { zone, open, closed } => {
                let zone_index = chrono_tz::TZ_VARIANTS
                    .iter()
                    .position(|z| z == zone)
                    .unwrap_or(0) as u16;
                let mut out = vec![1];
                out.extend_from_slice(&zone_index.to_le_bytes());
                out.extend_from_slice(&(open.len() as u16).to_le_bytes());
                for &(a, b) in open.iter().chain(closed) {
                    out.extend_from_slice(&a.to_le_bytes());
                    out.extend_from_slice(&b.to_le_bytes());
                }
                out
            }
        }
    }

    /// Reads [`Week::encode`]'s bytes; anything unreadable is [`Week::Dated`]
    /// (evaluate the full rules), never a wrong answer.
    pub fn decode(bytes: &[u8]) -> Week {
        match bytes.first() {
            Some(0) => Week::Never,
            Some(1) => Week::decode_weekly(&bytes[1..]).unwrap_or(Week::Dated),
            _ => Week::Dated,
        }
    }

    fn decode_weekly(bytes: &[u8]) -> Option<Week> {
        let u16_at = |i: usize| Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?));
        let u32_at = |i: usize| Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
        let zone = *chrono_tz::TZ_VARIANTS.get(usize::from(u16_at(0)?))?;
        let open_count = usize::from(u16_at(2)?);
        let rest = bytes.len().checked_sub(4)?;
        if rest % 8 != 0 {
            return None;
        }
        let mut windows = Vec::with_capacity(rest / 8);
        for k in 0..rest / 8 {
            windows.push((u32_at(4 + 8 * k)?, u32_at(8 + 8 * k)?));
        }
        if open_count > windows.len() {
            return None;
        }
        let closed = windows.split_off(open_count);
        Some(Week::Weekly {
            zone,
            open: windows,
            closed,
        })
    }
}

fn is_weekly(rule: &Rule) -> bool {
    rule.freq == Freq::Weekly
        && rule.days.iter().all(|d| d.nth.is_none())
        && rule.interval <= 1
        && rule.dtstart.is_none()
        && rule.valid_from.is_none()
        && rule.valid_to.is_none()
        && !rule.uncertain
        && rule.zone == Zone::Local
}

/// Seconds since Monday 00:00 of the wall-clock time of `when` in `zone`.
pub fn second_of_week(zone: Tz, when: DateTime<Utc>) -> u32 {
    let offset = zone
        .offset_from_utc_datetime(&when.naive_utc())
        .fix()
        .local_minus_utc();
    let local = when.naive_utc() + chrono::Duration::seconds(i64::from(offset));
    local.weekday().num_days_from_monday() * 86_400 + local.num_seconds_from_midnight()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveTime, Weekday};

    use super::*;
    use crate::hours::{self, Day, Rule};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
    }

    fn open(h1: u32, h2: u32) -> Span {
        Span::Open {
            opens: t(h1, 0),
            closes: t(h2, 0),
        }
    }

    fn known(rules: Vec<Rule>) -> Hours {
        Hours::Known {
            rules,
            notes: Vec::new(),
        }
    }

    /// Every 37 minutes over a year that crosses both DST changes, the compiled
    /// week and the full evaluation agree.
    fn agrees(hours: &Hours, zone: Tz) {
        let week = Week::compile(hours, zone);
        assert!(
            !week.is_dated(),
            "expected a compiled week for {hours:?}, got {week:?}"
        );
        let week = Week::decode(&week.encode());
        let mut when = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 7, 0)
            .single()
            .unwrap_or_default();
        let end = when + Duration::days(366);
        let mut checked = 0;
        while when < end {
            let expected = hours::open_at(hours, zone, when);
            let got = week.open_at(when);
            let expected = expected.filter(|_| !matches!(week, Week::Never));
            assert_eq!(got, expected, "{hours:?} in {zone} at {when}");
            when += Duration::minutes(37);
            checked += 1;
        }
        assert!(checked > 14_000);
    }

    #[test]
    fn weekday_hours_agree_with_the_full_evaluation_across_dst() {
        use Weekday::*;
        agrees(
            &known(vec![Rule::weekly(&[Mon, Tue, Wed, Thu, Fri], open(9, 17))]),
            chrono_tz::America::New_York,
        );
        agrees(
            &known(vec![
                Rule::weekly(&[Fri, Sat], open(22, 6)),
                Rule::weekly(&[Sun], Span::AllDay),
            ]),
            chrono_tz::America::Los_Angeles,
        );
        agrees(
            &known(vec![
                Rule::weekly(&[], open(8, 20)),
                Rule::weekly(&[Wed], Span::Closed(Some((t(12, 0), t(13, 0))))),
                Rule::weekly(&[Sun], Span::Closed(None)),
            ]),
            chrono_tz::America::Phoenix,
        );
        agrees(
            &known(vec![Rule::weekly(&[Sun], open(1, 3))]),
            chrono_tz::America::Chicago,
        );
    }

    #[test]
    fn real_schedules_agree() {
        // Rows as the bundled sources write them.
        let rows = [
            "Mon-Fri 8:30 am - 5 pm",
            "24 hours",
            "Monday - Friday 9:00am-5:00pm; Saturday 10am-2pm",
            "Tues & Thurs 6:00 PM - 9:00 PM",
        ];
        for text in rows {
            let hours = hours::parse(&[crate::model::Schedule {
                description: Some(text.into()),
                ..Default::default()
            }]);
            agrees(&hours, chrono_tz::America::New_York);
        }
    }

    #[test]
    fn what_cannot_be_compiled_is_dated_or_never() {
        let monthly = known(vec![Rule::monthly(&[(1, Weekday::Sat)], open(9, 12))]);
        assert_eq!(
            Week::compile(&monthly, chrono_tz::America::New_York),
            Week::Dated
        );
        let mut seasonal = Rule::weekly(&[Weekday::Sat], open(8, 13));
        seasonal.valid_from = chrono::NaiveDate::from_ymd_opt(2026, 5, 1);
        assert_eq!(
            Week::compile(&known(vec![seasonal]), chrono_tz::America::New_York),
            Week::Dated
        );
        let mut ordinal = Rule::weekly(&[], open(8, 13));
        ordinal.days = vec![Day {
            weekday: Weekday::Mon,
            nth: Some(2),
        }];
        assert_eq!(
            Week::compile(&known(vec![ordinal]), chrono_tz::America::New_York),
            Week::Dated
        );
        assert_eq!(
            Week::compile(
                &Hours::Unknown(vec!["call".into()]),
                chrono_tz::America::New_York
            ),
            Week::Never
        );
        assert_eq!(
            Week::compile(
                &Hours::ByAppointment("by appt".into()),
                chrono_tz::America::New_York
            ),
            Week::Never
        );
    }

    #[test]
    fn bad_bytes_decode_as_dated_never_as_an_answer() {
        for bytes in [&[][..], &[1][..], &[1, 0, 0, 9, 0, 1, 2][..], &[7][..]] {
            assert_eq!(Week::decode(bytes), Week::Dated, "{bytes:?}");
        }
        let week = Week::compile(
            &known(vec![Rule::weekly(&[Weekday::Mon], open(9, 17))]),
            chrono_tz::America::Denver,
        );
        assert_eq!(Week::decode(&week.encode()), week);
    }
}

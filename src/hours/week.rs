//! A listing's hours compiled for the index: when they are plain weekly rules,
//! the open and closed windows of a week in the location's wall-clock time, so
//! that "open now" can be answered for every search candidate without reading
//! the store.
//!
//! Only hours whose meaning is the same every week (within each rule's validity
//! range, such as a market's season) are compiled: weekly rules without
//! ordinals, intervals, holiday rows or uncertain days, written in the
//! location's own zone, that open, open all day or close. Hours that cannot
//! be open at any time (unknown, by appointment, no rules) compile to
//! [`Week::Never`]; anything else (monthly ordinals, seasons, holiday rows,
//! times in another zone) to [`Week::Rules`]: the full rules, evaluated at
//! each instant asked about, so that no listing needs the store to answer.
//! Bytes that cannot be read decode as [`Week::Dated`], which the caller
//! evaluates from the store.
//!
//! [`Week::open_at`] says open exactly when [`super::open_at`] does, for every
//! compiled week (the tests check it over real schedules and a year of instants).

use chrono::{DateTime, Datelike, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::{Day, Freq, Hours, Rule, Span, Zone};

/// Seconds in a week.
const WEEK: u32 = 7 * 86_400;

/// One weekly window: from `start` to `end` seconds after Monday 00:00, on the
/// days (since 1970, local) from `from` to `to` inclusive that its rule holds —
/// judged on the day the window starts, as a rule's overnight hours are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
    pub from: i32,
    pub to: i32,
}

fn day_number(date: chrono::NaiveDate) -> i32 {
    (date - chrono::NaiveDate::default()).num_days() as i32
}

/// A listing's hours, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Week {
    /// Never known to be open (hours unknown, by appointment, or no rules).
    Never,
    /// The same every week: open and closed windows in seconds from Monday 00:00
    /// wall-clock time in `zone`, each with the dates its rule holds. A window may
    /// run past the end of the week (Sunday 22:00 to Monday 06:00); closed
    /// windows win over open ones.
    Weekly {
        zone: Tz,
        open: Vec<Window>,
        closed: Vec<Window>,
    },
    /// Depends on the date: these rules, in `zone`, evaluated in full.
    Rules { zone: Tz, rules: Vec<Rule> },
    /// Unreadable (bytes from another Hearth, or damaged): the caller must
    /// evaluate the listing's hours from the store.
    Dated,
}

impl Week {
    /// Compiles `hours`, kept in the location's zone `zone`.
    pub fn compile(hours: &Hours, zone: Tz) -> Week {
        let rules = match hours {
            Hours::Known { rules, .. } if !rules.is_empty() => rules,
            _ => return Week::Never,
        };
        let dated = || Week::Rules {
            zone,
            rules: rules.clone(),
        };
        if !rules.iter().all(is_weekly) {
            return dated();
        }
        let mut open = Vec::new();
        let mut closed = Vec::new();
        for rule in rules {
            let (from, to) = rule.window();
            let from = from.map_or(i32::MIN, day_number);
            let to = to.map_or(i32::MAX, day_number);
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
                let span = |start: u32, end: u32| Window {
                    start,
                    end,
                    from,
                    to,
                };
                let window = |opens: chrono::NaiveTime, closes: chrono::NaiveTime| {
                    let a = base + opens.num_seconds_from_midnight();
                    let b = base + closes.num_seconds_from_midnight();
                    span(a, if closes <= opens { b + 86_400 } else { b })
                };
                match rule.span {
                    Span::Open { opens, closes } => open.push(window(opens, closes)),
                    Span::AllDay => open.push(span(base, base + 86_400)),
                    Span::Closed(None) => closed.push(span(base, base + 86_400)),
                    Span::Closed(Some((opens, closes))) => closed.push(window(opens, closes)),
                    Span::Starts(_) | Span::Appointment | Span::Unknown => return dated(),
                }
            }
        }
        if open.is_empty() {
            // Closed every day of the week by its rules: never open.
            return Week::Never;
        }
        Week::Weekly { zone, open, closed }
    }

    /// Whether the listing is open at `when`: `Some(true)` when open,
    /// `Some(false)` when closed or not known to be open (outside every rule's
    /// dates), `None` for [`Week::Never`] (and for [`Week::Rules`] when they say
    /// by appointment or not known then), and `None` for [`Week::Dated`] too —
    /// the caller must evaluate those itself (see [`Week::is_dated`]).
    pub fn open_at(&self, when: DateTime<Utc>) -> Option<bool> {
        match self {
            Week::Weekly { zone, open, closed } => {
                let (s, local) = wall_second(*zone, when);
                Some(Week::open_at_second(open, closed, s, local))
            }
            Week::Rules { zone, rules } => super::eval::rules_open_at(rules, *zone, when),
            Week::Never | Week::Dated => None,
        }
    }

    /// Whether the full rules must be evaluated for this listing.
    pub fn is_dated(&self) -> bool {
        matches!(self, Week::Dated)
    }

    /// `s`: seconds since Monday 00:00 of the local time; `local`: seconds since
    /// 1970 of the local wall-clock time (to find the day a window started).
    fn open_at_second(open: &[Window], closed: &[Window], s: u32, local: i64) -> bool {
        let inside = |set: &[Window]| {
            set.iter().any(|w| {
                [s, s + WEEK].into_iter().any(|t| {
                    w.start <= t && t < w.end && {
                        let started = local - i64::from(t - w.start);
                        let day = started.div_euclid(86_400);
                        i64::from(w.from) <= day && day <= i64::from(w.to)
                    }
                })
            })
        };
        !inside(closed) && inside(open)
    }

    /// A compact byte form for the index (the same hours give the same bytes).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Week::Never => vec![0],
            Week::Dated => vec![2],
            Week::Rules { zone, rules } => {
                let mut out = vec![3];
                out.extend_from_slice(&zone_index(*zone).to_le_bytes());
                encode_rules(rules, &mut out);
                out
            }
            Week::Weekly { zone, open, closed } => {
                let mut out = vec![1];
                out.extend_from_slice(&zone_index(*zone).to_le_bytes());
                out.extend_from_slice(&(open.len() as u16).to_le_bytes());
                for w in open.iter().chain(closed) {
                    out.extend_from_slice(&w.start.to_le_bytes());
                    out.extend_from_slice(&w.end.to_le_bytes());
                    out.extend_from_slice(&w.from.to_le_bytes());
                    out.extend_from_slice(&w.to.to_le_bytes());
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
            Some(3) => {
                let mut reader = Reader(&bytes[1..]);
                let rules = reader
                    .zone()
                    .and_then(|zone| Some((zone, decode_rules(&mut reader)?)));
                match rules {
                    Some((zone, rules)) if reader.0.is_empty() => Week::Rules { zone, rules },
                    _ => Week::Dated,
                }
            }
            _ => Week::Dated,
        }
    }

    fn decode_weekly(bytes: &[u8]) -> Option<Week> {
        let mut reader = Reader(bytes);
        let zone = reader.zone()?;
        let open_count = usize::from(reader.u16()?);
        let mut windows = Vec::with_capacity(reader.0.len() / 16);
        while !reader.0.is_empty() {
            windows.push(Window {
                start: reader.u32()?,
                end: reader.u32()?,
                from: reader.u32()? as i32,
                to: reader.u32()? as i32,
            });
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

/// A zone's place in `chrono_tz::TZ_VARIANTS` (every zone has one).
fn zone_index(zone: Tz) -> u16 {
    chrono_tz::TZ_VARIANTS
        .iter()
        .position(|z| *z == zone)
        .unwrap_or(0) as u16
}

/// No date, in a date's place.
const NO_DATE: i32 = i32::MIN;

/// Writes rules, field by field, little-endian (read back by [`decode_rules`]).
fn encode_rules(rules: &[Rule], out: &mut Vec<u8>) {
    let time = |t: chrono::NaiveTime, out: &mut Vec<u8>| {
        out.extend_from_slice(&t.num_seconds_from_midnight().to_le_bytes());
        out.extend_from_slice(&t.nanosecond().to_le_bytes());
    };
    let date = |d: Option<chrono::NaiveDate>, out: &mut Vec<u8>| {
        out.extend_from_slice(&d.map_or(NO_DATE, day_number).to_le_bytes());
    };
    out.extend_from_slice(&(rules.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
    for rule in rules.iter().take(usize::from(u16::MAX)) {
        out.push(match rule.freq {
            Freq::Weekly => 0,
            Freq::Monthly => 1,
        });
        out.push(rule.days.len().min(usize::from(u8::MAX)) as u8);
        for day in rule.days.iter().take(usize::from(u8::MAX)) {
            out.push(day.weekday.num_days_from_monday() as u8);
            out.push(day.nth.unwrap_or(0) as u8);
        }
        match rule.span {
            Span::Open { opens, closes } => {
                out.push(0);
                time(opens, out);
                time(closes, out);
            }
            Span::AllDay => out.push(1),
            Span::Starts(at) => {
                out.push(2);
                time(at, out);
            }
            Span::Closed(None) => out.push(3),
            Span::Closed(Some((from, to))) => {
                out.push(4);
                time(from, out);
                time(to, out);
            }
            Span::Appointment => out.push(5),
            Span::Unknown => out.push(6),
        }
        out.extend_from_slice(&rule.interval.to_le_bytes());
        date(rule.dtstart, out);
        date(rule.valid_from, out);
        date(rule.valid_to, out);
        out.push(u8::from(rule.uncertain));
        match rule.zone {
            Zone::Local => out.push(0),
            Zone::Fixed(offset) => {
                out.push(1);
                out.extend_from_slice(&offset.local_minus_utc().to_le_bytes());
            }
            Zone::Named(tz) => {
                out.push(2);
                out.extend_from_slice(&zone_index(tz).to_le_bytes());
            }
        }
    }
}

/// Reads what [`encode_rules`] wrote; `None` for anything else.
fn decode_rules(reader: &mut Reader<'_>) -> Option<Vec<Rule>> {
    let count = reader.u16()?;
    let mut rules = Vec::with_capacity(usize::from(count).min(64));
    for _ in 0..count {
        let freq = match reader.u8()? {
            0 => Freq::Weekly,
            1 => Freq::Monthly,
            _ => return None,
        };
        let day_count = reader.u8()?;
        let mut days = Vec::with_capacity(usize::from(day_count));
        for _ in 0..day_count {
            let weekday = chrono::Weekday::try_from(reader.u8()?).ok()?;
            let nth = reader.u8()? as i8;
            days.push(Day {
                weekday,
                nth: (nth != 0).then_some(nth),
            });
        }
        let span = match reader.u8()? {
            0 => Span::Open {
                opens: reader.time()?,
                closes: reader.time()?,
            },
            1 => Span::AllDay,
            2 => Span::Starts(reader.time()?),
            3 => Span::Closed(None),
            4 => Span::Closed(Some((reader.time()?, reader.time()?))),
            5 => Span::Appointment,
            6 => Span::Unknown,
            _ => return None,
        };
        let interval = reader.u32()?;
        let dtstart = reader.date()?;
        let valid_from = reader.date()?;
        let valid_to = reader.date()?;
        let uncertain = match reader.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let zone = match reader.u8()? {
            0 => Zone::Local,
            1 => Zone::Fixed(chrono::FixedOffset::east_opt(reader.u32()? as i32)?),
            2 => Zone::Named(reader.zone()?),
            _ => return None,
        };
        rules.push(Rule {
            freq,
            days,
            span,
            interval,
            dtstart,
            valid_from,
            valid_to,
            uncertain,
            zone,
        });
    }
    Some(rules)
}

/// Reads little-endian fields from the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn time(&mut self) -> Option<chrono::NaiveTime> {
        chrono::NaiveTime::from_num_seconds_from_midnight_opt(self.u32()?, self.u32()?)
    }

    fn date(&mut self) -> Option<Option<chrono::NaiveDate>> {
        match self.u32()? as i32 {
            NO_DATE => Some(None),
            days => chrono::NaiveDate::default()
                .checked_add_signed(chrono::Duration::days(i64::from(days)))
                .map(Some),
        }
    }

    fn zone(&mut self) -> Option<Tz> {
        chrono_tz::TZ_VARIANTS
            .get(usize::from(self.u16()?))
            .copied()
    }
}

fn is_weekly(rule: &Rule) -> bool {
    rule.freq == Freq::Weekly
        && rule.days.iter().all(|d| d.nth.is_none())
        && rule.interval <= 1
        && !rule.is_dated()
        && !rule.uncertain
        && rule.zone == Zone::Local
}

/// Seconds since Monday 00:00 of the wall-clock time of `when` in `zone`, and
/// that wall-clock time as seconds since 1970.
fn wall_second(zone: Tz, when: DateTime<Utc>) -> (u32, i64) {
    let offset = zone
        .offset_from_utc_datetime(&when.naive_utc())
        .fix()
        .local_minus_utc();
    let local = when.naive_utc() + chrono::Duration::seconds(i64::from(offset));
    (
        local.weekday().num_days_from_monday() * 86_400 + local.num_seconds_from_midnight(),
        local.and_utc().timestamp(),
    )
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
            "expected a compiled week or rules for {hours:?}, got {week:?}"
        );
        let week = Week::decode(&week.encode());
        let mut when = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 7, 0)
            .single()
            .unwrap_or_default();
        let end = when + Duration::days(366);
        let mut checked = 0;
        while when < end {
            let expected = hours::open_at(hours, zone, when) == Some(true);
            let got = week.open_at(when) == Some(true);
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
    fn seasons_agree_with_the_full_evaluation() {
        use Weekday::*;
        let season = |rule: Rule, from: (u32, u32), to: (u32, u32)| Rule {
            valid_from: chrono::NaiveDate::from_ymd_opt(2026, from.0, from.1),
            valid_to: chrono::NaiveDate::from_ymd_opt(2026, to.0, to.1),
            ..rule
        };
        agrees(
            &known(vec![
                season(Rule::weekly(&[Sat], open(8, 13)), (5, 2), (10, 31)),
                season(Rule::weekly(&[Wed], open(15, 19)), (6, 3), (9, 30)),
                season(Rule::weekly(&[Fri], open(22, 2)), (4, 3), (5, 29)),
            ]),
            chrono_tz::America::Chicago,
        );
        // A season that ended: never open in the year checked.
        let mut ended = Rule::weekly(&[Sat], open(8, 13));
        ended.valid_to = chrono::NaiveDate::from_ymd_opt(2021, 10, 31);
        agrees(&known(vec![ended]), chrono_tz::America::New_York);
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

    /// Rules that depend on the date, each kind the reader makes.
    fn dated_rules() -> Vec<Vec<Rule>> {
        use Weekday::*;
        let monthly = Rule::monthly(&[(1, Sat), (-1, Wed)], open(9, 12));
        let mut holiday = Rule::weekly(&[Sat], Span::Closed(None));
        holiday.valid_from = chrono::NaiveDate::from_ymd_opt(2026, 12, 24);
        holiday.valid_to = chrono::NaiveDate::from_ymd_opt(2026, 12, 26);
        let mut ordinal = Rule::weekly(&[], open(8, 13));
        ordinal.days = vec![Day {
            weekday: Mon,
            nth: Some(2),
        }];
        let mut fortnightly = Rule::weekly(&[Tue], Span::Closed(Some((t(12, 0), t(13, 30)))));
        fortnightly.interval = 2;
        fortnightly.dtstart = chrono::NaiveDate::from_ymd_opt(2026, 1, 6);
        let mut fixed = Rule::weekly(&[Thu], open(10, 14));
        fixed.zone = chrono::FixedOffset::west_opt(5 * 3600).map_or(Zone::Local, Zone::Fixed);
        let mut named = Rule::weekly(&[Fri], Span::Starts(t(17, 30)));
        named.zone = Zone::Named(chrono_tz::America::Denver);
        let mut uncertain = Rule::weekly(&[Wed], Span::Appointment);
        uncertain.freq = Freq::Monthly;
        uncertain.uncertain = true;
        vec![
            vec![monthly.clone()],
            vec![Rule::weekly(&[Mon, Tue], open(9, 17)), holiday],
            vec![ordinal],
            vec![fortnightly, Rule::weekly(&[Tue], open(9, 17))],
            vec![fixed],
            vec![named, Rule::weekly(&[Sat], Span::Unknown)],
            vec![uncertain, monthly],
            vec![Rule::weekly(&[Sun], Span::AllDay), {
                let mut season = Rule::weekly(&[Mon], open(22, 2));
                season.valid_from = chrono::NaiveDate::from_ymd_opt(2026, 3, 1);
                season.valid_to = chrono::NaiveDate::from_ymd_opt(2026, 3, 9);
                season
            }],
        ]
    }

    #[test]
    fn rules_that_depend_on_the_date_are_kept_whole_and_agree() {
        for rules in dated_rules() {
            let hours = known(rules.clone());
            for zone in [chrono_tz::America::New_York, chrono_tz::Pacific::Honolulu] {
                let week = Week::compile(&hours, zone);
                assert_eq!(
                    week,
                    Week::Rules {
                        zone,
                        rules: rules.clone()
                    }
                );
                assert_eq!(Week::decode(&week.encode()), week, "{rules:?}");
                agrees(&hours, zone);
            }
        }
    }

    #[test]
    fn cut_rules_decode_as_dated_never_as_an_answer() {
        for rules in dated_rules() {
            let bytes = Week::compile(&known(rules), chrono_tz::America::Chicago).encode();
            for end in 1..bytes.len() {
                assert_eq!(Week::decode(&bytes[..end]), Week::Dated, "cut at {end}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(Week::decode(&longer), Week::Dated);
        }
    }

    #[test]
    fn what_cannot_be_compiled_is_kept_whole_or_never() {
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
        let eight = [1, 0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        for bytes in [
            &[][..],
            &[1][..],
            &[1, 0, 0, 9, 0, 1, 2][..],
            &[7][..],
            &eight[..],
        ] {
            assert_eq!(Week::decode(bytes), Week::Dated, "{bytes:?}");
        }
        let week = Week::compile(
            &known(vec![Rule::weekly(&[Weekday::Mon], open(9, 17))]),
            chrono_tz::America::Denver,
        );
        assert_eq!(Week::decode(&week.encode()), week);
    }
}

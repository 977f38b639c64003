//! Opening hours: reading a listing's schedules into rules, and asking them
//! whether it is open now, open at a given time, and when that changes.
//!
//! This module owns the meaning of HSDS `schedule` rows and of the free text
//! that sources write instead ("9:00am-5:00pm, Mon-Fri", "2nd & 4th Thursdays,
//! 10 AM - 2 PM", "24 hours"), and which time zone a location keeps. It does no
//! I/O: importers fill [`Schedule`] rows, and the index and web pages ask this
//! module for [`OpenState`]s and summary lines.
//!
//! - [`parse`] turns a location's (or service's) rows into [`Hours`]: rules when
//!   they can be read, "by appointment", or the source's words when they cannot
//!   (never "closed" for want of reading them).
//! - [`state_at`] and [`open_at`] evaluate the rules in the location's own zone
//!   ([`time_zone`]), across midnight, daylight-saving changes, monthly
//!   ordinals, validity ranges and holiday rows.
//! - [`summary`] gives the readable weekly lines for a listing page.
//!
//! # How rows are read
//!
//! A row with days (`byday`) and times (`opens_at`, `closes_at`) is a rule:
//! WEEKLY unless `freq` is MONTHLY or a day carries an ordinal (`1SA`, `-1FR`).
//! `00:00`–`23:59` (and `00:00`–`00:00`) is open all day; a closing time of
//! `23:59` is midnight; a closing time at or before the opening time is on the
//! next day (`22:00`–`06:00`). A `timezone` that is an IANA name, or a UTC
//! offset (`-05:00`, `Z`, or a bare number of hours as HSDS 3.0 writes it),
//! means the row's times are in that zone; they are converted, not taken as the
//! location's wall-clock time.
//!
//! Holiday and special rows: a row whose `valid_from` and `valid_to` are both
//! given and at most 31 days apart (inclusive) is *dated*. On every day inside
//! a dated row's range, dated rows alone decide, replacing the regular rows
//! (so a holiday week's rows say the whole week's hours). A dated row closes its
//! days (its `byday`, or every day of its range) when it has no times and its
//! text gives none, when `closes_at` equals `opens_at` (`00:00`–`00:00` too), or
//! when its description begins with "closed"; with times, it gives that day's
//! special hours. A description beginning with "closed" on a row with times
//! closes that window only ("Closed for lunch", 12:00–13:00), on any row. A row
//! with a longer validity range, no times and a description beginning with
//! "closed" closes its range (a summer closing). Undated rows with equal
//! opening and closing times other than `00:00` say nothing readable.
//!
//! `interval` counts weeks (WEEKLY) or months (MONTHLY) from `dtstart`; without
//! `dtstart` the weeks are not known and the rule's times count as unknown.
//! `until` ends the rule like `valid_to`.
//!
//! A row without times whose description can be read (the only content of most
//! flat lists, and of HSDS 1.x rows whose times were blank) gives the rules its
//! text describes (see `text.rs` for the forms), limited to the row's days when
//! it has some, within the row's range and zone. Lines of that text that say
//! nothing about days or times ("Must show ID") are kept as notes. A row whose
//! text cannot be read is kept as written: beside the rules as a note, or as
//! [`Hours::Unknown`] when there are no rules. A row with days but no times and
//! no readable text means open on those days at times not given ([`Span::Unknown`]).
//!
//! When no rule is in force on a date at all (every rule has a validity range
//! and none covers it: a 2017 season, a schedule that ended), the hours that day
//! are unknown, not closed.

mod eval;
mod summary;
mod text;
mod week;
mod zone;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use crate::model::{Location, Schedule, Service};

pub use eval::{Change, OpenState, open_at, state_at};
pub use summary::summary;
pub use week::{Week, Window};
pub use zone::time_zone;

/// What a listing's schedules say about when it is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Hours {
    /// Rules say when it is open. At any time that no rule opens, it is closed,
    /// except where a rule says the times are not known (see [`Span`]) or no rule
    /// is in force that day.
    Known {
        /// The rules, in the order the rows gave them.
        rules: Vec<Rule>,
        /// Text from rows that could not be read, as written (shown beside the
        /// rules; it does not change them).
        notes: Vec<String>,
    },
    /// Open by appointment (or "call for an appointment"): the source's words.
    ByAppointment(String),
    /// No schedule, or none that could be read: the source's words as written
    /// (empty when there were none). Never evaluated as closed.
    Unknown(Vec<String>),
}

impl Hours {
    /// The rules, when the hours are known.
    pub fn rules(&self) -> &[Rule] {
        match self {
            Hours::Known { rules, .. } => rules,
            _ => &[],
        }
    }
}

/// How a rule repeats, as the RRULE `FREQ`: it sets what `interval` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    /// Every week on the rule's days (every `interval` weeks).
    Weekly,
    /// Every month on the rule's days, usually with ordinals (every `interval` months).
    Monthly,
}

/// A day a rule holds on: a weekday, and for monthly rules which one of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// The day of the week.
    pub weekday: Weekday,
    /// Which one in the month: 1 to 5 from the start, -1 to -5 from the end
    /// (`-1` is the last); `None` for every one.
    pub nth: Option<i8>,
}

impl Day {
    /// Every `weekday`.
    pub fn every(weekday: Weekday) -> Day {
        Day { weekday, nth: None }
    }

    /// Whether `date` is this day.
    pub fn matches(&self, date: NaiveDate) -> bool {
        if date.weekday() != self.weekday {
            return false;
        }
        let Some(nth) = self.nth else {
            return true;
        };
        let from_start = (date.day0() / 7 + 1) as i8;
        let from_end = ((days_in_month(date) - date.day()) / 7 + 1) as i8;
        if nth > 0 {
            from_start == nth
        } else {
            from_end == -nth
        }
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt())
        .map_or(31, |last| last.day())
}

/// What a rule says about its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Open from `opens` to `closes`. A `closes` at or before `opens` is on the
    /// next day (`22:00`–`06:00`); `closes` `00:00` is midnight.
    Open { opens: NaiveTime, closes: NaiveTime },
    /// Open all day (`00:00`–`23:59`).
    AllDay,
    /// Something starts at this time (a meal, a meeting); when it ends is not
    /// said, so from then to midnight the state is unknown.
    Starts(NaiveTime),
    /// Closed: the whole day, or only between these times. Closing wins over
    /// any opening on the same day.
    Closed(Option<(NaiveTime, NaiveTime)>),
    /// Open by appointment on these days.
    Appointment,
    /// Open at some time on these days; the times are not known.
    Unknown,
}

/// The zone a rule's times are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// The location's own zone (the usual case).
    Local,
    /// A fixed UTC offset written with the times (`10:00-05:00`, `Z`).
    Fixed(FixedOffset),
    /// A named zone given by the row's `timezone`.
    Named(Tz),
}

/// One reading of a schedule: on these days, this span, within these dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// What `interval` counts.
    pub freq: Freq,
    /// The days it holds on; empty means every day.
    pub days: Vec<Day>,
    /// Open when, or closed, or not known.
    pub span: Span,
    /// Every `interval` weeks or months (1 = every one), counted from `dtstart`.
    pub interval: u32,
    /// The first date it holds, and the anchor of `interval`.
    pub dtstart: Option<NaiveDate>,
    /// It holds from this date (inclusive).
    pub valid_from: Option<NaiveDate>,
    /// It holds until this date (inclusive).
    pub valid_to: Option<NaiveDate>,
    /// True when the rule holds on only some of its days and the source does not
    /// say which ("every other Monday" without a start date, "monthly on
    /// Thursday"): its times then count as unknown, never as open or closed.
    pub uncertain: bool,
    /// The zone its times are written in.
    pub zone: Zone,
}

impl Rule {
    /// A weekly rule on `days` (every day when empty), valid always.
    pub fn weekly(days: &[Weekday], span: Span) -> Rule {
        Rule {
            freq: Freq::Weekly,
            days: days.iter().copied().map(Day::every).collect(),
            span,
            interval: 1,
            dtstart: None,
            valid_from: None,
            valid_to: None,
            uncertain: false,
            zone: Zone::Local,
        }
    }

    /// A monthly rule on the given (ordinal, weekday) days, valid always.
    pub fn monthly(days: &[(i8, Weekday)], span: Span) -> Rule {
        Rule {
            freq: Freq::Monthly,
            days: days
                .iter()
                .map(|&(nth, weekday)| Day {
                    weekday,
                    nth: Some(nth),
                })
                .collect(),
            ..Rule::weekly(&[], span)
        }
    }

    /// The first and last dates the rule is in force, as far as they are known.
    pub fn window(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let from = match (self.valid_from, self.dtstart) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        (from, self.valid_to)
    }

    /// Whether the rule is in force on `date` (its validity range and `dtstart`).
    pub fn in_force(&self, date: NaiveDate) -> bool {
        let (from, to) = self.window();
        from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
    }

    /// Whether the rule is a holiday or special-hours row: a validity range of at
    /// most 31 days, which replaces the regular rules on the days it covers.
    pub fn is_dated(&self) -> bool {
        match (self.valid_from, self.valid_to) {
            (Some(from), Some(to)) => (to - from).num_days() <= 30,
            _ => false,
        }
    }

    /// Whether the rule holds on `date`: in force, one of its days, and in a week
    /// or month its interval counts (the latter assumed when the anchor is unknown).
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        if !self.in_force(date) {
            return false;
        }
        if !self.days.is_empty() && !self.days.iter().any(|d| d.matches(date)) {
            return false;
        }
        match (self.interval, self.dtstart) {
            (0 | 1, _) | (_, None) => true,
            (n, Some(start)) => {
                let steps = match self.freq {
                    Freq::Weekly => {
                        let week = |d: NaiveDate| {
                            let back = i64::from(d.weekday().num_days_from_monday());
                            d.checked_sub_signed(chrono::Duration::days(back))
                                .unwrap_or(d)
                        };
                        (week(date) - week(start)).num_days().div_euclid(7)
                    }
                    Freq::Monthly => {
                        let months =
                            |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                        months(date) - months(start)
                    }
                };
                steps.rem_euclid(i64::from(n)) == 0
            }
        }
    }
}

/// One schedule row's fields as text, as HSDS 3.0 names them.
///
/// [`Schedule`] does not keep `interval`, `dtstart` or `until` yet; a reader
/// that has them (a fuller model, a test) fills them here and calls
/// [`parse_rows`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row<'a> {
    /// `WEEKLY`, `MONTHLY` (or `DAILY`); any other makes the row unreadable.
    pub freq: Option<&'a str>,
    /// `MO,TU`, `1SA`, `-1FR`.
    pub byday: Option<&'a str>,
    /// `HH:MM`, `HH:MM:SS`, optionally with `Z` or an offset.
    pub opens_at: Option<&'a str>,
    /// As `opens_at`; `23:59` and `24:00` are midnight.
    pub closes_at: Option<&'a str>,
    /// `YYYY-MM-DD` (or `MM/DD/YYYY`), inclusive.
    pub valid_from: Option<&'a str>,
    /// `YYYY-MM-DD` (or `MM/DD/YYYY`), inclusive.
    pub valid_to: Option<&'a str>,
    /// The RRULE start: the first day, and the anchor of `interval`.
    pub dtstart: Option<&'a str>,
    /// The RRULE end (inclusive), read like `valid_to`.
    pub until: Option<&'a str>,
    /// Every this many weeks or months (1 to 52).
    pub interval: Option<&'a str>,
    /// An IANA zone name, `UTC`/`Z`, or a UTC offset (`-05:00`, `-5`).
    pub timezone: Option<&'a str>,
    /// The human text; the only content of many rows.
    pub description: Option<&'a str>,
}

impl<'a> From<&'a Schedule> for Row<'a> {
    fn from(s: &'a Schedule) -> Row<'a> {
        Row {
            freq: s.freq.as_deref(),
            byday: s.byday.as_deref(),
            opens_at: s.opens_at.as_deref(),
            closes_at: s.closes_at.as_deref(),
            valid_from: s.valid_from.as_deref(),
            valid_to: s.valid_to.as_deref(),
            timezone: s.timezone.as_deref(),
            dtstart: s.dtstart.as_deref(),
            until: s.until.as_deref(),
            interval: s.interval.as_deref(),
            description: s.description.as_deref(),
        }
    }
}

/// Reads a location's (or a service's) schedule rows into [`Hours`].
///
/// See the module documentation for how rows, holiday rows and free text are
/// read. Never fails: what cannot be read is kept as written.
pub fn parse(schedules: &[Schedule]) -> Hours {
    let rows: Vec<Row<'_>> = schedules.iter().map(Row::from).collect();
    parse_rows(&rows)
}

/// [`parse`] for rows given field by field (with `interval`, `dtstart`, `until`).
pub fn parse_rows(rows: &[Row<'_>]) -> Hours {
    let mut rules: Vec<Rule> = Vec::new();
    let mut unread: Vec<String> = Vec::new();
    let mut appointment: Option<String> = None;
    for row in rows {
        match read_row(row) {
            RowReading::Rules(found, notes) => {
                for rule in found {
                    if !rules.contains(&rule) {
                        rules.push(rule);
                    }
                }
                for note in notes {
                    if !unread.contains(&note) {
                        unread.push(note);
                    }
                }
            }
            RowReading::Appointment(text) => {
                appointment.get_or_insert(text);
            }
            RowReading::Unread(text) => {
                if let Some(text) = text.filter(|t| !unread.contains(t)) {
                    unread.push(text);
                }
            }
        }
    }
    if !rules.is_empty() {
        // The appointment text of a row that had no rules is a note beside the others.
        if let Some(text) = appointment.filter(|t| !unread.contains(t)) {
            unread.push(text);
        }
        return Hours::Known {
            rules,
            notes: unread,
        };
    }
    match appointment {
        Some(text) => Hours::ByAppointment(text),
        None => Hours::Unknown(unread),
    }
}

enum RowReading {
    /// Rules, and the lines of the row's text that say nothing about hours.
    Rules(Vec<Rule>, Vec<String>),
    Appointment(String),
    /// Nothing could be read; the row's text, if it had any.
    Unread(Option<String>),
}

fn read_row(row: &Row<'_>) -> RowReading {
    let description = row
        .description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let unread = || RowReading::Unread(description.clone());
    let zone = match row.timezone.map(str::trim).filter(|t| !t.is_empty()) {
        None => Zone::Local,
        Some(text) => match parse_zone(text) {
            Some(zone) => zone,
            None => return unread(),
        },
    };
    let date = |field: Option<&str>| -> Result<Option<NaiveDate>, ()> {
        match field.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => parse_date(text).map(Some).ok_or(()),
        }
    };
    let (Ok(valid_from), Ok(valid_to), Ok(dtstart), Ok(until)) = (
        date(row.valid_from),
        date(row.valid_to),
        date(row.dtstart),
        date(row.until),
    ) else {
        return unread();
    };
    let valid_to = match (valid_to, until) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let freq_text = row
        .freq
        .map(|f| f.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let freq = match freq_text.as_str() {
        "" => None,
        "WEEKLY" | "DAILY" => Some(Freq::Weekly),
        "MONTHLY" => Some(Freq::Monthly),
        _ => return unread(),
    };
    let interval = match row.interval.map(str::trim).filter(|t| !t.is_empty()) {
        None => 1,
        Some(text) => match text.parse::<f64>() {
            Ok(n) if n.fract() == 0.0 && (1.0..=52.0).contains(&n) => n as u32,
            _ => return unread(),
        },
    };
    let days = match row.byday.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => match parse_byday(text) {
            Some(days) => Some(days),
            None => return unread(),
        },
        None if freq_text == "DAILY" => Some(Vec::new()),
        // RRULE: a weekly rule without BYDAY holds on DTSTART's weekday.
        None if freq_text == "WEEKLY" => dtstart.map(|d| vec![Day::every(d.weekday())]),
        None => None,
    };
    let time = |field: Option<&str>| -> Result<Option<(NaiveTime, Option<FixedOffset>)>, ()> {
        match field.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => parse_row_time(text).map(Some).ok_or(()),
        }
    };
    let (opens, closes) = match (time(row.opens_at), time(row.closes_at)) {
        (Ok(o), Ok(c)) => (o, c),
        // A time that is not one: read the row as if it had no times (its text may say them).
        _ => (None, None),
    };
    // An offset written with the times, when the row has no zone of its own.
    let zone = match (zone, opens.and_then(|o| o.1).or(closes.and_then(|c| c.1))) {
        (Zone::Local, Some(offset)) => Zone::Fixed(offset),
        (zone, _) => zone,
    };
    let says_closed = description.as_deref().is_some_and(text::says_closed);
    let base = Rule {
        freq: freq.unwrap_or(Freq::Weekly),
        days: days.clone().unwrap_or_default(),
        span: Span::Unknown,
        interval,
        dtstart,
        valid_from,
        valid_to,
        uncertain: interval > 1 && dtstart.is_none(),
        zone,
    };
    let with_span = |span: Span| {
        RowReading::Rules(
            split_by_freq(Rule {
                span,
                ..base.clone()
            }),
            Vec::new(),
        )
    };
    let ranged = valid_from.is_some() || valid_to.is_some();
    match (opens.map(|o| o.0), closes.map(|c| c.0)) {
        (Some(o), Some(c)) if days.is_some() || base.is_dated() => {
            if o == c && base.is_dated() {
                return with_span(Span::Closed(None));
            }
            if o == c && o != NaiveTime::MIN {
                return unread();
            }
            match open_span(o, c) {
                Span::Open { opens, closes } if says_closed => {
                    with_span(Span::Closed(Some((opens, closes))))
                }
                _ if says_closed => with_span(Span::Closed(None)),
                span => with_span(span),
            }
        }
        (None, None) if base.is_dated() || (ranged && says_closed) => {
            if says_closed {
                return with_span(Span::Closed(None));
            }
            // A holiday row without times closes its days, unless its text gives hours.
            match from_text(&description, &base, days.as_deref()) {
                RowReading::Rules(rules, notes) => RowReading::Rules(rules, notes),
                _ => with_span(Span::Closed(None)),
            }
        }
        (Some(o), None) if days.is_some() => with_span(Span::Starts(o)),
        _ => match from_text(&description, &base, days.as_deref()) {
            RowReading::Rules(rules, notes) => RowReading::Rules(rules, notes),
            // Days without times: open those days at times the source does not give.
            other => match days {
                Some(days) if !days.is_empty() => {
                    let span = match other {
                        RowReading::Appointment(_) => Span::Appointment,
                        _ => Span::Unknown,
                    };
                    with_span(span)
                }
                _ => other,
            },
        },
    }
}

/// The span for an opening and a closing time: all day for `00:00`–`23:59` and
/// `00:00`–`00:00`, and `23:59` as midnight.
fn open_span(opens: NaiveTime, closes: NaiveTime) -> Span {
    let end_of_day = NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN);
    let closes = if closes >= end_of_day {
        NaiveTime::MIN
    } else {
        closes
    };
    if opens == NaiveTime::MIN && closes == NaiveTime::MIN {
        Span::AllDay
    } else {
        Span::Open { opens, closes }
    }
}

/// A rule whose days mix plain weekdays and ordinals becomes a weekly and a monthly rule.
fn split_by_freq(rule: Rule) -> Vec<Rule> {
    let (nth, plain): (Vec<Day>, Vec<Day>) = rule.days.iter().partition(|d| d.nth.is_some());
    if nth.is_empty() || plain.is_empty() {
        let freq = if nth.is_empty() {
            rule.freq
        } else {
            Freq::Monthly
        };
        return vec![Rule { freq, ..rule }];
    }
    vec![
        Rule {
            days: plain,
            ..rule.clone()
        },
        Rule {
            freq: Freq::Monthly,
            days: nth,
            ..rule
        },
    ]
}

/// The rules a row's text describes, given the row's validity, zone and (when it
/// has them) days: text rules on other days are left out, except that a rule
/// for every day (or no day) in a text that says "7 days a week" (or "daily",
/// "every day", "24/7") holds every day.
fn from_text(description: &Option<String>, base: &Rule, days: Option<&[Day]>) -> RowReading {
    let Some(description) = description else {
        return RowReading::Unread(None);
    };
    // "24 hours a day, 7 days a week" means every day even on a row limited to
    // some days (HSDS 1.x rows repeat one text on each weekday row they have).
    let lower = description.to_lowercase();
    let every_day = ["7 days", "seven days", "every day", "24/7", "daily"]
        .iter()
        .any(|p| lower.contains(p));
    match text::parse(description) {
        text::Reading::Rules(found) => {
            let mut rules = Vec::new();
            for mut rule in found {
                if let Some(days) = days.filter(|d| !d.is_empty())
                    && !(every_day && (rule.days.is_empty() || rule.days.len() == 7))
                {
                    let keep: Vec<Day> = if rule.days.is_empty() {
                        days.to_vec()
                    } else {
                        rule.days
                            .iter()
                            .copied()
                            .filter(|d| days.iter().any(|r| r.weekday == d.weekday))
                            .collect()
                    };
                    if keep.is_empty() {
                        continue;
                    }
                    rule.days = keep;
                }
                rule.valid_from = rule.valid_from.or(base.valid_from);
                rule.valid_to = rule.valid_to.or(base.valid_to);
                rule.dtstart = rule.dtstart.or(base.dtstart);
                rule.zone = base.zone;
                rules.push(rule);
            }
            if rules.is_empty() {
                RowReading::Unread(Some(description.clone()))
            } else {
                RowReading::Rules(rules, text::notes(description))
            }
        }
        text::Reading::Appointment => RowReading::Appointment(description.clone()),
        text::Reading::Unread => RowReading::Unread(Some(description.clone())),
    }
}

/// `MO,TU`, `1SA`, `-1FR`, `+2TU`, and weekday names: the days, or `None` when
/// any item is not a day.
fn parse_byday(text: &str) -> Option<Vec<Day>> {
    let mut days = Vec::new();
    for item in text
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let upper = item.to_ascii_uppercase();
        let split = upper
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(upper.len());
        let (number, name) = upper.split_at(split);
        let weekday = weekday_code(name)?;
        let nth = match number.trim_start_matches('+') {
            "" => None,
            n => {
                let n: i8 = n.parse().ok()?;
                if n == 0 || !(-5..=5).contains(&n) {
                    return None;
                }
                Some(n)
            }
        };
        let day = Day { weekday, nth };
        if !days.contains(&day) {
            days.push(day);
        }
    }
    (!days.is_empty()).then_some(days)
}

/// `MO` … `SU`, or a weekday's name or its common abbreviations.
fn weekday_code(name: &str) -> Option<Weekday> {
    let lower = name.trim().trim_end_matches('.').to_ascii_lowercase();
    match lower.as_str() {
        "mo" => return Some(Weekday::Mon),
        "tu" => return Some(Weekday::Tue),
        "we" => return Some(Weekday::Wed),
        "th" => return Some(Weekday::Thu),
        "fr" => return Some(Weekday::Fri),
        "sa" => return Some(Weekday::Sat),
        "su" => return Some(Weekday::Sun),
        _ => {}
    }
    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    if lower.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .find(|(full, _)| full.starts_with(&lower))
        .map(|&(_, d)| d)
}

/// A row's `timezone`: an IANA name, `UTC`/`Z`/`GMT`, an offset (`-05:00`,
/// `+0530`, `-5`), or a bare number of hours (HSDS 3.0 writes the offset as a
/// number). `None` when it is none of these.
fn parse_zone(text: &str) -> Option<Zone> {
    if matches!(text.to_ascii_uppercase().as_str(), "Z" | "UTC" | "GMT") {
        return FixedOffset::east_opt(0).map(Zone::Fixed);
    }
    if let Ok(tz) = text.parse::<Tz>() {
        return Some(Zone::Named(tz));
    }
    parse_offset(text).map(Zone::Fixed)
}

/// `-05:00`, `+0530`, `-5`, `3`, `-4.5`: a UTC offset of at most 14 hours.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let text = text.trim();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let seconds = if let Some((h, m)) = rest.split_once(':') {
        let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60).then_some(h * 3600 + m * 60)?
    } else if rest.len() == 4 && rest.chars().all(|c| c.is_ascii_digit()) {
        let (h, m): (i32, i32) = (rest[..2].parse().ok()?, rest[2..].parse().ok()?);
        (m < 60).then_some(h * 3600 + m * 60)?
    } else {
        let hours: f64 = rest.parse().ok()?;
        if !hours.is_finite() {
            return None;
        }
        (hours * 3600.0).round() as i32
    };
    if seconds > 14 * 3600 {
        return None;
    }
    FixedOffset::east_opt(sign * seconds)
}

/// A row's `opens_at`/`closes_at`: `HH:MM`, `HH:MM:SS`, optionally followed by
/// `Z` or an offset; also `9:00am` forms (which the importers have normally
/// turned into `HH:MM` already). `24:00` is midnight.
fn parse_row_time(text: &str) -> Option<(NaiveTime, Option<FixedOffset>)> {
    let text = text.trim();
    let upper = text.to_ascii_uppercase();
    let (clock, offset) = if let Some(clock) = upper.strip_suffix('Z') {
        (clock.to_owned(), FixedOffset::east_opt(0))
    } else if let Some(at) = upper.rfind(['+', '-']).filter(|&at| at > 0) {
        (upper[..at].to_owned(), Some(parse_offset(&upper[at..])?))
    } else {
        (upper.clone(), None)
    };
    let clock = clock.trim();
    let time = if clock
        .chars()
        .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
    {
        let parts: Vec<&str> = clock.split(':').collect();
        let number = |s: &str| s.split('.').next().and_then(|s| s.parse::<u32>().ok());
        let (h, m, s) = match parts.as_slice() {
            [h, m] => (number(h)?, number(m)?, 0),
            [h, m, s] => (number(h)?, number(m)?, number(s)?),
            _ => return None,
        };
        if h == 24 && m == 0 && s == 0 {
            NaiveTime::MIN
        } else {
            NaiveTime::from_hms_opt(h, m, s.min(59))?
        }
    } else {
        text::parse_clock(&clock.to_ascii_lowercase())?
    };
    Some((time, offset))
}

/// `YYYY-MM-DD` (with or without a time after it), `MM/DD/YYYY`, `MM/DD/YY`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let head = text.get(..10).unwrap_or(text);
    if let Ok(date) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
        return Some(date);
    }
    let parts: Vec<&str> = text.split('/').map(str::trim).collect();
    if let [m, d, y] = parts.as_slice() {
        let (m, d, y): (u32, u32, i32) = (m.parse().ok()?, d.parse().ok()?, y.parse().ok()?);
        let y = match y {
            0..=69 => 2000 + y,
            70..=99 => 1900 + y,
            _ => y,
        };
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    None
}

/// A listing's hours at one of its locations: the location's own schedules, or the
/// service's when the location has none.
pub fn listing_hours_at(service: &Service, location: Option<&Location>) -> Hours {
    match location.filter(|l| !l.schedules.is_empty()) {
        Some(l) => parse(&l.schedules),
        None => parse(&service.schedules),
    }
}

/// The time zone a location keeps its hours in (from its state and point).
pub fn zone_of(location: Option<&Location>) -> Tz {
    let state = location
        .and_then(|l| l.address.as_ref())
        .map(|a| a.state_province.as_str());
    let (lat, lon) = location
        .and_then(Location::point)
        .unwrap_or((f64::NAN, f64::NAN));
    time_zone(state, lat, lon)
}

#[cfg(test)]
mod tests;

/// Small constructors the hours tests share.
#[cfg(test)]
pub(crate) mod testing {
    use chrono::NaiveTime;

    use super::Span;

    /// A time of day, `h:m`.
    pub(crate) fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
    }

    /// Open from `a` to `b` (each `(hour, minute)`).
    pub(crate) fn open(a: (u32, u32), b: (u32, u32)) -> Span {
        Span::Open {
            opens: hm(a.0, a.1),
            closes: hm(b.0, b.1),
        }
    }
}

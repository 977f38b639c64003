//! Evaluating hours at an instant: open or closed, and when that changes.
//!
//! Rules are laid out as intervals of real time (UTC) over the days around the
//! instant: each rule on each local date it holds, its times converted from its
//! zone, so that hours passing midnight, daylight-saving changes and times
//! written with an offset all come out right. Then, at the instant, the first
//! that applies wins: a closing, an opening, an appointment day, a time not
//! known (including days no rule is in force); otherwise closed.
//!
//! Local times that do not exist or happen twice are read as RFC 5545 reads
//! them: a time in the spring-forward gap (2:30 am) uses the offset from before
//! the gap, so it falls an hour later (3:30 am daylight time); a time in the
//! fall-back hour is its first occurrence.

use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike,
    Utc, Weekday,
};
use chrono_tz::Tz;

use super::{Hours, Rule, Span, Zone};

/// A moment the state changes, in the location's own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The local date and time.
    pub at: NaiveDateTime,
    /// Local calendar days from the instant asked about: 0 the same day, 1 the next.
    pub days_ahead: i64,
}

impl Change {
    /// The day of the week it happens.
    pub fn weekday(&self) -> Weekday {
        self.at.weekday()
    }

    /// The local time of day it happens.
    pub fn time(&self) -> NaiveTime {
        self.at.time()
    }
}

/// Whether a listing is open at an instant, and when that changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    /// Open; `closes` is when, or `None` when it stays open for at least a week
    /// (open 24 hours).
    Open { closes: Option<Change> },
    /// Closed; `opens` is the next opening within about a year, if any.
    Closed { opens: Option<Change> },
    /// Open by appointment at this time.
    ByAppointment,
    /// The hours at this time are not known.
    Unknown,
}

/// The state of `hours` at `now`, in the location's zone `tz`.
pub fn state_at(hours: &Hours, tz: Tz, now: DateTime<Utc>) -> OpenState {
    let rules = match hours {
        Hours::Known { rules, .. } => rules,
        Hours::ByAppointment(_) => return OpenState::ByAppointment,
        Hours::Unknown(_) => return OpenState::Unknown,
    };
    let t = now.timestamp();
    let local = |ts: i64| {
        let at = wall_clock(tz, DateTime::from_timestamp(ts, 0).unwrap_or(now));
        Change {
            at,
            days_ahead: (at.date() - wall_clock(tz, now).date()).num_days(),
        }
    };
    let near = Timeline::build(rules, tz, now, 8);
    match near.kind_at(t) {
        Kind::Open => {
            let open = near.open_minus_closed();
            let end = open
                .iter()
                .find(|&&(a, b)| a <= t && t < b)
                .map_or(t, |&(_, b)| b);
            let closes = (end - t < 7 * 86_400).then(|| local(end));
            OpenState::Open { closes }
        }
        Kind::Closed => {
            for days in [8, 70, 400] {
                let timeline = if days == 8 {
                    near.clone()
                } else {
                    Timeline::build(rules, tz, now, days)
                };
                if let Some(next) = timeline.next_opening(t) {
                    return OpenState::Closed {
                        opens: Some(local(next)),
                    };
                }
            }
            OpenState::Closed { opens: None }
        }
        Kind::Appointment => OpenState::ByAppointment,
        Kind::Unknown => OpenState::Unknown,
    }
}

/// Whether `hours` are open at `when`: `Some(true)` open, `Some(false)` closed,
/// `None` when that is not known (including by-appointment hours).
///
/// Agrees with [`state_at`]: `Some(true)` exactly when it says `Open`,
/// `Some(false)` exactly when it says `Closed`.
pub fn open_at(hours: &Hours, tz: Tz, when: DateTime<Utc>) -> Option<bool> {
    let Hours::Known { rules, .. } = hours else {
        return None;
    };
    rules_open_at(rules, tz, when)
}

/// [`open_at`] for known hours' rules.
pub(super) fn rules_open_at(rules: &[Rule], tz: Tz, when: DateTime<Utc>) -> Option<bool> {
    match Timeline::build(rules, tz, when, 1).kind_at(when.timestamp()) {
        Kind::Open => Some(true),
        Kind::Closed => Some(false),
        Kind::Appointment | Kind::Unknown => None,
    }
}

impl fmt::Display for OpenState {
    /// "Open now · closes 5:00 pm", "Open 24 hours", "Closed · opens Mon 9:00 am",
    /// "Closed · opens 9:00 am" (later the same day), "By appointment", "Hours unknown".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenState::Open { closes: None } => f.write_str("Open 24 hours"),
            OpenState::Open { closes: Some(c) } => write!(f, "Open now · closes {}", when(c)),
            OpenState::Closed { opens: Some(c) } => write!(f, "Closed · opens {}", when(c)),
            OpenState::Closed { opens: None } => f.write_str("Closed"),
            OpenState::ByAppointment => f.write_str("By appointment"),
            OpenState::Unknown => f.write_str("Hours unknown"),
        }
    }
}

/// "5:00 pm" the same day, "midnight" at the end of it, "Tue 6:00 am" within a
/// week, "Sat Mar 7 10:00 am" further on.
fn when(c: &Change) -> String {
    let time = c.time();
    if c.days_ahead == 1 && time == NaiveTime::MIN {
        return "midnight".to_owned();
    }
    let clock = clock(time);
    match c.days_ahead {
        ..=0 => clock,
        1..=6 => format!("{} {clock}", c.at.format("%a")),
        _ => format!("{} {clock}", c.at.format("%a %b %-d")),
    }
}

/// "9:00 am", "12:30 pm", "12:00 am".
pub(super) fn clock(time: NaiveTime) -> String {
    let (pm, hour) = time.hour12();
    format!(
        "{hour}:{:02} {}",
        time.minute(),
        if pm { "pm" } else { "am" }
    )
}

/// What holds at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Closed,
    Appointment,
    Unknown,
}

/// Intervals of UTC seconds, `[start, end)`.
type Intervals = Vec<(i64, i64)>;

/// The rules laid out as intervals of real time over some days.
#[derive(Debug, Clone, Default)]
struct Timeline {
    open: Intervals,
    closed: Intervals,
    appointment: Intervals,
    unknown: Intervals,
    /// Starting times of things whose end is not said.
    starts: Vec<i64>,
}

impl Timeline {
    /// Lays out the rules from the local day before `from` to `days` days after it.
    fn build(rules: &[Rule], tz: Tz, from: DateTime<Utc>, days: i64) -> Timeline {
        let today = wall_clock(tz, from).date();
        // A day each side more than asked: overnight hours from the day before, and
        // rules in another zone whose date differs from the location's.
        let first = today.checked_sub_signed(Duration::days(2)).unwrap_or(today);
        let last = today
            .checked_add_signed(Duration::days(days + 1))
            .unwrap_or(today);
        let mut timeline = Timeline::default();
        let dated: Vec<&Rule> = rules.iter().filter(|r| r.is_dated()).collect();
        let mut date = first;
        while date <= last {
            if !rules.iter().any(|r| r.in_force(date)) {
                let span = (
                    at(tz, date, NaiveTime::MIN),
                    at(tz, next_day(date), NaiveTime::MIN),
                );
                timeline.unknown.push(span);
            }
            let replaced = dated.iter().any(|r| r.in_force(date));
            for rule in rules {
                if (replaced && !rule.is_dated()) || !rule.holds_on(date) {
                    continue;
                }
                timeline.add(rule, tz, date);
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        timeline
    }

    fn add(&mut self, rule: &Rule, tz: Tz, date: NaiveDate) {
        let at = |time: NaiveTime| match rule.zone {
            Zone::Local => at(tz, date, time),
            Zone::Fixed(offset) => at(offset, date, time),
            Zone::Named(zone) => at(zone, date, time),
        };
        let at_next = |time: NaiveTime| {
            let next = next_day(date);
            match rule.zone {
                Zone::Local => self::at(tz, next, time),
                Zone::Fixed(offset) => self::at(offset, next, time),
                Zone::Named(zone) => self::at(zone, next, time),
            }
        };
        let window = |opens: NaiveTime, closes: NaiveTime| {
            let end = if closes <= opens {
                at_next(closes)
            } else {
                at(closes)
            };
            (at(opens), end)
        };
        let whole_day = (at(NaiveTime::MIN), at_next(NaiveTime::MIN));
        if rule.uncertain {
            // Some of these days, not said which: not known, never open or closed.
            match rule.span {
                Span::Open { opens, closes } => self.unknown.push(window(opens, closes)),
                Span::Starts(time) => self.unknown.push((at(time), whole_day.1)),
                Span::AllDay | Span::Appointment | Span::Unknown => self.unknown.push(whole_day),
                Span::Closed(_) => {}
            }
            return;
        }
        match rule.span {
            Span::Open { opens, closes } => self.open.push(window(opens, closes)),
            Span::AllDay => self.open.push(whole_day),
            Span::Starts(time) => {
                let start = at(time);
                self.starts.push(start);
                self.unknown.push((start, whole_day.1.max(start)));
            }
            Span::Closed(None) => self.closed.push(whole_day),
            Span::Closed(Some((opens, closes))) => self.closed.push(window(opens, closes)),
            Span::Appointment => self.appointment.push(whole_day),
            Span::Unknown => self.unknown.push(whole_day),
        }
    }

    fn kind_at(&self, t: i64) -> Kind {
        let inside = |set: &Intervals| set.iter().any(|&(a, b)| a <= t && t < b);
        if inside(&self.closed) {
            Kind::Closed
        } else if inside(&self.open) {
            Kind::Open
        } else if inside(&self.appointment) {
            Kind::Appointment
        } else if inside(&self.unknown) {
            Kind::Unknown
        } else {
            Kind::Closed
        }
    }

    /// The open intervals, merged, with the closed ones taken out.
    fn open_minus_closed(&self) -> Intervals {
        let open = merge(self.open.clone());
        let closed = merge(self.closed.clone());
        let mut out = Vec::new();
        for (mut a, b) in open {
            for &(c, d) in &closed {
                if d <= a || c >= b {
                    continue;
                }
                if c > a {
                    out.push((a, c));
                }
                a = a.max(d);
                if a >= b {
                    break;
                }
            }
            if a < b {
                out.push((a, b));
            }
        }
        out
    }

    /// The first moment after `t` that an opening (or a start time) begins and
    /// is not closed.
    fn next_opening(&self, t: i64) -> Option<i64> {
        let starts = self
            .open_minus_closed()
            .into_iter()
            .map(|(a, _)| a)
            .chain(self.starts.iter().copied())
            .filter(|&a| a > t && !self.closed.iter().any(|&(c, d)| c <= a && a < d));
        starts.min()
    }
}

/// The local date and time of an instant in `tz` (the UTC one at the very ends of
/// chrono's range, where the local one cannot be written).
fn wall_clock(tz: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    let utc = instant.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(Duration::seconds(i64::from(offset)))
        .unwrap_or(utc)
}

fn merge(mut set: Intervals) -> Intervals {
    set.retain(|(a, b)| a < b);
    set.sort_unstable();
    let mut out: Intervals = Vec::with_capacity(set.len());
    for (a, b) in set {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.succ_opt().unwrap_or(date)
}

/// The UTC second of a local date and time in `zone`: a time that happens twice
/// is the first; a time in a spring-forward gap uses the offset from before the gap.
fn at<Z: TimeZone>(zone: Z, date: NaiveDate, time: NaiveTime) -> i64 {
    let naive = date.and_time(time);
    if let Some(dt) = zone.from_local_datetime(&naive).earliest() {
        return dt.timestamp();
    }
    // In a gap: the offset in force just before it.
    for step in 1..=48 {
        let Some(probe) = naive.checked_sub_signed(Duration::minutes(30 * step)) else {
            break;
        };
        if let Some(before) = zone.from_local_datetime(&probe).earliest() {
            let offset = i64::from(before.offset().fix().local_minus_utc());
            return naive.and_utc().timestamp() - offset;
        }
    }
    naive.and_utc().timestamp()
}

#[cfg(test)]
mod tests;

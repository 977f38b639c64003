//! Readable lines for a listing page: "Mon–Fri 9 am – 5 pm", "Sat 10 am – 2 pm",
//! "1st & 3rd Sat of the month 10 am – 1 pm", "Closed Dec 25, 2025".

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

use super::{Day, Freq, Hours, Rule, Span, Zone};

/// The hours as lines a person reads, one per group of days with the same times.
///
/// Weekly rules come first, ordered by their first weekday (Monday first), then
/// monthly ones, then rules for a date range; notes that could not be read follow
/// as written. By-appointment and unknown hours give the source's own lines (none
/// when there was no text).
pub fn summary(hours: &Hours) -> Vec<String> {
    match hours {
        Hours::Known { rules, notes } => {
            let mut lines = known_lines(rules);
            for note in notes {
                push_unique(&mut lines, note.lines().map(str::trim));
            }
            lines
        }
        Hours::ByAppointment(text) => text_lines(std::slice::from_ref(text)),
        Hours::Unknown(texts) => text_lines(texts),
    }
}

fn text_lines(texts: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    for text in texts {
        push_unique(&mut lines, text.lines().map(str::trim));
    }
    lines
}

fn push_unique<'a>(lines: &mut Vec<String>, new: impl Iterator<Item = &'a str>) {
    for line in new.filter(|l| !l.is_empty()) {
        if !lines.iter().any(|l| l == line) {
            lines.push(line.to_owned());
        }
    }
}

/// What rules must share to be written on one line: everything but their days.
#[derive(Debug, Clone, PartialEq)]
struct Group {
    freq: Freq,
    interval: u32,
    uncertain: bool,
    dtstart: Option<NaiveDate>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    zone: Zone,
    monthly: bool,
}

impl Group {
    fn of(rule: &Rule) -> Group {
        Group {
            freq: rule.freq,
            interval: rule.interval,
            uncertain: rule.uncertain,
            dtstart: rule.dtstart,
            valid_from: rule.valid_from,
            valid_to: rule.valid_to,
            zone: rule.zone,
            monthly: rule.days.iter().any(|d| d.nth.is_some()),
        }
    }

    fn sort_key(&self) -> (u8, Option<NaiveDate>) {
        let dated = self.valid_from.is_some() || self.valid_to.is_some();
        let rank = match (dated, self.monthly) {
            (false, false) => 0,
            (false, true) => 1,
            (true, _) => 2,
        };
        (rank, self.valid_from.or(self.valid_to))
    }
}

/// One line's worth: days, and the spans they share.
struct Line {
    days: Vec<Day>,
    spans: Vec<Span>,
}

fn known_lines(rules: &[Rule]) -> Vec<String> {
    let mut groups: Vec<(Group, Vec<&Rule>)> = Vec::new();
    for rule in rules {
        let key = Group::of(rule);
        match groups.iter_mut().find(|(g, _)| *g == key) {
            Some((_, members)) => members.push(rule),
            None => groups.push((key, vec![rule])),
        }
    }
    groups.sort_by_key(|(g, _)| g.sort_key());
    let mut out = Vec::new();
    for (group, members) in groups {
        let mut lines = lines_of(&members);
        lines.sort_by_key(|l| {
            l.days
                .first()
                .map_or(0, |d| d.weekday.num_days_from_monday())
        });
        for line in lines {
            let text = write_line(&group, &line);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// Gathers each day's spans, then puts days with the same spans on one line.
fn lines_of(members: &[&Rule]) -> Vec<Line> {
    // Each distinct day (a weekday, or an nth weekday), with its spans in order.
    let mut per_day: Vec<(Option<Day>, Vec<Span>)> = Vec::new();
    for rule in members {
        let days: Vec<Option<Day>> = if rule.days.is_empty() {
            vec![None]
        } else {
            rule.days.iter().copied().map(Some).collect()
        };
        for day in days {
            match per_day.iter_mut().find(|(d, _)| *d == day) {
                Some((_, spans)) if !spans.contains(&rule.span) => spans.push(rule.span),
                Some(_) => {}
                None => per_day.push((day, vec![rule.span])),
            }
        }
    }
    for (_, spans) in &mut per_day {
        spans.sort_by_key(span_order);
    }
    let mut lines: Vec<Line> = Vec::new();
    for (day, spans) in per_day {
        let day_list = day.into_iter().collect::<Vec<_>>();
        match lines
            .iter_mut()
            .find(|l| l.spans == spans && !l.days.is_empty() && !day_list.is_empty())
        {
            Some(line) => line.days.extend(day_list),
            None => lines.push(Line {
                days: day_list,
                spans,
            }),
        }
    }
    lines
}

fn span_order(span: &Span) -> (u8, NaiveTime) {
    match *span {
        Span::AllDay => (0, NaiveTime::MIN),
        Span::Open { opens, .. } => (1, opens),
        Span::Starts(t) => (1, t),
        Span::Closed(Some((t, _))) => (2, t),
        Span::Closed(None) => (3, NaiveTime::MIN),
        Span::Appointment => (4, NaiveTime::MIN),
        Span::Unknown => (5, NaiveTime::MIN),
    }
}

fn write_line(group: &Group, line: &Line) -> String {
    let every_day = line.days.is_empty()
        || (line.days.iter().all(|d| d.nth.is_none()) && weekdays(&line.days).len() == 7);
    let spans = line
        .spans
        .iter()
        .map(span_text)
        .collect::<Vec<_>>()
        .join(", ");
    let days = if every_day {
        match line.spans.as_slice() {
            [Span::AllDay] => "Open".to_owned(),
            [Span::Closed(None)] => String::new(),
            _ => "Every day".to_owned(),
        }
    } else if group.monthly {
        format!("{} of the month", monthly_days(&line.days))
    } else {
        days_text(&weekdays(&line.days))
    };
    let days = match (group.interval, group.uncertain, group.freq) {
        (2, _, Freq::Weekly) => format!("Every other {days}"),
        (n @ 3.., _, Freq::Weekly) => format!("Every {n} weeks: {days}"),
        (n @ 2.., _, Freq::Monthly) => format!("Every {n} months: {days}"),
        (_, true, Freq::Monthly) if !group.monthly => format!("Some weeks: {days}"),
        _ => days,
    };
    let range = range_text(group.valid_from.or(group.dtstart), group.valid_to);
    let mut text = match (days.is_empty(), &range) {
        // A closing for some dates: "Closed Dec 25, 2025".
        (true, Some(range)) => format!("{} {range}", capitalized(&spans)),
        (true, None) => capitalized(&spans),
        (false, Some(range)) => format!("{days} {spans} ({range})"),
        (false, None) => format!("{days} {spans}"),
    };
    match group.zone {
        Zone::Local => {}
        Zone::Fixed(offset) => text.push_str(&format!(" (UTC{offset})")),
        Zone::Named(tz) => text.push_str(&format!(" ({})", tz.name())),
    }
    text
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn weekdays(days: &[Day]) -> Vec<Weekday> {
    let mut list: Vec<Weekday> = days.iter().map(|d| d.weekday).collect();
    list.sort_by_key(|d| d.num_days_from_monday());
    list.dedup();
    list
}

/// "Mon–Fri", "Mon, Wed, Fri", "Sat, Sun", "Mon, Wed–Sat".
fn days_text(days: &[Weekday]) -> String {
    let mut runs: Vec<(Weekday, Weekday, u32)> = Vec::new();
    for &d in days {
        match runs.last_mut() {
            Some((_, end, len)) if end.succ() == d && d != Weekday::Mon => {
                *end = d;
                *len += 1;
            }
            _ => runs.push((d, d, 1)),
        }
    }
    runs.iter()
        .map(|&(a, b, len)| match len {
            1 => short(a).to_owned(),
            2 => format!("{}, {}", short(a), short(b)),
            _ => format!("{}–{}", short(a), short(b)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// "1st & 3rd Sat", "Last Fri", "2nd Tue, 4th Thu".
fn monthly_days(days: &[Day]) -> String {
    let mut by_weekday: Vec<(Weekday, Vec<i8>)> = Vec::new();
    for d in days {
        let nth = d.nth.unwrap_or(0);
        match by_weekday.iter_mut().find(|(w, _)| *w == d.weekday) {
            Some((_, list)) => list.push(nth),
            None => by_weekday.push((d.weekday, vec![nth])),
        }
    }
    let text = by_weekday
        .iter_mut()
        .map(|(weekday, list)| {
            list.sort_by_key(|n| if *n < 0 { 10 - *n } else { *n });
            let names: Vec<String> = list.iter().map(|&n| ordinal(n)).collect();
            format!("{} {}", names.join(" & "), short(*weekday))
        })
        .collect::<Vec<_>>()
        .join(", ");
    capitalized(&text)
}

fn ordinal(n: i8) -> String {
    match n {
        0 => "every".to_owned(),
        1 => "1st".to_owned(),
        2 => "2nd".to_owned(),
        3 => "3rd".to_owned(),
        -1 => "last".to_owned(),
        -2 => "2nd-to-last".to_owned(),
        -3 => "3rd-to-last".to_owned(),
        n if n < 0 => format!("{}th-to-last", -n),
        n => format!("{n}th"),
    }
}

fn span_text(span: &Span) -> String {
    match *span {
        Span::Open { opens, closes } => format!("{} – {}", time(opens), closing(closes)),
        Span::AllDay => "24 hours".to_owned(),
        Span::Starts(t) => format!("at {}", time(t)),
        Span::Closed(None) => "closed".to_owned(),
        Span::Closed(Some((a, b))) => format!("closed {} – {}", time(a), closing(b)),
        Span::Appointment => "by appointment".to_owned(),
        Span::Unknown => "(hours not given)".to_owned(),
    }
}

/// "9 am", "8:30 am", "12 pm"; the end of a day is "midnight".
fn closing(t: NaiveTime) -> String {
    if t == NaiveTime::MIN {
        "midnight".to_owned()
    } else {
        time(t)
    }
}

pub(super) fn time(t: NaiveTime) -> String {
    let (pm, hour) = t.hour12();
    let half = if pm { "pm" } else { "am" };
    match t.minute() {
        0 => format!("{hour} {half}"),
        m => format!("{hour}:{m:02} {half}"),
    }
}

/// "Dec 25, 2025", "May 23 – Oct 17, 2020", "Nov 17, 2018 – Mar 23, 2019",
/// "from Nov 23, 2019", "until Dec 31, 2025".
fn range_text(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Option<String> {
    let full = |d: NaiveDate| d.format("%b %-d, %Y").to_string();
    Some(match (from, to) {
        (Some(a), Some(b)) if a == b => full(a),
        (Some(a), Some(b)) if a.year() == b.year() => {
            format!("{} – {}", a.format("%b %-d"), full(b))
        }
        (Some(a), Some(b)) => format!("{} – {}", full(a), full(b)),
        (Some(a), None) => format!("from {}", full(a)),
        (None, Some(b)) => format!("until {}", full(b)),
        (None, None) => return None,
    })
}

#[cfg(test)]
mod tests;

//! Reading hours that people wrote as text: "9:00am-5:00pm, Mon-Fri",
//! "Mon - Fri 8:30 am - 5 pm", "2nd & 4th Thursdays, 10 AM - 2 PM",
//! "Weekly Saturday 7:30AM 11:00AM", "M-F 9-5", "24/7", "Sat 9:00 AM–1:00 PM
//! (05/23/2020 to 10/17/2020)".
//!
//! The text is cut into words, numbers and marks; words become days, ordinals,
//! times and a few phrases ("every other", "of the month", "24 hours", "by
//! appointment"); then days are paired with the times beside them, in whichever
//! order the text uses (days first, or times first as 211 exports write them).
//!
//! The reader would rather give up than guess: a line that holds days or times
//! next to a word it does not know ("except", "alternate", "Tuesday or
//! Wednesday", a month name) makes the whole text unreadable, and it is kept as
//! written. Lines with neither days nor times are notes and are skipped ("You
//! must bring ID"), as are headings ("Food Pantry:"), parenthesized remarks
//! without dates ("(dispensing)") and the phrases "except holidays" and "first
//! come, first served" (holidays are not known to Hearth).
//!
//! Times without am/pm are read the way people mean them: the marked end of a
//! range lends its half of the day to the other end when that keeps the range in
//! order (`10-12pm` is 10 am to noon, `6 - 8:00 am` 6 to 8 am); with neither end
//! marked, a range starting at 1 to 6 starts in the afternoon and the end is the
//! first time after the start (`9-5` is 9 am to 5 pm, `5-7` 5 to 7 pm). Hours
//! above 12 are 24-hour times.

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::{Day, Freq, Rule, Span, open_span, parse_date};

/// What a text says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reading {
    /// Rules for the days and times it names.
    Rules(Vec<Rule>),
    /// "By appointment", "call for an appointment", without days or times.
    Appointment,
    /// Nothing that can be read with confidence.
    Unread,
}

/// Reads a text into rules (see the module documentation).
pub(crate) fn parse(text: &str) -> Reading {
    let toks = tokenize(&normalize(text));
    let syms = symbols(&toks);
    let Some(segments) = clean(syms) else {
        return Reading::Unread;
    };
    if segments.iter().all(|s| s.syms.is_empty()) {
        return if segments.iter().any(|s| s.appointment) {
            Reading::Appointment
        } else {
            Reading::Unread
        };
    }
    let Some(items) = items(&segments) else {
        return Reading::Unread;
    };
    let appointment = segments.iter().any(|s| s.appointment)
        || items
            .iter()
            .any(|(_, i)| matches!(i, Item::Spans(s) if s.contains(&Span::Appointment)));
    match pair(&items) {
        Some(rules) if !rules.is_empty() => Reading::Rules(rules),
        Some(_) if appointment => Reading::Appointment,
        _ => Reading::Unread,
    }
}

/// The lines of a text that say nothing about days or times ("Must show ID",
/// "Call for an appointment outside these hours"), as written: shown beside the
/// rules read from the other lines. Headings ("Food Pantry:") are left out.
pub(crate) fn notes(text: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.ends_with(':') {
            continue;
        }
        let syms = symbols(&tokenize(&normalize(line)));
        if !(0..syms.len()).any(|i| says_something_at(&syms, i)) {
            notes.push(line.to_owned());
        }
    }
    notes
}

/// Whether a row's description says the row is a closing ("Closed", "Closed
/// for Thanksgiving", "closure").
pub(crate) fn says_closed(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let first = lower
        .split(|c: char| !c.is_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    matches!(first, "closed" | "closure")
}

/// One time of day written as text: `9am`, `9:00 a.m.`, `17:30`, `noon`,
/// `12 noon`, `midnight` (00:00). A bare hour without am/pm (`9`) is not one.
pub(crate) fn parse_clock(text: &str) -> Option<NaiveTime> {
    let syms = symbols(&tokenize(&normalize(text)));
    match syms.as_slice() {
        [Sym::Time(clock)] => clock.alone(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

/// Lower case, one kind of dash, and the mis-decoded dashes some exports carry.
fn normalize(text: &str) -> String {
    text.replace("GÇô", "-")
        .replace("â€“", "-")
        .replace("â€”", "-")
        .replace("\\n", "\n")
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{a0}' | '\t' => ' ',
            '\r' => '\n',
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A number that may be a time: hour (or the whole number), minutes when
    /// written, and am/pm when written (`Some(true)` for pm).
    Num {
        value: u32,
        minutes: Option<u32>,
        pm: Option<bool>,
        digits: usize,
    },
    Date(NaiveDate),
    Word(String),
    Dash,
    Comma,
    Break,
    Slash,
    Amp,
    Plus,
    Colon,
    Open,
    Close,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            i = number(&chars, i, &mut toks);
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '\'') {
                i += 1;
            }
            let word: String = chars[start..i].iter().filter(|c| **c != '\'').collect();
            // "1st" etc. are read with the number; a word glued to digits after it
            // ("am4:30") is split by the loop itself.
            toks.push(Tok::Word(word));
            continue;
        }
        let tok = match c {
            '-' => Some(Tok::Dash),
            ',' => Some(Tok::Comma),
            ';' | '\n' | '.' | '|' | '•' => Some(Tok::Break),
            '/' => Some(Tok::Slash),
            '&' => Some(Tok::Amp),
            '+' => Some(Tok::Plus),
            ':' => Some(Tok::Colon),
            '(' | '[' => Some(Tok::Open),
            ')' | ']' => Some(Tok::Close),
            _ => None,
        };
        toks.extend(tok);
        i += 1;
    }
    toks
}

/// Reads a number starting at `i`: a date (`5/23/2020`), an ordinal (`3rd`,
/// pushed as a word), or a time-like number with minutes and am/pm.
fn number(chars: &[char], mut i: usize, toks: &mut Vec<Tok>) -> usize {
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    let first = digits(&mut i);
    // A date: digits/digits/digits.
    if chars.get(i) == Some(&'/') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        let mut j = i + 1;
        let second = digits(&mut j);
        if chars.get(j) == Some(&'/') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
            let mut k = j + 1;
            let third = digits(&mut k);
            if let Some(date) = parse_date(&format!("{first}/{second}/{third}")) {
                toks.push(Tok::Date(date));
                return k;
            }
        }
    }
    // An ordinal: 1st, 2nd, 3rd, 4th.
    let rest: String = chars[i..].iter().take(3).collect();
    for suffix in ["st", "nd", "rd", "th"] {
        if rest.starts_with(suffix)
            && !rest[suffix.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
        {
            toks.push(Tok::Word(format!("{first}{suffix}")));
            return i + suffix.len();
        }
    }
    let mut minutes = None;
    if chars.get(i) == Some(&':') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        let mut j = i + 1;
        let m = digits(&mut j);
        if m.len() == 2 {
            minutes = m.parse::<u32>().ok();
            i = j;
            // Seconds, ignored.
            if chars.get(i) == Some(&':') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                let mut k = i + 1;
                if digits(&mut k).len() == 2 {
                    i = k;
                }
            }
        }
    } else if chars.get(i) == Some(&'.')
        && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        && chars.get(i + 2).is_some_and(char::is_ascii_digit)
        && !chars.get(i + 3).is_some_and(char::is_ascii_digit)
    {
        // 9.30am
        minutes = chars[i + 1..i + 3]
            .iter()
            .collect::<String>()
            .parse::<u32>()
            .ok();
        i += 3;
    }
    // am / pm, with or without dots and a space before it.
    let mut j = i;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    let mut pm = None;
    let mut ended_with_dot = false;
    let letter = chars.get(j).copied();
    let spaced = j > i;
    if matches!(letter, Some('a' | 'p')) {
        let is_pm = letter == Some('p');
        let mut k = j + 1;
        let mut dotted = false;
        if chars.get(k) == Some(&'.') {
            k += 1;
            dotted = true;
        }
        if chars.get(k) == Some(&'m') {
            k += 1;
            // The closing dot of "a.m." (a dot after a plain "am" ends a sentence).
            if dotted && chars.get(k) == Some(&'.') {
                k += 1;
                ended_with_dot = true;
            }
        } else if dotted || spaced {
            // "a." alone is not am, nor an "a" after a space ("5 a week").
            k = usize::MAX;
        }
        if k != usize::MAX && !chars.get(k).is_some_and(|c| c.is_alphabetic()) {
            pm = Some(is_pm);
            i = k;
        }
    }
    let value: u32 = first.parse().unwrap_or(u32::MAX);
    // 830am, 1230pm: hours and minutes run together.
    let (value, minutes, digits) = match (first.len(), minutes, pm) {
        (3 | 4, None, Some(_)) => (value / 100, Some(value % 100), first.len() - 2),
        (n, _, _) => (value, minutes, n),
    };
    toks.push(Tok::Num {
        value,
        minutes,
        pm,
        digits,
    });
    // "9:45 a.m. Only serves …": the marker's dot also ended the sentence.
    if ended_with_dot {
        let next: String = chars[i..]
            .iter()
            .skip_while(|c| **c == ' ')
            .take_while(|c| c.is_alphabetic())
            .collect();
        let joins = matches!(
            next.as_str(),
            "to" | "thru" | "through" | "until" | "till" | "til" | "and"
        );
        if !next.is_empty() && !joins {
            toks.push(Tok::Break);
        }
    }
    i
}

// ---------------------------------------------------------------------------
// Symbols: what the words mean
// ---------------------------------------------------------------------------

/// A time as written.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clock {
    hour: u32,
    minute: u32,
    pm: Option<bool>,
    /// Written with minutes (`9:00`), or as a word (noon, midnight).
    precise: bool,
}

impl Clock {
    fn word(hour: u32) -> Clock {
        Clock {
            hour,
            minute: 0,
            pm: None,
            precise: true,
        }
    }

    /// Whether the hour is a 24-hour time (13–24, or 0).
    fn is_24h(&self) -> bool {
        self.hour > 12 || self.hour == 0
    }

    fn at(&self, pm: bool) -> Option<NaiveTime> {
        if !(1..=12).contains(&self.hour) {
            return None;
        }
        let hour = match (pm, self.hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
        NaiveTime::from_hms_opt(hour, self.minute, 0)
    }

    fn as_24h(&self) -> Option<NaiveTime> {
        match self.hour {
            24 if self.minute == 0 => Some(NaiveTime::MIN),
            h => NaiveTime::from_hms_opt(h, self.minute, 0),
        }
    }

    /// The time when it stands alone: it needs am/pm, or to be a 24-hour time
    /// written with minutes.
    fn alone(&self) -> Option<NaiveTime> {
        match self.pm {
            Some(pm) => self.at(pm),
            None if self.is_24h() && self.precise => self.as_24h(),
            None => None,
        }
    }
}

/// Reads a range of two times (see the module documentation for am/pm).
fn range(a: Clock, b: Clock) -> Option<(NaiveTime, NaiveTime)> {
    let (a_time, b_time) = match (a.pm, b.pm) {
        (Some(x), Some(y)) => (a.at(x)?, b.at(y)?),
        (None, Some(y)) => {
            let b_time = b.at(y)?;
            let a_time = if a.is_24h() {
                a.as_24h()?
            } else {
                let same = a.at(y)?;
                if same < b_time || b_time == NaiveTime::MIN {
                    same
                } else {
                    a.at(!y)?
                }
            };
            (a_time, b_time)
        }
        (Some(x), None) => {
            let a_time = a.at(x)?;
            let b_time = if b.is_24h() {
                b.as_24h()?
            } else {
                let same = b.at(x)?;
                if same > a_time { same } else { b.at(!x)? }
            };
            (a_time, b_time)
        }
        (None, None) => {
            if a.is_24h() || b.is_24h() {
                (a.as_24h()?, b.as_24h()?)
            } else {
                let a_time = a.at((1..=6).contains(&a.hour) || a.hour == 12)?;
                let (am, pm) = (b.at(false)?, b.at(true)?);
                // The first of the two that comes after the opening.
                let b_time = if am > a_time { am } else { pm };
                (a_time, b_time)
            }
        }
    };
    (a_time != b_time || a_time == NaiveTime::MIN).then_some((a_time, b_time))
}

#[derive(Debug, Clone, PartialEq)]
enum Sym {
    /// One or more days of the week (a name, `weekdays`, `daily`, `mwf`).
    Days(Vec<Weekday>),
    /// 1st … 5th, last (-1).
    Ord(i8),
    Time(Clock),
    Date(NaiveDate),
    /// `-`, `to`, `thru`, `through`, `until`.
    To,
    /// `,`, `and`, `&`, `/`, `+`.
    Sep,
    /// A line or clause break: newline, `;`, `.`.
    Break,
    Colon,
    Open,
    Close,
    /// `24 hours`, `24/7` (with [`Sym::Days`] for every day).
    AllDay,
    Closed,
    Appointment,
    /// `call` (for hours, for dates): said on a line without times, the hours are unknown.
    Call,
    /// `every other`, `biweekly`, `alternate`.
    EveryOther,
    /// `of the month`, `monthly`, `each month`, `bi-monthly`.
    OfMonth,
    /// `from`, `starting`: before a date, the date range has no end.
    From,
    /// A word that changes nothing (`weekly`, `every`, `open`).
    Filler,
    /// A word or number that is not understood.
    Unknown(String),
}

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn day_word(word: &str) -> Option<Vec<Weekday>> {
    use Weekday::*;
    let one = |d| Some(vec![d]);
    match word {
        "m" | "mo" | "mon" | "mons" | "monday" | "mondays" => one(Mon),
        "tu" | "tue" | "tues" | "tuesday" | "tuesdays" => one(Tue),
        "w" | "we" | "wed" | "weds" | "wednesday" | "wednesdays" => one(Wed),
        "th" | "thu" | "thur" | "thurs" | "thursday" | "thursdays" => one(Thu),
        "f" | "fr" | "fri" | "friday" | "fridays" => one(Fri),
        "sa" | "sat" | "sats" | "saturday" | "saturdays" => one(Sat),
        "su" | "sun" | "suns" | "sunday" | "sundays" => one(Sun),
        "mwf" => Some(vec![Mon, Wed, Fri]),
        "tth" | "tuth" | "tuthu" => Some(vec![Tue, Thu]),
        "mtwthf" | "mtwrf" => Some(vec![Mon, Tue, Wed, Thu, Fri]),
        "weekdays" | "weekday" => Some(vec![Mon, Tue, Wed, Thu, Fri]),
        "weekends" | "weekend" => Some(vec![Sat, Sun]),
        "daily" | "everyday" => Some(ALL_DAYS.to_vec()),
        _ => None,
    }
}

fn ordinal_word(word: &str) -> Option<i8> {
    match word {
        "1st" | "first" => Some(1),
        "2nd" | "second" => Some(2),
        "3rd" | "third" => Some(3),
        "4th" | "fourth" => Some(4),
        "5th" | "fifth" => Some(5),
        "last" => Some(-1),
        _ => None,
    }
}

const FILLERS: &[&str] = &[
    "weekly",
    "every",
    "each",
    "the",
    "of",
    "hours",
    "hour",
    "hrs",
    "hr",
    "open",
    "opens",
    "at",
    "on",
    "only",
    "a",
    "an",
    "day",
    "days",
    "week",
    "in",
    "for",
    "lunch",
    "s",
    "am",
    "pm",
    "please",
    "make",
    "schedule",
    "food",
    "distribution",
    "distributions",
    "pantry",
    "pickup",
    "between",
];

/// Phrases read as one meaning before single words are looked at. Commas and
/// dashes inside a phrase are skipped ("first come, first served").
/// Words of a phrase, and what it means.
type Phrase = (&'static [&'static str], fn() -> Vec<Sym>);

const PHRASES: &[Phrase] = &[
    (&["first", "come", "first", "served"], || vec![]),
    (&["first", "come", "first", "serve"], || vec![]),
    (&["except", "holidays"], || vec![]),
    (&["except", "on", "holidays"], || vec![]),
    (&["except", "major", "holidays"], || vec![]),
    (&["except", "federal", "holidays"], || vec![]),
    (&["except", "legal", "holidays"], || vec![]),
    (&["excluding", "holidays"], || vec![]),
    (&["closed", "on", "holidays"], || vec![]),
    (&["closed", "holidays"], || vec![]),
    (&["closed", "on", "major", "holidays"], || vec![]),
    (&["closed", "major", "holidays"], || vec![]),
    (&["closed", "all", "major", "holidays"], || vec![]),
    (&["closed", "on", "federal", "holidays"], || vec![]),
    (&["holidays", "excluded"], || vec![]),
    (&["until", "food", "is", "gone"], || vec![]),
    (&["until", "food", "runs", "out"], || vec![]),
    (&["until", "gone"], || vec![]),
    (&["while", "supplies", "last"], || vec![]),
    (&["must", "call", "ahead"], || vec![]),
    (&["please", "call", "ahead"], || vec![]),
    (&["call", "ahead"], || vec![]),
    (&["no", "appointment", "necessary"], || vec![]),
    (&["no", "appointment", "needed"], || vec![]),
    (&["no", "appointment", "required"], || vec![]),
    (&["no", "appointments"], || vec![]),
    (&["pick", "up"], || vec![Sym::Filler]),
    (&["every", "other"], || vec![Sym::EveryOther]),
    (&["bi", "weekly"], || vec![Sym::EveryOther]),
    (&["biweekly"], || vec![Sym::EveryOther]),
    (&["alternate"], || vec![Sym::EveryOther]),
    (&["alternating"], || vec![Sym::EveryOther]),
    (&["of", "the", "month"], || vec![Sym::OfMonth]),
    (&["of", "each", "month"], || vec![Sym::OfMonth]),
    (&["of", "every", "month"], || vec![Sym::OfMonth]),
    (&["of", "month"], || vec![Sym::OfMonth]),
    (&["each", "month"], || vec![Sym::OfMonth]),
    (&["every", "month"], || vec![Sym::OfMonth]),
    (&["a", "month"], || vec![Sym::OfMonth]),
    (&["per", "month"], || vec![Sym::OfMonth]),
    (&["monthly"], || vec![Sym::OfMonth]),
    (&["bi", "monthly"], || vec![Sym::OfMonth]),
    (&["bimonthly"], || vec![Sym::OfMonth]),
    (&["twice", "a", "month"], || vec![Sym::OfMonth]),
    (&["twice", "monthly"], || vec![Sym::OfMonth]),
    (&["twice", "per", "month"], || vec![Sym::OfMonth]),
    (&["once", "a", "month"], || vec![Sym::OfMonth]),
    (&["once", "per", "month"], || vec![Sym::OfMonth]),
    (&["every", "day"], || vec![Sym::Days(ALL_DAYS.to_vec())]),
    (&["seven", "days", "a", "week"], || {
        vec![Sym::Days(ALL_DAYS.to_vec())]
    }),
    (&["seven", "days"], || vec![Sym::Days(ALL_DAYS.to_vec())]),
    (&["all", "week"], || vec![Sym::Days(ALL_DAYS.to_vec())]),
    (&["week", "days"], || day_list(&["weekdays"])),
    (&["around", "the", "clock"], || vec![Sym::AllDay]),
    (&["all", "day"], || vec![Sym::AllDay]),
    (&["by", "appointment"], || vec![Sym::Appointment]),
    (&["by", "appointments"], || vec![Sym::Appointment]),
    (&["by", "appt"], || vec![Sym::Appointment]),
    (&["appointment", "only"], || vec![Sym::Appointment]),
    (&["appointments", "only"], || vec![Sym::Appointment]),
    (&["or", "by", "appointment"], || vec![Sym::Appointment]),
    (&["or", "by", "appt"], || vec![Sym::Appointment]),
    (&["or", "by", "appoint"], || vec![Sym::Appointment]),
    (&["and", "by", "appointment"], || vec![Sym::Appointment]),
];

fn day_list(words: &[&str]) -> Vec<Sym> {
    words
        .iter()
        .filter_map(|w| day_word(w))
        .map(Sym::Days)
        .collect()
}

fn word_symbol(word: &str) -> Sym {
    if let Some(days) = day_word(word) {
        return Sym::Days(days);
    }
    if let Some(n) = ordinal_word(word) {
        return Sym::Ord(n);
    }
    match word {
        "to" | "thru" | "through" | "until" | "till" | "til" | "untill" => Sym::To,
        "and" | "also" | "plus" => Sym::Sep,
        "from" | "starting" | "beginning" | "begins" | "starts" | "since" => Sym::From,
        "noon" => Sym::Time(Clock {
            pm: Some(true),
            ..Clock::word(12)
        }),
        "midnight" => Sym::Time(Clock {
            pm: Some(false),
            ..Clock::word(12)
        }),
        "closed" | "close" | "closes" => Sym::Closed,
        "appointment" | "appointments" | "appt" | "appts" | "appoint" => Sym::Appointment,
        "call" | "varies" | "vary" | "tbd" | "tba" => Sym::Call,
        w if FILLERS.contains(&w) => Sym::Filler,
        w => Sym::Unknown(w.to_owned()),
    }
}

/// The words of a phrase starting at token `i`, if there is one: how many
/// tokens it spans and what it means.
fn phrase_at(toks: &[Tok], i: usize) -> Option<(usize, Vec<Sym>)> {
    'phrases: for (words, meaning) in PHRASES {
        let mut j = i;
        for (n, want) in words.iter().enumerate() {
            if n > 0 {
                while matches!(toks.get(j), Some(Tok::Comma | Tok::Dash)) {
                    j += 1;
                }
            }
            match toks.get(j) {
                Some(Tok::Word(w)) if w == want => j += 1,
                _ => continue 'phrases,
            }
        }
        return Some((j - i, meaning()));
    }
    None
}

fn symbols(toks: &[Tok]) -> Vec<Sym> {
    let mut syms = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some((len, meaning)) = phrase_at(toks, i) {
            syms.extend(meaning);
            i += len;
            continue;
        }
        let next_word = |k: usize| match toks.get(k) {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        match &toks[i] {
            Tok::Num {
                value,
                minutes,
                pm,
                digits,
            } => {
                let (value, minutes, pm, digits) = (*value, *minutes, *pm, *digits);
                // 24 hours, 24 hrs, 24/7, 7 days a week.
                if value == 24 && minutes.is_none() && pm.is_none() {
                    if matches!(
                        next_word(i + 1),
                        Some("hours" | "hour" | "hrs" | "hr" | "h")
                    ) {
                        syms.push(Sym::AllDay);
                        i += 2;
                        continue;
                    }
                    if toks.get(i + 1) == Some(&Tok::Slash)
                        && matches!(toks.get(i + 2), Some(Tok::Num { value: 7, .. }))
                    {
                        syms.extend([Sym::AllDay, Sym::Days(ALL_DAYS.to_vec())]);
                        i += 3;
                        continue;
                    }
                }
                if value == 7
                    && minutes.is_none()
                    && pm.is_none()
                    && next_word(i + 1) == Some("days")
                {
                    syms.push(Sym::Days(ALL_DAYS.to_vec()));
                    i += 2;
                    continue;
                }
                // 12 noon, 12 midnight.
                if value == 12
                    && pm.is_none()
                    && matches!(next_word(i + 1), Some("noon" | "midnight"))
                {
                    syms.push(word_symbol(next_word(i + 1).unwrap_or("noon")));
                    i += 2;
                    continue;
                }
                let is_time = digits <= 2
                    && value <= 24
                    && minutes.is_none_or(|m| m < 60)
                    && (pm.is_none() || (1..=12).contains(&value));
                syms.push(if is_time {
                    Sym::Time(Clock {
                        hour: value,
                        minute: minutes.unwrap_or(0),
                        pm,
                        precise: minutes.is_some(),
                    })
                } else if minutes.is_none() && pm.is_none() && (3..=4).contains(&digits) {
                    // 0900, 1730: a 24-hour time without a colon.
                    let (h, m) = (value / 100, value % 100);
                    if h <= 24 && matches!(m, 0 | 15 | 30 | 45) {
                        Sym::Time(Clock {
                            hour: h,
                            minute: m,
                            pm: None,
                            precise: true,
                        })
                    } else {
                        Sym::Unknown(value.to_string())
                    }
                } else {
                    Sym::Unknown(value.to_string())
                });
            }
            Tok::Date(d) => syms.push(Sym::Date(*d)),
            Tok::Word(w) => syms.push(word_symbol(w)),
            // "10:00am- -3:00pm": one dash.
            Tok::Dash if syms.last() == Some(&Sym::To) => {}
            Tok::Dash => syms.push(Sym::To),
            Tok::Comma | Tok::Slash | Tok::Amp | Tok::Plus => syms.push(Sym::Sep),
            Tok::Break => syms.push(Sym::Break),
            Tok::Colon => syms.push(Sym::Colon),
            Tok::Open => syms.push(Sym::Open),
            Tok::Close => syms.push(Sym::Close),
        }
        i += 1;
    }
    syms
}

// ---------------------------------------------------------------------------
// Segments: lines with notes, headings and remarks taken out
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Segment {
    syms: Vec<Sym>,
    /// The line said "by appointment" or "call ..." and was taken out as a note.
    appointment: bool,
}

fn says_something(sym: &Sym) -> bool {
    matches!(
        sym,
        Sym::Days(_) | Sym::Ord(_) | Sym::Time(_) | Sym::AllDay | Sym::Date(_)
    )
}

/// Whether the symbol at `i` says something about hours. A bare number ("18
/// and younger") is a time only next to a dash or another time.
fn says_something_at(line: &[Sym], i: usize) -> bool {
    match &line[i] {
        Sym::Time(c) if c.pm.is_none() && !c.precise => {
            let near = |j: Option<usize>| {
                j.and_then(|j| line.get(j))
                    .is_some_and(|s| matches!(s, Sym::To | Sym::Time(_)))
            };
            near(i.checked_sub(1)) || near(Some(i + 1))
        }
        // "Call first": an ordinal says something only beside a day.
        Sym::Ord(_) => line.iter().any(|s| matches!(s, Sym::Days(_))),
        sym => says_something(sym),
    }
}

/// Takes out parenthesized remarks, headings and note lines; `None` when a line
/// that says something also holds a word that is not understood.
fn clean(syms: Vec<Sym>) -> Option<Vec<Segment>> {
    // Parenthesized remarks without days, times or dates go; the others stay.
    let mut flat: Vec<Sym> = Vec::new();
    // Where the next closing parenthesis is, from each position (one pass, so that
    // a text of many "(" stays linear).
    let mut next_close = vec![None; syms.len() + 1];
    for j in (0..syms.len()).rev() {
        next_close[j] = if syms[j] == Sym::Close {
            Some(j)
        } else {
            next_close[j + 1]
        };
    }
    let mut i = 0;
    while i < syms.len() {
        if syms[i] == Sym::Open {
            if let Some(len) = next_close[i + 1].map(|close| close - i - 1) {
                let inner = &syms[i + 1..i + 1 + len];
                if inner.iter().any(says_something) {
                    // Kept in its line: a date range there is that line's.
                    flat.push(Sym::Sep);
                    flat.extend(inner.iter().cloned());
                    flat.push(Sym::Sep);
                } else if inner.contains(&Sym::Appointment) {
                    flat.push(Sym::Break);
                    flat.push(Sym::Appointment);
                    flat.push(Sym::Break);
                }
                i += len + 2;
                continue;
            }
            i += 1;
            continue;
        }
        if syms[i] != Sym::Close {
            flat.push(syms[i].clone());
        }
        i += 1;
    }
    let mut segments = Vec::new();
    for line in flat.split(|s| *s == Sym::Break) {
        let mut line: Vec<Sym> = line.to_vec();
        // A heading: words that say nothing, then a colon ("Food Pantry:").
        if let Some(colon) = line.iter().position(|s| *s == Sym::Colon) {
            let head = &line[..colon];
            if head.iter().any(|s| matches!(s, Sym::Unknown(_)))
                && head
                    .iter()
                    .all(|s| matches!(s, Sym::Unknown(_) | Sym::Filler | Sym::Sep | Sym::Call))
            {
                line.drain(..=colon);
            }
        }
        let appointment = line.iter().any(|s| matches!(s, Sym::Appointment));
        let says = (0..line.len()).any(|i| says_something_at(&line, i))
            || (appointment && line.iter().any(|s| matches!(s, Sym::Days(_))));
        if !says {
            segments.push(Segment {
                syms: Vec::new(),
                appointment,
            });
            continue;
        }
        // "Call for an appointment" beside days is the appointment; "call" beside
        // times is a condition that cannot be read.
        if line.iter().any(|s| matches!(s, Sym::Unknown(_)))
            || (line.contains(&Sym::Call) && !appointment)
        {
            return None;
        }
        line.retain(|s| *s != Sym::Call);
        segments.push(Segment {
            syms: line,
            appointment: false,
        });
    }
    Some(segments)
}

// ---------------------------------------------------------------------------
// Items: runs of days, runs of times, date ranges
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Days {
        days: Vec<Day>,
        every_other: bool,
        /// "monthly" or "of the month" without saying which week.
        some_month: bool,
    },
    Spans(Vec<Span>),
    Window(Option<NaiveDate>, Option<NaiveDate>),
}

/// The items of every segment, each with its segment's number.
fn items(segments: &[Segment]) -> Option<Vec<(usize, Item)>> {
    let mut out = Vec::new();
    for (n, segment) in segments.iter().enumerate() {
        let s = &segment.syms;
        let mut i = 0;
        while i < s.len() {
            match &s[i] {
                Sym::Sep | Sym::Colon | Sym::Filler | Sym::From | Sym::Break => i += 1,
                Sym::Days(_) | Sym::Ord(_) | Sym::EveryOther | Sym::OfMonth => {
                    let (item, next) = days_item(s, i)?;
                    out.push((n, item));
                    i = next;
                }
                Sym::Time(_) | Sym::AllDay | Sym::Closed | Sym::Appointment => {
                    let (spans, next) = spans_item(s, i)?;
                    out.push((n, Item::Spans(spans)));
                    i = next;
                }
                Sym::Date(from) => {
                    let mut j = i + 1;
                    let to = if s.get(j) == Some(&Sym::To) {
                        match s.get(j + 1) {
                            Some(Sym::Date(to)) => {
                                j += 2;
                                Some(*to)
                            }
                            _ => return None,
                        }
                    } else {
                        // A date alone is that day, unless "from" came before it.
                        let from_word = i > 0 && s[i - 1] == Sym::From;
                        (!from_word).then_some(*from)
                    };
                    out.push((n, Item::Window(Some(*from), to)));
                    i = j;
                }
                Sym::To => match s.get(i + 1) {
                    Some(Sym::Date(to)) => {
                        out.push((n, Item::Window(None, Some(*to))));
                        i += 2;
                    }
                    // "Mon –12:00 PM": a closing time without an opening.
                    Some(Sym::Time(_)) => {
                        let (spans, next) = spans_item(s, i)?;
                        out.push((n, Item::Spans(spans)));
                        i = next;
                    }
                    // A dash between clauses ("Dismissal - 6pm" is already unread).
                    _ => i += 1,
                },
                Sym::Open | Sym::Close | Sym::Call | Sym::Unknown(_) => return None,
            }
        }
    }
    Some(out)
}

/// A run of days starting at `i`: `Mon-Fri`, `Mon, Wed and Fri`, `1st & 3rd
/// Saturday of the month`, `every other Tuesday`, `Wed–Sun`.
fn days_item(s: &[Sym], mut i: usize) -> Option<(Item, usize)> {
    let mut days: Vec<Day> = Vec::new();
    let mut ordinals: Vec<i8> = Vec::new();
    let mut every_other = false;
    let mut of_month = false;
    let mut used_ordinals = false;
    loop {
        match s.get(i) {
            Some(Sym::Ord(n)) => {
                ordinals.push(*n);
                i += 1;
            }
            Some(Sym::EveryOther) => {
                every_other = true;
                i += 1;
            }
            Some(Sym::OfMonth) => {
                of_month = true;
                i += 1;
            }
            Some(Sym::Days(first)) => {
                let mut weekdays = first.clone();
                i += 1;
                // A range: Mon-Fri, Monday through Friday, Wed–Sun (wrapping round the week).
                if s.get(i) == Some(&Sym::To)
                    && let Some(Sym::Days(last)) = s.get(i + 1)
                    && let ([a], [b]) = (first.as_slice(), last.as_slice())
                {
                    weekdays = week_range(*a, *b);
                    i += 2;
                }
                for weekday in weekdays {
                    if ordinals.is_empty() {
                        days.push(Day::every(weekday));
                    } else {
                        for &nth in &ordinals {
                            days.push(Day {
                                weekday,
                                nth: Some(nth),
                            });
                        }
                    }
                }
                if !ordinals.is_empty() {
                    used_ordinals = true;
                    // "1st & 3rd Mon and Wed": the ordinals hold for the days that follow
                    // directly; a new ordinal starts a new list.
                    if !matches!(s.get(i), Some(Sym::Sep))
                        || !matches!(s.get(i + 1), Some(Sym::Days(_)))
                    {
                        ordinals.clear();
                    }
                }
            }
            Some(Sym::Sep | Sym::Filler | Sym::Colon | Sym::From)
                if matches!(
                    s.get(i + 1),
                    Some(Sym::Ord(_) | Sym::Days(_) | Sym::EveryOther | Sym::OfMonth | Sym::Sep)
                ) =>
            {
                i += 1;
            }
            _ => break,
        }
    }
    // Ordinals with no day after them ("every 2nd week") cannot be read.
    if !ordinals.is_empty() || days.is_empty() {
        return None;
    }
    let mut unique: Vec<Day> = Vec::new();
    for d in days {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    Some((
        Item::Days {
            days: unique,
            every_other,
            some_month: of_month && !used_ordinals,
        },
        i,
    ))
}

fn week_range(a: Weekday, b: Weekday) -> Vec<Weekday> {
    let mut days = vec![a];
    let mut d = a;
    while d != b && days.len() < 7 {
        d = d.succ();
        days.push(d);
    }
    days
}

/// A run of times starting at `i`: ranges (`9-5`, `9:00 AM 12:00 PM`), single
/// times (a meal at 6 pm), `24 hours`, `closed`, `by appointment`, separated by
/// commas, `and`, `&`, `/`.
fn spans_item(s: &[Sym], mut i: usize) -> Option<(Vec<Span>, usize)> {
    let mut spans = Vec::new();
    let mut closed_next = false;
    loop {
        match s.get(i) {
            Some(Sym::Time(a)) => {
                let (a, mut j) = (*a, i + 1);
                let b = match (s.get(j), s.get(j + 1)) {
                    (Some(Sym::To), Some(Sym::Time(b))) => {
                        j += 2;
                        Some(*b)
                    }
                    // Two times side by side, both with am/pm or minutes: a range.
                    (Some(Sym::Time(b)), _)
                        if (a.pm.is_some() || a.precise) && (b.pm.is_some() || b.precise) =>
                    {
                        j += 1;
                        Some(*b)
                    }
                    _ => None,
                };
                let span = match b {
                    Some(b) => {
                        let (opens, closes) = range(a, b)?;
                        open_span(opens, closes)
                    }
                    None => Span::Starts(a.alone()?),
                };
                let closed_after = s.get(j) == Some(&Sym::Closed);
                spans.push(match span {
                    Span::Open { opens, closes } if closed_next || closed_after => {
                        Span::Closed(Some((opens, closes)))
                    }
                    _ if closed_next || closed_after => return None,
                    span => span,
                });
                closed_next = false;
                i = if closed_after { j + 1 } else { j };
            }
            // A closing time alone: open that day until then, from a time not given.
            Some(Sym::To) if matches!(s.get(i + 1), Some(Sym::Time(_))) && !closed_next => {
                spans.push(Span::Unknown);
                i += 2;
            }
            Some(Sym::AllDay) => {
                spans.push(Span::AllDay);
                i += 1;
            }
            Some(Sym::Appointment) => {
                spans.push(Span::Appointment);
                i += 1;
            }
            Some(Sym::Closed) => {
                let after = s[i + 1..].iter().find(|s| **s != Sym::Filler);
                if matches!(after, Some(Sym::Time(_))) {
                    closed_next = true;
                } else {
                    spans.push(Span::Closed(None));
                }
                i += 1;
            }
            Some(Sym::Sep | Sym::Filler | Sym::Colon | Sym::From)
                if matches!(
                    s.get(i + 1),
                    Some(
                        Sym::Time(_)
                            | Sym::AllDay
                            | Sym::Closed
                            | Sym::Appointment
                            | Sym::Sep
                            | Sym::Filler
                            | Sym::From
                    )
                ) =>
            {
                i += 1;
            }
            _ => break,
        }
    }
    (!spans.is_empty() && !closed_next).then_some((spans, i))
}

// ---------------------------------------------------------------------------
// Pairing days with times
// ---------------------------------------------------------------------------

/// Days and the spans that go with them, with the segment the spans were in.
struct Pair {
    days: Vec<Day>,
    every_other: bool,
    some_month: bool,
    spans: Vec<Span>,
    segment: usize,
}

/// Pairs runs of days with runs of times, in the order the text uses: days
/// first ("Mon-Fri 9-5"), or times first ("9:00am-5:00pm, Mon-Fri", the order
/// of 211 exports), then turns each pair into rules with its date range.
fn pair(items: &[(usize, Item)]) -> Option<Vec<Rule>> {
    let body: Vec<&(usize, Item)> = items
        .iter()
        .filter(|(_, i)| !matches!(i, Item::Window(..)))
        .collect();
    let has_days = body.iter().any(|(_, i)| matches!(i, Item::Days { .. }));
    let mut pairs: Vec<Pair> = Vec::new();
    if !has_days {
        // Times without days: only "24 hours" (and "24/7") means every day.
        let spans: Vec<Span> = body
            .iter()
            .flat_map(|(_, i)| match i {
                Item::Spans(s) => s.clone(),
                _ => Vec::new(),
            })
            .collect();
        if spans.is_empty() || spans.iter().any(|s| *s != Span::AllDay) {
            return (spans.is_empty() || spans.iter().all(|s| *s == Span::Appointment))
                .then(Vec::new);
        }
        pairs.push(Pair {
            days: ALL_DAYS.iter().copied().map(Day::every).collect(),
            every_other: false,
            some_month: false,
            spans: vec![Span::AllDay],
            segment: body.first().map_or(0, |(n, _)| *n),
        });
    } else {
        let days_first = matches!(body.first(), Some((_, Item::Days { .. })));
        let mut k = 0;
        // How many runs of times the previous days took.
        let mut pieces = 0;
        while k < body.len() {
            let (days, every_other, some_month, after_days) = if days_first {
                let run = days_run(&body, k);
                (run.0, run.1, run.2, run.3)
            } else {
                (Vec::new(), false, false, k)
            };
            let (spans, segment, after_spans) = spans_run(&body, after_days);
            if days_first {
                let pieces_before = pieces;
                pieces = after_spans - after_days;
                if days.is_empty() {
                    return None;
                }
                // Days with no times after them: open those days at times not given.
                // But after days whose times came in several pieces ("Mon-Fri\n8-5\nand
                // 9-11 on Saturday"), the last piece may belong to these days instead.
                let spans = if spans.is_empty() {
                    if pieces_before > 1 {
                        return None;
                    }
                    vec![Span::Unknown]
                } else {
                    spans
                };
                let segment = segment.unwrap_or(body[k].0);
                pairs.push(Pair {
                    days,
                    every_other,
                    some_month,
                    spans,
                    segment,
                });
                k = after_spans;
            } else {
                let (days, every_other, some_month, after) = days_run(&body, after_spans);
                // Times with no days after them cannot be placed.
                if spans.is_empty() || days.is_empty() {
                    return None;
                }
                pairs.push(Pair {
                    days,
                    every_other,
                    some_month,
                    spans,
                    segment: segment.unwrap_or(body[k].0),
                });
                k = after;
            }
        }
    }
    Some(rules_of(&pairs, items))
}

/// Consecutive day items from `k`, merged: where a weekday is given both plain
/// and refined ("Monday: 3rd Monday of the month"), the refined one wins.
fn days_run(body: &[&(usize, Item)], mut k: usize) -> (Vec<Day>, bool, bool, usize) {
    let mut days: Vec<Day> = Vec::new();
    let mut every_other = false;
    let mut some_month = false;
    while let Some((
        _,
        Item::Days {
            days: d,
            every_other: e,
            some_month: m,
        },
    )) = body.get(k)
    {
        days.extend(d.iter().copied());
        every_other |= *e;
        some_month |= *m;
        k += 1;
    }
    let refined: Vec<Weekday> = days
        .iter()
        .filter(|d| d.nth.is_some())
        .map(|d| d.weekday)
        .collect();
    let mut merged: Vec<Day> = Vec::new();
    for d in days {
        if (d.nth.is_some() || !refined.contains(&d.weekday)) && !merged.contains(&d) {
            merged.push(d);
        }
    }
    (merged, every_other, some_month, k)
}

fn spans_run(body: &[&(usize, Item)], mut k: usize) -> (Vec<Span>, Option<usize>, usize) {
    let mut spans = Vec::new();
    let mut segment = None;
    while let Some((n, Item::Spans(s))) = body.get(k) {
        segment.get_or_insert(*n);
        spans.extend(s.iter().copied());
        k += 1;
    }
    (spans, segment, k)
}

/// Rules for the pairs. A date range in a pair's own line holds for it; one on a
/// line of its own ("Season: 6/27/2017 to 7/28/2017") for every pair without one.
fn rules_of(pairs: &[Pair], items: &[(usize, Item)]) -> Vec<Rule> {
    let windows: Vec<(usize, Option<NaiveDate>, Option<NaiveDate>)> = items
        .iter()
        .filter_map(|(n, i)| match i {
            Item::Window(from, to) => Some((*n, *from, *to)),
            _ => None,
        })
        .collect();
    let busy: Vec<usize> = items
        .iter()
        .filter(|(_, i)| !matches!(i, Item::Window(..)))
        .map(|(n, _)| *n)
        .collect();
    let global = windows
        .iter()
        .find(|(n, _, _)| !busy.contains(n))
        .map(|&(_, f, t)| (f, t));
    let mut rules = Vec::new();
    for p in pairs {
        let (valid_from, valid_to) = windows
            .iter()
            .find(|(n, _, _)| *n == p.segment)
            .map(|&(_, f, t)| (f, t))
            .or(global)
            .unwrap_or((None, None));
        let (nth, plain): (Vec<Day>, Vec<Day>) = p.days.iter().partition(|d| d.nth.is_some());
        for (days, freq) in [(plain, Freq::Weekly), (nth, Freq::Monthly)] {
            if days.is_empty() {
                continue;
            }
            let freq = if p.some_month { Freq::Monthly } else { freq };
            for span in &p.spans {
                let rule = Rule {
                    freq,
                    days: days.clone(),
                    span: *span,
                    interval: if p.every_other { 2 } else { 1 },
                    dtstart: None,
                    valid_from,
                    valid_to,
                    uncertain: p.every_other || p.some_month,
                    zone: super::Zone::Local,
                };
                if !rules.contains(&rule) {
                    rules.push(rule);
                }
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests;

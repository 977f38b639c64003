//! Food Oasis LA (2017): supermarkets, food pantries, farmers markets, summer
//! lunch sites and community gardens in Los Angeles County: a JSON array
//! written one record per line (JSON lines are read too).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::super::flat::key_from;
use super::super::{
    FlatRecord, Format, ImportContext, ImportError, ParsedSource, RawPhone, SkippedRow, build_flat,
    parse_coordinate, quoted,
};
use super::common::{first_phone, html_to_text, web_url};
use crate::model::{Schedule, TaxonomyTerm};

const DATASET: &str = "la-food-oasis";

/// Keys every Food Oasis record has; together they identify the file.
const KEYS: &[&str] = &[
    "name",
    "address_1",
    "category",
    "hours",
    "uri",
    "content",
    "season_open",
    "season_close",
];

/// Whether a JSON record's top-level keys are those of a Food Oasis LA record.
pub(super) fn matches_keys(keys: &[String]) -> bool {
    KEYS.iter().all(|k| keys.iter().any(|key| key == k))
}

/// Reads the Food Oasis LA file: JSON lines, or one JSON array (the published
/// file is an array written one record per line). Listings are recorded under
/// `dataset` when given, else under the list's own name.
///
/// `hours[]` entries that cannot be read are left out of a listing's hours, with
/// a note for the record.
pub(super) fn read(
    ctx: ImportContext<'_>,
    format: Format,
    path: &Path,
    dataset: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    let dataset = dataset.unwrap_or(DATASET);
    let mut parsed = ParsedSource::empty(path, format, dataset);
    let records = json_records(path, &text)?;
    let mut seen: HashSet<String> = HashSet::new();
    for (n, record) in records.into_iter().enumerate() {
        let row = n as u64 + 1;
        parsed.rows_read += 1;
        let mut note = None;
        let outcome =
            record
                .and_then(|value| to_flat(ctx, &value))
                .and_then(|(flat, hours_note)| {
                    if !seen.insert(flat.source_id.clone()) {
                        return Err(format!(
                            "same source id {:?} as an earlier record; kept the first",
                            flat.source_id
                        ));
                    }
                    note = hours_note;
                    build_flat(ctx, DATASET, dataset, flat)
                });
        let at = |reason: String| SkippedRow {
            row,
            file: None,
            reason,
        };
        match outcome {
            Ok(service) => {
                parsed.services.push(service);
                parsed.notes.extend(note.map(at));
            }
            Err(reason) => parsed.skipped.push(at(reason)),
        }
    }
    Ok(parsed)
}

/// Splits the file into records: a whole JSON array (or object) when it parses
/// as one, else one record per line. A line that is not JSON becomes a skipped
/// record; a file with no JSON at all is an error.
fn json_records(path: &Path, text: &str) -> Result<Vec<Result<Value, String>>, ImportError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => return Ok(items.into_iter().map(Ok).collect()),
        Ok(object @ Value::Object(_)) => return Ok(vec![Ok(object)]),
        Ok(_) => {
            return Err(ImportError::invalid(
                path,
                "expected JSON objects, one per line, or an array of them",
            ));
        }
        Err(_) => {}
    }
    let mut records = Vec::new();
    let mut first_error: Option<(u64, String)> = None;
    for line in text.lines() {
        let line = line
            .trim()
            .trim_start_matches('\u{feff}')
            .trim_end_matches(',')
            .trim();
        if line.is_empty() || line == "[" || line == "]" {
            continue;
        }
        let record =
            serde_json::from_str::<Value>(line).map_err(|e| format!("not valid JSON: {e}"));
        if let Err(message) = &record {
            first_error.get_or_insert((records.len() as u64 + 1, message.clone()));
        }
        records.push(record);
    }
    if records.iter().all(Result::is_err) {
        let (record, message) = first_error.unwrap_or((0, "no records".to_owned()));
        return Err(ImportError::Json {
            path: path.to_owned(),
            record,
            message,
        });
    }
    Ok(records)
}

/// A field as text: strings trimmed, numbers written out, anything else empty.
fn field(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{200b}')
            .to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// Maps a record onto a flat record, with a note when some of its hours could not be read.
fn to_flat(ctx: ImportContext<'_>, value: &Value) -> Result<(FlatRecord, Option<String>), String> {
    if !value.is_object() {
        return Err("not a JSON object".to_owned());
    }
    let name = field(value, "name");
    let address_1 = field(value, "address_1");
    let city = field(value, "city");
    let zip = field(value, "zip");
    let uri = field(value, "uri");
    let source_id = if uri.is_empty() {
        key_from(&[&name, &address_1, &city, &zip])
    } else {
        uri
    };
    let category = field(value, "category");
    let terms = non_empty(category.clone())
        .map(|c| {
            vec![TaxonomyTerm {
                code: c.clone(),
                name: c,
                taxonomy: DATASET.to_owned(),
            }]
        })
        .unwrap_or_default();
    // The file has no state column: it is all Los Angeles County, so the ZIP says which state.
    let state = ctx.gazetteer.zip(&zip).map(|p| p.state.clone());
    let phones = first_phone(&field(value, "phone"))
        .map(|number| {
            vec![RawPhone {
                number,
                kind: Some("voice"),
                description: None,
            }]
        })
        .unwrap_or_default();
    let mut attributes = Vec::new();
    for key in ["facebook", "instagram", "twitter"] {
        if let Some(url) = web_url(&field(value, key)) {
            attributes.push(crate::model::Attribute {
                tag: key.to_owned(),
                value: url,
            });
        }
    }
    let (hours, schedules, unusable) = hours(value);
    let note = (!unusable.is_empty()).then(|| {
        format!(
            "hours entries that could not be read were left out of its hours: {}",
            quoted(&unusable.join(", "))
        )
    });
    let flat = FlatRecord {
        source_id,
        name,
        description: html_to_text(&field(value, "content")),
        address_1: non_empty(address_1),
        address_2: non_empty(field(value, "address_2")),
        city: non_empty(city),
        state,
        zip: non_empty(zip),
        latitude: parse_coordinate(&field(value, "latitude"))?,
        longitude: parse_coordinate(&field(value, "longitude"))?,
        phones,
        website: web_url(&field(value, "website")),
        hours,
        schedules,
        terms,
        attributes,
        source_note: Some(
            "Food Oasis LA, a community-curated list of Los Angeles food resources (2017); \
             hours and details may have changed since."
                .to_owned(),
        ),
        ..FlatRecord::default()
    };
    Ok((flat, note))
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// One day of the `hours[]` list: `Sat3rd` is the third Saturday, `SatLast` the last.
#[derive(Debug, Clone, PartialEq)]
struct Day {
    weekday: usize,
    ordinal: Option<String>,
}

impl Day {
    fn parse(raw: &str) -> Option<Day> {
        let lower = raw.trim().to_ascii_lowercase();
        let weekday = WEEKDAYS
            .iter()
            .position(|d| lower.starts_with(&d.to_ascii_lowercase()))?;
        // What follows the three letters: the rest of the day's name ("tues"), an ordinal, or "last".
        let rest = &lower[3..];
        let ordinal = if rest.ends_with("last") {
            Some("last".to_owned())
        } else if let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
            let ordinal = &rest[at..];
            if !matches!(ordinal, "1st" | "2nd" | "3rd" | "4th" | "5th") {
                return None;
            }
            Some(ordinal.to_owned())
        } else if rest.chars().all(|c| c.is_ascii_alphabetic()) {
            None
        } else {
            return None;
        };
        Some(Day { weekday, ordinal })
    }

    /// The HSDS `byday` code: `TH`, or `1TH`, `-1SA` for "Thu1st", "SatLast".
    fn byday(&self) -> String {
        const CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
        let nth = match self.ordinal.as_deref() {
            None => "",
            Some("last") => "-1",
            Some(o) => o.get(..1).unwrap_or(""),
        };
        format!("{nth}{}", CODES[self.weekday])
    }

    fn label(&self) -> String {
        match &self.ordinal {
            Some(o) => format!("{o} {}", WEEKDAYS[self.weekday]),
            None => WEEKDAYS[self.weekday].to_owned(),
        }
    }
}

/// A time written `HHMM` without padding (`830`, `1230`, `0`), as minutes after midnight.
fn parse_hhmm(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = raw.parse().ok()?;
    let (h, m) = (n / 100, n % 100);
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

fn clock(minutes: u32) -> String {
    let (h, m) = (minutes / 60 % 24, minutes % 60);
    if h == 0 && m == 0 {
        return "midnight".to_owned();
    }
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{h12}:{m:02} {half}")
}

/// The hours of one `hours[]` entry: readable text, and opening and closing as
/// HSDS `HH:MM` (`00:00`–`23:59` all day; midnight closing is `23:59`).
#[derive(Debug, Clone, PartialEq)]
struct Span {
    text: String,
    opens_at: String,
    closes_at: String,
}

/// Days that share a span of hours.
type Group = (Span, Vec<Day>);

fn hhmm(minutes: u32) -> String {
    let minutes = minutes.min(23 * 60 + 59);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The span of one `hours[]` entry, or `None` when the entry cannot be
/// right: blank, opening and closing at the same time, "midnight to 1 AM" (the
/// file's placeholder for unknown supermarket hours), or closing before opening
/// other than overnight.
fn span(open: &str, close: &str) -> Option<Span> {
    let (open, close) = (parse_hhmm(open)?, parse_hhmm(close)?);
    if open == 0 && close >= 23 * 60 + 59 {
        return Some(Span {
            text: "open 24 hours".to_owned(),
            opens_at: "00:00".to_owned(),
            closes_at: "23:59".to_owned(),
        });
    }
    if open == close || (open == 0 && close < 6 * 60) {
        return None;
    }
    let closes_midnight = close == 0 || close >= 23 * 60 + 59;
    let overnight = close < open && open >= 12 * 60 && close <= 6 * 60;
    if close < open && !closes_midnight && !overnight {
        return None;
    }
    let close_text = if closes_midnight {
        "midnight".to_owned()
    } else {
        clock(close)
    };
    Some(Span {
        text: format!("{}–{close_text}", clock(open)),
        opens_at: hhmm(open),
        closes_at: if closes_midnight {
            "23:59".to_owned()
        } else {
            hhmm(close)
        },
    })
}

fn day_list(days: &[Day]) -> String {
    let plain: Vec<usize> = days
        .iter()
        .filter(|d| d.ordinal.is_none())
        .map(|d| d.weekday)
        .collect();
    let contiguous = plain.len() >= 3 && plain.windows(2).all(|w| w[1] == w[0] + 1);
    if days.iter().all(|d| d.ordinal.is_none()) {
        if plain.len() == 7 && contiguous {
            return "Every day".to_owned();
        }
        if contiguous {
            return format!(
                "{}–{}",
                WEEKDAYS[plain[0]],
                WEEKDAYS[plain[plain.len() - 1]]
            );
        }
    }
    days.iter().map(Day::label).collect::<Vec<_>>().join(", ")
}

/// A season date as the file writes it (`6/27/2017`, `6/12/17`), as `YYYY-MM-DD`.
fn season_date(text: &str) -> Option<String> {
    let parts: Vec<u32> = text
        .split('/')
        .map(|p| p.trim().parse::<u32>().ok())
        .collect::<Option<_>>()?;
    let [m, d, y] = parts.as_slice() else {
        return None;
    };
    // "6/12/17" as well as "6/27/2017".
    let y = if *y < 100 { 2000 + y } else { *y };
    let valid = (1..=12).contains(m) && (1..=31).contains(d) && (1990..=2100).contains(&y);
    valid.then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The hours of a record: one readable text, and the same hours as HSDS schedule
/// rows (see [`hours_text`] and [`schedule_rows`]).
fn hours(value: &Value) -> (Option<String>, Vec<Schedule>, Vec<String>) {
    let (text, groups, unusable) = hours_text(value);
    let rows = schedule_rows(value, &groups, text.as_deref());
    (text, rows, unusable)
}

/// The grouped `hours[]` as HSDS rows, one per group and kind of day: WEEKLY with
/// `byday` `MO,WE`, or MONTHLY with `1TH`, `-1SA`; opening and closing as
/// `HH:MM`; the summer season as `valid_from`/`valid_to`; the whole readable
/// text as each row's description.
fn schedule_rows(value: &Value, groups: &[Group], text: Option<&str>) -> Vec<Schedule> {
    let valid_from = season_date(&field(value, "season_open"));
    let valid_to = season_date(&field(value, "season_close"));
    let mut rows = Vec::new();
    for (span, days) in groups {
        let (monthly, weekly): (Vec<&Day>, Vec<&Day>) =
            days.iter().partition(|d| d.ordinal.is_some());
        for (freq, days) in [("WEEKLY", weekly), ("MONTHLY", monthly)] {
            if days.is_empty() {
                continue;
            }
            let byday: Vec<String> = days.iter().map(|d| d.byday()).collect();
            rows.push(Schedule {
                freq: Some(freq.to_owned()),
                byday: Some(byday.join(",")),
                opens_at: Some(span.opens_at.clone()),
                closes_at: Some(span.closes_at.clone()),
                valid_from: valid_from.clone(),
                valid_to: valid_to.clone(),
                description: text.map(str::to_owned),
                ..Schedule::default()
            });
        }
    }
    rows
}

/// Turns `hours[]` (and the summer season dates) into one readable text:
/// "Mon–Fri 12:30 PM–1:30 PM", days with the same times grouped together.
/// Also gives the groups (span and days) and the entries that could not be read,
/// as written (`Sat 130–`), which are left out of the text.
fn hours_text(value: &Value) -> (Option<String>, Vec<Group>, Vec<String>) {
    let entries = value
        .get("hours")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut groups: Vec<Group> = Vec::new();
    let mut unusable = Vec::new();
    for entry in &entries {
        let (day, open, close) = (
            field(entry, "day"),
            field(entry, "open"),
            field(entry, "close"),
        );
        let (Some(parsed_day), Some(span)) = (Day::parse(&day), span(&open, &close)) else {
            // Blank times and the "midnight to 1 AM" placeholder say nothing; anything else is
            // data that could not be read.
            let says_nothing = open.is_empty() && close.is_empty();
            let placeholder = Day::parse(&day).is_some()
                && parse_hhmm(&open) == Some(0)
                && parse_hhmm(&close).is_some_and(|c| c < 6 * 60);
            if !(says_nothing || placeholder) {
                unusable.push(format!("{day} {open}–{close}").trim().to_owned());
            }
            continue;
        };
        let day = parsed_day;
        match groups.iter_mut().find(|(s, _)| *s == span) {
            Some((_, days)) if !days.contains(&day) => days.push(day),
            Some(_) => {}
            None => groups.push((span, vec![day])),
        }
    }
    let mut lines: Vec<String> = groups
        .iter()
        .map(|(span, days)| match span.text.as_str() {
            "open 24 hours" => format!("{}: open 24 hours", day_list(days)),
            text => format!("{} {text}", day_list(days)),
        })
        .collect();
    let (open, close) = (field(value, "season_open"), field(value, "season_close"));
    match (open.is_empty(), close.is_empty()) {
        (false, false) => lines.push(format!("Season: {open} to {close}")),
        (false, true) => lines.push(format!("Season opens {open}")),
        (true, false) => lines.push(format!("Season ends {close}")),
        (true, true) => {}
    }
    (
        (!lines.is_empty()).then(|| lines.join("\n")),
        groups,
        unusable,
    )
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        context, fixture, named, needs, read_as, read_fixture, read_full_file, slugs,
    };
    use super::*;
    use crate::import::test_support::{
        assert_every_row_accounted_for, json_paths, odd_json_values, odd_values,
    };

    const FILE: &str = "la_food_oasis_locations_2017.json";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::LaFoodOasis, FILE)
    }

    /// (freq, byday, opens_at, closes_at) of each schedule row, "" for none.
    fn row_fields(rows: &[Schedule]) -> Vec<(&str, &str, &str, &str)> {
        rows.iter()
            .map(|r| {
                (
                    r.freq.as_deref().unwrap_or(""),
                    r.byday.as_deref().unwrap_or(""),
                    r.opens_at.as_deref().unwrap_or(""),
                    r.closes_at.as_deref().unwrap_or(""),
                )
            })
            .collect()
    }

    #[test]
    fn a_food_pantry_is_food_with_food_insecurity_and_readable_hours() {
        let p = parsed();
        let s = named(&p, "Ascension's Food Pantry");
        assert_eq!(slugs(s), vec!["food"]);
        assert_eq!(needs(s), vec!["food-insecurity"]);
        let loc = &s.locations[0];
        assert_eq!(loc.phones[0].number, "(323) 754-2978");
        assert_eq!(
            loc.schedules[0].description.as_deref(),
            Some("last Sat 9:00 AM–11:00 AM")
        );
        // The same hours as a structured row: the last Saturday of every month.
        let row = &loc.schedules[0];
        assert_eq!(
            (
                row.freq.as_deref(),
                row.byday.as_deref(),
                row.opens_at.as_deref(),
                row.closes_at.as_deref()
            ),
            (Some("MONTHLY"), Some("-1SA"), Some("09:00"), Some("11:00"))
        );
        assert_eq!(loc.schedules.len(), 1);
        assert_eq!(
            loc.address.as_ref().map(|a| a.state_province.as_str()),
            Some("CA")
        );
        assert!(!loc.approximate);
        assert!(s.source_note.as_deref().is_some_and(|n| n.contains("2017")));
        assert_eq!(s.taxonomy_terms[0].taxonomy, "la-food-oasis");
    }

    #[test]
    fn a_supermarket_is_food_without_a_need_and_groups_its_days() {
        let p = parsed();
        let s = named(&p, "365 by Whole Foods Market");
        assert_eq!(slugs(s), vec!["food"]);
        assert!(s.needs.is_empty());
        assert_eq!(
            s.locations[0].schedules[0].description.as_deref(),
            Some("Every day 8:00 AM–11:00 PM")
        );
        assert_eq!(s.url.as_deref(), Some("http://365bywholefoods.com"));
    }

    #[test]
    fn placeholder_supermarket_hours_are_left_out() {
        let p = parsed();
        for s in p.services.iter().filter(|s| s.name == "Albertsons") {
            assert!(
                s.locations[0].schedules.is_empty(),
                "{:?}",
                s.locations[0].schedules
            );
        }
    }

    #[test]
    fn a_summer_lunch_contact_keeps_the_number_but_not_the_staff_name() {
        let p = parsed();
        let s = p
            .services
            .iter()
            .find(|s| s.source.id == "/summer-lunch/1st-place-sports-complex/");
        let s = s.unwrap_or_else(|| panic!("summer lunch site missing"));
        let phone = &s.locations[0].phones[0];
        assert_eq!(phone.number, "(818) 280-6410");
        assert_eq!(phone.tel_uri().as_deref(), Some("tel:+18182806410"));
        assert_eq!(s.description.as_deref(), Some("Closed: 7/4/2017"));
        assert!(needs(s).contains(&"food-insecurity"));
    }

    #[test]
    fn html_content_becomes_plain_text() {
        let p = parsed();
        let s = named(&p, "Cheli’s Produce");
        assert_eq!(
            s.description.as_deref(),
            Some("This grocery truck is located on a residential street, and sells produce.")
        );
        for s in &p.services {
            let d = s.description.as_deref().unwrap_or("");
            assert!(!d.contains('<') && !d.contains("&amp;"), "{d}");
        }
    }

    /// Regression: the hours said "Hours for other days were not usable in the
    /// source; call to check.", Hearth's words shown as the source's. The hours
    /// now hold only what the source gave; the import report has the note.
    #[test]
    fn inconsistent_days_are_dropped_with_a_note_in_the_report() {
        let p = parsed();
        let s = named(&p, "Loaves & Fishes-Van Nuys");
        let text = s.locations[0].schedules[0]
            .description
            .clone()
            .unwrap_or_default();
        assert_eq!(text, "Wed, Fri 10:00 AM–1:30 PM");
        let notes: Vec<&str> = p.notes.iter().map(|n| n.reason.as_str()).collect();
        assert!(
            notes.contains(
                &"hours entries that could not be read were left out of its hours: \"Mon 1000–130\""
            ),
            "{notes:?}"
        );
        // Placeholder supermarket hours say nothing: no note for them.
        assert!(
            p.notes.len() < p.services.len() / 4,
            "{} notes: {notes:?}",
            p.notes.len()
        );
        for s in &p.services {
            for h in &s.locations[0].schedules {
                let text = h.description.as_deref().unwrap_or("");
                assert!(!text.contains("call to check"), "{text}");
            }
        }
    }

    #[test]
    fn hours_spans_handle_midnight_and_24_hours() {
        let value = serde_json::json!({
            "hours": [
                {"day": "Mon", "open": "0000", "close": "2359"},
                {"day": "Tue", "open": "00000", "close": "2359"},
                {"day": "Wed", "open": "600", "close": "0"},
                {"day": "Fri", "open": "1800", "close": "200"},
                {"day": "Sat", "open": "", "close": ""}
            ],
            "season_open": "",
            "season_close": ""
        });
        let (text, rows, unusable) = hours(&value);
        assert_eq!(
            text.as_deref(),
            Some("Mon, Tue: open 24 hours\nWed 6:00 AM–midnight\nFri 6:00 PM–2:00 AM")
        );
        let fields = row_fields(&rows);
        assert_eq!(
            fields,
            vec![
                ("WEEKLY", "MO,TU", "00:00", "23:59"),
                ("WEEKLY", "WE", "06:00", "23:59"),
                ("WEEKLY", "FR", "18:00", "02:00"),
            ]
        );
        assert!(rows.iter().all(|r| r.description == text));
        // A day with no times says nothing: it is not reported as unreadable.
        assert!(unusable.is_empty(), "{unusable:?}");
        let redeemer = parsed();
        let redeemer = named(&redeemer, "Church of the Redeemer");
        let text = redeemer.locations[0].schedules[0]
            .description
            .clone()
            .unwrap_or_default();
        assert_eq!(text, "Mon, Wed, Fri 9:00 AM–1:00 PM");
    }

    /// Regression: per-day hours became one line of text, so "open now" could not
    /// be worked out; they are schedule rows now, ordinals and seasons included.
    #[test]
    fn per_day_hours_become_schedule_rows() {
        let value = serde_json::json!({
            "hours": [
                {"day": "Thu1st", "open": "1500", "close": "1900"},
                {"day": "Thu3rd", "open": "1500", "close": "1900"},
                {"day": "Mon", "open": "1500", "close": "1900"},
                {"day": "SatLast", "open": "900", "close": "1100"}
            ],
            "season_open": "6/12/17",
            "season_close": "8/11/2017"
        });
        let (text, rows, _) = hours(&value);
        let text = text.unwrap_or_default();
        assert_eq!(
            text,
            "1st Thu, 3rd Thu, Mon 3:00 PM–7:00 PM\nlast Sat 9:00 AM–11:00 AM\nSeason: 6/12/17 to 8/11/2017"
        );
        let fields = row_fields(&rows);
        assert_eq!(
            fields,
            vec![
                ("WEEKLY", "MO", "15:00", "19:00"),
                ("MONTHLY", "1TH,3TH", "15:00", "19:00"),
                ("MONTHLY", "-1SA", "09:00", "11:00"),
            ]
        );
        for row in &rows {
            assert_eq!(row.valid_from.as_deref(), Some("2017-06-12"));
            assert_eq!(row.valid_to.as_deref(), Some("2017-08-11"));
            assert_eq!(row.description.as_deref(), Some(text.as_str()));
        }
        // An unreadable season date is left to the text.
        assert_eq!(season_date("June"), None);
        assert_eq!(season_date("13/1/2017"), None);
        // The summer lunch site's rows carry its season, and Hearth reads them.
        let p = parsed();
        let s = p
            .services
            .iter()
            .find(|s| s.source.id == "/summer-lunch/1st-place-sports-complex/")
            .unwrap_or_else(|| panic!("summer lunch site missing"));
        let rows = &s.locations[0].schedules;
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|r| r.valid_from.as_deref() == Some("2017-06-12"))
        );
        let hours = crate::hours::parse(rows);
        assert!(!hours.rules().is_empty(), "{hours:?}");
    }

    #[test]
    fn matches_its_own_keys_only() {
        let keys: Vec<String> = KEYS
            .iter()
            .map(|k| k.to_string())
            .chain(["latitude".to_owned()])
            .collect();
        assert!(matches_keys(&keys));
        let hsds: Vec<String> = ["id", "name", "description", "organization"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert!(!matches_keys(&hsds));
        let detected = crate::import::detect_format(&fixture(FILE)).ok();
        assert_eq!(detected, Some(Format::Dataset(Dataset::LaFoodOasis)));
    }

    #[test]
    fn json_lines_are_read_and_a_broken_line_is_skipped() {
        let fixture_text = std::fs::read_to_string(fixture(FILE)).unwrap_or_else(|e| panic!("{e}"));
        let records: Vec<&str> = fixture_text
            .lines()
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| l.starts_with('{'))
            .take(2)
            .collect();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("oasis.jsonl");
        let text = format!("{}\n{{\"name\": \"cut off\n{}\n", records[0], records[1]);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let p = read_as(Dataset::LaFoodOasis, &path);
        assert_eq!((p.rows_read, p.services.len(), p.skipped.len()), (3, 2, 1));
        assert_eq!(p.skipped[0].row, 2);
        assert!(
            p.skipped[0].reason.starts_with("not valid JSON"),
            "{}",
            p.skipped[0].reason
        );
        std::fs::write(&path, "not json at all\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            read(
                context(),
                Format::Dataset(Dataset::LaFoodOasis),
                &path,
                None
            )
            .is_err()
        );
    }

    /// Odd values (text and JSON of the wrong type) in every field of the first
    /// records, and records that are not objects: no panic, every record imported
    /// or skipped.
    #[test]
    fn no_value_makes_the_reader_panic() {
        let text = std::fs::read_to_string(fixture(FILE)).unwrap_or_else(|e| panic!("{e}"));
        let bases: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let mut records: Vec<Value> = vec![Value::Null, Value::from(7), Value::from("x")];
        // Records with hours, and one without.
        let with_hours = |b: &&Value| b["hours"].as_array().is_some_and(|h| !h.is_empty());
        let chosen = bases
            .iter()
            .filter(with_hours)
            .take(2)
            .chain(bases.iter().take(1));
        for base in chosen {
            for (path, _) in json_paths(base) {
                let original = base
                    .pointer(&path)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let odd = odd_values(&original)
                    .into_iter()
                    .map(Value::String)
                    .chain(odd_json_values());
                for value in odd {
                    let mut record = base.clone();
                    // Its own uri (the source id), so that it is read rather than skipped as a repeat.
                    record["uri"] = Value::from(format!("/odd/{}/", records.len()));
                    if let Some(slot) = record.pointer_mut(&path) {
                        *slot = value;
                    }
                    records.push(record);
                }
            }
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("oasis.json");
        let body = serde_json::to_string(&records).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
        let p = read_as(Dataset::LaFoodOasis, &path);
        assert_eq!(p.rows_read, records.len() as u64);
        assert_every_row_accounted_for(&p, None);
        assert!(p.services.len() > records.len() / 2, "{}", p.services.len());
        assert!(
            p.notes.iter().any(|n| n.reason.contains("İİİ")),
            "an odd hours entry is noted: {:#?}",
            p.notes
        );
    }

    #[test]
    fn reading_twice_gives_identical_services() {
        let (a, b) = (parsed(), parsed());
        assert_eq!(a.services, b.services);
        let ids: HashSet<&str> = a.services.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), a.services.len());
    }

    #[test]
    fn full_file_reads_every_record() {
        let p = read_full_file(Dataset::LaFoodOasis, FILE);
        assert_eq!(p.rows_read, 1288);
        assert_eq!(p.services.len() + p.skipped.len(), 1288);
        assert!(p.services.len() > 1250);
        println!(
            "  {} records with hours that could not be read",
            p.notes.len()
        );
        for n in p.notes.iter().take(5) {
            println!("    record {}: {}", n.row, n.reason);
        }
        // Placeholder hours (midnight to 1 AM, blank) are not noted, only hours that say something.
        assert_eq!(p.notes.len(), 6, "{:#?}", p.notes);
    }
}

//! Food Oasis LA (2017): supermarkets, food pantries, farmers markets, summer
//! lunch sites and community gardens in Los Angeles County: a JSON array
//! written one record per line (JSON lines are read too).
//!
//! This module also owns the small text helpers that other adapters reuse for
//! scraped text: HTML to plain text, repairing website URLs, and picking the
//! first phone number out of a contact line.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::super::flat::key_from;
use super::super::{
    FlatRecord, Format, ImportContext, ImportError, ParsedSource, RawPhone, SkippedRow, build_flat,
    parse_coordinate,
};
use crate::model::{TaxonomyTerm, is_http_url};

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
/// file is an array written one record per line).
pub(super) fn read(
    ctx: ImportContext<'_>,
    format: Format,
    path: &Path,
) -> Result<ParsedSource, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    let mut parsed = ParsedSource {
        path: path.to_owned(),
        format,
        dataset: DATASET.to_owned(),
        rows_read: 0,
        services: Vec::new(),
        skipped: Vec::new(),
    };
    let records = json_records(path, &text)?;
    let mut seen: HashSet<String> = HashSet::new();
    for (n, record) in records.into_iter().enumerate() {
        let row = n as u64 + 1;
        parsed.rows_read += 1;
        let outcome = record
            .and_then(|value| to_flat(ctx, &value))
            .and_then(|flat| {
                if !seen.insert(flat.source_id.clone()) {
                    return Err(format!(
                        "same source id {:?} as an earlier record; kept the first",
                        flat.source_id
                    ));
                }
                build_flat(ctx, DATASET, flat)
            });
        match outcome {
            Ok(service) => parsed.services.push(service),
            Err(reason) => parsed.skipped.push(SkippedRow {
                row,
                file: None,
                reason,
            }),
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

fn to_flat(ctx: ImportContext<'_>, value: &Value) -> Result<FlatRecord, String> {
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
    Ok(FlatRecord {
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
        hours: hours_text(value),
        terms,
        attributes,
        source_note: Some(
            "Food Oasis LA, a community-curated list of Los Angeles food resources (2017); \
             hours and details may have changed since."
                .to_owned(),
        ),
        ..FlatRecord::default()
    })
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

/// The readable span of one `hours[]` entry, or `None` when the entry cannot be
/// right: blank, opening and closing at the same time, "midnight to 1 AM" (the
/// file's placeholder for unknown supermarket hours), or closing before opening
/// other than overnight.
fn span(open: &str, close: &str) -> Option<String> {
    let (open, close) = (parse_hhmm(open)?, parse_hhmm(close)?);
    if open == 0 && close >= 23 * 60 + 59 {
        return Some("open 24 hours".to_owned());
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
    Some(format!("{}–{close_text}", clock(open)))
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

/// Turns `hours[]` (and the summer season dates) into one readable text:
/// "Mon–Fri 12:30 PM–1:30 PM", days with the same times grouped together.
fn hours_text(value: &Value) -> Option<String> {
    let entries = value
        .get("hours")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut groups: Vec<(String, Vec<Day>)> = Vec::new();
    let mut unusable = 0;
    for entry in &entries {
        let day = Day::parse(&field(entry, "day"));
        let span = span(&field(entry, "open"), &field(entry, "close"));
        let (Some(day), Some(span)) = (day, span) else {
            unusable += 1;
            continue;
        };
        match groups.iter_mut().find(|(s, _)| *s == span) {
            Some((_, days)) if !days.contains(&day) => days.push(day),
            Some(_) => {}
            None => groups.push((span, vec![day])),
        }
    }
    let mut lines: Vec<String> = groups
        .iter()
        .map(|(span, days)| match span.as_str() {
            "open 24 hours" => format!("{}: open 24 hours", day_list(days)),
            _ => format!("{} {span}", day_list(days)),
        })
        .collect();
    if !lines.is_empty() && unusable > 0 {
        lines.push("Hours for other days were not usable in the source; call to check.".to_owned());
    }
    let (open, close) = (field(value, "season_open"), field(value, "season_close"));
    match (open.is_empty(), close.is_empty()) {
        (false, false) => lines.push(format!("Season: {open} to {close}")),
        (false, true) => lines.push(format!("Season opens {open}")),
        (true, false) => lines.push(format!("Season ends {close}")),
        (true, true) => {}
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Picks the first phone number out of a contact line and returns it as
/// `(213) 555-0100 x12`, leaving out any names around it.
///
/// Contact lines in scraped lists often name staff ("Jane Doe / 213.555.0100");
/// only the number is kept. `None` when there is no 10-digit number.
pub(super) fn first_phone(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        let mut j = i;
        while j < chars.len() && digits.len() < 11 {
            if chars[j].is_ascii_digit() {
                digits.push(chars[j]);
                j += 1;
                continue;
            }
            let gap = chars[j..]
                .iter()
                .take_while(|c| matches!(c, ' ' | '.' | '-' | '(' | ')'))
                .count();
            if gap == 0
                || gap > 2
                || !chars.get(j + gap).is_some_and(char::is_ascii_digit)
                || digits.len() == 10
            {
                break;
            }
            j += gap;
        }
        let national = match digits.len() {
            10 => Some(digits.as_str()),
            11 if digits.starts_with('1') => Some(&digits[1..]),
            _ => None,
        };
        if let Some(d) = national {
            let mut phone = format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]);
            if let Some(ext) = extension_after(&chars[j..]) {
                phone.push_str(" x");
                phone.push_str(&ext);
            }
            return Some(phone);
        }
        i = j.max(i + 1);
    }
    None
}

/// The extension written right after a number (" x 309", " ext:33", "Ext.9").
fn extension_after(rest: &[char]) -> Option<String> {
    let tail: String = rest
        .iter()
        .collect::<String>()
        .trim_start()
        .to_ascii_lowercase();
    let after = tail
        .strip_prefix("ext")
        .or_else(|| tail.strip_prefix('x'))?;
    let after =
        after.trim_start_matches(|c: char| c.is_ascii_alphabetic() || matches!(c, '.' | ':' | ' '));
    let ext: String = after.chars().take_while(char::is_ascii_digit).collect();
    (!ext.is_empty()).then_some(ext)
}

/// The trimmed text when it has at least one letter or digit (`"- - -"` and
/// `","` are placeholders, not addresses), else `None`.
pub(super) fn meaningful(raw: &str) -> Option<String> {
    let text = raw.trim();
    text.chars()
        .any(char::is_alphanumeric)
        .then(|| text.to_owned())
}

/// A phone of the given HSDS type, or `None` when the text has too few digits
/// to dial (a stray `9`, a cut-off fax number).
pub(super) fn raw_phone(
    number: &str,
    kind: &'static str,
    description: Option<&str>,
) -> Option<RawPhone> {
    let digits = number
        .chars()
        .take_while(|c| !c.is_ascii_alphabetic())
        .filter(char::is_ascii_digit)
        .count();
    (digits >= 7).then(|| RawPhone {
        number: number.trim().to_owned(),
        kind: Some(kind),
        description: description.map(str::to_owned),
    })
}

/// Repairs a website as lists write it (`www.x.org`, `http//x.org`) into an
/// http(s) URL; `None` when it is not one.
pub(super) fn web_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let fixed = if lower.starts_with("http://") || lower.starts_with("https://") {
        raw.to_owned()
    } else if let Some(rest) = lower.strip_prefix("http//").map(|_| &raw[6..]) {
        format!("http://{rest}")
    } else if let Some(rest) = lower.strip_prefix("https//").map(|_| &raw[7..]) {
        format!("https://{rest}")
    } else if lower.contains('.')
        && !lower.contains('@')
        && !lower.contains(':')
        && lower
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        format!("http://{raw}")
    } else {
        return None;
    };
    // A mailbox written as a website ("http://www.name@hotmail.com") is not one.
    let host = fixed
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    (is_http_url(&fixed) && host.contains('.') && !host.contains('@')).then_some(fixed)
}

/// Converts an HTML fragment to plain text: tags removed (block tags become
/// line breaks, table cells and definition terms become "term: value"),
/// images dropped, entities decoded. Never returns markup.
pub(super) fn html_to_text(html: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let after = &rest[start + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        if !is_tag {
            out.push('<');
            rest = after;
            continue;
        }
        let Some(end) = after.find('>') else {
            // A tag cut off at the end of the field: drop it.
            rest = "";
            break;
        };
        let tag = &after[..end];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "td" | "th" | "dt" if closing => out.push('\t'),
            "dd" if closing => out.push('\n'),
            "td" | "th" | "dt" | "dd" => {}
            "li" if !closing => out.push_str("\n• "),
            "p" | "br" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "li"
            | "dl" | "tr" | "table" | "blockquote" | "section" | "hr" => out.push('\n'),
            _ => {}
        }
        rest = &after[end + 1..];
    }
    out.push_str(&decode_entities(rest));
    let lines: Vec<String> = out
        .lines()
        .map(|line| {
            line.split('\t')
                .map(|cell| cell.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|cell| !cell.is_empty())
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|line| !line.is_empty() && line != "•")
        // A "Photos" heading is left alone once its images are dropped.
        .filter(|line| !line.eq_ignore_ascii_case("photos"))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Decodes the HTML entities that scraped text carries (`&amp;`, `&nbsp;`,
/// `&#39;`, `&#x2019;` ...); unknown ones are left as written.
pub(super) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[..end];
            let ch = if let Some(num) = entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = entity.strip_prefix('#') {
                num.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                named_entity(entity)
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(if c == '\u{a0}' { ' ' } else { c });
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "bull" => '•',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "aacute" => 'á',
        "eacute" => 'é',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "Aacute" => 'Á',
        "Eacute" => 'É',
        "Iacute" => 'Í',
        "Oacute" => 'Ó',
        "Uacute" => 'Ú',
        "Ntilde" => 'Ñ',
        "uuml" => 'ü',
        _ => return None,
    })
}

/// Shared by the adapters' tests: the bundled context and the fixture paths.
#[cfg(test)]
pub(super) mod test_support {
    use std::path::PathBuf;
    use std::sync::OnceLock;

    use crate::geo::Gazetteer;
    use crate::import::{CategoryMap, ImportContext, ParsedSource};
    use crate::model::Service;

    /// The bundled gazetteer and category map, loaded once per test binary.
    pub(in super::super) fn context() -> ImportContext<'static> {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        static CATEGORIES: OnceLock<CategoryMap> = OnceLock::new();
        let gazetteer =
            GAZETTEER.get_or_init(|| Gazetteer::bundled().unwrap_or_else(|e| panic!("{e}")));
        let categories =
            CATEGORIES.get_or_init(|| CategoryMap::bundled().unwrap_or_else(|e| panic!("{e}")));
        ImportContext {
            gazetteer,
            categories,
        }
    }

    /// A trimmed fixture in `tests/fixtures/resources/`.
    pub(in super::super) fn fixture(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/resources")
            .join(file)
    }

    /// A full bundled list in `data/resources/`.
    pub(in super::super) fn full_file(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/resources")
            .join(file)
    }

    /// The service with this exact name; panics with the names there are.
    pub(in super::super) fn named<'a>(parsed: &'a ParsedSource, name: &str) -> &'a Service {
        parsed
            .services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| {
                let names: Vec<&str> = parsed.services.iter().map(|s| s.name.as_str()).collect();
                panic!("no service named {name:?}; have {names:?}")
            })
    }

    /// Prints what a full-file read skipped, most common reasons first.
    pub(in super::super) fn report(parsed: &ParsedSource) {
        let mut counts: std::collections::BTreeMap<String, usize> =
            std::collections::BTreeMap::new();
        for s in &parsed.skipped {
            // Group reasons that differ only in their quoted values.
            let key: String = s.reason.split('"').step_by(2).collect::<Vec<_>>().join("…");
            let key: String = key
                .chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect::<String>()
                .split('#')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("#");
            *counts.entry(key).or_default() += 1;
        }
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        println!(
            "{}: read {}, imported {}, skipped {}",
            parsed.dataset,
            parsed.rows_read,
            parsed.services.len(),
            parsed.skipped.len()
        );
        for (reason, n) in counts {
            println!("  {n:>6}  {reason}");
        }
    }

    /// The category slugs of a service.
    pub(in super::super) fn slugs(service: &Service) -> Vec<&'static str> {
        service.categories.iter().map(|c| c.slug()).collect()
    }

    /// The need codes of a service.
    pub(in super::super) fn needs(service: &Service) -> Vec<&str> {
        service.needs.iter().map(|n| n.code()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{context, fixture, full_file, named, needs, report, slugs};
    use super::*;
    use crate::import::national::Dataset;

    const FILE: &str = "la_food_oasis_locations_2017.json";

    fn parsed() -> ParsedSource {
        read(
            context(),
            Format::Dataset(Dataset::LaFoodOasis),
            &fixture(FILE),
        )
        .unwrap_or_else(|e| panic!("{e}"))
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
        let html = "<p>Tom &amp; Jerry&#39;s&nbsp;pantry</p><h2 id=\"photos\">Photos</h2><p><img src=\"x.jpg\" alt=\"a\" /></p>\
                    <dl><dt>Monday</dt><dd>9am – 12pm</dd></dl><table><tr><td>Tuesday</td><td>Closed</td></tr><tr>";
        assert_eq!(
            html_to_text(html).as_deref(),
            Some("Tom & Jerry's pantry\nMonday: 9am – 12pm\nTuesday: Closed")
        );
        assert_eq!(html_to_text("   "), None);
        assert_eq!(
            html_to_text("ages < 18 &foo; ok").as_deref(),
            Some("ages < 18 &foo; ok")
        );
    }

    #[test]
    fn inconsistent_days_are_dropped_with_a_note() {
        let p = parsed();
        let s = named(&p, "Loaves & Fishes-Van Nuys");
        let text = s.locations[0].schedules[0]
            .description
            .clone()
            .unwrap_or_default();
        assert!(text.starts_with("Wed, Fri 10:00 AM–1:30 PM\n"), "{text}");
        assert!(text.contains("not usable"), "{text}");
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
        assert_eq!(
            hours_text(&value).as_deref(),
            Some(
                "Mon, Tue: open 24 hours\nWed 6:00 AM–midnight\nFri 6:00 PM–2:00 AM\n\
                 Hours for other days were not usable in the source; call to check."
            )
        );
        let redeemer = parsed();
        let redeemer = named(&redeemer, "Church of the Redeemer");
        let text = redeemer.locations[0].schedules[0]
            .description
            .clone()
            .unwrap_or_default();
        assert!(
            text.starts_with("Mon, Wed, Fri 9:00 AM–1:00 PM\n"),
            "{text}"
        );
    }

    #[test]
    fn phones_are_found_in_contact_lines() {
        assert_eq!(
            first_phone("Carlos Martinez/ 323.221.0779 x 309").as_deref(),
            Some("(323) 221-0779 x309")
        );
        assert_eq!(
            first_phone("(888)353-5554 Ext.9").as_deref(),
            Some("(888) 353-5554 x9")
        );
        assert_eq!(
            first_phone("Julia (service) / 213.747.6357 ext:33").as_deref(),
            Some("(213) 747-6357 x33")
        );
        assert_eq!(
            first_phone("909-509-2996\u{200b}\u{200b}").as_deref(),
            Some("(909) 509-2996")
        );
        assert_eq!(first_phone("(213)247-cell"), None);
        assert_eq!(first_phone(""), None);
    }

    #[test]
    fn websites_are_repaired_or_dropped() {
        assert_eq!(
            web_url("http//www.x.org").as_deref(),
            Some("http://www.x.org")
        );
        assert_eq!(
            web_url("https//a.org/p").as_deref(),
            Some("https://a.org/p")
        );
        assert_eq!(
            web_url("www.vhda.com").as_deref(),
            Some("http://www.vhda.com")
        );
        assert_eq!(web_url("http://").as_deref(), None);
        assert_eq!(web_url("n/a").as_deref(), None);
        assert_eq!(web_url("javascript:alert(1)").as_deref(), None);
        assert_eq!(web_url("help@example.org").as_deref(), None);
        assert_eq!(
            web_url("http://www.lydiashouse@hotmail.com").as_deref(),
            None
        );
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
        let p = read(context(), Format::Dataset(Dataset::LaFoodOasis), &path)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.rows_read, p.services.len(), p.skipped.len()), (3, 2, 1));
        assert_eq!(p.skipped[0].row, 2);
        assert!(
            p.skipped[0].reason.starts_with("not valid JSON"),
            "{}",
            p.skipped[0].reason
        );
        std::fs::write(&path, "not json at all\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(read(context(), Format::Dataset(Dataset::LaFoodOasis), &path).is_err());
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
        let p = read(
            context(),
            Format::Dataset(Dataset::LaFoodOasis),
            &full_file(FILE),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        report(&p);
        assert_eq!(p.rows_read, 1288);
        assert_eq!(p.services.len() + p.skipped.len(), 1288);
        assert!(p.services.len() > 1250);
    }
}

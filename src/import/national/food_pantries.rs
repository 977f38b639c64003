//! Food pantries from 16 food banks' online locators (scraped August 2025 by
//! the Pantry Pirate Radio project): one row per pantry, credited to its food
//! bank.
//!
//! Coordinates are used only where the bundled file's own check passed them
//! (`coord_check` `ok`, `ok_converted_3857` or `unverified_no_zip`); the rest are
//! placed at their ZIP centroid. The raw scraped `src_lat`/`src_lon` are never
//! used. Hours stay free text, tidied where a locator wrote them as HTML or as
//! repeated clock ranges.

use super::super::flat::{CsvRow, key_from};
use super::super::{FlatRecord, RawPhone, parse_coordinate};
use super::common::{FlatList, html_to_text, meaningful, raw_phone, web_url};
use crate::model::{Attribute, TaxonomyTerm};

const DATASET: &str = "food-pantries";

/// The Gulf Coast locator has no hours field: its notes hold the schedule.
const GULF_COAST: &str = "feeding_the_gulf_coast_al";

/// The header columns that identify the food pantry list.
pub(super) const SIGNATURE: &[&str] = &[
    "source_scraper",
    "food_bank",
    "source_id",
    "name",
    "address",
    "city",
    "state",
    "zip",
    "phone",
    "hours",
    "latitude",
    "longitude",
    "coord_check",
];

/// The food pantry list.
pub(super) const LIST: FlatList = FlatList {
    dataset: DATASET,
    required: &[
        "source_scraper",
        "food_bank",
        "source_id",
        "name",
        "latitude",
        "longitude",
        "coord_check",
    ],
    record: pantry,
};

/// One pantry (or other food bank site), credited to its food bank.
fn pantry(row: &CsvRow<'_>) -> Result<FlatRecord, String> {
    let scraper = row.get("source_scraper");
    let raw_name = row.get("name");
    let source_id = match row.get("source_id") {
        "" => format!(
            "{scraper}:{}",
            key_from(&[
                raw_name,
                row.get("address"),
                row.get("city"),
                row.get("zip")
            ])
        ),
        id => format!("{scraper}:{id}"),
    };
    let (label, name) = split_label(raw_name);
    let mut terms: Vec<TaxonomyTerm> = Vec::new();
    let mut term = |label: &str| {
        if !terms
            .iter()
            .any(|t: &TaxonomyTerm| t.code.eq_ignore_ascii_case(label))
        {
            terms.push(TaxonomyTerm {
                code: label.to_owned(),
                name: label.to_owned(),
                taxonomy: DATASET.to_owned(),
            });
        }
    };
    // A locator entry is a food pantry unless its name says it is something else.
    term(label.unwrap_or("Food pantry"));
    let mut eligibility = None;
    let mut attributes = Vec::new();
    for item in row
        .get("services")
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match item.to_ascii_lowercase().as_str() {
            "no documents required" => eligibility = Some("No documents required.".to_owned()),
            "walk up" | "drive thru" => attributes.push(Attribute {
                tag: "access".to_owned(),
                value: item.to_owned(),
            }),
            _ => term(item),
        }
    }
    let coords_checked = matches!(row.get("coord_check"), "ok" | "unverified_no_zip")
        || row.get("coord_check").starts_with("ok_");
    let (latitude, longitude) = if coords_checked {
        (
            parse_coordinate(row.get("latitude"))?,
            parse_coordinate(row.get("longitude"))?,
        )
    } else {
        (None, None)
    };
    let notes = text(row.get("notes"));
    let (hours, description) = match hours_text(row.get("hours")) {
        None if scraper == GULF_COAST && notes.as_deref().is_some_and(looks_like_hours) => {
            (notes, None)
        }
        hours => (hours, notes),
    };
    let food_bank = row.opt("food_bank").unwrap_or_else(|| scraper.to_owned());
    Ok(FlatRecord {
        source_id,
        name: name.to_owned(),
        description,
        address_1: meaningful(row.get("address")),
        address_2: meaningful(row.get("address2")),
        city: meaningful(row.get("city")),
        state: row.opt("state"),
        zip: row.opt("zip"),
        latitude,
        longitude,
        phones: phones(row.get("phone")),
        website: web_url(row.get("website")),
        hours,
        eligibility,
        terms,
        attributes,
        source_note: Some(format!(
            "Listed in {food_bank}'s food pantry locator (collected August 2025 by the Pantry Pirate Radio project)."
        )),
        ..FlatRecord::default()
    })
}

/// Splits a type label off a name ("CHILD MEAL SITE: Laun Park", "JOB RESOURCE:: MAEF
/// Workforce Center"): a label is written before `::`, or in capitals before `:`.
fn split_label(name: &str) -> (Option<&str>, &str) {
    if let Some((label, rest)) = name.split_once("::")
        && !label.trim().is_empty()
        && !rest.trim().is_empty()
    {
        return (Some(label.trim()), rest.trim());
    }
    if let Some((label, rest)) = name.split_once(':') {
        let label = label.trim();
        let capitals = label.chars().any(|c| c.is_alphabetic())
            && label.chars().all(|c| c.is_uppercase() || c == ' ')
            && label.split_whitespace().count() <= 4;
        if capitals && !rest.trim().is_empty() {
            return (Some(label), rest.trim());
        }
    }
    (None, name)
}

/// Free text as the locators wrote it, with any HTML turned into text.
fn text(raw: &str) -> Option<String> {
    if raw.contains('<') {
        html_to_text(raw)
    } else {
        meaningful(raw)
    }
}

/// Tidies the hours text: HTML tables become lines, Capital Area Food Bank's
/// repeated 24-hour ranges ("Monday: 9:00:00-15:00:00, 9:00:00-15:00:00") are
/// written once in 12-hour time, and a state code in the hours column (a
/// column shift in one locator) is dropped.
fn hours_text(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.len() == 2 && raw.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let text = text(raw)?;
    Some(clock_ranges(&text).unwrap_or(text))
}

/// "Monday: 9:00:00-15:00:00, 9:00:00-15:00:00; Friday: …" → "Monday 9:00 AM–3:00 PM\nFriday …",
/// or `None` when the text is not in that form.
fn clock_ranges(text: &str) -> Option<String> {
    let mut lines = Vec::new();
    for segment in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (day, ranges) = segment.split_once(": ")?;
        let mut spans: Vec<String> = Vec::new();
        for range in ranges.split(',').map(str::trim) {
            let (open, close) = range.split_once('-')?;
            let span = format!("{}–{}", clock(open)?, clock(close)?);
            if !spans.contains(&span) {
                spans.push(span);
            }
        }
        lines.push(format!("{} {}", day.trim(), spans.join(", ")));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// "15:00:00" → "3:00 PM"; `None` unless the text is `H:MM:SS`.
fn clock(raw: &str) -> Option<String> {
    let parts: Vec<u32> = raw
        .trim()
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, _s] = parts.as_slice() else {
        return None;
    };
    let (h, m) = (*h, *m);
    if h > 24 || m > 59 {
        return None;
    }
    let (h12, half) = match h % 24 {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    Some(format!("{h12}:{m:02} {half}"))
}

/// Whether a note reads as a schedule (days, times, "call for an appointment").
fn looks_like_hours(note: &str) -> bool {
    let lower = note.to_ascii_lowercase();
    let words = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        " am",
        " pm",
        "a.m.",
        "p.m.",
        "appointment",
        "call for",
    ];
    words.iter().any(|w| lower.contains(w))
}

/// The phone cell, which sometimes holds two numbers ("… or …").
fn phones(raw: &str) -> Vec<RawPhone> {
    raw.split(" or ")
        .filter_map(|number| raw_phone(number, "voice", None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Dataset;
    use super::super::common::test_support::{
        assert_at_zip_centroid, assert_detected_and_stable, assert_every_row_imported, context,
        first_address, named, needs, postal_code, read_fixture, read_full_file, slugs,
    };
    use super::*;
    use crate::import::ParsedSource;

    const FILE: &str = "food_pantries_pantry_pirate_radio_2025.csv";

    fn parsed() -> ParsedSource {
        read_fixture(Dataset::FoodPantries, FILE)
    }

    #[test]
    fn a_capital_area_pantry_keeps_its_converted_coordinates_and_tidy_hours() {
        let p = parsed();
        assert_every_row_imported(&p, 12);
        let s = named(&p, "Family & Medical Counseling Service");
        assert_eq!(slugs(s), vec!["food"]);
        assert_eq!(needs(s), vec!["food-insecurity"]);
        let loc = &s.locations[0];
        assert_eq!(loc.point(), Some((38.865930, -76.989829)));
        assert!(!loc.approximate);
        let hours = loc.schedules[0].description.clone().unwrap_or_default();
        assert!(
            hours.starts_with("Monday 1:00 PM–4:00 PM\nTuesday 10:00 AM–4:00 PM"),
            "{hours}"
        );
        assert_eq!(
            first_address(s).map(|a| a.address_2.as_deref()),
            Some(Some("Suite 303"))
        );
        assert_eq!(loc.phones[0].number, "(202) 889-7900");
        assert!(
            s.source_note
                .as_deref()
                .is_some_and(|n| n.contains("Capital Area Food Bank"))
        );
        let terms: Vec<&str> = s.taxonomy_terms.iter().map(|t| t.code.as_str()).collect();
        assert_eq!(terms, vec!["Food pantry", "TEFAP Available"]);
    }

    #[test]
    fn pantries_whose_coordinates_were_dropped_fall_back_to_the_zip_centroid() {
        let p = parsed();
        for (name, zip) in [
            ("A Hand Up", "32401"),
            ("Anew Warrington Church of God in Christ", "32507"),
            ("3-C Food Pantry", "45724"),
            ("Victory Chapel Fellowship", "43416"),
        ] {
            assert_at_zip_centroid(&named(&p, name).locations[0], zip);
        }
    }

    #[test]
    fn an_unverified_point_without_a_zip_is_kept() {
        let p = parsed();
        let s = named(&p, "LSS Northern Counties");
        assert_eq!(s.locations[0].point(), Some((40.110990, -83.029840)));
        assert!(!s.locations[0].approximate);
        assert!(s.locations[0].address.is_none());
        assert!(
            s.description
                .as_deref()
                .is_some_and(|d| d.contains("937-642-1616"))
        );
    }

    #[test]
    fn gulf_coast_notes_are_the_schedule() {
        let p = parsed();
        let s = named(&p, "A Hand Up");
        let hours = s.locations[0].schedules[0]
            .description
            .clone()
            .unwrap_or_default();
        assert_eq!(
            hours,
            "Tuesdays and Fridays: 9 am - 3 pm\n\nEvery other Saturday: 7 am - 2 pm"
        );
        assert_eq!(s.description, None);
    }

    #[test]
    fn a_malformed_zip_is_dropped_but_the_checked_point_is_used() {
        let p = parsed();
        let s = named(&p, "Chantilly Baptist Church");
        let loc = &s.locations[0];
        assert_eq!(postal_code(s), Some(""));
        assert_eq!(loc.point(), Some((38.899721, -77.442924)));
        assert!(!loc.approximate);
    }

    #[test]
    fn labels_in_names_and_html_hours_are_read() {
        assert_eq!(
            split_label("JOB RESOURCE:: MAEF Workforce Center"),
            (Some("JOB RESOURCE"), "MAEF Workforce Center")
        );
        assert_eq!(
            split_label("CHILD MEAL SITE: Laun Park"),
            (Some("CHILD MEAL SITE"), "Laun Park")
        );
        assert_eq!(
            split_label("City Team at Menlo Church: Mountain View Pantry").0,
            None
        );
        assert_eq!(split_label("MOWA Band: Choctaw & Mobile").0, None);
        let html = "<table role=\"presentation\"><tr><td>Monday</td><td>Closed</td></tr><tr><td>Tuesday</td>\
                    <td><time>9:00 AM - 1:00 PM</time></td></tr><tr>";
        assert_eq!(
            hours_text(html).as_deref(),
            Some("Monday: Closed\nTuesday: 9:00 AM - 1:00 PM")
        );
        assert_eq!(hours_text("NJ"), None);
        assert_eq!(
            hours_text("12:00 pm - 1:00 pm").as_deref(),
            Some("12:00 pm - 1:00 pm")
        );
        let job = context().categories.classify(
            DATASET,
            &[TaxonomyTerm {
                code: "JOB RESOURCE".into(),
                name: "JOB RESOURCE".into(),
                taxonomy: DATASET.into(),
            }],
        );
        assert_eq!(
            job.categories.iter().map(|c| c.slug()).collect::<Vec<_>>(),
            vec!["work"]
        );
    }

    #[test]
    fn the_file_is_detected_and_reads_the_same_twice() {
        assert_detected_and_stable(Dataset::FoodPantries, FILE);
    }

    #[test]
    fn full_file_reads_every_row() {
        let p = read_full_file(Dataset::FoodPantries, FILE);
        assert_eq!(p.rows_read, 2_681);
        assert!(p.services.len() > 2_600);
        for s in &p.services {
            let hours = s.locations[0]
                .schedules
                .first()
                .and_then(|h| h.description.as_deref())
                .unwrap_or("");
            assert!(!hours.contains('<'), "{}: {hours}", s.name);
        }
    }
}

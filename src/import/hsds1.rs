//! HSDS 1.x tabular packages (the layout 211 exports such as 211 Miami still use).
//!
//! 1.x differs from 3.0 in its table names and a few shapes: `physical_addresses.csv`,
//! `services_at_location.csv`, `regular_schedules.csv` (one row per `weekday`, times
//! like `9:00am`), `services_taxonomy.csv` + `taxonomy.csv` (AIRS codes),
//! `eligibility.csv`, `accessibility_for_disabilities.csv`. This module joins those
//! tables into the shared [`Links`] and leaves cleaning and building to `hsds`.
//! Contacts are not read: a directory lists services, not staff.

use std::collections::HashMap;
use std::path::Path;

use super::hsds::{
    Clock, Fields, Links, Owner, Package, RawSchedule, RawTerm, SharedTables, Table, parse_clock,
    schedule_note,
};
use super::{Format, ImportContext, ImportError, ParsedSource, SkippedRow, quoted};

/// Notes shown with listings of packages we know, by dataset name.
const SOURCE_NOTES: [(&str, &str); 1] = [(
    "miami-211-2019",
    "211 Miami / Open Referral, 2019 snapshot.",
)];

/// Reads an HSDS 1.x tabular package (a directory of CSVs, or one with a `data/` folder),
/// recording its listings under `dataset` when given, else under the package's name.
///
/// Only `services.csv` is required. Eligibility rows that name no service cannot be
/// joined to one; they are reported as skipped rows of `eligibility.csv`, not guessed.
/// A package we know (by its dataset name) gets its source note.
pub(super) fn read_package(
    ctx: ImportContext<'_>,
    path: &Path,
    dataset: Option<&str>,
) -> Result<ParsedSource, ImportError> {
    let package = Package::open(path, dataset)?;
    let (links, unjoined) = links_v1(&package.dir)?;
    let note = SOURCE_NOTES
        .iter()
        .find(|(name, _)| *name == package.dataset)
        .map(|(_, note)| *note);
    let mut parsed = package.read_services(ctx, Format::Hsds1Csv, note, &links);
    parsed.skipped.extend(unjoined);
    Ok(parsed)
}

/// What 1.x calls the tables it shares with 3.0.
const TABLES: SharedTables = SharedTables {
    addresses: &["physical_addresses.csv", "postal_addresses.csv"],
    accessibility: "accessibility_for_disabilities.csv",
    accessibility_text: "accessibility",
    service_at_location: "services_at_location.csv",
};

/// Reads the linked tables of a 1.x package, and the rows that could not be linked.
fn links_v1(dir: &Path) -> Result<(Links, Vec<SkippedRow>), ImportError> {
    let mut links = Links::read_shared(dir, TABLES)?;
    let mut unjoined = Vec::new();
    let (schedules, notes) =
        regular_schedules(&Table::read_or_empty(dir, "regular_schedules.csv")?);
    for (owner, schedule) in schedules {
        links.schedules.insert(owner, schedule);
    }
    links.notes.extend(notes);
    links.read_languages_and_service_areas(dir)?;
    for (file, tag, column) in [
        ("required_documents.csv", "required_document", "document"),
        ("payments_accepted.csv", "accepts", "payment"),
    ] {
        links.read_service_attributes(dir, file, tag, column)?;
    }

    // AIRS codes (and Y target-population codes) by service; the vocabulary names the taxonomy.
    let taxonomy: HashMap<String, (Option<String>, Option<String>)> =
        Table::read_or_empty(dir, "taxonomy.csv")?
            .rows()
            .filter_map(|r| Some((r.text("id")?, (r.text("name"), r.text("vocabulary")))))
            .collect();
    for row in Table::read_or_empty(dir, "services_taxonomy.csv")?.rows() {
        let (Some(service_id), Some(code)) = (row.text("service_id"), row.text("taxonomy_id"))
        else {
            continue;
        };
        let (name, vocabulary) = taxonomy.get(&code).cloned().unwrap_or_default();
        links.terms.entry(service_id).or_default().push(RawTerm {
            code: Some(code),
            name,
            taxonomy: vocabulary,
        });
    }

    let eligibility = Table::read_or_empty(dir, "eligibility.csv")?;
    for row in eligibility.rows() {
        let Some(text) = row.text("eligibility") else {
            continue;
        };
        match row.text("service_id") {
            Some(service_id) => links.eligibility.entry(service_id).or_default().push(text),
            None => unjoined.push(SkippedRow {
                row: row.line,
                file: Some(eligibility.file.clone()),
                reason:
                    "eligibility row names no service (service_id is empty), so it cannot be joined"
                        .into(),
            }),
        }
    }
    Ok((links, unjoined))
}

/// `Monday`, `Mon`, `Tues`, `MO` → `MO`.
fn byday(weekday: &str) -> Option<&'static str> {
    const DAYS: [(&str, &str); 7] = [
        ("monday", "MO"),
        ("tuesday", "TU"),
        ("wednesday", "WE"),
        ("thursday", "TH"),
        ("friday", "FR"),
        ("saturday", "SA"),
        ("sunday", "SU"),
    ];
    let lower = weekday.trim().trim_end_matches('.').to_ascii_lowercase();
    if lower.len() < 2 {
        return None;
    }
    DAYS.iter()
        .find(|(full, _)| full.starts_with(&lower))
        .map(|(_, code)| *code)
}

fn week_order(code: &str) -> usize {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        .iter()
        .position(|d| *d == code)
        .unwrap_or(7)
}

/// Opening and closing times as `HH:MM`. A closing time written without am/pm that
/// would fall before the opening time is read as pm (`8:00am`–`5:00` is 08:00–17:00),
/// and closing at midnight is `23:59` (so `12:00am`–`12:00am` is open all day).
fn opening_hours(opens: Option<&str>, closes: Option<&str>) -> (Option<String>, Option<String>) {
    let opens = opens.and_then(parse_clock);
    let mut closes = closes.and_then(parse_clock);
    if let (Some(o), Some(c)) = (&opens, &mut closes) {
        if !c.meridiem
            && c.minutes <= o.minutes
            && c.minutes < 12 * 60
            && c.minutes + 12 * 60 > o.minutes
        {
            c.minutes += 12 * 60;
        } else if c.minutes == 0 {
            c.minutes = 24 * 60;
        }
    }
    (
        opens.as_ref().map(Clock::hhmm),
        closes.as_ref().map(Clock::hhmm),
    )
}

/// Converts 1.x `regular_schedules` rows (one per weekday) into weekly schedules,
/// merging the days that share the same hours and text into one `byday` list;
/// with notes on rows whose times or weekday could not be read, or that name no owner.
fn regular_schedules(table: &Table) -> (Vec<(Owner, RawSchedule)>, Vec<SkippedRow>) {
    type Key = (Owner, Option<String>, Option<String>, Option<String>);
    let mut groups: Vec<(Key, Vec<&'static str>)> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut notes = Vec::new();
    for row in table.rows() {
        let mut note = |reason: String| {
            notes.push(SkippedRow {
                row: row.line,
                file: Some(table.file.clone()),
                reason,
            })
        };
        let Some(owner) = Owner::of(&row) else {
            note("schedule names no service or location; left out".to_owned());
            continue;
        };
        let (opens_at, closes_at) = (row.text("opens_at"), row.text("closes_at"));
        let (opens, closes) = opening_hours(opens_at.as_deref(), closes_at.as_deref());
        let day = byday(row.get("weekday"));
        let text = row.text("original_text");
        let mut problems: Vec<String> =
            schedule_note(opens_at.as_deref(), closes_at.as_deref(), text.is_some())
                .into_iter()
                .collect();
        if day.is_none() && !row.get("weekday").is_empty() {
            problems.push(format!(
                "weekday {} is not a day of the week; left out",
                quoted(row.get("weekday"))
            ));
        }
        if !problems.is_empty() {
            note(problems.join("; "));
        }
        if day.is_none() && opens.is_none() && closes.is_none() && text.is_none() {
            continue;
        }
        let key: Key = (owner, opens, closes, text);
        let at = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        if let (Some(day), Some((_, days))) = (day, groups.get_mut(at))
            && !days.contains(&day)
        {
            days.push(day);
        }
    }
    let schedules = groups
        .into_iter()
        .map(|((owner, opens_at, closes_at, description), mut days)| {
            days.sort_by_key(|d| week_order(d));
            let byday = (!days.is_empty()).then(|| days.join(","));
            let schedule = RawSchedule {
                freq: byday.as_ref().map(|_| "WEEKLY".to_owned()),
                byday,
                opens_at,
                closes_at,
                description,
                ..RawSchedule::default()
            };
            (owner, schedule)
        })
        .collect();
    (schedules, notes)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::import::test_support::{
        PackageTables, assert_at_zip_centroid, assert_every_row_accounted_for, context, fixture,
        hostile_package,
    };
    use crate::model::{Category, Service};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn miami_fixture() -> ParsedSource {
        read_package(context(), &fixture("miami"), None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn service<'a>(parsed: &'a ParsedSource, source_id: &str) -> &'a Service {
        parsed
            .services
            .iter()
            .find(|s| s.source.id == source_id)
            .unwrap_or_else(|| panic!("service {source_id}"))
    }

    #[test]
    fn miami_service_has_its_address_phone_hours_and_categories() {
        let parsed = miami_fixture();
        assert_eq!(parsed.dataset, "miami");
        assert_eq!(parsed.rows_read, 46);
        assert_eq!(parsed.services.len(), 46);
        let s = service(&parsed, "149");
        assert_eq!(s.name, "SALVATION ARMY");
        assert_eq!(s.organization.name, "SALVATION ARMY");
        assert_eq!(s.url.as_deref(), Some("http://www.salvationarmymiami.com"));
        let description = s.description.as_deref().unwrap_or_default();
        assert!(description.contains("since 1913"), "{description}");
        assert!(
            !description.contains("\\n")
                && !description.contains("###")
                && !description.contains("GÇ"),
            "{description}"
        );
        assert!(description.contains("Salvation Army’s"), "{description}");

        let location = &s.locations[0];
        let address = location
            .address
            .as_ref()
            .unwrap_or_else(|| panic!("address"));
        assert_eq!(address.one_line(), "1907 NW 38th Street, Miami, FL 33142");
        assert_eq!(address.country, "US");
        assert_eq!(
            location.accessibility,
            vec!["Handicap accessible".to_owned()]
        );
        assert_eq!(s.phones[0].number, "(305) 637-6700");
        assert_eq!(
            s.languages
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>(),
            ["English", "Spanish", "Creole"]
        );
        assert_eq!(s.languages[2].code.as_deref(), Some("ht"));

        assert_eq!(s.schedules.len(), 1, "{:?}", s.schedules);
        let hours = &s.schedules[0];
        assert_eq!(hours.freq.as_deref(), Some("WEEKLY"));
        assert_eq!(hours.byday.as_deref(), Some("MO,TU,WE,TH,FR"));
        assert_eq!(
            (hours.opens_at.as_deref(), hours.closes_at.as_deref()),
            (Some("08:30"), Some("16:30"))
        );
        assert_eq!(hours.description.as_deref(), Some("8:30am-4:30pm, Mon-Fri"));

        assert!(s.taxonomy_terms.iter().all(|t| t.taxonomy == "airs"));
        let shelter = s
            .taxonomy_terms
            .iter()
            .find(|t| t.code == "BH-1800.8500")
            .unwrap_or_else(|| panic!("BH-1800.8500"));
        assert_eq!(shelter.name, "Homeless Shelter");
        assert!(
            s.categories.contains(&Category::Housing),
            "{:?}",
            s.categories
        );
        assert!(
            s.needs.iter().any(|n| n.code() == "homelessness"),
            "{:?}",
            s.needs
        );
        assert_eq!(s.source_note, None);
    }

    #[test]
    fn miami_locations_without_coordinates_use_the_zip_centroid_or_no_point() {
        let parsed = miami_fixture();
        assert_at_zip_centroid(&service(&parsed, "149").locations[0], "33142");

        let exact = &service(&parsed, "532").locations[0];
        assert!(!exact.approximate);
        assert!(
            exact.point().is_some_and(
                |(lat, lon)| (lat - 25.8202).abs() < 1e-3 && (lon + 80.1925).abs() < 1e-3
            )
        );
        assert_eq!(
            service(&parsed, "532").phones[0].extension.as_deref(),
            Some("301")
        );

        let zip_plus_four = &service(&parsed, "802").locations[0];
        assert_eq!(
            zip_plus_four
                .address
                .as_ref()
                .map(|a| a.postal_code.as_str()),
            Some("33012")
        );

        // No address and no coordinates: still a listing (searchable by text), without a point.
        let mobile = service(&parsed, "1713");
        assert_eq!(mobile.locations.len(), 1);
        assert_eq!(mobile.locations[0].point(), None);
        assert_eq!(mobile.locations[0].address, None);
    }

    #[test]
    fn miami_oddities_are_cleaned() {
        let parsed = miami_fixture();
        assert_eq!(service(&parsed, "8996").name, "RE-ENTRY PROGRAM");
        let hours = &service(&parsed, "802").schedules;
        assert!(
            hours.iter().any(|h| h.opens_at.as_deref() == Some("07:30")
                && h.closes_at.as_deref() == Some("18:00")),
            "{hours:?}"
        );
        // Blank times: the text is kept, no invented hours.
        for h in &service(&parsed, "6965").schedules {
            assert_eq!(
                (h.opens_at.as_deref(), h.closes_at.as_deref()),
                (None, None)
            );
            assert!(h.description.is_some());
        }
        let languages = &service(&parsed, "7095").languages;
        assert_eq!(languages[0].name, "English");
        assert_eq!(languages[0].code.as_deref(), Some("en"));
        assert_eq!(
            languages[1].name,
            "Interpretation for languages upon request"
        );
        // Y codes say who a service is for: kept as terms, no category of their own.
        let meals = service(&parsed, "6773");
        assert!(meals.taxonomy_terms.iter().any(|t| t.code == "YB-8000"));
        assert_eq!(meals.categories, vec![Category::Food]);
    }

    #[test]
    fn unlinkable_eligibility_rows_are_reported_not_guessed() {
        let parsed = miami_fixture();
        let eligibility: Vec<&SkippedRow> = parsed
            .skipped
            .iter()
            .filter(|k| k.file.as_deref() == Some("eligibility.csv"))
            .collect();
        assert_eq!(
            eligibility.iter().map(|k| k.row).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(parsed.skipped.len(), 3, "{:?}", parsed.skipped);
        assert!(
            parsed
                .services
                .iter()
                .all(|s| s.eligibility_description.is_none())
        );
    }

    #[test]
    fn reading_twice_gives_identical_services() {
        let first = miami_fixture();
        let second = miami_fixture();
        assert_eq!(first.services, second.services);
        assert_eq!(
            first.services[0].id,
            crate::model::record_id("service", "miami", "149")
        );
    }

    #[test]
    fn weekdays_and_free_form_hours() {
        assert_eq!(byday("Monday"), Some("MO"));
        assert_eq!(byday("thur"), Some("TH"));
        assert_eq!(byday("Tues."), Some("TU"));
        assert_eq!(byday("S"), None);
        assert_eq!(byday("Holiday"), None);
        let hours = |o: &str, c: &str| opening_hours(Some(o), Some(c));
        assert_eq!(
            hours("8:00am", "5:00"),
            (Some("08:00".into()), Some("17:00".into()))
        );
        assert_eq!(
            hours("6:00pm", "12:00am"),
            (Some("18:00".into()), Some("23:59".into()))
        );
        assert_eq!(
            hours("12:00am", "12:00am"),
            (Some("00:00".into()), Some("23:59".into()))
        );
        assert_eq!(hours("8:00m", "5:00pm"), (None, Some("17:00".into())));
    }

    /// Odd values in every column of the first rows of services, addresses,
    /// locations, phones and schedules: no panic, every service row imported or
    /// skipped, and what was changed on the way said in the notes.
    #[test]
    fn no_cell_value_makes_the_package_reader_panic() {
        let (_dir, root) = hostile_package(
            "miami",
            PackageTables {
                addresses: "physical_addresses.csv",
                service_at_location: "services_at_location.csv",
                schedules: "regular_schedules.csv",
            },
        );
        let parsed = read_package(context(), &root, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.rows_read > 46 + 500, "{}", parsed.rows_read);
        assert_every_row_accounted_for(&parsed, Some("services.csv"));
        let notes: Vec<&str> = parsed.notes.iter().map(|n| n.reason.as_str()).collect();
        for expected in [
            "coordinates (\"İİİ\", none) are not numbers; it has no point",
            "coordinates (-inf, -80.1924669605184) are outside the valid range; it has no point",
            "opening time \"İİİ\" is not a time of day; left out (the schedule's text is kept)",
            "weekday \"İİİ\" is not a day of the week",
            "website \"http//\" is not an http(s) address; left out",
            "address names no location (location_id is empty); left out",
            "which is not in locations.csv; left out",
        ] {
            assert!(
                notes.iter().any(|n| n.contains(expected)),
                "no note says {expected:?}: {notes:#?}"
            );
        }
        // A 20,000-character cell is cut short in a note.
        assert!(notes.iter().all(|n| n.chars().count() < 400), "{notes:#?}");
    }

    /// The whole shipped package: every service row becomes a listing, and where each location is placed.
    #[test]
    fn full_miami_package_imports_every_service() {
        let path = root().join("data/hsds/miami-211-hsds-2019");
        let parsed = read_package(context(), &path, None).unwrap_or_else(|e| panic!("{e}"));
        let mut reasons: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
        for k in &parsed.skipped {
            *reasons
                .entry((k.file.clone(), k.reason.clone()))
                .or_default() += 1;
        }
        let (mut exact, mut centroid, mut none) = (0, 0, 0);
        for l in parsed.services.iter().flat_map(|s| &s.locations) {
            match (l.point(), l.approximate) {
                (Some(_), false) => exact += 1,
                (Some(_), true) => centroid += 1,
                (None, _) => none += 1,
            }
        }
        let mut notes: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
        for n in &parsed.notes {
            *notes.entry((n.file.clone(), n.kind())).or_default() += 1;
        }
        println!("notes: {notes:?}");
        // Ten weekday rows with a time that is not one (two services' five weekdays) and one website.
        assert_eq!(parsed.notes.len(), 11, "{:?}", parsed.notes);
        assert!(parsed.notes.iter().any(|n| n.row == 4180
            && n.reason
                == "closing time \"6:300pm\" is not a time of day; left out (the schedule's text is kept)"));
        println!(
            "dataset {}: {} rows read, {} services, {} skipped {reasons:?}; locations: {exact} exact, {centroid} ZIP centroid, {none} no point",
            parsed.dataset,
            parsed.rows_read,
            parsed.services.len(),
            parsed.skipped.len()
        );
        assert_eq!(parsed.dataset, "miami-211-2019");
        assert_eq!(parsed.rows_read, 4089);
        assert!(parsed.services.len() >= 4000);
        assert!(
            parsed
                .services
                .iter()
                .all(|s| s.source_note.as_deref()
                    == Some("211 Miami / Open Referral, 2019 snapshot."))
        );
        assert_eq!(exact, 2260);
        assert!(centroid > 1700, "{centroid}");
        let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &parsed.services {
            for c in &s.categories {
                *by_category.entry(c.slug()).or_default() += 1;
            }
            if s.categories.is_empty() {
                *by_category
                    .entry(if s.taxonomy_terms.is_empty() {
                        "(no terms)"
                    } else {
                        "(none)"
                    })
                    .or_default() += 1;
            }
        }
        println!("services by category: {by_category:?}");
        // Every service that has a non-Y AIRS code gets a category.
        assert_eq!(by_category.get("(none)"), None);
    }
}

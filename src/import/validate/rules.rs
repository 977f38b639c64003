//! The HSDS 3.0 rules, as data: what each table (and nested JSON object) must
//! have, which values its enumerated fields take, what its id columns point at,
//! and which fields are dates, times, numbers, emails and URLs; and the checks
//! of a single value against them. The package and JSON walkers apply them.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::Severity::{self, Error, Warning};

/// A service's `status` (a closed list in the schema).
pub(super) const STATUS: &[&str] = &["active", "inactive", "defunct", "temporarily closed"];
/// A location's `location_type` and an address's `address_type`.
pub(super) const PLACE_TYPES: &[&str] = &["physical", "postal", "virtual"];
/// A phone's `type`: RFC 6350's list, named in the schema's description (not a closed enum there).
pub(super) const PHONE_TYPES: &[&str] = &[
    "text",
    "voice",
    "fax",
    "cell",
    "video",
    "pager",
    "textphone",
];
/// A schedule's `freq`.
pub(super) const FREQ: &[&str] = &["WEEKLY", "MONTHLY"];
/// A schedule's `wkst`, and the day part of each `byday` item.
pub(super) const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
/// A service area's `extent_type`, named in the schema's description (not a closed enum there).
pub(super) const EXTENT_TYPES: &[&str] = &["geojson", "topojson", "kml", "text"];

/// The rules of one HSDS object, as a package table and as a nested JSON object.
#[derive(Debug)]
pub(super) struct Spec {
    /// The table's file in a package (`services.csv`).
    pub file: &'static str,
    /// The object's name in messages (`service`).
    pub object: &'static str,
    /// Fields that must have a value, in both forms: an error without one.
    pub required: &'static [&'static str],
    /// Fields the tabular form requires (the links that nesting gives JSON): an error without one.
    pub tabular: &'static [&'static str],
    /// Fields the schema requires that a listing can do without (descriptions): a warning.
    pub wanted: &'static [&'static str],
    /// Enumerated fields: (field, values, severity when a value is not one of them).
    pub enums: &'static [(&'static str, &'static [&'static str], Severity)],
    /// Id columns and the table they point at, in a package: (column, file, severity).
    pub refs: &'static [(&'static str, &'static str, Severity)],
    /// `YYYY-MM-DD` dates.
    pub dates: &'static [&'static str],
    /// RFC 3339 date-times.
    pub date_times: &'static [&'static str],
    /// iCal dates: `YYYY-MM-DD`, an RFC 3339 date-time, or iCal's `YYYYMMDD[THHMMSS[Z]]`.
    pub ical_dates: &'static [&'static str],
    /// Times of day (`HH:MM`, with `Z` or an offset).
    pub times: &'static [&'static str],
    /// Numeric fields: (field, severity when not a number).
    pub numbers: &'static [(&'static str, Severity)],
    pub emails: &'static [&'static str],
    pub urls: &'static [&'static str],
}

const NONE: Spec = Spec {
    file: "",
    object: "",
    required: &["id"],
    tabular: &[],
    wanted: &[],
    enums: &[],
    refs: &[],
    dates: &[],
    date_times: &[],
    ical_dates: &[],
    times: &[],
    numbers: &[],
    emails: &[],
    urls: &[],
};

pub(super) const ORGANIZATIONS: &str = "organizations.csv";
pub(super) const PROGRAMS: &str = "programs.csv";
pub(super) const SERVICES: &str = "services.csv";
pub(super) const LOCATIONS: &str = "locations.csv";
pub(super) const SERVICE_AT_LOCATION: &str = "service_at_location.csv";
pub(super) const ADDRESSES: &str = "addresses.csv";
pub(super) const PHONES: &str = "phones.csv";
pub(super) const SCHEDULES: &str = "schedules.csv";
pub(super) const SERVICE_AREAS: &str = "service_areas.csv";
pub(super) const LANGUAGES: &str = "languages.csv";
pub(super) const COST_OPTIONS: &str = "cost_options.csv";
pub(super) const REQUIRED_DOCUMENTS: &str = "required_documents.csv";
pub(super) const ACCESSIBILITY: &str = "accessibility.csv";
pub(super) const CONTACTS: &str = "contacts.csv";
pub(super) const FUNDING: &str = "funding.csv";
pub(super) const ATTRIBUTES: &str = "attributes.csv";
pub(super) const TAXONOMIES: &str = "taxonomies.csv";
pub(super) const TAXONOMY_TERMS: &str = "taxonomy_terms.csv";
pub(super) const ORGANIZATION_IDENTIFIERS: &str = "organization_identifiers.csv";
pub(super) const METADATA: &str = "metadata.csv";

pub(super) const ORGANIZATION: Spec = Spec {
    file: ORGANIZATIONS,
    object: "organization",
    required: &["id", "name"],
    wanted: &["description"],
    refs: &[("parent_organization_id", ORGANIZATIONS, Warning)],
    numbers: &[("year_incorporated", Warning)],
    emails: &["email"],
    urls: &["website", "uri", "logo"],
    ..NONE
};

pub(super) const PROGRAM: Spec = Spec {
    file: PROGRAMS,
    object: "program",
    required: &["id", "name"],
    tabular: &["organization_id"],
    wanted: &["description"],
    refs: &[("organization_id", ORGANIZATIONS, Error)],
    ..NONE
};

pub(super) const SERVICE: Spec = Spec {
    file: SERVICES,
    object: "service",
    required: &["id", "name"],
    // Required in the tabular form, but a service without one stands for its own
    // organization. HSDS requires a status too, but most real exports leave it
    // blank for an active service, and Hearth takes it so (a status that is not
    // one of the four is still an error).
    wanted: &["organization_id", "status"],
    enums: &[("status", STATUS, Error)],
    refs: &[
        ("organization_id", ORGANIZATIONS, Error),
        ("program_id", PROGRAMS, Warning),
    ],
    dates: &["assured_date"],
    date_times: &["last_modified"],
    emails: &["email", "assurer_email"],
    urls: &["url"],
    ..NONE
};

pub(super) const LOCATION: Spec = Spec {
    file: LOCATIONS,
    object: "location",
    required: &["id", "location_type"],
    enums: &[("location_type", PLACE_TYPES, Error)],
    refs: &[("organization_id", ORGANIZATIONS, Warning)],
    urls: &["url"],
    ..NONE
};

pub(super) const SERVICE_AT_LOCATION_SPEC: Spec = Spec {
    file: SERVICE_AT_LOCATION,
    object: "service_at_location",
    tabular: &["service_id", "location_id"],
    refs: &[
        ("service_id", SERVICES, Error),
        ("location_id", LOCATIONS, Error),
    ],
    ..NONE
};

pub(super) const ADDRESS: Spec = Spec {
    file: ADDRESSES,
    object: "address",
    required: &["id"],
    // HSDS requires these, but real directories often lack one (no ZIP for a PO
    // box, no street for a rural site) and the rest of the address still helps
    // a client get there: a warning, and the address is kept as it is.
    wanted: &[
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    enums: &[("address_type", PLACE_TYPES, Error)],
    refs: &[("location_id", LOCATIONS, Error)],
    ..NONE
};

pub(super) const PHONE: Spec = Spec {
    file: PHONES,
    object: "phone",
    required: &["id", "number"],
    enums: &[("type", PHONE_TYPES, Warning)],
    refs: &[
        ("service_id", SERVICES, Error),
        ("service_at_location_id", SERVICE_AT_LOCATION, Error),
        ("location_id", LOCATIONS, Error),
        ("organization_id", ORGANIZATIONS, Error),
        ("contact_id", CONTACTS, Warning),
    ],
    numbers: &[("extension", Warning)],
    ..NONE
};

pub(super) const SCHEDULE: Spec = Spec {
    file: SCHEDULES,
    object: "schedule",
    enums: &[("freq", FREQ, Error), ("wkst", DAYS, Error)],
    refs: &[
        ("service_id", SERVICES, Error),
        ("service_at_location_id", SERVICE_AT_LOCATION, Error),
        ("location_id", LOCATIONS, Error),
    ],
    dates: &["valid_from", "valid_to"],
    ical_dates: &["dtstart", "until"],
    times: &["opens_at", "closes_at"],
    numbers: &[
        ("timezone", Warning),
        ("count", Warning),
        ("interval", Warning),
    ],
    urls: &["schedule_link"],
    ..NONE
};

pub(super) const SERVICE_AREA: Spec = Spec {
    file: SERVICE_AREAS,
    object: "service_area",
    enums: &[("extent_type", EXTENT_TYPES, Warning)],
    refs: &[
        ("service_id", SERVICES, Error),
        ("service_at_location_id", SERVICE_AT_LOCATION, Error),
    ],
    urls: &["uri"],
    ..NONE
};

pub(super) const LANGUAGE: Spec = Spec {
    file: LANGUAGES,
    object: "language",
    refs: &[
        ("service_id", SERVICES, Error),
        ("location_id", LOCATIONS, Error),
        ("phone_id", PHONES, Error),
    ],
    ..NONE
};

pub(super) const COST_OPTION: Spec = Spec {
    file: COST_OPTIONS,
    object: "cost_option",
    tabular: &["service_id"],
    refs: &[("service_id", SERVICES, Error)],
    dates: &["valid_from", "valid_to"],
    numbers: &[("amount", Warning)],
    ..NONE
};

pub(super) const REQUIRED_DOCUMENT: Spec = Spec {
    file: REQUIRED_DOCUMENTS,
    object: "required_document",
    refs: &[("service_id", SERVICES, Error)],
    urls: &["uri"],
    ..NONE
};

pub(super) const ACCESSIBILITY_SPEC: Spec = Spec {
    file: ACCESSIBILITY,
    object: "accessibility",
    refs: &[("location_id", LOCATIONS, Error)],
    urls: &["url"],
    ..NONE
};

/// Contacts are not imported: their broken links are warnings.
pub(super) const CONTACT: Spec = Spec {
    file: CONTACTS,
    object: "contact",
    refs: &[
        ("organization_id", ORGANIZATIONS, Warning),
        ("service_id", SERVICES, Warning),
        ("service_at_location_id", SERVICE_AT_LOCATION, Warning),
        ("location_id", LOCATIONS, Warning),
    ],
    emails: &["email"],
    ..NONE
};

/// Funding is not imported: its broken links are warnings.
pub(super) const FUNDING_SPEC: Spec = Spec {
    file: FUNDING,
    object: "funding",
    refs: &[
        ("organization_id", ORGANIZATIONS, Warning),
        ("service_id", SERVICES, Warning),
    ],
    ..NONE
};

/// `link_id` is checked against the table its `link_entity` names, by the walker.
pub(super) const ATTRIBUTE: Spec = Spec {
    file: ATTRIBUTES,
    object: "attribute",
    tabular: &["link_id", "taxonomy_term_id", "link_entity"],
    refs: &[("taxonomy_term_id", TAXONOMY_TERMS, Error)],
    ..NONE
};

pub(super) const TAXONOMY: Spec = Spec {
    file: TAXONOMIES,
    object: "taxonomy",
    required: &["id", "name"],
    wanted: &["description"],
    urls: &["uri"],
    ..NONE
};

pub(super) const TAXONOMY_TERM: Spec = Spec {
    file: TAXONOMY_TERMS,
    object: "taxonomy_term",
    // A nested term without an id still says what the service is (its code and
    // name); in a package, the links that need the id are checked as references.
    required: &["name"],
    wanted: &["id", "description"],
    refs: &[
        ("parent_id", TAXONOMY_TERMS, Warning),
        ("taxonomy_id", TAXONOMIES, Warning),
    ],
    urls: &["term_uri"],
    ..NONE
};

pub(super) const ORGANIZATION_IDENTIFIER: Spec = Spec {
    file: ORGANIZATION_IDENTIFIERS,
    object: "organization_identifier",
    required: &["id", "identifier_type", "identifier"],
    tabular: &["organization_id"],
    refs: &[("organization_id", ORGANIZATIONS, Error)],
    ..NONE
};

pub(super) const METADATA_SPEC: Spec = Spec {
    file: METADATA,
    object: "metadata",
    required: &[
        "id",
        "resource_type",
        "last_action_date",
        "last_action_type",
    ],
    tabular: &["resource_id"],
    // A new value has no previous one: the rest are not worth an error.
    wanted: &[
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    ],
    ical_dates: &["last_action_date"],
    ..NONE
};

/// Every table a package is checked for, in report order: services first, then
/// what they link to, then what Hearth does not import.
pub(super) const TABLES: &[&Spec] = &[
    &SERVICE,
    &ORGANIZATION,
    &PROGRAM,
    &LOCATION,
    &SERVICE_AT_LOCATION_SPEC,
    &ADDRESS,
    &PHONE,
    &SCHEDULE,
    &SERVICE_AREA,
    &LANGUAGE,
    &COST_OPTION,
    &REQUIRED_DOCUMENT,
    &ACCESSIBILITY_SPEC,
    &ATTRIBUTE,
    &TAXONOMY_TERM,
    &TAXONOMY,
    &CONTACT,
    &FUNDING_SPEC,
    &ORGANIZATION_IDENTIFIER,
    &METADATA_SPEC,
];

/// The table an attribute's `link_entity` names, when it names one.
pub(super) fn link_entity_table(entity: &str) -> Option<&'static str> {
    Some(match entity.trim().to_ascii_lowercase().as_str() {
        "service" => SERVICES,
        "organization" => ORGANIZATIONS,
        "program" => PROGRAMS,
        "location" => LOCATIONS,
        "service_at_location" => SERVICE_AT_LOCATION,
        "address" => ADDRESSES,
        "phone" => PHONES,
        "schedule" => SCHEDULES,
        "service_area" => SERVICE_AREAS,
        "language" => LANGUAGES,
        "cost_option" => COST_OPTIONS,
        "required_document" => REQUIRED_DOCUMENTS,
        "accessibility" => ACCESSIBILITY,
        "contact" => CONTACTS,
        "funding" => FUNDING,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Checks of one value
// ---------------------------------------------------------------------------

/// How `value` stands against an enumeration: `None` when it is one of `values`;
/// `Some(Some(spelling))` when it is one written in another case.
pub(super) fn enum_mismatch(value: &str, values: &[&'static str]) -> Option<Option<&'static str>> {
    if values.contains(&value) {
        return None;
    }
    Some(
        values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(value))
            .copied(),
    )
}

/// A `YYYY-MM-DD` date.
pub(super) fn is_date(text: &str) -> bool {
    text.len() == 10 && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// An RFC 3339 date-time (`2023-03-15T10:30:45.123Z`).
pub(super) fn is_date_time(text: &str) -> bool {
    DateTime::parse_from_rfc3339(text).is_ok()
}

/// A date as iCal fields take it: `YYYY-MM-DD`, an RFC 3339 date-time, or iCal's
/// basic forms (`20240101`, `20240101T090000Z`).
pub(super) fn is_ical_date(text: &str) -> bool {
    if is_date(text) || is_date_time(text) {
        return true;
    }
    let basic = text.strip_suffix('Z').unwrap_or(text);
    (basic.len() == 8 && NaiveDate::parse_from_str(basic, "%Y%m%d").is_ok())
        || NaiveDateTime::parse_from_str(basic, "%Y%m%dT%H%M%S").is_ok()
}

/// A time of day as HSDS writes it: `HH:MM` or `HH:MM:SS` (24-hour, `24:00` as
/// the end of a day), optionally followed by `Z` or an offset (`-05:00`, `+0530`).
pub(super) fn is_time(text: &str) -> bool {
    let (clock, offset) = match text.find(['Z', 'z', '+', '-']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let offset_ok = match offset {
        "" | "Z" | "z" => true,
        _ => {
            let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
            matches!(digits.len(), 2 | 4)
                && digits.chars().all(|c| c.is_ascii_digit())
                && digits[..2].parse::<u32>().is_ok_and(|h| h <= 14)
        }
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let field = |i: usize, max: u32| {
        parts.get(i).is_some_and(|p| {
            let whole = p.split('.').next().unwrap_or("");
            whole.len() == 2
                && whole.chars().all(|c| c.is_ascii_digit())
                && whole.parse::<u32>().is_ok_and(|n| n <= max)
        })
    };
    let clock_ok = matches!(parts.len(), 2 | 3)
        && field(0, 24)
        && field(1, 59)
        && (parts.len() == 2 || field(2, 60))
        && (!parts[0].starts_with("24")
            || parts[1..].iter().all(|p| p.trim_matches('0').is_empty()));
    clock_ok && offset_ok
}

/// A finite number.
pub(super) fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Whether `text` looks like an email address: one `@`, something before it, a dotted domain after.
/// Text a spreadsheet would take for a formula: it starts with `=`, `+` or
/// `@` (a leading `-` is too common in ordinary text to flag).
pub(super) fn looks_like_formula(text: &str) -> bool {
    text.trim_start().starts_with(['=', '+', '@'])
}

pub(super) fn is_email(text: &str) -> bool {
    let text = text.strip_prefix("mailto:").unwrap_or(text);
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(char::is_whitespace)
}

/// Whether `text` is an absolute URI: a scheme (`https:`, `mailto:`, `urn:`) and
/// something after it, without spaces; `http(s)` ones need a host.
pub(super) fn is_uri(text: &str) -> bool {
    if text.contains(char::is_whitespace) {
        return false;
    }
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() {
        return false;
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        return rest.strip_prefix("//").is_some_and(|r| {
            r.split(['/', '?', '#'])
                .next()
                .is_some_and(|h| !h.is_empty())
        });
    }
    true
}

/// Whether `byday` is a list of RRULE days: `MO,TU`, `1SA`, `-1FR`.
pub(super) fn is_byday(text: &str) -> bool {
    text.split(',').all(|item| {
        let item = item.trim();
        let day_at = item.len().saturating_sub(2);
        if !item.is_char_boundary(day_at) {
            return false;
        }
        let (count, day) = item.split_at(day_at);
        let count = count.strip_prefix(['+', '-']).unwrap_or(count);
        DAYS.contains(&day)
            && (count.is_empty()
                || (count.len() <= 2
                    && count.chars().all(|c| c.is_ascii_digit())
                    && count.parse::<u32>().is_ok_and(|n| (1..=53).contains(&n))))
    })
}

//! The HSDS-aligned record types: a service, fully nested.

use serde::{Deserialize, Serialize};

use super::{Category, Need};

/// Where a record came from: the dataset it was imported from and its id there.
///
/// Re-importing a record with the same source updates it instead of adding a copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SourceRef {
    /// The dataset's stable name, e.g. `hrsa-health-centers` or `miami-211-2019`.
    pub dataset: String,
    /// The record's id in that dataset (or a key built from its fields when it has none).
    pub id: String,
}

/// HSDS `service.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    #[default]
    Active,
    Inactive,
    Defunct,
    #[serde(rename = "temporarily closed")]
    TemporarilyClosed,
}

impl ServiceStatus {
    /// Parses an HSDS status, ignoring case; blank is `Active` (most exports leave it empty).
    pub fn parse(text: &str) -> Option<ServiceStatus> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "active" => Some(ServiceStatus::Active),
            "inactive" => Some(ServiceStatus::Inactive),
            "defunct" => Some(ServiceStatus::Defunct),
            "temporarily closed" | "temporarily_closed" => Some(ServiceStatus::TemporarilyClosed),
            _ => None,
        }
    }

    /// The HSDS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Inactive => "inactive",
            ServiceStatus::Defunct => "defunct",
            ServiceStatus::TemporarilyClosed => "temporarily closed",
        }
    }
}

/// HSDS `organization`: who runs the service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// HSDS `location.location_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationType {
    #[default]
    Physical,
    Postal,
    Virtual,
}

/// HSDS `address` (3.0 merged physical and postal addresses into one table).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Address {
    pub address_1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub state_province: String,
    /// Five-digit ZIP, already normalized (see [`super::normalize_zip`]).
    pub postal_code: String,
    pub country: String,
}

impl Address {
    /// One line for display: "11347 SW 160th Street, Miami, FL 33157".
    pub fn one_line(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let street = [Some(self.address_1.as_str()), self.address_2.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !street.is_empty() {
            parts.push(street);
        }
        if !self.city.is_empty() {
            parts.push(self.city.clone());
        }
        let state_zip = [self.state_province.as_str(), self.postal_code.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !state_zip.is_empty() {
            parts.push(state_zip);
        }
        parts.join(", ")
    }
}

/// HSDS `phone`. `number` is the normalized display form.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Phone {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// HSDS `type`: `voice`, `fax`, `text`, `cell`, `video`, `pager`, `textphone`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Phone {
    /// A `tel:` URI for the number (digits only, with `;ext=` when there is an extension),
    /// or `None` when it is not a number we can be sure how to dial.
    pub fn tel_uri(&self) -> Option<String> {
        let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
        // Only numbers we are sure how to dial: N11 services (211, 988), and ten-digit
        // North American numbers. A cell holding two numbers ("…6112/487-4460") is not one.
        let mut uri = match digits.len() {
            3 if digits.ends_with("11") || digits == "988" => format!("tel:{digits}"),
            10 => format!("tel:+1{digits}"),
            11 if digits.starts_with('1') => format!("tel:+{digits}"),
            _ => return None,
        };
        if let Some(ext) = self.extension.as_deref().filter(|e| !e.is_empty()) {
            uri.push_str(";ext=");
            uri.push_str(ext);
        }
        Some(uri)
    }

    /// Whether this is a fax line (not something a client should call).
    pub fn is_fax(&self) -> bool {
        self.kind.as_deref() == Some("fax")
    }
}

/// HSDS `schedule`, one row: a regular opening or a described schedule.
///
/// Rows from HSDS 1.x `regular_schedules` (`weekday`) are converted to `byday`.
/// `description` holds the human text, which is often the only thing a source has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// RRULE `DTSTART`: the first day, and the anchor of `interval` (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<String>,
    /// RRULE `UNTIL`: the last day (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// RRULE `INTERVAL`: every this many weeks or months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A place a service covers, reduced to what a search can look up by term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Coverage {
    /// The whole United States (hotlines, online services).
    National,
    /// A state or territory, by its two-letter code.
    State(String),
    /// A county, by its 5-digit FIPS code.
    County(String),
    /// A ZIP code.
    Zip(String),
}

impl Coverage {
    /// The index term for this coverage (`state:FL`, `county:12086`, `zip:33157`, `national`).
    pub fn term(&self) -> String {
        match self {
            Coverage::National => "national".to_owned(),
            Coverage::State(s) => format!("state:{s}"),
            Coverage::County(c) => format!("county:{c}"),
            Coverage::Zip(z) => format!("zip:{z}"),
        }
    }
}

/// HSDS `service_area`: where a service is offered, beyond its own locations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceArea {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The areas resolved to searchable terms (empty when the source only gave text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<Coverage>,
}

/// HSDS `language`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Language {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A source taxonomy term attached to a service (AIRS code, Open Eligibility id, or a source label).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaxonomyTerm {
    /// The term's code in its taxonomy (`BD-1800.2000`, `102-04`), or the label when the source has no codes.
    pub code: String,
    pub name: String,
    /// Which taxonomy: `airs`, `open-eligibility`, or the dataset's own name.
    pub taxonomy: String,
}

/// HSDS `attribute`: a tagged fact (eligibility, accessibility, payment accepted...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attribute {
    /// What the attribute says, e.g. `eligibility`, `accessibility`, `accepts`.
    pub tag: String,
    pub value: String,
}

/// HSDS `cost_option`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CostOption {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

/// HSDS `location`, with its address, phones, schedules and accessibility notes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub location_type: LocationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transportation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// True when the coordinates are a ZIP centroid (or another approximation), not the building.
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<String>,
}

impl Location {
    /// The location's point as (latitude, longitude), when it has one.
    pub fn point(&self) -> Option<(f64, f64)> {
        Some((self.latitude?, self.longitude?))
    }
}

/// HSDS `service`, fully nested as in `service_full.json`, plus Hearth's derived
/// categories and needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub source: SourceRef,
    pub organization: Organization,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub status: ServiceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpretation_services: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// HSDS `assured_date`: when the listing was last verified (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    /// HSDS `last_modified`, as the source gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// A note about the source that a reader should see (e.g. "2019 snapshot").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxonomy_terms: Vec<TaxonomyTerm>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_areas: Vec<ServiceArea>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// HSDS `metadata`: the changes made to the listing in Hearth, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Metadata>,
}

/// HSDS `metadata`: one change to a listing — which field, from what, to what,
/// who made (or approved) it, and when.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// RFC 3339.
    pub last_action_date: String,
    /// `create`, `update`, `verify` or `close`.
    pub last_action_type: String,
    pub field_name: String,
    pub previous_value: String,
    pub replacement_value: String,
    /// The user id of who approved or made the change.
    pub updated_by: String,
}

impl Metadata {
    /// Who made the change, as it may be published: a sync names the remote it
    /// came from; a person is never named (their account id is staff data).
    pub fn public_updated_by(&self) -> &str {
        if self.updated_by.starts_with("sync:") {
            &self.updated_by
        } else {
            "hearth"
        }
    }
}

impl Service {
    /// The listing as anyone may see it: who changed it is left out of its history.
    pub fn without_staff(mut self) -> Service {
        for change in &mut self.metadata {
            change.updated_by = change.public_updated_by().to_owned();
        }
        self
    }

    /// The first phone a client can call: the service's own, else its first location's.
    pub fn primary_phone(&self) -> Option<&Phone> {
        self.phones
            .iter()
            .chain(self.locations.iter().flat_map(|l| l.phones.iter()))
            .find(|p| !p.is_fax())
    }

    /// The service's website, only when it is an http(s) URL (anything else is never shown as a link).
    pub fn safe_url(&self) -> Option<&str> {
        self.url
            .as_deref()
            .or(self.organization.website.as_deref())
            .filter(|u| is_http_url(u))
    }

    /// Keeps, on a newer copy of this listing from its source, what Hearth itself
    /// recorded on the stored one: the later review date, the change history
    /// (HSDS `metadata`), and who last updated it. Returns whether anything was kept.
    pub fn keep_hearth_record(&mut self, stored: &Service) -> bool {
        let mut kept = false;
        if stored.assured_date > self.assured_date {
            self.assured_date = stored.assured_date.clone();
            kept = true;
        }
        if self.metadata.is_empty() && !stored.metadata.is_empty() {
            self.metadata = stored.metadata.clone();
            kept = true;
        }
        for attribute in stored
            .attributes
            .iter()
            .filter(|a| a.tag == "updated_by_organization")
        {
            if !self.attributes.iter().any(|a| a.tag == attribute.tag) {
                self.attributes.push(attribute.clone());
                kept = true;
            }
        }
        kept
    }

    /// The location with the given id.
    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.id == id)
    }
}

/// True for `http://` and `https://` URLs (case-insensitive) with something after the scheme.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://"].iter().any(|scheme| {
        lower.starts_with(scheme)
            && lower.len() > scheme.len()
            && !lower.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_uri_dials_us_numbers_with_country_code_and_extension() {
        let p = Phone {
            number: "(305) 253-4841".into(),
            extension: Some("12".into()),
            ..Phone::default()
        };
        assert_eq!(p.tel_uri().as_deref(), Some("tel:+13052534841;ext=12"));
        let short = Phone {
            number: "211".into(),
            ..Phone::default()
        };
        assert_eq!(short.tel_uri().as_deref(), Some("tel:211"));
        let empty = Phone {
            number: "n/a".into(),
            ..Phone::default()
        };
        assert_eq!(empty.tel_uri(), None);
        let two = Phone {
            number: "(315) 635-6112/487-4460".into(),
            ..Phone::default()
        };
        assert_eq!(
            two.tel_uri(),
            None,
            "two numbers in one cell are not dialled as one"
        );
        let crisis = Phone {
            number: "988".into(),
            ..Phone::default()
        };
        assert_eq!(crisis.tel_uri().as_deref(), Some("tel:988"));
    }

    #[test]
    fn only_http_urls_are_links() {
        assert!(is_http_url("https://example.org/x"));
        assert!(is_http_url("HTTP://EXAMPLE.ORG"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("www.example.org"));
        assert!(!is_http_url("http://"));
    }

    #[test]
    fn status_round_trips_through_json() {
        let json = serde_json::to_string(&ServiceStatus::TemporarilyClosed).unwrap_or_default();
        assert_eq!(json, "\"temporarily closed\"");
        assert_eq!(
            ServiceStatus::parse("Temporarily Closed"),
            Some(ServiceStatus::TemporarilyClosed)
        );
    }
}

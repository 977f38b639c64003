//! Saved lists ("My list"): services a clinician keeps at hand, each with a
//! short private note, and what each listing looked like when it was saved.
//!
//! A list belongs to one clinician; a team list is also shared with named
//! colleagues. Each item keeps a fingerprint of the listing's name, status,
//! addresses, phones and schedules, so a list can say when a listing changed
//! or closed after it was saved. Storage lives in `store`, access rules in
//! `directory`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Address, Location, Phone, Schedule, Service, ServiceStatus};

/// The most characters a saved item's note may have.
pub const MAX_NOTE_CHARS: usize = 200;

/// The name every clinician's personal list has.
pub const PERSONAL_LIST_NAME: &str = "My list";

/// A clinician's saved list: their personal one, or a team list shared with
/// named colleagues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedList {
    pub id: String,
    /// The user id of whoever made it; only they rename it, name its members or delete it.
    pub owner: String,
    pub name: String,
    /// A team list (shared with `members`); `false` for the owner's personal list.
    pub team: bool,
    /// User ids of the colleagues it is shared with (never the owner).
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub items: Vec<SavedItem>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SavedList {
    /// The item saved for a service, if there is one.
    pub fn item(&self, service_id: &str) -> Option<&SavedItem> {
        self.items.iter().find(|i| i.service_id == service_id)
    }
}

/// One service on a list, with the clinician's note and what the listing
/// looked like when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedItem {
    pub service_id: String,
    /// The location it was saved at (a service may have several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// At most [`MAX_NOTE_CHARS`]; seen only by the list's owner and members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub saved_at: DateTime<Utc>,
    /// The user id of who saved it (on a team list, not always the owner).
    #[serde(default)]
    pub saved_by: String,
    /// The listing's [`fingerprint`] when it was saved.
    pub snapshot: String,
    /// The listing's name when it was saved, shown when it is gone.
    pub name_when_saved: String,
}

/// How a saved item's listing stands now, against what was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// The same as when it was saved.
    Current,
    /// Its name, status, address, phones or hours changed since it was saved.
    Changed,
    /// Gone from the directory, no longer at the saved location, or not active.
    Closed,
}

impl ItemState {
    /// What a list says about an item in this state (`None` when there is nothing to say).
    pub fn flag(self) -> Option<&'static str> {
        match self {
            ItemState::Current => None,
            ItemState::Changed => Some("changed since you saved it"),
            ItemState::Closed => Some("closed"),
        }
    }
}

/// The parts of a location that a client relies on.
#[derive(Serialize)]
struct PlaceParts<'a> {
    id: &'a str,
    address: Option<&'a Address>,
    phones: &'a [Phone],
    schedules: &'a [Schedule],
}

/// The parts of a listing whose change a saved item should flag.
#[derive(Serialize)]
struct ListingParts<'a> {
    name: &'a str,
    status: ServiceStatus,
    phones: &'a [Phone],
    schedules: &'a [Schedule],
    places: Vec<PlaceParts<'a>>,
}

/// A short digest of what a client relies on in a listing: its name and
/// status, the service's phones and schedules, and the address, phones and
/// schedules of `location` (of every location when none is given). Equal
/// listings give equal fingerprints; descriptions and categories do not count.
pub fn fingerprint(service: &Service, location: Option<&Location>) -> String {
    let places: Vec<PlaceParts<'_>> = match location {
        Some(l) => vec![place_parts(l)],
        None => service.locations.iter().map(place_parts).collect(),
    };
    let parts = ListingParts {
        name: &service.name,
        status: service.status,
        phones: &service.phones,
        schedules: &service.schedules,
        places,
    };
    // Serializing plain structs and vectors cannot fail; an empty input still hashes.
    let bytes = serde_json::to_vec(&parts).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn place_parts(location: &Location) -> PlaceParts<'_> {
    PlaceParts {
        id: &location.id,
        address: location.address.as_ref(),
        phones: &location.phones,
        schedules: &location.schedules,
    }
}

/// Whether a listing is one a client can use now (not inactive, defunct or
/// temporarily closed).
pub fn is_open_listing(service: &Service) -> bool {
    service.status == ServiceStatus::Active
}

/// How a saved item's listing stands now: `service` is what the directory
/// holds for it (`None` when it is gone).
pub fn item_state(item: &SavedItem, service: Option<&Service>) -> ItemState {
    let Some(service) = service else {
        return ItemState::Closed;
    };
    if !is_open_listing(service) {
        return ItemState::Closed;
    }
    let location = match item.location_id.as_deref() {
        Some(id) => match service.location(id) {
            Some(l) => Some(l),
            None => return ItemState::Closed,
        },
        None => None,
    };
    if fingerprint(service, location) == item.snapshot {
        ItemState::Current
    } else {
        ItemState::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Organization, SourceRef};

    fn service() -> Service {
        Service {
            id: "s1".into(),
            source: SourceRef {
                dataset: "test".into(),
                id: "1".into(),
            },
            organization: Organization {
                id: "o1".into(),
                name: "Org".into(),
                ..Organization::default()
            },
            name: "Food pantry".into(),
            phones: vec![Phone {
                number: "305-555-0100".into(),
                ..Phone::default()
            }],
            locations: vec![
                Location {
                    id: "l1".into(),
                    ..Location::default()
                },
                Location {
                    id: "l2".into(),
                    ..Location::default()
                },
            ],
            ..Service::default()
        }
    }

    fn saved(service: &Service, location: Option<&str>) -> SavedItem {
        SavedItem {
            service_id: service.id.clone(),
            location_id: location.map(str::to_owned),
            note: None,
            saved_at: Utc::now(),
            saved_by: "u1".into(),
            snapshot: fingerprint(service, location.and_then(|l| service.location(l))),
            name_when_saved: service.name.clone(),
        }
    }

    #[test]
    fn a_changed_phone_name_or_status_is_flagged_and_a_description_is_not() {
        let before = service();
        let item = saved(&before, Some("l1"));
        assert_eq!(item_state(&item, Some(&before)), ItemState::Current);

        let mut described = before.clone();
        described.description = Some("Now with more words".into());
        assert_eq!(item_state(&item, Some(&described)), ItemState::Current);

        let mut phone = before.clone();
        phone.phones[0].number = "305-555-0199".into();
        assert_eq!(item_state(&item, Some(&phone)), ItemState::Changed);

        let mut renamed = before.clone();
        renamed.name = "Food pantry (Tuesdays)".into();
        assert_eq!(item_state(&item, Some(&renamed)), ItemState::Changed);

        let mut closed = before.clone();
        closed.status = ServiceStatus::TemporarilyClosed;
        assert_eq!(item_state(&item, Some(&closed)), ItemState::Closed);
        assert_eq!(item_state(&item, None), ItemState::Closed);
    }

    #[test]
    fn a_location_that_is_gone_reads_closed_and_another_location_does_not_count() {
        let before = service();
        let item = saved(&before, Some("l1"));
        let mut other = before.clone();
        other.locations[1].phones.push(Phone {
            number: "305-555-0111".into(),
            ..Phone::default()
        });
        assert_eq!(item_state(&item, Some(&other)), ItemState::Current);
        let whole = saved(&before, None);
        assert_eq!(item_state(&whole, Some(&other)), ItemState::Changed);
        let mut moved = before.clone();
        moved.locations.remove(0);
        assert_eq!(item_state(&item, Some(&moved)), ItemState::Closed);
    }

    #[test]
    fn fingerprints_are_short_hex() {
        let f = fingerprint(&service(), None);
        assert_eq!(f.len(), 24);
        assert!(f.chars().all(|c| c.is_ascii_hexdigit()));
    }
}

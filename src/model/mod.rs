//! Plain domain types, aligned with Open Referral HSDS 3.0.
//!
//! A [`Service`] is stored as one fully nested record, in the shape of HSDS
//! `service_full.json`: its organization, locations (with address, phones and
//! schedules), phones, schedules, languages, taxonomy terms, service areas,
//! attributes and cost options travel with it. This module owns the shapes and
//! the small rules that belong to a value (ZIP and phone normalization, ids);
//! it does no I/O. Storage lives in `store`, search in `index`.

mod category;
mod clean;
mod eligibility;
mod language;
mod list;
mod referral;
mod search_log;
mod service;
mod submission;
mod user;
mod vocabulary;

pub use category::{Category, Need};
pub use clean::{PhoneNumber, clean_text, normalize_phone, normalize_zip};
pub use eligibility::{
    AgeRange, Population, PopulationRules, RulesError, age_range, is_free, populations,
    service_accessible, wheelchair_accessible,
};
pub use language::{LANGUAGES, language_code, language_name};
pub use list::{
    ItemState, MAX_NOTE_CHARS, PERSONAL_LIST_NAME, SavedItem, SavedList, fingerprint,
    is_open_listing, item_state,
};
pub use referral::{
    Consent, ContactPreference, OutcomeReason, Referral, ReferralKind, ReferralStatus,
    StatusChange, Urgency, is_z_code, z_codes,
};
pub use search_log::SearchLogEntry;
pub use service::{
    Address, Attribute, CostOption, Coverage, Language, Location, LocationType, Metadata,
    Organization, Phone, Schedule, Service, ServiceArea, ServiceStatus, SourceRef, TaxonomyTerm,
    is_http_url,
};
pub use submission::{OutboxMessage, Submission, SubmissionKind, SubmissionStatus, Submitter};
pub use user::{Role, User, normalize_email};
pub use vocabulary::{Lang, Term, VocabularyError, parse_vocabulary, vocabulary};

/// The namespace of Hearth's deterministic record ids (UUID v5).
///
/// Ids are derived from the record's source (dataset name + source id), so the
/// same source record always gets the same id and re-importing updates it.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6865_6172_7468_2d69_6473_2d76_3100_0001);

/// Derives the stable id of a record of `kind` ("service", "organization",
/// "location") from its source dataset and source id.
pub fn record_id(kind: &str, dataset: &str, source_id: &str) -> String {
    let name = format!("{kind}\u{1f}{dataset}\u{1f}{source_id}");
    uuid::Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_stable_and_distinct_per_kind() {
        let a = record_id("service", "miami-211", "136");
        assert_eq!(a, record_id("service", "miami-211", "136"));
        assert_ne!(a, record_id("location", "miami-211", "136"));
        assert_ne!(a, record_id("service", "miami-211", "137"));
        assert_eq!(a.len(), 36);
    }
}

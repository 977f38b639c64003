//! Referrals: a clinician sends (or logs) a client to a service for a need, and
//! follows up until the loop is closed. Statuses are the FHIR SDOH Task
//! statuses; outcomes are a fixed list, so advocates can count them.
//!
//! Only what follow-up and counting need is kept: a pseudonymous client
//! reference chosen by the clinician (never a name, a date of birth or a
//! diagnosis), the client's ZIP and language, consent and how to reach them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Need;

/// FHIR Task status (SDOH Clinical Care IG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralStatus {
    Draft,
    Requested,
    Accepted,
    Rejected,
    Cancelled,
    InProgress,
    OnHold,
    Failed,
    Completed,
    EnteredInError,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 10] = [
        ReferralStatus::Draft,
        ReferralStatus::Requested,
        ReferralStatus::Accepted,
        ReferralStatus::Rejected,
        ReferralStatus::Cancelled,
        ReferralStatus::InProgress,
        ReferralStatus::OnHold,
        ReferralStatus::Failed,
        ReferralStatus::Completed,
        ReferralStatus::EnteredInError,
    ];

    /// The FHIR code (`in-progress`).
    pub fn code(self) -> &'static str {
        match self {
            ReferralStatus::Draft => "draft",
            ReferralStatus::Requested => "requested",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Rejected => "rejected",
            ReferralStatus::Cancelled => "cancelled",
            ReferralStatus::InProgress => "in-progress",
            ReferralStatus::OnHold => "on-hold",
            ReferralStatus::Failed => "failed",
            ReferralStatus::Completed => "completed",
            ReferralStatus::EnteredInError => "entered-in-error",
        }
    }

    /// Reads a FHIR code, ignoring case (`in_progress` too).
    pub fn parse(text: &str) -> Option<ReferralStatus> {
        let code = text.trim().to_ascii_lowercase().replace('_', "-");
        ReferralStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// How a person reads it ("In progress").
    pub fn label(self) -> &'static str {
        match self {
            ReferralStatus::Draft => "Draft",
            ReferralStatus::Requested => "Requested",
            ReferralStatus::Accepted => "Accepted",
            ReferralStatus::Rejected => "Rejected",
            ReferralStatus::Cancelled => "Cancelled",
            ReferralStatus::InProgress => "In progress",
            ReferralStatus::OnHold => "On hold",
            ReferralStatus::Failed => "Failed",
            ReferralStatus::Completed => "Completed",
            ReferralStatus::EnteredInError => "Entered in error",
        }
    }

    /// Whether the loop is closed (no follow-up is due).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ReferralStatus::Rejected
                | ReferralStatus::Cancelled
                | ReferralStatus::Failed
                | ReferralStatus::Completed
                | ReferralStatus::EnteredInError
        )
    }

    /// The statuses a referral may move to from this one.
    pub fn next(self) -> &'static [ReferralStatus] {
        use ReferralStatus::*;
        match self {
            Draft => &[Requested, Cancelled, EnteredInError],
            Requested => &[
                Accepted,
                Rejected,
                InProgress,
                OnHold,
                Cancelled,
                Failed,
                Completed,
                EnteredInError,
            ],
            Accepted => &[
                InProgress,
                OnHold,
                Cancelled,
                Failed,
                Completed,
                EnteredInError,
            ],
            InProgress => &[OnHold, Cancelled, Failed, Completed, EnteredInError],
            OnHold => &[InProgress, Cancelled, Failed, Completed, EnteredInError],
            Rejected | Cancelled | Failed | Completed => &[EnteredInError],
            EnteredInError => &[],
        }
    }

    /// The outcome reasons a move to this status accepts (empty: none is asked).
    pub fn reasons(self) -> &'static [OutcomeReason] {
        use OutcomeReason::*;
        match self {
            ReferralStatus::Completed => &[GotHelp, ReferredElsewhere, Other],
            ReferralStatus::Failed => &[
                CouldNotContact,
                NotEligible,
                NoCapacity,
                Waitlist,
                NoLongerInterested,
                Other,
            ],
            ReferralStatus::Rejected => &[NotEligible, NoCapacity, Waitlist, Other],
            ReferralStatus::Cancelled => &[NoLongerInterested, ReferredElsewhere, Other],
            ReferralStatus::OnHold => &[Waitlist, CouldNotContact, Other],
            _ => &[],
        }
    }
}

/// Why a referral ended as it did (findhelp's outcome list, fixed so it can be counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeReason {
    GotHelp,
    CouldNotContact,
    NotEligible,
    NoCapacity,
    Waitlist,
    NoLongerInterested,
    ReferredElsewhere,
    Other,
}

impl OutcomeReason {
    pub const ALL: [OutcomeReason; 8] = [
        OutcomeReason::GotHelp,
        OutcomeReason::CouldNotContact,
        OutcomeReason::NotEligible,
        OutcomeReason::NoCapacity,
        OutcomeReason::Waitlist,
        OutcomeReason::NoLongerInterested,
        OutcomeReason::ReferredElsewhere,
        OutcomeReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OutcomeReason::GotHelp => "got-help",
            OutcomeReason::CouldNotContact => "could-not-contact",
            OutcomeReason::NotEligible => "not-eligible",
            OutcomeReason::NoCapacity => "no-capacity",
            OutcomeReason::Waitlist => "waitlist",
            OutcomeReason::NoLongerInterested => "no-longer-interested",
            OutcomeReason::ReferredElsewhere => "referred-elsewhere",
            OutcomeReason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<OutcomeReason> {
        let code = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let code = match code.as_str() {
            "couldnt-contact" | "couldn't-contact" => "could-not-contact",
            other => other,
        };
        OutcomeReason::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeReason::GotHelp => "Got help",
            OutcomeReason::CouldNotContact => "Couldn't contact",
            OutcomeReason::NotEligible => "Not eligible",
            OutcomeReason::NoCapacity => "No capacity",
            OutcomeReason::Waitlist => "Waitlist",
            OutcomeReason::NoLongerInterested => "No longer interested",
            OutcomeReason::ReferredElsewhere => "Referred elsewhere",
            OutcomeReason::Other => "Other",
        }
    }
}

/// Whether the client agreed to the referral, and how that was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    Verbal,
    Written,
    Declined,
}

impl Consent {
    pub const ALL: [Consent; 3] = [Consent::Verbal, Consent::Written, Consent::Declined];

    pub fn code(self) -> &'static str {
        match self {
            Consent::Verbal => "verbal",
            Consent::Written => "written",
            Consent::Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Option<Consent> {
        let code = text.trim().to_ascii_lowercase();
        Consent::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// How the client prefers to be reached about the referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactPreference {
    Phone,
    Text,
    Email,
    DoNotContact,
}

impl ContactPreference {
    pub const ALL: [ContactPreference; 4] = [
        ContactPreference::Phone,
        ContactPreference::Text,
        ContactPreference::Email,
        ContactPreference::DoNotContact,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContactPreference::Phone => "phone",
            ContactPreference::Text => "text",
            ContactPreference::Email => "email",
            ContactPreference::DoNotContact => "do-not-contact",
        }
    }

    pub fn parse(text: &str) -> Option<ContactPreference> {
        let code = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let code = match code.as_str() {
            "dont-contact" | "don't-contact" | "none" => "do-not-contact",
            other => other,
        };
        ContactPreference::ALL
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// Whether the referral was sent to the program, or logged for the record only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralKind {
    Sent,
    Logged,
}

impl ReferralKind {
    pub fn code(self) -> &'static str {
        match self {
            ReferralKind::Sent => "sent",
            ReferralKind::Logged => "logged",
        }
    }

    pub fn parse(text: &str) -> Option<ReferralKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sent" => Some(ReferralKind::Sent),
            "logged" => Some(ReferralKind::Logged),
            _ => None,
        }
    }
}

/// How soon the client needs help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    Routine,
    Urgent,
    Emergency,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::Routine, Urgency::Urgent, Urgency::Emergency];

    pub fn code(self) -> &'static str {
        match self {
            Urgency::Routine => "routine",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }

    pub fn parse(text: &str) -> Option<Urgency> {
        let code = text.trim().to_ascii_lowercase();
        Urgency::ALL.into_iter().find(|u| u.code() == code)
    }
}

/// One change of status: who, when, from what, to what, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    /// The user id of who made it.
    pub by: String,
    pub from: Option<ReferralStatus>,
    pub to: ReferralStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<OutcomeReason>,
    /// Free text for the reason "other", or a note on the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A referral, with its whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub id: String,
    /// An id the client chose for the request (retries with it return the same
    /// referral instead of a second one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The user id of the clinician who made it.
    pub created_by: String,
    pub service_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The service's and organization's names when the referral was made (the
    /// listing may change or close later).
    pub service_name: String,
    pub organization_name: String,
    pub need: Need,
    /// An ICD-10-CM Z code for the need (Z55–Z65), when the clinician gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_code: Option<String>,
    /// The clinician's own pseudonymous code for the client; never a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_zip: Option<String>,
    /// ISO 639 code of the client's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_language: Option<String>,
    pub urgency: Urgency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactPreference>,
    pub kind: ReferralKind,
    pub follow_up: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub status: ReferralStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeReason>,
    pub history: Vec<StatusChange>,
}

impl Referral {
    /// Whether a follow-up is due on `today` (the loop is open and the date has come).
    pub fn follow_up_due(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && self.follow_up <= today
    }
}

/// ICD-10-CM Z codes suggested for a need (DOMAIN.md §2), most specific first.
pub fn z_codes(need: &Need) -> &'static [(&'static str, &'static str)] {
    match need.code() {
        "food-insecurity" => &[("Z59.41", "Food insecurity")],
        "housing-instability" => &[
            (
                "Z59.811",
                "Housing instability, housed, with risk of homelessness",
            ),
            ("Z59.819", "Housing instability, housed unspecified"),
        ],
        "homelessness" => &[
            ("Z59.01", "Sheltered homelessness"),
            ("Z59.02", "Unsheltered homelessness"),
        ],
        "inadequate-housing" => &[("Z59.1", "Inadequate housing")],
        "financial-insecurity" => &[("Z59.86", "Financial insecurity")],
        "material-hardship" => &[("Z59.87", "Material hardship")],
        "transportation-insecurity" => &[("Z59.82", "Transportation insecurity")],
        "utility-insecurity" => &[("Z59.12", "Inadequate housing utilities")],
        "educational-attainment" => &[("Z55.9", "Problems related to education and literacy")],
        "employment-status" => &[("Z56.0", "Unemployment, unspecified")],
        "social-connection" => &[("Z60.2", "Problems related to living alone")],
        "stress" => &[("Z73.3", "Stress, not elsewhere classified")],
        "incarceration-status" => &[("Z65.1", "Imprisonment and other incarceration")],
        _ => &[],
    }
}

/// A Z code as written in ICD-10-CM: `Z` and two digits, optionally a dot and 1–4 characters.
pub fn is_z_code(text: &str) -> bool {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() < 3 || !bytes[0].eq_ignore_ascii_case(&b'Z') {
        return false;
    }
    if !bytes[1..3].iter().all(u8::is_ascii_digit) {
        return false;
    }
    match &text[3..] {
        "" => true,
        rest => {
            rest.len() >= 2
                && rest.len() <= 5
                && rest.starts_with('.')
                && rest[1..].chars().all(|c| c.is_ascii_alphanumeric())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_closed_ones_only_go_to_entered_in_error() {
        for status in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(status.code()), Some(status));
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.code()));
            if status.is_closed() && status != ReferralStatus::EnteredInError {
                assert_eq!(status.next(), [ReferralStatus::EnteredInError]);
            }
        }
        assert!(ReferralStatus::EnteredInError.next().is_empty());
        assert_eq!(
            ReferralStatus::parse("In_Progress"),
            Some(ReferralStatus::InProgress)
        );
        assert!(
            ReferralStatus::Requested
                .next()
                .contains(&ReferralStatus::Completed)
        );
        assert!(
            !ReferralStatus::Completed
                .next()
                .contains(&ReferralStatus::Requested)
        );
    }

    #[test]
    fn outcome_reasons_parse_in_the_forms_people_write() {
        for reason in OutcomeReason::ALL {
            assert_eq!(OutcomeReason::parse(reason.code()), Some(reason));
        }
        assert_eq!(
            OutcomeReason::parse("Got help"),
            Some(OutcomeReason::GotHelp)
        );
        assert_eq!(
            OutcomeReason::parse("couldn't contact"),
            Some(OutcomeReason::CouldNotContact)
        );
        assert_eq!(OutcomeReason::parse("maybe"), None);
        assert!(
            ReferralStatus::Completed
                .reasons()
                .contains(&OutcomeReason::GotHelp)
        );
        assert!(
            !ReferralStatus::Failed
                .reasons()
                .contains(&OutcomeReason::GotHelp)
        );
    }

    #[test]
    fn z_codes_are_recognised() {
        for good in ["Z59.41", "z59.811", "Z65.1", "Z59"] {
            assert!(is_z_code(good), "{good}");
        }
        for bad in ["F32.9", "Z5", "Z59.", "Z59.123456", "59.41", ""] {
            assert!(!is_z_code(bad), "{bad}");
        }
        let food = Need::parse("food-insecurity").unwrap_or_else(|| panic!("need"));
        assert_eq!(z_codes(&food)[0].0, "Z59.41");
    }
}

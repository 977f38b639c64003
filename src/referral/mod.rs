//! Referral lifecycle rules: what a new referral must hold, and which status
//! changes are allowed. No I/O; the directory stores what these rules accept.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{
    Consent, ContactPreference, Need, OutcomeReason, Referral, ReferralKind, ReferralStatus,
    Service, StatusChange, Urgency, is_z_code, language_code, normalize_zip,
};

/// Days until the follow-up when none is given.
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 7;
/// The longest note kept (characters).
pub const MAX_NOTE_CHARS: usize = 500;
/// The longest client reference (characters).
pub const MAX_CLIENT_REF_CHARS: usize = 40;

/// A new referral as it arrives (form or JSON), every field text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewReferral {
    pub service_id: Option<String>,
    pub location_id: Option<String>,
    pub need: Option<String>,
    pub z_code: Option<String>,
    pub client_ref: Option<String>,
    pub client_zip: Option<String>,
    pub client_language: Option<String>,
    pub urgency: Option<String>,
    pub consent: Option<String>,
    pub contact: Option<String>,
    pub kind: Option<String>,
    pub follow_up: Option<String>,
    pub note: Option<String>,
    /// A client-chosen id for this request; a retry with it returns the same referral.
    pub request_id: Option<String>,
}

/// A status change as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusUpdate {
    pub status: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// One problem with one field: what was wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Text that looks like it names or dates a person: a client reference must be
/// a code, so anything with a space-separated word pair or a date is refused.
fn looks_identifying(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let date_like = text.contains('/') && digits.len() >= 6;
    words > 1 || date_like || text.contains('@')
}

/// Checks a new referral against the listing it is for. Every problem is
/// reported (not only the first).
pub fn check_new(
    input: &NewReferral,
    service: &Service,
    id: String,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Referral, Vec<FieldError>> {
    let mut errors = Vec::new();
    let need = match given(&input.need) {
        None => {
            errors.push(error(
                "need",
                "choose the need this referral meets (an SDOH domain such as food-insecurity)",
            ));
            None
        }
        Some(text) => Need::parse(text).or_else(|| {
            errors.push(error(
                "need",
                format!(
                    "unknown need {text:?}; needs are Gravity SDOH domains: {}",
                    Need::CODES.join(", ")
                ),
            ));
            None
        }),
    };
    let location_id = given(&input.location_id).map(str::to_owned);
    if let Some(location) = &location_id
        && service.location(location).is_none()
    {
        errors.push(error(
            "location_id",
            format!("the listing has no location {location:?}; refer from a search result or the listing page"),
        ));
    }
    let z_code = given(&input.z_code).map(str::to_ascii_uppercase);
    if let Some(code) = &z_code
        && !is_z_code(code)
    {
        errors.push(error(
            "z_code",
            format!("{code:?} is not an ICD-10-CM Z code (Z55–Z65, e.g. Z59.41); leave it empty if unsure"),
        ));
    }
    let client_ref = given(&input.client_ref).map(str::to_owned);
    if let Some(reference) = &client_ref {
        if reference.chars().count() > MAX_CLIENT_REF_CHARS {
            errors.push(error(
                "client_ref",
                format!("a client reference is a short code of at most {MAX_CLIENT_REF_CHARS} characters"),
            ));
        } else if looks_identifying(reference) {
            errors.push(error(
                "client_ref",
                "use your own code for the client (like C-1042), never a name, email or date of birth",
            ));
        }
    }
    let client_zip = match given(&input.client_zip) {
        None => None,
        Some(text) => {
            // Typed by a person: five digits (or ZIP+4), never padded as a data file's would be.
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let shaped = (digits.len() == 5 || digits.len() == 9)
                && text.chars().all(|c| c.is_ascii_digit() || c == '-');
            shaped.then(|| normalize_zip(text)).flatten().or_else(|| {
                errors.push(error(
                    "client_zip",
                    format!("{text:?} is not a 5-digit ZIP code"),
                ));
                None
            })
        }
    };
    let client_language = match given(&input.client_language) {
        None => None,
        Some(text) => language_code(text).map(str::to_owned).or_else(|| {
            errors.push(error(
                "client_language",
                format!(
                    "unknown language {text:?}; give an ISO 639 code or name, e.g. es or Spanish"
                ),
            ));
            None
        }),
    };
    let urgency = match given(&input.urgency) {
        None => Urgency::Routine,
        Some(text) => Urgency::parse(text).unwrap_or_else(|| {
            errors.push(error(
                "urgency",
                format!("urgency must be routine, urgent or emergency (got {text:?})"),
            ));
            Urgency::Routine
        }),
    };
    let consent = match given(&input.consent) {
        None => None,
        Some(text) => Consent::parse(text).or_else(|| {
            errors.push(error(
                "consent",
                format!("consent must be verbal, written or declined (got {text:?})"),
            ));
            None
        }),
    };
    let contact = match given(&input.contact) {
        None => None,
        Some(text) => ContactPreference::parse(text).or_else(|| {
            errors.push(error(
                "contact",
                format!("contact must be phone, text, email or do-not-contact (got {text:?})"),
            ));
            None
        }),
    };
    if consent == Some(Consent::Declined)
        && matches!(
            given(&input.kind).map(str::to_ascii_lowercase).as_deref(),
            Some("sent")
        )
    {
        errors.push(error(
            "kind",
            "the client declined: a referral cannot be sent to the program; log it for the record instead",
        ));
    }
    let kind = match given(&input.kind) {
        None if consent == Some(Consent::Declined) => ReferralKind::Logged,
        None => ReferralKind::Sent,
        Some(text) => ReferralKind::parse(text).unwrap_or_else(|| {
            errors.push(error(
                "kind",
                format!("kind must be sent or logged (got {text:?})"),
            ));
            ReferralKind::Sent
        }),
    };
    let today = now.date_naive();
    let follow_up = match given(&input.follow_up) {
        None => today + Duration::days(DEFAULT_FOLLOW_UP_DAYS),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if date >= today && date <= today + Duration::days(366) => date,
            Ok(_) => {
                errors.push(error(
                    "follow_up",
                    "the follow-up date must be from today to a year from now",
                ));
                today
            }
            Err(_) => {
                errors.push(error(
                    "follow_up",
                    format!("the follow-up date must look like 2026-12-05 (got {text:?})"),
                ));
                today
            }
        },
    };
    let note = given(&input.note).map(str::to_owned);
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        errors.push(error(
            "note",
            format!("keep the note under {MAX_NOTE_CHARS} characters; it is for follow-up, not case notes"),
        ));
    }
    let request_id = given(&input.request_id).map(str::to_owned);
    if request_id
        .as_ref()
        .is_some_and(|r| r.len() > 100 || r.contains('\0'))
    {
        errors.push(error(
            "request_id",
            "request_id must be at most 100 characters",
        ));
    }
    let Some(need) = need else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let status = ReferralStatus::Requested;
    Ok(Referral {
        id,
        request_id,
        created_at: now,
        created_by: by.to_owned(),
        service_id: service.id.clone(),
        location_id,
        service_name: service.name.clone(),
        organization_name: service.organization.name.clone(),
        need,
        z_code,
        client_ref,
        client_zip,
        client_language,
        urgency,
        consent,
        contact,
        kind,
        follow_up,
        note,
        status,
        outcome: None,
        history: vec![StatusChange {
            at: now,
            by: by.to_owned(),
            from: None,
            to: status,
            reason: None,
            note: None,
        }],
    })
}

/// Why a status change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeError {
    /// The input itself is wrong (unknown status or reason): 422.
    Invalid(Vec<FieldError>),
    /// The move is not allowed from the current status: 409.
    Conflict(String),
}

/// Applies a status change, returning the changed referral.
pub fn change_status(
    referral: &Referral,
    update: &StatusUpdate,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Referral, ChangeError> {
    let mut errors = Vec::new();
    let to = match given(&update.status) {
        None => {
            errors.push(error("status", "give the new status"));
            None
        }
        Some(text) => ReferralStatus::parse(text).or_else(|| {
            let known: Vec<&str> = ReferralStatus::ALL.iter().map(|s| s.code()).collect();
            errors.push(error(
                "status",
                format!("unknown status {text:?}; statuses are {}", known.join(", ")),
            ));
            None
        }),
    };
    let reason = match given(&update.reason) {
        None => None,
        Some(text) => OutcomeReason::parse(text).or_else(|| {
            let known: Vec<&str> = OutcomeReason::ALL.iter().map(|r| r.code()).collect();
            errors.push(error(
                "reason",
                format!("unknown reason {text:?}; reasons are {}", known.join(", ")),
            ));
            None
        }),
    };
    let note = given(&update.note).map(str::to_owned);
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        errors.push(error(
            "note",
            format!("keep the note under {MAX_NOTE_CHARS} characters"),
        ));
    }
    let Some(to) = to else {
        return Err(ChangeError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ChangeError::Invalid(errors));
    }
    let from = referral.status;
    if !from.next().contains(&to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
        return Err(ChangeError::Conflict(if allowed.is_empty() {
            format!(
                "the referral is {}; its status can no longer change",
                from.code()
            )
        } else {
            format!(
                "a referral that is {} cannot become {}; it can become {}",
                from.code(),
                to.code(),
                allowed.join(", ")
            )
        }));
    }
    let accepted = to.reasons();
    match reason {
        Some(r) if !accepted.contains(&r) => {
            let codes: Vec<&str> = accepted.iter().map(|r| r.code()).collect();
            return Err(ChangeError::Invalid(vec![error(
                "reason",
                if codes.is_empty() {
                    format!("a move to {} takes no reason", to.code())
                } else {
                    format!(
                        "{} is not a reason for {}; give one of {}",
                        r.code(),
                        to.code(),
                        codes.join(", ")
                    )
                },
            )]));
        }
        None if matches!(
            to,
            ReferralStatus::Completed
                | ReferralStatus::Failed
                | ReferralStatus::Rejected
                | ReferralStatus::Cancelled
        ) =>
        {
            let codes: Vec<&str> = accepted.iter().map(|r| r.code()).collect();
            return Err(ChangeError::Invalid(vec![error(
                "reason",
                format!("say why it is {}: one of {}", to.code(), codes.join(", ")),
            )]));
        }
        Some(OutcomeReason::Other) if note.is_none() => {
            return Err(ChangeError::Invalid(vec![error(
                "note",
                "with the reason \"other\", say what happened in the note",
            )]));
        }
        _ => {}
    }
    let mut changed = referral.clone();
    changed.status = to;
    if reason.is_some() {
        changed.outcome = reason;
    }
    changed.history.push(StatusChange {
        at: now,
        by: by.to_owned(),
        from: Some(from),
        to,
        reason,
        note,
    });
    Ok(changed)
}

#[cfg(test)]
mod tests;

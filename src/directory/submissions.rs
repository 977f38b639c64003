//! Submissions and moderation: new listings and corrections wait in a queue,
//! invisible to search, until a moderator approves them; approval writes the
//! store and the index at once (through the single index writer).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Directory, DirectoryError};
use crate::geo::distance_miles;
use crate::import::{ImportContext, service_from_value};
use crate::model::{
    OutboxMessage, Service, ServiceStatus, Submission, SubmissionKind, SubmissionStatus, Submitter,
    User, is_http_url, normalize_email, normalize_zip,
};
use crate::referral::FieldError;

/// The dataset name of listings that came in as submissions.
pub const SUBMITTED_DATASET: &str = "hearth-submissions";

/// The attribute a listing carries when the organization that runs it sent its
/// last approved change (its value is the date).
pub const UPDATED_BY_ORGANIZATION: &str = "updated_by_organization";

/// Mail services anyone can sign up to: an address there proves nothing about
/// an organization.
const GENERIC_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "protonmail.com",
    "proton.me",
    "gmx.com",
    "mail.com",
    "zoho.com",
    "yandex.com",
    "comcast.net",
    "verizon.net",
    "att.net",
];

/// The host of a website address, without `www.` (`https://www.org.org/x` → `org.org`).
fn web_domain(url: &str) -> Option<String> {
    let rest = url.trim().to_lowercase();
    let rest = rest
        .split_once("://")
        .map_or(rest.as_str(), |(_, r)| r)
        .to_owned();
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .trim_start_matches("www.")
        .to_owned();
    host.contains('.').then_some(host)
}

/// Whether an email address is at an organization's own web domain (or a
/// subdomain of it), and not at a mail service anyone can use.
pub fn email_matches_website(email: &str, website: &str) -> bool {
    let Some((_, domain)) = email
        .trim()
        .to_lowercase()
        .rsplit_once('@')
        .map(|(a, d)| (a.to_owned(), d.to_owned()))
    else {
        return false;
    };
    if GENERIC_MAIL.contains(&domain.as_str()) {
        return false;
    }
    web_domain(website).is_some_and(|site| domain == site || domain.ends_with(&format!(".{site}")))
}

/// Fields a moderator may fix before approving (empty ones are left as sent).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ModeratorEdits {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
}

impl ModeratorEdits {
    /// Whether any field was given.
    pub fn any(&self) -> bool {
        [&self.name, &self.description, &self.url, &self.phone]
            .iter()
            .any(|v| v.as_deref().is_some_and(|t| !t.trim().is_empty()))
    }
}

/// Why a submission or a moderation step was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    #[error("the submission has {} problem(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("there is no submission or listing with id {0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

fn error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Every problem with an HSDS 3.0 service object submitted as a new listing.
pub fn check_service_json(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !value.is_object() {
        return vec![error(
            "",
            "send one HSDS 3.0 service as a JSON object (the shape of service_full.json)",
        )];
    }
    match text(value, "name") {
        None => errors.push(error("name", "the service needs a name")),
        Some(n) if n.chars().count() > 200 => {
            errors.push(error("name", "keep the name under 200 characters"))
        }
        Some(_) => {}
    }
    match value.get("organization").and_then(|o| text(o, "name")) {
        None => errors.push(error(
            "organization.name",
            "say which organization runs the service",
        )),
        Some(n) if n.chars().count() > 200 => errors.push(error(
            "organization.name",
            "keep the organization name under 200 characters",
        )),
        Some(_) => {}
    }
    if text(value, "description").is_some_and(|d| d.chars().count() > 5000) {
        errors.push(error(
            "description",
            "keep the description under 5,000 characters",
        ));
    }
    if let Some(url) = text(value, "url")
        && !is_http_url(url)
    {
        errors.push(error(
            "url",
            "the website must start with http:// or https://",
        ));
    }
    if let Some(email) = text(value, "email")
        && normalize_email(email).is_none()
    {
        errors.push(error("email", format!("{email:?} is not an email address")));
    }
    let phones = value.get("phones").and_then(Value::as_array);
    for (i, phone) in phones.into_iter().flatten().enumerate() {
        let digits =
            text(phone, "number").map_or(0, |n| n.chars().filter(char::is_ascii_digit).count());
        if !(3..=15).contains(&digits) {
            errors.push(error(
                "phones",
                format!(
                    "phone {} must be a number you can dial (e.g. 305-555-0100)",
                    i + 1
                ),
            ));
        }
    }
    let locations = value.get("service_at_locations").and_then(Value::as_array);
    let mut placed = false;
    for (i, sal) in locations.into_iter().flatten().enumerate() {
        let Some(location) = sal.get("location") else {
            errors.push(error(
                "service_at_locations",
                format!("place {} has no location", i + 1),
            ));
            continue;
        };
        let lat = location.get("latitude").and_then(Value::as_f64);
        let lon = location.get("longitude").and_then(Value::as_f64);
        if let (Some(lat), Some(lon)) = (lat, lon) {
            if crate::geo::valid_coordinate(lat, lon) {
                placed = true;
            } else {
                errors.push(error(
                    "service_at_locations",
                    format!("place {}: latitude/longitude out of range", i + 1),
                ));
            }
        }
        for address in location
            .get("addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match text(address, "postal_code") {
                Some(zip)
                    if normalize_zip(zip).is_some()
                        && zip.chars().filter(char::is_ascii_digit).count() >= 5 =>
                {
                    placed = true
                }
                Some(zip) => errors.push(error(
                    "service_at_locations",
                    format!("place {}: {zip:?} is not a 5-digit ZIP code", i + 1),
                )),
                None => {}
            }
        }
    }
    let reachable = placed
        || phones.is_some_and(|p| !p.is_empty())
        || text(value, "url").is_some()
        || text(value, "email").is_some();
    if !reachable {
        errors.push(error(
            "service_at_locations",
            "give an address with a ZIP code, or a phone, website or email, so clients can reach the service",
        ));
    }
    errors
}

/// Lower-case letters and digits only, single spaces.
fn fold(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn zips(service: &Service) -> Vec<String> {
    service
        .locations
        .iter()
        .filter_map(|l| l.address.as_ref().map(|a| a.postal_code.clone()))
        .filter(|z| !z.is_empty())
        .collect()
}

/// Whether two listings look like the same service: the same folded name (or
/// one containing the other) with a location within half a mile or in the same ZIP.
fn looks_same(a: &Service, b: &Service) -> bool {
    let (na, nb) = (fold(&a.name), fold(&b.name));
    let similar =
        !na.is_empty() && !nb.is_empty() && (na == nb || na.contains(&nb) || nb.contains(&na));
    if !similar {
        return false;
    }
    let near = a.locations.iter().filter_map(|l| l.point()).any(|p| {
        b.locations
            .iter()
            .filter_map(|l| l.point())
            .any(|q| distance_miles(p, q) <= 0.5)
    });
    near || zips(a).iter().any(|z| zips(b).contains(z))
}

/// The fields a correction changes, each with its value before and after
/// (what the moderator sees, and what the listing's history records).
pub fn field_changes(before: &Service, after: &Service) -> Vec<(&'static str, String, String)> {
    let phones = |s: &Service| {
        s.phones
            .iter()
            .chain(s.locations.iter().flat_map(|l| l.phones.iter()))
            .map(|p| p.number.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let address = |s: &Service| {
        s.locations
            .iter()
            .filter_map(|l| l.address.as_ref().map(|a| a.one_line()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let hours = |s: &Service| {
        crate::hours::summary(&crate::hours::listing_hours_at(s, s.locations.first())).join("; ")
    };
    let fields: [(&'static str, String, String); 7] = [
        ("Name", before.name.clone(), after.name.clone()),
        (
            "Description",
            before.description.clone().unwrap_or_default(),
            after.description.clone().unwrap_or_default(),
        ),
        (
            "Website",
            before.url.clone().unwrap_or_default(),
            after.url.clone().unwrap_or_default(),
        ),
        (
            "Email",
            before.email.clone().unwrap_or_default(),
            after.email.clone().unwrap_or_default(),
        ),
        ("Phones", phones(before), phones(after)),
        ("Address", address(before), address(after)),
        ("Hours", hours(before), hours(after)),
    ];
    fields.into_iter().filter(|(_, a, b)| a != b).collect()
}

impl Directory {
    fn moderator(user: &User) -> Result<(), SubmissionError> {
        if user.role.moderates() {
            Ok(())
        } else {
            Err(SubmissionError::Forbidden(
                "only moderators (and admins) work the moderation queue".into(),
            ))
        }
    }

    /// Listings already in the store that look like `service`.
    fn duplicates_of(
        &self,
        service: &Service,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, SubmissionError> {
        // Candidates from the index: listings with the name's words within a
        // mile (three for a ZIP-centre point) of each of the listing's points;
        // then the same-service rule.
        let mut found: Vec<String> = Vec::new();
        for location in &service.locations {
            let Some((lat, lon)) = location.point() else {
                continue;
            };
            // A point at a ZIP centre stands for the whole ZIP: look wider.
            let miles = if location.approximate { 3.0 } else { 1.0 };
            let request = crate::index::SearchRequest {
                text: service.name.clone(),
                near: Some(crate::index::Radius { lat, lon, miles }),
                scope: crate::index::Scope::Nearby,
                limit: 50,
                now: Some(now),
                ..crate::index::SearchRequest::default()
            };
            for candidate in self.listings_found(&request)? {
                if candidate.id != service.id
                    && !found.contains(&candidate.id)
                    && looks_same(service, &candidate)
                {
                    found.push(candidate.id);
                }
            }
        }
        found.truncate(10);
        Ok(found)
    }

    /// Queues a new listing (HSDS 3.0 service JSON). Durable when it returns.
    pub fn submit_new(
        &self,
        value: &Value,
        submitter: Submitter,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Submission, SubmissionError> {
        let mut errors = check_service_json(value);
        if let Some(email) = &submitter.email
            && normalize_email(email).is_none()
        {
            errors.push(error(
                "submitter.email",
                format!("{email:?} is not an email address"),
            ));
        }
        if !errors.is_empty() {
            return Err(SubmissionError::Invalid(errors));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let ctx = ImportContext {
            gazetteer: &self.gazetteer,
            categories: &self.categories,
        };
        let mut service = service_from_value(ctx, SUBMITTED_DATASET, &id, value)
            .map_err(|reason| SubmissionError::Invalid(vec![error("", reason)]))?;
        service.status = ServiceStatus::Active;
        // Categories picked on the form (the HSDS `x_categories` extension),
        // beside any the listing's taxonomy terms map to.
        for slug in value
            .get("x_categories")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Some(category) = crate::model::Category::parse(slug)
                && !service.categories.contains(&category)
            {
                service.categories.push(category);
            }
        }
        service.assured_date = Some(now.date_naive().to_string());
        let duplicates = self.duplicates_of(&service, now)?;
        let submission = Submission {
            id,
            kind: SubmissionKind::New,
            status: SubmissionStatus::Pending,
            created_at: now,
            submitter,
            service: Some(service),
            target_id: None,
            closed: false,
            note,
            from_claimant: false,
            duplicates,
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        self.store.put_submission(&submission)?;
        self.store.durable()?;
        Ok(submission)
    }

    /// Queues a correction: `proposed` is the listing with the changes applied
    /// (or `closed` when the service has closed).
    pub fn submit_correction(
        &self,
        target_id: &str,
        proposed: Option<Service>,
        closed: bool,
        submitter: Submitter,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Submission, SubmissionError> {
        let Some(current) = self.store.service(target_id)? else {
            return Err(SubmissionError::NotFound(target_id.to_owned()));
        };
        let from_claimant = match &submitter.user_id {
            Some(user) => self.store.has_claim(&current.organization.id, user)?,
            None => false,
        };
        let submission = Submission {
            id: uuid::Uuid::new_v4().to_string(),
            kind: SubmissionKind::Correction,
            status: SubmissionStatus::Pending,
            created_at: now,
            submitter,
            service: proposed,
            target_id: Some(target_id.to_owned()),
            closed,
            note,
            from_claimant,
            duplicates: Vec::new(),
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        self.store.put_submission(&submission)?;
        self.store.durable()?;
        Ok(submission)
    }

    /// An organization user claims the organization that runs `service_id`:
    /// granted at once when their email is at the organization's web domain
    /// (`Ok(None)`), otherwise queued for a moderator (`Ok(Some(submission))`).
    pub fn claim(
        &self,
        user: &User,
        service_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Submission>, SubmissionError> {
        if !user.role.manages_listings() {
            return Err(SubmissionError::Forbidden(
                "only organization accounts claim listings".into(),
            ));
        }
        let service = self
            .store
            .service(service_id)?
            .ok_or_else(|| SubmissionError::NotFound(service_id.to_owned()))?;
        let organization = service.organization.id.clone();
        if self.store.has_claim(&organization, &user.id)? {
            return Err(SubmissionError::Conflict(
                "you already manage this organization's listings".into(),
            ));
        }
        let website = service
            .url
            .clone()
            .or(service.organization.website.clone())
            .unwrap_or_default();
        if email_matches_website(&user.email, &website) {
            self.store.grant_claim(&organization, &user.id)?;
            self.audit(&user.id, "claim.auto", "organization", &organization, now)?;
            self.store.durable()?;
            return Ok(None);
        }
        let submission = Submission {
            id: uuid::Uuid::new_v4().to_string(),
            kind: SubmissionKind::Claim,
            status: SubmissionStatus::Pending,
            created_at: now,
            submitter: Submitter {
                name: None,
                email: Some(user.email.clone()),
                user_id: Some(user.id.clone()),
            },
            service: None,
            target_id: Some(organization),
            closed: false,
            note: Some(format!(
                "Claim for {} (listing {})",
                service.organization.name, service.id
            )),
            from_claimant: false,
            duplicates: Vec::new(),
            decided_at: None,
            decided_by: None,
            reason: None,
        };
        self.store.put_submission(&submission)?;
        self.store.durable()?;
        Ok(Some(submission))
    }

    /// The pending queue, oldest first (moderators and admins).
    pub fn moderation_queue(&self, user: &User) -> Result<Vec<Submission>, SubmissionError> {
        Self::moderator(user)?;
        Ok(self.store.submissions(SubmissionStatus::Pending)?)
    }

    /// One submission (moderators and admins).
    pub fn submission_for(&self, user: &User, id: &str) -> Result<Submission, SubmissionError> {
        Self::moderator(user)?;
        self.store
            .submission(id)?
            .ok_or_else(|| SubmissionError::NotFound(id.to_owned()))
    }

    fn decide(&self, user: &User, id: &str) -> Result<Submission, SubmissionError> {
        let submission = self.submission_for(user, id)?;
        if submission.status != SubmissionStatus::Pending {
            return Err(SubmissionError::Conflict(format!(
                "this submission was already {} by a moderator",
                submission.status.code()
            )));
        }
        Ok(submission)
    }

    /// Approves a submission: writes the listing to the store and the index
    /// (searchable when this returns), records who approved it, and audits.
    pub fn approve(
        &self,
        user: &User,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Submission, SubmissionError> {
        let before = self.decide(user, id)?;
        if before.kind == SubmissionKind::Claim {
            let organization = before.target_id.clone().unwrap_or_default();
            let claimant = before.submitter.user_id.clone().unwrap_or_default();
            let after = Submission {
                status: SubmissionStatus::Approved,
                decided_at: Some(now),
                decided_by: Some(user.id.clone()),
                ..before.clone()
            };
            if !self.store.update_submission(&before, &after)? {
                return Err(SubmissionError::Conflict(
                    "another moderator decided this submission just now".into(),
                ));
            }
            self.store.grant_claim(&organization, &claimant)?;
            self.audit(
                &user.id,
                "claim.approve",
                "organization",
                &organization,
                now,
            )?;
            self.store.durable()?;
            return Ok(after);
        }
        // The listing a correction is to, read once.
        let current = match before.kind {
            SubmissionKind::New | SubmissionKind::Claim => None,
            SubmissionKind::Correction => {
                let target = before.target_id.clone().unwrap_or_default();
                Some(
                    self.store
                        .service(&target)?
                        .ok_or(SubmissionError::NotFound(target))?,
                )
            }
        };
        let listing = match &current {
            None => before.service.clone(),
            Some(current) if before.closed => Some(Service {
                status: ServiceStatus::Inactive,
                last_modified: Some(now.to_rfc3339()),
                ..current.clone()
            }),
            Some(current) => before.service.clone().map(|proposed| Service {
                id: current.id.clone(),
                source: current.source.clone(),
                ..proposed
            }),
        };
        let Some(mut listing) = listing else {
            return Err(SubmissionError::Conflict(
                "the submission holds no listing to approve".into(),
            ));
        };
        listing.last_modified = Some(now.to_rfc3339());
        listing.assured_date = Some(now.date_naive().to_string());
        // The listing's history (HSDS metadata): what changed, from what, to what, who approved it.
        let entry = |kind: &str, field: &str, from: String, to: String| crate::model::Metadata {
            last_action_date: now.to_rfc3339(),
            last_action_type: kind.to_owned(),
            field_name: field.to_owned(),
            previous_value: from,
            replacement_value: to,
            updated_by: user.id.clone(),
        };
        match (before.kind, before.target_id.as_deref()) {
            (SubmissionKind::New, _) => {
                listing.metadata.push(entry(
                    "create",
                    "service",
                    String::new(),
                    listing.name.clone(),
                ));
            }
            (SubmissionKind::Correction, Some(_)) => {
                if let Some(current) = &current {
                    listing.metadata = current.metadata.clone();
                    if before.closed {
                        listing.metadata.push(entry(
                            "close",
                            "status",
                            current.status.as_str().into(),
                            "inactive".into(),
                        ));
                    }
                    for (field, from, to) in field_changes(current, &listing) {
                        listing.metadata.push(entry("update", field, from, to));
                    }
                }
            }
            (SubmissionKind::Correction, None) | (SubmissionKind::Claim, _) => {}
        }
        if before.from_claimant {
            listing
                .attributes
                .retain(|a| a.tag != UPDATED_BY_ORGANIZATION);
            listing.attributes.push(crate::model::Attribute {
                tag: UPDATED_BY_ORGANIZATION.to_owned(),
                value: now.date_naive().to_string(),
            });
        }
        let after = Submission {
            status: SubmissionStatus::Approved,
            decided_at: Some(now),
            decided_by: Some(user.id.clone()),
            ..before.clone()
        };
        if !self.store.update_submission(&before, &after)? {
            return Err(SubmissionError::Conflict(
                "another moderator decided this submission just now".into(),
            ));
        }
        self.store.upsert_services(std::slice::from_ref(&listing))?;
        self.listings_written(
            Some((&user.id, "submission.approve", &listing.id, now)),
            &super::Silent,
        )?;
        Ok(after)
    }

    /// A moderator's edits to a pending listing before approving it: each given
    /// field replaces the submitted one (the submission keeps what was sent in
    /// its history of decisions only through the audit log).
    pub fn edit_submission(
        &self,
        user: &User,
        id: &str,
        edits: &ModeratorEdits,
        now: DateTime<Utc>,
    ) -> Result<Submission, SubmissionError> {
        let before = self.decide(user, id)?;
        let Some(mut service) = before.service.clone() else {
            return Err(SubmissionError::Conflict(
                "this submission holds no listing to edit".into(),
            ));
        };
        let mut errors = Vec::new();
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        if let Some(name) = given(&edits.name) {
            service.name = name;
        }
        if let Some(description) = given(&edits.description) {
            service.description = Some(description);
        }
        if let Some(url) = given(&edits.url).filter(|u| service.url.as_deref() != Some(u)) {
            if is_http_url(&url) {
                service.url = Some(url);
            } else {
                errors.push(error(
                    "url",
                    "the website must start with http:// or https://",
                ));
            }
        }
        if let Some(phone) = given(&edits.phone)
            && service.primary_phone().map(|p| p.number.as_str()) != Some(phone.as_str())
        {
            service.phones = vec![crate::model::Phone {
                number: phone,
                ..crate::model::Phone::default()
            }];
        }
        if !errors.is_empty() {
            return Err(SubmissionError::Invalid(errors));
        }
        let after = Submission {
            service: Some(service),
            ..before.clone()
        };
        if !self.store.update_submission(&before, &after)? {
            return Err(SubmissionError::Conflict(
                "another moderator changed this submission just now".into(),
            ));
        }
        self.audit(&user.id, "submission.edit", "submission", id, now)?;
        self.store.durable()?;
        Ok(after)
    }

    /// Rejects a submission with a reason, which is sent back to the submitter
    /// (recorded in the outbox) when an email is on file.
    pub fn reject(
        &self,
        user: &User,
        id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Submission, SubmissionError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(SubmissionError::Invalid(vec![error(
                "reason",
                "say why, for the submitter",
            )]));
        }
        let before = self.decide(user, id)?;
        let after = Submission {
            status: SubmissionStatus::Rejected,
            decided_at: Some(now),
            decided_by: Some(user.id.clone()),
            reason: Some(reason.to_owned()),
            ..before.clone()
        };
        if !self.store.update_submission(&before, &after)? {
            return Err(SubmissionError::Conflict(
                "another moderator decided this submission just now".into(),
            ));
        }
        if let Some(email) = &before.submitter.email {
            let name = before
                .service
                .as_ref()
                .map_or("your submission", |s| s.name.as_str());
            self.store.queue_message(&OutboxMessage {
                at: now,
                to: email.clone(),
                subject: format!("Your Hearth submission: {name}"),
                body: format!(
                    "Thank you for sending {name} to Hearth. A moderator did not approve it, for this reason:\n\n{reason}\n\nYou are welcome to send it again with changes."
                ),
            })?;
        }
        self.audit(&user.id, "submission.reject", "submission", id, now)?;
        self.store.durable()?;
        Ok(after)
    }

    /// Every message recorded for sending.
    pub fn outbox(&self) -> Result<Vec<OutboxMessage>, DirectoryError> {
        Ok(self.store.outbox()?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn claims_match_the_organizations_own_domain_only() {
        assert!(email_matches_website(
            "ana@legalaid.org",
            "https://www.legalaid.org/help"
        ));
        assert!(email_matches_website(
            "ana@miami.legalaid.org",
            "legalaid.org"
        ));
        assert!(!email_matches_website("ana@gmail.com", "https://gmail.com"));
        assert!(!email_matches_website(
            "ana@otherlegalaid.org",
            "https://legalaid.org"
        ));
        assert!(!email_matches_website("ana@legalaid.org", ""));
    }

    #[test]
    fn every_problem_in_a_submitted_listing_is_named() {
        let errors = check_service_json(&json!({
            "url": "javascript:alert(1)",
            "email": "not-an-email",
            "phones": [{"number": "call us"}],
            "service_at_locations": [{"location": {"latitude": 99.0, "longitude": 0.0,
                "addresses": [{"postal_code": "12"}]}}]
        }));
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        for field in [
            "name",
            "organization.name",
            "url",
            "email",
            "phones",
            "service_at_locations",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        assert!(
            check_service_json(&json!({
                "name": "Test Pantry", "organization": {"name": "Test Org"},
                "phones": [{"number": "305-555-0100"}]
            }))
            .is_empty()
        );
        assert_eq!(check_service_json(&json!([1, 2]))[0].field, "");
    }
}

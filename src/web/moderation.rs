//! Submissions from anyone (new listings, corrections) and the moderation
//! queue: the JSON API and the pages.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::account::{address, check_csrf, csrf_header, maybe_actor, require, signed_in_page};
use super::{ApiError, AppError, AppState, blocking, views};
use crate::directory::{Directory, ModeratorEdits, SubmissionError};
use crate::model::{Service, Submission, SubmissionKind, Submitter, User};

/// The largest submission body accepted (bytes); beyond it, 413.
pub const MAX_SUBMISSION_BYTES: usize = 256 * 1024;

/// The id of whoever is signed in, if anyone (submissions need no account).
/// A submission made from a signed-in browser session is credited to its
/// user, so it must carry the session's CSRF token (`given`, or the
/// `X-CSRF-Token` header) like every other signed-in change.
async fn submitter_id(
    state: &AppState,
    headers: &HeaderMap,
    given: Option<&str>,
) -> Result<Option<String>, AppError> {
    match maybe_actor(state, headers).await {
        Some(actor) => {
            check_csrf(&actor, given.or(csrf_header(headers)))?;
            Ok(Some(actor.user.id))
        }
        None => Ok(None),
    }
}

/// The session's CSRF token for a public form, when someone is signed in.
async fn form_csrf(state: &AppState, headers: &HeaderMap) -> Option<String> {
    maybe_actor(state, headers)
        .await
        .map(|actor| actor.csrf().to_owned())
        .filter(|csrf| !csrf.is_empty())
}

/// "Edit then approve": applies a moderator's edits (when there are any), then approves.
fn edit_then_approve(
    directory: &Directory,
    user: &User,
    id: &str,
    edits: &ModeratorEdits,
) -> Result<Submission, AppError> {
    let now = chrono::Utc::now();
    if edits.any() {
        directory.edit_submission(user, id, edits, now)?;
    }
    Ok(directory.approve(user, id, now)?)
}

/// Counts a submission from `address`; too many in the window is 429.
fn rate_limit(state: &AppState, address: &str) -> Result<(), AppError> {
    let now = chrono::Utc::now();
    state
        .submissions_limiter
        .check("submissions", address, now)
        .map_err(|limited| AppError::TooMany {
            message: format!(
                "Too many submissions from your address; try again in {} minutes.",
                limited.retry_after.num_minutes().max(1)
            ),
            retry_after: limited.retry_after.num_seconds().max(1) as u64,
        })?;
    state
        .submissions_limiter
        .failed("submissions", address, now);
    Ok(())
}

/// `POST /api/v1/submissions`: an HSDS 3.0 service object (or
/// `{"service": {…}, "submitter": {"name", "email"}, "note"}`) → 202 with the
/// submission id and `pending`; 422 with every problem.
pub async fn api_submit(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!(
                "a submission may be at most {} KB; send the listing without attachments",
                MAX_SUBMISSION_BYTES / 1024
            ))
        } else {
            AppError::BadInput(format!(
                "the body must be an HSDS 3.0 service as JSON: {}",
                e.body_text()
            ))
        }
    })?;
    rate_limit(&state, &address(connect.as_ref().map(|c| &c.0)))?;
    let user = submitter_id(&state, &headers, None).await?;
    let (service, submitter, note) = match body.get("service") {
        Some(service) if service.is_object() => {
            let who = body.get("submitter");
            (
                service.clone(),
                Submitter {
                    name: who
                        .and_then(|w| w.get("name"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    email: who
                        .and_then(|w| w.get("email"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    user_id: user,
                },
                body.get("note").and_then(Value::as_str).map(str::to_owned),
            )
        }
        _ => (
            body,
            Submitter {
                user_id: user,
                ..Submitter::default()
            },
            None,
        ),
    };
    let directory = state.directory.clone();
    let submission =
        blocking(move || directory.submit_new(&service, submitter, note, chrono::Utc::now()))
            .await??;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "id": submission.id, "status": submission.status.code(), "duplicates": submission.duplicates })),
    )
        .into_response())
}

/// `GET /api/v1/moderation`: the pending queue, oldest first (moderators).
pub async fn api_queue(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let queue = blocking(move || directory.moderation_queue(&actor.user)).await??;
    Ok(Json(json!({ "total": queue.len(), "items": queue })))
}

#[derive(Debug, Default, Deserialize)]
pub struct Decision {
    reason: Option<String>,
    csrf: Option<String>,
    /// Edits to make before approving ("edit then approve").
    #[serde(flatten)]
    edits: ModeratorEdits,
}

/// `POST /api/v1/moderation/{id}/approve`.
pub async fn api_approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Submission>, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    // An optional body `{name, description, url, phone}` edits the listing first.
    let edits: ModeratorEdits = if body.iter().all(u8::is_ascii_whitespace) {
        ModeratorEdits::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::BadInput(format!(
                "the body must be empty or {{\"name\", \"description\", \"url\", \"phone\"}}: {e}"
            ))
        })?
    };
    let directory = state.directory.clone();
    let done = blocking(move || edit_then_approve(&directory, &actor.user, &id, &edits)).await??;
    Ok(Json(done))
}

/// `POST /api/v1/moderation/{id}/reject` `{reason}`.
pub async fn api_reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<Submission>, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    let Json(decision) = body.map_err(|e| {
        AppError::BadInput(format!(
            "the body must be {{\"reason\": \"…\"}}: {}",
            e.body_text()
        ))
    })?;
    let reason = decision.reason.unwrap_or_default();
    let directory = state.directory.clone();
    let done =
        blocking(move || directory.reject(&actor.user, &id, &reason, chrono::Utc::now())).await??;
    Ok(Json(done))
}

// ---- pages ---------------------------------------------------------------------

/// `GET /moderation`: the queue with diffs, duplicates and decisions.
pub async fn queue_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, "/moderation").await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let rows = blocking(
        move || -> Result<Vec<(Submission, Option<Service>)>, AppError> {
            let queue = directory.moderation_queue(&user)?;
            let mut rows = Vec::new();
            for s in queue {
                let current = match &s.target_id {
                    Some(id) => directory.service(id)?,
                    None => None,
                };
                rows.push((s, current));
            }
            Ok(rows)
        },
    )
    .await??;
    let csrf = actor.csrf().to_owned();
    Ok(views::layout_with(
        "Moderation",
        html! {
            h1 { "Moderation queue" }
            p { (rows.len()) " waiting (new listings, corrections, claims), oldest first. "
                a href="/moderation/stale" { "Listings due for review" } }
            @for (s, current) in &rows {
                article.card.submission {
                    h2 {
                        @match s.kind { SubmissionKind::New => "New listing: ", SubmissionKind::Correction => "Correction: ", SubmissionKind::Claim => "Claim: " }
                        (s.service.as_ref().map(|x| x.name.as_str()).or(current.as_ref().map(|c| c.name.as_str())).unwrap_or(""))
                    }
                    p.meta {
                        "Sent " (s.created_at.format("%Y-%m-%d %H:%M UTC"))
                        @if let Some(name) = &s.submitter.name { " by " (name) }
                        @if let Some(email) = &s.submitter.email { " <" (email) ">" }
                    }
                    @if s.from_claimant { p.note { "From the organization (it manages this listing)." } }
                    @if let Some(note) = &s.note { p.note { "Note: " (note) } }
                    @if s.closed { p.field-error { "Says the service has closed." } }
                    @match (s.kind, current, &s.service) {
                        (SubmissionKind::Correction, Some(before), Some(after)) => {
                            table.diff {
                                thead { tr { th { "Field" } th { "Now" } th { "Proposed" } } }
                                tbody { @for (field, a, b) in crate::directory::field_changes(before, after) { tr { td { (field) } td { (a) } td { (b) } } } }
                            }
                        }
                        (SubmissionKind::New, _, Some(new)) => {
                            dl {
                                dt { "Organization" } dd { (new.organization.name) }
                                @if let Some(d) = &new.description { dt { "Description" } dd { (d) } }
                                @for l in &new.locations { @if let Some(a) = &l.address { dt { "Address" } dd { (a.one_line()) @if l.approximate { " (placed at the ZIP centre)" } } } }
                                @for p in &new.phones { dt { "Phone" } dd { (p.number) } }
                                @if let Some(u) = &new.url { dt { "Website" } dd { (u) } }
                            }
                        }
                        _ => {}
                    }
                    @if !s.duplicates.is_empty() {
                        p { "Possible duplicates: "
                            @for d in &s.duplicates { a href={ "/services/" (d) } { (d) } " " }
                        }
                    }
                    form method="post" action={ "/moderation/" (s.id) "/approve" } {
                        input type="hidden" name="csrf" value=(csrf);
                        @if s.kind != SubmissionKind::Claim {
                            details {
                                summary { "Edit before approving" }
                                @let proposed = s.service.as_ref();
                                label for={ "name-" (s.id) } { "Name" }
                                input id={ "name-" (s.id) } name="name" value=(proposed.map(|p| p.name.as_str()).unwrap_or(""));
                                label for={ "description-" (s.id) } { "Description" }
                                textarea id={ "description-" (s.id) } name="description" rows="3" { (proposed.and_then(|p| p.description.as_deref()).unwrap_or("")) }
                                label for={ "url-" (s.id) } { "Website" }
                                input id={ "url-" (s.id) } name="url" value=(proposed.and_then(|p| p.url.as_deref()).unwrap_or(""));
                                label for={ "phone-" (s.id) } { "Phone" }
                                input id={ "phone-" (s.id) } name="phone" value=(proposed.and_then(|p| p.primary_phone()).map(|p| p.number.as_str()).unwrap_or(""));
                            }
                        }
                        button type="submit" { "Approve" }
                    }
                    form method="post" action={ "/moderation/" (s.id) "/reject" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label for={ "reason-" (s.id) } { "Reason (sent to the submitter)" }
                        input id={ "reason-" (s.id) } name="reason" required maxlength="500";
                        button type="submit" { "Reject" }
                    }
                }
            }
        },
        Some(&who),
    )
    .into_response())
}

/// `POST /moderation/{id}/approve` (form).
pub async fn approve_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Decision>,
) -> Result<Response, AppError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, form.csrf.as_deref())?;
    let directory = state.directory.clone();
    blocking(move || edit_then_approve(&directory, &actor.user, &id, &form.edits)).await??;
    Ok(Redirect::to("/moderation").into_response())
}

/// `POST /moderation/{id}/reject` (form).
pub async fn reject_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Decision>,
) -> Result<Response, AppError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, form.csrf.as_deref())?;
    let reason = form.reason.unwrap_or_default();
    let directory = state.directory.clone();
    blocking(move || directory.reject(&actor.user, &id, &reason, chrono::Utc::now())).await??;
    Ok(Redirect::to("/moderation").into_response())
}

/// A confirmation page after a submission.
fn received(id: &str) -> Markup {
    views::layout(
        "Thank you",
        html! {
            h1 { "Thank you — received" }
            p { "A moderator will review it before it appears in search. Your reference: " code { (id) } }
            p { a href="/" { "Back to search" } }
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct CorrectionForm {
    /// The session's token, when the form was sent signed in.
    csrf: Option<String>,
    name: Option<String>,
    description: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    email: Option<String>,
    address_1: Option<String>,
    city: Option<String>,
    zip: Option<String>,
    eligibility: Option<String>,
    cost: Option<String>,
    hours: Option<String>,
    closed: Option<String>,
    note: Option<String>,
    submitter_name: Option<String>,
    submitter_email: Option<String>,
    /// A field people never see; anything in it is a robot's.
    company_website: Option<String>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// `GET /services/{id}/correct`: suggest a correction to a listing.
pub async fn correct_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Markup, AppError> {
    let csrf = form_csrf(&state, &headers).await;
    let directory = state.directory.clone();
    let service = blocking(move || directory.service(&id))
        .await??
        .ok_or_else(|| AppError::NotFound("There is no such listing.".into()))?;
    let phone = service
        .primary_phone()
        .map(|p| p.number.clone())
        .unwrap_or_default();
    Ok(views::layout(
        "Suggest a correction",
        html! {
            h1 { "Suggest a correction: " (service.name) }
            p { "Change what is wrong; a moderator checks every change before it goes live. No account needed." }
            form.refer method="post" action={ "/services/" (service.id) "/correct" } {
                @if let Some(csrf) = &csrf { input type="hidden" name="csrf" value=(csrf); }
                div.hp aria-hidden="true" {
                    label for="company_website" { "Leave this empty" }
                    input #company_website name="company_website" tabindex="-1" autocomplete="off";
                }
                div.field { label for="name" { "Name" } input #name name="name" value=(service.name) maxlength="200"; }
                div.field { label for="description" { "Description" } textarea #description name="description" rows="4" maxlength="5000" { (service.description.clone().unwrap_or_default()) } }
                div.field { label for="phone" { "Phone" } input #phone name="phone" value=(phone); }
                div.field { label for="website" { "Website" } input #website name="website" value=(service.url.clone().unwrap_or_default()); }
                div.field { label for="email" { "Email" } input #email type="email" name="email" value=(service.email.clone().unwrap_or_default()); }
                @let address = service.locations.first().and_then(|l| l.address.clone()).unwrap_or_default();
                div.field { label for="address_1" { "Street address" } input #address_1 name="address_1" value=(address.address_1); }
                div.field { label for="city" { "City" } input #city name="city" value=(address.city); }
                div.field { label for="zip" { "ZIP code" } input #zip name="zip" value=(address.postal_code) inputmode="numeric"; }
                div.field { label for="eligibility" { "Who it is for" } input #eligibility name="eligibility" value=(service.eligibility_description.clone().unwrap_or_default()); }
                div.field { label for="cost" { "Cost" } input #cost name="cost" value=(service.fees_description.clone().unwrap_or_default()); }
                div.field { label for="hours" { "Hours (as you would say them, e.g. Mon-Fri 9am-5pm)" } input #hours name="hours"; }
                div.field.check { label for="closed" { input #closed type="checkbox" name="closed" value="true"; " This service has closed" } }
                div.field { label for="note" { "Note for the moderator (optional)" } textarea #note name="note" rows="3" maxlength="1000" {} }
                div.field { label for="submitter_name" { "Your name (optional)" } input #submitter_name name="submitter_name" maxlength="200"; }
                div.field { label for="submitter_email" { "Your email, for questions (optional)" } input #submitter_email type="email" name="submitter_email"; }
                button type="submit" { "Send the correction" }
            }
        },
    ))
}

/// `POST /services/{id}/correct`.
pub async fn correct(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, AppError> {
    rate_limit(&state, &address(connect.as_ref().map(|c| &c.0)))?;
    let user_id = submitter_id(&state, &headers, form.csrf.as_deref()).await?;
    if given(&form.company_website).is_some() {
        tracing::info!("a correction filled the hidden field; not queued");
        return Ok((StatusCode::ACCEPTED, received("-")).into_response());
    }
    if let Some(email) = given(&form.submitter_email)
        && crate::model::normalize_email(&email).is_none()
    {
        return Err(AppError::Invalid(vec![crate::referral::FieldError {
            field: "submitter_email",
            message: format!("{email:?} is not an email address"),
        }]));
    }
    let directory = state.directory.clone();
    let submission = blocking(move || -> Result<Submission, AppError> {
        let current = directory
            .service(&id)?
            .ok_or_else(|| AppError::NotFound("There is no such listing.".into()))?;
        let closed = form.closed.as_deref() == Some("true");
        let mut proposed = current.clone();
        if let Some(name) = given(&form.name) {
            proposed.name = name;
        }
        proposed.description = given(&form.description).or(proposed.description);
        if let Some(url) = given(&form.website) {
            if !crate::model::is_http_url(&url) {
                return Err(AppError::Invalid(vec![crate::referral::FieldError {
                    field: "website",
                    message: "the website must start with http:// or https://".into(),
                }]));
            }
            proposed.url = Some(url);
        }
        if let Some(phone) = given(&form.phone)
            && current.primary_phone().map(|p| p.number.as_str()) != Some(phone.as_str())
        {
            proposed.phones = vec![crate::model::Phone {
                number: phone,
                ..crate::model::Phone::default()
            }];
        }
        if let Some(email) = given(&form.email) {
            if crate::model::normalize_email(&email).is_none() {
                return Err(AppError::Invalid(vec![crate::referral::FieldError {
                    field: "email",
                    message: format!("{email:?} is not an email address"),
                }]));
            }
            proposed.email = Some(email);
        }
        proposed.eligibility_description =
            given(&form.eligibility).or(proposed.eligibility_description);
        proposed.fees_description = given(&form.cost).or(proposed.fees_description);
        if let Some(location) = proposed.locations.first_mut() {
            let mut address = location.address.clone().unwrap_or_default();
            let before = address.clone();
            if let Some(street) = given(&form.address_1) {
                address.address_1 = street;
            }
            if let Some(city) = given(&form.city) {
                address.city = city;
            }
            if let Some(zip) = given(&form.zip) {
                let Some(zip) = crate::model::normalize_zip(&zip)
                    .filter(|_| zip.chars().filter(char::is_ascii_digit).count() >= 5)
                else {
                    return Err(AppError::Invalid(vec![crate::referral::FieldError {
                        field: "zip",
                        message: format!("{zip:?} is not a 5-digit ZIP code"),
                    }]));
                };
                address.postal_code = zip;
            }
            if address != before {
                // A moved address: placed at the new ZIP's centre, approximate, until a moderator knows better.
                if address.postal_code != before.postal_code
                    && let Some(centre) = directory.gazetteer().zip(&address.postal_code)
                {
                    location.latitude = Some(centre.lat);
                    location.longitude = Some(centre.lon);
                    location.approximate = true;
                }
                location.address = Some(address);
            }
        }
        if let Some(hours) = given(&form.hours) {
            let schedule = crate::model::Schedule {
                description: Some(hours),
                ..crate::model::Schedule::default()
            };
            proposed.schedules = vec![schedule];
            for location in &mut proposed.locations {
                location.schedules.clear();
            }
        }
        let submitter = Submitter {
            name: given(&form.submitter_name),
            email: given(&form.submitter_email),
            user_id,
        };
        Ok(directory.submit_correction(
            &current.id,
            (!closed).then_some(proposed),
            closed,
            submitter,
            given(&form.note),
            chrono::Utc::now(),
        )?)
    })
    .await??;
    Ok((StatusCode::ACCEPTED, received(&submission.id)).into_response())
}

/// The new-listing form's fields, all text as typed.
#[derive(Debug, Default, Clone)]
pub struct SubmitForm {
    organization: String,
    name: String,
    description: String,
    category: Vec<String>,
    address_1: String,
    city: String,
    state: String,
    zip: String,
    latitude: String,
    longitude: String,
    phone: String,
    website: String,
    email: String,
    opens: Vec<String>,
    closes: Vec<String>,
    hours_text: String,
    languages: String,
    eligibility: String,
    min_age: String,
    max_age: String,
    cost: String,
    service_area: String,
    submitter_name: String,
    submitter_email: String,
    company_website: String,
    /// The session's token, when the form was sent signed in.
    csrf: String,
}

impl SubmitForm {
    /// Reads the urlencoded form, keeping repeated fields (categories, the
    /// seven opening and closing times) in order.
    fn parse(body: &[u8]) -> SubmitForm {
        let mut f = SubmitForm::default();
        for (key, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "csrf" => f.csrf = value,
                "organization" => f.organization = value,
                "name" => f.name = value,
                "description" => f.description = value,
                "category" => f.category.push(value),
                "address_1" => f.address_1 = value,
                "city" => f.city = value,
                "state" => f.state = value,
                "zip" => f.zip = value,
                "latitude" => f.latitude = value,
                "longitude" => f.longitude = value,
                "phone" => f.phone = value,
                "website" => f.website = value,
                "email" => f.email = value,
                "opens" => f.opens.push(value),
                "closes" => f.closes.push(value),
                "hours_text" => f.hours_text = value,
                "languages" => f.languages = value,
                "eligibility" => f.eligibility = value,
                "min_age" => f.min_age = value,
                "max_age" => f.max_age = value,
                "cost" => f.cost = value,
                "service_area" => f.service_area = value,
                "submitter_name" => f.submitter_name = value,
                "submitter_email" => f.submitter_email = value,
                "company_website" => f.company_website = value,
                _ => {}
            }
        }
        f
    }
}

const DAYS: [(&str, &str); 7] = [
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
];

fn opt(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// The form as an HSDS 3.0 service object (weekly hours become `schedules`).
fn form_to_hsds(form: &SubmitForm) -> Value {
    let mut schedules = Vec::new();
    for (i, (code, _)) in DAYS.iter().enumerate() {
        let opens = form.opens.get(i).map(String::as_str).and_then(opt);
        let closes = form.closes.get(i).map(String::as_str).and_then(opt);
        if let (Some(o), Some(c)) = (opens, closes) {
            schedules.push(json!({"freq": "WEEKLY", "byday": code, "opens_at": o, "closes_at": c}));
        }
    }
    if let Some(text) = opt(&form.hours_text) {
        schedules.push(json!({ "description": text }));
    }
    let languages: Vec<Value> = form
        .languages
        .split(',')
        .filter_map(opt)
        .map(|l| json!({ "name": l }))
        .collect();
    let mut service = json!({
        "name": form.name.trim(),
        "organization": {"name": form.organization.trim()},
        "x_categories": form.category,
        "schedules": schedules,
        "languages": languages,
    });
    let set = |service: &mut Value, key: &str, value: Option<&str>| {
        if let Some(v) = value {
            service[key] = json!(v);
        }
    };
    set(&mut service, "description", opt(&form.description));
    set(&mut service, "url", opt(&form.website));
    set(&mut service, "email", opt(&form.email));
    set(
        &mut service,
        "eligibility_description",
        opt(&form.eligibility),
    );
    set(&mut service, "fees_description", opt(&form.cost));
    set(&mut service, "minimum_age", opt(&form.min_age));
    set(&mut service, "maximum_age", opt(&form.max_age));
    if let Some(phone) = opt(&form.phone) {
        service["phones"] = json!([{ "number": phone }]);
    }
    if let Some(area) = opt(&form.service_area) {
        service["service_areas"] = json!([{ "name": area }]);
    }
    if opt(&form.address_1).is_some() || opt(&form.zip).is_some() {
        let coordinate = |text: &str| opt(text).and_then(|t| t.parse::<f64>().ok());
        service["service_at_locations"] = json!([{ "location": {
            "location_type": "physical",
            "latitude": coordinate(&form.latitude),
            "longitude": coordinate(&form.longitude),
            "addresses": [{
                "address_1": form.address_1.trim(), "city": form.city.trim(),
                "state_province": form.state.trim(), "postal_code": form.zip.trim(),
                "country": "US", "address_type": "physical"
            }]
        }}]);
    }
    service
}

/// Which form field an HSDS field's problem belongs beside.
fn form_field(hsds: &str) -> &'static str {
    match hsds {
        "name" => "name",
        "organization.name" => "organization",
        "url" => "website",
        "email" => "email",
        "phones" => "phone",
        "service_at_locations" => "zip",
        "submitter.email" => "submitter_email",
        "description" => "description",
        _ => "",
    }
}

fn submit_form(form: &SubmitForm, errors: &[crate::referral::FieldError]) -> Markup {
    let error_for = |field: &str| {
        let messages: Vec<&str> = errors
            .iter()
            .filter(|e| {
                form_field(e.field) == field || (field.is_empty() && form_field(e.field).is_empty())
            })
            .map(|e| e.message.as_str())
            .collect();
        html! { @for m in messages { (views::field_problem(None, m)) } }
    };
    let input = |id: &'static str, label: &'static str, value: &str, kind: &'static str| {
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(id) type=(kind) value=(value);
                (error_for(id))
            }
        }
    };
    views::layout(
        "Add a service",
        html! {
            h1 { "Add a service" }
            p { "Run a service that people should find? Tell us about it. A moderator checks every listing before it appears in search; no account is needed." }
            @if !errors.is_empty() { p.field-error role="alert" { "⚠ Some fields need fixing; each says what is wrong. Nothing you typed was lost." } (error_for("")) }
            form.refer method="post" action="/submit" {
                @if !form.csrf.is_empty() { input type="hidden" name="csrf" value=(form.csrf); }
                div.hp aria-hidden="true" {
                    label for="company_website" { "Leave this empty" }
                    input #company_website name="company_website" tabindex="-1" autocomplete="off";
                }
                (input("organization", "Organization", &form.organization, "text"))
                (input("name", "Service name", &form.name, "text"))
                div.field {
                    label for="description" { "What it offers" }
                    textarea #description name="description" rows="4" maxlength="5000" { (form.description) }
                    (error_for("description"))
                }
                fieldset {
                    legend { "Categories" }
                    @for c in crate::model::Category::ALL {
                        label.check { input type="checkbox" name="category" value=(c.slug()) checked[form.category.iter().any(|x| x == c.slug())]; " " (c.label()) }
                    }
                }
                (input("address_1", "Street address", &form.address_1, "text"))
                (input("city", "City", &form.city, "text"))
                (input("state", "State (two letters)", &form.state, "text"))
                (input("zip", "ZIP code", &form.zip, "text"))
                (input("latitude", "Latitude (optional; without it the listing is placed at the ZIP code's centre)", &form.latitude, "text"))
                (input("longitude", "Longitude (optional)", &form.longitude, "text"))
                (input("phone", "Phone", &form.phone, "tel"))
                (input("website", "Website", &form.website, "url"))
                (input("email", "Email for clients", &form.email, "email"))
                fieldset.hours {
                    legend { "Opening hours" }
                    @for (i, (_, day)) in DAYS.iter().enumerate() {
                        div.day {
                            span { (day) }
                            label for={ "opens-" (i) } { "opens" }
                            input id={ "opens-" (i) } name="opens" type="time" value=(form.opens.get(i).cloned().unwrap_or_default());
                            label for={ "closes-" (i) } { "closes" }
                            input id={ "closes-" (i) } name="closes" type="time" value=(form.closes.get(i).cloned().unwrap_or_default());
                        }
                    }
                    (input("hours_text", "Or in words (e.g. 2nd and 4th Saturday 9–12)", &form.hours_text, "text"))
                }
                (input("languages", "Languages (comma-separated)", &form.languages, "text"))
                (input("eligibility", "Who it is for", &form.eligibility, "text"))
                (input("min_age", "Youngest age served", &form.min_age, "number"))
                (input("max_age", "Oldest age served", &form.max_age, "number"))
                (input("cost", "Cost", &form.cost, "text"))
                (input("service_area", "Area served (counties, a state, or National)", &form.service_area, "text"))
                (input("submitter_name", "Your name (for questions)", &form.submitter_name, "text"))
                (input("submitter_email", "Your email (for questions and the decision)", &form.submitter_email, "email"))
                button type="submit" { "Send for review" }
            }
        },
    )
}

/// `GET /submit`: the public new-listing form.
pub async fn submit_page(State(state): State<AppState>, headers: HeaderMap) -> Markup {
    let form = SubmitForm {
        csrf: form_csrf(&state, &headers).await.unwrap_or_default(),
        ..SubmitForm::default()
    };
    submit_form(&form, &[])
}

/// `POST /submit`.
pub async fn submit(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let form = SubmitForm::parse(&body);
    rate_limit(&state, &address(connect.as_ref().map(|c| &c.0)))?;
    if opt(&form.company_website).is_some() {
        tracing::info!("a submission filled the hidden field; not queued");
        return Ok((StatusCode::ACCEPTED, received("-")).into_response());
    }
    let value = form_to_hsds(&form);
    let user = submitter_id(&state, &headers, Some(&form.csrf)).await?;
    let submitter = Submitter {
        name: opt(&form.submitter_name).map(str::to_owned),
        email: opt(&form.submitter_email).map(str::to_owned),
        user_id: user,
    };
    let directory = state.directory.clone();
    let result =
        blocking(move || directory.submit_new(&value, submitter, None, chrono::Utc::now())).await?;
    match result {
        Ok(submission) => Ok((StatusCode::ACCEPTED, received(&submission.id)).into_response()),
        Err(SubmissionError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            submit_form(&form, &errors),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// `POST /services/{id}/claim` (form) and `POST /api/v1/services/{id}/claim`:
/// an organization account claims the organization that runs a listing.
pub async fn claim(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    let form_token = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    check_csrf(&actor, form_token.as_deref().or(csrf_header(&headers)))?;
    let directory = state.directory.clone();
    let queued = blocking(move || directory.claim(&actor.user, &id, chrono::Utc::now())).await??;
    Ok(match queued {
        None => (StatusCode::OK, Json(json!({ "status": "granted" }))).into_response(),
        Some(s) => (
            StatusCode::ACCEPTED,
            Json(json!({ "status": "pending", "id": s.id })),
        )
            .into_response(),
    })
}

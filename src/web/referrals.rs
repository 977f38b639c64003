//! Referral pages and the referral JSON API, the handout, the CSV export and
//! the admin's audit log.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::Deserialize;

use super::account::{Actor, check_csrf, csrf_header, here, require, signed_in_page, who_for};
use super::handout::{HandoutItem, MAX_HANDOUT_ITEMS, handout_page, handout_text};
use super::{
    ApiError, AppError, AppState, blocking, created_or_ok, param, query_pairs, today, views,
};
use crate::directory::ReferralFilter;
use crate::model::{Lang, Need, OutcomeReason, Referral, ReferralStatus, Role, z_codes};
use crate::referral::{FieldError, NewReferral, StatusUpdate};
use crate::report::csv_row;
use crate::search::parse_list;

/// Reads `status=` and `need=` (repeated or comma-separated) into a filter.
/// (Not `search::parse_needs`: its message names the Gravity domains, this one
/// is worded for the referral filter.)
fn filter_from(raw: Option<&str>) -> Result<ReferralFilter, AppError> {
    let mut filter = ReferralFilter::default();
    for (key, value) in query_pairs(raw) {
        match key.as_str() {
            "status" => filter.statuses.extend(parse_list(
                "status",
                Some(&value),
                ReferralStatus::parse,
                |part| {
                    let known: Vec<&str> = ReferralStatus::ALL.iter().map(|s| s.code()).collect();
                    format!("unknown status {part:?}; statuses are {}", known.join(", "))
                },
            )?),
            "need" => filter.needs.extend(
                parse_list("need", Some(&value), Need::parse, |part| {
                    format!(
                        "unknown need {part:?}; needs are {}",
                        Need::CODES.join(", ")
                    )
                })?
                .iter()
                .map(|need| need.code().to_owned()),
            ),
            _ => {}
        }
    }
    Ok(filter)
}

// ---- JSON API ------------------------------------------------------------------

/// `POST /api/v1/referrals`: 201 with the referral (200 with the earlier one
/// when `request_id` was already used). Answered only once the write is on disk.
pub async fn api_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<NewReferral>, JsonRejection>,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    let Json(input) = body.map_err(|e| {
        AppError::BadInput(format!(
            "the body must be a JSON referral: {}",
            e.body_text()
        ))
    })?;
    let directory = state.directory.clone();
    let (referral, created) =
        blocking(move || directory.create_referral(&actor.user, &input, chrono::Utc::now()))
            .await??;
    Ok(created_or_ok(
        created,
        &referral,
        &format!("/api/v1/referrals/{}", referral.id),
    ))
}

/// `GET /api/v1/referrals[?status=&need=]`.
pub async fn api_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let actor = require(&state, &headers).await?;
    let filter = filter_from(raw.as_deref())?;
    let directory = state.directory.clone();
    let list = blocking(move || directory.referrals_for(&actor.user, &filter, today())).await??;
    Ok(Json(
        serde_json::json!({ "total": list.len(), "referrals": list }),
    ))
}

/// `GET /api/v1/referrals/{id}`: 404 for someone else's, as for none.
pub async fn api_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Referral>, ApiError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let referral =
        blocking(move || directory.referral_for(&actor.user, &id, chrono::Utc::now())).await??;
    Ok(Json(referral))
}

/// `POST /api/v1/referrals/{id}/status` `{status, reason, note}`: 409 for a
/// move the current status does not allow.
pub async fn api_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<StatusUpdate>, JsonRejection>,
) -> Result<Json<Referral>, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    let Json(update) = body.map_err(|e| AppError::BadInput(format!("the body must be JSON like {{\"status\": \"completed\", \"reason\": \"got-help\"}}: {}", e.body_text())))?;
    let directory = state.directory.clone();
    let referral = blocking(move || {
        directory.change_referral_status(&actor.user, &id, &update, chrono::Utc::now())
    })
    .await??;
    Ok(Json(referral))
}

/// `GET /api/v1/referrals/{id}/fhir`: the referral as a FHIR R4 Bundle.
pub async fn api_fhir(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let bundle = blocking(move || -> Result<serde_json::Value, AppError> {
        let referral = directory.referral_for(&actor.user, &id, chrono::Utc::now())?;
        let service = directory.service(&referral.service_id)?;
        let requester = directory
            .user(&referral.created_by)?
            .unwrap_or_else(|| actor.user.clone());
        Ok(crate::export::referral_bundle(
            &referral,
            service.as_ref(),
            &requester,
            "",
        ))
    })
    .await??;
    Ok((
        [(header::CONTENT_TYPE, "application/fhir+json")],
        Json(bundle),
    )
        .into_response())
}

// ---- pages -----------------------------------------------------------------

fn refer_form(
    actor: &Actor,
    who: &views::Who,
    input: &NewReferral,
    service_name: &str,
    errors: &[FieldError],
) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let chosen_need = value(&input.need);
    let follow_up = input.follow_up.clone().unwrap_or_else(|| {
        (today() + chrono::Duration::days(crate::referral::DEFAULT_FOLLOW_UP_DAYS)).to_string()
    });
    let select = |name: &'static str, options: &[(&str, &str)], current: &str| {
        html! {
            select id=(name) name=(name) aria-describedby={ "err-" (name) } {
                @for (code, label) in options {
                    option value=(code) selected[*code == current] { (label) }
                }
            }
        }
    };
    views::layout_with(
        "Refer",
        html! {
            h1 { "Refer to " (service_name) }
            @if !errors.is_empty() { p.field-error role="alert" { "⚠ Some fields need fixing; each says what is wrong." } }
            form.refer method="post" action="/referrals" {
                input type="hidden" name="csrf" value=(actor.csrf());
                input type="hidden" name="service_id" value=(value(&input.service_id));
                input type="hidden" name="location_id" value=(value(&input.location_id));
                div.field {
                    label for="need" { "Need" }
                    select #need name="need" required aria-describedby="err-need" {
                        option value="" { "Choose the need" }
                        @for code in Need::CODES {
                            option value=(code) selected[*code == chosen_need] { (views::need_label(code)) }
                        }
                    }
                    (views::field_errors(errors, "need"))
                }
                div.field {
                    label for="z_code" { "ICD-10 Z code (optional)" }
                    input #z_code name="z_code" value=(value(&input.z_code)) list="z-codes" placeholder="e.g. Z59.41" aria-describedby="err-z_code";
                    datalist #z-codes {
                        @for code in Need::CODES {
                            @if let Some(need) = Need::parse(code) {
                                @for (z, label) in z_codes(&need) { option value=(z) { (z) " · " (label) } }
                            }
                        }
                    }
                    (views::field_errors(errors, "z_code"))
                }
                div.field {
                    label for="client_ref" { "Client reference (your own code, never a name)" }
                    input #client_ref name="client_ref" value=(value(&input.client_ref)) maxlength="40" autocomplete="off" aria-describedby="err-client_ref";
                    (views::field_errors(errors, "client_ref"))
                }
                div.field {
                    label for="client_zip" { "Client's ZIP (optional, for gap reports)" }
                    input #client_zip name="client_zip" value=(value(&input.client_zip)) inputmode="numeric" maxlength="10" aria-describedby="err-client_zip";
                    (views::field_errors(errors, "client_zip"))
                }
                div.field {
                    label for="client_language" { "Client's language (optional)" }
                    input #client_language name="client_language" value=(value(&input.client_language)) placeholder="es, Spanish…" aria-describedby="err-client_language";
                    (views::field_errors(errors, "client_language"))
                }
                div.field {
                    label for="urgency" { "Urgency" }
                    (select("urgency", &[("routine", "Routine"), ("urgent", "Urgent"), ("emergency", "Emergency")], &value(&input.urgency)))
                    (views::field_errors(errors, "urgency"))
                }
                div.field {
                    label for="consent" { "Consent" }
                    (select("consent", &[("", "Not recorded"), ("verbal", "Verbal"), ("written", "Written"), ("declined", "Declined")], &value(&input.consent)))
                    (views::field_errors(errors, "consent"))
                }
                div.field {
                    label for="contact" { "Preferred contact" }
                    (select("contact", &[("", "Not said"), ("phone", "Phone"), ("text", "Text message"), ("email", "Email"), ("do-not-contact", "Don't contact")], &value(&input.contact)))
                    (views::field_errors(errors, "contact"))
                }
                div.field {
                    label for="kind" { "Kind" }
                    (select("kind", &[("sent", "Sent to the program"), ("logged", "Logged for the record")], &value(&input.kind)))
                    (views::field_errors(errors, "kind"))
                }
                div.field {
                    label for="follow_up" { "Follow up on" }
                    input #follow_up type="date" name="follow_up" value=(follow_up) aria-describedby="err-follow_up";
                    (views::field_errors(errors, "follow_up"))
                }
                div.field {
                    label for="note" { "Short note (optional; no diagnosis)" }
                    textarea #note name="note" maxlength="500" rows="3" aria-describedby="err-note" { (value(&input.note)) }
                    (views::field_errors(errors, "note"))
                }
                button type="submit" { "Record the referral" }
            }
        },
        Some(who),
    )
}

/// `GET /refer?service=ID&location=LID`: the referral form, filled in.
pub async fn refer_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, &here(&uri)).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if !actor.user.role.refers() {
        return Err(AppError::Forbidden(
            "only clinicians (and admins) record referrals".into(),
        ));
    }
    let pairs = query_pairs(raw.as_deref());
    let input = NewReferral {
        service_id: param(&pairs, "service").map(str::to_owned),
        location_id: param(&pairs, "location").map(str::to_owned),
        ..NewReferral::default()
    };
    let id = input.service_id.clone().unwrap_or_default();
    let directory = state.directory.clone();
    let service = blocking(move || directory.service(&id))
        .await??
        .ok_or_else(|| {
            AppError::NotFound("There is no such listing; open Refer from a search result.".into())
        })?;
    Ok(refer_form(&actor, &who, &input, &service.name, &[]).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReferForm {
    csrf: Option<String>,
    #[serde(flatten)]
    input: NewReferralForm,
}

/// The form's fields (the same as the JSON body).
#[derive(Debug, Deserialize, Default)]
pub struct NewReferralForm {
    service_id: Option<String>,
    location_id: Option<String>,
    need: Option<String>,
    z_code: Option<String>,
    client_ref: Option<String>,
    client_zip: Option<String>,
    client_language: Option<String>,
    urgency: Option<String>,
    consent: Option<String>,
    contact: Option<String>,
    kind: Option<String>,
    follow_up: Option<String>,
    note: Option<String>,
}

impl From<NewReferralForm> for NewReferral {
    fn from(f: NewReferralForm) -> NewReferral {
        NewReferral {
            service_id: f.service_id,
            location_id: f.location_id,
            need: f.need,
            z_code: f.z_code,
            client_ref: f.client_ref,
            client_zip: f.client_zip,
            client_language: f.client_language,
            urgency: f.urgency,
            consent: f.consent,
            contact: f.contact,
            kind: f.kind,
            follow_up: f.follow_up,
            note: f.note,
            request_id: None,
        }
    }
}

/// `POST /referrals` (the form): on success to the referral's page; on bad
/// fields, the form again with each error beside its field and nothing lost.
pub async fn create_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ReferForm>,
) -> Result<Response, AppError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, form.csrf.as_deref())?;
    let input: NewReferral = form.input.into();
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let attempt = input.clone();
    let result =
        blocking(move || directory.create_referral(&user, &attempt, chrono::Utc::now())).await?;
    match result {
        Ok((referral, _)) => {
            Ok(Redirect::to(&format!("/referrals/{}", referral.id)).into_response())
        }
        Err(crate::directory::ReferralError::Invalid(errors)) => {
            let id = input.service_id.clone().unwrap_or_default();
            let directory = state.directory.clone();
            let name = blocking(move || directory.service(&id))
                .await??
                .map(|s| s.name)
                .unwrap_or_default();
            let who = who_for(&state, &actor).await;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                refer_form(&actor, &who, &input, &name, &errors),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn status_badge(r: &Referral) -> Markup {
    html! {
        span.badge { (r.status.label()) @if let Some(o) = r.outcome { " · " (o.label()) } }
    }
}

/// `GET /referrals`: my referrals, overdue follow-ups first.
pub async fn list_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, "/referrals").await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let filter = filter_from(raw.as_deref())?;
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let list = blocking(move || directory.referrals_for(&user, &filter, today())).await??;
    let today = today();
    let title = if actor.user.role == Role::Admin {
        "All referrals"
    } else {
        "My referrals"
    };
    Ok(views::layout_with(
        title,
        html! {
            h1 { (title) }
            form.filters method="get" action="/referrals" {
                div.field {
                    label for="status" { "Status" }
                    select #status name="status" {
                        option value="" { "Any" }
                        @for s in ReferralStatus::ALL { option value=(s.code()) { (s.label()) } }
                    }
                }
                div.field {
                    label for="need" { "Need" }
                    select #need name="need" {
                        option value="" { "Any" }
                        @for code in Need::CODES { option value=(code) { (views::need_label(code)) } }
                    }
                }
                button type="submit" { "Show" }
                a href="/referrals.csv" { "Download CSV" }
            }
            @if list.is_empty() { p { "No referrals yet. Refer from any search result." } }
            ul.referrals {
                @for r in &list {
                    li.card {
                        h3 { a href={ "/referrals/" (r.id) } { (r.service_name) } }
                        p.meta {
                            (status_badge(r)) " "
                            span { (views::need_label(r.need.code())) }
                            @if let Some(c) = &r.client_ref { " · client " (c) }
                        }
                        p {
                            @if r.follow_up_due(today) { strong { "Follow-up due " (r.follow_up) } }
                            @else if !r.status.is_closed() { "Follow up on " (r.follow_up) }
                            @else { "Closed" }
                        }
                    }
                }
            }
        },
        Some(&who),
    )
    .into_response())
}

/// `GET /referrals/{id}`: one referral, its history, and the status form.
pub async fn show_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, &format!("/referrals/{id}")).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let r = blocking(move || directory.referral_for(&user, &id, chrono::Utc::now())).await??;
    Ok(referral_page(&actor, &who, &r, None).into_response())
}

fn referral_page(actor: &Actor, who: &views::Who, r: &Referral, error: Option<&str>) -> Markup {
    views::layout_with(
        "Referral",
        html! {
            h1 { "Referral to " (r.service_name) }
            p { (status_badge(r)) " " (views::need_label(r.need.code())) @if let Some(z) = &r.z_code { " (" (z) ")" } }
            dl {
                dt { "Organization" } dd { (r.organization_name) }
                @if let Some(c) = &r.client_ref { dt { "Client reference" } dd { (c) } }
                dt { "Kind" } dd { (r.kind.code()) }
                dt { "Urgency" } dd { (r.urgency.code()) }
                @if let Some(c) = r.consent { dt { "Consent" } dd { (c.code()) } }
                @if let Some(c) = r.contact { dt { "Preferred contact" } dd { (c.code()) } }
                @if let Some(l) = &r.client_language { dt { "Client's language" } dd { (crate::model::language_name(l).unwrap_or(l)) } }
                dt { "Follow up on" } dd { (r.follow_up) }
                @if let Some(n) = &r.note { dt { "Note" } dd { (n) } }
            }
            p {
                a href={ "/services/" (r.service_id) } { "The listing" } " · "
                a href=(views::handout_href(&r.service_id, r.location_id.as_deref(), if r.client_language.as_deref() == Some("es") { Lang::Es } else { Lang::En })) { "Handout for the client" } " · "
                a href={ "/api/v1/referrals/" (r.id) "/fhir" } { "FHIR" }
            }
            @if !r.status.next().is_empty() {
                h2 { "Update" }
                @if let Some(e) = error { (views::field_problem(None, e)) }
                form.status method="post" action={ "/referrals/" (r.id) "/status" } {
                    input type="hidden" name="csrf" value=(actor.csrf());
                    div.field {
                        label for="status" { "New status" }
                        select #status name="status" {
                            @for s in r.status.next() { option value=(s.code()) { (s.label()) } }
                        }
                    }
                    div.field {
                        label for="reason" { "Outcome" }
                        select #reason name="reason" {
                            option value="" { "—" }
                            @for o in OutcomeReason::ALL { option value=(o.code()) { (o.label()) } }
                        }
                    }
                    div.field {
                        label for="note" { "Note (required with Other)" }
                        input #note name="note" maxlength="500";
                    }
                    button type="submit" { "Save" }
                }
            }
            h2 { "History" }
            ol.history {
                @for h in &r.history {
                    li {
                        (h.at.format("%Y-%m-%d %H:%M UTC")) " · "
                        @if let Some(from) = h.from { (from.label()) " → " }
                        (h.to.label())
                        @if let Some(reason) = h.reason { " · " (reason.label()) }
                        @if let Some(n) = &h.note { " · " (n) }
                    }
                }
            }
        },
        Some(who),
    )
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf: Option<String>,
    status: Option<String>,
    reason: Option<String>,
    note: Option<String>,
}

/// `POST /referrals/{id}/status` (the form).
pub async fn status_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, form.csrf.as_deref())?;
    let update = StatusUpdate {
        status: form.status,
        reason: form.reason,
        note: form.note,
    };
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let target = id.clone();
    let result = blocking(move || {
        directory.change_referral_status(&user, &target, &update, chrono::Utc::now())
    })
    .await?;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/referrals/{id}")).into_response()),
        Err(
            e @ (crate::directory::ReferralError::Invalid(_)
            | crate::directory::ReferralError::Conflict(_)),
        ) => {
            let status = if matches!(e, crate::directory::ReferralError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = match &e {
                crate::directory::ReferralError::Invalid(errors) => errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            let directory = state.directory.clone();
            let user = actor.user.clone();
            let r =
                blocking(move || directory.referral_for(&user, &id, chrono::Utc::now())).await??;
            let who = who_for(&state, &actor).await;
            Ok((status, referral_page(&actor, &who, &r, Some(&message))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /referrals.csv`: one's own referrals (all, for an admin).
pub async fn export_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let list =
        blocking(move || directory.referrals_for(&actor.user, &ReferralFilter::default(), today()))
            .await??;
    let mut out = String::from(
        "id,created_at,service,organization,need,z_code,client_ref,client_zip,status,outcome,follow_up,kind\n",
    );
    for r in &list {
        let row = [
            r.id.clone(),
            r.created_at.to_rfc3339(),
            r.service_name.clone(),
            r.organization_name.clone(),
            r.need.code().to_owned(),
            r.z_code.clone().unwrap_or_default(),
            r.client_ref.clone().unwrap_or_default(),
            r.client_zip.clone().unwrap_or_default(),
            r.status.code().to_owned(),
            r.outcome.map(|o| o.code().to_owned()).unwrap_or_default(),
            r.follow_up.to_string(),
            r.kind.code().to_owned(),
        ];
        out.push_str(&csv_row(&row));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"referrals.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// `GET /handout?s=SERVICE[:LOCATION]&s=…&lang=es[&format=text]`: the client
/// handout for up to five listings; no sign-in or referral needed.
pub async fn handout(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    let mut lang = Lang::En;
    let mut text = false;
    for (k, v) in query_pairs(raw.as_deref()) {
        match k.as_str() {
            "s" => {
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let (service, location) = match part.split_once(':') {
                        Some((s, l)) => (s.to_owned(), Some(l.to_owned())),
                        None => (part.to_owned(), None),
                    };
                    wanted.push((service, location));
                }
            }
            "lang" => {
                lang = match v.as_str() {
                    "es" => Lang::Es,
                    "en" | "" => Lang::En,
                    other => {
                        return Err(AppError::BadInput(format!(
                            "lang must be en or es (got {other:?})"
                        )));
                    }
                }
            }
            "format" => text = v == "text",
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Err(AppError::BadInput(
            "choose at least one listing: /handout?s=SERVICE_ID".into(),
        ));
    }
    if wanted.len() > MAX_HANDOUT_ITEMS {
        return Err(AppError::BadInput(format!(
            "a handout holds at most {MAX_HANDOUT_ITEMS} listings (got {})",
            wanted.len()
        )));
    }
    let directory = state.directory.clone();
    let services = blocking(
        move || -> Result<Vec<(crate::model::Service, Option<String>)>, AppError> {
            let mut found = Vec::new();
            for (id, location) in wanted {
                let service = directory.service(&id)?.ok_or_else(|| {
                    AppError::NotFound(format!("There is no listing with id {id}."))
                })?;
                found.push((service, location));
            }
            Ok(found)
        },
    )
    .await??;
    let items: Vec<HandoutItem<'_>> = services
        .iter()
        .map(|(service, location)| HandoutItem {
            service,
            location: location
                .as_deref()
                .and_then(|l| service.location(l))
                .or_else(|| service.locations.first()),
        })
        .collect();
    let now = chrono::Utc::now();
    if text {
        return Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            handout_text(&items, lang, now),
        )
            .into_response());
    }
    Ok(handout_page(&items, lang, now).into_response())
}

/// `GET /admin/audit`: the newest 500 audit entries (admins only).
pub async fn audit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, "/admin/audit").await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if actor.user.role != Role::Admin {
        return Err(AppError::Forbidden("only admins read the audit log".into()));
    }
    let directory = state.directory.clone();
    let log = blocking(move || directory.audit_log(500)).await??;
    Ok(views::layout_with(
        "Audit log",
        html! {
            h1 { "Audit log" }
            table.audit {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "What" } th { "Record" } } }
                tbody {
                    @for e in &log {
                        tr { td { (e.at.format("%Y-%m-%d %H:%M:%S")) } td { (e.actor) } td { (e.action) } td { (e.target_kind) " " (e.target_id) } }
                    }
                }
            }
        },
        Some(&who),
    )
    .into_response())
}

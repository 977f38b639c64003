//! Freshness at the web edge: verifying a listing (form and JSON), the
//! re-verification queue (page and JSON), and the list of listings modified
//! after an instant for downstream systems. The rules are
//! `directory::freshness`'s; these handlers read parameters, ask, render.

use axum::Form;
use axum::Json;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

use super::account::{check_csrf, csrf_header, here, require, safe_next, signed_in_page};
use super::{ApiError, AppError, AppState, blocking, listing_id, param, query_pairs, today, views};
use crate::directory::{REVIEW_MONTHS, StaleKind, StaleQueue, StaleRequest, parse_instant};
use crate::model::ServiceStatus;

/// Rows per page of the queue unless `per_page` says otherwise, and at most.
const QUEUE_PAGE: (usize, usize) = (50, 200);
/// Rows per page of the change list unless `per_page` says otherwise, and at most.
const CHANGES_PAGE: (usize, usize) = (100, 1000);

/// `page` (from 1) and `per_page` (1 to the most), with their defaults.
fn paging(
    pairs: &[(String, String)],
    (default, most): (usize, usize),
) -> Result<(usize, usize), AppError> {
    let number = |key: &str, low: usize, high: usize, default: usize| -> Result<usize, AppError> {
        match param(pairs, key).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(|| {
                    AppError::BadInput(format!(
                        "{key} must be a whole number from {low} to {high}, not {v:?}"
                    ))
                }),
        }
    };
    let page = number("page", 1, 1_000_000, 1)?;
    let per_page = number("per_page", 1, most, default)?;
    Ok((page, per_page))
}

/// An HSDS API page: `total_items`, `total_pages`, `page_number`, `size` (the
/// page size asked for), `first_page`, `last_page`, `empty`, `contents`.
fn page_json(total: usize, page: usize, per_page: usize, contents: Value) -> Value {
    let total_pages = total.div_ceil(per_page);
    let empty = contents.as_array().is_none_or(Vec::is_empty);
    json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": per_page,
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": empty,
        "contents": contents,
    })
}

// ---- verify --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    csrf: Option<String>,
    next: Option<String>,
}

/// `POST /services/{id}/verify` (the form): confirmed unchanged by phone or
/// email. Back to `next` (a path on this site) or the listing.
pub async fn verify_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: Result<Form<VerifyForm>, FormRejection>,
) -> Result<Response, AppError> {
    // Who is asking comes first: signed out is 401 whatever the body.
    let actor = require(&state, &headers).await?;
    let form = form.map(|Form(f)| f).ok();
    check_csrf(&actor, form.as_ref().and_then(|f| f.csrf.as_deref()))?;
    let id = listing_id(id)?;
    let directory = state.directory.clone();
    let lookup = id.clone();
    blocking(move || directory.verify_service(&actor.user, &lookup, chrono::Utc::now())).await??;
    let next = safe_next(form.as_ref().and_then(|f| f.next.as_deref()))
        .map_or_else(|| format!("/services/{id}"), str::to_owned);
    Ok(Redirect::to(&next).into_response())
}

/// `POST /api/v1/services/{id}/verify`: the listing as verified. With a
/// session, the `X-CSRF-Token` header must carry its token.
pub async fn api_verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    let id = listing_id(id)?;
    let directory = state.directory.clone();
    let service =
        blocking(move || directory.verify_service(&actor.user, &id, chrono::Utc::now())).await??;
    Ok(Json(service).into_response())
}

// ---- the queue -----------------------------------------------------------------

/// The queue request from `only=`, `source=`, `page=`, `per_page=`.
fn stale_request(raw: Option<&str>) -> Result<(StaleRequest, usize, usize), AppError> {
    let pairs = query_pairs(raw);
    let (page, per_page) = paging(&pairs, QUEUE_PAGE)?;
    let only = param(&pairs, "only").unwrap_or("");
    let kind = StaleKind::parse(only).ok_or_else(|| {
        AppError::BadInput(format!("only must be all, lapsed or never, not {only:?}"))
    })?;
    let source = param(&pairs, "source")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let request = StaleRequest {
        kind,
        source,
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    };
    Ok((request, page, per_page))
}

/// `GET /api/v1/moderation/stale[?only=lapsed|never&source=&page=&per_page=]`:
/// a page of the listings due for re-verification, with the counts.
pub async fn api_stale(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let actor = require(&state, &headers).await?;
    let (request, page, per_page) = stale_request(raw.as_deref())?;
    let directory = state.directory.clone();
    let queue = blocking(move || directory.stale_queue(&actor.user, &request, today())).await??;
    let mut body = page_json(queue.total, page, per_page, json!(queue.entries));
    if let Some(object) = body.as_object_mut() {
        object.insert("reviewed_before".into(), json!(queue.cutoff));
        object.insert("lapsed".into(), json!(queue.lapsed));
        object.insert("never_reviewed".into(), json!(queue.never_reviewed));
        object.insert("sources".into(), json!(queue.sources));
    }
    Ok(Json(body))
}

/// The queue's address with some parameters changed.
fn queue_href(kind: StaleKind, source: Option<&str>, page: usize, per_page: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if kind != StaleKind::All {
        query.append_pair("only", kind.code());
    }
    if let Some(s) = source {
        query.append_pair("source", s);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    if per_page != QUEUE_PAGE.0 {
        query.append_pair("per_page", &per_page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/moderation/stale".to_owned()
    } else {
        format!("/moderation/stale?{query}")
    }
}

/// `GET /moderation/stale`: the re-verification queue, a page at a time, each
/// listing with how to reach it and a Verify button.
pub async fn stale_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, &here(&uri)).await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    let (request, page, per_page) = stale_request(raw.as_deref())?;
    let (kind, source) = (request.kind, request.source.clone());
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let queue = blocking(move || directory.stale_queue(&user, &request, today())).await??;
    let here = queue_href(kind, source.as_deref(), page, per_page);
    Ok(views::layout_with(
        "Listings due for re-verification",
        queue_body(
            &queue,
            kind,
            source.as_deref(),
            page,
            per_page,
            &here,
            actor.csrf(),
        ),
        Some(&who),
    )
    .into_response())
}

fn queue_body(
    queue: &StaleQueue,
    kind: StaleKind,
    source: Option<&str>,
    page: usize,
    per_page: usize,
    here: &str,
    csrf: &str,
) -> maud::Markup {
    let total_pages = queue.total.div_ceil(per_page).max(1);
    let tabs = [
        (StaleKind::All, "All", queue.lapsed + queue.never_reviewed),
        (StaleKind::Lapsed, "Review lapsed", queue.lapsed),
        (
            StaleKind::NeverReviewed,
            "Never reviewed",
            queue.never_reviewed,
        ),
    ];
    html! {
        h1 { "Listings due for re-verification" }
        p {
            "Listings last reviewed more than " (REVIEW_MONTHS) " months ago (before "
            (queue.cutoff) "), then listings not reviewed since they were imported, oldest first. "
            "Call or email the service; when nothing has changed, press Verify and the listing shows "
            "“Reviewed on” today. Listings that are temporarily closed or inactive (do not refer) "
            "stay out of search results but are listed here."
        }
        p.counts {
            strong { (queue.lapsed) } " reviewed before " (queue.cutoff) " · "
            strong { (queue.never_reviewed) } " never reviewed since import"
        }
        nav.tabs aria-label="Which listings" {
            @for (k, label, count) in tabs {
                @if k == kind { strong { (label) " (" (count) ")" } }
                @else { a href=(queue_href(k, source, 1, per_page)) { (label) " (" (count) ")" } }
                " "
            }
        }
        form.filters method="get" action="/moderation/stale" {
            @if kind != StaleKind::All { input type="hidden" name="only" value=(kind.code()); }
            div.field {
                label for="source" { "Source" }
                select #source name="source" {
                    option value="" { "Every source" }
                    @for s in &queue.sources {
                        option value=(s.dataset) selected[source == Some(s.dataset.as_str())] {
                            (s.dataset) @if let Some(y) = &s.year { " (" (y) ")" }
                            " — " (s.lapsed + s.never_reviewed)
                        }
                    }
                }
            }
            button type="submit" { "Show" }
        }
        @if queue.entries.is_empty() {
            p { "Nothing is due here. Every listing in this view was reviewed in the last " (REVIEW_MONTHS) " months." }
        }
        ol.stale start=((page - 1) * per_page + 1) {
            @for e in &queue.entries {
                li.card {
                    h3 { a href={ "/services/" (e.id) } { (e.name) } }
                    @if e.organization != e.name { p.org { (e.organization) } }
                    p.meta {
                        (e.freshness) " · " (e.dataset)
                        @if e.status != ServiceStatus::Active { " · " span.badge { (e.status.as_str()) } }
                    }
                    p.actions {
                        @if let Some(phone) = &e.phone {
                            @if let Some(uri) = &e.phone_uri { a.phone href=(uri) { (phone) } } @else { span { (phone) } }
                            " "
                        }
                        @if let Some(email) = &e.email { a.web href={ "mailto:" (email) } { (email) } " " }
                        @if let Some(url) = &e.website { a.web href=(url) rel="noopener noreferrer" { "Website" } }
                    }
                    form.verify method="post" action={ "/services/" (e.id) "/verify" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="next" value=(here);
                        button type="submit" { "Verify: confirmed unchanged" }
                    }
                }
            }
        }
        nav.pager aria-label="Pages" {
            @if page > 1 { a rel="prev" href=(queue_href(kind, source, page - 1, per_page)) { "← Previous" } " " }
            "Page " (page) " of " (total_pages) " (" (queue.total) " listings)"
            @if page < total_pages { " " a rel="next" href=(queue_href(kind, source, page + 1, per_page)) { "Next →" } }
        }
        h2 { "By source" }
        table.sources {
            thead { tr { th { "Source" } th { "Snapshot" } th { "Review lapsed" } th { "Never reviewed" } } }
            tbody {
                @for s in &queue.sources {
                    tr {
                        td { a href=(queue_href(kind, Some(&s.dataset), 1, per_page)) { (s.dataset) } }
                        td { (s.year.as_deref().unwrap_or("—")) }
                        td { (s.lapsed) }
                        td { (s.never_reviewed) }
                    }
                }
            }
        }
    }
}

// ---- what changed --------------------------------------------------------------

/// `GET /api/v1/services?modified_after=2026-11-01T00:00:00Z[&page=&per_page=]`:
/// the listings modified after that instant, oldest change first, as an HSDS
/// page of `{id, name, last_modified, assured_date, status}`.
pub async fn api_services(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let (page, per_page) = paging(&pairs, CHANGES_PAGE)?;
    let given = param(&pairs, "modified_after").ok_or_else(|| {
        AppError::BadInput(
            "give modified_after, such as ?modified_after=2026-11-01T00:00:00Z; for one listing use /api/v1/services/{id}, to search use /api/v1/search".into(),
        )
    })?;
    let after =
        parse_instant(given).map_err(|m| AppError::BadInput(format!("modified_after: {m}")))?;
    let directory = state.directory.clone();
    let offset = (page - 1).saturating_mul(per_page);
    let changed = blocking(move || directory.changed_after(after, offset, per_page)).await??;
    let mut body = page_json(changed.total, page, per_page, json!(changed.entries));
    if let Some(object) = body.as_object_mut() {
        object.insert("modified_after".into(), json!(after));
    }
    Ok(Json(body))
}

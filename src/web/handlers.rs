//! Route handlers, named `<resource>_<action>`: extract, call the domain, render.

use std::any::Any;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use serde_json::json;

use super::api::SearchResponse;
use super::{
    ApiError, AppError, AppState, blocking, listing_id, param, query_pairs, search_params, views,
};
use crate::search::validate;

/// `GET /`: the search form, and results when something was asked.
pub async fn search_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let who = super::account::who(&state, &headers).await;
    let params = search_params(raw.as_deref());
    let directory = state.directory.clone();
    let form = params.clone();
    let now = chrono::Utc::now();
    let turn = super::search_turn(&state).await?;
    let outcome = blocking(move || match validate(&params, directory.gazetteer()) {
        Err(e) => Ok(Err(e)),
        Ok(valid) if valid.is_empty() => Ok(Ok((valid, None))),
        Ok(valid) => directory
            .search(&valid.request, now, valid.open_filter(now))
            .map(|page| {
                drop(turn);
                directory.log_search(&valid.request, &page, now);
                Ok((valid, Some(page)))
            }),
    })
    .await??;
    Ok(match outcome {
        Err(input) => (
            StatusCode::BAD_REQUEST,
            views::search_page(&form, None, Some(&input), who.as_ref()),
        )
            .into_response(),
        Ok((valid, page)) => {
            if let Some(page) = &page {
                tracing::info!(
                    query.terms = valid.request.text.split_whitespace().count(),
                    query.near = valid.place.as_ref().map(|p| p.label.as_str()).unwrap_or(""),
                    results = page.total,
                    took_ms = page.took.as_secs_f64() * 1000.0,
                    "search"
                );
            }
            views::search_page(
                &form,
                page.as_ref().map(|p| (&valid, p)),
                None,
                who.as_ref(),
            )
            .into_response()
        }
    })
}

/// `GET /services/{id}`: one listing.
pub async fn service_show(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Markup, AppError> {
    let id = listing_id(id)?;
    let directory = state.directory.clone();
    let lookup = id.clone();
    let service = blocking(move || directory.service(&lookup)).await??;
    let service = service.ok_or_else(|| {
        AppError::NotFound(format!(
            "There is no listing with id {id}. It may have been removed; try searching again."
        ))
    })?;
    let hours = crate::directory::listing_hours(&service, chrono::Utc::now());
    let who = super::account::who(&state, &headers).await;
    Ok(views::service_page(&service, &hours, who.as_ref()))
}

/// `GET /about`: what Hearth is and where its data comes from.
pub async fn about_page(State(state): State<AppState>) -> Markup {
    views::about_page(state.directory.listing_count())
}

/// A stylesheet response, cached for an hour.
fn css(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

/// `GET /static/hearth.css`.
pub async fn stylesheet() -> impl IntoResponse {
    css(views::STYLESHEET)
}

/// `GET /static/handout.css`: the handout's print stylesheet.
pub async fn handout_stylesheet() -> impl IntoResponse {
    css(super::handout::HANDOUT_STYLESHEET)
}

/// `GET /api/v1/search`: search as JSON.
pub async fn api_search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let params = search_params(raw.as_deref());
    let directory = state.directory.clone();
    let turn = super::search_turn(&state).await.map_err(ApiError)?;
    let response = blocking(move || -> Result<SearchResponse, ApiError> {
        let _turn = turn;
        let valid = validate(&params, directory.gazetteer())?;
        if valid.is_empty() {
            return Err(ApiError(AppError::BadInput(
                "nothing to search for: give q (what), near (a ZIP code, \"City, ST\" or \"lat,lon\") or category".into(),
            )));
        }
        let now = chrono::Utc::now();
        let page = directory.search(&valid.request, now, valid.open_filter(now))?;
        directory.log_search(&valid.request, &page, now);
        Ok(SearchResponse::new(&page, valid.place.as_ref(), valid.radius_miles))
    })
    .await??;
    Ok(Json(response))
}

/// The longest prefix `suggest` completes.
const MAX_SUGGEST_PREFIX: usize = 100;

/// `GET /api/v1/suggest?q=`: completions of a prefix (categories, need terms,
/// service names), for a search box's autocomplete.
pub async fn api_suggest(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let q = param(&pairs, "q").unwrap_or_default().to_owned();
    let limit = param(&pairs, "limit");
    if q.trim().is_empty() {
        return Err(ApiError(AppError::BadInput(
            "give q, the start of what is being typed (e.g. q=foo)".into(),
        )));
    }
    if q.chars().count() > MAX_SUGGEST_PREFIX {
        return Err(ApiError(AppError::BadInput(format!(
            "q is too long for a completion: at most {MAX_SUGGEST_PREFIX} characters"
        ))));
    }
    let limit = match limit {
        None => 8,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=20).contains(n))
            .ok_or_else(|| {
                ApiError(AppError::BadInput(format!(
                    "limit must be a whole number from 1 to 20 (got {text:?})"
                )))
            })?,
    };
    let directory = state.directory.clone();
    let suggestions = blocking(move || directory.suggest(&q, limit)).await??;
    Ok(Json(json!({ "suggestions": suggestions })))
}

/// `GET /api/v1/services/{id}`: one listing, fully nested, as JSON.
pub async fn api_service_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = listing_id(id)?;
    let directory = state.directory.clone();
    let lookup = id.clone();
    let service = blocking(move || directory.service(&lookup)).await??;
    match service {
        Some(service) => Ok(Json(service.without_staff()).into_response()),
        None => Err(ApiError(AppError::NotFound(format!(
            "no service with id {id}"
        )))),
    }
}

/// `GET /healthz`: 200 once the directory is open and serving.
pub async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "listings": state.directory.listing_count() }))
}

/// Any other path: a 404 page, or JSON under `/api/`.
pub async fn not_found(uri: Uri) -> Response {
    let error = AppError::NotFound(format!("There is no page at {}.", uri.path()));
    if uri.path().starts_with("/api/") || uri.path().starts_with("/hsds/") {
        ApiError(error).into_response()
    } else {
        error.into_response()
    }
}

/// What a panic in a handler becomes: a generic 500, the cause logged.
pub fn panic_response(cause: Box<dyn Any + Send + 'static>) -> Response {
    let detail = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    AppError::Internal(format!("handler panicked: {detail}")).into_response()
}

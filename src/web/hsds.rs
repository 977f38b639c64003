//! The HSDS 3.0 API at `/hsds/`: the standard's endpoints and parameters,
//! for other directories and systems to read Hearth.
//!
//! Handlers parse the query into an [`HsdsQuery`] (400 on anything the
//! endpoint does not take), call one directory function and answer JSON.
//! `format=ndjson` streams every selected record, one per line, read from the
//! store one at a time through a small channel, so memory stays bounded
//! however large the directory is.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ApiError, AppError, AppState, blocking, query_pairs};
use crate::directory::{HsdsError, HsdsList, HsdsQuery};

/// Records waiting to be sent on an NDJSON stream; the reader waits when it is full.
const STREAM_BUFFER: usize = 64;

impl From<HsdsError> for AppError {
    fn from(e: HsdsError) -> AppError {
        match e {
            HsdsError::BadParameter(m) => AppError::BadInput(m),
            HsdsError::NotFound(m) => AppError::NotFound(m),
            HsdsError::Directory(e) => e.into(),
        }
    }
}

/// `GET /hsds/`: which HSDS version this API speaks, and where its OpenAPI document is.
pub async fn hsds_root(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    let openapi_url = match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("{scheme}://{host}/hsds/openapi.json"),
        None => "/hsds/openapi.json".to_owned(),
    };
    Json(json!({
        "version": crate::export::hsds::VERSION,
        "profile": "https://docs.openreferral.org/en/3.0/hsds/",
        "openapi_url": openapi_url,
        "description": "Hearth: community services (housing, food, legal, health) as Open Referral HSDS 3.0.",
    }))
}

/// The OpenAPI 3.1 document of this API: what `/hsds/` implements, exactly.
const OPENAPI: &str = include_str!("openapi/hsds.json");

/// `GET /hsds/openapi.json`.
pub async fn openapi_document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

/// An NDJSON body fed by a channel.
struct Lines(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for Lines {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Streams a selection as NDJSON: records are read and written one at a time
/// on a blocking thread; the channel's bound keeps memory flat. A failure part
/// way ends the body with an error, so the client sees a broken transfer
/// rather than a silently short list.
fn ndjson(
    state: &AppState,
    selection: crate::directory::HsdsSelection,
    turn: tokio::sync::OwnedSemaphorePermit,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel(STREAM_BUFFER);
    let directory = state.directory.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let _turn = turn;
        for record in directory.hsds_records(&selection) {
            let item = record
                .map_err(|e| {
                    tracing::error!(error = %e, "HSDS NDJSON stream failed part way");
                    std::io::Error::other("reading the directory failed")
                })
                .and_then(|value| {
                    let mut line = serde_json::to_vec(&value).map_err(std::io::Error::other)?;
                    line.push(b'\n');
                    Ok(Bytes::from(line))
                });
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                // The client went away, or the stream is over.
                break;
            }
        }
    });
    let mut response = Body::from_stream(Lines(rx)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

/// A list endpoint: a page of JSON, or everything as NDJSON.
async fn list(state: AppState, list: HsdsList, raw: Option<String>) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let directory = state.directory.clone();
    let query = HsdsQuery::parse(list, &pairs, &directory)?;
    if query.ndjson {
        let turn = state.hsds_streams.clone().try_acquire_owned().map_err(|_| {
            AppError::TooMany {
                message: "Too many format=ndjson downloads are running; try again in a minute, or page through with page=1, 2, …".into(),
                retry_after: 60,
            }
        })?;
        let selection = blocking(move || directory.hsds_select(list, &query)).await??;
        return Ok(ndjson(&state, selection, turn));
    }
    let page = blocking(move || directory.hsds_page(list, &query)).await??;
    Ok(Json(page).into_response())
}

/// The id from the path; one that is not valid text is bad input.
fn record_id(id: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    id.map(|Path(id)| id)
        .map_err(|_| AppError::BadInput("the id in this address is not valid text".into()))
}

/// Rejects parameters on a record endpoint that takes none (or only `allowed`).
fn only(
    raw: Option<&str>,
    path: &str,
    allowed: &[&str],
) -> Result<Vec<(String, String)>, AppError> {
    let pairs = query_pairs(raw);
    if let Some((name, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        let takes = if allowed.is_empty() {
            "no parameters".to_owned()
        } else {
            allowed.join(", ")
        };
        return Err(AppError::BadInput(format!(
            "{path} takes no parameter {name:?}; it takes {takes}"
        )));
    }
    Ok(pairs)
}

/// `GET /hsds/services`.
pub async fn services_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list(state, HsdsList::Services, raw).await
}

/// `GET /hsds/organizations`.
pub async fn organizations_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list(state, HsdsList::Organizations, raw).await
}

/// `GET /hsds/taxonomies`.
pub async fn taxonomies_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list(state, HsdsList::Taxonomies, raw).await
}

/// `GET /hsds/taxonomy_terms`.
pub async fn taxonomy_terms_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list(state, HsdsList::TaxonomyTerms, raw).await
}

/// `GET /hsds/service_at_locations`.
pub async fn service_at_locations_list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list(state, HsdsList::ServiceAtLocations, raw).await
}

/// `GET /hsds/services/{id}`: the service fully nested.
pub async fn service_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(id)?;
    only(raw.as_deref(), "/services/{id}", &[])?;
    let directory = state.directory.clone();
    Ok(Json(blocking(move || directory.hsds_service(&id)).await??))
}

/// `GET /hsds/organizations/{id}`: the organization with its services.
pub async fn organization_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(id)?;
    let pairs = only(raw.as_deref(), "/organizations/{id}", &["full_service"])?;
    let full_service = match super::param(&pairs, "full_service") {
        Some(value) => crate::directory::parse_flag("full_service", value)?,
        None => false,
    };
    let directory = state.directory.clone();
    Ok(Json(
        blocking(move || directory.hsds_organization(&id, full_service)).await??,
    ))
}

/// `GET /hsds/taxonomies/{id}`.
pub async fn taxonomy_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(id)?;
    only(raw.as_deref(), "/taxonomies/{id}", &[])?;
    let directory = state.directory.clone();
    Ok(Json(blocking(move || directory.hsds_taxonomy(&id)).await??))
}

/// `GET /hsds/taxonomy_terms/{id}`.
pub async fn taxonomy_term_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(id)?;
    only(raw.as_deref(), "/taxonomy_terms/{id}", &[])?;
    let directory = state.directory.clone();
    Ok(Json(
        blocking(move || directory.hsds_taxonomy_term(&id)).await??,
    ))
}

/// `GET /hsds/service_at_locations/{id}`: the service at that location, fully nested.
pub async fn service_at_location_show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(id)?;
    only(raw.as_deref(), "/service_at_locations/{id}", &[])?;
    let directory = state.directory.clone();
    Ok(Json(
        blocking(move || directory.hsds_service_at_location(&id)).await??,
    ))
}

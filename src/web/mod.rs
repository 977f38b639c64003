//! The web layer: the route table, shared state, handlers and views.
//!
//! Handlers are thin: extract, call one domain function (through
//! [`blocking`], since search and store reads block), render. Views are maud
//! templates in [`views`]. Errors map to responses in one place ([`AppError`]).
//! This module never names sled or tantivy.

mod account;
mod api;
pub mod backup;
mod error;
mod freshness;
mod handlers;
pub mod handout;
mod hsds;
mod lists;
mod moderation;
mod openapi;
mod referrals;
mod reports;
mod sync;
mod views;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, AppError};

use crate::directory::Directory;
use crate::search::SearchParams;

/// How many HSDS NDJSON streams may run at once.
const HSDS_STREAMS: usize = 4;

/// What every handler shares: the open directory (store, index, gazetteer).
#[derive(Debug, Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    /// Mark cookies `Secure` (Hearth is served over https, behind a proxy).
    pub secure_cookies: bool,
    /// The digest of the one-time first-admin setup token, while there is one.
    pub setup: Arc<std::sync::Mutex<Option<String>>>,
    /// Submissions per address: 10 per 15 minutes.
    pub submissions_limiter: Arc<crate::auth::LoginLimiter>,
    /// The syncs from remote HSDS APIs that `serve --sync` runs, for the status page.
    pub syncs: Arc<Vec<Arc<crate::directory::SyncSchedule>>>,
    /// Turns for HSDS NDJSON streams, which each hold a blocking thread while they
    /// last: a few at a time, so that slow readers cannot starve other requests.
    pub hsds_streams: Arc<tokio::sync::Semaphore>,
    /// Turns for searches: a few more than the cores, so that a burst queues
    /// (cheaply, as waiting tasks) instead of running hundreds of searches at
    /// once, each holding its matches in memory (see [`search_turn`]).
    pub searches: Arc<tokio::sync::Semaphore>,
    /// The digest of the secret `serve` writes to the home's `serve.json`, which
    /// `hearth backup` sends to ask the running server for a backup.
    pub local_secret_digest: Option<Arc<str>>,
}

impl AppState {
    /// Wraps an open directory.
    pub fn new(directory: Directory) -> AppState {
        AppState {
            directory: Arc::new(directory),
            secure_cookies: false,
            setup: Arc::new(std::sync::Mutex::new(None)),
            submissions_limiter: Arc::new(crate::auth::LoginLimiter::new(
                u32::MAX,
                10,
                chrono::Duration::minutes(15),
            )),
            syncs: Arc::new(Vec::new()),
            hsds_streams: Arc::new(tokio::sync::Semaphore::new(HSDS_STREAMS)),
            searches: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()) * 2,
            )),
            local_secret_digest: None,
        }
    }

    /// Starts a one-time first-admin setup link; returns its token (printed to the console).
    pub fn start_setup(&self) -> Result<String, crate::auth::TokenError> {
        let token = crate::auth::token::generate("hthsetup_")?;
        if let Ok(mut setup) = self.setup.lock() {
            *setup = Some(crate::auth::token::digest(&token));
        }
        Ok(token)
    }
}

/// The whole route table, used by `serve` and by the tests alike.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(handlers::search_page))
        .route("/services/{id}", get(handlers::service_show))
        .route("/about", get(handlers::about_page))
        .route("/static/hearth.css", get(handlers::stylesheet))
        .route("/static/handout.css", get(handlers::handout_stylesheet))
        .route("/api/v1/search", get(handlers::api_search))
        .route("/api/v1/suggest", get(handlers::api_suggest))
        .route("/api/v1/services/{id}", get(handlers::api_service_show))
        .route("/api/v1/services", get(freshness::api_services))
        .route("/api/v1/services/{id}/verify", post(freshness::api_verify))
        .route("/services/{id}/verify", post(freshness::verify_form))
        .route("/moderation/stale", get(freshness::stale_page))
        .route("/api/v1/moderation/stale", get(freshness::api_stale))
        .route("/healthz", get(handlers::healthz))
        .route("/hsds", get(hsds::hsds_root))
        .route("/hsds/", get(hsds::hsds_root))
        .route("/hsds/openapi.json", get(hsds::openapi_document))
        .route("/api/v1/openapi.json", get(openapi::api_v1_openapi))
        .route("/hsds/services", get(hsds::services_list))
        .route("/hsds/services/{id}", get(hsds::service_show))
        .route("/hsds/organizations", get(hsds::organizations_list))
        .route("/hsds/organizations/{id}", get(hsds::organization_show))
        .route("/hsds/taxonomies", get(hsds::taxonomies_list))
        .route("/hsds/taxonomies/{id}", get(hsds::taxonomy_show))
        .route("/hsds/taxonomy_terms", get(hsds::taxonomy_terms_list))
        .route("/hsds/taxonomy_terms/{id}", get(hsds::taxonomy_term_show))
        .route(
            "/hsds/service_at_locations",
            get(hsds::service_at_locations_list),
        )
        .route(
            "/hsds/service_at_locations/{id}",
            get(hsds::service_at_location_show),
        )
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/setup", get(account::setup_page).post(account::setup))
        .route("/refer", get(referrals::refer_page))
        .route(
            "/referrals",
            get(referrals::list_page).post(referrals::create_form),
        )
        .route("/referrals.csv", get(referrals::export_csv))
        .route("/referrals/{id}", get(referrals::show_page))
        .route("/referrals/{id}/status", post(referrals::status_form))
        .route("/handout", get(referrals::handout))
        .route("/admin/audit", get(referrals::audit_page))
        .route("/admin/sync", get(sync::sync_page))
        .route("/reports/gaps", get(reports::gaps_page))
        .route("/api/v1/reports/gaps", get(reports::api_gaps))
        .route(
            "/api/v1/submissions",
            post(moderation::api_submit).layer(axum::extract::DefaultBodyLimit::max(
                moderation::MAX_SUBMISSION_BYTES,
            )),
        )
        .route("/api/v1/moderation", get(moderation::api_queue))
        .route(
            "/api/v1/moderation/{id}/approve",
            post(moderation::api_approve),
        )
        .route(
            "/api/v1/moderation/{id}/reject",
            post(moderation::api_reject),
        )
        .route(
            "/submit",
            get(moderation::submit_page).post(moderation::submit).layer(
                axum::extract::DefaultBodyLimit::max(moderation::MAX_SUBMISSION_BYTES),
            ),
        )
        .route("/moderation", get(moderation::queue_page))
        .route("/services/{id}/claim", post(moderation::claim))
        .route("/api/v1/services/{id}/claim", post(moderation::claim))
        .route("/moderation/{id}/approve", post(moderation::approve_form))
        .route("/moderation/{id}/reject", post(moderation::reject_form))
        .route(
            "/services/{id}/correct",
            get(moderation::correct_page)
                .post(moderation::correct)
                .layer(axum::extract::DefaultBodyLimit::max(
                    moderation::MAX_SUBMISSION_BYTES,
                )),
        )
        .route(
            "/api/v1/referrals",
            get(referrals::api_list).post(referrals::api_create),
        )
        .route("/api/v1/referrals/{id}", get(referrals::api_show))
        .route("/api/v1/referrals/{id}/status", post(referrals::api_status))
        .route("/api/v1/referrals/{id}/fhir", get(referrals::api_fhir))
        .route("/lists", get(lists::list_index).post(lists::list_create))
        .route("/lists/{id}/items", post(lists::list_item_add))
        .route(
            "/lists/{id}/items/{service_id}/remove",
            post(lists::list_item_remove),
        )
        .route("/lists/{id}/members", post(lists::list_members))
        .route("/lists/{id}/rename", post(lists::list_rename))
        .route("/lists/{id}/delete", post(lists::list_delete))
        .route("/api/v1/lists", get(lists::api_list_index))
        .route("/api/v1/lists/{id}", get(lists::api_list_show))
        .route("/api/v1/lists/{id}/items", post(lists::api_list_item_add))
        .route("/internal/backup", post(backup::backup))
        .fallback(handlers::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(refuse_cross_site))
        .layer(CatchPanicLayer::custom(handlers::panic_response))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        // Pages carry referrals, sessions and clients' places: kept out of
        // every cache unless a handler says otherwise (the stylesheets do).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
}

/// The Content-Security-Policy of every response: Hearth's pages load only
/// their own stylesheets and images, run no scripts, and post forms only to
/// Hearth.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Refuses a request that would change something when the browser says it was
/// sent by another site (`Sec-Fetch-Site: cross-site` or `same-site`), before
/// any handler runs. Scripts with API tokens send no such header; the CSRF
/// tokens of Hearth's own forms stay the check for browsers that do not either.
async fn refuse_cross_site(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let from_elsewhere = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site" || v.as_bytes() == b"same-site");
    if !reads && from_elsewhere {
        return AppError::Forbidden(
            "this request came from another site's page; Hearth accepts changes only from its own pages. Open Hearth and try again from there.".into(),
        )
        .into_response();
    }
    next.run(request).await
}

/// How long a search waits for its turn before it is refused as busy.
const SEARCH_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for a turn to run a search (hold it until the search is done); after
/// [`SEARCH_WAIT`] the server is too busy and says so (503, `Retry-After`).
pub async fn search_turn(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    match tokio::time::timeout(SEARCH_WAIT, state.searches.clone().acquire_owned()).await {
        Ok(Ok(turn)) => Ok(turn),
        _ => Err(AppError::Busy {
            message: "Hearth is answering many searches at the moment; please try again in a few seconds.".into(),
            retry_after: 5,
        }),
    }
}

/// Runs blocking work (search, store reads) off the async threads, keeping the tracing span.
pub async fn blocking<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))
}

/// A raw query string's `key=value` pairs, decoded, in order.
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value given for `key` among `pairs` (a repeated key: the last wins).
fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The listing id from the path; an id that is not valid text is bad input, not a 500.
fn listing_id(
    id: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, AppError> {
    id.map(|axum::extract::Path(id)| id).map_err(|_| {
        AppError::BadInput(
            "the listing id in this address is not valid; open the listing from a search result"
                .into(),
        )
    })
}

/// Today's date (UTC), for follow-ups and review deadlines.
fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A JSON answer to a create-or-update: 201 when `created`, else 200, and
/// `Location` naming the record either way.
fn created_or_ok<T: serde::Serialize>(
    created: bool,
    body: &T,
    location: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Joins a repeated parameter's values with commas, leaving out empty ones.
fn join(before: Option<String>, value: String) -> String {
    match before {
        Some(before) if !before.is_empty() && !value.is_empty() => format!("{before},{value}"),
        Some(before) if value.is_empty() => before,
        _ => value,
    }
}

/// Reads search parameters from a raw query string. Never fails: repeated keys
/// are joined (`category=food&category=legal` → `food,legal`; for other keys the
/// last wins) and unknown keys are ignored.
pub fn search_params(raw: Option<&str>) -> SearchParams {
    let mut params = SearchParams::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "q" => params.q = Some(value),
            "near" => params.near = Some(value),
            "radius" => params.radius = Some(value),
            "category" => params.category = Some(join(params.category.take(), value)),
            "need" => params.need = Some(join(params.need.take(), value)),
            "language" => params.language = Some(join(params.language.take(), value)),
            "limit" => params.limit = Some(value),
            "offset" => params.offset = Some(value),
            "page" => params.page = Some(value),
            "open_now" => params.open_now = Some(value),
            "open_at" => params.open_at = Some(value),
            "free" => params.free = Some(value),
            "accessible" => params.accessible = Some(value),
            "scope" => params.scope = Some(value),
            "lang" => params.lang = Some(value),
            "population" => params.population = Some(join(params.population.take(), value)),
            "age" => params.age = Some(value),
            "words" => params.words = Some(value),
            _ => {}
        }
    }
    params
}

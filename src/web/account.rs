//! Who is asking: session cookies and API tokens, CSRF checks, and the
//! sign-in, sign-out and first-admin setup pages.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{AppError, AppState, blocking, views};
use crate::auth::{self, csrf};
use crate::directory::{SessionLookup, SignedIn};
use crate::model::{Role, User};

/// The user a request acts for, and how they proved it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    /// The browser session, when signed in with a cookie (`None` with an API token).
    pub session: Option<SignedIn>,
}

impl Actor {
    /// The CSRF token forms of this session carry (empty with an API token).
    pub fn csrf(&self) -> &str {
        self.session
            .as_ref()
            .map_or("", |s| s.session.csrf.as_str())
    }
}

fn cookie_header(headers: &HeaderMap) -> &str {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Finds who is asking: an `Authorization: Bearer` API token, or the session
/// cookie. An ended session is an error that says so (sign in again).
pub async fn actor(state: &AppState, headers: &HeaderMap) -> Result<Option<Actor>, AppError> {
    let now = chrono::Utc::now();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or("");
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "the Authorization header must be `Bearer <token>` (make one with `hearth token create`)".into(),
                )
            })?
            .to_owned();
        let directory = state.directory.clone();
        let user = blocking(move || directory.user_for_token(&token)).await??;
        return match user {
            Some(user) => Ok(Some(Actor {
                user,
                session: None,
            })),
            None => Err(AppError::Unauthorized(
                "that API token is not valid (or its user is disabled)".into(),
            )),
        };
    }
    let Some(cookie) = auth::session::cookie_value(cookie_header(headers)).map(str::to_owned)
    else {
        return Ok(None);
    };
    let directory = state.directory.clone();
    match blocking(move || directory.session(&cookie, now)).await?? {
        SessionLookup::Active(signed_in) => Ok(Some(Actor {
            user: signed_in.user.clone(),
            session: Some(*signed_in),
        })),
        SessionLookup::Expired(why) => Err(AppError::Unauthorized(why.to_string())),
        SessionLookup::Unknown => Ok(None),
    }
}

/// Someone must be signed in (or use a token).
pub async fn require(state: &AppState, headers: &HeaderMap) -> Result<Actor, AppError> {
    actor(state, headers).await?.ok_or_else(|| {
        AppError::Unauthorized(
            "sign in first (/login), or send an API token as `Authorization: Bearer <token>`"
                .into(),
        )
    })
}

/// A state-changing request from a browser session must carry the session's
/// CSRF token (a form field, or the `X-CSRF-Token` header for JSON). API tokens
/// are not sent by browsers on their own, so they need none.
pub fn check_csrf(actor: &Actor, given: Option<&str>) -> Result<(), AppError> {
    match &actor.session {
        None => Ok(()),
        Some(s) if csrf::matches(&s.session.csrf, given.unwrap_or("")) => Ok(()),
        Some(_) => Err(AppError::Forbidden(
            "this form has expired or did not come from Hearth; reload the page and try again"
                .into(),
        )),
    }
}

/// The CSRF token of a JSON request, from its `X-CSRF-Token` header.
pub fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

/// The client's IP address, for rate limits (`unknown` without connection info).
pub(super) fn address(connect: Option<&ConnectInfo<SocketAddr>>) -> String {
    connect.map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `next` must stay on this site: a path, not `//host` or a URL; otherwise `None`.
pub(super) fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| is_local_path(n))
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(next: &str, csrf: &str, error: Option<&str>, email: &str) -> Markup {
    views::layout(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if let Some(e) = error { (views::field_problem(None, e)) }
            form.account method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                div.field {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(email) autocomplete="username" required;
                }
                div.field {
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required minlength="12";
                }
                button type="submit" { "Sign in" }
            }
            p.muted { "Searching needs no account. Signing in lets clinicians record referrals and follow them up." }
        },
    )
}

/// `GET /login`: the sign-in form (with a double-submit CSRF cookie, since
/// there is no session yet).
pub async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let token = csrf::token().map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = login_form(
        safe_next(q.next.as_deref()).unwrap_or("/"),
        &token,
        None,
        "",
    )
    .into_response();
    set_cookie(
        &mut response,
        &csrf::set_cookie(&token, state.secure_cookies),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf: Option<String>,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let cookie_token = csrf::cookie_value(cookie_header(&headers))
        .unwrap_or("")
        .to_owned();
    if cookie_token.is_empty() || !csrf::matches(&cookie_token, form.csrf.as_deref().unwrap_or(""))
    {
        return Err(AppError::Forbidden(
            "the sign-in form expired or did not come from Hearth; open /login again".into(),
        ));
    }
    let next = safe_next(form.next.as_deref()).unwrap_or("/").to_owned();
    let directory = state.directory.clone();
    let addr = address(connect.as_ref().map(|c| &c.0));
    let now = chrono::Utc::now();
    let (email, password) = (form.email.clone(), form.password.clone());
    let result = blocking(move || directory.login(&email, &password, &addr, now)).await?;
    match result {
        Ok((cookie, _)) => {
            let mut response = Redirect::to(&next).into_response();
            set_cookie(
                &mut response,
                &auth::session::set_cookie(&cookie, state.secure_cookies),
            );
            set_cookie(&mut response, &csrf::clear_cookie(state.secure_cookies));
            Ok(response)
        }
        Err(crate::directory::LoginError::Refused) => {
            let message = crate::directory::LoginError::Refused.to_string();
            Ok((
                StatusCode::UNAUTHORIZED,
                login_form(&next, &cookie_token, Some(&message), &form.email),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A form that carries only the session's CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub(super) csrf: Option<String>,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    let mut response = Redirect::to("/").into_response();
    if let Some(actor) = maybe_actor(&state, &headers).await {
        check_csrf(&actor, form.csrf.as_deref())?;
        if let Some(signed_in) = actor.session {
            let directory = state.directory.clone();
            blocking(move || directory.logout(&signed_in, chrono::Utc::now())).await??;
        }
    }
    set_cookie(
        &mut response,
        &auth::session::clear_cookie(state.secure_cookies),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct SetupQuery {
    token: Option<String>,
}

fn setup_form(token: &str, error: Option<&str>, email: &str) -> Markup {
    views::layout(
        "Set up the first admin",
        html! {
            h1 { "Set up the first admin" }
            p { "This link was printed when Hearth started with no admin. It works once." }
            @if let Some(e) = error { (views::field_problem(None, e)) }
            form.account method="post" action="/setup" {
                input type="hidden" name="token" value=(token);
                div.field {
                    label for="email" { "Your email" }
                    input #email type="email" name="email" value=(email) autocomplete="username" required;
                }
                div.field {
                    label for="password" { "Password (at least 12 characters)" }
                    input #password type="password" name="password" autocomplete="new-password" required minlength="12";
                }
                button type="submit" { "Create the admin account" }
            }
        },
    )
}

fn setup_valid(state: &AppState, token: &str) -> bool {
    let digest = auth::token::digest(token);
    state
        .setup
        .lock()
        .map(|s| s.as_deref().is_some_and(|d| csrf::matches(d, &digest)))
        .unwrap_or(false)
}

/// `GET /setup?token=…`: the one-time first-admin form.
pub async fn setup_page(
    State(state): State<AppState>,
    Query(q): Query<SetupQuery>,
) -> Result<Markup, AppError> {
    let token = q.token.unwrap_or_default();
    if !setup_valid(&state, &token) {
        return Err(AppError::NotFound(
            "This setup link is not valid or was already used. Restart Hearth with no admin to get a new one, or use `hearth user add EMAIL --role admin`.".into(),
        ));
    }
    Ok(setup_form(&token, None, ""))
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    /// The one-time link's secret: it is what a forged form cannot know, so
    /// it stands in for a CSRF token here. Missing reads as not valid.
    #[serde(default)]
    token: String,
    email: String,
    password: String,
}

/// `POST /setup`: creates the first admin and uses up the link.
pub async fn setup(
    State(state): State<AppState>,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    if !setup_valid(&state, &form.token) {
        return Err(AppError::NotFound(
            "This setup link is not valid or was already used.".into(),
        ));
    }
    let directory = state.directory.clone();
    let (email, password) = (form.email.clone(), form.password.clone());
    let created = blocking(move || {
        directory.add_user(
            &email,
            Role::Admin,
            Some(&password),
            "setup",
            chrono::Utc::now(),
        )
    })
    .await?;
    match created {
        Ok(_) => {
            if let Ok(mut setup) = state.setup.lock() {
                *setup = None;
            }
            Ok(Redirect::to("/login").into_response())
        }
        Err(e) => {
            let e: AppError = e.into();
            match e {
                AppError::BadInput(m) | AppError::Conflict(m) => Ok((
                    StatusCode::BAD_REQUEST,
                    setup_form(&form.token, Some(&m), &form.email),
                )
                    .into_response()),
                other => Err(other),
            }
        }
    }
}

/// The header's view of a signed-in actor (with their follow-ups due).
pub async fn who_for(state: &AppState, actor: &Actor) -> views::Who {
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let due = blocking(move || directory.follow_ups_due(&user, chrono::Utc::now().date_naive()))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    views::Who {
        email: actor.user.email.clone(),
        refers: actor.user.role.refers(),
        admin: actor.user.role == Role::Admin,
        claims: actor.user.role.manages_listings(),
        moderates: actor.user.role.moderates(),
        reports: actor.user.role.reads_reports(),
        follow_ups_due: due,
        csrf: actor.csrf().to_owned(),
    }
}

/// Who is looking, for a page's header: `None` when signed out (or the
/// session has ended — the page still shows, with "Sign in").
pub async fn who(state: &AppState, headers: &HeaderMap) -> Option<views::Who> {
    let actor = maybe_actor(state, headers).await?;
    Some(who_for(state, &actor).await)
}

/// Who is asking, when anyone is: an ended session or a bad token counts as
/// no one (for requests anyone may make, such as submissions).
pub(super) async fn maybe_actor(state: &AppState, headers: &HeaderMap) -> Option<Actor> {
    actor(state, headers).await.ok().flatten()
}

/// The address of this request (path, and query when there is one), to come
/// back to after signing in.
pub(super) fn here(uri: &Uri) -> String {
    match uri.query() {
        Some(q) if !q.is_empty() => format!("{}?{q}", uri.path()),
        _ => uri.path().to_owned(),
    }
}

/// A page that needs someone signed in, with its header: the actor and their
/// [`views::Who`], or (signed out) the redirect to sign in and come back to `here`.
pub(super) async fn signed_in_page(
    state: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<Result<(Actor, views::Who), Response>, AppError> {
    Ok(match page_actor(state, headers, here).await? {
        Ok(actor) => {
            let who = who_for(state, &actor).await;
            Ok((actor, who))
        }
        Err(redirect) => Err(redirect),
    })
}

/// A page that needs someone signed in: otherwise, to the sign-in page and back.
pub(super) async fn page_actor(
    state: &AppState,
    headers: &HeaderMap,
    here: &str,
) -> Result<Result<Actor, Response>, AppError> {
    match actor(state, headers).await {
        Ok(Some(actor)) => Ok(Ok(actor)),
        Ok(None) | Err(AppError::Unauthorized(_)) => {
            let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Ok(Err(
                Redirect::to(&format!("/login?next={next}")).into_response()
            ))
        }
        Err(e) => Err(e),
    }
}

/// Whether a `next` path stays on this site (a path, not `//host` or a URL).
pub(super) fn is_local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')
}

//! Saved lists ("My list"): the lists page and its forms, and the lists JSON
//! API. The rules (who sees and changes which list, what is flagged) are the
//! directory's; this module reads requests and renders.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{Markup, html};
use serde::Deserialize;

use super::account::{
    Actor, CsrfForm, check_csrf, csrf_header, require, safe_next, signed_in_page,
};
use super::handout::MAX_HANDOUT_ITEMS;
use super::{ApiError, AppError, AppState, blocking, created_or_ok, views};
use crate::directory::{Directory, ListAccess, ListError, ListItemView, ListView, NewListItem};
use crate::model::{ItemState, Lang, User};
use crate::referral::FieldError;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

// ---- JSON API ------------------------------------------------------------------

/// `GET /api/v1/lists`: my personal list and the team lists I own or am on,
/// each item with its state (`current`, `changed`, `closed`).
pub async fn api_list_index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let lists = blocking(move || directory.lists_for(&actor.user)).await??;
    Ok(Json(serde_json::json!({ "lists": lists })))
}

/// `GET /api/v1/lists/{id}` (`mine`: my personal list): 404 for a list I am not on.
pub async fn api_list_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ListView>, ApiError> {
    let actor = require(&state, &headers).await?;
    let directory = state.directory.clone();
    let list = blocking(move || directory.list_for(&actor.user, &id)).await??;
    Ok(Json(list))
}

/// `POST /api/v1/lists/{id}/items` `{service_id, location_id?, note?}`: 201
/// with the list when the service is new to it, 200 when it was there (its
/// note and location replaced). Answered only once the write is on disk.
pub async fn api_list_item_add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<NewListItem>, JsonRejection>,
) -> Result<Response, ApiError> {
    let actor = require(&state, &headers).await?;
    check_csrf(&actor, csrf_header(&headers))?;
    let Json(input) = body.map_err(|e| {
        AppError::BadInput(format!(
            "the body must be JSON like {{\"service_id\": \"…\", \"note\": \"…\"}}: {}",
            e.body_text()
        ))
    })?;
    let directory = state.directory.clone();
    let (list, added) =
        blocking(move || directory.add_list_item(&actor.user, &id, &input, now())).await??;
    Ok(created_or_ok(
        added,
        &list,
        &format!("/api/v1/lists/{}", list.id),
    ))
}

// ---- pages -----------------------------------------------------------------

/// What went wrong with a form on the lists page, to show above it again.
#[derive(Debug, Default)]
struct Problems {
    errors: Vec<FieldError>,
    /// The problems came from the new-list form: show them beside its fields too.
    creating: bool,
    /// What was typed into the new-list form, so nothing is lost.
    name: String,
    members: String,
}

/// The lists page for `actor` (whose header is `who`), with `problems` from a
/// form shown at the top.
async fn index_page(
    state: &AppState,
    actor: &Actor,
    who: &views::Who,
    problems: &Problems,
) -> Result<Markup, AppError> {
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let lists = blocking(move || directory.lists_for(&user)).await??;
    Ok(views::layout_with(
        "My lists",
        lists_body(actor, &lists, problems),
        Some(who),
    ))
}

fn item_ref(item: &ListItemView) -> String {
    match &item.item.location_id {
        Some(l) => format!("{}:{l}", item.item.service_id),
        None => item.item.service_id.clone(),
    }
}

fn item_card(actor: &Actor, list: &ListView, item: &ListItemView) -> Markup {
    let sid = &item.item.service_id;
    let location = item.item.location_id.as_deref();
    let here = format!("/lists#list-{}", list.id);
    html! {
        li.card.saved id={ "item-" (list.id) "-" (sid) } {
            label.handout-pick {
                input type="checkbox" name="s" value=(item_ref(item)) form={ "handout-" (list.id) };
                " For the handout"
            }
            h3 {
                a href={ "/services/" (views::enc(sid)) } { (item.name) }
                @if let Some(flag) = item.flag { " " strong.badge.flag { (flag) } }
            }
            @if item.name != item.item.name_when_saved {
                p.muted { "Saved as " (item.item.name_when_saved) }
            }
            @if item.organization.is_some() || item.address.is_some() {
                p.org {
                    @if let Some(o) = &item.organization { (o) }
                    @if item.organization.is_some() && item.address.is_some() { " · " }
                    @if let Some(a) = &item.address { (a) }
                }
            }
            @if let Some(note) = &item.item.note { p.note { "Note: " (note) } }
            p.muted { "Saved " (item.item.saved_at.format("%Y-%m-%d")) }
            p.actions {
                @if item.state != ItemState::Closed {
                    a.refer href=(views::refer_href(sid, location)) { "Refer" }
                    a href=(views::handout_href(sid, location, Lang::En)) { "Handout" }
                }
            }
            @if item.state == ItemState::Changed {
                form.inline method="post" action={ "/lists/" (list.id) "/items" } {
                    input type="hidden" name="csrf" value=(actor.csrf());
                    input type="hidden" name="service_id" value=(sid);
                    @if let Some(l) = &item.item.location_id { input type="hidden" name="location_id" value=(l); }
                    @if let Some(n) = &item.item.note { input type="hidden" name="note" value=(n); }
                    input type="hidden" name="next" value=(here);
                    button type="submit" { "I checked it: keep it as it is now" }
                }
            }
            form.inline method="post" action={ "/lists/" (list.id) "/items/" (views::enc(sid)) "/remove" } {
                input type="hidden" name="csrf" value=(actor.csrf());
                button type="submit" { "Remove" }
            }
        }
    }
}

fn list_section(actor: &Actor, list: &ListView) -> Markup {
    let emails = |people: &[crate::directory::ListPerson]| {
        people
            .iter()
            .map(|p| p.email.as_str())
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        section.saved-list id={ "list-" (list.id) } {
            h2 { (list.name) }
            p.meta {
                @if !list.team {
                    "Only you see this list."
                } @else if list.access == ListAccess::Owner {
                    "Team list, yours. "
                    @if list.members.is_empty() { "Not shared with anyone yet." }
                    @else { "Shared with " (emails(&list.members)) "." }
                } @else {
                    "Team list of " (list.owner.email) ", shared with " (emails(&list.members)) "."
                }
            }
            @if list.flagged > 0 {
                p.alert role="note" {
                    (list.flagged) @if list.flagged == 1 { " listing has" } @else { " listings have" }
                    " closed or changed since saved: call before sending a client."
                }
            }
            @if list.items.is_empty() {
                p.muted { "Nothing saved yet. Save services from a search result or a listing page." }
            } @else {
                ul.saved-items { @for item in &list.items { (item_card(actor, list, item)) } }
                form.handout method="get" action="/handout" id={ "handout-" (list.id) } {
                    label for={ "lang-" (list.id) } { "Language" }
                    select id={ "lang-" (list.id) } name="lang" {
                        option value="en" { "English" }
                        option value="es" { "Español" }
                    }
                    button type="submit" { "Handout of these" }
                    span.muted { " Tick up to " (MAX_HANDOUT_ITEMS) " services above." }
                }
            }
            @if list.team && list.access == ListAccess::Owner {
                details.manage {
                    summary { "Manage this list" }
                    form method="post" action={ "/lists/" (list.id) "/rename" } {
                        input type="hidden" name="csrf" value=(actor.csrf());
                        div.field {
                            label for={ "name-" (list.id) } { "Name" }
                            input id={ "name-" (list.id) } name="name" value=(list.name) maxlength=(crate::directory::MAX_LIST_NAME_CHARS) required;
                        }
                        button type="submit" { "Rename" }
                    }
                    form method="post" action={ "/lists/" (list.id) "/members" } {
                        input type="hidden" name="csrf" value=(actor.csrf());
                        div.field {
                            label for={ "members-" (list.id) } { "Colleagues' emails (one per line; clinicians only)" }
                            textarea id={ "members-" (list.id) } name="members" rows="3" { (emails(&list.members).replace(", ", "\n")) }
                        }
                        button type="submit" { "Save who is on it" }
                    }
                    form method="post" action={ "/lists/" (list.id) "/delete" } {
                        input type="hidden" name="csrf" value=(actor.csrf());
                        button type="submit" { "Delete this list (for everyone on it)" }
                    }
                }
            }
        }
    }
}

fn lists_body(actor: &Actor, lists: &[ListView], problems: &Problems) -> Markup {
    let errors = &problems.errors;
    let beside = |field: &str| problems.creating && (field == "name" || field == "members");
    let none: &[FieldError] = &[];
    let create_errors = if problems.creating {
        errors.as_slice()
    } else {
        none
    };
    html! {
        h1 { "My lists" }
        p.muted { "Notes on a list are private: only you (and, on a team list, its members) see them. They never go on a handout or a referral." }
        @if !errors.is_empty() {
            div.field-error role="alert" {
                p { "Some fields need fixing; each says what is wrong." }
                ul {
                    @for e in errors {
                        @if beside(e.field) { li { (e.field) ": " (e.message) } }
                        @else { li id={ "err-" (e.field) } { (e.field) ": " (e.message) } }
                    }
                }
            }
        }
        @for list in lists { (list_section(actor, list)) }
        section.new-list {
            h2 { "New team list" }
            p.muted { "Share services with named colleagues: they see the list and add to it; only you rename it, change who is on it or delete it." }
            form method="post" action="/lists" {
                input type="hidden" name="csrf" value=(actor.csrf());
                div.field {
                    label for="new-name" { "Name" }
                    input #new-name name="name" value=(problems.name) maxlength=(crate::directory::MAX_LIST_NAME_CHARS) required aria-describedby="err-name";
                    (views::field_errors(create_errors, "name"))
                }
                div.field {
                    label for="new-members" { "Colleagues' emails (one per line)" }
                    textarea #new-members name="members" rows="3" aria-describedby="err-members" { (problems.members) }
                    (views::field_errors(create_errors, "members"))
                }
                button type="submit" { "Make the list" }
            }
        }
    }
}

/// `GET /lists`: my lists and the team lists I am on, with flags.
pub async fn list_index(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, "/lists").await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    Ok(index_page(&state, &actor, &who, &Problems::default())
        .await?
        .into_response())
}

/// The answer to a lists form: on success, back to `to`; on bad fields, the
/// lists page again (422) with what to fix; anything else as an error page.
async fn answer(
    state: &AppState,
    actor: &Actor,
    result: Result<String, ListError>,
    typed: Problems,
) -> Result<Response, AppError> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(ListError::Invalid(errors)) => {
            let problems = Problems { errors, ..typed };
            let who = super::account::who_for(state, actor).await;
            let page = index_page(state, actor, &who, &problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A lists form: someone signed in, the form's CSRF token checked, then
/// `change` run off the async threads (it says where to go next), then [`answer`].
async fn list_form<F>(
    state: &AppState,
    headers: &HeaderMap,
    csrf: Option<&str>,
    typed: Problems,
    change: F,
) -> Result<Response, AppError>
where
    F: FnOnce(&Directory, &User) -> Result<String, ListError> + Send + 'static,
{
    let actor = require(state, headers).await?;
    check_csrf(&actor, csrf)?;
    let directory = state.directory.clone();
    let user = actor.user.clone();
    let result = blocking(move || change(&directory, &user)).await?;
    answer(state, &actor, result, typed).await
}

/// Where a change to `list` goes back to: the list on the lists page.
fn back_to(list: &ListView) -> String {
    format!("/lists#list-{}", list.id)
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf: Option<String>,
    name: Option<String>,
    members: Option<String>,
}

/// `POST /lists` (name, members): makes a team list.
pub async fn list_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    let typed = Problems {
        errors: Vec::new(),
        creating: true,
        name: form.name.clone().unwrap_or_default(),
        members: form.members.clone().unwrap_or_default(),
    };
    let (name, members) = (form.name, form.members);
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        typed,
        move |directory, user| {
            directory
                .create_list(user, name.as_deref(), members.as_deref(), now())
                .map(|list| back_to(&list))
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ItemForm {
    csrf: Option<String>,
    service_id: Option<String>,
    location_id: Option<String>,
    note: Option<String>,
    /// Where to go back to (a search page, the listing); the list by default.
    next: Option<String>,
}

/// `POST /lists/{id}/items` (service_id, location_id, note): saves a service;
/// `mine` is my personal list.
pub async fn list_item_add(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let input = NewListItem {
        service_id: form.service_id,
        location_id: form.location_id,
        note: form.note,
    };
    let next = safe_next(form.next.as_deref()).map(str::to_owned);
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        Problems::default(),
        move |directory, user| {
            directory
                .add_list_item(user, &id, &input, now())
                .map(|(list, _)| next.unwrap_or_else(|| back_to(&list)))
        },
    )
    .await
}

/// `POST /lists/{id}/items/{service_id}/remove`: takes a service off a list.
pub async fn list_item_remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, service_id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        Problems::default(),
        move |directory, user| {
            directory
                .remove_list_item(user, &id, &service_id, now())
                .map(|list| back_to(&list))
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct MembersForm {
    csrf: Option<String>,
    members: Option<String>,
}

/// `POST /lists/{id}/members` (members: emails): who a team list is shared
/// with (its owner only).
pub async fn list_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<MembersForm>,
) -> Result<Response, AppError> {
    let members = form.members;
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        Problems::default(),
        move |directory, user| {
            directory
                .set_list_members(user, &id, members.as_deref(), now())
                .map(|list| back_to(&list))
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct RenameForm {
    csrf: Option<String>,
    name: Option<String>,
}

/// `POST /lists/{id}/rename` (name): renames a team list (its owner only).
pub async fn list_rename(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response, AppError> {
    let name = form.name;
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        Problems::default(),
        move |directory, user| {
            directory
                .rename_list(user, &id, name.as_deref(), now())
                .map(|list| back_to(&list))
        },
    )
    .await
}

/// `POST /lists/{id}/delete`: deletes a team list (its owner only).
pub async fn list_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    list_form(
        &state,
        &headers,
        form.csrf.as_deref(),
        Problems::default(),
        move |directory, user| {
            directory
                .delete_list(user, &id, now())
                .map(|()| "/lists".to_owned())
        },
    )
    .await
}

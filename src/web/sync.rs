//! The admin status page of syncs from remote HSDS APIs (`/admin/sync`):
//! each remote's last run, its result, and when the next one starts.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::account::signed_in_page;
use super::{AppError, AppState, blocking, views};
use crate::directory::SyncState;
use crate::model::Role;

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "—".into())
}

/// One remote's row: configured here, saved from earlier runs, or both.
fn remote_row(state: &SyncState, schedule: Option<&crate::directory::SyncSchedule>) -> Markup {
    let running = schedule.is_some_and(|s| s.running.load(std::sync::atomic::Ordering::Relaxed));
    let next = schedule.and_then(|s| s.next_run.lock().ok().and_then(|n| *n));
    html! {
        tr {
            td { (state.url) br; small { "dataset " (state.dataset) } }
            td {
                @match schedule {
                    Some(s) => { "every " (humanize(s.every)) }
                    None => { "not scheduled (ran from the command line, or before a restart)" }
                }
            }
            td { (when(state.last_started)) }
            td { (when(state.last_finished)) }
            td {
                @if running {
                    strong { "Running now" }
                } @else if let Some(error) = &state.last_error {
                    strong { "Failed: " } (error)
                } @else if let Some(report) = &state.last_report {
                    "OK: " (report.summary())
                    @if !report.invalid.is_empty() {
                        details {
                            summary { (report.invalid.len()) " record(s) not taken" }
                            ul {
                                @for skip in report.invalid.iter().take(50) {
                                    li { "record " (skip.record) @if let Some(id) = &skip.id { " (id " (id) ")" } ": " (skip.reason) }
                                }
                            }
                        }
                    }
                } @else {
                    "Not run yet"
                }
            }
            td { (when(state.next_since)) }
            td { @if running { "—" } @else { (when(next)) } }
        }
    }
}

/// A period as people say it: 6 h, 30 min, 1 d.
fn humanize(every: std::time::Duration) -> String {
    let s = every.as_secs();
    if s.is_multiple_of(86_400) {
        format!("{} d", s / 86_400)
    } else if s.is_multiple_of(3_600) {
        format!("{} h", s / 3_600)
    } else if s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// `GET /admin/sync`: every remote synced, its last run and result (admins only).
pub async fn sync_page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (actor, who) = match signed_in_page(&state, &headers, "/admin/sync").await? {
        Ok(signed_in) => signed_in,
        Err(redirect) => return Ok(redirect),
    };
    if actor.user.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only admins see the sync status".into(),
        ));
    }
    let directory = state.directory.clone();
    let mut saved = blocking(move || directory.sync_states()).await??;
    // Configured remotes that have not saved a state yet still get a row.
    for schedule in state.syncs.iter() {
        let dataset = schedule.source.dataset_name();
        if !saved.iter().any(|s| s.dataset == dataset) {
            saved.push(SyncState {
                url: schedule.source.base_url().to_owned(),
                dataset,
                ..SyncState::default()
            });
        }
    }
    Ok(views::layout_with(
        "Sync status",
        html! {
            h1 { "Sync from other directories" }
            @if saved.is_empty() {
                p { "No remote HSDS API has been synced. Start Hearth with "
                    code { "hearth serve --sync https://host/hsds/ --sync-every 6h" }
                    ", or run " code { "hearth import https://host/hsds/" } " once." }
            } @else {
                table.sync {
                    thead { tr {
                        th { "Remote" } th { "Schedule" } th { "Last started" } th { "Last finished" }
                        th { "Result" } th { "Next run asks for changes since" } th { "Next run" }
                    } }
                    tbody {
                        @for remote in &saved {
                            (remote_row(remote, state.syncs.iter().find(|s| s.source.dataset_name() == remote.dataset).map(|s| s.as_ref())))
                        }
                    }
                }
            }
        },
        Some(&who),
    )
    .into_response())
}

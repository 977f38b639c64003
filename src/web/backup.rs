//! `POST /internal/backup`: how `hearth backup` gets an online backup from a
//! running server. Only a caller that can read the home's `serve.json` (the
//! server's own user on the same machine) knows the secret it needs.

use std::path::PathBuf;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{ApiError, AppError, AppState, blocking};
use crate::store::BackupError;

/// The header that carries the local secret.
pub const LOCAL_SECRET_HEADER: &str = "x-hearth-local";

#[derive(Debug, Deserialize)]
pub struct BackupRequest {
    /// The new folder to write, as an absolute path on the server's machine.
    to: PathBuf,
}

pub async fn backup(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<BackupRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let given = headers
        .get(LOCAL_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let known = state.local_secret_digest.as_deref().unwrap_or("");
    if known.is_empty() || !crate::auth::csrf::matches(known, &crate::auth::token::digest(given)) {
        return Err(AppError::Forbidden(
            "this route is for `hearth backup` on the server's own machine".into(),
        )
        .into());
    }
    let Json(request) = body.map_err(|e| {
        AppError::BadInput(format!(
            "send {{\"to\": \"/a/new/folder\"}}: {}",
            e.body_text()
        ))
    })?;
    if !request.to.is_absolute() {
        return Err(AppError::BadInput(format!(
            "{} is not an absolute path",
            request.to.display()
        ))
        .into());
    }
    let directory = state.directory.clone();
    let done = blocking(move || directory.backup(&request.to, "local", chrono::Utc::now())).await?;
    match done {
        Ok(manifest) => Ok((StatusCode::CREATED, Json(manifest)).into_response()),
        Err(BackupError::Invalid(message)) => Err(AppError::BadInput(message).into()),
        Err(e) => {
            tracing::error!(error = %e, "backup failed");
            Err(AppError::Internal(format!("the backup failed: {e}")).into())
        }
    }
}

//! `AppError`: every failure a handler can have, mapped to a response once.
//!
//! Bad input → 400 with a message saying what to fix; missing → 404; anything
//! else → 500 with a generic message, the cause logged once here. Internal
//! error text never reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::views;
use crate::directory::DirectoryError;
use crate::search::InputError;

/// A failure in a page or API handler.
#[derive(Debug)]
pub enum AppError {
    /// The request had a value that cannot be used; the message says what to fix.
    BadInput(String),
    /// There is nothing at this address; says what was looked for.
    NotFound(String),
    /// Something failed on our side; the cause is logged, not shown.
    Internal(String),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::BadInput(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person may see.
    fn public_message(&self) -> &str {
        match self {
            AppError::BadInput(m) | AppError::NotFound(m) => m,
            AppError::Internal(_) => {
                "Something went wrong on our side. Please try again; if it keeps happening, tell the people who run this Hearth."
            }
        }
    }

    fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = %cause, "request failed");
        }
    }
}

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> AppError {
        AppError::BadInput(e.message)
    }
}

/// Renders as an HTML page (for the pages people open).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::BAD_REQUEST => "Please check your search",
            StatusCode::NOT_FOUND => "Not found",
            _ => "Something went wrong",
        };
        (status, views::error_page(title, self.public_message())).into_response()
    }
}

/// The same error rendered as JSON `{"error": "..."}`, for `/api/` routes.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        (
            self.0.status(),
            Json(json!({ "error": self.0.public_message() })),
        )
            .into_response()
    }
}

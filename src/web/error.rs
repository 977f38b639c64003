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
    /// Not signed in (or the session ended); says how to sign in.
    Unauthorized(String),
    /// Signed in, but this role may not do this.
    Forbidden(String),
    /// The change is not allowed in the record's current state.
    Conflict(String),
    /// Fields that cannot be used, each with what to fix.
    Invalid(Vec<crate::referral::FieldError>),
    /// Too many attempts; try again after this many seconds.
    TooMany { message: String, retry_after: u64 },
    /// The request body is larger than this route takes.
    TooLarge(String),
    /// The server is too busy to take this now; try again after this many seconds.
    Busy { message: String, retry_after: u64 },
}

/// What a person is told when the server's disk is full.
const DISK_FULL: &str = "The server's disk is full, so this was not saved (nothing you saved before is lost). Tell the people who run this Hearth: once they free space and restart it, try again.";

impl AppError {
    /// An internal error caused by a full disk: the operating system's "no
    /// space left on device" (ENOSPC, `StorageFull`), which every layer
    /// below carries in its message.
    fn is_disk_full(&self) -> bool {
        matches!(self, AppError::Internal(cause)
            if cause.contains("No space left on device") || cause.contains("StorageFull"))
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::BadInput(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Internal(_) if self.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The message a person may see.
    fn public_message(&self) -> &str {
        match self {
            AppError::BadInput(m)
            | AppError::NotFound(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::TooLarge(m)
            | AppError::TooMany { message: m, .. }
            | AppError::Busy { message: m, .. } => m,
            AppError::Invalid(_) => "Some fields need fixing; each says what is wrong.",
            AppError::Internal(_) if self.is_disk_full() => DISK_FULL,
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

    /// Adds what the error asks of the response beyond its body: `Retry-After` when too many.
    fn finish(&self, mut response: Response) -> Response {
        if let AppError::TooMany { retry_after, .. } | AppError::Busy { retry_after, .. } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after),
            );
        }
        response
    }
}

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<crate::directory::ReferralError> for AppError {
    fn from(e: crate::directory::ReferralError) -> AppError {
        use crate::directory::ReferralError as R;
        match e {
            R::NotFound(_) | R::NoSuchService(_) => AppError::NotFound(e.to_string()),
            R::Forbidden(m) => AppError::Forbidden(m),
            R::Invalid(errors) => AppError::Invalid(errors),
            R::Conflict(m) => AppError::Conflict(m),
            R::Directory(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crate::directory::LoginError> for AppError {
    fn from(e: crate::directory::LoginError) -> AppError {
        use crate::directory::LoginError as L;
        match e {
            L::Refused => AppError::Unauthorized(e.to_string()),
            L::Limited(limited) => AppError::TooMany {
                message: limited.to_string(),
                retry_after: limited.retry_after.num_seconds().max(1) as u64,
            },
            L::Token(e) => AppError::Internal(e.to_string()),
            L::Directory(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crate::directory::AccountError> for AppError {
    fn from(e: crate::directory::AccountError) -> AppError {
        use crate::directory::AccountError as A;
        match e {
            A::BadEmail(_)
            | A::Password(crate::auth::PasswordError::TooShort { .. })
            | A::Password(crate::auth::PasswordError::TooLong { .. })
            | A::Password(crate::auth::PasswordError::Blank) => AppError::BadInput(e.to_string()),
            A::Taken(_) => AppError::Conflict(e.to_string()),
            A::NoSuchUser(_) => AppError::NotFound(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<crate::report::gaps::GapError> for AppError {
    fn from(e: crate::report::gaps::GapError) -> AppError {
        use crate::report::gaps::GapError as G;
        match e {
            G::Forbidden(m) => AppError::Forbidden(m),
            G::ZipNotAllowed => AppError::Forbidden(e.to_string()),
            G::Directory(e) => AppError::Internal(e.to_string()),
            other => AppError::BadInput(other.to_string()),
        }
    }
}

impl From<crate::directory::ListError> for AppError {
    fn from(e: crate::directory::ListError) -> AppError {
        use crate::directory::ListError as L;
        match e {
            L::NotFound(_) => AppError::NotFound(e.to_string()),
            L::Forbidden(m) => AppError::Forbidden(m),
            L::Invalid(errors) => AppError::Invalid(errors),
            L::Conflict(m) => AppError::Conflict(m),
            L::Directory(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crate::directory::SubmissionError> for AppError {
    fn from(e: crate::directory::SubmissionError) -> AppError {
        use crate::directory::SubmissionError as S;
        match e {
            S::Invalid(errors) => AppError::Invalid(errors),
            S::NotFound(_) => AppError::NotFound(e.to_string()),
            S::Forbidden(m) => AppError::Forbidden(m),
            S::Conflict(m) => AppError::Conflict(m),
            S::Directory(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl From<crate::directory::FreshnessError> for AppError {
    fn from(e: crate::directory::FreshnessError) -> AppError {
        use crate::directory::FreshnessError as F;
        match e {
            F::NotFound(_) => AppError::NotFound(e.to_string()),
            F::Forbidden(m) => AppError::Forbidden(m),
            F::Directory(e) => e.into(),
        }
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
            StatusCode::UNAUTHORIZED => "Please sign in",
            StatusCode::FORBIDDEN => "Not available to your role",
            StatusCode::CONFLICT => "That change is not possible now",
            StatusCode::UNPROCESSABLE_ENTITY => "Please check the form",
            StatusCode::TOO_MANY_REQUESTS => "Please wait",
            StatusCode::INSUFFICIENT_STORAGE => "Not saved: the disk is full",
            _ => "Something went wrong",
        };
        let mut message = self.public_message().to_owned();
        if let AppError::Invalid(errors) = &self {
            for e in errors {
                message.push_str(&format!(" {}: {}.", e.field, e.message));
            }
        }
        let response = (status, views::error_page(title, &message)).into_response();
        self.finish(response)
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
        let body = match &self.0 {
            AppError::Invalid(errors) => {
                json!({ "error": self.0.public_message(), "errors": errors })
            }
            _ => json!({ "error": self.0.public_message() }),
        };
        let response = (self.0.status(), Json(body)).into_response();
        self.0.finish(response)
    }
}

//! NerdGraph's error shape, in one place.
//!
//! Top-level errors carry `extensions.errorClass` from the closed [`ErrorClass`] set. Clients act
//! on it: client-go retries `INTERNAL_SERVER_ERROR`, `SERVER_ERROR`, `TIMEOUT` and
//! `TOO_MANY_REQUESTS`, so only genuine server failures use a retryable class; "not found or not
//! allowed" answers use `NOT_FOUND`/`FORBIDDEN`, which clients do not retry.
//!
//! Some NerdGraph mutations report problems inside their payload (`errors[]` of `apiAccess*`,
//! `synthetics*` and `organizationUpdate`) instead of here: those payload types live beside their
//! mutations and are built from [`AppError`] by their own conversions.

use async_graphql::{Error, ErrorExtensions};

use crate::error::AppError;

/// The message a client sees for any internal failure; the cause is logged, never sent.
pub const INTERNAL_ERROR_MESSAGE: &str = "An internal error occurred.";

/// NerdGraph's unauthorized text (organization and account operations).
pub use crate::access::decision::NOT_AUTHORIZED_MESSAGE;

/// The closed set of `extensions.errorClass` values AccessGraph sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The viewer lacks a capability; not retried by clients.
    Forbidden,
    /// Unknown id or not visible to the viewer; not retried by clients.
    NotFound,
    /// Invalid input; nothing was changed.
    BadUserInput,
    /// No or bad credentials (inside GraphQL; the HTTP layer answers 401 before that).
    Unauthenticated,
    /// Rate limited; clients retry with back-off.
    TooManyRequests,
    /// The request took too long and was cancelled (HTTP 408); clients retry.
    Timeout,
    /// A server failure; clients retry.
    InternalServerError,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Forbidden => "FORBIDDEN",
            ErrorClass::NotFound => "NOT_FOUND",
            ErrorClass::BadUserInput => "BAD_USER_INPUT",
            ErrorClass::Unauthenticated => "UNAUTHENTICATED",
            ErrorClass::TooManyRequests => "TOO_MANY_REQUESTS",
            ErrorClass::Timeout => "TIMEOUT",
            ErrorClass::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }

    /// A GraphQL error of this class with `message`.
    pub fn error(self, message: impl Into<String>) -> Error {
        Error::new(message).extend_with(|_, ext| ext.set("errorClass", self.as_str()))
    }
}

impl From<AppError> for Error {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Forbidden(message) => ErrorClass::Forbidden.error(message),
            AppError::NotFound(message) => ErrorClass::NotFound.error(message),
            AppError::BadInput(message) => ErrorClass::BadUserInput.error(message),
            AppError::Database(cause) => {
                tracing::error!(error = %cause, "database error while resolving a GraphQL request");
                ErrorClass::InternalServerError.error(INTERNAL_ERROR_MESSAGE)
            }
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error while resolving a GraphQL request");
                ErrorClass::InternalServerError.error(INTERNAL_ERROR_MESSAGE)
            }
        }
    }
}

/// `?` on a loader's `Arc<DbErr>`.
pub fn storage(err: std::sync::Arc<sea_orm::DbErr>) -> Error {
    AppError::from(err).into()
}

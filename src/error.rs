//! The application error: one enum for every operation of `domain/`, `auth/` and the front doors.
//!
//! Each variant's doc says what a client sees. Storage and internal failures never show their cause
//! to a client: the cause is logged once where the error is turned into a response, and the client
//! gets a fixed message. The GraphQL mapping (error classes, NerdGraph's shapes) lives in
//! `graphql::error`; async-graphql's blanket `Display` conversion is switched off (feature
//! `custom-error-conversion`), so no other path exists.

use std::sync::Arc;

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The caller may not do this. errorClass `FORBIDDEN`, with this message.
    #[error("{0}")]
    Forbidden(String),
    /// The target does not exist or the caller may not see it. errorClass `NOT_FOUND`, with this
    /// message (NerdGraph's own texts, such as "Could not find the target or you are unauthorized.").
    #[error("{0}")]
    NotFound(String),
    /// The input is invalid or conflicts with existing data (a duplicate name, a scope mismatch, an
    /// edition limit). errorClass `BAD_USER_INPUT`, with this message; nothing was changed.
    #[error("{0}")]
    BadInput(String),
    /// The database failed. errorClass `INTERNAL_SERVER_ERROR`, message "An internal error
    /// occurred."; the cause is logged.
    #[error("database error: {0}")]
    Database(Arc<DbErr>),
    /// Anything else that should not happen. Same as `Database` for the client.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(message: impl Into<String>) -> Self {
        AppError::BadInput(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        AppError::Database(Arc::new(err))
    }
}

impl From<Arc<DbErr>> for AppError {
    fn from(err: Arc<DbErr>) -> Self {
        AppError::Database(err)
    }
}

/// Turns a unique-constraint violation into `BadInput(message)`, and leaves every other database
/// error as it is. Works the same on SQLite and PostgreSQL.
pub fn on_unique_violation(err: DbErr, message: impl FnOnce() -> String) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::BadInput(message()),
        _ => AppError::from(err),
    }
}

impl From<crate::access::edition::EditionViolation> for AppError {
    fn from(violation: crate::access::edition::EditionViolation) -> Self {
        AppError::BadInput(violation.to_string())
    }
}

impl From<crate::access::RuleViolation> for AppError {
    fn from(violation: crate::access::RuleViolation) -> Self {
        AppError::BadInput(violation.to_string())
    }
}

impl From<crate::access::api_keys::KeyRefusal> for AppError {
    /// Not found, forbidden or invalid, as the refusal's kind says (the `errorType` of the
    /// `apiAccess*` payload errors).
    fn from(refusal: crate::access::api_keys::KeyRefusal) -> Self {
        use crate::access::api_keys::RefusalKind;
        match refusal.kind() {
            RefusalKind::NotFound => AppError::NotFound(refusal.to_string()),
            RefusalKind::Forbidden => AppError::Forbidden(refusal.to_string()),
            RefusalKind::Invalid => AppError::BadInput(refusal.to_string()),
        }
    }
}

impl From<crate::access::decision::Denied> for AppError {
    /// Forbidden, not found or invalid, as the refusal's kind says.
    fn from(denied: crate::access::decision::Denied) -> Self {
        use crate::access::decision::DenialKind;
        match denied.kind() {
            DenialKind::Forbidden => AppError::Forbidden(denied.to_string()),
            DenialKind::NotFound => AppError::NotFound(denied.to_string()),
            DenialKind::Invalid => AppError::BadInput(denied.to_string()),
        }
    }
}

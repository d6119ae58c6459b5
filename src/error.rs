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

/// What a client is told when its change lost a race with another change that deleted or changed
/// what it depends on (a foreign key that no longer holds, a PostgreSQL serialization failure or
/// deadlock). Nothing was changed, and trying again gives the current answer.
pub const CONCURRENT_CHANGE: &str =
    "The change conflicts with a concurrent change of the same data; nothing was changed. Try again.";

/// Every database error becomes an `AppError` here, through [`classify`].
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        classify(Arc::new(err))
    }
}

impl From<Arc<DbErr>> for AppError {
    fn from(err: Arc<DbErr>) -> Self {
        classify(err)
    }
}

/// The one place where database errors that a concurrent change causes become client answers
/// instead of internal errors. The domain functions lock the rows their checks depend on (see
/// `domain::lookup`), so that a change racing a delete answers the object's own "not found" or
/// conflict; what is left is mapped here, the same on SQLite and PostgreSQL:
/// - a foreign-key violation (a row inserted for a parent deleted meanwhile, or a parent deleted
///   while a row still refers to it), a unique violation that no specific message claimed, and
///   PostgreSQL's serialization failures (40001) and deadlocks (40P01): `BadInput`
///   ([`CONCURRENT_CHANGE`], or "already exists" for a unique violation);
/// - an update of a row deleted meanwhile (`RecordNotUpdated`): NerdGraph's "not found".
///
/// Each of these is logged at WARN: two changes raced where no lock put them in order. Everything
/// else stays `Database` (INTERNAL_SERVER_ERROR, cause logged where the response is built).
fn classify(err: Arc<DbErr>) -> AppError {
    let answer = match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => Some(AppError::bad_input(CONCURRENT_CHANGE)),
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Some(AppError::bad_input("The change conflicts with existing data: it already exists"))
        }
        _ if matches!(err.as_ref(), DbErr::RecordNotUpdated) => {
            Some(AppError::not_found(crate::domain::lookup::NOT_FOUND_OR_UNAUTHORIZED))
        }
        _ if matches!(postgres_code(&err).as_deref(), Some("40001" | "40P01")) => {
            Some(AppError::bad_input(CONCURRENT_CHANGE))
        }
        _ => None,
    };
    match answer {
        Some(answer) => {
            tracing::warn!(error = %err, answer = %answer, "a concurrent change made this change fail");
            answer
        }
        None => AppError::Database(err),
    }
}

/// The SQLSTATE of a PostgreSQL error (`None` for anything else).
fn postgres_code(err: &DbErr) -> Option<String> {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error;
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    match e.as_ref() {
        Error::Database(db) => {
            db.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>().map(|pg| pg.code().to_owned())
        }
        _ => None,
    }
}

/// Turns a unique-constraint violation into `BadInput(message)`, and leaves every other database
/// error to [`classify`]. Works the same on SQLite and PostgreSQL.
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
        AppError::from(crate::access::decision::Denied::Key(refusal))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_of_a_row_deleted_meanwhile_is_not_found_and_other_errors_stay_internal() {
        let gone = AppError::from(DbErr::RecordNotUpdated);
        assert!(
            matches!(&gone, AppError::NotFound(m) if m == crate::domain::lookup::NOT_FOUND_OR_UNAUTHORIZED),
            "{gone:?}"
        );
        let other = AppError::from(DbErr::Custom("disk on fire".into()));
        assert!(matches!(other, AppError::Database(_)), "{other:?}");
    }
}

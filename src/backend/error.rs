//! Errors every backend returns, mapped one-to-one onto the contract's error envelope.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    /// Malformed or invalid input (HTTP 400). `field` is a JSON path when one field is at fault.
    #[error("{message}")]
    Validation {
        message: String,
        field: Option<String>,
    },
    /// Unknown id (HTTP 404).
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// The current state forbids the request (HTTP 409).
    #[error("{0}")]
    Conflict(String),
    /// No or bad credentials (HTTP 401).
    #[error("{0}")]
    Unauthorized(String),
    /// Credentials lack a permission (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// The backend could not be reached (network, server down).
    #[error("{0}")]
    Unavailable(String),
    /// The local store failed (disk full, corrupt file, locked data dir).
    #[error("storage: {0}")]
    Storage(String),
    /// A fault on the backend's side (HTTP 500).
    #[error("{0}")]
    Internal(String),
    /// The server does not offer this route (one of ours the platform lacks).
    #[error("{0}")]
    NotOffered(String),
}

impl BackendError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            id: id.into(),
        }
    }

    /// The contract's machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::NotFound { .. } => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Unavailable(_) => "unavailable",
            Self::Storage(_) => "storage_error",
            Self::Internal(_) => "internal_error",
            Self::NotOffered(_) => "no_route",
        }
    }

    /// The HTTP status the contract gives this error.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound { .. } | Self::NotOffered(_) => 404,
            Self::Conflict(_) => 409,
            Self::Unavailable(_) => 503,
            Self::Storage(_) | Self::Internal(_) => 500,
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl From<crate::backend::engine::store::db::Error> for BackendError {
    fn from(e: crate::backend::engine::store::db::Error) -> Self {
        use crate::backend::engine::store::db::Error;
        match e {
            Error::Sqlite(e) => storage_error(&e),
            e @ (Error::Pg(_) | Error::Unreachable(_)) => {
                crate::backend::engine::store::pg::pg_error("the PostgreSQL store", &e)
            }
            e => BackendError::Storage(e.to_string()),
        }
    }
}

impl From<rusqlite::Error> for BackendError {
    fn from(e: rusqlite::Error) -> Self {
        storage_error(&e)
    }
}

/// Turns a SQLite failure into a message that says what to do about it.
fn storage_error(e: &rusqlite::Error) -> BackendError {
    use rusqlite::ErrorCode;
    let hint = match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => " — the disk is full; free some space and retry",
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied) => {
            " — check that the data directory is writable (or pick another with --data-dir)"
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            " — another process holds the database; retry in a moment"
        }
        Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => {
            " — the store file is damaged; move it aside (with its -wal and -shm files) to start fresh, or restore a backup"
        }
        _ => "",
    };
    BackendError::Storage(format!("{e}{hint}"))
}

pub type Result<T, E = BackendError> = std::result::Result<T, E>;

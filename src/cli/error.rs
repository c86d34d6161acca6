//! What a failed command means to a script: its exit code (documented in `--help` and the
//! README) and one line on stderr saying what to do.

use crate::backend::BackendError;

/// Exit codes: 0 ok, and these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The operation failed (a rollout failed, a store could not be written, …).
    Failed = 1,
    /// Usage: bad flags or arguments, invalid input (a malformed patch, an ambiguous name).
    Usage = 2,
    /// What was named does not exist.
    NotFound = 3,
    /// Authentication or permission: 401/403, no token, or a read-only zopdeck asked to
    /// change something.
    Auth = 4,
    /// Conflict (409): the current state forbids it.
    Conflict = 5,
    /// The server or the cluster could not be reached.
    Unreachable = 6,
}

/// The table `--help` and the README show.
pub const EXIT_CODES: &str = "Exit codes: 0 ok · 1 the operation failed (e.g. the rollout) · 2 usage error or invalid \
     input · 3 not found · 4 auth (401/403 or no token) · 5 conflict (409) · 6 server or \
     cluster unreachable";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Exit::NotFound, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Whoever read stdout went away (`zopdeck events web -f | head -1`): the command stops
    /// there and ends well, as `run` makes it.
    pub fn output_closed() -> Self {
        Self::new(Exit::Failed, OUTPUT_CLOSED)
    }

    pub fn is_output_closed(&self) -> bool {
        self.exit == Exit::Failed && self.message == OUTPUT_CLOSED
    }
}

const OUTPUT_CLOSED: &str = "the output was closed";

impl From<String> for CliError {
    fn from(message: String) -> Self {
        Self::new(Exit::Failed, message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> Self {
        Self::new(Exit::Failed, message)
    }
}

impl From<BackendError> for CliError {
    fn from(e: BackendError) -> Self {
        let exit = match &e {
            BackendError::Validation { .. } => Exit::Usage,
            BackendError::NotFound { .. } => Exit::NotFound,
            BackendError::Unauthorized(_) | BackendError::Forbidden(_) => Exit::Auth,
            BackendError::Conflict(_) => Exit::Conflict,
            BackendError::Unavailable(_) => Exit::Unreachable,
            BackendError::Storage(_) | BackendError::Internal(_) | BackendError::NotOffered(_) => {
                Exit::Failed
            }
        };
        let message = match e.field() {
            Some(field) if !e.to_string().contains(field) => format!("{e} (field {field})"),
            _ => e.to_string(),
        };
        Self::new(exit, message)
    }
}

/// `Err(fail!("…", args))`: a failure (exit 1) with a formatted message.
macro_rules! fail {
    ($($t:tt)*) => {
        $crate::cli::error::CliError::from(format!($($t)*))
    };
}
pub(crate) use fail;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_keep_their_meaning_as_exit_codes() {
        let code = |e: BackendError| CliError::from(e).exit as i32;
        assert_eq!(code(BackendError::validation("configs.port", "bad")), 2);
        assert_eq!(code(BackendError::not_found("deployment", "dep_x")), 3);
        assert_eq!(code(BackendError::Unauthorized("no".into())), 4);
        assert_eq!(code(BackendError::Forbidden("no".into())), 4);
        assert_eq!(code(BackendError::Conflict("busy".into())), 5);
        assert_eq!(code(BackendError::Unavailable("down".into())), 6);
        assert_eq!(code(BackendError::Storage("full".into())), 1);
        assert_eq!(
            CliError::from(BackendError::validation("configs.port", "bad")).message,
            "bad (field configs.port)"
        );
    }
}

//! `OpsError`: why an operation refused or failed, in the domain's own terms. The three doors —
//! the JSON API (`crate::error`), the console pages and the CLI — each turn it into their own
//! form in one place. Messages name fields, codes and ids, never personal data.

use super::csv_import::RowError;
use crate::store::StoreError;

/// Why an operation refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The thing does not exist, or lies outside the caller's branch (answered alike).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The named field holds a malformed identifier.
    #[error("{0} is not a valid identifier")]
    InvalidId(&'static str),
    /// Input refused: a stable code and a message naming what was wrong.
    #[error("{message}")]
    Invalid {
        /// Stable machine-readable code, e.g. `weak_password`.
        code: &'static str,
        /// What was wrong, and where.
        message: String,
    },
    /// Rows of a CSV file refused, each with its line, column and problem.
    #[error("{}", rows_message(.0))]
    InvalidRows(Vec<RowError>),
    /// The caller's role may not do this.
    #[error("{0}")]
    ForbiddenRole(&'static str),
    /// Refused for what the caller holds or may reach: outside the branch, a used code, a wrong
    /// passphrase, a locked key.
    #[error("{message}")]
    Refused {
        /// Stable code, e.g. `wrong_passphrase`.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// The request conflicts with what is stored (a duplicate, a decision overtaken).
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `invalid_transition`.
        code: &'static str,
        /// What conflicts.
        message: String,
    },
    /// Stored content does not open with the caller's key.
    #[error("this visit is not readable with your key")]
    Undecryptable,
    /// The credential presented does not prove who the caller is (a device's renewal signature).
    #[error("{message}")]
    Unauthenticated {
        /// Stable code, e.g. `renewal_refused`.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// Sign-in refused: wrong login or password (which of the two is not said).
    #[error("wrong login or password")]
    BadCredentials,
    /// Too many attempts for now.
    #[error("{message}")]
    Throttled {
        /// Stable code, e.g. `account_locked`.
        code: &'static str,
        /// What to do.
        message: String,
        /// Seconds until trying again makes sense.
        retry_after_secs: Option<i64>,
    },
    /// The server or its storage failed; the cause is for the log only.
    #[error("internal server error")]
    Internal(String),
}

fn rows_message(rows: &[RowError]) -> String {
    let mut msg: Vec<String> = rows.iter().take(20).map(ToString::to_string).collect();
    if rows.len() > 20 {
        msg.push(format!("and {} more", rows.len() - 20));
    }
    msg.join("; ")
}

impl OpsError {
    /// Input refused with a code and a message.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        OpsError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// Refused with a code and a message.
    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        OpsError::Refused {
            code,
            message: message.into(),
        }
    }

    /// Outside the caller's branch where saying so reveals nothing.
    pub fn out_of_scope() -> Self {
        Self::refused("out_of_scope", "outside your branch of the organisation")
    }

    /// A conflict with a code and a message.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        OpsError::Conflict {
            code,
            message: message.into(),
        }
    }

    /// A failure of the server itself; `cause` must hold no personal data.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        OpsError::Internal(cause.to_string())
    }

    /// The stable code every door shows beside the message.
    pub fn code(&self) -> &'static str {
        match self {
            OpsError::NotFound(_) => "not_found",
            OpsError::InvalidId(_) => "invalid_id",
            OpsError::InvalidRows(_) => "invalid_csv",
            OpsError::ForbiddenRole(_) => "forbidden_role",
            OpsError::Undecryptable => "cannot_decrypt",
            OpsError::BadCredentials => "invalid_credentials",
            OpsError::Internal(_) => "internal",
            OpsError::Invalid { code, .. }
            | OpsError::Refused { code, .. }
            | OpsError::Conflict { code, .. }
            | OpsError::Unauthenticated { code, .. }
            | OpsError::Throttled { code, .. } => code,
        }
    }
}

impl From<StoreError> for OpsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => OpsError::NotFound(what),
            StoreError::Conflict(what) => OpsError::conflict("conflict", what),
            StoreError::CodeRejected => OpsError::refused(
                "enrollment_refused",
                "enrollment code unknown, used or expired",
            ),
            StoreError::Backend(cause) => OpsError::Internal(format!("storage backend: {cause}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_code_and_a_message_without_values() {
        let rows = (1..=25)
            .map(|i| RowError {
                line: i + 1,
                column: "id_number",
                problem: "not 18 characters".into(),
            })
            .collect();
        let e = OpsError::InvalidRows(rows);
        assert_eq!(e.code(), "invalid_csv");
        let text = e.to_string();
        assert!(text.starts_with("line 2, column id_number: not 18 characters"));
        assert!(text.ends_with("and 5 more"));
        assert_eq!(
            OpsError::from(StoreError::NotFound("visit")).code(),
            "not_found"
        );
        assert_eq!(
            OpsError::from(StoreError::Backend("disk full".into())).to_string(),
            "internal server error"
        );
        assert_eq!(OpsError::ForbiddenRole("no").code(), "forbidden_role");
    }
}

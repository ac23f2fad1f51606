//! The CLI's one mapping of domain errors to what the operator reads: the code, then the message;
//! refused CSV rows one per line.

use crate::ops::OpsError;

/// What the operator reads for a refused or failed operation.
pub fn show(e: OpsError) -> String {
    match e {
        OpsError::InvalidRows(rows) => {
            let mut lines = vec![format!("invalid_csv: {} rows refused", rows.len())];
            lines.extend(rows.iter().map(|r| format!("  {r}")));
            lines.join("\n")
        }
        OpsError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            "internal: the operation failed; the server log has the cause".into()
        }
        other => format!("{}: {}", other.code(), other),
    }
}

//! Where tests find external backends (PostgreSQL, S3-compatible storage): environment variables
//! set by `scripts/test-all.sh`. Without them a backend test is skipped with a note, unless
//! `FIELDVISIT_REQUIRE_BACKENDS=1` says the backends must be there (CI), when it fails.

/// The value of `var`, or `None` when the test should be skipped.
pub(crate) fn backend(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            let required = std::env::var("FIELDVISIT_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{var} is not set but FIELDVISIT_REQUIRE_BACKENDS=1: start the backend \
                 (scripts/test-all.sh does) or unset FIELDVISIT_REQUIRE_BACKENDS"
            );
            eprintln!("skipped: {var} is not set (scripts/test-all.sh sets it)");
            None
        }
    }
}

/// A name no other test (or test run) uses: process id, a counter and the time.
pub(crate) fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

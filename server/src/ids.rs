//! Identifier checks: every id that reaches a query, a file name or a log is checked here first.

pub use fieldvisit_core::protocol::{MAX_ID_LEN, is_safe_id};

/// Whether `login` is a safe login name (same alphabet as ids, plus `@`).
pub fn is_safe_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= MAX_ID_LEN
        && !login.starts_with('.')
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_logins() {
        assert!(is_safe_login("wang.li@station"));
        assert!(!is_safe_login("admin' OR '1'='1"));
        assert!(!is_safe_login(&"a".repeat(MAX_ID_LEN + 1)));
    }
}

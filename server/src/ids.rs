//! Identifier checks: every id that reaches a query, a file name or a log is checked here first.

/// Longest accepted id.
pub const MAX_ID_LEN: usize = 64;

/// Whether `id` is a safe identifier: 1–64 of `A-Z a-z 0-9 - _ .`, not starting with `.`.
///
/// Safe ids cannot traverse paths, cannot smuggle SQL or log syntax, and fit in a QR code.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

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
    fn safe_ids() {
        for ok in ["a", "v-1", "3fa1b2", "photo_01.jpg", "A.b-C_d"] {
            assert!(is_safe_id(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a\\b",
            "x'; DROP TABLE visits;--",
            "é",
            "a b",
            ".hidden",
            "a\0b",
        ] {
            assert!(!is_safe_id(bad), "{bad}");
        }
        assert!(!is_safe_id(&"a".repeat(65)));
        assert!(is_safe_login("wang.li@station"));
        assert!(!is_safe_login("admin' OR '1'='1"));
    }
}

//! The identifier rule phone and server share: ids that travel in URLs, file names and logs.

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
    }
}

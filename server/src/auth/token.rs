//! Bearer tokens, their stored hashes, and short one-time enrollment codes.

use fieldvisit_core::crypto::{random_bytes, sha256};

/// Prefix of staff session tokens.
pub const STAFF_PREFIX: &str = "fvs_";
/// Prefix of device tokens.
pub const DEVICE_PREFIX: &str = "fvd_";

/// Crockford base32 without I, L, O, U: easy to read aloud and to type from a printout.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new random token: prefix + 64 hex digits (256 bits).
pub fn new_token(prefix: &str) -> Result<String, fieldvisit_core::crypto::CryptoError> {
    let mut b = [0u8; 32];
    random_bytes(&mut b)?;
    Ok(format!("{prefix}{}", hex::encode(b)))
}

/// What the database keeps instead of a token or code.
pub fn token_hash(token: &str) -> String {
    sha256(token.as_bytes()).to_hex()
}

/// A 10-character code (50 bits) shown as `XXXXX-XXXXX`; fits a small QR code.
pub fn new_enrollment_code() -> Result<String, fieldvisit_core::crypto::CryptoError> {
    let mut b = [0u8; 10];
    random_bytes(&mut b)?;
    let chars: String = b
        .iter()
        .map(|x| char::from(CODE_ALPHABET[usize::from(x & 31)]))
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// Canonical form of a typed code: upper case, no dashes or spaces, confusable letters mapped.
pub fn normalize_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(10);
    for ch in input.chars() {
        let c = match ch.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CODE_ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == 10).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_normalize() {
        let code = new_enrollment_code().unwrap();
        assert_eq!(code.len(), 11);
        let n = normalize_code(&code).unwrap();
        assert_eq!(normalize_code(&code.to_lowercase()).unwrap(), n);
        assert_eq!(normalize_code("abcde fghjk").unwrap(), "ABCDEFGHJK");
        assert!(normalize_code("ABC").is_none());
        assert!(normalize_code("ABCDE-FGHJ'").is_none());
        assert!(new_token(DEVICE_PREFIX).unwrap().starts_with("fvd_"));
    }
}

//! argon2id password hashing (PHC strings carry their own parameters, so costs can rise later).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::Argon2Cost;

/// Hashes a password with a fresh random salt. Blocking: call from `spawn_blocking`.
pub fn hash(password: &str, cost: &Argon2Cost) -> Result<String, String> {
    let params =
        Params::new(cost.m_cost, cost.t_cost, cost.p_cost, None).map_err(|e| e.to_string())?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string. Blocking: call from `spawn_blocking`.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made at a lower cost than `cost` (or cannot be read), so it should be
/// made again at the next sign-in.
pub fn is_below(phc: &str, cost: &Argon2Cost) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let param = |name: &str| -> u32 { parsed.params.get_decimal(name).unwrap_or(0) };
    param("m") < cost.m_cost || param("t") < cost.t_cost || param("p") < cost.p_cost
}

/// Shortest password accepted for new accounts.
pub const MIN_PASSWORD_LEN: usize = 10;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let cost = Argon2Cost {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        };
        let h = hash("correct horse", &cost).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("x", "not a phc string"));
        assert!(!is_below(&h, &cost));
        let higher = Argon2Cost {
            m_cost: 512,
            ..cost
        };
        assert!(is_below(&h, &higher));
        assert!(is_below("not a phc string", &cost));
    }
}

//! Unlocked audience private keys, held in memory only, per session and audience, until they
//! expire, the reviewer locks them or signs out. A second sign-in of the same person holds none of
//! them. Nothing here is written to disk; a restart locks every key. (Behind a load balancer a
//! reviewer unlocks on each server that serves them.) Wrong passphrases are counted per person in
//! the database (`StaffStore::unlock_failed`), so the count holds across restarts and processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::AudiencePrivateKey;

/// One unlocked key.
#[derive(Debug, Clone)]
pub struct UnlockedKey {
    /// The key.
    pub key: Arc<AudiencePrivateKey>,
    /// Path of the branch the key serves.
    pub scope_path: String,
    /// When it locks again.
    pub expires_at: DateTime<Utc>,
}

/// Wrong passphrases a reviewer may try within [`FAILURE_WINDOW_MIN`] minutes.
pub const MAX_FAILURES: u32 = 5;
/// The window of counted failures, in minutes.
pub const FAILURE_WINDOW_MIN: i64 = 15;

/// The unlocked keys of this server process.
#[derive(Debug, Default)]
pub struct KeySessions {
    inner: Mutex<HashMap<(String, String), UnlockedKey>>,
}

impl KeySessions {
    /// Holds `key` for a holder (a session) and `audience` until `expires_at`.
    pub fn put(&self, holder: &str, audience: &str, key: UnlockedKey) {
        if let Ok(mut m) = self.inner.lock() {
            let now = Utc::now();
            m.retain(|_, k| k.expires_at > now);
            m.insert((holder.to_owned(), audience.to_owned()), key);
        }
    }

    /// The live key of a holder for an audience.
    pub fn get(&self, holder: &str, audience: &str, now: DateTime<Utc>) -> Option<UnlockedKey> {
        let mut m = self.inner.lock().ok()?;
        let k = (holder.to_owned(), audience.to_owned());
        match m.get(&k) {
            Some(u) if u.expires_at > now => Some(u.clone()),
            Some(_) => {
                m.remove(&k);
                None
            }
            None => None,
        }
    }

    /// Drops every key of a holder; true if one was held.
    pub fn lock(&self, holder: &str) -> bool {
        self.inner.lock().is_ok_and(|mut m| {
            let before = m.len();
            m.retain(|(s, _), _| s != holder);
            m.len() != before
        })
    }
}

//! Exponential backoff with full jitter, honouring the server's `Retry-After`.

use std::time::Duration;

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// First delay.
    pub base: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Attempts of one request in one sync run before giving up until the next run.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (1-based): a random point in
    /// `[0, min(max, base * 2^(attempt-1))]`, or the server's `Retry-After` when it is longer.
    pub fn delay(&self, attempt: u32, retry_after_s: Option<u64>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let cap = exp.min(self.max);
        let mut r = [0u8; 8];
        let jitter = if crate::crypto::random_bytes(&mut r).is_ok() {
            u64::from_le_bytes(r) as f64 / u64::MAX as f64
        } else {
            0.5
        };
        let d = cap.mul_f64(jitter);
        match retry_after_s {
            Some(s) => d.max(Duration::from_secs(s).min(self.max)),
            None => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_respect_retry_after() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
            max_attempts: 5,
        };
        for attempt in 1..10 {
            let cap = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(2));
            assert!(b.delay(attempt, None) <= cap);
        }
        assert!(b.delay(1, Some(1)) >= Duration::from_secs(1));
        assert!(b.delay(1, Some(3600)) <= Duration::from_secs(2));
    }
}

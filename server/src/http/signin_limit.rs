//! Sign-in attempts limited per client address (`docs/design.md`, security): a steady rate with a
//! burst an office behind one NAT address can use up at 8:30, past which attempts are answered
//! `429 rate_limited` at once, without password work. Lockout per account stays beside it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use tower_governor::GovernorError;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;

use crate::config::Config;

/// The limiter's middleware: none beyond counting.
type NoOp = governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>;
use crate::error::AppError;

/// The key of a request: its client address ([`super::client::address`]), or one shared key
/// when the server does not know its peers.
#[derive(Debug, Clone)]
pub struct ClientKey {
    trusted: Arc<Vec<IpAddr>>,
}

impl KeyExtractor for ClientKey {
    type Key = Option<IpAddr>;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        Ok(super::client::address(req, &self.trusted))
    }
}

/// The limiter both sign-in doors share.
pub type Limiter = Arc<GovernorConfig<ClientKey, NoOp>>;

/// Builds the limiter of `config`: `signin_burst` attempts at once, one more every
/// `signin_refill`.
pub fn limiter(config: &Config) -> Limiter {
    let built = GovernorConfigBuilder::default()
        .key_extractor(ClientKey {
            trusted: Arc::new(config.trusted_proxies.clone()),
        })
        .period(
            config
                .signin_refill
                .max(std::time::Duration::from_millis(1)),
        )
        .burst_size(config.signin_burst.max(1))
        .finish();
    // `finish` refuses only a zero period or burst, which the max(…) above rule out.
    Arc::new(built.unwrap_or_else(|| unreachable!("a non-zero period and burst")))
}

/// The layer over a sign-in route.
pub fn layer(
    limiter: &Limiter,
) -> tower_governor::GovernorLayer<ClientKey, NoOp, axum::body::Body> {
    tower_governor::GovernorLayer::new(Arc::clone(limiter)).error_handler(|e| {
        let wait = match &e {
            GovernorError::TooManyRequests { wait_time, .. } => *wait_time,
            _ => 1,
        };
        let mut resp = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "登录尝试过于频繁 / too many sign-in attempts from this address; wait {wait} s"
            ),
        )
        .into_response();
        if let Ok(v) = wait.to_string().parse() {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        resp
    })
}

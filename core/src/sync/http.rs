//! The phone side of the HTTP API (`/api/v1/…`), on a blocking reqwest client with rustls: the FFI
//! surface is synchronous and apps call it from a background thread.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{CONTENT_TYPE, DATE, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::SyncError;
use crate::protocol::{
    ApiErrorBody, Assignments, EnrollRequest, EnrollResponse, Receipt, TokenRenewRequest,
    TokenRenewResponse, UploadStatus,
};

/// A client of one server.
#[derive(Debug, Clone)]
pub struct ServerApi {
    base: String,
    client: Client,
    /// Replaced when the token is renewed in the middle of a run.
    token: Arc<Mutex<Option<String>>>,
    /// The server's clock minus the phone's, in milliseconds, from the last answer's `Date`: a
    /// renewal is signed on the server's time, which a phone's clock may be far from.
    clock_offset_ms: Arc<AtomicI64>,
}

/// Whether an error means that the device token must be renewed: it expired, or the server no
/// longer knows it (a renewal whose answer was lost replaced it).
pub(crate) fn wants_renewal(e: &SyncError) -> bool {
    matches!(e, SyncError::NotEnrolled)
        || matches!(e, SyncError::Server { status: 401, code, .. } if code == "token_expired")
}

fn network(e: reqwest::Error) -> SyncError {
    // reqwest's own text ("error sending request") hides why; its innermost source says it
    // ("Connection refused", "timed out"). Neither holds request bodies.
    let e = e.without_url();
    let mut root: Option<&dyn std::error::Error> = None;
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        root = Some(s);
        source = s.source();
    }
    SyncError::Network(match root {
        Some(r) => format!("{e}: {r}"),
        None => e.to_string(),
    })
}

impl ServerApi {
    /// A client of the server at `base_url` (e.g. `https://fv.example.gov.cn`).
    /// Fails with [`SyncError::InvalidAddress`] unless `base_url` is an `http(s)` URL with a host.
    pub fn new(base_url: &str) -> Result<Self, SyncError> {
        let base = server_address(base_url)?;
        let client = Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(network)?;
        Ok(ServerApi {
            base,
            client,
            token: Arc::new(Mutex::new(None)),
            clock_offset_ms: Arc::new(AtomicI64::new(0)),
        })
    }

    /// The server's address as checked, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same client acting with a device token.
    pub fn with_token(self, token: &str) -> Self {
        self.set_token(token);
        self
    }

    /// Acts with a renewed token from now on.
    pub fn set_token(&self, token: &str) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.to_string());
    }

    /// The server's time as the phone reckons it from the server's last answer, in milliseconds
    /// since the Unix epoch.
    pub fn server_now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.clock_offset_ms.load(Ordering::Relaxed)
    }

    fn note_server_time(&self, resp: &Response) {
        let date = resp
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
        if let Some(d) = date {
            let offset = d.timestamp_millis() - chrono::Utc::now().timestamp_millis();
            self.clock_offset_ms.store(offset, Ordering::Relaxed);
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{}", self.base, path)
    }

    fn parsed_url(&self, path: &str) -> Result<reqwest::Url, SyncError> {
        reqwest::Url::parse(&self.url(path)).map_err(|_| SyncError::InvalidAddress)
    }

    fn auth(&self, rb: RequestBuilder) -> RequestBuilder {
        let token = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, SyncError> {
        let resp = self.auth(rb).send().map_err(network)?;
        self.note_server_time(&resp);
        let resp = check(resp)?;
        resp.json::<T>()
            .map_err(|e| SyncError::Network(format!("unreadable answer: {}", e.without_url())))
    }

    /// Redeems an enrollment code.
    pub fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, SyncError> {
        self.send(self.client.post(self.url("/devices/enroll")).json(req))
    }

    /// Renews the device token with a signature of the device key; needs no token.
    pub fn renew_token(&self, req: &TokenRenewRequest) -> Result<TokenRenewResponse, SyncError> {
        let resp = self
            .client
            .post(self.url("/devices/token"))
            .json(req)
            .send()
            .map_err(network)?;
        self.note_server_time(&resp);
        check(resp)?
            .json()
            .map_err(|e| SyncError::Network(format!("unreadable answer: {}", e.without_url())))
    }

    /// Pulls assignments changed since `since`.
    pub fn assignments(
        &self,
        since: Option<&str>,
        held: &[(String, u32)],
    ) -> Result<Assignments, SyncError> {
        let mut url = self.parsed_url("/assignments")?;
        if let Some(s) = since {
            url.query_pairs_mut().append_pair("since", s);
        }
        for (id, version) in held {
            url.query_pairs_mut()
                .append_pair("have", &format!("{id}.{version}"));
        }
        self.send(self.client.get(url))
    }

    /// Sends a sealed envelope; the same envelope again gets the same receipt.
    pub fn put_visit(&self, visit_id: &str, envelope_json: Vec<u8>) -> Result<Receipt, SyncError> {
        let rb = self
            .client
            .put(self.url(&format!("/visits/{visit_id}")))
            .header(CONTENT_TYPE, "application/json")
            .body(envelope_json);
        self.send(rb)
    }

    /// How many bytes of a photo the server holds.
    pub fn photo_status(&self, visit_id: &str, photo_id: &str) -> Result<UploadStatus, SyncError> {
        self.send(
            self.client
                .get(self.url(&format!("/visits/{visit_id}/photos/{photo_id}"))),
        )
    }

    /// Appends a chunk at `offset`.
    pub fn put_photo_chunk(
        &self,
        visit_id: &str,
        photo_id: &str,
        offset: u64,
        chunk: Vec<u8>,
    ) -> Result<UploadStatus, SyncError> {
        let mut url = self.parsed_url(&format!("/visits/{visit_id}/photos/{photo_id}"))?;
        url.query_pairs_mut()
            .append_pair("offset", &offset.to_string());
        let rb = self
            .client
            .put(url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(chunk);
        self.send(rb)
    }
}

/// Turns an error status into a [`SyncError`] with the server's code and message.
fn check(resp: Response) -> Result<Response, SyncError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let body: Option<ApiErrorBody> = resp.json().ok();
    let (code, message) = body.map_or_else(
        || {
            (
                "unknown".to_string(),
                status.canonical_reason().unwrap_or("error").to_string(),
            )
        },
        |b| (b.error.code, b.error.message),
    );
    Err(refusal(status, &code).unwrap_or(SyncError::Server {
        status: status.as_u16(),
        code,
        message,
        retry_after,
    }))
}

/// The refusals an app acts on by their own variant: an enrollment code that cannot be used, a
/// revoked device, and a credential the server does not take (401: the device must enroll again).
/// An expired token and a renewal signed off the server's clock stay server errors: the first is
/// renewed by the syncer, the second is worth a later try.
fn refusal(status: StatusCode, code: &str) -> Option<SyncError> {
    match (status, code) {
        (StatusCode::FORBIDDEN, "device_revoked") => Some(SyncError::Revoked),
        (StatusCode::FORBIDDEN, "enrollment_refused") => Some(SyncError::EnrollmentRefused),
        (StatusCode::UNAUTHORIZED, "token_expired" | "renewal_stale") => None,
        (StatusCode::UNAUTHORIZED, _) => Some(SyncError::NotEnrolled),
        _ => None,
    }
}

/// The server address without a trailing `/`, checked to be an `http(s)` URL with a host and no
/// query or fragment.
pub fn server_address(base_url: &str) -> Result<String, SyncError> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|_| SyncError::InvalidAddress)?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.query().is_none()
        && url.fragment().is_none();
    if usable {
        Ok(trimmed.to_string())
    } else {
        Err(SyncError::InvalidAddress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_before_any_request() {
        assert_eq!(
            server_address(" https://fv.example.gov.cn/ ")
                .ok()
                .as_deref(),
            Some("https://fv.example.gov.cn")
        );
        assert_eq!(
            server_address("http://127.0.0.1:8080/base").ok().as_deref(),
            Some("http://127.0.0.1:8080/base")
        );
        for bad in [
            "",
            "fv.example.gov.cn",
            "ftp://fv.example.gov.cn",
            "http://",
            "https://fv.example.gov.cn/?x=1",
            "not a url",
        ] {
            assert!(
                matches!(server_address(bad), Err(SyncError::InvalidAddress)),
                "{bad}"
            );
        }
    }

    #[test]
    fn refusals_get_their_own_errors() {
        assert!(matches!(
            refusal(StatusCode::FORBIDDEN, "enrollment_refused"),
            Some(SyncError::EnrollmentRefused)
        ));
        assert!(matches!(
            refusal(StatusCode::FORBIDDEN, "device_revoked"),
            Some(SyncError::Revoked)
        ));
        assert!(matches!(
            refusal(StatusCode::UNAUTHORIZED, "unauthenticated"),
            Some(SyncError::NotEnrolled)
        ));
        assert!(matches!(
            refusal(StatusCode::UNAUTHORIZED, "renewal_refused"),
            Some(SyncError::NotEnrolled)
        ));
        assert!(refusal(StatusCode::UNAUTHORIZED, "token_expired").is_none());
        assert!(refusal(StatusCode::UNAUTHORIZED, "renewal_stale").is_none());
        assert!(refusal(StatusCode::FORBIDDEN, "forbidden_role").is_none());
        assert!(refusal(StatusCode::SERVICE_UNAVAILABLE, "busy").is_none());
    }
}

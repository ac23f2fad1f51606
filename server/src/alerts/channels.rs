//! The request each kind of channel expects, and whether its answer means "accepted".
//!
//! - WeCom group robot: `POST` the robot URL, a `markdown` message; answers `{"errcode":0}`.
//! - DingTalk custom robot with signing: the robot URL plus `timestamp` (ms) and
//!   `sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret)))`; answers
//!   `{"errcode":0}`.
//! - Generic webhook (`docs/alerts.md`): the JSON facts, with `X-FieldVisit-Timestamp` (Unix
//!   seconds), `X-FieldVisit-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))` and
//!   `X-FieldVisit-Id` (the idempotency key); any 2xx answer.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ring::hmac;
use serde_json::json;

use super::message::AlertFacts;
use crate::store::ChannelKind;

/// Header with the webhook's timestamp.
pub const TIMESTAMP_HEADER: &str = "X-FieldVisit-Timestamp";
/// Header with the webhook's signature.
pub const SIGNATURE_HEADER: &str = "X-FieldVisit-Signature";
/// Header with the alert's idempotency key.
pub const ID_HEADER: &str = "X-FieldVisit-Id";

/// One HTTP request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Where (holds the robot's key: never logged).
    pub url: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// JSON body.
    pub body: String,
}

/// Why a request could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChannelError {
    /// The stored URL does not parse.
    #[error("the channel URL is not a valid http(s) URL")]
    Url,
    /// DingTalk and webhooks sign with a secret; this channel has none.
    #[error("the channel has no signing secret")]
    NoSecret,
}

/// A URL a channel may post to: `https://`, or `http://` (a receiver inside the network).
pub fn check_url(url: &str) -> Result<reqwest::Url, ChannelError> {
    let u = reqwest::Url::parse(url).map_err(|_| ChannelError::Url)?;
    if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none() {
        return Err(ChannelError::Url);
    }
    Ok(u)
}

/// DingTalk's `sign` for `timestamp_ms`, before URL encoding.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp_ms}\n{secret}").as_bytes());
    STANDARD.encode(tag.as_ref())
}

/// The webhook signature header value for `body` sent at `timestamp` (Unix seconds).
pub fn webhook_signature(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(tag.as_ref()))
}

/// The request that posts `facts` to a channel of `kind` at `now`.
pub fn request(
    kind: ChannelKind,
    url: &str,
    secret: Option<&str>,
    facts: &AlertFacts,
    now: DateTime<Utc>,
) -> Result<Outgoing, ChannelError> {
    let mut u = check_url(url)?;
    let text = facts.text(now);
    match kind {
        ChannelKind::Wecom => Ok(Outgoing {
            url: u.into(),
            headers: Vec::new(),
            body: json!({"msgtype": "markdown", "markdown": {"content": text.markdown}})
                .to_string(),
        }),
        ChannelKind::Dingtalk => {
            let secret = secret.ok_or(ChannelError::NoSecret)?;
            let ms = now.timestamp_millis();
            // `append_pair` form-encodes, as the published algorithm's `quote_plus` does.
            u.query_pairs_mut()
                .append_pair("timestamp", &ms.to_string())
                .append_pair("sign", &dingtalk_sign(secret, ms));
            Ok(Outgoing {
                url: u.into(),
                headers: Vec::new(),
                body: json!({
                    "msgtype": "markdown",
                    "markdown": {"title": text.title, "text": text.markdown},
                })
                .to_string(),
            })
        }
        ChannelKind::Webhook => {
            let secret = secret.ok_or(ChannelError::NoSecret)?;
            let body = serde_json::to_string(facts).map_err(|_| ChannelError::Url)?;
            let ts = now.timestamp();
            Ok(Outgoing {
                url: u.into(),
                headers: vec![
                    (TIMESTAMP_HEADER, ts.to_string()),
                    (SIGNATURE_HEADER, webhook_signature(secret, ts, &body)),
                    (ID_HEADER, facts.id.clone()),
                ],
                body,
            })
        }
    }
}

/// Whether an answer with `status` and `body` means the channel took the message; the reason
/// when not (status and the platform's error code only).
pub fn accepted(kind: ChannelKind, status: u16, body: &str) -> Result<(), String> {
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}"));
    }
    match kind {
        ChannelKind::Webhook => Ok(()),
        ChannelKind::Wecom | ChannelKind::Dingtalk => {
            let code = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("errcode").and_then(serde_json::Value::as_i64));
            match code {
                Some(0) => Ok(()),
                Some(c) => Err(format!("errcode {c}")),
                None => Err("answer without errcode".into()),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::alerts::message::Risk;
    use crate::store::AlertKind;
    use chrono::TimeZone;

    fn facts() -> AlertFacts {
        AlertFacts {
            id: "7-ch1".into(),
            event: AlertKind::Police,
            station: "城关镇社工站".into(),
            level: Some(Risk::High),
            raised_at: Utc.with_ymd_and_hms(2026, 12, 6, 6, 3, 0).unwrap(),
            due_at: None,
            counts: None,
            link: "https://fv.example/reviews/v1".into(),
        }
    }

    /// DingTalk's published algorithm (its Python sample), run as published.
    fn published_dingtalk_sign(secret: &str, timestamp: i64) -> Option<String> {
        let script = "import sys, hmac, hashlib, base64, urllib.parse\n\
            timestamp, secret = sys.argv[1], sys.argv[2]\n\
            secret_enc = secret.encode('utf-8')\n\
            string_to_sign = '{}\\n{}'.format(timestamp, secret)\n\
            string_to_sign_enc = string_to_sign.encode('utf-8')\n\
            hmac_code = hmac.new(secret_enc, string_to_sign_enc, digestmod=hashlib.sha256).digest()\n\
            print(urllib.parse.quote_plus(base64.b64encode(hmac_code)), end='')\n";
        let out = std::process::Command::new("python3")
            .args(["-c", script, &timestamp.to_string(), secret])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
    }

    #[test]
    fn dingtalk_signs_as_its_published_algorithm_does() {
        let secret = "SEC000000000000000000000000000000000000000000000000000000000000000";
        let now = Utc.timestamp_millis_opt(1_765_000_000_123).unwrap();
        let out = request(
            ChannelKind::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
            Some(secret),
            &facts(),
            now,
        )
        .unwrap();
        let expected = published_dingtalk_sign(secret, now.timestamp_millis())
            .expect("python3 runs the published sample");
        assert_eq!(
            out.url,
            format!(
                "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp={}&sign={expected}",
                now.timestamp_millis()
            )
        );
        let body: serde_json::Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(body["msgtype"], "markdown");
        assert!(
            body["markdown"]["text"]
                .as_str()
                .unwrap()
                .contains("城关镇社工站")
        );
    }

    #[test]
    fn a_webhook_signature_verifies_with_an_independent_hmac() {
        // What a receiver written in Python would do with the documented scheme.
        let body = r#"{"id":"7-ch1","event":"police"}"#;
        let script = "import sys, hmac, hashlib\n\
            secret, ts, body = sys.argv[1], sys.argv[2], sys.argv[3]\n\
            mac = hmac.new(secret.encode(), (ts + '.' + body).encode(), hashlib.sha256)\n\
            print('v1=' + mac.hexdigest(), end='')\n";
        let out = std::process::Command::new("python3")
            .args(["-c", script, "s3cret", "1765000000", body])
            .output()
            .expect("python3 runs");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            webhook_signature("s3cret", 1_765_000_000, body)
        );
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 test case 2.
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        let tag = hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag.as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_webhook_is_signed_over_its_timestamp_and_body() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 6, 3, 0).unwrap();
        let out = request(
            ChannelKind::Webhook,
            "https://hooks.example/fv",
            Some("s3cret"),
            &facts(),
            now,
        )
        .unwrap();
        let header = |name: &str| {
            out.headers
                .iter()
                .find(|(h, _)| *h == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(header(ID_HEADER), "7-ch1");
        let ts = header(TIMESTAMP_HEADER);
        assert_eq!(ts, now.timestamp().to_string());
        assert_eq!(
            header(SIGNATURE_HEADER),
            webhook_signature("s3cret", now.timestamp(), &out.body)
        );
        let body: serde_json::Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(body["event"], "police");
        assert_eq!(body["level"], "HIGH");
    }

    #[test]
    fn answers_count_as_accepted_only_when_the_platform_says_so() {
        assert!(accepted(ChannelKind::Wecom, 200, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert_eq!(
            accepted(ChannelKind::Dingtalk, 200, r#"{"errcode":310000}"#),
            Err("errcode 310000".into())
        );
        assert_eq!(
            accepted(ChannelKind::Webhook, 500, ""),
            Err("HTTP 500".into())
        );
        assert!(accepted(ChannelKind::Webhook, 204, "").is_ok());
    }

    #[test]
    fn urls_must_be_http() {
        assert_eq!(check_url("ftp://x/y").unwrap_err(), ChannelError::Url);
        assert_eq!(check_url("not a url").unwrap_err(), ChannelError::Url);
        assert!(check_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k").is_ok());
    }
}

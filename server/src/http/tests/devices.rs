//! Enrollment codes, enrollment, device list and revocation.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::Utc;
use fieldvisit_core::crypto::{DeviceSigningKey, Sha256Hash, b64_encode};
use fieldvisit_core::protocol::{TokenRenewRequest, TokenRenewResponse, WIRE_VERSION};
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn admin_makes_a_code_the_phone_enrolls_once() {
    let w = world().await;
    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            Some(&admin),
            json!({ "worker_id": "wA" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let code = r.json["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 11);
    let key = fieldvisit_core::crypto::DeviceSigningKey::generate().unwrap();
    let label = "Redmi'); DROP TABLE devices; --";
    let req = json!({ "version": 1, "code": code.to_lowercase(), "public_key": b64_encode(&key.public_key()), "device_label": label });
    let r = w
        .json("POST", "/api/v1/devices/enroll", None, req.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json["worker_id"], "wA");
    let device_id = r.json["device_id"].as_str().unwrap();
    let stored = w.state.store.device(device_id).await.unwrap().unwrap().0;
    assert_eq!(stored.label, label, "SQL in a label is only text");
    let again = w.json("POST", "/api/v1/devices/enroll", None, req).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::FORBIDDEN, "enrollment_refused")
    );
    let actions: Vec<String> = w
        .state
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "enrollment_code.create",
        "device.enroll",
        "device.enroll_refused",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
}

#[tokio::test]
async fn enrollment_refusals() {
    let w = world().await;
    let admin = w.login("admin").await;
    let sup = w.login("supA").await;
    let key = b64_encode(&[7u8; 32]);
    let before = w.counts().await.devices;
    let cases = [
        (
            json!({ "version": 1, "code": "ABCDE-FGHJK", "public_key": key, "device_label": "x" }),
            StatusCode::FORBIDDEN,
            "enrollment_refused",
        ),
        (
            json!({ "version": 1, "code": "'; DROP TABLE devices; --", "public_key": key, "device_label": "x" }),
            StatusCode::FORBIDDEN,
            "enrollment_refused",
        ),
        (
            json!({ "version": 2, "code": "ABCDE-FGHJK", "public_key": key, "device_label": "x" }),
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
        (
            json!({ "version": 1, "code": "ABCDE-FGHJK", "public_key": "short", "device_label": "x" }),
            StatusCode::BAD_REQUEST,
            "bad_public_key",
        ),
        (
            json!({ "version": 1, "code": "ABCDE-FGHJK" }),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
    ];
    for (body, status, code) in cases {
        let r = w
            .json("POST", "/api/v1/devices/enroll", None, body.clone())
            .await;
        assert_eq!((r.status, r.code()), (status, code), "{body}");
    }
    assert_eq!(w.counts().await.devices, before);
    // Codes: only admins, only for workers, only known ids.
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            Some(&sup),
            json!({ "worker_id": "wA" }),
        )
        .await;
    assert_eq!(r.code(), "forbidden_role");
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            Some(&admin),
            json!({ "worker_id": "supA" }),
        )
        .await;
    assert_eq!(r.code(), "not_a_worker");
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            Some(&admin),
            json!({ "worker_id": "w' OR 1=1" }),
        )
        .await;
    assert_eq!(r.code(), "invalid_id");
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            None,
            json!({ "worker_id": "wA" }),
        )
        .await;
    assert_eq!(r.code(), "unauthenticated");
}

#[tokio::test]
async fn expired_codes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::config::Config::for_tests(dir.path().to_path_buf());
    config.enrollment_code_ttl = std::time::Duration::ZERO;
    let w = world().await;
    let state =
        crate::state::AppState::new(w.state.store.clone(), w.state.blobs.clone(), config).unwrap();
    let (code, _) = crate::ops::devices::create_code(&state, &crate::ops::Actor::cli(), "wA")
        .await
        .unwrap();
    let r = w.json("POST", "/api/v1/devices/enroll", None, json!({ "version": 1, "code": code, "public_key": b64_encode(&[1u8; 32]), "device_label": "x" })).await;
    assert_eq!(r.code(), "enrollment_refused");
}

#[tokio::test]
async fn list_and_revoke() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let sup = w.login("supA").await;
    let list = w
        .call("GET", "/api/v1/devices", Some(&sup), Body::empty())
        .await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert!(list.json[0].get("token_hash").is_none() && list.json[0].get("public_key").is_none());
    let worker = w.login("wA").await;
    assert_eq!(
        w.call("GET", "/api/v1/devices", Some(&worker), Body::empty())
            .await
            .code(),
        "forbidden_role"
    );
    let uri = format!("/api/v1/devices/{}/revoke", phone.device_id);
    assert_eq!(
        w.call("POST", &uri, Some(&worker), Body::empty())
            .await
            .code(),
        "forbidden_role"
    );
    let r = w.call("POST", &uri, Some(&sup), Body::empty()).await;
    assert_eq!(
        (r.status, r.json["changed"].clone()),
        (StatusCode::OK, true.into())
    );
    let warning = r.json["warning"].as_str().unwrap();
    assert!(warning.contains("unsent drafts") && warning.contains("erased"));
    let r = w.call("POST", &uri, Some(&sup), Body::empty()).await;
    assert_eq!(r.json["changed"], false);
    let r = w
        .call(
            "POST",
            "/api/v1/devices/nope/revoke",
            Some(&sup),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (env, _) = seal(
        &phone,
        &body(&phone, "v1", "hA", 1, Sha256Hash::ZERO, vec![]),
    );
    let r = w
        .call("PUT", "/api/v1/visits/v1", Some(&phone.token), env)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "device_revoked")
    );
    let r = w
        .call(
            "GET",
            "/api/v1/visits/v1/photos/p1",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(r.code(), "device_revoked");
}

/// A renewal request for `phone` signed at `signed_at` (ms) with `key`.
fn renewal(phone: &Phone, key: &DeviceSigningKey, signed_at: i64) -> Value {
    let message = TokenRenewRequest::signed_message(&phone.device_id, signed_at);
    json!({
        "version": WIRE_VERSION,
        "device_id": phone.device_id,
        "signed_at": signed_at,
        "signature": b64_encode(&key.sign(&message)),
    })
}

/// Makes the phone's current token expired, as an hour's wait would.
async fn expire(w: &World, phone: &Phone) {
    let past = Utc::now() - chrono::Duration::minutes(1);
    let hash = crate::auth::token::token_hash(&phone.token);
    assert!(
        w.state
            .store
            .renew_device_token(&phone.device_id, 1, &hash, past)
            .await
            .unwrap()
    );
}

async fn pull_status(w: &World, token: &str) -> Resp {
    w.call("GET", "/api/v1/assignments", Some(token), Body::empty())
        .await
}

#[tokio::test]
async fn tokens_expire_and_only_the_device_key_renews_them() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let stored = w
        .state
        .store
        .device(&phone.device_id)
        .await
        .unwrap()
        .unwrap()
        .0;
    let ttl = stored.token_expires_at - stored.enrolled_at;
    assert_eq!(ttl.num_minutes(), 60, "an hour by default");
    assert_eq!(pull_status(&w, &phone.token).await.status, StatusCode::OK);

    expire(&w, &phone).await;
    let r = pull_status(&w, &phone.token).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );

    // The expired token alone renews nothing: the route takes no bearer token, only a signature.
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            Some(&phone.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let stranger = DeviceSigningKey::generate().unwrap();
    let now = Utc::now().timestamp_millis();
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &stranger, now),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "renewal_refused")
    );
    let mut other = renewal(&phone, &phone.key, now);
    other["device_id"] = json!("no-such-device");
    let r = w.json("POST", "/api/v1/devices/token", None, other).await;
    assert_eq!(r.code(), "renewal_refused", "unknown devices answer alike");
    // Signed for another device id: the signature covers the id.
    let mut moved = renewal(&phone, &phone.key, now);
    let second = w.enroll("wA").await;
    moved["device_id"] = json!(second.device_id);
    let r = w.json("POST", "/api/v1/devices/token", None, moved).await;
    assert_eq!(r.code(), "renewal_refused");
    for stale in [now - 10 * 60 * 1000, now + 10 * 60 * 1000] {
        let r = w
            .json(
                "POST",
                "/api/v1/devices/token",
                None,
                renewal(&phone, &phone.key, stale),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "renewal_stale"),
            "signed {} ms off",
            stale - now
        );
    }

    let good = renewal(&phone, &phone.key, now);
    let r = w
        .json("POST", "/api/v1/devices/token", None, good.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let renewed: TokenRenewResponse = serde_json::from_value(r.json.clone()).unwrap();
    assert!(renewed.token.starts_with("fvd_") && renewed.token != phone.token);
    assert!(renewed.expires_at > Utc::now() + chrono::Duration::minutes(59));
    assert_eq!(pull_status(&w, &renewed.token).await.status, StatusCode::OK);
    let r = pull_status(&w, &phone.token).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated"),
        "the old token stops working"
    );
    let stored = w
        .state
        .store
        .device(&phone.device_id)
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(
        stored.token_hash,
        crate::auth::token::token_hash(&renewed.token),
        "stored hashed"
    );

    // The same request again, or one signed earlier, is a replay.
    let r = w.json("POST", "/api/v1/devices/token", None, good).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "renewal_stale")
    );
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &phone.key, now - 1),
        )
        .await;
    assert_eq!(r.code(), "renewal_stale");
    assert_eq!(pull_status(&w, &renewed.token).await.status, StatusCode::OK);
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &phone.key, now + 1),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "a later signature renews again");
}

#[tokio::test]
async fn a_revoked_device_is_refused_at_once_and_cannot_renew() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    expire(&w, &phone).await;
    ops::devices::revoke(&w.state, &Actor::cli(), &phone.device_id)
        .await
        .unwrap();
    let r = pull_status(&w, &phone.token).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "device_revoked"),
        "revocation is told before the token's age"
    );
    let now = Utc::now().timestamp_millis();
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &phone.key, now),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "device_revoked")
    );
    // Without the key, nothing is told.
    let stranger = DeviceSigningKey::generate().unwrap();
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &stranger, now),
        )
        .await;
    assert_eq!(r.code(), "renewal_refused");

    // A fresh token is refused as soon as the device is revoked.
    let other = w.enroll("wA").await;
    assert_eq!(pull_status(&w, &other.token).await.status, StatusCode::OK);
    ops::devices::revoke(&w.state, &Actor::cli(), &other.device_id)
        .await
        .unwrap();
    assert_eq!(pull_status(&w, &other.token).await.code(), "device_revoked");
}

#[tokio::test]
async fn the_lifetime_is_a_setting() {
    let w = world_with(|c| c.device_token_ttl = std::time::Duration::from_secs(5 * 60)).await;
    let phone = w.enroll("wA").await;
    let now = Utc::now().timestamp_millis();
    let r = w
        .json(
            "POST",
            "/api/v1/devices/token",
            None,
            renewal(&phone, &phone.key, now),
        )
        .await;
    let renewed: TokenRenewResponse = serde_json::from_value(r.json).unwrap();
    let left = renewed.expires_at - Utc::now();
    assert!(left <= chrono::Duration::minutes(5) && left > chrono::Duration::minutes(4));
}

//! A supervisor of township A sees nothing of township B through any endpoint.

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::Sha256Hash;
use serde_json::json;

use super::*;

#[tokio::test]
async fn township_a_cannot_see_township_b() {
    let w = world().await;
    let pa = w.enroll("wA").await;
    let pb = w.enroll("wB").await;
    let (ea, _) = seal(&pa, &body(&pa, "va", "hA", 1, Sha256Hash::ZERO, vec![]));
    let (eb, _) = seal(&pb, &body(&pb, "vb", "hB", 1, Sha256Hash::ZERO, vec![]));
    assert_eq!(
        w.call("PUT", "/api/v1/visits/va", Some(&pa.token), ea)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        w.call("PUT", "/api/v1/visits/vb", Some(&pb.token), eb)
            .await
            .status,
        StatusCode::CREATED
    );

    let sup_a = w.login("supA").await;
    let admin_a = w.login("adminA").await;
    let rev_a = w.login("revA").await;
    for token in [&sup_a, &admin_a, &rev_a] {
        for uri in [
            "/api/v1/households",
            "/api/v1/visits",
            "/api/v1/devices",
            "/api/v1/staff",
            "/api/v1/org/units",
        ] {
            let r = w.call("GET", uri, Some(token), Body::empty()).await;
            let text = r.json.to_string();
            for b in [
                "hB",
                "vb",
                "\"tB\"",
                "\"vB\"",
                "wB",
                "supB",
                pb.device_id.as_str(),
            ] {
                assert!(!text.contains(b), "{uri} leaks {b}: {text}");
            }
        }
    }
    // Township A does see its own.
    let r = w
        .call("GET", "/api/v1/visits", Some(&sup_a), Body::empty())
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let r = w
        .call("GET", "/api/v1/devices", Some(&sup_a), Body::empty())
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    // Writes on B's things from A fail as if they did not exist.
    let r = w
        .call(
            "POST",
            &format!("/api/v1/devices/{}/revoke", pb.device_id),
            Some(&sup_a),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .json(
            "POST",
            "/api/v1/devices/enrollment-codes",
            Some(&admin_a),
            json!({ "worker_id": "wB" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.json("POST", "/api/v1/staff", Some(&admin_a), json!({ "login": "spy", "display_name": "x", "role": "supervisor", "scope_unit_id": "tB", "password": "long enough pw" })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin_a),
            json!({ "id": "vB2", "parent_id": "tB", "level": "village", "name": "x" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let csv = format!("{CSV_HEADER}hX,vB,甲,320102198001011234,addr,dibao,2026-01-01,,,\n");
    let r = w
        .call("POST", "/api/v1/households/import", Some(&admin_a), csv)
        .await;
    assert_eq!(r.code(), "invalid_csv");
    // A's phone cannot read B's photo status, nor upload for B's household.
    let r = w
        .call(
            "GET",
            "/api/v1/visits/vb/photos/p1",
            Some(&pa.token),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The device still exists for B's supervisor.
    assert!(
        w.state
            .store
            .device(&pb.device_id)
            .await
            .unwrap()
            .unwrap()
            .0
            .revoked_at
            .is_none()
    );
    // A worker sees only their own visits; an admin sees no visit list at all.
    let wa = w.login("wA").await;
    let r = w
        .call("GET", "/api/v1/visits", Some(&wa), Body::empty())
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let admin = w.login("admin").await;
    assert_eq!(
        w.call("GET", "/api/v1/visits", Some(&admin), Body::empty())
            .await
            .code(),
        "forbidden_role"
    );
}

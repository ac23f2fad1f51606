//! Rotating a county's audience key: the current passphrase must open it, phones receive the new
//! public key, and one passphrase (the new one) opens visits sealed before and after; township
//! admins and other counties' admins rotate nothing.

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::{AudiencePublicKey, Sha256Hash, b64_decode};
use fieldvisit_core::protocol::Assignments;
use serde_json::json;

use super::reviews::{PASS, key_for_tests, upload};
use super::*;

const NEW_PASS: &str = "county child welfare 2027";
const ROTATE: &str = "/api/v1/audience-keys/child-welfare/rotate";

fn public_key(b64: &str) -> AudiencePublicKey {
    AudiencePublicKey::from_bytes(&b64_decode(b64, "public_key").unwrap()).unwrap()
}

async fn pull(w: &World, phone: &Phone) -> Assignments {
    let r = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    serde_json::from_value(r.json).unwrap()
}

async fn content(w: &World, token: &str, visit_id: &str) -> (StatusCode, String) {
    let r = w
        .call(
            "GET",
            &format!("/api/v1/reviews/{visit_id}/content"),
            Some(token),
            Body::empty(),
        )
        .await;
    let code = r.code().to_owned();
    (r.status, code)
}

async fn unlock(w: &World, token: &str, passphrase: &str) -> (StatusCode, String) {
    let r = w
        .json(
            "POST",
            "/api/v1/reviews/unlock",
            Some(token),
            json!({ "audience": "child-welfare", "passphrase": passphrase }),
        )
        .await;
    let code = r.code().to_owned();
    (r.status, code)
}

#[tokio::test]
async fn visits_sealed_before_and_after_a_rotation_open_with_the_new_passphrase() {
    let w = world().await;
    let first = key_for_tests(&w).await;
    let phone = w.enroll("wA").await;
    let before = upload(
        &w,
        &phone,
        "g1",
        "hA",
        1,
        Sha256Hash::ZERO,
        "HIGH",
        false,
        &first,
    )
    .await;
    let admin = w.login("admin").await;
    let generations = || async {
        w.state
            .store
            .audience_key_generations("child-welfare", "k")
            .await
            .unwrap()
    };
    let stored = generations().await;
    assert_eq!(stored.len(), 1);

    // A wrong current passphrase changes nothing, and counts like a wrong unlock.
    let wrong =
        json!({ "unit_id": "k", "passphrase": "not the passphrase", "new_passphrase": NEW_PASS });
    let r = w.json("POST", ROTATE, Some(&admin), wrong).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "wrong_passphrase")
    );
    assert_eq!(generations().await, stored);
    let window = chrono::Utc::now() - chrono::Duration::minutes(15);
    assert_eq!(
        w.state
            .store
            .unlock_failures("admin", window)
            .await
            .unwrap(),
        1
    );
    let weak = json!({ "unit_id": "k", "passphrase": PASS, "new_passphrase": "short" });
    let r = w.json("POST", ROTATE, Some(&admin), weak).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "weak_passphrase")
    );
    let r = w
        .json(
            "POST",
            "/api/v1/audience-keys/police/rotate",
            Some(&admin),
            json!({ "unit_id": "k", "passphrase": PASS, "new_passphrase": NEW_PASS }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "unknown_audience")
    );
    assert_eq!(generations().await, stored);

    let good = json!({ "unit_id": "k", "passphrase": PASS, "new_passphrase": NEW_PASS });
    let r = w.json("POST", ROTATE, Some(&admin), good.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["generation"], 2);
    assert_eq!(r.json["created_by"], "admin");
    let history = r.json["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["generation"], 2);
    assert!(history[0]["retired_at"].is_null());
    assert_eq!(history[1]["generation"], 1);
    assert!(history[1]["retired_at"].is_string());
    let new_public = r.json["public_key"].as_str().unwrap().to_owned();
    assert_ne!(history[1]["public_key"], new_public.as_str());
    assert_eq!(
        w.state
            .store
            .unlock_failures("admin", window)
            .await
            .unwrap(),
        0,
        "a right passphrase clears the count"
    );
    // Every generation now opens with the new passphrase, none with the old.
    for g in generations().await {
        crate::keys::open(
            &g.sealed,
            NEW_PASS,
            &g.audience,
            &g.scope_path,
            &g.public_key,
        )
        .unwrap();
        assert!(
            crate::keys::open(&g.sealed, PASS, &g.audience, &g.scope_path, &g.public_key).is_err()
        );
    }
    // The old passphrase rotates nothing any more.
    let r = w.json("POST", ROTATE, Some(&admin), good).await;
    assert_eq!(r.code(), "wrong_passphrase");

    // Phones receive the new public key, and only it.
    let a = pull(&w, &phone).await;
    let sent: Vec<_> = a
        .audience_keys
        .iter()
        .filter(|k| k.audience == "child-welfare")
        .map(|k| k.public_key.clone())
        .collect();
    assert_eq!(sent, std::slice::from_ref(&new_public));
    upload(
        &w,
        &phone,
        "g2",
        "hA",
        2,
        before,
        "HIGH",
        false,
        &public_key(&new_public),
    )
    .await;

    let rev = w.login("revA").await;
    assert_eq!(
        unlock(&w, &rev, PASS).await,
        (StatusCode::FORBIDDEN, "wrong_passphrase".into())
    );
    assert_eq!(unlock(&w, &rev, NEW_PASS).await.0, StatusCode::OK);
    for visit in ["g1", "g2"] {
        assert_eq!(content(&w, &rev, visit).await.0, StatusCode::OK, "{visit}");
    }
    let photo = w
        .call(
            "GET",
            "/api/v1/reviews/g1/photos/p1",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(photo.status, StatusCode::OK);

    // The listing shows the generation and the history.
    let listed = w
        .call("GET", "/api/v1/audience-keys", Some(&admin), Body::empty())
        .await;
    let key = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["audience"] == "child-welfare" && k["unit_id"] == "k")
        .unwrap();
    assert_eq!(key["generation"], 2);
    assert_eq!(key["history"].as_array().unwrap().len(), 2);

    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    let actions: Vec<_> = audit.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "audience_key.create",
        "audience_key.rotate_refused",
        "audience_key.rotate",
    ] {
        assert!(actions.contains(&a), "{a}");
    }
    assert!(
        audit
            .iter()
            .all(|e| !e.detail.contains(PASS) && !e.detail.contains(NEW_PASS))
    );
}

#[tokio::test]
async fn a_reviewer_who_unlocked_before_a_rotation_keeps_the_keys_they_opened() {
    let w = world().await;
    let first = key_for_tests(&w).await;
    let phone = w.enroll("wA").await;
    upload(
        &w,
        &phone,
        "g1",
        "hA",
        1,
        Sha256Hash::ZERO,
        "LOW",
        false,
        &first,
    )
    .await;
    let rev = w.login("revA").await;
    assert_eq!(unlock(&w, &rev, PASS).await.0, StatusCode::OK);
    let rotated = ops::audience::rotate_key(
        &w.state,
        &Actor::cli(),
        Some("k"),
        "child-welfare",
        PASS,
        NEW_PASS,
    )
    .await
    .unwrap();
    assert_eq!(rotated.generation, 2);
    // What the session holds still opens what was sealed to it.
    assert_eq!(content(&w, &rev, "g1").await.0, StatusCode::OK);
    // Unlocking again with the new passphrase holds both generations.
    assert_eq!(unlock(&w, &rev, NEW_PASS).await.0, StatusCode::OK);
    assert_eq!(content(&w, &rev, "g1").await.0, StatusCode::OK);
}

#[tokio::test]
async fn only_admins_of_the_county_rotate_its_key() {
    let w = world().await;
    key_for_tests(&w).await;
    ops::org::add_unit(
        &w.state,
        &Actor::cli(),
        "k2",
        Some("nj"),
        crate::store::OrgLevel::County,
        "栖霞区",
    )
    .await
    .unwrap();
    ops::audience::create_key_for(&w.state, &Actor::cli(), Some("k2"), "child-welfare", PASS)
        .await
        .unwrap();
    let before = w.state.store.audience_keys().await.unwrap();
    let body =
        |unit: &str| json!({ "unit_id": unit, "passphrase": PASS, "new_passphrase": NEW_PASS });
    let cases = [
        ("admin", "k2", StatusCode::NOT_FOUND, "not_found"),
        ("adminA", "k", StatusCode::NOT_FOUND, "not_found"),
        ("adminA", "tA", StatusCode::BAD_REQUEST, "not_a_county"),
        ("supA", "k", StatusCode::FORBIDDEN, "forbidden_role"),
        ("revA", "k", StatusCode::FORBIDDEN, "forbidden_role"),
        ("wA", "k", StatusCode::FORBIDDEN, "forbidden_role"),
    ];
    for (who, unit, status, code) in cases {
        let t = w.login(who).await;
        let r = w.json("POST", ROTATE, Some(&t), body(unit)).await;
        assert_eq!((r.status, r.code()), (status, code), "{who} {unit}");
    }
    // A township admin without unit_id names their own township, which has no key.
    let t = w.login("adminA").await;
    let r = w
        .json(
            "POST",
            ROTATE,
            Some(&t),
            json!({ "passphrase": PASS, "new_passphrase": NEW_PASS }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "not_a_county")
    );
    assert_eq!(w.state.store.audience_keys().await.unwrap(), before);
    // The county's own admin may, without naming it.
    let t = w.login("admin").await;
    let r = w
        .json(
            "POST",
            ROTATE,
            Some(&t),
            json!({ "passphrase": PASS, "new_passphrase": NEW_PASS }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["unit_id"], "k");
}

//! Decrypted reads: an unlocked, unexpired key is needed; every read is audited.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use super::reviews::{PASS, four};
use super::*;

#[tokio::test]
async fn decrypted_reads_need_an_unlocked_key_and_are_audited() {
    let w = world().await;
    four(&w).await;
    let rev = w.login("revA").await;
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g2/content",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "key_locked"));
    let bad = json!({ "audience": "child-welfare", "passphrase": "not the passphrase" });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), bad)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "wrong_passphrase")
    );
    let sup = w.login("supA").await;
    let good = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&sup), good.clone())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "forbidden_role")
    );
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g2/content",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.json["content"]["scores"][0]["fired"][0], "under16_alone");
    assert_eq!(r.json["content"]["notes"], "孩子独自在家");
    let photo = w
        .app
        .clone()
        .oneshot(
            axum::http::Request::get("/api/v1/reviews/g2/photos/p1")
                .header("authorization", format!("Bearer {rev}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    let bytes = photo.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"\xff\xd8 not really"));
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g2/content",
            Some(&sup),
            Body::empty(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "supervisors never read content"
    );
    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    for a in [
        "audience_key.unlock_refused",
        "audience_key.unlock",
        "visit.decrypt",
        "photo.decrypt",
    ] {
        assert!(audit.iter().any(|e| e.action == a), "{a}");
    }
    assert!(
        audit
            .iter()
            .all(|e| !e.detail.contains(PASS) && !e.detail.contains("孩子"))
    );
    // Locking drops the key at once.
    let r = w
        .call("POST", "/api/v1/reviews/lock", Some(&rev), Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g2/content",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(r.code(), "key_locked");
}

#[tokio::test]
async fn unlocked_keys_expire() {
    let w = world_with(|c| c.review.key_session = chrono::Duration::zero()).await;
    four(&w).await;
    let rev = w.login("revA").await;
    let good = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g1/content",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(r.code(), "key_locked");
}

#[tokio::test]
async fn wrong_passphrases_are_throttled() {
    let w = world().await;
    four(&w).await;
    let rev = w.login("revA").await;
    let bad = json!({ "audience": "child-welfare", "passphrase": "not the passphrase" });
    for _ in 0..crate::ops::keysessions::MAX_FAILURES {
        let r = w
            .json("POST", "/api/v1/reviews/unlock", Some(&rev), bad.clone())
            .await;
        assert_eq!(r.code(), "wrong_passphrase");
    }
    let good = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good.clone())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "unlock_throttled")
    );
    // The count lives in the database: a second server process on the same store (or this one
    // after a restart) holds the reviewer back too.
    let other = AppState::new(
        std::sync::Arc::clone(&w.state.store),
        std::sync::Arc::clone(&w.state.blobs),
        (*w.state.config).clone(),
    )
    .unwrap();
    let r = crate::ops::decrypt::unlock(
        &other,
        &crate::ops::Actor::for_staff(&other, "revA").await.unwrap(),
        "child-welfare",
        PASS,
    )
    .await;
    assert!(
        matches!(
            r,
            Err(crate::ops::OpsError::Throttled {
                code: "unlock_throttled",
                ..
            })
        ),
        "{r:?}"
    );
    // The window over (as the store would hold it 16 minutes on), the right passphrase unlocks.
    let later = Utc::now() + chrono::Duration::minutes(16);
    let failures = w
        .state
        .store
        .unlock_failures("revA", later - chrono::Duration::minutes(15))
        .await
        .unwrap();
    assert_eq!(failures, 0);
}

/// What another server process on the same store answers for a token.
async fn content_on(app: &axum::Router, token: &str) -> StatusCode {
    app.clone()
        .oneshot(
            axum::http::Request::get("/api/v1/reviews/g2/content")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_key_unlocked_on_one_server_process_opens_on_another_and_locks_on_both() {
    let w = world().await;
    four(&w).await;
    let rev = w.login("revA").await;
    let good = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // A second process: its own state and router on the same store, nothing shared in memory.
    let other = AppState::new(
        std::sync::Arc::clone(&w.state.store),
        std::sync::Arc::clone(&w.state.blobs),
        (*w.state.config).clone(),
    )
    .unwrap();
    let b = crate::app(other);
    assert_eq!(content_on(&b, &rev).await, StatusCode::OK);
    // The same reviewer's other session holds no key, on either process.
    let rev2 = w.login("revA").await;
    assert_eq!(content_on(&b, &rev2).await, StatusCode::FORBIDDEN);
    assert_eq!(content_on(&w.app, &rev2).await, StatusCode::FORBIDDEN);
    // The database holds the key sealed: its row does not open with another session's key.
    let hash = crate::auth::token::token_hash(&rev);
    let row = w
        .state
        .store
        .key_session(&hash, "child-welfare", chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(row.sealed_key.starts_with("v2:"));
    // Locked through the second process: locked on the first.
    let lock = b
        .clone()
        .oneshot(
            axum::http::Request::post("/api/v1/reviews/lock")
                .header("authorization", format!("Bearer {rev}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(lock.status().is_success(), "{}", lock.status());
    assert_eq!(content_on(&w.app, &rev).await, StatusCode::FORBIDDEN);
    // Unlocked again, then signed out on the first: the row goes with the session.
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = w
        .json("POST", "/api/v1/auth/logout", Some(&rev), json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.status);
    assert!(
        w.state
            .store
            .key_session(&hash, "child-welfare", chrono::Utc::now())
            .await
            .unwrap()
            .is_none()
    );
}

//! The real core engine pulls assignments (with the county's child-welfare key), records and seals a
//! guardianship assessment marked "reported to police", uploads it; the township reviewer finds it
//! urgent at the top of the queue, unlocks the key, reads the decrypted scores and photos, escalates;
//! a return reaches the phone.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::TimeZone;
use fieldvisit_core::caseload::Category;
use fieldvisit_core::crypto::b64_encode;
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_core::protocol::Assignments;
use fieldvisit_core::store::DeviceIdentity;
use fieldvisit_sim::phone::{Phone, VisitRecord};
use serde_json::json;

use super::reviews::{PASS, add_rev_b};
use super::*;

#[tokio::test]
async fn engine_assessment_reaches_the_reviewer_and_a_return_reaches_the_phone() {
    let w = world().await;
    add_rev_b(&w).await;
    ops::audience::create_key_for(&w.state, &Actor::cli(), Some("k"), "child-welfare", PASS)
        .await
        .unwrap();
    let phone = Phone::temporary().unwrap();
    let engine = &phone.engine;
    let (code, _) = ops::devices::create_code(&w.state, &Actor::cli(), "wB")
        .await
        .unwrap();
    let public = engine.store().device_key().unwrap().public_key();
    let r = w
        .json("POST", "/api/v1/devices/enroll", None, json!({ "version": 1, "code": code, "public_key": b64_encode(&public), "device_label": "engine" }))
        .await;
    let token = r.json["token"].as_str().unwrap().to_owned();
    let device_id = r.json["device_id"].as_str().unwrap().to_owned();
    engine
        .store()
        .put_identity(&DeviceIdentity {
            device_id,
            worker_id: "wB".into(),
            token: Some(token.clone()),
        })
        .unwrap();

    let r = w
        .call("GET", "/api/v1/assignments", Some(&token), Body::empty())
        .await;
    let a: Assignments = serde_json::from_value(r.json).unwrap();
    assert_eq!(a.audience_keys.len(), 1);
    engine.apply_assignments(&a).unwrap();

    let at = Utc.with_ymd_and_hms(2026, 5, 20, 2, 0, 0).unwrap();
    let template = engine.template_for(Category::LeftBehindChild).unwrap();
    assert_eq!(template.id, "child-guardianship");
    let home = GeoPoint {
        lat: 32.0,
        lon: 118.9,
    };
    let record = VisitRecord::sample_of("hB", Category::LeftBehindChild, Some(home), at)
        .and_then(|r| r.with_sample_photos(&template, (32, 24)))
        .unwrap()
        .reported_to_police();
    let visit = phone.record(&record).unwrap().visit_id;
    let sealed = engine.store().sealed(&visit).unwrap().unwrap();
    let uri = format!("/api/v1/visits/{visit}");
    let r = w
        .call("PUT", &uri, Some(&token), sealed.envelope.to_json())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let body = sealed.envelope.peek_body().unwrap();
    for p in &body.photos {
        let bytes = engine.store().sealed_photo(&p.photo_id).unwrap().unwrap();
        let r = w
            .call(
                "PUT",
                &format!("{uri}/photos/{}?offset=0", p.photo_id),
                Some(&token),
                bytes,
            )
            .await;
        assert_eq!(r.json["complete"], true);
    }

    let rev = w.login("revB").await;
    let q = w
        .call("GET", "/api/v1/reviews", Some(&rev), Body::empty())
        .await;
    assert_eq!(q.json[0]["visit_id"], visit.as_str());
    assert_eq!(q.json[0]["state"], "urgent");
    let rev_a = w.login("revA").await;
    let q = w
        .call("GET", "/api/v1/reviews", Some(&rev_a), Body::empty())
        .await;
    assert!(
        q.json.as_array().unwrap().is_empty(),
        "township A's reviewer sees nothing of B"
    );

    let r = w
        .json(
            "POST",
            "/api/v1/reviews/unlock",
            Some(&rev),
            json!({ "audience": "child-welfare", "passphrase": PASS }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let c = w
        .call(
            "GET",
            &format!("/api/v1/reviews/{visit}/content"),
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{:?}", c.json);
    let scores = c.json["content"]["scores"].as_array().unwrap();
    assert!(scores.iter().any(|s| s["score"] == "risk"), "{scores:?}");
    // The LOW-risk sample has no photo items; photo decryption is covered in `decrypt`.
    if let Some(p) = body.photos.first() {
        let photo_id = p.photo_id.clone();
        let resp = w
            .app
            .clone()
            .oneshot(
                axum::http::Request::get(format!("/api/v1/reviews/{visit}/photos/{photo_id}"))
                    .header("authorization", format!("Bearer {rev}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let jpeg_bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(jpeg_bytes.starts_with(&[0xFF, 0xD8]), "a decrypted JPEG");
    }
    let r = w
        .json(
            "POST",
            &format!("/api/v1/reviews/{visit}/decision"),
            Some(&rev),
            json!({ "action": "start" }),
        )
        .await;
    assert_eq!(r.json["state"], "in_review");
    let r = w
        .json(
            "POST",
            &format!("/api/v1/reviews/{visit}/decision"),
            Some(&rev),
            json!({ "action": "return", "reason": "请补拍住房照片" }),
        )
        .await;
    assert_eq!(r.json["state"], "returned");
    let r = w
        .call(
            "GET",
            &format!("/api/v1/assignments?since={}", a.since),
            Some(&token),
            Body::empty(),
        )
        .await;
    let b: Assignments = serde_json::from_value(r.json).unwrap();
    assert_eq!(b.returned.len(), 1);
    assert_eq!(
        (
            b.returned[0].visit_id.as_str(),
            b.returned[0].comment.as_str()
        ),
        (visit.as_str(), "请补拍住房照片")
    );
    engine.apply_assignments(&b).unwrap();
}

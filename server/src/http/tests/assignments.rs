//! `GET /assignments`: first pull, incremental pulls, removals, tokens, revocation; audience keys.

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::b64_decode;
use fieldvisit_core::protocol::Assignments;
use serde_json::json;

use super::*;

const PASS: &str = "county child welfare 2026";

async fn pull(w: &World, phone: &Phone, since: Option<&str>) -> Assignments {
    let uri = match since {
        Some(s) => format!("/api/v1/assignments?since={s}"),
        None => "/api/v1/assignments".into(),
    };
    let r = w.call("GET", &uri, Some(&phone.token), Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // Core's strict wire type reads the answer.
    serde_json::from_value(r.json).unwrap()
}

async fn import(w: &World, rows: &str) {
    let csv = format!("{CSV_HEADER}{rows}");
    ops::households::import_csv(&w.state, &Actor::cli(), &csv)
        .await
        .unwrap();
    let bad = ops::households::import_csv(&w.state, &Actor::cli(), "household_id\nx\n").await;
    assert_eq!(bad.unwrap_err().code(), "invalid_csv");
}

#[tokio::test]
async fn first_pull_then_only_changes() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let a = pull(&w, &phone, None).await;
    assert_eq!(a.worker_id, "wA");
    let ids: Vec<_> = a.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["hA"], "only the worker's own caseload");
    assert!(a.removed_households.is_empty());
    assert!(a.templates.iter().any(|t| t.id == "child-guardianship"));
    assert_eq!(
        a.schedule,
        fieldvisit_core::caseload::ScheduleConfig::default()
    );
    assert!(a.audience_keys.is_empty());
    assert!(a.returned.is_empty());

    let again = pull(&w, &phone, Some(&a.since)).await;
    assert!(again.households.is_empty());
    assert_eq!(again.since, a.since);
    assert_eq!(
        again.templates, a.templates,
        "without have=, every template"
    );
    // Templates the phone names with have= are left out; another version of one is not.
    let held: Vec<String> = a
        .templates
        .iter()
        .map(|t| format!("have={}.{}", t.id, t.version))
        .collect();
    let uri = format!("/api/v1/assignments?since={}&{}", a.since, held.join("&"));
    let r = w.call("GET", &uri, Some(&phone.token), Body::empty()).await;
    let lean: Assignments = serde_json::from_value(r.json).unwrap();
    assert!(lean.templates.is_empty());
    let child = a
        .templates
        .iter()
        .find(|t| t.id == "child-guardianship")
        .unwrap();
    let uri = format!(
        "/api/v1/assignments?have=child-guardianship.{}&have=economic-verification.999",
        child.version + 1
    );
    let r = w.call("GET", &uri, Some(&phone.token), Body::empty()).await;
    let partial: Assignments = serde_json::from_value(r.json).unwrap();
    assert_eq!(partial.templates, a.templates);

    // hA changes; hA2 joins wA's caseload.
    import(
        &w,
        "hA,vA,张三,320102198001011234,汤山村1号之二,dibao,2026-01-05,32.0,118.9,wA\n\
         hA2,vA,王五,320102198001015678,汤山村2号,elderly_aged,2026-01-05,,,wA\n",
    )
    .await;
    let b = pull(&w, &phone, Some(&a.since)).await;
    let ids: Vec<_> = b.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["hA", "hA2"]);
    assert_ne!(b.since, a.since);

    // hA leaves the caseload.
    import(
        &w,
        "hA,vA,张三,320102198001011234,汤山村1号之二,dibao,2026-01-05,32.0,118.9,\n",
    )
    .await;
    let c = pull(&w, &phone, Some(&b.since)).await;
    assert!(c.households.is_empty());
    assert_eq!(c.removed_households, ["hA"]);
    // A pull from the older token sees the net result: hA2 current, hA removed.
    let from_a = pull(&w, &phone, Some(&a.since)).await;
    let ids: Vec<_> = from_a.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["hA2"]);
    assert_eq!(from_a.removed_households, ["hA"]);
    // The other township's phone never sees township A.
    let phone_b = w.enroll("wB").await;
    let bb = pull(&w, &phone_b, None).await;
    let ids: Vec<_> = bb.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["hB"]);
}

#[tokio::test]
async fn tokens_and_callers_are_checked() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    for bad in ["x1", "c", "c-1", "1", "c1%3B"] {
        let r = w
            .call(
                "GET",
                &format!("/api/v1/assignments?since={bad}"),
                Some(&phone.token),
                Body::empty(),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, "bad_since"),
            "{bad}"
        );
    }
    for bad in [
        "child-guardianship",
        "child-guardianship.x",
        ".3",
        "a%2Fb.1",
        "x.99999999999",
    ] {
        let r = w
            .call(
                "GET",
                &format!("/api/v1/assignments?have={bad}"),
                Some(&phone.token),
                Body::empty(),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, "bad_have"),
            "{bad}"
        );
    }
    let too_many = vec!["have=t.1"; 65].join("&");
    let r = w
        .call(
            "GET",
            &format!("/api/v1/assignments?{too_many}"),
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "bad_have"));
    // A token from the future (server restored from a backup) is a full pull.
    let future = pull(&w, &phone, Some("c999999")).await;
    assert_eq!(future.households.len(), 1);
    let r = w
        .call("GET", "/api/v1/assignments", None, Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let staff = w.login("wA").await;
    let r = w
        .call("GET", "/api/v1/assignments", Some(&staff), Body::empty())
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "staff tokens are not device tokens"
    );
    ops::devices::revoke(&w.state, &Actor::cli(), &phone.device_id)
        .await
        .unwrap();
    let r = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "device_revoked")
    );
}

#[tokio::test]
async fn audience_keys_are_made_by_admins_sealed_and_served_to_phones() {
    let w = world().await;
    let admin = w.login("admin").await;
    let url = "/api/v1/audience-keys";
    let cases = [
        (
            "supA",
            json!({ "audience": "child-welfare", "unit_id": "k", "passphrase": PASS }),
            StatusCode::FORBIDDEN,
            "forbidden_role",
        ),
        (
            "admin",
            json!({ "audience": "police", "unit_id": "k", "passphrase": PASS }),
            StatusCode::BAD_REQUEST,
            "unknown_audience",
        ),
        (
            "admin",
            json!({ "audience": "child-welfare", "unit_id": "k", "passphrase": "short" }),
            StatusCode::BAD_REQUEST,
            "weak_passphrase",
        ),
        (
            "admin",
            json!({ "audience": "child-welfare", "unit_id": "tA", "passphrase": PASS }),
            StatusCode::BAD_REQUEST,
            "not_a_county",
        ),
        (
            "adminA",
            json!({ "audience": "child-welfare", "unit_id": "k", "passphrase": PASS }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (who, body, status, code) in cases {
        let t = w.login(who).await;
        let r = w.json("POST", url, Some(&t), body).await;
        assert_eq!((r.status, r.code()), (status, code), "{who}");
    }
    let body = json!({ "audience": "child-welfare", "unit_id": "k", "passphrase": PASS });
    let r = w.json("POST", url, Some(&admin), body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let public = r.json["public_key"].as_str().unwrap().to_owned();
    let again = w.json("POST", url, Some(&admin), body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let civil = ops::audience::create_key(&w.state, &Actor::cli(), "civil-affairs", PASS)
        .await
        .unwrap();

    // The private key opens with the passphrase only.
    let rows = w.state.store.audience_keys().await.unwrap();
    let row = rows.iter().find(|r| r.audience == "child-welfare").unwrap();
    assert_eq!(row.public_key, b64_decode(&public, "k").unwrap());
    crate::keys::open(
        &row.sealed,
        PASS,
        &row.audience,
        &row.scope_path,
        &row.public_key,
    )
    .unwrap();
    assert!(
        crate::keys::open(
            &row.sealed,
            "wrong passphrase!",
            &row.audience,
            &row.scope_path,
            &row.public_key
        )
        .is_err()
    );

    let phone = w.enroll("wA").await;
    let a = pull(&w, &phone, None).await;
    let mut got: Vec<_> = a
        .audience_keys
        .iter()
        .map(|k| (k.audience.as_str(), k.public_key.as_str()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("child-welfare", public.as_str()),
            ("civil-affairs", civil.public_key.as_str())
        ]
    );
    let sup = w.login("supA").await;
    let listed = w.call("GET", url, Some(&sup), Body::empty()).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 2);

    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "audience_key.create")
            .count(),
        2
    );
    assert!(audit.iter().all(|e| !e.detail.contains(PASS)));
}

//! The review workflow: queue order and SLA clocks, every transition and the refused ones, scope,
//! key unlock and audited decrypted reads (content and photos).

use axum::body::Body;
use axum::http::StatusCode;
use fieldvisit_core::crypto::{ContentKey, Sha256Hash, b64_encode, sha256};
use fieldvisit_core::protocol::{
    PhotoManifest, RecipientKey, ScoreOutcome, VisitContent, content_aad, photo_aad, wrap_aad,
};
use serde_json::json;

use super::*;

pub const PASS: &str = "county child welfare 2026";

/// A reviewer of township B, added to the fixture.
pub async fn add_rev_b(w: &World) {
    let new = ops::users::NewUser {
        id: Some("revB".into()),
        login: "revB@fv".into(),
        display_name: "用户revB".into(),
        role: Role::ChildWelfareReviewer,
        scope_unit_id: "tB".into(),
        password: PASSWORD.into(),
    };
    ops::users::add_user(&w.state, &Actor::cli(), new)
        .await
        .unwrap();
}

/// The county's child-welfare key, made for the test.
pub async fn key_for_tests(w: &World) -> fieldvisit_core::crypto::AudiencePublicKey {
    key(w).await
}

async fn key(w: &World) -> fieldvisit_core::crypto::AudiencePublicKey {
    let rec =
        ops::audience::create_key_for(&w.state, &Actor::cli(), Some("k"), "child-welfare", PASS)
            .await
            .unwrap();
    let bytes = fieldvisit_core::crypto::b64_decode(&rec.public_key, "k").unwrap();
    fieldvisit_core::crypto::AudiencePublicKey::from_bytes(&bytes).unwrap()
}

/// The version of a built-in template this build issues.
pub fn builtin_version(id: &str) -> u32 {
    fieldvisit_core::template::builtin::builtin_templates()
        .unwrap()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap()
        .version
}

/// Uploads a guardianship assessment of `household` with encrypted content (and one photo).
#[allow(clippy::too_many_arguments)]
pub async fn upload(
    w: &World,
    phone: &Phone,
    visit_id: &str,
    household: &str,
    seq: u64,
    prev: Sha256Hash,
    level: &str,
    police: bool,
    audience: &fieldvisit_core::crypto::AudiencePublicKey,
) -> Sha256Hash {
    let ck = ContentKey::generate().unwrap();
    let clear_photo = b"\xff\xd8 not really a jpeg \xff\xd9".to_vec();
    let photo = ck.seal(&clear_photo, &photo_aad(visit_id, "p1")).unwrap();
    let content = VisitContent {
        answers: Default::default(),
        computed: Default::default(),
        scores: vec![ScoreOutcome {
            score: "risk".into(),
            computed_level: level.into(),
            level: level.into(),
            fired: vec!["under16_alone".into()],
            override_reason: None,
        }],
        investigators: vec![],
        notes: "孩子独自在家".into(),
        photos: vec![],
    };
    let json = serde_json::to_vec(&content).unwrap();
    let wrapped = audience
        .wrap(&ck, &wrap_aad(visit_id, "child-welfare"))
        .unwrap();
    let manifest = PhotoManifest {
        photo_id: "p1".into(),
        sha256: sha256(&photo),
        size: photo.len() as u64,
        captured_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 10, 0).unwrap(),
    };
    let mut b = body(phone, visit_id, household, seq, prev, vec![manifest]);
    b.template_id = "child-guardianship".into();
    b.template_version = builtin_version("child-guardianship");
    b.category = "left_behind_child".into();
    b.level = Some(fieldvisit_core::protocol::VisitLevel {
        score: "risk".into(),
        level: level.into(),
        overridden: false,
    });
    b.reported_to_police_at = police.then_some(b.ended_at);
    b.content.ciphertext = b64_encode(&ck.seal(&json, &content_aad(visit_id)).unwrap());
    b.content.recipients = vec![RecipientKey {
        audience: "child-welfare".into(),
        enc: b64_encode(&wrapped.enc),
        sealed_key: b64_encode(&wrapped.sealed_key),
    }];
    let (env, hash) = seal(phone, &b);
    let r = w
        .call(
            "PUT",
            &format!("/api/v1/visits/{visit_id}"),
            Some(&phone.token),
            env,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let r = w
        .call(
            "PUT",
            &format!("/api/v1/visits/{visit_id}/photos/p1?offset=0"),
            Some(&phone.token),
            photo.clone(),
        )
        .await;
    assert_eq!(r.json["complete"], true, "{:?}", r.json);
    hash
}

/// Four assessments from wA: LOW, HIGH, MEDIUM, and LOW reported to police.
pub async fn four(w: &World) -> Phone {
    let pk = key(w).await;
    let phone = w.enroll("wA").await;
    let mut prev = Sha256Hash::ZERO;
    for (i, (id, level, police)) in [
        ("g1", "LOW", false),
        ("g2", "HIGH", false),
        ("g3", "MEDIUM", false),
        ("g4", "LOW", true),
    ]
    .into_iter()
    .enumerate()
    {
        prev = upload(w, &phone, id, "hA", i as u64 + 1, prev, level, police, &pk).await;
    }
    phone
}

pub fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["visit_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn queue_is_ordered_by_urgency_risk_and_age_with_sla_clocks() {
    let w = world_with(|c| c.review.high = chrono::Duration::zero()).await;
    four(&w).await;
    let rev = w.login("revA").await;
    let q = w
        .call("GET", "/api/v1/reviews", Some(&rev), Body::empty())
        .await;
    assert_eq!(q.status, StatusCode::OK, "{:?}", q.json);
    assert_eq!(ids(&q.json), ["g4", "g2", "g3", "g1"]);
    assert_eq!(q.json[0]["state"], "urgent");
    assert_eq!(q.json[0]["urgent"], true);
    assert_eq!(q.json[1]["state"], "submitted");
    // Urgent is due at once; HIGH is due at once with this policy; MEDIUM and LOW are not yet.
    let o = w
        .call("GET", "/api/v1/reviews/overdue", Some(&rev), Body::empty())
        .await;
    let mut overdue = ids(&o.json);
    overdue.sort();
    assert_eq!(overdue, ["g2", "g4"]);
    let sup = w.login("supA").await;
    let q = w
        .call("GET", "/api/v1/reviews", Some(&sup), Body::empty())
        .await;
    assert_eq!(ids(&q.json).len(), 4, "supervisors see review metadata");
    let sup_b = w.login("supB").await;
    let q = w
        .call("GET", "/api/v1/reviews", Some(&sup_b), Body::empty())
        .await;
    assert!(ids(&q.json).is_empty(), "township B sees nothing of A");
    for who in ["wA", "admin"] {
        let t = w.login(who).await;
        let r = w
            .call("GET", "/api/v1/reviews", Some(&t), Body::empty())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // The default policy: HIGH in 24 h, MEDIUM in 5 working days, LOW in 30 days.
    let p = crate::config::ReviewPolicy::default();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(); // a Friday
    let row = |level: &str| crate::store::ReviewRow {
        visit_id: "x".into(),
        household_id: "h".into(),
        worker_id: "w".into(),
        level: Some(level.into()),
        urgent: false,
        state: crate::store::ReviewState::Submitted,
        escalation: None,
        submitted_at: t0,
        updated_at: t0,
        reviewer_id: None,
    };
    use crate::ops::review::due_at;
    assert_eq!(due_at(&row("HIGH"), &p), t0 + chrono::Duration::hours(24));
    assert_eq!(due_at(&row("MEDIUM"), &p), t0 + chrono::Duration::days(7));
    assert_eq!(due_at(&row("LOW"), &p), t0 + chrono::Duration::days(30));
}

async fn decide(w: &World, token: &str, visit: &str, body: serde_json::Value) -> Resp {
    w.json(
        "POST",
        &format!("/api/v1/reviews/{visit}/decision"),
        Some(token),
        body,
    )
    .await
}

#[tokio::test]
async fn every_transition_and_the_refused_ones() {
    let w = world().await;
    let phone = four(&w).await;
    add_rev_b(&w).await;
    let rev = w.login("revA").await;
    let rev_b = w.login("revB").await;
    let sup = w.login("supA").await;
    let start = json!({ "action": "start" });
    // Scope and role.
    let r = decide(&w, &rev_b, "g2", start.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another township's reviewer"
    );
    let r = decide(&w, &sup, "g2", start.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "forbidden_role")
    );
    // Refused transitions from submitted.
    for action in ["confirm", "return", "close"] {
        let r = decide(&w, &rev, "g2", json!({ "action": action, "reason": "x" })).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::CONFLICT, "invalid_transition"),
            "{action}"
        );
    }
    let r = decide(&w, &rev, "g2", start.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["state"], "in_review");
    let r = decide(&w, &rev, "g2", start.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "start twice");
    // Return needs a comment; the comment goes to the worker's phone.
    let r = decide(&w, &rev, "g2", json!({ "action": "return" })).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "reason_required")
    );
    let before = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await
        .json["since"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = decide(
        &w,
        &rev,
        "g2",
        json!({ "action": "return", "reason": "请补充监护人联系方式" }),
    )
    .await;
    assert_eq!(r.json["state"], "returned");
    let a = w
        .call(
            "GET",
            &format!("/api/v1/assignments?since={before}"),
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(a.json["returned"][0]["visit_id"], "g2");
    assert_eq!(a.json["returned"][0]["comment"], "请补充监护人联系方式");
    let r = decide(&w, &rev, "g2", json!({ "action": "confirm" })).await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "returned is final for this visit"
    );
    let full = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(full.json["returned"].as_array().unwrap().len(), 1);
    // The worker answers with an amending visit: full pulls no longer carry the return.
    let last = w
        .state
        .store
        .visit("g4")
        .await
        .unwrap()
        .unwrap()
        .0
        .body_hash;
    let mut b = body(&phone, "g5", "hA", 5, last, vec![]);
    b.amends = Some("g2".into());
    let (env, _) = seal(&phone, &b);
    let r = w
        .call("PUT", "/api/v1/visits/g5", Some(&phone.token), env)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let full = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert!(full.json["returned"].as_array().unwrap().is_empty());

    // in_review → confirmed → escalated → closed.
    decide(&w, &rev, "g3", start.clone()).await;
    let r = decide(
        &w,
        &rev,
        "g3",
        json!({ "action": "confirm", "reason": "评估属实" }),
    )
    .await;
    assert_eq!(r.json["state"], "confirmed");
    let r = decide(
        &w,
        &rev,
        "g3",
        json!({ "action": "escalate", "reason": "监护缺失" }),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "escalation_required")
    );
    let r = decide(&w, &rev, "g3", json!({ "action": "escalate", "reason": "监护缺失", "escalation": "temporary_guardianship" })).await;
    assert_eq!(r.json["state"], "escalated");
    assert_eq!(r.json["escalation"], "temporary_guardianship");
    let r = decide(
        &w,
        &rev,
        "g3",
        json!({ "action": "confirm", "reason": "x", "escalation": "police_report" }),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "unexpected_escalation")
    );
    let r = decide(
        &w,
        &rev,
        "g3",
        json!({ "action": "close", "reason": "已安置" }),
    )
    .await;
    assert_eq!(r.json["state"], "closed");
    let r = decide(
        &w,
        &rev,
        "g3",
        json!({ "action": "close", "reason": "again" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Urgent (police already reported by the worker) escalates without any approval step.
    let r = decide(
        &w,
        &rev,
        "g4",
        json!({ "action": "escalate", "reason": "已报警", "escalation": "police_report" }),
    )
    .await;
    assert_eq!(r.json["state"], "escalated", "{:?}", r.json);
    let d = w
        .call("GET", "/api/v1/reviews/g4", Some(&rev), Body::empty())
        .await;
    let h = d.json["history"].as_array().unwrap();
    assert_eq!(
        (
            h[0]["from"].as_str(),
            h[0]["to"].as_str(),
            h[0]["actor"].as_str()
        ),
        (Some("submitted"), Some("urgent"), Some("wA"))
    );
    assert_eq!(
        (
            h[1]["to"].as_str(),
            h[1]["actor"].as_str(),
            h[1]["reason"].as_str()
        ),
        (Some("escalated"), Some("revA"), Some("已报警"))
    );
    let d = w
        .call("GET", "/api/v1/reviews/g3", Some(&rev), Body::empty())
        .await;
    let tos: Vec<_> = d.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tos, ["in_review", "confirmed", "escalated", "closed"]);
    assert!(
        d.json["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].is_string() && e["actor"] == "revA")
    );
    let d = w
        .call("GET", "/api/v1/reviews/g3", Some(&rev_b), Body::empty())
        .await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    // The queue keeps only open reviews; decisions are audited without their free text.
    let q = w
        .call("GET", "/api/v1/reviews", Some(&rev), Body::empty())
        .await;
    assert_eq!(ids(&q.json), ["g1"]);
    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    let decisions: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "review.decide")
        .collect();
    assert_eq!(decisions.len(), 7);
    assert!(decisions.iter().all(|e| !e.detail.contains("监护")));
}

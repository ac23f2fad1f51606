//! Ingest: exactly once, chain flags, and the table of hostile inputs.

use axum::http::StatusCode;
use fieldvisit_core::crypto::{DeviceSigningKey, Sha256Hash, b64_decode, b64_encode, sha256};
use fieldvisit_core::protocol::{PhotoManifest, Receipt, SealedEnvelope, VisitLevel};

use serde_json::json;

use super::*;
use crate::store::ChainStatus;

#[tokio::test]
async fn stores_once_and_replays_the_same_receipt() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let (env, hash) = seal(
        &phone,
        &body(&phone, "v1", "hA", 1, Sha256Hash::ZERO, vec![]),
    );
    let r = w
        .call("PUT", "/api/v1/visits/v1", Some(&phone.token), env.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let first: Receipt = serde_json::from_value(r.json).unwrap();
    assert_eq!(first.body_hash, hash);
    let r = w
        .call("PUT", "/api/v1/visits/v1", Some(&phone.token), env)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(serde_json::from_value::<Receipt>(r.json).unwrap(), first);
    assert_eq!(w.counts().await.visits, 1);
}

#[tokio::test]
async fn chain_gaps_and_forks_are_stored_but_flagged() {
    let w = world().await;
    let p = w.enroll("wA").await;
    let (e1, h1) = seal(&p, &body(&p, "c1", "hA", 1, Sha256Hash::ZERO, vec![]));
    let (e2, h2) = seal(&p, &body(&p, "c2", "hA", 2, h1, vec![]));
    let (e3, _) = seal(&p, &body(&p, "c3", "hA", 3, h2, vec![]));
    let (fork, _) = seal(
        &p,
        &body(&p, "c4", "hA", 4, sha256(b"not the previous visit"), vec![]),
    );
    for (id, env) in [("c1", e1), ("c3", e3)] {
        assert_eq!(
            w.call("PUT", &format!("/api/v1/visits/{id}"), Some(&p.token), env)
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let status = |id: &'static str| {
        let store = w.state.store.clone();
        async move { store.visit(id).await.unwrap().unwrap().0.chain_status }
    };
    assert_eq!(status("c3").await, ChainStatus::Gap);
    // The missing visit arrives late: the chain heals.
    w.call("PUT", "/api/v1/visits/c2", Some(&p.token), e2).await;
    assert_eq!(status("c2").await, ChainStatus::Ok);
    assert_eq!(status("c3").await, ChainStatus::Ok);
    w.call("PUT", "/api/v1/visits/c4", Some(&p.token), fork)
        .await;
    assert_eq!(status("c4").await, ChainStatus::Fork);
    let sup = w.login("supA").await;
    let list = w
        .call(
            "GET",
            "/api/v1/visits",
            Some(&sup),
            axum::body::Body::empty(),
        )
        .await;
    let flagged: Vec<_> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["chain_status"] != "ok")
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["visit_id"], "c4");
}

/// Replaces the signed body bytes without re-signing.
fn tamper(env: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut sealed = SealedEnvelope::from_json(env).unwrap();
    let mut body: serde_json::Value =
        serde_json::from_slice(&b64_decode(&sealed.body, "body").unwrap()).unwrap();
    f(&mut body);
    sealed.body = b64_encode(body.to_string().as_bytes());
    sealed.to_json()
}

#[tokio::test]
async fn bad_input_table() {
    let w = world().await;
    let p = w.enroll("wA").await;
    let other = w.enroll("wA").await;
    let revoked = w.enroll("wA").await;
    crate::ops::devices::revoke(&w.state, &crate::ops::Actor::cli(), &revoked.device_id)
        .await
        .unwrap();
    let (good, h1) = seal(&p, &body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![]));
    assert_eq!(
        w.call("PUT", "/api/v1/visits/v1", Some(&p.token), good.clone())
            .await
            .status,
        StatusCode::CREATED
    );

    let forger = DeviceSigningKey::generate().unwrap();
    let forged = SealedEnvelope::sign(&body(&p, "v2", "hA", 2, h1, vec![]), &forger)
        .unwrap()
        .0
        .to_json();
    let mut changed = body(&p, "v1", "hA", 1, Sha256Hash::ZERO, vec![]);
    changed.investigator_count = 3;
    let (different_same_id, _) = seal(&p, &changed);
    let modified_ciphertext = tamper(&good, |b| {
        b["content"]["ciphertext"] = b64_encode(b"swapped").into()
    });
    let (ok2, _) = seal(&p, &body(&p, "v2", "hA", 2, h1, vec![]));
    let (out_of_scope, _) = seal(&p, &body(&p, "v3", "hB", 2, h1, vec![]));
    let (unassigned, _) = seal(&p, &body(&p, "v3", "hA2", 2, h1, vec![]));
    let (unknown_household, _) = seal(&p, &body(&p, "v3", "h-none", 2, h1, vec![]));
    let (by_other, _) = seal(&other, &body(&p, "v3", "hA", 2, h1, vec![]));
    let mut claims_other = body(&p, "v3", "hA", 2, h1, vec![]);
    claims_other.device_id = other.device_id.clone();
    let (claims_other_device, _) = seal(&p, &claims_other);
    let mut claims_worker = body(&p, "v3", "hA", 2, h1, vec![]);
    claims_worker.worker_id = "wB".into();
    let (claims_other_worker, _) = seal(&p, &claims_worker);
    let (sql_household, _) = seal(&p, &body(&p, "v3", "hA' OR '1'='1", 2, h1, vec![]));
    let mut sql_level = body(&p, "v3", "hA", 2, h1, vec![]);
    sql_level.level = Some(VisitLevel {
        score: "risk".into(),
        level: "HIGH;1,x".into(),
        overridden: false,
    });
    let (sql_level, _) = seal(&p, &sql_level);
    let (sql_visit, _) = seal(
        &p,
        &body(&p, "v3'; DROP TABLE visits;--", "hA", 2, h1, vec![]),
    );
    let photo = |id: &str| PhotoManifest {
        photo_id: id.into(),
        sha256: sha256(b"x"),
        size: 1,
        captured_at: chrono::Utc::now(),
    };
    let (traversal, _) = seal(
        &p,
        &body(&p, "v3", "hA", 2, h1, vec![photo("../../etc/passwd")]),
    );
    let sized = |id: &str, size: u64| PhotoManifest { size, ..photo(id) };
    let (empty_photo, _) = seal(&p, &body(&p, "v3", "hA", 2, h1, vec![sized("p1", 0)]));
    let (huge_photo, _) = seal(
        &p,
        &body(
            &p,
            "v3",
            "hA",
            2,
            h1,
            vec![sized("p1", 16 * 1024 * 1024 + 1)],
        ),
    );
    // The envelopes here name economic version 1.
    let allowed = crate::ops::templates::photos_allowed(&w.state, "economic", 1)
        .await
        .unwrap() as usize;
    let (too_many_photos, _) = seal(
        &p,
        &body(
            &p,
            "v3",
            "hA",
            2,
            h1,
            (0..=allowed).map(|i| photo(&format!("p{i}"))).collect(),
        ),
    );
    let (dup_photos, _) = seal(
        &p,
        &body(&p, "v3", "hA", 2, h1, vec![photo("p1"), photo("p1")]),
    );
    let mut v9 = body(&p, "v3", "hA", 2, h1, vec![]);
    v9.version = 9;
    let (inner_version, _) = seal(&p, &v9);
    let too_big = vec![b' '; 1024 * 1024 + 1];

    type Case = (
        &'static str,
        String,
        Option<String>,
        Vec<u8>,
        StatusCode,
        &'static str,
    );
    let t = |s: &str| Some(s.to_owned());
    let cases: Vec<Case> = vec![
        (
            "forged signature",
            "v2".into(),
            t(&p.token),
            forged,
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "different envelope, same id",
            "v1".into(),
            t(&p.token),
            different_same_id,
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            "modified ciphertext",
            "v1".into(),
            t(&p.token),
            modified_ciphertext,
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "unknown device",
            "v2".into(),
            t("fvd_0000"),
            ok2.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "no token",
            "v2".into(),
            None,
            ok2.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "staff token",
            "v2".into(),
            t("fvs_0000"),
            ok2.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "revoked device",
            "v2".into(),
            t(&revoked.token),
            ok2.clone(),
            StatusCode::FORBIDDEN,
            "device_revoked",
        ),
        (
            "another device's envelope",
            "v3".into(),
            t(&p.token),
            by_other,
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "sent by another device",
            "v2".into(),
            t(&other.token),
            ok2.clone(),
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "body names another device",
            "v3".into(),
            t(&p.token),
            claims_other_device,
            StatusCode::FORBIDDEN,
            "device_mismatch",
        ),
        (
            "body names another worker",
            "v3".into(),
            t(&p.token),
            claims_other_worker,
            StatusCode::FORBIDDEN,
            "device_mismatch",
        ),
        (
            "household of township B",
            "v3".into(),
            t(&p.token),
            out_of_scope,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
        (
            "household not on the caseload",
            "v3".into(),
            t(&p.token),
            unassigned,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
        (
            "unknown household",
            "v3".into(),
            t(&p.token),
            unknown_household,
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
        (
            "path and body disagree",
            "v9".into(),
            t(&p.token),
            ok2.clone(),
            StatusCode::BAD_REQUEST,
            "visit_id_mismatch",
        ),
        (
            "oversized body",
            "v2".into(),
            t(&p.token),
            too_big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "malformed JSON",
            "v2".into(),
            t(&p.token),
            b"{\"version\":1,".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "not an envelope",
            "v2".into(),
            t(&p.token),
            b"{\"version\":1}".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_envelope",
        ),
        (
            "unknown envelope version",
            "v2".into(),
            t(&p.token),
            br#"{"version":7,"body":"","signature":""}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
        (
            "relabelled inner version",
            "v3".into(),
            t(&p.token),
            inner_version,
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
        (
            "a photo of no bytes",
            "v3".into(),
            t(&p.token),
            empty_photo,
            StatusCode::BAD_REQUEST,
            "photo_size",
        ),
        (
            "a photo larger than any phone makes",
            "v3".into(),
            t(&p.token),
            huge_photo,
            StatusCode::BAD_REQUEST,
            "photo_size",
        ),
        (
            "more photos than the template takes",
            "v3".into(),
            t(&p.token),
            too_many_photos,
            StatusCode::BAD_REQUEST,
            "too_many_photos",
        ),
        (
            "path traversal in a photo id",
            "v3".into(),
            t(&p.token),
            traversal,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "duplicate photo ids",
            "v3".into(),
            t(&p.token),
            dup_photos,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "SQL in household id",
            "v3".into(),
            t(&p.token),
            sql_household,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "separators and SQL in the level",
            "v3".into(),
            t(&p.token),
            sql_level,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "SQL in visit id (path)",
            "v3%27%3B%20DROP%20TABLE%20visits%3B--".into(),
            t(&p.token),
            sql_visit,
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
        (
            "path traversal in visit id",
            "..%2F..%2Fetc".into(),
            t(&p.token),
            ok2.clone(),
            StatusCode::BAD_REQUEST,
            "invalid_id",
        ),
    ];
    for (name, visit, token, bytes, status, code) in cases {
        let before = w.counts().await;
        let r = w
            .call(
                "PUT",
                &format!("/api/v1/visits/{visit}"),
                token.as_deref(),
                bytes,
            )
            .await;
        assert_eq!((r.status, r.code()), (status, code), "{name}: {:?}", r.json);
        let msg = r.json["error"]["message"].as_str().unwrap_or("");
        assert!(
            !msg.contains("张三") && !msg.contains("hA'"),
            "{name}: {msg}"
        );
        let after = w.counts().await;
        assert_eq!(
            (after.visits, after.photos),
            (before.visits, before.photos),
            "{name}: nothing stored"
        );
    }

    // The same hostile inputs through the other doors that take text: login, CSV import,
    // enrollment, photo ids. Nothing may be stored by any of them (the audit log may grow).
    let admin = w.login("admin").await;
    let csv = |row: &str| format!("{CSV_HEADER}{row}\n");
    let no_audit = |mut c: Counts| {
        c.audit = 0;
        c
    };
    type Door = (
        &'static str,
        &'static str,
        String,
        Option<String>,
        String,
        StatusCode,
        &'static str,
    );
    let doors: Vec<Door> = vec![
        ("SQL in login name", "POST", "/api/v1/auth/login".into(), None,
         json!({ "login": "admin' OR '1'='1' --", "password": "x' OR 'x'='x" }).to_string(), StatusCode::UNAUTHORIZED, "invalid_credentials"),
        ("SQL in CSV household id", "POST", "/api/v1/households/import".into(), t(&admin),
         csv("h1' OR 1=1 --,vA,甲,320102198001011234,addr,dibao,2026-01-01,,,"), StatusCode::BAD_REQUEST, "invalid_csv"),
        ("SQL in CSV village id", "POST", "/api/v1/households/import".into(), t(&admin),
         csv("h1,vA'); DROP TABLE households; --,甲,320102198001011234,addr,dibao,2026-01-01,,,"), StatusCode::BAD_REQUEST, "invalid_csv"),
        ("SQL in CSV ID number", "POST", "/api/v1/households/import".into(), t(&admin),
         csv("h1,vA,甲,1' OR '1'='1,addr,dibao,2026-01-01,,,"), StatusCode::BAD_REQUEST, "invalid_csv"),
        ("SQL in CSV category", "POST", "/api/v1/households/import".into(), t(&admin),
         csv("h1,vA,甲,320102198001011234,addr,dibao' --,2026-01-01,,,"), StatusCode::BAD_REQUEST, "invalid_csv"),
        ("SQL in CSV worker id", "POST", "/api/v1/households/import".into(), t(&admin),
         csv("h1,vA,甲,320102198001011234,addr,dibao,2026-01-01,,,wA' OR '1'='1"), StatusCode::BAD_REQUEST, "invalid_csv"),
        ("SQL in enrollment code", "POST", "/api/v1/devices/enroll".into(), None,
         json!({ "version": 1, "code": "' OR 1=1 --", "public_key": b64_encode(&[1u8; 32]), "device_label": "x" }).to_string(), StatusCode::FORBIDDEN, "enrollment_refused"),
        ("SQL in worker id of a code", "POST", "/api/v1/devices/enrollment-codes".into(), t(&admin),
         json!({ "worker_id": "wA' OR '1'='1" }).to_string(), StatusCode::BAD_REQUEST, "invalid_id"),
        ("SQL in device id", "POST", "/api/v1/devices/d'%20OR%20'1'='1/revoke".into(), t(&admin),
         String::new(), StatusCode::BAD_REQUEST, "invalid_id"),
        ("path traversal in a photo id (URL)", "PUT", "/api/v1/visits/v1/photos/..%2F..%2Fetc%2Fpasswd?offset=0".into(), t(&p.token),
         "x".into(), StatusCode::BAD_REQUEST, "invalid_id"),
        ("SQL in a photo id (URL)", "GET", "/api/v1/visits/v1/photos/p'%3B%20DROP%20TABLE%20photos%3B--".into(), t(&p.token),
         String::new(), StatusCode::BAD_REQUEST, "invalid_id"),
    ];
    for (name, method, uri, token, body, status, code) in doors {
        let before = no_audit(w.counts().await);
        let r = w.call(method, &uri, token.as_deref(), body).await;
        assert_eq!((r.status, r.code()), (status, code), "{name}: {:?}", r.json);
        assert_eq!(no_audit(w.counts().await), before, "{name}: nothing stored");
    }
    // The replay still answers 200 and the good upload of v2 still works afterwards.
    assert_eq!(
        w.call("PUT", "/api/v1/visits/v1", Some(&p.token), good)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        w.call("PUT", "/api/v1/visits/v2", Some(&p.token), ok2)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(w.counts().await.visits, 2);
}

#[tokio::test]
async fn visits_naming_a_version_never_issued_read_the_templates_at_most_once_a_second() {
    use crate::ops::templates;
    let w = world().await;
    let first = templates::all(&w.state).await.unwrap();
    for _ in 0..20 {
        templates::photos_allowed(&w.state, "never-issued", 7)
            .await
            .unwrap();
    }
    let after = templates::all(&w.state).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &after),
        "a miss just after a read read the table again"
    );

    // A version issued elsewhere (another server process) is found by a miss a second later.
    let mut elsewhere = fieldvisit_core::template::builtin::builtin_templates().unwrap()[0].clone();
    elsewhere.version += 40;
    let (id, version) = (elsewhere.id.clone(), elsewhere.version);
    w.state
        .store
        .issue_templates(
            &[crate::store::IssuedTemplate {
                scope_path: templates::EVERYWHERE.into(),
                template: elsewhere,
                published_by: String::new(),
                published_at: Utc::now(),
            }],
            None,
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let found = templates::version_at(&w.state, &id, version, "/")
        .await
        .unwrap();
    assert!(found.is_some(), "a version issued elsewhere was not found");
}

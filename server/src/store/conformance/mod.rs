//! One conformance suite for every `Store` backend: SQLite here, PostgreSQL in `postgres/tests.rs`.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use fieldvisit_core::crypto::{Sha256Hash, sha256};

use super::sqlite::SqliteStore;
use super::*;
use fieldvisit_core::caseload::{Category, CategoryRegistration, ScheduleConfig};

mod ledger;
use ledger::{stepped_and_replayed_ledgers_agree, the_due_ledger_follows_every_change};

/// Runs every check against a fresh, empty store.
pub async fn run_all(store: &dyn Store) {
    org_scope_is_a_path_prefix(store).await;
    enrollment_codes_are_single_use(store).await;
    ingest_is_exactly_once(store).await;
    caseload_deltas_follow_the_change_sequence(store).await;
    audience_keys_are_one_per_branch(store).await;
    reviews_move_by_compare_and_set(store).await;
    the_due_ledger_follows_every_change(store).await;
    key_sessions_go_with_their_session(store).await;
    stepped_and_replayed_ledgers_agree(store).await;
}

/// A household of `village` with its head's name, on `worker`'s caseload: no registrations,
/// members or location (what store checks need).
pub(crate) fn household_row(
    id: &str,
    village: &str,
    head: &str,
    worker: Option<&str>,
) -> HouseholdRow {
    HouseholdRow {
        household: fieldvisit_core::caseload::Household {
            id: id.into(),
            village_id: village.into(),
            head_name: head.into(),
            id_number: "320102198001011234".into(),
            address: format!("{id}号"),
            categories: vec![],
            location: None,
            members: vec![],
        },
        worker_id: worker.map(Into::into),
    }
}

/// A worker account `id` scoped to `unit` (what store checks need).
pub(crate) fn worker_staff(id: &str, unit: &str) -> Staff {
    Staff {
        id: id.into(),
        login: id.into(),
        display_name: "社工".into(),
        role: Role::Worker,
        scope_unit_id: unit.into(),
        password_hash: "x".into(),
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        must_change_password: false,
    }
}

async fn org_scope_is_a_path_prefix(s: &dyn Store) {
    s.add_org_unit("p", None, OrgLevel::Province, "省", None)
        .await
        .unwrap();
    s.add_org_unit("c", Some("p"), OrgLevel::City, "市", None)
        .await
        .unwrap();
    s.add_org_unit("k", Some("c"), OrgLevel::County, "县", None)
        .await
        .unwrap();
    s.add_org_unit("t1", Some("k"), OrgLevel::Township, "镇一", None)
        .await
        .unwrap();
    // `t1` is a prefix of `t10` as text, but not as a path.
    s.add_org_unit("t10", Some("k"), OrgLevel::Township, "镇十", None)
        .await
        .unwrap();
    s.add_org_unit("v1", Some("t1"), OrgLevel::Village, "村", None)
        .await
        .unwrap();
    assert!(matches!(
        s.add_org_unit("x", Some("t1"), OrgLevel::City, "错", None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_org_unit("t1", Some("k"), OrgLevel::Township, "重", None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let t1 = s.org_unit("t1").await.unwrap().unwrap();
    let units = s
        .org_units(&Scope {
            path: t1.path.clone(),
            worker_id: None,
        })
        .await
        .unwrap();
    let ids: Vec<_> = units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["t1", "v1"]);
}

async fn enrollment_codes_are_single_use(s: &dyn Store) {
    let staff = worker_staff("w", "t1");
    s.add_staff(&staff, None).await.unwrap();
    assert!(matches!(
        s.add_staff(&staff, None).await,
        Err(StoreError::Conflict(_))
    ));
    let now = Utc::now();
    s.add_enrollment_code(
        &EnrollmentCode {
            code_hash: "h".into(),
            worker_id: "w".into(),
            created_by: "cli".into(),
            expires_at: now + chrono::Duration::hours(1),
        },
        &crate::audit::fixture_draft("add_enrollment_code"),
    )
    .await
    .unwrap();
    let dev = Device {
        id: "d".into(),
        worker_id: String::new(),
        public_key: vec![1; 32],
        token_hash: "tok".into(),
        label: "phone".into(),
        enrolled_at: now,
        revoked_at: None,
        token_expires_at: now + chrono::Duration::hours(1),
        renewal_signed_at: 0,
    };
    assert_eq!(
        s.enroll_device(
            "h",
            now,
            &dev,
            &crate::audit::fixture_draft("enroll_device")
        )
        .await
        .unwrap()
        .worker_id,
        "w"
    );
    let again = Device {
        id: "d2".into(),
        token_hash: "tok2".into(),
        ..dev
    };
    assert!(matches!(
        s.enroll_device(
            "h",
            now,
            &again,
            &crate::audit::fixture_draft("enroll_device")
        )
        .await,
        Err(StoreError::CodeRejected)
    ));
    let elsewhere = Scope {
        path: s.org_unit("t10").await.unwrap().unwrap().path,
        worker_id: None,
    };
    assert!(matches!(
        s.revoke_device(
            "d",
            &elsewhere,
            now,
            &crate::audit::fixture_draft("revoke_device")
        )
        .await,
        Err(StoreError::NotFound(_))
    ));
    let here = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    let later = now + chrono::Duration::hours(2);
    assert!(
        s.renew_device_token("d", 1_000, "tok3", later)
            .await
            .unwrap()
    );
    assert!(s.device_by_token("tok").await.unwrap().is_none());
    let renewed = s.device_by_token("tok3").await.unwrap().unwrap();
    assert_eq!(renewed.renewal_signed_at, 1_000);
    assert_eq!(renewed.token_expires_at.timestamp(), later.timestamp());
    // A renewal signed at the same instant, or earlier, is a replay.
    assert!(
        !s.renew_device_token("d", 1_000, "tok4", later)
            .await
            .unwrap()
    );
    assert!(!s.renew_device_token("d", 999, "tok4", later).await.unwrap());
    assert!(s.device_by_token("tok4").await.unwrap().is_none());
    assert!(
        !s.renew_device_token("nope", 2_000, "tok4", later)
            .await
            .unwrap()
    );
    assert!(
        s.revoke_device(
            "d",
            &here,
            now,
            &crate::audit::fixture_draft("revoke_device")
        )
        .await
        .unwrap()
    );
    assert!(
        !s.revoke_device(
            "d",
            &here,
            now,
            &crate::audit::fixture_draft("revoke_device")
        )
        .await
        .unwrap()
    );
    // A revoked device renews no more.
    assert!(
        !s.renew_device_token("d", 2_000, "tok5", later)
            .await
            .unwrap()
    );
    assert!(s.device_by_token("tok5").await.unwrap().is_none());
}

async fn ingest_is_exactly_once(s: &dyn Store) {
    s.upsert_households(vec![household_row("h", "v1", "张三", Some("w"))], None)
        .await
        .unwrap();
    let v = NewVisit {
        visit_id: "v".into(),
        device_id: "d".into(),
        worker_id: "w".into(),
        household_id: "h".into(),
        body_hash: sha256(b"body"),
        chain_seq: 1,
        chain_prev: Sha256Hash::ZERO,
        envelope_json: "{}".into(),
        body_json: "{}".into(),
        category: "dibao".into(),
        template_id: "t".into(),
        started_at: Utc::now(),
        ended_at: Utc::now(),
        level: None,
        reported_to_police_at: None,
        photos: vec![("p".into(), sha256(b"p"), 1)],
        received_at: Utc::now(),
        facts: VisitFacts::default(),
    };
    let IngestOutcome::Stored(first) = s.ingest_visit(&v).await.unwrap() else {
        panic!("not stored")
    };
    assert_eq!(
        s.ingest_visit(&v).await.unwrap(),
        IngestOutcome::Duplicate(first)
    );
    let other = NewVisit {
        body_hash: sha256(b"other"),
        ..v
    };
    assert_eq!(
        s.ingest_visit(&other).await.unwrap(),
        IngestOutcome::Conflict
    );
    let c = s.counts().await.unwrap();
    assert_eq!((c.visits, c.photos), (1, 1));
    // The photo sent whole: recorded once, complete; a second request finds it taken.
    assert!(s.photo_stored_whole("v", "p", 1).await.unwrap());
    let p = &s.photos("v").await.unwrap()[0];
    assert_eq!((p.received, p.complete), (1, true));
    assert!(!s.photo_stored_whole("v", "p", 1).await.unwrap());
    assert!(!s.photo_received("v", "p", 0, 1).await.unwrap());
}

async fn caseload_deltas_follow_the_change_sequence(s: &dyn Store) {
    // `h` is on worker `w` (from the ingest check); a second worker takes a new household.
    let w2 = Staff {
        id: "w2".into(),
        login: "w2".into(),
        display_name: "社工二".into(),
        role: Role::Worker,
        scope_unit_id: "t1".into(),
        password_hash: "x".into(),
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        must_change_password: false,
    };
    s.add_staff(&w2, None).await.unwrap();
    let first = s.caseload_delta("w", None).await.unwrap();
    let ids: Vec<_> = first.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["h"]);
    assert!(first.removed.is_empty());
    let row = |id: &str, worker: &str| household_row(id, "v1", "张三", Some(worker));
    // The same row again is no change.
    s.upsert_households(vec![row("h", "w")], None)
        .await
        .unwrap();
    let same = s.caseload_delta("w", Some(first.seq)).await.unwrap();
    assert_eq!(same.seq, first.seq);
    assert!(same.households.is_empty());
    // `h` moves to `w2`: removed for `w`, added for `w2`.
    s.upsert_households(vec![row("h", "w2"), row("h2", "w")], None)
        .await
        .unwrap();
    let d = s.caseload_delta("w", Some(first.seq)).await.unwrap();
    assert!(d.seq > first.seq);
    assert_eq!(d.removed, ["h"]);
    let ids: Vec<_> = d.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["h2"]);
    let d2 = s.caseload_delta("w2", Some(first.seq)).await.unwrap();
    assert_eq!(d2.households.len(), 1);
    assert!(
        s.caseload_delta("w", Some(d.seq))
            .await
            .unwrap()
            .households
            .is_empty()
    );
    // A token from the future is a full pull.
    let full = s.caseload_delta("w", Some(d.seq + 100)).await.unwrap();
    assert_eq!(full.households.len(), 1);
}

async fn audience_keys_are_one_per_branch(s: &dyn Store) {
    let key = fieldvisit_core::crypto::AudiencePrivateKey::generate();
    let cost = crate::config::Argon2Cost {
        m_cost: 256,
        t_cost: 1,
        p_cost: 1,
    };
    let sealed =
        crate::keys::seal(&key, "passphrase long", cost, "child-welfare", "/p/c/k/").unwrap();
    let row = AudienceKeyRow {
        audience: "child-welfare".into(),
        unit_id: "k".into(),
        generation: 1,
        scope_path: "/p/c/k/".into(),
        public_key: key.public_key().to_bytes(),
        sealed,
        created_by: "cli".into(),
        created_at: Utc::now(),
        retired_at: None,
    };
    s.add_audience_key(&row, None).await.unwrap();
    assert!(matches!(
        s.add_audience_key(&row, None).await,
        Err(StoreError::Conflict(_))
    ));
    let back = s.audience_keys().await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].audience, row.audience);
    assert_eq!(back[0].sealed, row.sealed);
    assert_eq!(back[0].public_key, row.public_key);

    // A rotation retires generation 1, re-seals it and makes generation 2 current, all at once.
    let next = fieldvisit_core::crypto::AudiencePrivateKey::generate();
    let resealed =
        crate::keys::seal(&key, "another passphrase", cost, "child-welfare", "/p/c/k/").unwrap();
    let new_key = AudienceKeyRow {
        generation: 2,
        public_key: next.public_key().to_bytes(),
        sealed: crate::keys::seal(
            &next,
            "another passphrase",
            cost,
            "child-welfare",
            "/p/c/k/",
        )
        .unwrap(),
        created_by: "admin".into(),
        ..row.clone()
    };
    let rotation = KeyRotation {
        from_generation: 1,
        resealed: vec![(1, resealed.clone())],
        new_key: new_key.clone(),
    };
    // Not every generation re-sealed, or a stale generation: nothing is written.
    let partial = KeyRotation {
        resealed: vec![],
        ..rotation.clone()
    };
    assert!(matches!(
        s.rotate_audience_key(
            &partial,
            &crate::audit::fixture_draft("rotate_audience_key")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    let stale = KeyRotation {
        from_generation: 2,
        ..rotation.clone()
    };
    assert!(matches!(
        s.rotate_audience_key(&stale, &crate::audit::fixture_draft("rotate_audience_key"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.audience_key_generations("child-welfare", "k")
            .await
            .unwrap(),
        vec![back[0].clone()]
    );
    s.rotate_audience_key(
        &rotation,
        &crate::audit::fixture_draft("rotate_audience_key"),
    )
    .await
    .unwrap();
    let current = s.audience_keys().await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        (current[0].generation, &current[0].public_key),
        (2, &new_key.public_key)
    );
    let all = s
        .audience_key_generations("child-welfare", "k")
        .await
        .unwrap();
    assert_eq!(all.iter().map(|k| k.generation).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(all[0].retired_at, None);
    assert!(all[1].retired_at.is_some());
    assert_eq!(all[1].sealed, resealed);
    assert_eq!(all[1].public_key, row.public_key);
    // The same rotation again is stale; a new key for the branch still conflicts.
    assert!(matches!(
        s.rotate_audience_key(
            &rotation,
            &crate::audit::fixture_draft("rotate_audience_key")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_audience_key(&row, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.audience_key_generations("child-welfare", "k")
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn reviews_move_by_compare_and_set(s: &dyn Store) {
    let now = Utc::now();
    let v = NewVisit {
        visit_id: "g".into(),
        device_id: "d".into(),
        worker_id: "w".into(),
        household_id: "h2".into(),
        body_hash: sha256(b"g"),
        chain_seq: 2,
        chain_prev: sha256(b"body"),
        envelope_json: "{}".into(),
        body_json: "{}".into(),
        category: "left_behind_child".into(),
        template_id: GUARDIANSHIP_TEMPLATE.into(),
        started_at: now,
        ended_at: now,
        level: Some("HIGH".into()),
        reported_to_police_at: Some(now),
        photos: vec![],
        received_at: now,
        facts: VisitFacts::default(),
    };
    s.ingest_visit(&v).await.unwrap();
    let (r, path) = s.review("g").await.unwrap().unwrap();
    assert_eq!((r.state, r.urgent), (ReviewState::Urgent, true));
    assert_eq!(path, "/p/c/k/t1/v1/");
    let ev = |from, to| ReviewEvent {
        visit_id: "g".into(),
        at: now,
        actor: "r".into(),
        from,
        to,
        reason: "why".into(),
        escalation: None,
    };
    let moved = s
        .transition_review(&ev(ReviewState::Urgent, ReviewState::InReview), None, None)
        .await
        .unwrap();
    assert_eq!(moved.state, ReviewState::InReview);
    assert!(matches!(
        s.transition_review(&ev(ReviewState::Urgent, ReviewState::InReview), None, None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let before = s.caseload_delta("w", None).await.unwrap().seq;
    let ret = fieldvisit_core::protocol::ReturnedAssessment {
        visit_id: "g".into(),
        household_id: "h2".into(),
        comment: "补充".into(),
        returned_at: now,
    };
    s.transition_review(
        &ev(ReviewState::InReview, ReviewState::Returned),
        Some(&ret),
        None,
    )
    .await
    .unwrap();
    let d = s.caseload_delta("w", Some(before)).await.unwrap();
    assert_eq!(d.returned.len(), 1);
    assert_eq!(
        (
            d.returned[0].visit_id.as_str(),
            d.returned[0].comment.as_str()
        ),
        ("g", "补充")
    );
    assert!(
        (d.returned[0].returned_at - ret.returned_at)
            .num_milliseconds()
            .abs()
            < 1
    );
    let events = s.review_events("g").await.unwrap();
    assert_eq!(events.len(), 3, "urgent at ingest, in review, returned");
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    assert_eq!(s.reviews(&all).await.unwrap().len(), 1);
    let day = crate::ops::coverage::local_date(now);
    let period = s.period_visits(&all, day, day).await.unwrap();
    assert_eq!(period.len(), 2);
    let before = s
        .period_visits(&all, day - chrono::Days::new(2), day - chrono::Days::new(1))
        .await
        .unwrap();
    assert!(before.is_empty());
    let elsewhere = Scope {
        path: s.org_unit("t10").await.unwrap().unwrap().path,
        worker_id: None,
    };
    assert!(
        s.period_visits(&elsewhere, day, day)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A session's unlocked keys: one per audience, none for a session that has ended, gone when
/// the session ends, not read once expired.
async fn key_sessions_go_with_their_session(s: &dyn Store) {
    let now = Utc::now();
    let session = |hash: &str| Session {
        token_hash: hash.into(),
        staff_id: "w".into(),
        csrf_token: "c".into(),
        expires_at: now + chrono::Duration::hours(1),
        last_seen_at: now,
    };
    s.add_session(&session("ks-a"), None).await.unwrap();
    s.add_session(&session("ks-b"), None).await.unwrap();
    let row = |hash: &str, audience: &str, sealed: &str, expires_at| KeySessionRow {
        token_hash: hash.into(),
        audience: audience.into(),
        sealed_key: sealed.into(),
        scope_path: "/p/".into(),
        expires_at,
    };
    let later = now + chrono::Duration::minutes(30);
    s.put_key_session(&row("ks-a", "child-welfare", "v1:one", later), None)
        .await
        .unwrap();
    // Unlocked again: the newer key replaces the older.
    s.put_key_session(&row("ks-a", "child-welfare", "v1:two", later), None)
        .await
        .unwrap();
    s.put_key_session(
        &row(
            "ks-b",
            "child-welfare",
            "v1:b",
            now - chrono::Duration::seconds(1),
        ),
        None,
    )
    .await
    .unwrap();
    // A session that does not exist holds nothing.
    s.put_key_session(&row("ks-none", "child-welfare", "v1:x", later), None)
        .await
        .unwrap();
    let got = s.key_session("ks-a", "child-welfare", now).await.unwrap();
    assert_eq!(got.map(|r| r.sealed_key), Some("v1:two".to_owned()));
    assert!(
        s.key_session("ks-a", "civil-affairs", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.key_session("ks-b", "child-welfare", now)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(
        s.key_session("ks-none", "child-welfare", now)
            .await
            .unwrap()
            .is_none()
    );
    s.end_session("ks-a", None).await.unwrap();
    assert!(
        s.key_session("ks-a", "child-welfare", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !s.end_key_sessions("ks-a", &crate::audit::fixture_draft("end_key_sessions"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn sqlite_passes_the_conformance_suite() {
    run_all(&SqliteStore::open_in_memory().unwrap()).await;
}

#[tokio::test]
async fn sqlite_file_with_reader_pool_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    run_all(&SqliteStore::open(&dir.path().join("t.db")).unwrap()).await;
}

//! One conformance suite for every `Store` backend (SQLite here; PostgreSQL runs the same when added).
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use fieldvisit_core::crypto::{Sha256Hash, sha256};

use super::sqlite::SqliteStore;
use super::*;
use fieldvisit_core::caseload::Category;

/// Runs every check against a fresh, empty store.
pub async fn run_all(store: &dyn Store) {
    org_scope_is_a_path_prefix(store).await;
    enrollment_codes_are_single_use(store).await;
    ingest_is_exactly_once(store).await;
    caseload_deltas_follow_the_change_sequence(store).await;
    audience_keys_are_one_per_branch(store).await;
    reviews_move_by_compare_and_set(store).await;
    coverage_books_follow_every_change(store).await;
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
    s.add_org_unit("p", None, OrgLevel::Province, "省")
        .await
        .unwrap();
    s.add_org_unit("c", Some("p"), OrgLevel::City, "市")
        .await
        .unwrap();
    s.add_org_unit("k", Some("c"), OrgLevel::County, "县")
        .await
        .unwrap();
    s.add_org_unit("t1", Some("k"), OrgLevel::Township, "镇一")
        .await
        .unwrap();
    // `t1` is a prefix of `t10` as text, but not as a path.
    s.add_org_unit("t10", Some("k"), OrgLevel::Township, "镇十")
        .await
        .unwrap();
    s.add_org_unit("v1", Some("t1"), OrgLevel::Village, "村")
        .await
        .unwrap();
    assert!(matches!(
        s.add_org_unit("x", Some("t1"), OrgLevel::City, "错").await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_org_unit("t1", Some("k"), OrgLevel::Township, "重")
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
    s.add_staff(&staff).await.unwrap();
    assert!(matches!(
        s.add_staff(&staff).await,
        Err(StoreError::Conflict(_))
    ));
    let now = Utc::now();
    s.add_enrollment_code(&EnrollmentCode {
        code_hash: "h".into(),
        worker_id: "w".into(),
        created_by: "cli".into(),
        expires_at: now + chrono::Duration::hours(1),
    })
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
    };
    assert_eq!(
        s.enroll_device("h", now, &dev).await.unwrap().worker_id,
        "w"
    );
    let again = Device {
        id: "d2".into(),
        token_hash: "tok2".into(),
        ..dev
    };
    assert!(matches!(
        s.enroll_device("h", now, &again).await,
        Err(StoreError::CodeRejected)
    ));
    let elsewhere = Scope {
        path: s.org_unit("t10").await.unwrap().unwrap().path,
        worker_id: None,
    };
    assert!(matches!(
        s.revoke_device("d", &elsewhere, now).await,
        Err(StoreError::NotFound(_))
    ));
    let here = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    assert!(s.revoke_device("d", &here, now).await.unwrap());
    assert!(!s.revoke_device("d", &here, now).await.unwrap());
}

async fn ingest_is_exactly_once(s: &dyn Store) {
    s.upsert_households(vec![household_row("h", "v1", "张三", Some("w"))])
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
    s.add_staff(&w2).await.unwrap();
    let first = s.caseload_delta("w", None).await.unwrap();
    let ids: Vec<_> = first.households.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["h"]);
    assert!(first.removed.is_empty());
    let row = |id: &str, worker: &str| household_row(id, "v1", "张三", Some(worker));
    // The same row again is no change.
    s.upsert_households(vec![row("h", "w")]).await.unwrap();
    let same = s.caseload_delta("w", Some(first.seq)).await.unwrap();
    assert_eq!(same.seq, first.seq);
    assert!(same.households.is_empty());
    // `h` moves to `w2`: removed for `w`, added for `w2`.
    s.upsert_households(vec![row("h", "w2"), row("h2", "w")])
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
        scope_path: "/p/c/k/".into(),
        public_key: key.public_key().to_bytes(),
        sealed,
        created_by: "cli".into(),
        created_at: Utc::now(),
    };
    s.add_audience_key(&row).await.unwrap();
    assert!(matches!(
        s.add_audience_key(&row).await,
        Err(StoreError::Conflict(_))
    ));
    let back = s.audience_keys().await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].audience, row.audience);
    assert_eq!(back[0].sealed, row.sealed);
    assert_eq!(back[0].public_key, row.public_key);
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
        .transition_review(&ev(ReviewState::Urgent, ReviewState::InReview), None)
        .await
        .unwrap();
    assert_eq!(moved.state, ReviewState::InReview);
    assert!(matches!(
        s.transition_review(&ev(ReviewState::Urgent, ReviewState::InReview), None)
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
    let book = s.coverage_book(&all).await.unwrap();
    let homes = &book.households;
    assert_eq!(homes.len(), 2, "{homes:?}");
    // By village, then worker: h2 (worker w) before h (worker w2).
    assert_eq!((book.id(&homes[0]), book.id(&homes[1])), ("h2", "h"));
    let visits = book.visits_of(&homes[1]);
    assert_eq!(visits.len(), 1, "visit v of category dibao");
    assert_eq!(visits[0].category, Category::Dibao);
    let visits = book.visits_of(&homes[0]);
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].level.map(|l| book.level(l)), Some("HIGH"));
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
        s.coverage_book(&elsewhere)
            .await
            .unwrap()
            .households
            .is_empty()
    );
    assert!(
        s.period_visits(&elsewhere, day, day)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Coverage reads the branch again after each change (a store may keep books between reports).
async fn coverage_books_follow_every_change(s: &dyn Store) {
    let all = Scope {
        path: "/p/".into(),
        worker_id: None,
    };
    let find = |book: &CoverageBook, id: &str| {
        book.households
            .iter()
            .position(|h| book.id(h) == id)
            .unwrap_or_else(|| panic!("{id} not in the book"))
    };
    let before = s.coverage_book(&all).await.unwrap();
    assert_eq!(before.households.len(), 2);
    s.add_org_unit("v2", Some("t1"), OrgLevel::Village, "二村")
        .await
        .unwrap();
    let row = |village: &str, head: &str| household_row("h3", village, head, Some("w"));
    s.upsert_households(vec![row("v2", "王五")]).await.unwrap();
    let book = s.coverage_book(&all).await.unwrap();
    assert_eq!(book.households.len(), 3, "a new household");
    let h3 = &book.households[find(&book, "h3")];
    assert_eq!((book.village(h3), book.head_name(h3)), ("v2", "王五"));
    assert!(book.visits_of(h3).is_empty());

    let now = Utc::now();
    let visit = NewVisit {
        visit_id: "cov".into(),
        device_id: "d".into(),
        worker_id: "w".into(),
        household_id: "h3".into(),
        body_hash: sha256(b"cov"),
        chain_seq: 40,
        chain_prev: sha256(b"earlier"),
        envelope_json: "{}".into(),
        body_json: "{}".into(),
        category: "tekun".into(),
        template_id: "t".into(),
        started_at: now,
        ended_at: now,
        level: None,
        reported_to_police_at: None,
        photos: vec![],
        received_at: now,
        facts: VisitFacts::default(),
    };
    assert!(matches!(
        s.ingest_visit(&visit).await.unwrap(),
        IngestOutcome::Stored(_)
    ));
    let book = s.coverage_book(&all).await.unwrap();
    let h3 = &book.households[find(&book, "h3")];
    assert_eq!(book.visits_of(h3).len(), 1, "a new visit");

    // An upsert never moves a household: only an explicit move does.
    assert!(matches!(
        s.upsert_households(vec![row("v1", "赵六")]).await,
        Err(StoreError::Conflict(_))
    ));
    let (unchanged, _) = s.household("h3").await.unwrap().unwrap();
    assert_eq!(unchanged.household.village_id, "v2");
    // Moved to another village under a new name: gone from the old one's book.
    s.move_household("h3", "v1", Some("w")).await.unwrap();
    s.upsert_households(vec![row("v1", "赵六")]).await.unwrap();
    let book = s.coverage_book(&all).await.unwrap();
    assert_eq!(book.households.len(), 3);
    let h3 = &book.households[find(&book, "h3")];
    assert_eq!((book.village(h3), book.head_name(h3)), ("v1", "赵六"));
    assert_eq!(book.visits_of(h3).len(), 1);
    assert!(book.households.iter().all(|h| book.village(h) == "v1"));
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

//! A revoked phone erases what its worker could read and keeps the sealed visits it has not
//! sent, which only their audiences can open; it records both and asks the server nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, Utc};
use fieldvisit_core::caseload::Category;
use fieldvisit_core::store::{OutboxState, VisitState};
use fieldvisit_core::sync::{CancelToken, NoProgress, SyncError, SyncOptions, Syncer};
use support::{Fixture, visit_time};

#[test]
fn revocation_erases_the_caseload_and_drafts_and_keeps_unsent_sealed_visits() {
    let f = Fixture::new();
    let store = f.engine.store();
    let at = visit_time();
    let sealed = f.record("hh-econ", Category::Tekun, at);
    f.engine.seal(&sealed, at + Duration::minutes(30)).unwrap();
    let draft = f.record(
        "hh-child",
        Category::LeftBehindChild,
        at + Duration::hours(1),
    );
    assert_eq!(store.draft_ids().unwrap(), vec![draft.clone()]);
    let sealed_photos: Vec<String> = store
        .sealed(&sealed)
        .unwrap()
        .unwrap()
        .envelope
        .peek_body()
        .unwrap()
        .photos
        .iter()
        .map(|p| p.photo_id.clone())
        .collect();
    assert!(!sealed_photos.is_empty());
    assert!(store.revocation().unwrap().is_none());

    let now = Utc::now();
    let record = store.erase_for_revocation(now).unwrap();
    assert_eq!(record.erased_at, now);
    assert_eq!(record.households_erased, 3);
    assert_eq!(record.drafts_erased, 1);
    assert!(record.photos_erased > 0);
    assert_eq!(record.tasks_erased, 0);
    assert_eq!(record.sealed_kept, 1);

    assert!(store.households().unwrap().is_empty());
    assert!(store.registrations().unwrap().is_empty());
    assert!(store.last_visits().unwrap().is_empty());
    assert!(store.draft_ids().unwrap().is_empty());
    assert!(store.visit(&draft).unwrap().is_none());
    assert!(store.staff().unwrap().is_empty());
    assert!(store.assignments_since().unwrap().is_none());
    // The sealed visit stays for upload, its photos with it; its readable copy is gone.
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].visit_id.as_str(), outbox[0].state),
        (sealed.as_str(), OutboxState::Pending)
    );
    assert!(store.sealed(&sealed).unwrap().is_some());
    for p in &sealed_photos {
        assert!(store.sealed_photo(p).unwrap().is_some(), "{p}");
    }
    let (state, copy) = store.visit(&sealed).unwrap().unwrap();
    assert_eq!(state, VisitState::Sealed);
    assert!(copy.answers.is_empty() && copy.photos.is_empty() && copy.investigators.is_empty());
    assert_eq!(f.engine.verify_chain().unwrap(), 1);

    // Recorded once: asking again, or erasing again, gives the first record.
    assert_eq!(store.revocation().unwrap(), Some(record.clone()));
    assert_eq!(
        store
            .erase_for_revocation(now + Duration::hours(1))
            .unwrap(),
        record
    );
}

#[test]
fn a_revoked_phone_asks_the_server_nothing_more() {
    let f = Fixture::new();
    f.engine.store().erase_for_revocation(Utc::now()).unwrap();
    // No server listens there: the refusal comes before any request.
    let r = Syncer::new(
        &f.engine,
        "http://127.0.0.1:9",
        SyncOptions::default(),
        &NoProgress,
        CancelToken::new(),
    );
    assert!(matches!(r, Err(SyncError::Revoked)), "{r:?}");
}

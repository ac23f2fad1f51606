//! Device tokens are short-lived: a phone whose token expired, or that still holds a token from
//! before tokens expired, renews it inside a sync with its device key and the worker notices
//! nothing; a token taken from the phone stops working once renewed.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::auth::token::token_hash;
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::{TestServer, runtime, seed};

/// The phone's current token.
fn token(phone: &Phone) -> String {
    phone
        .engine
        .store()
        .identity()
        .unwrap_or_else(|e| panic!("{e}"))
        .token
        .unwrap_or_else(|| panic!("the phone holds no token"))
}

#[test]
fn an_expired_token_is_renewed_inside_the_sync() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 2);
    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let device_id = phone
        .engine
        .store()
        .identity()
        .unwrap_or_else(|e| panic!("{e}"))
        .device_id;
    let enrolled_token = token(&phone);

    // An hour later the token has expired, as happens to every phone between two syncs.
    let past = Utc::now() - Duration::minutes(1);
    assert!(
        server
            .block_on(server.state.store.renew_device_token(
                &device_id,
                1,
                &token_hash(&enrolled_token),
                past,
            ))
            .unwrap_or_else(|e| panic!("{e}"))
    );
    let at = Utc
        .with_ymd_and_hms(2026, 6, 1, 1, 0, 0)
        .single()
        .unwrap_or_default();
    phone
        .visit(&workers[0].households[0], at, (320, 240))
        .unwrap();
    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("the sync should renew the token itself: {e}"));
    assert_eq!(report.visits_completed, 1);
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    let renewed = token(&phone);
    assert_ne!(renewed, enrolled_token, "the phone keeps the renewed token");
    let (device, _) = server
        .block_on(server.state.store.device(&device_id))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("device gone"));
    assert_eq!(device.token_hash, token_hash(&renewed));
    assert!(device.token_expires_at > Utc::now() + Duration::minutes(50));

    // The token taken from the phone before the renewal no longer works.
    let client = reqwest::blocking::Client::new();
    let r = client
        .get(format!("{}/api/v1/assignments", server.url))
        .bearer_auth(&enrolled_token)
        .send()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status().as_u16(), 401);

    // A later run with the renewed token needs no renewal.
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(token(&phone), renewed);

    // A phone that lost the answer of a renewal holds a token the server no longer knows: it
    // renews again by signature rather than asking the worker to enroll anew. The lost renewal
    // was signed later than any before, as the phone noted before sending it; the next is later
    // still, even when the phone's reckoning of the server's clock fell back meanwhile.
    let lost = token(&phone);
    let last_signed = server
        .block_on(server.state.store.device(&device_id))
        .unwrap_or_else(|e| panic!("{e}"))
        .map_or(0, |(d, _)| d.renewal_signed_at);
    let lost_renewal = last_signed + 1;
    phone
        .engine
        .store()
        .note_renewal_signed_at(lost_renewal)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        server
            .block_on(server.state.store.renew_device_token(
                &device_id,
                lost_renewal,
                &token_hash("fvd_given_to_nobody"),
                Utc::now() + Duration::hours(1),
            ))
            .unwrap_or_else(|e| panic!("{e}"))
    );
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(token(&phone), lost);
}

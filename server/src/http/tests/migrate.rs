//! `migrate`: a data folder that served a township moves to PostgreSQL and an S3 bucket, and the
//! servers on them give the same coverage, the same photos to the same reviewer, and an intact
//! audit chain.

use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use super::reviews::{PASS, four};
use super::*;
use crate::backends::{Backends, Blobs, Database};
use crate::cli::migrate::migrate;

async fn photo(w: &World, token: &str, uri: &str) -> Vec<u8> {
    let resp = w
        .app
        .clone()
        .oneshot(
            axum::http::Request::builder()
                .uri(uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

async fn unlock(w: &World, reviewer: &str) {
    let r = w
        .json(
            "POST",
            "/api/v1/reviews/unlock",
            Some(reviewer),
            json!({ "audience": "child-welfare", "passphrase": PASS }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_folder_moves_to_postgres_and_s3_with_the_same_reports_photos_and_audit_chain() {
    if on_postgres() {
        return;
    }
    let Some(schema) = crate::testenv::PgSchema::create("fv_migrate").await else {
        return;
    };
    let Some((location, options)) = crate::testenv::s3_target() else {
        return;
    };
    let w = world().await;
    four(&w).await;
    let (sup, admin, rev) = (
        w.login("supA").await,
        w.login("admin").await,
        w.login("revA").await,
    );
    let coverage = "/api/v1/coverage?from=2026-01-01&to=2026-12-31";
    let before = w
        .call("GET", coverage, Some(&sup), Body::empty())
        .await
        .json;
    unlock(&w, &rev).await;
    let photo_before = photo(&w, &rev, "/api/v1/reviews/g2/photos/p1").await;
    let audit_before = w
        .call("GET", "/api/v1/audit/verify", Some(&admin), Body::empty())
        .await
        .json;

    let base = std::env::var("FIELDVISIT_TEST_PG").unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{}", schema.name());
    let target = Backends {
        database: Database::Postgres(url),
        blobs: Blobs::S3(location.clone(), options.clone()),
    };
    let moved = migrate(&w.state.config, &target).await.unwrap();
    let rows = |t: &str| moved.tables.iter().find(|(n, _)| *n == t).unwrap().1;
    assert_eq!(rows("visits"), 4);
    assert_eq!(rows("households"), 3);
    assert_eq!(moved.photos, 4);
    let again = migrate(&w.state.config, &target).await.unwrap_err();
    assert!(again.contains("already holds data"), "{again}");

    // The servers on the new backends.
    let store = crate::store::postgres::PgStore::connect_with(schema.config.clone())
        .await
        .unwrap();
    let blobs = crate::blob::S3BlobStore::connect(&location, &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The servers on the new backends share the audit key the chain was sealed with.
    let mut config = Config::for_tests(dir.path().to_path_buf());
    config.audit.key_file = Some(w.state.config.audit_key_path());
    let state = AppState::new(Arc::new(store), Arc::new(blobs), config).unwrap();
    let moved_world = World {
        app: crate::app(state.clone()),
        state,
        _dir: dir,
        _schema: Some(schema),
    };
    let sup = moved_world.login("supA").await;
    let after = moved_world
        .call("GET", coverage, Some(&sup), Body::empty())
        .await
        .json;
    assert_eq!(after, before, "coverage after the move");
    let rev = moved_world.login("revA").await;
    unlock(&moved_world, &rev).await;
    let photo_after = photo(&moved_world, &rev, "/api/v1/reviews/g2/photos/p1").await;
    assert_eq!(photo_after, photo_before);
    let admin = moved_world.login("admin").await;
    let audit_after = moved_world
        .call("GET", "/api/v1/audit/verify", Some(&admin), Body::empty())
        .await
        .json;
    assert_eq!(audit_after["intact"], true, "{audit_after}");
    assert!(
        audit_after["entries"].as_u64() > audit_before["entries"].as_u64(),
        "the moved chain holds the old entries and goes on: {audit_before} then {audit_after}"
    );
}

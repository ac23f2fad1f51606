//! Existing deployments move to the due ledger with their reports unchanged: a SQLite file and a
//! PostgreSQL dump written by the code of the schema before it (SQLite 13, PostgreSQL 7; made by
//! `server/tests/fixtures/before-due-ledger/generate.rs`) are opened by this code, which migrates
//! them, and coverage, the trend and the households behind each number equal what that code
//! reported on them (`expected.json`, written by the same program).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::sync::Arc;

use chrono::NaiveDate;
use fieldvisit_core::caseload::Category;
use serde_json::Value;

use crate::blob::FolderBlobStore;
use crate::ops::Actor;
use crate::ops::briefing::{self, Table};
use crate::ops::coverage::{self, Filter, Status};
use crate::ops::evidence::{self, Evidence};
use crate::store::Role;
use crate::store::postgres::PgStore;
use crate::{AppState, Config};

fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/before-due-ledger/fixture.zip"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn filter(unit: &str, from: NaiveDate, to: NaiveDate) -> Filter {
    Filter {
        unit_id: Some(unit.into()),
        from,
        to,
        category: None,
        worker_id: None,
    }
}

/// The reports the old code made on the fixture, as this code makes them: the same filters.
async fn reports(state: &AppState) -> Value {
    let sup = Actor {
        id: "sup".into(),
        role: Role::Supervisor,
        scope_path: "/p/c/k/".into(),
        session: None,
        session_key: None,
    };
    let today = day(2026, 11, 29);
    let (first, last) = (day(2026, 11, 1), day(2026, 11, 30));
    let mut cases = vec![
        ("county", filter("k", first, last)),
        ("township", filter("t1", first, last)),
        ("village", filter("v21", first, last)),
        ("year", filter("k", day(2026, 1, 1), day(2026, 12, 31))),
    ];
    let mut worker = filter("k", first, last);
    worker.worker_id = Some("w2".into());
    cases.push(("worker", worker));
    let mut tekun = filter("k", day(2026, 1, 1), last);
    tekun.category = Some(Category::Tekun);
    cases.push(("tekun", tekun));
    let mut coverage_out = serde_json::Map::new();
    for (name, f) in &cases {
        let data = coverage::load(state, &sup, f, today).await.unwrap();
        let c = coverage::compute(data, f);
        coverage_out.insert((*name).into(), serde_json::to_value(&c).unwrap());
    }
    let county = &cases[0].1;
    let trend = coverage::trend(state, &sup, county, today, 12)
        .await
        .unwrap();
    let mut households = serde_json::Map::new();
    for (name, status) in [
        ("due", Status::Due),
        ("on_time", Status::OnTime),
        ("late", Status::Late),
        ("missed", Status::Missed),
        ("pending", Status::Pending),
        ("overdue", Status::Overdue),
    ] {
        let lines = coverage::households(state, &sup, county, today, status)
            .await
            .unwrap();
        households.insert(name.into(), serde_json::to_value(&lines).unwrap());
    }
    serde_json::json!({
        "today": today,
        "coverage": coverage_out,
        "trend": trend,
        "households": households,
    })
}

/// The old code listed a row for every village, worker and category with a registration even when
/// nothing of it was due in the period; the ledger lists what had a due date. Rows whose counts
/// are all zero are dropped before comparing. Within one household, the old code listed
/// categories in the order of registration, this code in the order of `Category::ALL`: lines of one
/// household are compared by category.
fn without_empty_rows(mut v: Value) -> Value {
    for lines in v["households"].as_object_mut().unwrap().values_mut() {
        if let Some(list) = lines.as_array_mut() {
            list.sort_by_key(|l| (l["household_id"].to_string(), l["category"].to_string()));
        }
    }
    let coverage = v["coverage"].as_object_mut().unwrap();
    for report in coverage.values_mut() {
        for rows in ["by_village", "by_worker", "by_category", "children"] {
            if let Some(list) = report[rows].as_array_mut() {
                list.retain(|r| r["due"].as_u64() != Some(0));
            }
        }
    }
    v
}

fn assert_same_reports(got: Value) {
    let expected: Value = serde_json::from_slice(&fixture("expected.json")).unwrap();
    let (got, expected) = (without_empty_rows(got), without_empty_rows(expected));

    for key in ["coverage", "trend", "households"] {
        let (g, e) = (&got[key], &expected[key]);
        if let (Some(g), Some(e)) = (g.as_object(), e.as_object()) {
            for (name, want) in e {
                assert_eq!(&g[name], want, "{key}.{name}");
            }
        }
        assert_eq!(g, e, "{key}");
    }
}

/// The fixture's SQLite file in a fresh data folder, opened (and so migrated) by this code.
fn sqlite_state(dir: &tempfile::TempDir) -> AppState {
    std::fs::write(dir.path().join("fieldvisit.db"), fixture("fieldvisit.db")).unwrap();
    let before: u32 = rusqlite::Connection::open(dir.path().join("fieldvisit.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, 13, "the fixture is of the schema before the ledger");
    AppState::open(Config::for_tests(dir.path().to_owned())).unwrap()
}

/// The fixture's PostgreSQL dump loaded into a fresh schema, opened (and so migrated) by this
/// code; `None` when PostgreSQL is not configured.
async fn postgres_state(dir: &tempfile::TempDir) -> Option<(AppState, crate::testenv::PgSchema)> {
    let schema = crate::testenv::PgSchema::create("fv_upgrade").await?;
    let dump = String::from_utf8(fixture("postgres.sql")).unwrap();
    let sql = dump
        .replace("CREATE SCHEMA ledger_fixture;", "")
        .replace("ledger_fixture.", &format!("\"{}\".", schema.name()));
    let (client, conn) = schema.config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&sql).await.unwrap();
    let version: i32 = client
        .query_one(
            &format!("SELECT version FROM \"{}\".schema_version", schema.name()),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, 7, "the fixture is of the schema before the ledger");
    let store = PgStore::connect_with(schema.config.clone()).await.unwrap();
    let state = AppState::new(
        Arc::new(store),
        Arc::new(FolderBlobStore::new(dir.path()).unwrap()),
        Config::for_tests(dir.path().to_owned()),
    )
    .unwrap();
    Some((state, schema))
}

#[tokio::test]
async fn a_sqlite_file_of_the_previous_schema_migrates_with_its_reports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    assert_same_reports(reports(&sqlite_state(&dir)).await);
}

#[tokio::test]
async fn a_postgres_database_of_the_previous_schema_migrates_with_its_reports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let Some((state, schema)) = postgres_state(&dir).await else {
        return;
    };
    assert_same_reports(reports(&state).await);
    drop(state);
    schema.drop_schema().await;
}

/// Evidence and the briefing's tables of one period, as both backends give them.
async fn evidence_and_briefing(state: &AppState) -> (Evidence, Vec<Table>) {
    let sup = Actor {
        id: "sup".into(),
        role: Role::Supervisor,
        scope_path: "/p/c/k/".into(),
        session: None,
        session_key: None,
    };
    let f = filter("k", day(2026, 10, 1), day(2026, 11, 30));
    let ev = evidence::report(state, &sup, &f).await.unwrap();
    let november = briefing::month_filter(Some("k".into()), "2026-11").unwrap();
    let (_, tables) = briefing::tables(state, &sup, &november).await.unwrap();
    (ev, tables)
}

#[tokio::test]
async fn both_backends_give_the_same_evidence_and_briefing_on_the_fixture() {
    let (lite_dir, pg_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let Some((pg, schema)) = postgres_state(&pg_dir).await else {
        return;
    };
    let lite = sqlite_state(&lite_dir);
    let (lite_ev, lite_tables) = evidence_and_briefing(&lite).await;
    let (pg_ev, pg_tables) = evidence_and_briefing(&pg).await;
    assert!(lite_ev.summary.visits > 100, "the period has visits");
    assert_eq!(lite_ev, pg_ev);
    assert!(lite_tables.iter().map(|t| t.rows.len()).sum::<usize>() > 100);
    assert_eq!(lite_tables, pg_tables);
    drop(pg);
    schema.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_moved_to_postgres_by_migrate_gives_the_same_reports() {
    let Some(schema) = crate::testenv::PgSchema::create("fv_moved").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite_state(&dir);
    let (lite_ev, lite_tables) = evidence_and_briefing(&lite).await;
    let config = lite.config.as_ref().clone();
    drop(lite);
    let base = std::env::var("FIELDVISIT_TEST_PG").unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let target = crate::backends::Backends {
        database: crate::backends::Database::Postgres(format!(
            "{base}{sep}options=-c%20search_path%3D{}",
            schema.name()
        )),
        blobs: crate::backends::Blobs::DataFolder,
    };
    let moved = crate::cli::migrate::migrate(&config, &target)
        .await
        .unwrap();
    assert!(
        moved
            .tables
            .iter()
            .any(|(t, n)| *t == "visits" && *n > 1000)
    );
    let store = PgStore::connect_with(schema.config.clone()).await.unwrap();
    let pg = AppState::new(
        Arc::new(store),
        Arc::new(FolderBlobStore::new(&config.blob_dir()).unwrap()),
        config,
    )
    .unwrap();
    assert_same_reports(reports(&pg).await);
    let (pg_ev, pg_tables) = evidence_and_briefing(&pg).await;
    assert_eq!(pg_ev, lite_ev);
    assert_eq!(pg_tables, lite_tables);
    drop(pg);
    schema.drop_schema().await;
}

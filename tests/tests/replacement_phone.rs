//! A replacement phone starts with the right worklist: a worker's first phone records visits over
//! months and uploads them; a second phone enrolled for the same worker pulls its assignments and
//! lists the same overdue households, with the same days overdue, as `/api/v1/coverage` shows for
//! that worker. Before assignments carried the last visits, the new phone counted every household
//! as overdue since its registration.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use fieldvisit_core::caseload::DueStatus;
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::Role;
use fieldvisit_tests::harness::{PASSWORD, TestServer, add_staff, runtime, seed};
use serde_json::{Value, json};

#[test]
fn a_second_phone_lists_the_overdue_households_coverage_shows() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 9);
    let worker = &workers[0];
    add_staff(&rt, &server.state, "sup-01", Role::Supervisor, "x-320115");

    // The first phone: visits long ago (overdue now), a month ago, and last week.
    let first = server.enrolled_phone(&worker.id);
    first
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("first sync: {e}"));
    let now = Utc::now();
    for (i, household) in worker.households.iter().enumerate() {
        let days_ago = [200, 95, 40, 10, 5][i % 5];
        first
            .visit(household, now - Duration::days(days_ago), (64, 48))
            .unwrap();
    }
    let runs = first.sync_until_done(&server.url, &SyncOptions::default(), 5);
    assert!(runs.last().is_some_and(|r| r.is_ok()), "{runs:?}");

    // The replacement phone.
    let second = server.enrolled_phone(&worker.id);
    second
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("second phone's sync: {e}"));
    let today = fieldvisit_server::ops::coverage::local_date(Utc::now());
    let on_phone: BTreeSet<(String, String, i64)> = second
        .engine
        .caseload(today)
        .unwrap_or_else(|e| panic!("caseload: {e}"))
        .into_iter()
        .filter(|e| e.status == DueStatus::Overdue)
        .map(|e| (e.household_id, e.category.code().to_owned(), e.days_overdue))
        .collect();

    let client = reqwest::blocking::Client::new();
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({ "login": "sup-01", "password": PASSWORD }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("supervisor login: {e}"));
    let coverage: Value = client
        .get(format!(
            "{}/api/v1/coverage?worker={}",
            server.url, worker.id
        ))
        .bearer_auth(login["token"].as_str().unwrap_or_default())
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("coverage: {e}"));
    let on_server: BTreeSet<(String, String, i64)> = coverage["overdue"]
        .as_array()
        .unwrap_or_else(|| panic!("no overdue list in {coverage}"))
        .iter()
        .map(|o| {
            (
                o["household_id"].as_str().unwrap_or_default().to_owned(),
                o["category"].as_str().unwrap_or_default().to_owned(),
                o["days_overdue"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(!on_server.is_empty(), "the fixture has overdue households");
    assert!(
        on_server.len() < worker.households.len(),
        "some households were visited recently"
    );
    assert_eq!(on_phone, on_server);
}

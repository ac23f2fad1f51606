//! A county's low-income standard, set on the server, reaches the phone with its next sync and
//! changes the income flag of the next economic visit: no standard on the phone, no comparison;
//! a standard above the household's income per person, "below the standard"; one under it,
//! "above". The flag is the core's own evaluation of the draft, as the app shows it.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::Role;
use fieldvisit_sim::phone::VisitRecord;
use fieldvisit_tests::harness::{PASSWORD, TestServer, add_staff, runtime, seed};
use reqwest::blocking::Client;
use serde_json::{Value, json};

fn put_standard(base: &str, token: &str, year: i32, yuan: f64) {
    let r = Client::new()
        .put(format!("{base}/api/v1/counties/x-320115/parameters"))
        .bearer_auth(token)
        .json(&json!({ "low_income_standards": [{ "year": year, "yuan_per_person_month": yuan }] }))
        .send()
        .unwrap_or_else(|e| panic!("PUT parameters: {e}"));
    assert!(r.status().is_success(), "PUT parameters: {}", r.status());
}

#[test]
fn a_county_standard_set_on_the_server_changes_the_income_flag_of_the_next_visit() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    add_staff(&rt, &server.state, "admin-k", Role::Admin, "x-320115");
    let household = &workers[0].households[0];
    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("first sync: {e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let flag = |visit: &str| {
        let e = phone
            .engine
            .evaluate(visit)
            .unwrap_or_else(|e| panic!("evaluate: {e}"));
        let income = e
            .computed
            .get("per_capita_income")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("no income per person computed: {:?}", e.computed));
        let level = e
            .score("income_check")
            .map(|s| s.level.clone())
            .unwrap_or_default();
        (income, level)
    };

    // No standard on the phone yet: nothing to compare with.
    let first = phone
        .draft(&VisitRecord::sample(household, at).unwrap())
        .unwrap();
    let (income, level) = flag(&first);
    assert_eq!(level, "UNKNOWN");

    let login: Value = Client::new()
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({ "login": "admin-k", "password": PASSWORD }))
        .send()
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("login: {e}"));
    let admin = login["token"].as_str().unwrap_or_default().to_owned();

    // The county sets 2026's standard above the household's income; the next sync brings it.
    put_standard(&server.url, &admin, 2026, income + 100.0);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync: {e}"));
    let second = phone
        .draft(&VisitRecord::sample(household, at + Duration::days(1)).unwrap())
        .unwrap();
    assert_eq!(flag(&second).1, "BELOW_STANDARD");

    // A standard under the income turns the flag the other way on the visit after.
    put_standard(&server.url, &admin, 2026, (income - 100.0).max(1.0));
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync: {e}"));
    let third = phone
        .draft(&VisitRecord::sample(household, at + Duration::days(2)).unwrap())
        .unwrap();
    assert_eq!(flag(&third).1, "ABOVE_STANDARD");
}

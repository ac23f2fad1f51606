//! Many phones, many visits with photos: every visit arrives exactly once, what the server counts
//! per worker equals what the phones sealed, and the coverage a supervisor reads over HTTP counts
//! the same visits per worker, per category and per household.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::{Role, Scope};
use fieldvisit_sim::phone::Phone;
use fieldvisit_tests::harness::{PASSWORD, TestServer, add_staff, enrollment_code, seed};
use serde_json::{Value, json};

const PHONES: usize = 20;
const VISITS_PER_PHONE: usize = 50;

/// (visit id, household id, category code) of every visit a phone sealed.
type Sealed = Vec<(String, String, String)>;

#[test]
fn twenty_phones_fifty_visits_each_arrive_exactly_once() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = fieldvisit_tests::harness::runtime();
    let workers = seed(&rt, &server.state, PHONES, 3);
    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();

    let phones: Vec<(Phone, Sealed)> = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter()
            .map(|w| {
                let code = enrollment_code(&rt, &server.state, &w.id);
                let url = server.url.clone();
                s.spawn(move || {
                    let phone = Phone::temporary().unwrap();
                    phone.enroll(&url, &code, "test phone").unwrap();
                    // First pull brings households, templates and audience keys.
                    phone
                        .sync(&url, SyncOptions::default())
                        .unwrap_or_else(|e| panic!("first sync: {e}"));
                    let mut sealed = Vec::new();
                    for i in 0..VISITS_PER_PHONE {
                        let h = &w.households[i % w.households.len()];
                        let at = start + Duration::hours(i as i64);
                        let id = phone.visit(h, at, (160, 120)).unwrap().visit_id;
                        let category = h.categories[0].category.code().to_string();
                        sealed.push((id, h.id.clone(), category));
                        // Sync now and then, as a phone with patchy signal would.
                        if i % 10 == 9 {
                            phone
                                .sync(&url, SyncOptions::default())
                                .unwrap_or_else(|e| panic!("sync: {e}"));
                        }
                    }
                    let runs = phone.sync_until_done(&url, &SyncOptions::default(), 3);
                    assert!(runs.iter().all(|r| r.is_ok()), "{runs:?}");
                    (phone, sealed)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("a phone thread panicked"))
            })
            .collect()
    });

    let all: Vec<String> = phones
        .iter()
        .flat_map(|(_, v)| v.iter().map(|s| s.0.clone()))
        .collect();
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), PHONES * VISITS_PER_PHONE);
    let counts = server
        .block_on(server.state.store.counts())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.visits as usize,
        PHONES * VISITS_PER_PHONE,
        "the server stored a visit twice or lost one"
    );
    for (w, (phone, sealed)) in workers.iter().zip(&phones) {
        let scope = Scope {
            path: "/".into(),
            worker_id: Some(w.id.clone()),
        };
        let on_server = server
            .block_on(server.state.store.visits(&scope))
            .unwrap_or_else(|e| panic!("{e}"));
        let ids: HashSet<String> = on_server.iter().map(|v| v.visit_id.clone()).collect();
        assert_eq!(ids.len(), sealed.len(), "worker {}", w.id);
        assert!(sealed.iter().all(|v| ids.contains(&v.0)));
        assert!(phone.engine.store().outbox().unwrap_or_default().is_empty());
        for (v, _, _) in sealed {
            let photos = server
                .block_on(server.state.store.photos(v))
                .unwrap_or_default();
            assert!(
                photos.iter().all(|p| p.complete),
                "an incomplete photo on the server"
            );
        }
    }
    coverage_matches_the_phones(&server, &rt, &workers, &phones);
}

/// Visits a tally counted as made (on time or late).
fn visited(tally: &Value) -> u64 {
    tally["on_time"].as_u64().unwrap_or(0) + tally["late"].as_u64().unwrap_or(0)
}

/// The coverage report a supervisor of the county reads over HTTP, for the whole of 2026.
fn coverage(client: &reqwest::blocking::Client, base: &str, token: &str, query: &str) -> Value {
    client
        .get(format!(
            "{base}/api/v1/coverage?from=2026-01-01&to=2026-12-31{query}"
        ))
        .bearer_auth(token)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("coverage{query}: {e}"))
}

/// Every visit a phone sealed satisfies one due date of its household in 2026 (the schedule's next
/// due after a visit is at most months later), so coverage's on-time + late counts must equal what
/// the phones recorded: per worker, per category, per household (a worker's households have one
/// category each) and in total; and every household a phone visited is counted as visited.
fn coverage_matches_the_phones(
    server: &TestServer,
    rt: &tokio::runtime::Runtime,
    workers: &[fieldvisit_tests::harness::SeededWorker],
    phones: &[(Phone, Sealed)],
) {
    add_staff(rt, &server.state, "sup-01", Role::Supervisor, "x-320115");
    let client = reqwest::blocking::Client::new();
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({ "login": "sup-01", "password": PASSWORD }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("supervisor login: {e}"));
    let token = login["token"].as_str().unwrap_or_default();

    let mut per_worker: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_category: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_household: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for (w, (_, sealed)) in workers.iter().zip(phones) {
        for (_, household, category) in sealed {
            *per_worker.entry(w.id.clone()).or_default() += 1;
            *per_category.entry(category.clone()).or_default() += 1;
            *per_household
                .entry((w.id.clone(), category.clone(), household.clone()))
                .or_default() += 1;
        }
    }

    let all = coverage(&client, &server.url, token, "");
    assert_eq!(visited(&all["totals"]), (PHONES * VISITS_PER_PHONE) as u64);
    let rows = |key: &str| -> BTreeMap<String, u64> {
        all[key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key} in the coverage report"))
            .iter()
            .map(|r| (r["key"].as_str().unwrap_or("").to_string(), visited(r)))
            .collect()
    };
    assert_eq!(rows("by_worker"), per_worker, "visits per worker");
    assert_eq!(rows("by_category"), per_category, "visits per category");

    let mut visited_on_server = HashSet::new();
    for ((worker, category, household), made) in &per_household {
        let one = coverage(
            &client,
            &server.url,
            token,
            &format!("&worker={worker}&category={category}"),
        );
        assert_eq!(
            visited(&one["totals"]),
            *made,
            "visits to household {household} of worker {worker}"
        );
        if visited(&one["totals"]) > 0 {
            visited_on_server.insert(household);
        }
    }
    let visited_on_phones: HashSet<&String> = per_household.keys().map(|k| &k.2).collect();
    assert_eq!(visited_on_server, visited_on_phones, "households visited");
    assert_eq!(visited_on_phones.len(), PHONES * 3);
}

//! A guardianship assessment returned by a reviewer reaches the phone through the real sync client:
//! the phone records and syncs a child visit, a child-welfare reviewer logs in over HTTP, unlocks the
//! audience key, reads the visit, takes it for review and returns it with a comment; the phone's
//! next sync brings the comment in as a returned task.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::store::Role;

use fieldvisit_tests::harness::{PASSWORD, TestServer, add_staff, runtime, seed};
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// A staff client of the HTTP API with a bearer token.
struct Staff {
    client: Client,
    base: String,
    token: String,
}

impl Staff {
    fn login(base: &str, login: &str) -> Staff {
        let client = Client::new();
        let resp: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": PASSWORD }))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("login: {e}"));
        let token = resp["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {resp}"))
            .to_string();
        Staff {
            client,
            base: base.to_string(),
            token,
        }
    }

    fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}

#[test]
fn a_returned_assessment_reaches_the_phone_with_the_reviewers_comment() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    add_staff(
        &rt,
        &server.state,
        "rev-01",
        Role::ChildWelfareReviewer,
        "x-320115",
    );
    let child = &workers[0].households[1];

    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("first sync: {e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let visit = phone.visit(child, at, (320, 240)).unwrap().visit_id;
    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("upload: {e}"));
    assert_eq!(report.visits_completed, 1);
    assert_eq!(report.tasks_received, 0);
    assert!(phone.engine.store().tasks().unwrap_or_default().is_empty());

    // The reviewer finds the assessment in the queue, opens it with the unlocked key and returns it.
    let reviewer = Staff::login(&server.url, "rev-01");
    let queue = reviewer.get("/reviews");
    let row = queue
        .as_array()
        .and_then(|q| q.iter().find(|r| r["visit_id"] == visit.as_str()))
        .unwrap_or_else(|| panic!("the visit is not in the review queue: {queue}"));
    assert_eq!(row["state"], "submitted");
    reviewer.post(
        "/reviews/unlock",
        json!({ "audience": "child-welfare", "passphrase": "test passphrase child" }),
    );
    let content = reviewer.get(&format!("/reviews/{visit}/content"));
    assert!(
        content.to_string().contains("王秀英"),
        "the decrypted content lacks the caregiver's name"
    );
    reviewer.post(
        &format!("/reviews/{visit}/decision"),
        json!({ "action": "start" }),
    );
    let comment = "监护人联系电话缺失，请补充 / The caregiver's phone number is missing";
    let decided = reviewer.post(
        &format!("/reviews/{visit}/decision"),
        json!({ "action": "return", "reason": comment }),
    );
    assert_eq!(decided["state"], "returned");

    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync after the return: {e}"));
    assert_eq!(report.tasks_received, 1);
    assert_eq!(report.visits_completed, 0);
    let tasks = phone
        .engine
        .store()
        .tasks()
        .unwrap_or_else(|e| panic!("tasks: {e}"));
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].visit_id, visit);
    assert_eq!(tasks[0].household_id, child.id);
    assert_eq!(tasks[0].comment, comment);

    // A further sync does not bring the same task twice.
    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("third sync: {e}"));
    assert_eq!(report.tasks_received, 0);
    assert_eq!(phone.engine.store().tasks().unwrap_or_default().len(), 1);
}

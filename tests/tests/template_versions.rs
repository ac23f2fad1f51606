//! A county publishes a new version of the child template while a worker has a draft open: the
//! phone receives the new version at its next sync, the draft is still sealed on the version it
//! started with, and the reviewer reads it — through the API and on the console's case page — with
//! that version's labels, not the new ones.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_core::template::builtin::CHILD_JSON;
use fieldvisit_core::template::load_template;
use fieldvisit_server::store::Role;
use fieldvisit_sim::phone::VisitRecord;
use fieldvisit_tests::harness::{PASSWORD, TestServer, add_staff, runtime, seed};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COUNTY_LABEL: &str = "（江宁区版）";

/// Signs in through the API.
fn token(base: &str, login: &str) -> String {
    let r: Value = Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": PASSWORD }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("login {login}: {e}"));
    r["token"].as_str().unwrap_or_default().to_owned()
}

fn call(
    method: reqwest::Method,
    base: &str,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = Client::new()
        .request(method, format!("{base}/api/v1{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = resp.status();
    let json: Value = resp.json().unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {json}");
    json
}

/// The built-in child template with the next version number and a county's label on `schooling`.
fn county_version(next: u32) -> Value {
    let mut t: Value = serde_json::from_str(CHILD_JSON).unwrap_or_default();
    t["version"] = json!(next);
    for section in t["sections"].as_array_mut().into_iter().flatten() {
        for item in section["items"].as_array_mut().into_iter().flatten() {
            if item["id"] == "schooling" {
                let zh = format!(
                    "{}{COUNTY_LABEL}",
                    item["label"]["zh"].as_str().unwrap_or("")
                );
                item["label"]["zh"] = json!(zh);
            }
        }
    }
    t
}

/// A form body.
fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// The console's case page of `visit` for `login`, with the child-welfare key unlocked there.
fn case_page(base: &str, login: &str, passphrase: &str, visit: &str) -> String {
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    let cookies = |resp: &reqwest::blocking::Response| {
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let csrf_of = |html: &str| {
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no CSRF field in the page"))
            .to_owned()
    };
    // The sign-in form carries a token matched by a cookie set with the page.
    let form_page = client
        .get(format!("{base}/login"))
        .send()
        .unwrap_or_else(|e| panic!("GET /login: {e}"));
    let pre = cookies(&form_page);
    let token = csrf_of(&form_page.text().unwrap_or_default());
    let signed = client
        .post(format!("{base}/login"))
        .header("cookie", &pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("csrf", token.as_str()),
            ("login", login),
            ("password", PASSWORD),
            ("next", "/reviews"),
        ]))
        .send()
        .unwrap_or_else(|e| panic!("console sign-in: {e}"));
    let cookie = cookies(&signed);
    assert!(
        !cookie.is_empty(),
        "the console set no session cookie: {}",
        signed.status()
    );
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    };
    let csrf = csrf_of(&get("/reviews"));
    let unlocked = client
        .post(format!("{base}/reviews/unlock"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("csrf", csrf.as_str()),
            ("passphrase", passphrase),
            ("next", "/reviews"),
        ]))
        .send()
        .unwrap_or_else(|e| panic!("console unlock: {e}"));
    assert!(
        unlocked.status().is_redirection() || unlocked.status().is_success(),
        "console unlock answered {}",
        unlocked.status()
    );
    get(&format!("/reviews/{visit}"))
}

#[test]
fn a_draft_started_on_one_version_is_sealed_and_read_on_it_after_a_new_version_is_published() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    add_staff(&rt, &server.state, "admin-k", Role::Admin, "x-320115");
    add_staff(
        &rt,
        &server.state,
        "rev-01",
        Role::ChildWelfareReviewer,
        "x-320115",
    );
    let child = &workers[0].households[1];
    let builtin = load_template(CHILD_JSON).unwrap_or_else(|e| panic!("{e}"));
    let schooling_label = |t: &fieldvisit_core::template::Template| {
        t.sections
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.id == "schooling")
            .map(|i| i.label.zh.clone())
            .unwrap_or_default()
    };
    let own_label = schooling_label(&builtin);

    let phone = server.enrolled_phone(&workers[0].id);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("first sync: {e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let visit = phone
        .draft(&VisitRecord::sample(child, at).unwrap())
        .unwrap();

    // The county publishes the next version while the draft is open.
    let admin = token(&server.url, "admin-k");
    let published = call(
        reqwest::Method::POST,
        &server.url,
        &admin,
        "/counties/x-320115/templates",
        Some(county_version(builtin.version + 1)),
    );
    assert_eq!(published["version"], builtin.version + 1);
    phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync after publishing: {e}"));
    let newest = phone
        .engine
        .template_for(child.categories[0].category)
        .unwrap_or_else(|e| panic!("template: {e}"));
    assert_eq!(
        newest.version,
        builtin.version + 1,
        "the phone has the new version"
    );
    assert!(schooling_label(&newest).ends_with(COUNTY_LABEL));

    // The draft finishes on the version it started with.
    let sealed = phone
        .seal_draft(&visit, at + Duration::minutes(1) + Duration::minutes(20))
        .unwrap();
    assert_eq!(sealed.visit_id, visit);
    let draft = phone.engine.draft(&visit).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(draft.template_version, builtin.version);
    let report = phone
        .sync(&server.url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("upload: {e}"));
    assert_eq!(report.visits_completed, 1);

    // A new visit on the phone starts on the county's version.
    let next = phone
        .draft(&VisitRecord::sample(child, at + Duration::days(7)).unwrap())
        .unwrap();
    let next = phone.engine.draft(&next).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.template_version, builtin.version + 1);

    // The reviewer reads the sealed visit with its own version's labels: API and case page.
    let reviewer = token(&server.url, "rev-01");
    call(
        reqwest::Method::POST,
        &server.url,
        &reviewer,
        "/reviews/unlock",
        Some(json!({ "audience": "child-welfare", "passphrase": "test passphrase child" })),
    );
    let content = call(
        reqwest::Method::GET,
        &server.url,
        &reviewer,
        &format!("/reviews/{visit}/content"),
        None,
    );
    assert_eq!(content["template_version"], builtin.version);
    let template: fieldvisit_core::template::Template =
        serde_json::from_value(content["template"].clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(template.version, builtin.version);
    assert_eq!(schooling_label(&template), own_label);

    let page = case_page(&server.url, "rev-01", "test passphrase child", &visit);
    assert!(
        page.contains(&own_label),
        "the case page lacks the label {own_label}"
    );
    assert!(
        !page.contains(COUNTY_LABEL),
        "the case page shows the new version's label"
    );
}

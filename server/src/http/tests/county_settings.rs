//! What a county sets beside its schedule: parameters that reach phones and the suspicious-visit
//! list, and template versions that reach phones while old visits keep their own labels.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::crypto::Sha256Hash;
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::Assignments;
use serde_json::{Value, json};

use super::reviews::{PASS, builtin_version, four};
use super::*;

async fn pull(w: &World, phone: &Phone, query: &str) -> Assignments {
    let r = w
        .call(
            "GET",
            &format!("/api/v1/assignments{query}"),
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    serde_json::from_value(r.json).unwrap()
}

/// A 40-minute visit of hA on 2026-03-02 from right at the registered home.
async fn forty_minutes(w: &World, phone: &Phone) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let mut b = body(phone, "short1", "hA", 1, Sha256Hash::ZERO, vec![]);
    b.started_at = start;
    b.ended_at = start + Duration::minutes(40);
    b.sealed_at = b.ended_at;
    b.gps = Some(GpsFix {
        point: GeoPoint {
            lat: 32.0,
            lon: 118.9,
        },
        accuracy_m: 10.0,
        fix_time: start,
        mock: false,
    });
    let (env, _) = seal(phone, &b);
    let r = w
        .call("PUT", "/api/v1/visits/short1", Some(&phone.token), env)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
}

fn short_visits(r: &Resp) -> Vec<String> {
    r.json["suspicious"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reasons"].as_array().unwrap().contains(&json!("short")))
        .map(|s| s["visit_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn county_parameters_reach_phones_and_the_suspicious_list() {
    let w = world().await;
    let admin = w.login("admin").await;
    let sup = w.login("supA").await;
    let phone = w.enroll("wA").await;
    forty_minutes(&w, &phone).await;
    let evidence = "/api/v1/coverage/evidence?from=2026-03-01&to=2026-03-31";
    let r = w.call("GET", evidence, Some(&sup), Body::empty()).await;
    assert!(short_visits(&r).is_empty(), "{:?}", r.json);

    let set = json!({
        "low_income_standards": [
            {"year": 2025, "yuan_per_person_month": 980.0},
            {"year": 2026, "yuan_per_person_month": 1020.0}
        ],
        "evidence_thresholds": {"max_distance_m": 300.0, "max_accuracy_m": 100.0,
            "max_fix_age_s": 120, "min_duration_s": 3600}
    });
    let uri = "/api/v1/counties/k/parameters";
    let r = w.json("PUT", uri, Some(&admin), set.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["own"], set);
    assert_eq!(r.json["evidence_thresholds"]["min_duration_s"], 3600);

    // A bad file is refused with its reason, and what was set stays.
    let twice = json!({"low_income_standards": [
        {"year": 2026, "yuan_per_person_month": 1020},
        {"year": 2026, "yuan_per_person_month": 1100}]});
    let r = w.json("PUT", uri, Some(&admin), twice).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_parameters")
    );
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026 is listed twice")
    );
    let r = w.call("GET", uri, Some(&admin), Body::empty()).await;
    assert_eq!(r.json["own"], set);
    // Township admins and supervisors set nothing of the county's.
    for who in ["adminA", "supA"] {
        let t = w.login(who).await;
        let r = w.json("PUT", uri, Some(&t), set.clone()).await;
        assert!(r.status.is_client_error(), "{who}: {:?}", r.json);
    }

    // The phone's next pull carries the standards, the thresholds and its station's staff.
    let a = pull(&w, &phone, "").await;
    let standards: Vec<(i32, f64)> = a
        .parameters
        .low_income_standards
        .iter()
        .map(|s| (s.year, s.yuan_per_person_month))
        .collect();
    assert_eq!(standards, vec![(2025, 980.0), (2026, 1020.0)]);
    assert_eq!(a.evidence_thresholds.min_duration_s, 3600);
    assert_eq!(a.evidence_thresholds.max_distance_m, 300.0);
    let staff: Vec<&str> = a.staff.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        staff,
        vec!["supA", "wA"],
        "workers and supervisors of tA only"
    );
    assert_eq!(a.staff[1].name, "用户wA");

    // The server's suspicious list now counts 40 minutes as short, by the county's threshold.
    let r = w.call("GET", evidence, Some(&sup), Body::empty()).await;
    assert_eq!(short_visits(&r), vec!["short1"], "{:?}", r.json);

    let r = w.call("DELETE", uri, Some(&admin), Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["own"], Value::Null);
    assert_eq!(r.json["evidence_thresholds"]["min_duration_s"], 120);
    let a = pull(&w, &phone, "").await;
    assert!(a.parameters.low_income_standards.is_empty());
    let r = w.call("GET", evidence, Some(&sup), Body::empty()).await;
    assert!(short_visits(&r).is_empty(), "{:?}", r.json);

    let actions: Vec<String> = w
        .state
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("parameters."))
        .collect();
    assert_eq!(actions, vec!["parameters.set", "parameters.clear"]);
}

/// The built-in child template as a county would start from it: a new version, a new title.
fn county_child(version: u32) -> Value {
    let mut t: Value =
        serde_json::from_str(fieldvisit_core::template::builtin::CHILD_JSON).unwrap();
    t["version"] = json!(version);
    t["title"]["zh"] = json!("江宁区儿童家庭随访与监护评估");
    t
}

#[tokio::test]
async fn a_county_template_version_reaches_phones_and_old_visits_keep_their_labels() {
    let w = world().await;
    let phone = four(&w).await;
    let admin = w.login("admin").await;
    let builtin = builtin_version("child-guardianship");
    let uri = "/api/v1/counties/k/templates";

    let r = w
        .json("POST", uri, Some(&admin), county_child(builtin + 1))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["version"], builtin + 1);
    assert_eq!(r.json["origin"], "county");

    // Refusals, each with its reason.
    let r = w
        .json("POST", uri, Some(&admin), county_child(builtin + 1))
        .await;
    assert_eq!(r.code(), "template_version_taken", "{:?}", r.json);
    let mut broken = county_child(builtin + 2);
    broken["schedule_score"] = json!("no-such-score");
    broken["audiences"] = json!([]);
    let r = w.json("POST", uri, Some(&admin), broken).await;
    assert_eq!(r.code(), "invalid_template", "{:?}", r.json);
    let message = r.json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("2 problem(s)")
            && message.contains("1. template: `audiences` is empty")
            && message.contains("2. ")
            && message.contains("no-such-score"),
        "every problem is listed: {message}"
    );
    let mut other = county_child(1);
    other["id"] = json!("k-child");
    let r = w.json("POST", uri, Some(&admin), other).await;
    assert_eq!(r.code(), "category_served", "{:?}", r.json);
    let mut unknown_audience = county_child(builtin + 2);
    unknown_audience["audiences"] = json!(["police"]);
    let r = w.json("POST", uri, Some(&admin), unknown_audience).await;
    assert_eq!(r.code(), "audience_without_key", "{:?}", r.json);
    let admin_a = w.login("adminA").await;
    let r = w
        .json("POST", uri, Some(&admin_a), county_child(builtin + 2))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.json);

    // Phones of the county receive the new version; a phone holding it is not sent it again.
    let a = pull(&w, &phone, "").await;
    let child = a
        .templates
        .iter()
        .find(|t| t.id == "child-guardianship")
        .unwrap();
    assert_eq!(child.version, builtin + 1);
    assert_eq!(child.title.zh, "江宁区儿童家庭随访与监护评估");
    assert_eq!(a.templates.len(), 3);
    let a = pull(
        &w,
        &phone,
        &format!("?have=child-guardianship.{}", builtin + 1),
    )
    .await;
    assert!(a.templates.iter().all(|t| t.id != "child-guardianship"));

    let r = w.call("GET", uri, Some(&admin), Body::empty()).await;
    let listed: Vec<(String, u64, bool)> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == "child-guardianship")
        .map(|t| {
            (
                t["origin"].as_str().unwrap().to_owned(),
                t["version"].as_u64().unwrap(),
                t["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("county".to_owned(), u64::from(builtin) + 1, true),
            ("built-in".to_owned(), u64::from(builtin), false)
        ]
    );

    // An assessment sealed on the built-in version is read with that version's labels.
    let rev = w.login("revA").await;
    let good = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&rev), good)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    let r = w
        .call(
            "GET",
            "/api/v1/reviews/g2/content",
            Some(&rev),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["template_version"], builtin);
    assert_eq!(r.json["template"]["version"], builtin);
    let own =
        fieldvisit_core::template::load_template(fieldvisit_core::template::builtin::CHILD_JSON)
            .unwrap();
    assert_eq!(r.json["template"]["title"]["zh"], own.title.zh.as_str());
}

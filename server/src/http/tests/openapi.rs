//! The OpenAPI document matches the router, and what serde writes and reads matches the schemas:
//! every answer of a seeded world is checked against the schema documented for its status.

use axum::body::Body;
use axum::http::StatusCode;
use chrono::Utc;
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::protocol::{
    ApiError, ApiErrorBody, EnrollRequest, EnrollResponse, Receipt, SealedEnvelope, UploadStatus,
};
use serde_json::{Value, json};

use super::reviews::{four, upload};
use super::*;

/// Why `value` does not match `schema` (a subset of JSON Schema: what utoipa writes), if it does not.
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let fail = |why: String| Some(format!("{at}: {why}"));
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if !target.is_object() {
            return fail(format!("no schema {name}"));
        }
        return mismatch(doc, target, value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            if let Some(e) = mismatch(doc, s, value, at) {
                return Some(e);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = schema[key].as_array() {
            let fits = any
                .iter()
                .filter(|s| mismatch(doc, s, value, at).is_none())
                .count();
            if fits == 0 || (key == "oneOf" && fits > 1) {
                return fail(format!("{fits} branches of {key} fit {value}"));
            }
        }
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        return fail(format!("{value} not in {options:?}"));
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        });
        if !fits {
            return fail(format!("{value} is not {types:?}"));
        }
    }
    if let Some(n) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|m| n < m) {
            return fail(format!("{n} below the minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|m| n > m) {
            return fail(format!("{n} above the maximum"));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if schema["minLength"].as_u64().is_some_and(|m| len < m)
            || schema["maxLength"].as_u64().is_some_and(|m| len > m)
        {
            return fail(format!("{s:?} has the wrong length"));
        }
        if let Some(p) = schema["pattern"].as_str()
            && !regex::Regex::new(p).unwrap().is_match(s)
        {
            return fail(format!("{s:?} does not match {p}"));
        }
        let format_ok = match schema["format"].as_str() {
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            _ => true,
        };
        if !format_ok {
            return fail(format!("{s:?} is not a {}", schema["format"]));
        }
    }
    if let Some(items) = value.as_array() {
        if schema["maxItems"]
            .as_u64()
            .is_some_and(|m| items.len() as u64 > m)
        {
            return fail("too many items".into());
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                if let Some(e) = mismatch(doc, &schema["items"], item, &format!("{at}[{i}]")) {
                    return Some(e);
                }
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return fail(format!("required {name} missing"));
            }
        }
        let props = schema["properties"].as_object();
        for (k, v) in object {
            match props.and_then(|p| p.get(k)) {
                Some(s) => {
                    if let Some(e) = mismatch(doc, s, v, &format!("{at}.{k}")) {
                        return Some(e);
                    }
                }
                None if schema["additionalProperties"] == Value::Bool(false) => {
                    return fail(format!("{k} is not a documented property"));
                }
                None => {}
            }
        }
    }
    None
}

/// The schema of a component.
fn component(doc: &Value, name: &str) -> Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

async fn served(w: &World) -> Value {
    let r = w
        .call("GET", "/api/v1/openapi.json", None, Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json
}

#[test]
fn api_routes_are_registered_only_with_their_documentation() {
    // A route added with a bare `.route(...)` would be served but not documented.
    let source = include_str!("../mod.rs");
    let api =
        &source[source.find("pub fn api_routes").unwrap()..source.find("pub fn app(").unwrap()];
    assert!(
        !api.contains(".route("),
        "an API route without #[utoipa::path]"
    );
    assert!(
        !api.contains(".route_service("),
        "an API route without #[utoipa::path]"
    );
}

#[tokio::test]
async fn every_operation_names_its_parameters_and_schemas() {
    let w = world().await;
    let doc = served(&w).await;
    let routes = crate::http::openapi::routes(&doc);
    for route in &routes {
        let op = &doc["paths"][&route.path][route.method.to_lowercase()];
        let what = format!("{} {}", route.method, route.path);
        // Each {placeholder} is a required path parameter with a typed schema.
        for name in route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let param = op["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == name && p["in"] == "path"))
                .unwrap_or_else(|| panic!("{what}: path parameter {name} undocumented"));
            assert_eq!(param["required"], true, "{what} {name}");
            assert!(
                param["schema"]["type"].is_string(),
                "{what} {name}: no schema"
            );
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(!responses.is_empty(), "{what}");
        for (status, resp) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                if status == "503" {
                    continue;
                }
                assert_eq!(
                    resp["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ApiErrorBody",
                    "{what} {status}"
                );
            }
        }
        // Staff and device routes say how to authenticate; open ones ask for nothing.
        let open = [
            "/healthz",
            "/livez",
            "/readyz",
            "/metrics",
            "/api/v1/openapi.json",
            "/api/v1/auth/login",
            "/api/v1/devices/enroll",
            // The phone proves itself by a signature in the body, not a token.
            "/api/v1/devices/token",
        ]
        .contains(&route.path.as_str());
        assert_eq!(op["security"].is_array(), !open, "{what}");
        assert!(open || responses.contains_key("401"), "{what}");
    }
    // Every referenced schema exists.
    let text = doc.to_string();
    for r in text.split("#/components/schemas/").skip(1) {
        let name: String = r
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        assert!(
            doc["components"]["schemas"][&name].is_object(),
            "missing schema {name}"
        );
    }
    // The console's pages are not part of the API.
    assert!(routes.iter().all(|r| r.path != "/" && r.path != "/login"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        Value::from("bearer")
    );
}

#[tokio::test]
async fn core_wire_types_match_their_schemas() {
    let w = world().await;
    let doc = served(&w).await;
    let samples: Vec<(&str, Value)> = vec![
        (
            "SealedEnvelope",
            serde_json::to_value(SealedEnvelope {
                version: 1,
                body: fieldvisit_core::crypto::b64_encode(b"{\"x\":1}"),
                signature: fieldvisit_core::crypto::b64_encode(&[7u8; 64]),
            })
            .unwrap(),
        ),
        (
            "Receipt",
            serde_json::to_value(Receipt {
                version: 1,
                visit_id: "v1".into(),
                body_hash: sha256(b""),
                received_at: Utc::now(),
                photos_missing: vec!["p1".into()],
            })
            .unwrap(),
        ),
        (
            "EnrollRequest",
            serde_json::to_value(EnrollRequest {
                version: 1,
                code: "K3M9Q-7TXZ2".into(),
                public_key: fieldvisit_core::crypto::b64_encode(&[9u8; 32]),
                device_label: "Pixel".into(),
            })
            .unwrap(),
        ),
        (
            "EnrollResponse",
            serde_json::to_value(EnrollResponse {
                version: 1,
                device_id: "d1".into(),
                worker_id: "w1".into(),
                token: "t".into(),
            })
            .unwrap(),
        ),
        (
            "UploadStatus",
            serde_json::to_value(UploadStatus {
                photo_id: "p".into(),
                received: 0,
                size: 10,
                complete: false,
            })
            .unwrap(),
        ),
        (
            "ApiErrorBody",
            serde_json::to_value(ApiErrorBody {
                error: ApiError {
                    code: "c".into(),
                    message: "m".into(),
                },
            })
            .unwrap(),
        ),
    ];
    for (name, value) in samples {
        let schema = component(&doc, name);
        assert_eq!(mismatch(&doc, &schema, &value, name), None);
        // What the schema refuses, serde refuses too: an unknown field, a missing one.
        let mut extra = value.clone();
        extra["surplus"] = json!(1);
        assert!(mismatch(&doc, &schema, &extra, name).is_some(), "{name}");
        let mut short = value.clone();
        let first = short.as_object().unwrap().keys().next().unwrap().clone();
        short.as_object_mut().unwrap().remove(&first);
        assert!(mismatch(&doc, &schema, &short, name).is_some(), "{name}");
    }
    let hash = serde_json::to_value(Sha256Hash::ZERO).unwrap();
    assert_eq!(
        mismatch(
            &doc,
            &doc["components"]["schemas"]["Receipt"]["properties"]["body_hash"],
            &hash,
            "hash"
        ),
        None
    );
}

/// The schema documented for `status` of an operation.
fn response_schema(doc: &Value, method: &str, path: &str, status: u16) -> Option<Value> {
    let op = &doc["paths"][path][method.to_lowercase()];
    let resp = &op["responses"][status.to_string()];
    assert!(resp.is_object(), "{method} {path}: {status} undocumented");
    let content = resp["content"].as_object()?;
    content.get("application/json").map(|c| c["schema"].clone())
}

#[tokio::test]
async fn answers_of_a_seeded_world_match_their_documented_schemas() {
    let w = world().await;
    let doc = served(&w).await;
    let phone = four(&w).await;
    super::reviews::add_rev_b(&w).await;
    let rows = w.state.store.audience_keys().await.unwrap();
    let key = rows.iter().find(|r| r.audience == "child-welfare").unwrap();
    let pk = fieldvisit_core::crypto::AudiencePublicKey::from_bytes(&key.public_key).unwrap();
    let phone_b = w.enroll("wB").await;
    upload(
        &w,
        &phone_b,
        "gB",
        "hB",
        1,
        Sha256Hash::ZERO,
        "HIGH",
        true,
        &pk,
    )
    .await;
    let tokens = [
        w.login("admin").await,
        w.login("supA").await,
        w.login("revA").await,
        w.login("wA").await,
    ];
    let [admin, sup, rev, worker] = tokens.each_ref().map(String::as_str);
    let device = phone.token.as_str();
    // (caller, method, concrete path, documented path, body)
    let calls: Vec<(&str, &str, &str, &str, Option<Value>)> = vec![
        (admin, "GET", "/healthz", "/healthz", None),
        (admin, "GET", "/livez", "/livez", None),
        (admin, "GET", "/readyz", "/readyz", None),
        (admin, "GET", "/api/v1/auth/me", "/api/v1/auth/me", None),
        (
            admin,
            "GET",
            "/api/v1/auth/sessions",
            "/api/v1/auth/sessions",
            None,
        ),
        (
            admin,
            "GET",
            "/api/v1/audit/verify",
            "/api/v1/audit/verify",
            None,
        ),
        (admin, "GET", "/api/v1/org/units", "/api/v1/org/units", None),
        (admin, "GET", "/api/v1/staff", "/api/v1/staff", None),
        (
            admin,
            "GET",
            "/api/v1/households",
            "/api/v1/households",
            None,
        ),
        (
            admin,
            "GET",
            "/api/v1/audience-keys",
            "/api/v1/audience-keys",
            None,
        ),
        (admin, "GET", "/api/v1/devices", "/api/v1/devices", None),
        (
            admin,
            "GET",
            "/api/v1/alert-channels",
            "/api/v1/alert-channels",
            None,
        ),
        (
            admin,
            "GET",
            "/api/v1/alerts?limit=5",
            "/api/v1/alerts",
            None,
        ),
        (
            admin,
            "GET",
            "/api/v1/counties/k/parameters",
            "/api/v1/counties/{county_id}/parameters",
            None,
        ),
        (
            admin,
            "PUT",
            "/api/v1/counties/k/parameters",
            "/api/v1/counties/{county_id}/parameters",
            Some(
                json!({"low_income_standards": [{"year": 2026, "yuan_per_person_month": 800.0}],
                "evidence_thresholds": {"max_distance_m": 300.0, "max_accuracy_m": 50.0,
                    "max_fix_age_s": 60, "min_duration_s": 60}}),
            ),
        ),
        (
            admin,
            "GET",
            "/api/v1/counties/k/templates",
            "/api/v1/counties/{county_id}/templates",
            None,
        ),
        (
            admin,
            "POST",
            "/api/v1/devices/enrollment-codes",
            "/api/v1/devices/enrollment-codes",
            Some(json!({"worker_id": "wA"})),
        ),
        (
            admin,
            "POST",
            "/api/v1/org/units",
            "/api/v1/org/units",
            Some(json!({"id": "v9", "parent_id": "tA", "level": "village", "name": "九村"})),
        ),
        (sup, "GET", "/api/v1/visits", "/api/v1/visits", None),
        (sup, "GET", "/api/v1/reviews", "/api/v1/reviews", None),
        (
            sup,
            "GET",
            "/api/v1/reviews/overdue",
            "/api/v1/reviews/overdue",
            None,
        ),
        (
            sup,
            "GET",
            "/api/v1/reviews/g2",
            "/api/v1/reviews/{visit_id}",
            None,
        ),
        (sup, "GET", "/api/v1/coverage", "/api/v1/coverage", None),
        (
            sup,
            "GET",
            "/api/v1/coverage/evidence",
            "/api/v1/coverage/evidence",
            None,
        ),
        (
            sup,
            "GET",
            "/api/v1/coverage/trend?months=3",
            "/api/v1/coverage/trend",
            None,
        ),
        (
            sup,
            "GET",
            "/api/v1/coverage/households?status=overdue",
            "/api/v1/coverage/households",
            None,
        ),
        (
            rev,
            "POST",
            "/api/v1/reviews/g2/decision",
            "/api/v1/reviews/{visit_id}/decision",
            Some(json!({"action": "start"})),
        ),
        (worker, "GET", "/api/v1/visits", "/api/v1/visits", None),
        (
            device,
            "GET",
            "/api/v1/assignments",
            "/api/v1/assignments",
            None,
        ),
        (
            &phone.token,
            "GET",
            "/api/v1/visits/g1/photos/p1",
            "/api/v1/visits/{visit_id}/photos/{photo_id}",
            None,
        ),
        // Refusals carry the documented error body.
        (worker, "GET", "/api/v1/staff", "/api/v1/staff", None),
        (
            admin,
            "GET",
            "/api/v1/reviews/nope",
            "/api/v1/reviews/{visit_id}",
            None,
        ),
    ];
    let mut checked = 0;
    for (token, method, uri, path, body) in calls {
        let r = match body {
            Some(b) => w.json(method, uri, Some(token), b).await,
            None => w.call(method, uri, Some(token), Body::empty()).await,
        };
        let schema = response_schema(&doc, method, path, r.status.as_u16())
            .unwrap_or_else(|| panic!("{method} {uri}: no JSON schema for {}", r.status));
        assert_eq!(
            mismatch(
                &doc,
                &schema,
                &r.json,
                &format!("{method} {uri} {}", r.status)
            ),
            None,
            "{}",
            r.json
        );
        checked += 1;
    }
    assert!(checked > 30);
}

#[tokio::test]
async fn what_the_schema_refuses_the_server_refuses() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let admin = w.login("adminA").await;
    let sup = w.login("supA").await;
    for (token, uri) in [
        (&admin, "/api/v1/alerts?limit=0"),
        (&admin, "/api/v1/alerts?limit=501"),
        (&admin, "/api/v1/alerts?surplus=1"),
        (&sup, "/api/v1/coverage?unit="),
        (&sup, "/api/v1/coverage?worker="),
        (&sup, "/api/v1/reports/briefing?worker="),
        (&sup, "/api/v1/reports/briefing?category=nope&format=csv"),
        (&phone.token, "/api/v1/assignments?since="),
    ] {
        let r = w.call("GET", uri, Some(token), Body::empty()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.json);
    }
    let channel = |digest_at: &str| {
        json!({"unit_id": "tA", "kind": "wecom", "label": "群",
            "url": "https://x.example/h?key=1", "digest_at": digest_at})
    };
    for t in ["8:00", " 08:00", "24:00", "08:60"] {
        let r = w
            .json("POST", "/api/v1/alert-channels", Some(&admin), channel(t))
            .await;
        assert_eq!(r.code(), "invalid_digest_time", "{t}");
    }
    let r = w
        .json(
            "POST",
            "/api/v1/alert-channels",
            Some(&admin),
            channel("23:59"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    // JSON Schema counts 2026.0 as an integer, and so does the server.
    let county = w.login("admin").await;
    let r = w
        .json(
            "PUT",
            "/api/v1/counties/k/parameters",
            Some(&county),
            json!({"low_income_standards": [{"year": 2026.0, "yuan_per_person_month": 900.0}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["own"]["low_income_standards"][0]["year"], 2026);
}

//! Org units, staff accounts, household listing (masked) and CSV import over HTTP.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn households_are_listed_with_masked_id_numbers() {
    let w = world().await;
    let sup = w.login("supA").await;
    let r = w
        .call("GET", "/api/v1/households", Some(&sup), Body::empty())
        .await;
    let text = r.json.to_string();
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    assert!(text.contains("3201**********1234"), "{text}");
    assert!(!text.contains("320102198001011234"));
    let worker = w.login("wA").await;
    let r = w
        .call("GET", "/api/v1/households", Some(&worker), Body::empty())
        .await;
    let ids: Vec<_> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hA"], "a worker sees only their caseload");
}

#[tokio::test]
async fn csv_import_over_http() {
    let w = world().await;
    let admin = w.login("admin").await;
    let good = format!(
        "{CSV_HEADER}h9,vA,\"赵六'); DROP TABLE households; --\",32010219800101999X,\"1号, 2单元\",tekun,2026-03-01,,,wA\n"
    );
    let r = w
        .call("POST", "/api/v1/households/import", Some(&admin), good)
        .await;
    assert_eq!(
        (r.status, r.json["imported"].clone()),
        (StatusCode::OK, 1.into()),
        "{:?}",
        r.json
    );
    // SQL in a text field is just text.
    let row = w.state.store.household("h9").await.unwrap().unwrap().0;
    assert_eq!(row.household.head_name, "赵六'); DROP TABLE households; --");
    assert_eq!(w.counts().await.households, 4);
    let before = w.counts().await;
    let bad = [
        format!("{CSV_HEADER}h1'--,vA,甲,320102198001011234,addr,dibao,2026-01-01,,,\n"),
        format!("{CSV_HEADER}h1,vA' OR '1'='1,甲,320102198001011234,addr,dibao,2026-01-01,,,\n"),
        format!(
            "{CSV_HEADER}h1,vA,甲,320102198001011234,addr,dibao,2026-01-01,,,wA'; DELETE FROM staff;--\n"
        ),
        format!("{CSV_HEADER}h1,vX,甲,320102198001011234,addr,dibao,2026-01-01,,,\n"),
        format!("{CSV_HEADER}h1,tA,甲,320102198001011234,addr,dibao,2026-01-01,,,\n"),
        format!("{CSV_HEADER}h1,vA,甲,320102198001011234,addr,dibao,2026-01-01,,,wB\n"),
        format!("{CSV_HEADER}h1,vA,甲,123,addr,dibao,2026-01-01,,,\n"),
        "id,name\n1,x\n".to_owned(),
    ];
    for csv in bad {
        let r = w
            .call(
                "POST",
                "/api/v1/households/import",
                Some(&admin),
                csv.clone(),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, "invalid_csv"),
            "{csv}"
        );
        assert!(
            r.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line "),
            "{:?}",
            r.json
        );
        assert!(!r.json.to_string().contains("320102198001011234"));
    }
    assert_eq!(w.counts().await, before);
    let sup = w.login("supA").await;
    let r = w
        .call(
            "POST",
            "/api/v1/households/import",
            Some(&sup),
            CSV_HEADER.to_owned(),
        )
        .await;
    assert_eq!(r.code(), "forbidden_role");
}

#[tokio::test]
async fn staff_and_units_admin() {
    let w = world().await;
    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin),
            json!({ "id": "vA2", "parent_id": "tA", "level": "village", "name": "新村" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    assert_eq!(r.json["path"], "/js/nj/k/tA/vA2/");
    let sql_name = "新村'); DELETE FROM org_units; --";
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin),
            json!({ "id": "vA3", "parent_id": "tA", "level": "village", "name": sql_name }),
        )
        .await;
    assert_eq!(r.json["name"], sql_name);
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin),
            json!({ "id": "x1", "parent_id": "tA' OR '1'='1", "level": "village", "name": "x" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin),
            json!({ "id": "x", "parent_id": "tA", "level": "city", "name": "错" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = w
        .json(
            "POST",
            "/api/v1/org/units",
            Some(&admin),
            json!({ "id": "../x", "parent_id": "tA", "level": "village", "name": "错" }),
        )
        .await;
    assert_eq!(r.code(), "invalid_id");
    let new = json!({ "login": "new.worker", "display_name": "新社工", "role": "worker", "scope_unit_id": "tA", "password": "long enough pw" });
    let r = w
        .json("POST", "/api/v1/staff", Some(&admin), new.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    assert_eq!(
        w.json("POST", "/api/v1/staff", Some(&admin), new)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let r = w.json("POST", "/api/v1/staff", Some(&admin), json!({ "login": "x'--", "display_name": "a", "role": "worker", "scope_unit_id": "tA", "password": "long enough pw" })).await;
    assert_eq!(r.code(), "invalid_login");
    let r = w.json("POST", "/api/v1/staff", Some(&admin), json!({ "login": "short", "display_name": "a", "role": "worker", "scope_unit_id": "tA", "password": "short" })).await;
    assert_eq!(r.code(), "weak_password");
    let r = w.json("POST", "/api/v1/staff", Some(&admin), json!({ "login": "r", "display_name": "a", "role": "king", "scope_unit_id": "tA", "password": "long enough pw" })).await;
    assert_eq!(r.code(), "malformed_json");
    let list = w
        .call("GET", "/api/v1/staff", Some(&admin), Body::empty())
        .await;
    assert!(!list.json.to_string().contains("argon2"));
    let units = w
        .call("GET", "/api/v1/org/units", Some(&admin), Body::empty())
        .await;
    assert_eq!(
        units.json.as_array().unwrap().len(),
        7,
        "county admin sees the county branch"
    );
}

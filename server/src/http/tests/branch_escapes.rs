//! The two branch escapes that once worked for a township admin, tried as they were done, and
//! the explicit, audited move that replaces the first.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use super::*;

const PASS: &str = "a long passphrase for keys";

/// Before: a township-A admin imported a row naming township B's household `hB` with A's village
/// `vA`, which moved `hB` and its history into A. Now the row is refused and `hB` stays.
#[tokio::test]
async fn an_import_cannot_take_a_household_of_another_township() {
    let w = world().await;
    let admin_a = w.login("adminA").await;
    let csv = format!(
        "{CSV_HEADER}hB,vA,李四,320102198001019876,汤山村9号,left_behind_child,2026-01-05,,,wA\n"
    );
    let r = w
        .call("POST", "/api/v1/households/import", Some(&admin_a), csv)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "invalid_csv");
    let message = r.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("line 2, column household_id"), "{message}");
    assert!(
        !message.contains("淳化"),
        "the refusal names no place of B: {message}"
    );
    let (row, path) = w.state.store.household("hB").await.unwrap().unwrap();
    assert_eq!(row.household.village_id, "vB");
    assert_eq!(row.worker_id.as_deref(), Some("wB"));
    assert_eq!(path, "/js/nj/k/tB/vB/");
    // The same file from the county admin is refused too: an import never moves a household.
    let admin = w.login("admin").await;
    let csv = format!(
        "{CSV_HEADER}hB,vA,李四,320102198001019876,汤山村9号,left_behind_child,2026-01-05,,,wA\n"
    );
    let r = w
        .call("POST", "/api/v1/households/import", Some(&admin), csv)
        .await;
    assert_eq!(r.code(), "invalid_csv");
    // A row of one's own village still updates the household in place.
    let csv = format!(
        "{CSV_HEADER}hA,vA,张三,320102198001011234,汤山村1号甲,dibao,2026-01-05,32.0,118.9,wA\n"
    );
    let r = w
        .call("POST", "/api/v1/households/import", Some(&admin_a), csv)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let (row, _) = w.state.store.household("hA").await.unwrap().unwrap();
    assert_eq!(row.household.address, "汤山村1号甲");
}

/// Moving is its own operation, by an admin whose branch covers both villages, and audited.
#[tokio::test]
async fn a_move_needs_a_branch_covering_both_villages_and_is_audited() {
    let w = world().await;
    let admin_a = w.login("adminA").await;
    let move_hb = json!({ "village_id": "vA" });
    let r = w
        .json(
            "POST",
            "/api/v1/households/hB/move",
            Some(&admin_a),
            move_hb.clone(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "B's household is not A's to move"
    );
    let r = w
        .json(
            "POST",
            "/api/v1/households/hA/move",
            Some(&admin_a),
            json!({ "village_id": "vB" }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "nor is B's village A's to move into"
    );
    let sup_a = w.login("supA").await;
    let r = w
        .json(
            "POST",
            "/api/v1/households/hA2/move",
            Some(&sup_a),
            json!({ "village_id": "vA" }),
        )
        .await;
    assert_eq!(r.code(), "forbidden_role");

    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/households/hB/move",
            Some(&admin),
            json!({ "village_id": "vA", "worker_id": "wB" }),
        )
        .await;
    assert_eq!(r.code(), "invalid_worker", "wB's branch does not cover vA");
    let r = w
        .json("POST", "/api/v1/households/hB/move", Some(&admin), move_hb)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["from_village_id"], "vB");
    assert_eq!(r.json["village_id"], "vA");
    assert_eq!(r.json["worker_id"], Value::Null, "wB does not cover vA");
    let (row, path) = w.state.store.household("hB").await.unwrap().unwrap();
    assert_eq!(row.household.village_id, "vA");
    assert_eq!(path, "/js/nj/k/tA/vA/");
    let moves: Vec<_> = w
        .state
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "household.move")
        .collect();
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].actor, "admin");
    assert_eq!(moves[0].target, "hB");
    assert!(moves[0].detail.contains("\"from_village_id\":\"vB\""));
    assert!(!moves[0].detail.contains("李四"));
}

/// Before: a township admin's `POST /audience-keys` without `unit_id` made a key for the
/// township that shadowed the county's, so the township's phones sealed to the admin's
/// passphrase. Now keys belong to counties, and one of a higher branch cannot be shadowed.
#[tokio::test]
async fn a_township_admin_cannot_replace_the_county_audience_key() {
    let w = world().await;
    let county =
        ops::audience::create_key_for(&w.state, &Actor::cli(), Some("k"), "child-welfare", PASS)
            .await
            .unwrap();
    let admin_a = w.login("adminA").await;
    let url = "/api/v1/audience-keys";
    for body in [
        json!({ "audience": "child-welfare", "passphrase": "the admin's own phrase" }),
        json!({ "audience": "child-welfare", "unit_id": "tA", "passphrase": "the admin's own phrase" }),
    ] {
        let r = w.json("POST", url, Some(&admin_a), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.json);
        assert_eq!(r.code(), "not_a_county");
    }
    let r = w
        .json(
            "POST",
            url,
            Some(&admin_a),
            json!({ "audience": "child-welfare", "unit_id": "k", "passphrase": "the admin's own phrase" }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the county is above A's branch"
    );
    assert_eq!(w.state.store.audience_keys().await.unwrap().len(), 1);
    // Township A's phones still seal to the county's key.
    let phone = w.enroll("wA").await;
    let r = w
        .call(
            "GET",
            "/api/v1/assignments",
            Some(&phone.token),
            Body::empty(),
        )
        .await;
    let keys = r.json["audience_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["public_key"], county.public_key.as_str());
}

/// A county key cannot be made under a key the CLI set for a higher branch.
#[tokio::test]
async fn a_key_of_a_higher_branch_cannot_be_shadowed_from_below() {
    let w = world().await;
    ops::audience::create_key_for(&w.state, &Actor::cli(), Some("nj"), "civil-affairs", PASS)
        .await
        .unwrap();
    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/audience-keys",
            Some(&admin),
            json!({ "audience": "civil-affairs", "passphrase": PASS }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(r.code(), "shadowed_key");
    // Another audience has no key above, so the county admin makes its own.
    let r = w
        .json(
            "POST",
            "/api/v1/audience-keys",
            Some(&admin),
            json!({ "audience": "child-welfare", "passphrase": PASS }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let rows = w.state.store.audience_keys().await.unwrap();
    let cw = rows.iter().find(|r| r.audience == "child-welfare").unwrap();
    assert_eq!(cw.unit_id, "k");
}

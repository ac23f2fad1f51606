//! The account lifecycle: the owner's password change, an admin's disable, enable, reset and new
//! placement (each ends the account's sessions), hash upgrades at sign-in, and audience keys held
//! by the session that unlocked them.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use super::reviews::{PASS, four};
use super::*;

async fn sign_in(w: &World, staff_id: &str, password: &str) -> Resp {
    w.json(
        "POST",
        "/api/v1/auth/login",
        None,
        json!({ "login": format!("{staff_id}@fv"), "password": password }),
    )
    .await
}

async fn me(w: &World, token: &str) -> StatusCode {
    w.call("GET", "/api/v1/auth/me", Some(token), Body::empty())
        .await
        .status
}

#[tokio::test]
async fn the_owner_changes_their_password_with_the_old_one_and_every_session_ends() {
    let w = world().await;
    let first = w.login("supA").await;
    let second = w.login("supA").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let r = w
        .json(
            "POST",
            "/api/v1/auth/password",
            Some(&first),
            change("wrong one!!", "a new password 1"),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    let r = w
        .json(
            "POST",
            "/api/v1/auth/password",
            Some(&first),
            change(PASSWORD, "short"),
        )
        .await;
    assert_eq!(r.code(), "weak_password");
    let r = w
        .json(
            "POST",
            "/api/v1/auth/password",
            Some(&first),
            change(PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(r.code(), "same_password");
    let r = w
        .json(
            "POST",
            "/api/v1/auth/password",
            Some(&first),
            change(PASSWORD, "a new password 1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.json);
    assert_eq!(me(&w, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&w, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&w, "supA", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&w, "supA", "a new password 1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_admin_reset_forces_a_change_at_the_next_sign_in() {
    let w = world().await;
    let old = w.login("supA").await;
    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/staff/supA/password",
            Some(&admin),
            json!({ "password": "temporary pass 1" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["sessions_ended"], 1);
    assert_eq!(me(&w, &old).await, StatusCode::UNAUTHORIZED);
    let r = sign_in(&w, "supA", "temporary pass 1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["must_change_password"], true);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let r = w
        .call("GET", "/api/v1/coverage", Some(&token), Body::empty())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "password_change_required")
    );
    assert_eq!(me(&w, &token).await, StatusCode::OK);
    let r = w
        .json(
            "POST",
            "/api/v1/auth/password",
            Some(&token),
            json!({ "current_password": "temporary pass 1", "new_password": "my own pass 22" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = sign_in(&w, "supA", "my own pass 22").await;
    assert_eq!(r.json["must_change_password"], false);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let r = w
        .call("GET", "/api/v1/coverage", Some(&token), Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn disabling_ends_sessions_and_refuses_sign_in_until_enabled() {
    let w = world().await;
    let sup = w.login("supA").await;
    let admin = w.login("admin").await;
    let r = w
        .call(
            "POST",
            "/api/v1/staff/supA/disable",
            Some(&admin),
            Body::empty(),
        )
        .await;
    assert_eq!(r.json["sessions_ended"], 1, "{}", r.json);
    assert_eq!(me(&w, &sup).await, StatusCode::UNAUTHORIZED);
    let r = sign_in(&w, "supA", PASSWORD).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "account_disabled")
    );
    let wrong = sign_in(&w, "supA", "not the password").await;
    assert_eq!(
        wrong.code(),
        "invalid_credentials",
        "a wrong password says nothing more"
    );
    let listed = w
        .call("GET", "/api/v1/staff", Some(&admin), Body::empty())
        .await;
    let row = listed
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "supA")
        .unwrap()
        .clone();
    assert_eq!(row["disabled"], true);
    let r = w
        .call(
            "POST",
            "/api/v1/staff/supA/enable",
            Some(&admin),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(sign_in(&w, "supA", PASSWORD).await.status, StatusCode::OK);
    let kinds: Vec<String> = w
        .state
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target == "supA")
        .map(|e| e.action)
        .collect();
    assert!(kinds.contains(&"staff.disable".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"login.disabled".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"staff.enable".to_owned()), "{kinds:?}");
}

#[tokio::test]
async fn a_new_role_or_branch_ends_sessions_and_stays_inside_the_admins_branch() {
    let w = world().await;
    let sup = w.login("supA").await;
    let admin_a = w.login("adminA").await;
    let to_b = json!({ "role": "supervisor", "scope_unit_id": "tB" });
    let r = w
        .json(
            "POST",
            "/api/v1/staff/supA/placement",
            Some(&admin_a),
            to_b.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "tB is outside A's branch");
    let r = w
        .json(
            "POST",
            "/api/v1/staff/supB/placement",
            Some(&admin_a),
            json!({ "role": "worker", "scope_unit_id": "tA" }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "supB is outside A's branch"
    );
    let r = w
        .json(
            "POST",
            "/api/v1/staff/adminA/disable",
            Some(&admin_a),
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "own_account");
    let r = w
        .call(
            "POST",
            "/api/v1/staff/supA/disable",
            Some(&sup),
            Body::empty(),
        )
        .await;
    assert_eq!(r.code(), "forbidden_role");
    let r = w
        .json(
            "POST",
            "/api/v1/staff/supA/placement",
            Some(&admin_a),
            json!({ "role": "child_welfare_reviewer", "scope_unit_id": "vA" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(me(&w, &sup).await, StatusCode::UNAUTHORIZED);
    let token = w.login("supA").await;
    let r = w
        .call("GET", "/api/v1/auth/me", Some(&token), Body::empty())
        .await;
    assert_eq!(r.json["role"], "child_welfare_reviewer");
    assert_eq!(r.json["scope_unit_id"], "vA");
}

#[tokio::test]
async fn a_cheaper_hash_is_made_again_at_sign_in() {
    let w = world_with(|c| c.argon2.m_cost = 512).await;
    let before = w
        .state
        .store
        .staff("supA")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    // The fixture's accounts were made at the configured cost; make one at a lower cost.
    let cheap = crate::auth::password::hash(
        PASSWORD,
        &crate::config::Argon2Cost {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        },
    )
    .unwrap();
    w.state
        .store
        .upgrade_password_hash(
            "supA",
            &cheap,
            &crate::audit::fixture_draft("upgrade_password_hash"),
        )
        .await
        .unwrap();
    assert!(before.contains("m=512"));
    w.login("supA").await;
    let after = w
        .state
        .store
        .staff("supA")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(after.contains("m=512"), "{after}");
    assert!(crate::auth::password::verify(PASSWORD, &after));
}

#[tokio::test]
async fn an_unlocked_key_belongs_to_the_session_that_unlocked_it() {
    let w = world().await;
    four(&w).await;
    let first = w.login("revA").await;
    let second = w.login("revA").await;
    let unlock = json!({ "audience": "child-welfare", "passphrase": PASS });
    let r = w
        .json("POST", "/api/v1/reviews/unlock", Some(&first), unlock)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let read = |t: String| {
        let w = &w;
        async move {
            w.call("GET", "/api/v1/reviews/g2/content", Some(&t), Body::empty())
                .await
        }
    };
    assert_eq!(read(first.clone()).await.status, StatusCode::OK);
    assert_eq!(read(second.clone()).await.code(), "key_locked");
    let r = w
        .call("POST", "/api/v1/auth/logout", Some(&first), Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let again = w.login("revA").await;
    assert_eq!(
        read(again).await.code(),
        "key_locked",
        "signing out locked it"
    );
}

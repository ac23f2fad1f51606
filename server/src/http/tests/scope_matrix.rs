//! The scope matrix: every route of the route list, tried by every staff role of township A on
//! what belongs to township B (a sibling) and, for writes, to the county above (a parent). No
//! such request succeeds, and no answer holds B's ids. The rows come from the route list: a new
//! route without a row here fails the test.

use axum::body::Body;
use fieldvisit_core::crypto::Sha256Hash;
use serde_json::{Value, json};

use super::reviews::{four, upload};
use super::*;

/// A JSON body made on demand.
type MakeBody = fn() -> Value;

/// How a route is tried.
enum Row {
    /// Needs no caller (health, documents, sign-in, enrollment): nothing to scope.
    Open,
    /// A phone's route: a staff token is refused outright.
    Phone,
    /// Acts on the caller alone (their own session, password).
    OwnOnly,
    /// Lists or reports the caller's branch: tried as is, its answer must hold none of B's ids.
    Listing,
    /// Names something: tried on B's (and, when given, on the county's) with this path and body.
    Names {
        /// Path (and query) naming B's object.
        sibling: &'static str,
        /// JSON body, if the route takes one.
        body: Option<MakeBody>,
        /// A request on the county's own object, for routes that write.
        parent: Option<(&'static str, Option<MakeBody>)>,
    },
}

fn row(method: &str, path: &str) -> Option<Row> {
    use Row::*;
    Some(match (method, path) {
        ("GET", "/healthz" | "/livez" | "/readyz" | "/metrics" | "/api/v1/openapi.json") => Open,
        ("POST", "/api/v1/auth/login" | "/api/v1/devices/enroll" | "/api/v1/devices/token") => Open,
        ("GET", "/api/v1/auth/me" | "/api/v1/auth/sessions") => OwnOnly,
        ("POST", "/api/v1/auth/logout" | "/api/v1/auth/password") => OwnOnly,
        ("DELETE", "/api/v1/auth/sessions/{session_id}") => Names {
            // supB's session id is put in at run time (see below); this is its placeholder.
            sibling: "/api/v1/auth/sessions/SESSION_OF_B",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/assignments") => Phone,
        ("PUT", "/api/v1/visits/{visit_id}") => Phone,
        ("GET" | "PUT", "/api/v1/visits/{visit_id}/photos/{photo_id}") => Phone,
        (
            "GET",
            "/api/v1/alert-channels"
            | "/api/v1/alerts"
            | "/api/v1/org/units"
            | "/api/v1/staff"
            | "/api/v1/households"
            | "/api/v1/audience-keys"
            | "/api/v1/devices"
            | "/api/v1/visits"
            | "/api/v1/reviews"
            | "/api/v1/reviews/overdue"
            | "/api/v1/audit/verify",
        ) => Listing,
        ("POST", "/api/v1/reviews/unlock" | "/api/v1/reviews/lock") => OwnOnly,
        ("POST", "/api/v1/alert-channels") => Names {
            sibling: "/api/v1/alert-channels",
            body: Some(
                || json!({"unit_id": "tB", "kind": "wecom", "label": "x", "url": "https://x.example/h"}),
            ),
            parent: Some((
                "/api/v1/alert-channels",
                Some(
                    || json!({"unit_id": "k", "kind": "wecom", "label": "x", "url": "https://x.example/h"}),
                ),
            )),
        },
        ("POST", "/api/v1/alert-channels/test") => Names {
            sibling: "/api/v1/alert-channels/test",
            body: Some(|| json!({"unit_id": "tB"})),
            parent: None,
        },
        ("DELETE", "/api/v1/alert-channels/{channel_id}") => Names {
            sibling: "/api/v1/alert-channels/CHANNEL_OF_B",
            body: None,
            parent: Some(("/api/v1/alert-channels/CHANNEL_OF_K", None)),
        },
        ("POST", "/api/v1/alerts/{event_id}/{channel_id}/resend") => Names {
            sibling: "/api/v1/alerts/1/CHANNEL_OF_B/resend",
            body: None,
            parent: Some(("/api/v1/alerts/1/CHANNEL_OF_K/resend", None)),
        },
        ("POST", "/api/v1/org/units") => Names {
            sibling: "/api/v1/org/units",
            body: Some(|| json!({"id": "vB9", "parent_id": "tB", "level": "village", "name": "x"})),
            parent: Some((
                "/api/v1/org/units",
                Some(|| json!({"id": "tK9", "parent_id": "k", "level": "township", "name": "x"})),
            )),
        },
        ("POST", "/api/v1/staff") => Names {
            sibling: "/api/v1/staff",
            body: Some(
                || json!({"login": "spy", "display_name": "x", "role": "supervisor", "scope_unit_id": "tB", "password": "long enough pw"}),
            ),
            parent: Some((
                "/api/v1/staff",
                Some(
                    || json!({"login": "spy2", "display_name": "x", "role": "admin", "scope_unit_id": "k", "password": "long enough pw"}),
                ),
            )),
        },
        ("POST", "/api/v1/staff/{staff_id}/disable") => Names {
            sibling: "/api/v1/staff/supB/disable",
            body: None,
            parent: Some(("/api/v1/staff/admin/disable", None)),
        },
        ("POST", "/api/v1/staff/{staff_id}/enable") => Names {
            sibling: "/api/v1/staff/supB/enable",
            body: None,
            parent: Some(("/api/v1/staff/admin/enable", None)),
        },
        ("POST", "/api/v1/staff/{staff_id}/password") => Names {
            sibling: "/api/v1/staff/supB/password",
            body: Some(|| json!({"password": "a new long password"})),
            parent: Some((
                "/api/v1/staff/admin/password",
                Some(|| json!({"password": "a new long password"})),
            )),
        },
        ("POST", "/api/v1/staff/{staff_id}/placement") => Names {
            sibling: "/api/v1/staff/supB/placement",
            body: Some(|| json!({"role": "supervisor", "scope_unit_id": "tA"})),
            parent: Some((
                "/api/v1/staff/admin/placement",
                Some(|| json!({"role": "admin", "scope_unit_id": "tA"})),
            )),
        },
        ("POST", "/api/v1/households/import") => Names {
            sibling: "/api/v1/households/import",
            body: None,
            parent: None,
        },
        ("POST", "/api/v1/households/{household_id}/move") => Names {
            sibling: "/api/v1/households/hB/move",
            body: Some(|| json!({"village_id": "vA"})),
            parent: Some((
                "/api/v1/households/hA/move",
                Some(|| json!({"village_id": "vB"})),
            )),
        },
        ("GET" | "DELETE", "/api/v1/counties/{county_id}/parameters")
        | ("GET", "/api/v1/counties/{county_id}/templates") => Names {
            // A township's staff reach nothing of the county above them.
            sibling: "/api/v1/counties/k/parameters",
            body: None,
            parent: None,
        },
        ("PUT", "/api/v1/counties/{county_id}/parameters") => Names {
            sibling: "/api/v1/counties/k/parameters",
            body: Some(
                || json!({"low_income_standards": [{"year": 2026, "yuan_per_person_month": 1}]}),
            ),
            parent: None,
        },
        ("POST", "/api/v1/counties/{county_id}/templates") => Names {
            sibling: "/api/v1/counties/k/templates",
            body: Some(|| json!({"format": 1})),
            parent: None,
        },
        ("POST", "/api/v1/audience-keys") => Names {
            sibling: "/api/v1/audience-keys",
            body: Some(
                || json!({"audience": "civil-affairs", "unit_id": "tB", "passphrase": "a long enough passphrase"}),
            ),
            parent: Some((
                "/api/v1/audience-keys",
                Some(
                    || json!({"audience": "civil-affairs", "unit_id": "k", "passphrase": "a long enough passphrase"}),
                ),
            )),
        },
        // The parent try holds the county key's right passphrase: only the branch stops it.
        ("POST", "/api/v1/audience-keys/{audience}/rotate") => Names {
            sibling: "/api/v1/audience-keys/child-welfare/rotate",
            body: Some(
                || json!({"unit_id": "tB", "passphrase": super::reviews::PASS, "new_passphrase": "a long enough passphrase"}),
            ),
            parent: Some((
                "/api/v1/audience-keys/child-welfare/rotate",
                Some(
                    || json!({"unit_id": "k", "passphrase": super::reviews::PASS, "new_passphrase": "a long enough passphrase"}),
                ),
            )),
        },
        ("POST", "/api/v1/devices/enrollment-codes") => Names {
            sibling: "/api/v1/devices/enrollment-codes",
            body: Some(|| json!({"worker_id": "wB"})),
            parent: None,
        },
        ("POST", "/api/v1/devices/{device_id}/revoke") => Names {
            sibling: "/api/v1/devices/DEVICE_OF_B/revoke",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/reviews/{visit_id}") => Names {
            sibling: "/api/v1/reviews/gB",
            body: None,
            parent: None,
        },
        ("POST", "/api/v1/reviews/{visit_id}/decision") => Names {
            sibling: "/api/v1/reviews/gB/decision",
            body: Some(|| json!({"action": "take"})),
            parent: None,
        },
        ("GET", "/api/v1/reviews/{visit_id}/content") => Names {
            sibling: "/api/v1/reviews/gB/content",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/reviews/{visit_id}/photos/{photo_id}") => Names {
            sibling: "/api/v1/reviews/gB/photos/p1",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/coverage") => Names {
            sibling: "/api/v1/coverage?unit=tB",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/coverage/evidence") => Names {
            sibling: "/api/v1/coverage/evidence?unit=tB",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/coverage/trend") => Names {
            sibling: "/api/v1/coverage/trend?unit=tB",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/coverage/households") => Names {
            sibling: "/api/v1/coverage/households?unit=tB&status=due",
            body: None,
            parent: None,
        },
        ("GET", "/api/v1/reports/briefing") => Names {
            sibling: "/api/v1/reports/briefing?unit=tB&format=csv",
            body: None,
            parent: None,
        },
        _ => return None,
    })
}

/// B's ids, as they would stand in a JSON answer.
const B_IDS: [&str; 7] = [
    "\"hB\"", "\"vB\"", "\"tB\"", "\"wB\"", "\"supB\"", "\"gB\"", "\"revB\"",
];

#[tokio::test]
async fn no_role_of_township_a_reaches_what_belongs_to_township_b_or_writes_above_its_branch() {
    let w = world().await;
    // Something of B's everywhere: a guardianship visit with a photo (and its review), a device,
    // an alert channel, a session; and a channel of the county's.
    four(&w).await;
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
        false,
        &pk,
    )
    .await;
    let channel = |unit: &str| {
        let state = w.state.clone();
        let unit = unit.to_owned();
        async move {
            crate::ops::alerts::add(
                &state,
                &Actor::cli(),
                crate::ops::alerts::NewChannel {
                    unit_id: unit,
                    kind: crate::store::ChannelKind::Wecom,
                    label: "x".into(),
                    url: "https://x.example/h".into(),
                    secret: None,
                    events: vec![],
                    digest_at: crate::ops::alerts::default_digest_at(),
                },
            )
            .await
            .unwrap()
            .id
        }
    };
    let (channel_b, channel_k) = (channel("tB").await, channel("k").await);
    let session_b: String = crate::auth::token::token_hash(&w.login("supB").await)
        .chars()
        .take(16)
        .collect();
    let fill = |p: &str| {
        p.replace("CHANNEL_OF_B", &channel_b)
            .replace("CHANNEL_OF_K", &channel_k)
            .replace("DEVICE_OF_B", &phone_b.device_id)
            .replace("SESSION_OF_B", &session_b)
    };
    let csv_into_b = format!("{CSV_HEADER}hX,vB,甲,320102198001011234,addr,dibao,2026-01-01,,,\n");

    let mut missing = Vec::new();
    let mut escapes = Vec::new();
    let roles = ["adminA", "supA", "revA", "wA"];
    let mut tokens = Vec::new();
    for r in roles {
        tokens.push((r, w.login(r).await));
    }
    // The rows follow the document the router serves, which the router's own route list makes.
    let doc = w
        .call("GET", "/api/v1/openapi.json", None, Body::empty())
        .await
        .json;
    for route in crate::http::openapi::routes(&doc) {
        let Some(row) = row(&route.method, &route.path) else {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        };
        for (role, token) in &tokens {
            let mut tries: Vec<(String, Option<Value>, &str)> = Vec::new();
            match &row {
                Row::Open | Row::OwnOnly => {}
                Row::Phone => {
                    let path = route
                        .path
                        .replace("{visit_id}", "gB")
                        .replace("{photo_id}", "p1");
                    tries.push((path, None, "phone route"));
                }
                Row::Listing => tries.push((route.path.clone(), None, "listing")),
                Row::Names {
                    sibling,
                    body,
                    parent,
                } => {
                    tries.push((fill(sibling), body.map(|b| b()), "sibling"));
                    if let Some((p, b)) = parent {
                        tries.push((fill(p), b.map(|b| b()), "parent"));
                    }
                }
            }
            for (path, body, what) in tries {
                let r = if path == "/api/v1/households/import" {
                    w.call(&route.method, &path, Some(token), csv_into_b.clone())
                        .await
                } else {
                    match &body {
                        Some(b) => w.json(&route.method, &path, Some(token), b.clone()).await,
                        None => {
                            w.call(&route.method, &path, Some(token), Body::empty())
                                .await
                        }
                    }
                };
                let text = r.json.to_string();
                let leaked = B_IDS.iter().find(|id| text.contains(**id));
                let succeeded = r.status.is_success();
                let allowed_listing = matches!(row, Row::Listing);
                if (succeeded && !allowed_listing) || leaked.is_some() {
                    escapes.push(format!(
                        "{role} {} {path} ({what}): {} {}",
                        route.method,
                        r.status,
                        leaked.map_or(String::new(), |id| format!("leaks {id}"))
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the scope matrix: {missing:?}"
    );
    assert!(
        escapes.is_empty(),
        "branch escapes:\n{}",
        escapes.join("\n")
    );
    // B's things are untouched, and the county's key was not rotated.
    assert_eq!(
        w.state
            .store
            .audience_key_generations("child-welfare", "k")
            .await
            .unwrap()
            .len(),
        1
    );
    let b = w.state.store.staff("supB").await.unwrap().unwrap();
    assert!(!b.disabled);
    assert!(
        w.state
            .store
            .household("hB")
            .await
            .unwrap()
            .unwrap()
            .1
            .contains("/tB/")
    );
}

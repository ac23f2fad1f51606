//! Login, sessions, CSRF, lockout, JSON errors for unknown routes, health and OpenAPI coverage.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use super::*;

#[tokio::test]
async fn login_sets_a_strict_httponly_cookie_and_returns_a_bearer_token() {
    let w = world().await;
    let r = w
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({ "login": "supA@fv", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"));
    let token = r.json["token"].as_str().unwrap();
    let me = w
        .call("GET", "/api/v1/auth/me", Some(token), Body::empty())
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["role"], "supervisor");
    assert_eq!(me.json["scope_unit_id"], "tA");
    // The cookie alone authenticates reads.
    let session = cookie.split(';').next().unwrap().to_owned();
    let req = Request::get("/api/v1/auth/me")
        .header("cookie", &session)
        .body(Body::empty())
        .unwrap();
    assert_eq!(w.send(req).await.status, StatusCode::OK);
    // A cookie-authenticated write needs the CSRF header.
    let req = Request::post("/api/v1/auth/logout")
        .header("cookie", &session)
        .body(Body::empty())
        .unwrap();
    let r2 = w.send(req).await;
    assert_eq!((r2.status, r2.code()), (StatusCode::FORBIDDEN, "csrf"));
    let csrf = r.json["csrf_token"].as_str().unwrap();
    let req = Request::post("/api/v1/auth/logout")
        .header("cookie", &session)
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(w.send(req).await.status, StatusCode::NO_CONTENT);
    let after = w
        .call("GET", "/api/v1/auth/me", Some(token), Body::empty())
        .await;
    assert_eq!(
        (after.status, after.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
}

#[tokio::test]
async fn wrong_passwords_are_slowed_then_locked_and_audited() {
    let w = world().await;
    let audit_before = w.counts().await.audit;
    for _ in 0..4 {
        let r = w
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                json!({ "login": "wA@fv", "password": "wrong password" }),
            )
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNAUTHORIZED, "invalid_credentials")
        );
    }
    let r = w
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({ "login": "wA@fv", "password": "wrong password" }),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "account_locked")
    );
    assert!(r.headers.contains_key("retry-after"));
    // Even the right password is refused while locked.
    let r = w
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({ "login": "wA@fv", "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.code(), "account_locked");
    // Other accounts are unaffected.
    w.login("wB").await;
    let entries = w
        .state
        .store
        .audit_entries(audit_before, 100)
        .await
        .unwrap();
    // The failures are counted, not an entry each; the lock is one entry.
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action.starts_with("login.failure"))
            .count(),
        0
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "login.locked")
            .count(),
        1
    );
    // A minute on, they are summarised: five wrong passwords and one attempt while locked.
    let written = crate::ops::sessions::summarise_failed_signins(
        &w.state,
        Utc::now() + chrono::Duration::minutes(1),
    )
    .await
    .unwrap();
    assert!(written >= 1);
    let summaries: Vec<_> = w
        .state
        .store
        .audit_entries(audit_before, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failures")
        .collect();
    let counted: u64 = summaries
        .iter()
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            d["accounts"]["wA"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(counted, 6, "{summaries:?}");
    // Summarised once: a second run writes nothing.
    assert_eq!(
        crate::ops::sessions::summarise_failed_signins(
            &w.state,
            Utc::now() + chrono::Duration::minutes(1)
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "login.success")
            .count(),
        1
    );
    assert!(entries.iter().all(|e| !e.detail.contains("wA@fv")));
}

#[tokio::test]
async fn bad_login_inputs() {
    let w = world().await;
    let before = w.counts().await;
    let cases = [
        (
            json!({ "login": "nobody@fv", "password": "x" }).to_string(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            json!({ "login": "admin' OR '1'='1' --", "password": "' OR 1=1 --" }).to_string(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            json!({ "login": "admin@fv\"; DROP TABLE staff; --", "password": PASSWORD })
                .to_string(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        ),
        (
            "{not json".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            json!({ "login": "admin@fv" }).to_string(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
    ];
    for (body, status, code) in cases {
        let r = w
            .call("POST", "/api/v1/auth/login", None, body.clone())
            .await;
        assert_eq!((r.status, r.code()), (status, code), "{body}");
    }
    let after = w.counts().await;
    assert_eq!(after.staff, before.staff);
    // Failed sign-ins are counted, then summarised a minute at a time.
    assert_eq!(after.audit, before.audit, "no entry per failed sign-in");
    crate::ops::sessions::summarise_failed_signins(
        &w.state,
        Utc::now() + chrono::Duration::minutes(1),
    )
    .await
    .unwrap();
    let summaries = w.state.store.audit_entries(before.audit, 10).await.unwrap();
    let unknown: u64 = summaries
        .iter()
        .filter(|e| e.action == "login.failures")
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap();
            d["unknown_login"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(unknown, 3, "{summaries:?}");
    let r = w
        .call("GET", "/api/v1/auth/me", Some("fvs_forged"), Body::empty())
        .await;
    assert_eq!(r.code(), "unauthenticated");
    let r = w.call("GET", "/api/v1/auth/me", None, Body::empty()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let w = world().await;
    let r = w.call("GET", "/api/v1/nope", None, Body::empty()).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    let r = w
        .call("DELETE", "/api/v1/auth/login", None, Body::empty())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[tokio::test]
async fn healthz_and_openapi_describe_every_route() {
    let w = world().await;
    assert_eq!(
        w.call("GET", "/healthz", None, Body::empty()).await.json["status"],
        "ok"
    );
    let doc = w
        .call("GET", "/api/v1/openapi.json", None, Body::empty())
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    let routes = crate::http::openapi::routes(&doc.json);
    assert!(routes.len() > 50, "{}", routes.len());
    for route in routes {
        let m = route.method.to_lowercase();
        assert!(
            doc.json["paths"][&route.path][&m].is_object(),
            "{} {}",
            route.method,
            route.path
        );
        // The route exists in the router: it may refuse us, but not as an unknown route or method.
        let uri = route
            .path
            .replace("{device_id}", "x")
            .replace("{visit_id}", "x")
            .replace("{photo_id}", "y")
            .replace("{channel_id}", "c")
            .replace("{session_id}", "0123456789abcdef")
            .replace("{event_id}", "1");
        let r = w.call(&route.method, &uri, None, Body::empty()).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
        assert!(
            !(r.status == StatusCode::NOT_FOUND && r.json["error"]["message"] == "route not found"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn sessions_expire_and_cookies_can_be_secure() {
    let w = world_with(|c| {
        c.session_ttl = std::time::Duration::ZERO;
        c.secure_cookies = true;
    })
    .await;
    let r = w
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({ "login": "supA@fv", "password": PASSWORD }),
        )
        .await;
    assert!(
        r.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
    let token = r.json["token"].as_str().unwrap();
    let me = w
        .call("GET", "/api/v1/auth/me", Some(token), Body::empty())
        .await;
    assert_eq!(me.code(), "unauthenticated");
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_host_prefixed_and_only_that_name_is_read() {
    let w = world_with(|c| c.secure_cookies = true).await;
    let r = w
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({ "login": "supA@fv", "password": PASSWORD }),
        )
        .await;
    let set = r.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("__Host-fv_session="), "{set}");
    assert!(set.contains("; Secure") && set.contains("; Path=/") && !set.contains("Domain"));
    let token = r.json["token"].as_str().unwrap();
    let me = |name: &str| {
        Request::get("/api/v1/auth/me")
            .header("cookie", format!("{name}={token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(w.send(me("__Host-fv_session")).await.status, StatusCode::OK);
    // A cookie without the prefix could have been planted by a sibling subdomain: not read.
    assert_eq!(
        w.send(me("fv_session")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn admins_verify_the_audit_chain_over_http() {
    let w = world().await;
    let admin = w.login("admin").await;
    let r = w
        .call("GET", "/api/v1/audit/verify", Some(&admin), Body::empty())
        .await;
    assert_eq!(r.json["intact"], true);
    assert!(r.json["entries"].as_u64().unwrap() > 10);
    let sup = w.login("supA").await;
    let r = w
        .call("GET", "/api/v1/audit/verify", Some(&sup), Body::empty())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "forbidden_role")
    );
}

#[tokio::test]
async fn password_work_takes_turns_and_a_caller_without_one_is_told_to_retry() {
    let w = world_with(|c| {
        c.argon2_parallel = 1;
        c.argon2_wait = std::time::Duration::from_millis(50);
    })
    .await;
    let login = json!({ "login": "supA@fv", "password": PASSWORD });
    // Every turn taken (a flood of sign-ins in progress): the next waits, then hears "busy".
    let turn = std::sync::Arc::clone(&w.state.password_work)
        .acquire_owned()
        .await
        .unwrap();
    let r = w
        .json("POST", "/api/v1/auth/login", None, login.clone())
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "busy");
    drop(turn);
    let r = w.json("POST", "/api/v1/auth/login", None, login).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
}

#[tokio::test]
async fn a_session_left_idle_ends_and_a_used_one_goes_on() {
    let w = world_with(|c| c.session_idle = std::time::Duration::from_secs(1800)).await;
    let token = w.login("supA").await;
    let me = w
        .call("GET", "/api/v1/auth/me", Some(&token), Body::empty())
        .await;
    assert_eq!(me.status, StatusCode::OK);
    // Thirty-one minutes without use, as the store would hold them.
    let hash = crate::auth::token::token_hash(&token);
    let then = Utc::now() - chrono::Duration::minutes(31);
    w.state.store.touch_session(&hash, then).await.unwrap();
    let me = w
        .call("GET", "/api/v1/auth/me", Some(&token), Body::empty())
        .await;
    assert_eq!(me.code(), "unauthenticated");
    // Ended, not only refused: a later use within the idle time does not bring it back.
    assert!(
        w.state
            .store
            .session(&hash, Utc::now())
            .await
            .unwrap()
            .is_none(),
        "the idle session is still stored"
    );
    // A session used within the idle time goes on.
    let token = w.login("supA").await;
    let hash = crate::auth::token::token_hash(&token);
    w.state
        .store
        .touch_session(&hash, Utc::now() - chrono::Duration::minutes(29))
        .await
        .unwrap();
    let me = w
        .call("GET", "/api/v1/auth/me", Some(&token), Body::empty())
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let seen = w
        .state
        .store
        .session(&hash, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(
        Utc::now() - seen.last_seen_at < chrono::Duration::minutes(1),
        "use is recorded"
    );
}

#[tokio::test]
async fn json_routes_refuse_bodies_that_do_not_say_they_are_json() {
    let w = world().await;
    let body = json!({ "login": "supA@fv", "password": PASSWORD }).to_string();
    let post = |kind: Option<&'static str>| {
        let mut b = Request::post("/api/v1/auth/login");
        if let Some(k) = kind {
            b = b.header("content-type", k);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    // A cross-site form or a text/plain "simple request" cannot reach a JSON route.
    for kind in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = w.send(post(kind)).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{kind:?}");
        assert_eq!(r.code(), "unsupported_media_type");
    }
    let r = w.send(post(Some("application/json; charset=utf-8"))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    // A phone's envelope too.
    let phone = w.enroll("wA").await;
    let (env, _) = seal(&phone, &body_of(&phone));
    let r = w
        .send(
            Request::put("/api/v1/visits/v-plain")
                .header("authorization", format!("Bearer {}", phone.token))
                .header("content-type", "text/plain")
                .body(Body::from(env))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

fn body_of(phone: &Phone) -> fieldvisit_core::protocol::EnvelopeBody {
    super::body(
        phone,
        "v-plain",
        "hA",
        1,
        fieldvisit_core::crypto::Sha256Hash::ZERO,
        vec![],
    )
}

#[tokio::test]
async fn a_person_lists_their_sessions_and_ends_one_left_elsewhere() {
    let w = world().await;
    let phone = w.login("supA").await;
    let desk = w.login("supA").await;
    let other = w.login("supB").await;
    let r = w
        .call("GET", "/api/v1/auth/sessions", Some(&desk), Body::empty())
        .await;
    let list = r.json.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{:?}", r.json);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let hash = |t: &str| crate::auth::token::token_hash(t);
    let phone_id = list
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .find(|id| hash(&phone).starts_with(id.as_str()))
        .unwrap();
    // Another person's session is not theirs to end, and says nothing about existing.
    let theirs: String = hash(&other).chars().take(16).collect();
    let r = w
        .call(
            "DELETE",
            &format!("/api/v1/auth/sessions/{theirs}"),
            Some(&desk),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .call(
            "DELETE",
            "/api/v1/auth/sessions/zz",
            Some(&desk),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = w
        .call(
            "DELETE",
            &format!("/api/v1/auth/sessions/{phone_id}"),
            Some(&desk),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.json);
    let me = w
        .call("GET", "/api/v1/auth/me", Some(&phone), Body::empty())
        .await;
    assert_eq!(me.code(), "unauthenticated");
    for t in [&desk, &other] {
        let me = w
            .call("GET", "/api/v1/auth/me", Some(t), Body::empty())
            .await;
        assert_eq!(me.status, StatusCode::OK);
    }
    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "session.end" && e.actor == "supA")
    );
}

/// A body that sends a little, then waits `pause` before the rest.
fn trickle(pause: std::time::Duration) -> Body {
    let chunks = futures_util::stream::unfold(0u8, move |n| async move {
        match n {
            0 => Some((
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{")),
                1,
            )),
            1 => {
                tokio::time::sleep(pause).await;
                Some((Ok(axum::body::Bytes::from_static(b"}")), 2))
            }
            _ => None,
        }
    });
    Body::from_stream(chunks)
}

#[tokio::test]
async fn a_request_past_its_deadline_is_stopped_and_one_over_the_ceiling_refused() {
    let w = world_with(|c| {
        c.request_timeout = std::time::Duration::from_millis(200);
        c.max_in_flight = 1;
    })
    .await;
    let slow = |pause| {
        Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(trickle(pause))
            .unwrap()
    };
    // A client that trickles its body holds the connection no longer than the deadline.
    let r = w.send(slow(std::time::Duration::from_secs(5))).await;
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(r.code(), "timeout");
    // While one request is in flight, the next is refused at once, not queued.
    let app = w.app.clone();
    let first = tokio::spawn(async move {
        app.oneshot(slow(std::time::Duration::from_millis(150)))
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let r = w.call("GET", "/healthz", None, Body::empty()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "overloaded");
    assert_eq!(
        first.await.unwrap(),
        StatusCode::BAD_REQUEST,
        "the first one is answered"
    );
    let r = w.call("GET", "/healthz", None, Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_client_address_and_proxies_are_trusted_only_if_named() {
    let w = world_with(|c| {
        c.signin_burst = 3;
        c.signin_refill = std::time::Duration::from_secs(3600);
        c.trusted_proxies = vec!["10.0.0.2".parse().unwrap()];
    })
    .await;
    let attempt = |peer: &str, forwarded: Option<&str>| {
        let mut r = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                // An unknown login: no account lockout mixes in.
                json!({ "login": "nobody@fv", "password": "wrong password!" }).to_string(),
            ))
            .unwrap();
        if let Some(f) = forwarded {
            r.headers_mut()
                .insert("x-forwarded-for", f.parse().unwrap());
        }
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        r.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        r
    };
    for _ in 0..3 {
        let r = w.send(attempt("203.0.113.7", None)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // The fourth attempt from that address is refused at once, without password work.
    let r = w.send(attempt("203.0.113.7", None)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
    // A client that writes its own X-Forwarded-For does not get a fresh address by it.
    let r = w.send(attempt("203.0.113.7", Some("198.51.100.9"))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not held back; nor is a client behind the named proxy.
    let r = w.send(attempt("203.0.113.8", None)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = w.send(attempt("10.0.0.2", Some("198.51.100.9"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The console's sign-in form shares the count.
    let mut form = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("login=supA%40fv&password=x&csrf=x"))
        .unwrap();
    let addr: std::net::SocketAddr = "203.0.113.7:40000".parse().unwrap();
    form.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let r = w.send(form).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn readiness_names_the_backend_that_does_not_answer() {
    let w = world().await;
    let r = w.call("GET", "/livez", None, Body::empty()).await;
    assert_eq!(r.json["status"], "ok");
    let r = w.call("GET", "/readyz", None, Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        (r.json["database"].as_str(), r.json["photos"].as_str()),
        (Some("ok"), Some("ok"))
    );
    // Photos in an S3 store nobody listens for.
    let location = crate::blob::S3Location::parse("s3://nowhere/fv").unwrap();
    let options = crate::blob::S3Options {
        endpoint: Some("http://127.0.0.1:9".into()),
        region: Some("us-east-1".into()),
        credentials: Some(("test".into(), "test".into())),
    };
    let blobs = crate::blob::S3BlobStore::connect(&location, &options).unwrap();
    let down = AppState::new(
        std::sync::Arc::clone(&w.state.store),
        std::sync::Arc::new(blobs),
        (*w.state.config).clone(),
    )
    .unwrap();
    let app = crate::app(down);
    let resp = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        app.oneshot(Request::get("/readyz").body(Body::empty()).unwrap()),
    )
    .await
    .expect("readyz answers")
    .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (json["database"].as_str(), json["photos"].as_str()),
        (Some("ok"), Some("unreachable"))
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_ingest_and_photo_bytes() {
    let w = world().await;
    let phone = w.enroll("wA").await;
    let (env, _) = seal(
        &phone,
        &super::body(
            &phone,
            "vm",
            "hA",
            1,
            fieldvisit_core::crypto::Sha256Hash::ZERO,
            vec![],
        ),
    );
    for _ in 0..2 {
        w.call("PUT", "/api/v1/visits/vm", Some(&phone.token), env.clone())
            .await;
    }
    let resp = w
        .app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    for line in [
        "fieldvisit_visits_ingested_total{kind=\"stored\"} 1",
        "fieldvisit_visits_ingested_total{kind=\"duplicate\"} 1",
        "fieldvisit_http_requests_total{method=\"PUT\",route=\"/api/v1/visits/{visit_id}\",status=\"201\"} 1",
        "fieldvisit_http_requests_total{method=\"PUT\",route=\"/api/v1/visits/{visit_id}\",status=\"200\"} 1",
        "fieldvisit_http_request_duration_seconds_count{method=\"PUT\",route=\"/api/v1/visits/{visit_id}\"} 2",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    // Route templates only: no visit id, no household.
    assert!(!text.contains("vm\"") && !text.contains("hA"));
    // The store's connections and queues, as the backend reports them.
    let load = w.state.store.load();
    assert!(load.connections_max >= 1 && load.connections_open <= load.connections_max);
    for line in [
        format!(
            "fieldvisit_db_connections{{state=\"max\"}} {}",
            load.connections_max
        ),
        "fieldvisit_db_waiting ".to_owned(),
        "fieldvisit_db_queued_writes ".to_owned(),
    ] {
        assert!(text.contains(&line), "{line} not in:\n{text}");
    }
}

/// The audit entry of a sign-in names the client: the address a named proxy forwarded (not the
/// proxy's own, not one the client wrote itself) and its user agent; the audit log's check
/// passes with them sealed in.
#[tokio::test]
async fn audit_entries_name_the_client_address_and_agent() {
    let w = world_with(|c| c.trusted_proxies = vec!["10.0.0.2".parse().unwrap()]).await;
    let mut r = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("user-agent", "FieldVisitConsole/1.0 (Chromium)")
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.7")
        .body(Body::from(
            json!({ "login": "supA@fv", "password": PASSWORD }).to_string(),
        ))
        .unwrap();
    let proxy: std::net::SocketAddr = "10.0.0.2:40000".parse().unwrap();
    r.extensions_mut().insert(axum::extract::ConnectInfo(proxy));
    assert_eq!(w.send(r).await.status, StatusCode::OK);
    let entries = w.state.store.audit_entries(0, 1000).await.unwrap();
    let e = entries
        .iter()
        .rev()
        .find(|e| e.action == "login.success")
        .unwrap();
    assert_eq!(e.address, "203.0.113.7");
    assert_eq!(e.agent, "FieldVisitConsole/1.0 (Chromium)");
    assert!(e.keyed);
    assert!(matches!(
        crate::audit::verify(&w.state).await.unwrap(),
        crate::audit::Verification::Intact { .. }
    ));
}

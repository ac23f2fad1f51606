//! Logs carry ids, never names, login names, ID numbers or passwords.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use fieldvisit_core::crypto::Sha256Hash;
use serde_json::json;

use super::*;

thread_local! {
    /// Where this test thread's log lines go, if it is capturing.
    static CAPTURE: RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { RefCell::new(None) };
}

struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(b) = &*c.borrow() {
                b.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs one global subscriber for the whole test binary, before any handler runs. A
/// thread-local `set_default` would race with tracing's global per-callsite interest cache
/// when tests run in parallel.
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(|| ThreadWriter)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

#[tokio::test]
async fn logs_hold_ids_only() {
    let w = world().await;
    let captured = Arc::new(Mutex::new(Vec::new()));
    CAPTURE.with(|c| *c.borrow_mut() = Some(captured.clone()));

    w.login("supA").await;
    w.json(
        "POST",
        "/api/v1/auth/login",
        None,
        json!({ "login": "supA@fv", "password": "wrong password!" }),
    )
    .await;
    w.json(
        "POST",
        "/api/v1/auth/login",
        None,
        json!({ "login": "ghost@fv", "password": "hunter2hunter2" }),
    )
    .await;
    let phone = w.enroll("wA").await;
    let (env, _) = seal(
        &phone,
        &body(&phone, "v1", "hA", 1, Sha256Hash::ZERO, vec![]),
    );
    w.call("PUT", "/api/v1/visits/v1", Some(&phone.token), env)
        .await;
    let (env, _) = seal(
        &phone,
        &body(&phone, "v2", "hA", 5, Sha256Hash::ZERO, vec![]),
    );
    w.call("PUT", "/api/v1/visits/v2", Some(&phone.token), env)
        .await;

    let text = String::from_utf8(captured.lock().unwrap().clone()).unwrap();
    assert!(text.contains("staff_id=supA"), "{text}");
    assert!(
        text.contains("route=/api/v1/visits/{visit_id}") && text.contains("status=201"),
        "{text}"
    );
    assert!(
        text.contains(&format!("device_id={}", phone.device_id)),
        "{text}"
    );
    assert!(
        text.contains("visit_id=v1") && text.contains("visit_id=v2 chain_status=fork"),
        "{text}"
    );
    for secret in [
        "supA@fv",
        "ghost@fv",
        PASSWORD,
        "wrong password!",
        "hunter2",
        "张三",
        "320102198001011234",
        "用户",
        phone.token.as_str(),
    ] {
        assert!(!text.contains(secret), "log leaks {secret}: {text}");
    }
}

#[tokio::test]
async fn review_and_report_routes_log_ids_only() {
    let w = world().await;
    let captured = Arc::new(Mutex::new(Vec::new()));
    CAPTURE.with(|c| *c.borrow_mut() = Some(captured.clone()));
    let pass = super::reviews::PASS;
    super::reviews::four(&w).await;
    let admin = w.login("admin").await;
    let body = json!({ "audience": "civil-affairs", "unit_id": "k", "passphrase": "another long passphrase" });
    w.json("POST", "/api/v1/audience-keys", Some(&admin), body)
        .await;
    let rev = w.login("revA").await;
    let unlock = json!({ "audience": "child-welfare", "passphrase": pass });
    w.json("POST", "/api/v1/reviews/unlock", Some(&rev), unlock)
        .await;
    w.call(
        "GET",
        "/api/v1/reviews/g1/content",
        Some(&rev),
        axum::body::Body::empty(),
    )
    .await;
    let ret = json!({ "action": "start" });
    w.json("POST", "/api/v1/reviews/g1/decision", Some(&rev), ret)
        .await;
    let ret = json!({ "action": "return", "reason": "请补充孩子的情况" });
    w.json("POST", "/api/v1/reviews/g1/decision", Some(&rev), ret)
        .await;
    let sup = w.login("supA").await;
    w.call(
        "GET",
        "/api/v1/reports/briefing?month=2026-01&format=csv",
        Some(&sup),
        axum::body::Body::empty(),
    )
    .await;
    let text = String::from_utf8(captured.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("visit_id=g1") && text.contains("route=/api/v1/reports/briefing"),
        "{text}"
    );
    for secret in [
        pass,
        "another long passphrase",
        "孩子",
        "补充",
        "张三",
        "320102198001011234",
    ] {
        assert!(!text.contains(secret), "log leaks {secret}: {text}");
    }
}

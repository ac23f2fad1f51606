//! Alerts: channels managed by admins of a branch, a police report delivered to each kind of
//! channel with no personal data, retries, giving up and resending, lapsed claims, two senders,
//! review clocks and digests raised once, a revoked device; on SQLite and on PostgreSQL.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use super::reviews::four;
use super::*;
use crate::alerts::channels::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature};
use crate::alerts::receiver::{Receiver, Reply};
use crate::alerts::sender::Sender;
use crate::alerts::{channels, scanner};
use crate::store::{AlertKind, DeliveryState, Scope};

const WEBHOOK_SECRET: &str = "webhook-secret-2026";
const DINGTALK_SECRET: &str = "SECdingtalk0123456789";

/// Quick retries for tests.
fn fast(c: &mut Config) {
    c.alerts.public_url = "https://fv.example.gov.cn".into();
    c.alerts.timeout = Duration::from_millis(400);
    c.alerts.backoff = vec![Duration::ZERO, Duration::ZERO];
}

async fn add_channel(w: &World, token: &str, unit: &str, kind: &str, url: &str) -> String {
    let secret = match kind {
        "dingtalk" => Some(DINGTALK_SECRET),
        "webhook" => Some(WEBHOOK_SECRET),
        _ => None,
    };
    let r = w
        .json(
            "POST",
            "/api/v1/alert-channels",
            Some(token),
            json!({"unit_id": unit, "kind": kind, "label": format!("{unit} {kind}"),
                   "url": url, "secret": secret}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn drain(w: &World) -> crate::alerts::sender::Drained {
    Sender::new(&w.state)
        .unwrap()
        .drain(&w.state)
        .await
        .unwrap()
}

#[tokio::test]
async fn channels_are_managed_by_admins_of_the_branch_and_never_show_their_credentials() {
    let w = world().await;
    let admin_a = w.login("adminA").await;
    let sup = w.login("supA").await;
    let body = |unit: &str, kind: &str, secret: Option<&str>, url: &str| json!({"unit_id": unit, "kind": kind, "label": "群", "url": url, "secret": secret});
    let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY";
    let post = |token: String, b: serde_json::Value| {
        let w = &w;
        async move {
            w.json("POST", "/api/v1/alert-channels", Some(&token), b)
                .await
        }
    };
    // Another township's unit, a supervisor, a DingTalk robot without its secret, a bad URL,
    // an unknown event: refused, each saying what was wrong.
    let r = post(admin_a.clone(), body("tB", "wecom", None, url)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post(sup.clone(), body("tA", "wecom", None, url)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(admin_a.clone(), body("tA", "dingtalk", None, url)).await;
    assert_eq!(r.code(), "secret_required", "{:?}", r.json);
    let r = post(admin_a.clone(), body("tA", "wecom", None, "ftp://x/y")).await;
    assert_eq!(r.code(), "invalid_url");
    let mut b = body("tA", "wecom", None, url);
    b["events"] = json!(["police", "gossip"]);
    let r = post(admin_a.clone(), b).await;
    // Events are an enumeration of the request's schema.
    assert_eq!(r.code(), "malformed_json");

    let r = post(admin_a.clone(), body("tA", "wecom", None, url)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    assert_eq!(r.json["digest_at"], "08:00");
    assert_eq!(r.json["events"].as_array().unwrap().len(), 7);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let county = add_channel(&w, &w.login("admin").await, "k", "webhook", url).await;
    // The township admin sees its own channel and the county's above it; the key never shows,
    // not even in the database.
    let r = w
        .call(
            "GET",
            "/api/v1/alert-channels",
            Some(&admin_a),
            Body::empty(),
        )
        .await;
    let ids: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [county.as_str(), id.as_str()]);
    assert!(!r.json.to_string().contains("SECRETKEY"));
    let stored = w
        .state
        .store
        .alert_channels(&Scope::root(), false)
        .await
        .unwrap();
    assert!(stored.iter().all(|c| !c.url_sealed.contains("SECRETKEY")));
    // Only the county admin removes the county's channel.
    let r = w
        .call(
            "DELETE",
            &format!("/api/v1/alert-channels/{county}"),
            Some(&admin_a),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .call(
            "DELETE",
            &format!("/api/v1/alert-channels/{id}"),
            Some(&admin_a),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let actions: Vec<String> = w
        .state
        .store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().filter(|a| *a == "alert.channel.add").count() == 2);
    assert!(actions.iter().any(|a| a == "alert.channel.remove"));
}

/// Every text of household `hA` and the assessment: none may leave the server. (Its id `hA` is
/// checked in bodies only: a base64 signature in a URL may hold those two letters by chance.)
const PERSONAL: [&str; 5] = [
    "张三",
    "320102198001011234",
    "汤山村1号",
    "孩子独自在家",
    "用户wA",
];

async fn police_report_reaches_every_kind_of_channel(w: &World) {
    let rx = Receiver::start().await.unwrap();
    let county = w.login("admin").await;
    let wecom = add_channel(w, &county, "k", "wecom", &rx.url("/wecom?key=k1")).await;
    let ding = add_channel(
        w,
        &county,
        "tA",
        "dingtalk",
        &rx.url("/ding?access_token=t1"),
    )
    .await;
    let hook = add_channel(w, &county, "k", "webhook", &rx.url("/hook")).await;
    // A channel of the other township hears nothing of township A.
    add_channel(w, &county, "tB", "wecom", &rx.url("/other?key=k2")).await;
    four(w).await;
    let d = drain(w).await;
    assert_eq!((d.sent, d.retrying, d.given_up), (3, 0, 0));
    let got = rx.received();
    let mut paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/ding", "/hook", "/wecom"]);
    for r in &got {
        let everything = format!("{} {} {:?} {}", r.path, r.query, r.headers, r.body);
        for p in PERSONAL {
            assert!(!everything.contains(p), "{p} left the server: {everything}");
        }
        assert!(
            !r.body.contains("hA"),
            "the household id left the server: {}",
            r.body
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        match r.path.as_str() {
            "/wecom" => {
                assert_eq!(r.query, "key=k1");
                let text = body["markdown"]["content"].as_str().unwrap();
                assert!(text.contains("【紧急】"), "{text}");
                assert!(text.contains("汤山街道社工站"), "{text}");
                assert!(
                    text.contains("(https://fv.example.gov.cn/reviews/g4)"),
                    "{text}"
                );
            }
            "/ding" => {
                let q: HashMap<String, String> = serde_urlencoded::from_str(&r.query).unwrap();
                assert_eq!(q["access_token"], "t1");
                let ts: i64 = q["timestamp"].parse().unwrap();
                assert!((Utc::now().timestamp_millis() - ts).abs() < 60_000);
                assert_eq!(q["sign"], channels::dingtalk_sign(DINGTALK_SECRET, ts));
                assert!(
                    body["markdown"]["text"]
                        .as_str()
                        .unwrap()
                        .contains("低 LOW")
                );
            }
            _ => {
                let ts: i64 = r.headers[&TIMESTAMP_HEADER.to_lowercase()].parse().unwrap();
                assert_eq!(
                    r.headers[&SIGNATURE_HEADER.to_lowercase()],
                    webhook_signature(WEBHOOK_SECRET, ts, &r.body)
                );
                assert_eq!(body["event"], "police");
                assert_eq!(body["id"], r.headers[&ID_HEADER.to_lowercase()].as_str());
                assert_eq!(body["link"], "https://fv.example.gov.cn/reviews/g4");
            }
        }
    }
    // Delivered once: another drain sends nothing; the history and the audit log say so.
    assert_eq!(drain(w).await.sent, 0);
    assert_eq!(rx.received().len(), 3);
    let admin = w.login("admin").await;
    let r = w
        .call("GET", "/api/v1/alerts", Some(&admin), Body::empty())
        .await;
    let states: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["sent", "sent", "sent"], "{:?}", r.json);
    for id in [&wecom, &ding, &hook] {
        assert!(r.json.to_string().contains(id.as_str()));
    }
    let audit = w.state.store.audit_entries(0, 1000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "alert.delivery" && e.detail.contains(&wecom))
    );
}

#[tokio::test]
async fn a_police_report_reaches_wecom_dingtalk_and_a_webhook_without_personal_data() {
    police_report_reaches_every_kind_of_channel(&world_with(fast).await).await;
}

#[tokio::test]
async fn the_same_on_postgres() {
    let Some(schema) = crate::testenv::PgSchema::create("fv_alerts").await else {
        return;
    };
    let store = crate::store::postgres::PgStore::connect_with(schema.config.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let blobs = crate::blob::FolderBlobStore::new(dir.path()).unwrap();
    let w = world_on_with(std::sync::Arc::new(store), std::sync::Arc::new(blobs), fast).await;
    police_report_reaches_every_kind_of_channel(&w).await;
    two_senders_send_each_alert_once(&w).await;
    schema.drop_schema().await;
}

#[tokio::test]
async fn failures_are_retried_then_given_up_shown_and_resent() {
    let w = world_with(fast).await;
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    add_channel(&w, &admin, "k", "webhook", &rx.url("/hook")).await;
    // A 500, then an answer slower than the sender waits, then accepted: one alert, 3 attempts.
    rx.script([Reply::Status(500), Reply::Slow(Duration::from_secs(2))]);
    four(&w).await;
    let d = drain(&w).await;
    assert_eq!((d.sent, d.retrying), (1, 2));
    assert_eq!(rx.received().len(), 3);
    let h = w
        .state
        .store
        .alert_deliveries(&Scope::root(), false, 10)
        .await
        .unwrap();
    assert_eq!((h[0].state, h[0].attempts), (DeliveryState::Sent, 3));
    assert_eq!(h[0].last_error, None);
    let ids: std::collections::HashSet<String> = rx
        .received()
        .iter()
        .map(|r| r.headers["x-fieldvisit-id"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt carries the same id");

    // Three failures use up the attempts: given up, counted as undeliverable, resent by hand.
    rx.script([Reply::Status(503), Reply::Status(503), Reply::Status(503)]);
    w.state
        .store
        .revoke_device(
            &w.enroll("wA").await.device_id,
            &Scope::root(),
            Utc::now(),
            &crate::audit::fixture_draft("revoke_device"),
        )
        .await
        .unwrap();
    let d = drain(&w).await;
    assert_eq!((d.sent, d.retrying, d.given_up), (0, 2, 1));
    let r = w
        .call(
            "GET",
            "/api/v1/alerts?undeliverable=true",
            Some(&admin),
            Body::empty(),
        )
        .await;
    let failed = r.json.as_array().unwrap();
    assert_eq!(failed.len(), 1, "{:?}", r.json);
    assert_eq!(
        (failed[0]["kind"].as_str(), failed[0]["last_error"].as_str()),
        (Some("device_revoked"), Some("HTTP 503"))
    );
    let metrics = w
        .app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(
        metrics
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(text.contains("fieldvisit_alerts_undeliverable 1"), "{text}");
    assert!(
        text.contains("fieldvisit_alert_deliveries{state=\"sent\"} 1"),
        "{text}"
    );
    let (event, channel) = (
        failed[0]["event_id"].as_i64().unwrap(),
        failed[0]["channel_id"].as_str().unwrap(),
    );
    let r = w
        .call(
            "POST",
            &format!("/api/v1/alerts/{event}/{channel}/resend"),
            Some(&admin),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.json);
    assert_eq!(drain(&w).await.sent, 1);
    let r = w
        .call(
            "POST",
            &format!("/api/v1/alerts/{event}/{channel}/resend"),
            Some(&admin),
            Body::empty(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a delivered alert is not resent"
    );
}

#[tokio::test]
async fn a_send_whose_sender_stopped_is_not_repeated_but_shown_unconfirmed() {
    let w = world_with(|c| {
        fast(c);
        c.alerts.lease = Duration::from_millis(50);
    })
    .await;
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    add_channel(&w, &admin, "k", "wecom", &rx.url("/wecom?key=k")).await;
    four(&w).await;
    // A sender claims the alert, and stops before it records what came of it.
    let store = &w.state.store;
    store.fan_out_alerts(Utc::now()).await.unwrap();
    let now = Utc::now();
    let claimed = store
        .claim_alerts(now, now + chrono::Duration::milliseconds(50), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    tokio::time::sleep(Duration::from_millis(80)).await;
    let d = drain(&w).await;
    assert_eq!(d.sent, 0);
    assert!(rx.received().is_empty());
    let h = store
        .alert_deliveries(&Scope::root(), true, 10)
        .await
        .unwrap();
    assert_eq!(h[0].state, DeliveryState::Unconfirmed);
    assert_eq!(store.alert_tally().await.unwrap().unconfirmed, 1);
}

async fn two_senders_send_each_alert_once(w: &World) {
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    let channel = add_channel(w, &admin, "tA", "webhook", &rx.url("/two")).await;
    for i in 0..60 {
        w.state
            .store
            .raise_alert(&crate::store::AlertDraft {
                key: format!("test:two-named:{i}"),
                kind: AlertKind::Test,
                unit: crate::store::AlertUnit::Unit("vA".into()),
                subject: "vA".into(),
                level: None,
                due_at: None,
                counts: "{}".into(),
                channel_id: Some(channel.clone()),
                raised_at: Utc::now(),
            })
            .await
            .unwrap();
    }
    let (a, b) = (
        Sender::new(&w.state).unwrap(),
        Sender::new(&w.state).unwrap(),
    );
    let (da, db) = tokio::join!(a.drain(&w.state), b.drain(&w.state));
    assert_eq!(da.unwrap().sent + db.unwrap().sent, 60);
    let got = rx.wait_for(60, Duration::from_secs(5)).await;
    let ids: std::collections::HashSet<String> = got
        .iter()
        .map(|r| r.headers["x-fieldvisit-id"].clone())
        .collect();
    assert_eq!((got.len(), ids.len()), (60, 60));
}

#[tokio::test]
async fn two_senders_never_send_one_alert_twice() {
    two_senders_send_each_alert_once(&world_with(fast).await).await;
}

#[tokio::test]
async fn review_clocks_gaps_and_digests_are_raised_once_each() {
    // A HIGH review's 24-hour clock shortened to 3 hours: with 4 hours of lead, it is due soon
    // at once; at 0 hours it is overdue.
    let w = world_with(|c| {
        fast(c);
        c.review.high = chrono::Duration::hours(3);
        c.alerts.gap_after = chrono::Duration::zero();
    })
    .await;
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    let hook = add_channel(&w, &admin, "k", "webhook", &rx.url("/hook")).await;
    four(&w).await;
    let now = Utc::now();
    scanner::scan(&w.state, now).await.unwrap();
    scanner::scan(&w.state, now).await.unwrap();
    scanner::scan(&w.state, now + chrono::Duration::hours(4))
        .await
        .unwrap();
    drain(&w).await;
    let kinds = |got: &[crate::alerts::receiver::Received]| -> Vec<String> {
        let mut k: Vec<String> = got
            .iter()
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["event"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        k.sort();
        k
    };
    // The police report, one reminder and one breach of g2 (the only HIGH one); a digest per
    // station of the county (the channel's digest time, 08:00, has passed in one of the scans
    // when run before 08:00 local time it has not: count digests separately below).
    let got = rx.received();
    let non_digest: Vec<String> = kinds(&got).into_iter().filter(|k| k != "digest").collect();
    assert_eq!(non_digest, ["police", "review_due_soon", "review_overdue"]);
    let due_soon = got
        .iter()
        .find(|r| r.body.contains("review_due_soon"))
        .unwrap();
    assert!(due_soon.body.contains("/reviews/g2"));

    // A digest at a time already passed today, for each station of the branch, once.
    w.state
        .store
        .remove_alert_channel(
            &hook,
            &Scope::root(),
            &crate::audit::fixture_draft("remove_alert_channel"),
        )
        .await
        .unwrap();
    let r = w
        .json(
            "POST",
            "/api/v1/alert-channels",
            Some(&admin),
            json!({"unit_id": "k", "kind": "webhook", "label": "digest", "url": rx.url("/digest"),
                   "secret": WEBHOOK_SECRET, "events": ["digest"], "digest_at": "00:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    scanner::scan(&w.state, Utc::now()).await.unwrap();
    scanner::scan(&w.state, Utc::now()).await.unwrap();
    drain(&w).await;
    let digests: Vec<serde_json::Value> = rx
        .received()
        .iter()
        .filter(|r| r.path == "/digest")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let mut stations: Vec<&str> = digests
        .iter()
        .map(|d| d["station"].as_str().unwrap())
        .collect();
    stations.sort_unstable();
    assert_eq!(stations, ["汤山街道社工站", "淳化街道社工站"]);
    // The digest's overdue count is the number coverage gives for the same township.
    let sup = w.login("supA").await;
    let cov = w
        .call(
            "GET",
            "/api/v1/coverage?unit_id=tA",
            Some(&sup),
            Body::empty(),
        )
        .await;
    let overdue = cov.json["overdue"].as_array().unwrap().len() as u64;
    let a = digests
        .iter()
        .find(|d| d["station"] == "汤山街道社工站")
        .unwrap();
    let counted: u64 = a["counts"]["overdue"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted, overdue);
    assert_eq!(
        a["link"],
        "https://fv.example.gov.cn/coverage/overdue?unit=tA"
    );
}

#[tokio::test]
async fn a_revoked_device_is_alerted_with_its_revocation() {
    let w = world_with(fast).await;
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    let r = w
        .json(
            "POST",
            "/api/v1/alert-channels",
            Some(&admin),
            json!({"unit_id": "k", "kind": "wecom", "label": "设备", "url": rx.url("/w?key=1"),
                   "events": ["device_revoked"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let phone = w.enroll("wB").await;
    let r = w
        .call(
            "POST",
            &format!("/api/v1/devices/{}/revoke", phone.device_id),
            Some(&admin),
            Body::empty(),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.json);
    four(&w).await; // a police report: this channel does not take those
    drain(&w).await;
    let got = rx.received();
    assert_eq!(got.len(), 1);
    assert!(got[0].body.contains("设备已吊销"));
    assert!(got[0].body.contains("淳化街道社工站"));
}

#[tokio::test]
async fn no_message_of_any_event_on_any_channel_holds_personal_data() {
    // A household whose every text holds a marker, and every event that can concern it.
    let w = world_with(|c| {
        fast(c);
        c.review.high = chrono::Duration::hours(1);
    })
    .await;
    let marks = ["王秘密", "110101199003074514", "秘密路1号", "赵秘密"];
    let csv = format!(
        "{CSV_HEADER}hX,vA,王秘密,110101199003074514,秘密路1号 王秘密 110101199003074514,left_behind_child,2026-01-05,32.0,118.9,wA\n"
    );
    let rows = csv_import::parse(csv.as_bytes(), &mut || {}).unwrap();
    ops::households::import(&w.state, &Actor::cli(), rows)
        .await
        .unwrap();
    let rx = Receiver::start().await.unwrap();
    let admin = w.login("admin").await;
    for kind in ["wecom", "dingtalk", "webhook"] {
        let r = w
            .json(
                "POST",
                "/api/v1/alert-channels",
                Some(&admin),
                json!({"unit_id": "k", "kind": kind, "label": kind, "url": rx.url(&format!("/{kind}?key=k")),
                       "secret": "a secret", "digest_at": "00:00"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    }
    let pk = super::reviews::key_for_tests(&w).await;
    let phone = w.enroll("wA").await;
    super::reviews::upload(
        &w,
        &phone,
        "gx",
        "hX",
        1,
        Sha256Hash::ZERO,
        "HIGH",
        true,
        &pk,
    )
    .await;
    // The same chain place again: a fork.
    super::reviews::upload(
        &w,
        &phone,
        "gy",
        "hX",
        1,
        Sha256Hash::ZERO,
        "HIGH",
        false,
        &pk,
    )
    .await;
    let now = Utc::now();
    scanner::scan(&w.state, now).await.unwrap();
    scanner::scan(&w.state, now + chrono::Duration::hours(2))
        .await
        .unwrap();
    w.state
        .store
        .revoke_device(
            &phone.device_id,
            &Scope::root(),
            now,
            &crate::audit::fixture_draft("revoke_device"),
        )
        .await
        .unwrap();
    drain(&w).await;
    let got = rx.received();
    let mut events: Vec<String> = got
        .iter()
        .filter(|r| r.path == "/webhook")
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    events.sort();
    events.dedup();
    assert_eq!(
        events,
        [
            "chain_fork",
            "device_revoked",
            "digest",
            "police",
            "review_due_soon",
            "review_overdue"
        ]
    );
    assert!(got.len() >= 3 * 6);
    for r in &got {
        let everything = format!("{} {} {:?} {}", r.path, r.query, r.headers, r.body);
        for m in marks.iter().chain(PERSONAL.iter()) {
            assert!(!everything.contains(m), "{m} left the server: {everything}");
        }
        assert!(
            !r.body.contains("hX"),
            "the household id left the server: {}",
            r.body
        );
    }
}

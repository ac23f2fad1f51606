//! Alerts end to end, with the real server binary and a real phone: a worker reports a child to
//! police, the phone syncs, and a WeCom-style group robot (a local stand-in) has the message
//! within 5 s, with a console link and no personal data. Then the server is killed with SIGKILL
//! between sending an alert and recording it: after the restart the alert is not sent again.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::sync::SyncOptions;
use fieldvisit_server::alerts::receiver::{Receiver, Reply};
use fieldvisit_server::ops::{self, Actor};
use fieldvisit_server::store::{AlertKind, ChannelKind, DeliveryState, Scope};
use fieldvisit_sim::phone::{Phone, VisitRecord};
use fieldvisit_tests::harness::{enrollment_code, free_port, open_state, runtime, seed};

const PUBLIC_URL: &str = "https://fieldvisit.example.gov.cn";

fn start_server(data: &std::path::Path, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_fieldvisit-test-server"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--public-url", PUBLIC_URL, "--alert-lease-seconds", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the server: {e}"));
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(StdDuration::from_millis(20));
    }
    child
}

#[test]
fn a_police_report_reaches_the_group_within_seconds_and_is_never_sent_twice() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let rx = rt
        .block_on(Receiver::start())
        .unwrap_or_else(|e| panic!("receiver: {e}"));
    let (workers, code) = {
        let state = open_state(&rt, data.path());
        let workers = seed(&rt, &state, 1, 3);
        let code = enrollment_code(&rt, &state, &workers[0].id);
        rt.block_on(ops::alerts::add(
            &state,
            &Actor::cli(),
            ops::alerts::NewChannel {
                unit_id: "x-320115".into(),
                kind: ChannelKind::Wecom,
                label: "江宁区儿童督导群".into(),
                url: rx.url("/cgi-bin/webhook/send?key=robot-key"),
                secret: None,
                // Police reports only: a channel of every event would also get the daily digest,
                // whose hour (08:00 China time) falls inside most test runs.
                events: vec![AlertKind::Police],
                digest_at: ops::alerts::default_digest_at(),
            },
        ))
        .unwrap_or_else(|e| panic!("channel: {e}"));
        (workers, code)
    };
    let child = workers[0]
        .households
        .iter()
        .find(|h| h.categories[0].category == fieldvisit_core::caseload::Category::LeftBehindChild)
        .unwrap_or_else(|| panic!("the seed has a left-behind child"))
        .clone();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start_server(data.path(), port);
    let phone = Phone::temporary().unwrap();
    phone.enroll(&url, &code, "test phone").unwrap();
    phone
        .sync(&url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("first sync: {e}"));
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .unwrap_or_default();

    // 1. The police report, synced: the group has it within 5 s.
    let sealed = phone
        .record(
            &VisitRecord::sample(&child, at)
                .unwrap()
                .reported_to_police(),
        )
        .unwrap();
    phone
        .sync(&url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync: {e}"));
    let synced = Instant::now();
    let got = rt.block_on(rx.wait_for(1, StdDuration::from_secs(5)));
    let took = synced.elapsed();
    assert_eq!(got.len(), 1, "no message within 5 s of the sync");
    println!(
        "police report to the group robot: {} ms after the sync",
        took.as_millis()
    );
    let msg = &got[0];
    assert_eq!(msg.path, "/cgi-bin/webhook/send");
    let body: serde_json::Value = serde_json::from_str(&msg.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["msgtype"], "markdown");
    let text = body["markdown"]["content"].as_str().unwrap_or("");
    assert!(text.contains("【紧急】"), "{text}");
    assert!(text.contains("示范街道"), "{text}");
    assert!(
        text.contains(&format!("({PUBLIC_URL}/reviews/{})", sealed.visit_id)),
        "{text}"
    );
    let everything = format!("{msg:?}");
    let mut personal = vec![
        child.head_name.clone(),
        child.id_number.clone(),
        child.address.clone(),
        child.id.clone(),
    ];
    personal.extend(child.members.iter().map(|m| m.name.clone()));
    for p in &personal {
        assert!(!everything.contains(p.as_str()), "{p} left the server");
    }

    // 2. The robot holds its answer to the next alert; the server is killed while it waits.
    let (arrived_tx, arrived) = tokio::sync::oneshot::channel();
    rx.script([Reply::Hold(arrived_tx)]);
    phone
        .record(
            &VisitRecord::sample(&child, at + Duration::days(1))
                .unwrap()
                .reported_to_police(),
        )
        .unwrap();
    phone
        .sync(&url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync: {e}"));
    rt.block_on(async { tokio::time::timeout(StdDuration::from_secs(5), arrived).await })
        .unwrap_or_else(|_| panic!("the second alert did not arrive"))
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = server.kill(); // SIGKILL, between the send and its record
    let _ = server.wait();
    let killed = Instant::now();
    server = start_server(data.path(), port);

    // 3. After the restart, a third report goes out, and the second is not sent again.
    phone
        .record(
            &VisitRecord::sample(&child, at + Duration::days(2))
                .unwrap()
                .reported_to_police(),
        )
        .unwrap();
    phone
        .sync(&url, SyncOptions::default())
        .unwrap_or_else(|e| panic!("sync: {e}"));
    let got = rt.block_on(rx.wait_for(3, StdDuration::from_secs(10)));
    println!(
        "first alert after the restart: {} ms after the kill",
        killed.elapsed().as_millis()
    );
    std::thread::sleep(StdDuration::from_millis(2500)); // past the lease, and a few drains more
    let got_after = rx.received();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(got.len(), 3, "the third report did not arrive");
    assert_eq!(
        got_after.len(),
        3,
        "an alert was sent twice: {got_after:#?}"
    );

    // The interrupted one is shown as unconfirmed, for an admin to look at.
    let state = open_state(&rt, data.path());
    let history = rt
        .block_on(state.store.alert_deliveries(&Scope::root(), false, 10))
        .unwrap_or_else(|e| panic!("{e}"));
    let states: Vec<DeliveryState> = history.iter().map(|d| d.state).collect();
    assert_eq!(
        states,
        [
            DeliveryState::Sent,
            DeliveryState::Unconfirmed,
            DeliveryState::Sent
        ]
    );
}

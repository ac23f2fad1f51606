//! `fieldvisit-server demo`: a small demo county run twice on one folder (in process, then as the
//! binary), checking what the summary reports and that the second run stores nothing twice.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use fieldvisit_cli::demo::{self, DemoArgs, seed::Seeded};
use fieldvisit_core::template::AnswerValue;
use fieldvisit_server::AppState;
use fieldvisit_server::auth::token::{STAFF_PREFIX, new_token, token_hash};
use fieldvisit_server::ops::{Actor, decrypt, sessions};
use fieldvisit_server::store::{Counts, Session};
use fieldvisit_sim::county::county_households;

const HOUSEHOLDS: usize = 24;

/// A session of `staff_id`, as a sign-in makes, and the actor it acts as: unlocked keys belong
/// to a session.
async fn signed_in(state: &AppState, staff_id: &str) -> Actor {
    let token = new_token(STAFF_PREFIX).unwrap();
    let now = chrono::Utc::now();
    state
        .store
        .add_session(
            &Session {
                token_hash: token_hash(&token),
                staff_id: staff_id.into(),
                csrf_token: "demo".into(),
                expires_at: now + chrono::Duration::hours(1),
                last_seen_at: now,
            },
            None,
        )
        .await
        .unwrap();
    sessions::resolve(state, &token)
        .await
        .unwrap()
        .unwrap()
        .actor()
}

fn args() -> DemoArgs {
    DemoArgs {
        listen: "127.0.0.1:0".into(),
        households: Some(HOUSEHOLDS),
        exit_after_sync: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_county_twice_on_one_folder_stores_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let first = demo::start(dir.path(), &args(), &mut out).await.unwrap();
    let s = &first.summary;
    let planned: usize = county_households(HOUSEHOLDS, first.file.anchor)
        .iter()
        .map(|h| h.plan.visits.len())
        .sum();
    assert!(first.created);
    assert_eq!(s.counts.households, HOUSEHOLDS as u64);
    assert_eq!(s.counts.visits, planned as u64);
    assert_eq!(s.counts.devices, 6);
    assert!(s.counts.photos >= planned as u64 / 2, "{:?}", s.counts);
    assert_eq!(s.total.households, HOUSEHOLDS);
    assert_eq!(s.total.visits, planned);
    assert!(s.types.iter().all(|t| t.visits > 0), "{:?}", s.types);
    assert!(!s.coverage.overdue.is_empty());
    assert!(!s.evidence.suspicious.is_empty());
    assert_eq!(s.police_reports, 1);
    let urgent: Vec<_> = s.queue.iter().filter(|r| r.urgent).collect();
    assert_eq!(urgent.len(), 1);
    assert!(s.queue.iter().any(|r| r.level.as_deref() == Some("HIGH")));
    assert!(first.phones.iter().all(|p| p.refused.is_empty()));

    // The child content is sealed to the county's key: the reviewer opens it with the printed
    // passphrase and finds the child living alone.
    let reviewer = signed_in(&first.state, "demo-reviewer").await;
    decrypt::unlock(
        &first.state,
        &reviewer,
        "child-welfare",
        &first.file.passphrases["child-welfare"],
    )
    .await
    .unwrap();
    let opened = decrypt::read_visit(&first.state, &reviewer, &urgent[0].visit_id)
        .await
        .unwrap();
    assert_eq!(
        opened.content.answers.get("living_alone"),
        Some(&AnswerValue::Bool(true))
    );
    assert!(
        opened
            .content
            .scores
            .iter()
            .any(|sc| sc.level == "HIGH" && sc.fired.iter().any(|f| f == "h_alone_under_16"))
    );
    // Rows stored; the audit log grows by the unlock and the decrypted read above.
    let counts = Counts {
        audit: 0,
        ..first.summary.counts
    };
    first.stop().await.unwrap();

    let mut again = Vec::new();
    let second = demo::start(dir.path(), &args(), &mut again).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.seeded, Seeded::default());
    assert_eq!(
        Counts {
            audit: 0,
            ..second.summary.counts
        },
        counts
    );
    for p in &second.phones {
        assert!(!p.enrolled && p.recorded == 0 && p.uploaded == 0, "{p:?}");
    }
    assert_eq!(
        second
            .phones
            .iter()
            .map(|p| p.already_sealed)
            .sum::<usize>(),
        planned
    );
    assert_eq!(second.summary.police_reports, 1);
    assert!(String::from_utf8_lossy(&again).contains("沿用 found and reused"));
    let state = second.state.clone();
    second.stop().await.unwrap();

    // The binary on the same folder: prints the URL, the logins, the passphrase and the table.
    let output = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--exit-after-sync",
            "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for needle in [
        "http://127.0.0.1:",
        "reviewer",
        "supervisor",
        first_passphrase(dir.path()).as_str(),
        "合计 Total",
        "当前逾期 Overdue now",
        "可疑走访 Suspicious visits",
    ] {
        assert!(stdout.contains(needle), "{needle} missing from:\n{stdout}");
    }
    let third = state.store.counts().await.unwrap();
    assert_eq!(Counts { audit: 0, ..third }, counts);
}

fn first_passphrase(dir: &std::path::Path) -> String {
    let file = demo::folder::load(dir).unwrap().unwrap();
    file.passphrases["child-welfare"].clone()
}

#[test]
fn a_real_server_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fieldvisit.db"), b"").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fieldvisit-server"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--exit-after-sync",
            "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a demo"));
}

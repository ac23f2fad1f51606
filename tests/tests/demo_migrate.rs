//! The demo county moves from the embedded default (SQLite and its photo folder) to PostgreSQL and
//! a three-node Garage cluster (replication factor 3) with `fieldvisit-server migrate`, and the
//! moved county gives the same coverage (county, townships, villages, workers, categories), the
//! same households behind every number, the same trend, evidence and briefing, the same counts and
//! an intact audit chain; every photo was copied with its hash checked.
//!
//! Needs `scripts/install-cluster.sh` (Garage and PostgreSQL's binaries). Without them the test
//! skips with a note, unless `FIELDVISIT_REQUIRE_CLUSTER=1`, as the README's test command sets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use fieldvisit_cli::demo::{self, DemoArgs};
use fieldvisit_core::caseload::Category;
use fieldvisit_server::audit::Verification;
use fieldvisit_server::backends::Backends;
use fieldvisit_server::blob::S3Options;
use fieldvisit_server::ops::Actor;
use fieldvisit_server::ops::briefing;
use fieldvisit_server::ops::coverage::{self, Filter, Status};
use fieldvisit_server::ops::evidence;
use fieldvisit_server::{AppState, Config};
use fieldvisit_sim::county::units::{COUNTY_ID, TOWNSHIPS};
use fieldvisit_tests::cluster::garage::{BUCKET, Garage, KEY_ID, KEY_SECRET, REGION};
use fieldvisit_tests::cluster::postgres::Postgres;
use fieldvisit_tests::cluster::tools::Tools;
use fieldvisit_tests::harness::{free_port, runtime};
use serde_json::{Value, json};

/// Households of the demo county moved.
const HOUSEHOLDS: usize = 60;

/// Every report a supervisor of the county reads, as JSON.
async fn reports(state: &AppState) -> Value {
    let sup = Actor::for_staff(state, "demo-supervisor").await.unwrap();
    let today = coverage::local_date(Utc::now());
    let from = today - Duration::days(330);
    let filter = |unit: &str| Filter {
        unit_id: Some(unit.into()),
        from,
        to: today,
        category: None,
        worker_id: None,
    };
    let mut units: Vec<&str> = vec![COUNTY_ID];
    for t in &TOWNSHIPS {
        units.push(t.id);
        units.extend(t.villages.iter().map(|(id, _)| *id));
    }
    let mut out = serde_json::Map::new();
    for unit in units {
        let f = filter(unit);
        let data = coverage::load(state, &sup, &f, today).await.unwrap();
        out.insert(
            format!("coverage {unit}"),
            serde_json::to_value(coverage::compute(data, &f)).unwrap(),
        );
    }
    let county = filter(COUNTY_ID);
    for category in [
        Category::LeftBehindChild,
        Category::Dibao,
        Category::ElderlyAlone,
    ] {
        let f = Filter {
            category: Some(category),
            ..county.clone()
        };
        let data = coverage::load(state, &sup, &f, today).await.unwrap();
        out.insert(
            format!("coverage {category:?}"),
            serde_json::to_value(coverage::compute(data, &f)).unwrap(),
        );
    }
    for status in [
        Status::Due,
        Status::OnTime,
        Status::Late,
        Status::Missed,
        Status::Pending,
        Status::Overdue,
    ] {
        let lines = coverage::households(state, &sup, &county, today, status)
            .await
            .unwrap();
        out.insert(
            format!("households {status:?}"),
            serde_json::to_value(lines).unwrap(),
        );
    }
    let trend = coverage::trend(state, &sup, &county, today, 12)
        .await
        .unwrap();
    out.insert("trend".into(), serde_json::to_value(trend).unwrap());
    let ev = evidence::report(state, &sup, &county).await.unwrap();
    out.insert("evidence".into(), serde_json::to_value(ev).unwrap());
    for month in [today, today - Duration::days(31)] {
        let month = month.format("%Y-%m").to_string();
        let f = briefing::month_filter(Some(COUNTY_ID.into()), &month).unwrap();
        let (title, tables) = briefing::tables(state, &sup, &f).await.unwrap();
        out.insert(
            format!("briefing {month}"),
            json!({ "title": title, "tables": format!("{tables:?}") }),
        );
    }
    let counts = state.store.counts().await.unwrap();
    out.insert("counts".into(), json!(format!("{counts:?}")));
    let audit = fieldvisit_server::audit::verify(state).await.unwrap();
    out.insert(
        "audit intact".into(),
        json!(matches!(audit, Verification::Intact { .. })),
    );
    Value::Object(out)
}

#[test]
fn the_demo_county_moves_to_postgres_and_garage_with_the_same_reports() {
    let tools = match Tools::find() {
        Ok(t) => t,
        Err(why) if std::env::var_os("FIELDVISIT_REQUIRE_CLUSTER").is_none() => {
            eprintln!("demo migrate test skipped: {why}");
            return;
        }
        Err(why) => panic!("FIELDVISIT_REQUIRE_CLUSTER is set but {why}"),
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-migrate");
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("demo");
    let rt = runtime();

    let args = DemoArgs {
        listen: "127.0.0.1:0".into(),
        households: Some(HOUSEHOLDS),
        exit_after_sync: true,
    };
    let demo = rt
        .block_on(demo::start(&data, &args, &mut std::io::sink()))
        .unwrap();
    let before = rt.block_on(reports(&demo.state));
    let photos: u64 = demo.phones.iter().map(|p| p.photos).sum();
    assert!(photos > 0, "the demo uploaded no photos");
    rt.block_on(demo.stop()).unwrap();

    let postgres = Postgres::start(&tools, free_port());
    let garage = Garage::start(&tools, &dir);
    let endpoint = format!("http://127.0.0.1:{}", garage.nodes[0].s3_port);
    let blobs = format!("s3://{BUCKET}/demo");
    let moved = Command::new(env!("CARGO_BIN_EXE_fieldvisit-test-server"))
        .arg("--data")
        .arg(&data)
        .arg("migrate")
        .args(["--to-database", &postgres.url()])
        .args(["--to-blobs", &blobs])
        .args(["--to-s3-endpoint", &endpoint])
        .args(["--to-s3-region", REGION])
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", KEY_SECRET)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(
        moved.status.success(),
        "migrate failed: {said}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(
        said.contains("photo"),
        "migrate said nothing of photos: {said}"
    );

    let mut config = Config::for_tests(dir.join("checker"));
    config.audit.key_file = Some(data.join("audit.key"));
    config.alerts.key_file = Some(data.join("alerts.key"));
    config.backends = Backends::parse(
        Some(&postgres.url()),
        Some(&blobs),
        S3Options {
            endpoint: Some(endpoint),
            region: Some(REGION.into()),
            credentials: Some((KEY_ID.into(), KEY_SECRET.into())),
        },
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("checker")).unwrap();
    let moved_state = rt.block_on(AppState::connect(config)).unwrap();
    let after = rt.block_on(reports(&moved_state));
    assert_eq!(before["audit intact"], json!(true));
    let differing: Vec<&String> = before
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| after.get(k.as_str()) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        differing.is_empty(),
        "reports differ after the move: {differing:?}"
    );
    drop(moved_state);
    drop(garage);
    drop(postgres);
}

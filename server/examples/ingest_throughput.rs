//! Ingest throughput of the SQLite and PostgreSQL stores, measured in the same run.
//!
//! `FIELDVISIT_TEST_PG=postgres://… cargo run --release -p fieldvisit-server --example ingest_throughput [visits] [tasks]`
//! Ingests `visits` visits (default 2000) from `tasks` concurrent tasks (default 8), each task with
//! its own device, into a fresh SQLite file and a fresh PostgreSQL schema (dropped afterwards), and
//! prints visits per second for each and their ratio.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use fieldvisit_core::caseload::Household;
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_server::store::postgres::PgStore;
use fieldvisit_server::store::sqlite::SqliteStore;
use fieldvisit_server::store::{
    Device, EnrollmentCode, HouseholdRow, IngestOutcome, NewVisit, OrgLevel, Role, Staff, Store,
    VisitFacts,
};

type Fail = Box<dyn std::error::Error + Send + Sync>;

async fn seed(s: &dyn Store, devices: usize) -> Result<(), Fail> {
    s.add_org_unit("p", None, OrgLevel::Province, "省", None)
        .await?;
    s.add_org_unit("c", Some("p"), OrgLevel::City, "市", None)
        .await?;
    s.add_org_unit("k", Some("c"), OrgLevel::County, "县", None)
        .await?;
    s.add_org_unit("t", Some("k"), OrgLevel::Township, "镇", None)
        .await?;
    s.add_org_unit("v", Some("t"), OrgLevel::Village, "村", None)
        .await?;
    s.add_staff(
        &Staff {
            id: "w".into(),
            login: "w".into(),
            display_name: "社工".into(),
            role: Role::Worker,
            scope_unit_id: "t".into(),
            password_hash: "x".into(),
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            must_change_password: false,
        },
        None,
    )
    .await?;
    let now = Utc::now();
    for d in 0..devices {
        let code = format!("code{d}");
        s.add_enrollment_code(
            &EnrollmentCode {
                code_hash: code.clone(),
                worker_id: "w".into(),
                created_by: "bench".into(),
                expires_at: now + chrono::Duration::hours(1),
            },
            &fieldvisit_server::audit::fixture_draft("add_enrollment_code"),
        )
        .await?;
        s.enroll_device(
            &code,
            now,
            &Device {
                id: format!("d{d}"),
                worker_id: String::new(),
                public_key: vec![1; 32],
                token_hash: format!("tok{d}"),
                label: "bench".into(),
                enrolled_at: now,
                revoked_at: None,
                token_expires_at: now + chrono::Duration::hours(1),
                renewal_signed_at: 0,
            },
            &fieldvisit_server::audit::fixture_draft("enroll_device"),
        )
        .await?;
    }
    s.upsert_households(
        vec![HouseholdRow {
            household: Household {
                id: "h".into(),
                village_id: "v".into(),
                head_name: "户主".into(),
                id_number: "000000000000000000".into(),
                address: "a".into(),
                categories: vec![],
                location: None,
                members: vec![],
            },
            worker_id: Some("w".into()),
        }],
        None,
    )
    .await?;
    Ok(())
}

fn visit(device: usize, seq: u64) -> NewVisit {
    let now = Utc::now();
    let hash = |s: u64| sha256(format!("{device}/{s}").as_bytes());
    NewVisit {
        visit_id: format!("d{device}-{seq}"),
        device_id: format!("d{device}"),
        worker_id: "w".into(),
        household_id: "h".into(),
        body_hash: hash(seq),
        chain_seq: seq,
        chain_prev: if seq == 1 {
            Sha256Hash::ZERO
        } else {
            hash(seq - 1)
        },
        envelope_json: format!("{{\"pad\":\"{}\"}}", "x".repeat(2000)),
        body_json: "{}".into(),
        category: "dibao".into(),
        template_id: "t".into(),
        started_at: now,
        ended_at: now,
        level: None,
        reported_to_police_at: None,
        photos: vec![
            ("p1".into(), sha256(b"p"), 1),
            ("p2".into(), sha256(b"q"), 1),
        ],
        facts: VisitFacts::default(),
        received_at: now,
    }
}

/// Visits per second for `visits` ingests from `tasks` tasks (one device each).
async fn run(store: Arc<dyn Store>, visits: usize, tasks: usize) -> Result<f64, Fail> {
    seed(store.as_ref(), tasks).await?;
    let per_task = visits / tasks;
    let start = Instant::now();
    let mut jobs = Vec::new();
    for d in 0..tasks {
        let s = Arc::clone(&store);
        jobs.push(tokio::spawn(async move {
            for seq in 1..=per_task as u64 {
                match s.ingest_visit(&visit(d, seq)).await? {
                    IngestOutcome::Stored(_) => {}
                    other => return Err(format!("not stored: {other:?}").into()),
                }
            }
            Ok::<(), Fail>(())
        }));
    }
    for j in jobs {
        j.await??;
    }
    Ok((per_task * tasks) as f64 / start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Fail> {
    let mut args = std::env::args().skip(1);
    let visits: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let tasks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(8);
    let url = std::env::var("FIELDVISIT_TEST_PG").map_err(
        |_| "set FIELDVISIT_TEST_PG to a PostgreSQL URL the bench may create a schema in",
    )?;

    let dir = tempfile::tempdir()?;
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench.db"))?);
    let sqlite_rate = run(sqlite, visits, tasks).await?;

    let schema = format!("fv_bench_{}", std::process::id());
    let base: tokio_postgres::Config = url.parse()?;
    let (admin, conn) = base.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
        .await?;
    let mut config = base.clone();
    config.options(format!("-c search_path={schema}"));
    let pg: Arc<dyn Store> = Arc::new(PgStore::connect_with(config).await?);
    let pg_rate = run(pg, visits, tasks).await;
    admin
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await?;
    let pg_rate = pg_rate?;

    println!("ingest, {visits} visits from {tasks} concurrent devices");
    println!("sqlite (file, WAL)  {sqlite_rate:8.0} visits/s  (baseline)");
    println!(
        "postgres (local)    {pg_rate:8.0} visits/s  ({:.2}× sqlite)",
        pg_rate / sqlite_rate
    );
    Ok(())
}

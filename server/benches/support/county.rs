//! The county fixture of the report and console benchmarks: 200,000 households and 1,000,000
//! visits (by default) written through the `Store` once and cached under the target folder
//! (`CARGO_TARGET_TMPDIR`); reruns reuse it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household};
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_server::store::sqlite::SqliteStore;
use fieldvisit_server::store::{
    Device, EnrollmentCode, FixFacts, HouseholdRow, NewVisit, OrgLevel, Role, Staff, Store,
    VisitFacts,
};
pub use fieldvisit_sim::load::knob as env_usize;

/// Townships of the county.
pub const TOWNSHIPS: usize = 20;
/// Villages of each township.
pub const VILLAGES_PER_TOWNSHIP: usize = 10;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

pub fn category_of(i: usize) -> (Category, &'static [&'static str]) {
    match i % 10 {
        0..=3 => (Category::ElderlyAlone, &["HIGH_RISK", "KEY", "GENERAL"]),
        4..=6 => (Category::LeftBehindChild, &["HIGH", "MEDIUM", "LOW"]),
        7 | 8 => (Category::Tekun, &[]),
        _ => (Category::Dibao, &["STABLE", "IRREGULAR"]),
    }
}

pub fn village(t: usize, v: usize) -> String {
    format!("v{t:02}{v:02}")
}

/// Seeds the county through the store (either backend); returns the number of visits stored.
pub async fn seed(store: Arc<dyn Store>, households: usize, per_household: usize) -> usize {
    store
        .add_org_unit("p", None, OrgLevel::Province, "江苏省", None)
        .await
        .unwrap();
    store
        .add_org_unit("c", Some("p"), OrgLevel::City, "南京市", None)
        .await
        .unwrap();
    store
        .add_org_unit("k", Some("c"), OrgLevel::County, "江宁区", None)
        .await
        .unwrap();
    let villages = TOWNSHIPS * VILLAGES_PER_TOWNSHIP;
    for t in 0..TOWNSHIPS {
        store
            .add_org_unit(
                &format!("t{t:02}"),
                Some("k"),
                OrgLevel::Township,
                &format!("街道{t}"),
                None,
            )
            .await
            .unwrap();
        for v in 0..VILLAGES_PER_TOWNSHIP {
            store
                .add_org_unit(
                    &village(t, v),
                    Some(&format!("t{t:02}")),
                    OrgLevel::Village,
                    &format!("村{t}-{v}"),
                    None,
                )
                .await
                .unwrap();
        }
    }
    let staff = |id: String, role, unit: String| Staff {
        login: id.clone(),
        display_name: format!("社工{id}"),
        id,
        role,
        scope_unit_id: unit,
        password_hash: "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        must_change_password: false,
    };
    store
        .add_staff(&staff("sup".into(), Role::Supervisor, "k".into()), None)
        .await
        .unwrap();
    let now = Utc::now();
    // One worker and one phone per village.
    for t in 0..TOWNSHIPS {
        for v in 0..VILLAGES_PER_TOWNSHIP {
            let w = format!("w{}", village(t, v));
            store
                .add_staff(&staff(w.clone(), Role::Worker, format!("t{t:02}")), None)
                .await
                .unwrap();
            let code = format!("code-{w}");
            store
                .add_enrollment_code(
                    &EnrollmentCode {
                        code_hash: code.clone(),
                        worker_id: w.clone(),
                        created_by: "cli".into(),
                        expires_at: now + chrono::Duration::hours(1),
                    },
                    &fieldvisit_server::audit::fixture_draft("enrollment_code.create"),
                )
                .await
                .unwrap();
            store
                .enroll_device(
                    &code,
                    now,
                    &Device {
                        id: format!("d{w}"),
                        worker_id: w.clone(),
                        public_key: vec![0; 32],
                        token_hash: format!("token-{w}"),
                        label: "bench".into(),
                        enrolled_at: now,
                        revoked_at: None,
                        token_expires_at: now + chrono::Duration::hours(1),
                        renewal_signed_at: 0,
                    },
                    &fieldvisit_server::audit::fixture_draft("device.enroll"),
                )
                .await
                .unwrap();
        }
    }
    let per_village = households / villages;
    let mut rows = Vec::with_capacity(households);
    for t in 0..TOWNSHIPS {
        for v in 0..VILLAGES_PER_TOWNSHIP {
            for n in 0..per_village {
                let (category, _) = category_of(n);
                rows.push(HouseholdRow {
                    household: Household {
                        id: format!("h{t:02}{v:02}{n:05}"),
                        village_id: village(t, v),
                        head_name: format!("户主{t}-{v}-{n}"),
                        id_number: format!("3201151950{t:02}{v:02}{n:04}"),
                        address: format!("村{t}-{v} {n}号"),
                        categories: vec![CategoryRegistration {
                            category,
                            since: day(2025, 6, 1) + chrono::Days::new((n % 180) as u64),
                        }],
                        location: Some(GeoPoint {
                            lat: 31.9 + t as f64 * 0.01,
                            lon: 118.8 + v as f64 * 0.01,
                        }),
                        members: vec![],
                    },
                    worker_id: Some(format!("w{}", village(t, v))),
                });
            }
        }
    }
    for chunk in rows.chunks(20_000) {
        store.upsert_households(chunk.to_vec(), None).await.unwrap();
    }
    // Visits: each village's phone visits its households in turn over twelve months, in chain
    // order; a few visits are short, far or made with a mock location.
    let t0 = Utc
        .with_ymd_and_hms(2025, 12, 1, 1, 0, 0)
        .single()
        .expect("t0");
    let span_minutes = 360 * 24 * 60;
    let mut tasks = tokio::task::JoinSet::new();
    let mut stored = 0;
    for t in 0..TOWNSHIPS {
        for v in 0..VILLAGES_PER_TOWNSHIP {
            let store = Arc::clone(&store);
            tasks.spawn(async move {
                let w = format!("w{}", village(t, v));
                let total = per_village * per_household;
                let mut prev = Sha256Hash::ZERO;
                let mut pending = Vec::new();
                for i in 0..total {
                    let n = i % per_village;
                    let (category, levels) = category_of(n);
                    let started = t0 + chrono::Duration::minutes((i * span_minutes / total) as i64);
                    let visit_id = format!("x{t:02}{v:02}{i:07}");
                    let hash = sha256(visit_id.as_bytes());
                    let odd = i % 97 == 0;
                    let nv = NewVisit {
                        visit_id: visit_id.clone(),
                        device_id: format!("d{w}"),
                        worker_id: w.clone(),
                        household_id: format!("h{t:02}{v:02}{n:05}"),
                        body_hash: hash,
                        chain_seq: i as u64 + 1,
                        chain_prev: prev,
                        envelope_json: format!("{{\"placeholder\":\"{}\"}}", "e".repeat(600)),
                        body_json: format!("{{\"placeholder\":\"{}\"}}", "b".repeat(400)),
                        category: category.code().into(),
                        template_id: "bench".into(),
                        started_at: started,
                        ended_at: started + chrono::Duration::minutes(if odd { 3 } else { 35 }),
                        level: (!levels.is_empty()).then(|| levels[i % levels.len()].into()),
                        reported_to_police_at: None,
                        photos: vec![],
                        received_at: started + chrono::Duration::hours(2),
                        facts: VisitFacts {
                            amends: false,
                            fix: Some(FixFacts {
                                point: GeoPoint {
                                    lat: 31.9 + t as f64 * 0.01,
                                    lon: 118.8 + v as f64 * 0.01 + if odd { 0.05 } else { 0.0 },
                                },
                                accuracy_m: 15.0,
                                mock: i % 991 == 0,
                                age_s: 30,
                            }),
                            distance_m: Some(20.0),
                            flag_far: odd,
                            flag_mock: false,
                            photo_outside_window: false,
                            photo_count: 1,
                        },
                    };
                    prev = hash;
                    pending.push(nv);
                    // Several in flight per phone keep the group commit's batches full.
                    if pending.len() == 64 {
                        ingest_all(&store, std::mem::take(&mut pending)).await;
                    }
                }
                ingest_all(&store, pending).await;
                total
            });
        }
    }
    while let Some(n) = tasks.join_next().await {
        stored += n.unwrap();
        if stored % 100_000 < per_village * per_household {
            eprintln!("  {stored} visits stored");
        }
    }
    stored
}

/// Ingests visits concurrently (the store commits them in shared batches).
pub async fn ingest_all(store: &Arc<dyn Store>, visits: Vec<NewVisit>) {
    let mut set = tokio::task::JoinSet::new();
    for nv in visits {
        let store = Arc::clone(store);
        set.spawn(async move { store.ingest_visit(&nv).await });
    }
    while let Some(r) = set.join_next().await {
        r.expect("task").expect("ingest");
    }
}

pub fn fixture_dir(households: usize, per_household: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "fieldvisit-reports-v1-{households}x{per_household}"
    ))
}

/// The fixture's folder, seeded first if it is not there yet, its write-ahead log folded in so
/// reports read the database as it rests.
pub fn open_fixture(
    rt: &tokio::runtime::Runtime,
    households: usize,
    per_household: usize,
) -> PathBuf {
    let dir = fixture_dir(households, per_household);
    let ready = dir.join("ready");
    if !ready.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("fixture dir");
        let t = Instant::now();
        eprintln!(
            "seeding {households} households × {per_household} visits into {} (once)",
            dir.display()
        );
        let store = SqliteStore::open(&dir.join("fieldvisit.db")).expect("store");
        let n = rt.block_on(seed(Arc::new(store), households, per_household));
        std::fs::write(&ready, n.to_string()).expect("mark fixture");
        eprintln!("seeded {n} visits in {:.0} s", t.elapsed().as_secs_f64());
    }
    rusqlite::Connection::open(dir.join("fieldvisit.db"))
        .and_then(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
        .expect("checkpoint the fixture");
    dir
}

/// A plain connection (no pool, no store) with these settings, driven on the current runtime.
pub async fn pg_client(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, conn) = config
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

/// The same county on PostgreSQL: schema `bench_reports_{households}x{per_household}` of the
/// database at `url`, seeded through the store once and kept for reruns (marked by a
/// `bench_ready` table), vacuumed and analysed as autovacuum would leave it. Returns the
/// connection settings that select the schema.
pub fn open_pg_fixture(
    rt: &tokio::runtime::Runtime,
    url: &str,
    households: usize,
    per_household: usize,
) -> tokio_postgres::Config {
    let schema = format!("bench_reports_{households}x{per_household}");
    let mut config: tokio_postgres::Config = url.parse().expect("PostgreSQL URL");
    let admin = || pg_client(&config);
    let ready = rt.block_on(async {
        let c = admin().await;
        let ready = c
            .query_opt(&format!("SELECT n FROM {schema}.bench_ready"), &[])
            .await
            .ok()
            .flatten()
            .is_some();
        if !ready {
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
            ))
            .await
            .expect("schema");
        }
        ready
    });
    let mut scoped = config.clone();
    scoped.options(format!("-c search_path={schema}"));
    if !ready {
        let t = Instant::now();
        eprintln!(
            "seeding {households} households × {per_household} visits into PostgreSQL schema {schema} (once)"
        );
        let options = fieldvisit_server::store::postgres::PgOptions {
            wait: std::time::Duration::from_secs(600),
            ..Default::default()
        };
        // The fixture is written through the store; only its commits skip the wait for the disk,
        // which would make a million single-visit transactions take an hour here.
        let mut seeding = scoped.clone();
        seeding.options(format!("-c search_path={schema} -c synchronous_commit=off"));
        let n = rt.block_on(async {
            let store = fieldvisit_server::store::postgres::PgStore::connect_with_options(
                seeding, &options,
            )
            .await
            .expect("store");
            seed(Arc::new(store), households, per_household).await
        });
        rt.block_on(async {
            let c = admin().await;
            // One statement per call: VACUUM cannot run inside the implicit transaction of a
            // multi-statement batch.
            for sql in [
                format!("SET search_path = {schema}"),
                "VACUUM ANALYZE".to_owned(),
                format!(
                    "CREATE TABLE bench_ready (n BIGINT); INSERT INTO bench_ready VALUES ({n})"
                ),
            ] {
                c.batch_execute(&sql).await.expect("mark fixture");
            }
        });
        eprintln!("seeded {n} visits in {:.0} s", t.elapsed().as_secs_f64());
    }
    config = scoped;
    config
}

//! Reports at county scale: coverage of a county of 200,000 households and 1,000,000 visits (and of
//! one township), and the monthly briefing export (CSV and XLSX) in rows per second.
//!
//! The fixture is written through the `Store` (households by `upsert_households`, visits by
//! `ingest_visit`, so every report column is filled by the real write path) once, and cached under
//! the target folder (`CARGO_TARGET_TMPDIR`); reruns reuse it. Envelope and body JSON of the fixture
//! visits are short placeholders: reports never read them. Knobs: `FV_BENCH_HOUSEHOLDS` (200000),
//! `FV_BENCH_VISITS_PER_HOUSEHOLD` (5), `FV_BENCH_RUNS` (5).
//!
//! Run: `cargo bench -p fieldvisit-server --bench reports`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household};
use fieldvisit_core::crypto::{Sha256Hash, sha256};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_server::ops::Actor;
use fieldvisit_server::ops::briefing::{self, ExportFormat};
use fieldvisit_server::ops::coverage::{self, Filter};
use fieldvisit_server::store::sqlite::SqliteStore;
use fieldvisit_server::store::{
    Device, EnrollmentCode, FixFacts, HouseholdRow, NewVisit, OrgLevel, Role, Staff, Store,
    VisitFacts,
};
use fieldvisit_server::{AppState, Config};

const TOWNSHIPS: usize = 20;
const VILLAGES_PER_TOWNSHIP: usize = 10;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn category_of(i: usize) -> (Category, &'static [&'static str]) {
    match i % 10 {
        0..=3 => (Category::ElderlyAlone, &["HIGH_RISK", "KEY", "GENERAL"]),
        4..=6 => (Category::LeftBehindChild, &["HIGH", "MEDIUM", "LOW"]),
        7 | 8 => (Category::Tekun, &[]),
        _ => (Category::Dibao, &["STABLE", "IRREGULAR"]),
    }
}

fn village(t: usize, v: usize) -> String {
    format!("v{t:02}{v:02}")
}

/// Seeds the county through the store; returns the number of visits stored.
async fn seed(store: &SqliteStore, households: usize, per_household: usize) -> usize {
    store
        .add_org_unit("p", None, OrgLevel::Province, "江苏省")
        .await
        .unwrap();
    store
        .add_org_unit("c", Some("p"), OrgLevel::City, "南京市")
        .await
        .unwrap();
    store
        .add_org_unit("k", Some("c"), OrgLevel::County, "江宁区")
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
        .add_staff(&staff("sup".into(), Role::Supervisor, "k".into()))
        .await
        .unwrap();
    let now = Utc::now();
    // One worker and one phone per village.
    for t in 0..TOWNSHIPS {
        for v in 0..VILLAGES_PER_TOWNSHIP {
            let w = format!("w{}", village(t, v));
            store
                .add_staff(&staff(w.clone(), Role::Worker, format!("t{t:02}")))
                .await
                .unwrap();
            let code = format!("code-{w}");
            store
                .add_enrollment_code(&EnrollmentCode {
                    code_hash: code.clone(),
                    worker_id: w.clone(),
                    created_by: "cli".into(),
                    expires_at: now + chrono::Duration::hours(1),
                })
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
                    },
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
        store.upsert_households(chunk.to_vec()).await.unwrap();
    }
    // Visits: each village's phone visits its households in turn over twelve months, in chain
    // order; a few visits are short, far or made with a mock location.
    let store = Arc::new(store.clone());
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
async fn ingest_all(store: &Arc<SqliteStore>, visits: Vec<NewVisit>) {
    let mut set = tokio::task::JoinSet::new();
    for nv in visits {
        let store = Arc::clone(store);
        set.spawn(async move { store.ingest_visit(&nv).await });
    }
    while let Some(r) = set.join_next().await {
        r.expect("task").expect("ingest");
    }
}

fn fixture_dir(households: usize, per_household: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "fieldvisit-reports-v1-{households}x{per_household}"
    ))
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let households = env_usize("FV_BENCH_HOUSEHOLDS", if smoke { 2_000 } else { 200_000 });
    let per_household = env_usize("FV_BENCH_VISITS_PER_HOUSEHOLD", 5);
    let runs = env_usize("FV_BENCH_RUNS", if smoke { 1 } else { 5 });
    let rt = runtime();
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
        let n = rt.block_on(seed(&store, households, per_household));
        std::fs::write(&ready, n.to_string()).expect("mark fixture");
        eprintln!("seeded {n} visits in {:.0} s", t.elapsed().as_secs_f64());
    }
    // Measure the database as it rests, not a multi-gigabyte write-ahead log left by seeding.
    rusqlite::Connection::open(dir.join("fieldvisit.db"))
        .and_then(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
        .expect("checkpoint the fixture");
    let state = {
        let _g = rt.enter();
        AppState::open(Config::for_tests(dir.clone())).expect("state")
    };
    let sup = Actor {
        id: "sup".into(),
        role: Role::Supervisor,
        scope_path: "/p/c/k/".into(),
        session: None,
    };
    let counts = rt.block_on(state.store.counts()).expect("counts");
    println!(
        "fixture: {} households, {} visits; load average {}",
        counts.households,
        counts.visits,
        load_average()
    );

    // Baseline: the bare SQLite scan of the rows coverage reads, on one connection set up as the
    // store's readers are, touching every column's bytes but building no Rust objects.
    let raw = rusqlite::Connection::open_with_flags(
        dir.join("fieldvisit.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("raw connection");
    raw.pragma_update(None, "mmap_size", 0x7fff_0000_i64)
        .expect("mmap");
    let mut scan = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut st = raw
            .prepare_cached(
                "SELECT id, head_name, id_number, village_id, worker_id, categories, visit_chains
                 FROM households INDEXED BY households_coverage ORDER BY village_id, worker_id, id",
            )
            .expect("prepare");
        let mut rows = st.query([]).expect("query");
        let mut n = 0usize;
        while let Some(r) = rows.next().expect("row") {
            for i in 0..7 {
                n += r
                    .get_ref(i)
                    .expect("column")
                    .as_bytes_or_null()
                    .expect("text")
                    .map_or(0, <[u8]>::len);
            }
        }
        std::hint::black_box(n);
        scan.push(t.elapsed());
    }
    let scan_ms = median(scan);
    println!("baseline: bare SQLite scan of the households_coverage index: {scan_ms:.1} ms");

    let filter = |unit: &str| Filter {
        unit_id: Some(unit.into()),
        from: day(2026, 11, 1),
        to: day(2026, 11, 30),
        category: None,
        worker_id: None,
    };
    let today = day(2026, 11, 29);
    // Each report runs once cold (a fresh server: every village book is read from SQLite), then
    // `runs` times warm (books kept from the report before), then `runs` times after a write to
    // one household in each of 20 villages, `runs` times after a write in every village, and `runs`
    // times after a write to one household in a hundred (as under steady ingest everywhere): the
    // change log brings the kept books up to date from the changed households' rows.
    let touch = rusqlite::Connection::open(dir.join("fieldvisit.db")).expect("writer");
    // Cold means cold: no books kept by an earlier run of this bench.
    touch
        .execute_batch("DELETE FROM coverage_snapshot; DELETE FROM coverage_snapshot_mark;")
        .expect("clear snapshot");
    let open_state = || {
        let _g = rt.enter();
        AppState::open(Config::for_tests(dir.clone())).expect("state")
    };
    // The first county report of a fresh state, whatever it finds kept.
    let first_report = |state: &AppState| {
        let f = filter("k");
        let t = Instant::now();
        let data = rt.block_on(coverage::load(state, &sup, &f)).expect("load");
        std::hint::black_box(coverage::compute(&data, &f, today));
        t.elapsed()
    };
    // What `serve` does in the background at start, and the first county report after it.
    let warmed = open_state();
    let t = Instant::now();
    rt.block_on(warmed.store.warm_reports()).expect("warm-up");
    println!(
        "warm-up at start (every village book): {:.1} ms; the first county report after it: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0,
        first_report(&warmed).as_secs_f64() * 1000.0
    );
    drop(warmed);
    for (label, unit) in [("county k", "k"), ("township t07", "t07")] {
        let f = filter(unit);
        let state = {
            let _g = rt.enter();
            AppState::open(Config::for_tests(dir.clone())).expect("state")
        };
        let mut overdue = 0;
        // Runs `touch` (a write to households, the data left as it was) before each report.
        let mut run = |n: usize, touch_sql: Option<&str>| {
            let (mut load, mut compute, mut total) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..n {
                if let Some(sql) = touch_sql {
                    touch.execute(sql, []).expect("touch");
                }
                let t = Instant::now();
                let data = rt.block_on(coverage::load(&state, &sup, &f)).expect("load");
                let l = t.elapsed();
                let c = coverage::compute(&data, &f, today);
                overdue = c.overdue.len();
                total.push(t.elapsed());
                compute.push(t.elapsed() - l);
                load.push(l);
                std::hint::black_box(c);
            }
            (median(total), median(load), median(compute))
        };
        // One household of each village below `below`.
        let first_of = |below: &str| {
            format!(
                "UPDATE households SET visit_chains = visit_chains
                 WHERE id IN (SELECT min(id) FROM households
                              WHERE village_id < '{below}' GROUP BY village_id)"
            )
        };
        let cold = run(1, None);
        let warm = run(runs, None);
        let touched = run(runs, Some(&first_of("v02")));
        let all = run(runs, Some(&first_of("w")));
        // About a second of ingest at the target rate, spread over the county.
        let many = run(
            runs,
            Some("UPDATE households SET visit_chains = visit_chains WHERE rowid % 100 = 0"),
        );
        for (case, (total_ms, load_ms, compute_ms)) in [
            ("cold", cold),
            ("warm", warm),
            ("20 villages changed", touched),
            ("every village changed", all),
            ("1% of households changed", many),
        ] {
            println!(
                "coverage {label:<12} {case:<24} {total_ms:>7.1} ms (store {load_ms:.1} ms + compute {compute_ms:.1} ms; {overdue} overdue; {:.2} × baseline scan)",
                total_ms / scan_ms
            );
        }
    }

    // A graceful stop writes the kept books down (`serve` does, its books kept current by the
    // refresh every few seconds); a restart reads them back and catches up from the log, here
    // after a write in every village while stopped. A crash: `serve` writes the books that changed
    // down every minute, and nothing at the stop; here the last write came after writes in 20
    // villages (timed: what a quiet county's minute costs) and before writes to 1% of households
    // (a second of ingest everywhere at the target rate). Each restart runs `runs` times.
    let every_village = "UPDATE households SET visit_chains = visit_chains
         WHERE id IN (SELECT min(id) FROM households GROUP BY village_id)";
    let twenty_villages = "UPDATE households SET visit_chains = visit_chains
         WHERE id IN (SELECT min(id) FROM households WHERE village_id < 'v02'
                      GROUP BY village_id)";
    let one_in_a_hundred =
        "UPDATE households SET visit_chains = visit_chains WHERE rowid % 100 = 0";
    let (mut stop_saves, mut after_stop) = (Vec::new(), Vec::new());
    let (mut minute_saves, mut after_crash) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let stopping = open_state();
        rt.block_on(stopping.store.warm_reports()).expect("warm-up");
        let t = Instant::now();
        rt.block_on(stopping.store.save_reports()).expect("save");
        stop_saves.push(t.elapsed());
        drop(stopping);
        touch.execute(every_village, []).expect("touch");
        let restarted = open_state();
        after_stop.push(first_report(&restarted));
        drop(restarted);

        let crashing = open_state();
        rt.block_on(crashing.store.warm_reports()).expect("warm-up");
        rt.block_on(crashing.store.save_reports()).expect("save");
        touch.execute(twenty_villages, []).expect("touch");
        rt.block_on(crashing.store.refresh_reports())
            .expect("refresh");
        let t = Instant::now();
        rt.block_on(crashing.store.save_reports()).expect("save");
        minute_saves.push(t.elapsed());
        touch.execute(one_in_a_hundred, []).expect("touch");
        drop(crashing);
        let restarted = open_state();
        after_crash.push(first_report(&restarted));
        drop(restarted);
    }
    println!(
        "restart after a graceful stop: books written in {:.1} ms; the first county report, with no warm-up, after a write in every village: {:.1} ms",
        median(stop_saves),
        median(after_stop)
    );
    println!(
        "restart after a crash: the minute's write after 20 villages changed took {:.1} ms; the first county report, with no warm-up, after 1% of households changed since: {:.1} ms",
        median(minute_saves),
        median(after_crash)
    );

    // The export as the endpoint runs it (tables, file, audit record); rows over all its tables.
    let november = briefing::month_filter(Some("k".into()), "2026-11").expect("month");
    let (_, tables) = rt
        .block_on(briefing::tables(&state, &sup, &november))
        .expect("tables");
    let rows = tables.iter().map(|t| t.rows.len()).sum::<usize>();
    for (label, format) in [("CSV", ExportFormat::Csv), ("XLSX", ExportFormat::Xlsx)] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let out = rt
                .block_on(briefing::export(&state, &sup, &november, format))
                .expect("export");
            bytes = out.len();
            times.push(t.elapsed());
        }
        let ms = median(times);
        println!(
            "briefing {label:<4} county k, 2026-11: {rows} rows, {:.1} MB in {ms:.0} ms = {:.0} rows/s",
            bytes as f64 / 1e6,
            rows as f64 / (ms / 1000.0)
        );
    }
    println!("load average after: {}", load_average());
}

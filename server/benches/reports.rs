//! Reports at county scale on both backends: coverage of a county of 200,000 households and
//! 1,000,000 visits and of one of its townships — the first report of a freshly opened store (no
//! warm-up), then repeated, then after 2,000 new visits spread over the county — the 12-month
//! trend, and the monthly briefing export (CSV and XLSX) in rows per second. On PostgreSQL the
//! county is asked once more when the ledger's autovacuum has run after the new visits.
//!
//! Baseline, per backend and in the same run: one bare read of every visit of the county
//! (household, category, start, level) on a plain connection, which is what a design that
//! replays visits for each report pays before it computes anything. Report times are also given
//! as ratios to it.
//!
//! The fixtures are written through the `Store` once (households by `upsert_households`, visits
//! by `ingest_visit`, so every report column and the due ledger are filled by the real write
//! path) and cached: SQLite under the target folder (`CARGO_TARGET_TMPDIR`), PostgreSQL in a
//! schema of the database at `FIELDVISIT_BENCH_PG` (or `FIELDVISIT_TEST_PG`). Without either URL
//! only SQLite runs. Each round adds 2,000 visits to the cached fixtures. Knobs:
//! `FV_BENCH_HOUSEHOLDS` (200000), `FV_BENCH_VISITS_PER_HOUSEHOLD` (5), `FV_BENCH_RUNS` (5),
//! `FV_BENCH_ROUNDS` (3: rounds of 2,000 new visits, each followed by a first report).
//!
//! Run: `cargo bench -p fieldvisit-server --bench reports`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fieldvisit_core::crypto::sha256;
use fieldvisit_server::blob::FolderBlobStore;
use fieldvisit_server::ops::Actor;
use fieldvisit_server::ops::briefing::{self, ExportFormat};
use fieldvisit_server::ops::coverage::{self, Filter};
use fieldvisit_server::store::postgres::PgStore;
use fieldvisit_server::store::{NewVisit, Role, VisitFacts};
use fieldvisit_server::{AppState, Config};

#[path = "support/county.rs"]
mod county;

use county::{
    TOWNSHIPS, VILLAGES_PER_TOWNSHIP, category_of, day, env_usize, open_fixture, open_pg_fixture,
    runtime, village,
};
use fieldvisit_sim::load::load_average;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

/// One backend under test: how to open a fresh server state on its fixture, and its baseline.
struct Backend {
    name: &'static str,
    open: Box<dyn Fn() -> AppState>,
    /// One bare read of every visit of the county.
    baseline: Box<dyn Fn() -> Duration>,
    /// Waits until the database's own upkeep has caught up with writes made since the given
    /// time (PostgreSQL: the ledger's autovacuum), giving how long that took; `None` when the
    /// backend has no such upkeep or it did not come within three minutes.
    settle: Box<dyn Fn(chrono::DateTime<Utc>) -> Option<Duration>>,
}

fn sqlite(rt: &tokio::runtime::Runtime, households: usize, per_household: usize) -> Backend {
    let dir = open_fixture(rt, households, per_household);
    let handle = rt.handle().clone();
    let raw = rusqlite::Connection::open_with_flags(
        dir.join("fieldvisit.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("raw connection");
    let raw = std::sync::Mutex::new(raw);
    let open_dir = dir.clone();
    Backend {
        name: "SQLite",
        open: Box::new(move || {
            let _g = handle.enter();
            AppState::open(Config::for_tests(open_dir.clone())).expect("state")
        }),
        baseline: Box::new(move || {
            let raw = raw.lock().unwrap();
            let t = Instant::now();
            let mut st = raw
                .prepare_cached("SELECT household_id, category, started_at, level FROM visits")
                .expect("prepare");
            let mut rows = st.query([]).expect("query");
            let mut n = 0usize;
            while let Some(r) = rows.next().expect("row") {
                for i in 0..4 {
                    n += r
                        .get_ref(i)
                        .expect("column")
                        .as_bytes_or_null()
                        .expect("text")
                        .map_or(0, <[u8]>::len);
                }
            }
            std::hint::black_box(n);
            t.elapsed()
        }),
        settle: Box::new(|_| None),
    }
}

fn postgres(
    rt: &tokio::runtime::Runtime,
    url: &str,
    households: usize,
    per_household: usize,
) -> Backend {
    let config = open_pg_fixture(rt, url, households, per_household);
    let blobs = tempfile::tempdir().expect("blob folder").keep();
    let handle = rt.handle().clone();
    let open_config = config.clone();
    let base_handle = rt.handle().clone();
    let settle_handle = rt.handle().clone();
    let settle_config = config.clone();
    Backend {
        name: "PostgreSQL",
        open: Box::new(move || {
            let store = handle
                .block_on(PgStore::connect_with(open_config.clone()))
                .expect("store");
            let _g = handle.enter();
            AppState::new(
                Arc::new(store),
                Arc::new(FolderBlobStore::new(&blobs).expect("blobs")),
                Config::for_tests(blobs.clone()),
            )
            .expect("state")
        }),
        baseline: Box::new(move || {
            base_handle.block_on(async {
                let c = county::pg_client(&config).await;
                let t = Instant::now();
                let rows = c
                    .query(
                        "SELECT household_id, category, started_at, level FROM visits",
                        &[],
                    )
                    .await
                    .expect("read visits");
                std::hint::black_box(rows.len());
                t.elapsed()
            })
        }),
        settle: Box::new(move |since| {
            settle_handle.block_on(async {
                let c = county::pg_client(&settle_config).await;
                let t = Instant::now();
                while t.elapsed() < Duration::from_secs(180) {
                    let row = c
                        .query_one(
                            "SELECT coalesce(last_autovacuum >= $1, false) FROM pg_stat_user_tables
                             WHERE relid = 'dues'::regclass",
                            &[&since],
                        )
                        .await
                        .expect("ledger statistics");
                    if row.get::<_, bool>(0) {
                        return Some(t.elapsed());
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                None
            })
        }),
    }
}

/// 2,000 new visits spread evenly over the county's households (moved by `round`, so each round
/// visits others), stored through `state`.
fn new_visits(
    rt: &tokio::runtime::Runtime,
    state: &AppState,
    households: usize,
    round: usize,
) -> Duration {
    let per_village = households / (TOWNSHIPS * VILLAGES_PER_TOWNSHIP);
    let stamp = Utc::now().timestamp_millis();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 27, 1, 0, 0)
        .single()
        .unwrap();
    let visits: Vec<NewVisit> = (0..2_000usize)
        .map(|i| {
            let h = (i * (households / 2_000).max(1) + round) % households;
            let (vi, n) = (h / per_village, h % per_village);
            let (t, v) = (vi / VILLAGES_PER_TOWNSHIP, vi % VILLAGES_PER_TOWNSHIP);
            let (category, levels) = category_of(n);
            let id = format!("late-{stamp}-{i}");
            let started = at + chrono::Duration::minutes(i as i64);
            NewVisit {
                visit_id: id.clone(),
                device_id: format!("dw{}", village(t, v)),
                worker_id: format!("w{}", village(t, v)),
                household_id: format!("h{t:02}{v:02}{n:05}"),
                body_hash: sha256(id.as_bytes()),
                chain_seq: 100_000_000 + (stamp as u64 % 1_000_000) * 2_000 + i as u64,
                chain_prev: sha256(b"earlier"),
                envelope_json: "{}".into(),
                body_json: "{}".into(),
                category: category.code().into(),
                template_id: "bench".into(),
                started_at: started,
                ended_at: started + chrono::Duration::minutes(30),
                level: levels.first().map(|l| (*l).to_owned()),
                reported_to_police_at: None,
                photos: vec![],
                received_at: Utc::now(),
                facts: VisitFacts::default(),
            }
        })
        .collect();
    let store = Arc::clone(&state.store);
    let t = Instant::now();
    rt.block_on(async move {
        for chunk in visits.chunks(64) {
            county::ingest_all(&store, chunk.to_vec()).await;
        }
    });
    t.elapsed()
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let households = env_usize("FV_BENCH_HOUSEHOLDS", if smoke { 2_000 } else { 200_000 });
    let per_household = env_usize("FV_BENCH_VISITS_PER_HOUSEHOLD", 5);
    let runs = env_usize("FV_BENCH_RUNS", if smoke { 1 } else { 5 });
    let rounds = env_usize("FV_BENCH_ROUNDS", if smoke { 1 } else { 3 });
    let rt = runtime();
    let mut backends = vec![sqlite(&rt, households, per_household)];
    match std::env::var("FIELDVISIT_BENCH_PG").or_else(|_| std::env::var("FIELDVISIT_TEST_PG")) {
        Ok(url) if !url.is_empty() => backends.push(postgres(&rt, &url, households, per_household)),
        _ => println!("PostgreSQL: no FIELDVISIT_BENCH_PG or FIELDVISIT_TEST_PG; SQLite only"),
    }
    let sup = Actor {
        id: "sup".into(),
        role: Role::Supervisor,
        scope_path: "/p/c/k/".into(),
        session: None,
        session_key: None,
    };
    let filter = |unit: &str| Filter {
        unit_id: Some(unit.into()),
        from: day(2026, 11, 1),
        to: day(2026, 11, 30),
        category: None,
        worker_id: None,
    };
    let today = day(2026, 11, 29);
    // One report: the store's reads and the arithmetic, as the endpoint runs them.
    let report = |state: &AppState, unit: &str| {
        let f = filter(unit);
        let t = Instant::now();
        let data = rt
            .block_on(coverage::load(state, &sup, &f, today))
            .expect("load");
        let c = coverage::compute(data, &f);
        (t.elapsed(), c.totals.due, c.overdue.len())
    };
    for b in &backends {
        let state = (b.open)();
        let counts = rt.block_on(state.store.counts()).expect("counts");
        println!(
            "\n== {}: {} households, {} visits; load average {}",
            b.name,
            counts.households,
            counts.visits,
            load_average()
        );
        drop(state);
        let base = median((0..runs).map(|_| (b.baseline)()).collect());
        println!("baseline: a bare read of every visit: {base:.1} ms");
        let line = |label: &str, case: &str, ms: f64, due: u32, overdue: usize| {
            println!(
                "coverage {label:<12} {case:<30} {ms:>7.1} ms ({due} due, {overdue} overdue; {:.3} × baseline)",
                ms / base
            );
        };
        for (label, unit) in [("county k", "k"), ("township t07", "t07")] {
            // The first report of a store opened afresh, as after a restart: nothing warmed up.
            let cold: Vec<Duration> = (0..runs)
                .map(|_| {
                    let fresh = (b.open)();
                    report(&fresh, unit).0
                })
                .collect();
            let state = (b.open)();
            let (_, due, overdue) = report(&state, unit);
            line(label, "first after a restart", median(cold), due, overdue);
            let warm: Vec<Duration> = (0..runs).map(|_| report(&state, unit).0).collect();
            line(label, "repeated", median(warm), due, overdue);
        }
        // Rounds of 2,000 new visits (other households each round), each followed by the first
        // report of a freshly opened store: one such report is a single, noisy sample.
        let state = (b.open)();
        let mut firsts: Vec<Vec<Duration>> = vec![Vec::new(), Vec::new()];
        let mut stored_at = Utc::now();
        let mut totals = Vec::new();
        for round in 0..rounds {
            let took = new_visits(&rt, &state, households, round);
            stored_at = Utc::now();
            println!(
                "round {}: 2,000 new visits spread over the county stored in {:.0} ms ({:.0}/s, one phone at a time per village)",
                round + 1,
                took.as_secs_f64() * 1000.0,
                2_000.0 / took.as_secs_f64()
            );
            for (i, unit) in ["k", "t07"].into_iter().enumerate() {
                let fresh = (b.open)();
                let (first, due, overdue) = report(&fresh, unit);
                firsts[i].push(first);
                totals.push((due, overdue));
            }
        }
        for (i, (label, unit)) in [("county k", "k"), ("township t07", "t07")]
            .into_iter()
            .enumerate()
        {
            let (due, overdue) = totals[totals.len() - 2 + i];
            let worst = firsts[i].iter().max().copied().unwrap_or_default();
            line(
                label,
                "after 2,000 new visits, first",
                median(firsts[i].clone()),
                due,
                overdue,
            );
            println!(
                "{:<21} (the slowest of {} rounds: {:.1} ms)",
                "",
                firsts[i].len(),
                worst.as_secs_f64() * 1000.0
            );
            let fresh = (b.open)();
            let again: Vec<Duration> = (0..runs).map(|_| report(&fresh, unit).0).collect();
            line(label, "after 2,000 new visits", median(again), due, overdue);
        }
        // What a supervisor sees a minute or two later, once the database has tidied up.
        // (Not in a smoke run: the wait can take a minute.)
        if let Some(waited) = (!smoke).then(|| (b.settle)(stored_at)).flatten() {
            println!(
                "the ledger's autovacuum came {:.0} s after the new visits",
                waited.as_secs_f64()
            );
            let fresh = (b.open)();
            let (first, due, overdue) = report(&fresh, "k");
            line(
                "county k",
                "after the autovacuum, first",
                first.as_secs_f64() * 1000.0,
                due,
                overdue,
            );
        }
        let trend: Vec<Duration> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let months = rt
                    .block_on(coverage::trend(&state, &sup, &filter("k"), today, 12))
                    .expect("trend");
                std::hint::black_box(months);
                t.elapsed()
            })
            .collect();
        let ms = median(trend);
        println!(
            "trend    county k     12 months                      {ms:>7.1} ms ({:.3} × baseline)",
            ms / base
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
    }
    println!("\nload average after: {}", load_average());
}

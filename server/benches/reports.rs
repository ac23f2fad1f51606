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

use std::time::{Duration, Instant};

use fieldvisit_server::ops::Actor;
use fieldvisit_server::ops::briefing::{self, ExportFormat};
use fieldvisit_server::ops::coverage::{self, Filter};
use fieldvisit_server::store::Role;
use fieldvisit_server::{AppState, Config};

#[path = "support/county.rs"]
mod county;

use county::{day, env_usize, open_fixture, runtime};

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
    let dir = open_fixture(&rt, households, per_household);
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

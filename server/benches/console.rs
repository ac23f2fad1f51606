//! The console's speed at county scale, as its pages are served (through the whole router, in
//! process; every page of the demo county is timed by `cargo bench -p fieldvisit-cli --bench
//! demo_pages`): the county coverage page over the report fixture (200,000 households, 1,000,000 visits; see
//!    `support/county.rs`): server time p50/p99, against the API's `/api/v1/coverage` for the
//!    same filter; and, when Chromium and playwright-core are installed (`scripts/install-browser.sh`),
//!    the time until the page has loaded in Chromium with a cold cache, against the sign-in page.
//!
//! Run: `cargo bench -p fieldvisit-server --bench console` (`FV_BENCH_HOUSEHOLDS=20000` for a
//! smaller county). Without `--bench` (as `cargo test` runs benches) it is a quick smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use chrono::Utc;
use fieldvisit_server::auth::SESSION_COOKIE;
use fieldvisit_server::auth::token::{STAFF_PREFIX, new_token, token_hash};
use fieldvisit_server::store::Session;
use fieldvisit_server::{AppState, Config};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "support/county.rs"]
mod county;

use county::{env_usize, open_fixture, runtime};

struct Timing {
    p50: f64,
    p99: f64,
}

fn timing(mut v: Vec<Duration>) -> Timing {
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    Timing {
        p50: at(0.5),
        p99: at(0.99),
    }
}

async fn get(app: &Router, uri: &str, cookie: &str, gzip: bool) -> (u16, Vec<u8>) {
    let mut b = Request::get(uri).header("cookie", format!("{SESSION_COOKIE}={cookie}"));
    if gzip {
        b = b.header("accept-encoding", "gzip");
    }
    let resp = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body)
}

fn time_page(
    rt: &tokio::runtime::Runtime,
    app: &Router,
    uri: &str,
    cookie: &str,
    runs: usize,
) -> Timing {
    let (status, _) = rt.block_on(get(app, uri, cookie, false));
    assert_eq!(status, 200, "{uri}");
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(rt.block_on(get(app, uri, cookie, false)));
        v.push(t.elapsed());
    }
    timing(v)
}

fn county_page(rt: &tokio::runtime::Runtime, households: usize, runs: usize) {
    let dir = open_fixture(
        rt,
        households,
        env_usize("FV_BENCH_VISITS_PER_HOUSEHOLD", 5),
    );
    let state = {
        let _g = rt.enter();
        AppState::open(Config::for_tests(dir.clone())).expect("state")
    };
    let counts = rt.block_on(state.store.counts()).unwrap();
    let token = new_token(STAFF_PREFIX).unwrap();
    rt.block_on(state.store.add_session(
        &Session {
            token_hash: token_hash(&token),
            staff_id: "sup".into(),
            csrf_token: "bench".into(),
            expires_at: Utc::now() + chrono::Duration::hours(1),
            last_seen_at: Utc::now(),
        },
        None,
    ))
    .unwrap();
    let app = fieldvisit_server::app(state.clone());
    let page = "/coverage?unit=k&month=2026-11";
    let api = "/api/v1/coverage?unit=k&from=2026-11-01&to=2026-11-30";
    let a = time_page(rt, &app, api, &token, runs);
    let p = time_page(rt, &app, page, &token, runs);
    println!(
        "county of {} households, {} visits: API {api}: p50 {:.0} ms, p99 {:.0} ms; page {page}: p50 {:.0} ms, p99 {:.0} ms ({:.2}× the API; target ≤ 300 ms)",
        counts.households,
        counts.visits,
        a.p50,
        a.p99,
        p.p50,
        p.p99,
        p.p50 / a.p50
    );
    chromium_render(rt, app, page, &token);
}

/// Loads the page in Chromium with a cold cache (a new browser context each time).
fn chromium_render(rt: &tokio::runtime::Runtime, app: Router, page: &str, token: &str) {
    let (Ok(modules), Ok(chromium)) = (
        std::env::var("FIELDVISIT_NODE_MODULES"),
        std::env::var("FIELDVISIT_CHROMIUM"),
    ) else {
        println!("Chromium render: skipped (source scripts/install-browser.sh to measure it)");
        return;
    };
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/render.mjs");
    let out = std::process::Command::new("node")
        .arg(script)
        .arg(format!("http://{addr}"))
        .arg(page)
        .arg(format!("{SESSION_COOKIE}={token}"))
        .env("FIELDVISIT_NODE_MODULES", modules)
        .env("FIELDVISIT_CHROMIUM", chromium)
        .output()
        .expect("node");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if !out.status.success() {
        println!(
            "Chromium render failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs = env_usize("FV_BENCH_RUNS", if smoke { 3 } else { 100 });
    let households = env_usize("FV_BENCH_HOUSEHOLDS", if smoke { 2_000 } else { 200_000 });
    let rt = runtime();
    county_page(&rt, households, runs.min(20));
}

//! Every console page of the demo county for its role, as served through the whole router in
//! process: server time p50 and p99 over `FV_BENCH_RUNS` (100) requests, against `/healthz`
//! measured the same way in the same run, and the CSS and JS each page loads, gzip-compressed as
//! served (budget 150 KB). The county-scale coverage page is timed by `cargo bench -p
//! fieldvisit-server --bench console`.
//!
//! Run: `cargo bench -p fieldvisit-cli --bench demo_pages`. Without `--bench` (as `cargo test`
//! runs benches) it is a quick smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use fieldvisit_cli::demo::{self, DemoArgs};
use fieldvisit_server::AppState;
use fieldvisit_server::auth::SESSION_COOKIE;
use fieldvisit_server::ops::sessions;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Budget for the CSS and JS of one page, gzip-compressed.
const ASSET_BUDGET: usize = 150 * 1024;

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

/// The CSS and JS a page links, fetched as a browser would (gzip), in bytes on the wire.
fn asset_bytes(rt: &tokio::runtime::Runtime, app: &Router, html: &str, cookie: &str) -> usize {
    let mut total = 0;
    for attr in ["href=\"/assets/", "src=\"/assets/"] {
        for (i, _) in html.match_indices(attr) {
            let start = i + attr.len() - "/assets/".len();
            let end = start + html[start..].find('"').unwrap();
            let path = html[start..end].replace("&amp;", "&");
            if path.contains(".css") || path.contains(".js") {
                let (status, body) = rt.block_on(get(app, &path, cookie, true));
                assert_eq!(status, 200, "{path}");
                total += body.len();
            }
        }
    }
    total
}

fn signed_in(
    rt: &tokio::runtime::Runtime,
    state: &AppState,
    login: &str,
    password: &str,
) -> String {
    rt.block_on(sessions::sign_in(state, login, password.to_owned()))
        .expect("sign in")
        .token
}

fn demo_pages(rt: &tokio::runtime::Runtime, runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let args = DemoArgs {
        listen: "127.0.0.1:0".into(),
        households: None,
        exit_after_sync: true,
    };
    let started = Instant::now();
    let demo = rt
        .block_on(demo::start(dir.path(), &args, &mut std::io::sink()))
        .expect("demo");
    println!(
        "demo county: {} households, seeded and synced in {:.1} s",
        demo.file.households,
        started.elapsed().as_secs_f64()
    );
    let app = fieldvisit_server::app(demo.state.clone());
    let password = |login: &str| demo.file.passwords[login].clone();
    let sup = signed_in(rt, &demo.state, "supervisor", &password("supervisor"));
    let rev = signed_in(rt, &demo.state, "reviewer", &password("reviewer"));
    let adm = signed_in(rt, &demo.state, "admin", &password("admin"));
    let first_link = |html: &str, prefix: &str| -> Option<String> {
        let at = html.find(&format!("href=\"{prefix}"))? + "href=\"".len();
        let end = at + html[at..].find('"')?;
        Some(html[at..end].replace("&amp;", "&"))
    };
    let page_html = |uri: &str, cookie: &str| {
        String::from_utf8(rt.block_on(get(&app, uri, cookie, false)).1).unwrap()
    };
    let coverage = page_html("/coverage", &sup);
    let evidence = page_html("/evidence?period=quarter&quarter=2026-Q3", &sup);
    let reviews = page_html("/reviews", &rev);
    let mut pages: Vec<(&str, String, &str)> = vec![
        ("supervisor", "/coverage".into(), sup.as_str()),
        ("supervisor", "/coverage/overdue".into(), sup.as_str()),
        (
            "supervisor",
            "/coverage/households?status=due".into(),
            sup.as_str(),
        ),
        ("supervisor", "/evidence".into(), sup.as_str()),
        ("reviewer", "/reviews".into(), rev.as_str()),
        ("admin", "/admin/staff".into(), adm.as_str()),
        ("admin", "/admin/devices".into(), adm.as_str()),
        ("admin", "/admin/keys".into(), adm.as_str()),
        ("admin", "/admin/schedules".into(), adm.as_str()),
        ("admin", "/admin/audit".into(), adm.as_str()),
        ("admin", "/admin/import".into(), adm.as_str()),
        ("anyone", "/login".into(), ""),
    ];
    if let Some(h) = first_link(&coverage, "/households/") {
        pages.push(("supervisor", h, sup.as_str()));
    }
    if let Some(v) = first_link(&evidence, "/visits/") {
        pages.push(("supervisor", v, sup.as_str()));
    }
    if let Some(r) = first_link(&reviews, "/reviews/") {
        pages.push(("reviewer", r, rev.as_str()));
    }
    let base = time_page(rt, &app, "/healthz", "", runs);
    println!(
        "baseline /healthz through the same router: p50 {:.2} ms, p99 {:.2} ms",
        base.p50, base.p99
    );
    println!(
        "{:<11} {:<60} {:>8} {:>8} {:>9} {:>11}",
        "role", "page", "p50 ms", "p99 ms", "p50/base", "CSS+JS gz"
    );
    for (role, uri, cookie) in &pages {
        let t = time_page(rt, &app, uri, cookie, runs);
        let html = page_html(uri, cookie);
        let assets = asset_bytes(rt, &app, &html, cookie);
        println!(
            "{role:<11} {uri:<60} {:>8.2} {:>8.2} {:>8.1}× {:>8.1} KB{}",
            t.p50,
            t.p99,
            t.p50 / base.p50.max(1e-6),
            assets as f64 / 1024.0,
            if assets > ASSET_BUDGET {
                "  OVER BUDGET"
            } else {
                ""
            }
        );
    }
    rt.block_on(demo.stop()).unwrap();
}

fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs = fieldvisit_sim::load::knob("FV_BENCH_RUNS", if smoke { 3 } else { 100 });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    demo_pages(&rt, runs);
}

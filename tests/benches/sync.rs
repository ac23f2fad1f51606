//! Sync benchmark: the real core against the real server on loopback, every byte counted by a TCP
//! proxy (`fieldvisit_tests::wire`).
//!
//! `cargo bench -p fieldvisit-tests --bench sync` prints:
//! 1. one guardianship visit (the child sample answers, 3 camera photos of 4000×3000 through the
//!    real photo pipeline): bytes up and down, the payload (envelope JSON + encrypted photos), the
//!    protocol overhead in percent, broken down by route into request heads and bodies, for photo
//!    chunks of 64 KiB, 256 KiB (the default) and 1 MiB;
//! 2. `FV_BENCH_VISITS` (default 500) queued visits with 3 photos each synced in one run: time,
//!    visits per second, throughput, the overhead over all of them, and the time against a baseline
//!    measured in the same run (the same payload bytes copied raw through the same proxy).
//!
//! Set `FV_BENCH_SOURCE` to `4000x3000` to feed the 500 visits full-size camera photos as well
//! (default `2000x1500`, which keeps the preparation short; the pipeline's output is 1600×1200
//! either way, so the bytes synced are alike).
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, TimeZone, Utc};
use fieldvisit_core::crypto::b64_decode;
use fieldvisit_core::sync::{SyncOptions, SyncReport};
use fieldvisit_server::store::Scope;
use fieldvisit_sim::phone::{Phone, VisitRecord};
use fieldvisit_tests::harness::{TestServer, runtime, seed};
use fieldvisit_tests::wire::{CountingProxy, WireStats};

/// What the outbox holds before a sync: the payload the protocol has to carry.
#[derive(Debug, Default, Clone)]
struct Payload {
    /// Size of each envelope and each photo, in upload order.
    objects: Vec<u64>,
    visits: u64,
    /// Envelope JSON as sent (`{version, body: base64(body JSON), signature}`).
    envelopes: u64,
    /// The envelope bodies' JSON before the outer base64.
    bodies: u64,
    /// The base64 text of the encrypted content inside the bodies.
    content_b64: u64,
    /// Encrypted photos (nonce, ciphertext, tag) as uploaded.
    photos: u64,
    photo_count: u64,
}

impl Payload {
    fn total(&self) -> u64 {
        self.envelopes + self.photos
    }
}

fn payload(phone: &Phone) -> Payload {
    let store = phone.engine.store();
    let mut p = Payload::default();
    for entry in store.outbox().unwrap_or_else(|e| panic!("outbox: {e}")) {
        let sealed = store
            .sealed(&entry.visit_id)
            .unwrap_or_else(|e| panic!("sealed: {e}"))
            .unwrap_or_else(|| panic!("an outbox entry without its sealed visit"));
        let body = sealed
            .envelope
            .peek_body()
            .unwrap_or_else(|e| panic!("body: {e}"));
        let envelope = sealed.envelope.to_json().len() as u64;
        p.objects.push(envelope);
        p.objects.extend(body.photos.iter().map(|ph| ph.size));
        p.visits += 1;
        p.envelopes += envelope;
        p.bodies += b64_decode(&sealed.envelope.body, "body").map_or(0, |b| b.len() as u64);
        p.content_b64 += body.content.ciphertext.len() as u64;
        p.photos += body.photos.iter().map(|ph| ph.size).sum::<u64>();
        p.photo_count += body.photos.len() as u64;
    }
    p
}

fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1000.0)
}

fn pct(part: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        part as f64 * 100.0 / of as f64
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn print_wire(stats: &WireStats, p: &Payload) {
    let up = stats.up.load(std::sync::atomic::Ordering::SeqCst);
    let down = stats.down.load(std::sync::atomic::Ordering::SeqCst);
    let overhead = up.saturating_sub(p.total());
    println!(
        "  on the wire: {} up + {} down = {} ({} bytes) in {} connection(s)",
        kb(up),
        kb(down),
        kb(up + down),
        up + down,
        stats.connections.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "  payload of {} visit(s): {} = envelopes {} + {} encrypted photos {}",
        p.visits,
        kb(p.total()),
        kb(p.envelopes),
        p.photo_count,
        kb(p.photos)
    );
    println!(
        "  upload overhead: {} bytes = {:.2} % of the payload (down: {:.2} % of the payload)",
        overhead,
        pct(overhead, p.total()),
        pct(down, p.total())
    );
    println!("  by route (requests, head bytes, body bytes):");
    let mut heads = 0;
    let mut bodies = 0;
    for (route, r) in stats.routes() {
        heads += r.head;
        bodies += r.body;
        println!(
            "    {route:<42} {:>6} × {:>9} head {:>11} body",
            r.requests, r.head, r.body
        );
    }
    println!(
        "    request heads {} bytes ({:.2} % of the payload); bodies beyond the payload {} bytes; \
         unparsed {} bytes",
        heads,
        pct(heads, p.total()),
        bodies as i64 - p.total() as i64,
        stats.unparsed_up.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "  inside the payload (not counted as overhead): envelope base64 of the body {} bytes \
         ({:.1} % of the envelopes), content base64 {} of {} body bytes",
        p.envelopes.saturating_sub(p.bodies),
        pct(p.envelopes.saturating_sub(p.bodies), p.envelopes),
        p.content_b64,
        p.bodies
    );
}

fn sync(phone: &Phone, url: &str, chunk_size: usize) -> SyncReport {
    let options = SyncOptions {
        chunk_size,
        ..SyncOptions::default()
    };
    let report = phone
        .sync(url, options)
        .unwrap_or_else(|e| panic!("sync: {e}"));
    assert!(report.refused.is_empty(), "refused: {:?}", report.refused);
    assert!(
        phone.engine.store().outbox().unwrap_or_default().is_empty(),
        "the outbox is not empty after a sync"
    );
    report
}

/// Copies `sizes` bytes objects over one loopback connection through `proxy` to a sink; the time
/// until the sink has read all of it.
fn raw_copy(sizes: &[u64]) -> StdDuration {
    let sink = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = sink.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
    let total: u64 = sizes.iter().sum();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = sink.accept().unwrap_or_else(|e| panic!("accept: {e}"));
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = 0u64;
        while got < total {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n as u64,
            }
        }
        let _ = s.write_all(b"k");
        got
    });
    let proxy = CountingProxy::start(addr).unwrap_or_else(|e| panic!("proxy: {e}"));
    let largest = sizes.iter().copied().max().unwrap_or(0) as usize;
    let data = vec![0x5Au8; largest];
    let start = Instant::now();
    let mut c = TcpStream::connect(proxy.addr()).unwrap_or_else(|e| panic!("connect: {e}"));
    for &n in sizes {
        c.write_all(&data[..n as usize])
            .unwrap_or_else(|e| panic!("write: {e}"));
    }
    let mut ack = [0u8; 1];
    let _ = c.read_exact(&mut ack);
    let elapsed = start.elapsed();
    assert_eq!(reader.join().unwrap_or(0), total, "the sink lost bytes");
    elapsed
}

fn main() {
    let visits: usize = std::env::var("FV_BENCH_VISITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (src_w, src_h) = std::env::var("FV_BENCH_SOURCE")
        .ok()
        .and_then(|v| {
            let (w, h) = v.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((2000u16, 1500u16));
    println!("sync benchmark — load average at start: {}", loadavg());

    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = TestServer::start(data.path());
    let rt = runtime();
    let workers = seed(&rt, &server.state, 1, 3);
    let child = &workers[0].households[1];
    let proxy = CountingProxy::start(server.addr).unwrap_or_else(|e| panic!("proxy: {e}"));
    let url = proxy.url();
    let t0 = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 0, 0)
        .single()
        .unwrap_or_default();

    // ---- 1. one visit -----------------------------------------------------------------------
    let t = Instant::now();
    let photos: Vec<Vec<u8>> = (1..=3)
        .map(|s| fieldvisit_sim::photo::jpeg(4000, 3000, s).unwrap())
        .collect();
    println!(
        "\n1. one guardianship visit, {} answers, 3 camera photos of 4000×3000 ({}, {}, {}; made in \
         {:.1} s)",
        fieldvisit_core::template::builtin::sample::sample_answers("child-guardianship")
            .map_or(0, |a| a.len()),
        kb(photos[0].len() as u64),
        kb(photos[1].len() as u64),
        kb(photos[2].len() as u64),
        t.elapsed().as_secs_f64()
    );
    let phone = server.phone_through(&url, &workers[0].id);
    sync(&phone, &url, SyncOptions::default().chunk_size);
    for (i, chunk) in [64 * 1024, 256 * 1024, 1024 * 1024].into_iter().enumerate() {
        let t = Instant::now();
        phone
            .record(
                &VisitRecord::sample(child, t0 + Duration::days(i as i64))
                    .unwrap()
                    .with_photos("entrustment_letter", &photos),
            )
            .unwrap();
        let recorded = t.elapsed();
        let p = payload(&phone);
        proxy.stats().reset();
        let t = Instant::now();
        let report = sync(&phone, &url, chunk);
        let took = t.elapsed();
        assert_eq!((report.visits_completed, report.photos_completed), (1, 3));
        println!(
            "\n  chunk {} KiB: recorded and sealed in {:.2} s, synced in {:.3} s",
            chunk / 1024,
            recorded.as_secs_f64(),
            took.as_secs_f64()
        );
        print_wire(proxy.stats(), &p);
    }

    // ---- 2. many queued visits --------------------------------------------------------------
    let t = Instant::now();
    let sources: Vec<Vec<u8>> = (10..13)
        .map(|s| fieldvisit_sim::photo::jpeg(u32::from(src_w), u32::from(src_h), s).unwrap())
        .collect();
    let phone = server.phone_through(&url, &workers[0].id);
    sync(&phone, &url, SyncOptions::default().chunk_size);
    for i in 0..visits {
        phone
            .record(
                &VisitRecord::sample(child, t0 + Duration::hours(i as i64))
                    .unwrap()
                    .with_photos("entrustment_letter", &sources),
            )
            .unwrap();
    }
    println!(
        "\n2. {visits} queued visits with 3 photos each ({src_w}×{src_h} camera JPEGs through the \
         pipeline), recorded and sealed in {:.1} s; load average {}",
        t.elapsed().as_secs_f64(),
        loadavg()
    );
    let p = payload(&phone);
    proxy.stats().reset();
    let t = Instant::now();
    let report = sync(&phone, &url, SyncOptions::default().chunk_size);
    let took = t.elapsed();
    assert_eq!(report.visits_completed, visits as u64);
    let scope = Scope {
        path: "/".into(),
        worker_id: Some(workers[0].id.clone()),
    };
    let on_server = server
        .block_on(server.state.store.visits(&scope))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        on_server.len(),
        visits + 3,
        "the server lost or doubled visits"
    );
    let raw = raw_copy(&p.objects);
    let secs = took.as_secs_f64();
    println!(
        "  synced in {:.2} s: {:.1} visits/s, {:.1} ms per visit, {:.1} MB/s of payload",
        secs,
        visits as f64 / secs,
        secs * 1000.0 / visits as f64,
        p.total() as f64 / secs / 1e6
    );
    println!(
        "  baseline, the same {} of payload copied raw over loopback through the proxy: {:.3} s; \
         sync / baseline = {:.1}×",
        kb(p.total()),
        raw.as_secs_f64(),
        secs / raw.as_secs_f64().max(1e-9)
    );
    print_wire(proxy.stats(), &p);
    println!("\nload average at the end: {}", loadavg());
}

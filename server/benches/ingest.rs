//! Ingest benchmark: the real server (axum on 127.0.0.1:0, SQLite in a temp folder) and a load
//! generator of concurrent HTTP clients in the same process, on separate runtimes.
//!
//! Phases, each with the same number of clients:
//! 1. baseline: `GET /healthz` (loopback + HTTP + one small read: the ceiling of this machine);
//! 2. `PUT /api/v1/visits/{id}` of sealed visits without photos;
//! 3. sealed visits with one photo each: the envelope, then the photo through the resumable upload
//!    (`PUT …/photos/{id}?offset=N` in the phone's 256 KiB chunks);
//! 4. sealed visits without photos again, now with alerts on: a webhook channel for the county, the
//!    alert sender running as in `serve`, and one visit in 20 reported to police (each raises an
//!    alert in its ingest transaction, sent to a local receiver during the phase);
//! 5. sealed visits without photos again, alerts off: the phase with alerts is compared with the
//!    mean of this one and phase 2;
//! 6. the alert sender alone draining `FV_BENCH_ALERTS` (10000) due alerts to the local receiver.
//!
//! Envelopes are sealed before timing with real Ed25519 signatures, real AES-GCM content wrapped with
//! HPKE to an audience key, and per-device hash chains (each client is one phone sending its own
//! chain in order). Knobs: `FV_BENCH_VISITS` (default 20000), `FV_BENCH_PHOTO_VISITS` (2000),
//! `FV_BENCH_CLIENTS` (32), `FV_BENCH_PHOTO_KB` (200), `FV_BENCH_ALERTS` (10000); with
//! `FV_BENCH_DATABASE=postgres://…` the store is PostgreSQL (a fresh schema, dropped after).
//!
//! Run: `cargo bench -p fieldvisit-server --bench ingest`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::{
    AudiencePrivateKey, AudiencePublicKey, DeviceSigningKey, b64_encode,
};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_core::protocol::{EnrollRequest, WIRE_VERSION};
use fieldvisit_server::alerts::receiver::Receiver;
use fieldvisit_server::alerts::sender::Sender;
use fieldvisit_server::blob::FolderBlobStore;
use fieldvisit_server::ops::csv_import::ParsedRow;
use fieldvisit_server::ops::users::NewUser;
use fieldvisit_server::ops::{Actor, devices, households, org, users};
use fieldvisit_server::store::postgres::PgStore;
use fieldvisit_server::store::{AlertDraft, AlertKind, AlertUnit, ChannelKind, OrgLevel, Role};
use fieldvisit_server::{AppState, Config};
use fieldvisit_sim::load::{self, Lane, LoadPhone, LoadVisit, SealedLoad};
use fieldvisit_sim::load::{knob as env_usize, load_average};

/// Households per worker (each client is one worker's phone).
const HOUSEHOLDS_PER_WORKER: usize = 40;
/// One visit in this many is reported to police in the alerts-on phase.
const POLICE_EVERY: usize = 20;

fn runtime(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn household(w: usize, i: usize) -> Household {
    Household {
        id: format!("h{w:02}-{i:03}"),
        village_id: "v1".into(),
        head_name: format!("户主{w}-{i}"),
        id_number: format!("320115195001{w:02}{i:04}"),
        address: "示范村".into(),
        categories: vec![CategoryRegistration {
            category: [
                Category::Tekun,
                Category::LeftBehindChild,
                Category::ElderlyAlone,
            ][i % 3],
            since: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        }],
        location: Some(GeoPoint {
            lat: 31.95,
            lon: 118.84 + i as f64 * 0.001,
        }),
        members: vec![Member {
            name: format!("户主{w}-{i}"),
            relation: "本人".into(),
            birth_date: None,
        }],
    }
}

/// Org tree, one worker per client with households, one enrolled device each.
async fn seed(state: &AppState, clients: usize) -> Vec<LoadPhone> {
    let cli = Actor::cli();
    for (id, parent, level, name) in [
        ("p", None, OrgLevel::Province, "江苏省"),
        ("c", Some("p"), OrgLevel::City, "南京市"),
        ("k", Some("c"), OrgLevel::County, "江宁区"),
        ("t1", Some("k"), OrgLevel::Township, "示范街道"),
        ("v1", Some("t1"), OrgLevel::Village, "示范村"),
    ] {
        org::add_unit(state, &cli, id, parent, level, name)
            .await
            .expect("unit");
    }
    let mut rows = Vec::new();
    let mut phones = Vec::new();
    for w in 0..clients {
        let worker = format!("w{w:02}");
        users::add_user(
            state,
            &cli,
            NewUser {
                id: Some(worker.clone()),
                login: worker.clone(),
                display_name: format!("社工{w}"),
                role: Role::Worker,
                scope_unit_id: "t1".into(),
                password: "bench password 123".into(),
            },
        )
        .await
        .expect("worker");
        for i in 0..HOUSEHOLDS_PER_WORKER {
            rows.push(ParsedRow {
                line: rows.len() as u64 + 2,
                household: household(w, i),
                worker_id: Some(worker.clone()),
            });
        }
    }
    households::import(state, &cli, rows)
        .await
        .expect("households");
    for w in 0..clients {
        let worker = format!("w{w:02}");
        let (code, _) = devices::create_code(state, &cli, &worker)
            .await
            .expect("code");
        let key = DeviceSigningKey::generate().expect("key");
        let resp = devices::enroll(
            state,
            EnrollRequest {
                version: WIRE_VERSION,
                code,
                public_key: b64_encode(&key.public_key()),
                device_label: "bench".into(),
            },
        )
        .await
        .expect("enroll");
        phones.push(LoadPhone::new(&worker, &resp.device_id, &resp.token, key));
    }
    phones
}

/// Seals `count` visits for one device, continuing its chain.
fn seal_visits(
    phone: &mut LoadPhone,
    audience: &AudiencePublicKey,
    count: usize,
    photo_bytes: usize,
    tag: &str,
    police_every: usize,
) -> Vec<SealedLoad> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 2, 1, 0, 0)
        .single()
        .expect("t0");
    let w = phone.worker_id[1..].to_owned();
    (0..count)
        .map(|i| {
            let visit = LoadVisit {
                visit_id: format!("{tag}{w}{i:06}"),
                household_id: format!("h{w}-{:03}", i % HOUSEHOLDS_PER_WORKER),
                started: t0 + chrono::Duration::minutes((i as i64) * 90),
                photo_bytes,
                police: police_every > 0 && i % police_every == 0,
            };
            phone.seal(audience, &visit).expect("seal")
        })
        .collect()
}

fn main() {
    // A request that fails says why on the server's side (an internal error's cause is logged).
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run a tiny smoke then.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let clients = env_usize("FV_BENCH_CLIENTS", 32);
    let visits = env_usize("FV_BENCH_VISITS", if smoke { 64 } else { 20_000 });
    let photo_visits = env_usize("FV_BENCH_PHOTO_VISITS", if smoke { 32 } else { 2_000 });
    let photo_kb = env_usize("FV_BENCH_PHOTO_KB", 200);
    let per_client = visits.div_ceil(clients);
    let photo_per_client = photo_visits.div_ceil(clients);

    let dir = tempfile::tempdir().expect("temp dir");
    // Test settings only make password hashing cheap for seeding; ingest does not hash passwords.
    let server_rt = runtime(2);
    let pg = std::env::var("FV_BENCH_DATABASE")
        .ok()
        .filter(|u| !u.is_empty())
        .map(|url| server_rt.block_on(PgSchema::create(&url)));
    let state = {
        let _g = server_rt.enter();
        let config = Config::for_tests(dir.path().to_path_buf());
        match &pg {
            None => AppState::open(config).expect("state"),
            Some(schema) => {
                let store = server_rt
                    .block_on(PgStore::connect_with(schema.config.clone()))
                    .expect("PostgreSQL store");
                let blobs = FolderBlobStore::new(&dir.path().join("blobs")).expect("blobs");
                AppState::new(Arc::new(store), Arc::new(blobs), config).expect("state")
            }
        }
    };
    println!(
        "store: {}",
        if pg.is_some() {
            "PostgreSQL (FV_BENCH_DATABASE), photos in a folder"
        } else {
            "SQLite"
        }
    );
    let phones = server_rt.block_on(seed(&state, clients));
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = fieldvisit_server::app(state.clone());
    server_rt.spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    let base = format!("http://{addr}");

    let t = Instant::now();
    let audience = AudiencePrivateKey::generate();
    let mut plain = Vec::new();
    let mut with_photo = Vec::new();
    let mut alerted = Vec::new();
    let mut plain_again = Vec::new();
    let audience = audience.public_key();
    for mut phone in phones {
        let mut phase = |count, photo_bytes, tag, police_every| Lane {
            token: phone.token.clone(),
            visits: seal_visits(&mut phone, &audience, count, photo_bytes, tag, police_every),
        };
        plain.push(phase(per_client, 0, "a", 0));
        with_photo.push(phase(photo_per_client, photo_kb * 1024, "b", 0));
        alerted.push(phase(per_client, 0, "c", POLICE_EVERY));
        plain_again.push(phase(per_client, 0, "d", 0));
    }
    println!(
        "sealed {} + {} + {} + {} visits for {clients} phones in {:.1} s (not timed below)",
        per_client * clients,
        photo_per_client * clients,
        per_client * clients,
        per_client * clients,
        t.elapsed().as_secs_f64()
    );

    let client_rt = runtime(2);
    let health = |name: &str, per_client| {
        client_rt
            .block_on(load::drive_get(
                name, &base, "/healthz", None, clients, per_client,
            ))
            .expect("healthz")
    };
    health("warm-up", 20);
    println!("load average before: {}", load_average());
    let baseline = health("GET /healthz", per_client);
    println!("{}", baseline.line(None));
    let ingest = client_rt
        .block_on(load::drive("ingest, no photos", &base, plain))
        .expect("ingest");
    println!("{}", ingest.line(Some(&baseline)));
    let photos = client_rt
        .block_on(load::drive("ingest, 1 photo per visit", &base, with_photo))
        .expect("ingest");
    println!("{}", photos.line(Some(&baseline)));
    println!(
        "photo payload: {:.1} MB/s",
        photos.per_sec() * photo_kb as f64 / 1024.0
    );

    // Alerts on: a channel, the sender running as in `serve`, police reports among the visits.
    let receiver = client_rt
        .block_on(Receiver::start())
        .expect("alert receiver");
    let channel = server_rt
        .block_on(fieldvisit_server::ops::alerts::add(
            &state,
            &Actor::cli(),
            fieldvisit_server::ops::alerts::NewChannel {
                unit_id: "k".into(),
                kind: ChannelKind::Webhook,
                label: "bench".into(),
                url: receiver.url("/hook"),
                secret: Some("bench secret".into()),
                events: vec![],
                digest_at: fieldvisit_server::ops::alerts::default_digest_at(),
            },
        ))
        .expect("channel");
    let sender = {
        let _g = server_rt.enter();
        fieldvisit_server::alerts::spawn(state.clone()).expect("alert sender")
    };
    let with_alerts = client_rt
        .block_on(load::drive("ingest, no photos, alerts on", &base, alerted))
        .expect("ingest");
    println!("{}", with_alerts.line(Some(&baseline)));
    let police = per_client.div_ceil(POLICE_EVERY) * clients;
    let got = client_rt.block_on(receiver.wait_for(police, Duration::from_secs(60)));
    // The child-guardianship visits also open reviews, whose clocks may raise alerts of their own.
    let police_alerts = got
        .iter()
        .filter(|r| r.body.contains(r#""event":"police""#))
        .count();
    assert_eq!(police_alerts, police, "every police report alerted once");
    sender.abort();
    // The plain phase again, after: a store that grew by the phases between is slower by itself,
    // so the phase with alerts is compared with the mean of the plain phases around it.
    let again = client_rt
        .block_on(load::drive("ingest, no photos, again", &base, plain_again))
        .expect("ingest");
    println!("{}", again.line(Some(&baseline)));
    let plain_rate = (ingest.per_sec() + again.per_sec()) / 2.0;
    let plain_p99 = (ingest.ms(0.99) + again.ms(0.99)) / 2.0;
    println!(
        "alerts on: {:.2} × the ingest rate without alerts (mean of the phases before and after), p99 {:.2} ×; {police} alerts sent during the phase",
        with_alerts.per_sec() / plain_rate,
        with_alerts.ms(0.99) / plain_p99.max(1e-6)
    );

    // The sender alone: due alerts drained to the receiver.
    let alerts = env_usize("FV_BENCH_ALERTS", if smoke { 100 } else { 10_000 });
    let t = Instant::now();
    server_rt.block_on(async {
        let now = Utc::now();
        for i in 0..alerts {
            state
                .store
                .raise_alert(&AlertDraft {
                    key: format!("bench:{i}"),
                    kind: AlertKind::Test,
                    unit: AlertUnit::Unit("t1".into()),
                    subject: "t1".into(),
                    level: None,
                    due_at: None,
                    counts: "{}".into(),
                    channel_id: Some(channel.id.clone()),
                    raised_at: now,
                })
                .await
                .expect("raise");
        }
    });
    println!(
        "raised {alerts} due alerts in {:.1} s (not timed)",
        t.elapsed().as_secs_f64()
    );
    let before = receiver.received().len();
    let drainer = Sender::new(&state).expect("sender");
    let t = Instant::now();
    let drained = server_rt.block_on(drainer.drain(&state)).expect("drain");
    let took = t.elapsed();
    assert_eq!(drained.sent as usize, alerts, "{drained:?}");
    assert_eq!(receiver.received().len() - before, alerts);
    println!(
        "alert drain: {alerts} alerts in {:.2} s = {:.0}/s ({:.2} × the no-photo ingest rate)",
        took.as_secs_f64(),
        alerts as f64 / took.as_secs_f64(),
        alerts as f64 / took.as_secs_f64() / ingest.per_sec()
    );
    println!("load average after: {}", load_average());
    let counts = server_rt.block_on(state.store.counts()).expect("counts");
    assert_eq!(
        counts.visits as usize,
        (3 * per_client + photo_per_client) * clients,
        "every visit stored exactly once"
    );
    if let Some(schema) = pg {
        drop(state);
        server_rt.block_on(schema.drop());
    }
    drop(server_rt);
}

/// A fresh schema for one run in the database at `FV_BENCH_DATABASE`, dropped at the end.
struct PgSchema {
    base: tokio_postgres::Config,
    config: tokio_postgres::Config,
    name: String,
}

impl PgSchema {
    async fn admin(base: &tokio_postgres::Config) -> tokio_postgres::Client {
        let (c, conn) = base.connect(tokio_postgres::NoTls).await.expect("connect");
        tokio::spawn(conn);
        c
    }

    async fn create(url: &str) -> Self {
        let base: tokio_postgres::Config = url.parse().expect("FV_BENCH_DATABASE URL");
        let name = format!("bench_ingest_{}", std::process::id());
        Self::admin(&base)
            .await
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .await
            .expect("schema");
        let mut config = base.clone();
        config.options(format!("-c search_path={name}"));
        PgSchema { base, config, name }
    }

    async fn drop(self) {
        Self::admin(&self.base)
            .await
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name))
            .await
            .expect("drop schema");
    }
}

//! The real server on loopback with a seeded county: one county, one township station with its
//! villages, workers, and households assigned to them.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use chrono::NaiveDate;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_server::ops::csv_import::ParsedRow;
use fieldvisit_server::ops::users::NewUser;
use fieldvisit_server::ops::{Actor, devices, households, org, users};
use fieldvisit_server::store::{OrgLevel, Role};
use fieldvisit_server::{AppState, Config};
use fieldvisit_sim::phone::Phone;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

/// A seeded worker and the households on their caseload.
#[derive(Debug, Clone)]
pub struct SeededWorker {
    /// Staff id.
    pub id: String,
    /// Households assigned to them.
    pub households: Vec<Household>,
}

/// The server running in this process on a free loopback port.
#[derive(Debug)]
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Bound address.
    pub addr: SocketAddr,
    /// Shared state (store and blobs).
    pub state: AppState,
    rt: Runtime,
    stop: Option<oneshot::Sender<()>>,
}

/// A tokio runtime for driving the server's async API from plain tests.
pub fn runtime() -> Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("cannot start a tokio runtime: {e}"),
    }
}

/// Opens the server state on `data` with test settings (cheap password hashing).
pub fn open_state(rt: &Runtime, data: &Path) -> AppState {
    let _guard = rt.enter();
    match AppState::open(Config::for_tests(data.to_path_buf())) {
        Ok(s) => s,
        Err(e) => panic!("server state does not open: {e}"),
    }
}

impl TestServer {
    /// Starts serving `data` on 127.0.0.1 with a free port.
    pub fn start(data: &Path) -> TestServer {
        let rt = runtime();
        let state = open_state(&rt, data);
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| panic!("cannot bind loopback: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"));
        let app = fieldvisit_server::app(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        rt.spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        TestServer {
            url: format!("http://{addr}"),
            addr,
            state,
            rt,
            stop: Some(tx),
        }
    }

    /// Runs a future of the server's API to completion.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A new simulated phone enrolled for `worker_id` through `url` (the server's own, or a
    /// proxy's in front of it).
    pub fn phone_through(&self, url: &str, worker_id: &str) -> Phone {
        let code = enrollment_code(&self.rt, &self.state, worker_id);
        let phone = Phone::temporary().unwrap_or_else(|e| panic!("{e}"));
        phone
            .enroll(url, &code, "test phone")
            .unwrap_or_else(|e| panic!("{e}"));
        phone
    }

    /// A new simulated phone enrolled with this server for `worker_id`.
    pub fn enrolled_phone(&self, worker_id: &str) -> Phone {
        self.phone_through(&self.url, worker_id)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn category_for(i: usize) -> Category {
    [
        Category::Tekun,
        Category::LeftBehindChild,
        Category::ElderlyAlone,
    ][i % 3]
}

/// A household of the seeded county.
pub fn household(worker: usize, i: usize, village: &str) -> Household {
    let category = category_for(i);
    Household {
        id: format!("hh-{worker:02}-{i:03}"),
        village_id: village.to_string(),
        head_name: format!("测试户{worker}-{i}"),
        id_number: format!("3201151950010{worker:02}{i:03}"),
        address: "测试村".into(),
        categories: vec![CategoryRegistration {
            category,
            since: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
        }],
        location: Some(GeoPoint {
            lat: 31.95 + worker as f64 * 0.01,
            lon: 118.84 + i as f64 * 0.001,
        }),
        members: vec![Member {
            name: format!("测试户{worker}-{i}"),
            relation: "本人".into(),
            birth_date: None,
        }],
    }
}

/// Creates the org tree, `workers` workers and `per_worker` households for each.
pub fn seed(
    rt: &Runtime,
    state: &AppState,
    workers: usize,
    per_worker: usize,
) -> Vec<SeededWorker> {
    let cli = Actor::cli();
    rt.block_on(async {
        let units = [
            ("p-32", None, OrgLevel::Province, "江苏省"),
            ("c-3201", Some("p-32"), OrgLevel::City, "南京市"),
            ("x-320115", Some("c-3201"), OrgLevel::County, "江宁区"),
            (
                "t-320115-1",
                Some("x-320115"),
                OrgLevel::Township,
                "示范街道",
            ),
            (
                "v-320115-1-1",
                Some("t-320115-1"),
                OrgLevel::Village,
                "示范村",
            ),
        ];
        for (id, parent, level, name) in units {
            org::add_unit(state, &cli, id, parent, level, name)
                .await
                .unwrap_or_else(|e| panic!("seeding unit {id}: {e:?}"));
        }
        let mut seeded = Vec::new();
        let mut rows = Vec::new();
        for w in 0..workers {
            let id = format!("w-{w:02}");
            users::add_user(
                state,
                &cli,
                NewUser {
                    id: Some(id.clone()),
                    login: format!("worker{w:02}"),
                    display_name: format!("社工{w}"),
                    role: Role::Worker,
                    scope_unit_id: "t-320115-1".into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("seeding worker {id}: {e:?}"));
            let list: Vec<Household> = (0..per_worker)
                .map(|i| household(w, i, "v-320115-1-1"))
                .collect();
            for h in &list {
                rows.push(ParsedRow {
                    line: rows.len() as u64 + 2,
                    household: h.clone(),
                    worker_id: Some(id.clone()),
                });
            }
            seeded.push(SeededWorker {
                id,
                households: list,
            });
        }
        households::import(state, &cli, rows)
            .await
            .unwrap_or_else(|e| panic!("seeding households: {e:?}"));
        fieldvisit_server::ops::audience::create_key(
            state,
            &cli,
            "child-welfare",
            "test passphrase child",
        )
        .await
        .unwrap_or_else(|e| panic!("seeding audience key: {e:?}"));
        fieldvisit_server::ops::audience::create_key(
            state,
            &cli,
            "civil-affairs",
            "test passphrase civil",
        )
        .await
        .unwrap_or_else(|e| panic!("seeding audience key: {e:?}"));
        seeded
    })
}

/// Password of every seeded staff account.
pub const PASSWORD: &str = "correct horse battery staple";

/// Adds a staff account `id` (login `id`, password [`PASSWORD`]) with `role` over `scope_unit`.
pub fn add_staff(rt: &Runtime, state: &AppState, id: &str, role: Role, scope_unit: &str) {
    rt.block_on(users::add_user(
        state,
        &Actor::cli(),
        NewUser {
            id: Some(id.to_string()),
            login: id.to_string(),
            display_name: id.to_string(),
            role,
            scope_unit_id: scope_unit.to_string(),
            password: PASSWORD.into(),
        },
    ))
    .unwrap_or_else(|e| panic!("seeding staff {id}: {e:?}"));
}

/// A fresh enrollment code for a worker.
pub fn enrollment_code(rt: &Runtime, state: &AppState, worker_id: &str) -> String {
    rt.block_on(devices::create_code(state, &Actor::cli(), worker_id))
        .unwrap_or_else(|e| panic!("enrollment code: {e:?}"))
        .0
}

/// Revokes a device.
pub fn revoke(rt: &Runtime, state: &AppState, device_id: &str) {
    let ok = rt
        .block_on(devices::revoke(state, &Actor::cli(), device_id))
        .unwrap_or_else(|e| panic!("revoke: {e:?}"));
    assert!(ok, "device {device_id} was not revoked");
}

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

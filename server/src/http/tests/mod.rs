//! Router tests with `oneshot`: one shared fixture of two townships (A and B) in one county.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod alerts;
mod assignments;
mod auth;
mod backup;
mod branch_escapes;
mod concurrency;
mod console;
mod county_settings;
mod coverage;
mod decrypt;
mod devices;
mod end_to_end;
mod ingest;
mod logs;
mod migrate;
mod openapi;
mod org;
mod photos;
mod real_http;
mod review_e2e;
mod reviews;
mod rotation;
mod scope;
mod scope_matrix;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::{TimeZone, Utc};
use fieldvisit_core::crypto::{DeviceSigningKey, Sha256Hash, b64_encode};
use fieldvisit_core::protocol::{
    ChainLink, EncryptedContent, EnvelopeBody, PhotoManifest, SealedEnvelope, WIRE_VERSION,
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::config::Config;
use crate::ops::{self, Actor, csv_import};
use crate::state::AppState;
use crate::store::{Counts, OrgLevel, Role};

pub const PASSWORD: &str = "correct horse battery";

pub const CSV_HEADER: &str = "household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id\n";

/// A server with county `k`, townships `tA`/`tB`, villages `vA`/`vB`, and staff per township.
pub struct World {
    pub state: AppState,
    pub app: Router,
    _dir: tempfile::TempDir,
    /// The PostgreSQL schema of a world on PostgreSQL, dropped with the world.
    _schema: Option<crate::testenv::PgSchema>,
}

/// An enrolled test phone.
pub struct Phone {
    pub device_id: String,
    pub worker_id: String,
    pub token: String,
    pub key: DeviceSigningKey,
}

pub async fn world() -> World {
    world_with(|_| {}).await
}

/// Whether the router tests run on PostgreSQL (`FIELDVISIT_TEST_BACKEND=postgres`, with
/// `FIELDVISIT_TEST_PG`); SQLite otherwise. `scripts/test-all.sh` runs them both ways.
pub fn on_postgres() -> bool {
    std::env::var("FIELDVISIT_TEST_BACKEND").is_ok_and(|v| v == "postgres")
}

/// The fixture with adjusted settings, on the backend [`on_postgres`] names.
pub async fn world_with(adjust: impl FnOnce(&mut Config)) -> World {
    logs::install();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(dir.path().to_path_buf());
    adjust(&mut config);
    if on_postgres() {
        let schema = crate::testenv::PgSchema::create("fv_router")
            .await
            .expect("FIELDVISIT_TEST_BACKEND=postgres needs FIELDVISIT_TEST_PG");
        let store = crate::store::postgres::PgStore::connect_with(schema.config.clone())
            .await
            .unwrap();
        let blobs = crate::blob::FolderBlobStore::new(&config.blob_dir()).unwrap();
        let state = AppState::new(
            std::sync::Arc::new(store),
            std::sync::Arc::new(blobs),
            config,
        )
        .unwrap();
        let mut w = populate(state, dir).await;
        w._schema = Some(schema);
        return w;
    }
    let state = AppState::open(config).unwrap();
    populate(state, dir).await
}

/// The fixture on given backends (PostgreSQL, S3).
pub async fn world_on(
    store: std::sync::Arc<dyn crate::store::Store>,
    blobs: std::sync::Arc<dyn crate::blob::BlobStore>,
) -> World {
    world_on_with(store, blobs, |_| {}).await
}

/// The fixture on given backends with adjusted settings.
pub async fn world_on_with(
    store: std::sync::Arc<dyn crate::store::Store>,
    blobs: std::sync::Arc<dyn crate::blob::BlobStore>,
    adjust: impl FnOnce(&mut Config),
) -> World {
    logs::install();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_tests(dir.path().to_path_buf());
    adjust(&mut config);
    let state = AppState::new(store, blobs, config).unwrap();
    populate(state, dir).await
}

async fn populate(state: AppState, dir: tempfile::TempDir) -> World {
    let cli = Actor::cli();
    for (id, parent, level, name) in [
        ("js", None, OrgLevel::Province, "江苏省"),
        ("nj", Some("js"), OrgLevel::City, "南京市"),
        ("k", Some("nj"), OrgLevel::County, "江宁区"),
        ("tA", Some("k"), OrgLevel::Township, "汤山街道社工站"),
        ("tB", Some("k"), OrgLevel::Township, "淳化街道社工站"),
        ("vA", Some("tA"), OrgLevel::Village, "汤山村"),
        ("vB", Some("tB"), OrgLevel::Village, "淳化村"),
    ] {
        ops::org::add_unit(&state, &cli, id, parent, level, name)
            .await
            .unwrap();
    }
    for (id, role, scope) in [
        ("admin", Role::Admin, "k"),
        ("adminA", Role::Admin, "tA"),
        ("supA", Role::Supervisor, "tA"),
        ("supB", Role::Supervisor, "tB"),
        ("revA", Role::ChildWelfareReviewer, "tA"),
        ("wA", Role::Worker, "tA"),
        ("wB", Role::Worker, "tB"),
    ] {
        let new = ops::users::NewUser {
            id: Some(id.into()),
            login: format!("{id}@fv"),
            display_name: format!("用户{id}"),
            role,
            scope_unit_id: scope.into(),
            password: PASSWORD.into(),
        };
        ops::users::add_user(&state, &cli, new).await.unwrap();
    }
    let csv = format!(
        "{CSV_HEADER}hA,vA,张三,320102198001011234,汤山村1号,dibao,2026-01-05,32.0,118.9,wA\n\
         hA2,vA,王五,320102198001015678,汤山村2号,elderly_aged,2026-01-05,,,\n\
         hB,vB,李四,320102198001019876,淳化村3号,left_behind_child,2026-01-05,,,wB\n"
    );
    let rows = csv_import::parse(csv.as_bytes(), &mut || {}).unwrap();
    ops::households::import(&state, &cli, rows).await.unwrap();
    let app = crate::app(state.clone());
    World {
        state,
        app,
        _dir: dir,
        _schema: None,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

impl World {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            json,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        // As a phone or a client sends them: photo chunks as bytes, everything else as JSON.
        let kind = if uri.contains("/photos/") {
            "application/octet-stream"
        } else {
            "application/json"
        };
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", kind);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(body.into()).unwrap()).await
    }

    pub async fn json(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn login(&self, staff_id: &str) -> String {
        let r = self
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                json!({ "login": format!("{staff_id}@fv"), "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
        r.json["token"].as_str().unwrap().to_owned()
    }

    pub async fn enroll(&self, worker_id: &str) -> Phone {
        let (code, _) = ops::devices::create_code(&self.state, &Actor::cli(), worker_id)
            .await
            .unwrap();
        let key = DeviceSigningKey::generate().unwrap();
        let r = self
            .json(
                "POST",
                "/api/v1/devices/enroll",
                None,
                json!({ "version": WIRE_VERSION, "code": code, "public_key": b64_encode(&key.public_key()), "device_label": "Test phone" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
        Phone {
            device_id: r.json["device_id"].as_str().unwrap().to_owned(),
            worker_id: worker_id.to_owned(),
            token: r.json["token"].as_str().unwrap().to_owned(),
            key,
        }
    }

    pub async fn counts(&self) -> Counts {
        self.state.store.counts().await.unwrap()
    }
}

/// A plausible envelope body for `phone` visiting `household_id`.
pub fn body(
    phone: &Phone,
    visit_id: &str,
    household_id: &str,
    seq: u64,
    prev: Sha256Hash,
    photos: Vec<PhotoManifest>,
) -> EnvelopeBody {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    EnvelopeBody {
        version: 1,
        visit_id: visit_id.into(),
        household_id: household_id.into(),
        worker_id: phone.worker_id.clone(),
        device_id: phone.device_id.clone(),
        template_id: "economic".into(),
        template_version: 1,
        category: "dibao".into(),
        started_at: t0,
        ended_at: t0 + chrono::Duration::minutes(40),
        sealed_at: t0 + chrono::Duration::minutes(41),
        gps: None,
        distance_m: None,
        evidence: vec![],
        level: None,
        reported_to_police_at: None,
        amends: None,
        investigator_count: 2,
        photos,
        chain: ChainLink { seq, prev },
        content: EncryptedContent {
            ciphertext: b64_encode(b"not really encrypted in this test"),
            recipients: vec![],
        },
    }
}

/// Signs a body with the phone's key; returns the JSON and the chain hash.
pub fn seal(phone: &Phone, body: &EnvelopeBody) -> (Vec<u8>, Sha256Hash) {
    let (env, hash) = SealedEnvelope::sign(body, &phone.key).unwrap();
    (env.to_json(), hash)
}

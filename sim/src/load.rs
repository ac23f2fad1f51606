//! Phones for load: a device key and its hash chain, sealing envelopes as the core does — a real
//! Ed25519 signature over the body, AES-256-GCM content wrapped with HPKE to the county's
//! child-welfare key, photos sealed under the content key — but with random content of a filled
//! checklist's size, so benchmarks can prepare tens of thousands of visits before they time
//! anything; and sending them as the sync client does (the envelope, then each photo in chunks
//! at offsets). A [`crate::phone::Phone`] records a visit the way a worker does; this one only
//! makes traffic.

use std::sync::OnceLock;
use std::time::{Duration as Elapsed, Instant};

use chrono::{DateTime, Duration, Utc};
use fieldvisit_core::crypto::{
    AudiencePublicKey, ContentKey, DeviceSigningKey, Sha256Hash, b64_encode, random_bytes, sha256,
};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::{
    ChainLink, EncryptedContent, EnvelopeBody, PhotoManifest, RecipientKey, SealedEnvelope,
    VisitLevel, content_aad, photo_aad, wrap_aad,
};
use fieldvisit_core::template::builtin::builtin_templates;

use crate::error::{SimError, at};

/// The upload chunk of the phone's sync client (core's `SyncOptions::default().chunk_size`).
pub const CHUNK: usize = 256 * 1024;
/// Content of a filled checklist: a few kilobytes of JSON.
const CONTENT_BYTES: usize = 3 * 1024;
/// The template load visits follow, as phones have it built in.
const CHILD_TEMPLATE: &str = "child-guardianship";

/// The built-in version of [`CHILD_TEMPLATE`].
fn child_template_version() -> Result<u32, SimError> {
    static VERSION: OnceLock<Option<u32>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            builtin_templates()
                .ok()?
                .into_iter()
                .find(|t| t.id == CHILD_TEMPLATE)
                .map(|t| t.version)
        })
        .ok_or_else(|| SimError::NoSample(CHILD_TEMPLATE.into()))
}

/// An enrolled device making load.
#[derive(Debug)]
pub struct LoadPhone {
    /// The worker it belongs to.
    pub worker_id: String,
    /// Its device id.
    pub device_id: String,
    /// Its device token.
    pub token: String,
    key: DeviceSigningKey,
    /// Sequence number and hash of the last visit sealed.
    head: (u64, Sha256Hash),
}

/// One visit to make: a left-behind child's guardianship visit on the built-in template, 40
/// minutes with a good fix, MEDIUM risk.
#[derive(Debug, Clone)]
pub struct LoadVisit {
    /// Visit id.
    pub visit_id: String,
    /// Household visited.
    pub household_id: String,
    /// Start.
    pub started: DateTime<Utc>,
    /// Bytes of the one photo it carries (0: none).
    pub photo_bytes: usize,
    /// Whether the worker reported the child's situation to police.
    pub police: bool,
}

/// A sealed visit ready to send.
#[derive(Debug, Clone)]
pub struct SealedLoad {
    /// Visit id.
    pub visit_id: String,
    /// The envelope's JSON.
    pub envelope: Vec<u8>,
    /// (photo id, encrypted bytes).
    pub photos: Vec<(String, Vec<u8>)>,
}

impl LoadPhone {
    /// A device enrolled as `device_id` with `token`, signing with `key`, its chain empty.
    pub fn new(worker_id: &str, device_id: &str, token: &str, key: DeviceSigningKey) -> LoadPhone {
        LoadPhone {
            worker_id: worker_id.to_owned(),
            device_id: device_id.to_owned(),
            token: token.to_owned(),
            key,
            head: (0, Sha256Hash::ZERO),
        }
    }

    /// Visits sealed so far.
    pub fn sealed(&self) -> u64 {
        self.head.0
    }

    /// Seals `visit`, the next link of the device's chain, for the child-welfare audience.
    pub fn seal(
        &mut self,
        audience: &AudiencePublicKey,
        visit: &LoadVisit,
    ) -> Result<SealedLoad, SimError> {
        let id = &visit.visit_id;
        let content_key = ContentKey::generate().map_err(|e| at("content key", e))?;
        let mut clear = vec![0u8; CONTENT_BYTES];
        random_bytes(&mut clear).map_err(|e| at("random", e))?;
        let ciphertext = content_key
            .seal(&clear, &content_aad(id))
            .map_err(|e| at("seal content", e))?;
        let wrapped = audience
            .wrap(&content_key, &wrap_aad(id, "child-welfare"))
            .map_err(|e| at("wrap", e))?;
        let mut photos = Vec::new();
        let mut manifests = Vec::new();
        if visit.photo_bytes > 0 {
            // AES-GCM adds a 12-byte nonce and a 16-byte tag.
            let mut jpeg = vec![0u8; visit.photo_bytes.saturating_sub(28)];
            random_bytes(&mut jpeg).map_err(|e| at("random", e))?;
            let photo_id = format!("{id}-p1");
            let sealed = content_key
                .seal(&jpeg, &photo_aad(id, &photo_id))
                .map_err(|e| at("seal photo", e))?;
            manifests.push(PhotoManifest {
                photo_id: photo_id.clone(),
                sha256: sha256(&sealed),
                size: sealed.len() as u64,
                captured_at: visit.started + Duration::minutes(5),
            });
            photos.push((photo_id, sealed));
        }
        let started = visit.started;
        let body = EnvelopeBody {
            version: 1,
            visit_id: id.clone(),
            household_id: visit.household_id.clone(),
            worker_id: self.worker_id.clone(),
            device_id: self.device_id.clone(),
            template_id: CHILD_TEMPLATE.into(),
            template_version: child_template_version()?,
            category: "left_behind_child".into(),
            started_at: started,
            ended_at: started + Duration::minutes(40),
            sealed_at: started + Duration::minutes(41),
            gps: Some(GpsFix {
                point: GeoPoint {
                    lat: 31.95,
                    lon: 118.84,
                },
                accuracy_m: 12.0,
                fix_time: started,
                mock: false,
            }),
            distance_m: Some(35.0),
            evidence: vec![],
            level: Some(VisitLevel {
                score: "risk".into(),
                level: "MEDIUM".into(),
                overridden: false,
            }),
            reported_to_police_at: visit.police.then(|| started + Duration::minutes(30)),
            amends: None,
            investigator_count: 1,
            photos: manifests,
            chain: ChainLink {
                seq: self.head.0 + 1,
                prev: self.head.1,
            },
            content: EncryptedContent {
                ciphertext: b64_encode(&ciphertext),
                recipients: vec![RecipientKey {
                    audience: "child-welfare".into(),
                    enc: b64_encode(&wrapped.enc),
                    sealed_key: b64_encode(&wrapped.sealed_key),
                }],
            },
        };
        let (envelope, hash) = SealedEnvelope::sign(&body, &self.key).map_err(|e| at("sign", e))?;
        self.head = (self.head.0 + 1, hash);
        Ok(SealedLoad {
            visit_id: id.clone(),
            envelope: envelope.to_json(),
            photos,
        })
    }
}

/// Sends `visit` to the server at `base` with `token`: the envelope, then each photo in chunks.
/// Returns the number of requests made; any answer but success is an error naming the request.
pub async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    visit: &SealedLoad,
) -> Result<usize, SimError> {
    let uri = format!("{base}/api/v1/visits/{}", visit.visit_id);
    let r = http
        .put(&uri)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(visit.envelope.clone())
        .send()
        .await
        .map_err(|e| at("send visit", e))?;
    let status = r.status();
    let body = r.bytes().await.unwrap_or_default();
    if status != 201 && status != 200 {
        return Err(at(
            "send visit",
            format!("answered {status}: {}", String::from_utf8_lossy(&body)),
        ));
    }
    let mut requests = 1;
    for (photo_id, bytes) in &visit.photos {
        let mut offset = 0;
        while offset < bytes.len() {
            let end = (offset + CHUNK).min(bytes.len());
            let r = http
                .put(format!("{uri}/photos/{photo_id}?offset={offset}"))
                .bearer_auth(token)
                .body(bytes[offset..end].to_vec())
                .send()
                .await
                .map_err(|e| at("send photo", e))?;
            let status = r.status();
            let _ = r.bytes().await;
            if status != 200 {
                return Err(at("send photo", format!("a chunk answered {status}")));
            }
            requests += 1;
            offset = end;
        }
    }
    Ok(requests)
}

/// One client's work: a device token and its visits in chain order.
#[derive(Debug, Clone, Default)]
pub struct Lane {
    /// The device token.
    pub token: String,
    /// The visits, sent one after another.
    pub visits: Vec<SealedLoad>,
}

/// What one phase of load did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The phase.
    pub name: String,
    /// HTTP requests made.
    pub requests: usize,
    /// Units of work (a visit with its photo chunks, or one GET), each with its latency.
    pub latencies: Vec<Elapsed>,
    /// Wall time of the phase.
    pub elapsed: Elapsed,
}

impl LoadReport {
    /// A report of `latencies` (any order) over `elapsed`.
    pub fn new(name: &str, requests: usize, mut latencies: Vec<Elapsed>, elapsed: Elapsed) -> Self {
        latencies.sort_unstable();
        LoadReport {
            name: name.to_owned(),
            requests,
            latencies,
            elapsed,
        }
    }

    /// Units per second.
    pub fn per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p` quantile (0..=1) of the latencies, in milliseconds.
    pub fn ms(&self, p: f64) -> f64 {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies
            .get(i)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    /// One line: rate and latencies, and their ratios to `baseline` when given.
    pub fn line(&self, baseline: Option<&LoadReport>) -> String {
        let ratio = baseline.map_or(String::new(), |b| {
            format!(
                "  ({:.2} × {} rate, p99 {:.2} ×)",
                self.per_sec() / b.per_sec().max(1e-9),
                b.name,
                self.ms(0.99) / b.ms(0.99).max(1e-6)
            )
        });
        format!(
            "{:<40} {:>7} units {:>7} req in {:>6.2} s = {:>8.0}/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms{ratio}",
            self.name,
            self.latencies.len(),
            self.requests,
            self.elapsed.as_secs_f64(),
            self.per_sec(),
            self.ms(0.50),
            self.ms(0.95),
            self.ms(0.99),
            self.ms(1.0),
        )
    }
}

/// A client with one idle connection kept, as a phone has.
fn client() -> Result<reqwest::Client, SimError> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| at("http client", e))
}

/// Sends every lane on its own client at once; a visit's latency includes its photo chunks.
pub async fn drive(name: &str, base: &str, lanes: Vec<Lane>) -> Result<LoadReport, SimError> {
    let start = Instant::now();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            let base = base.to_owned();
            tokio::spawn(async move {
                let http = client()?;
                let mut latencies = Vec::with_capacity(lane.visits.len());
                let mut requests = 0;
                for v in &lane.visits {
                    let t = Instant::now();
                    requests += send(&http, &base, &lane.token, v).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, SimError>((latencies, requests))
            })
        })
        .collect();
    gather(name, start, tasks).await
}

/// `GET base+path` (with `token` as bearer, if any) `per_client` times on each of `clients`
/// clients at once; any answer but 200 is an error.
pub async fn drive_get(
    name: &str,
    base: &str,
    path: &str,
    token: Option<&str>,
    clients: usize,
    per_client: usize,
) -> Result<LoadReport, SimError> {
    let start = Instant::now();
    let url = format!("{base}{path}");
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (url, token) = (url.clone(), token.map(str::to_owned));
            tokio::spawn(async move {
                let http = client()?;
                let mut latencies = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    get(&http, &url, token.as_deref()).await?;
                    latencies.push(t.elapsed());
                }
                Ok::<_, SimError>((latencies, per_client))
            })
        })
        .collect();
    gather(name, start, tasks).await
}

/// One `GET`, its body read; anything but 200 is an error naming the path.
pub async fn get(http: &reqwest::Client, url: &str, token: Option<&str>) -> Result<(), SimError> {
    let mut request = http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.map_err(|e| at("get", e))?;
    let status = r.status();
    let _ = r.bytes().await;
    if status == 200 {
        Ok(())
    } else {
        Err(at("get", format!("{url} answered {status}")))
    }
}

type Task = tokio::task::JoinHandle<Result<(Vec<Elapsed>, usize), SimError>>;

async fn gather(name: &str, start: Instant, tasks: Vec<Task>) -> Result<LoadReport, SimError> {
    let mut latencies = Vec::new();
    let mut requests = 0;
    for t in tasks {
        let (l, r) = t.await.map_err(|e| at("client task", e))??;
        latencies.extend(l);
        requests += r;
    }
    Ok(LoadReport::new(name, requests, latencies, start.elapsed()))
}

/// The machine's load average (1, 5 and 15 minutes), printed beside every figure because the
/// machines benchmarks run on are shared.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A benchmark's knob: the number in the environment variable `name`, or `default`.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

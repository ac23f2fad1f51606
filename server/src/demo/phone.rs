//! A simulated phone: the real `fieldvisit-core` engine with its own encrypted store in the demo
//! folder, enrolled with the server by a one-time code, recording the worker's planned visits (GPS
//! fix, answers, photos, investigators, the police flag), sealing them, and uploading over HTTP
//! with the real sync client. Its store stays in the folder, so a second run records only what is
//! not sealed yet and uploads only what the server does not hold.

use std::path::{Path, PathBuf};

use chrono::Duration;
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::Household;
use fieldvisit_core::crypto::StaticKeyProvider;
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::sync::{CancelToken, NoProgress, SyncOptions, Syncer, enroll};
use fieldvisit_core::template::VisitKind;
use fieldvisit_core::template::builtin::sample::{photo_items, to_answers};

use super::DemoError;
use super::answers::{VisitContext, answers};
use super::dice::Dice;
use super::folder::write_private;
use super::photo::{Scene, jpeg};
use super::plan::{Anomaly, Finding, TimedVisit};
use super::staff::Account;

/// One worker's phone and what it is to record.
#[derive(Debug)]
pub struct PhoneJob<'a> {
    /// The worker.
    pub worker: &'a Account,
    /// The station's other worker (second investigator).
    pub partner: &'a str,
    /// Township name.
    pub township: &'static str,
    /// The worker's visits in recording order.
    pub visits: Vec<TimedVisit>,
    /// Every household of the county, by index.
    pub households: &'a [Household],
    /// A one-time code when the phone is not enrolled yet.
    pub code: Option<String>,
}

/// What a phone did in this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneReport {
    /// Worker id.
    pub worker_id: String,
    /// Enrolled in this run.
    pub enrolled: bool,
    /// Visits recorded and sealed in this run.
    pub recorded: usize,
    /// Visits sealed in an earlier run.
    pub already_sealed: usize,
    /// Visits whose envelope and photos reached the server in this run.
    pub uploaded: u64,
    /// Photos uploaded in this run.
    pub photos: u64,
    /// Visits the server refused: (visit id, code).
    pub refused: Vec<(String, String)>,
}

fn phone_dir(data: &Path, worker_id: &str) -> PathBuf {
    data.join("phones").join(worker_id)
}

fn err(worker: &str, step: &'static str, e: impl std::fmt::Display) -> DemoError {
    DemoError::Phone {
        worker: worker.to_owned(),
        step,
        message: e.to_string(),
    }
}

/// Opens (or creates) the worker's phone store; its master key lives beside it, owner-readable.
pub fn open(data: &Path, worker_id: &str) -> Result<Engine, DemoError> {
    let dir = phone_dir(data, worker_id);
    std::fs::create_dir_all(&dir).map_err(|e| DemoError::Io(dir.clone(), e))?;
    let key_path = dir.join("master.key");
    let key = match std::fs::read_to_string(&key_path) {
        Ok(hex_key) => hex::decode(hex_key.trim())
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| {
                DemoError::BadDemoFile(key_path.clone(), "not 32 bytes of hex".into())
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut k = [0u8; 32];
            fieldvisit_core::crypto::random_bytes(&mut k)
                .map_err(|e| DemoError::Random(e.to_string()))?;
            write_private(&key_path, hex::encode(k).as_bytes())?;
            k
        }
        Err(e) => return Err(DemoError::Io(key_path, e)),
    };
    Engine::open(&dir.join("phone.db"), &StaticKeyProvider::new(key))
        .map_err(|e| err(worker_id, "open", e))
}

/// Whether the phone holds a device token.
pub fn is_enrolled(engine: &Engine, worker_id: &str) -> Result<bool, DemoError> {
    Ok(engine
        .store()
        .identity()
        .map_err(|e| err(worker_id, "identity", e))?
        .token
        .is_some())
}

/// Enrolls if needed, pulls the caseload, records the visits not sealed yet and uploads them.
pub fn run(engine: &Engine, job: &PhoneJob<'_>, url: &str) -> Result<PhoneReport, DemoError> {
    let wid = job.worker.id.as_str();
    let mut report = PhoneReport {
        worker_id: wid.to_owned(),
        ..PhoneReport::default()
    };
    if let Some(code) = &job.code {
        enroll(engine, url, code, "示范手机 demo phone").map_err(|e| err(wid, "enroll", e))?;
        report.enrolled = true;
    }
    sync(engine, url, wid, &mut report)?;
    let sealed = engine
        .store()
        .sealed_count()
        .map_err(|e| err(wid, "count", e))?;
    report.already_sealed = usize::try_from(sealed).unwrap_or(usize::MAX);
    for timed in job.visits.iter().skip(report.already_sealed) {
        record(engine, job, timed)?;
        report.recorded += 1;
    }
    sync(engine, url, wid, &mut report)?;
    Ok(report)
}

/// Sync runs until the outbox is empty (a few tries, as a phone on a poor line would).
fn sync(engine: &Engine, url: &str, wid: &str, report: &mut PhoneReport) -> Result<(), DemoError> {
    let mut last_error = None;
    for _ in 0..5 {
        let syncer = Syncer::new(
            engine,
            url,
            SyncOptions::default(),
            &NoProgress,
            CancelToken::new(),
        )
        .map_err(|e| err(wid, "sync", e))?;
        match syncer.run() {
            Ok(r) => {
                report.uploaded += r.visits_completed;
                report.photos += r.photos_completed;
                report.refused.extend(r.refused);
                // Refused visits leave the outbox; anything left is still to send.
                let outbox = engine.store().outbox().map_err(|e| err(wid, "outbox", e))?;
                if outbox.is_empty() {
                    return Ok(());
                }
            }
            Err(e) if e.is_transient() => last_error = Some(e),
            Err(e) => return Err(err(wid, "sync", e)),
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    match last_error {
        Some(e) => Err(err(wid, "sync", e)),
        None => Err(err(
            wid,
            "sync",
            "visits are still waiting to upload after 5 runs",
        )),
    }
}

/// Metres north and east → degrees near `home`.
fn offset(home: GeoPoint, north_m: f64, east_m: f64) -> GeoPoint {
    GeoPoint {
        lat: home.lat + north_m / 111_320.0,
        lon: home.lon + east_m / (111_320.0 * home.lat.to_radians().cos()),
    }
}

fn record(engine: &Engine, job: &PhoneJob<'_>, timed: &TimedVisit) -> Result<(), DemoError> {
    let wid = job.worker.id.as_str();
    let v = &timed.visit;
    let household = job
        .households
        .get(v.household)
        .ok_or_else(|| err(wid, "plan", "a planned household is missing"))?;
    let category = household.categories[0].category;
    let template = engine
        .template_for(category)
        .map_err(|e| err(wid, "template", e))?;
    let seed = (v.household * 100 + v.nth) as u64;
    let mut d = Dice::new("fix", seed);
    let (metres, accuracy, mock) = match v.anomaly {
        Anomaly::Far => (d.range(1200, 3000), d.range(8, 25), false),
        Anomaly::Mock => (d.range(0, 15), 5, true),
        Anomaly::LowAccuracy => (d.range(20, 120), d.range(150, 400), false),
        Anomaly::None | Anomaly::Short => (d.range(3, 45), d.range(5, 30), false),
    };
    let angle = d.unit() * std::f64::consts::TAU;
    let home = household.location.unwrap_or(GeoPoint {
        lat: 31.8,
        lon: 119.1,
    });
    let start = timed.start;
    let end = start + Duration::minutes(timed.minutes);
    let fix = GpsFix {
        point: offset(
            home,
            metres as f64 * angle.sin(),
            metres as f64 * angle.cos(),
        ),
        accuracy_m: accuracy as f64,
        fix_time: start - Duration::seconds(d.range(5, 60)),
        mock,
    };
    let ctx = VisitContext {
        household,
        category,
        finding: v.finding,
        nth: v.nth,
        on: v.on,
        worker: &job.worker.name,
        partner: job.partner,
        township: job.township,
        seed,
    };
    let set =
        answers(&template.id, &ctx).ok_or_else(|| DemoError::NoSample(template.id.clone()))?;
    let visit = engine
        .start_visit(&household.id, category, Some(fix), start)
        .map_err(|e| err(wid, "start", e))?;
    for (key, value) in &set {
        engine
            .answer(&visit, key, value)
            .map_err(|e| err(wid, "answer", e))?;
    }
    engine
        .set_investigators(
            &visit,
            vec![job.worker.name.clone(), job.partner.to_owned()],
        )
        .map_err(|e| err(wid, "investigators", e))?;
    if v.finding == Finding::Police {
        engine
            .report_to_police(&visit, start + Duration::minutes(6))
            .map_err(|e| err(wid, "police", e))?;
    }
    let typed = to_answers(&template, &set).map_err(|e| err(wid, "answers", e))?;
    let mut photos = photo_items(&template, &typed);
    if category.visit_kind() == VisitKind::Child && v.nth == 0 {
        // The signed entrustment letter, photographed on the first visit.
        photos.push(("entrustment_letter".into(), 1));
    }
    let total: u32 = photos.iter().map(|(_, n)| n).sum();
    let mut k = 0u32;
    for (item, count) in photos {
        let scene = if item.contains("housing") || item.contains("hazard") {
            Scene::House
        } else {
            Scene::Document
        };
        for _ in 0..count {
            k += 1;
            // Taken while the visit lasts, spread over it.
            let at =
                start + Duration::seconds(timed.minutes * 60 * i64::from(k) / i64::from(total + 1));
            let bytes = jpeg(scene, seed * 16 + u64::from(k))?;
            engine
                .attach_photo(&visit, &item, &bytes, at)
                .map_err(|e| err(wid, "photo", e))?;
        }
    }
    engine
        .finish(&visit, end)
        .map_err(|e| err(wid, "finish", e))?;
    engine
        .seal(&visit, end + Duration::minutes(1))
        .map_err(|e| err(wid, "seal", e))?;
    Ok(())
}

//! A worker's phone working through the county's plan: enrol when it has a code, pull the
//! caseload, record every planned visit not sealed yet — the fix (sometimes far, mocked or
//! coarse, as the plan says), answers that fit the household and the finding, photos spread over
//! the visit, the police flag — and upload.

use chrono::Duration;
use fieldvisit_core::caseload::Household;
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::template::builtin::sample::{photo_items, to_answers};
use fieldvisit_core::template::{Template, VisitKind};

use super::answers::{VisitContext, answers};
use super::dice::Dice;
use super::plan::{Anomaly, Finding, TimedVisit};
use super::staff::Account;
use crate::error::{SimError, at};
use crate::phone::{Phone, PhotoShot, VisitRecord};
use crate::photo::{Scene, scene_jpeg};

/// Size of the county's photos.
const PHOTO_PX: (u32, u32) = (320, 240);

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

/// What a phone did in one run.
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

/// Sync runs a phone makes before it gives up on an upload.
const SYNC_RUNS: usize = 5;

/// Enrolls if there is a code, pulls the caseload, records the visits not sealed yet and uploads
/// them.
pub fn work_through(phone: &Phone, job: &PhoneJob<'_>, url: &str) -> Result<PhoneReport, SimError> {
    let mut report = PhoneReport {
        worker_id: job.worker.id.clone(),
        ..PhoneReport::default()
    };
    if let Some(code) = &job.code {
        phone.enroll(url, code, "示范手机 demo phone")?;
        report.enrolled = true;
    }
    let add = |up: crate::phone::Uploaded, report: &mut PhoneReport| {
        report.uploaded += up.visits;
        report.photos += up.photos;
        report.refused.extend(up.refused);
    };
    add(phone.upload(url, SYNC_RUNS)?, &mut report);
    report.already_sealed = usize::try_from(phone.sealed_count()?).unwrap_or(usize::MAX);
    for timed in job.visits.iter().skip(report.already_sealed) {
        let household = job
            .households
            .get(timed.visit.household)
            .ok_or_else(|| at("plan", "a planned household is missing"))?;
        let template = phone
            .engine
            .template_for(household.categories[0].category)
            .map_err(|e| at("template", e))?;
        phone.record(&visit_record(job, timed, household, &template)?)?;
        report.recorded += 1;
    }
    add(phone.upload(url, SYNC_RUNS)?, &mut report);
    Ok(report)
}

/// Metres north and east → degrees near `home`.
fn offset(home: GeoPoint, north_m: f64, east_m: f64) -> GeoPoint {
    GeoPoint {
        lat: home.lat + north_m / 111_320.0,
        lon: home.lon + east_m / (111_320.0 * home.lat.to_radians().cos()),
    }
}

/// The planned visit `timed` to `household`, as its worker records it.
pub fn visit_record(
    job: &PhoneJob<'_>,
    timed: &TimedVisit,
    household: &Household,
    template: &Template,
) -> Result<VisitRecord, SimError> {
    let v = &timed.visit;
    let category = household.categories[0].category;
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
    let set = answers(&template.id, &ctx).ok_or_else(|| SimError::NoSample(template.id.clone()))?;
    let typed = to_answers(template, &set).map_err(|e| at("answers", e))?;
    let mut wanted = photo_items(template, &typed);
    if category.visit_kind() == VisitKind::Child && v.nth == 0 {
        // The signed entrustment letter, photographed on the first visit.
        wanted.push(("entrustment_letter".into(), 1));
    }
    let total: u32 = wanted.iter().map(|(_, n)| n).sum();
    let mut photos = Vec::new();
    for (item, count) in wanted {
        let scene = if item.contains("housing") || item.contains("hazard") {
            Scene::House
        } else {
            Scene::Document
        };
        for _ in 0..count {
            let k = photos.len() as u32 + 1;
            photos.push(PhotoShot {
                jpeg: scene_jpeg(scene, PHOTO_PX.0, PHOTO_PX.1, seed * 16 + u64::from(k))?,
                // Taken while the visit lasts, spread over it.
                taken: start
                    + Duration::seconds(timed.minutes * 60 * i64::from(k) / i64::from(total + 1)),
                item: item.clone(),
            });
        }
    }
    Ok(VisitRecord {
        household_id: household.id.clone(),
        category,
        fix: Some(fix),
        start,
        end: start + Duration::minutes(timed.minutes),
        answers: set,
        investigators: vec![job.worker.name.clone(), job.partner.to_owned()],
        police_at: (v.finding == Finding::Police).then(|| start + Duration::minutes(6)),
        photos,
    })
}

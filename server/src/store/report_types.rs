//! Compact rows for coverage, evidence and the briefing: what the reports need of households and
//! visits, kept in columns at write time so a county of a million visits is read without parsing
//! JSON.

use chrono::{DateTime, NaiveDate, Utc};
use fieldvisit_core::caseload::ScheduleConfig;
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_core::protocol::{EnvelopeBody, EvidenceFlag};

use super::ChainStatus;

/// The local (China Standard Time, UTC+8, no daylight saving) date of an instant: schedules and
/// reports count in the days the workers live by.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// The first instant of a local date.
pub fn local_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8)
}

/// The GPS fix of a visit, as evidence reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixFacts {
    /// Where.
    pub point: GeoPoint,
    /// Accuracy radius, metres.
    pub accuracy_m: f64,
    /// The platform called it a mock location.
    pub mock: bool,
    /// Seconds between the fix and the visit's start (positive: the fix is older).
    pub age_s: i64,
}

/// What coverage and evidence need of a signed body, computed once at ingest.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VisitFacts {
    /// The visit corrects another one (`amends`): not a visit of its own for coverage.
    pub amends: bool,
    /// The fix at start.
    pub fix: Option<FixFacts>,
    /// Distance the phone computed, metres.
    pub distance_m: Option<f64>,
    /// The phone flagged the fix as far from home.
    pub flag_far: bool,
    /// The phone flagged a mock location.
    pub flag_mock: bool,
    /// The phone flagged a photo outside the visit, or a photo's capture time lies outside it.
    pub photo_outside_window: bool,
    /// Number of photos.
    pub photo_count: u32,
}

impl VisitFacts {
    /// The phone's three flags as the `flags` column holds them: far 1, mock 2, photo outside 4.
    pub fn flag_bits(&self) -> i64 {
        i64::from(self.flag_far)
            | i64::from(self.flag_mock) << 1
            | i64::from(self.photo_outside_window) << 2
    }

    /// The facts of a verified body.
    pub fn of(body: &EnvelopeBody) -> Self {
        let flag = |f: EvidenceFlag| body.evidence.contains(&f);
        VisitFacts {
            amends: body.amends.is_some(),
            fix: body.gps.as_ref().map(|g| FixFacts {
                point: g.point,
                accuracy_m: g.accuracy_m,
                mock: g.mock,
                age_s: (body.started_at - g.fix_time).num_seconds(),
            }),
            distance_m: body.distance_m,
            flag_far: flag(EvidenceFlag::FarFromHome),
            flag_mock: flag(EvidenceFlag::MockLocation),
            photo_outside_window: flag(EvidenceFlag::PhotoOutsideWindow)
                || body
                    .photos
                    .iter()
                    .any(|p| p.captured_at < body.started_at || p.captured_at > body.ended_at),
            photo_count: body.photos.len() as u32,
        }
    }
}

/// A visit of a report's period as evidence and the briefing read it: what it served and when,
/// its chain status, its evidence facts and its household's registered location.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodVisit {
    /// Visit id.
    pub visit_id: String,
    /// Household visited.
    pub household_id: String,
    /// Worker who made it.
    pub worker_id: String,
    /// Category code served.
    pub category: String,
    /// The template's schedule level, if it sets one.
    pub level: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub ended_at: DateTime<Utc>,
    /// Where it sits in its device's hash chain.
    pub chain_status: ChainStatus,
    /// What evidence needs of its signed body.
    pub facts: VisitFacts,
    /// Where its household is registered.
    pub home: Option<GeoPoint>,
    /// Org path of its household's village (whose county's evidence thresholds apply).
    pub village_path: String,
}

/// A schedule configured for one county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountySchedule {
    /// County unit id.
    pub unit_id: String,
    /// Its org path (households whose village path starts with it follow this schedule).
    pub path: String,
    /// The schedule.
    pub schedule: ScheduleConfig,
}

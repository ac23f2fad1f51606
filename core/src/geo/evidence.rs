//! Evidence flags computed from the GPS fix, the registered location and the visit's timing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::GeoPoint;
use crate::protocol::EvidenceFlag;

/// The GPS fix taken when a visit starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpsFix {
    /// Where.
    pub point: GeoPoint,
    /// Horizontal accuracy radius in metres, as the platform reports it.
    pub accuracy_m: f64,
    /// When the platform took the fix.
    pub fix_time: DateTime<Utc>,
    /// The platform says the location came from a mock provider.
    pub mock: bool,
}

/// Thresholds for the evidence flags (configurable per county).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceThresholds {
    // The bounds of the schema are those the server accepts from a county.
    /// A fix farther than this from the registered location is flagged.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 100_000))]
    pub max_distance_m: f64,
    /// A fix less accurate than this is flagged.
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 10_000))]
    pub max_accuracy_m: f64,
    /// A fix older than this when the visit starts is flagged.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86_400))]
    pub max_fix_age_s: i64,
    /// A visit shorter than this is flagged.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 86_400))]
    pub min_duration_s: i64,
}

impl Default for EvidenceThresholds {
    fn default() -> Self {
        EvidenceThresholds {
            max_distance_m: 200.0,
            max_accuracy_m: 100.0,
            max_fix_age_s: 120,
            min_duration_s: 120,
        }
    }
}

/// What a sealed visit says about where and when it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceInput<'a> {
    /// Fix at start, if the phone had one.
    pub fix: Option<&'a GpsFix>,
    /// The household's registered location, if known.
    pub registered: Option<GeoPoint>,
    /// Visit start.
    pub started_at: DateTime<Utc>,
    /// Visit end.
    pub ended_at: DateTime<Utc>,
    /// Capture times of the visit's photos.
    pub photo_times: Vec<DateTime<Utc>>,
}

/// Distance to the registered location (if both are known) and the flags that apply.
pub fn assess_evidence(
    input: &EvidenceInput<'_>,
    t: &EvidenceThresholds,
) -> (Option<f64>, Vec<EvidenceFlag>) {
    let mut flags = Vec::new();
    let mut distance = None;
    match input.fix {
        None => flags.push(EvidenceFlag::NoFix),
        Some(fix) => {
            if let Some(home) = input.registered {
                let d = fix.point.distance_m(&home);
                distance = Some(d);
                if d > t.max_distance_m {
                    flags.push(EvidenceFlag::FarFromHome);
                }
            }
            if fix.accuracy_m > t.max_accuracy_m {
                flags.push(EvidenceFlag::LowAccuracy);
            }
            if (input.started_at - fix.fix_time).num_seconds() > t.max_fix_age_s {
                flags.push(EvidenceFlag::StaleFix);
            }
            if fix.mock {
                flags.push(EvidenceFlag::MockLocation);
            }
        }
    }
    if (input.ended_at - input.started_at).num_seconds() < t.min_duration_s {
        flags.push(EvidenceFlag::ShortVisit);
    }
    if input
        .photo_times
        .iter()
        .any(|p| *p < input.started_at || *p > input.ended_at)
    {
        flags.push(EvidenceFlag::PhotoOutsideWindow);
    }
    (distance, flags)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn fix(lat: f64, acc: f64, age_s: i64, mock: bool, start: DateTime<Utc>) -> GpsFix {
        GpsFix {
            point: GeoPoint { lat, lon: 118.0 },
            accuracy_m: acc,
            fix_time: start - Duration::seconds(age_s),
            mock,
        }
    }

    #[test]
    fn a_good_visit_has_no_flags() {
        let start = Utc::now();
        let f = fix(32.0, 10.0, 5, false, start);
        let input = EvidenceInput {
            fix: Some(&f),
            registered: Some(GeoPoint {
                lat: 32.0005,
                lon: 118.0,
            }),
            started_at: start,
            ended_at: start + Duration::minutes(20),
            photo_times: vec![start + Duration::minutes(3)],
        };
        let (d, flags) = assess_evidence(&input, &EvidenceThresholds::default());
        assert!(d.is_some_and(|d| d < 100.0));
        assert!(flags.is_empty(), "{flags:?}");
    }

    #[test]
    fn each_threshold_raises_its_flag() {
        let start = Utc::now();
        let f = fix(32.01, 150.0, 600, true, start);
        let input = EvidenceInput {
            fix: Some(&f),
            registered: Some(GeoPoint {
                lat: 32.0,
                lon: 118.0,
            }),
            started_at: start,
            ended_at: start + Duration::seconds(60),
            photo_times: vec![start - Duration::hours(2)],
        };
        let (_, flags) = assess_evidence(&input, &EvidenceThresholds::default());
        for want in [
            EvidenceFlag::FarFromHome,
            EvidenceFlag::LowAccuracy,
            EvidenceFlag::StaleFix,
            EvidenceFlag::MockLocation,
            EvidenceFlag::ShortVisit,
            EvidenceFlag::PhotoOutsideWindow,
        ] {
            assert!(flags.contains(&want), "missing {want:?}");
        }
        let none = EvidenceInput { fix: None, ..input };
        assert!(
            assess_evidence(&none, &EvidenceThresholds::default())
                .1
                .contains(&EvidenceFlag::NoFix)
        );
    }
}

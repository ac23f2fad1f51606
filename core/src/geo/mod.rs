//! Geography: points, great-circle distance, and the GPS evidence a visit carries against fake visits.

mod evidence;

pub use evidence::{EvidenceInput, EvidenceThresholds, GpsFix, assess_evidence};

use serde::{Deserialize, Serialize};

/// A WGS-84 point in decimal degrees.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    /// Latitude, −90..90.
    pub lat: f64,
    /// Longitude, −180..180.
    pub lon: f64,
}

/// Mean Earth radius used by the haversine formula, in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

impl GeoPoint {
    /// Whether both coordinates are finite and in range.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_known_distances() {
        // Nanjing Xinjiekou to Nanjing railway station: about 5.6 km.
        let a = GeoPoint {
            lat: 32.0415,
            lon: 118.7840,
        };
        let b = GeoPoint {
            lat: 32.0897,
            lon: 118.7975,
        };
        let d = a.distance_m(&b);
        assert!((5_300.0..5_600.0).contains(&d), "{d}");
        // One degree of latitude is about 111.2 km.
        let c = GeoPoint { lat: 0.0, lon: 0.0 };
        let e = GeoPoint { lat: 1.0, lon: 0.0 };
        assert!((c.distance_m(&e) - 111_195.0).abs() < 10.0);
        assert_eq!(a.distance_m(&a), 0.0);
    }

    #[test]
    fn validity() {
        assert!(
            GeoPoint {
                lat: 32.0,
                lon: 118.0
            }
            .is_valid()
        );
        assert!(
            !GeoPoint {
                lat: 95.0,
                lon: 0.0
            }
            .is_valid()
        );
        assert!(
            !GeoPoint {
                lat: f64::NAN,
                lon: 0.0
            }
            .is_valid()
        );
    }
}

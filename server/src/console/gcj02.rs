//! WGS-84 → GCJ-02 ("Mars" datum) conversion for drawing points on AMap tiles.
//!
//! AMap/Gaode, like most Chinese web map tiles, draws its basemap in GCJ-02, so a raw WGS-84
//! GPS fix (a visit's location, or a household's registered home) plotted on those tiles lands
//! a few hundred metres from where it really is. Coordinates therefore go through
//! [`wgs84_to_gcj02`] once, just before they are handed to an AMap layer; converting twice
//! doubles the error. Tianditu tiles use CGCS2000, which agrees with WGS-84 to within
//! centimetres, so they take WGS-84 unconverted and must not be passed through here.
//!
//! The formula is the widely published reconstruction (Krasovsky 1940 ellipsoid plus a
//! polynomial-and-sine series) shared by eviltransform, coordtransform and friends. At the
//! points AMap's own coordinate-convert docs publish, it agrees with that service to about
//! 5 cm, far below what a map marker can show. There is deliberately no inverse: GCJ-02 has no
//! closed-form inverse, and the display path never needs one.

use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid, in metres; GCJ-02 is defined on it, not on
/// the WGS-84 ellipsoid, and using 6 378 137 instead drifts the result by about a centimetre.
const KRASOVSKY_A: f64 = 6_378_245.0;

/// First eccentricity squared of the Krasovsky 1940 ellipsoid, as published
/// (0.00669342162296594323) and rounded to the nearest `f64`.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// Reports whether a point lies outside the rough mainland-China box, where no offset applies.
///
/// This is the coarse bounding box every reference implementation uses, not the real border:
/// matching it keeps our output identical to theirs, at the cost of also shifting points in
/// neighbouring countries that fall inside the box.
#[must_use]
pub fn out_of_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

/// Converts a WGS-84 `(lat, lon)` in degrees to GCJ-02 so it lines up with AMap tiles.
///
/// Points outside the mainland-China box come back unchanged, because the offset is only
/// applied to Chinese map data; non-finite input comes back unchanged as well.
#[must_use]
pub fn wgs84_to_gcj02(lat: f64, lon: f64) -> (f64, f64) {
    if out_of_china(lat, lon) {
        return (lat, lon);
    }
    // The series takes offsets from (35°N, 105°E), roughly the middle of China, not degrees.
    let x = lon - 105.0;
    let y = lat - 35.0;
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    // The series yields metres; the meridian and parallel radii of curvature turn them into
    // degrees at this latitude.
    let d_lat = (transform_lat(x, y) * 180.0)
        / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (transform_lon(x, y) * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (lat + d_lat, lon + d_lon)
}

// The coefficients and the order of the sums follow the published series term for term, so
// results stay bit-for-bit comparable with the reference implementations.
/// Northward offset, in metres of arc, from the published `transformLat` series.
fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

/// Eastward offset, in metres of arc, from the published `transformLon` series.
fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    // Tolerances are set by what each source publishes, not picked to make tests pass.
    /// Sources that print the full `f64` (15–17 significant digits): our result must agree far
    /// beyond anything a map can show, which proves we run the same formula.
    const FULL_PRECISION: f64 = 1e-9;
    /// Sources that print 8 decimals (truncated): one unit in the last published place.
    const EIGHT_DECIMALS: f64 = 1e-8;
    /// AMap's own convert service is the real datum, not the published reconstruction; the two
    /// agree to about 4e-7° (5 cm) at these points, so hold them to 1e-6° (about 0.1 m).
    const AMAP_SERVICE: f64 = 1e-6;
    /// gcoord's city fixture is printed to 7 decimals but sits a consistent 4e-6°–6e-6° (about
    /// 0.65 m) from the published formula, so it was evidently produced by another
    /// implementation or service; gcoord itself checks it only to 4 decimals. 1e-5° is about
    /// 1 m, tight enough to catch any real error in the series.
    const GCOORD_FIXTURE: f64 = 1e-5;

    struct Reference {
        place: &'static str,
        wgs: (f64, f64),
        gcj: (f64, f64),
        tolerance: f64,
    }

    /// Published WGS-84 → GCJ-02 pairs, all written as (lat, lon) whatever order the source
    /// used.
    const REFERENCES: &[Reference] = &[
        // googollee/eviltransform, go/transform_test.go (same table in javascript/test.js and
        // rust/src/lib.rs): "shanghai".
        Reference {
            place: "Shanghai (eviltransform)",
            wgs: (31.1774276, 121.5272106),
            gcj: (31.17530398364597, 121.531541859215),
            tolerance: FULL_PRECISION,
        },
        // googollee/eviltransform, go/transform_test.go: "shenzhen".
        Reference {
            place: "Shenzhen (eviltransform)",
            wgs: (22.543847, 113.912316),
            gcj: (22.540796131694766, 113.9171764808363),
            tolerance: FULL_PRECISION,
        },
        // googollee/eviltransform, go/transform_test.go: "beijing".
        Reference {
            place: "Beijing (eviltransform)",
            wgs: (39.911954, 116.377817),
            gcj: (39.91334545536069, 116.38404722455657),
            tolerance: FULL_PRECISION,
        },
        // wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) printed as
        // [116.41024449916938, 39.91640428150164] (lon, lat); dromara/hutool's
        // CoordinateUtilTest asserts the same pair exactly.
        Reference {
            place: "Beijing (coordtransform)",
            wgs: (39.915, 116.404),
            gcj: (39.91640428150164, 116.41024449916938),
            tolerance: FULL_PRECISION,
        },
        // AMap Web Service "coordinate convert" docs
        // (https://lbs.amap.com/api/webservice/guide/api/convert; the response example as
        // published in AMap's API reference, apifox.com/apidoc/docs-site/759159/api-14671355):
        // locations=116.481499,39.990475|116.481499,39.990375, coordsys=gps, response
        // "116.487585177952,39.991754014757;116.487585177952,39.991653917101" (lon,lat).
        Reference {
            place: "Beijing Wangjing, point 1 (AMap convert API docs)",
            wgs: (39.990475, 116.481499),
            gcj: (39.991754014757, 116.487585177952),
            tolerance: AMAP_SERVICE,
        },
        Reference {
            place: "Beijing Wangjing, point 2 (AMap convert API docs)",
            wgs: (39.990375, 116.481499),
            gcj: (39.991653917101, 116.487585177952),
            tolerance: AMAP_SERVICE,
        },
        // hujiulong/gcoord, test/unit/crs/WGS84.spec.ts (commit 42ea29d):
        // transform([123, 45]) ≈ [123.00607541, 45.00197815] (lon, lat); northeast China.
        Reference {
            place: "Jilin, 45N 123E (gcoord spec)",
            wgs: (45.0, 123.0),
            gcj: (45.00197815, 123.00607541),
            tolerance: EIGHT_DECIMALS,
        },
        // hujiulong/gcoord, test/fixtures/china-cities.json, entry 那曲地区 (Nagqu, Tibet):
        // WGS84 [92.0499619, 31.4784436] → GCJ02 [92.0512438, 31.4762063] (lon, lat).
        Reference {
            place: "Nagqu, Tibet (gcoord fixture)",
            wgs: (31.4784436, 92.0499619),
            gcj: (31.4762063, 92.0512438),
            tolerance: GCOORD_FIXTURE,
        },
        // hujiulong/gcoord, test/fixtures/china-cities.json, entry 酒泉市 (Jiuquan, Gansu):
        // WGS84 [98.4937175, 39.7319946] → GCJ02 [98.4943595, 39.7328234] (lon, lat).
        Reference {
            place: "Jiuquan, Gansu (gcoord fixture)",
            wgs: (39.7319946, 98.4937175),
            gcj: (39.7328234, 98.4943595),
            tolerance: GCOORD_FIXTURE,
        },
        // hujiulong/gcoord, test/fixtures/china-cities.json, entry 凉山彝族自治州 (Xichang,
        // Sichuan): WGS84 [102.2658401, 27.8850446] → GCJ02 [102.2673386, 27.8816151].
        Reference {
            place: "Xichang, Sichuan (gcoord fixture)",
            wgs: (27.8850446, 102.2658401),
            gcj: (27.8816151, 102.2673386),
            tolerance: GCOORD_FIXTURE,
        },
    ];

    /// Great-circle distance in metres; a sphere is plenty to judge a shift of hundreds of
    /// metres.
    fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_000.0;
        let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (b.1 - a.1).to_radians();
        let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    #[test]
    fn matches_published_reference_pairs() {
        for r in REFERENCES {
            let (lat, lon) = wgs84_to_gcj02(r.wgs.0, r.wgs.1);
            let (d_lat, d_lon) = ((lat - r.gcj.0).abs(), (lon - r.gcj.1).abs());
            assert!(
                d_lat <= r.tolerance && d_lon <= r.tolerance,
                "{}: got ({lat:.12}, {lon:.12}), expected ({:.12}, {:.12}), \
                 |Δlat|={d_lat:.3e} |Δlon|={d_lon:.3e}, tolerance {:e}",
                r.place,
                r.gcj.0,
                r.gcj.1,
                r.tolerance,
            );
        }
    }

    #[test]
    fn references_span_mainland_china() {
        // Guards the table itself: a regression in the series far from Beijing must not hide
        // behind vectors that all sit in one corner of the country.
        let lons = REFERENCES.iter().map(|r| r.wgs.1);
        let lats = REFERENCES.iter().map(|r| r.wgs.0);
        assert!(
            lons.clone().fold(f64::INFINITY, f64::min) < 100.0,
            "needs a western point"
        );
        assert!(
            lons.fold(f64::NEG_INFINITY, f64::max) > 120.0,
            "needs an eastern point"
        );
        assert!(
            lats.clone().fold(f64::INFINITY, f64::min) < 25.0,
            "needs a southern point"
        );
        assert!(
            lats.fold(f64::NEG_INFINITY, f64::max) > 40.0,
            "needs a northern point"
        );
    }

    #[test]
    fn points_outside_china_are_unchanged() {
        let outside = [
            ("Tokyo", 35.6762, 139.6503),
            ("London", 51.5074, -0.1278),
            ("Null Island", 0.0, 0.0),
            ("Sydney", -33.8688, 151.2093),
            ("New York", 40.7128, -74.0060),
        ];
        for (place, lat, lon) in outside {
            assert!(out_of_china(lat, lon), "{place} should be outside the box");
            assert_eq!(wgs84_to_gcj02(lat, lon), (lat, lon), "{place} moved");
        }
    }

    #[test]
    fn non_finite_input_is_passed_through() {
        // A fix with a missing coordinate must not be smeared into a plausible-looking point.
        let (lat, lon) = wgs84_to_gcj02(f64::NAN, 116.4);
        assert!(lat.is_nan());
        assert_eq!(lon.to_bits(), 116.4_f64.to_bits());
        assert_eq!(wgs84_to_gcj02(39.9, f64::INFINITY), (39.9, f64::INFINITY));
    }

    #[test]
    fn box_edges_follow_the_reference_bounds() {
        // One step either side of each published bound, so an off-by-a-digit constant shows.
        assert!(out_of_china(35.0, 72.003));
        assert!(!out_of_china(35.0, 72.005));
        assert!(!out_of_china(35.0, 137.8346));
        assert!(out_of_china(35.0, 137.8348));
        assert!(out_of_china(0.8292, 105.0));
        assert!(!out_of_china(0.8294, 105.0));
        assert!(!out_of_china(55.8270, 105.0));
        assert!(out_of_china(55.8272, 105.0));
    }

    #[test]
    fn shift_near_beijing_is_a_few_hundred_metres() {
        // Tiananmen Square: the shift a user would see if we forgot to convert.
        let wgs = (39.9055, 116.3976);
        let shift = haversine_m(wgs, wgs84_to_gcj02(wgs.0, wgs.1));
        assert!(
            (100.0..=700.0).contains(&shift),
            "shift near Beijing was {shift:.1} m"
        );
    }

    #[test]
    fn shift_stays_under_a_kilometre_across_the_box() {
        // A sign or coefficient slip in the series shows up as kilometre-scale jumps somewhere,
        // even where no published vector happens to sit.
        let mut worst: f64 = 0.0;
        for lat_step in 0..=54 {
            for lon_step in 0..=65 {
                let wgs = (1.0 + f64::from(lat_step), 72.5 + f64::from(lon_step));
                let gcj = wgs84_to_gcj02(wgs.0, wgs.1);
                assert!(
                    gcj.0.is_finite() && gcj.1.is_finite(),
                    "non-finite at {wgs:?}"
                );
                worst = worst.max(haversine_m(wgs, gcj));
            }
        }
        assert!(worst < 1_000.0, "largest shift in the box was {worst:.1} m");
    }
}

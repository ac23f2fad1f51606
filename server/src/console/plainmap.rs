//! The visit map without tiles: the registered home at the centre of a metric grid, the visit's
//! fix with its accuracy circle, the line between them and its length, north up. Drawn as SVG on
//! the server; Leaflet replaces it when tiles are configured.

use fieldvisit_core::geo::GeoPoint;

/// Size of the drawing (square), in SVG units.
pub const SIZE: f64 = 300.0;
const MARGIN: f64 = 30.0;

/// The drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainMap {
    /// Grid line positions (both axes).
    pub grid: Vec<f64>,
    /// Metres between grid lines.
    pub grid_m: f64,
    /// Home (centre).
    pub home: (f64, f64),
    /// The fix.
    pub fix: (f64, f64),
    /// Accuracy circle radius.
    pub accuracy_r: f64,
    /// Distance in metres.
    pub distance_m: f64,
    /// Midpoint of the line, for its label.
    pub mid: (f64, f64),
}

/// East and north offsets of `p` from `origin`, in metres (equirectangular; exact enough within a
/// few kilometres).
fn offset_m(origin: &GeoPoint, p: &GeoPoint) -> (f64, f64) {
    const R: f64 = 6_371_008.8;
    let east = (p.lon - origin.lon).to_radians() * R * origin.lat.to_radians().cos();
    let north = (p.lat - origin.lat).to_radians() * R;
    (east, north)
}

/// A 1-2-5 step giving about four grid lines per half-width.
fn nice_step(half_m: f64) -> f64 {
    let raw = (half_m / 4.0).max(1.0);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

impl PlainMap {
    /// The drawing of `fix` (with its accuracy) against `home`.
    pub fn of(home: &GeoPoint, fix: &GeoPoint, accuracy_m: f64) -> PlainMap {
        let (e, n) = offset_m(home, fix);
        let distance_m = home.distance_m(fix);
        let half_m = (e.abs().max(n.abs()) + accuracy_m.min(distance_m.max(50.0))).max(50.0) * 1.1;
        let scale = (SIZE / 2.0 - MARGIN) / half_m;
        let c = SIZE / 2.0;
        let fix_xy = (c + e * scale, c - n * scale);
        let step = nice_step(half_m);
        let mut grid = Vec::new();
        let mut k = 0.0;
        while k * step * scale <= c {
            grid.push(c + k * step * scale);
            if k > 0.0 {
                grid.push(c - k * step * scale);
            }
            k += 1.0;
        }
        PlainMap {
            grid,
            grid_m: step,
            home: (c, c),
            fix: fix_xy,
            accuracy_r: (accuracy_m * scale).min(SIZE),
            distance_m,
            mid: ((c + fix_xy.0) / 2.0, (c + fix_xy.1) / 2.0),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_fix_sits_east_and_north_as_it_lies_and_within_the_drawing() {
        let home = GeoPoint {
            lat: 30.0,
            lon: 120.0,
        };
        // About 1 km north-east.
        let fix = GeoPoint {
            lat: 30.0064,
            lon: 120.0074,
        };
        let m = PlainMap::of(&home, &fix, 20.0);
        assert!(m.fix.0 > m.home.0 && m.fix.1 < m.home.1, "{m:?}");
        assert!(m.fix.0 < SIZE && m.fix.1 > 0.0);
        assert!((m.distance_m - 1000.0).abs() < 60.0, "{}", m.distance_m);
        assert!(m.grid.contains(&(SIZE / 2.0)));
        assert_eq!(nice_step(1100.0), 500.0);
        assert_eq!(nice_step(60.0), 20.0);
    }
}

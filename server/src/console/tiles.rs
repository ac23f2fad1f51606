//! Map tiles for the visit map: none by default (the map is then a plain grid drawn on the server),
//! or AMap, Tianditu or any XYZ source the operator names. AMap draws in GCJ-02, so points are
//! shifted into it before they are placed; the others take WGS-84 as the phones record it.

/// Datum a tile source draws in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    /// WGS-84 (GPS; Tianditu's CGCS2000 agrees with it at map scale).
    Wgs84,
    /// GCJ-02 (AMap and other Chinese commercial maps).
    Gcj02,
}

/// A configured tile source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSource {
    /// XYZ URL template with `{s}`, `{z}`, `{x}`, `{y}`.
    pub url: String,
    /// Subdomains for `{s}`.
    pub subdomains: String,
    /// Attribution shown on the map.
    pub attribution: String,
    /// Datum of the tiles.
    pub datum: Datum,
}

impl TileSource {
    /// `amap`, `tianditu:<key>`, or an `https://` XYZ template in WGS-84, or one in GCJ-02
    /// written `gcj02:https://…`.
    pub fn parse(spec: &str) -> Result<TileSource, String> {
        let (spec, gcj02) = match spec.strip_prefix("gcj02:") {
            Some(rest) => (rest, true),
            None => (spec, false),
        };
        if spec == "amap" {
            return Ok(TileSource {
                url: "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}".into(),
                subdomains: "1234".into(),
                attribution: "© 高德地图 AutoNavi".into(),
                datum: Datum::Gcj02,
            });
        }
        if let Some(key) = spec.strip_prefix("tianditu:") {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("tianditu needs its key: --map-tiles tianditu:<key>".into());
            }
            return Ok(TileSource {
                url: format!(
                    "https://t{{s}}.tianditu.gov.cn/DataServer?T=vec_w&x={{x}}&y={{y}}&l={{z}}&tk={key}"
                ),
                subdomains: "01234567".into(),
                attribution: "© 天地图 Tianditu".into(),
                datum: Datum::Wgs84,
            });
        }
        let ok = spec.starts_with("https://")
            && ["{z}", "{x}", "{y}"].iter().all(|p| spec.contains(p))
            && !spec.contains(['"', '\'', ' ', '<', '>']);
        if !ok {
            return Err("--map-tiles takes amap, tianditu:<key>, or an https:// URL with {z}, {x} and {y} (gcj02:https://… for GCJ-02 tiles)".into());
        }
        Ok(TileSource {
            url: spec.to_owned(),
            subdomains: "abc".into(),
            attribution: String::new(),
            datum: if gcj02 { Datum::Gcj02 } else { Datum::Wgs84 },
        })
    }

    /// The origin the tiles come from, for the page's `img-src`: `https://*.example.com`
    /// when the host holds `{s}`.
    pub fn img_origin(&self) -> String {
        let rest = self.url.trim_start_matches("https://");
        let host = rest.split(['/', '?']).next().unwrap_or("");
        let host = match host.split_once('.') {
            Some((first, domain)) if first.contains("{s}") => format!("*.{domain}"),
            _ => host.to_owned(),
        };
        format!("https://{host}")
    }

    /// A WGS-84 point as the tiles expect it.
    pub fn place(&self, lat: f64, lon: f64) -> (f64, f64) {
        match self.datum {
            Datum::Wgs84 => (lat, lon),
            Datum::Gcj02 => super::gcj02::wgs84_to_gcj02(lat, lon),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_urls_parse_and_name_their_image_origin() {
        let a = TileSource::parse("amap").unwrap();
        assert_eq!(a.datum, Datum::Gcj02);
        assert_eq!(a.img_origin(), "https://*.is.autonavi.com");
        let t = TileSource::parse("tianditu:abc123").unwrap();
        assert_eq!(t.datum, Datum::Wgs84);
        assert_eq!(t.img_origin(), "https://*.tianditu.gov.cn");
        let u = TileSource::parse("gcj02:https://tiles.example.org/{z}/{x}/{y}.png").unwrap();
        assert_eq!(u.img_origin(), "https://tiles.example.org");
        assert_eq!(u.datum, Datum::Gcj02);
        assert!(TileSource::parse("http://x/{z}/{x}/{y}").is_err());
        assert!(TileSource::parse("tianditu:").is_err());
        assert!(TileSource::parse("https://x/{z}/{x}/{y}'onerror").is_err());
    }

    #[test]
    fn amap_points_are_shifted_and_others_are_not() {
        let a = TileSource::parse("amap").unwrap();
        let (lat, lon) = a.place(39.908_692, 116.397_477);
        assert!((lat - 39.909_93).abs() < 1e-3 && (lon - 116.403_71).abs() < 1e-3);
        let t = TileSource::parse("tianditu:k").unwrap();
        assert_eq!(t.place(39.9, 116.4), (39.9, 116.4));
    }
}

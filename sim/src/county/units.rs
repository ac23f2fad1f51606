//! The demo county: one county of three townships with three villages each, its org units and
//! where they lie. Every name here is fictitious.

use fieldvisit_core::geo::GeoPoint;

/// The level of an org unit, as the server's org tree has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLevel {
    /// 省.
    Province,
    /// 市.
    City,
    /// 县.
    County,
    /// 乡镇 / 街道.
    Township,
    /// 村 / 社区.
    Village,
}

/// The province, city and county above the townships: (id, parent, level, name).
pub const UPPER_UNITS: [(&str, Option<&str>, UnitLevel, &str); 3] = [
    ("demo-js", None, UnitLevel::Province, "江苏省"),
    ("demo-nz", Some("demo-js"), UnitLevel::City, "宁州市"),
    ("demo-qx", Some("demo-nz"), UnitLevel::County, "青溪县"),
];

/// The county's id: staff of the county and the audience keys belong to it.
pub const COUNTY_ID: &str = "demo-qx";

/// A township social-work station with its villages.
#[derive(Debug, Clone, Copy)]
pub struct Township {
    /// Org unit id.
    pub id: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// English name beside it.
    pub name_en: &'static str,
    /// The station's primary school, named in child visits.
    pub school: &'static str,
    /// Centre of the township.
    pub centre: GeoPoint,
    /// Villages: (id, name).
    pub villages: [(&'static str, &'static str); 3],
}

/// The three townships.
pub const TOWNSHIPS: [Township; 3] = [
    Township {
        id: "demo-qx-qs",
        name: "青山镇",
        name_en: "Qingshan",
        school: "青山镇中心小学",
        centre: GeoPoint {
            lat: 31.842,
            lon: 119.021,
        },
        villages: [
            ("demo-qx-qs-sw", "上湾村"),
            ("demo-qx-qs-xw", "下湾村"),
            ("demo-qx-qs-lt", "柳塘村"),
        ],
    },
    Township {
        id: "demo-qx-bm",
        name: "白马镇",
        name_en: "Baima",
        school: "白马镇中心小学",
        centre: GeoPoint {
            lat: 31.761,
            lon: 119.108,
        },
        villages: [
            ("demo-qx-bm-bm", "白马村"),
            ("demo-qx-bm-sq", "石桥村"),
            ("demo-qx-bm-ty", "桃园村"),
        ],
    },
    Township {
        id: "demo-qx-dh",
        name: "东湖街道",
        name_en: "Donghu",
        school: "东湖实验小学",
        centre: GeoPoint {
            lat: 31.803,
            lon: 119.187,
        },
        villages: [
            ("demo-qx-dh-hb", "湖滨社区"),
            ("demo-qx-dh-xg", "新港社区"),
            ("demo-qx-dh-yc", "渔村社区"),
        ],
    },
];

/// A village with its township.
#[derive(Debug, Clone, Copy)]
pub struct Village {
    /// Township index in [`TOWNSHIPS`].
    pub township: usize,
    /// Village index within the township.
    pub index: usize,
    /// Org unit id.
    pub id: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// Centre of the village.
    pub centre: GeoPoint,
}

/// The nine villages, township by township.
pub fn villages() -> Vec<Village> {
    let mut out = Vec::new();
    for (t, township) in TOWNSHIPS.iter().enumerate() {
        for (v, (id, name)) in township.villages.iter().enumerate() {
            // Villages lie 1.5–3 km around the township centre.
            let angle = (t * 3 + v) as f64 * 2.1;
            let km = 1.5 + v as f64 * 0.7;
            out.push(Village {
                township: t,
                index: v,
                id,
                name,
                centre: GeoPoint {
                    lat: township.centre.lat + angle.sin() * km / 111.0,
                    lon: township.centre.lon + angle.cos() * km / 95.0,
                },
            });
        }
    }
    out
}

/// The township a village id belongs to.
pub fn township_of(village_id: &str) -> Option<&'static Township> {
    TOWNSHIPS
        .iter()
        .find(|t| t.villages.iter().any(|(id, _)| *id == village_id))
}

/// The name of a village id.
pub fn village_name(village_id: &str) -> &'static str {
    TOWNSHIPS
        .iter()
        .flat_map(|t| t.villages.iter())
        .find(|(id, _)| *id == village_id)
        .map_or("-", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_villages_in_three_townships_with_distinct_ids() {
        let v = villages();
        assert_eq!(v.len(), 9);
        let mut ids: Vec<&str> = v.iter().map(|v| v.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 9);
        for village in &v {
            assert!(village.centre.is_valid());
            assert_eq!(
                township_of(village.id).map(|t| t.id),
                Some(TOWNSHIPS[village.township].id)
            );
        }
    }
}

//! Shared fixtures for the core's integration tests: a store with households of every visit type,
//! audience keys, and visits recorded from the built-in sample answers.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::{AudiencePrivateKey, StaticKeyProvider, b64_encode};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::AudienceKeyRecord;
use fieldvisit_core::template::builtin::sample::{photo_items, sample_answers, to_answers};

/// The master key of the test stores.
pub const KEY: [u8; 32] = [0x42; 32];

pub fn keys() -> StaticKeyProvider {
    StaticKeyProvider::new(KEY)
}

/// A small real JPEG (a gradient), as the camera would give.
pub fn jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8 ^ seed, (y * 5) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

pub fn home() -> GeoPoint {
    GeoPoint {
        lat: 31.95,
        lon: 118.84,
    }
}

pub fn household(id: &str, name: &str, categories: &[Category]) -> Household {
    Household {
        id: id.into(),
        village_id: "v-001".into(),
        head_name: name.into(),
        id_number: "320115195001011234".into(),
        address: "江宁区某村3组".into(),
        categories: categories
            .iter()
            .map(|c| CategoryRegistration {
                category: *c,
                since: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            })
            .collect(),
        location: Some(home()),
        members: vec![Member {
            name: name.into(),
            relation: "户主".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 1, 1),
        }],
    }
}

/// A visit date inside the samples' validity window.
pub fn visit_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 20, 2, 0, 0).unwrap()
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub engine: Engine,
    pub civil_affairs: AudiencePrivateKey,
    pub child_welfare: AudiencePrivateKey,
}

pub fn path(dir: &Path) -> std::path::PathBuf {
    dir.join("phone.db")
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(&path(dir.path()), &keys()).unwrap();
        let civil_affairs = AudiencePrivateKey::generate();
        let child_welfare = AudiencePrivateKey::generate();
        engine
            .store()
            .put_audience_keys(&[
                AudienceKeyRecord {
                    audience: "civil-affairs".into(),
                    public_key: b64_encode(&civil_affairs.public_key().to_bytes()),
                },
                AudienceKeyRecord {
                    audience: "child-welfare".into(),
                    public_key: b64_encode(&child_welfare.public_key().to_bytes()),
                },
            ])
            .unwrap();
        engine
            .store()
            .put_households(&[
                household("hh-econ", "王秀兰", &[Category::Tekun]),
                household("hh-child", "李小明", &[Category::LeftBehindChild]),
                household("hh-elder", "赵德福", &[Category::ElderlyAlone]),
            ])
            .unwrap();
        Fixture {
            dir,
            engine,
            civil_affairs,
            child_welfare,
        }
    }

    /// Records a complete visit from the sample answers, with photos, and finishes it.
    pub fn record(&self, household: &str, category: Category, at: DateTime<Utc>) -> String {
        record(&self.engine, household, category, at)
    }
}

pub fn template_id(category: Category) -> &'static str {
    match category.visit_kind() {
        fieldvisit_core::template::VisitKind::Economic => "economic-verification",
        fieldvisit_core::template::VisitKind::Child => "child-guardianship",
        fieldvisit_core::template::VisitKind::Elderly => "elderly-welfare",
    }
}

pub fn record(engine: &Engine, household: &str, category: Category, at: DateTime<Utc>) -> String {
    let fix = GpsFix {
        point: GeoPoint {
            lat: home().lat + 0.0003,
            lon: home().lon,
        },
        accuracy_m: 12.0,
        fix_time: at - Duration::seconds(20),
        mock: false,
    };
    let visit = engine
        .start_visit(household, category, Some(fix), at)
        .unwrap();
    let answers = sample_answers(template_id(category)).unwrap();
    for (key, value) in &answers {
        engine.answer(&visit, key, value).unwrap();
    }
    engine
        .set_investigators(&visit, vec!["张社工".into(), "陈社工".into()])
        .unwrap();
    let template = engine.template_for(category).unwrap();
    let typed = to_answers(&template, &answers).unwrap();
    for (i, (item, count)) in photo_items(&template, &typed).into_iter().enumerate() {
        for n in 0..count {
            engine
                .attach_photo(
                    &visit,
                    &item,
                    &jpeg((i * 7 + n as usize) as u8),
                    at + Duration::minutes(5),
                )
                .unwrap();
        }
    }
    engine.finish(&visit, at + Duration::minutes(25)).unwrap();
    visit
}

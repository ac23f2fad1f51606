//! Shared fixtures for the core's integration tests: a store with households of every visit type,
//! audience keys, and visits recorded from the built-in sample answers.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::{AudiencePrivateKey, StaticKeyProvider, b64_encode};
use fieldvisit_core::geo::GeoPoint;
use fieldvisit_core::protocol::AudienceKeyRecord;
use fieldvisit_sim::phone::VisitRecord;

/// The master key of the test stores.
pub const KEY: [u8; 32] = [0x42; 32];

pub fn keys() -> StaticKeyProvider {
    StaticKeyProvider::new(KEY)
}

/// A small camera JPEG.
pub fn jpeg(seed: u8) -> Vec<u8> {
    fieldvisit_sim::photo::jpeg(64, 48, u64::from(seed)).unwrap()
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

pub fn record(engine: &Engine, household: &str, category: Category, at: DateTime<Utc>) -> String {
    let template = engine.template_for(category).unwrap();
    let visit = VisitRecord::sample_of(household, category, Some(home()), at)
        .and_then(|v| v.with_sample_photos(&template, (64, 48)))
        .unwrap();
    let id = visit.draft_on(engine).unwrap();
    visit.complete_on(engine, &id).unwrap();
    engine.finish(&id, visit.end).unwrap();
    id
}

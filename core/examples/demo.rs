//! Records, seals and verifies visits of every type in a temporary store and prints what happened:
//! the phone engine end to end, with no server.

use std::error::Error;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::crypto::{AudiencePrivateKey, StaticKeyProvider, b64_encode};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::protocol::{AudienceKeyRecord, open_content};
use fieldvisit_core::template::builtin::sample::{photo_items, sample_answers, to_answers};
use fieldvisit_core::visit::LevelOverride;
use serde_json::json;

fn jpeg(seed: u8) -> Result<Vec<u8>, Box<dyn Error>> {
    Ok(fieldvisit_sim::photo::jpeg(320, 240, u64::from(seed))?)
}

fn household(id: &str, name: &str, category: Category, lat: f64) -> Household {
    Household {
        id: id.into(),
        village_id: "320115-101".into(),
        head_name: name.into(),
        id_number: "320115195801012345".into(),
        address: "示范村".into(),
        categories: vec![CategoryRegistration {
            category,
            since: NaiveDate::from_ymd_opt(2026, 1, 4).unwrap_or_default(),
        }],
        location: Some(GeoPoint { lat, lon: 118.84 }),
        members: vec![Member {
            name: name.into(),
            relation: "本人".into(),
            birth_date: None,
        }],
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("phone.db");
    let engine = Engine::open(&path, &StaticKeyProvider::random()?)?;
    let civil = AudiencePrivateKey::generate();
    let child_welfare = AudiencePrivateKey::generate();
    engine.store().put_audience_keys(&[
        AudienceKeyRecord {
            audience: "civil-affairs".into(),
            public_key: b64_encode(&civil.public_key().to_bytes()),
        },
        AudienceKeyRecord {
            audience: "child-welfare".into(),
            public_key: b64_encode(&child_welfare.public_key().to_bytes()),
        },
    ])?;
    let households = [
        household("hh-001", "示范户甲", Category::Tekun, 31.950),
        household("hh-002", "示范儿童乙", Category::LeftBehindChild, 31.952),
        household("hh-003", "示范儿童丙", Category::DistressedChild, 31.954),
        household("hh-004", "示范老人丁", Category::ElderlyAlone, 31.956),
    ];
    engine.store().put_households(&households)?;
    println!("加密存储 Encrypted store: {}", path.display());

    let start = Utc
        .with_ymd_and_hms(2026, 5, 20, 1, 30, 0)
        .single()
        .ok_or("bad time")?;
    for (i, h) in households.iter().enumerate() {
        let at = start + Duration::hours(i as i64);
        let category = h.categories[0].category;
        let template = engine.template_for(category)?;
        let home = h.location.ok_or("no location")?;
        let fix = GpsFix {
            point: GeoPoint {
                lat: home.lat + 0.0004,
                lon: home.lon,
            },
            accuracy_m: 15.0,
            fix_time: at,
            mock: false,
        };
        let visit = engine.start_visit(&h.id, category, Some(fix), at)?;
        let answers = sample_answers(&template.id).ok_or("no sample")?;
        for (key, value) in &answers {
            engine.answer(&visit, key, value)?;
        }
        engine.set_investigators(&visit, vec!["社工一".into(), "社工二".into()])?;
        for (item, count) in photo_items(&template, &to_answers(&template, &answers)?) {
            for n in 0..count {
                engine.attach_photo(&visit, &item, &jpeg(n as u8)?, at + Duration::minutes(5))?;
            }
        }
        if h.id == "hh-003" {
            // A child found alone at home: HIGH risk from the rules, and reported to police at once.
            engine.answer(&visit, "living_alone", &json!(true))?;
            engine.report_to_police(&visit, at + Duration::minutes(8))?;
            engine.override_level(&visit, "risk", None::<LevelOverride>)?;
        }
        engine.finish(&visit, at + Duration::minutes(35))?;
        let live = engine.evaluate(&visit)?;
        let sealed = engine.seal(&visit, at + Duration::minutes(36))?;
        let fired: Vec<String> = live.scores.iter().flat_map(|s| s.fired.clone()).collect();
        println!(
            "已封存 Sealed {} · {} · 链序号 seq {} · 等级 level {} · 触发规则 rules fired {:?}",
            template.title.zh,
            h.id,
            sealed.seq,
            sealed.level.as_deref().unwrap_or("-"),
            fired
        );
    }

    let checked = engine.verify_chain()?;
    println!("哈希链校验通过 Hash chain verified: {checked} visits, every signature valid");
    let public = engine.store().device_key()?.public_key();
    for record in engine.store().sealed_chain()? {
        let verified = record.envelope.verify(&public)?;
        let body = &verified.body;
        let audience = if body.template_id == "child-guardianship" {
            ("child-welfare", &child_welfare)
        } else {
            ("civil-affairs", &civil)
        };
        let (content, _) = open_content(body, audience.0, audience.1)?;
        println!(
            "  {} {} → 受众 audience {}: {} answers, {} photos, evidence flags {:?}, police {}",
            body.visit_id,
            body.template_id,
            audience.0,
            content.answers.len(),
            body.photos.len(),
            body.evidence,
            body.reported_to_police_at.is_some()
        );
    }
    let today = start.date_naive() + Duration::days(1);
    println!("待访清单 Caseload on {today}:");
    for e in engine.caseload(today)? {
        println!(
            "  {} {:<20} 应访 due {:?} ({:?})",
            e.household_id,
            e.category.label().zh,
            e.due_on,
            e.status
        );
    }
    Ok(())
}

//! Recording, sealing and verifying visits of every type through the engine.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use fieldvisit_core::caseload::Category;
use fieldvisit_core::protocol::{
    EvidenceFlag, ProtocolError, SealedEnvelope, open_content, open_photo,
};
use fieldvisit_core::template::{AnswerError, AnswerValue};
use fieldvisit_core::visit::{LevelOverride, VisitError};
use serde_json::json;
use support::{Fixture, jpeg, visit_time};

#[test]
fn each_visit_type_seals_verifies_and_opens_for_its_audience_only() {
    let f = Fixture::new();
    let public = f.engine.store().device_key().unwrap().public_key();
    let cases = [
        (
            Category::Tekun,
            "hh-econ",
            &f.civil_affairs,
            "civil-affairs",
            Some("STABLE"),
        ),
        (
            Category::LeftBehindChild,
            "hh-child",
            &f.child_welfare,
            "child-welfare",
            Some("LOW"),
        ),
        (
            Category::ElderlyAlone,
            "hh-elder",
            &f.civil_affairs,
            "civil-affairs",
            Some("GENERAL"),
        ),
    ];
    for (i, (category, household, key, audience, level)) in cases.into_iter().enumerate() {
        let visit = f.record(
            household,
            category,
            visit_time() + Duration::hours(i as i64),
        );
        let summary = f
            .engine
            .seal(
                &visit,
                visit_time() + Duration::hours(i as i64) + Duration::minutes(30),
            )
            .unwrap();
        assert_eq!(summary.seq, i as u64 + 1);
        assert_eq!(summary.level.as_deref(), level);
        let record = f.engine.store().sealed(&visit).unwrap().unwrap();
        let verified = record.envelope.verify(&public).unwrap();
        assert_eq!(verified.hash, summary.hash);
        assert_eq!(verified.body.household_id, household);
        assert!(
            verified.body.evidence.is_empty(),
            "{:?}",
            verified.body.evidence
        );
        assert!(verified.body.distance_m.is_some_and(|d| d < 100.0));
        let (content, content_key) = open_content(&verified.body, audience, key).unwrap();
        assert!(!content.answers.is_empty());
        assert_eq!(content.investigators.len(), 2);
        for photo in &verified.body.photos {
            let ct = f
                .engine
                .store()
                .sealed_photo(&photo.photo_id)
                .unwrap()
                .unwrap();
            assert_eq!(fieldvisit_core::crypto::sha256(&ct), photo.sha256);
            let clear = open_photo(&content_key, &visit, &photo.photo_id, &ct).unwrap();
            assert!(clear.starts_with(&[0xFF, 0xD8]));
        }
        // The other audience's key opens nothing.
        let other = if audience == "child-welfare" {
            &f.civil_affairs
        } else {
            &f.child_welfare
        };
        let other_name = if audience == "child-welfare" {
            "civil-affairs"
        } else {
            "child-welfare"
        };
        assert!(matches!(
            open_content(&verified.body, other_name, other),
            Err(ProtocolError::NotForAudience(_))
        ));
        assert!(open_content(&verified.body, audience, other).is_err());
    }
    assert_eq!(f.engine.verify_chain().unwrap(), 3);
}

#[test]
fn one_flipped_byte_anywhere_in_an_envelope_fails_verification() {
    let f = Fixture::new();
    let visit = f.record("hh-child", Category::LeftBehindChild, visit_time());
    f.engine
        .seal(&visit, visit_time() + Duration::hours(1))
        .unwrap();
    let public = f.engine.store().device_key().unwrap().public_key();
    let bytes = f
        .engine
        .store()
        .sealed(&visit)
        .unwrap()
        .unwrap()
        .envelope
        .to_json();
    for i in 0..bytes.len() {
        for bit in [0x01u8, 0x20] {
            let mut bad = bytes.clone();
            bad[i] ^= bit;
            let ok = SealedEnvelope::from_json(&bad)
                .and_then(|e| e.verify(&public))
                .is_ok();
            assert!(!ok, "flipping bit {bit:#x} of byte {i} went unnoticed");
        }
    }
}

#[test]
fn sealed_visits_are_immutable_and_corrections_amend_them() {
    let f = Fixture::new();
    let visit = f.record("hh-elder", Category::ElderlyAlone, visit_time());
    f.engine
        .seal(&visit, visit_time() + Duration::hours(1))
        .unwrap();
    assert!(matches!(
        f.engine.answer(&visit, "notes", &json!("x")),
        Err(VisitError::Sealed(_))
    ));
    assert!(matches!(
        f.engine.seal(&visit, visit_time()),
        Err(VisitError::Sealed(_))
    ));
    assert!(matches!(
        f.engine
            .attach_photo(&visit, "hazard_photos", &jpeg(1), visit_time()),
        Err(VisitError::Sealed(_))
    ));
    let fix_time = visit_time() + Duration::days(1);
    let amendment = f.engine.start_amendment(&visit, None, fix_time).unwrap();
    assert_eq!(
        f.engine.draft(&amendment).unwrap().amends.as_deref(),
        Some(visit.as_str())
    );
    f.engine
        .answer(&amendment, "notes", &json!("更正:补充记录"))
        .unwrap();
    f.engine
        .set_investigators(&amendment, vec!["张社工".into()])
        .unwrap();
    f.engine
        .finish(&amendment, fix_time + Duration::minutes(10))
        .unwrap();
    f.engine
        .seal(&amendment, fix_time + Duration::minutes(11))
        .unwrap();
    let body = f
        .engine
        .store()
        .sealed(&amendment)
        .unwrap()
        .unwrap()
        .envelope
        .peek_body()
        .unwrap();
    assert_eq!(body.amends.as_deref(), Some(visit.as_str()));
    assert!(body.evidence.contains(&EvidenceFlag::NoFix));
    assert_eq!(f.engine.verify_chain().unwrap(), 2);
}

#[test]
fn every_validation_error_names_the_item() {
    let f = Fixture::new();
    let at = visit_time();
    let visit = f
        .engine
        .start_visit("hh-child", Category::LeftBehindChild, None, at)
        .unwrap();
    let err = |path: &str, v: serde_json::Value| {
        f.engine.answer(&visit, path, &v).unwrap_err().to_string()
    };
    assert!(err("child_seen", json!("yes")).contains("child_seen"));
    assert!(err("caregiver_age", json!(150)).contains("at most 120"));
    assert!(err("schooling", json!("university")).contains("schooling"));
    assert!(err("no_such_item", json!(1)).contains("no_such_item"));
    assert!(err("home_hazards", json!(["none", "water"])).contains("none"));
    assert!(err("child_birth_date", json!("2020-13-01")).contains("YYYY-MM-DD"));
    assert!(err("child_view", json!("字".repeat(1001))).contains("1000"));
    assert!(err("hazard_photos", json!(["x"])).contains("attach photos"));
    assert!(matches!(
        f.engine.answer(&visit, "child_seen", &json!(1)),
        Err(VisitError::Answer(AnswerError::WrongType { .. }))
    ));
    match f.engine.seal(&visit, at) {
        Err(VisitError::Incomplete(problems)) => {
            assert!(
                problems
                    .iter()
                    .any(|p| matches!(p, AnswerError::Required { item } if item == "child_seen"))
            );
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    // Economic checks need two investigators, counted in the template's investigators item.
    let econ = f.record("hh-econ", Category::Tekun, at);
    f.engine
        .answer(&econ, "investigators", &json!([{"name": "张社工"}]))
        .unwrap();
    match f.engine.seal(&econ, at + Duration::hours(1)) {
        Err(VisitError::Incomplete(p)) => assert!(p.iter().any(|p| matches!(
            p,
            AnswerError::Investigators {
                required: 2,
                found: 1
            }
        ))),
        other => panic!("expected Incomplete, got {other:?}"),
    }
    // Overrides need a reason and an existing level.
    let child = f.record("hh-child", Category::LeftBehindChild, at);
    let no_reason = LevelOverride {
        level: "HIGH".into(),
        reason: " ".into(),
    };
    assert!(
        f.engine
            .override_level(&child, "risk", Some(no_reason))
            .is_err()
    );
    let bad_level = LevelOverride {
        level: "EXTREME".into(),
        reason: "x".into(),
    };
    assert!(
        f.engine
            .override_level(&child, "risk", Some(bad_level))
            .is_err()
    );
    let ok = LevelOverride {
        level: "HIGH".into(),
        reason: "邻居反映夜间无人照看".into(),
    };
    f.engine.override_level(&child, "risk", Some(ok)).unwrap();
    f.engine
        .report_to_police(&child, at + Duration::minutes(3))
        .unwrap();
    let s = f.engine.seal(&child, at + Duration::hours(1)).unwrap();
    assert_eq!(s.level.as_deref(), Some("HIGH"));
    let body = f
        .engine
        .store()
        .sealed(&child)
        .unwrap()
        .unwrap()
        .envelope
        .peek_body()
        .unwrap();
    assert!(body.level.unwrap().overridden);
    assert_eq!(body.reported_to_police_at, Some(at + Duration::minutes(3)));
}

#[test]
fn caseload_due_dates_follow_the_last_level() {
    let f = Fixture::new();
    let today = visit_time().date_naive();
    let before = f.engine.caseload(today).unwrap();
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|e| e.days_overdue > 0));
    let child = f.record("hh-child", Category::LeftBehindChild, visit_time());
    f.engine
        .override_level(
            &child,
            "risk",
            Some(LevelOverride {
                level: "HIGH".into(),
                reason: "复查".into(),
            }),
        )
        .unwrap();
    f.engine
        .seal(&child, visit_time() + Duration::hours(1))
        .unwrap();
    let after = f.engine.caseload(today).unwrap();
    let entry = after.iter().find(|e| e.household_id == "hh-child").unwrap();
    assert_eq!(entry.due_on, Some(today + Duration::days(7)));
    assert_eq!(entry.days_overdue, 0);
}

#[test]
fn drafts_survive_reopening_the_store() {
    let f = Fixture::new();
    let visit = f
        .engine
        .start_visit("hh-elder", Category::ElderlyAlone, None, visit_time())
        .unwrap();
    f.engine
        .answer(&visit, "visit_mode", &json!("home"))
        .unwrap();
    let path = support::path(f.dir.path());
    drop(f.engine);
    let engine = fieldvisit_core::Engine::open(&path, &support::keys()).unwrap();
    assert_eq!(engine.store().draft_ids().unwrap(), vec![visit.clone()]);
    assert!(
        engine
            .draft(&visit)
            .unwrap()
            .answers
            .contains_key("visit_mode")
    );
}

#[test]
fn removing_a_repeat_instance_moves_the_later_ones_up_with_their_photos() {
    // The economic template with a photo item in each household member (an ID card photo, say).
    let mut t: serde_json::Value =
        serde_json::from_str(fieldvisit_core::template::builtin::ECONOMIC_JSON).unwrap();
    t["version"] = json!(1000);
    let members = t["sections"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|s| s["items"].as_array_mut().unwrap().iter_mut())
        .find(|i| i["id"] == "members")
        .unwrap();
    members["items"].as_array_mut().unwrap().push(json!({
        "id": "id_photo", "type": "photo", "max_count": 2, "purpose": "document",
        "label": {"zh": "证件照片", "en": "ID photo"}
    }));
    let template = fieldvisit_core::template::load_template(&t.to_string()).unwrap();
    let f = Fixture::new();
    f.engine.store().put_templates(&[template]).unwrap();
    let path = support::path(f.dir.path());
    drop(f.engine);
    let engine = fieldvisit_core::Engine::open(&path, &support::keys()).unwrap();

    let at = visit_time();
    let visit = engine
        .start_visit("hh-econ", Category::Tekun, None, at)
        .unwrap();
    for (n, name) in ["甲", "乙", "丙"].iter().enumerate() {
        engine
            .answer(&visit, &format!("members[{n}].name"), &json!(name))
            .unwrap();
    }
    let second = engine
        .attach_photo(&visit, "members[1].id_photo", &jpeg(1), at)
        .unwrap();
    let third = engine
        .attach_photo(&visit, "members[2].id_photo", &jpeg(2), at)
        .unwrap();

    engine.remove_instance(&visit, "members", 1).unwrap();

    let draft = engine.draft(&visit).unwrap();
    let Some(AnswerValue::Repeat(list)) = draft.answers.get("members") else {
        panic!("members should still be a repeat group");
    };
    let names: Vec<_> = list
        .iter()
        .map(|m| m.get("name").cloned().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            AnswerValue::Text("甲".into()),
            AnswerValue::Text("丙".into())
        ]
    );
    assert_eq!(
        list[1].get("id_photo"),
        Some(&AnswerValue::Photos(vec![third.clone()]))
    );
    assert_eq!(draft.photos.len(), 1);
    assert_eq!(draft.photos[0].photo_id, third);
    assert_eq!(draft.photos[0].item, "members[1].id_photo");
    assert!(engine.store().photo_thumbnail(&second).unwrap().is_none());
    assert!(engine.store().photo_thumbnail(&third).unwrap().is_some());
    // The moved photo can still be removed by its id.
    engine.remove_photo(&visit, &third).unwrap();
    assert!(engine.draft(&visit).unwrap().photos.is_empty());

    // Bad requests name what is wrong and change nothing.
    let before = engine.draft(&visit).unwrap();
    assert!(matches!(
        engine.remove_instance(&visit, "members", 2),
        Err(VisitError::Answer(AnswerError::NoInstance {
            index: 2,
            len: 2,
            ..
        }))
    ));
    assert!(matches!(
        engine.remove_instance(&visit, "supporters", 0),
        Err(VisitError::Answer(AnswerError::NoInstance { len: 0, .. }))
    ));
    let not_a_group = engine
        .remove_instance(&visit, "income_wages", 0)
        .unwrap_err();
    assert!(not_a_group.to_string().contains("income_wages"));
    assert_eq!(engine.draft(&visit).unwrap(), before);

    // The last instance gone, the group is unanswered again.
    engine.remove_instance(&visit, "members", 0).unwrap();
    engine.remove_instance(&visit, "members", 0).unwrap();
    assert!(
        !engine
            .draft(&visit)
            .unwrap()
            .answers
            .contains_key("members")
    );
}

#[test]
fn a_body_of_another_version_signs_into_an_envelope_that_verify_refuses() {
    let mut body: serde_json::Value =
        serde_json::from_str(include_str!("../../fuzz/corpus/envelope/body-0.json")).unwrap();
    let key = fieldvisit_core::crypto::DeviceSigningKey::generate().unwrap();
    let sign = |v: &serde_json::Value| {
        SealedEnvelope::sign(&serde_json::from_value(v.clone()).unwrap(), &key).unwrap()
    };
    assert!(sign(&body).0.verify(&key.public_key()).is_ok());
    body["version"] = json!(2);
    let refused = sign(&body)
        .0
        .verify(&key.public_key())
        .expect_err("a version 2 body in a version 1 envelope");
    assert!(
        matches!(
            refused,
            ProtocolError::VersionMismatch { outer: 1, inner: 2 }
        ),
        "{refused:?}"
    );
}

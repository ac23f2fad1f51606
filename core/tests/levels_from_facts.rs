//! Levels from what the phone knows: the previous sealed visit's "child seen" read from the store,
//! the county's low-income standard delivered with the assignments, and investigators picked from
//! the station's staff list.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use fieldvisit_core::caseload::{Category, ScheduleConfig};
use fieldvisit_core::geo::EvidenceThresholds;
use fieldvisit_core::protocol::{
    Assignments, CountyParameters, EnvelopeBody, LowIncomeStandard, StaffMember, VisitContent,
    WIRE_VERSION, open_content,
};
use fieldvisit_core::template::{AnswerError, SAME_PERSON_TWICE};
use fieldvisit_core::visit::VisitError;
use serde_json::json;
use support::{Fixture, visit_time};

/// A pull that brings only the station's staff and the county's parameters.
fn assignments(staff: Vec<StaffMember>, standards: &[(i32, f64)]) -> Assignments {
    Assignments {
        version: WIRE_VERSION,
        worker_id: "w-1".into(),
        since: "t-1".into(),
        households: Vec::new(),
        removed_households: Vec::new(),
        templates: Vec::new(),
        schedule: ScheduleConfig::default(),
        evidence_thresholds: EvidenceThresholds::default(),
        audience_keys: Vec::new(),
        returned: Vec::new(),
        last_visits: Vec::new(),
        staff,
        parameters: CountyParameters {
            low_income_standards: standards
                .iter()
                .map(|(year, yuan)| LowIncomeStandard {
                    year: *year,
                    yuan_per_person_month: *yuan,
                })
                .collect(),
        },
    }
}

/// The clear body and the opened content of a sealed visit.
fn opened(f: &Fixture, visit: &str, audience: &str) -> (EnvelopeBody, VisitContent) {
    let public = f.engine.store().device_key().unwrap().public_key();
    let record = f.engine.store().sealed(visit).unwrap().unwrap();
    let body = record.envelope.verify(&public).unwrap().body;
    let key = if audience == "child-welfare" {
        &f.child_welfare
    } else {
        &f.civil_affairs
    };
    let (content, _) = open_content(&body, audience, key).unwrap();
    (body, content)
}

fn staff() -> Vec<StaffMember> {
    [("s-1", "陈晓燕"), ("s-2", "赵志强")]
        .into_iter()
        .map(|(id, name)| StaffMember {
            id: id.into(),
            name: name.into(),
        })
        .collect()
}

/// Records the child sample with the child not seen this time.
fn child_not_seen(f: &Fixture, days_later: i64) -> String {
    let at = visit_time() + Duration::days(days_later);
    let visit = f.record("hh-child", Category::LeftBehindChild, at);
    f.engine
        .answer(&visit, "child_seen", &json!(false))
        .unwrap();
    f.engine
        .answer(&visit, "not_seen_reason", &json!("到外地亲戚家"))
        .unwrap();
    visit
}

fn risk(f: &Fixture, visit: &str) -> (String, Vec<String>) {
    let e = f.engine.evaluate(visit).unwrap();
    let s = e.score("risk").unwrap();
    (s.level.clone(), s.fired.clone())
}

#[test]
fn not_seen_last_time_comes_from_the_previous_sealed_visit() {
    let f = Fixture::new();
    let first = child_not_seen(&f, 0);
    // The phone holds no earlier visit: the worker is asked, and says the child was seen before.
    assert!(
        !f.engine
            .evaluate(&first)
            .unwrap()
            .hidden
            .contains("not_seen_previous")
    );
    f.engine
        .answer(&first, "not_seen_previous", &json!(false))
        .unwrap();
    assert_eq!(risk(&f, &first).0, "LOW");
    f.engine
        .seal(&first, visit_time() + Duration::hours(1))
        .unwrap();

    // Next visit: not seen again. The store knows the last visit did not see the child either.
    let second = child_not_seen(&f, 7);
    let e = f.engine.evaluate(&second).unwrap();
    assert!(e.hidden.contains("not_seen_previous"));
    assert_eq!(e.computed["seen_at_previous_visit"], json!(false));
    // A worker's answer to the hidden question cannot undo the record.
    f.engine
        .answer(&second, "not_seen_previous", &json!(false))
        .unwrap();
    assert_eq!(
        risk(&f, &second),
        ("HIGH".to_string(), vec!["h_not_seen_twice".to_string()])
    );
    let sealed = f
        .engine
        .seal(
            &second,
            visit_time() + Duration::days(7) + Duration::hours(1),
        )
        .unwrap();
    assert_eq!(sealed.level.as_deref(), Some("HIGH"));
    let (_, content) = opened(&f, &second, "child-welfare");
    assert_eq!(content.computed["seen_at_previous_visit"], json!(false));
}

#[test]
fn a_previous_visit_that_saw_the_child_keeps_one_miss_low() {
    let f = Fixture::new();
    let first = f.record("hh-child", Category::LeftBehindChild, visit_time());
    f.engine
        .seal(&first, visit_time() + Duration::hours(1))
        .unwrap();
    let second = child_not_seen(&f, 7);
    f.engine
        .answer(&second, "not_seen_previous", &json!(true))
        .unwrap();
    assert_eq!(risk(&f, &second).0, "LOW");
    // Its content was purged after the server's receipt: the record survives in the summary.
    f.engine.store().purge_content(&first).unwrap();
    assert_eq!(risk(&f, &second).0, "LOW");
}

#[test]
fn a_correction_does_not_read_the_visit_it_corrects() {
    let f = Fixture::new();
    let first = child_not_seen(&f, 0);
    f.engine
        .answer(&first, "not_seen_previous", &json!(false))
        .unwrap();
    f.engine
        .seal(&first, visit_time() + Duration::hours(1))
        .unwrap();
    let fix = f
        .engine
        .start_amendment(&first, None, visit_time() + Duration::hours(2))
        .unwrap();
    let e = f.engine.evaluate(&fix).unwrap();
    assert!(!e.hidden.contains("not_seen_previous"));
    assert_eq!(e.score("risk").unwrap().level, "LOW");
}

fn income_check(f: &Fixture, visit: &str) -> String {
    let e = f.engine.evaluate(visit).unwrap();
    e.score("income_check").unwrap().level.clone()
}

#[test]
fn the_countys_standard_arrives_with_assignments_and_sets_the_flag() {
    let f = Fixture::new();
    // The sample household lives on 353 元 a month.
    let visit = f.record("hh-econ", Category::Tekun, visit_time());
    assert_eq!(income_check(&f, &visit), "UNKNOWN");
    f.engine
        .apply_assignments(&assignments(Vec::new(), &[(2025, 300.0), (2027, 990.0)]))
        .unwrap();
    assert_eq!(income_check(&f, &visit), "ABOVE_STANDARD");
    f.engine
        .apply_assignments(&assignments(Vec::new(), &[(2025, 300.0), (2026, 400.0)]))
        .unwrap();
    assert_eq!(income_check(&f, &visit), "BELOW_STANDARD");
    // A pull without parameters (an older server) keeps the standard.
    f.engine
        .apply_assignments(&assignments(Vec::new(), &[]))
        .unwrap();
    assert_eq!(income_check(&f, &visit), "BELOW_STANDARD");
    let sealed = f
        .engine
        .seal(&visit, visit_time() + Duration::hours(1))
        .unwrap();
    let (_, content) = opened(&f, &sealed.visit_id, "civil-affairs");
    assert_eq!(content.computed["dibao_standard"], json!(400));
    let flag = content.scores.iter().find(|s| s.score == "income_check");
    assert_eq!(flag.unwrap().level, "BELOW_STANDARD");
}

#[test]
fn investigators_are_picked_from_the_staff_list_and_counted_once() {
    let f = Fixture::new();
    f.engine
        .apply_assignments(&assignments(staff(), &[]))
        .unwrap();
    assert_eq!(f.engine.station_staff().unwrap(), staff());
    let visit = f.record("hh-econ", Category::Tekun, visit_time());
    let refused = |v: serde_json::Value| f.engine.answer(&visit, "investigators", &v).unwrap_err();
    let dup = refused(json!([{"staff_id": "s-1"}, {"staff_id": "s-1"}]));
    assert!(matches!(
        &dup,
        VisitError::Answer(AnswerError::OutOfRange { item, reason })
            if item == "investigators" && reason == SAME_PERSON_TWICE
    ));
    assert!(dup.to_string().contains("investigators"));
    assert!(!dup.to_string().contains("陈晓燕"));
    assert!(matches!(
        refused(json!([{"staff_id": "s-1"}, {"name": "陈晓燕"}])),
        VisitError::Answer(AnswerError::OutOfRange { reason, .. }) if reason == SAME_PERSON_TWICE
    ));
    assert!(matches!(
        refused(json!([{"staff_id": "s-7"}])),
        VisitError::Answer(AnswerError::UnknownOption { item }) if item == "investigators"
    ));
    f.engine
        .answer(
            &visit,
            "investigators",
            &json!([{"staff_id": "s-2"}, {"name": "王五"}]),
        )
        .unwrap();
    let sealed = f
        .engine
        .seal(&visit, visit_time() + Duration::hours(1))
        .unwrap();
    let (body, content) = opened(&f, &sealed.visit_id, "civil-affairs");
    assert_eq!(body.investigator_count, 2);
    assert_eq!(content.investigators, vec!["赵志强", "王五"]);
}

#[test]
fn the_same_name_twice_for_the_whole_visit_is_refused() {
    let f = Fixture::new();
    let visit = f.record("hh-elder", Category::ElderlyAlone, visit_time());
    let err = f
        .engine
        .set_investigators(&visit, vec!["李明".into(), "李明 ".into()])
        .unwrap_err();
    assert!(matches!(
        err,
        VisitError::Answer(AnswerError::OutOfRange { item, reason })
            if item == "investigators" && reason == SAME_PERSON_TWICE
    ));
    assert_eq!(f.engine.draft(&visit).unwrap().investigators.len(), 2);
}

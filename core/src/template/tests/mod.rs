//! Unit tests of the template subsystem: item types, loading errors, scoring of the built-in
//! templates, visibility, computed values and completeness.
#![allow(clippy::unwrap_used)]

mod age_windows;
mod bad_templates;
mod caregiver_burdens;
mod child_risk;
mod economic_scores;
mod elderly_tier;
mod facts;
mod investigators;
mod item_types;
mod visibility_and_computed;

use chrono::NaiveDate;
use serde_json::Value;

use super::builtin::sample::{photo_items, sample_answers, sample_visit_date, to_answers};
use super::builtin::{CHILD_JSON, ECONOMIC_JSON, ELDERLY_JSON};
use super::{
    AnswerError, AnswerValue, Answers, Evaluation, Facts, ScoreResult, Template, check_complete,
    evaluate, load_template, parse_answer,
};

pub(super) const ECONOMIC: &str = "economic-verification";
pub(super) const CHILD: &str = "child-guardianship";
pub(super) const ELDERLY: &str = "elderly-welfare";

/// A built-in template by id.
pub(super) fn template(id: &str) -> Template {
    let json = match id {
        ECONOMIC => ECONOMIC_JSON,
        CHILD => CHILD_JSON,
        ELDERLY => ELDERLY_JSON,
        other => panic!("no built-in template {other}"),
    };
    load_template(json).unwrap()
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A built-in template and its sample answers, typed.
pub(super) fn sample(id: &str) -> (Template, Answers) {
    let t = template(id);
    let answers = to_answers(&t, &sample_answers(id).unwrap()).unwrap();
    (t, answers)
}

/// Sets (or, with `null`, clears) one top-level answer through `parse_answer`.
pub(super) fn set(t: &Template, answers: &mut Answers, id: &str, json: Value) {
    match parse_answer(t, id, &json) {
        Ok((_, Some(v))) => {
            answers.insert(id.to_string(), v);
        }
        Ok((_, None)) => {
            answers.remove(id);
        }
        Err(e) => panic!("answer {id} = {json} rejected: {e}"),
    }
}

/// Sets an item of one repeat instance (the instance must exist).
pub(super) fn set_in(
    t: &Template,
    answers: &mut Answers,
    group: &str,
    index: usize,
    id: &str,
    json: Value,
) {
    let (_, value) = parse_answer(t, &format!("{group}[{index}].{id}"), &json).unwrap();
    let Some(AnswerValue::Repeat(list)) = answers.get_mut(group) else {
        panic!("{group} is not answered");
    };
    if index == list.len() {
        list.push(Answers::new());
    }
    match value {
        Some(v) => {
            list[index].insert(id.to_string(), v);
        }
        None => {
            list[index].remove(id);
        }
    }
}

/// Attaches fake photos to every photo item that needs them.
pub(super) fn attach_photos(t: &Template, answers: &mut Answers) {
    for (id, n) in photo_items(t, answers) {
        let photos = (0..n).map(|i| format!("photo-{id}-{i}")).collect();
        answers.insert(id, AnswerValue::Photos(photos));
    }
}

/// The facts of a county whose low-income standard is 900 元/人/月, with no previous visit.
pub(super) fn county_facts() -> Facts {
    Facts {
        low_income_standard: Some(900.0),
        ..Facts::default()
    }
}

pub(super) fn eval(t: &Template, answers: &Answers) -> Evaluation {
    eval_with(t, answers, &county_facts())
}

pub(super) fn eval_with(t: &Template, answers: &Answers, facts: &Facts) -> Evaluation {
    evaluate(t, answers, sample_visit_date(), facts).unwrap()
}

pub(super) fn score(t: &Template, answers: &Answers, id: &str) -> ScoreResult {
    eval(t, answers).score(id).cloned().unwrap()
}

/// Asserts the level of a score and that exactly these rules fired.
pub(super) fn assert_score(t: &Template, answers: &Answers, id: &str, level: &str, fired: &[&str]) {
    let s = score(t, answers, id);
    assert_eq!(s.level, level, "score {id}: {s:?}");
    assert_eq!(s.fired, fired, "score {id}: {s:?}");
}

/// `n` different names typed for the whole visit.
pub(super) fn typed_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("调查员{i}")).collect()
}

/// Problems with the visit on the sample date, with `investigators` different names typed for the
/// whole visit (counted only by templates without an investigators item).
pub(super) fn problems(t: &Template, answers: &Answers, investigators: usize) -> Vec<AnswerError> {
    check_complete(
        t,
        answers,
        &typed_names(investigators),
        sample_visit_date(),
        &county_facts(),
    )
}

/// The paths of `Required` problems.
pub(super) fn required_paths(problems: &[AnswerError]) -> Vec<String> {
    problems
        .iter()
        .filter_map(|p| match p {
            AnswerError::Required { item } => Some(item.clone()),
            _ => None,
        })
        .collect()
}

/// A birth date that makes someone exactly `years` old (birthday today) on the sample date.
pub(super) fn born_years_ago(years: i32) -> String {
    let d = sample_visit_date();
    date(
        chrono::Datelike::year(&d) - years,
        chrono::Datelike::month(&d),
        chrono::Datelike::day(&d),
    )
    .format("%Y-%m-%d")
    .to_string()
}

#[test]
fn samples_are_complete_once_photos_are_attached() {
    for id in [ECONOMIC, CHILD, ELDERLY] {
        let (t, mut answers) = sample(id);
        attach_photos(&t, &mut answers);
        let p = problems(&t, &answers, usize::try_from(t.min_investigators).unwrap());
        assert!(p.is_empty(), "{id}: {p:?}");
    }
}

#[test]
fn samples_need_their_photos() {
    let (t, answers) = sample(ECONOMIC);
    let mut needed = photo_items(&t, &answers);
    needed.sort();
    assert_eq!(
        needed,
        vec![
            ("authorisation_photo".to_string(), 1),
            ("care_agreement_photo".to_string(), 1),
            ("housing_photos".to_string(), 2),
        ]
    );
    let p = problems(&t, &answers, 2);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p.iter()
            .all(|e| matches!(e, AnswerError::Count { found: 0, .. }))
    );
    for id in [CHILD, ELDERLY] {
        let (t, answers) = sample(id);
        assert!(photo_items(&t, &answers).is_empty(), "{id}");
    }
}

#[test]
fn photo_items_follow_visibility() {
    let (t, mut answers) = sample(ECONOMIC);
    set(&t, &mut answers, "housing_safety", Value::from("dangerous"));
    set(&t, &mut answers, "authorisation_signed", Value::from(false));
    set(
        &t,
        &mut answers,
        "visit_type",
        Value::from("periodic_recheck"),
    );
    let mut needed = photo_items(&t, &answers);
    needed.sort();
    assert_eq!(
        needed,
        vec![
            ("dangerous_housing_photos".to_string(), 1),
            ("housing_photos".to_string(), 2),
        ]
    );
    let (t, mut answers) = sample(CHILD);
    set(
        &t,
        &mut answers,
        "home_hazards",
        serde_json::json!(["water"]),
    );
    assert_eq!(
        photo_items(&t, &answers),
        vec![("hazard_photos".to_string(), 1)]
    );
}

#[test]
fn samples_give_the_lowest_levels() {
    let (t, a) = sample(CHILD);
    assert_score(&t, &a, "risk", "LOW", &[]);
    let (t, a) = sample(ELDERLY);
    assert_score(&t, &a, "tier", "GENERAL", &[]);
    assert_score(&t, &a, "ability_assessment", "NOT_NEEDED", &[]);
    assert_score(&t, &a, "self_care", "self_reliant", &[]);
    let (t, a) = sample(ECONOMIC);
    assert_score(&t, &a, "income_check", "BELOW_STANDARD", &["ic_below"]);
    assert_score(&t, &a, "recheck", "STABLE", &[]);
    assert_score(&t, &a, "self_care", "self_reliant", &[]);
    assert_score(&t, &a, "staff_relative", "NORMAL", &[]);
}

#[test]
fn samples_hold_across_years() {
    for year in 2024..=2035 {
        for id in [CHILD, ELDERLY] {
            let (t, a) = sample(id);
            let e = evaluate(&t, &a, date(year, 12, 31), &Facts::default()).unwrap();
            assert!(
                e.scores.iter().all(|s| s.fired.is_empty()),
                "{id} {year}: {e:?}"
            );
        }
    }
}

#[test]
fn unknown_sample_is_none() {
    assert!(sample_answers("no-such-template").is_none());
}

/// A minimal template document with one section holding `items`, plus extra top-level fields.
pub(super) fn doc_with(items: Value, extra: Value) -> Value {
    let mut doc = serde_json::json!({
        "format": 1,
        "id": "test-template",
        "version": 1,
        "title": {"zh": "测试", "en": "Test"},
        "visit_kind": "child",
        "categories": ["orphan"],
        "audiences": ["child-welfare"],
        "sections": [{"id": "s1", "title": {"zh": "一", "en": "One"}, "items": items}]
    });
    if let (Some(d), Value::Object(x)) = (doc.as_object_mut(), extra) {
        d.extend(x);
    }
    doc
}

/// Loads a minimal template holding `items`.
pub(super) fn load_items(items: Value) -> Result<Template, super::TemplateError> {
    load_template(&doc_with(items, serde_json::json!({})).to_string())
}

pub(super) fn label() -> Value {
    serde_json::json!({"zh": "标签", "en": "label"})
}

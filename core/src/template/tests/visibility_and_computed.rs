//! Visibility (hidden items are ignored by scoring and completeness), computed values, and the
//! completeness check.

use serde_json::json;

use super::*;

#[test]
fn not_seen_reason_required_only_when_the_child_was_not_seen() {
    let (t, mut a) = sample(CHILD);
    assert!(eval(&t, &a).hidden.contains("not_seen_reason"));
    assert!(problems(&t, &a, 1).is_empty());
    set(&t, &mut a, "child_seen", json!(false));
    assert!(!eval(&t, &a).hidden.contains("not_seen_reason"));
    assert_eq!(
        required_paths(&problems(&t, &a, 1)),
        vec!["not_seen_reason", "not_seen_previous"]
    );
    set(&t, &mut a, "not_seen_reason", json!("儿童在县城医院住院"));
    set(&t, &mut a, "not_seen_previous", json!(false));
    assert!(problems(&t, &a, 1).is_empty());
}

#[test]
fn hidden_answers_are_ignored_by_scoring() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "caregiver_capacity", json!("poor"));
    set(&t, &mut a, "prohibited", json!(["violence"]));
    set(&t, &mut a, "has_caregiver", json!(false));
    assert_score(&t, &a, "risk", "HIGH", &["h_no_caregiver"]);
    // An answer left over from before the child was seen does not make a "not seen twice".
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "not_seen_previous", json!(true));
    assert_score(&t, &a, "risk", "LOW", &[]);
}

#[test]
fn hidden_answers_are_ignored_by_completeness() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "has_caregiver", json!(false));
    for id in [
        "caregiver_name",
        "caregiver_relation",
        "caregiver_age",
        "caregiver_capacity",
        "caregiver_limits",
        "prohibited",
    ] {
        set(&t, &mut a, id, Value::Null);
    }
    assert!(problems(&t, &a, 1).is_empty());
    set(&t, &mut a, "has_caregiver", json!(true));
    assert_eq!(
        required_paths(&problems(&t, &a, 1)),
        vec![
            "caregiver_name",
            "caregiver_relation",
            "caregiver_age",
            "caregiver_capacity",
            "caregiver_limits",
            "prohibited"
        ]
    );
}

#[test]
fn tekun_sections_only_for_tekun_visit_types() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    set(&t, &mut a, "visit_type", json!("periodic_recheck"));
    let hidden = eval(&t, &a).hidden;
    for id in [
        "can_eat",
        "can_bathe",
        "selfcare_changed",
        "caregiver_name",
        "care_agreement",
        "care_agreement_photo",
    ] {
        assert!(hidden.contains(id), "{id}");
    }
    for id in [
        "can_eat",
        "can_dress",
        "can_transfer",
        "can_toilet",
        "can_walk_indoors",
        "can_bathe",
        "selfcare_changed",
        "caregiver_name",
        "care_agreement",
    ] {
        set(&t, &mut a, id, Value::Null);
    }
    a.remove("care_agreement_photo");
    assert!(problems(&t, &a, 2).is_empty(), "{:?}", problems(&t, &a, 2));
    set(&t, &mut a, "visit_type", json!("tekun_recognition"));
    assert_eq!(
        required_paths(&problems(&t, &a, 2)),
        vec![
            "can_eat",
            "can_dress",
            "can_transfer",
            "can_toilet",
            "can_walk_indoors",
            "can_bathe",
            "selfcare_changed",
            "caregiver_name",
            "care_agreement"
        ]
    );
}

#[test]
fn dangerous_housing_photos_required_only_when_dangerous() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    for safety in ["safe", "fair"] {
        set(&t, &mut a, "housing_safety", json!(safety));
        assert!(problems(&t, &a, 2).is_empty(), "{safety}");
    }
    set(&t, &mut a, "housing_safety", json!("dangerous"));
    assert_eq!(
        problems(&t, &a, 2),
        vec![AnswerError::Count {
            item: "dangerous_housing_photos".into(),
            min: 1,
            max: 5,
            found: 0
        }]
    );
    a.insert(
        "dangerous_housing_photos".into(),
        AnswerValue::Photos(vec!["p-1".into()]),
    );
    assert!(problems(&t, &a, 2).is_empty());
}

#[test]
fn hazard_photos_required_only_with_hazards() {
    for id in [CHILD, ELDERLY] {
        let (t, mut a) = sample(id);
        assert!(problems(&t, &a, 1).is_empty(), "{id}");
        set(&t, &mut a, "home_hazards", json!(["electricity"]));
        assert!(
            matches!(&problems(&t, &a, 1)[..], [AnswerError::Count { item, .. }] if item == "hazard_photos"),
            "{id}"
        );
    }
}

#[test]
fn hidden_repeat_item_is_not_required() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    set_in(&t, &mut a, "members", 0, "disability_type", json!("visual"));
    assert_eq!(
        required_paths(&problems(&t, &a, 2)),
        vec!["members[0].disability_grade"]
    );
    set_in(
        &t,
        &mut a,
        "members",
        0,
        "disability_grade",
        json!("grade3"),
    );
    assert!(problems(&t, &a, 2).is_empty());
}

#[test]
fn hidden_items_inside_repeat_instances_are_listed_by_path() {
    let (t, mut a) = sample(ECONOMIC);
    set_in(&t, &mut a, "members", 0, "disability_type", json!("none"));
    set_in(&t, &mut a, "members", 1, "name", json!("乙"));
    set_in(&t, &mut a, "members", 1, "disability_type", json!("visual"));
    let hidden = eval(&t, &a).hidden;
    assert!(hidden.contains("members[0].disability_grade"));
    assert!(!hidden.contains("members[1].disability_grade"));
    assert!(!hidden.contains("members[0].name"));
}

#[test]
fn missing_required_items_are_reported_by_path() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    set_in(&t, &mut a, "members", 0, "name", Value::Null);
    set(&t, &mut a, "findings", Value::Null);
    set(&t, &mut a, "investigator_signature_2", Value::Null);
    assert_eq!(
        required_paths(&problems(&t, &a, 2)),
        vec!["members[0].name", "findings", "investigator_signature_2"]
    );
}

#[test]
fn missing_items_in_the_second_instance() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    set(
        &t,
        &mut a,
        "neighbour_interviews",
        json!([{"role": "neighbour", "summary": "情况属实"}, {"role": "other"}]),
    );
    assert_eq!(
        required_paths(&problems(&t, &a, 2)),
        vec!["neighbour_interviews[1].summary"]
    );
}

#[test]
fn required_repeat_group_without_instances() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    set(&t, &mut a, "members", json!([]));
    assert_eq!(required_paths(&problems(&t, &a, 2)), vec!["members"]);
    set(&t, &mut a, "members", Value::Null);
    assert_eq!(required_paths(&problems(&t, &a, 2)), vec!["members"]);
}

#[test]
fn empty_visit_reports_every_visible_required_item() {
    for id in [CHILD, ELDERLY, ECONOMIC] {
        let t = template(id);
        let p = problems(&t, &Answers::new(), 0);
        let e = eval(&t, &Answers::new());
        let expected = t
            .sections
            .iter()
            .flat_map(|s| s.items.iter())
            .filter(|i| i.required && !e.hidden.contains(&i.id))
            .count();
        let investigators = usize::from(t.min_investigators > 0);
        assert_eq!(p.len(), expected + investigators, "{id}: {p:?}");
    }
}

/// An empty selection is no answer: the worker has not confirmed "none of these".
#[test]
fn required_multi_choice_with_nothing_selected_is_not_complete() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "prohibited", json!([]));
    assert_eq!(required_paths(&problems(&t, &a, 1)), vec!["prohibited"]);
}

#[test]
fn per_capita_income_is_rounded_to_cents() {
    let (t, mut a) = sample(ECONOMIC);
    set(&t, &mut a, "income_farming", Value::Null);
    set(&t, &mut a, "income_pension", json!(1000));
    let m = |n: &str| {
        json!({"name": n, "relation": "child", "birth_date": "1990-01-01", "health": "healthy",
        "disability_type": "none", "work_capacity": "full", "employment": "employed"})
    };
    set(&t, &mut a, "members", json!([m("甲"), m("乙"), m("丙")]));
    assert_eq!(eval(&t, &a).computed["per_capita_income"], json!(333.33));
    set(&t, &mut a, "income_pension", json!(2000));
    assert_eq!(eval(&t, &a).computed["per_capita_income"], json!(666.67));
    set(&t, &mut a, "income_pension", json!(2001));
    assert_eq!(eval(&t, &a).computed["per_capita_income"], json!(667));
}

#[test]
fn division_by_zero_gives_null_and_no_income_level() {
    let (t, mut a) = sample(ECONOMIC);
    set(&t, &mut a, "members", json!([]));
    let e = eval(&t, &a);
    assert_eq!(e.computed["household_size"], json!(0));
    assert_eq!(e.computed["per_capita_income"], Value::Null);
    assert_score(&t, &a, "income_check", "UNKNOWN", &[]);
}

#[test]
fn age_years_across_a_birthday() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "child_birth_date", json!("2010-06-15"));
    let age = |d| evaluate(&t, &a, d, &Facts::default()).unwrap().computed["child_age"].clone();
    assert_eq!(age(date(2026, 6, 14)), json!(15));
    assert_eq!(age(date(2026, 6, 15)), json!(16));
    assert_eq!(age(date(2026, 12, 31)), json!(16));
    assert_eq!(age(date(2027, 1, 1)), json!(16));
    set(&t, &mut a, "child_birth_date", json!("2012-02-29"));
    let age = |d| evaluate(&t, &a, d, &Facts::default()).unwrap().computed["child_age"].clone();
    assert_eq!(age(date(2028, 2, 28)), json!(15));
    assert_eq!(age(date(2028, 2, 29)), json!(16));
    set(&t, &mut a, "child_birth_date", Value::Null);
    assert_eq!(eval(&t, &a).computed["child_age"], Value::Null);
}

#[test]
fn hidden_section_items_are_listed_as_hidden() {
    let (t, a) = sample(ECONOMIC);
    let hidden = eval(&t, &a).hidden;
    assert!(hidden.contains("dangerous_housing_photos"));
    assert!(!hidden.contains("can_eat"));
    assert!(!hidden.contains("members"));
}

#[test]
fn visibility_in_a_custom_template() {
    let l = label();
    let t = load_items(json!([
        {"id": "n", "type": "integer", "label": l},
        {"id": "big", "type": "yes_no", "label": l, "required": true,
         "visible_if": {"compare": {"left": {"ref": "n"}, "op": ">=", "right": {"const": 10}}}},
        {"id": "after", "type": "yes_no", "label": l, "required": true,
         "visible_if": {"all": [{"answered": {"item": "big"}}, {"not": {"equals": {"item": "big", "value": false}}}]}}
    ]))
    .unwrap();
    let mut a = Answers::new();
    assert_eq!(
        eval(&t, &a).hidden.iter().collect::<Vec<_>>(),
        vec!["after", "big"]
    );
    set(&t, &mut a, "n", json!(10));
    assert_eq!(required_paths(&problems(&t, &a, 1)), vec!["big"]);
    set(&t, &mut a, "big", json!(true));
    assert_eq!(required_paths(&problems(&t, &a, 1)), vec!["after"]);
    // Hiding `big` hides `after` too, even though `big` still has its old answer.
    set(&t, &mut a, "n", json!(9));
    assert!(problems(&t, &a, 1).is_empty());
    assert_eq!(eval(&t, &a).hidden.len(), 2);
}

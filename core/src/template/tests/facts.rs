//! Facts the core knows beside the answers: the previous visit's "child seen" and the county's
//! low-income standard, and how templates name them.

use serde_json::json;

use super::*;
use crate::template::{TemplateError, carried_items};

fn previous_seen(seen: bool) -> Facts {
    let mut f = Facts::default();
    f.previous
        .insert("child_seen".into(), AnswerValue::Bool(seen));
    f
}

/// The child sample with the child not seen this time.
fn not_seen() -> (Template, Answers) {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "child_seen", json!(false));
    set(&t, &mut a, "not_seen_reason", json!("外出就医"));
    (t, a)
}

#[test]
fn not_seen_after_a_recorded_not_seen_is_high_without_asking() {
    let (t, a) = not_seen();
    let e = eval_with(&t, &a, &previous_seen(false));
    assert!(e.hidden.contains("not_seen_previous"));
    assert_eq!(e.computed["seen_at_previous_visit"], json!(false));
    let risk = e.score("risk").unwrap();
    assert_eq!(risk.level, "HIGH");
    assert_eq!(risk.fired, vec!["h_not_seen_twice"]);
    let p = check_complete(
        &t,
        &a,
        &typed_names(1),
        sample_visit_date(),
        &previous_seen(false),
    );
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn the_record_outweighs_the_workers_answer() {
    let (t, mut a) = not_seen();
    set(&t, &mut a, "not_seen_previous", json!(true));
    let e = eval_with(&t, &a, &previous_seen(true));
    assert_eq!(e.score("risk").unwrap().level, "LOW");
    set(&t, &mut a, "not_seen_previous", json!(false));
    let e = eval_with(&t, &a, &previous_seen(false));
    assert_eq!(e.score("risk").unwrap().level, "HIGH");
}

#[test]
fn without_a_record_the_worker_is_asked() {
    let (t, a) = not_seen();
    let e = eval_with(&t, &a, &Facts::default());
    assert!(!e.hidden.contains("not_seen_previous"));
    assert_eq!(e.computed["seen_at_previous_visit"], Value::Null);
    assert_eq!(
        required_paths(&problems(&t, &a, 1)),
        vec!["not_seen_previous"]
    );
}

#[test]
fn seen_this_time_is_low_whatever_the_record() {
    let (t, a) = sample(CHILD);
    for facts in [previous_seen(false), previous_seen(true), Facts::default()] {
        assert_eq!(
            eval_with(&t, &a, &facts).score("risk").unwrap().level,
            "LOW"
        );
    }
}

#[test]
fn the_child_template_passes_on_child_seen() {
    assert_eq!(carried_items(&template(CHILD)), vec!["child_seen"]);
    assert!(carried_items(&template(ELDERLY)).is_empty());
    assert!(carried_items(&template(ECONOMIC)).is_empty());
}

fn income_level(standard: Option<f64>) -> (Value, Value, String) {
    let (t, a) = sample(ECONOMIC);
    let facts = Facts {
        low_income_standard: standard,
        ..Facts::default()
    };
    let e = eval_with(&t, &a, &facts);
    (
        e.computed["per_capita_income"].clone(),
        e.computed["dibao_standard"].clone(),
        e.score("income_check").unwrap().level.clone(),
    )
}

#[test]
fn per_capita_income_is_compared_with_the_countys_standard() {
    assert_eq!(
        income_level(Some(900.0)),
        (json!(353), json!(900), "BELOW_STANDARD".into())
    );
    assert_eq!(income_level(Some(353.0)).2, "ABOVE_STANDARD");
    assert_eq!(income_level(Some(352.5)).2, "ABOVE_STANDARD");
    assert_eq!(income_level(Some(353.5)).2, "BELOW_STANDARD");
}

#[test]
fn without_a_standard_the_comparison_is_unknown() {
    assert_eq!(
        income_level(None),
        (json!(353), Value::Null, "UNKNOWN".into())
    );
}

fn with_computed(expr: Value) -> Result<Template, TemplateError> {
    let items = json!([{"id": "seen", "type": "yes_no", "label": label()},
                       {"id": "group", "type": "repeat", "label": label(), "max_count": 3,
                        "items": [{"id": "x", "type": "yes_no", "label": label()}]}]);
    let doc = doc_with(
        items,
        json!({"computed": [{"id": "c", "label": label(), "expr": expr}]}),
    );
    load_template(&doc.to_string())
}

#[test]
fn fact_names_are_checked_when_loading() {
    assert!(with_computed(json!({"fact": "low_income_standard"})).is_ok());
    assert!(with_computed(json!({"fact": "previous.seen"})).is_ok());
    assert_eq!(
        with_computed(json!({"fact": "low_income_standrd"})).unwrap_err(),
        TemplateError::UnknownFact {
            item: "c".into(),
            fact: "low_income_standrd".into()
        }
    );
    for missing in [
        "previous.nothing",
        "previous.group",
        "previous.x",
        "previous.",
    ] {
        let e = with_computed(json!({ "fact": missing })).unwrap_err();
        assert!(
            matches!(&e, TemplateError::MissingReference { item, .. } | TemplateError::UnknownFact { item, .. } if item == "c"),
            "{missing}: {e:?}"
        );
    }
}

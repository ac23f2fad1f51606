//! Answers of every item type: what is accepted, every rejection, and `null` clearing.

use serde_json::{Value, json};

use super::*;
use crate::template::{ItemPath, parse_value};

/// A template with one item of every type, and a repeat group.
fn all_types() -> Template {
    let l = label();
    load_items(json!([
        {"id": "yn", "type": "yes_no", "label": l},
        {"id": "one", "type": "single_choice", "label": l,
         "options": [{"value": "a", "label": l}, {"value": "b", "label": l}]},
        {"id": "many", "type": "multi_choice", "label": l, "exclusive": ["none"],
         "options": [{"value": "x", "label": l}, {"value": "y", "label": l}, {"value": "none", "label": l}]},
        {"id": "count", "type": "integer", "label": l, "min": 0, "max": 10},
        {"id": "area", "type": "decimal", "label": l, "min": 0.5, "max": 99.5},
        {"id": "note", "type": "text", "label": l, "max_length": 5},
        {"id": "day", "type": "date", "label": l},
        {"id": "pics", "type": "photo", "label": l, "min_count": 1, "max_count": 2, "purpose": "room"},
        {"id": "sig", "type": "signature", "label": l},
        {"id": "people", "type": "repeat", "label": l, "max_count": 2, "items": [
            {"id": "name", "type": "text", "label": l, "max_length": 10, "required": true},
            {"id": "age", "type": "integer", "label": l, "min": 0, "max": 120}
        ]}
    ]))
    .unwrap()
}

fn ok(path: &str, v: Value) -> AnswerValue {
    let t = all_types();
    match parse_answer(&t, path, &v) {
        Ok((_, Some(a))) => a,
        other => panic!("{path} = {v}: {other:?}"),
    }
}

fn err(path: &str, v: Value) -> AnswerError {
    let t = all_types();
    match parse_answer(&t, path, &v) {
        Err(e) => e,
        other => panic!("{path} = {v} accepted: {other:?}"),
    }
}

fn wrong_type(path: &str, v: Value) {
    match err(path, v.clone()) {
        AnswerError::WrongType { item, .. } => assert_eq!(item, path),
        e => panic!("{path} = {v}: {e:?}"),
    }
}

#[test]
fn yes_no() {
    assert_eq!(ok("yn", json!(true)), AnswerValue::Bool(true));
    assert_eq!(ok("yn", json!(false)), AnswerValue::Bool(false));
    wrong_type("yn", json!("yes"));
    wrong_type("yn", json!(1));
}

#[test]
fn single_choice() {
    assert_eq!(ok("one", json!("b")), AnswerValue::Choice("b".into()));
    wrong_type("one", json!(["a"]));
    wrong_type("one", json!(1));
    assert_eq!(
        err("one", json!("c")),
        AnswerError::UnknownOption { item: "one".into() }
    );
}

#[test]
fn multi_choice_in_template_order_without_duplicates() {
    assert_eq!(
        ok("many", json!(["y", "x", "y"])),
        AnswerValue::Choices(vec!["x".into(), "y".into()])
    );
    assert_eq!(
        ok("many", json!(["none"])),
        AnswerValue::Choices(vec!["none".into()])
    );
    assert_eq!(
        ok("many", json!(["none", "none"])),
        AnswerValue::Choices(vec!["none".into()])
    );
    wrong_type("many", json!("x"));
    wrong_type("many", json!([1]));
    assert_eq!(
        err("many", json!(["x", "z"])),
        AnswerError::UnknownOption {
            item: "many".into()
        }
    );
}

#[test]
fn multi_choice_exclusive_option_cannot_be_combined() {
    assert_eq!(
        err("many", json!(["x", "none"])),
        AnswerError::ExclusiveOption {
            item: "many".into(),
            option: "none".into()
        }
    );
}

#[test]
fn integer_range_both_sides() {
    assert_eq!(ok("count", json!(0)), AnswerValue::Integer(0));
    assert_eq!(ok("count", json!(10)), AnswerValue::Integer(10));
    for (v, bound) in [(-1, "at least 0"), (11, "at most 10")] {
        match err("count", json!(v)) {
            AnswerError::OutOfRange { item, reason } => {
                assert_eq!(item, "count");
                assert!(reason.contains(bound), "{reason}");
            }
            e => panic!("{e:?}"),
        }
    }
    wrong_type("count", json!(2.5));
    wrong_type("count", json!("3"));
}

#[test]
fn decimal_range_both_sides() {
    assert_eq!(ok("area", json!(0.5)), AnswerValue::Decimal(0.5));
    assert_eq!(ok("area", json!(42)), AnswerValue::Decimal(42.0));
    assert_eq!(ok("area", json!(99.5)), AnswerValue::Decimal(99.5));
    assert!(matches!(
        err("area", json!(0.49)),
        AnswerError::OutOfRange { .. }
    ));
    assert!(matches!(
        err("area", json!(99.51)),
        AnswerError::OutOfRange { .. }
    ));
    wrong_type("area", json!("42"));
}

#[test]
fn text_length_in_characters() {
    assert_eq!(
        ok("note", json!("五个汉字啊")),
        AnswerValue::Text("五个汉字啊".into())
    );
    assert_eq!(
        err("note", json!("六个汉字啊啊")),
        AnswerError::TooLong {
            item: "note".into(),
            max: 5
        }
    );
    wrong_type("note", json!(5));
}

#[test]
fn date_format() {
    assert_eq!(
        ok("day", json!("2026-02-28")),
        AnswerValue::Date(date(2026, 2, 28))
    );
    wrong_type("day", json!("2026-02-30"));
    wrong_type("day", json!("28/02/2026"));
    wrong_type("day", json!("2026-13-01"));
    wrong_type("day", json!(20260228));
}

#[test]
fn photo_item_cannot_be_answered_by_value() {
    assert_eq!(
        err("pics", json!(["photo-1"])),
        AnswerError::PhotoItem {
            item: "pics".into()
        }
    );
    assert_eq!(
        err("pics", json!("photo-1")),
        AnswerError::PhotoItem {
            item: "pics".into()
        }
    );
}

#[test]
fn photo_counts_are_checked_at_completion() {
    let t = all_types();
    let mut a = Answers::new();
    assert!(
        check_complete(&t, &a, &typed_names(1), date(2026, 1, 1), &Facts::default()).is_empty(),
        "optional and empty"
    );
    a.insert(
        "pics".into(),
        AnswerValue::Photos(vec!["p1".into(), "p2".into(), "p3".into()]),
    );
    assert_eq!(
        check_complete(&t, &a, &typed_names(1), date(2026, 1, 1), &Facts::default()),
        vec![AnswerError::Count {
            item: "pics".into(),
            min: 1,
            max: 2,
            found: 3
        }]
    );
}

#[test]
fn signature_as_name_or_object() {
    assert_eq!(
        ok("sig", json!("李明")),
        AnswerValue::Signature {
            signer: "李明".into(),
            image: None
        }
    );
    assert_eq!(
        ok("sig", json!({"signer": "李明", "image": "photo-9"})),
        AnswerValue::Signature {
            signer: "李明".into(),
            image: Some("photo-9".into())
        }
    );
    wrong_type("sig", json!(""));
    wrong_type("sig", json!("  "));
    wrong_type("sig", json!({"image": "photo-9"}));
    wrong_type("sig", json!("名".repeat(101)));
    wrong_type("sig", json!(true));
}

#[test]
fn repeat_group_whole_and_by_path() {
    let a = ok(
        "people",
        json!([{"name": "甲", "age": 30}, {"name": "乙", "age": null}]),
    );
    let AnswerValue::Repeat(list) = a else {
        panic!()
    };
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].get("age"), Some(&AnswerValue::Integer(30)));
    assert!(
        !list[1].contains_key("age"),
        "null in an instance is no answer"
    );
    assert_eq!(ok("people[1].age", json!(7)), AnswerValue::Integer(7));
    let t = all_types();
    let (path, _) = parse_answer(&t, "people[1].age", &json!(7)).unwrap();
    assert_eq!(
        path,
        ItemPath::InGroup {
            group: "people".into(),
            index: 1,
            item: "age".into()
        }
    );
    assert_eq!(path.to_string(), "people[1].age");
}

#[test]
fn repeat_over_max_count() {
    assert_eq!(
        err(
            "people",
            json!([{"name": "a"}, {"name": "b"}, {"name": "c"}])
        ),
        AnswerError::Count {
            item: "people".into(),
            min: 0,
            max: 2,
            found: 3
        }
    );
}

#[test]
fn repeat_child_errors_name_the_instance() {
    assert_eq!(
        err("people", json!([{"name": "a"}, {"nmae": "b"}])),
        AnswerError::UnknownItem {
            item: "people[1].nmae".into()
        }
    );
    match err("people", json!([{"name": "a", "age": 121}])) {
        AnswerError::OutOfRange { item, .. } => assert_eq!(item, "people[0].age"),
        e => panic!("{e:?}"),
    }
    assert_eq!(
        err("people[0].nmae", json!("x")),
        AnswerError::UnknownItem {
            item: "people[0].nmae".into()
        }
    );
    match err("people[3].age", json!(-1)) {
        AnswerError::OutOfRange { item, .. } => assert_eq!(item, "people[3].age"),
        e => panic!("{e:?}"),
    }
    wrong_type("people", json!({"name": "a"}));
    wrong_type("people", json!(["a"]));
}

#[test]
fn unknown_items() {
    assert_eq!(
        err("nope", json!(1)),
        AnswerError::UnknownItem {
            item: "nope".into()
        }
    );
    assert_eq!(
        err("name", json!("x")),
        AnswerError::UnknownItem {
            item: "name".into()
        }
    );
    assert_eq!(
        err("count[0].name", json!("x")),
        AnswerError::UnknownItem {
            item: "count[0].name".into()
        }
    );
}

#[test]
fn bad_paths() {
    for p in [
        "",
        "people[0]",
        "people[x].name",
        "people[-1].name",
        "[0].name",
        "people[0].",
        "people.name",
        "people[0].name.x",
        "people[0]name",
        "a]",
        "people[0][1].name",
    ] {
        assert_eq!(
            err(p, json!("x")),
            AnswerError::BadPath { path: p.into() },
            "{p:?}"
        );
    }
}

#[test]
fn null_clears_every_type() {
    let t = all_types();
    for p in [
        "yn",
        "one",
        "many",
        "count",
        "area",
        "note",
        "day",
        "pics",
        "sig",
        "people",
        "people[0].name",
    ] {
        assert_eq!(parse_answer(&t, p, &Value::Null).unwrap().1, None, "{p}");
    }
    assert!(matches!(
        parse_answer(&t, "nope", &Value::Null),
        Err(AnswerError::UnknownItem { .. })
    ));
}

#[test]
fn parse_value_uses_the_given_path_in_errors() {
    let t = all_types();
    let item = t.sections[0]
        .items
        .iter()
        .find(|i| i.id == "count")
        .unwrap();
    match parse_value(item, "somewhere", &json!(99)) {
        Err(AnswerError::OutOfRange { item, .. }) => assert_eq!(item, "somewhere"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_never_carry_the_answer() {
    for (p, v) in [
        ("note", json!("秘密秘密秘密秘密")),
        ("one", json!("秘密")),
        ("count", json!(123456)),
    ] {
        let text = err(p, v.clone()).to_string();
        let raw = v.as_str().map_or_else(|| v.to_string(), str::to_string);
        assert!(!text.contains(&raw), "{text}");
    }
}

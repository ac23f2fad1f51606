//! The investigators item: picks from the station's staff list or typed names, each person once,
//! and `min_investigators` counting distinct people.

use serde_json::json;

use super::*;
use crate::protocol::StaffMember;
use crate::template::{Investigator, resolve_staff, typed_investigators};

fn staff() -> Vec<StaffMember> {
    [("s-1", "陈晓燕"), ("s-2", "赵志强"), ("s-3", "陈晓燕")]
        .into_iter()
        .map(|(id, name)| StaffMember {
            id: id.into(),
            name: name.into(),
        })
        .collect()
}

fn parse(json: Value) -> Result<Vec<Investigator>, AnswerError> {
    let t = template(ECONOMIC);
    match parse_answer(&t, "investigators", &json)?.1 {
        Some(AnswerValue::Investigators(list)) => Ok(list),
        other => panic!("not an investigators answer: {other:?}"),
    }
}

fn resolved(json: Value) -> Result<Vec<Investigator>, AnswerError> {
    let mut list = parse(json)?;
    resolve_staff("investigators", &mut list, &staff())?;
    Ok(list)
}

fn duplicate() -> AnswerError {
    AnswerError::OutOfRange {
        item: "investigators".into(),
        reason: "the same person is entered twice (同一人员重复填写)".into(),
    }
}

#[test]
fn picks_take_their_names_from_the_staff_list() {
    let list = resolved(json!([{"staff_id": "s-1"}, {"staff_id": "s-2"}, "王五"])).unwrap();
    let names: Vec<&str> = list.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["陈晓燕", "赵志强", "王五"]);
    assert_eq!(list[0].staff_id.as_deref(), Some("s-1"));
    assert_eq!(list[2].staff_id, None);
}

#[test]
fn the_same_staff_member_twice_is_refused() {
    assert_eq!(
        parse(json!([{"staff_id": "s-1"}, {"staff_id": "s-1"}])).unwrap_err(),
        duplicate()
    );
}

#[test]
fn the_same_name_typed_twice_is_refused() {
    assert_eq!(
        parse(json!([{"name": "王五"}, {"name": " 王 五 "}])).unwrap_err(),
        duplicate()
    );
    assert_eq!(
        parse(json!(["Wang Wu", "wangwu"])).unwrap_err(),
        duplicate()
    );
}

#[test]
fn a_typed_name_of_a_picked_colleague_is_refused() {
    assert_eq!(
        resolved(json!([{"staff_id": "s-2"}, {"name": "赵志强"}])).unwrap_err(),
        duplicate()
    );
}

#[test]
fn two_colleagues_of_the_same_name_are_two_people() {
    assert_eq!(
        resolved(json!([{"staff_id": "s-1"}, {"staff_id": "s-3"}]))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_pick_off_the_staff_list_is_refused() {
    assert_eq!(
        resolved(json!([{"staff_id": "s-9"}])).unwrap_err(),
        AnswerError::UnknownOption {
            item: "investigators".into()
        }
    );
}

#[test]
fn malformed_entries_are_refused() {
    for bad in [
        json!("陈晓燕"),
        json!([{}]),
        json!([{"name": "  "}]),
        json!([{"staff_id": ""}]),
        json!([{"name": "王五", "phone": "138"}]),
        json!([1]),
        json!([
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五"
        ]),
    ] {
        assert!(
            matches!(parse(bad.clone()), Err(AnswerError::WrongType { ref item, .. }) if item == "investigators"),
            "{bad}"
        );
    }
    let six: Vec<String> = (1..=6).map(|i| format!("调查员{i}")).collect();
    assert!(matches!(
        parse(json!(six)),
        Err(AnswerError::Count {
            max: 5,
            found: 6,
            ..
        })
    ));
}

#[test]
fn min_investigators_counts_the_people_in_the_item() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    assert_eq!(t.min_investigators, 2);
    assert!(problems(&t, &a, 0).is_empty());
    set(&t, &mut a, "investigators", json!([{"name": "陈晓燕"}]));
    // Names typed for the whole visit do not stand in for the item.
    assert_eq!(
        problems(&t, &a, 3),
        vec![AnswerError::Investigators {
            required: 2,
            found: 1
        }]
    );
    set(&t, &mut a, "investigators", Value::Null);
    assert_eq!(
        problems(&t, &a, 3),
        vec![
            AnswerError::Required {
                item: "investigators".into()
            },
            AnswerError::Investigators {
                required: 2,
                found: 0
            }
        ]
    );
}

#[test]
fn a_duplicate_slipped_into_stored_answers_blocks_sealing() {
    let (t, mut a) = sample(ECONOMIC);
    attach_photos(&t, &mut a);
    let person = Investigator {
        staff_id: None,
        name: "王五".into(),
    };
    a.insert(
        "investigators".into(),
        AnswerValue::Investigators(vec![person.clone(), person]),
    );
    assert_eq!(problems(&t, &a, 0), vec![duplicate()]);
}

#[test]
fn templates_without_the_item_count_distinct_typed_names() {
    let (t, mut a) = sample(CHILD);
    attach_photos(&t, &mut a);
    assert!(problems(&t, &a, 1).is_empty());
    assert_eq!(
        problems(&t, &a, 0),
        vec![AnswerError::Investigators {
            required: 1,
            found: 0
        }]
    );
    assert_eq!(
        typed_investigators(vec!["李明".into(), " 李明".into()]).unwrap_err(),
        duplicate()
    );
    assert_eq!(
        typed_investigators(vec!["李明".into(), "  ".into(), "王芳".into()]).unwrap(),
        vec!["李明", "王芳"]
    );
}

#[test]
fn an_investigators_item_cannot_sit_in_a_repeat_group_or_hold_nobody() {
    let in_group = load_items(
        json!([{"id": "g", "type": "repeat", "label": label(), "max_count": 2,
        "items": [{"id": "who", "type": "investigators", "label": label(), "max_count": 2}]}]),
    );
    assert!(matches!(
        in_group,
        Err(crate::template::TemplateError::Invalid { .. })
    ));
    let empty = load_items(
        json!([{"id": "who", "type": "investigators", "label": label(), "max_count": 0}]),
    );
    assert!(matches!(
        empty,
        Err(crate::template::TemplateError::BadRange { .. })
    ));
    let typo =
        load_items(json!([{"id": "who", "type": "investigators", "label": label(), "max": 2}]));
    assert!(matches!(
        typo,
        Err(crate::template::TemplateError::UnknownField { .. })
    ));
}

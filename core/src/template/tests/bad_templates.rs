//! Templates that must not load: one test per `TemplateError` variant, each checking the variant
//! and that the message names what is wrong and where.

use serde_json::json;

use super::*;
use crate::template::TemplateError;

fn load_err(items: Value) -> TemplateError {
    match load_items(items) {
        Err(e) => e,
        Ok(_) => panic!("template loaded"),
    }
}

fn load_doc_err(doc: Value) -> TemplateError {
    match load_template(&doc.to_string()) {
        Err(e) => e,
        Ok(_) => panic!("template loaded"),
    }
}

fn assert_names(e: &TemplateError, words: &[&str]) {
    let text = e.to_string();
    for w in words {
        assert!(text.contains(w), "`{text}` does not name `{w}`");
    }
}

fn yes_no(id: &str) -> Value {
    json!({"id": id, "type": "yes_no", "label": label()})
}

fn yes_no_if(id: &str, when: Value) -> Value {
    json!({"id": id, "type": "yes_no", "label": label(), "visible_if": when})
}

fn choice(id: &str, options: &[&str]) -> Value {
    let opts: Vec<Value> = options
        .iter()
        .map(|o| json!({"value": o, "label": label()}))
        .collect();
    json!({"id": id, "type": "single_choice", "label": label(), "options": opts})
}

fn scores(levels: &[&str], default: &str, rules: Value) -> Value {
    let levels: Vec<Value> = levels
        .iter()
        .map(|l| json!({"id": l, "label": label()}))
        .collect();
    json!({"scores": [{"id": "risk", "label": label(), "levels": levels, "default_level": default, "rules": rules}]})
}

#[test]
fn the_minimal_template_loads() {
    let t = load_items(json!([yes_no("a")])).unwrap();
    assert_eq!(t.min_investigators, 1);
}

#[test]
fn json_syntax_error() {
    let e = load_template("{\"format\": 1, \"id\": ").unwrap_err();
    assert!(matches!(e, TemplateError::Json { .. }), "{e:?}");
    assert_names(&e, &["line 1"]);
}

#[test]
fn json_wrong_type_of_a_parameter() {
    let e =
        load_err(json!([{"id": "note", "type": "text", "label": label(), "max_length": "ten"}]));
    assert!(matches!(e, TemplateError::Json { .. }), "{e:?}");
    assert!(!e.to_string().contains("ten"), "values are redacted: {e}");
    // Like every other loading error, it must say where: the item (or at least line and column).
    assert_names(&e, &["note"]);
}

#[test]
fn unsupported_format() {
    let mut doc = doc_with(json!([yes_no("a")]), json!({}));
    doc["format"] = json!(2);
    let e = load_doc_err(doc);
    assert_eq!(
        e,
        TemplateError::UnsupportedFormat {
            found: 2,
            supported: 1
        }
    );
    assert_names(&e, &["format 2"]);
}

#[test]
fn missing_format_is_a_json_error() {
    let mut doc = doc_with(json!([yes_no("a")]), json!({}));
    doc.as_object_mut().unwrap().remove("format");
    let e = load_doc_err(doc);
    assert!(matches!(e, TemplateError::Json { .. }), "{e:?}");
    assert_names(&e, &["format"]);
}

#[test]
fn missing_type() {
    let e = load_err(json!([{"id": "age", "label": label()}]));
    assert_eq!(
        e,
        TemplateError::MissingField {
            item: "age".into(),
            field: "type"
        }
    );
    assert_names(&e, &["age", "type"]);
}

#[test]
fn missing_id_names_the_position() {
    let e = load_err(json!([yes_no("a"), {"type": "yes_no", "label": label()}]));
    assert_eq!(
        e,
        TemplateError::MissingField {
            item: "sections[0].items[1]".into(),
            field: "id"
        }
    );
    assert_names(&e, &["sections[0].items[1]", "id"]);
}

#[test]
fn unknown_type() {
    let e = load_err(json!([{"id": "age", "type": "numbr", "label": label()}]));
    assert_eq!(
        e,
        TemplateError::UnknownType {
            item: "age".into(),
            type_name: "numbr".into()
        }
    );
    assert_names(&e, &["age", "numbr"]);
}

#[test]
fn unknown_type_inside_a_repeat_group() {
    let e = load_err(
        json!([{"id": "members", "type": "repeat", "label": label(), "max_count": 3,
        "items": [{"id": "age", "type": "numbr", "label": label()}]}]),
    );
    assert_eq!(
        e,
        TemplateError::UnknownType {
            item: "age".into(),
            type_name: "numbr".into()
        }
    );
}

#[test]
fn unknown_field_typo() {
    let e =
        load_err(json!([{"id": "age", "type": "integer", "label": label(), "min": 0, "mx": 10}]));
    assert_eq!(
        e,
        TemplateError::UnknownField {
            item: "age".into(),
            field: "mx".into()
        }
    );
    assert_names(&e, &["age", "mx"]);
}

#[test]
fn field_of_another_type_is_unknown() {
    let e = load_err(
        json!([{"id": "note", "type": "text", "label": label(), "max_length": 5, "max": 3}]),
    );
    assert_eq!(
        e,
        TemplateError::UnknownField {
            item: "note".into(),
            field: "max".into()
        }
    );
}

#[test]
fn duplicate_id_across_sections() {
    let mut doc = doc_with(json!([yes_no("seen")]), json!({}));
    doc["sections"].as_array_mut().unwrap().push(json!(
        {"id": "s2", "title": label(), "items": [yes_no("seen")]}
    ));
    let e = load_doc_err(doc);
    assert_eq!(e, TemplateError::DuplicateId { id: "seen".into() });
    assert_names(&e, &["seen"]);
}

#[test]
fn duplicate_id_inside_a_repeat_group() {
    let e = load_err(
        json!([{"id": "members", "type": "repeat", "label": label(), "max_count": 3,
        "items": [yes_no("name"), yes_no("name")]}]),
    );
    assert_eq!(e, TemplateError::DuplicateId { id: "name".into() });
    assert_names(&e, &["name"]);
}

#[test]
fn repeat_item_may_reuse_a_top_level_id() {
    let t = load_items(
        json!([yes_no("name"), {"id": "members", "type": "repeat", "label": label(),
        "max_count": 3, "items": [yes_no("name")]}]),
    );
    assert!(t.is_ok(), "{t:?}");
}

#[test]
fn duplicate_id_between_item_and_computed_value() {
    let e = load_doc_err(doc_with(
        json!([yes_no("age")]),
        json!({"computed": [{"id": "age", "label": label(), "expr": {"const": 1}}]}),
    ));
    assert_eq!(e, TemplateError::DuplicateId { id: "age".into() });
}

#[test]
fn duplicate_rule_id() {
    let rule = json!({"id": "r1", "level": "HIGH", "label": label(), "when": {"equals": {"item": "a", "value": true}}});
    let e = load_doc_err(doc_with(
        json!([yes_no("a")]),
        scores(&["HIGH", "LOW"], "LOW", json!([rule, rule])),
    ));
    assert_eq!(e, TemplateError::DuplicateId { id: "r1".into() });
}

#[test]
fn condition_on_a_missing_item() {
    let e = load_err(json!([
        yes_no("a"),
        yes_no_if("b", json!({"equals": {"item": "ghost", "value": true}}))
    ]));
    assert_eq!(
        e,
        TemplateError::MissingReference {
            item: "b".into(),
            reference: "ghost".into()
        }
    );
    assert_names(&e, &["b", "ghost"]);
}

#[test]
fn rule_on_a_missing_item() {
    let rule = json!({"id": "r1", "level": "HIGH", "label": label(), "when": {"answered": {"item": "ghost"}}});
    let e = load_doc_err(doc_with(
        json!([yes_no("a")]),
        scores(&["HIGH", "LOW"], "LOW", json!([rule])),
    ));
    assert_eq!(
        e,
        TemplateError::MissingReference {
            item: "rule r1".into(),
            reference: "ghost".into()
        }
    );
}

#[test]
fn expression_on_a_missing_item() {
    let e = load_doc_err(doc_with(
        json!([yes_no("a")]),
        json!({"computed": [{"id": "total", "label": label(), "expr": {"add": [{"ref": "income"}]}}]}),
    ));
    assert_eq!(
        e,
        TemplateError::MissingReference {
            item: "total".into(),
            reference: "income".into()
        }
    );
}

#[test]
fn option_in_a_condition_that_the_choice_item_lacks() {
    let e = load_err(json!([
        choice("status", &["home", "migrant"]),
        yes_no_if(
            "where",
            json!({"equals": {"item": "status", "value": "migrnat"}})
        )
    ]));
    assert!(
        matches!(&e, TemplateError::UnknownOption { item, target, option }
            if item == "where" && target == "status" && option.contains("migrnat")),
        "{e:?}"
    );
    assert_names(&e, &["where", "status", "migrnat"]);
}

#[test]
fn option_in_any_of_that_the_choice_item_lacks() {
    let e = load_err(json!([
        choice("status", &["home", "migrant"]),
        yes_no_if(
            "where",
            json!({"any_of": {"item": "status", "values": ["home", "dead"]}})
        )
    ]));
    assert!(
        matches!(&e, TemplateError::UnknownOption { option, .. } if option.contains("dead")),
        "{e:?}"
    );
}

#[test]
fn cycle_through_visible_if() {
    let e = load_err(json!([
        yes_no_if("a", json!({"equals": {"item": "b", "value": true}})),
        yes_no_if("b", json!({"equals": {"item": "a", "value": true}}))
    ]));
    assert_eq!(
        e,
        TemplateError::Cycle {
            path: vec!["a".into(), "b".into(), "a".into()]
        }
    );
    assert_names(&e, &["a → b → a"]);
}

#[test]
fn cycle_of_an_item_on_itself() {
    let e = load_err(json!([yes_no_if("a", json!({"answered": {"item": "a"}}))]));
    assert_eq!(
        e,
        TemplateError::Cycle {
            path: vec!["a".into(), "a".into()]
        }
    );
}

#[test]
fn cycle_through_the_section_condition() {
    let mut doc = doc_with(json!([yes_no("a")]), json!({}));
    doc["sections"][0]["visible_if"] = json!({"equals": {"item": "a", "value": true}});
    let e = load_doc_err(doc);
    assert!(matches!(e, TemplateError::Cycle { .. }), "{e:?}");
}

#[test]
fn cycle_through_computed_values() {
    let e = load_doc_err(doc_with(
        json!([yes_no("a")]),
        json!({"computed": [
            {"id": "x", "label": label(), "expr": {"add": [{"ref": "y"}, {"const": 1}]}},
            {"id": "y", "label": label(), "expr": {"mul": [{"ref": "x"}, {"const": 2}]}}
        ]}),
    ));
    assert_eq!(
        e,
        TemplateError::Cycle {
            path: vec!["x".into(), "y".into(), "x".into()]
        }
    );
    assert_names(&e, &["x", "y"]);
}

#[test]
fn cycle_between_an_item_and_a_computed_value() {
    let e = load_doc_err(doc_with(
        json!([{"id": "n", "type": "integer", "label": label(),
                "visible_if": {"compare": {"left": {"ref": "double"}, "op": ">", "right": {"const": 0}}}}]),
        json!({"computed": [{"id": "double", "label": label(), "expr": {"mul": [{"ref": "n"}, {"const": 2}]}}]}),
    ));
    assert!(
        matches!(&e, TemplateError::Cycle { path } if path.len() == 3),
        "{e:?}"
    );
}

#[test]
fn cycle_inside_a_repeat_group() {
    let e = load_err(
        json!([{"id": "members", "type": "repeat", "label": label(), "max_count": 3,
        "items": [yes_no("a")],
        "computed": [
            {"id": "x", "label": label(), "expr": {"ref": "y"}},
            {"id": "y", "label": label(), "expr": {"ref": "x"}}
        ]}]),
    );
    assert_eq!(
        e,
        TemplateError::Cycle {
            path: vec!["members.x".into(), "members.y".into(), "members.x".into()]
        }
    );
}

/// A template-level sum over a group whose per-instance value reads that sum back. Evaluating
/// it recurses without end, so loading must refuse it.
#[test]
fn cycle_across_a_repeat_group_and_the_template() {
    let e = load_doc_err(doc_with(
        json!([{"id": "members", "type": "repeat", "label": label(), "max_count": 3,
            "items": [{"id": "income", "type": "integer", "label": label()}],
            "computed": [{"id": "share", "label": label(), "expr": {"div": [{"ref": "total"}, {"const": 2}]}}]}]),
        json!({"computed": [{"id": "total", "label": label(),
            "expr": {"sum_over": {"group": "members", "expr": {"ref": "share"}}}}]}),
    ));
    assert!(matches!(e, TemplateError::Cycle { .. }), "{e:?}");
    assert_names(&e, &["total", "share"]);
}

#[test]
fn integer_min_greater_than_max() {
    let e =
        load_err(json!([{"id": "age", "type": "integer", "label": label(), "min": 10, "max": 5}]));
    assert!(
        matches!(&e, TemplateError::BadRange { item, .. } if item == "age"),
        "{e:?}"
    );
    assert_names(&e, &["age", "10", "5"]);
}

#[test]
fn decimal_min_greater_than_max() {
    let e = load_err(
        json!([{"id": "area", "type": "decimal", "label": label(), "min": 10.5, "max": 5}]),
    );
    assert!(
        matches!(&e, TemplateError::BadRange { item, .. } if item == "area"),
        "{e:?}"
    );
}

#[test]
fn bad_counts_and_lengths() {
    for item in [
        json!({"id": "pics", "type": "photo", "label": label(), "min_count": 3, "max_count": 2, "purpose": "room"}),
        json!({"id": "pics", "type": "photo", "label": label(), "max_count": 0, "purpose": "room"}),
        json!({"id": "pics", "type": "text", "label": label(), "max_length": 0}),
        json!({"id": "pics", "type": "repeat", "label": label(), "min_count": 4, "max_count": 2, "items": [yes_no("a")]}),
        json!({"id": "pics", "type": "repeat", "label": label(), "max_count": 2, "items": []}),
    ] {
        let e = load_err(json!([item]));
        assert!(
            matches!(&e, TemplateError::BadRange { item, .. } if item == "pics"),
            "{e:?}"
        );
        assert_names(&e, &["pics"]);
    }
}

#[test]
fn bad_options() {
    let e = load_err(json!([choice("status", &["home", "home"])]));
    assert!(
        matches!(&e, TemplateError::BadOptions { item, .. } if item == "status"),
        "{e:?}"
    );
    assert_names(&e, &["status", "home"]);
    let e = load_err(json!([choice("status", &[])]));
    assert!(
        matches!(&e, TemplateError::BadOptions { item, .. } if item == "status"),
        "{e:?}"
    );
    let e = load_err(
        json!([{"id": "many", "type": "multi_choice", "label": label(),
        "options": [{"value": "x", "label": label()}], "exclusive": ["none"]}]),
    );
    assert!(
        matches!(&e, TemplateError::BadOptions { item, .. } if item == "many"),
        "{e:?}"
    );
    assert_names(&e, &["many", "none"]);
}

#[test]
fn bad_scores() {
    let rule = |level: &str| json!([{"id": "r1", "level": level, "label": label(), "when": {"equals": {"item": "a", "value": true}}}]);
    for (levels, default, rules, word) in [
        (&["HIGH", "LOW"][..], "MEDIUM", rule("HIGH"), "MEDIUM"),
        (&["HIGH", "LOW"][..], "LOW", rule("MEDIUM"), "MEDIUM"),
        (&["HIGH", "HIGH", "LOW"][..], "LOW", rule("HIGH"), "HIGH"),
        (&[][..], "LOW", json!([]), "no levels"),
    ] {
        let e = load_doc_err(doc_with(
            json!([yes_no("a")]),
            scores(levels, default, rules),
        ));
        assert!(
            matches!(&e, TemplateError::BadScore { score, .. } if score == "risk"),
            "{e:?}"
        );
        assert_names(&e, &["risk", word]);
    }
}

#[test]
fn invalid_template_wide_problems() {
    let cases = [
        (json!({"audiences": []}), "audiences"),
        (json!({"categories": []}), "categories"),
        (json!({"min_investigators": 0}), "min_investigators"),
        (json!({"id": " "}), "id"),
        (json!({"schedule_score": "nothing"}), "nothing"),
    ];
    for (extra, word) in cases {
        let e = load_doc_err(doc_with(json!([yes_no("a")]), extra));
        assert!(matches!(e, TemplateError::Invalid { .. }), "{e:?}");
        assert_names(&e, &[word]);
    }
}

#[test]
fn invalid_item_id_and_nested_group() {
    let e = load_err(json!([yes_no("a.b")]));
    assert!(matches!(e, TemplateError::Invalid { .. }), "{e:?}");
    assert_names(&e, &["a.b"]);
    let e = load_err(
        json!([{"id": "outer", "type": "repeat", "label": label(), "max_count": 2, "items": [
        {"id": "inner", "type": "repeat", "label": label(), "max_count": 2, "items": [yes_no("x")]}]}]),
    );
    assert!(matches!(e, TemplateError::Invalid { .. }), "{e:?}");
    assert_names(&e, &["inner"]);
    let e = load_doc_err(doc_with(
        json!([yes_no("a")]),
        json!({"computed": [{"id": "n", "label": label(), "expr": {"count": {"group": "a"}}}]}),
    ));
    assert!(matches!(e, TemplateError::Invalid { .. }), "{e:?}");
    assert_names(&e, &["n", "a", "repeat"]);
}

#[test]
fn builtin_templates_round_trip() {
    for id in [ECONOMIC, CHILD, ELDERLY] {
        let t = template(id);
        let again = load_template(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(t, again, "{id}");
    }
}

#[test]
fn every_problem_of_a_template_is_listed_not_only_the_first() {
    let doc = doc_with(
        json!([
            choice("a", &["x", "x"]),
            yes_no_if("b", json!({"equals": {"item": "nowhere", "value": true}})),
            {"id": "n", "type": "integer", "label": label(), "min": 5, "max": 1},
        ]),
        json!({"audiences": [], "schedule_score": "missing"}),
    );
    let problems = crate::template::load_template_listing_problems(&doc.to_string())
        .expect_err("the template has problems");
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 5, "{text:#?}");
    for (i, words) in [
        &["audiences"][..],
        &["schedule_score", "missing"],
        &["x"],
        &["nowhere"],
        &["n"],
    ]
    .iter()
    .enumerate()
    {
        for w in *words {
            assert!(text[i].contains(w), "problem {i} `{}` lacks `{w}`", text[i]);
        }
    }
    // The first is what `load_template` reports.
    assert_eq!(load_doc_err(doc), problems[0]);
}

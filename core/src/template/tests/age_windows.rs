//! Age windows come from the computed age, at every boundary. The child: unattended care under 8,
//! living alone under 16, compulsory education (6–15) and the 14–16 school window (inclusive); the
//! schooling options say what is so, whatever the age, and the age decides whether it is a risk.
//! The elderly: 60 for the KEY rules, 80 for living alone and the ability assessment.

use serde_json::json;

use super::*;

/// The LOW sample with the child `age` years old on the visit date and the given answers.
fn level_at(age: i32, changes: &[(&str, Value)]) -> ScoreResult {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "child_birth_date", json!(born_years_ago(age)));
    for (id, v) in changes {
        set(&t, &mut a, id, v.clone());
    }
    score(&t, &a, "risk")
}

fn assert_level(age: i32, changes: &[(&str, Value)], level: &str, fired: &[&str]) {
    let s = level_at(age, changes);
    assert_eq!(s.level, level, "age {age} {changes:?}: {s:?}");
    assert_eq!(s.fired, fired, "age {age} {changes:?}: {s:?}");
}

#[test]
fn unattended_is_high_under_8_only() {
    let unattended = [("unattended", json!(true))];
    for age in [5, 6, 7] {
        assert_level(age, &unattended, "HIGH", &["h_unattended_under_8"]);
    }
    assert_level(8, &unattended, "LOW", &[]);
}

#[test]
fn living_alone_is_high_under_16_only() {
    let alone = [("living_alone", json!(true))];
    assert_level(15, &alone, "HIGH", &["h_alone_under_16"]);
    assert_level(16, &alone, "LOW", &[]);
}

#[test]
fn out_of_school_by_age() {
    for option in ["not_enrolled", "left_school"] {
        let out = [("schooling", json!(option))];
        assert_level(5, &out, "LOW", &[]);
        assert_level(6, &out, "HIGH", &["h_dropout"]);
        assert_level(13, &out, "HIGH", &["h_dropout"]);
        assert_level(14, &out, "HIGH", &["h_dropout", "h_not_in_school_14_16"]);
        assert_level(15, &out, "HIGH", &["h_dropout", "h_not_in_school_14_16"]);
        assert_level(16, &out, "HIGH", &["h_not_in_school_14_16"]);
        assert_level(17, &out, "LOW", &[]);
    }
}

#[test]
fn a_17_year_old_who_left_school_has_a_truthful_option_and_is_not_high() {
    assert_level(17, &[("schooling", json!("left_school"))], "LOW", &[]);
}

#[test]
fn a_never_enrolled_child_of_compulsory_age_counts_like_a_dropout() {
    let never = level_at(9, &[("schooling", json!("not_enrolled"))]);
    let dropped = level_at(9, &[("schooling", json!("left_school"))]);
    assert_eq!(never, dropped);
    assert_eq!(never.level, "HIGH");
}

#[test]
fn in_school_kindergarten_or_sick_leave_is_low_at_every_age() {
    for option in ["kindergarten", "in_school", "sick_leave"] {
        for age in 3..=17 {
            assert_level(age, &[("schooling", json!(option))], "LOW", &[]);
        }
    }
}

#[test]
fn the_old_age_labelled_options_are_gone() {
    let t = template(CHILD);
    for old in ["dropout_compulsory", "not_in_school_14_16"] {
        assert_eq!(
            parse_answer(&t, "schooling", &json!(old)).unwrap_err(),
            AnswerError::UnknownOption {
                item: "schooling".into()
            }
        );
    }
}

#[test]
fn without_a_birth_date_no_age_window_fires() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "child_birth_date", Value::Null);
    for (id, v) in [
        ("schooling", json!("left_school")),
        ("unattended", json!(true)),
        ("living_alone", json!(true)),
    ] {
        set(&t, &mut a, id, v);
    }
    assert_score(&t, &a, "risk", "LOW", &[]);
}

/// The elderly sample aged `age` on the visit date, with the given answers.
fn elder_at(age: i32, changes: &[(&str, Value)]) -> Evaluation {
    let (t, mut a) = sample(ELDERLY);
    set(&t, &mut a, "birth_date", json!(born_years_ago(age)));
    for (id, v) in changes {
        set(&t, &mut a, id, v.clone());
    }
    eval(&t, &a)
}

fn tier_at(age: i32, changes: &[(&str, Value)]) -> (String, Vec<String>) {
    let s = elder_at(age, changes).score("tier").cloned().unwrap();
    (s.level, s.fired)
}

fn fired(rules: &[&str]) -> Vec<String> {
    rules.iter().map(|r| r.to_string()).collect()
}

#[test]
fn elderly_key_rules_start_at_60() {
    let disabled = [("can_bathe", json!(false))];
    assert_eq!(tier_at(59, &disabled), ("GENERAL".into(), fired(&[])));
    assert_eq!(
        tier_at(60, &disabled),
        ("KEY".into(), fired(&["k_disabled_60"]))
    );
    let dementia = [("diseases", json!(["dementia"]))];
    assert_eq!(tier_at(59, &dementia), ("GENERAL".into(), fired(&[])));
    assert_eq!(
        tier_at(60, &dementia),
        ("KEY".into(), fired(&["k_dementia"]))
    );
}

#[test]
fn elderly_living_alone_and_the_ability_assessment_start_at_80() {
    let alone = [("living_arrangement", json!("alone"))];
    assert_eq!(tier_at(79, &alone), ("GENERAL".into(), fired(&[])));
    assert_eq!(
        tier_at(80, &alone),
        ("HIGH_RISK".into(), fired(&["t_aged_alone"]))
    );
    let assessment = |age| {
        elder_at(age, &[])
            .score("ability_assessment")
            .cloned()
            .unwrap()
    };
    assert_eq!(assessment(79).level, "NOT_NEEDED");
    assert_eq!(assessment(80).level, "NEEDED");
    assert_eq!(assessment(80).fired, fired(&["aa_aged"]));
}

//! The economic verification scores and household computations.

use serde_json::json;

use super::*;

const SELF_CARE: [&str; 6] = [
    "can_eat",
    "can_dress",
    "can_transfer",
    "can_toilet",
    "can_walk_indoors",
    "can_bathe",
];

fn member(name: &str, born: &str, capacity: &str, disability: Option<(&str, &str)>) -> Value {
    let mut m = json!({
        "name": name, "relation": "child", "birth_date": born, "health": "healthy",
        "disability_type": "none", "work_capacity": capacity, "employment": "farming"
    });
    if let Some((kind, grade)) = disability {
        m["disability_type"] = json!(kind);
        m["disability_grade"] = json!(grade);
    }
    m
}

/// The sample with only the given incomes and `n` members.
fn household(incomes: &[(&str, i64)], n: usize) -> (Template, Answers) {
    let (t, mut a) = sample(ECONOMIC);
    for id in ["income_farming", "income_pension"] {
        set(&t, &mut a, id, Value::Null);
    }
    for (id, v) in incomes {
        set(&t, &mut a, id, json!(v));
    }
    let members: Vec<Value> = (0..n)
        .map(|i| member(&format!("成员{i}"), "1980-01-01", "full", None))
        .collect();
    set(&t, &mut a, "members", json!(members));
    (t, a)
}

#[test]
fn income_below_the_standard() {
    let (t, a) = household(&[("income_wages", 1700)], 2);
    assert_eq!(eval(&t, &a).computed["per_capita_income"], json!(850));
    assert_score(&t, &a, "income_check", "BELOW_STANDARD", &["ic_below"]);
}

#[test]
fn income_above_the_standard() {
    let (t, a) = household(&[("income_wages", 2500), ("income_pension", 500)], 3);
    assert_eq!(eval(&t, &a).computed["per_capita_income"], json!(1000));
    assert_score(&t, &a, "income_check", "ABOVE_STANDARD", &["ic_above"]);
}

#[test]
fn income_exactly_at_the_standard_is_not_below() {
    let (t, a) = household(&[("income_wages", 1800)], 2);
    assert_score(&t, &a, "income_check", "ABOVE_STANDARD", &["ic_above"]);
    let (t, a) = household(&[("income_wages", 1799)], 2);
    assert_score(&t, &a, "income_check", "BELOW_STANDARD", &["ic_below"]);
}

#[test]
fn every_income_source_counts() {
    let sources = [
        "income_wages",
        "income_farming",
        "income_business",
        "income_property",
        "income_land_transfer",
        "income_pension",
        "income_support",
        "income_subsidies",
        "income_other",
    ];
    let incomes: Vec<(&str, i64)> = sources.iter().map(|s| (*s, 100)).collect();
    let (t, a) = household(&incomes, 1);
    let e = eval(&t, &a);
    assert_eq!(e.computed["total_income"], json!(900));
    assert_eq!(e.computed["household_size"], json!(1));
    assert_eq!(e.computed["dibao_standard"], json!(900));
    assert_score(&t, &a, "income_check", "ABOVE_STANDARD", &["ic_above"]);
}

#[test]
fn sample_income_is_below_the_standard() {
    let (t, a) = sample(ECONOMIC);
    let e = eval(&t, &a);
    assert_eq!(e.computed["total_income"], json!(353));
    assert_eq!(e.computed["per_capita_income"], json!(353));
}

#[test]
fn recheck_irregular_and_stable() {
    let (t, mut a) = sample(ECONOMIC);
    assert_score(&t, &a, "recheck", "STABLE", &[]);
    set(&t, &mut a, "income_stability", json!("irregular"));
    assert_score(&t, &a, "recheck", "IRREGULAR", &["rc_irregular"]);
}

#[test]
fn staff_relative_flags_a_full_recheck() {
    let (t, mut a) = sample(ECONOMIC);
    assert_score(&t, &a, "staff_relative", "NORMAL", &[]);
    set(&t, &mut a, "relative_of_staff", json!(true));
    assert_score(&t, &a, "staff_relative", "FULL_RECHECK", &["sr_relative"]);
}

fn without_work_capacity(members: Value) -> Value {
    let (t, mut a) = sample(ECONOMIC);
    set(&t, &mut a, "members", members);
    eval(&t, &a).computed["members_without_work_capacity"].clone()
}

#[test]
fn work_capacity_none_at_60_and_over() {
    assert_eq!(
        without_work_capacity(json!([member("甲", &born_years_ago(60), "full", None)])),
        json!(1)
    );
    assert_eq!(
        without_work_capacity(json!([member("甲", &born_years_ago(59), "full", None)])),
        json!(0)
    );
}

#[test]
fn work_capacity_none_under_16() {
    assert_eq!(
        without_work_capacity(json!([member("甲", &born_years_ago(15), "full", None)])),
        json!(1)
    );
    assert_eq!(
        without_work_capacity(json!([member("甲", &born_years_ago(16), "full", None)])),
        json!(0)
    );
}

#[test]
fn work_capacity_none_with_grade1_or_grade2_disability() {
    for grade in ["grade1", "grade2"] {
        let m = member("甲", "1980-01-01", "partial", Some(("physical", grade)));
        assert_eq!(without_work_capacity(json!([m])), json!(1), "{grade}");
    }
    for grade in ["grade3", "grade4"] {
        let m = member("甲", "1980-01-01", "partial", Some(("physical", grade)));
        assert_eq!(without_work_capacity(json!([m])), json!(0), "{grade}");
    }
}

#[test]
fn declared_work_capacity_none_counts_and_partial_does_not() {
    let members = json!([
        member("甲", "1980-01-01", "none", None),
        member("乙", "1982-01-01", "partial", None),
        member("丙", "1985-01-01", "full", None),
        member("丁", &born_years_ago(70), "full", None),
        member("戊", &born_years_ago(8), "full", None),
        member("己", "1990-01-01", "full", Some(("intellectual", "grade2"))),
    ]);
    assert_eq!(without_work_capacity(members), json!(4));
}

#[test]
fn hidden_disability_grade_does_not_remove_work_capacity() {
    // A grade answered while the disability type is "none" is hidden and so ignored.
    let mut m = member("甲", "1980-01-01", "full", None);
    m["disability_grade"] = json!("grade1");
    assert_eq!(without_work_capacity(json!([m])), json!(0));
}

fn tekun_self_care(failed: usize, visit_type: &str) -> ScoreResult {
    let (t, mut a) = sample(ECONOMIC);
    set(&t, &mut a, "visit_type", json!(visit_type));
    for id in SELF_CARE.iter().take(failed) {
        set(&t, &mut a, id, json!(false));
    }
    score(&t, &a, "self_care")
}

#[test]
fn self_care_levels_for_tekun_visits() {
    for visit_type in ["tekun_recognition", "tekun_welfare"] {
        for (n, level) in [
            (0, "self_reliant"),
            (1, "partly_lost"),
            (3, "partly_lost"),
            (4, "fully_lost"),
            (6, "fully_lost"),
        ] {
            assert_eq!(
                tekun_self_care(n, visit_type).level,
                level,
                "{visit_type} {n}"
            );
        }
    }
}

#[test]
fn self_care_not_assessed_for_other_visit_types() {
    for visit_type in [
        "new_application",
        "periodic_recheck",
        "temporary_assistance",
    ] {
        for n in [0, 1, 3, 4, 6] {
            let s = tekun_self_care(n, visit_type);
            assert_eq!(s.level, "not_assessed", "{visit_type} {n}");
            assert_eq!(s.fired, vec!["sc_not_assessed"], "{visit_type} {n}");
        }
    }
}

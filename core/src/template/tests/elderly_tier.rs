//! The elderly welfare scores: tier rules, ability assessment and self-care levels.

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

fn with(changes: &[(&str, Value)]) -> (Template, Answers) {
    let (t, mut a) = sample(ELDERLY);
    for (id, v) in changes {
        set(&t, &mut a, id, v.clone());
    }
    (t, a)
}

fn tier(changes: &[(&str, Value)], level: &str, fired: &[&str]) {
    let (t, a) = with(changes);
    assert_score(&t, &a, "tier", level, fired);
}

/// Answers "no" to the first `n` self-care items.
fn failing(n: usize) -> Vec<(&'static str, Value)> {
    SELF_CARE
        .iter()
        .take(n)
        .map(|id| (*id, json!(false)))
        .collect()
}

#[test]
fn t_aged_alone_by_living_arrangement() {
    tier(
        &[
            ("birth_date", json!(born_years_ago(80))),
            ("living_arrangement", json!("alone")),
        ],
        "HIGH_RISK",
        &["t_aged_alone"],
    );
}

#[test]
fn t_aged_alone_by_category() {
    for c in ["alone", "empty_nest", "left_behind"] {
        tier(
            &[
                ("birth_date", json!(born_years_ago(85))),
                ("elder_category", json!([c])),
            ],
            "HIGH_RISK",
            &["t_aged_alone"],
        );
    }
}

#[test]
fn aged_79_alone_is_general() {
    tier(
        &[
            ("birth_date", json!(born_years_ago(79))),
            ("living_arrangement", json!("alone")),
        ],
        "GENERAL",
        &[],
    );
}

#[test]
fn aged_80_with_children_is_general() {
    tier(
        &[
            ("birth_date", json!(born_years_ago(82))),
            ("elder_category", json!(["aged_80"])),
            ("living_arrangement", json!("with_children")),
        ],
        "GENERAL",
        &[],
    );
}

#[test]
fn t_life_threatening_by_the_list_of_conditions() {
    for d in ["heart_disease", "stroke", "copd"] {
        tier(
            &[("diseases", json!(["hypertension", d]))],
            "HIGH_RISK",
            &["t_life_threatening"],
        );
    }
}

#[test]
fn conditions_off_the_list_do_not_fire() {
    for d in ["hypertension", "diabetes", "mental_disorder"] {
        tier(&[("diseases", json!([d]))], "GENERAL", &[]);
    }
    tier(&[("diseases", json!(["none"]))], "GENERAL", &[]);
}

#[test]
fn another_illness_counts_when_judged_life_threatening() {
    tier(
        &[
            ("diseases", json!(["other"])),
            ("other_life_threatening", json!(true)),
        ],
        "HIGH_RISK",
        &["t_life_threatening"],
    );
    tier(
        &[
            ("diseases", json!(["other"])),
            ("other_life_threatening", json!(false)),
        ],
        "GENERAL",
        &[],
    );
}

#[test]
fn the_judgement_is_asked_only_for_another_illness() {
    let (t, mut a) = with(&[("diseases", json!(["other"]))]);
    assert_eq!(
        required_paths(&problems(&t, &a, 1)),
        vec!["other_life_threatening"]
    );
    // A judgement left from an earlier choice is ignored once "other" is no longer chosen.
    set(&t, &mut a, "other_life_threatening", json!(true));
    set(&t, &mut a, "diseases", json!(["hypertension"]));
    assert!(problems(&t, &a, 1).is_empty());
    assert_score(&t, &a, "tier", "GENERAL", &[]);
}

#[test]
fn t_risk_events_two_or_more_of_any_kind() {
    tier(&[("falls_30d", json!(2))], "HIGH_RISK", &["t_risk_events"]);
    tier(
        &[("falls_30d", json!(1)), ("choking_30d", json!(1))],
        "HIGH_RISK",
        &["t_risk_events"],
    );
    tier(
        &[("lost_30d", json!(1)), ("self_harm_30d", json!(1))],
        "HIGH_RISK",
        &["t_risk_events"],
    );
}

#[test]
fn one_risk_event_is_general() {
    tier(&[("falls_30d", json!(1))], "GENERAL", &[]);
}

#[test]
fn t_disabled_no_carer_with_care_gap() {
    let mut c = failing(4);
    c.push(("care_gap", json!(true)));
    c.push(("birth_date", json!(born_years_ago(55))));
    tier(&c, "HIGH_RISK", &["t_disabled_no_carer"]);
}

#[test]
fn t_disabled_no_carer_without_a_main_carer() {
    let mut c = failing(6);
    c.push(("main_carer", Value::Null));
    c.push(("birth_date", json!(born_years_ago(55))));
    tier(&c, "HIGH_RISK", &["t_disabled_no_carer"]);
}

#[test]
fn fully_disabled_with_a_carer_is_key_not_high_risk() {
    tier(&failing(6), "KEY", &["k_disabled_60"]);
}

#[test]
fn fully_disabled_at_60_without_carer_records_both_rules() {
    let mut c = failing(4);
    c.push(("care_gap", json!(true)));
    tier(&c, "HIGH_RISK", &["t_disabled_no_carer", "k_disabled_60"]);
}

#[test]
fn k_disabled_60() {
    tier(&failing(1), "KEY", &["k_disabled_60"]);
    let mut c = failing(1);
    c.push(("birth_date", json!(born_years_ago(60))));
    tier(&c, "KEY", &["k_disabled_60"]);
}

#[test]
fn partly_disabled_at_59_is_general() {
    let mut c = failing(3);
    c.push(("birth_date", json!(born_years_ago(59))));
    tier(&c, "GENERAL", &[]);
}

#[test]
fn k_dementia() {
    tier(
        &[("diseases", json!(["hypertension", "dementia"]))],
        "KEY",
        &["k_dementia"],
    );
    tier(
        &[
            ("diseases", json!(["dementia"])),
            ("birth_date", json!(born_years_ago(59))),
        ],
        "GENERAL",
        &[],
    );
}

#[test]
fn k_tekun() {
    tier(&[("elder_category", json!(["tekun"]))], "KEY", &["k_tekun"]);
}

#[test]
fn k_family_planning() {
    tier(
        &[("elder_category", json!(["family_planning_special"]))],
        "KEY",
        &["k_family_planning"],
    );
}

#[test]
fn high_risk_wins_over_key() {
    tier(
        &[
            ("elder_category", json!(["tekun"])),
            ("diseases", json!(["stroke"])),
        ],
        "HIGH_RISK",
        &["t_life_threatening", "k_tekun"],
    );
}

#[test]
fn ability_assessment_rules() {
    let (t, a) = sample(ELDERLY);
    assert_score(&t, &a, "ability_assessment", "NOT_NEEDED", &[]);
    let (t, a) = with(&failing(1));
    assert_score(&t, &a, "ability_assessment", "NEEDED", &["aa_selfcare"]);
    let (t, a) = with(&[("birth_date", json!(born_years_ago(80)))]);
    assert_score(&t, &a, "ability_assessment", "NEEDED", &["aa_aged"]);
    let (t, a) = with(&[("birth_date", json!(born_years_ago(79)))]);
    assert_score(&t, &a, "ability_assessment", "NOT_NEEDED", &[]);
    let (t, a) = with(&[("condition_changed", json!(true))]);
    assert_score(&t, &a, "ability_assessment", "NEEDED", &["aa_changed"]);
    let mut c = failing(2);
    c.push(("condition_changed", json!(true)));
    c.push(("birth_date", json!(born_years_ago(90))));
    let (t, a) = with(&c);
    assert_score(
        &t,
        &a,
        "ability_assessment",
        "NEEDED",
        &["aa_selfcare", "aa_aged", "aa_changed"],
    );
}

#[test]
fn self_care_levels() {
    for (n, level, fired) in [
        (0, "self_reliant", vec![]),
        (1, "partly_lost", vec!["sc_partly_lost"]),
        (3, "partly_lost", vec!["sc_partly_lost"]),
        (4, "fully_lost", vec!["sc_fully_lost"]),
        (6, "fully_lost", vec!["sc_fully_lost"]),
    ] {
        let (t, a) = with(&failing(n));
        assert_score(&t, &a, "self_care", level, &fired);
        assert_eq!(eval(&t, &a).computed["selfcare_failed"], json!(n), "{n}");
    }
}

#[test]
fn self_care_which_items_fail_does_not_matter() {
    let (t, a) = with(&[
        ("can_bathe", json!(false)),
        ("can_eat", json!(false)),
        ("can_walk_indoors", json!(false)),
    ]);
    assert_score(&t, &a, "self_care", "partly_lost", &["sc_partly_lost"]);
}

#[test]
fn self_care_not_assessed_when_unanswered() {
    let (t, a) = with(&[("can_eat", Value::Null)]);
    assert_score(&t, &a, "self_care", "not_assessed", &["sc_not_assessed"]);
}

#[test]
fn risk_events_are_summed() {
    let (t, a) = with(&[
        ("falls_30d", json!(3)),
        ("lost_30d", json!(1)),
        ("choking_30d", json!(2)),
    ]);
    assert_eq!(eval(&t, &a).computed["risk_events_30d"], json!(6));
    assert_eq!(eval(&t, &a).computed["age"], json!(69));
}

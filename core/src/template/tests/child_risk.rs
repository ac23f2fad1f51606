//! The child guardianship risk score: every rule on its own, boundaries, and HIGH over MEDIUM.
//! Each test starts from the LOW sample and changes the fewest answers.

use serde_json::json;

use super::*;

fn low() -> (Template, Answers) {
    sample(CHILD)
}

/// Applies the answers and asserts the risk level and the rules that fired.
fn check(changes: &[(&str, Value)], level: &str, fired: &[&str]) {
    let (t, mut a) = low();
    for (id, v) in changes {
        set(&t, &mut a, id, v.clone());
    }
    assert_score(&t, &a, "risk", level, fired);
}

#[test]
fn sample_is_low_and_overridable() {
    let (t, a) = low();
    assert_score(&t, &a, "risk", "LOW", &[]);
    let risk = t.scores.iter().find(|s| s.id == "risk").unwrap();
    assert!(risk.overridable);
    assert_eq!(t.schedule_score.as_deref(), Some("risk"));
}

#[test]
fn h_alone_under_16() {
    check(
        &[("living_alone", json!(true))],
        "HIGH",
        &["h_alone_under_16"],
    );
}

#[test]
fn h_alone_under_16_day_before_the_16th_birthday() {
    let (t, mut a) = low();
    set(&t, &mut a, "living_alone", json!(true));
    let d = sample_visit_date() + chrono::Days::new(1);
    let born = date(
        chrono::Datelike::year(&d) - 16,
        chrono::Datelike::month(&d),
        chrono::Datelike::day(&d),
    );
    set(
        &t,
        &mut a,
        "child_birth_date",
        json!(born.format("%Y-%m-%d").to_string()),
    );
    assert_score(&t, &a, "risk", "HIGH", &["h_alone_under_16"]);
}

#[test]
fn alone_at_exactly_16_does_not_fire() {
    check(
        &[
            ("living_alone", json!(true)),
            ("child_birth_date", json!(born_years_ago(16))),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn alone_without_a_birth_date_does_not_fire() {
    let (t, mut a) = low();
    set(&t, &mut a, "living_alone", json!(true));
    set(&t, &mut a, "child_birth_date", Value::Null);
    assert_score(&t, &a, "risk", "LOW", &[]);
}

#[test]
fn h_unattended_under_8() {
    check(
        &[
            ("unattended", json!(true)),
            ("child_birth_date", json!(born_years_ago(7))),
        ],
        "HIGH",
        &["h_unattended_under_8"],
    );
}

#[test]
fn unattended_at_exactly_8_does_not_fire() {
    check(
        &[
            ("unattended", json!(true)),
            ("child_birth_date", json!(born_years_ago(8))),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn young_child_attended_does_not_fire() {
    check(
        &[("child_birth_date", json!(born_years_ago(5)))],
        "LOW",
        &[],
    );
}

#[test]
fn h_no_caregiver() {
    check(
        &[("has_caregiver", json!(false))],
        "HIGH",
        &["h_no_caregiver"],
    );
}

#[test]
fn h_caregiver_incapable_poor_capacity() {
    check(
        &[("caregiver_capacity", json!("poor"))],
        "HIGH",
        &["h_caregiver_incapable"],
    );
}

#[test]
fn h_caregiver_incapable_no_legal_capacity() {
    check(
        &[("caregiver_limits", json!(["no_legal_capacity"]))],
        "HIGH",
        &["h_caregiver_incapable"],
    );
}

#[test]
fn h_prohibited_each_situation() {
    for p in [
        "sexual_abuse",
        "abuse",
        "abandonment",
        "trafficking",
        "violence",
        "drugs",
        "alcohol",
        "gambling",
        "neglect_duties",
    ] {
        check(&[("prohibited", json!([p]))], "HIGH", &["h_prohibited"]);
    }
}

#[test]
fn h_abuse_signs_each_sign() {
    for s in [
        "unexplained_injuries",
        "child_disclosure",
        "long_hunger",
        "inadequate_clothing",
    ] {
        check(&[("abuse_signs", json!([s]))], "HIGH", &["h_abuse_signs"]);
    }
}

#[test]
fn h_dropout() {
    check(
        &[("schooling", json!("left_school"))],
        "HIGH",
        &["h_dropout"],
    );
    for s in ["kindergarten", "in_school", "sick_leave"] {
        check(&[("schooling", json!(s))], "LOW", &[]);
    }
}

#[test]
fn h_self_harm() {
    check(
        &[("psych_signs", json!(["self_harm"]))],
        "HIGH",
        &["h_self_harm"],
    );
}

#[test]
fn h_parents_unreachable() {
    for (father, mother) in [
        ("missing", "dead"),
        ("missing", "missing"),
        ("prison_rehab", "missing"),
    ] {
        check(
            &[
                ("father_status", json!(father)),
                ("mother_status", json!(mother)),
                ("entrustment_notified", json!(false)),
            ],
            "HIGH",
            &["h_parents_unreachable"],
        );
    }
}

#[test]
fn parents_unreachable_with_entrusted_caregiver_does_not_fire() {
    check(
        &[
            ("father_status", json!("missing")),
            ("mother_status", json!("dead")),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn one_parent_missing_other_migrant_does_not_fire() {
    check(
        &[
            ("father_status", json!("missing")),
            ("entrustment_notified", json!(false)),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn h_missing() {
    check(&[("child_missing", json!(true))], "HIGH", &["h_missing"]);
}

#[test]
fn h_not_seen_twice_by_the_workers_answer() {
    check(
        &[
            ("child_seen", json!(false)),
            ("not_seen_reason", json!("在外婆家")),
            ("not_seen_previous", json!(true)),
        ],
        "HIGH",
        &["h_not_seen_twice"],
    );
}

#[test]
fn not_seen_once_does_not_fire() {
    check(
        &[
            ("child_seen", json!(false)),
            ("not_seen_reason", json!("在外婆家")),
            ("not_seen_previous", json!(false)),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn m_caregiver_fair() {
    check(
        &[("caregiver_capacity", json!("fair"))],
        "MEDIUM",
        &["m_caregiver_fair"],
    );
}

#[test]
fn m_rare_contact() {
    for c in ["monthly", "less", "none"] {
        check(
            &[("parent_contact", json!(c))],
            "MEDIUM",
            &["m_rare_contact"],
        );
    }
}

#[test]
fn m_home_hazards() {
    for h in [
        "electricity",
        "fire_gas",
        "water",
        "traffic",
        "dangerous_house",
        "drinking_water",
    ] {
        check(
            &[("home_hazards", json!([h]))],
            "MEDIUM",
            &["m_home_hazards"],
        );
    }
}

#[test]
fn m_untreated() {
    for h in ["ill", "disabled"] {
        check(
            &[
                ("health_status", json!(h)),
                ("receives_services", json!(false)),
            ],
            "MEDIUM",
            &["m_untreated"],
        );
        check(
            &[
                ("health_status", json!(h)),
                ("receives_services", json!(true)),
            ],
            "LOW",
            &[],
        );
    }
}

#[test]
fn m_emotional() {
    for s in [
        "withdrawn",
        "anxious_depressed",
        "behaviour",
        "internet_addiction",
    ] {
        check(&[("psych_signs", json!([s]))], "MEDIUM", &["m_emotional"]);
    }
}

#[test]
fn m_hardship_unassisted() {
    check(
        &[
            ("economic_hardship", json!(true)),
            ("receives_assistance", json!(false)),
        ],
        "MEDIUM",
        &["m_hardship_unassisted"],
    );
    check(
        &[
            ("economic_hardship", json!(true)),
            ("receives_assistance", json!(true)),
        ],
        "LOW",
        &[],
    );
}

#[test]
fn high_wins_over_medium_and_both_are_recorded() {
    check(
        &[
            ("living_alone", json!(true)),
            ("parent_contact", json!("monthly")),
        ],
        "HIGH",
        &["h_alone_under_16", "m_rare_contact"],
    );
}

#[test]
fn every_fired_rule_is_recorded_in_template_order() {
    check(
        &[
            ("psych_signs", json!(["withdrawn", "self_harm"])),
            ("child_missing", json!(true)),
            ("caregiver_capacity", json!("fair")),
        ],
        "HIGH",
        &[
            "h_self_harm",
            "h_missing",
            "m_caregiver_fair",
            "m_emotional",
        ],
    );
}

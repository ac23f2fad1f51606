//! The caregiver's old age (from the caregiver's age), serious illness and disability weigh on the
//! child's level: one of them makes it MEDIUM, two or more make the caregiver incapable (HIGH).

use serde_json::json;

use super::*;

fn check(age: i64, limits: &[&str], level: &str, fired: &[&str]) {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "caregiver_age", json!(age));
    set(&t, &mut a, "caregiver_limits", json!(limits));
    assert_score(&t, &a, "risk", level, fired);
}

#[test]
fn old_age_comes_from_the_caregivers_age() {
    check(69, &["none"], "LOW", &[]);
    check(70, &["none"], "MEDIUM", &["m_caregiver_limited"]);
}

#[test]
fn serious_illness_or_disability_alone_is_medium() {
    for limit in ["serious_illness", "disability"] {
        check(50, &[limit], "MEDIUM", &["m_caregiver_limited"]);
    }
}

#[test]
fn two_burdens_make_the_caregiver_incapable() {
    let both = ["h_caregiver_incapable", "m_caregiver_limited"];
    check(70, &["serious_illness"], "HIGH", &both);
    check(75, &["disability"], "HIGH", &both);
    check(45, &["serious_illness", "disability"], "HIGH", &both);
    check(69, &["disability"], "MEDIUM", &["m_caregiver_limited"]);
}

#[test]
fn old_age_is_no_longer_chosen_by_hand() {
    let t = template(CHILD);
    assert_eq!(
        parse_answer(&t, "caregiver_limits", &json!(["old_age"])).unwrap_err(),
        AnswerError::UnknownOption {
            item: "caregiver_limits".into()
        }
    );
}

#[test]
fn burdens_count_only_with_a_caregiver() {
    let (t, mut a) = sample(CHILD);
    set(&t, &mut a, "caregiver_age", json!(80));
    set(&t, &mut a, "caregiver_limits", json!(["serious_illness"]));
    set(&t, &mut a, "has_caregiver", json!(false));
    assert_score(&t, &a, "risk", "HIGH", &["h_no_caregiver"]);
}

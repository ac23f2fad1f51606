//! Complete, realistic (fictitious) answer sets for the built-in templates, used by tests,
//! benchmarks and the demo of simulated phones.
//!
//! Each sample passes [`check_complete`](crate::template::check_complete) once the photos listed by
//! [`photo_items`] are attached, and yields the least severe level of every score on visit dates
//! from 2024 to 2035 (ages are computed from birth dates): child `risk` LOW, elderly `tier`
//! GENERAL, `ability_assessment` NOT_NEEDED, `self_care` self_reliant; the economic sample is a
//! 特困 welfare visit of one person, recorded by two investigators typed by name, whose income
//! (353 元/月) is below any standard above that (`income_check` BELOW_STANDARD once the county's
//! standard is known, UNKNOWN without it), with `recheck` STABLE, `self_care` self_reliant and
//! `staff_relative` NORMAL. The child is seen, so the child's level does not depend on the
//! previous visit.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::super::eval::{Evaluator, is_photo};
use super::super::index::Scope;
use super::super::{
    AnswerError, AnswerValue, Answers, Facts, ItemKind, Template, evaluate, parse_answer,
};

/// The visit date the samples are written for (any date from 2024 to 2035 gives the same levels).
pub fn sample_visit_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default()
}

/// A complete answer set for a built-in template, as the JSON an app would send: item ids at the
/// top level, repeat groups as arrays of objects. `None` for an unknown template id.
pub fn sample_answers(template_id: &str) -> Option<Map<String, Value>> {
    let v = match template_id {
        "economic-verification" => economic(),
        "child-guardianship" => child(),
        "elderly-welfare" => elderly(),
        _ => return None,
    };
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Reads a JSON answer set (as from [`sample_answers`]) into typed answers with
/// [`parse_answer`], so that every value is checked against the template.
pub fn to_answers(template: &Template, json: &Map<String, Value>) -> Result<Answers, AnswerError> {
    let mut answers = Answers::new();
    for (key, value) in json {
        let (_, parsed) = parse_answer(template, key, value)?;
        if let Some(v) = parsed {
            answers.insert(key.clone(), v);
        }
    }
    Ok(answers)
}

/// Visible photo items that need photos before this answer set can be sealed, with the number of
/// photos needed (the item's `min_count`, at least 1). Only required photo items are listed; items
/// inside repeat groups are named by path (`group[n].item`). Visibility is evaluated on
/// [`sample_visit_date`].
pub fn photo_items(template: &Template, answers: &Answers) -> Vec<(String, u32)> {
    let date = sample_visit_date();
    let facts = Facts::default();
    let Ok(evaluation) = evaluate(template, answers, date, &facts) else {
        return Vec::new();
    };
    let Ok(top) = Scope::of_template(template) else {
        return Vec::new();
    };
    let ev = Evaluator::new(&top, answers, date, &facts);
    let need = |kind: &ItemKind| match kind {
        ItemKind::Photo { min_count, .. } => (*min_count).max(1),
        _ => 0,
    };
    let mut out = Vec::new();
    for item in template.sections.iter().flat_map(|s| s.items.iter()) {
        if evaluation.hidden.contains(&item.id) {
            continue;
        }
        if is_photo(&item.kind) && item.required {
            out.push((item.id.clone(), need(&item.kind)));
        }
        if let (ItemKind::Repeat { items, .. }, Some(AnswerValue::Repeat(list))) =
            (&item.kind, answers.get(&item.id))
        {
            let Ok(scope) = Scope::of_group(item) else {
                continue;
            };
            for (i, inst) in list.iter().enumerate() {
                let iev = ev.instance(&scope, inst);
                for child in items {
                    if is_photo(&child.kind) && child.required && iev.is_visible(&child.id) {
                        out.push((format!("{}[{i}].{}", item.id, child.id), need(&child.kind)));
                    }
                }
            }
        }
    }
    out
}

/// 特困 welfare visit: a 66-year-old woman living alone, dispersed support.
fn economic() -> Value {
    json!({
        "visit_type": "tekun_welfare",
        "investigators": [{"name": "陈晓燕"}, {"name": "赵志强"}],
        "applicant_present": true,
        "members": [{
            "name": "刘桂兰",
            "relation": "self",
            "birth_date": "1960-02-11",
            "health": "chronic",
            "disability_type": "none",
            "work_capacity": "partial",
            "employment": "farming"
        }],
        "income_farming": 150,
        "income_pension": 203,
        "income_stability": "stable",
        "supporters": [],
        "housing_type": "own",
        "housing_area": 45.5,
        "vehicles": 0,
        "declared_savings": 3000,
        "business_owner": false,
        "housing_safety": "safe",
        "food": "adequate",
        "clothing": "adequate",
        "medical_expense": 2400,
        "education_expense": 0,
        "hardship_types": ["illness", "lack_of_labour"],
        "hardship_severity": "moderate",
        "can_eat": true,
        "can_dress": true,
        "can_transfer": true,
        "can_toilet": true,
        "can_walk_indoors": true,
        "can_bathe": true,
        "selfcare_changed": false,
        "caregiver_name": "周玉梅（邻居）",
        "care_agreement": true,
        "neighbour_interviews": [
            {"role": "neighbour", "summary": "邻居反映老人独居多年，子女无，平时种菜自给，身体尚可。"},
            {"role": "village_cadre", "summary": "村委会确认无赡养义务人，无经营活动，无机动车。"}
        ],
        "relative_of_staff": false,
        "authorisation_signed": true,
        "findings": "老人独居，患高血压，能自理；收入为少量农业收入和基础养老金，家庭经济状况与申报一致。",
        "recommendation": "eligible",
        "investigator_signature_1": {"signer": "陈晓燕"},
        "investigator_signature_2": {"signer": "赵志强"},
        "applicant_signature": {"signer": "刘桂兰"}
    })
}

/// Periodic follow-up of an 11-year-old left-behind child cared for by a grandmother.
fn child() -> Value {
    json!({
        "child_category": "left_behind",
        "visit_type": "periodic",
        "child_birth_date": "2015-03-12",
        "child_seen": true,
        "child_missing": false,
        "father_status": "migrant",
        "father_work_place": "广东省东莞市",
        "mother_status": "migrant",
        "mother_work_place": "浙江省义乌市",
        "has_caregiver": true,
        "caregiver_name": "王秀英",
        "caregiver_relation": "grandparent",
        "caregiver_age": 63,
        "caregiver_phone": "138-0000-0000",
        "entrustment_notified": true,
        "caregiver_capacity": "good",
        "caregiver_limits": ["none"],
        "prohibited": ["none"],
        "parent_contact": "weekly",
        "living_alone": false,
        "unattended": false,
        "home_hazards": ["none"],
        "abuse_signs": ["none"],
        "schooling": "in_school",
        "school_name": "青山镇中心小学",
        "grade": "五年级",
        "health_status": "healthy",
        "basic_needs_met": true,
        "benefits": ["none"],
        "economic_hardship": false,
        "psych_signs": ["normal"],
        "child_view": "喜欢上学，希望爸爸妈妈过年回家。",
        "needs": ["education"],
        "support_plan": "联系学校关注学习情况，每季度随访一次。",
        "worker_signature": {"signer": "李明"},
        "caregiver_ack": {"signer": "王秀英"}
    })
}

/// Home visit of a 70-year-old empty-nest man living with his wife.
fn elderly() -> Value {
    json!({
        "elder_category": ["empty_nest"],
        "visit_mode": "home",
        "birth_date": "1956-09-03",
        "living_arrangement": "with_spouse",
        "supporters": [
            {"name": "张伟", "phone": "138-0000-0001", "contact_frequency": "weekly", "duty_fulfilled": "yes"}
        ],
        "emergency_contact": "张伟（儿子）138-0000-0001",
        "main_carer": "配偶",
        "care_hours": 4,
        "care_gap": false,
        "diseases": ["hypertension"],
        "medication_adherence": "good",
        "falls_30d": 0,
        "lost_30d": 0,
        "choking_30d": 0,
        "self_harm_30d": 0,
        "can_eat": true,
        "can_dress": true,
        "can_transfer": true,
        "can_toilet": true,
        "can_walk_indoors": true,
        "can_bathe": true,
        "condition_changed": false,
        "low_mood": false,
        "oriented_time": true,
        "oriented_place": true,
        "oriented_person": true,
        "emotional_support_needed": false,
        "home_hazards": ["none"],
        "meals": "cooks_self",
        "referrals": ["none"],
        "notes": "老人血压控制良好，按时服药；儿子每周来电，每月回家一次。",
        "worker_signature": {"signer": "李明"},
        "elder_ack": {"signer": "张建华"}
    })
}

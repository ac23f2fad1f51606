//! 经济状况核查: members with their ages, income, property, hardship, 特困 self-care and care, neighbours' accounts, findings and signatures.

use fieldvisit_core::caseload::Category;
use serde_json::{Map, Value, json};

use super::super::dice::Dice;
use super::super::people;
use super::super::plan::Finding;
use super::{VisitContext, age, date};

fn relation_code(relation: &str) -> &'static str {
    match relation {
        "本人" => "self",
        "配偶" => "spouse",
        "子女" => "child",
        "孙子女" => "grandchild",
        "父母" => "parent",
        "祖父" | "祖母" => "grandparent",
        _ => "other",
    }
}

/// Rewrites the economic sample for this household.
pub(super) fn fill(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
    let h = ctx.household;
    let tekun = ctx.category == Category::Tekun;
    let visit_type = match ctx.category {
        Category::Tekun => "tekun_welfare",
        Category::TemporaryAssistance => "temporary_assistance",
        _ if ctx.nth == 0 && d.chance(0.3) => "new_application",
        _ => "periodic_recheck",
    };
    m.insert("visit_type".into(), json!(visit_type));
    let mut members = Vec::new();
    let mut elderly = 0;
    let mut children = 0;
    for p in &h.members {
        let a = age(p.birth_date, ctx.on);
        let disabled = a >= 18 && d.chance(0.12);
        let health = if a >= 60 || d.chance(0.2) {
            *d.pick(&["chronic", "chronic", "serious_illness", "healthy"])
        } else {
            "healthy"
        };
        let work = match a {
            a if !(16..70).contains(&a) || disabled => "none",
            a if a >= 60 || health == "serious_illness" => "partial",
            _ => "full",
        };
        let employment = match a {
            a if a < 6 => "preschool",
            a if a < 18 => "in_school",
            a if a >= 60 => *d.pick(&["farming", "retired"]),
            _ => *d.pick(&["farming", "flexible", "employed", "unemployed_registered"]),
        };
        elderly += usize::from(a >= 60);
        children += usize::from(a < 18);
        let mut row = json!({
            "name": p.name,
            "relation": relation_code(&p.relation),
            "birth_date": date(p.birth_date),
            "health": health,
            "disability_type": if disabled { "physical" } else { "none" },
            "work_capacity": work,
            "employment": employment,
        });
        if disabled && let Some(o) = row.as_object_mut() {
            o.insert(
                "disability_grade".into(),
                json!(d.pick(&["grade2", "grade3", "grade4"])),
            );
        }
        members.push(row);
    }
    m.insert("members".into(), Value::Array(members));
    m.insert("income_farming".into(), json!(d.range(0, 60) * 10));
    m.insert(
        "income_pension".into(),
        json!(elderly as i64 * d.range(150, 260)),
    );
    if !tekun && d.chance(0.5) {
        m.insert("income_wages".into(), json!(d.range(3, 15) * 100));
    }
    m.insert("income_subsidies".into(), json!(d.range(0, 30) * 10));
    let irregular = ctx.finding == Finding::Watch;
    m.insert(
        "income_stability".into(),
        json!(if irregular { "irregular" } else { "stable" }),
    );
    m.insert(
        "housing_type".into(),
        json!(d.pick(&["own", "own", "rented", "borrowed"])),
    );
    m.insert(
        "housing_area".into(),
        json!(d.range(280, 1100) as f64 / 10.0),
    );
    m.insert("declared_savings".into(), json!(d.range(0, 150) * 100));
    m.insert(
        "housing_safety".into(),
        json!(d.pick(&["safe", "safe", "fair"])),
    );
    m.insert("medical_expense".into(), json!(d.range(0, 80) * 100));
    m.insert(
        "education_expense".into(),
        json!(children as i64 * d.range(5, 30) * 100),
    );
    let mut hardship = vec![*d.pick(&["illness", "disability", "lack_of_labour", "unemployment"])];
    if children > 0 && d.chance(0.5) {
        hardship.push("schooling");
    }
    if ctx.category == Category::TemporaryAssistance {
        hardship = vec![*d.pick(&["accident", "disaster", "illness"])];
    }
    hardship.dedup();
    m.insert("hardship_types".into(), json!(hardship));
    m.insert(
        "hardship_severity".into(),
        json!(d.pick(&["mild", "moderate", "moderate", "severe"])),
    );
    if tekun {
        let carer = people::name(d, true);
        m.insert("caregiver_name".into(), json!(format!("{carer}（邻居）")));
        let failed = d.chance(0.2);
        m.insert("can_bathe".into(), json!(!failed));
    } else {
        // These sections are for 特困 visits only.
        for key in [
            "can_eat",
            "can_dress",
            "can_transfer",
            "can_toilet",
            "can_walk_indoors",
            "can_bathe",
            "selfcare_changed",
            "caregiver_name",
            "care_agreement",
        ] {
            m.remove(key);
        }
    }
    let said = [
        "邻居反映家中收入主要靠务农和零工，生活较为困难。",
        "邻居称户主身体不好，平时很少外出务工。",
        "邻居反映家中孩子上学开支较大，日常节俭。",
        "邻居确认家中无经营活动，也未见购置车辆。",
    ];
    let cadre = [
        "村委会确认家庭成员情况与申报一致，无机动车、无经营性收入。",
        "村干部反映该户长期困难，已纳入村重点关注名单。",
        "村委会确认该户近期无大额支出和房产交易。",
    ];
    m.insert(
        "neighbour_interviews".into(),
        json!([
            {"role": "neighbour", "summary": d.pick(&said)},
            {"role": "village_cadre", "summary": d.pick(&cadre)}
        ]),
    );
    let findings = [
        "入户核查家庭人口、收入与申报一致，生活困难属实。",
        "家中主要劳动力患病，收入来源单一，与申报情况相符。",
        "住房简陋但安全，家庭收入低于当地标准，建议继续保障。",
        "收入情况有变化，需补充工资流水后再核。",
    ];
    m.insert("findings".into(), json!(d.pick(&findings)));
    let recommendation = if irregular && d.chance(0.4) {
        "further_check"
    } else {
        "eligible"
    };
    m.insert("recommendation".into(), json!(recommendation));
    m.insert(
        "investigators".into(),
        json!([{"name": ctx.worker}, {"name": ctx.partner}]),
    );
    m.insert(
        "investigator_signature_1".into(),
        json!({"signer": ctx.worker}),
    );
    m.insert(
        "investigator_signature_2".into(),
        json!({"signer": ctx.partner}),
    );
    m.insert("applicant_signature".into(), json!({"signer": h.head_name}));
}

//! Answers that differ household by household: core's complete sample answer sets, rewritten with
//! the household's own people, ages and circumstances, and with what the visit found (a watch item,
//! a serious finding, a child alone at home).

use chrono::{Datelike, NaiveDate};
use fieldvisit_core::caseload::{Category, Household};
use fieldvisit_core::template::builtin::sample::sample_answers;
use serde_json::{Map, Value, json};

use super::dice::Dice;
use super::people;
use super::plan::Finding;

/// Who visits whom, when, and what they found.
#[derive(Debug, Clone, Copy)]
pub struct VisitContext<'a> {
    /// The household.
    pub household: &'a Household,
    /// The category visited for.
    pub category: Category,
    /// What the visit found.
    pub finding: Finding,
    /// 0 for the first visit to the household.
    pub nth: usize,
    /// Local day.
    pub on: NaiveDate,
    /// The worker's name.
    pub worker: &'a str,
    /// The second investigator (the station's other worker).
    pub partner: &'a str,
    /// Township name (schools are named after it).
    pub township: &'a str,
    /// Seed of this visit's variety.
    pub seed: u64,
}

fn age(born: Option<NaiveDate>, on: NaiveDate) -> i64 {
    born.map_or(60, |b| {
        let mut years = i64::from(on.year() - b.year());
        if (on.month(), on.day()) < (b.month(), b.day()) {
            years -= 1;
        }
        years
    })
}

fn phone(d: &mut Dice) -> String {
    format!(
        "1{}-0000-{:04}",
        d.pick(&["38", "39", "51", "87"]),
        d.range(0, 9999)
    )
}

fn date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| json!(d.format("%Y-%m-%d").to_string()))
}

fn surname(name: &str) -> String {
    name.chars().take(1).collect()
}

/// The answer set for `template_id` on this visit; `None` for a template without a sample.
pub fn answers(template_id: &str, ctx: &VisitContext<'_>) -> Option<Map<String, Value>> {
    let mut m = sample_answers(template_id)?;
    let mut d = Dice::new("answers", ctx.seed);
    match template_id {
        "economic-verification" => economic(&mut m, ctx, &mut d),
        "child-guardianship" => child(&mut m, ctx, &mut d),
        "elderly-welfare" => elderly(&mut m, ctx, &mut d),
        _ => return None,
    }
    Some(m)
}

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

fn economic(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
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
            a if a < 16 || a >= 70 || disabled => "none",
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
        "investigator_signature_1".into(),
        json!({"signer": ctx.worker}),
    );
    m.insert(
        "investigator_signature_2".into(),
        json!({"signer": ctx.partner}),
    );
    m.insert("applicant_signature".into(), json!({"signer": h.head_name}));
}

fn child(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
    let h = ctx.household;
    let kid = h.members.first();
    let carer = h.members.get(1);
    let kid_age = age(kid.and_then(|k| k.birth_date), ctx.on);
    let places = [
        "广东省东莞市",
        "浙江省义乌市",
        "上海市",
        "江苏省苏州市",
        "福建省晋江市",
    ];
    let (category, father, mother) = match ctx.category {
        Category::DistressedChild => (
            "distressed",
            *d.pick(&["seriously_ill", "seriously_disabled"]),
            *d.pick(&["home", "divorced_away"]),
        ),
        Category::Orphan => ("orphan", "dead", "dead"),
        Category::UnsupportedChild => ("unsupported", "prison_rehab", "missing"),
        _ => (
            "left_behind",
            "migrant",
            *d.pick(&["migrant", "migrant", "divorced_away"]),
        ),
    };
    m.insert("child_category".into(), json!(category));
    m.insert(
        "visit_type".into(),
        json!(if ctx.nth == 0 {
            "registration"
        } else {
            "periodic"
        }),
    );
    m.insert(
        "child_birth_date".into(),
        date(kid.and_then(|k| k.birth_date)),
    );
    m.insert("father_status".into(), json!(father));
    m.insert("mother_status".into(), json!(mother));
    for (key, status) in [("father_work_place", father), ("mother_work_place", mother)] {
        if status == "migrant" {
            m.insert(key.into(), json!(d.pick(&places)));
        } else {
            m.remove(key);
        }
    }
    if let Some(c) = carer {
        m.insert("caregiver_name".into(), json!(c.name));
        m.insert(
            "caregiver_age".into(),
            json!(age(c.birth_date, ctx.on).clamp(18, 120)),
        );
        m.insert("caregiver_ack".into(), json!({"signer": c.name}));
    }
    m.insert("caregiver_phone".into(), json!(phone(d)));
    let contact = match (father, mother) {
        ("dead", "dead") | ("prison_rehab", _) => "none",
        _ => "weekly",
    };
    m.insert("parent_contact".into(), json!(contact));
    if kid_age < 6 {
        m.insert("schooling".into(), json!("kindergarten"));
        m.remove("school_name");
        m.remove("grade");
    } else {
        let grades = [
            "一年级",
            "二年级",
            "三年级",
            "四年级",
            "五年级",
            "六年级",
            "初一",
            "初二",
            "初三",
        ];
        let g = usize::try_from(kid_age - 6)
            .unwrap_or(0)
            .min(grades.len() - 1);
        let school = if g < 6 {
            format!("{}中心小学", ctx.township)
        } else {
            format!("{}初级中学", ctx.township)
        };
        m.insert("schooling".into(), json!("in_school"));
        m.insert("school_name".into(), json!(school));
        m.insert("grade".into(), json!(grades[g]));
    }
    m.insert(
        "health_status".into(),
        json!(
            if ctx.category == Category::DistressedChild && d.chance(0.3) {
                "disabled"
            } else {
                "healthy"
            }
        ),
    );
    if m.get("health_status") == Some(&json!("disabled")) {
        m.insert("receives_services".into(), json!(true));
    }
    let benefits = match ctx.category {
        Category::Orphan => vec!["orphan_allowance"],
        Category::UnsupportedChild => vec!["unsupported_allowance"],
        Category::DistressedChild => vec!["dibao", "medical_aid"],
        _ => vec!["none"],
    };
    m.insert("benefits".into(), json!(benefits));
    let views = [
        "喜欢上学，希望爸爸妈妈过年回家。",
        "和奶奶住在一起，觉得还好，想要一个新书包。",
        "最喜欢语文课，周末帮家里干农活。",
        "有点想妈妈，平时和同学一起玩。",
    ];
    m.insert("child_view".into(), json!(d.pick(&views)));
    let plans = [
        "联系学校关注学习情况，每季度随访一次。",
        "指导照护人做好安全教育，定期电话联系父母。",
        "链接志愿者开展课业辅导，按期随访。",
    ];
    m.insert("support_plan".into(), json!(d.pick(&plans)));
    m.insert("worker_signature".into(), json!({"signer": ctx.worker}));
    match ctx.finding {
        Finding::Routine => {}
        Finding::Watch => match d.range(0, 3) {
            0 => {
                m.insert("parent_contact".into(), json!("monthly"));
            }
            1 => {
                m.insert("caregiver_capacity".into(), json!("fair"));
            }
            2 => {
                // Needs a photo of the hazard.
                m.insert("home_hazards".into(), json!(["electricity"]));
            }
            _ => {
                m.insert("psych_signs".into(), json!(["withdrawn"]));
                m.insert("needs".into(), json!(["psychological"]));
            }
        },
        Finding::Serious => {
            if d.chance(0.5) {
                m.insert("caregiver_capacity".into(), json!("poor"));
                m.insert(
                    "caregiver_limits".into(),
                    json!(["old_age", "serious_illness"]),
                );
            } else {
                m.insert("abuse_signs".into(), json!(["long_hunger"]));
                m.insert("basic_needs_met".into(), json!(false));
            }
            m.insert("needs".into(), json!(["guardianship", "daily_care"]));
            m.insert(
                "support_plan".into(),
                json!("照护严重不足，已报县儿童督导员，一周内再次入户。"),
            );
        }
        Finding::Police => {
            m.insert("living_alone".into(), json!(true));
            m.insert("needs".into(), json!(["guardianship", "legal"]));
            m.insert(
                "support_plan".into(),
                json!("儿童独自在家多日，已当场报警并联系派出所和村委会临时照护。"),
            );
        }
    }
}

fn elderly(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
    let h = ctx.household;
    let spouse = h.members.iter().any(|p| p.relation == "配偶");
    let (category, living) = match ctx.category {
        Category::ElderlyTekun => ("tekun", "alone"),
        Category::ElderlyLeftBehind => {
            ("left_behind", if spouse { "with_spouse" } else { "alone" })
        }
        Category::ElderlyAged => ("aged_80", "with_children"),
        Category::ElderlyDisabled => (
            "disabled",
            if spouse {
                "with_spouse"
            } else {
                "with_children"
            },
        ),
        _ => ("alone", "alone"),
    };
    m.insert("elder_category".into(), json!([category]));
    m.insert("living_arrangement".into(), json!(living));
    m.insert(
        "birth_date".into(),
        date(h.members.first().and_then(|p| p.birth_date)),
    );
    let son = format!(
        "{}{}",
        surname(&h.head_name),
        people::name(d, false).chars().skip(1).collect::<String>()
    );
    let son_phone = phone(d);
    let frequency = *d.pick(&["weekly", "weekly", "monthly", "less"]);
    m.insert(
        "supporters".into(),
        json!([{"name": son, "phone": son_phone, "contact_frequency": frequency, "duty_fulfilled": if frequency == "less" { "partly" } else { "yes" }}]),
    );
    m.insert(
        "emergency_contact".into(),
        json!(format!("{son}（子女）{son_phone}")),
    );
    let carer = match living {
        "with_spouse" => "配偶",
        "with_children" => "子女",
        _ => "邻居",
    };
    m.insert("main_carer".into(), json!(carer));
    m.insert("care_hours".into(), json!(d.range(1, 8)));
    let diseases = [
        vec!["hypertension"],
        vec!["diabetes"],
        vec!["hypertension", "diabetes"],
        vec!["copd"],
        vec!["none"],
    ];
    m.insert("diseases".into(), json!(d.pick(&diseases)));
    if ctx.category == Category::ElderlyDisabled {
        m.insert("can_bathe".into(), json!(false));
        m.insert("can_walk_indoors".into(), json!(false));
    }
    if d.chance(0.2) {
        m.insert("home_hazards".into(), json!(["slip_handrails"]));
        m.insert("referrals".into(), json!(["home_care"]));
    }
    let notes = [
        "老人精神状态良好，按时服药；子女定期来电。",
        "老人独自生活，饮食简单，已提醒注意防滑防摔。",
        "老人血压偏高，已提醒按时服药并定期到卫生院复查。",
        "老人反映冬季取暖困难，已登记需求。",
    ];
    m.insert("notes".into(), json!(d.pick(&notes)));
    m.insert("worker_signature".into(), json!({"signer": ctx.worker}));
    m.insert("elder_ack".into(), json!({"signer": h.head_name}));
    match ctx.finding {
        Finding::Routine => {}
        Finding::Watch => {
            m.insert("can_bathe".into(), json!(false));
        }
        Finding::Serious | Finding::Police => {
            m.insert("life_threatening_illness".into(), json!(true));
            m.insert("diseases".into(), json!(["heart_disease", "hypertension"]));
            m.insert("referrals".into(), json!(["medical"]));
        }
    }
}

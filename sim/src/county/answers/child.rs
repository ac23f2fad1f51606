//! 儿童监护评估: the child's category, parents, caregiver, schooling and what the visit found.

use fieldvisit_core::caseload::Category;
use serde_json::{Map, Value, json};

use super::super::dice::Dice;
use super::super::plan::Finding;
use super::{VisitContext, age, date, phone};

/// Rewrites the child sample for this household.
pub(super) fn fill(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
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
                m.insert("caregiver_limits".into(), json!(["serious_illness"]));
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

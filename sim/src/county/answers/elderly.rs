//! 老人关爱走访: category, living arrangement, supporters, health and what the visit found.

use fieldvisit_core::caseload::Category;
use serde_json::{Map, Value, json};

use super::super::dice::Dice;
use super::super::people;
use super::super::plan::Finding;
use super::{VisitContext, date, phone, surname};

/// Rewrites the elderly sample for this household.
pub(super) fn fill(m: &mut Map<String, Value>, ctx: &VisitContext<'_>, d: &mut Dice) {
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
        vec!["other"],
        vec!["none"],
    ];
    let picked = d.pick(&diseases);
    if picked.contains(&"other") {
        m.insert("other_life_threatening".into(), json!(false));
    }
    m.insert("diseases".into(), json!(picked));
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
            m.insert("diseases".into(), json!(["heart_disease", "hypertension"]));
            m.insert("referrals".into(), json!(["medical"]));
        }
    }
}

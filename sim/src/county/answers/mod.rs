//! Answers that differ household by household: core's complete sample answer sets, rewritten with
//! the household's own people, ages and circumstances, and with what the visit found (a watch item,
//! a serious finding, a child alone at home).

mod child;
mod economic;
mod elderly;

use chrono::{Datelike, NaiveDate};
use fieldvisit_core::caseload::{Category, Household};
use fieldvisit_core::template::builtin::sample::sample_answers;
use serde_json::{Map, Value, json};

use super::dice::Dice;
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
        "economic-verification" => economic::fill(&mut m, ctx, &mut d),
        "child-guardianship" => child::fill(&mut m, ctx, &mut d),
        "elderly-welfare" => elderly::fill(&mut m, ctx, &mut d),
        _ => return None,
    }
    Some(m)
}

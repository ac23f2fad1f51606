//! Facts: values the core knows beside a visit's answers, which templates read with
//! `{"fact": NAME}`. The county's parameters arrive with the assignments; the previous visit's
//! values are kept from the household's last sealed visit in the same category. A fact the phone
//! does not have is `null`, so a rule that needs it does not fire.

use std::collections::BTreeMap;

use super::{AnswerValue, Condition, Expr, ItemKind, Template};

/// The county's low-income standard (元/人/月) of the visit's year.
pub const LOW_INCOME_STANDARD: &str = "low_income_standard";

/// Prefix of facts that read an item of the previous sealed visit: `previous.child_seen`.
pub const PREVIOUS: &str = "previous.";

/// What the core knows beside the answers when it evaluates a visit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The low-income standard that applies to the visit's year, if the phone has one.
    pub low_income_standard: Option<f64>,
    /// Answers of the household's previous sealed visit in the same category, by item id (only the
    /// items that templates read as `previous.ITEM`).
    pub previous: BTreeMap<String, AnswerValue>,
}

/// A fact name, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FactName<'a> {
    /// [`LOW_INCOME_STANDARD`].
    LowIncomeStandard,
    /// `previous.ITEM`.
    Previous(&'a str),
}

impl<'a> FactName<'a> {
    /// Reads a fact name; `None` for a name this build does not know.
    pub fn parse(name: &'a str) -> Option<Self> {
        if name == LOW_INCOME_STANDARD {
            return Some(FactName::LowIncomeStandard);
        }
        name.strip_prefix(PREVIOUS)
            .filter(|item| !item.is_empty())
            .map(FactName::Previous)
    }
}

/// The top-level items whose answers a visit passes on to the next one: those the template reads
/// as `previous.ITEM`, in template order.
pub fn carried_items(t: &Template) -> Vec<String> {
    let mut names = Vec::new();
    let mut conditions: Vec<&Condition> = Vec::new();
    for section in &t.sections {
        conditions.extend(section.visible_if.as_ref());
        for item in &section.items {
            conditions.extend(item.visible_if.as_ref());
            if let ItemKind::Repeat {
                items, computed, ..
            } = &item.kind
            {
                conditions.extend(items.iter().filter_map(|i| i.visible_if.as_ref()));
                computed.iter().for_each(|c| c.expr.facts(&mut names));
            }
        }
    }
    t.computed.iter().for_each(|c| c.expr.facts(&mut names));
    conditions.extend(
        t.scores
            .iter()
            .flat_map(|s| s.rules.iter().map(|r| &r.when)),
    );
    conditions.iter().for_each(|c| c.facts(&mut names));
    let wanted: Vec<&str> = names
        .iter()
        .filter_map(|n| match FactName::parse(n) {
            Some(FactName::Previous(item)) => Some(item),
            _ => None,
        })
        .collect();
    t.sections
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| wanted.contains(&i.id.as_str()))
        .map(|i| i.id.clone())
        .collect()
}

impl Expr {
    /// Every fact name this expression reads, also inside conditions and groups.
    pub fn facts(&self, out: &mut Vec<String>) {
        match self {
            Expr::Fact(name) => out.push(name.clone()),
            Expr::Ref(_) | Expr::Const(_) | Expr::CountEqual { .. } | Expr::CountSelected(_) => {}
            Expr::Add(xs) | Expr::Mul(xs) => xs.iter().for_each(|x| x.facts(out)),
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                a.facts(out);
                b.facts(out);
            }
            Expr::Count { when, .. } => when.iter().for_each(|c| c.facts(out)),
            Expr::SumOver { expr, .. } => expr.facts(out),
            Expr::AgeYears(x) => x.facts(out),
            Expr::If {
                when,
                then,
                otherwise,
            } => {
                when.facts(out);
                then.facts(out);
                otherwise.facts(out);
            }
        }
    }
}

impl Condition {
    /// Every fact name this condition reads.
    pub fn facts(&self, out: &mut Vec<String>) {
        match self {
            Condition::Equals { .. } | Condition::AnyOf { .. } | Condition::Answered { .. } => {}
            Condition::Compare { left, right, .. } => {
                left.facts(out);
                right.facts(out);
            }
            Condition::Not(c) => c.facts(out),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.facts(out)),
        }
    }
}

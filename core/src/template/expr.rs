//! Expressions for computed values: arithmetic, counts over repeat groups, ages from birth dates.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::condition::Condition;

/// An expression over answers and computed values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    /// The answer to an item or a computed value (number, date, choice, yes/no).
    Ref(String),
    /// A constant.
    Const(Value),
    /// A value the core knows beside the answers (see `facts.rs`); `null` when it does not.
    Fact(String),
    /// Sum of all terms (unanswered terms count as 0).
    Add(Vec<Expr>),
    /// First minus second.
    Sub(Box<Expr>, Box<Expr>),
    /// Product of all terms.
    Mul(Vec<Expr>),
    /// First divided by second; nothing when the divisor is 0.
    Div(Box<Expr>, Box<Expr>),
    /// Instances of a repeat group, optionally only those where a condition holds.
    Count {
        /// Repeat group id.
        group: String,
        /// Condition evaluated in each instance.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        when: Option<Box<Condition>>,
    },
    /// Sum of an expression over the instances of a repeat group.
    SumOver {
        /// Repeat group id.
        group: String,
        /// Expression evaluated in each instance.
        expr: Box<Expr>,
    },
    /// How many of the listed items equal the value (e.g. failed self-care items).
    CountEqual {
        /// Item ids.
        items: Vec<String>,
        /// Value to count.
        value: Value,
    },
    /// Options selected in a multi-choice item.
    CountSelected(String),
    /// Whole years from a date to the visit date.
    AgeYears(Box<Expr>),
    /// A choice between two expressions.
    If {
        /// Condition.
        when: Box<Condition>,
        /// Value when it holds.
        then: Box<Expr>,
        /// Value otherwise.
        #[serde(rename = "else")]
        otherwise: Box<Expr>,
    },
}

impl Expr {
    /// Every item or computed id this expression reads in its own scope.
    pub fn references(&self, out: &mut Vec<String>) {
        match self {
            Expr::Ref(id) | Expr::CountSelected(id) => out.push(id.clone()),
            Expr::Const(_) | Expr::Fact(_) => {}
            Expr::Add(xs) | Expr::Mul(xs) => xs.iter().for_each(|x| x.references(out)),
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                a.references(out);
                b.references(out);
            }
            Expr::Count { group, .. } | Expr::SumOver { group, .. } => out.push(group.clone()),
            Expr::CountEqual { items, .. } => out.extend(items.iter().cloned()),
            Expr::AgeYears(x) => x.references(out),
            Expr::If {
                when,
                then,
                otherwise,
            } => {
                when.references(out);
                then.references(out);
                otherwise.references(out);
            }
        }
    }
}

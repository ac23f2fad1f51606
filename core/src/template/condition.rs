//! Conditions for visibility and scoring rules. An unanswered or hidden item never satisfies a
//! comparison, so a rule cannot fire on a question the worker never saw.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::expr::Expr;

/// A condition over answers and computed values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The item's answer equals the value (for multi choice: the value is selected).
    Equals {
        /// Item or computed id.
        item: String,
        /// Value to compare with.
        value: Value,
    },
    /// The answer is one of the values (for multi choice: any of them is selected).
    AnyOf {
        /// Item or computed id.
        item: String,
        /// Accepted values.
        values: Vec<Value>,
    },
    /// The item has an answer.
    Answered {
        /// Item id.
        item: String,
    },
    /// Compares two numeric expressions.
    Compare {
        /// Left side.
        left: Box<Expr>,
        /// Operator.
        op: CompareOp,
        /// Right side.
        right: Box<Expr>,
    },
    /// Negation.
    Not(Box<Condition>),
    /// All hold.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
}

/// Numeric comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// Less than.
    #[serde(rename = "<")]
    Lt,
    /// Less than or equal.
    #[serde(rename = "<=")]
    Le,
    /// Greater than.
    #[serde(rename = ">")]
    Gt,
    /// Greater than or equal.
    #[serde(rename = ">=")]
    Ge,
    /// Equal.
    #[serde(rename = "==")]
    Eq,
}

impl Condition {
    /// Every item or computed id this condition reads directly (not inside `count` scopes).
    pub fn references(&self, out: &mut Vec<String>) {
        match self {
            Condition::Equals { item, .. }
            | Condition::AnyOf { item, .. }
            | Condition::Answered { item } => out.push(item.clone()),
            Condition::Compare { left, right, .. } => {
                left.references(out);
                right.references(out);
            }
            Condition::Not(c) => c.references(out),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.references(out)),
        }
    }
}

//! Evaluation of visibility, computed values and scores over a visit's answers. Lazy and memoised:
//! the loader has proved the dependencies acyclic, so any order of definition works.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use super::facts::FactName;
use super::index::{Def, Scope};
use super::{
    AnswerValue, Answers, CompareOp, Condition, Expr, Facts, ItemKind, Template, TemplateError,
};

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    Date(NaiveDate),
    List(Vec<String>),
}

impl V {
    fn num(&self) -> Option<f64> {
        match self {
            V::Num(n) => Some(*n),
            _ => None,
        }
    }

    fn matches(&self, c: &Value) -> bool {
        match (self, c) {
            (V::Bool(a), Value::Bool(b)) => a == b,
            (V::Num(a), Value::Number(b)) => b.as_f64().is_some_and(|b| (a - b).abs() < 1e-9),
            (V::Text(a), Value::String(b)) => a == b,
            (V::List(a), Value::String(b)) => a.iter().any(|x| x == b),
            (V::Date(a), Value::String(b)) => {
                NaiveDate::parse_from_str(b, "%Y-%m-%d").is_ok_and(|b| *a == b)
            }
            _ => false,
        }
    }

    fn from_const(c: &Value) -> V {
        match c {
            Value::Bool(b) => V::Bool(*b),
            Value::Number(n) => n.as_f64().map_or(V::Null, V::Num),
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_or_else(|_| V::Text(s.clone()), V::Date),
            _ => V::Null,
        }
    }

    fn from_answer(a: &AnswerValue) -> V {
        match a {
            AnswerValue::Bool(b) => V::Bool(*b),
            AnswerValue::Choice(s) | AnswerValue::Text(s) => V::Text(s.clone()),
            AnswerValue::Choices(l) | AnswerValue::Photos(l) => V::List(l.clone()),
            AnswerValue::Integer(i) => V::Num(*i as f64),
            AnswerValue::Decimal(d) => V::Num(*d),
            AnswerValue::Date(d) => V::Date(*d),
            AnswerValue::Repeat(r) => V::Num(r.len() as f64),
            AnswerValue::Signature { signer, .. } => V::Text(signer.clone()),
            AnswerValue::Investigators(people) => V::Num(people.len() as f64),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Value::from(*n as i64),
            V::Num(n) => serde_json::Number::from_f64((n * 100.0).round() / 100.0)
                .map_or(Value::Null, Value::Number),
            V::Text(s) => Value::String(s.clone()),
            V::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            V::List(l) => Value::from(l.clone()),
        }
    }
}

/// Evaluates one scope (the visit, or one repeat instance) of answers.
pub(crate) struct Evaluator<'a> {
    top: &'a Scope<'a>,
    scope: &'a Scope<'a>,
    answers: &'a Answers,
    parent: Option<&'a Evaluator<'a>>,
    date: NaiveDate,
    facts: &'a Facts,
    visible: RefCell<HashMap<String, bool>>,
    values: RefCell<HashMap<String, V>>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator of the visit's top-level answers.
    pub fn new(
        top: &'a Scope<'a>,
        answers: &'a Answers,
        date: NaiveDate,
        facts: &'a Facts,
    ) -> Self {
        Evaluator {
            top,
            scope: top,
            answers,
            parent: None,
            date,
            facts,
            visible: RefCell::default(),
            values: RefCell::default(),
        }
    }

    /// An evaluator of one repeat instance, falling back to `self` for outer ids.
    pub fn instance<'b>(&'b self, scope: &'b Scope<'b>, answers: &'b Answers) -> Evaluator<'b>
    where
        'a: 'b,
    {
        Evaluator {
            top: self.top,
            scope,
            answers,
            parent: Some(self),
            date: self.date,
            facts: self.facts,
            visible: RefCell::default(),
            values: RefCell::default(),
        }
    }

    /// Whether an item (or computed value) is shown; ids of outer scopes are looked up there.
    pub fn is_visible(&self, id: &str) -> bool {
        let Some(def) = self.scope.defs.get(id).copied() else {
            return self.parent.is_some_and(|p| p.is_visible(id));
        };
        if let Some(v) = self.visible.borrow().get(id) {
            return *v;
        }
        let v = match def {
            Def::Item(d) => {
                d.item.visible_if.as_ref().is_none_or(|c| self.holds(c))
                    && d.section_visible_if.is_none_or(|c| self.holds(c))
            }
            Def::Computed(_) => true,
        };
        self.visible.borrow_mut().insert(id.to_string(), v);
        v
    }

    /// The value of an item or computed value; hidden and unanswered items are `Null`.
    pub fn value(&self, id: &str) -> V {
        let Some(def) = self.scope.defs.get(id).copied() else {
            return self.parent.map_or(V::Null, |p| p.value(id));
        };
        if let Some(v) = self.values.borrow().get(id) {
            return v.clone();
        }
        let v = match def {
            Def::Item(_) if !self.is_visible(id) => V::Null,
            Def::Item(_) => self.answers.get(id).map_or(V::Null, V::from_answer),
            Def::Computed(c) => self.eval(&c.expr),
        };
        self.values.borrow_mut().insert(id.to_string(), v.clone());
        v
    }

    /// Whether a condition holds.
    pub fn holds(&self, c: &Condition) -> bool {
        match c {
            Condition::Equals { item, value } => self.value(item).matches(value),
            Condition::AnyOf { item, values } => {
                let v = self.value(item);
                values.iter().any(|x| v.matches(x))
            }
            Condition::Answered { item } => self.value(item) != V::Null,
            Condition::Compare { left, op, right } => {
                match (self.eval(left).num(), self.eval(right).num()) {
                    (Some(a), Some(b)) => match op {
                        CompareOp::Lt => a < b,
                        CompareOp::Le => a <= b,
                        CompareOp::Gt => a > b,
                        CompareOp::Ge => a >= b,
                        CompareOp::Eq => (a - b).abs() < 1e-9,
                    },
                    _ => false,
                }
            }
            Condition::Not(inner) => !self.holds(inner),
            Condition::All(cs) => cs.iter().all(|c| self.holds(c)),
            Condition::Any(cs) => cs.iter().any(|c| self.holds(c)),
        }
    }

    /// The instances of a top-level repeat group (none when the group is hidden).
    fn instances(&self, group: &str) -> (&'a [Answers], Option<Scope<'a>>) {
        let root = self.root();
        let Some(item) = self.top.item(group) else {
            return (&[], None);
        };
        if !root.is_visible(group) {
            return (&[], None);
        }
        let list: &'a [Answers] = match root.answers.get(group) {
            Some(AnswerValue::Repeat(list)) => list,
            _ => &[],
        };
        (list, Scope::of_group(item).ok())
    }

    fn root(&self) -> &Evaluator<'a> {
        match self.parent {
            Some(p) => p.root(),
            None => self,
        }
    }

    /// Evaluates an expression.
    pub fn eval(&self, e: &Expr) -> V {
        match e {
            Expr::Ref(id) => self.value(id),
            Expr::Const(c) => V::from_const(c),
            Expr::Fact(name) => match FactName::parse(name) {
                Some(FactName::LowIncomeStandard) => {
                    self.facts.low_income_standard.map_or(V::Null, V::Num)
                }
                Some(FactName::Previous(item)) => self
                    .facts
                    .previous
                    .get(item)
                    .map_or(V::Null, V::from_answer),
                None => V::Null,
            },
            Expr::Add(xs) => V::Num(xs.iter().filter_map(|x| self.eval(x).num()).sum()),
            Expr::Mul(xs) => xs
                .iter()
                .map(|x| self.eval(x).num())
                .try_fold(1.0, |acc, x| x.map(|x| acc * x))
                .map_or(V::Null, V::Num),
            Expr::Sub(a, b) => match (self.eval(a).num(), self.eval(b).num()) {
                (Some(a), Some(b)) => V::Num(a - b),
                _ => V::Null,
            },
            Expr::Div(a, b) => match (self.eval(a).num(), self.eval(b).num()) {
                (Some(a), Some(b)) if b != 0.0 => V::Num(a / b),
                _ => V::Null,
            },
            Expr::Count { group, when } => {
                let (list, scope) = self.instances(group);
                let Some(scope) = scope else {
                    return V::Num(0.0);
                };
                let root = self.root();
                let n = list
                    .iter()
                    .filter(|inst| {
                        when.as_ref()
                            .is_none_or(|c| root.instance(&scope, inst).holds(c))
                    })
                    .count();
                V::Num(n as f64)
            }
            Expr::SumOver { group, expr } => {
                let (list, scope) = self.instances(group);
                let Some(scope) = scope else {
                    return V::Num(0.0);
                };
                let root = self.root();
                V::Num(
                    list.iter()
                        .filter_map(|inst| root.instance(&scope, inst).eval(expr).num())
                        .sum(),
                )
            }
            Expr::CountEqual { items, value } => V::Num(
                items
                    .iter()
                    .filter(|i| self.value(i).matches(value))
                    .count() as f64,
            ),
            Expr::CountSelected(id) => match self.value(id) {
                V::List(l) => V::Num(l.len() as f64),
                _ => V::Num(0.0),
            },
            Expr::AgeYears(x) => match self.eval(x) {
                V::Date(born) => V::Num(f64::from(years_between(born, self.date))),
                _ => V::Null,
            },
            Expr::If {
                when,
                then,
                otherwise,
            } => {
                if self.holds(when) {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
        }
    }
}

/// Whole years from `born` to `on` (negative when `on` is earlier).
fn years_between(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years
}

/// The level a score gave and the rules that fired.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreResult {
    /// Score id.
    pub score: String,
    /// Level from the rules (most severe fired level, else the default).
    pub level: String,
    /// Every rule that fired, in template order.
    pub fired: Vec<String>,
}

/// Everything derived from a visit's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Items hidden now: top-level ids, and `group[n].item` inside the instances of shown groups.
    pub hidden: BTreeSet<String>,
    /// Computed values (template level) as JSON.
    pub computed: BTreeMap<String, Value>,
    /// Score results.
    pub scores: Vec<ScoreResult>,
}

impl Evaluation {
    /// The result of one score.
    pub fn score(&self, id: &str) -> Option<&ScoreResult> {
        self.scores.iter().find(|s| s.score == id)
    }
}

/// Evaluates visibility, computed values and scores of a visit dated `date`, with what the core
/// knows beside the answers.
pub fn evaluate(
    t: &Template,
    answers: &Answers,
    date: NaiveDate,
    facts: &Facts,
) -> Result<Evaluation, TemplateError> {
    let top = Scope::of_template(t)?;
    let ev = Evaluator::new(&top, answers, date, facts);
    let mut hidden: BTreeSet<String> = top
        .order
        .iter()
        .filter(|id| matches!(top.defs.get(**id), Some(Def::Item(_))) && !ev.is_visible(id))
        .map(|id| id.to_string())
        .collect();
    // Inside each instance of a shown repeat group, the children its own answers hide.
    for item in t.sections.iter().flat_map(|s| &s.items) {
        let (ItemKind::Repeat { items, .. }, Some(AnswerValue::Repeat(list))) =
            (&item.kind, answers.get(&item.id))
        else {
            continue;
        };
        if hidden.contains(&item.id) {
            continue;
        }
        let scope = Scope::of_group(item)?;
        for (n, inst) in list.iter().enumerate() {
            let iev = ev.instance(&scope, inst);
            hidden.extend(
                items
                    .iter()
                    .filter(|c| !iev.is_visible(&c.id))
                    .map(|c| format!("{}[{n}].{}", item.id, c.id)),
            );
        }
    }
    let computed = t
        .computed
        .iter()
        .map(|c| (c.id.clone(), ev.value(&c.id).to_json()))
        .collect();
    let scores = t
        .scores
        .iter()
        .map(|s| {
            let fired: Vec<&super::Rule> = s.rules.iter().filter(|r| ev.holds(&r.when)).collect();
            let level = s
                .levels
                .iter()
                .find(|l| fired.iter().any(|r| r.level == l.id))
                .map_or_else(|| s.default_level.clone(), |l| l.id.clone());
            ScoreResult {
                score: s.id.clone(),
                level,
                fired: fired.iter().map(|r| r.id.clone()).collect(),
            }
        })
        .collect();
    Ok(Evaluation {
        hidden,
        computed,
        scores,
    })
}

/// Whether an item kind holds photos (used by validation and sealing).
pub(crate) fn is_photo(kind: &ItemKind) -> bool {
    matches!(kind, ItemKind::Photo { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_between_counts_birthdays() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(years_between(d(2010, 6, 15), d(2026, 6, 14)), 15);
        assert_eq!(years_between(d(2010, 6, 15), d(2026, 6, 15)), 16);
    }
}

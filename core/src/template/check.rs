//! Semantic checks of a parsed template: ids, options, ranges, references, cycles and scores.

use std::collections::HashSet;

use serde_json::Value;

use super::facts::FactName;
use super::index::{Def, Scope};
use super::{Condition, Expr, Item, ItemKind, Template, TemplateError};

/// Runs every check; the first problem found is returned.
pub(crate) fn check_template(t: &Template) -> Result<(), TemplateError> {
    if t.id.trim().is_empty() {
        return Err(invalid("`id` is empty"));
    }
    if t.audiences.is_empty() {
        return Err(invalid(
            "`audiences` is empty: nobody could read the content",
        ));
    }
    if t.min_investigators == 0 {
        return Err(invalid("`min_investigators` must be at least 1"));
    }
    if t.categories.is_empty() {
        return Err(invalid("`categories` is empty"));
    }
    unique(t.sections.iter().map(|s| s.id.as_str()))?;
    unique(t.scores.iter().map(|s| s.id.as_str()))?;
    let top = Scope::of_template(t)?;
    for section in &t.sections {
        if let Some(c) = &section.visible_if {
            check_condition(c, &top, None, &format!("section {}", section.id))?;
        }
        for item in &section.items {
            check_item(item, &top, None)?;
        }
    }
    for c in &t.computed {
        check_expr(&c.expr, &top, None, &c.id)?;
    }
    check_scores(t, &top)?;
    if let Some(s) = &t.schedule_score
        && !t.scores.iter().any(|x| &x.id == s)
    {
        return Err(invalid(&format!(
            "`schedule_score` names score `{s}`, which does not exist"
        )));
    }
    super::cycles::check_cycles(t)?;
    Ok(())
}

fn invalid(reason: &str) -> TemplateError {
    TemplateError::Invalid {
        reason: reason.to_string(),
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> Result<(), TemplateError> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(TemplateError::DuplicateId { id: id.to_string() });
        }
    }
    Ok(())
}

fn range_err(item: &Item, reason: &str) -> TemplateError {
    TemplateError::BadRange {
        item: item.id.clone(),
        reason: reason.to_string(),
    }
}

/// Checks one item's parameters and references; `group` is the enclosing repeat's scope.
fn check_item(
    item: &Item,
    top: &Scope<'_>,
    group: Option<&Scope<'_>>,
) -> Result<(), TemplateError> {
    if item.id.trim().is_empty() || item.id.contains(['[', ']', '.']) {
        return Err(invalid(&format!(
            "item id `{}` must be non-empty and contain no `[`, `]` or `.`",
            item.id
        )));
    }
    if let Some(c) = &item.visible_if {
        check_condition(c, top, group, &item.id)?;
    }
    match &item.kind {
        ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options, .. } => {
            if options.is_empty() {
                return Err(TemplateError::BadOptions {
                    item: item.id.clone(),
                    reason: "no options".into(),
                });
            }
            let mut seen = HashSet::new();
            for o in options {
                if !seen.insert(o.value.as_str()) {
                    return Err(TemplateError::BadOptions {
                        item: item.id.clone(),
                        reason: format!("option `{}` appears twice", o.value),
                    });
                }
            }
            if let ItemKind::MultiChoice { exclusive, .. } = &item.kind
                && let Some(x) = exclusive.iter().find(|x| !seen.contains(x.as_str()))
            {
                return Err(TemplateError::BadOptions {
                    item: item.id.clone(),
                    reason: format!("exclusive option `{x}` is not an option"),
                });
            }
        }
        ItemKind::Integer {
            min: Some(lo),
            max: Some(hi),
            ..
        } if lo > hi => {
            return Err(range_err(
                item,
                &format!("min {lo} is greater than max {hi}"),
            ));
        }
        ItemKind::Decimal { min, max, .. } => {
            if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
                return Err(range_err(item, "bounds must be finite numbers"));
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                return Err(range_err(
                    item,
                    &format!("min {lo} is greater than max {hi}"),
                ));
            }
        }
        ItemKind::Text { max_length } if *max_length == 0 => {
            return Err(range_err(item, "max_length must be at least 1"));
        }
        ItemKind::Photo {
            min_count,
            max_count,
            ..
        } if *max_count == 0 || min_count > max_count => {
            return Err(range_err(
                item,
                "photo counts need 0 ≤ min_count ≤ max_count and max_count ≥ 1",
            ));
        }
        ItemKind::Investigators { max_count } => {
            if group.is_some() {
                return Err(invalid(&format!(
                    "investigators item `{}` cannot be inside a repeat group",
                    item.id
                )));
            }
            if *max_count == 0 {
                return Err(range_err(item, "max_count must be at least 1"));
            }
        }
        ItemKind::Repeat {
            items,
            min_count,
            max_count,
            computed,
        } => {
            if group.is_some() {
                return Err(invalid(&format!(
                    "repeat group `{}` is nested in another group",
                    item.id
                )));
            }
            if *max_count == 0 || min_count > max_count {
                return Err(range_err(
                    item,
                    "repeat counts need 0 ≤ min_count ≤ max_count and max_count ≥ 1",
                ));
            }
            if items.is_empty() {
                return Err(range_err(item, "a repeat group needs at least one item"));
            }
            let inner = Scope::of_group(item)?;
            for child in items {
                check_item(child, top, Some(&inner))?;
            }
            for c in computed {
                check_expr(&c.expr, top, Some(&inner), &c.id)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Resolves an id in the group scope first, then the template scope.
fn resolve<'a>(id: &str, top: &Scope<'a>, group: Option<&Scope<'a>>) -> Option<Def<'a>> {
    group
        .and_then(|g| g.defs.get(id).copied())
        .or_else(|| top.defs.get(id).copied())
}

fn missing(at: &str, reference: &str) -> TemplateError {
    TemplateError::MissingReference {
        item: at.to_string(),
        reference: reference.to_string(),
    }
}

fn check_ref(
    id: &str,
    top: &Scope<'_>,
    group: Option<&Scope<'_>>,
    at: &str,
) -> Result<(), TemplateError> {
    resolve(id, top, group)
        .map(|_| ())
        .ok_or_else(|| missing(at, id))
}

/// A condition that compares a choice item with a value must name one of its options.
fn check_option(
    target: &str,
    value: &Value,
    top: &Scope<'_>,
    group: Option<&Scope<'_>>,
    at: &str,
) -> Result<(), TemplateError> {
    if let Some(Def::Item(d)) = resolve(target, top, group)
        && let ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options, .. } =
            &d.item.kind
    {
        let ok = value
            .as_str()
            .is_some_and(|v| options.iter().any(|o| o.value == v));
        if !ok {
            return Err(TemplateError::UnknownOption {
                item: at.to_string(),
                target: target.to_string(),
                option: value.to_string(),
            });
        }
    }
    Ok(())
}

fn check_condition(
    c: &Condition,
    top: &Scope<'_>,
    group: Option<&Scope<'_>>,
    at: &str,
) -> Result<(), TemplateError> {
    match c {
        Condition::Equals { item, value } => {
            check_ref(item, top, group, at)?;
            check_option(item, value, top, group, at)
        }
        Condition::AnyOf { item, values } => {
            check_ref(item, top, group, at)?;
            values
                .iter()
                .try_for_each(|v| check_option(item, v, top, group, at))
        }
        Condition::Answered { item } => check_ref(item, top, group, at),
        Condition::Compare { left, right, .. } => {
            check_expr(left, top, group, at)?;
            check_expr(right, top, group, at)
        }
        Condition::Not(inner) => check_condition(inner, top, group, at),
        Condition::All(cs) | Condition::Any(cs) => cs
            .iter()
            .try_for_each(|c| check_condition(c, top, group, at)),
    }
}

fn check_expr(
    e: &Expr,
    top: &Scope<'_>,
    group: Option<&Scope<'_>>,
    at: &str,
) -> Result<(), TemplateError> {
    match e {
        Expr::Ref(id) | Expr::CountSelected(id) => check_ref(id, top, group, at),
        Expr::Const(_) => Ok(()),
        Expr::Fact(name) => check_fact(name, top, at),
        Expr::Add(xs) | Expr::Mul(xs) => xs.iter().try_for_each(|x| check_expr(x, top, group, at)),
        Expr::Sub(a, b) | Expr::Div(a, b) => {
            check_expr(a, top, group, at)?;
            check_expr(b, top, group, at)
        }
        Expr::Count { group: g, when } => {
            let inner = group_scope(g, top, at)?;
            match when {
                Some(c) => check_condition(c, top, Some(&inner), at),
                None => Ok(()),
            }
        }
        Expr::SumOver { group: g, expr } => {
            let inner = group_scope(g, top, at)?;
            check_expr(expr, top, Some(&inner), at)
        }
        Expr::CountEqual { items, .. } => {
            items.iter().try_for_each(|i| check_ref(i, top, group, at))
        }
        Expr::AgeYears(x) => check_expr(x, top, group, at),
        Expr::If {
            when,
            then,
            otherwise,
        } => {
            check_condition(when, top, group, at)?;
            check_expr(then, top, group, at)?;
            check_expr(otherwise, top, group, at)
        }
    }
}

/// A fact must be one the core knows; `previous.ITEM` must name a top-level item that is not a
/// repeat group.
fn check_fact(name: &str, top: &Scope<'_>, at: &str) -> Result<(), TemplateError> {
    match FactName::parse(name) {
        None => Err(TemplateError::UnknownFact {
            item: at.to_string(),
            fact: name.to_string(),
        }),
        Some(FactName::LowIncomeStandard) => Ok(()),
        Some(FactName::Previous(item)) => match top.item(item) {
            Some(i) if !matches!(i.kind, ItemKind::Repeat { .. }) => Ok(()),
            _ => Err(missing(at, name)),
        },
    }
}

fn group_scope<'a>(id: &str, top: &Scope<'a>, at: &str) -> Result<Scope<'a>, TemplateError> {
    match top.item(id) {
        Some(item) if matches!(item.kind, ItemKind::Repeat { .. }) => Scope::of_group(item),
        Some(_) => Err(invalid(&format!("{at}: `{id}` is not a repeat group"))),
        None => Err(missing(at, id)),
    }
}

fn check_scores(t: &Template, top: &Scope<'_>) -> Result<(), TemplateError> {
    for score in &t.scores {
        let bad = |reason: String| TemplateError::BadScore {
            score: score.id.clone(),
            reason,
        };
        if score.levels.is_empty() {
            return Err(bad("no levels".into()));
        }
        let mut levels = HashSet::new();
        for l in &score.levels {
            if !levels.insert(l.id.as_str()) {
                return Err(bad(format!("level `{}` appears twice", l.id)));
            }
        }
        if !levels.contains(score.default_level.as_str()) {
            return Err(bad(format!(
                "default level `{}` is not a level",
                score.default_level
            )));
        }
        let mut rules = HashSet::new();
        for r in &score.rules {
            if !rules.insert(r.id.as_str()) {
                return Err(TemplateError::DuplicateId { id: r.id.clone() });
            }
            if !levels.contains(r.level.as_str()) {
                return Err(bad(format!(
                    "rule `{}` gives level `{}`, which is not a level",
                    r.id, r.level
                )));
            }
            check_condition(&r.when, top, None, &format!("rule {}", r.id))?;
        }
    }
    Ok(())
}

//! Answer validation: each answer is checked the moment it is given, and a whole visit is checked
//! for completeness before it can be sealed.

use chrono::NaiveDate;
use serde_json::Value;

use super::eval::{Evaluator, is_photo};
use super::index::Scope;
use super::investigators::{parse_investigators, people_of_visit};
use super::{AnswerError, AnswerValue, Answers, Facts, Item, ItemKind, Template};

/// Where an answer goes: a top-level item, or an item of one repeat instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemPath {
    /// `item`
    Top(String),
    /// `group[index].item`
    InGroup {
        /// Repeat group id.
        group: String,
        /// Instance index (0-based).
        index: usize,
        /// Item id in the group.
        item: String,
    },
}

impl ItemPath {
    /// Parses `item` or `group[n].item`.
    pub fn parse(path: &str) -> Result<Self, AnswerError> {
        let bad = || AnswerError::BadPath {
            path: path.to_string(),
        };
        match path.split_once('[') {
            None if !path.is_empty() && !path.contains(['.', ']']) => {
                Ok(ItemPath::Top(path.to_string()))
            }
            None => Err(bad()),
            Some((group, rest)) => {
                let (index, item) = rest.split_once("].").ok_or_else(bad)?;
                let index = index.parse().map_err(|_| bad())?;
                if group.is_empty() || item.is_empty() || item.contains(['.', '[', ']']) {
                    return Err(bad());
                }
                Ok(ItemPath::InGroup {
                    group: group.to_string(),
                    index,
                    item: item.to_string(),
                })
            }
        }
    }
}

impl std::fmt::Display for ItemPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemPath::Top(id) => f.write_str(id),
            ItemPath::InGroup { group, index, item } => write!(f, "{group}[{index}].{item}"),
        }
    }
}

/// Finds the item a path names.
pub fn find_item<'t>(t: &'t Template, path: &ItemPath) -> Result<&'t Item, AnswerError> {
    let unknown = || AnswerError::UnknownItem {
        item: path.to_string(),
    };
    let top_item = |id: &str| {
        t.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .find(|i| i.id == id)
    };
    match path {
        ItemPath::Top(id) => top_item(id).ok_or_else(unknown),
        ItemPath::InGroup { group, item, .. } => match top_item(group).map(|g| &g.kind) {
            Some(ItemKind::Repeat { items, .. }) => {
                items.iter().find(|i| &i.id == item).ok_or_else(unknown)
            }
            _ => Err(unknown()),
        },
    }
}

/// Reads an answer given as JSON for the item at `path`; `null` means "clear the answer".
pub fn parse_answer(
    t: &Template,
    path: &str,
    json: &Value,
) -> Result<(ItemPath, Option<AnswerValue>), AnswerError> {
    let path = ItemPath::parse(path)?;
    let item = find_item(t, &path)?;
    if json.is_null() {
        return Ok((path, None));
    }
    let value = parse_value(item, &path.to_string(), json)?;
    Ok((path, Some(value)))
}

fn wrong(at: &str, expected: &'static str) -> AnswerError {
    AnswerError::WrongType {
        item: at.to_string(),
        expected,
    }
}

/// Converts JSON to a typed answer for `item`, checking type, options, ranges and lengths.
pub fn parse_value(item: &Item, at: &str, json: &Value) -> Result<AnswerValue, AnswerError> {
    let out_of_range = |reason: String| AnswerError::OutOfRange {
        item: at.to_string(),
        reason,
    };
    match &item.kind {
        ItemKind::YesNo => json
            .as_bool()
            .map(AnswerValue::Bool)
            .ok_or_else(|| wrong(at, "true or false")),
        ItemKind::SingleChoice { options } => {
            let v = json
                .as_str()
                .ok_or_else(|| wrong(at, "an option value (text)"))?;
            if options.iter().any(|o| o.value == v) {
                Ok(AnswerValue::Choice(v.to_string()))
            } else {
                Err(AnswerError::UnknownOption {
                    item: at.to_string(),
                })
            }
        }
        ItemKind::MultiChoice { options, exclusive } => {
            let list = json
                .as_array()
                .ok_or_else(|| wrong(at, "a list of option values"))?;
            let mut chosen = Vec::new();
            for v in list {
                let v = v
                    .as_str()
                    .ok_or_else(|| wrong(at, "a list of option values"))?;
                if !options.iter().any(|o| o.value == v) {
                    return Err(AnswerError::UnknownOption {
                        item: at.to_string(),
                    });
                }
                if !chosen.iter().any(|c| c == v) {
                    chosen.push(v.to_string());
                }
            }
            if chosen.len() > 1
                && let Some(x) = exclusive.iter().find(|x| chosen.contains(x))
            {
                return Err(AnswerError::ExclusiveOption {
                    item: at.to_string(),
                    option: x.clone(),
                });
            }
            // Template order, so equal selections are equal values.
            chosen.sort_by_key(|c| options.iter().position(|o| &o.value == c));
            Ok(AnswerValue::Choices(chosen))
        }
        ItemKind::Integer { min, max, .. } => {
            let n = json.as_i64().ok_or_else(|| wrong(at, "a whole number"))?;
            if let Some(lo) = min
                && n < *lo
            {
                return Err(out_of_range(format!("must be at least {lo}")));
            }
            if let Some(hi) = max
                && n > *hi
            {
                return Err(out_of_range(format!("must be at most {hi}")));
            }
            Ok(AnswerValue::Integer(n))
        }
        ItemKind::Decimal { min, max, .. } => {
            let n = json
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| wrong(at, "a number"))?;
            if let Some(lo) = min
                && n < *lo
            {
                return Err(out_of_range(format!("must be at least {lo}")));
            }
            if let Some(hi) = max
                && n > *hi
            {
                return Err(out_of_range(format!("must be at most {hi}")));
            }
            Ok(AnswerValue::Decimal(n))
        }
        ItemKind::Text { max_length } => {
            let s = json.as_str().ok_or_else(|| wrong(at, "text"))?;
            if s.chars().count() > *max_length as usize {
                return Err(AnswerError::TooLong {
                    item: at.to_string(),
                    max: *max_length,
                });
            }
            Ok(AnswerValue::Text(s.to_string()))
        }
        ItemKind::Date => {
            let s = json
                .as_str()
                .ok_or_else(|| wrong(at, "a date as YYYY-MM-DD"))?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(AnswerValue::Date)
                .map_err(|_| wrong(at, "a date as YYYY-MM-DD"))
        }
        ItemKind::Photo { .. } => Err(AnswerError::PhotoItem {
            item: at.to_string(),
        }),
        ItemKind::Investigators { max_count } => {
            parse_investigators(at, json, *max_count).map(AnswerValue::Investigators)
        }
        ItemKind::Signature => {
            let signer = match json {
                Value::String(s) => s.as_str(),
                Value::Object(o) => o.get("signer").and_then(Value::as_str).unwrap_or(""),
                _ => "",
            };
            if signer.trim().is_empty() || signer.chars().count() > 100 {
                return Err(wrong(at, "the signer's name (1 to 100 characters)"));
            }
            let image = json
                .get("image")
                .and_then(Value::as_str)
                .map(str::to_string);
            Ok(AnswerValue::Signature {
                signer: signer.to_string(),
                image,
            })
        }
        ItemKind::Repeat {
            items, max_count, ..
        } => {
            let list = json
                .as_array()
                .ok_or_else(|| wrong(at, "a list of instances"))?;
            if list.len() > *max_count as usize {
                return Err(AnswerError::Count {
                    item: at.to_string(),
                    min: 0,
                    max: *max_count,
                    found: list.len(),
                });
            }
            let mut instances = Vec::with_capacity(list.len());
            for (i, inst) in list.iter().enumerate() {
                let obj = inst
                    .as_object()
                    .ok_or_else(|| wrong(at, "a list of objects"))?;
                let mut answers = Answers::new();
                for (key, v) in obj {
                    let child_at = format!("{at}[{i}].{key}");
                    let child = items.iter().find(|c| &c.id == key).ok_or_else(|| {
                        AnswerError::UnknownItem {
                            item: child_at.clone(),
                        }
                    })?;
                    if !v.is_null() {
                        answers.insert(key.clone(), parse_value(child, &child_at, v)?);
                    }
                }
                instances.push(answers);
            }
            Ok(AnswerValue::Repeat(instances))
        }
    }
}

/// Every reason the visit cannot be sealed yet, in template order (empty when complete).
/// `typed_investigators` are the names given for the whole visit, counted only when the template
/// has no investigators item.
pub fn check_complete(
    t: &Template,
    answers: &Answers,
    typed_investigators: &[String],
    date: NaiveDate,
    facts: &Facts,
) -> Vec<AnswerError> {
    let mut problems = Vec::new();
    let Ok(top) = Scope::of_template(t) else {
        return problems;
    };
    let ev = Evaluator::new(&top, answers, date, facts);
    for item in t.sections.iter().flat_map(|s| s.items.iter()) {
        if !ev.is_visible(&item.id) {
            continue;
        }
        check_item(item, answers.get(&item.id), &item.id, &mut problems);
        if let (ItemKind::Repeat { items, .. }, Some(AnswerValue::Repeat(list))) =
            (&item.kind, answers.get(&item.id))
        {
            let Ok(scope) = Scope::of_group(item) else {
                continue;
            };
            for (i, inst) in list.iter().enumerate() {
                let iev = ev.instance(&scope, inst);
                for child in items {
                    if iev.is_visible(&child.id) {
                        check_item(
                            child,
                            inst.get(&child.id),
                            &format!("{}[{i}].{}", item.id, child.id),
                            &mut problems,
                        );
                    }
                }
            }
        }
    }
    match people_of_visit(t, answers, |id| ev.is_visible(id), typed_investigators) {
        Err(duplicate) => problems.push(duplicate),
        Ok(people) if people.len() < t.min_investigators as usize => {
            problems.push(AnswerError::Investigators {
                required: t.min_investigators,
                found: people.len(),
            });
        }
        Ok(_) => {}
    }
    problems
}

fn check_item(
    item: &Item,
    answer: Option<&AnswerValue>,
    at: &str,
    problems: &mut Vec<AnswerError>,
) {
    let count = |min: u32, max: u32, found: usize| AnswerError::Count {
        item: at.to_string(),
        min,
        max,
        found,
    };
    match (&item.kind, answer) {
        (
            ItemKind::Photo {
                min_count,
                max_count,
                ..
            },
            a,
        ) if is_photo(&item.kind) => {
            let n = match a {
                Some(AnswerValue::Photos(p)) => p.len(),
                _ => 0,
            };
            if (item.required || n > 0)
                && (n < (*min_count).max(1) as usize || n > *max_count as usize)
            {
                problems.push(count((*min_count).max(1), *max_count, n));
            }
        }
        (
            ItemKind::Repeat {
                min_count,
                max_count,
                ..
            },
            a,
        ) => {
            let n = match a {
                Some(AnswerValue::Repeat(r)) => r.len(),
                _ => 0,
            };
            if item.required && n == 0 {
                problems.push(AnswerError::Required {
                    item: at.to_string(),
                });
            } else if n < *min_count as usize || n > *max_count as usize {
                problems.push(count(*min_count, *max_count, n));
            }
        }
        // An empty selection or blank text is no answer: the worker must confirm "none" explicitly.
        (
            _,
            None
            | Some(AnswerValue::Choices(_) | AnswerValue::Text(_) | AnswerValue::Investigators(_)),
        ) if item.required && is_blank(answer) => problems.push(AnswerError::Required {
            item: at.to_string(),
        }),
        _ => {}
    }
}

fn is_blank(answer: Option<&AnswerValue>) -> bool {
    match answer {
        None => true,
        Some(AnswerValue::Choices(v)) => v.is_empty(),
        Some(AnswerValue::Text(t)) => t.trim().is_empty(),
        Some(AnswerValue::Investigators(p)) => p.is_empty(),
        Some(_) => false,
    }
}

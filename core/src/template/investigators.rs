//! Investigators: the people who carried out a visit. They are picked from the station's staff list
//! (by staff id) that arrives with the assignments; a typed name is only the fallback for someone
//! not on the list. One person counts once, and the same person entered twice is refused.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AnswerError, AnswerValue, Answers, ItemKind, Template};
use crate::protocol::StaffMember;

/// How errors name the visit-level list of investigators (templates without an investigators
/// item).
pub const VISIT_INVESTIGATORS: &str = "investigators";

/// Why an investigators answer naming one person twice is refused.
pub const SAME_PERSON_TWICE: &str = "the same person is entered twice (同一人员重复填写)";

/// The refusal of a list that names one person twice, naming the item.
pub fn same_person_twice(at: &str) -> AnswerError {
    AnswerError::OutOfRange {
        item: at.to_string(),
        reason: SAME_PERSON_TWICE.to_string(),
    }
}

/// Longest staff id or typed name accepted.
const MAX_CHARS: usize = 64;

/// One investigator of a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct Investigator {
    /// Staff account id, when picked from the station's staff list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// The name: from the staff list for a pick, as typed otherwise.
    pub name: String,
}

impl Investigator {
    /// Whether two entries are the same person: the same staff id, or (when either was typed) the
    /// same name once spaces and letter case are ignored.
    pub fn same_person(&self, other: &Investigator) -> bool {
        match (&self.staff_id, &other.staff_id) {
            (Some(a), Some(b)) => a == b,
            _ => normalised(&self.name) == normalised(&other.name),
        }
    }
}

fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_CHARS)
}

/// Reads an investigators answer: a list whose entries are `{"staff_id": "…"}` (a pick from the
/// staff list) or `{"name": "…"}` / `"…"` (a typed name).
pub(crate) fn parse_investigators(
    at: &str,
    json: &Value,
    max_count: u32,
) -> Result<Vec<Investigator>, AnswerError> {
    let wrong = || AnswerError::WrongType {
        item: at.to_string(),
        expected: "a list of {\"staff_id\": …} or {\"name\": …} (1 to 64 characters each)",
    };
    let list = json.as_array().ok_or_else(wrong)?;
    if list.len() > max_count as usize {
        return Err(AnswerError::Count {
            item: at.to_string(),
            min: 0,
            max: max_count,
            found: list.len(),
        });
    }
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let person = match entry {
            Value::String(_) => Investigator {
                staff_id: None,
                name: text(entry).ok_or_else(wrong)?.to_string(),
            },
            Value::Object(o) if o.keys().all(|k| k == "staff_id" || k == "name") => {
                match (o.get("staff_id"), o.get("name")) {
                    (Some(id), name) => Investigator {
                        staff_id: Some(text(id).ok_or_else(wrong)?.to_string()),
                        name: name.and_then(text).unwrap_or_default().to_string(),
                    },
                    (None, Some(name)) => Investigator {
                        staff_id: None,
                        name: text(name).ok_or_else(wrong)?.to_string(),
                    },
                    (None, None) => return Err(wrong()),
                }
            }
            _ => return Err(wrong()),
        };
        out.push(person);
    }
    check_distinct(at, &out)?;
    Ok(out)
}

/// Refuses a list that names one person twice.
pub(crate) fn check_distinct(at: &str, list: &[Investigator]) -> Result<(), AnswerError> {
    for (i, a) in list.iter().enumerate() {
        if list[..i].iter().any(|b| a.same_person(b)) {
            return Err(same_person_twice(at));
        }
    }
    Ok(())
}

/// Gives each pick its name from the station's staff list, refusing ids not on it (as options the
/// item does not offer), then checks
/// again that no person is named twice (a typed name may be a picked colleague's).
pub fn resolve_staff(
    at: &str,
    list: &mut [Investigator],
    staff: &[StaffMember],
) -> Result<(), AnswerError> {
    for person in list.iter_mut() {
        if let Some(id) = &person.staff_id {
            let member =
                staff
                    .iter()
                    .find(|m| &m.id == id)
                    .ok_or_else(|| AnswerError::UnknownOption {
                        item: at.to_string(),
                    })?;
            person.name = member.name.clone();
        }
    }
    check_distinct(at, list)
}

/// Typed names given for the whole visit (outside any item): blank names dropped, the same name
/// twice refused.
pub fn typed_investigators(names: Vec<String>) -> Result<Vec<String>, AnswerError> {
    let people: Vec<Investigator> = names
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .map(|name| Investigator {
            staff_id: None,
            name,
        })
        .collect();
    check_distinct(VISIT_INVESTIGATORS, &people)?;
    Ok(people.into_iter().map(|p| p.name).collect())
}

/// The distinct people who carried out a visit: the answers of the template's visible
/// investigators items or, when it has none, the names typed for the whole visit. A person named
/// twice (also across two items) is refused with the item that names them again.
pub fn people_of_visit(
    t: &Template,
    answers: &Answers,
    visible: impl Fn(&str) -> bool,
    typed: &[String],
) -> Result<Vec<Investigator>, AnswerError> {
    let items: Vec<&str> = t
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| matches!(i.kind, ItemKind::Investigators { .. }))
        .map(|i| i.id.as_str())
        .collect();
    if items.is_empty() {
        let people: Vec<Investigator> = typed
            .iter()
            .map(|name| Investigator {
                staff_id: None,
                name: name.clone(),
            })
            .collect();
        check_distinct(VISIT_INVESTIGATORS, &people)?;
        return Ok(people);
    }
    let mut people: Vec<Investigator> = Vec::new();
    for id in items.into_iter().filter(|id| visible(id)) {
        let Some(AnswerValue::Investigators(list)) = answers.get(id) else {
            continue;
        };
        for person in list {
            if people.iter().any(|p| p.same_person(person)) {
                return Err(same_person_twice(id));
            }
            people.push(person.clone());
        }
    }
    Ok(people)
}

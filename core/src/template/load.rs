//! Loading a template: JSON syntax, item shapes (types and parameter names), then the semantic checks
//! (ids, options, ranges, references, cycles, scores). Every error names what is wrong and where.

use serde_json::{Map, Value};

use super::check::check_template;
use super::{Item, TEMPLATE_FORMAT, Template, TemplateError};
use crate::protocol::redacted_json_error;

const COMMON_FIELDS: [&str; 6] = ["id", "type", "label", "help", "required", "visible_if"];

fn type_fields(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "yes_no" | "date" | "signature" => &[],
        "single_choice" => &["options"],
        "multi_choice" => &["options", "exclusive"],
        "integer" | "decimal" => &["unit", "min", "max"],
        "text" => &["max_length"],
        "photo" => &["min_count", "max_count", "purpose"],
        "investigators" => &["max_count"],
        "repeat" => &["items", "min_count", "max_count", "computed"],
        _ => return None,
    })
}

/// Parses and checks a template document.
pub fn load_template(json: &str) -> Result<Template, TemplateError> {
    let doc: Value = serde_json::from_str(json).map_err(|e| TemplateError::Json {
        reason: redacted_json_error(&e),
    })?;
    let format = doc.get("format").and_then(Value::as_u64);
    match format {
        Some(f) if f == u64::from(TEMPLATE_FORMAT) => {}
        Some(f) => {
            return Err(TemplateError::UnsupportedFormat {
                found: f,
                supported: TEMPLATE_FORMAT,
            });
        }
        None => {
            return Err(TemplateError::Json {
                reason: "missing or non-numeric field `format`".into(),
            });
        }
    }
    if let Some(sections) = doc.get("sections").and_then(Value::as_array) {
        for (si, section) in sections.iter().enumerate() {
            if let Some(items) = section.get("items").and_then(Value::as_array) {
                check_item_shapes(items, &format!("sections[{si}]"))?;
            }
        }
    }
    // Parsed from the text (not the value) so that any remaining error keeps its line and column.
    let template: Template = serde_json::from_str(json).map_err(|e| TemplateError::Json {
        reason: redacted_json_error(&e),
    })?;
    check_template(&template)?;
    Ok(template)
}

/// Checks that every item has an id and a known type and only the fields that type has, so that a
/// typo such as `"mx": 10` fails instead of silently dropping the bound.
fn check_item_shapes(items: &[Value], at: &str) -> Result<(), TemplateError> {
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(TemplateError::Json {
                reason: format!("{at}.items[{i}] is not an object"),
            });
        };
        let id = match obj.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => {
                return Err(TemplateError::MissingField {
                    item: format!("{at}.items[{i}]"),
                    field: "id",
                });
            }
        };
        let Some(type_name) = obj.get("type").and_then(Value::as_str) else {
            return Err(TemplateError::MissingField {
                item: id,
                field: "type",
            });
        };
        let Some(allowed) = type_fields(type_name) else {
            return Err(TemplateError::UnknownType {
                item: id,
                type_name: type_name.to_string(),
            });
        };
        check_fields(obj, &id, allowed)?;
        if type_name == "repeat"
            && let Some(inner) = obj.get("items").and_then(Value::as_array)
        {
            check_item_shapes(inner, &id)?;
        }
        // Parse the item alone so a value of the wrong type is reported with the item's id.
        if let Err(e) = serde_json::from_value::<Item>(item.clone()) {
            return Err(TemplateError::Json {
                reason: format!("item {id}: {}", redacted_json_error(&e)),
            });
        }
    }
    Ok(())
}

fn check_fields(obj: &Map<String, Value>, id: &str, allowed: &[&str]) -> Result<(), TemplateError> {
    for key in obj.keys() {
        if !COMMON_FIELDS.contains(&key.as_str()) && !allowed.contains(&key.as_str()) {
            return Err(TemplateError::UnknownField {
                item: id.to_string(),
                field: key.clone(),
            });
        }
    }
    Ok(())
}

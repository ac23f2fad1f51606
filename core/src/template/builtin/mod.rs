//! The built-in templates for the three visit types of `docs/domain.md` §3.

pub mod sample;

use super::{Template, TemplateError, load_template};

/// Economic verification (低保/特困/临时救助 入户调查).
pub const ECONOMIC_JSON: &str = include_str!("economic.json");
/// Child family follow-up and guardianship assessment (儿童家庭随访/监护评估).
pub const CHILD_JSON: &str = include_str!("child.json");
/// Elderly welfare visit (老人巡访).
pub const ELDERLY_JSON: &str = include_str!("elderly.json");

/// Loads all built-in templates.
pub fn builtin_templates() -> Result<Vec<Template>, TemplateError> {
    [ECONOMIC_JSON, CHILD_JSON, ELDERLY_JSON]
        .into_iter()
        .map(load_template)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_builtin_templates_load() {
        for json in [ECONOMIC_JSON, CHILD_JSON, ELDERLY_JSON] {
            if let Err(e) = load_template(json) {
                panic!("built-in template does not load: {e}");
            }
        }
    }
}

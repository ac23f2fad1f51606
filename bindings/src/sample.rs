//! A complete, fictitious answer set for a built-in template, for demos and tests: typed and by
//! item path, exactly as a draft gives its answers back, so it is sent with `answer()` one by one.

use fieldvisit_core::template::builtin::builtin_templates;
use fieldvisit_core::template::builtin::sample::{sample_answers as sample_json, to_answers};

use crate::FieldVisitError;
use crate::answers::{DraftAnswer, plain_answers};

/// The sample answers of a built-in template (`child-guardianship`, `economic-verification`,
/// `elderly-welfare`), by item path in the order `answer()` takes them (a repeat group's entries
/// in order). Photos are not included: the sample's photo items still need `attach_photo`.
#[uniffi::export]
pub fn sample_answers(template_id: String) -> Result<Vec<DraftAnswer>, FieldVisitError> {
    let not_found = || FieldVisitError::NotFound {
        what: format!("sample answers of template {template_id}"),
    };
    let json = sample_json(&template_id).ok_or_else(not_found)?;
    let template = builtin_templates()?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or_else(not_found)?;
    Ok(plain_answers(&to_answers(&template, &json)?).answers)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::answer_value::AnswerValue;

    #[test]
    fn every_built_in_template_has_typed_samples_by_path() {
        for id in [
            "child-guardianship",
            "economic-verification",
            "elderly-welfare",
        ] {
            let answers = sample_answers(id.to_string()).unwrap();
            assert!(!answers.is_empty(), "{id}");
        }
        let economic = sample_answers("economic-verification".to_string()).unwrap();
        assert!(economic.iter().any(|a| a.path.starts_with("members[0].")));
        assert!(economic.iter().any(|a| matches!(
            a.value,
            AnswerValue::Integer { .. } | AnswerValue::Decimal { .. }
        )));
    }

    #[test]
    fn an_unknown_template_has_no_samples() {
        assert!(matches!(
            sample_answers("no-such-template".to_string()),
            Err(FieldVisitError::NotFound { .. })
        ));
    }
}

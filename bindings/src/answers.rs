//! A draft's answers in the form `answer()` takes: one typed value per item path (`item` or
//! `group[n].item`), so a screen restores a draft with the same call it answers with. Photos are
//! not answers (`attach_photo` adds them); they are listed by item path.

use std::collections::HashMap;

use fieldvisit_core::template::{AnswerValue as Stored, Answers};

use crate::answer_value::AnswerValue;
use crate::counts::count;

/// One answer: `answer(visit_id, path, value)` gives it back.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DraftAnswer {
    /// Item path: `item` or `group[n].item`.
    pub path: String,
    /// The value, as `answer()` takes it.
    pub value: AnswerValue,
}

/// What a draft holds, in the shapes the app works with.
#[derive(Debug, Default)]
pub(crate) struct PlainAnswers {
    /// Answers in template id order, repeat instances in order.
    pub answers: Vec<DraftAnswer>,
    /// Photo ids by item path, in the order they were attached.
    pub photos: HashMap<String, Vec<String>>,
    /// Instances of each repeat group that has any.
    pub instances: HashMap<String, i32>,
}

/// Splits stored answers into answers by path, photos and repeat-group sizes.
pub(crate) fn plain_answers(answers: &Answers) -> PlainAnswers {
    let mut out = PlainAnswers::default();
    for (id, value) in answers {
        match value {
            Stored::Repeat(list) if !list.is_empty() => {
                out.instances.insert(id.clone(), count(list.len()));
                for (n, instance) in list.iter().enumerate() {
                    for (child, v) in instance {
                        put(&mut out, format!("{id}[{n}].{child}"), v);
                    }
                }
            }
            v => put(&mut out, id.clone(), v),
        }
    }
    out
}

fn put(out: &mut PlainAnswers, path: String, value: &Stored) {
    if let Stored::Photos(ids) = value {
        out.photos.insert(path, ids.clone());
    } else if let Some(value) = AnswerValue::from_stored(value) {
        out.answers.push(DraftAnswer { path, value });
    }
    // Nothing else is left: templates forbid a repeat group inside another, so an entry never
    // holds entries of its own.
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn stored_answers_come_back_as_answer_calls() {
        let mut member = BTreeMap::new();
        member.insert("age".to_string(), Stored::Integer(9));
        member.insert("photo".to_string(), Stored::Photos(vec!["p2".to_string()]));
        let mut answers = Answers::new();
        answers.insert("ok".into(), Stored::Bool(true));
        answers.insert("kind".into(), Stored::Choice("a".into()));
        answers.insert(
            "when".into(),
            Stored::Date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
        );
        answers.insert(
            "sign".into(),
            Stored::Signature {
                signer: "x".into(),
                image: None,
            },
        );
        answers.insert("door".into(), Stored::Photos(vec!["p1".into()]));
        answers.insert("members".into(), Stored::Repeat(vec![member]));
        answers.insert("supporters".into(), Stored::Repeat(vec![]));
        let plain = plain_answers(&answers);
        let pairs: Vec<(&str, &AnswerValue)> = plain
            .answers
            .iter()
            .map(|a| (a.path.as_str(), &a.value))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("kind", &AnswerValue::Choice { value: "a".into() }),
                ("members[0].age", &AnswerValue::Integer { value: 9 }),
                ("ok", &AnswerValue::Bool { value: true }),
                (
                    "sign",
                    &AnswerValue::Signature {
                        signer: "x".into(),
                        image: None
                    }
                ),
                ("supporters", &AnswerValue::NoEntries),
                (
                    "when",
                    &AnswerValue::Date {
                        value: "2026-05-01".into()
                    }
                ),
            ]
        );
        assert_eq!(plain.photos["door"], vec!["p1".to_string()]);
        assert_eq!(plain.photos["members[0].photo"], vec!["p2".to_string()]);
        assert_eq!(plain.instances["members"], 1);
        assert!(!plain.instances.contains_key("supporters"));
    }
}

//! A draft's answers in the form `answer()` takes: one entry per item path (`item` or
//! `group[n].item`) with its value as JSON, so a screen restores a draft with the same call it
//! answers with. Photos are not answers (`attach_photo` adds them); they are listed by item path.

use std::collections::HashMap;

use fieldvisit_core::template::{AnswerValue, Answers};
use serde_json::{Value, json};

use crate::counts::count;

/// One answer: `answer(visit_id, path, value_json)` gives it back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DraftAnswer {
    /// Item path: `item` or `group[n].item`.
    pub path: String,
    /// The value as JSON, as `answer()` takes it (`true`, `"option"`, `["a", "b"]`, `12`,
    /// `"2026-05-01"`, `{"signer": "…"}`).
    pub value_json: String,
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

/// Splits stored answers into plain answers, photos and repeat-group sizes.
pub(crate) fn plain_answers(answers: &Answers) -> PlainAnswers {
    let mut out = PlainAnswers::default();
    for (id, value) in answers {
        match value {
            AnswerValue::Repeat(list) => {
                if list.is_empty() {
                    // "None of these": answered, with no entries; `answer()` takes it as `[]`.
                    put(&mut out, id.clone(), value);
                } else {
                    out.instances.insert(id.clone(), count(list.len()));
                }
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

fn put(out: &mut PlainAnswers, path: String, value: &AnswerValue) {
    if let AnswerValue::Photos(ids) = value {
        out.photos.insert(path, ids.clone());
    } else {
        out.answers.push(DraftAnswer {
            path,
            value_json: plain(value).to_string(),
        });
    }
}

/// The JSON `answer()` reads into `value`.
fn plain(value: &AnswerValue) -> Value {
    match value {
        AnswerValue::Bool(b) => json!(b),
        AnswerValue::Choice(s) | AnswerValue::Text(s) => json!(s),
        AnswerValue::Choices(list) => json!(list),
        AnswerValue::Integer(n) => json!(n),
        AnswerValue::Decimal(x) => json!(x),
        AnswerValue::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
        AnswerValue::Photos(ids) => json!(ids),
        AnswerValue::Signature { signer, image } => match image {
            Some(image) => json!({ "signer": signer, "image": image }),
            None => json!({ "signer": signer }),
        },
        // An empty group, or a repeat group inside a repeat group (which paths cannot name).
        AnswerValue::Repeat(list) => Value::Array(
            list.iter()
                .map(|instance| {
                    Value::Object(
                        instance
                            .iter()
                            .filter(|(_, v)| !matches!(v, AnswerValue::Photos(_)))
                            .map(|(k, v)| (k.clone(), plain(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
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
        member.insert("age".to_string(), AnswerValue::Integer(9));
        member.insert(
            "photo".to_string(),
            AnswerValue::Photos(vec!["p2".to_string()]),
        );
        let mut answers = Answers::new();
        answers.insert("ok".into(), AnswerValue::Bool(true));
        answers.insert("kind".into(), AnswerValue::Choice("a".into()));
        answers.insert(
            "when".into(),
            AnswerValue::Date(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
        );
        answers.insert(
            "sign".into(),
            AnswerValue::Signature {
                signer: "x".into(),
                image: None,
            },
        );
        answers.insert("door".into(), AnswerValue::Photos(vec!["p1".into()]));
        answers.insert("members".into(), AnswerValue::Repeat(vec![member]));
        answers.insert("supporters".into(), AnswerValue::Repeat(vec![]));
        let plain = plain_answers(&answers);
        let pairs: Vec<(&str, &str)> = plain
            .answers
            .iter()
            .map(|a| (a.path.as_str(), a.value_json.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("kind", "\"a\""),
                ("members[0].age", "9"),
                ("ok", "true"),
                ("sign", "{\"signer\":\"x\"}"),
                ("supporters", "[]"),
                ("when", "\"2026-05-01\""),
            ]
        );
        assert_eq!(plain.photos["door"], vec!["p1".to_string()]);
        assert_eq!(plain.photos["members[0].photo"], vec!["p2".to_string()]);
        assert_eq!(plain.instances["members"], 1);
        assert!(!plain.instances.contains_key("supporters"));
    }
}

//! One answer, typed, as it crosses the FFI: what `answer()` takes and what a draft gives back for
//! one item path. It mirrors the core's `AnswerValue` for everything a path can name; photos are
//! not answers (`attach_photo` adds them) and a repeat group's entries are answered by
//! `group[n].item` paths, so neither appears here.
//!
//! The core stays the judge: a value goes to it in the answer JSON of `core/TEMPLATES.md`, and the
//! item's type decides how it is read, so a value of the wrong kind is refused there (`WrongType`,
//! naming the item) exactly as before.

use fieldvisit_core::template::{AnswerValue as Stored, Investigator};
use serde_json::{Value, json};

/// An answer to one item (`item` or `group[n].item`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerValue {
    /// yes_no.
    Bool {
        /// Yes (`true`) or no.
        value: bool,
    },
    /// single_choice: the option's value.
    Choice {
        /// Option value.
        value: String,
    },
    /// multi_choice: option values (stored in template order, duplicates dropped).
    Choices {
        /// Option values.
        values: Vec<String>,
    },
    /// integer.
    Integer {
        /// The number.
        value: i64,
    },
    /// decimal.
    Decimal {
        /// The number (finite).
        value: f64,
    },
    /// text.
    Text {
        /// The text.
        value: String,
    },
    /// date, as `YYYY-MM-DD`.
    Date {
        /// The day, `YYYY-MM-DD`.
        value: String,
    },
    /// signature: who signed, and the photo id of a captured signature image.
    Signature {
        /// Signer's name.
        signer: String,
        /// Photo id of the signature image.
        image: Option<String>,
    },
    /// A repeat group confirmed to have no entries ("none of these").
    NoEntries,
    /// investigators: the people who carried out the visit, each once. A pick from the station's
    /// staff list (`station_staff`) gives its `staff_id` and the core fills in the name; someone
    /// not on the list is given by `name` alone.
    Investigators {
        /// The people, in the order given.
        people: Vec<Investigator>,
    },
}

impl AnswerValue {
    /// The answer JSON the core reads for the item.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            AnswerValue::Bool { value } => json!(value),
            AnswerValue::Choice { value }
            | AnswerValue::Text { value }
            | AnswerValue::Date { value } => json!(value),
            AnswerValue::Choices { values } => json!(values),
            AnswerValue::Integer { value } => json!(value),
            // JSON has no NaN or infinity (serde_json would write `null`, which clears the
            // answer): as text, the core refuses it as the wrong type, naming the item.
            AnswerValue::Decimal { value } => serde_json::Number::from_f64(*value)
                .map_or_else(|| json!(value.to_string()), Value::Number),
            AnswerValue::Signature { signer, image } => match image {
                Some(image) => json!({ "signer": signer, "image": image }),
                None => json!({ "signer": signer }),
            },
            AnswerValue::NoEntries => json!([]),
            AnswerValue::Investigators { people } => people
                .iter()
                .map(|p| match &p.staff_id {
                    Some(id) => json!({ "staff_id": id }),
                    None => json!({ "name": p.name }),
                })
                .collect(),
        }
    }

    /// The typed form of a stored answer; `None` for photos, and for a repeat group's entries,
    /// which are given by path.
    pub(crate) fn from_stored(value: &Stored) -> Option<AnswerValue> {
        Some(match value {
            Stored::Bool(b) => AnswerValue::Bool { value: *b },
            Stored::Choice(s) => AnswerValue::Choice { value: s.clone() },
            Stored::Choices(list) => AnswerValue::Choices {
                values: list.clone(),
            },
            Stored::Integer(n) => AnswerValue::Integer { value: *n },
            Stored::Decimal(x) => AnswerValue::Decimal { value: *x },
            Stored::Text(s) => AnswerValue::Text { value: s.clone() },
            Stored::Date(d) => AnswerValue::Date {
                value: d.format("%Y-%m-%d").to_string(),
            },
            Stored::Signature { signer, image } => AnswerValue::Signature {
                signer: signer.clone(),
                image: image.clone(),
            },
            Stored::Repeat(list) if list.is_empty() => AnswerValue::NoEntries,
            Stored::Investigators(people) => AnswerValue::Investigators {
                people: people.clone(),
            },
            Stored::Repeat(_) | Stored::Photos(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use fieldvisit_core::template::builtin::builtin_templates;
    use fieldvisit_core::template::{Template, parse_answer};

    use super::*;

    /// A built-in template with a top-level item of this type, and that item's id.
    fn item_of(type_name: &str) -> (Template, String) {
        builtin_templates()
            .unwrap()
            .into_iter()
            .find_map(|t| {
                let id = t
                    .sections
                    .iter()
                    .flat_map(|s| &s.items)
                    .find(|i| i.kind.type_name() == type_name)
                    .map(|i| i.id.clone())?;
                Some((t, id))
            })
            .expect(type_name)
    }

    #[test]
    fn every_kind_goes_through_the_core_and_comes_back_the_same() {
        let values = [
            ("yes_no", AnswerValue::Bool { value: true }),
            (
                "date",
                AnswerValue::Date {
                    value: "2015-03-12".into(),
                },
            ),
            (
                "text",
                AnswerValue::Text {
                    value: "文字 \"quoted\"".into(),
                },
            ),
            ("decimal", AnswerValue::Decimal { value: 1.5 }),
            (
                "signature",
                AnswerValue::Signature {
                    signer: "李明".into(),
                    image: None,
                },
            ),
        ];
        for (type_name, value) in values {
            let (t, path) = item_of(type_name);
            let (_, stored) = parse_answer(&t, &path, &value.to_json()).unwrap();
            assert_eq!(AnswerValue::from_stored(&stored.unwrap()), Some(value));
        }
    }

    #[test]
    fn stored_values_map_one_to_one() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let cases = [
            (Stored::Choice("a".into()), "\"a\""),
            (
                Stored::Choices(vec!["a".into(), "b".into()]),
                "[\"a\",\"b\"]",
            ),
            (Stored::Integer(-3), "-3"),
            (Stored::Decimal(45.5), "45.5"),
            (Stored::Date(date), "\"2026-05-01\""),
            (
                Stored::Signature {
                    signer: "x".into(),
                    image: Some("p".into()),
                },
                "{\"image\":\"p\",\"signer\":\"x\"}",
            ),
            (Stored::Repeat(vec![]), "[]"),
        ];
        for (stored, json) in cases {
            let typed = AnswerValue::from_stored(&stored).unwrap();
            assert_eq!(typed.to_json().to_string(), json, "{stored:?}");
        }
        assert_eq!(
            AnswerValue::from_stored(&Stored::Photos(vec!["p".into()])),
            None
        );
    }

    #[test]
    fn a_number_json_cannot_hold_is_refused_by_the_core_not_cleared() {
        let (t, path) = item_of("decimal");
        for x in [f64::NAN, f64::INFINITY] {
            let json = AnswerValue::Decimal { value: x }.to_json();
            assert!(!json.is_null());
            let e = parse_answer(&t, &path, &json).unwrap_err();
            assert!(e.to_string().contains(&path), "{e}");
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_naming_the_item() {
        let (t, path) = item_of("yes_no");
        let e = parse_answer(&t, &path, &AnswerValue::Integer { value: 1 }.to_json()).unwrap_err();
        assert!(e.to_string().contains(&path), "{e}");
    }

    #[test]
    fn investigators_go_as_picks_by_staff_id_or_typed_names() {
        let (t, path) = item_of("investigators");
        let people = vec![
            Investigator {
                staff_id: Some("s-1".into()),
                name: "李明".into(),
            },
            Investigator {
                staff_id: None,
                name: "王芳".into(),
            },
        ];
        let value = AnswerValue::Investigators {
            people: people.clone(),
        };
        assert_eq!(
            value.to_json().to_string(),
            "[{\"staff_id\":\"s-1\"},{\"name\":\"王芳\"}]"
        );
        let (_, stored) = parse_answer(&t, &path, &value.to_json()).unwrap();
        let Some(AnswerValue::Investigators { people: read }) =
            AnswerValue::from_stored(&stored.unwrap())
        else {
            panic!("investigators come back as investigators");
        };
        assert_eq!(read[0].staff_id.as_deref(), Some("s-1"));
        assert_eq!(read[1], people[1]);
        let twice = AnswerValue::Investigators {
            people: vec![people[1].clone(), people[1].clone()],
        };
        let e = parse_answer(&t, &path, &twice.to_json()).unwrap_err();
        assert!(
            e.to_string().contains(&path) && !e.to_string().contains("王芳"),
            "{e}"
        );
    }
}

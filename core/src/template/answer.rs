//! Typed answers. Apps hand answers over as JSON; the item's type decides how the JSON is read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::investigators::Investigator;

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum AnswerValue {
    /// yes_no.
    Bool(bool),
    /// single_choice: the option value.
    Choice(String),
    /// multi_choice: option values in template order.
    Choices(Vec<String>),
    /// integer.
    Integer(i64),
    /// decimal.
    Decimal(f64),
    /// text.
    Text(String),
    /// date.
    Date(NaiveDate),
    /// photo: photo ids.
    Photos(Vec<String>),
    /// repeat: one map of answers per instance.
    Repeat(Vec<BTreeMap<String, AnswerValue>>),
    /// signature: who signed, and an optional photo id of the drawn signature.
    Signature {
        /// Signer's name.
        signer: String,
        /// Photo id of the captured signature image.
        image: Option<String>,
    },
    /// investigators: the people, each named once.
    Investigators(Vec<Investigator>),
}

/// Answers of one visit or one repeat instance, by item id.
pub type Answers = BTreeMap<String, AnswerValue>;

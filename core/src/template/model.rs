//! The checklist template format (see `core/TEMPLATES.md`): sections of typed items, conditions,
//! computed values and scoring rules. These types are also the wire form sent to phones.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::condition::Condition;
use super::expr::Expr;
use crate::caseload::Category;

/// The template format version this build reads and writes.
pub const TEMPLATE_FORMAT: u32 = 1;

/// A text shown to users, Chinese first, English beside it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Which of the three visit types a template records.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// 低保/特困/临时救助 economic verification.
    Economic,
    /// Child family follow-up and guardianship assessment.
    Child,
    /// Elderly welfare visit.
    Elderly,
}

/// A checklist template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Format version of the document ([`TEMPLATE_FORMAT`]).
    pub format: u32,
    /// Stable id, e.g. `child-guardianship`.
    pub id: String,
    /// Content version; a sealed visit records the version it was answered against.
    pub version: u32,
    /// Title.
    pub title: Label,
    /// Visit type.
    pub visit_kind: VisitKind,
    /// Household categories this template serves.
    pub categories: Vec<Category>,
    /// Audiences whose keys may open the content, e.g. `child-welfare`.
    pub audiences: Vec<String>,
    /// Investigators required to seal (economic checks need two).
    #[serde(default = "one")]
    pub min_investigators: u32,
    /// Sections in display order.
    pub sections: Vec<Section>,
    /// Values computed from answers (per-capita income, age, counts).
    #[serde(default)]
    pub computed: Vec<Computed>,
    /// Scores that yield a level (risk, self-care, tier).
    #[serde(default)]
    pub scores: Vec<Score>,
    /// The score whose level sets the next visit date, if any.
    #[serde(default)]
    pub schedule_score: Option<String>,
}

fn one() -> u32 {
    1
}

/// A titled group of items, optionally shown only under a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Section id (unique among section ids).
    pub id: String,
    /// Title.
    pub title: Label,
    /// Shown only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    /// Items in display order.
    pub items: Vec<Item>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Item id, unique in its scope (the template, or one repeat group).
    pub id: String,
    /// Question text.
    pub label: Label,
    /// Help text for the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Label>,
    /// Must be answered (when visible) before sealing.
    #[serde(default)]
    pub required: bool,
    /// Shown only when this holds; a hidden item's answer is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<Condition>,
    /// The type and its parameters.
    #[serde(flatten)]
    pub kind: ItemKind,
}

/// One option of a choice item.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stored value.
    pub value: String,
    /// Shown text.
    pub label: Label,
}

/// Item types and their parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// Yes or no.
    YesNo,
    /// Exactly one of the options.
    SingleChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Any number of the options.
    MultiChoice {
        /// The options.
        options: Vec<ChoiceOption>,
        /// Option values that exclude all others (e.g. "none of these").
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusive: Vec<String>,
    },
    /// A whole number with an optional unit and range.
    Integer {
        /// Unit shown beside the field.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Label>,
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// A decimal number with an optional unit and range.
    Decimal {
        /// Unit shown beside the field.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<Label>,
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Free text up to a length in characters.
    Text {
        /// Maximum length in characters.
        max_length: u32,
    },
    /// A calendar date.
    Date,
    /// Photos taken in the app.
    Photo {
        /// Fewest photos when the item is answered (or required).
        #[serde(default)]
        min_count: u32,
        /// Most photos.
        max_count: u32,
        /// What the photos show (rooms, documents, injuries → restricted evidence).
        purpose: String,
    },
    /// A group answered once per instance (household members, neighbour interviews).
    Repeat {
        /// The items of one instance.
        items: Vec<Item>,
        /// Fewest instances.
        #[serde(default)]
        min_count: u32,
        /// Most instances.
        max_count: u32,
        /// Values computed per instance.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        computed: Vec<Computed>,
    },
    /// A signature: the signer's name and, optionally, a captured image.
    Signature,
    /// The people who carried out the visit: picks from the station's staff list, typed names as a
    /// fallback; `min_investigators` counts the distinct people here.
    Investigators {
        /// Most people.
        max_count: u32,
    },
}

impl ItemKind {
    /// The type name used in template documents.
    pub fn type_name(&self) -> &'static str {
        match self {
            ItemKind::YesNo => "yes_no",
            ItemKind::SingleChoice { .. } => "single_choice",
            ItemKind::MultiChoice { .. } => "multi_choice",
            ItemKind::Integer { .. } => "integer",
            ItemKind::Decimal { .. } => "decimal",
            ItemKind::Text { .. } => "text",
            ItemKind::Date => "date",
            ItemKind::Photo { .. } => "photo",
            ItemKind::Repeat { .. } => "repeat",
            ItemKind::Signature => "signature",
            ItemKind::Investigators { .. } => "investigators",
        }
    }
}

/// A value computed from answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Computed {
    /// Id, unique among items and computed values of its scope.
    pub id: String,
    /// Shown name.
    pub label: Label,
    /// How it is computed.
    pub expr: Expr,
}

/// A score: rules, each yielding a level when its condition holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    /// Score id.
    pub id: String,
    /// Shown name.
    pub label: Label,
    /// Levels, most severe first; when several rules fire the most severe level wins.
    pub levels: Vec<Level>,
    /// The rules; every rule that fires is recorded.
    pub rules: Vec<Rule>,
    /// Level when no rule fires.
    pub default_level: String,
    /// Whether a worker may override the computed level (a reason is then required).
    #[serde(default)]
    pub overridable: bool,
}

/// One level of a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Level id, e.g. `HIGH`.
    pub id: String,
    /// Shown name.
    pub label: Label,
}

/// A scoring rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule id, recorded when it fires.
    pub id: String,
    /// Level it yields.
    pub level: String,
    /// When it fires.
    pub when: Condition,
    /// Why, in words (shown to reviewers).
    pub label: Label,
}

/// A constant used in conditions and expressions.
pub type Constant = Value;

//! A template as a form renders it, typed: sections, items, their kinds with options, units,
//! ranges and counts, labels, and whether an item is shown only under a condition. Conditions,
//! computed values and scores stay in the core (they are judged there, through `evaluate`), which
//! is also why these records mirror the core's `Template` instead of being it: its conditions and
//! expressions hold JSON constants that do not cross the FFI.

use fieldvisit_core::template::{
    ChoiceOption, Item, ItemKind, Label, Section, Template, VisitKind,
};

use crate::counts::count;

/// The parts of a template a form renders.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateRecord {
    /// Template id, e.g. `child-guardianship`.
    pub id: String,
    /// Content version.
    pub version: i32,
    /// Title.
    pub title: Label,
    /// Visit type.
    pub visit_kind: VisitKind,
    /// Investigators required to seal.
    pub min_investigators: i32,
    /// Sections in display order.
    pub sections: Vec<SectionRecord>,
}

/// A titled group of items.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SectionRecord {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: Label,
    /// Shown only while a condition holds; `evaluate` says whether its items are hidden now.
    pub conditional: bool,
    /// Items in display order.
    pub items: Vec<ItemRecord>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemRecord {
    /// Item id, unique in its scope (the template, or one repeat group).
    pub id: String,
    /// Question text.
    pub label: Label,
    /// Help text for the worker.
    pub help: Option<Label>,
    /// Must be answered (when visible) before sealing.
    pub required: bool,
    /// Has a condition of its own, shown only while it holds; `evaluate` says whether it is
    /// hidden now (a conditional section's items are hidden with it).
    pub conditional: bool,
    /// The type and its parameters.
    pub kind: ItemKindRecord,
}

/// An item's type and its parameters (`core/TEMPLATES.md`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ItemKindRecord {
    /// Yes or no: answer `true` or `false`.
    YesNo,
    /// Exactly one option: answer its value.
    SingleChoice {
        /// The options.
        options: Vec<ChoiceOption>,
    },
    /// Any number of options: answer a list of values.
    MultiChoice {
        /// The options.
        options: Vec<ChoiceOption>,
        /// Values that exclude every other option ("none of these").
        exclusive: Vec<String>,
    },
    /// A whole number.
    Integer {
        /// Unit shown beside the field.
        unit: Option<Label>,
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// A decimal number.
    Decimal {
        /// Unit shown beside the field.
        unit: Option<Label>,
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
    /// Free text.
    Text {
        /// Maximum length in characters.
        max_length: i32,
    },
    /// A calendar date, answered as `YYYY-MM-DD`.
    Date,
    /// Photos taken in the app (`attach_photo`).
    Photo {
        /// Fewest photos when answered or required.
        min_count: i32,
        /// Most photos.
        max_count: i32,
        /// What the photos show.
        purpose: String,
    },
    /// A group answered once per entry, by `group[n].item` paths.
    Repeat {
        /// The items of one entry.
        items: Vec<ItemRecord>,
        /// Fewest entries.
        min_count: i32,
        /// Most entries.
        max_count: i32,
    },
    /// A signature: the signer's name, answered as text.
    Signature,
    /// The people who carried out the visit: picks from the station's staff list
    /// (`station_staff`), typed names only for someone not on it; nobody twice.
    Investigators {
        /// Most people.
        max_count: i32,
    },
}

impl From<&Template> for TemplateRecord {
    fn from(t: &Template) -> Self {
        TemplateRecord {
            id: t.id.clone(),
            version: count(t.version),
            title: t.title.clone(),
            visit_kind: t.visit_kind,
            min_investigators: count(t.min_investigators),
            sections: t.sections.iter().map(SectionRecord::from).collect(),
        }
    }
}

impl From<&Section> for SectionRecord {
    fn from(s: &Section) -> Self {
        SectionRecord {
            id: s.id.clone(),
            title: s.title.clone(),
            conditional: s.visible_if.is_some(),
            items: s.items.iter().map(ItemRecord::from).collect(),
        }
    }
}

impl From<&Item> for ItemRecord {
    fn from(i: &Item) -> Self {
        ItemRecord {
            id: i.id.clone(),
            label: i.label.clone(),
            help: i.help.clone(),
            required: i.required,
            conditional: i.visible_if.is_some(),
            kind: (&i.kind).into(),
        }
    }
}

impl From<&ItemKind> for ItemKindRecord {
    fn from(k: &ItemKind) -> Self {
        kind(k)
    }
}

fn kind(k: &ItemKind) -> ItemKindRecord {
    match k {
        ItemKind::YesNo => ItemKindRecord::YesNo,
        ItemKind::SingleChoice { options } => ItemKindRecord::SingleChoice {
            options: options.clone(),
        },
        ItemKind::MultiChoice { options, exclusive } => ItemKindRecord::MultiChoice {
            options: options.clone(),
            exclusive: exclusive.clone(),
        },
        ItemKind::Integer { unit, min, max } => ItemKindRecord::Integer {
            unit: unit.clone(),
            min: *min,
            max: *max,
        },
        ItemKind::Decimal { unit, min, max } => ItemKindRecord::Decimal {
            unit: unit.clone(),
            min: *min,
            max: *max,
        },
        ItemKind::Text { max_length } => ItemKindRecord::Text {
            max_length: count(*max_length),
        },
        ItemKind::Date => ItemKindRecord::Date,
        ItemKind::Photo {
            min_count,
            max_count,
            purpose,
        } => ItemKindRecord::Photo {
            min_count: count(*min_count),
            max_count: count(*max_count),
            purpose: purpose.clone(),
        },
        ItemKind::Repeat {
            items,
            min_count,
            max_count,
            ..
        } => ItemKindRecord::Repeat {
            items: items.iter().map(ItemRecord::from).collect(),
            min_count: count(*min_count),
            max_count: count(*max_count),
        },
        ItemKind::Signature => ItemKindRecord::Signature,
        ItemKind::Investigators { max_count } => ItemKindRecord::Investigators {
            max_count: count(*max_count),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use fieldvisit_core::template::builtin::builtin_templates;

    use super::*;

    #[test]
    fn every_built_in_template_crosses_typed() {
        for t in builtin_templates().unwrap() {
            let r = TemplateRecord::from(&t);
            assert_eq!(r.id, t.id);
            assert_eq!(r.sections.len(), t.sections.len());
            let items: usize = t.sections.iter().map(|s| s.items.len()).sum();
            let crossed: usize = r.sections.iter().map(|s| s.items.len()).sum();
            assert_eq!(crossed, items, "{}", t.id);
        }
    }

    #[test]
    fn groups_keep_their_entries_and_conditions() {
        let t = builtin_templates()
            .unwrap()
            .into_iter()
            .find(|t| t.id == "economic-verification")
            .expect("economic template");
        let r = TemplateRecord::from(&t);
        let members = r
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.id == "members")
            .expect("members group");
        let ItemKindRecord::Repeat { items, .. } = &members.kind else {
            panic!("members is a repeat group: {:?}", members.kind);
        };
        assert!(!items.is_empty());
        let conditional = |id: &str| {
            t.sections
                .iter()
                .flat_map(|s| &s.items)
                .find(|i| i.id == id)
                .is_some_and(|i| i.visible_if.is_some())
        };
        for i in r.sections.iter().flat_map(|s| &s.items) {
            assert_eq!(i.conditional, conditional(&i.id), "{}", i.id);
        }
    }
}

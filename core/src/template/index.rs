//! Lookup of items and computed values by id within a scope (the template, or one repeat group).

use std::collections::HashMap;

use super::{Computed, Condition, Item, ItemKind, Template, TemplateError};

/// An item and the condition of the section that holds it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemDef<'a> {
    pub item: &'a Item,
    pub section_visible_if: Option<&'a Condition>,
}

/// What an id names in a scope.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Def<'a> {
    Item(ItemDef<'a>),
    Computed(&'a Computed),
}

/// The ids of one scope.
#[derive(Debug, Default)]
pub(crate) struct Scope<'a> {
    pub defs: HashMap<&'a str, Def<'a>>,
    /// Ids in document order, for deterministic checks.
    pub order: Vec<&'a str>,
}

impl<'a> Scope<'a> {
    fn insert(&mut self, id: &'a str, def: Def<'a>) -> Result<(), TemplateError> {
        if self.defs.insert(id, def).is_some() {
            return Err(TemplateError::DuplicateId { id: id.to_string() });
        }
        self.order.push(id);
        Ok(())
    }

    /// The template's top-level scope.
    pub fn of_template(t: &'a Template) -> Result<Self, TemplateError> {
        let mut s = Scope::default();
        for section in &t.sections {
            for item in &section.items {
                s.insert(
                    &item.id,
                    Def::Item(ItemDef {
                        item,
                        section_visible_if: section.visible_if.as_ref(),
                    }),
                )?;
            }
        }
        for c in &t.computed {
            s.insert(&c.id, Def::Computed(c))?;
        }
        Ok(s)
    }

    /// The scope of one instance of a repeat group.
    pub fn of_group(group: &'a Item) -> Result<Self, TemplateError> {
        let mut s = Scope::default();
        if let ItemKind::Repeat {
            items, computed, ..
        } = &group.kind
        {
            for item in items {
                s.insert(
                    &item.id,
                    Def::Item(ItemDef {
                        item,
                        section_visible_if: None,
                    }),
                )?;
            }
            for c in computed {
                s.insert(&c.id, Def::Computed(c))?;
            }
        }
        Ok(s)
    }

    /// The item with this id, if it is one.
    pub fn item(&self, id: &str) -> Option<&'a Item> {
        match self.defs.get(id) {
            Some(Def::Item(d)) => Some(d.item),
            _ => None,
        }
    }
}

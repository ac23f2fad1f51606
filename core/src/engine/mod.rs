//! The engine the apps drive: one open store plus the templates in memory. Every operation is a
//! short transaction, so a killed app loses nothing that an operation reported as done.

mod caseload_ops;
mod chain;
mod draft_ops;
mod facts;
mod seal_ops;

pub use seal_ops::SealedSummary;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use crate::caseload::Category;
use crate::crypto::KeyProvider;
use crate::protocol::{Assignments, ProtocolError, StaffMember, WIRE_VERSION};
use crate::store::{RowCipher, Store, VisitState};
use crate::template::{Template, builtin};
use crate::visit::{Draft, VisitError};

/// The phone engine.
pub struct Engine {
    store: Store,
    templates: RwLock<HashMap<(String, u32), Arc<Template>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine(<store>)")
    }
}

impl Engine {
    /// Opens the store at `path` with the platform's master key. On a new store the built-in
    /// templates are installed so that visits can be recorded before the first sync.
    pub fn open(path: &Path, keys: &dyn KeyProvider) -> Result<Self, VisitError> {
        let store = Store::open(path, keys)?;
        let mut stored = store.templates()?;
        if stored.is_empty() {
            stored = builtin::builtin_templates()?;
            store.put_templates(&stored)?;
        }
        let engine = Engine {
            store,
            templates: RwLock::default(),
        };
        engine.cache_templates(stored);
        Ok(engine)
    }

    /// The underlying store (for sync and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn cache_templates(&self, list: Vec<Template>) {
        let mut map = self.templates.write().unwrap_or_else(|p| p.into_inner());
        for t in list {
            map.insert((t.id.clone(), t.version), Arc::new(t));
        }
    }

    /// A template by id and version (from memory, else the store).
    pub(crate) fn template(&self, id: &str, version: u32) -> Result<Arc<Template>, VisitError> {
        if let Some(t) = self
            .templates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(id.to_string(), version))
        {
            return Ok(t.clone());
        }
        let t = self
            .store
            .template(id, Some(version))?
            .ok_or_else(|| VisitError::NoTemplate(id.to_string()))?;
        self.cache_templates(vec![t]);
        self.templates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(id.to_string(), version))
            .cloned()
            .ok_or_else(|| VisitError::NoTemplate(id.to_string()))
    }

    /// The template of a visit that is still a draft, read from the visit's clear columns so that
    /// the draft itself is decrypted only once, inside the transaction that uses it.
    pub(crate) fn draft_template(&self, visit_id: &str) -> Result<Arc<Template>, VisitError> {
        let (state, id, version) = self
            .store
            .visit_template(visit_id)?
            .ok_or_else(|| VisitError::NotFound(visit_id.to_string()))?;
        if state == VisitState::Sealed {
            return Err(VisitError::Sealed(visit_id.to_string()));
        }
        self.template(&id, version)
    }

    /// The newest template that serves a category.
    pub fn template_for(&self, category: Category) -> Result<Arc<Template>, VisitError> {
        self.templates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|t| t.categories.contains(&category))
            .max_by_key(|t| t.version)
            .cloned()
            .ok_or_else(|| VisitError::NoTemplate(category.code().to_string()))
    }

    /// The station's staff, for the app's picker of investigators (empty until a server sends it).
    pub fn station_staff(&self) -> Result<Vec<StaffMember>, VisitError> {
        Ok(self.store.staff()?)
    }

    /// Applies a pull of assignments: households, templates, schedule, thresholds, audience keys,
    /// the station's staff and the county's parameters. An empty staff list or parameter set (as
    /// older servers send) keeps what the phone has.
    pub fn apply_assignments(&self, a: &Assignments) -> Result<(), VisitError> {
        if a.version != WIRE_VERSION {
            return Err(ProtocolError::UnsupportedVersion {
                what: "assignments",
                found: u64::from(a.version),
                supported: WIRE_VERSION,
            }
            .into());
        }
        self.store.put_templates(&a.templates)?;
        self.cache_templates(a.templates.clone());
        self.store.put_households(&a.households)?;
        self.store.remove_households(&a.removed_households)?;
        self.store.put_schedule(&a.schedule)?;
        self.store.put_thresholds(&a.evidence_thresholds)?;
        self.store.put_audience_keys(&a.audience_keys)?;
        self.store.merge_last_visits(&a.last_visits)?;
        if !a.staff.is_empty() {
            self.store.put_staff(&a.staff)?;
        }
        if !a.parameters.low_income_standards.is_empty() {
            self.store.put_parameters(&a.parameters)?;
        }
        Ok(())
    }
}

/// Loads a draft inside a write transaction, refusing a visit sealed in the meantime.
pub(crate) fn draft_in_tx(
    tx: &rusqlite::Transaction<'_>,
    cipher: &RowCipher,
    visit_id: &str,
) -> Result<Draft, VisitError> {
    let (state, draft) = Store::load_visit_tx(tx, cipher, visit_id)?
        .ok_or_else(|| VisitError::NotFound(visit_id.to_string()))?;
    if state == VisitState::Sealed {
        return Err(VisitError::Sealed(visit_id.to_string()));
    }
    Ok(draft)
}

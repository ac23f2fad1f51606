//! The names behind the ids of an actor's branch: org units and staff. Reports carry ids; pages and
//! exports show names, and both look them up here.

use std::collections::{BTreeMap, HashMap};

use super::Actor;
use super::error::OpsError;
use crate::state::AppState;
use crate::store::{OrgUnit, Scope};

/// The org units and staff names of a branch.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Units of the branch, ordered by path.
    pub units: Vec<OrgUnit>,
    /// Staff id → display name.
    pub staff: BTreeMap<String, String>,
    /// Unit id → its place in `units` (pages look up a name per row).
    index: HashMap<String, usize>,
}

impl Directory {
    /// The name of unit `id`, or the id itself.
    pub fn unit_name(&self, id: &str) -> String {
        self.unit(id)
            .map_or_else(|| id.to_owned(), |u| u.name.clone())
    }

    /// The name of staff member `id`, or the id itself.
    pub fn staff_name(&self, id: &str) -> String {
        self.staff.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// Unit `id`, when it is in the branch.
    pub fn unit(&self, id: &str) -> Option<&OrgUnit> {
        self.index.get(id).map(|&i| &self.units[i])
    }

    /// Unit ids → names.
    pub fn unit_names(&self) -> BTreeMap<String, String> {
        self.units
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect()
    }
}

/// The units and staff of `actor`'s branch.
pub async fn of_branch(state: &AppState, actor: &Actor) -> Result<Directory, OpsError> {
    let scope = Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    let (units, staff) =
        tokio::try_join!(state.store.org_units(&scope), state.store.staff_in(&scope))?;
    Ok(Directory {
        index: units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect(),
        units,
        staff: staff.into_iter().map(|s| (s.id, s.display_name)).collect(),
    })
}

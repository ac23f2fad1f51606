//! Administrative operations shared by the HTTP API and the CLI; each checks scope and writes the
//! audit log, so both doors behave alike.

pub mod alerts;
pub mod assignments;
pub mod audience;
pub mod audit_log;
pub mod briefing;
pub mod coverage;
pub mod csv_import;
pub mod decrypt;
pub mod devices;
pub mod directory;
pub mod error;
pub mod evidence;
pub mod households;
pub mod keysessions;
pub mod org;
pub mod parameters;
pub mod photo_allowance;
pub mod review;
pub mod schedules;
pub mod sessions;
pub mod templates;
pub mod users;

pub use error::OpsError;

use crate::auth::StaffCaller;
use crate::store::Role;

/// Who performs an operation.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Staff id, or `cli`.
    pub id: String,
    /// Role (`Admin` for the CLI).
    pub role: Role,
    /// Path of the actor's branch (`/` for the CLI: the whole tree).
    pub scope_path: String,
    /// Hash of the session token the actor signed in with (none for the CLI and scripts).
    pub session: Option<String>,
    /// The key made from that session's token, which its unlocked audience keys are sealed with.
    pub session_key: Option<keysessions::SessionKey>,
}

impl Actor {
    /// The local operator running admin subcommands on the server itself.
    pub fn cli() -> Self {
        Actor {
            id: "cli".into(),
            role: Role::Admin,
            scope_path: "/".into(),
            session: None,
            session_key: None,
        }
    }

    /// A staff member acting outside HTTP (seeding, tests, scripts): role and branch loaded from the
    /// store.
    pub async fn for_staff(
        state: &crate::state::AppState,
        staff_id: &str,
    ) -> Result<Self, OpsError> {
        let staff = state
            .store
            .staff(staff_id)
            .await?
            .ok_or(OpsError::NotFound("staff"))?;
        let unit = state
            .store
            .org_unit(&staff.scope_unit_id)
            .await?
            .ok_or_else(|| OpsError::internal("staff scope unit missing"))?;
        Ok(Actor {
            id: staff.id,
            role: staff.role,
            scope_path: unit.path,
            session: None,
            session_key: None,
        })
    }

    /// Whether a unit path is inside the actor's branch.
    pub fn covers(&self, path: &str) -> bool {
        path.starts_with(&self.scope_path)
    }
}

impl From<&StaffCaller> for Actor {
    fn from(c: &StaffCaller) -> Self {
        Actor {
            id: c.staff_id.clone(),
            role: c.role,
            scope_path: c.scope_path.clone(),
            session: Some(c.session_hash.clone()),
            session_key: c.session_key.clone(),
        }
    }
}

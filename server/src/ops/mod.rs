//! Administrative operations shared by the HTTP API and the CLI; each checks scope and writes the
//! audit log, so both doors behave alike.

pub mod assignments;
pub mod audience;
pub mod briefing;
pub mod coverage;
pub mod csv_import;
pub mod decrypt;
pub mod devices;
pub mod evidence;
pub mod households;
pub mod keysessions;
pub mod org;
pub mod review;
pub mod users;

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
}

impl Actor {
    /// The local operator running admin subcommands on the server itself.
    pub fn cli() -> Self {
        Actor {
            id: "cli".into(),
            role: Role::Admin,
            scope_path: "/".into(),
        }
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
        }
    }
}

//! Seeding the demo county through the server's own operations (scope-checked and audited like any
//! admin's work): org units, staff accounts, households, audience keys. Each step first looks at
//! what the store already holds, so a second run adds nothing twice.

use fieldvisit_core::caseload::Household;

use super::DemoError;
use super::folder::DemoFile;
use fieldvisit_server::ops::csv_import::ParsedRow;
use fieldvisit_server::ops::users::NewUser;
use fieldvisit_server::ops::{Actor, audience, households, org, users};
use fieldvisit_server::state::AppState;
use fieldvisit_server::store::{HouseholdRow, OrgLevel, Role, Scope};
use fieldvisit_sim::county::staff::{StaffRole, accounts};
use fieldvisit_sim::county::units::{COUNTY_ID, TOWNSHIPS, UPPER_UNITS, UnitLevel};

/// What seeding added in this run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Org units created.
    pub units: usize,
    /// Accounts created.
    pub staff: usize,
    /// Households imported (0 when all were there unchanged).
    pub households: usize,
    /// Audience keys created.
    pub keys: usize,
}

/// The server's role for a seeded account's.
pub fn role(role: StaffRole) -> Role {
    match role {
        StaffRole::Worker => Role::Worker,
        StaffRole::Supervisor => Role::Supervisor,
        StaffRole::ChildWelfareReviewer => Role::ChildWelfareReviewer,
        StaffRole::Admin => Role::Admin,
    }
}

/// The server's level for a seeded org unit's.
fn level(level: UnitLevel) -> OrgLevel {
    match level {
        UnitLevel::Province => OrgLevel::Province,
        UnitLevel::City => OrgLevel::City,
        UnitLevel::County => OrgLevel::County,
        UnitLevel::Township => OrgLevel::Township,
        UnitLevel::Village => OrgLevel::Village,
    }
}

fn op(step: &'static str) -> impl FnOnce(fieldvisit_server::ops::OpsError) -> DemoError {
    move |error| DemoError::Op { step, error }
}

/// Creates whatever of the county is missing.
pub async fn seed(
    state: &AppState,
    file: &DemoFile,
    rows: Vec<(Household, String)>,
) -> Result<Seeded, DemoError> {
    let cli = Actor::cli();
    let mut seeded = Seeded::default();
    let mut units: Vec<(&str, Option<&str>, OrgLevel, &str)> = UPPER_UNITS
        .iter()
        .map(|&(id, parent, l, name)| (id, parent, level(l), name))
        .collect();
    for t in &TOWNSHIPS {
        units.push((t.id, Some(COUNTY_ID), OrgLevel::Township, t.name));
        for (id, name) in &t.villages {
            units.push((id, Some(t.id), OrgLevel::Village, name));
        }
    }
    for (id, parent, level, name) in units {
        if state.store.org_unit(id).await?.is_none() {
            org::add_unit(state, &cli, id, parent, level, name)
                .await
                .map_err(op("org unit"))?;
            seeded.units += 1;
        }
    }
    for a in accounts() {
        if state.store.staff(&a.id).await?.is_some() {
            continue;
        }
        let password = file
            .passwords
            .get(&a.login)
            .ok_or_else(|| DemoError::MissingSecret(a.login.clone()))?;
        users::add_user(
            state,
            &cli,
            NewUser {
                id: Some(a.id.clone()),
                login: a.login.clone(),
                display_name: a.name.clone(),
                role: role(a.role),
                scope_unit_id: a.unit_id.clone(),
                password: password.clone(),
            },
        )
        .await
        .map_err(op("staff account"))?;
        seeded.staff += 1;
    }
    let county = state
        .store
        .org_unit(COUNTY_ID)
        .await?
        .ok_or_else(|| DemoError::MissingSecret(COUNTY_ID.into()))?;
    let stored = state
        .store
        .households(&Scope {
            path: county.path,
            worker_id: None,
        })
        .await?;
    let wanted: Vec<HouseholdRow> = rows
        .into_iter()
        .map(|(household, worker)| HouseholdRow {
            household,
            worker_id: Some(worker),
        })
        .collect();
    let unchanged = wanted.len() == stored.len() && wanted.iter().all(|w| stored.contains(w));
    if !unchanged {
        let parsed = wanted
            .into_iter()
            .enumerate()
            .map(|(i, r)| ParsedRow {
                line: i as u64 + 2,
                household: r.household,
                worker_id: r.worker_id,
            })
            .collect();
        seeded.households = households::import(state, &cli, parsed)
            .await
            .map_err(op("household import"))?;
    }
    let keys = state.store.audience_keys().await?;
    for aud in audience::AUDIENCES {
        if keys
            .iter()
            .any(|k| k.audience == *aud && k.unit_id == COUNTY_ID)
        {
            continue;
        }
        let passphrase = file
            .passphrases
            .get(*aud)
            .ok_or_else(|| DemoError::MissingSecret((*aud).to_owned()))?;
        audience::create_key_for(state, &cli, Some(COUNTY_ID), aud, passphrase)
            .await
            .map_err(op("audience key"))?;
        seeded.keys += 1;
    }
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use fieldvisit_server::ids::{is_safe_id, is_safe_login};
    use fieldvisit_sim::county::units::villages;

    use super::*;

    #[test]
    fn every_seeded_id_and_login_is_one_the_server_takes() {
        for a in accounts() {
            assert!(is_safe_id(&a.id), "{}", a.id);
            assert!(is_safe_login(&a.login), "{}", a.login);
        }
        for (id, ..) in UPPER_UNITS {
            assert!(is_safe_id(id), "{id}");
        }
        for v in villages() {
            assert!(is_safe_id(v.id), "{}", v.id);
        }
        assert!(TOWNSHIPS.iter().all(|t| is_safe_id(t.id)));
        assert_eq!(
            role(StaffRole::ChildWelfareReviewer),
            Role::ChildWelfareReviewer
        );
        assert_eq!(level(UnitLevel::Village), OrgLevel::Village);
    }
}

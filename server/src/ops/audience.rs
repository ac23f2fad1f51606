//! Audience key pairs (`child-welfare`, `civil-affairs`): made by an admin for a branch; the public
//! key goes to phones with their assignments, the private key is stored sealed under a passphrase
//! ([`crate::keys`]) and opened only for a review session.

use chrono::Utc;
use fieldvisit_core::crypto::{AudiencePrivateKey, b64_encode};
use fieldvisit_core::protocol::AudienceKeyRecord;
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::keys::{self, MIN_PASSPHRASE_LEN};
use crate::state::AppState;
use crate::store::{AudienceKeyRow, OrgLevel, Role, StoreError};

/// Audiences the server knows.
pub const AUDIENCES: &[&str] = &["child-welfare", "civil-affairs"];

/// Makes a key pair for `audience` serving the actor's own branch (the whole tree for the CLI).
pub async fn create_key(
    state: &AppState,
    actor: &Actor,
    audience: &str,
    passphrase: &str,
) -> Result<AudienceKeyRecord, OpsError> {
    create_key_for(state, actor, None, audience, passphrase).await
}

/// Makes a key pair for `audience` serving the branch of county `unit_id` (inside the actor's
/// branch), or the actor's own branch when `None`. Admins only; one key per audience and branch.
///
/// Keys belong to counties: a staff admin may only make one for a county, and never where a
/// higher branch already has one, since a key below would shadow it and the phones of that
/// branch would then seal to a passphrase of the lower admin's choosing. The CLI, root on the
/// server host, may make one for any branch.
pub async fn create_key_for(
    state: &AppState,
    actor: &Actor,
    unit_id: Option<&str>,
    audience: &str,
    passphrase: &str,
) -> Result<AudienceKeyRecord, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    if !AUDIENCES.contains(&audience) {
        return Err(OpsError::invalid(
            "unknown_audience",
            format!("audience must be one of {}", AUDIENCES.join(", ")),
        ));
    }
    if passphrase.chars().count() < MIN_PASSPHRASE_LEN {
        return Err(OpsError::invalid(
            "weak_passphrase",
            format!("the passphrase needs at least {MIN_PASSPHRASE_LEN} characters"),
        ));
    }
    let root = actor.scope_path == "/";
    let (unit_id, scope_path) = match unit_id {
        Some(id) => {
            let unit = super::org::unit_in_scope(state, actor, id, "unit_id").await?;
            if unit.level != OrgLevel::County && !root {
                return Err(OpsError::invalid(
                    "not_a_county",
                    "audience keys belong to a county branch",
                ));
            }
            (unit.id, unit.path)
        }
        None if root => (unit_of(&actor.scope_path), actor.scope_path.clone()),
        None => {
            let own = unit_of(&actor.scope_path);
            let unit = super::org::unit_in_scope(state, actor, &own, "unit_id").await?;
            if unit.level != OrgLevel::County {
                return Err(OpsError::invalid(
                    "not_a_county",
                    "audience keys belong to a county branch: name the county (unit_id)",
                ));
            }
            (unit.id, unit.path)
        }
    };
    if !root {
        let higher = state.store.audience_keys().await?.into_iter().any(|k| {
            k.audience == audience
                && k.scope_path.len() < scope_path.len()
                && scope_path.starts_with(&k.scope_path)
        });
        if higher {
            return Err(OpsError::conflict(
                "shadowed_key",
                "a higher branch already has a key for this audience; a key below it would \
                 shadow it",
            ));
        }
    }
    let cost = state.config.argon2;
    let (aud, path, pass) = (
        audience.to_owned(),
        scope_path.clone(),
        zeroize::Zeroizing::new(passphrase.to_owned()),
    );
    let (public_key, sealed) = tokio::task::spawn_blocking(move || {
        let key = AudiencePrivateKey::generate();
        keys::seal(&key, &pass, cost, &aud, &path).map(|s| (key.public_key().to_bytes(), s))
    })
    .await
    .map_err(OpsError::internal)?
    .map_err(OpsError::internal)?;
    let row = AudienceKeyRow {
        audience: audience.to_owned(),
        unit_id,
        scope_path,
        public_key,
        sealed,
        created_by: actor.id.clone(),
        created_at: Utc::now(),
    };
    state
        .store
        .add_audience_key(&row)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                OpsError::conflict("conflict", "this branch already has a key for the audience")
            }
            e => e.into(),
        })?;
    audit::record(
        state,
        &actor.id,
        "audience_key.create",
        audience,
        json!({ "unit_id": row.unit_id }),
    )
    .await?;
    Ok(AudienceKeyRecord {
        audience: row.audience,
        public_key: b64_encode(&row.public_key),
    })
}

/// The last id of a unit path (`-` for the root `/`).
fn unit_of(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("-")
        .to_owned()
}

/// The key of each audience that serves a unit path: the one of the most specific branch above it.
pub fn keys_serving(rows: &[AudienceKeyRow], path: &str) -> Vec<AudienceKeyRow> {
    let mut best: Vec<AudienceKeyRow> = Vec::new();
    for row in rows.iter().filter(|r| path.starts_with(&r.scope_path)) {
        match best.iter_mut().find(|b| b.audience == row.audience) {
            Some(b) if b.scope_path.len() < row.scope_path.len() => *b = row.clone(),
            Some(_) => {}
            None => best.push(row.clone()),
        }
    }
    best.sort_by(|a, b| a.audience.cmp(&b.audience));
    best
}

/// The public keys a phone of a worker at `path` wraps content keys to.
pub async fn public_keys_for(
    state: &AppState,
    path: &str,
) -> Result<Vec<AudienceKeyRecord>, OpsError> {
    let rows = state.store.audience_keys().await?;
    Ok(keys_serving(&rows, path)
        .into_iter()
        .map(|r| AudienceKeyRecord {
            audience: r.audience,
            public_key: b64_encode(&r.public_key),
        })
        .collect())
}

/// The audience keys an admin sees: those of their branch and those above that serve it. Rows
/// carry the sealed private key; callers show only the public parts.
pub async fn list(state: &AppState, actor: &Actor) -> Result<Vec<AudienceKeyRow>, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    let rows = state.store.audience_keys().await?;
    let mut out = keys_serving(&rows, &actor.scope_path);
    for r in rows {
        if r.scope_path.starts_with(&actor.scope_path)
            && !out
                .iter()
                .any(|o| o.audience == r.audience && o.unit_id == r.unit_id)
        {
            out.push(r);
        }
    }
    out.sort_by(|a, b| (&a.scope_path, &a.audience).cmp(&(&b.scope_path, &b.audience)));
    Ok(out)
}

//! Audience key pairs (`child-welfare`, `civil-affairs`): made by an admin for a branch; the public
//! key goes to phones with their assignments, the private key is stored sealed under a passphrase
//! ([`crate::keys`]) and opened only for a review session.
//!
//! A rotation makes a new key pair for the branch, which phones receive from then on; the keys it
//! replaces are kept, re-sealed under the new passphrase, so one passphrase opens the visits
//! sealed before and after it.

use chrono::{DateTime, Utc};
use fieldvisit_core::crypto::{AudiencePrivateKey, b64_encode};
use fieldvisit_core::protocol::AudienceKeyRecord;
use serde_json::json;
use zeroize::Zeroizing;

use super::Actor;
use super::error::OpsError;
use super::keysessions::{FAILURE_WINDOW_MIN, MAX_FAILURES};
use crate::audit;
use crate::keys::{self, KeyError, MIN_PASSPHRASE_LEN, SealedPrivateKey};
use crate::state::AppState;
use crate::store::{AudienceKeyRow, KeyRotation, OrgLevel, Role, StoreError};

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
    admin_and_audience(actor, audience)?;
    strong_enough(passphrase)?;
    let root = actor.scope_path == "/";
    let (unit_id, scope_path) = county_of(state, actor, unit_id).await?;
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
        generation: 1,
        scope_path,
        public_key,
        sealed,
        created_by: actor.id.clone(),
        created_at: Utc::now(),
        retired_at: None,
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "audience_key.create",
        audience,
        json!({ "unit_id": row.unit_id, "generation": row.generation }),
    );
    state
        .store
        .add_audience_key(&row, Some(&entry))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                OpsError::conflict("conflict", "this branch already has a key for the audience")
            }
            e => e.into(),
        })?;
    Ok(AudienceKeyRecord {
        audience: row.audience,
        public_key: b64_encode(&row.public_key),
    })
}

/// One generation of a branch's key, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KeyGeneration {
    /// 1 for the key made first, one more for each rotation.
    pub generation: u32,
    /// Base64 X25519 public key.
    pub public_key: String,
    /// Who made it: by creating the key (generation 1) or by rotating the one before.
    pub created_by: String,
    /// When.
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    /// When a rotation replaced it (absent for the current key).
    #[schema(value_type = Option<String>)]
    pub retired_at: Option<DateTime<Utc>>,
}

/// A branch's audience key: the current public key, with every generation it has had.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KeyView {
    /// Audience id.
    pub audience: String,
    /// Base64 X25519 public key phones seal to (the current generation's).
    pub public_key: String,
    /// The county whose branch the key serves (`-` for the whole tree).
    pub unit_id: String,
    /// The current generation.
    pub generation: u32,
    /// Who made the current generation.
    pub created_by: String,
    /// When.
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    /// Every generation, the current one first: its creation and the rotations after it.
    pub history: Vec<KeyGeneration>,
}

impl KeyView {
    fn of(generations: &[AudienceKeyRow]) -> Option<Self> {
        let current = generations.first()?;
        Some(KeyView {
            audience: current.audience.clone(),
            public_key: b64_encode(&current.public_key),
            unit_id: current.unit_id.clone(),
            generation: current.generation,
            created_by: current.created_by.clone(),
            created_at: current.created_at,
            history: generations
                .iter()
                .map(|g| KeyGeneration {
                    generation: g.generation,
                    public_key: b64_encode(&g.public_key),
                    created_by: g.created_by.clone(),
                    created_at: g.created_at,
                    retired_at: g.retired_at,
                })
                .collect(),
        })
    }
}

/// Opens the generations of a branch's key with one passphrase, `rows` as the store gives them
/// (the current one first). `WrongPassphrase` when the current one does not open; an earlier one
/// that does not open is left out of the answer (callers that need them all compare counts).
/// Blocking (argon2, once per generation).
pub(crate) fn open_generations(
    rows: &[AudienceKeyRow],
    passphrase: &str,
) -> Result<Vec<(u32, AudiencePrivateKey)>, KeyError> {
    let open = |r: &AudienceKeyRow| {
        keys::open(
            &r.sealed,
            passphrase,
            &r.audience,
            &r.scope_path,
            &r.public_key,
        )
    };
    let (current, earlier) = rows.split_first().ok_or(KeyError::WrongPassphrase)?;
    let mut out = vec![(current.generation, open(current)?)];
    for r in earlier {
        match open(r) {
            Ok(k) => out.push((r.generation, k)),
            // Every rotation re-seals all generations together, so this is a damaged row: the
            // keys that do open are still of use.
            Err(_) => tracing::warn!(
                audience = %r.audience,
                unit_id = %r.unit_id,
                generation = r.generation,
                "an earlier audience key does not open with the current passphrase"
            ),
        }
    }
    Ok(out)
}

/// Rotates the key of `audience` of county `unit_id` (inside the actor's branch; the actor's own
/// unit when `None`; the same rules as [`create_key_for`]). `passphrase` must open the current
/// key (a wrong one is refused and counted like a wrong unlock); a new key pair sealed under
/// `new_passphrase` becomes current, and every earlier generation is re-sealed under it, in one
/// store transaction. Audited as `audience_key.rotate`.
pub async fn rotate_key(
    state: &AppState,
    actor: &Actor,
    unit_id: Option<&str>,
    audience: &str,
    passphrase: &str,
    new_passphrase: &str,
) -> Result<KeyView, OpsError> {
    admin_and_audience(actor, audience)?;
    strong_enough(new_passphrase)?;
    let (unit_id, scope_path) = county_of(state, actor, unit_id).await?;
    let window_from = Utc::now() - chrono::Duration::minutes(FAILURE_WINDOW_MIN);
    if state.store.unlock_failures(&actor.id, window_from).await? >= MAX_FAILURES {
        return Err(OpsError::Throttled {
            code: "unlock_throttled",
            message: "too many wrong passphrases; try again later".into(),
            retry_after_secs: None,
        });
    }
    let generations = state
        .store
        .audience_key_generations(audience, &unit_id)
        .await?;
    let Some(current) = generations.first().cloned() else {
        return Err(OpsError::NotFound("audience key"));
    };
    let cost = state.config.argon2;
    let (old, pass, new_pass) = (
        generations.clone(),
        Zeroizing::new(passphrase.to_owned()),
        Zeroizing::new(new_passphrase.to_owned()),
    );
    let path = scope_path.clone();
    // Opening and sealing stretch passphrases with argon2: they take their turn with sign-ins.
    let worked = super::sessions::password_work(state, move || -> Result<_, Rotation> {
        let opened = open_generations(&old, &pass).map_err(|_| Rotation::WrongPassphrase)?;
        if opened.len() != old.len() {
            return Err(Rotation::Damaged);
        }
        let mut resealed: Vec<(u32, SealedPrivateKey)> = Vec::with_capacity(opened.len());
        for ((generation, key), row) in opened.iter().zip(&old) {
            let sealed = keys::seal(key, &new_pass, cost, &row.audience, &row.scope_path)
                .map_err(Rotation::Crypto)?;
            resealed.push((*generation, sealed));
        }
        let key = AudiencePrivateKey::generate();
        let sealed =
            keys::seal(&key, &new_pass, cost, &old[0].audience, &path).map_err(Rotation::Crypto)?;
        Ok((resealed, key.public_key().to_bytes(), sealed))
    })
    .await?;
    let (resealed, public_key, sealed) = match worked {
        Ok(w) => w,
        Err(Rotation::WrongPassphrase) => {
            let now = Utc::now();
            let window_from = now - chrono::Duration::minutes(FAILURE_WINDOW_MIN);
            let entry = audit::draft(
                &state.audit_key,
                &actor.id,
                "audience_key.rotate_refused",
                audience,
                json!({ "unit_id": unit_id, "generation": current.generation }),
            );
            match state
                .store
                .unlock_failed(&actor.id, now, window_from, &entry)
                .await
            {
                Ok(_) => {}
                // The CLI has no staff row to count on: the refusal is recorded alone.
                Err(StoreError::NotFound(_)) => {
                    state.store.append_audit(&entry).await?;
                }
                Err(e) => return Err(e.into()),
            }
            return Err(OpsError::refused("wrong_passphrase", "wrong passphrase"));
        }
        Err(Rotation::Damaged) => {
            return Err(OpsError::internal(
                "an earlier key of this branch does not open with the current passphrase",
            ));
        }
        Err(Rotation::Crypto(e)) => return Err(OpsError::internal(e)),
    };
    state.store.unlock_succeeded(&actor.id).await?;
    let new_key = AudienceKeyRow {
        audience: audience.to_owned(),
        unit_id: unit_id.clone(),
        generation: current.generation + 1,
        scope_path,
        public_key,
        sealed,
        created_by: actor.id.clone(),
        created_at: Utc::now(),
        retired_at: None,
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "audience_key.rotate",
        audience,
        json!({
            "unit_id": unit_id,
            "from_generation": current.generation,
            "generation": new_key.generation,
        }),
    );
    state
        .store
        .rotate_audience_key(
            &KeyRotation {
                from_generation: current.generation,
                resealed,
                new_key: new_key.clone(),
            },
            &entry,
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => OpsError::conflict(
                "rotated_meanwhile",
                "the key was rotated by someone else meanwhile; reload and try again",
            ),
            e => e.into(),
        })?;
    let after = state
        .store
        .audience_key_generations(audience, &unit_id)
        .await?;
    KeyView::of(&after).ok_or(OpsError::NotFound("audience key"))
}

/// Why the blocking part of a rotation stopped (no secret in it).
enum Rotation {
    WrongPassphrase,
    Damaged,
    Crypto(KeyError),
}

fn admin_and_audience(actor: &Actor, audience: &str) -> Result<(), OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("your role may not do this"));
    }
    if !AUDIENCES.contains(&audience) {
        return Err(OpsError::invalid(
            "unknown_audience",
            format!("audience must be one of {}", AUDIENCES.join(", ")),
        ));
    }
    Ok(())
}

fn strong_enough(passphrase: &str) -> Result<(), OpsError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_LEN {
        return Err(OpsError::invalid(
            "weak_passphrase",
            format!("the passphrase needs at least {MIN_PASSPHRASE_LEN} characters"),
        ));
    }
    Ok(())
}

/// The county (id and path) whose key an admin acts on: `unit_id` inside the actor's branch, or
/// the actor's own unit; a county unless the actor is the CLI (root).
async fn county_of(
    state: &AppState,
    actor: &Actor,
    unit_id: Option<&str>,
) -> Result<(String, String), OpsError> {
    let root = actor.scope_path == "/";
    Ok(match unit_id {
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

/// The audience keys a staff member sees, each with its generations: for an admin those of
/// [`list`], for others the keys serving their branch.
pub async fn views(state: &AppState, actor: &Actor) -> Result<Vec<KeyView>, OpsError> {
    let rows = match actor.role {
        Role::Admin => list(state, actor).await?,
        _ => keys_serving(&state.store.audience_keys().await?, &actor.scope_path),
    };
    let mut out = Vec::new();
    for row in rows {
        let generations = state
            .store
            .audience_key_generations(&row.audience, &row.unit_id)
            .await?;
        out.extend(KeyView::of(&generations));
    }
    Ok(out)
}

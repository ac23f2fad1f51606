//! Audience keys for admins: which keys serve the branch (with their county, generation and the
//! history of their creation and rotations), a form to make a county's key and one to rotate it;
//! the rules (county only, no shadowing, the current passphrase first) are `ops::audience`'s.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::session::Signed;
use crate::ops::{OpsError, audience, directory};
use crate::state::AppState;
use crate::store::OrgLevel;

/// A key as a row.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Audience id (the rotation form names it).
    pub audience_id: String,
    /// Audience name.
    pub audience: &'static str,
    /// Id of the unit it belongs to (the rotation form names it).
    pub unit_id: String,
    /// The unit it belongs to.
    pub unit: String,
    /// The current generation.
    pub generation: u32,
    /// Start of its public key, to tell keys apart.
    pub fingerprint: String,
    /// Who made the current generation (by creating or rotating).
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Creation and rotations, newest first.
    pub history: Vec<HistoryRow>,
    /// Whether this admin may rotate it (a county of their branch).
    pub rotatable: bool,
}

/// One generation of a key: its creation or the rotation that made it.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// Generation.
    pub generation: u32,
    /// Made by rotating an earlier generation.
    pub rotated: bool,
    /// Start of its public key.
    pub fingerprint: String,
    /// Who made it.
    pub by: String,
    /// When.
    pub at: String,
    /// When a rotation replaced it (empty for the current key).
    pub retired_at: String,
}

fn fingerprint(public_key_b64: &str) -> String {
    fieldvisit_core::crypto::b64_decode(public_key_b64, "public_key")
        .map(|raw| {
            fieldvisit_core::crypto::sha256(&raw)
                .to_hex()
                .chars()
                .take(16)
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "admin_keys.html")]
struct KeysPage {
    frame: Frame,
    rows: Vec<KeyRow>,
    counties: Vec<(String, String)>,
    audiences: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn keys_page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Keys, t.keys_title).with_notice(notice);
    let actor = user.actor();
    let (keys, dir) = match tokio::try_join!(
        audience::views(state, &actor),
        directory::of_branch(state, &actor)
    ) {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let counties: Vec<(String, String)> = dir
        .units
        .iter()
        .filter(|u| u.level == OrgLevel::County)
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let page = KeysPage {
        rows: keys
            .iter()
            .map(|k| KeyRow {
                audience_id: k.audience.clone(),
                audience: t.audience_name(&k.audience),
                unit_id: k.unit_id.clone(),
                unit: dir.unit_name(&k.unit_id),
                generation: k.generation,
                fingerprint: fingerprint(&k.public_key),
                created_by: dir.staff_name(&k.created_by),
                created_at: format::datetime(k.created_at),
                history: k
                    .history
                    .iter()
                    .map(|g| HistoryRow {
                        generation: g.generation,
                        rotated: g.generation > 1,
                        fingerprint: fingerprint(&g.public_key),
                        by: dir.staff_name(&g.created_by),
                        at: format::datetime(g.created_at),
                        retired_at: g.retired_at.map(format::datetime).unwrap_or_default(),
                    })
                    .collect(),
                rotatable: counties.iter().any(|(id, _)| *id == k.unit_id),
            })
            .collect(),
        counties,
        audiences: audience::AUDIENCES
            .iter()
            .map(|a| (*a, t.audience_name(a)))
            .collect(),
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&page, &error)
}

/// `GET /admin/keys`.
pub async fn list(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    keys_page(
        &state,
        &user,
        match q.done.as_str() {
            "created" => Some(t.key_created),
            "rotated" => Some(t.key_rotated),
            _ => None,
        },
        None,
    )
    .await
}

/// The new-key form.
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    passphrase: String,
}

impl std::fmt::Debug for KeyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyForm { .. }")
    }
}

/// `POST /admin/keys`.
pub async fn create(State(state): State<AppState>, posted: Posted<KeyForm>) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    match audience::create_key_for(
        &state,
        &user.actor(),
        Some(&form.county),
        &form.audience,
        &form.passphrase,
    )
    .await
    {
        Ok(_) => Redirect::to("/admin/keys?done=created").into_response(),
        Err(e) => keys_page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

/// The rotation form.
#[derive(Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    new_passphrase: String,
    #[serde(default)]
    new_passphrase_again: String,
}

impl std::fmt::Debug for RotateForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RotateForm { .. }")
    }
}

/// `POST /admin/keys/rotate`.
pub async fn rotate(State(state): State<AppState>, posted: Posted<RotateForm>) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    if form.new_passphrase != form.new_passphrase_again {
        let e = OpsError::invalid("passphrases_differ", "the new passphrases differ");
        return keys_page(&state, &user, None, Some(explain(t, &e))).await;
    }
    match audience::rotate_key(
        &state,
        &user.actor(),
        Some(&form.county),
        &form.audience,
        &form.passphrase,
        &form.new_passphrase,
    )
    .await
    {
        Ok(_) => Redirect::to("/admin/keys?done=rotated").into_response(),
        Err(e) => keys_page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

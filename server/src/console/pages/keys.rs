//! Audience keys for admins: which keys serve the branch (with their county and who made them) and
//! a form to make a county's key; the rules (county only, no shadowing) are `ops::audience`'s.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::session::Signed;
use crate::ops::{audience, directory};
use crate::state::AppState;
use crate::store::OrgLevel;

/// A key as a row.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Audience name.
    pub audience: &'static str,
    /// The unit it belongs to.
    pub unit: String,
    /// Start of its public key, to tell keys apart.
    pub fingerprint: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: String,
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
        audience::list(state, &actor),
        directory::of_branch(state, &actor)
    ) {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let page = KeysPage {
        rows: keys
            .iter()
            .map(|k| KeyRow {
                audience: t.audience_name(&k.audience),
                unit: dir.unit_name(&k.unit_id),
                fingerprint: fieldvisit_core::crypto::sha256(&k.public_key)
                    .to_hex()
                    .chars()
                    .take(16)
                    .collect(),
                created_by: dir.staff_name(&k.created_by),
                created_at: format::datetime(k.created_at),
            })
            .collect(),
        counties: dir
            .units
            .iter()
            .filter(|u| u.level == OrgLevel::County)
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect(),
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
        (q.done == "created").then_some(t.key_created),
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

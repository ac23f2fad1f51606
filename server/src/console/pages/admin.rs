//! Administration: staff accounts (create, disable, enable, reset a password, change role or
//! branch) and phones (an enrollment code shown as a QR code, the list, revocation). The rules are
//! `ops::users`' and `ops::devices`'.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::i18n::Msgs;
use crate::console::qr;
use crate::console::session::Signed;
use crate::ops::directory::{self, Directory};
use crate::ops::users::{NewUser, Placement};
use crate::ops::{OpsError, devices, users};
use crate::state::AppState;
use crate::store::{Role, Staff};

/// An account as a row.
#[derive(Debug, Clone)]
pub struct StaffRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Login.
    pub login: String,
    /// Role name.
    pub role: &'static str,
    /// Branch name.
    pub branch: String,
    /// State name.
    pub state: &'static str,
    /// Disabled.
    pub disabled: bool,
}

/// The accounts of the branch and its names, for the staff pages, which are for admins
/// (supervisors may list accounts through the API only).
async fn accounts(state: &AppState, user: &Signed) -> Result<(Vec<Staff>, Directory), OpsError> {
    if user.caller.staff.role != Role::Admin {
        return Err(OpsError::ForbiddenRole(
            "staff accounts are managed by admins",
        ));
    }
    let actor = user.actor();
    tokio::try_join!(
        users::list(state, &actor),
        directory::of_branch(state, &actor)
    )
}

fn staff_state(s: &Staff, t: &Msgs) -> &'static str {
    if s.disabled {
        t.state_disabled
    } else if s.locked_until.is_some_and(|u| u > Utc::now()) {
        t.state_locked
    } else if s.must_change_password {
        t.state_must_change
    } else {
        t.state_active
    }
}

fn staff_row(s: &Staff, dir: &Directory, t: &Msgs) -> StaffRow {
    StaffRow {
        id: s.id.clone(),
        name: s.display_name.clone(),
        login: s.login.clone(),
        role: t.role(s.role),
        branch: dir.unit_name(&s.scope_unit_id),
        state: staff_state(s, t),
        disabled: s.disabled,
    }
}

const ROLES: [Role; 4] = [
    Role::Worker,
    Role::Supervisor,
    Role::ChildWelfareReviewer,
    Role::Admin,
];

fn role_code(r: Role) -> &'static str {
    r.as_str()
}

fn roles(t: &Msgs) -> Vec<(&'static str, &'static str)> {
    ROLES.iter().map(|r| (role_code(*r), t.role(*r))).collect()
}

fn units(dir: &Directory, t: &Msgs) -> Vec<(String, String)> {
    dir.units
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                format!("{} ({})", u.name, t.org_level(u.level)),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    frame: Frame,
    rows: Vec<StaffRow>,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    error: Option<String>,
}

async fn staff_page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Staff, t.staff_title)
        .with_notice(notice);
    let (staff, dir) = match accounts(state, user).await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let page = StaffPage {
        rows: staff.iter().map(|s| staff_row(s, &dir, t)).collect(),
        roles: roles(t),
        units: units(&dir, t),
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&page, &error)
}

/// `GET /admin/staff`.
pub async fn staff(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = (q.done == "added").then_some(t.account_added);
    staff_page(&state, &user, notice, None).await
}

/// The new-account form.
#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
}

impl std::fmt::Debug for AddForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddForm { .. }")
    }
}

fn parse_role(code: &str) -> Result<Role, OpsError> {
    ROLES
        .iter()
        .copied()
        .find(|r| role_code(*r) == code)
        .ok_or_else(|| {
            OpsError::invalid(
                "bad_role",
                "role: must be worker, supervisor, child_welfare_reviewer or admin",
            )
        })
}

/// `POST /admin/staff`.
pub async fn add_staff(State(state): State<AppState>, posted: Posted<AddForm>) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let result = async {
        let role = parse_role(&form.role)?;
        users::add_user(
            &state,
            &user.actor(),
            NewUser {
                id: None,
                login: form.login.trim().to_owned(),
                display_name: form.display_name,
                role,
                scope_unit_id: form.unit,
                password: form.password,
            },
        )
        .await
    };
    match result.await {
        Ok(_) => Redirect::to("/admin/staff?done=added").into_response(),
        Err(e) => staff_page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    frame: Frame,
    account: StaffRow,
    role: &'static str,
    unit: String,
    roles: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    own: bool,
    error: Option<String>,
}

async fn account_page(
    state: &AppState,
    user: &Signed,
    id: &str,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Staff, t.staff_title)
        .with_notice(notice);
    let (staff, dir) = match accounts(state, user).await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let Some(s) = staff.iter().find(|s| s.id == id) else {
        return PageError::new(frame, OpsError::NotFound("staff")).into_response();
    };
    let page = AccountPage {
        account: staff_row(s, &dir, t),
        role: role_code(s.role),
        unit: s.scope_unit_id.clone(),
        roles: roles(t),
        units: units(&dir, t),
        own: s.id == user.caller.staff.id,
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&page, &error)
}

/// `GET /admin/staff/{staff_id}`.
pub async fn account(
    State(state): State<AppState>,
    user: Signed,
    Path(id): Path<String>,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = (q.done == "saved").then_some(t.account_saved);
    account_page(&state, &user, &id, notice, None).await
}

/// An account change: which, and its fields.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    change: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

impl std::fmt::Debug for ChangeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeForm { .. }")
    }
}

/// `POST /admin/staff/{staff_id}`: disable, enable, password or placement.
pub async fn change_account(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<ChangeForm>,
) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let actor = user.actor();
    let result = match form.change.as_str() {
        "disable" => users::set_disabled(&state, &actor, &id, true).await,
        "enable" => users::set_disabled(&state, &actor, &id, false).await,
        "password" => users::reset_password(&state, &actor, &id, form.password).await,
        "placement" => match parse_role(&form.role) {
            Ok(role) => {
                users::place(
                    &state,
                    &actor,
                    &id,
                    &Placement {
                        role,
                        scope_unit_id: form.unit,
                    },
                )
                .await
            }
            Err(e) => Err(e),
        },
        _ => Err(OpsError::invalid(
            "bad_change",
            "change: must be disable, enable, password or placement",
        )),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/admin/staff/{id}?done=saved")).into_response(),
        Err(e) => account_page(&state, &user, &id, None, Some(explain(t, &e))).await,
    }
}

/// A device as a row.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// Id.
    pub id: String,
    /// Worker name.
    pub worker: String,
    /// Model.
    pub label: String,
    /// Enrolled at.
    pub enrolled: String,
    /// Revoked at, or empty.
    pub revoked: String,
}

/// A fresh enrollment code.
#[derive(Debug, Clone)]
pub struct FreshCode {
    /// The code.
    pub code: String,
    /// For whom.
    pub worker: String,
    /// Until.
    pub expires: String,
    /// Its QR code (SVG markup made here, holding no reader text).
    pub qr: String,
}

#[derive(Template)]
#[template(path = "admin_devices.html")]
struct DevicesPage {
    frame: Frame,
    workers: Vec<(String, String)>,
    rows: Vec<DeviceRow>,
    fresh: Option<FreshCode>,
    error: Option<String>,
}

async fn devices_page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    fresh: Option<FreshCode>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Devices, t.devices_title)
        .with_notice(notice);
    let actor = user.actor();
    let loaded = tokio::try_join!(
        devices::list(state, &actor),
        users::list(state, &actor),
        directory::of_branch(state, &actor)
    );
    let (list, staff, dir) = match loaded {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let mut list = list;
    list.sort_by(|a, b| {
        a.revoked_at
            .is_some()
            .cmp(&b.revoked_at.is_some())
            .then(b.enrolled_at.cmp(&a.enrolled_at))
    });
    let page = DevicesPage {
        workers: staff
            .iter()
            .filter(|s| s.role == Role::Worker && !s.disabled)
            .map(|s| {
                (
                    s.id.clone(),
                    format!("{} · {}", s.display_name, dir.unit_name(&s.scope_unit_id)),
                )
            })
            .collect(),
        rows: list
            .iter()
            .map(|d| DeviceRow {
                id: d.id.clone(),
                worker: dir.staff_name(&d.worker_id),
                label: d.label.clone(),
                enrolled: format::datetime(d.enrolled_at),
                revoked: d.revoked_at.map_or_else(String::new, format::datetime),
            })
            .collect(),
        fresh,
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&page, &error)
}

/// `GET /admin/devices`.
pub async fn devices_list(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = (q.done == "revoked").then_some(t.revoked);
    devices_page(&state, &user, notice, None, None).await
}

/// The enrollment-code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    worker: String,
}

/// `POST /admin/devices/codes`: the code is shown once, on the page this answers with.
pub async fn make_code(State(state): State<AppState>, posted: Posted<CodeForm>) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let actor = user.actor();
    match devices::create_code(&state, &actor, &form.worker).await {
        Ok((code, expires)) => {
            let worker = directory::of_branch(&state, &actor)
                .await
                .map(|d| d.staff_name(&form.worker))
                .unwrap_or_else(|_| form.worker.clone());
            let fresh = FreshCode {
                qr: qr::svg(&code).unwrap_or_default(),
                code,
                worker,
                expires: format::datetime(expires),
            };
            let mut resp = devices_page(&state, &user, None, Some(fresh), None).await;
            resp.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            resp
        }
        Err(e) => devices_page(&state, &user, None, None, Some(explain(t, &e))).await,
    }
}

/// `POST /admin/devices/{device_id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<super::Empty>,
) -> Response {
    let user = posted.user;
    let t = user.lang.msgs();
    match devices::revoke(&state, &user.actor(), &id).await {
        Ok(_) => Redirect::to("/admin/devices?done=revoked").into_response(),
        Err(e) => devices_page(&state, &user, None, None, Some(explain(t, &e))).await,
    }
}

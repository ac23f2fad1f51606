//! Signing in and out, the language switch, and changing one's own password; the rules are
//! `ops::sessions`'.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::console::csrf::{PRE_COOKIE, Posted, PublicForm};
use crate::console::errors::{self, explain};
use crate::console::frame::{Frame, Section};
use crate::console::i18n::{LANG_COOKIE, Lang};
use crate::console::session::{Signed, Visitor, safe_next};
use crate::http::auth::session_cookie;
use crate::ops::sessions;
use crate::state::AppState;
use crate::store::Role;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    token: String,
    next: String,
    login: String,
    error: Option<String>,
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    done: String,
}

fn pre_cookie(state: &AppState, token: &str) -> Option<HeaderValue> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{PRE_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600{secure}"
    ))
    .ok()
}

fn login_page(
    state: &AppState,
    lang: Lang,
    next: &str,
    login: &str,
    error: errors::Failure,
    notice: Option<&'static str>,
) -> Response {
    let t = lang.msgs();
    let token = crate::auth::token::new_token("").unwrap_or_default();
    let page = LoginPage {
        frame: Frame::public(lang, t.sign_in, "/login").with_notice(notice),
        token: token.clone(),
        next: safe_next(next).unwrap_or("/").to_owned(),
        login: login.to_owned(),
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    let mut resp = errors::render_failed(&page, &error);
    if let Some(c) = pre_cookie(state, &token) {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<NextQuery>,
) -> Response {
    let t = v.lang.msgs();
    let notice = match q.done.as_str() {
        "signed_out" => Some(t.signed_out),
        "password" => Some(t.password_changed),
        _ => None,
    };
    login_page(&state, v.lang, &q.next, "", None, notice)
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginForm { .. }")
    }
}

/// `POST /login`.
pub async fn submit(State(state): State<AppState>, posted: PublicForm<LoginForm>) -> Response {
    let PublicForm { lang, form } = posted;
    match sessions::sign_in(&state, form.login.trim(), form.password).await {
        Ok(signed) => {
            let max_age = (signed.session.expires_at - Utc::now()).num_seconds();
            let Ok(cookie) = session_cookie(&state, &signed.token, max_age) else {
                return errors::bare(lang, crate::ops::OpsError::internal("session cookie"));
            };
            let next = if signed.staff.must_change_password {
                "/account/password"
            } else {
                safe_next(&form.next).unwrap_or("/")
            };
            ([(SET_COOKIE, cookie)], Redirect::to(next)).into_response()
        }
        Err(e) => {
            let t = lang.msgs();
            let err = explain(t, &e);
            login_page(&state, lang, &form.next, form.login.trim(), Some(err), None)
        }
    }
}

/// `POST /logout`: ends the session and locks the keys it unlocked.
pub async fn logout(State(state): State<AppState>, posted: Posted<super::Empty>) -> Response {
    let user = posted.user;
    if let Err(e) = sessions::sign_out(&state, &user.actor()).await {
        return errors::bare(user.lang, e);
    }
    let clear = session_cookie(&state, "", 0).ok();
    let mut resp = Redirect::to("/login?done=signed_out").into_response();
    if let Some(c) = clear {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

/// `GET /lang/{lang}?next=`: remembers the language for a year and goes back.
pub async fn switch(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&lang).unwrap_or(Lang::Zh);
    let cookie = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; SameSite=Lax; Path=/; Max-Age=31536000",
        lang.code()
    ));
    let mut resp = Redirect::to(safe_next(&q.next).unwrap_or("/")).into_response();
    if let Ok(c) = cookie {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    frame: Frame,
    must_change: bool,
    error: Option<String>,
    sessions: Vec<SessionRow>,
}

/// One of the user's sessions as listed.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Short id.
    pub id: String,
    /// Last used.
    pub last_seen: String,
    /// Ends at the latest.
    pub expires: String,
    /// The session of this page.
    pub current: bool,
}

async fn password_page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let sessions = sessions::list_own(state, &user.actor())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            last_seen: crate::console::format::datetime(s.last_seen_at),
            expires: crate::console::format::datetime(s.expires_at),
            current: s.current,
        })
        .collect();
    let page = PasswordPage {
        frame: user
            .frame(Section::Account, t.change_password)
            .with_notice(notice),
        must_change: user.caller.staff.must_change_password,
        error: error.as_ref().map(|(_, m)| m.clone()),
        sessions,
    };
    errors::render_failed(&page, &error)
}

/// `GET /account/password`.
pub async fn password_form(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let notice = (q.done == "ended").then_some(user.lang.msgs().session_ended);
    password_page(&state, &user, notice, None).await
}

/// `POST /account/sessions/{session_id}/end`: ends one of the user's own sessions.
pub async fn end_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<super::Empty>,
) -> Response {
    let user = posted.user;
    match sessions::end_own(&state, &user.actor(), &id).await {
        Ok(()) => Redirect::to("/account/password?done=ended").into_response(),
        Err(e) => {
            let failure = Some(explain(user.lang.msgs(), &e));
            password_page(&state, &user, None, failure).await
        }
    }
}

/// The password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    again: String,
}

impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordForm { .. }")
    }
}

/// `POST /account/password`: every session of the account ends; sign in again.
pub async fn change_password(
    State(state): State<AppState>,
    posted: Posted<PasswordForm>,
) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    if form.new != form.again {
        return password_page(
            &state,
            &user,
            None,
            Some((
                axum::http::StatusCode::BAD_REQUEST,
                t.passwords_differ.into(),
            )),
        )
        .await;
    }
    match sessions::change_own_password(&state, &user.actor(), form.current, form.new).await {
        Ok(()) => {
            let clear = session_cookie(&state, "", 0).ok();
            let mut resp = Redirect::to("/login?done=password").into_response();
            if let Some(c) = clear {
                resp.headers_mut().append(SET_COOKIE, c);
            }
            resp
        }
        Err(e) => password_page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
}

/// `GET /`: each role's first page.
pub async fn home(user: Signed) -> Response {
    match user.caller.staff.role {
        Role::Supervisor => Redirect::to("/coverage").into_response(),
        Role::ChildWelfareReviewer => Redirect::to("/reviews").into_response(),
        Role::Admin => Redirect::to("/admin/staff").into_response(),
        Role::Worker => {
            let t = user.lang.msgs();
            errors::render(&HomePage {
                frame: user.frame(Section::Home, t.home),
            })
        }
    }
}

//! Who is looking at a page: the visitor's language, and for signed-in pages the session behind
//! the cookie. A page without a live session redirects to sign-in; an account whose password an
//! admin set can only change it or sign out.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::frame::{Frame, Section};
use super::i18n::Lang;
use crate::auth::extract::session_cookie;
use crate::ops::Actor;
use crate::ops::sessions::{self, Caller};
use crate::state::AppState;

/// Anyone: their language and the page they asked for.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Language of the page.
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            lang: Lang::of(&parts.headers),
        })
    }
}

/// A signed-in staff member on a page.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Language of the page.
    pub lang: Lang,
    /// The session, account and branch.
    pub caller: Caller,
    /// The path and query of this page (ids only), for the language switch.
    pub here: String,
}

impl Signed {
    /// The actor the page acts as.
    pub fn actor(&self) -> Actor {
        self.caller.actor()
    }

    /// The frame of a page in `section` titled `title`.
    pub fn frame(&self, section: Section, title: &str) -> Frame {
        Frame::signed(self, section, title)
    }

    /// The session's CSRF token, for forms.
    pub fn csrf(&self) -> &str {
        &self.caller.session.csrf_token
    }
}

/// A local path to come back to after sign-in: no scheme, no host, no `//`.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() < 512
        && next.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(next)
}

fn sign_in_redirect(here: &str) -> Response {
    let target = match safe_next(here).filter(|h| *h != "/") {
        Some(h) => format!("/login?{}", super::links::query(&[("next", h)])),
        None => "/login".to_owned(),
    };
    Redirect::to(&target).into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = Lang::of(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let Some(token) = session_cookie(parts, state.config.secure_cookies) else {
            return Err(sign_in_redirect(&here));
        };
        let caller = match sessions::resolve(state, token).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(sign_in_redirect(&here)),
            Err(e) => return Err(super::errors::bare(lang, e)),
        };
        let path = parts.uri.path();
        if caller.staff.must_change_password && path != "/account/password" && path != "/logout" {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(Signed { lang, caller, here })
    }
}

//! Forms: every form carries a CSRF token as a hidden field `csrf`. Signed-in forms carry the
//! session's token; the sign-in form carries a token of its own, also set as a short-lived
//! cookie (a double submit), so a page elsewhere cannot sign a visitor in to another account.
//! Tokens are compared in constant time.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::errors;
use super::i18n::Lang;
use super::session::Signed;
use crate::auth::extract::same_secret;
use crate::ops::OpsError;
use crate::state::AppState;

/// Largest form body (a CSV import is a file upload, not a form).
const MAX_FORM: usize = 64 * 1024;

/// Name of the sign-in form's token cookie.
pub const PRE_COOKIE: &str = "fv_pre";

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A form posted by a signed-in user, its CSRF token checked.
#[derive(Debug)]
pub struct Posted<T> {
    /// Who posted it.
    pub user: Signed,
    /// The fields.
    pub form: T,
}

/// A form posted before sign-in, its token checked against the sign-in cookie.
#[derive(Debug)]
pub struct PublicForm<T> {
    /// The visitor's language.
    pub lang: Lang,
    /// The fields.
    pub form: T,
}

async fn read(body: axum::body::Body, lang: Lang) -> Result<axum::body::Bytes, Response> {
    axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| errors::bare(lang, OpsError::invalid("too_large", "form too large")))
}

fn token_of(bytes: &[u8]) -> String {
    serde_urlencoded::from_bytes::<Token>(bytes)
        .map(|t| t.csrf)
        .unwrap_or_default()
}

// A refusal is a whole page; it is returned once per request, so its size does not matter.
#[allow(clippy::result_large_err)]
fn fields<T: DeserializeOwned>(bytes: &[u8], lang: Lang) -> Result<T, Response> {
    serde_urlencoded::from_bytes(bytes).map_err(|_| {
        errors::bare(
            lang,
            OpsError::invalid("malformed_form", "the form's fields are not as expected"),
        )
    })
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = Signed::from_request_parts(&mut parts, state).await?;
        let bytes = read(body, user.lang).await?;
        let sent = token_of(&bytes);
        if sent.is_empty() || !same_secret(&sent, user.csrf()) {
            return Err(errors::csrf_refused(user.lang));
        }
        let form = fields(&bytes, user.lang)?;
        Ok(Posted { user, form })
    }
}

/// The sign-in form's token cookie, if sent.
pub fn pre_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == PRE_COOKIE)
        .map(|(_, v)| v)
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for PublicForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let lang = Lang::of(&parts.headers);
        let bytes = read(body, lang).await?;
        let sent = token_of(&bytes);
        let cookie = pre_cookie(&parts.headers).unwrap_or("");
        if sent.is_empty() || cookie.is_empty() || !same_secret(&sent, cookie) {
            return Err(errors::csrf_refused(lang));
        }
        let form = fields(&bytes, lang)?;
        Ok(PublicForm { lang, form })
    }
}

/// A file posted by a signed-in user (`multipart/form-data` with a `csrf` field before the
/// file), its CSRF token checked before the file is read.
#[derive(Debug)]
pub struct PostedFile {
    /// Who posted it.
    pub user: Signed,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl FromRequest<AppState> for PostedFile {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = Signed::from_request_parts(&mut parts, state).await?;
        let lang = user.lang;
        let req = Request::from_parts(parts, body);
        let bad = |what: &str| {
            errors::bare(
                lang,
                OpsError::invalid(
                    "malformed_form",
                    format!("the upload is not as expected: {what}"),
                ),
            )
        };
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| bad("not a multipart form"))?;
        let mut checked = false;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|_| bad("unreadable"))?
        {
            match field.name() {
                Some("csrf") => {
                    let sent = field.text().await.map_err(|_| bad("csrf"))?;
                    checked = !sent.is_empty() && same_secret(&sent, user.csrf());
                    if !checked {
                        return Err(errors::csrf_refused(lang));
                    }
                }
                Some("file") if checked => {
                    let bytes = field.bytes().await.map_err(|_| bad("file too large"))?;
                    return Ok(PostedFile {
                        user,
                        bytes: bytes.to_vec(),
                    });
                }
                Some("file") => return Err(errors::csrf_refused(lang)),
                _ => {}
            }
        }
        if checked {
            Err(bad("no file"))
        } else {
            Err(errors::csrf_refused(lang))
        }
    }
}

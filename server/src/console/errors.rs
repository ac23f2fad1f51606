//! The console's one mapping of domain errors to pages: a status, and a sentence from the
//! catalogue in the reader's language (the operation's own English message beside it only when
//! the catalogue has no sentence for its code). Causes of internal errors go to the log only.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::frame::Frame;
use super::i18n::{Lang, Msgs};
use crate::ops::OpsError;

/// The status and the sentence a page shows for an error.
pub fn explain(t: &Msgs, e: &OpsError) -> (StatusCode, String) {
    let known = |code: &str| -> Option<&'static str> {
        Some(match code {
            "wrong_password" => t.wrong_password,
            "weak_password" => t.weak_password,
            "same_password" => t.same_password,
            "account_disabled" => t.account_disabled,
            "account_locked" => t.account_locked,
            "wrong_passphrase" => t.wrong_passphrase,
            "passphrases_differ" => t.passphrases_differ,
            "unlock_throttled" => t.unlock_throttled,
            "key_locked" => t.key_locked,
            "invalid_transition" => t.invalid_transition,
            "reason_required" => t.reason_required,
            "csrf" => t.error_csrf,
            _ => return None,
        })
    };
    match e {
        OpsError::NotFound(_) => (StatusCode::NOT_FOUND, t.error_not_found.into()),
        OpsError::ForbiddenRole(_) => (StatusCode::FORBIDDEN, t.error_forbidden.into()),
        OpsError::BadCredentials => (StatusCode::UNAUTHORIZED, t.wrong_credentials.into()),
        OpsError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, t.error_internal.into())
        }
        OpsError::InvalidId(_) | OpsError::Invalid { .. } | OpsError::InvalidRows(_) => (
            StatusCode::BAD_REQUEST,
            known(e.code()).map_or_else(|| format!("{}{e}", t.error_invalid), str::to_owned),
        ),
        OpsError::Refused { .. } => (
            StatusCode::FORBIDDEN,
            known(e.code()).map_or_else(|| e.to_string(), str::to_owned),
        ),
        OpsError::Conflict { .. } => (
            StatusCode::CONFLICT,
            known(e.code()).map_or_else(|| e.to_string(), str::to_owned),
        ),
        OpsError::Undecryptable => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        OpsError::Unauthenticated { .. } => (StatusCode::UNAUTHORIZED, e.to_string()),
        OpsError::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            known(e.code()).map_or_else(|| e.to_string(), str::to_owned),
        ),
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Frame,
    message: String,
    code: &'static str,
}

/// A failed page: rendered with the frame of the page it failed on.
#[derive(Debug)]
pub struct PageError {
    frame: Frame,
    error: OpsError,
}

impl PageError {
    /// A failure of the page framed by `frame`.
    pub fn new(frame: Frame, error: OpsError) -> Self {
        PageError { frame, error }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = explain(self.frame.t, &self.error);
        let code = self.error.code();
        render_error(self.frame, status, message, code)
    }
}

fn render_error(frame: Frame, status: StatusCode, message: String, code: &'static str) -> Response {
    let page = ErrorPage {
        frame,
        message,
        code,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            status.into_response()
        }
    }
}

/// An error page before anything is known of the reader but their language.
pub fn bare(lang: Lang, e: OpsError) -> Response {
    let t = lang.msgs();
    let frame = Frame::public(lang, t.error_title, "/");
    PageError::new(frame, e).into_response()
}

/// The page for an address no page answers.
pub fn not_found(lang: Lang) -> Response {
    bare(lang, OpsError::NotFound("page"))
}

/// A form whose CSRF token is missing or wrong.
pub fn csrf_refused(lang: Lang) -> Response {
    let t = lang.msgs();
    let frame = Frame::public(lang, t.error_title, "/");
    render_error(frame, StatusCode::FORBIDDEN, t.error_csrf.into(), "csrf")
}

/// What a form page shows when its action failed: the status and the sentence.
pub type Failure = Option<(StatusCode, String)>;

/// Renders a form page with the status of its failure, if it has one.
pub fn render_failed<T: Template>(page: &T, failure: &Failure) -> Response {
    let mut resp = render(page);
    if let Some((status, _)) = failure {
        *resp.status_mut() = *status;
    }
    resp
}

/// Renders a page template, or an error page if it fails.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

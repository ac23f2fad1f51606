//! The audit log for admins: entries newest first, a page at a time, and a check of the whole chain.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::audit::Verification;
use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::links;
use crate::console::session::Signed;
use crate::ops::{audit_log, directory};
use crate::state::AppState;

/// An entry as a row.
#[derive(Debug, Clone)]
pub struct EntryRow {
    /// Sequence number.
    pub seq: u64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what (an id).
    pub target: String,
    /// Details (JSON of ids and counts).
    pub detail: String,
    /// The client's address, when the entry was written serving a request.
    pub address: String,
    /// Its user agent, whole (shown on hover).
    pub agent: String,
    /// The part of the user agent that names the browser or app.
    pub agent_short: String,
}

/// The token of a user agent that names the browser or app (`Chrome/156.0…`, `okhttp/4.12`),
/// so a row stays one line; the whole agent is kept beside it.
fn short_agent(agent: &str) -> String {
    let tokens: Vec<&str> = agent.split_whitespace().collect();
    let named = ["Edg/", "Firefox/", "HeadlessChrome/", "Chrome/", "Safari/"]
        .iter()
        .find_map(|p| tokens.iter().find(|t| t.starts_with(p)))
        .or(tokens.first())
        .copied()
        .unwrap_or_default();
    named.chars().take(40).collect()
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    frame: Frame,
    rows: Vec<EntryRow>,
    total: u64,
    newer: Option<String>,
    older: Option<String>,
    verdict: Option<(bool, String)>,
}

const PER_PAGE: u32 = 50;

/// `?until=`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    until: String,
}

async fn render(
    state: &AppState,
    user: &Signed,
    until: Option<u64>,
    verdict: Option<(bool, String)>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Audit, t.audit_title);
    let actor = user.actor();
    let loaded = tokio::try_join!(
        audit_log::page(state, &actor, until, PER_PAGE),
        directory::of_branch(state, &actor)
    );
    let ((entries, total), dir) = match loaded {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let top = entries.first().map_or(0, |e| e.seq);
    let bottom = entries.last().map_or(0, |e| e.seq);
    let page = AuditPage {
        rows: entries
            .into_iter()
            .map(|e| EntryRow {
                seq: e.seq,
                at: format::datetime(e.at),
                actor: dir.staff_name(&e.actor),
                action: e.action,
                target: e.target,
                detail: e.detail,
                agent_short: short_agent(&e.agent),
                address: e.address,
                agent: e.agent,
            })
            .collect(),
        total,
        newer: (top < total).then(|| {
            links::to(
                "/admin/audit",
                &[("until", &(top + u64::from(PER_PAGE)).min(total).to_string())],
            )
        }),
        older: (bottom > 1)
            .then(|| links::to("/admin/audit", &[("until", &(bottom - 1).to_string())])),
        verdict,
        frame,
    };
    errors::render(&page)
}

/// `GET /admin/audit?until=`.
pub async fn list(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<AuditQuery>,
) -> Response {
    render(&state, &user, q.until.parse().ok(), None).await
}

/// `POST /admin/audit/verify`.
pub async fn verify(State(state): State<AppState>, posted: Posted<super::Empty>) -> Response {
    let user = posted.user;
    let t = user.lang.msgs();
    let verdict = match audit_log::verify(&state, &user.actor()).await {
        Ok(Verification::Intact {
            entries,
            checkpoint,
        }) => (
            true,
            match checkpoint {
                Some(seq) => format!("{}{entries}{}{seq}", t.audit_intact, t.audit_checkpoint),
                None => format!("{}{entries}", t.audit_intact),
            },
        ),
        Ok(Verification::Broken { seq, reason }) => {
            (false, format!("{}{seq} ({reason})", t.audit_broken))
        }
        Err(e) => return errors::bare(user.lang, e),
    };
    render(&state, &user, None, Some(verdict)).await
}

#[cfg(test)]
mod tests {
    use super::short_agent;

    #[test]
    fn the_short_agent_names_the_browser_or_app() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      HeadlessChrome/156.0.0.0 Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(short_agent(chrome), "HeadlessChrome/156.0.0.0");
        let edge = "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(short_agent(edge), "Edg/120.0");
        assert_eq!(short_agent("okhttp/4.12.0"), "okhttp/4.12.0");
        assert_eq!(short_agent(""), "");
    }
}

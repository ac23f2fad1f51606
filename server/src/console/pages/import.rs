//! Household import for admins: a CSV file is checked whole, and every row's errors are listed by
//! line and column; nothing is stored unless every row passes (`ops::households::import_csv`).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::console::csrf::PostedFile;
use crate::console::errors::{self, PageError, explain};
use crate::console::frame::{Frame, Section};
use crate::console::session::Signed;
use crate::ops::{OpsError, households};
use crate::state::AppState;
use crate::store::Role;

/// One row's problem.
#[derive(Debug, Clone)]
pub struct ProblemRow {
    /// CSV line.
    pub line: u64,
    /// Column.
    pub column: &'static str,
    /// What is wrong.
    pub problem: String,
}

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    frame: Frame,
    columns: &'static str,
    imported: Option<usize>,
    problems: Vec<ProblemRow>,
    error: Option<String>,
}

/// Columns of the import format, in order.
const COLUMNS: &str = "household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id";

fn page(
    user: &Signed,
    imported: Option<usize>,
    problems: Vec<ProblemRow>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let p = ImportPage {
        frame: user.frame(Section::Import, t.import_title),
        columns: COLUMNS,
        imported,
        problems,
        error: error.as_ref().map(|(_, m)| m.clone()),
    };
    errors::render_failed(&p, &error)
}

/// `GET /admin/import`.
pub async fn form(user: Signed) -> Response {
    if user.caller.staff.role != Role::Admin {
        let t = user.lang.msgs();
        return PageError::new(
            user.frame(Section::Import, t.import_title),
            OpsError::ForbiddenRole("imports are for admins"),
        )
        .into_response();
    }
    page(&user, None, Vec::new(), None)
}

/// `POST /admin/import` (multipart: `csrf`, then `file`).
pub async fn upload(State(state): State<AppState>, posted: PostedFile) -> Response {
    let PostedFile { user, bytes } = posted;
    let t = user.lang.msgs();
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => {
            let e = OpsError::invalid(
                "not_utf8",
                "the file is not UTF-8 text; save it as CSV UTF-8",
            );
            return page(&user, None, Vec::new(), Some(explain(t, &e)));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match households::import_csv(&state, &user.actor(), text).await {
        Ok(n) => page(&user, Some(n), Vec::new(), None),
        Err(OpsError::InvalidRows(rows)) => {
            let problems = rows
                .into_iter()
                .map(|r| ProblemRow {
                    line: r.line,
                    column: r.column,
                    problem: r.problem,
                })
                .collect();
            page(
                &user,
                None,
                problems,
                Some((axum::http::StatusCode::BAD_REQUEST, t.row_errors.to_owned())),
            )
        }
        Err(e) => page(&user, None, Vec::new(), Some(explain(t, &e))),
    }
}

//! County visit schedules for admins: each county's rules in force (its own where it has them, the
//! defaults elsewhere), and its own rules edited as the same JSON the CLI takes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fieldvisit_core::caseload::{Category, Interval, ScheduleConfig};
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::frame::{Frame, Section};
use crate::console::i18n::Msgs;
use crate::console::session::Signed;
use crate::ops::schedules;
use crate::state::AppState;

/// One category's rule in force.
#[derive(Debug, Clone)]
pub struct RuleLine {
    /// Category name.
    pub category: &'static str,
    /// Default interval in words.
    pub interval: String,
    /// Intervals by level, in words.
    pub by_level: String,
    /// Set by the county (not the default).
    pub own: bool,
}

/// A county and its schedule.
#[derive(Debug, Clone)]
pub struct CountyView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The rules in force.
    pub rules: Vec<RuleLine>,
    /// The county's own rules as JSON (what the form edits).
    pub own_json: String,
    /// It has rules of its own.
    pub has_own: bool,
}

#[derive(Template)]
#[template(path = "admin_schedules.html")]
struct SchedulesPage {
    frame: Frame,
    counties: Vec<CountyView>,
    error: Option<String>,
}

fn words(i: Interval, t: &Msgs) -> String {
    match i {
        Interval::Days(d) => format!("{d} {}", t.days),
        Interval::Months(m) => format!("{m} {}", t.months),
        Interval::Once => t.once.to_owned(),
    }
}

fn view(id: String, name: String, own: Option<ScheduleConfig>, t: &Msgs) -> CountyView {
    let merged = own
        .as_ref()
        .map_or_else(ScheduleConfig::default, schedules::merged);
    let own_codes: Vec<Category> = own
        .as_ref()
        .map(|o| o.rules.iter().map(|r| r.category).collect())
        .unwrap_or_default();
    CountyView {
        rules: merged
            .rules
            .iter()
            .map(|r| RuleLine {
                category: t.category(r.category.code()),
                interval: words(r.default, t),
                by_level: r
                    .by_level
                    .iter()
                    .map(|(l, i)| format!("{l}: {}", words(*i, t)))
                    .collect::<Vec<_>>()
                    .join(", "),
                own: own_codes.contains(&r.category),
            })
            .collect(),
        own_json: own
            .as_ref()
            .and_then(|o| serde_json::to_string_pretty(o).ok())
            .unwrap_or_else(|| "{\n  \"rules\": []\n}".to_owned()),
        has_own: own.is_some(),
        id,
        name,
    }
}

async fn page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Schedules, t.schedules_title)
        .with_notice(notice);
    let counties = match schedules::by_county(state, &user.actor()).await {
        Ok(c) => c,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let p = SchedulesPage {
        counties: counties
            .into_iter()
            .map(|(u, own)| view(u.id, u.name, own, t))
            .collect(),
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&p, &error)
}

/// `GET /admin/schedules`.
pub async fn list(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = match q.done.as_str() {
        "saved" => Some(t.schedule_saved),
        "cleared" => Some(t.schedule_cleared),
        _ => None,
    };
    page(&state, &user, notice, None).await
}

/// The schedule form: its JSON, or a request to go back to the defaults.
#[derive(Debug, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    clear: String,
}

/// `POST /admin/schedules/{county_id}`.
pub async fn set(
    State(state): State<AppState>,
    Path(county): Path<String>,
    posted: Posted<ScheduleForm>,
) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let clear = !form.clear.is_empty();
    let result = async {
        let schedule = if clear {
            None
        } else {
            Some(schedules::parse(&form.schedule)?)
        };
        schedules::set(&state, &user.actor(), &county, schedule).await
    };
    match result.await {
        Ok(()) => Redirect::to(if clear {
            "/admin/schedules?done=cleared"
        } else {
            "/admin/schedules?done=saved"
        })
        .into_response(),
        Err(e) => page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

//! Guardianship reviews for child-welfare reviewers: the queue (police-reported first, then by SLA
//! time left) with a township filter, the audience key unlocked for this session only, the case
//! with its decrypted assessment laid out by its template, photos (restricted ones behind a reveal),
//! decisions and the case history. Supervisors see the queue and the cases' metadata.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::console::assessment::AssessmentView;
use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::format;
use crate::console::frame::Section;
use crate::console::i18n::Msgs;
use crate::console::links;
use crate::console::paging::{Paged, paginate};
use crate::console::session::Signed;
use crate::ops::decrypt::{self, CHILD_WELFARE};
use crate::ops::directory::{self, Directory};
use crate::ops::review::{self, Action, Decision, Escalation, ReviewView};
use crate::ops::{OpsError, households};
use crate::state::AppState;
use crate::store::Role;

/// The SLA clock as shown: time left, or overdue in red.
#[derive(Debug, Clone)]
pub struct Clock {
    /// `剩余 5 小时` / `已超时 2 天 3 小时`.
    pub text: String,
    /// Past due.
    pub overdue: bool,
    /// Due at, local time.
    pub due: String,
}

fn clock(v: &ReviewView, t: &Msgs, now: DateTime<Utc>) -> Clock {
    let text = if !v.state.is_open() {
        String::new()
    } else if v.overdue {
        format!("{} {}", t.overdue_by, format::hours(v.hours_overdue, t))
    } else {
        let left = format::hours((v.due_at - now).num_hours(), t);
        if t.is_zh() {
            format!("{} {left}", t.time_left)
        } else {
            format!("{left} {}", t.time_left)
        }
    };
    Clock {
        text,
        overdue: v.overdue,
        due: format::datetime(v.due_at),
    }
}

/// One case in the queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// Visit id.
    pub visit_id: String,
    /// Reported to police.
    pub urgent: bool,
    /// Level id.
    pub level: String,
    /// State name.
    pub state: &'static str,
    /// Village name.
    pub village: String,
    /// Township name.
    pub township: String,
    /// Worker name.
    pub worker: String,
    /// Arrived, local time.
    pub submitted: String,
    /// SLA clock.
    pub clock: Clock,
}

/// The key panel.
#[derive(Debug, Clone)]
pub struct KeyPanel {
    /// The reader may unlock (reviewers).
    pub may_unlock: bool,
    /// Unlocked until (local time).
    pub until: Option<String>,
}

async fn key_panel(state: &AppState, user: &Signed) -> Result<KeyPanel, OpsError> {
    let reviewer = user.caller.staff.role == Role::ChildWelfareReviewer;
    let until = if reviewer {
        decrypt::key_until(state, &user.actor()).await?
    } else {
        None
    };
    Ok(KeyPanel {
        may_unlock: reviewer,
        until: until.map(format::datetime),
    })
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct QueuePage {
    frame: crate::console::frame::Frame,
    key: KeyPanel,
    error: Option<String>,
    townships: Vec<(String, String)>,
    township: String,
    list: Paged<QueueRow>,
    overdue: usize,
}

/// `?township=&done=`.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    township: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    page: String,
}

fn township_of(dir: &Directory, village: &str) -> Option<String> {
    dir.unit(village).and_then(|v| v.parent_id.clone())
}

async fn queue_page(
    state: &AppState,
    user: &Signed,
    township: &str,
    page_no: usize,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Reviews, t.reviews_title)
        .with_notice(notice);
    let actor = user.actor();
    let now = Utc::now();
    let loaded = async {
        let (queue, dir) = tokio::try_join!(
            review::queue(state, &actor, now),
            directory::of_branch(state, &actor)
        )?;
        let ids: Vec<String> = queue.iter().map(|r| r.household_id.clone()).collect();
        let villages = households::villages_of(state, &dir, &ids).await?;
        Ok::<_, OpsError>((queue, dir, villages))
    };
    let (queue, dir, villages) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let townships: Vec<(String, String)> = dir
        .units
        .iter()
        .filter(|u| u.level == crate::store::OrgLevel::Township)
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let rows: Vec<QueueRow> = queue
        .iter()
        .filter_map(|v| {
            let village = villages.get(&v.household_id).cloned().unwrap_or_default();
            let town = township_of(&dir, &village).unwrap_or_default();
            if !township.is_empty() && town != township {
                return None;
            }
            Some(QueueRow {
                visit_id: v.visit_id.clone(),
                urgent: v.urgent,
                level: v.level.clone().unwrap_or_default(),
                state: t.review_state(v.state),
                village: dir.unit_name(&village),
                township: dir.unit_name(&town),
                worker: dir.staff_name(&v.worker_id),
                submitted: format::datetime(v.submitted_at),
                clock: clock(v, t, now),
            })
        })
        .collect();
    let overdue = rows.iter().filter(|r| r.clock.overdue).count();
    let list = paginate(rows, page_no, |n| {
        links::to(
            "/reviews",
            &[("township", township), ("page", &n.to_string())],
        )
    });
    let key = match key_panel(state, user).await {
        Ok(k) => k,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let page = QueuePage {
        frame,
        key,
        error: error.as_ref().map(|(_, m)| m.clone()),
        overdue,
        townships,
        township: township.to_owned(),
        list,
    };
    errors::render_failed(&page, &error)
}

/// `GET /reviews?township=`.
pub async fn queue(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<QueueQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = match q.done.as_str() {
        "unlocked" => Some(t.key_unlocked),
        "locked" => Some(t.key_locked_now),
        _ => None,
    };
    let township = if q
        .township
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        q.township.as_str()
    } else {
        ""
    };
    queue_page(
        &state,
        &user,
        township,
        q.page.parse().unwrap_or(1),
        notice,
        None,
    )
    .await
}

/// The unlock form.
#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    next: String,
}

impl std::fmt::Debug for UnlockForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockForm { .. }")
    }
}

/// `POST /reviews/unlock`: the child-welfare key, for this session only.
pub async fn unlock(State(state): State<AppState>, posted: Posted<UnlockForm>) -> Response {
    let Posted { user, form } = posted;
    match decrypt::unlock(&state, &user.actor(), CHILD_WELFARE, &form.passphrase).await {
        Ok(_) => {
            let next = crate::console::session::safe_next(&form.next)
                .filter(|n| n.starts_with("/reviews/"))
                .map_or_else(
                    || "/reviews?done=unlocked".to_owned(),
                    |n| format!("{n}?done=unlocked"),
                );
            Redirect::to(&next).into_response()
        }
        Err(e) => {
            let t = user.lang.msgs();
            queue_page(&state, &user, "", 1, None, Some(explain(t, &e))).await
        }
    }
}

/// `POST /reviews/lock`.
pub async fn lock(State(state): State<AppState>, posted: Posted<super::Empty>) -> Response {
    match decrypt::lock(&state, &posted.user.actor()).await {
        Ok(_) => Redirect::to("/reviews?done=locked").into_response(),
        Err(e) => errors::bare(posted.user.lang, e),
    }
}

/// One transition of the case history.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// When, local time.
    pub at: String,
    /// Who.
    pub actor: String,
    /// From state.
    pub from: &'static str,
    /// To state.
    pub to: &'static str,
    /// Why.
    pub reason: String,
    /// Escalation branch.
    pub escalation: Option<&'static str>,
}

/// A photo on the case page.
#[derive(Debug, Clone)]
pub struct PhotoView {
    /// Its address (served decrypted, audited).
    pub src: String,
    /// Restricted and not revealed: shown as a reveal link.
    pub hidden: bool,
    /// Restricted.
    pub restricted: bool,
    /// The reveal link.
    pub reveal: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct CasePage {
    frame: crate::console::frame::Frame,
    key: KeyPanel,
    visit_id: String,
    household_id: String,
    urgent: bool,
    level: String,
    state: &'static str,
    escalation: Option<&'static str>,
    village: String,
    worker: String,
    submitted: String,
    clock: Clock,
    history: Vec<HistoryLine>,
    actions: Vec<&'static str>,
    escalations: Vec<(&'static str, &'static str)>,
    assessment: Option<AssessmentView>,
    photos: Vec<PhotoView>,
    error: Option<String>,
    here: String,
}

/// `?reveal=&done=`.
#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    reveal: String,
    #[serde(default)]
    done: String,
}

const ACTIONS: [(Action, &str); 5] = [
    (Action::Start, "start"),
    (Action::Confirm, "confirm"),
    (Action::Return, "return"),
    (Action::Escalate, "escalate"),
    (Action::Close, "close"),
];

async fn case_page(
    state: &AppState,
    user: &Signed,
    visit_id: &str,
    reveal: &str,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Reviews, t.review_title)
        .with_notice(notice);
    let actor = user.actor();
    let now = Utc::now();
    let loaded = async {
        let (row, history, dir) = tokio::try_join!(
            review::find(state, &actor, visit_id),
            review::history(state, &actor, visit_id),
            directory::of_branch(state, &actor)
        )?;
        let villages =
            households::villages_of(state, &dir, std::slice::from_ref(&row.household_id)).await?;
        Ok::<_, OpsError>((row, history, dir, villages))
    };
    let (row, history, dir, villages) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let reviewer = user.caller.staff.role == Role::ChildWelfareReviewer;
    let unlocked = reviewer
        && match decrypt::key_until(state, &actor).await {
            Ok(until) => until.is_some(),
            Err(e) => return PageError::new(frame, e).into_response(),
        };
    let (assessment, photos) = if unlocked {
        match decrypt::read_visit(state, &actor, visit_id).await {
            Ok(d) => {
                let view = d
                    .template
                    .as_ref()
                    .map(|tp| AssessmentView::of(tp, &d.content, t));
                let photos = view
                    .as_ref()
                    .map(|v| {
                        v.photos()
                            .into_iter()
                            .map(|p| PhotoView {
                                src: format!("/reviews/{}/photos/{}", row.visit_id, p.photo_id),
                                hidden: p.restricted && p.photo_id != reveal,
                                restricted: p.restricted,
                                reveal: links::to(
                                    &format!("/reviews/{}", row.visit_id),
                                    &[("reveal", &p.photo_id)],
                                ),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (view, photos)
            }
            Err(e) => return PageError::new(frame, e).into_response(),
        }
    } else {
        (None, Vec::new())
    };
    let view = review::view(row.clone(), &state.config.review, now);
    let village = villages.get(&row.household_id).cloned().unwrap_or_default();
    let key = match key_panel(state, user).await {
        Ok(k) => k,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let page = CasePage {
        key,
        visit_id: row.visit_id.clone(),
        household_id: row.household_id.clone(),
        urgent: row.urgent,
        level: row.level.clone().unwrap_or_default(),
        state: t.review_state(row.state),
        escalation: row.escalation.as_deref().map(|e| t.escalation_name(e)),
        village: dir.unit_name(&village),
        worker: dir.staff_name(&row.worker_id),
        submitted: format::datetime(row.submitted_at),
        clock: clock(&view, t, now),
        history: history
            .iter()
            .map(|e| HistoryLine {
                at: format::datetime(e.at),
                actor: dir.staff_name(&e.actor),
                from: t.review_state(e.from),
                to: t.review_state(e.to),
                reason: e.reason.clone(),
                escalation: e.escalation.as_deref().map(|x| t.escalation_name(x)),
            })
            .collect(),
        actions: if reviewer {
            ACTIONS
                .iter()
                .filter(|(a, _)| review::target(*a, row.state).is_some())
                .map(|(_, code)| *code)
                .collect()
        } else {
            Vec::new()
        },
        escalations: [
            "police_report",
            "temporary_guardianship",
            "guardianship_intervention",
            "long_term_guardianship",
        ]
        .into_iter()
        .map(|c| (c, t.escalation_name(c)))
        .collect(),
        assessment,
        photos,
        error: error.as_ref().map(|(_, m)| m.clone()),
        here: format!("/reviews/{}", row.visit_id),
        frame,
    };
    errors::render_failed(&page, &error)
}

/// `GET /reviews/{visit_id}?reveal=`.
pub async fn case(
    State(state): State<AppState>,
    user: Signed,
    Path(visit_id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = match q.done.as_str() {
        "decided" => Some(t.decided),
        "unlocked" => Some(t.key_unlocked),
        _ => None,
    };
    case_page(&state, &user, &visit_id, &q.reveal, notice, None).await
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    escalation: String,
}

/// `POST /reviews/{visit_id}/decide`.
pub async fn decide(
    State(state): State<AppState>,
    Path(visit_id): Path<String>,
    posted: Posted<DecisionForm>,
) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let action = ACTIONS
        .iter()
        .find(|(_, c)| *c == form.action)
        .map(|(a, _)| *a);
    let escalation = match form.escalation.as_str() {
        "" => None,
        "police_report" => Some(Escalation::PoliceReport),
        "temporary_guardianship" => Some(Escalation::TemporaryGuardianship),
        "guardianship_intervention" => Some(Escalation::GuardianshipIntervention),
        "long_term_guardianship" => Some(Escalation::LongTermGuardianship),
        _ => None,
    };
    let Some(action) = action else {
        let e = OpsError::invalid(
            "bad_action",
            "action: must be start, confirm, return, escalate or close",
        );
        return case_page(&state, &user, &visit_id, "", None, Some(explain(t, &e))).await;
    };
    let decision = Decision {
        action,
        reason: form.comment,
        escalation: if action == Action::Escalate {
            escalation
        } else {
            None
        },
    };
    match review::decide(&state, &user.actor(), &visit_id, &decision).await {
        Ok(_) => Redirect::to(&format!("/reviews/{visit_id}?done=decided")).into_response(),
        Err(e) => case_page(&state, &user, &visit_id, "", None, Some(explain(t, &e))).await,
    }
}

/// `GET /reviews/{visit_id}/photos/{photo_id}`: the decrypted JPEG (audited), never cached.
pub async fn photo(
    State(state): State<AppState>,
    user: Signed,
    Path((visit_id, photo_id)): Path<(String, String)>,
) -> Response {
    match decrypt::read_photo(&state, &user.actor(), &visit_id, &photo_id).await {
        Ok(bytes) => (
            [(CONTENT_TYPE, "image/jpeg"), (CACHE_CONTROL, "no-store")],
            bytes.to_vec(),
        )
            .into_response(),
        Err(e) => errors::bare(user.lang, e),
    }
}

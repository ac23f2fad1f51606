//! A household's profile: the record with its ID number masked, its categories with the schedule
//! and the next due date, its worker, and the timeline of its visits (metadata; the content only
//! through the review pages, for entitled reviewers).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use fieldvisit_core::caseload::{Interval, mask_id_number};

use crate::console::errors::{self, PageError};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::i18n::Msgs;
use crate::console::session::Signed;
use crate::ops::coverage::{self, local_date};
use crate::ops::{OpsError, directory, households};
use crate::state::AppState;
use crate::store::Role;

/// A category of the household.
#[derive(Debug, Clone)]
pub struct CategoryLine {
    /// Name.
    pub name: &'static str,
    /// Registered on.
    pub since: String,
    /// Its visit interval, in words.
    pub interval: String,
    /// Next due date.
    pub next_due: String,
    /// Days overdue, or empty.
    pub days_overdue: String,
}

/// A visit on the timeline.
#[derive(Debug, Clone)]
pub struct TimelineLine {
    /// Visit id.
    pub visit_id: String,
    /// Start, local time.
    pub started: String,
    /// Minutes.
    pub minutes: i64,
    /// Category name.
    pub category: &'static str,
    /// Worker name.
    pub worker: String,
    /// Level, if any.
    pub level: String,
    /// Chain status name, and whether it is broken.
    pub chain: (&'static str, bool),
    /// Reported to police.
    pub police: bool,
    /// Where its details are: the visit's metadata page, or the review for reviewers.
    pub href: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    frame: Frame,
    id: String,
    head_name: String,
    id_number: String,
    address: String,
    village: String,
    worker: String,
    members: usize,
    categories: Vec<CategoryLine>,
    visits: Vec<TimelineLine>,
}

fn interval_words(i: Option<Interval>, t: &Msgs) -> String {
    match i {
        None => t.none.to_owned(),
        Some(Interval::Days(d)) => format!("{d} {}", t.days),
        Some(Interval::Months(m)) => format!("{m} {}", t.months),
        Some(Interval::Once) => t.once.to_owned(),
    }
}

/// `GET /households/{household_id}`.
pub async fn page(State(state): State<AppState>, user: Signed, Path(id): Path<String>) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Households, t.household_title);
    let actor = user.actor();
    let loaded = async {
        let (profile, dir) = tokio::try_join!(
            households::profile(&state, &actor, &id),
            directory::of_branch(&state, &actor)
        )?;
        let today = local_date(Utc::now());
        let dues = if actor.role == Role::Supervisor {
            coverage::household_dues(&state, &actor, &profile.row.household, today).await?
        } else {
            Vec::new()
        };
        Ok::<_, OpsError>((profile, dir, dues))
    };
    let (profile, dir, dues) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let h = &profile.row.household;
    let reviewer = actor.role == Role::ChildWelfareReviewer;
    let page = HouseholdPage {
        frame: user.frame(
            Section::Households,
            &format!("{} · {}", h.head_name, t.household_title),
        ),
        id: h.id.clone(),
        head_name: h.head_name.clone(),
        id_number: mask_id_number(&h.id_number),
        address: h.address.clone(),
        village: dir.unit_name(&h.village_id),
        worker: profile
            .row
            .worker_id
            .as_deref()
            .map_or_else(|| t.no_worker.to_owned(), |w| dir.staff_name(w)),
        members: h.members.len(),
        categories: h
            .categories
            .iter()
            .map(|c| {
                let due = dues.iter().find(|d| d.category == c.category.code());
                CategoryLine {
                    name: t.category(c.category.code()),
                    since: format::date(c.since),
                    interval: due.map_or_else(String::new, |d| interval_words(d.interval, t)),
                    next_due: due
                        .and_then(|d| d.next_due)
                        .map_or_else(String::new, format::date),
                    days_overdue: due
                        .and_then(|d| d.days_overdue)
                        .map_or_else(String::new, |n| n.to_string()),
                }
            })
            .collect(),
        visits: profile
            .visits
            .iter()
            .map(|v| TimelineLine {
                visit_id: v.visit_id.clone(),
                started: format::datetime(v.started_at),
                minutes: (v.ended_at - v.started_at).num_minutes(),
                category: t.category(&v.category),
                worker: dir.staff_name(&v.worker_id),
                level: v.level.clone().unwrap_or_default(),
                chain: (
                    t.chain_status(v.chain_status),
                    v.chain_status != crate::store::ChainStatus::Ok,
                ),
                police: v.reported_to_police_at.is_some(),
                href: if reviewer {
                    format!("/reviews/{}", v.visit_id)
                } else {
                    format!("/visits/{}", v.visit_id)
                },
            })
            .collect(),
    };
    errors::render(&page)
}

//! Evidence for supervisors: the period's evidence summary and the suspicious visits with their
//! flags, and one visit's metadata page with a map of its fix against the registered home.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::coverage::{FilterForm, Heading};
use crate::console::errors::{self, PageError};
use crate::console::format;
use crate::console::frame::{Frame, Section};
use crate::console::paging::{Paged, paginate};
use crate::console::period::ReportQuery;
use crate::console::plainmap::PlainMap;
use crate::console::session::Signed;
use crate::ops::coverage::local_date;
use crate::ops::evidence::{self, EvidenceSummary};
use crate::ops::{OpsError, directory};
use crate::state::AppState;

/// A suspicious visit as a row.
#[derive(Debug, Clone)]
pub struct SuspectRow {
    /// Visit id.
    pub visit_id: String,
    /// Household id.
    pub household_id: String,
    /// Worker name.
    pub worker: String,
    /// Start, local time.
    pub started: String,
    /// Minutes.
    pub minutes: i64,
    /// Distance in metres, or empty.
    pub distance: String,
    /// Reason names.
    pub reasons: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    frame: Frame,
    form: FilterForm,
    heading: Heading,
    summary: EvidenceSummary,
    within_pct: String,
    list: Paged<SuspectRow>,
}

/// The evidence page's query: the report filter and the page.
#[derive(Debug, serde::Deserialize)]
pub struct EvidenceQuery {
    #[serde(flatten)]
    report: ReportQuery,
    #[serde(default)]
    page: String,
}

/// `GET /evidence`.
pub async fn page(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<EvidenceQuery>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Evidence, t.evidence_title);
    let today = local_date(Utc::now());
    let actor = user.actor();
    let loaded = async {
        let report = q.report.resolve(today)?;
        let (ev, dir) = tokio::try_join!(
            evidence::report(&state, &actor, &report.filter),
            directory::of_branch(&state, &actor)
        )?;
        // `load` has checked the unit is in the branch; its path names the heading.
        let path = match report.filter.unit_id.as_deref() {
            Some(id) => dir.unit(id).map_or_else(String::new, |u| u.path.clone()),
            None => actor.scope_path.clone(),
        };
        Ok::<_, OpsError>((report, ev, dir, path))
    };
    let (report, ev, dir, path) = match loaded.await {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let mut rows: Vec<SuspectRow> = ev
        .suspicious
        .iter()
        .map(|s| SuspectRow {
            visit_id: s.visit_id.clone(),
            household_id: s.household_id.clone(),
            worker: dir.staff_name(&s.worker_id),
            started: format::datetime(s.started_at),
            minutes: s.minutes,
            distance: s.distance_m.map_or_else(String::new, format::metres),
            reasons: s.reasons.iter().map(|r| t.reason(r)).collect(),
        })
        .collect();
    rows.reverse();
    let list = paginate(rows, q.page.parse().unwrap_or(1), |n| {
        report.on("/evidence", &[("page", &n.to_string())])
    });
    let heading = super::coverage::heading(&report, &path, &dir, &actor, t);
    let page = EvidencePage {
        frame: user.frame(
            Section::Evidence,
            &format!("{} · {}", heading.name, t.evidence_title),
        ),
        form: super::coverage::filter_form("/evidence", &report, t, today),
        heading,
        within_pct: format::pct(ev.summary.within_distance_pct),
        summary: ev.summary,
        list,
    };
    errors::render(&page)
}

/// The map of a visit: the plain drawing, and what Leaflet needs when tiles are configured.
#[derive(Debug, Clone)]
pub struct MapView {
    /// The drawing.
    pub plain: PlainMap,
    /// Fix and home as the tiles place them, and the tile source; `None` without tiles.
    pub live: Option<LiveMap>,
    /// Accuracy in metres.
    pub accuracy: String,
    /// Distance in metres.
    pub distance: String,
}

/// Leaflet's part.
#[derive(Debug, Clone)]
pub struct LiveMap {
    /// Tile URL template.
    pub tiles: String,
    /// Subdomains.
    pub subdomains: String,
    /// Attribution.
    pub attribution: String,
    /// Fix (lat, lon) in the tiles' datum.
    pub fix: (f64, f64),
    /// Home (lat, lon) in the tiles' datum.
    pub home: (f64, f64),
    /// Accuracy in metres.
    pub accuracy_m: f64,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    frame: Frame,
    visit_id: String,
    household_id: String,
    worker: String,
    category: &'static str,
    template: String,
    device: String,
    started: String,
    ended: String,
    minutes: i64,
    sealed: String,
    received: String,
    chain: (&'static str, bool),
    chain_seq: u64,
    level: String,
    police: Option<String>,
    flags: Vec<&'static str>,
    gps: Option<(String, bool, String)>,
    photos: Vec<(String, String, bool)>,
    investigators: u32,
    map: Option<MapView>,
    no_map: &'static str,
}

/// `GET /visits/{visit_id}`: metadata only, never the sealed content.
pub async fn visit(
    State(state): State<AppState>,
    user: Signed,
    Path(visit_id): Path<String>,
) -> Response {
    let t = user.lang.msgs();
    let frame = user.frame(Section::Evidence, t.visit_title);
    let actor = user.actor();
    let (v, dir) = match tokio::try_join!(
        evidence::visit(&state, &actor, &visit_id),
        directory::of_branch(&state, &actor)
    ) {
        Ok(x) => x,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let m = &v.meta;
    let tiles = state.config.map_tiles.clone();
    let map = match (&v.gps, &v.home) {
        (Some(fix), Some(home)) => Some(MapView {
            plain: PlainMap::of(home, &fix.point, fix.accuracy_m),
            live: tiles.as_ref().map(|ts| LiveMap {
                tiles: ts.url.clone(),
                subdomains: ts.subdomains.clone(),
                attribution: ts.attribution.clone(),
                fix: ts.place(fix.point.lat, fix.point.lon),
                home: ts.place(home.lat, home.lon),
                accuracy_m: fix.accuracy_m,
            }),
            accuracy: format::metres(fix.accuracy_m),
            distance: format::metres(home.distance_m(&fix.point)),
        }),
        _ => None,
    };
    let no_map = match (&v.gps, &v.home) {
        (None, _) => t.map_no_fix,
        (_, None) => t.map_no_home,
        _ => "",
    };
    let mut frame = user.frame(Section::Evidence, t.visit_title);
    frame.map = map.as_ref().is_some_and(|m| m.live.is_some());
    let page = VisitPage {
        visit_id: m.visit_id.clone(),
        household_id: m.household_id.clone(),
        worker: dir.staff_name(&m.worker_id),
        category: t.category(&m.category),
        template: format!("{} v{}", m.template_id, v.template_version),
        device: m.device_id.clone(),
        started: format::datetime(m.started_at),
        ended: format::datetime(m.ended_at),
        minutes: (m.ended_at - m.started_at).num_minutes(),
        sealed: format::datetime(v.sealed_at),
        received: format::datetime(m.received_at),
        chain: (
            t.chain_status(m.chain_status),
            m.chain_status != crate::store::ChainStatus::Ok,
        ),
        chain_seq: m.chain_seq,
        level: m.level.clone().unwrap_or_default(),
        police: m.reported_to_police_at.map(format::datetime),
        flags: v.flags.iter().map(|f| t.reason(f)).collect(),
        gps: v.gps.as_ref().map(|g| {
            (
                format::metres(g.accuracy_m),
                g.mock,
                (m.started_at - g.fix_time).num_seconds().to_string(),
            )
        }),
        photos: v
            .photos
            .iter()
            .map(|(id, at, done)| (id.clone(), format::datetime(*at), *done))
            .collect(),
        investigators: v.investigators,
        map,
        no_map,
        frame,
    };
    let mut resp = errors::render(&page);
    if let Some(ts) = tiles
        && let Ok(h) = HeaderValue::from_str(&crate::http::headers::content_security_policy(
            &format!(" {}", ts.img_origin()),
        ))
    {
        resp.headers_mut().insert(CONTENT_SECURITY_POLICY, h);
    }
    resp
}

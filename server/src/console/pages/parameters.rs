//! County parameters and templates for admins: each county's low-income standards by year, its
//! evidence thresholds, and the template versions issued to it, with forms to change them and
//! to publish a county's own version.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use fieldvisit_core::geo::EvidenceThresholds;
use fieldvisit_core::protocol::LowIncomeStandard;
use serde::Deserialize;

use crate::console::csrf::Posted;
use crate::console::errors::{self, PageError, explain};
use crate::console::frame::{Frame, Section};
use crate::console::session::Signed;
use crate::ops::error::OpsError;
use crate::ops::{Actor, parameters, templates};
use crate::state::AppState;
use crate::store::CountyParameterSet;

/// One template version as listed.
#[derive(Debug, Clone)]
pub struct VersionLine {
    /// Template id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Title in the page's language.
    pub title: String,
    /// Published by the county (not built in).
    pub own: bool,
    /// Phones of the county receive it now.
    pub current: bool,
    /// First issued (local date).
    pub published_on: String,
}

/// A county with what it set.
#[derive(Debug, Clone)]
pub struct CountyView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Low-income standards, by year.
    pub standards: Vec<LowIncomeStandard>,
    /// Thresholds in force.
    pub thresholds: EvidenceThresholds,
    /// The county set its own thresholds.
    pub own_thresholds: bool,
    /// Template versions issued to it.
    pub versions: Vec<VersionLine>,
}

#[derive(Template)]
#[template(path = "admin_parameters.html")]
struct ParametersPage {
    frame: Frame,
    counties: Vec<CountyView>,
    error: Option<String>,
}

async fn county_views(
    state: &AppState,
    actor: &Actor,
    zh: bool,
) -> Result<Vec<CountyView>, OpsError> {
    let mut out = Vec::new();
    for (unit, own) in parameters::by_county(state, actor).await? {
        let own = own.unwrap_or_default();
        let versions = templates::of_county(state, actor, &unit.id)
            .await?
            .into_iter()
            .map(|(t, current)| VersionLine {
                title: if zh {
                    t.template.title.zh.clone()
                } else {
                    t.template.title.en.clone()
                },
                id: t.template.id,
                version: t.template.version,
                own: t.scope_path != templates::EVERYWHERE,
                current,
                published_on: crate::store::local_date(t.published_at).to_string(),
            })
            .collect();
        out.push(CountyView {
            id: unit.id,
            name: unit.name,
            standards: own.low_income_standards,
            own_thresholds: own.evidence_thresholds.is_some(),
            thresholds: own.evidence_thresholds.unwrap_or_default(),
            versions,
        });
    }
    Ok(out)
}

async fn page(
    state: &AppState,
    user: &Signed,
    notice: Option<&'static str>,
    error: errors::Failure,
) -> Response {
    let t = user.lang.msgs();
    let frame = user
        .frame(Section::Parameters, t.parameters_title)
        .with_notice(notice);
    let zh = std::ptr::eq(t, &crate::console::messages::ZH);
    let counties = match county_views(state, &user.actor(), zh).await {
        Ok(c) => c,
        Err(e) => return PageError::new(frame, e).into_response(),
    };
    let p = ParametersPage {
        counties,
        error: error.as_ref().map(|(_, m)| m.clone()),
        frame,
    };
    errors::render_failed(&p, &error)
}

/// `GET /admin/parameters`.
pub async fn list(
    State(state): State<AppState>,
    user: Signed,
    Query(q): Query<super::DoneQuery>,
) -> Response {
    let t = user.lang.msgs();
    let notice = match q.done.as_str() {
        "saved" => Some(t.parameters_saved),
        "published" => Some(t.template_published),
        _ => None,
    };
    page(&state, &user, notice, None).await
}

/// What one of the page's forms sends; `action` names the form.
#[derive(Debug, Deserialize)]
pub struct ParametersForm {
    action: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    yuan: String,
    #[serde(default)]
    max_distance_m: String,
    #[serde(default)]
    min_minutes: String,
    #[serde(default)]
    template: String,
}

fn number<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, OpsError> {
    text.trim().parse().map_err(|_| {
        OpsError::invalid(
            "invalid_parameters",
            format!("{field}: 请填写数字 / not a number"),
        )
    })
}

/// Applies one form to a county's parameters.
fn changed(
    mut p: CountyParameterSet,
    form: &ParametersForm,
) -> Result<CountyParameterSet, OpsError> {
    match form.action.as_str() {
        "standard" => {
            let year: i32 = number("year", &form.year)?;
            let yuan: f64 = number("yuan", &form.yuan)?;
            p.low_income_standards.retain(|s| s.year != year);
            p.low_income_standards.push(LowIncomeStandard {
                year,
                yuan_per_person_month: yuan,
            });
            p.low_income_standards.sort_by_key(|s| s.year);
        }
        "remove_standard" => {
            let year: i32 = number("year", &form.year)?;
            p.low_income_standards.retain(|s| s.year != year);
        }
        "thresholds" => {
            let mut t = p.evidence_thresholds.unwrap_or_default();
            t.max_distance_m = number("max_distance_m", &form.max_distance_m)?;
            t.min_duration_s = number::<i64>("min_minutes", &form.min_minutes)?.saturating_mul(60);
            p.evidence_thresholds = Some(t);
        }
        "default_thresholds" => p.evidence_thresholds = None,
        _ => return Err(OpsError::invalid("invalid_parameters", "unknown form")),
    }
    Ok(p)
}

/// `POST /admin/parameters/{county_id}`.
pub async fn set(
    State(state): State<AppState>,
    Path(county): Path<String>,
    posted: Posted<ParametersForm>,
) -> Response {
    let Posted { user, form } = posted;
    let t = user.lang.msgs();
    let actor = user.actor();
    let result = async {
        if form.action == "publish" {
            templates::publish(&state, &actor, &county, &form.template).await?;
            return Ok("published");
        }
        let (_, own) = parameters::of_county(&state, &actor, &county).await?;
        let next = changed(own.unwrap_or_default(), &form)?;
        let next = (next != CountyParameterSet::default()).then_some(next);
        parameters::set(&state, &actor, &county, next).await?;
        Ok::<_, OpsError>("saved")
    };
    match result.await {
        Ok(done) => Redirect::to(&format!("/admin/parameters?done={done}")).into_response(),
        Err(e) => page(&state, &user, None, Some(explain(t, &e))).await,
    }
}

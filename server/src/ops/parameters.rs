//! What a county sets beside its schedule (`docs/domain.md` §3, §5): its low-income standard
//! (元/人/月) for each year, which phones compare a household's income per person with, and its
//! evidence thresholds, which phones flag visits by and the server's suspicious-visit list uses.
//! Phones receive their worker's county's parameters with the assignments.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use fieldvisit_core::geo::EvidenceThresholds;
use fieldvisit_core::protocol::CountyParameters;
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use super::schedules::{counties_of_admin, county_of_admin};
use crate::audit;
use crate::state::AppState;
use crate::store::{CountyParameterRow, CountyParameterSet, OrgUnit};

/// Years a standard may be set for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn bad(message: String) -> OpsError {
    OpsError::invalid("invalid_parameters", message)
}

/// Parses and checks a county's parameter file (JSON): each year at most once, a standard above
/// zero, thresholds in sensible ranges.
pub fn parse(text: &str) -> Result<CountyParameterSet, OpsError> {
    let p: CountyParameterSet = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "参数文件无法解析 / the parameter file is not valid: {e}"
        ))
    })?;
    check(&p)?;
    Ok(p)
}

/// Checks parameters however they arrived (file, API, console form).
pub fn check(p: &CountyParameterSet) -> Result<(), OpsError> {
    let mut years = BTreeSet::new();
    for s in &p.low_income_standards {
        if !YEARS.contains(&s.year) {
            return Err(bad(format!(
                "年份超出范围 / year {} is outside {}–{}",
                s.year,
                YEARS.start(),
                YEARS.end()
            )));
        }
        if !years.insert(s.year) {
            return Err(bad(format!("年份重复 / year {} is listed twice", s.year)));
        }
        if !(s.yuan_per_person_month.is_finite()
            && s.yuan_per_person_month > 0.0
            && s.yuan_per_person_month <= 100_000.0)
        {
            return Err(bad(format!(
                "低保标准应在 0–100000 元之间 / the standard of {} must be above 0 and at most 100000 yuan",
                s.year
            )));
        }
    }
    if let Some(t) = &p.evidence_thresholds {
        let within = |v: f64, max: f64| v.is_finite() && v > 0.0 && v <= max;
        if !within(t.max_distance_m, 100_000.0) {
            return Err(bad(
                "距离阈值应在 0–100000 米之间 / max_distance_m must be above 0 and at most 100000"
                    .into(),
            ));
        }
        if !within(t.max_accuracy_m, 10_000.0) {
            return Err(bad(
                "定位精度阈值应在 0–10000 米之间 / max_accuracy_m must be above 0 and at most 10000".into(),
            ));
        }
        if !(1..=86_400).contains(&t.max_fix_age_s) {
            return Err(bad(
                "定位时效应在 1–86400 秒之间 / max_fix_age_s must be 1 to 86400".into(),
            ));
        }
        if !(0..=86_400).contains(&t.min_duration_s) {
            return Err(bad(
                "最短走访时长应在 0–86400 秒之间 / min_duration_s must be 0 to 86400".into(),
            ));
        }
    }
    Ok(())
}

/// Sets (`Some`) or clears (`None`) a county's parameters; admins of a branch holding the county.
/// Audited as `parameters.set` / `parameters.clear` with what changed in numbers only.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
    parameters: Option<CountyParameterSet>,
) -> Result<(), OpsError> {
    let unit = county_of_admin(state, actor, county_id).await?;
    if let Some(p) = &parameters {
        check(p)?;
    }
    let (action, details) = match &parameters {
        Some(p) => (
            "parameters.set",
            json!({
                "standards": p.low_income_standards.iter()
                    .map(|s| json!({ "year": s.year, "yuan": s.yuan_per_person_month }))
                    .collect::<Vec<_>>(),
                "evidence_thresholds": p.evidence_thresholds,
            }),
        ),
        None => ("parameters.clear", json!({})),
    };
    let entry = audit::draft(&state.audit_key, &actor.id, action, &unit.id, details);
    state
        .store
        .set_county_parameters(&unit.id, parameters.as_ref(), &entry)
        .await?;
    Ok(())
}

static DEFAULT_THRESHOLDS: LazyLock<EvidenceThresholds> =
    LazyLock::new(EvidenceThresholds::default);

/// Every county's parameters, for looking up by org path.
#[derive(Debug, Clone, Default)]
pub struct Parameters {
    counties: Vec<(String, Arc<CountyParameterSet>)>,
}

impl Parameters {
    /// From stored rows.
    pub fn new(rows: Vec<CountyParameterRow>) -> Self {
        Parameters {
            counties: rows
                .into_iter()
                .map(|r| (r.path, Arc::new(r.parameters)))
                .collect(),
        }
    }

    /// Everything configured.
    pub async fn load(state: &AppState) -> Result<Self, OpsError> {
        Ok(Self::new(state.store.county_parameters().await?))
    }

    /// The parameters of the county holding `path`, if it set any.
    pub fn for_path(&self, path: &str) -> Option<&CountyParameterSet> {
        self.counties
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map(|(_, s)| s.as_ref())
    }

    /// The evidence thresholds in force at `path`: its county's, or the defaults.
    pub fn thresholds_for(&self, path: &str) -> &EvidenceThresholds {
        self.for_path(path)
            .and_then(|p| p.evidence_thresholds.as_ref())
            .unwrap_or(&DEFAULT_THRESHOLDS)
    }

    /// What a phone at `path` receives.
    pub fn wire_for(&self, path: &str) -> CountyParameters {
        CountyParameters {
            low_income_standards: self
                .for_path(path)
                .map(|p| p.low_income_standards.clone())
                .unwrap_or_default(),
        }
    }
}

/// The counties of an admin's branch with their own parameters, if set.
pub async fn by_county(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(OrgUnit, Option<CountyParameterSet>)>, OpsError> {
    let (units, rows) = tokio::try_join!(counties_of_admin(state, actor), async {
        Ok(state.store.county_parameters().await?)
    })?;
    Ok(super::schedules::with_own(
        units,
        rows.into_iter()
            .map(|r| (r.unit_id, r.parameters))
            .collect(),
    ))
}

/// One county of an admin's branch with its own parameters, if set.
pub async fn of_county(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
) -> Result<(OrgUnit, Option<CountyParameterSet>), OpsError> {
    let unit = county_of_admin(state, actor, county_id).await?;
    let own = state
        .store
        .county_parameters()
        .await?
        .into_iter()
        .find(|r| r.unit_id == unit.id)
        .map(|r| r.parameters);
    Ok((unit, own))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let twice = r#"{"low_income_standards":[{"year":2026,"yuan_per_person_month":900},
            {"year":2026,"yuan_per_person_month":950}]}"#;
        assert!(
            parse(twice)
                .unwrap_err()
                .to_string()
                .contains("2026 is listed twice")
        );
        let zero = r#"{"low_income_standards":[{"year":2026,"yuan_per_person_month":0}]}"#;
        assert!(parse(zero).unwrap_err().to_string().contains("above 0"));
        let year = r#"{"low_income_standards":[{"year":1999,"yuan_per_person_month":900}]}"#;
        assert!(parse(year).unwrap_err().to_string().contains("1999"));
        let far = r#"{"evidence_thresholds":{"max_distance_m":0,"max_accuracy_m":100,
            "max_fix_age_s":120,"min_duration_s":120}}"#;
        assert!(
            parse(far)
                .unwrap_err()
                .to_string()
                .contains("max_distance_m")
        );
        let unknown = r#"{"standard":900}"#;
        assert_eq!(parse(unknown).unwrap_err().code(), "invalid_parameters");
    }

    #[test]
    fn the_county_holding_a_path_gives_its_thresholds_and_standards() {
        let p = parse(
            r#"{"low_income_standards":[{"year":2026,"yuan_per_person_month":1020}],
                "evidence_thresholds":{"max_distance_m":500,"max_accuracy_m":100,
                "max_fix_age_s":120,"min_duration_s":600}}"#,
        )
        .unwrap();
        let all = Parameters::new(vec![CountyParameterRow {
            unit_id: "k".into(),
            path: "/js/nj/k/".into(),
            parameters: p,
        }]);
        assert_eq!(all.thresholds_for("/js/nj/k/t/v/").min_duration_s, 600);
        assert_eq!(
            all.thresholds_for("/js/nj/k2/t/v/"),
            &EvidenceThresholds::default()
        );
        assert_eq!(
            all.wire_for("/js/nj/k/t/v/").low_income_standards[0].yuan_per_person_month,
            1020.0
        );
        assert!(all.wire_for("/js/nj/k2/").low_income_standards.is_empty());
    }
}

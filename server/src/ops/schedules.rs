//! Visit schedules per county (`docs/domain.md` §2): core's defaults, overridden per county by an admin
//! (a county file lists the categories whose rules differ; the others keep the defaults). Coverage
//! uses the schedule of each household's county; phones receive their worker's county schedule
//! with the assignments.

use std::collections::BTreeSet;
use std::sync::Arc;

use fieldvisit_core::caseload::{Interval, ScheduleConfig};
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use crate::audit;
use crate::state::AppState;
use crate::store::{CountySchedule, OrgLevel, OrgUnit, Role, Scope};

/// Parses and checks a county's schedule file (JSON, core's `ScheduleConfig`): each category at
/// most once, every interval at least one day or month.
pub fn parse(text: &str) -> Result<ScheduleConfig, OpsError> {
    let s: ScheduleConfig = serde_json::from_str(text).map_err(|e| {
        OpsError::invalid(
            "invalid_schedule",
            format!("排班文件无法解析 / the schedule file is not valid: {e}"),
        )
    })?;
    let mut seen = BTreeSet::new();
    for rule in &s.rules {
        let code = rule.category.code();
        if !seen.insert(code) {
            return Err(OpsError::invalid(
                "invalid_schedule",
                format!("类别重复 / category {code} is listed twice"),
            ));
        }
        let zero = |i: &Interval| matches!(i, Interval::Days(0) | Interval::Months(0));
        if zero(&rule.default) || rule.by_level.values().any(zero) {
            return Err(OpsError::invalid(
                "invalid_schedule",
                format!("间隔不能为零 / category {code}: an interval of zero days or months"),
            ));
        }
    }
    Ok(s)
}

/// The defaults with a county's rules in place of the defaults' rules for the same categories.
pub fn merged(overrides: &ScheduleConfig) -> ScheduleConfig {
    crate::store::dues::county_schedule(Some(overrides))
}

/// Sets (`Some`) or clears (`None`) a county's schedule; admins of a branch holding the county.
/// Audited as `schedule.set` / `schedule.clear`.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
    schedule: Option<ScheduleConfig>,
) -> Result<(), OpsError> {
    let unit = county_of_admin(state, actor, county_id).await?;
    let (action, rules) = match &schedule {
        Some(s) => ("schedule.set", s.rules.len()),
        None => ("schedule.clear", 0),
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        action,
        &unit.id,
        json!({ "rules": rules }),
    );
    state
        .store
        .set_county_schedule(&unit.id, schedule.as_ref(), Some(&entry))
        .await?;
    Ok(())
}

/// Configured county schedules, merged with the defaults, for looking up by org path.
#[derive(Debug, Clone, Default)]
pub struct Schedules {
    counties: Vec<(String, Arc<ScheduleConfig>)>,
    default: Arc<ScheduleConfig>,
}

impl Schedules {
    /// From stored county schedules.
    pub fn new(rows: Vec<CountySchedule>) -> Self {
        Schedules {
            counties: rows
                .into_iter()
                .map(|c| (c.path, Arc::new(merged(&c.schedule))))
                .collect(),
            default: Arc::new(ScheduleConfig::default()),
        }
    }

    /// Everything configured.
    pub async fn load(state: &AppState) -> Result<Self, OpsError> {
        Ok(Self::new(state.store.county_schedules().await?))
    }

    /// The schedule for a unit path (a county's, or the defaults outside configured counties).
    pub fn for_path(&self, path: &str) -> &Arc<ScheduleConfig> {
        self.counties
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map_or(&self.default, |(_, s)| s)
    }
}

/// A county of an admin's branch, for setting what a county sets (its schedule, its parameters,
/// its templates).
pub async fn county_of_admin(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
) -> Result<OrgUnit, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("county settings are set by admins"));
    }
    let unit = super::org::unit_in_scope(state, actor, county_id, "county").await?;
    if unit.level != OrgLevel::County {
        return Err(OpsError::invalid(
            "not_a_county",
            format!("按县(区)设置 / this is set per county; {county_id} is not a county"),
        ));
    }
    Ok(unit)
}

/// The counties of an admin's branch.
pub async fn counties_of_admin(state: &AppState, actor: &Actor) -> Result<Vec<OrgUnit>, OpsError> {
    if actor.role != Role::Admin {
        return Err(OpsError::ForbiddenRole("county settings are set by admins"));
    }
    let scope = Scope {
        path: actor.scope_path.clone(),
        worker_id: None,
    };
    Ok(state
        .store
        .org_units(&scope)
        .await?
        .into_iter()
        .filter(|u| u.level == OrgLevel::County)
        .collect())
}

/// Pairs each county with its own row of `rows` (keyed by unit id), if it has one.
pub fn with_own<T>(units: Vec<OrgUnit>, rows: Vec<(String, T)>) -> Vec<(OrgUnit, Option<T>)> {
    let mut rows: std::collections::HashMap<String, T> = rows.into_iter().collect();
    units
        .into_iter()
        .map(|u| {
            let own = rows.remove(&u.id);
            (u, own)
        })
        .collect()
}

/// The counties of an admin's branch with their own schedule, if set.
pub async fn by_county(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(OrgUnit, Option<ScheduleConfig>)>, OpsError> {
    let (units, rows) = tokio::try_join!(counties_of_admin(state, actor), async {
        Ok(state.store.county_schedules().await?)
    })?;
    Ok(with_own(
        units,
        rows.into_iter().map(|r| (r.unit_id, r.schedule)).collect(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use fieldvisit_core::caseload::Category;

    use super::*;

    #[test]
    fn a_county_file_overrides_only_its_categories() {
        let s = parse(r#"{"rules":[{"category":"tekun","default":{"days":14}}]}"#).unwrap();
        let m = merged(&s);
        assert_eq!(m.rule(Category::Tekun).unwrap().default, Interval::Days(14));
        assert_eq!(
            m.rule(Category::Dibao),
            ScheduleConfig::default().rule(Category::Dibao)
        );
        assert_eq!(m.rules.len(), ScheduleConfig::default().rules.len());
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let twice = r#"{"rules":[{"category":"tekun","default":{"days":14}},
            {"category":"tekun","default":{"months":1}}]}"#;
        assert!(
            parse(twice)
                .unwrap_err()
                .to_string()
                .contains("tekun is listed twice")
        );
        let zero = r#"{"rules":[{"category":"dibao","default":{"months":0}}]}"#;
        assert!(parse(zero).unwrap_err().to_string().contains("zero"));
        let unknown = r#"{"rules":[{"category":"pets","default":"once"}]}"#;
        assert_eq!(parse(unknown).unwrap_err().code(), "invalid_schedule");
    }

    #[test]
    fn the_most_specific_configured_county_wins() {
        let s = Schedules::new(vec![CountySchedule {
            unit_id: "k".into(),
            path: "/js/nj/k/".into(),
            schedule: parse(r#"{"rules":[{"category":"tekun","default":{"days":14}}]}"#).unwrap(),
        }]);
        let tekun = |p: &str| s.for_path(p).rule(Category::Tekun).unwrap().default;
        assert_eq!(tekun("/js/nj/k/tA/vA/"), Interval::Days(14));
        assert_eq!(tekun("/js/nj/k2/t/v/"), Interval::Months(1));
    }
}

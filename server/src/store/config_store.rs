//! What a county configures for its phones beside its schedule: its parameters (low-income
//! standards by year, evidence thresholds) and the template versions issued to its branch.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use fieldvisit_core::geo::EvidenceThresholds;
use fieldvisit_core::protocol::LowIncomeStandard;
use fieldvisit_core::template::Template;
use serde::{Deserialize, Serialize};

use super::{AuditDraft, StoreResult};

/// What one county sets beside its schedule (`docs/domain.md` §3, §5); the JSON the CLI and the
/// API take.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountyParameterSet {
    /// Its low-income standards, one per year.
    #[serde(default)]
    pub low_income_standards: Vec<LowIncomeStandard>,
    /// Its evidence thresholds; the defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_thresholds: Option<EvidenceThresholds>,
}

/// A county's parameters and where the county sits.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyParameterRow {
    /// County unit id.
    pub unit_id: String,
    /// Its org path (households and workers under it follow these parameters).
    pub path: String,
    /// The parameters.
    pub parameters: CountyParameterSet,
}

/// A template version the server has issued, and the branch it was issued to.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedTemplate {
    /// Org path of the branch (`/` for a built-in template, issued everywhere).
    pub scope_path: String,
    /// The template.
    pub template: Template,
    /// Staff id of the admin who published it (empty for a built-in template).
    pub published_by: String,
    /// When it was first issued.
    pub published_at: DateTime<Utc>,
}

/// County parameters and issued templates.
#[async_trait]
pub trait ConfigStore: Send + Sync {
    /// Sets (`Some`) or clears (`None`, back to the defaults) a county's parameters; `audit`
    /// records it in the same transaction.
    async fn set_county_parameters(
        &self,
        unit_id: &str,
        parameters: Option<&CountyParameterSet>,
        audit: &AuditDraft,
    ) -> StoreResult<()>;

    /// Every county's parameters, by path.
    async fn county_parameters(&self) -> StoreResult<Vec<CountyParameterRow>>;

    /// Records template versions as issued; one already recorded for its id, version and branch
    /// stays as it was (an issued version never changes). True for each one newly recorded.
    /// `audit` records a county's publication in the same transaction (none for the built-in
    /// versions a server build issues).
    async fn issue_templates(
        &self,
        templates: &[IssuedTemplate],
        audit: Option<&AuditDraft>,
    ) -> StoreResult<Vec<bool>>;

    /// Every template version ever issued, by id, version and branch.
    async fn issued_templates(&self) -> StoreResult<Vec<IssuedTemplate>>;
}

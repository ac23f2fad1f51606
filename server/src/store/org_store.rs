//! The org tree, households, audience keys and what a worker's phone pulls.

use async_trait::async_trait;

use super::*;

/// The org tree, households, audience keys and what a worker's phone pulls.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Adds an org unit; its path is computed from the parent.
    ///
    /// `audit` records the change in the same transaction (none only when seeding or testing).
    async fn add_org_unit(
        &self,
        id: &str,
        parent_id: Option<&str>,
        level: OrgLevel,
        name: &str,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<OrgUnit>;

    /// One org unit.
    async fn org_unit(&self, id: &str) -> StoreResult<Option<OrgUnit>>;

    /// Units in a branch.
    async fn org_units(&self, scope: &Scope) -> StoreResult<Vec<OrgUnit>>;

    /// Inserts or replaces households, all or none. A row naming an existing household of another
    /// village is refused (`Conflict`): only [`OrgStore::move_household`] moves one.
    /// `audit` records the import in the same transaction.
    async fn upsert_households(
        &self,
        rows: Vec<HouseholdRow>,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<usize>;

    /// Moves a household, with its visits, to another village and worker; `audit` records it in
    /// the same transaction.
    async fn move_household(
        &self,
        id: &str,
        village_id: &str,
        worker_id: Option<&str>,
        audit: &AuditDraft,
    ) -> StoreResult<()>;

    /// The village of each of `ids` that exists (an import's check before it writes).
    async fn household_villages(
        &self,
        ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, String>>;

    /// One household with its village path.
    async fn household(&self, id: &str) -> StoreResult<Option<(HouseholdRow, String)>>;

    /// The worker whose caseload a household is on (ingest's scope check, without reading the
    /// record): `None` for an unknown household, `Some(None)` for one on nobody's caseload.
    async fn household_worker(&self, id: &str) -> StoreResult<Option<Option<String>>>;

    /// Households in a scope.
    async fn households(&self, scope: &Scope) -> StoreResult<Vec<HouseholdRow>>;

    /// Stores an audience key pair; `Conflict` if the branch already has one for the audience.
    ///
    /// `audit` records it in the same transaction (none only when seeding or testing).
    async fn add_audience_key(
        &self,
        key: &AudienceKeyRow,
        audit: Option<&AuditDraft>,
    ) -> StoreResult<()>;

    /// The current audience keys (one per audience and branch; retired generations left out).
    async fn audience_keys(&self) -> StoreResult<Vec<AudienceKeyRow>>;

    /// Every generation of the key of `audience` for unit `unit_id`, the current one first, then
    /// the retired ones, newest first (empty when the branch has no key).
    async fn audience_key_generations(
        &self,
        audience: &str,
        unit_id: &str,
    ) -> StoreResult<Vec<AudienceKeyRow>>;

    /// Applies a rotation in one transaction (see [`KeyRotation`]): `Conflict` and nothing
    /// written when `from_generation` is no longer the current one or the resealed generations
    /// are not exactly the stored ones. `audit` records it in the same transaction.
    async fn rotate_audience_key(
        &self,
        rotation: &KeyRotation,
        audit: &AuditDraft,
    ) -> StoreResult<()>;

    /// A worker's caseload changes after change number `since` (everything when `None`).
    async fn caseload_delta(
        &self,
        worker_id: &str,
        since: Option<u64>,
    ) -> StoreResult<CaseloadDelta>;
}

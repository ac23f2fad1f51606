//! Visits, exactly once, and their photos.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;

/// Visits, exactly once, and their photos.
#[async_trait]
pub trait VisitStore: Send + Sync {
    /// Stores a visit, its photo manifest and chain status in one transaction, exactly once.
    async fn ingest_visit(&self, visit: &NewVisit) -> StoreResult<IngestOutcome>;

    /// A visit's metadata with its household's village path.
    async fn visit(&self, visit_id: &str) -> StoreResult<Option<(VisitMeta, String)>>;

    /// The envelope JSON exactly as received (for reviewers' decryption and exports).
    async fn envelope(&self, visit_id: &str) -> StoreResult<Option<String>>;

    /// Visits in a scope.
    async fn visits(&self, scope: &Scope) -> StoreResult<Vec<VisitMeta>>;

    /// The last visit (not a correction) of each household and category on a worker's caseload,
    /// by start time: what a new phone of the worker starts its due dates from.
    async fn last_visits_of(
        &self,
        worker_id: &str,
    ) -> StoreResult<Vec<fieldvisit_core::protocol::LastVisitRecord>>;
    /// Photos of a visit.
    async fn photos(&self, visit_id: &str) -> StoreResult<Vec<PhotoRecord>>;

    /// Records that a photo's stored bytes grew from `from` to `to`, if it still held `from` and
    /// is not complete: false when another request recorded a chunk first. Uploads of one photo
    /// through several server processes take turns by this.
    async fn photo_received(
        &self,
        visit_id: &str,
        photo_id: &str,
        from: u64,
        to: u64,
    ) -> StoreResult<bool>;

    /// Marks a photo complete.
    async fn photo_completed(&self, visit_id: &str, photo_id: &str) -> StoreResult<()>;

    /// Records a photo stored whole, all `size` bytes at once, as received and complete, if
    /// nothing of it was recorded before: false when another request recorded a chunk first.
    async fn photo_stored_whole(
        &self,
        visit_id: &str,
        photo_id: &str,
        size: u64,
    ) -> StoreResult<bool> {
        if !self.photo_received(visit_id, photo_id, 0, size).await? {
            return Ok(false);
        }
        self.photo_completed(visit_id, photo_id).await?;
        Ok(true)
    }
}

/// A visit as [`latest_visits`] reads it: household, category code, visit id, start, level.
pub type VisitStart = (String, String, String, DateTime<Utc>, Option<String>);

/// The latest of `visits` per household and category, as phones receive them; unknown
/// categories are left out.
pub fn latest_visits(
    visits: impl IntoIterator<Item = VisitStart>,
) -> Vec<fieldvisit_core::protocol::LastVisitRecord> {
    use fieldvisit_core::caseload::Category;
    use fieldvisit_core::protocol::LastVisitRecord;
    let mut latest: std::collections::BTreeMap<
        (String, Category),
        (DateTime<Utc>, LastVisitRecord),
    > = std::collections::BTreeMap::new();
    for (household, category, visit, started, level) in visits {
        let Some(category) = Category::from_code(&category) else {
            continue;
        };
        let key = (household, category);
        if latest.get(&key).is_some_and(|(at, _)| *at >= started) {
            continue;
        }
        let record = LastVisitRecord {
            household_id: key.0.clone(),
            category,
            visit_id: visit,
            on: super::local_date(started),
            level,
        };
        latest.insert(key, (started, record));
    }
    latest.into_values().map(|(_, r)| r).collect()
}

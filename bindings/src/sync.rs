//! Sync for the apps: enroll with a code, run a sync (pull assignments, push the outbox) with a
//! progress listener, cancel it, and read the assessments reviewers returned.

use std::sync::Arc;

use fieldvisit_core::sync::{
    self, CancelToken, ProgressListener, SyncOptions, SyncProgress, Syncer,
};

use crate::counts::{count, long};
use crate::time::millis;
use crate::{FieldVisitError, FieldVisitStore};

/// Receives progress of a sync run. Called on the thread that runs the sync.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// `done` of `total` sealed visits uploaded so far in this run.
    fn on_progress(&self, done: i32, total: i32);
    /// The run ended; `error` is `None` on success, else the error's message (no personal data).
    fn on_finished(&self, uploaded: i32, error: Option<String>);
}

/// What one sync run did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// Households added or changed by the pull.
    pub households_received: i32,
    /// Assessments returned to the worker.
    pub tasks_received: i32,
    /// Visits now fully on the server.
    pub visits_completed: i32,
    /// Photos completed.
    pub photos_completed: i32,
    /// Bytes sent.
    pub bytes_sent: i64,
    /// Visit ids the server refused for good, with its error code (`visit_id: code`).
    pub refused: Vec<String>,
}

/// What the phone erased when the server told it that it had been revoked, and what it kept. The
/// app shows it to the worker (e.g. "this phone was withdrawn from service: 3 unsent drafts were
/// erased; 2 sealed visits wait for upload after a new enrollment").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RevocationState {
    /// When the phone erased its data, ms since the Unix epoch (the phone's clock).
    pub erased_at_ms: i64,
    /// Households of the caseload erased.
    pub households_erased: i32,
    /// Unsent drafts erased.
    pub drafts_erased: i32,
    /// Photos erased (of drafts, and the readable copies of sealed visits' photos).
    pub photos_erased: i32,
    /// Returned assessments erased.
    pub tasks_erased: i32,
    /// Sealed visits not yet on the server, kept: only their audiences can open them, and they
    /// are sent after the phone is enrolled again.
    pub sealed_kept: i32,
}

/// An assessment a reviewer returned, with the comment to act on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReturnedTask {
    /// The returned visit (start an amendment of it).
    pub visit_id: String,
    /// Its household.
    pub household_id: String,
    /// The reviewer's comment.
    pub comment: String,
    /// When it was returned (RFC 3339).
    pub returned_at: String,
}

/// Cancels a sync run from another thread (the Kotlin and Swift async layers call it when the
/// coroutine or task is cancelled).
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancel {
    token: CancelToken,
}

#[uniffi::export]
impl SyncCancel {
    /// A token for one run.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SyncCancel::default())
    }

    /// Stops the run at the next request boundary, or at once while it waits to retry; it then
    /// fails with `Cancelled`.
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

struct Forward(Arc<dyn SyncListener>);

impl ProgressListener for Forward {
    fn on_progress(&self, p: SyncProgress) {
        self.0
            .on_progress(count(p.items_done), count(p.items_total));
    }
}

#[uniffi::export]
impl FieldVisitStore {
    /// Redeems an enrollment code at `base_url` (`https://…`); the device id, token and server
    /// address are kept in the store, so later syncs need no address. Fails with
    /// `EnrollmentRefused` for an unknown, used or expired code, `Network` when the server cannot
    /// be reached, `InvalidInput` for an address that is not an http(s) URL.
    pub fn enroll(
        &self,
        base_url: String,
        code: String,
        device_label: String,
    ) -> Result<(), FieldVisitError> {
        sync::enroll(&self.inner, &base_url, &code, &device_label)?;
        Ok(())
    }

    /// The server this phone enrolled with; `None` before enrollment.
    pub fn server_url(&self) -> Result<Option<String>, FieldVisitError> {
        Ok(sync::enrolled_server(&self.inner)?)
    }

    /// Runs one sync with the server enrollment stored: pulls assignments, then uploads sealed
    /// visits and their photos, resuming where an earlier run stopped. The short-lived device
    /// token is renewed inside the run with the device key when it has expired. Transient
    /// failures are retried inside the run a few times before it fails with `Network`;
    /// `NotEnrolled`, `Revoked` and `Refused` are permanent; `Cancelled` after `cancel.cancel()`.
    /// `Revoked` means the phone has erased its caseload, drafts and their photos and kept its
    /// unsent sealed visits: `revocation()` says how many of each.
    pub fn sync(
        &self,
        listener: Option<Arc<dyn SyncListener>>,
        cancel: Option<Arc<SyncCancel>>,
    ) -> Result<SyncSummary, FieldVisitError> {
        let forward = listener.clone().map(Forward);
        let none = sync::NoProgress;
        let progress: &dyn ProgressListener = match &forward {
            Some(f) => f,
            None => &none,
        };
        let token = cancel.map(|c| c.token.clone()).unwrap_or_default();
        let result =
            Syncer::with_enrolled_server(&self.inner, SyncOptions::default(), progress, token)
                .and_then(|s| s.run());
        let result: Result<SyncSummary, FieldVisitError> = result
            .map(|r| SyncSummary {
                households_received: count(r.households_received),
                tasks_received: count(r.tasks_received),
                visits_completed: count(r.visits_completed),
                photos_completed: count(r.photos_completed),
                bytes_sent: long(r.bytes_sent),
                refused: r
                    .refused
                    .into_iter()
                    .map(|(v, c)| format!("{v}: {c}"))
                    .collect(),
            })
            .map_err(FieldVisitError::from);
        if let Some(l) = listener {
            match &result {
                Ok(s) => l.on_finished(s.visits_completed, None),
                Err(e) => l.on_finished(0, Some(e.to_string())),
            }
        }
        result
    }

    /// What the phone erased when it learned it had been revoked; `None` unless it has been
    /// revoked (and not enrolled again since).
    pub fn revocation(&self) -> Result<Option<RevocationState>, FieldVisitError> {
        Ok(self
            .inner
            .store()
            .revocation()
            .map_err(FieldVisitError::from)?
            .map(|r| RevocationState {
                erased_at_ms: millis(r.erased_at),
                households_erased: count(r.households_erased),
                drafts_erased: count(r.drafts_erased),
                photos_erased: count(r.photos_erased),
                tasks_erased: count(r.tasks_erased),
                sealed_kept: count(r.sealed_kept),
            }))
    }

    /// Sealed visits not yet wholly on the server (envelope or a photo missing); the apps show it
    /// as "waiting to upload".
    pub fn pending_uploads(&self) -> Result<i32, FieldVisitError> {
        Ok(count(
            self.inner
                .store()
                .outbox()
                .map_err(FieldVisitError::from)?
                .len(),
        ))
    }

    /// Assessments returned by reviewers, oldest first.
    pub fn returned_tasks(&self) -> Result<Vec<ReturnedTask>, FieldVisitError> {
        Ok(self
            .inner
            .store()
            .tasks()
            .map_err(FieldVisitError::from)?
            .into_iter()
            .map(|t| ReturnedTask {
                visit_id: t.visit_id,
                household_id: t.household_id,
                comment: t.comment,
                returned_at: t.returned_at,
            })
            .collect())
    }
}

//! Executes a sync run: pull assignments, plan, push envelopes, upload photos, keep receipts.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};

use super::error::is_transient_status;
use super::http::wants_renewal;
use super::server::{enrolled_server, remember_server};
use super::{
    Backoff, CancelToken, Operation, ProgressListener, ServerApi, SyncError, SyncProgress, plan,
};
use crate::Engine;
use crate::crypto::b64_encode;
use crate::protocol::{EnrollRequest, Receipt, TokenRenewRequest, UploadStatus, WIRE_VERSION};
use crate::store::{DeviceIdentity, OutboxState};

/// How a sync run behaves.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Photo chunk size in bytes (256 KiB by default).
    pub chunk_size: usize,
    /// Retry policy for transient failures.
    pub backoff: Backoff,
    /// Remove a visit's content from the phone once the server holds all of it.
    pub purge_after_receipt: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            chunk_size: 256 * 1024,
            backoff: Backoff::default(),
            purge_after_receipt: true,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Households added or changed by the pull.
    pub households_received: usize,
    /// Assessments returned to the worker.
    pub tasks_received: usize,
    /// Visits whose envelope and photos are now all on the server.
    pub visits_completed: u64,
    /// Photos completed.
    pub photos_completed: u64,
    /// Bytes sent (envelopes and photo chunks, including re-sends).
    pub bytes_sent: u64,
    /// Visits the server refused for good: (visit id, error code).
    pub refused: Vec<(String, String)>,
}

/// Runs sync for one engine against one server.
pub struct Syncer<'a> {
    engine: &'a Engine,
    api: ServerApi,
    options: SyncOptions,
    listener: &'a dyn ProgressListener,
    cancel: CancelToken,
    /// Signing time of this run's last renewal: the next one is signed later, whatever the clock.
    last_renewal: AtomicI64,
}

impl std::fmt::Debug for Syncer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Redeems an enrollment code with the device's public key and records the identity it gives and
/// the server's address, which later syncs use.
pub fn enroll(
    engine: &Engine,
    base_url: &str,
    code: &str,
    device_label: &str,
) -> Result<DeviceIdentity, SyncError> {
    let key = engine.store().device_key()?;
    let req = EnrollRequest {
        version: WIRE_VERSION,
        code: code.trim().to_string(),
        public_key: b64_encode(&key.public_key()),
        device_label: device_label.to_string(),
    };
    let api = ServerApi::new(base_url)?;
    let resp = api.enroll(&req)?;
    // The address first: an identity without one would leave a phone that cannot sync.
    remember_server(engine, api.base())?;
    let identity = DeviceIdentity {
        device_id: resp.device_id,
        worker_id: resp.worker_id,
        token: Some(resp.token),
    };
    engine.store().put_identity(&identity)?;
    // Enrolled again after a revocation: the phone syncs once more.
    engine.store().clear_revocation()?;
    Ok(identity)
}

impl<'a> Syncer<'a> {
    /// A syncer for an enrolled engine, talking to the server it enrolled with.
    pub fn with_enrolled_server(
        engine: &'a Engine,
        options: SyncOptions,
        listener: &'a dyn ProgressListener,
        cancel: CancelToken,
    ) -> Result<Self, SyncError> {
        let address = enrolled_server(engine)?.ok_or(SyncError::NotEnrolled)?;
        Syncer::new(engine, &address, options, listener, cancel)
    }

    /// A syncer for an enrolled engine, talking to the server at `base_url`.
    pub fn new(
        engine: &'a Engine,
        base_url: &str,
        options: SyncOptions,
        listener: &'a dyn ProgressListener,
        cancel: CancelToken,
    ) -> Result<Self, SyncError> {
        // A revoked phone has erased its caseload and asks the server nothing more.
        if engine.store().revocation()?.is_some() {
            return Err(SyncError::Revoked);
        }
        let token = engine
            .store()
            .identity()?
            .token
            .ok_or(SyncError::NotEnrolled)?;
        Ok(Syncer {
            engine,
            api: ServerApi::new(base_url)?.with_token(&token),
            options,
            listener,
            cancel,
            last_renewal: AtomicI64::new(0),
        })
    }

    /// Gets a new token for a signature of the device key over the purpose, the device id and the
    /// server's time as the phone reckons it, and keeps it for this run and the next.
    fn renew(&self) -> Result<(), SyncError> {
        let store = self.engine.store();
        let mut identity = store.identity()?;
        let key = store.device_key()?;
        // The phone reckons the server's time from its `Date` headers, whole seconds: from one run
        // to the next that reckoning can fall back below a time this phone already signed, which
        // the server would refuse as stale. The last one is kept, so each is later.
        let last = store
            .last_renewal_signed_at()?
            .max(self.last_renewal.load(Ordering::Relaxed));
        let signed_at = self.api.server_now_ms().max(last + 1);
        self.last_renewal.store(signed_at, Ordering::Relaxed);
        store.note_renewal_signed_at(signed_at)?;
        let message = TokenRenewRequest::signed_message(&identity.device_id, signed_at);
        let req = TokenRenewRequest {
            version: WIRE_VERSION,
            device_id: identity.device_id.clone(),
            signed_at,
            signature: b64_encode(&key.sign(&message)),
        };
        let resp = self.retry(|| self.api.renew_token(&req))?;
        identity.token = Some(resp.token);
        store.put_identity(&identity)?;
        if let Some(t) = &identity.token {
            self.api.set_token(t);
        }
        Ok(())
    }

    /// Runs `f`; when the server wants the token renewed, renews it and runs `f` once more.
    fn renewing<T>(&self, mut f: impl FnMut() -> Result<T, SyncError>) -> Result<T, SyncError> {
        match f() {
            Err(e) if wants_renewal(&e) => {
                match self.renew() {
                    Ok(()) => f(),
                    // A token the server does not know, and no renewal either: the phone must
                    // enroll again, whatever the renewal's own refusal said.
                    Err(r) if matches!(e, SyncError::NotEnrolled) && !r.is_transient() => {
                        Err(match r {
                            SyncError::Revoked | SyncError::Cancelled => r,
                            _ => e,
                        })
                    }
                    Err(r) => Err(r),
                }
            }
            other => other,
        }
    }

    /// [`Syncer::retry`] of a call that carries the device token, renewing it when it expired.
    fn authed<T>(&self, mut f: impl FnMut() -> Result<T, SyncError>) -> Result<T, SyncError> {
        self.retry(|| self.renewing(&mut f))
    }

    /// Runs `f`, retrying transient failures with backoff; permanent failures return at once.
    fn retry<T>(&self, mut f: impl FnMut() -> Result<T, SyncError>) -> Result<T, SyncError> {
        let mut attempt = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            match f() {
                Ok(v) => return Ok(v),
                Err(e) if e.is_transient() && attempt + 1 < self.options.backoff.max_attempts => {
                    attempt += 1;
                    if self
                        .cancel
                        .sleep(self.options.backoff.delay(attempt, e.retry_after()))
                    {
                        return Err(SyncError::Cancelled);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Pulls assignments, then uploads everything in the outbox. When the server says the device
    /// is revoked, the phone erases its caseload, drafts and their photos, keeps the sealed visits
    /// it has not sent, records both ([`crate::store::Store::revocation`]) and fails with
    /// [`SyncError::Revoked`].
    pub fn run(&self) -> Result<SyncReport, SyncError> {
        match self.run_once() {
            Err(SyncError::Revoked) => {
                self.engine
                    .store()
                    .erase_for_revocation(chrono::Utc::now())?;
                Err(SyncError::Revoked)
            }
            other => other,
        }
    }

    fn run_once(&self) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let store = self.engine.store();
        let since = store.assignments_since()?;
        // Templates the phone holds are not sent again (about 56 KB per pull for the built-ins).
        let held = store.template_versions()?;
        let a = self.authed(|| self.api.assignments(since.as_deref(), &held))?;
        self.engine.apply_assignments(&a)?;
        store.put_tasks(&a.returned)?;
        store.put_assignments_since(&a.since)?;
        report.households_received = a.households.len();
        report.tasks_received = a.returned.len();

        // A visit must be on the phone's disk before the server can hold it (`store/flusher.rs`).
        store.wait_durable()?;
        let mut entries = Vec::new();
        for entry in store.outbox()? {
            let Some(sealed) = store.sealed(&entry.visit_id)? else {
                continue;
            };
            let body = sealed.envelope.peek_body()?;
            entries.push((entry, body));
        }
        let ops = plan(&entries);
        let mut progress = SyncProgress {
            items_total: entries.len() as u64,
            ..SyncProgress::default()
        };
        for op in &ops {
            progress.bytes_total += match op {
                Operation::UploadPhoto { size, .. } => *size,
                _ => 0,
            };
        }
        let mut receipts: HashMap<String, Receipt> = entries
            .iter()
            .filter_map(|(e, _)| e.receipt.clone().map(|r| (e.visit_id.clone(), r)))
            .collect();
        let mut refused = HashSet::new();
        // Visits whose envelope the server first receipted in this run: it cannot hold any bytes of
        // their photos yet, so their uploads start at 0 without asking (a wrong guess, after a
        // receipt lost to a power cut, is answered with `wrong_offset` and the real offset).
        let mut fresh = HashSet::new();
        for op in ops {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            match op {
                Operation::PushEnvelope { visit_id } => {
                    let Some(sealed) = store.sealed(&visit_id)? else {
                        continue;
                    };
                    let json = sealed.envelope.to_json();
                    store.outbox_attempted(&visit_id)?;
                    match self.authed(|| self.api.put_visit(&visit_id, json.clone())) {
                        Ok(receipt) => {
                            progress.bytes_sent += json.len() as u64;
                            report.bytes_sent += json.len() as u64;
                            store.outbox_receipted(&receipt)?;
                            fresh.insert(visit_id.clone());
                            receipts.insert(visit_id, receipt);
                        }
                        // A 401 is about the device's credential, never about the visit.
                        Err(SyncError::Server { status, code, .. })
                            if !is_transient_status(status) && status != 401 =>
                        {
                            store.outbox_finish(&visit_id, OutboxState::Failed, Some(&code))?;
                            report.refused.push((visit_id.clone(), code));
                            refused.insert(visit_id);
                        }
                        Err(e) => return Err(e),
                    }
                }
                Operation::UploadPhoto {
                    visit_id,
                    photo_id,
                    size,
                } => {
                    if refused.contains(&visit_id) {
                        continue;
                    }
                    if receipts
                        .get(&visit_id)
                        .is_some_and(|r| !r.photos_missing.contains(&photo_id))
                    {
                        progress.bytes_total = progress.bytes_total.saturating_sub(size);
                        continue;
                    }
                    let sent = self.upload_photo(
                        &visit_id,
                        &photo_id,
                        fresh.contains(&visit_id),
                        &mut progress,
                    )?;
                    report.bytes_sent += sent;
                    report.photos_completed += 1;
                }
                Operation::Complete { visit_id } => {
                    if refused.contains(&visit_id) {
                        continue;
                    }
                    store.outbox_finish(&visit_id, OutboxState::Done, None)?;
                    if self.options.purge_after_receipt {
                        store.purge_content(&visit_id)?;
                    }
                    report.visits_completed += 1;
                    progress.items_done += 1;
                    self.listener.on_progress(progress);
                }
            }
        }
        Ok(report)
    }

    /// Uploads one photo from the offset the server reports (0 without asking when `fresh`), one
    /// chunk at a time. After a cut the server is asked again how much arrived, so at most one chunk
    /// is sent twice.
    fn upload_photo(
        &self,
        visit_id: &str,
        photo_id: &str,
        fresh: bool,
        progress: &mut SyncProgress,
    ) -> Result<u64, SyncError> {
        let bytes = self
            .engine
            .store()
            .sealed_photo(photo_id)?
            .ok_or(SyncError::Store(crate::store::StoreError::Corrupt(
                "a sealed photo is missing",
            )))?;
        let mut sent = 0u64;
        let mut attempt = 0u32;
        let mut status = if fresh {
            UploadStatus {
                photo_id: photo_id.to_string(),
                received: 0,
                size: bytes.len() as u64,
                complete: false,
            }
        } else {
            self.authed(|| self.api.photo_status(visit_id, photo_id))?
        };
        while !status.complete {
            if self.cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            let offset = usize::try_from(status.received)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let end = (offset + self.options.chunk_size).min(bytes.len());
            let len = (end - offset) as u64;
            // Copied again only if the first try met an expired token.
            let mut chunk = Some(bytes[offset..end].to_vec());
            match self.renewing(|| {
                let c = chunk.take().unwrap_or_else(|| bytes[offset..end].to_vec());
                self.api
                    .put_photo_chunk(visit_id, photo_id, offset as u64, c)
            }) {
                Ok(s) => {
                    sent += len;
                    progress.bytes_sent += len;
                    self.listener.on_progress(*progress);
                    status = s;
                    attempt = 0;
                }
                Err(SyncError::Server { code, .. }) if code == "wrong_offset" => {
                    status = self.authed(|| self.api.photo_status(visit_id, photo_id))?;
                }
                Err(e) if e.is_transient() && attempt + 1 < self.options.backoff.max_attempts => {
                    sent += len;
                    attempt += 1;
                    if self
                        .cancel
                        .sleep(self.options.backoff.delay(attempt, e.retry_after()))
                    {
                        return Err(SyncError::Cancelled);
                    }
                    status = self.authed(|| self.api.photo_status(visit_id, photo_id))?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }
}

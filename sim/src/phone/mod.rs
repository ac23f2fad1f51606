//! A simulated phone: the real `fieldvisit-core` engine with its own encrypted store, enrolled with
//! a server by a one-time code, recording visits (GPS fix, answers, photos, investigators, the
//! police flag), sealing them and uploading over HTTP with the real sync client. A phone opened on
//! a folder keeps its store there, so a second run records only what is not sealed yet and uploads
//! only what the server does not hold.

mod key;
pub mod visit;

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use fieldvisit_core::caseload::Household;
use fieldvisit_core::crypto::StaticKeyProvider;
use fieldvisit_core::sync::{
    CancelToken, NoProgress, SyncError, SyncOptions, SyncReport, Syncer, enroll,
};
use fieldvisit_core::{Engine, SealedSummary};

pub use self::visit::{PhotoShot, VisitRecord};
use crate::error::{SimError, at};

/// One phone.
#[derive(Debug)]
pub struct Phone {
    /// The engine, for what a test wants to look at or do beyond recording.
    pub engine: Engine,
    dir: PathBuf,
    /// A throwaway phone's folder, removed with it.
    _temporary: Option<tempfile::TempDir>,
}

/// What uploading until the outbox was empty achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uploaded {
    /// Visits whose envelope and photos reached the server.
    pub visits: u64,
    /// Photos uploaded.
    pub photos: u64,
    /// Visits the server refused: (visit id, code).
    pub refused: Vec<(String, String)>,
}

impl Phone {
    /// A throwaway phone with its own random master key, in a temporary folder.
    pub fn temporary() -> Result<Phone, SimError> {
        let temp = tempfile::tempdir().map_err(|e| SimError::Io(std::env::temp_dir(), e))?;
        let keys = StaticKeyProvider::random().map_err(|e| at("master key", e))?;
        let dir = temp.path().to_path_buf();
        let engine = Engine::open(&dir.join("phone.db"), &keys).map_err(|e| at("open", e))?;
        Ok(Phone {
            engine,
            dir,
            _temporary: Some(temp),
        })
    }

    /// Opens (or creates) the phone kept in `dir`; its master key lives beside the store,
    /// readable by its owner only.
    pub fn open(dir: &Path) -> Result<Phone, SimError> {
        std::fs::create_dir_all(dir).map_err(|e| SimError::Io(dir.to_path_buf(), e))?;
        let key = key::load_or_create(&dir.join("master.key"))?;
        let engine = Engine::open(&dir.join("phone.db"), &StaticKeyProvider::new(key))
            .map_err(|e| at("open", e))?;
        Ok(Phone {
            engine,
            dir: dir.to_path_buf(),
            _temporary: None,
        })
    }

    /// The folder the phone's store is in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the phone holds a device token.
    pub fn is_enrolled(&self) -> Result<bool, SimError> {
        Ok(self
            .engine
            .store()
            .identity()
            .map_err(|e| at("identity", e))?
            .token
            .is_some())
    }

    /// Redeems an enrollment code at `url` and pulls the first assignments.
    pub fn enroll(&self, url: &str, code: &str, name: &str) -> Result<(), SimError> {
        enroll(&self.engine, url, code, name).map_err(|e| at("enroll", e))?;
        Ok(())
    }

    /// Sealed visits on the phone, sent or not.
    pub fn sealed_count(&self) -> Result<u64, SimError> {
        self.engine
            .store()
            .sealed_count()
            .map_err(|e| at("count", e))
    }

    /// Records `visit` from start to seal.
    pub fn record(&self, visit: &VisitRecord) -> Result<SealedSummary, SimError> {
        let id = visit.draft_on(&self.engine)?;
        visit.complete_on(&self.engine, &id)?;
        self.seal_draft(&id, visit.end)
    }

    /// Starts `visit` and answers it, leaving a draft (no photos, not finished); returns its id.
    pub fn draft(&self, visit: &VisitRecord) -> Result<String, SimError> {
        visit.draft_on(&self.engine)
    }

    /// Finishes the draft `visit_id` at `end` and seals it a minute later.
    pub fn seal_draft(
        &self,
        visit_id: &str,
        end: DateTime<Utc>,
    ) -> Result<SealedSummary, SimError> {
        self.engine
            .finish(visit_id, end)
            .map_err(|e| at("finish", e))?;
        self.engine
            .seal(visit_id, end + chrono::Duration::minutes(1))
            .map_err(|e| at("seal", e))
    }

    /// A sample visit to `household` at `at` (core's sample answers), with photos of
    /// `photo_px` where the template asks for them.
    pub fn visit(
        &self,
        household: &Household,
        at: DateTime<Utc>,
        photo_px: (u32, u32),
    ) -> Result<SealedSummary, SimError> {
        let record = VisitRecord::sample(household, at)?;
        let template = self
            .engine
            .template_for(record.category)
            .map_err(|e| crate::error::at("template", e))?;
        self.record(&record.with_sample_photos(&template, photo_px)?)
    }

    /// One sync run against `url`.
    pub fn sync(&self, url: &str, options: SyncOptions) -> Result<SyncReport, SyncError> {
        Syncer::new(&self.engine, url, options, &NoProgress, CancelToken::new())?.run()
    }

    /// Whether nothing is waiting to be sent.
    pub fn outbox_empty(&self) -> Result<bool, SimError> {
        Ok(self
            .engine
            .store()
            .outbox()
            .map_err(|e| at("outbox", e))?
            .is_empty())
    }

    /// Sync runs until the outbox is empty, as a phone on a poor line would: after a transient
    /// failure it waits a little and tries again, at most `runs` runs in all; a permanent failure
    /// ends it. Every run's result, in order.
    pub fn sync_until_done(
        &self,
        url: &str,
        options: &SyncOptions,
        runs: usize,
    ) -> Vec<Result<SyncReport, SyncError>> {
        let mut results = Vec::new();
        for _ in 0..runs {
            let result = self.sync(url, options.clone());
            let stop = match &result {
                // Refused visits leave the outbox; anything left is still to send.
                Ok(_) => self.outbox_empty().unwrap_or(false),
                Err(e) => !e.is_transient(),
            };
            results.push(result);
            if stop {
                break;
            }
            std::thread::sleep(StdDuration::from_millis(100));
        }
        results
    }

    /// Uploads until the outbox is empty (at most `runs` sync runs) and adds up what was sent.
    pub fn upload(&self, url: &str, runs: usize) -> Result<Uploaded, SimError> {
        let mut done = Uploaded::default();
        let mut last_error = None;
        for result in self.sync_until_done(url, &SyncOptions::default(), runs) {
            match result {
                Ok(r) => {
                    done.visits += r.visits_completed;
                    done.photos += r.photos_completed;
                    done.refused.extend(r.refused);
                }
                Err(e) => last_error = Some(e),
            }
        }
        if self.outbox_empty()? {
            return Ok(done);
        }
        Err(match last_error {
            Some(e) => at("sync", e),
            None => at(
                "sync",
                format!("visits are still waiting to upload after {runs} runs"),
            ),
        })
    }
}

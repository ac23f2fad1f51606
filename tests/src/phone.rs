//! A simulated phone: the real core in its own temporary store, enrolled with the server, recording
//! complete visits from the built-in sample answers (with photos) and syncing.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fieldvisit_core::caseload::{Category, Household};
use fieldvisit_core::crypto::StaticKeyProvider;
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::sync::{
    CancelToken, NoProgress, SyncError, SyncOptions, SyncReport, Syncer, enroll,
};
use fieldvisit_core::template::builtin::sample::{photo_items, sample_answers, to_answers};
use fieldvisit_core::template::{Template, VisitKind};
use fieldvisit_core::{Engine, SealedSummary};
use serde_json::{Map, Value};

/// One phone.
#[derive(Debug)]
pub struct Phone {
    /// Its store folder.
    pub dir: tempfile::TempDir,
    /// The engine.
    pub engine: Engine,
}

/// A camera-like JPEG of `w`×`h` pixels with some texture.
pub fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(7919)) as u8;
        image::Rgb([v, (x / 3) as u8, (y / 2) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    match image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg) {
        Ok(()) => out.into_inner(),
        Err(e) => panic!("cannot encode a test JPEG: {e}"),
    }
}

fn template_id(category: Category) -> &'static str {
    match category.visit_kind() {
        VisitKind::Economic => "economic-verification",
        VisitKind::Child => "child-guardianship",
        VisitKind::Elderly => "elderly-welfare",
    }
}

impl Phone {
    /// A new phone with its own random master key.
    pub fn new() -> Phone {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let keys = StaticKeyProvider::random().unwrap_or_else(|e| panic!("key: {e}"));
        let engine = Engine::open(&dir.path().join("phone.db"), &keys)
            .unwrap_or_else(|e| panic!("open: {e}"));
        Phone { dir, engine }
    }

    /// Redeems an enrollment code and pulls the first assignments.
    pub fn enroll(&self, url: &str, code: &str) {
        enroll(&self.engine, url, code, "test phone").unwrap_or_else(|e| panic!("enroll: {e}"));
    }

    /// Records and seals a complete visit to `household` at `at`, with `photo_px` sized photos.
    pub fn visit(
        &self,
        household: &Household,
        at: DateTime<Utc>,
        photo_px: (u32, u32),
    ) -> SealedSummary {
        let (visit, template, answers) = self.start_sample_visit(household, at);
        let e = &self.engine;
        let typed = to_answers(&template, &answers).unwrap_or_else(|err| panic!("answers: {err}"));
        let mut seed = 0;
        for (item, count) in photo_items(&template, &typed) {
            for _ in 0..count {
                seed += 1;
                e.attach_photo(
                    &visit,
                    &item,
                    &jpeg(photo_px.0, photo_px.1, seed),
                    at + Duration::minutes(4),
                )
                .unwrap_or_else(|err| panic!("photo: {err}"));
            }
        }
        self.finish_and_seal(&visit, at)
    }

    /// Records and seals a guardianship visit to a left-behind child's `household` with the
    /// sample answers and `photos` (camera bytes, at most 3) as the entrustment letter.
    pub fn child_visit(
        &self,
        household: &Household,
        at: DateTime<Utc>,
        photos: &[Vec<u8>],
    ) -> SealedSummary {
        assert_eq!(
            household.categories[0].category,
            Category::LeftBehindChild,
            "child_visit needs a left-behind child's household"
        );
        let (visit, _, _) = self.start_sample_visit(household, at);
        for bytes in photos {
            self.engine
                .attach_photo(
                    &visit,
                    "entrustment_letter",
                    bytes,
                    at + Duration::minutes(4),
                )
                .unwrap_or_else(|err| panic!("photo: {err}"));
        }
        self.finish_and_seal(&visit, at)
    }

    /// Records and seals a guardianship visit in which the worker reported the child's situation
    /// to police.
    pub fn police_child_visit(&self, household: &Household, at: DateTime<Utc>) -> SealedSummary {
        let (visit, _, _) = self.start_sample_visit(household, at);
        self.engine
            .report_to_police(&visit, at + Duration::minutes(5))
            .unwrap_or_else(|err| panic!("report to police: {err}"));
        self.finish_and_seal(&visit, at)
    }

    /// Starts a visit to `household` at `at` and answers the template's sample, leaving it a
    /// draft; [`Phone::seal_draft`] finishes it.
    pub fn draft(&self, household: &Household, at: DateTime<Utc>) -> String {
        self.start_sample_visit(household, at).0
    }

    /// Finishes and seals a draft started at `at`.
    pub fn seal_draft(&self, visit: &str, at: DateTime<Utc>) -> SealedSummary {
        self.finish_and_seal(visit, at)
    }

    /// Starts a visit at `at` with a good fix near home and answers the template's sample.
    fn start_sample_visit(
        &self,
        household: &Household,
        at: DateTime<Utc>,
    ) -> (String, Arc<Template>, Map<String, Value>) {
        let category = household.categories[0].category;
        let home = household.location.unwrap_or(GeoPoint {
            lat: 31.95,
            lon: 118.84,
        });
        let fix = GpsFix {
            point: GeoPoint {
                lat: home.lat + 0.0002,
                lon: home.lon,
            },
            accuracy_m: 10.0,
            fix_time: at - Duration::seconds(15),
            mock: false,
        };
        let e = &self.engine;
        let visit = e
            .start_visit(&household.id, category, Some(fix), at)
            .unwrap_or_else(|err| panic!("start: {err}"));
        let answers = sample_answers(template_id(category)).unwrap_or_default();
        for (key, value) in &answers {
            e.answer(&visit, key, value)
                .unwrap_or_else(|err| panic!("answer {key}: {err}"));
        }
        e.set_investigators(&visit, vec!["社工甲".into(), "社工乙".into()])
            .unwrap_or_else(|err| panic!("investigators: {err}"));
        let template = e
            .template_for(category)
            .unwrap_or_else(|err| panic!("template: {err}"));
        (visit, template, answers)
    }

    fn finish_and_seal(&self, visit: &str, at: DateTime<Utc>) -> SealedSummary {
        let e = &self.engine;
        e.finish(visit, at + Duration::minutes(20))
            .unwrap_or_else(|err| panic!("finish: {err}"));
        e.seal(visit, at + Duration::minutes(21))
            .unwrap_or_else(|err| panic!("seal: {err}"))
    }

    /// One sync run against `url`.
    pub fn sync(&self, url: &str, options: SyncOptions) -> Result<SyncReport, SyncError> {
        Syncer::new(&self.engine, url, options, &NoProgress, CancelToken::new())?.run()
    }

    /// Syncs until the outbox is empty, retrying after transient failures (at most `runs` runs).
    pub fn sync_until_done(
        &self,
        url: &str,
        options: &SyncOptions,
        runs: usize,
    ) -> Vec<Result<SyncReport, String>> {
        let mut results = Vec::new();
        for _ in 0..runs {
            let r = self.sync(url, options.clone());
            let done = r.is_ok()
                && self
                    .engine
                    .store()
                    .outbox()
                    .map(|o| o.is_empty())
                    .unwrap_or(false);
            results.push(r.map_err(|e| e.to_string()));
            if done {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        results
    }
}

impl Default for Phone {
    fn default() -> Self {
        Phone::new()
    }
}

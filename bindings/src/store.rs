//! `FieldVisitStore`: the engine the apps drive, one per open store file. Each method converts its
//! arguments, calls one `Engine` method and converts the result.

use std::path::Path;
use std::sync::Arc;

use fieldvisit_core::Engine;
use fieldvisit_core::caseload::Category;
use fieldvisit_core::protocol::{Assignments, StaffMember};
use fieldvisit_core::template::Label;
use fieldvisit_core::visit::LevelOverride;

use crate::FieldVisitError;
use crate::answer_value::AnswerValue;
use crate::counts::long;
use crate::error::bad_json;
use crate::keys::{ForeignKeys, KeyProvider};
use crate::records::{
    CaseloadItem, DraftRecord, EvaluationRecord, GpsFixRecord, HouseholdInfo, SealedRecord,
};
use crate::template::TemplateRecord;
use crate::time::{day, instant};

/// An open, encrypted store on the phone with its engine. Thread-safe; call it from a background
/// thread. Closing (Kotlin `close()`, Swift deinit) releases the database file.
#[derive(Debug, uniffi::Object)]
pub struct FieldVisitStore {
    pub(crate) inner: Arc<Engine>,
}

fn category(code: &str) -> Result<Category, FieldVisitError> {
    Category::from_code(code).ok_or_else(|| FieldVisitError::InvalidInput {
        item: "category".to_string(),
        reason: format!("category: unknown category code `{code}`"),
    })
}

#[uniffi::export]
impl FieldVisitStore {
    /// Opens (or creates) the store at `path` with the master key from `keys`. A wrong key fails with
    /// `WrongKey` before anything is written.
    #[uniffi::constructor]
    pub fn open(path: String, keys: Arc<dyn KeyProvider>) -> Result<Arc<Self>, FieldVisitError> {
        let engine = Engine::open(Path::new(&path), &ForeignKeys(keys))?;
        Ok(Arc::new(FieldVisitStore {
            inner: Arc::new(engine),
        }))
    }

    /// Applies a pull of assignments (the JSON of `core/src/protocol/assignments.rs`): households,
    /// templates, schedule, evidence thresholds and audience public keys.
    pub fn apply_assignments(&self, json: String) -> Result<(), FieldVisitError> {
        let a: Assignments =
            serde_json::from_str(&json).map_err(|e| bad_json("assignments", &e))?;
        Ok(self.inner.apply_assignments(&a)?)
    }

    /// Every household and category with its next due day on `today` (`YYYY-MM-DD`, local
    /// calendar), most overdue first.
    pub fn caseload(&self, today: String) -> Result<Vec<CaseloadItem>, FieldVisitError> {
        let today = day(&today, "today")?;
        Ok(self
            .inner
            .caseload(today)?
            .into_iter()
            .map(CaseloadItem::from)
            .collect())
    }

    /// A household on this phone, for display (ID number masked); `None` if it is not here.
    pub fn household(
        &self,
        household_id: String,
    ) -> Result<Option<HouseholdInfo>, FieldVisitError> {
        Ok(self
            .inner
            .store()
            .household(&household_id)?
            .map(HouseholdInfo::from))
    }

    /// The newest template for a category code, typed, to render the form.
    pub fn template(&self, category_code: String) -> Result<TemplateRecord, FieldVisitError> {
        Ok(self
            .inner
            .template_for(category(&category_code)?)?
            .as_ref()
            .into())
    }

    /// The newest template for a category code, as JSON (`core/TEMPLATES.md`), whole: with its
    /// conditions, computed values and scores.
    pub fn template_json(&self, category_code: String) -> Result<String, FieldVisitError> {
        let t = self.inner.template_for(category(&category_code)?)?;
        serde_json::to_string(t.as_ref()).map_err(|e| bad_json("template", &e))
    }

    /// Starts a visit; `started_at_ms` is now, in epoch milliseconds. Returns the visit id.
    pub fn start_visit(
        &self,
        household_id: String,
        category_code: String,
        fix: Option<GpsFixRecord>,
        started_at_ms: i64,
    ) -> Result<String, FieldVisitError> {
        let fix = fix.map(TryInto::try_into).transpose()?;
        Ok(self.inner.start_visit(
            &household_id,
            category(&category_code)?,
            fix,
            instant(started_at_ms, "started_at_ms")?,
        )?)
    }

    /// Answers one item (`item` or `group[n].item`); `None` clears the answer. The core checks
    /// the value against the item's type, options and ranges; a refusal is `InvalidInput` naming
    /// the item. `DraftRecord.answers` holds a draft's answers in this same form.
    pub fn answer(
        &self,
        visit_id: String,
        path: String,
        value: Option<AnswerValue>,
    ) -> Result<(), FieldVisitError> {
        let json = value.map_or(serde_json::Value::Null, |v| v.to_json());
        Ok(self.inner.answer(&visit_id, &path, &json)?)
    }

    /// The station's staff, to pick a form's investigators from (empty until a server sends it).
    pub fn station_staff(&self) -> Result<Vec<StaffMember>, FieldVisitError> {
        Ok(self.inner.station_staff()?)
    }

    /// Sets the names of who is present, for templates without an investigators item; the same
    /// name twice is refused.
    pub fn set_investigators(
        &self,
        visit_id: String,
        names: Vec<String>,
    ) -> Result<(), FieldVisitError> {
        Ok(self.inner.set_investigators(&visit_id, names)?)
    }

    /// Sets free notes.
    pub fn set_notes(&self, visit_id: String, notes: String) -> Result<(), FieldVisitError> {
        Ok(self.inner.set_notes(&visit_id, &notes)?)
    }

    /// Overrides a computed level with a reason; `None` removes the override.
    pub fn override_level(
        &self,
        visit_id: String,
        score: String,
        over: Option<LevelOverride>,
    ) -> Result<(), FieldVisitError> {
        Ok(self.inner.override_level(&visit_id, &score, over)?)
    }

    /// Marks "reported to police" at `at_ms`; kept even if the visit is never finished.
    pub fn report_to_police(&self, visit_id: String, at_ms: i64) -> Result<(), FieldVisitError> {
        Ok(self
            .inner
            .report_to_police(&visit_id, instant(at_ms, "at_ms")?)?)
    }

    /// Records the end of the visit at `at_ms`.
    pub fn finish(&self, visit_id: String, at_ms: i64) -> Result<(), FieldVisitError> {
        Ok(self.inner.finish(&visit_id, instant(at_ms, "at_ms")?)?)
    }

    /// Attaches a camera JPEG to a photo item; returns the photo id.
    pub fn attach_photo(
        &self,
        visit_id: String,
        item_path: String,
        jpeg: Vec<u8>,
        captured_at_ms: i64,
    ) -> Result<String, FieldVisitError> {
        Ok(self.inner.attach_photo(
            &visit_id,
            &item_path,
            &jpeg,
            instant(captured_at_ms, "captured_at_ms")?,
        )?)
    }

    /// Removes a photo from a draft.
    pub fn remove_photo(&self, visit_id: String, photo_id: String) -> Result<(), FieldVisitError> {
        Ok(self.inner.remove_photo(&visit_id, &photo_id)?)
    }

    /// Removes instance `index` of repeat group `group` with its photos; later instances move up.
    pub fn remove_instance(
        &self,
        visit_id: String,
        group: String,
        index: i32,
    ) -> Result<(), FieldVisitError> {
        let index = usize::try_from(index).map_err(|_| FieldVisitError::InvalidInput {
            item: "index".to_string(),
            reason: "index: an instance number cannot be negative".to_string(),
        })?;
        Ok(self.inner.remove_instance(&visit_id, &group, index)?)
    }

    /// One draft (or sealed visit) as stored.
    pub fn draft(&self, visit_id: String) -> Result<DraftRecord, FieldVisitError> {
        Ok(self.inner.draft(&visit_id)?.into())
    }

    /// Every unsealed draft, oldest first (they survive restarts).
    pub fn drafts(&self) -> Result<Vec<DraftRecord>, FieldVisitError> {
        self.inner
            .store()
            .draft_ids()?
            .iter()
            .map(|id| Ok(self.inner.draft(id)?.into()))
            .collect()
    }

    /// Live visibility, computed values and score levels with the rules that fired.
    pub fn evaluate(&self, visit_id: String) -> Result<EvaluationRecord, FieldVisitError> {
        self.inner.evaluate(&visit_id)?.try_into()
    }

    /// Validates, scores, encrypts, signs and chains the visit at `now_ms`. Fails with `Incomplete`
    /// listing every problem; a sealed visit never changes again.
    pub fn seal(&self, visit_id: String, now_ms: i64) -> Result<SealedRecord, FieldVisitError> {
        Ok(self
            .inner
            .seal(&visit_id, instant(now_ms, "now_ms")?)?
            .into())
    }

    /// Checks signatures and links of every sealed visit; returns how many were checked.
    pub fn verify_chain(&self) -> Result<i64, FieldVisitError> {
        Ok(long(self.inner.verify_chain()?))
    }
}

/// The code of a category (`left_behind_child` …).
#[uniffi::export]
pub fn category_code(category: Category) -> String {
    category.code().to_string()
}

/// The name of a category, Chinese and English.
#[uniffi::export]
pub fn category_label(category: Category) -> Label {
    category.label()
}

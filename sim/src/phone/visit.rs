//! What a phone records in one visit, from start to seal: the household, the fix, the answers,
//! the investigators, photos and the police flag. [`VisitRecord::sample`] makes the complete
//! visit core's sample answers describe; the seeded county makes its own (`county::recording`).

use chrono::{DateTime, Duration, Utc};
use fieldvisit_core::Engine;
use fieldvisit_core::caseload::{Category, Household};
use fieldvisit_core::geo::{GeoPoint, GpsFix};
use fieldvisit_core::template::builtin::sample::{photo_items, sample_answers, to_answers};
use fieldvisit_core::template::{Template, VisitKind};
use serde_json::{Map, Value};

use crate::error::{SimError, at};
use crate::photo;

/// One photo taken during a visit.
#[derive(Debug, Clone)]
pub struct PhotoShot {
    /// The checklist item it belongs to.
    pub item: String,
    /// Camera bytes.
    pub jpeg: Vec<u8>,
    /// When it was taken.
    pub taken: DateTime<Utc>,
}

/// One visit as the worker records it.
#[derive(Debug, Clone)]
pub struct VisitRecord {
    /// The household visited.
    pub household_id: String,
    /// The category visited for.
    pub category: Category,
    /// The GPS fix at the start.
    pub fix: Option<GpsFix>,
    /// Start.
    pub start: DateTime<Utc>,
    /// When the worker finishes; the visit is sealed a minute later.
    pub end: DateTime<Utc>,
    /// Answers by item path.
    pub answers: Map<String, Value>,
    /// Who visited.
    pub investigators: Vec<String>,
    /// When the worker reported the household's situation to police, if they did.
    pub police_at: Option<DateTime<Utc>>,
    /// Photos, in the order taken.
    pub photos: Vec<PhotoShot>,
}

/// Where a household without a location is taken to be.
const SOMEWHERE: GeoPoint = GeoPoint {
    lat: 31.95,
    lon: 118.84,
};

/// The template a category's visits follow.
pub fn template_id(category: Category) -> &'static str {
    match category.visit_kind() {
        VisitKind::Economic => "economic-verification",
        VisitKind::Child => "child-guardianship",
        VisitKind::Elderly => "elderly-welfare",
    }
}

impl VisitRecord {
    /// A twenty-minute visit at `at` for the household's first category, with a good fix 22 m
    /// from home, core's complete sample answers, two investigators and no photos yet.
    pub fn sample(household: &Household, at: DateTime<Utc>) -> Result<VisitRecord, SimError> {
        let category = household
            .categories
            .first()
            .ok_or(SimError::NoCategory)?
            .category;
        VisitRecord::sample_of(&household.id, category, household.location, at)
    }

    /// [`VisitRecord::sample`] for a household known by its id, category and home.
    pub fn sample_of(
        household_id: &str,
        category: Category,
        home: Option<GeoPoint>,
        at: DateTime<Utc>,
    ) -> Result<VisitRecord, SimError> {
        let template = template_id(category);
        let answers =
            sample_answers(template).ok_or_else(|| SimError::NoSample(template.to_owned()))?;
        let home = home.unwrap_or(SOMEWHERE);
        Ok(VisitRecord {
            household_id: household_id.to_owned(),
            category,
            fix: Some(GpsFix {
                point: GeoPoint {
                    lat: home.lat + 0.0002,
                    lon: home.lon,
                },
                accuracy_m: 10.0,
                fix_time: at - Duration::seconds(15),
                mock: false,
            }),
            start: at,
            end: at + Duration::minutes(20),
            answers,
            investigators: vec!["社工甲".into(), "社工乙".into()],
            police_at: None,
            photos: Vec::new(),
        })
    }

    /// Adds a `width`×`height` camera photo for every photo the template asks of these answers,
    /// taken four minutes in.
    pub fn with_sample_photos(
        mut self,
        template: &Template,
        (width, height): (u32, u32),
    ) -> Result<VisitRecord, SimError> {
        let typed = to_answers(template, &self.answers).map_err(|e| at("answers", e))?;
        let mut seed = 0;
        for (item, count) in photo_items(template, &typed) {
            for _ in 0..count {
                seed += 1;
                self.photos.push(PhotoShot {
                    item: item.clone(),
                    jpeg: photo::jpeg(width, height, seed)?,
                    taken: self.start + Duration::minutes(4),
                });
            }
        }
        Ok(self)
    }

    /// Adds `photos` (camera bytes) to `item`, taken four minutes in.
    pub fn with_photos(mut self, item: &str, photos: &[Vec<u8>]) -> VisitRecord {
        for jpeg in photos {
            self.photos.push(PhotoShot {
                item: item.to_owned(),
                jpeg: jpeg.clone(),
                taken: self.start + Duration::minutes(4),
            });
        }
        self
    }

    /// The worker reports the situation to police five minutes in.
    pub fn reported_to_police(mut self) -> VisitRecord {
        self.police_at = Some(self.start + Duration::minutes(5));
        self
    }
}

impl VisitRecord {
    /// Starts the visit on `engine` and answers it, leaving a draft (no photos, not finished);
    /// returns its id.
    pub fn draft_on(&self, engine: &Engine) -> Result<String, SimError> {
        let id = engine
            .start_visit(
                &self.household_id,
                self.category,
                self.fix.clone(),
                self.start,
            )
            .map_err(|e| at("start", e))?;
        for (key, value) in &self.answers {
            engine
                .answer(&id, key, value)
                .map_err(|e| at("answer", e))?;
        }
        engine
            .set_investigators(&id, self.investigators.clone())
            .map_err(|e| at("investigators", e))?;
        Ok(id)
    }

    /// Attaches the photos to the draft `id` and reports to police if the worker did.
    pub fn complete_on(&self, engine: &Engine, id: &str) -> Result<(), SimError> {
        for shot in &self.photos {
            engine
                .attach_photo(id, &shot.item, &shot.jpeg, shot.taken)
                .map_err(|e| at("photo", e))?;
        }
        if let Some(when) = self.police_at {
            engine
                .report_to_police(id, when)
                .map_err(|e| at("police", e))?;
        }
        Ok(())
    }
}

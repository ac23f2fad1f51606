//! Recording a visit: start, answer item by item, photos, investigators, overrides, the police flag,
//! finish. Each change is validated at once and written in its own transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Engine, draft_in_tx};
use crate::caseload::Category;
use crate::crypto::random_id;
use crate::geo::GpsFix;
use crate::media::PhotoConfig;
use crate::store::{Store, VisitState};
use crate::template::{
    AnswerError, AnswerValue, Answers, Evaluation, ItemKind, ItemPath, Template, evaluate,
    find_item, parse_answer, resolve_staff, typed_investigators,
};
use crate::visit::{Draft, DraftPhoto, LevelOverride, VisitError, prepare_photo};

/// Stores `value` at `path` (`None` clears it), creating a repeat instance when `index` is one past
/// the end.
fn put_answer(
    answers: &mut Answers,
    path: &ItemPath,
    value: Option<AnswerValue>,
) -> Result<(), AnswerError> {
    match path {
        ItemPath::Top(id) => {
            match value {
                Some(v) => answers.insert(id.clone(), v),
                None => answers.remove(id),
            };
            Ok(())
        }
        ItemPath::InGroup { group, index, item } => {
            let entry = answers
                .entry(group.clone())
                .or_insert_with(|| AnswerValue::Repeat(Vec::new()));
            let AnswerValue::Repeat(list) = entry else {
                return Err(AnswerError::BadPath {
                    path: path.to_string(),
                });
            };
            if *index > list.len() {
                return Err(AnswerError::NoInstance {
                    item: group.clone(),
                    index: *index,
                    len: list.len(),
                });
            }
            if *index == list.len() {
                list.push(Answers::new());
            }
            match value {
                Some(v) => list[*index].insert(item.clone(), v),
                None => list[*index].remove(item),
            };
            Ok(())
        }
    }
}

fn photos_at<'a>(answers: &'a Answers, path: &ItemPath) -> Option<&'a AnswerValue> {
    match path {
        ItemPath::Top(id) => answers.get(id),
        ItemPath::InGroup { group, index, item } => match answers.get(group) {
            Some(AnswerValue::Repeat(list)) => list.get(*index).and_then(|a| a.get(item)),
            _ => None,
        },
    }
}

impl Engine {
    /// Loads a draft, applies `f`, and writes it back in one transaction; sealed visits refuse.
    fn edit<T>(
        &self,
        visit_id: &str,
        f: impl FnOnce(&mut Draft, &Template) -> Result<T, VisitError>,
    ) -> Result<T, VisitError> {
        let template = self.draft_template(visit_id)?;
        self.store.write(|tx, cipher| {
            let mut draft = draft_in_tx(tx, cipher, visit_id)?;
            let out = f(&mut draft, &template)?;
            Store::update_draft(tx, cipher, &draft)?;
            Ok(out)
        })
    }

    /// Starts a visit to a household for one of its categories, with the GPS fix taken now.
    pub fn start_visit(
        &self,
        household_id: &str,
        category: Category,
        fix: Option<GpsFix>,
        started_at: DateTime<Utc>,
    ) -> Result<String, VisitError> {
        self.start(
            household_id,
            category,
            fix,
            started_at,
            None,
            Answers::new(),
        )
    }

    /// Starts a correction of a sealed visit: a new visit that amends it, prefilled with its answers.
    pub fn start_amendment(
        &self,
        sealed_visit_id: &str,
        fix: Option<GpsFix>,
        started_at: DateTime<Utc>,
    ) -> Result<String, VisitError> {
        let (state, original) = self
            .store
            .visit(sealed_visit_id)?
            .ok_or_else(|| VisitError::NotFound(sealed_visit_id.to_string()))?;
        if state != VisitState::Sealed {
            return Err(VisitError::NotFound(sealed_visit_id.to_string()));
        }
        self.start(
            &original.household_id,
            original.category,
            fix,
            started_at,
            Some(sealed_visit_id.to_string()),
            original
                .answers
                .into_iter()
                .filter(|(_, v)| !matches!(v, AnswerValue::Photos(_)))
                .collect(),
        )
    }

    fn start(
        &self,
        household_id: &str,
        category: Category,
        fix: Option<GpsFix>,
        started_at: DateTime<Utc>,
        amends: Option<String>,
        answers: Answers,
    ) -> Result<String, VisitError> {
        if let Some(f) = &fix
            && (!f.point.is_valid() || !f.accuracy_m.is_finite() || f.accuracy_m < 0.0)
        {
            return Err(VisitError::BadFix);
        }
        let household = self
            .store
            .household(household_id)?
            .ok_or_else(|| VisitError::UnknownHousehold(household_id.to_string()))?;
        if !household.categories.iter().any(|c| c.category == category) {
            return Err(VisitError::WrongCategory {
                household: household_id.to_string(),
                category: category.code().to_string(),
            });
        }
        let template = self.template_for(category)?;
        let draft = Draft {
            visit_id: random_id()?,
            household_id: household_id.to_string(),
            template_id: template.id.clone(),
            template_version: template.version,
            category,
            started_at,
            fix,
            answers,
            overrides: Default::default(),
            investigators: Vec::new(),
            notes: String::new(),
            photos: Vec::new(),
            reported_to_police_at: None,
            amends,
            finished_at: None,
        };
        self.store
            .write(|tx, cipher| Store::insert_draft(tx, cipher, &draft))?;
        Ok(draft.visit_id)
    }

    /// Answers one item (`item` or `group[n].item`) with a JSON value; `null` clears it. The answer
    /// is checked against the item at once; investigators picked by staff id take their names
    /// from the station's staff list.
    pub fn answer(&self, visit_id: &str, path: &str, value: &Value) -> Result<(), VisitError> {
        let template = self.draft_template(visit_id)?;
        let (path, mut value) = parse_answer(&template, path, value)?;
        if let Some(AnswerValue::Investigators(people)) = &mut value {
            resolve_staff(&path.to_string(), people, &self.store.staff()?)?;
        }
        self.edit(visit_id, |draft, _| {
            Ok(put_answer(&mut draft.answers, &path, value)?)
        })
    }

    /// Sets the names of who is present, for templates without an investigators item; the same
    /// name twice is refused.
    pub fn set_investigators(&self, visit_id: &str, names: Vec<String>) -> Result<(), VisitError> {
        let names = typed_investigators(names)?;
        self.edit(visit_id, |draft, _| {
            draft.investigators = names;
            Ok(())
        })
    }

    /// Sets free notes.
    pub fn set_notes(&self, visit_id: &str, notes: &str) -> Result<(), VisitError> {
        self.edit(visit_id, |draft, _| {
            draft.notes = notes.to_string();
            Ok(())
        })
    }

    /// Overrides a computed level; the reason is required. `None` removes the override.
    pub fn override_level(
        &self,
        visit_id: &str,
        score: &str,
        over: Option<LevelOverride>,
    ) -> Result<(), VisitError> {
        self.edit(visit_id, |draft, template| {
            let bad = |reason| {
                VisitError::Answer(AnswerError::Override {
                    score: score.to_string(),
                    reason,
                })
            };
            let s = template
                .scores
                .iter()
                .find(|s| s.id == score)
                .ok_or_else(|| bad("no such score in this template"))?;
            match over {
                None => {
                    draft.overrides.remove(score);
                }
                Some(o) => {
                    if !s.overridable {
                        return Err(bad("this score cannot be overridden"));
                    }
                    if !s.levels.iter().any(|l| l.id == o.level) {
                        return Err(bad("the override names a level the score does not have"));
                    }
                    if o.reason.trim().is_empty() {
                        return Err(bad("an override needs a reason"));
                    }
                    draft.overrides.insert(score.to_string(), o);
                }
            }
            Ok(())
        })
    }

    /// Marks "reported to police" now. No approval step stands before it; it is kept even if the
    /// visit is never finished, and sealing carries it to the server.
    pub fn report_to_police(&self, visit_id: &str, at: DateTime<Utc>) -> Result<(), VisitError> {
        self.edit(visit_id, |draft, _| {
            draft.reported_to_police_at.get_or_insert(at);
            Ok(())
        })
    }

    /// Records the end of the visit.
    pub fn finish(&self, visit_id: &str, at: DateTime<Utc>) -> Result<(), VisitError> {
        self.edit(visit_id, |draft, _| {
            draft.finished_at = Some(at);
            Ok(())
        })
    }

    /// Attaches a photo taken in the app to a photo item; returns the photo id.
    pub fn attach_photo(
        &self,
        visit_id: &str,
        item_path: &str,
        bytes: &[u8],
        captured_at: DateTime<Utc>,
    ) -> Result<String, VisitError> {
        let prepared = prepare_photo(bytes, &PhotoConfig::default())?;
        let photo_id = random_id()?;
        let template = self.draft_template(visit_id)?;
        let path = ItemPath::parse(item_path)?;
        let ItemKind::Photo { max_count, .. } = &find_item(&template, &path)?.kind else {
            return Err(VisitError::Answer(AnswerError::WrongType {
                item: item_path.to_string(),
                expected: "a photo item",
            }));
        };
        let max = *max_count;
        self.store.write(|tx, cipher| {
            let (_, mut draft) = Store::load_visit_tx(tx, cipher, visit_id)?
                .ok_or_else(|| VisitError::NotFound(visit_id.to_string()))?;
            let mut ids = match photos_at(&draft.answers, &path) {
                Some(AnswerValue::Photos(ids)) => ids.clone(),
                _ => Vec::new(),
            };
            if ids.len() >= max as usize {
                return Err(VisitError::Answer(AnswerError::Count {
                    item: item_path.to_string(),
                    min: 0,
                    max,
                    found: ids.len() + 1,
                }));
            }
            ids.push(photo_id.clone());
            put_answer(&mut draft.answers, &path, Some(AnswerValue::Photos(ids)))?;
            draft.photos.push(DraftPhoto {
                photo_id: photo_id.clone(),
                item: item_path.to_string(),
                captured_at,
                sha256: prepared.sha256,
            });
            Store::insert_photo(
                tx,
                cipher,
                visit_id,
                &photo_id,
                item_path,
                captured_at,
                &prepared.jpeg,
                &prepared.thumbnail,
            )?;
            if !Store::update_draft(tx, cipher, &draft)? {
                return Err(VisitError::Sealed(visit_id.to_string()));
            }
            Ok(photo_id.clone())
        })
    }

    /// Removes a photo from a draft.
    pub fn remove_photo(&self, visit_id: &str, photo_id: &str) -> Result<(), VisitError> {
        self.edit(visit_id, |draft, _| {
            let Some(pos) = draft.photos.iter().position(|p| p.photo_id == photo_id) else {
                return Err(VisitError::NotFound(photo_id.to_string()));
            };
            let photo = draft.photos.remove(pos);
            let path = ItemPath::parse(&photo.item)?;
            if let Some(AnswerValue::Photos(ids)) = photos_at(&draft.answers, &path) {
                let rest: Vec<String> = ids.iter().filter(|i| *i != photo_id).cloned().collect();
                put_answer(
                    &mut draft.answers,
                    &path,
                    (!rest.is_empty()).then_some(AnswerValue::Photos(rest)),
                )?;
            }
            Ok(())
        })?;
        self.store
            .write(|tx, _| Store::delete_photo(tx, photo_id))?;
        Ok(())
    }

    /// Removes instance `index` of repeat group `group` (a household member entered by mistake, say)
    /// with its photos; later instances move up one, and their photos' item paths with them.
    pub fn remove_instance(
        &self,
        visit_id: &str,
        group: &str,
        index: usize,
    ) -> Result<(), VisitError> {
        let template = self.draft_template(visit_id)?;
        let item = find_item(&template, &ItemPath::Top(group.to_string()))?;
        if !matches!(item.kind, ItemKind::Repeat { .. }) {
            return Err(VisitError::Answer(AnswerError::WrongType {
                item: group.to_string(),
                expected: "a repeat group",
            }));
        }
        self.store.write(|tx, cipher| {
            let mut draft = draft_in_tx(tx, cipher, visit_id)?;
            let list = match draft.answers.get_mut(group) {
                Some(AnswerValue::Repeat(list)) => list,
                _ => {
                    return Err(VisitError::Answer(AnswerError::NoInstance {
                        item: group.to_string(),
                        index,
                        len: 0,
                    }));
                }
            };
            if index >= list.len() {
                return Err(VisitError::Answer(AnswerError::NoInstance {
                    item: group.to_string(),
                    index,
                    len: list.len(),
                }));
            }
            list.remove(index);
            if list.is_empty() {
                draft.answers.remove(group);
            }
            let mut removed = Vec::new();
            for photo in std::mem::take(&mut draft.photos) {
                match ItemPath::parse(&photo.item)? {
                    ItemPath::InGroup {
                        group: g,
                        index: i,
                        item,
                    } if g == group && i >= index => {
                        if i == index {
                            removed.push(photo.photo_id);
                            continue;
                        }
                        let moved = ItemPath::InGroup {
                            group: g,
                            index: i - 1,
                            item,
                        }
                        .to_string();
                        Store::move_photo(tx, &photo.photo_id, &moved)?;
                        draft.photos.push(DraftPhoto {
                            item: moved,
                            ..photo
                        });
                    }
                    _ => draft.photos.push(photo),
                }
            }
            for photo_id in &removed {
                Store::delete_photo(tx, photo_id)?;
            }
            if !Store::update_draft(tx, cipher, &draft)? {
                return Err(VisitError::Sealed(visit_id.to_string()));
            }
            Ok(())
        })
    }

    /// The draft as stored.
    pub fn draft(&self, visit_id: &str) -> Result<Draft, VisitError> {
        Ok(self
            .store
            .visit(visit_id)?
            .ok_or_else(|| VisitError::NotFound(visit_id.to_string()))?
            .1)
    }

    /// Live visibility, computed values and scores of a draft, for the form, with the county's
    /// parameters and the household's previous visit.
    pub fn evaluate(&self, visit_id: &str) -> Result<Evaluation, VisitError> {
        let draft = self.draft(visit_id)?;
        let template = self.template(&draft.template_id, draft.template_version)?;
        let facts = self.facts_of(&draft)?;
        Ok(evaluate(
            &template,
            &draft.answers,
            draft.started_at.date_naive(),
            &facts,
        )?)
    }
}

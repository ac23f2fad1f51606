//! Template versions (`docs/domain.md` §3): the built-in ones, issued everywhere, and those a
//! county publishes for its branch. Every version the server has issued is kept, so a visit is
//! read with the labels of the version it was answered on, whatever was published since; a phone
//! receives, for each template, the newest version issued to its branch, and finishes a draft on
//! the version the draft started with.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use fieldvisit_core::protocol::is_safe_id;
use fieldvisit_core::template::builtin::builtin_templates;
use fieldvisit_core::template::{Template, load_template_listing_problems};
use serde_json::json;

use super::Actor;
use super::error::OpsError;
use super::schedules::county_of_admin;
use crate::audit;
use crate::state::AppState;
use crate::store::IssuedTemplate;

/// Scope path of the built-in templates.
pub const EVERYWHERE: &str = "/";

/// How long a process serves a loaded set before reading the table again: a version another
/// server process published reaches phones within this.
const FRESH_FOR: Duration = Duration::from_secs(10);

/// How old a loaded set must be before a lookup that misses reads the table again: a version
/// another process published moments ago is found, and visits naming a version never issued cost
/// one read of the table a second, not one a visit.
const REREAD_ON_MISS_AFTER: Duration = Duration::from_secs(1);

/// Every issued version, with what lookups need.
#[derive(Debug, Default)]
pub struct TemplateSet {
    issued: Vec<IssuedTemplate>,
    photos_allowed: HashMap<(String, u32), u64>,
}

impl TemplateSet {
    fn new(issued: Vec<IssuedTemplate>) -> Self {
        let mut photos_allowed: HashMap<(String, u32), u64> = HashMap::new();
        for t in &issued {
            let n = super::photo_allowance::of_template(&t.template);
            let e = photos_allowed
                .entry((t.template.id.clone(), t.template.version))
                .or_default();
            *e = (*e).max(n);
        }
        TemplateSet {
            issued,
            photos_allowed,
        }
    }

    /// Versions issued to a branch holding `path` (the built-in ones and its counties').
    pub fn visible_at<'a>(&'a self, path: &str) -> impl Iterator<Item = &'a IssuedTemplate> {
        let path = path.to_owned();
        self.issued
            .iter()
            .filter(move |t| path.starts_with(t.scope_path.as_str()))
    }

    /// The newest version of each template issued to `path`; on equal versions the one issued
    /// nearest (a county's over the built-in one).
    pub fn current_at(&self, path: &str) -> Vec<&IssuedTemplate> {
        let mut newest: BTreeMap<&str, &IssuedTemplate> = BTreeMap::new();
        for t in self.visible_at(path) {
            let key = |x: &IssuedTemplate| (x.template.version, x.scope_path.len());
            newest
                .entry(t.template.id.as_str())
                .and_modify(|e| {
                    if key(t) > key(e) {
                        *e = t;
                    }
                })
                .or_insert(t);
        }
        newest.into_values().collect()
    }

    /// The version a visit at `path` names: the one issued nearest to it.
    pub fn version_at(&self, id: &str, version: u32, path: &str) -> Option<&Template> {
        self.visible_at(path)
            .filter(|t| t.template.id == id && t.template.version == version)
            .max_by_key(|t| t.scope_path.len())
            .map(|t| &t.template)
    }

    /// The most photos any issued version `id`/`version` takes; `None` for a version never
    /// issued.
    pub fn photos_allowed(&self, id: &str, version: u32) -> Option<u64> {
        self.photos_allowed.get(&(id.to_owned(), version)).copied()
    }

    /// The highest version of `id` ever issued anywhere.
    fn highest(&self, id: &str) -> Option<u32> {
        self.issued
            .iter()
            .filter(|t| t.template.id == id)
            .map(|t| t.template.version)
            .max()
    }
}

/// The loaded set of one server process, read again when older than [`FRESH_FOR`] or when a
/// version is asked for that it does not hold.
#[derive(Debug, Default)]
pub struct TemplateCache {
    loaded: RwLock<Option<(Instant, Arc<TemplateSet>)>>,
}

impl TemplateCache {
    /// The set, if it was read less than `age` ago.
    fn younger_than(&self, age: Duration) -> Option<Arc<TemplateSet>> {
        let guard = self.loaded.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < age)
            .map(|(_, s)| Arc::clone(s))
    }

    fn put(&self, set: Arc<TemplateSet>) {
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), set));
    }
}

/// Reads every issued version, recording first the built-in versions of this build that the
/// table does not hold yet: issuing a template is what makes the server keep it.
async fn read(state: &AppState) -> Result<Arc<TemplateSet>, OpsError> {
    let mut issued = state.store.issued_templates().await?;
    let missing: Vec<IssuedTemplate> = builtin_templates()
        .map_err(OpsError::internal)?
        .into_iter()
        .filter(|b| {
            !issued.iter().any(|t| {
                t.scope_path == EVERYWHERE
                    && t.template.id == b.id
                    && t.template.version == b.version
            })
        })
        .map(|template| IssuedTemplate {
            scope_path: EVERYWHERE.to_owned(),
            template,
            published_by: String::new(),
            published_at: Utc::now(),
        })
        .collect();
    if !missing.is_empty() {
        state.store.issue_templates(&missing, None).await?;
        issued = state.store.issued_templates().await?;
    }
    let set = Arc::new(TemplateSet::new(issued));
    state.templates.put(Arc::clone(&set));
    Ok(set)
}

/// Every issued version, as this process last read them (at most [`FRESH_FOR`] ago).
pub async fn all(state: &AppState) -> Result<Arc<TemplateSet>, OpsError> {
    match state.templates.younger_than(FRESH_FOR) {
        Some(s) => Ok(s),
        None => read(state).await,
    }
}

/// The set to look in again after a lookup missed: read anew unless it was read just now.
async fn after_a_miss(state: &AppState) -> Result<Arc<TemplateSet>, OpsError> {
    match state.templates.younger_than(REREAD_ON_MISS_AFTER) {
        Some(s) => Ok(s),
        None => read(state).await,
    }
}

/// The most photos a visit of `id`/`version` may carry: its template's allowance, the cap for a
/// version this server never issued.
pub async fn photos_allowed(state: &AppState, id: &str, version: u32) -> Result<u64, OpsError> {
    if let Some(n) = all(state).await?.photos_allowed(id, version) {
        return Ok(n);
    }
    // Published on another process since this one last read.
    Ok(after_a_miss(state)
        .await?
        .photos_allowed(id, version)
        .unwrap_or(super::photo_allowance::MAX_PHOTOS_PER_VISIT))
}

/// The template version a visit at `path` names, reading again once when this process does not
/// hold it yet.
pub async fn version_at(
    state: &AppState,
    id: &str,
    version: u32,
    path: &str,
) -> Result<Option<Template>, OpsError> {
    if let Some(t) = all(state).await?.version_at(id, version, path) {
        return Ok(Some(t.clone()));
    }
    Ok(after_a_miss(state)
        .await?
        .version_at(id, version, path)
        .cloned())
}

/// Publishes a county's template, or a new version of one, for the county's branch (admins of a
/// branch holding it). The document must load as the phones load it, its version must be above
/// every version of its id issued so far, it must not serve a category another template already
/// serves there, and the county must have a key for each audience it names. Audited as
/// `template.publish`.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
    json_text: &str,
) -> Result<IssuedTemplate, OpsError> {
    let unit = county_of_admin(state, actor, county_id).await?;
    let template = load_template_listing_problems(json_text).map_err(|problems| {
        let listed: Vec<String> = problems
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}. {p}", i + 1))
            .collect();
        OpsError::invalid(
            "invalid_template",
            format!(
                "模板未通过校验，共 {n} 处问题 / the template does not load, {n} problem(s): {}",
                listed.join("; "),
                n = problems.len()
            ),
        )
    })?;
    if !is_safe_id(&template.id) {
        return Err(OpsError::InvalidId("id"));
    }
    let set = read(state).await?;
    if let Some(highest) = set.highest(&template.id)
        && template.version <= highest
    {
        return Err(OpsError::invalid(
            "template_version_taken",
            format!(
                "版本号须大于 {highest} / version {} of {} is not above {highest}, the highest issued so far",
                template.version, template.id
            ),
        ));
    }
    for other in set.current_at(&unit.path) {
        if other.template.id == template.id {
            continue;
        }
        if let Some(c) = template
            .categories
            .iter()
            .find(|c| other.template.categories.contains(c))
        {
            return Err(OpsError::invalid(
                "category_served",
                format!(
                    "类别已由模板 {} 覆盖，请发布该模板的新版本 / category {} is served by template {}; publish a new version of it instead",
                    other.template.id,
                    c.code(),
                    other.template.id
                ),
            ));
        }
    }
    let keys = super::audience::public_keys_for(state, &unit.path).await?;
    if let Some(a) = template
        .audiences
        .iter()
        .find(|a| !keys.iter().any(|k| &k.audience == *a))
    {
        return Err(OpsError::invalid(
            "audience_without_key",
            format!(
                "本县没有受众 {a} 的密钥，手机无法封存 / the county has no key for audience {a}, so phones could not seal to it"
            ),
        ));
    }
    let issued = IssuedTemplate {
        scope_path: unit.path.clone(),
        template,
        published_by: actor.id.clone(),
        published_at: Utc::now(),
    };
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "template.publish",
        &unit.id,
        json!({ "template": issued.template.id, "version": issued.template.version }),
    );
    state
        .store
        .issue_templates(std::slice::from_ref(&issued), Some(&entry))
        .await?;
    read(state).await?;
    Ok(issued)
}

/// The versions issued to a county's branch, newest first, each marked when phones there
/// receive it now.
pub async fn of_county(
    state: &AppState,
    actor: &Actor,
    county_id: &str,
) -> Result<Vec<(IssuedTemplate, bool)>, OpsError> {
    let unit = county_of_admin(state, actor, county_id).await?;
    // The process's set: the console lists every county of a branch with it, and a publish on
    // this process has just refreshed it.
    let set = all(state).await?;
    let current: Vec<(&str, u32, &str)> = set
        .current_at(&unit.path)
        .into_iter()
        .map(|t| {
            (
                t.template.id.as_str(),
                t.template.version,
                t.scope_path.as_str(),
            )
        })
        .collect();
    let mut out: Vec<(IssuedTemplate, bool)> = set
        .visible_at(&unit.path)
        .map(|t| {
            let now = current.contains(&(
                t.template.id.as_str(),
                t.template.version,
                t.scope_path.as_str(),
            ));
            (t.clone(), now)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        (&a.template.id, b.template.version, &a.scope_path).cmp(&(
            &b.template.id,
            a.template.version,
            &b.scope_path,
        ))
    });
    Ok(out)
}

//! Settings that arrive with assignments (templates, schedule, thresholds, audience keys, the
//! station's staff, the county's parameters) and the device identity. Templates are not personal
//! and stay in the clear; the rest is encrypted.

use std::sync::Arc;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::caseload::ScheduleConfig;
use crate::crypto::DeviceSigningKey;
use crate::geo::EvidenceThresholds;
use crate::protocol::{
    AudienceKeyRecord, CountyParameters, MAX_HELD_TEMPLATES, StaffMember, is_safe_id,
};
use crate::template::{Template, load_template};

/// Who this device is and records for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    /// Device id (assigned at enrollment; a local id before).
    pub device_id: String,
    /// Worker id.
    pub worker_id: String,
    /// Bearer token for device calls, once enrolled.
    pub token: Option<String>,
}

impl Store {
    /// Stores templates (new versions are added; old versions stay for drafts that use them).
    pub fn put_templates(&self, templates: &[Template]) -> Result<(), StoreError> {
        self.write(|tx, _| {
            for t in templates {
                let body = serde_json::to_string(t)
                    .map_err(|_| StoreError::Corrupt("template could not be encoded"))?;
                tx.execute(
                    "INSERT INTO templates (id, version, body) VALUES (?1, ?2, ?3)
                     ON CONFLICT(id, version) DO UPDATE SET body = excluded.body",
                    params![t.id, t.version, body],
                )?;
            }
            Ok(())
        })
    }

    /// The newest stored version of each template, for a pull's `have=` pairs: at most
    /// [`MAX_HELD_TEMPLATES`], and only safe ids (the server refuses others there). A template
    /// left out is merely sent again.
    pub fn template_versions(&self) -> Result<Vec<(String, u32)>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id, MAX(version) FROM templates GROUP BY id ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, version) = row?;
            if is_safe_id(&id) && out.len() < MAX_HELD_TEMPLATES {
                out.push((id, version));
            }
        }
        Ok(out)
    }

    /// A template by id and version; the newest version when `version` is `None`.
    pub fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Template>, StoreError> {
        let conn = self.conn();
        let body: Option<String> = match version {
            Some(v) => conn
                .query_row(
                    "SELECT body FROM templates WHERE id = ?1 AND version = ?2",
                    params![id, v],
                    |r| r.get(0),
                )
                .ok(),
            None => conn
                .query_row(
                    "SELECT body FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .ok(),
        };
        body.map(|b| {
            load_template(&b).map_err(|_| StoreError::Corrupt("a stored template does not load"))
        })
        .transpose()
    }

    /// The newest version of every template.
    pub fn templates(&self) -> Result<Vec<Template>, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn.prepare("SELECT DISTINCT id FROM templates ORDER BY id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter()
            .filter_map(|id| self.template(id, None).transpose())
            .collect()
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.meta_get(key)?
            .map(|b| {
                serde_json::from_slice(&b)
                    .map_err(|_| StoreError::Corrupt("a setting could not be decoded"))
            })
            .transpose()
    }

    fn put_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value)
            .map_err(|_| StoreError::Corrupt("a setting could not be encoded"))?;
        self.write(|tx, cipher| Store::meta_put(tx, cipher, key, &bytes))
    }

    /// The county's schedule (defaults until assignments bring one).
    pub fn schedule(&self) -> Result<ScheduleConfig, StoreError> {
        Ok(self.get_json("schedule")?.unwrap_or_default())
    }

    /// Replaces the schedule.
    pub fn put_schedule(&self, s: &ScheduleConfig) -> Result<(), StoreError> {
        self.put_json("schedule", s)
    }

    /// Evidence thresholds (defaults until assignments bring them).
    pub fn thresholds(&self) -> Result<EvidenceThresholds, StoreError> {
        Ok(self.get_json("thresholds")?.unwrap_or_default())
    }

    /// Replaces the evidence thresholds.
    pub fn put_thresholds(&self, t: &EvidenceThresholds) -> Result<(), StoreError> {
        self.put_json("thresholds", t)
    }

    /// The station's staff, offered when a form asks for its investigators (empty until a server
    /// sends the list).
    pub fn staff(&self) -> Result<Vec<StaffMember>, StoreError> {
        Ok(self.get_json("staff")?.unwrap_or_default())
    }

    /// Replaces the station's staff list.
    pub fn put_staff(&self, staff: &[StaffMember]) -> Result<(), StoreError> {
        self.put_json("staff", &staff)
    }

    /// The county's parameters (none until a server sends them).
    pub fn parameters(&self) -> Result<CountyParameters, StoreError> {
        Ok(self.get_json("parameters")?.unwrap_or_default())
    }

    /// Replaces the county's parameters.
    pub fn put_parameters(&self, p: &CountyParameters) -> Result<(), StoreError> {
        self.put_json("parameters", p)
    }

    /// Audience public keys.
    pub fn audience_keys(&self) -> Result<Vec<AudienceKeyRecord>, StoreError> {
        Ok(self.get_json("audience_keys")?.unwrap_or_default())
    }

    /// Adds or replaces audience keys by audience.
    pub fn put_audience_keys(&self, keys: &[AudienceKeyRecord]) -> Result<(), StoreError> {
        let mut all = self.audience_keys()?;
        for k in keys {
            all.retain(|x| x.audience != k.audience);
            all.push(k.clone());
        }
        self.put_json("audience_keys", &all)
    }

    /// The device signing key, made on first use. It is parsed once and kept for the store's
    /// lifetime: one copy in memory instead of a fresh parse (and a freed copy) at every seal.
    pub fn device_key(&self) -> Result<Arc<DeviceSigningKey>, StoreError> {
        let mut cached = self.device_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let key = match self.meta_get("device_key")? {
            Some(pkcs8) => DeviceSigningKey::from_pkcs8(&pkcs8)?,
            None => {
                let key = DeviceSigningKey::generate()?;
                self.write(|tx, cipher| Store::meta_put(tx, cipher, "device_key", key.pkcs8()))?;
                key
            }
        };
        let key = Arc::new(key);
        *cached = Some(key.clone());
        Ok(key)
    }

    /// The device identity; a local one (not yet enrolled) until enrollment sets it.
    pub fn identity(&self) -> Result<DeviceIdentity, StoreError> {
        if let Some(id) = self.get_json("identity")? {
            return Ok(id);
        }
        Ok(local_identity(&*self.device_key()?))
    }

    /// Like [`Store::identity`], for a caller that already holds the device key (loading the key
    /// again would parse its PKCS#8 document a second time).
    pub(crate) fn identity_of(&self, key: &DeviceSigningKey) -> Result<DeviceIdentity, StoreError> {
        Ok(self
            .get_json("identity")?
            .unwrap_or_else(|| local_identity(key)))
    }

    /// Records the identity given at enrollment.
    pub fn put_identity(&self, id: &DeviceIdentity) -> Result<(), StoreError> {
        self.put_json("identity", id)
    }

    /// The signing time (milliseconds) of the last token renewal this phone sent, 0 if none.
    pub fn last_renewal_signed_at(&self) -> Result<i64, StoreError> {
        Ok(self.get_json("token_renewal_signed_at")?.unwrap_or(0))
    }

    /// Records the signing time of a renewal before it is sent: the server takes only a time
    /// later than the last it took, and an answer lost on the way must not make the next renewal
    /// reuse it.
    pub fn note_renewal_signed_at(&self, signed_at: i64) -> Result<(), StoreError> {
        self.put_json("token_renewal_signed_at", &signed_at)
    }
}

/// The identity of a device not yet enrolled, named after its public key.
fn local_identity(key: &DeviceSigningKey) -> DeviceIdentity {
    let public = key.public_key();
    DeviceIdentity {
        device_id: format!("local-{}", hex::encode(&public[..8])),
        worker_id: "unassigned".into(),
        token: None,
    }
}

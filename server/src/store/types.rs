//! Plain records the store reads and writes; no database types appear here.

use chrono::{DateTime, Utc};
use fieldvisit_core::caseload::Household;
use fieldvisit_core::crypto::Sha256Hash;

/// Level of an org unit (province > city > county > township station > village).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    /// 省.
    Province,
    /// 市.
    City,
    /// 县(区).
    County,
    /// 乡镇(街道) with its 社工站.
    Township,
    /// 村(社区).
    Village,
}

impl OrgLevel {
    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgLevel::Province => "province",
            OrgLevel::City => "city",
            OrgLevel::County => "county",
            OrgLevel::Township => "township",
            OrgLevel::Village => "village",
        }
    }

    /// Parses [`OrgLevel::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            OrgLevel::Province,
            OrgLevel::City,
            OrgLevel::County,
            OrgLevel::Township,
            OrgLevel::Village,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }

    /// The level a child of this level must have.
    pub fn child(self) -> Option<Self> {
        match self {
            OrgLevel::Province => Some(OrgLevel::City),
            OrgLevel::City => Some(OrgLevel::County),
            OrgLevel::County => Some(OrgLevel::Township),
            OrgLevel::Township => Some(OrgLevel::Village),
            OrgLevel::Village => None,
        }
    }
}

/// A node of the org tree. `path` is `/id/id/.../id/` from the root, so a branch is a path prefix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OrgUnit {
    /// Id.
    pub id: String,
    /// Parent id; `None` for a province.
    pub parent_id: Option<String>,
    /// Level.
    pub level: OrgLevel,
    /// Chinese name, e.g. 城关镇社工站.
    pub name: String,
    /// Materialized path.
    pub path: String,
}

/// Staff roles (`docs/domain.md` §1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 驻站社工: own caseload and visits.
    Worker,
    /// 站长 / county staff: metadata of all visits in the branch.
    Supervisor,
    /// 儿童督导员: decrypted child assessments in the branch.
    ChildWelfareReviewer,
    /// IT / administration: org tree, accounts, devices; no case content.
    Admin,
}

impl Role {
    /// Stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Supervisor => "supervisor",
            Role::ChildWelfareReviewer => "child_welfare_reviewer",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            Role::Worker,
            Role::Supervisor,
            Role::ChildWelfareReviewer,
            Role::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A staff account. `display_name` and `login` are personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Id.
    pub id: String,
    /// Login name.
    pub login: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Root of the branch the account may see.
    pub scope_unit_id: String,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// Consecutive failed logins.
    pub failed_logins: u32,
    /// Locked until, after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
    /// Disabled by an admin: no sign-in, no session.
    pub disabled: bool,
    /// An admin set the password: it must be changed at the next sign-in.
    pub must_change_password: bool,
}

/// A change to an account; each ends every session of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// Disable (`true`) or enable the account.
    Disabled(bool),
    /// A new password hash, and whether it must be changed at the next sign-in.
    Password {
        /// PHC string of the argon2id hash.
        hash: String,
        /// Set by an admin: the owner must choose their own.
        must_change: bool,
    },
    /// A new role and branch.
    Placement {
        /// Role.
        role: Role,
        /// Root unit of the branch.
        scope_unit_id: String,
    },
}

/// A branch of the tree a query is limited to; `worker_id` narrows it to one worker's own caseload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Path prefix of the branch.
    pub path: String,
    /// Only this worker's households, devices and visits.
    pub worker_id: Option<String>,
}

impl Scope {
    /// The whole tree (the server's own background work and the CLI).
    pub fn root() -> Self {
        Scope {
            path: "/".into(),
            worker_id: None,
        }
    }
}

/// Failed sign-ins of one minute: of one account, or of unknown logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninFailures {
    /// The minute (its first instant).
    pub minute: DateTime<Utc>,
    /// The account, `None` for logins that name none.
    pub staff_id: Option<String>,
    /// How many.
    pub count: u32,
}

/// A staff session; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 hex of the token.
    pub token_hash: String,
    /// Staff id.
    pub staff_id: String,
    /// CSRF token for cookie-authenticated writes.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Last used (to the minute): a session idle for longer than the configured time ends.
    pub last_seen_at: DateTime<Utc>,
}

/// A household row: the core record plus who it is assigned to.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow {
    /// The household (personal data).
    pub household: Household,
    /// Worker whose caseload it is on.
    pub worker_id: Option<String>,
}

/// A one-time enrollment code; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentCode {
    /// SHA-256 hex of the normalized code.
    pub code_hash: String,
    /// The worker the device will record for.
    pub worker_id: String,
    /// Staff id (or `cli`) that made it.
    pub created_by: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// An enrolled phone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Device {
    /// Id.
    pub id: String,
    /// Worker.
    pub worker_id: String,
    /// Ed25519 public key.
    #[serde(skip)]
    pub public_key: Vec<u8>,
    /// SHA-256 hex of the bearer token.
    #[serde(skip)]
    pub token_hash: String,
    /// Model name.
    pub label: String,
    /// Enrolled at.
    pub enrolled_at: DateTime<Utc>,
    /// Revoked at.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the current token stops working (the phone then renews it with its key).
    #[serde(skip)]
    pub token_expires_at: DateTime<Utc>,
    /// Signing time (ms since the epoch) of the last renewal taken: a renewal must be later.
    #[serde(skip)]
    pub renewal_signed_at: i64,
}

/// Where a visit stands in its device's hash chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChainStatus {
    /// Follows the previous visit of the device.
    Ok,
    /// An earlier visit of the device is missing (deleted, or not uploaded yet).
    Gap,
    /// Another visit claims the same place in the chain, or `prev` does not match.
    Fork,
}

impl ChainStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainStatus::Ok => "ok",
            ChainStatus::Gap => "gap",
            ChainStatus::Fork => "fork",
        }
    }

    /// Parses [`ChainStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(ChainStatus::Ok),
            "gap" => Some(ChainStatus::Gap),
            "fork" => Some(ChainStatus::Fork),
            _ => None,
        }
    }

    /// Where a visit at chain place `seq`, naming `prev` as the hash before it, sits in its
    /// device's chain, given whether a stored visit of the device holds `seq` already (`taken`)
    /// and the stored hash at `seq - 1` (`before`; stores look it up for `seq > 1`). Visits may
    /// arrive out of order, so a missing predecessor is a gap (cleared when it arrives), while a
    /// mismatch or a taken place is a fork.
    pub fn of(seq: u64, prev: &Sha256Hash, taken: bool, before: Option<&str>) -> Self {
        if seq == 0 || taken {
            return ChainStatus::Fork;
        }
        if seq == 1 {
            return if *prev == Sha256Hash::ZERO {
                ChainStatus::Ok
            } else {
                ChainStatus::Fork
            };
        }
        if *prev == Sha256Hash::ZERO {
            // Only the first visit of a device may start a chain.
            return ChainStatus::Fork;
        }
        match before {
            None => ChainStatus::Gap,
            Some(h) if h == prev.to_hex() => ChainStatus::Ok,
            Some(_) => ChainStatus::Fork,
        }
    }
}

/// A verified visit to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVisit {
    /// Visit id.
    pub visit_id: String,
    /// Device.
    pub device_id: String,
    /// Worker.
    pub worker_id: String,
    /// Household.
    pub household_id: String,
    /// SHA-256 of the signed body bytes.
    pub body_hash: Sha256Hash,
    /// Chain position.
    pub chain_seq: u64,
    /// Chain predecessor hash.
    pub chain_prev: Sha256Hash,
    /// The envelope as received (JSON).
    pub envelope_json: String,
    /// The clear metadata (JSON of the body).
    pub body_json: String,
    /// Category code.
    pub category: String,
    /// Template id.
    pub template_id: String,
    /// Visit start.
    pub started_at: DateTime<Utc>,
    /// Visit end.
    pub ended_at: DateTime<Utc>,
    /// Level id, if any.
    pub level: Option<String>,
    /// Reported to police at.
    pub reported_to_police_at: Option<DateTime<Utc>>,
    /// Photo manifest: id, sha256, size.
    pub photos: Vec<(String, Sha256Hash, u64)>,
    /// Server time of arrival.
    pub received_at: DateTime<Utc>,
    /// What the reports need of the body, kept in columns.
    pub facts: super::VisitFacts,
}

/// A stored visit's metadata.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct VisitMeta {
    /// Visit id.
    pub visit_id: String,
    /// Device.
    pub device_id: String,
    /// Worker.
    pub worker_id: String,
    /// Household.
    pub household_id: String,
    /// Body hash.
    pub body_hash: Sha256Hash,
    /// Chain position.
    pub chain_seq: u64,
    /// Chain status, for supervisors.
    pub chain_status: ChainStatus,
    /// Category.
    pub category: String,
    /// Template.
    pub template_id: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub ended_at: DateTime<Utc>,
    /// Level.
    pub level: Option<String>,
    /// Reported to police at.
    pub reported_to_police_at: Option<DateTime<Utc>>,
    /// First stored at.
    pub received_at: DateTime<Utc>,
}

impl VisitMeta {
    /// The metadata of a visit just stored, without reading it back: its times at the
    /// microseconds both stores keep, so a receipt made now equals one made from the row.
    pub fn stored(v: &NewVisit, chain_status: ChainStatus) -> VisitMeta {
        let as_stored = |t: DateTime<Utc>| chrono::SubsecRound::trunc_subsecs(t, 6);
        VisitMeta {
            visit_id: v.visit_id.clone(),
            device_id: v.device_id.clone(),
            worker_id: v.worker_id.clone(),
            household_id: v.household_id.clone(),
            body_hash: v.body_hash,
            chain_seq: v.chain_seq,
            chain_status,
            category: v.category.clone(),
            template_id: v.template_id.clone(),
            started_at: as_stored(v.started_at),
            ended_at: as_stored(v.ended_at),
            level: v.level.clone(),
            reported_to_police_at: v.reported_to_police_at.map(as_stored),
            received_at: as_stored(v.received_at),
        }
    }
}

/// What happened to an ingested visit.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    /// Newly stored.
    Stored(VisitMeta),
    /// The identical envelope was stored before.
    Duplicate(VisitMeta),
    /// A different envelope holds this visit id.
    Conflict,
}

/// A photo expected by a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    /// Visit.
    pub visit_id: String,
    /// Photo.
    pub photo_id: String,
    /// Expected hash.
    pub sha256: Sha256Hash,
    /// Expected size.
    pub size: u64,
    /// Whether it is complete and checked.
    pub complete: bool,
    /// Bytes of it stored so far, as the last recorded chunk left them.
    pub received: u64,
}

/// An audit entry before it is chained (made by `audit::draft`).
#[derive(Debug, Clone)]
pub struct AuditDraft {
    /// Who: staff id, device id, `cli` or `anonymous`.
    pub actor: String,
    /// What, e.g. `login.failure`.
    pub action: String,
    /// On what id.
    pub target: String,
    /// JSON details without personal data.
    pub detail: String,
    /// The client address of the request, or empty.
    pub address: String,
    /// The client's user agent, or empty.
    pub agent: String,
    /// The key the entry is sealed with.
    pub key: std::sync::Arc<crate::audit::AuditKey>,
}

impl AuditDraft {
    /// The draft with `name: value` added to its detail (a detail that is not a JSON object is
    /// left as it is): for what only the writing transaction learns, such as how many sessions
    /// an account change ended.
    pub fn with_detail(&self, name: &str, value: serde_json::Value) -> AuditDraft {
        let mut out = self.clone();
        if let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(&self.detail) {
            map.insert(name.to_owned(), value);
            out.detail = serde_json::Value::Object(map).to_string();
        }
        out
    }
}

/// A chained audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// 1, 2, 3 …
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details.
    pub detail: String,
    /// The client address of the request, or empty.
    pub address: String,
    /// The client's user agent, or empty.
    pub agent: String,
    /// Sealed with the audit key (false: a plain SHA-256 link, written before the key existed).
    pub keyed: bool,
    /// Link of the previous entry.
    pub prev_hash: Sha256Hash,
    /// Link of this entry: its seal, or its plain hash when not keyed.
    pub hash: Sha256Hash,
}

/// Row counts, for health checks and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Org units.
    pub org_units: u64,
    /// Households.
    pub households: u64,
    /// Staff.
    pub staff: u64,
    /// Devices.
    pub devices: u64,
    /// Visits.
    pub visits: u64,
    /// Photos.
    pub photos: u64,
    /// Audit entries.
    pub audit: u64,
}

/// An audience key pair of a branch: the public key in the clear, the private key sealed under a
/// passphrase ([`crate::keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceKeyRow {
    /// Audience id, e.g. `child-welfare`.
    pub audience: String,
    /// Unit whose branch the key serves (`-` for the whole tree).
    pub unit_id: String,
    /// 1 for the key made first, one more for each rotation: the highest one not retired is the
    /// current key, the one phones seal to.
    pub generation: u32,
    /// Path of that branch (`/` for the whole tree).
    pub scope_path: String,
    /// X25519 public key.
    pub public_key: Vec<u8>,
    /// The sealed private key.
    pub sealed: crate::keys::SealedPrivateKey,
    /// Who made it (by creating the key or by rotating the one before).
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When a rotation replaced it (`None` for the current key). A retired key still opens the
    /// visits sealed to it, under the passphrase of the current one.
    pub retired_at: Option<DateTime<Utc>>,
}

/// A rotation of one county's audience key, written in one transaction: the current generation
/// retires, every earlier generation takes its private key sealed under the new passphrase, and
/// the new key pair becomes current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRotation {
    /// The generation that was current when its passphrase was checked; the rotation is refused
    /// (`Conflict`) if another one came first.
    pub from_generation: u32,
    /// Every generation up to and including `from_generation`, sealed under the new passphrase.
    pub resealed: Vec<(u32, crate::keys::SealedPrivateKey)>,
    /// The new key, of generation `from_generation + 1`, with `retired_at` unset.
    pub new_key: AudienceKeyRow,
}

/// What changed on one worker's caseload after a change sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseloadDelta {
    /// The newest change sequence number (the next since-token).
    pub seq: u64,
    /// Households on the caseload added or changed after the token (all of them on a first pull).
    pub households: Vec<Household>,
    /// Households that left the caseload after the token.
    pub removed: Vec<String>,
    /// Assessments returned to the worker after the token.
    pub returned: Vec<fieldvisit_core::protocol::ReturnedAssessment>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_follows_its_chain_leaves_a_gap_or_forks_it() {
        let h = Sha256Hash([7; 32]);
        let other = Sha256Hash([8; 32]);
        let zero = Sha256Hash::ZERO;
        let hex = h.to_hex();
        let cases: [(u64, &Sha256Hash, bool, Option<&str>, ChainStatus); 9] = [
            (1, &zero, false, None, ChainStatus::Ok),
            (1, &h, false, None, ChainStatus::Fork),
            (1, &zero, true, None, ChainStatus::Fork),
            (0, &zero, false, None, ChainStatus::Fork),
            (5, &h, false, Some(&hex), ChainStatus::Ok),
            (5, &h, false, None, ChainStatus::Gap),
            (5, &other, false, Some(&hex), ChainStatus::Fork),
            (5, &h, true, Some(&hex), ChainStatus::Fork),
            (5, &zero, false, None, ChainStatus::Fork),
        ];
        for (seq, prev, taken, before, want) in cases {
            assert_eq!(
                ChainStatus::of(seq, prev, taken, before),
                want,
                "{seq} {taken} {before:?}"
            );
        }
    }
}

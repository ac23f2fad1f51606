//! Signing in and out, the account behind a session token, and changing one's own password: the
//! one place the JSON API and the console pages share these rules (lockout, slowing, audit).

use chrono::Utc;
use serde_json::json;

use super::{Actor, OpsError};
use crate::audit;
use crate::auth::password::{self, MIN_PASSWORD_LEN};
use crate::auth::token::{STAFF_PREFIX, new_token, token_hash};
use crate::ids::is_safe_login;
use crate::state::AppState;
use crate::store::{AccountChange, OrgUnit, Session, Staff};

/// A new session: the token (shown once, kept by the client) and what it opened.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Bearer token and cookie value.
    pub token: String,
    /// The stored session (its token hash, CSRF token and expiry).
    pub session: Session,
    /// The account.
    pub staff: Staff,
}

/// How stale a session's last-use time may get before a request writes it again: one write a
/// minute per signed-in person, not one per request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The live session behind a token, with its account and branch.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The session.
    pub session: Session,
    /// The account.
    pub staff: Staff,
    /// The root unit of the account's branch.
    pub unit: OrgUnit,
    /// The key made from the session's token (`keysessions`).
    pub session_key: Option<super::keysessions::SessionKey>,
}

impl Caller {
    /// The actor this session acts as.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.staff.id.clone(),
            role: self.staff.role,
            scope_path: self.unit.path.clone(),
            session: Some(self.session.token_hash.clone()),
            session_key: self.session_key.clone(),
        }
    }
}

/// Runs password work (argon2) on a blocking thread, at most `config.argon2_parallel` at once: a
/// flood of sign-ins then costs bounded memory and CPU, and other users' sign-ins keep their turn.
/// A caller that gets no turn within `config.argon2_wait` is told to try again.
pub(crate) async fn password_work<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, OpsError> {
    let turn = std::sync::Arc::clone(&state.password_work);
    let permit = tokio::time::timeout(state.config.argon2_wait, turn.acquire_owned())
        .await
        .map_err(|_| OpsError::Throttled {
            code: "busy",
            message: "登录繁忙，请稍后再试 / too many sign-ins at once; try again shortly".into(),
            retry_after_secs: Some(5),
        })?
        .map_err(OpsError::internal)?;
    let result = state.password_threads.run(work).await;
    drop(permit);
    result.map_err(OpsError::internal)
}

/// Checks a password.
async fn verify(state: &AppState, password: String, phc: String) -> Result<bool, OpsError> {
    password_work(state, move || password::verify(&password, &phc)).await
}

/// Hashes a password at the configured cost.
pub async fn hash_password(state: &AppState, password: String) -> Result<String, OpsError> {
    let cost = state.config.argon2;
    password_work(state, move || password::hash(&password, &cost))
        .await?
        .map_err(OpsError::internal)
}

/// Refuses a password too short to keep.
pub fn check_new_password(password: &str) -> Result<(), OpsError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(OpsError::invalid(
            "weak_password",
            format!("password needs at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

/// Signs a staff member in: wrong passwords slow and then lock the account; the answer for an
/// unknown login costs the same work, so timing does not tell which logins exist.
#[tracing::instrument(skip_all, fields(staff_id))]
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: String,
) -> Result<SignedIn, OpsError> {
    let store = state.store.as_ref();
    let staff = if is_safe_login(login) {
        store.staff_by_login(login).await?
    } else {
        None
    };
    let Some(staff) = staff else {
        let (cell, cost) = (state.dummy_hash.clone(), state.config.argon2);
        password_work(state, move || {
            let phc = cell
                .get_or_init(|| password::hash("not a real password", &cost).unwrap_or_default());
            password::verify(&password, phc)
        })
        .await?;
        tracing::info!("login failed: unknown login");
        store
            .count_signin_failure(minute_of(Utc::now()), None)
            .await?;
        return Err(OpsError::BadCredentials);
    };
    tracing::Span::current().record("staff_id", tracing::field::display(&staff.id));
    let now = Utc::now();
    if let Some(until) = staff.locked_until.filter(|u| *u > now) {
        store
            .count_signin_failure(minute_of(now), Some(&staff.id))
            .await?;
        return Err(locked((until - now).num_seconds()));
    }
    if !verify(state, password.clone(), staff.password_hash.clone()).await? {
        let policy = state.config.lockout;
        let lock_until = chrono::Duration::from_std(policy.lock_for)
            .map(|d| now + d)
            .map_err(OpsError::internal)?;
        let lock_entry = audit::draft(
            &state.audit_key,
            &staff.id,
            "login.locked",
            &staff.id,
            json!({}),
        );
        let (failures, locked_now) = store
            .login_failed(&staff.id, policy.lock_after, lock_until, &lock_entry)
            .await?;
        // Counted, and summarised into the audit log a minute at a time: a flood of wrong
        // passwords does not grow the log by an entry each. The lock itself is an entry.
        store
            .count_signin_failure(minute_of(now), Some(&staff.id))
            .await?;
        tracing::info!(failures, locked_now, "login failed");
        if failures > policy.slow_after {
            let delay = policy.delay_step * (failures - policy.slow_after);
            tokio::time::sleep(delay.min(policy.max_delay)).await;
        }
        return Err(if locked_now {
            locked(policy.lock_for.as_secs() as i64)
        } else {
            OpsError::BadCredentials
        });
    }
    if staff.disabled {
        audit::record(state, &staff.id, "login.disabled", &staff.id, json!({})).await?;
        return Err(OpsError::refused(
            "account_disabled",
            "this account is disabled; ask an administrator",
        ));
    }
    store.login_succeeded(&staff.id).await?;
    upgrade_hash(state, &staff, password).await?;
    let token = new_token(STAFF_PREFIX).map_err(OpsError::internal)?;
    let csrf = new_token("").map_err(OpsError::internal)?;
    let ttl = chrono::Duration::from_std(state.config.session_ttl).map_err(OpsError::internal)?;
    let session = Session {
        token_hash: token_hash(&token),
        staff_id: staff.id.clone(),
        csrf_token: csrf,
        expires_at: now + ttl,
        last_seen_at: now,
    };
    let entry = audit::draft(
        &state.audit_key,
        &staff.id,
        "login.success",
        &staff.id,
        json!({}),
    );
    store.add_session(&session, Some(&entry)).await?;
    tracing::info!("login succeeded");
    Ok(SignedIn {
        token,
        session,
        staff,
    })
}

fn locked(retry_secs: i64) -> OpsError {
    OpsError::Throttled {
        code: "account_locked",
        message: "too many failed logins; try again later".into(),
        retry_after_secs: Some(retry_secs.max(1)),
    }
}

/// Rehashes a password whose stored hash is cheaper than the configured cost, while the clear
/// password is at hand (sign-in is the only time it is).
async fn upgrade_hash(state: &AppState, staff: &Staff, password: String) -> Result<(), OpsError> {
    if !password::is_below(&staff.password_hash, &state.config.argon2) {
        return Ok(());
    }
    let hash = hash_password(state, password).await?;
    let entry = audit::draft(
        &state.audit_key,
        &staff.id,
        "password.rehash",
        &staff.id,
        json!({ "m_cost": state.config.argon2.m_cost, "t_cost": state.config.argon2.t_cost }),
    );
    state
        .store
        .upgrade_password_hash(&staff.id, &hash, &entry)
        .await?;
    Ok(())
}

/// The live session of a token, with its account and branch; `None` for an unknown, expired or
/// malformed token, or a disabled account.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<Caller>, OpsError> {
    if !token.starts_with(STAFF_PREFIX) {
        return Ok(None);
    }
    let now = Utc::now();
    let Some(session) = state.store.session(&token_hash(token), now).await? else {
        return Ok(None);
    };
    let idle = chrono::Duration::from_std(state.config.session_idle).map_err(OpsError::internal)?;
    if now - session.last_seen_at > idle {
        // Idle too long: ended as at sign-out (its unlocked keys go with it).
        state.store.end_session(&session.token_hash, None).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_EVERY {
        state.store.touch_session(&session.token_hash, now).await?;
    }
    let Some(staff) = state
        .store
        .staff(&session.staff_id)
        .await?
        .filter(|s| !s.disabled)
    else {
        return Ok(None);
    };
    let unit = state
        .store
        .org_unit(&staff.scope_unit_id)
        .await?
        .ok_or_else(|| OpsError::internal("staff scope unit missing"))?;
    Ok(Some(Caller {
        session,
        staff,
        unit,
        session_key: super::keysessions::SessionKey::of_token(token),
    }))
}

/// Ends a session and locks the audience keys it unlocked; audited.
pub async fn sign_out(state: &AppState, actor: &Actor) -> Result<(), OpsError> {
    // The keys the session unlocked go with it (`key_sessions` cascades).
    let entry = audit::draft(&state.audit_key, &actor.id, "logout", &actor.id, json!({}));
    match &actor.session {
        Some(session) => state.store.end_session(session, Some(&entry)).await?,
        None => {
            state.store.append_audit(&entry).await?;
        }
    }
    Ok(())
}

/// Changes one's own password, given the current one; ends every session of the account,
/// this one included, so a stolen session does not outlive the change.
pub async fn change_own_password(
    state: &AppState,
    actor: &Actor,
    current: String,
    new: String,
) -> Result<(), OpsError> {
    let staff = state
        .store
        .staff(&actor.id)
        .await?
        .ok_or(OpsError::NotFound("staff"))?;
    if !verify(state, current, staff.password_hash.clone()).await? {
        audit::record(
            state,
            &actor.id,
            "password.change_refused",
            &actor.id,
            json!({}),
        )
        .await?;
        return Err(OpsError::refused(
            "wrong_password",
            "the current password is wrong",
        ));
    }
    check_new_password(&new)?;
    if password::verify(&new, &staff.password_hash) {
        return Err(OpsError::invalid(
            "same_password",
            "choose a password different from the current one",
        ));
    }
    let hash = hash_password(state, new).await?;
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "password.change",
        &actor.id,
        json!({}),
    );
    state
        .store
        .change_account(
            &actor.id,
            &AccountChange::Password {
                hash,
                must_change: false,
            },
            &entry,
        )
        .await?;
    Ok(())
}

/// One of a person's live sessions, as they see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// A short id (the start of the token's hash), enough to end it by.
    pub id: String,
    /// Last used (to the minute).
    pub last_seen_at: chrono::DateTime<Utc>,
    /// When it ends at the latest.
    pub expires_at: chrono::DateTime<Utc>,
    /// The session this request came with.
    pub current: bool,
}

/// Characters of the token hash that name a session.
const SESSION_ID_LEN: usize = 16;

/// The actor's own live sessions, newest use first.
pub async fn list_own(state: &AppState, actor: &Actor) -> Result<Vec<SessionView>, OpsError> {
    let sessions = state.store.sessions_of(&actor.id, Utc::now()).await?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.token_hash.chars().take(SESSION_ID_LEN).collect(),
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            current: actor.session.as_deref() == Some(s.token_hash.as_str()),
        })
        .collect())
}

/// Ends one of the actor's own sessions (a phone left signed in elsewhere), with the keys it
/// unlocked. Audited as `session.end`.
pub async fn end_own(state: &AppState, actor: &Actor, id: &str) -> Result<(), OpsError> {
    if id.len() != SESSION_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpsError::InvalidId("session"));
    }
    let session = state
        .store
        .sessions_of(&actor.id, Utc::now())
        .await?
        .into_iter()
        .find(|s| s.token_hash.starts_with(id))
        .ok_or(OpsError::NotFound("session"))?;
    let entry = audit::draft(
        &state.audit_key,
        &actor.id,
        "session.end",
        &actor.id,
        json!({ "session": id }),
    );
    state
        .store
        .end_session(&session.token_hash, Some(&entry))
        .await?;
    Ok(())
}

/// The first instant of the minute of `t`.
fn minute_of(t: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

/// Writes one audit entry (`login.failures`) for each minute before the current one that had
/// failed sign-ins: how many named no account, and how many each account had (ids only). Returns
/// the entries written. `serve` runs it every minute.
pub async fn summarise_failed_signins(
    state: &AppState,
    now: chrono::DateTime<Utc>,
) -> Result<u32, OpsError> {
    let before = minute_of(now);
    let rows = state.store.signin_failures_before(before).await?;
    let mut written = 0;
    let mut minutes: std::collections::BTreeMap<
        _,
        (u32, serde_json::Map<String, serde_json::Value>),
    > = std::collections::BTreeMap::new();
    for r in rows {
        let (unknown, accounts) = minutes.entry(r.minute).or_default();
        match r.staff_id {
            None => *unknown += r.count,
            Some(id) => {
                accounts.insert(id, r.count.into());
            }
        }
    }
    for (minute, (unknown, accounts)) in minutes {
        audit::record(
            state,
            "server",
            "login.failures",
            "-",
            json!({
                "minute": minute.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "unknown_login": unknown,
                "accounts": accounts,
            }),
        )
        .await?;
        written += 1;
    }
    state.store.forget_signin_failures(before).await?;
    Ok(written)
}

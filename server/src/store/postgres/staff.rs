//! Staff accounts, login failures and sessions.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::{backend, bad_column, col, execute, execute_raw, is_state, query, query_opt};
use crate::store::{
    AccountChange, Role, Scope, Session, SigninFailures, Staff, StoreError, StoreResult,
};

fn from_row(r: &Row) -> StoreResult<Staff> {
    let role: String = col(r, 3)?;
    let failed: i64 = col(r, 6)?;
    Ok(Staff {
        id: col(r, 0)?,
        login: col(r, 1)?,
        display_name: col(r, 2)?,
        role: Role::parse(&role).ok_or_else(|| bad_column("role"))?,
        scope_unit_id: col(r, 4)?,
        password_hash: col(r, 5)?,
        failed_logins: u32::try_from(failed).map_err(|_| bad_column("failed_logins"))?,
        locked_until: col(r, 7)?,
        disabled: col(r, 8)?,
        must_change_password: col(r, 9)?,
    })
}

pub(super) async fn add<C: GenericClient>(c: &C, s: &Staff) -> StoreResult<()> {
    let n = execute_raw(
        c,
        "INSERT INTO staff (id, login, display_name, role, scope_unit_id, password_hash,
             disabled, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        &[
            &s.id,
            &s.login,
            &s.display_name,
            &s.role.as_str(),
            &s.scope_unit_id,
            &s.password_hash,
            &s.disabled,
            &s.must_change_password,
        ],
    )
    .await
    .map_err(|e| {
        if is_state(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            StoreError::NotFound("scope org unit")
        } else {
            backend(e)
        }
    })?;
    if n == 0 {
        return Err(StoreError::Conflict("staff id or login"));
    }
    Ok(())
}

pub(super) async fn by_login<C: GenericClient>(c: &C, login: &str) -> StoreResult<Option<Staff>> {
    query_opt(
        c,
        "SELECT s.id, s.login, s.display_name, s.role, s.scope_unit_id, s.password_hash,
             s.failed_logins, s.locked_until, s.disabled, s.must_change_password FROM staff s WHERE s.login = $1",
        &[&login],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn by_id<C: GenericClient>(c: &C, id: &str) -> StoreResult<Option<Staff>> {
    query_opt(
        c,
        "SELECT s.id, s.login, s.display_name, s.role, s.scope_unit_id, s.password_hash,
             s.failed_logins, s.locked_until, s.disabled, s.must_change_password FROM staff s WHERE s.id = $1",
        &[&id],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn in_scope<C: GenericClient>(c: &C, scope: &Scope) -> StoreResult<Vec<Staff>> {
    query(
        c,
        "SELECT s.id, s.login, s.display_name, s.role, s.scope_unit_id, s.password_hash,
             s.failed_logins, s.locked_until, s.disabled, s.must_change_password
         FROM staff s JOIN org_units o ON o.id = s.scope_unit_id
         WHERE left(o.path, length($1)) = $1 AND ($2::text IS NULL OR s.id = $2)
         ORDER BY s.id COLLATE \"C\"",
        &[&scope.path, &scope.worker_id],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub(super) async fn login_failed<C: GenericClient>(
    c: &C,
    id: &str,
    lock_after: u32,
    lock_until: DateTime<Utc>,
) -> StoreResult<(u32, bool)> {
    // One statement, so concurrent failures all count and exactly one of them locks: the row lock
    // makes a concurrent UPDATE wait and then re-evaluate against the row as committed, and every
    // right-hand side of SET sees the row as it was before this update.
    let lock_after_i = i64::from(lock_after);
    let row = query_opt(
        c,
        "UPDATE staff SET
             failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE id = $1
         RETURNING failed_logins, failed_logins = 0",
        &[&id, &lock_after_i, &lock_until],
    )
    .await?
    .ok_or(StoreError::NotFound("staff"))?;
    let count: i64 = col(&row, 0)?;
    let locked: bool = col(&row, 1)?;
    Ok(if locked {
        (lock_after, true)
    } else {
        (
            u32::try_from(count).map_err(|_| bad_column("failed_logins"))?,
            false,
        )
    })
}

pub(super) async fn unlock_failed<C: GenericClient>(
    c: &C,
    id: &str,
    now: DateTime<Utc>,
    window_from: DateTime<Utc>,
) -> StoreResult<u32> {
    // One statement, so failures from several server processes all count.
    let row = query_opt(
        c,
        "UPDATE staff SET
             unlock_failures = CASE WHEN unlock_window_start IS NULL OR unlock_window_start <= $3
                 THEN 1 ELSE unlock_failures + 1 END,
             unlock_window_start = CASE WHEN unlock_window_start IS NULL
                 OR unlock_window_start <= $3 THEN $2 ELSE unlock_window_start END
         WHERE id = $1 RETURNING unlock_failures",
        &[&id, &super::micros(now), &window_from],
    )
    .await?
    .ok_or(StoreError::NotFound("staff"))?;
    let n: i32 = col(&row, 0)?;
    u32::try_from(n).map_err(|_| bad_column("unlock_failures"))
}

pub(super) async fn unlock_failures<C: GenericClient>(
    c: &C,
    id: &str,
    window_from: DateTime<Utc>,
) -> StoreResult<u32> {
    let Some(row) = query_opt(
        c,
        "SELECT CASE WHEN unlock_window_start > $2 THEN unlock_failures ELSE 0 END
         FROM staff WHERE id = $1",
        &[&id, &window_from],
    )
    .await?
    else {
        return Ok(0);
    };
    let n: i32 = col(&row, 0)?;
    u32::try_from(n).map_err(|_| bad_column("unlock_failures"))
}

pub(super) async fn unlock_succeeded<C: GenericClient>(c: &C, id: &str) -> StoreResult<()> {
    execute(
        c,
        "UPDATE staff SET unlock_failures = 0, unlock_window_start = NULL WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

pub(super) async fn count_signin_failure<C: GenericClient>(
    c: &C,
    minute: DateTime<Utc>,
    staff_id: Option<&str>,
) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO signin_failures (minute, staff_id, count) VALUES ($1, $2, 1)
         ON CONFLICT (minute, staff_id) DO UPDATE SET count = signin_failures.count + 1",
        &[&minute, &staff_id.unwrap_or("")],
    )
    .await?;
    Ok(())
}

pub(super) async fn signin_failures_before<C: GenericClient>(
    c: &C,
    before: DateTime<Utc>,
) -> StoreResult<Vec<SigninFailures>> {
    query(
        c,
        "SELECT minute, staff_id, count FROM signin_failures WHERE minute < $1
         ORDER BY minute, staff_id",
        &[&before],
    )
    .await?
    .iter()
    .map(|r| {
        let staff: String = col(r, 1)?;
        let count: i32 = col(r, 2)?;
        Ok(SigninFailures {
            minute: col(r, 0)?,
            staff_id: (!staff.is_empty()).then_some(staff),
            count: u32::try_from(count).map_err(|_| bad_column("count"))?,
        })
    })
    .collect()
}

pub(super) async fn forget_signin_failures<C: GenericClient>(
    c: &C,
    before: DateTime<Utc>,
) -> StoreResult<()> {
    execute(
        c,
        "DELETE FROM signin_failures WHERE minute < $1",
        &[&before],
    )
    .await?;
    Ok(())
}

pub(super) async fn login_succeeded<C: GenericClient>(c: &C, id: &str) -> StoreResult<()> {
    execute(
        c,
        "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        &[&id],
    )
    .await?;
    Ok(())
}

pub(super) async fn add_session<C: GenericClient>(c: &C, s: &Session) -> StoreResult<()> {
    // Expired sessions are useless; dropping them at each login keeps the table small.
    execute(
        c,
        "DELETE FROM sessions WHERE expires_at <= $1",
        &[&Utc::now()],
    )
    .await?;
    execute(
        c,
        "INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &s.token_hash,
            &s.staff_id,
            &s.csrf_token,
            &s.expires_at,
            &super::micros(s.last_seen_at),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn session<C: GenericClient>(
    c: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Session>> {
    let Some(r) = query_opt(
        c,
        "SELECT token_hash, staff_id, csrf_token, expires_at, last_seen_at FROM sessions
         WHERE token_hash = $1 AND expires_at > $2",
        &[&token_hash, &now],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Session {
        token_hash: col(&r, 0)?,
        staff_id: col(&r, 1)?,
        csrf_token: col(&r, 2)?,
        expires_at: col(&r, 3)?,
        last_seen_at: col(&r, 4)?,
    }))
}

pub(super) async fn sessions_of<C: GenericClient>(
    c: &C,
    staff_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Session>> {
    query(
        c,
        "SELECT token_hash, staff_id, csrf_token, expires_at, last_seen_at FROM sessions
         WHERE staff_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
        &[&staff_id, &now],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Session {
            token_hash: col(r, 0)?,
            staff_id: col(r, 1)?,
            csrf_token: col(r, 2)?,
            expires_at: col(r, 3)?,
            last_seen_at: col(r, 4)?,
        })
    })
    .collect()
}

pub(super) async fn touch_session<C: GenericClient>(
    c: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    execute(
        c,
        "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
        &[&token_hash, &super::micros(now)],
    )
    .await?;
    Ok(())
}

pub(super) async fn end_session<C: GenericClient>(c: &C, token_hash: &str) -> StoreResult<()> {
    execute(
        c,
        "DELETE FROM sessions WHERE token_hash = $1",
        &[&token_hash],
    )
    .await?;
    Ok(())
}

pub(super) async fn change_account(
    tx: &deadpool_postgres::Transaction<'_>,
    id: &str,
    change: &AccountChange,
) -> StoreResult<u32> {
    let n = match change {
        AccountChange::Disabled(d) => {
            execute_raw(
                tx,
                "UPDATE staff SET disabled = $2 WHERE id = $1",
                &[&id, d],
            )
            .await
        }
        AccountChange::Password { hash, must_change } => {
            execute_raw(
                tx,
                "UPDATE staff SET password_hash = $2, must_change_password = $3,
                     failed_logins = 0, locked_until = NULL WHERE id = $1",
                &[&id, hash, must_change],
            )
            .await
        }
        AccountChange::Placement {
            role,
            scope_unit_id,
        } => {
            execute_raw(
                tx,
                "UPDATE staff SET role = $2, scope_unit_id = $3 WHERE id = $1",
                &[&id, &role.as_str(), scope_unit_id],
            )
            .await
        }
    }
    .map_err(|e| {
        if is_state(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
            StoreError::NotFound("scope org unit")
        } else {
            backend(e)
        }
    })?;
    if n == 0 {
        return Err(StoreError::NotFound("staff"));
    }
    let ended = execute_raw(tx, "DELETE FROM sessions WHERE staff_id = $1", &[&id])
        .await
        .map_err(backend)?;
    Ok(u32::try_from(ended).unwrap_or(u32::MAX))
}

pub(super) async fn upgrade_password_hash<C: GenericClient>(
    c: &C,
    id: &str,
    hash: &str,
) -> StoreResult<()> {
    execute(
        c,
        "UPDATE staff SET password_hash = $2 WHERE id = $1",
        &[&id, &hash],
    )
    .await?;
    Ok(())
}

/// [`StaffStore`](crate::store::StaffStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl StaffStore for PgStore {
        async fn add_staff(&self, s: &Staff, audit: Option<&AuditDraft>) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            staff::add(&tx, s).await?;
            commit_audited(tx, audit).await
        }

        async fn staff_by_login(&self, login: &str) -> StoreResult<Option<Staff>> {
            staff::by_login(&self.client().await?, login).await
        }

        async fn staff(&self, id: &str) -> StoreResult<Option<Staff>> {
            staff::by_id(&self.client().await?, id).await
        }

        async fn staff_in(&self, scope: &Scope) -> StoreResult<Vec<Staff>> {
            staff::in_scope(&self.client().await?, scope).await
        }

        async fn unlock_failed(
            &self,
            id: &str,
            now: DateTime<Utc>,
            window_from: DateTime<Utc>,
            audit: &AuditDraft,
        ) -> StoreResult<u32> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let n = staff::unlock_failed(&tx, id, now, window_from).await?;
            commit_audited(tx, Some(audit)).await?;
            Ok(n)
        }

        async fn unlock_failures(&self, id: &str, window_from: DateTime<Utc>) -> StoreResult<u32> {
            staff::unlock_failures(&self.client().await?, id, window_from).await
        }

        async fn unlock_succeeded(&self, id: &str) -> StoreResult<()> {
            staff::unlock_succeeded(&self.client().await?, id).await
        }

        async fn count_signin_failure(
            &self,
            minute: DateTime<Utc>,
            staff_id: Option<&str>,
        ) -> StoreResult<()> {
            staff::count_signin_failure(&self.client().await?, minute, staff_id).await
        }

        async fn signin_failures_before(
            &self,
            before: DateTime<Utc>,
        ) -> StoreResult<Vec<SigninFailures>> {
            staff::signin_failures_before(&self.client().await?, before).await
        }

        async fn forget_signin_failures(&self, before: DateTime<Utc>) -> StoreResult<()> {
            staff::forget_signin_failures(&self.client().await?, before).await
        }

        async fn login_failed(
            &self,
            id: &str,
            lock_after: u32,
            lock_until: DateTime<Utc>,
            locked: &AuditDraft,
        ) -> StoreResult<(u32, bool)> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let (failures, locked_now) =
                staff::login_failed(&tx, id, lock_after, lock_until).await?;
            let entry = locked_now.then(|| locked.with_detail("failures", failures.into()));
            commit_audited(tx, entry.as_ref()).await?;
            Ok((failures, locked_now))
        }

        async fn login_succeeded(&self, id: &str) -> StoreResult<()> {
            staff::login_succeeded(&self.client().await?, id).await
        }

        async fn change_account(
            &self,
            id: &str,
            change: &AccountChange,
            audit: &AuditDraft,
        ) -> StoreResult<u32> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let ended = staff::change_account(&tx, id, change).await?;
            let audit = audit.with_detail("sessions_ended", ended.into());
            commit_audited(tx, Some(&audit)).await?;
            Ok(ended)
        }

        async fn upgrade_password_hash(
            &self,
            id: &str,
            hash: &str,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            staff::upgrade_password_hash(&tx, id, hash).await?;
            commit_audited(tx, Some(audit)).await
        }

        async fn add_session(&self, s: &Session, audit: Option<&AuditDraft>) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            staff::add_session(&tx, s).await?;
            commit_audited(tx, audit).await
        }

        async fn session(
            &self,
            token_hash: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<Session>> {
            staff::session(&self.client().await?, token_hash, now).await
        }

        async fn sessions_of(
            &self,
            staff_id: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Vec<Session>> {
            staff::sessions_of(&self.client().await?, staff_id, now).await
        }

        async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
            staff::touch_session(&self.client().await?, token_hash, now).await
        }

        async fn end_session(
            &self,
            token_hash: &str,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            staff::end_session(&tx, token_hash).await?;
            commit_audited(tx, audit).await
        }
    }
}

//! Staff accounts, login failures and sessions.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{backend, parse_opt_ts, parse_ts, ts};
use crate::store::{
    AccountChange, Role, Scope, Session, SigninFailures, Staff, StoreError, StoreResult,
};

const COLUMNS: &str = "s.id, s.login, s.display_name, s.role, s.scope_unit_id, s.password_hash, s.failed_logins, s.locked_until, s.disabled, s.must_change_password";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Staff> {
    let role: String = r.get(3)?;
    Ok(Staff {
        id: r.get(0)?,
        login: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| super::bad_column("role"))?,
        scope_unit_id: r.get(4)?,
        password_hash: r.get(5)?,
        failed_logins: r.get(6)?,
        locked_until: parse_opt_ts(r.get(7)?)?,
        disabled: r.get(8)?,
        must_change_password: r.get(9)?,
    })
}

pub(super) fn add(c: &Connection, s: &Staff) -> StoreResult<()> {
    let n = c
        .execute(
            "INSERT INTO staff (id, login, display_name, role, scope_unit_id, password_hash,
                 disabled, must_change_password)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
            params![
                s.id,
                s.login,
                s.display_name,
                s.role.as_str(),
                s.scope_unit_id,
                s.password_hash,
                s.disabled,
                s.must_change_password
            ],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::NotFound("scope org unit")
            }
            e => backend(e),
        })?;
    if n == 0 {
        return Err(StoreError::Conflict("staff id or login"));
    }
    Ok(())
}

/// `column` is a fixed name chosen by the caller, never input.
pub(super) fn by_column(
    c: &Connection,
    column: &'static str,
    value: &str,
) -> StoreResult<Option<Staff>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM staff s WHERE s.{column} = ?1"),
        [value],
        from_row,
    )
    .optional()
    .map_err(backend)
}

pub(super) fn in_scope(c: &Connection, scope: &Scope) -> StoreResult<Vec<Staff>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM staff s JOIN org_units o ON o.id = s.scope_unit_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR s.id = ?2) ORDER BY s.id"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![scope.path, scope.worker_id], from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

pub(super) fn login_failed(
    c: &Connection,
    id: &str,
    lock_after: u32,
    lock_until: DateTime<Utc>,
) -> StoreResult<(u32, bool)> {
    // One statement, so concurrent failures all count and exactly one of them locks. In SQLite (and
    // PostgreSQL) every right-hand side of SET sees the row as it was before the update.
    let (count, locked): (u32, bool) = c
        .query_row(
            "UPDATE staff SET
                 failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END,
                 locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END
             WHERE id = ?1
             RETURNING failed_logins, failed_logins = 0",
            params![id, lock_after, ts(lock_until)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound("staff"))?;
    Ok(if locked {
        (lock_after, true)
    } else {
        (count, false)
    })
}

pub(super) fn unlock_failed(
    c: &Connection,
    id: &str,
    now: DateTime<Utc>,
    window_from: DateTime<Utc>,
) -> StoreResult<u32> {
    // One statement, so failures from several server processes all count.
    c.query_row(
        "UPDATE staff SET
             unlock_failures = CASE WHEN unlock_window_start IS NULL OR unlock_window_start <= ?3
                 THEN 1 ELSE unlock_failures + 1 END,
             unlock_window_start = CASE WHEN unlock_window_start IS NULL
                 OR unlock_window_start <= ?3 THEN ?2 ELSE unlock_window_start END
         WHERE id = ?1 RETURNING unlock_failures",
        params![id, ts(now), ts(window_from)],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound("staff"))
}

pub(super) fn unlock_failures(
    c: &Connection,
    id: &str,
    window_from: DateTime<Utc>,
) -> StoreResult<u32> {
    c.query_row(
        "SELECT CASE WHEN unlock_window_start > ?2 THEN unlock_failures ELSE 0 END
         FROM staff WHERE id = ?1",
        params![id, ts(window_from)],
        |r| r.get(0),
    )
    .optional()
    .map(Option::unwrap_or_default)
    .map_err(backend)
}

pub(super) fn unlock_succeeded(c: &Connection, id: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE staff SET unlock_failures = 0, unlock_window_start = NULL WHERE id = ?1",
        [id],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn count_signin_failure(
    c: &Connection,
    minute: DateTime<Utc>,
    staff_id: Option<&str>,
) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO signin_failures (minute, staff_id, count) VALUES (?1, ?2, 1)
         ON CONFLICT (minute, staff_id) DO UPDATE SET count = count + 1",
    )
    .and_then(|mut st| st.execute(params![ts(minute), staff_id.unwrap_or("")]))
    .map_err(backend)?;
    Ok(())
}

pub(super) fn signin_failures_before(
    c: &Connection,
    before: DateTime<Utc>,
) -> StoreResult<Vec<SigninFailures>> {
    let mut st = c
        .prepare_cached(
            "SELECT minute, staff_id, count FROM signin_failures WHERE minute < ?1
             ORDER BY minute, staff_id",
        )
        .map_err(backend)?;
    st.query_map([ts(before)], |r| {
        let staff: String = r.get(1)?;
        Ok(SigninFailures {
            minute: parse_ts(&r.get::<_, String>(0)?)?,
            staff_id: (!staff.is_empty()).then_some(staff),
            count: r.get(2)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

pub(super) fn forget_signin_failures(c: &Connection, before: DateTime<Utc>) -> StoreResult<()> {
    c.execute(
        "DELETE FROM signin_failures WHERE minute < ?1",
        [ts(before)],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn login_succeeded(c: &Connection, id: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
        [id],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn add_session(c: &Connection, s: &Session) -> StoreResult<()> {
    // Expired sessions are useless; dropping them at each login keeps the table small.
    c.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1",
        [ts(chrono::Utc::now())],
    )
    .map_err(backend)?;
    c.execute(
        "INSERT INTO sessions (token_hash, staff_id, csrf_token, expires_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            s.token_hash,
            s.staff_id,
            s.csrf_token,
            ts(s.expires_at),
            ts(s.last_seen_at)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn session(
    c: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Session>> {
    c.query_row(
        "SELECT token_hash, staff_id, csrf_token, expires_at, last_seen_at FROM sessions
         WHERE token_hash = ?1 AND expires_at > ?2",
        params![token_hash, ts(now)],
        |r| {
            Ok(Session {
                token_hash: r.get(0)?,
                staff_id: r.get(1)?,
                csrf_token: r.get(2)?,
                expires_at: parse_ts(&r.get::<_, String>(3)?)?,
                last_seen_at: parse_ts(&r.get::<_, String>(4)?)?,
            })
        },
    )
    .optional()
    .map_err(backend)
}

pub(super) fn sessions_of(
    c: &Connection,
    staff_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Session>> {
    let mut st = c
        .prepare_cached(
            "SELECT token_hash, staff_id, csrf_token, expires_at, last_seen_at FROM sessions
             WHERE staff_id = ?1 AND expires_at > ?2 ORDER BY last_seen_at DESC",
        )
        .map_err(backend)?;
    st.query_map(params![staff_id, ts(now)], |r| {
        Ok(Session {
            token_hash: r.get(0)?,
            staff_id: r.get(1)?,
            csrf_token: r.get(2)?,
            expires_at: parse_ts(&r.get::<_, String>(3)?)?,
            last_seen_at: parse_ts(&r.get::<_, String>(4)?)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}

pub(super) fn touch_session(
    c: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    c.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
        params![token_hash, ts(now)],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn end_session(c: &Connection, token_hash: &str) -> StoreResult<()> {
    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .map_err(backend)?;
    Ok(())
}

pub(super) fn change_account(
    tx: &Connection,
    id: &str,
    change: &AccountChange,
) -> StoreResult<u32> {
    let n = match change {
        AccountChange::Disabled(d) => tx.execute(
            "UPDATE staff SET disabled = ?2 WHERE id = ?1",
            params![id, d],
        ),
        AccountChange::Password { hash, must_change } => tx.execute(
            "UPDATE staff SET password_hash = ?2, must_change_password = ?3,
                 failed_logins = 0, locked_until = NULL WHERE id = ?1",
            params![id, hash, must_change],
        ),
        AccountChange::Placement {
            role,
            scope_unit_id,
        } => tx.execute(
            "UPDATE staff SET role = ?2, scope_unit_id = ?3 WHERE id = ?1",
            params![id, role.as_str(), scope_unit_id],
        ),
    }
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::NotFound("scope org unit")
        }
        e => backend(e),
    })?;
    if n == 0 {
        return Err(StoreError::NotFound("staff"));
    }
    let ended = tx
        .execute("DELETE FROM sessions WHERE staff_id = ?1", [id])
        .map_err(backend)?;
    Ok(u32::try_from(ended).unwrap_or(u32::MAX))
}

pub(super) fn upgrade_password_hash(c: &Connection, id: &str, hash: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE staff SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )
    .map_err(backend)?;
    Ok(())
}

/// [`StaffStore`](crate::store::StaffStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl StaffStore for SqliteStore {
        async fn add_staff(&self, s: &Staff, audit: Option<&AuditDraft>) -> StoreResult<()> {
            let (s, audit) = (s.clone(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| staff::add(tx, &s)))
                .await
        }

        async fn staff_by_login(&self, login: &str) -> StoreResult<Option<Staff>> {
            let login = login.to_owned();
            self.read(move |c| staff::by_column(c, "login", &login))
                .await
        }

        async fn staff(&self, id: &str) -> StoreResult<Option<Staff>> {
            let id = id.to_owned();
            self.read(move |c| staff::by_column(c, "id", &id)).await
        }

        async fn staff_in(&self, scope: &Scope) -> StoreResult<Vec<Staff>> {
            let scope = scope.clone();
            self.read(move |c| staff::in_scope(c, &scope)).await
        }

        async fn unlock_failed(
            &self,
            id: &str,
            now: DateTime<Utc>,
            window_from: DateTime<Utc>,
            audit: &AuditDraft,
        ) -> StoreResult<u32> {
            let (id, audit) = (id.to_owned(), audit.clone());
            self.call(move |c| {
                with_audit(c, Some(&audit), |tx| {
                    staff::unlock_failed(tx, &id, now, window_from)
                })
            })
            .await
        }

        async fn unlock_failures(&self, id: &str, window_from: DateTime<Utc>) -> StoreResult<u32> {
            let id = id.to_owned();
            self.read(move |c| staff::unlock_failures(c, &id, window_from))
                .await
        }

        async fn unlock_succeeded(&self, id: &str) -> StoreResult<()> {
            let id = id.to_owned();
            self.call(move |c| staff::unlock_succeeded(c, &id)).await
        }

        async fn count_signin_failure(
            &self,
            minute: DateTime<Utc>,
            staff_id: Option<&str>,
        ) -> StoreResult<()> {
            let id = staff_id.map(str::to_owned);
            self.call(move |c| staff::count_signin_failure(c, minute, id.as_deref()))
                .await
        }

        async fn signin_failures_before(
            &self,
            before: DateTime<Utc>,
        ) -> StoreResult<Vec<SigninFailures>> {
            self.read(move |c| staff::signin_failures_before(c, before))
                .await
        }

        async fn forget_signin_failures(&self, before: DateTime<Utc>) -> StoreResult<()> {
            self.call(move |c| staff::forget_signin_failures(c, before))
                .await
        }

        async fn login_failed(
            &self,
            id: &str,
            lock_after: u32,
            lock_until: DateTime<Utc>,
            locked: &AuditDraft,
        ) -> StoreResult<(u32, bool)> {
            let (id, locked) = (id.to_owned(), locked.clone());
            self.call(move |c| {
                audited(c, |tx| {
                    let (failures, locked_now) =
                        staff::login_failed(tx, &id, lock_after, lock_until)?;
                    let entry = locked_now.then(|| locked.with_detail("failures", failures.into()));
                    Ok(((failures, locked_now), entry))
                })
            })
            .await
        }

        async fn login_succeeded(&self, id: &str) -> StoreResult<()> {
            let id = id.to_owned();
            self.call(move |c| staff::login_succeeded(c, &id)).await
        }

        async fn change_account(
            &self,
            id: &str,
            change: &AccountChange,
            audit: &AuditDraft,
        ) -> StoreResult<u32> {
            let (id, change, audit) = (id.to_owned(), change.clone(), audit.clone());
            self.call(move |c| {
                audited(c, |tx| {
                    let ended = staff::change_account(tx, &id, &change)?;
                    Ok((
                        ended,
                        Some(audit.with_detail("sessions_ended", ended.into())),
                    ))
                })
            })
            .await
        }

        async fn upgrade_password_hash(
            &self,
            id: &str,
            hash: &str,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let (id, hash, audit) = (id.to_owned(), hash.to_owned(), audit.clone());
            self.call(move |c| {
                with_audit(c, Some(&audit), |tx| {
                    staff::upgrade_password_hash(tx, &id, &hash)
                })
            })
            .await
        }

        async fn add_session(&self, s: &Session, audit: Option<&AuditDraft>) -> StoreResult<()> {
            let (s, audit) = (s.clone(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| staff::add_session(tx, &s)))
                .await
        }

        async fn session(
            &self,
            token_hash: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<Session>> {
            let t = token_hash.to_owned();
            self.read(move |c| staff::session(c, &t, now)).await
        }

        async fn sessions_of(
            &self,
            staff_id: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Vec<Session>> {
            let id = staff_id.to_owned();
            self.read(move |c| staff::sessions_of(c, &id, now)).await
        }

        async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
            let t = token_hash.to_owned();
            self.call(move |c| staff::touch_session(c, &t, now)).await
        }

        async fn end_session(
            &self,
            token_hash: &str,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let (t, audit) = (token_hash.to_owned(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| staff::end_session(tx, &t)))
                .await
        }
    }
}

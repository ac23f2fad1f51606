//! Enrollment codes and devices.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{backend, parse_opt_ts, parse_ts, ts};
use crate::store::{Device, EnrollmentCode, Scope, StoreError, StoreResult};

const COLUMNS: &str = "d.id, d.worker_id, d.public_key, d.token_hash, d.label, d.enrolled_at, \
    d.revoked_at, d.token_expires_at, d.renewal_signed_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        worker_id: r.get(1)?,
        public_key: r.get(2)?,
        token_hash: r.get(3)?,
        label: r.get(4)?,
        enrolled_at: parse_ts(&r.get::<_, String>(5)?)?,
        revoked_at: parse_opt_ts(r.get(6)?)?,
        token_expires_at: parse_ts(&r.get::<_, String>(7)?)?,
        renewal_signed_at: r.get(8)?,
    })
}

pub(super) fn add_code(c: &Connection, code: &EnrollmentCode) -> StoreResult<()> {
    c.execute(
        "INSERT INTO enrollment_codes (code_hash, worker_id, created_by, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![code.code_hash, code.worker_id, code.created_by, ts(code.expires_at)],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn enroll(
    tx: &Connection,
    code_hash: &str,
    now: DateTime<Utc>,
    device: &Device,
) -> StoreResult<Device> {
    // Marking the code used and reading its worker is one statement: a code can be redeemed once.
    let worker: Option<String> = tx
        .query_row(
            "UPDATE enrollment_codes SET used_at = ?2
             WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING worker_id",
            params![code_hash, ts(now)],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    let worker = worker.ok_or(StoreError::CodeRejected)?;
    let stored = Device {
        worker_id: worker,
        ..device.clone()
    };
    tx.execute(
        "INSERT INTO devices (id, worker_id, public_key, token_hash, label, enrolled_at,
             token_expires_at, renewal_signed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            stored.id,
            stored.worker_id,
            stored.public_key,
            stored.token_hash,
            stored.label,
            ts(stored.enrolled_at),
            ts(stored.token_expires_at),
            stored.renewal_signed_at
        ],
    )
    .map_err(backend)?;
    Ok(stored)
}

pub(super) fn by_token(c: &Connection, token_hash: &str) -> StoreResult<Option<Device>> {
    // Every phone request runs this: keep the statement prepared.
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM devices d WHERE d.token_hash = ?1"
    ))
    .and_then(|mut st| st.query_row([token_hash], from_row).optional())
    .map_err(backend)
}

pub(super) fn by_id(c: &Connection, id: &str) -> StoreResult<Option<(Device, String)>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS}, o.path FROM devices d JOIN staff s ON s.id = d.worker_id
             JOIN org_units o ON o.id = s.scope_unit_id WHERE d.id = ?1"
        ),
        [id],
        |r| Ok((from_row(r)?, r.get(9)?)),
    )
    .optional()
    .map_err(backend)
}

pub(super) fn renew(
    c: &Connection,
    id: &str,
    signed_at: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> StoreResult<bool> {
    // One conditional statement: of two renewals signed alike, or racing a revocation, one wins.
    let n = c
        .execute(
            "UPDATE devices SET token_hash = ?3, token_expires_at = ?4, renewal_signed_at = ?2
             WHERE id = ?1 AND revoked_at IS NULL AND renewal_signed_at < ?2",
            params![id, signed_at, token_hash, ts(expires_at)],
        )
        .map_err(backend)?;
    Ok(n == 1)
}

pub(super) fn in_scope(c: &Connection, scope: &Scope) -> StoreResult<Vec<Device>> {
    let mut st = c
        .prepare(&format!(
            "SELECT {COLUMNS} FROM devices d JOIN staff s ON s.id = d.worker_id
             JOIN org_units o ON o.id = s.scope_unit_id
             WHERE substr(o.path, 1, length(?1)) = ?1 AND (?2 IS NULL OR d.worker_id = ?2)
             ORDER BY d.enrolled_at"
        ))
        .map_err(backend)?;
    let rows = st
        .query_map(params![scope.path, scope.worker_id], from_row)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok(rows)
}

pub(super) fn revoke(
    c: &Connection,
    id: &str,
    scope: &Scope,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    const IN_SCOPE: &str = "d.id = ?1 AND d.worker_id IN (SELECT s.id FROM staff s
        JOIN org_units o ON o.id = s.scope_unit_id
        WHERE substr(o.path, 1, length(?2)) = ?2 AND (?3 IS NULL OR s.id = ?3))";
    let n = c
        .execute(
            &format!("UPDATE devices SET revoked_at = ?4 WHERE id IN (SELECT d.id FROM devices d WHERE {IN_SCOPE}) AND revoked_at IS NULL"),
            params![id, scope.path, scope.worker_id, ts(now)],
        )
        .map_err(backend)?;
    if n == 0 {
        let exists: bool = c
            .query_row(
                &format!("SELECT EXISTS(SELECT 1 FROM devices d WHERE {IN_SCOPE})"),
                params![id, scope.path, scope.worker_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        if !exists {
            return Err(StoreError::NotFound("device"));
        }
    }
    Ok(n == 1)
}

/// [`DeviceStore`](crate::store::DeviceStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl DeviceStore for SqliteStore {
        async fn add_enrollment_code(
            &self,
            code: &EnrollmentCode,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let (code, audit) = (code.clone(), audit.clone());
            self.call(move |c| with_audit(c, Some(&audit), |tx| devices::add_code(tx, &code)))
                .await
        }

        async fn enroll_device(
            &self,
            code_hash: &str,
            now: DateTime<Utc>,
            device: &Device,
            audit: &AuditDraft,
        ) -> StoreResult<Device> {
            let (h, d, audit) = (code_hash.to_owned(), device.clone(), audit.clone());
            self.call(move |c| {
                audited(c, |tx| {
                    let stored = devices::enroll(tx, &h, now, &d)?;
                    let entry = audit.with_detail("worker_id", stored.worker_id.clone().into());
                    Ok((stored, Some(entry)))
                })
            })
            .await
        }

        async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
            let t = token_hash.to_owned();
            self.point_read(move |c| devices::by_token(c, &t)).await
        }

        async fn renew_device_token(
            &self,
            id: &str,
            signed_at: i64,
            token_hash: &str,
            expires_at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let (id, h) = (id.to_owned(), token_hash.to_owned());
            self.call(move |c| devices::renew(c, &id, signed_at, &h, expires_at))
                .await
        }

        async fn device(&self, id: &str) -> StoreResult<Option<(Device, String)>> {
            let id = id.to_owned();
            self.read(move |c| devices::by_id(c, &id)).await
        }

        async fn devices(&self, scope: &Scope) -> StoreResult<Vec<Device>> {
            let scope = scope.clone();
            self.read(move |c| devices::in_scope(c, &scope)).await
        }

        async fn revoke_device(
            &self,
            id: &str,
            scope: &Scope,
            now: DateTime<Utc>,
            audit: &AuditDraft,
        ) -> StoreResult<bool> {
            let (id, scope, audit) = (id.to_owned(), scope.clone(), audit.clone());
            self.call(move |c| {
                // The alert and the audit entry are written with the revocation or not at all.
                audited(c, |tx| {
                    let revoked = devices::revoke(tx, &id, &scope, now)?;
                    if revoked {
                        let worker: String = tx
                            .query_row("SELECT worker_id FROM devices WHERE id = ?1", [&id], |r| {
                                r.get(0)
                            })
                            .map_err(backend)?;
                        alerts::raise_in(tx, &AlertDraft::device_revoked(&id, &worker, now))?;
                    }
                    Ok((revoked, revoked.then_some(audit)))
                })
            })
            .await
        }
    }
}

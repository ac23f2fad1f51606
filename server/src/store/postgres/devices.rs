//! Enrollment codes and devices.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::{backend, col, execute, execute_raw, is_state, query, query_opt};
use crate::store::{Device, EnrollmentCode, Scope, StoreError, StoreResult};

fn from_row(r: &Row) -> StoreResult<Device> {
    Ok(Device {
        id: col(r, 0)?,
        worker_id: col(r, 1)?,
        public_key: col(r, 2)?,
        token_hash: col(r, 3)?,
        label: col(r, 4)?,
        enrolled_at: col(r, 5)?,
        revoked_at: col(r, 6)?,
        token_expires_at: col(r, 7)?,
        renewal_signed_at: col(r, 8)?,
    })
}

pub(super) async fn add_code<C: GenericClient>(c: &C, code: &EnrollmentCode) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO enrollment_codes (code_hash, worker_id, created_by, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[
            &code.code_hash,
            &code.worker_id,
            &code.created_by,
            &code.expires_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn enroll(
    tx: &deadpool_postgres::Transaction<'_>,
    code_hash: &str,
    now: DateTime<Utc>,
    device: &Device,
) -> StoreResult<Device> {
    // Marking the code used and reading its worker is one statement: a code can be redeemed once
    // (a concurrent redeemer waits for the row lock, then sees `used_at` set and matches nothing).
    let worker: String = match query_opt(
        tx,
        "UPDATE enrollment_codes SET used_at = $2
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING worker_id",
        &[&code_hash, &now],
    )
    .await?
    {
        Some(r) => col(&r, 0)?,
        None => return Err(StoreError::CodeRejected),
    };
    let stored = Device {
        worker_id: worker,
        enrolled_at: super::micros(device.enrolled_at),
        token_expires_at: super::micros(device.token_expires_at),
        ..device.clone()
    };
    execute_raw(
        tx,
        "INSERT INTO devices (id, worker_id, public_key, token_hash, label, enrolled_at,
             token_expires_at, renewal_signed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &stored.id,
            &stored.worker_id,
            &stored.public_key,
            &stored.token_hash,
            &stored.label,
            &stored.enrolled_at,
            &stored.token_expires_at,
            &stored.renewal_signed_at,
        ],
    )
    .await
    .map_err(|e| {
        if is_state(&e, &SqlState::UNIQUE_VIOLATION) {
            StoreError::Conflict("device id or token")
        } else {
            backend(e)
        }
    })?;
    Ok(stored)
}

pub(super) async fn by_token<C: GenericClient>(
    c: &C,
    token_hash: &str,
) -> StoreResult<Option<Device>> {
    query_opt(
        c,
        "SELECT d.id, d.worker_id, d.public_key, d.token_hash, d.label, d.enrolled_at, d.revoked_at,
             d.token_expires_at, d.renewal_signed_at
         FROM devices d WHERE d.token_hash = $1",
        &[&token_hash],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn by_id<C: GenericClient>(
    c: &C,
    id: &str,
) -> StoreResult<Option<(Device, String)>> {
    let Some(r) = query_opt(
        c,
        "SELECT d.id, d.worker_id, d.public_key, d.token_hash, d.label, d.enrolled_at, d.revoked_at,
             d.token_expires_at, d.renewal_signed_at, o.path
         FROM devices d JOIN staff s ON s.id = d.worker_id
         JOIN org_units o ON o.id = s.scope_unit_id WHERE d.id = $1",
        &[&id],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some((from_row(&r)?, col(&r, 9)?)))
}

pub(super) async fn renew<C: GenericClient>(
    c: &C,
    id: &str,
    signed_at: i64,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> StoreResult<bool> {
    // One conditional statement: of two renewals signed alike, or racing a revocation, one wins
    // (the second waits for the row lock, then matches nothing).
    let n = execute(
        c,
        "UPDATE devices SET token_hash = $3, token_expires_at = $4, renewal_signed_at = $2
         WHERE id = $1 AND revoked_at IS NULL AND renewal_signed_at < $2",
        &[&id, &signed_at, &token_hash, &expires_at],
    )
    .await?;
    Ok(n == 1)
}

pub(super) async fn in_scope<C: GenericClient>(c: &C, scope: &Scope) -> StoreResult<Vec<Device>> {
    query(
        c,
        "SELECT d.id, d.worker_id, d.public_key, d.token_hash, d.label, d.enrolled_at, d.revoked_at,
             d.token_expires_at, d.renewal_signed_at
         FROM devices d JOIN staff s ON s.id = d.worker_id
         JOIN org_units o ON o.id = s.scope_unit_id
         WHERE left(o.path, length($1)) = $1 AND ($2::text IS NULL OR d.worker_id = $2)
         ORDER BY d.enrolled_at, d.id COLLATE \"C\"",
        &[&scope.path, &scope.worker_id],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub(super) async fn revoke<C: GenericClient>(
    c: &C,
    id: &str,
    scope: &Scope,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = execute(
        c,
        "UPDATE devices d SET revoked_at = $4
         WHERE d.id = $1 AND d.revoked_at IS NULL AND d.worker_id IN (
             SELECT s.id FROM staff s JOIN org_units o ON o.id = s.scope_unit_id
             WHERE left(o.path, length($2)) = $2 AND ($3::text IS NULL OR s.id = $3))",
        &[&id, &scope.path, &scope.worker_id, &now],
    )
    .await?;
    if n == 0 {
        let exists: bool = col(
            &query_opt(
                c,
                "SELECT EXISTS(SELECT 1 FROM devices d WHERE d.id = $1 AND d.worker_id IN (
                     SELECT s.id FROM staff s JOIN org_units o ON o.id = s.scope_unit_id
                     WHERE left(o.path, length($2)) = $2 AND ($3::text IS NULL OR s.id = $3)))",
                &[&id, &scope.path, &scope.worker_id],
            )
            .await?
            .ok_or(StoreError::Backend("EXISTS returned no row".into()))?,
            0,
        )?;
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
    impl DeviceStore for PgStore {
        async fn add_enrollment_code(
            &self,
            code: &EnrollmentCode,
            audit: &AuditDraft,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            devices::add_code(&tx, code).await?;
            commit_audited(tx, Some(audit)).await
        }

        async fn enroll_device(
            &self,
            code_hash: &str,
            now: DateTime<Utc>,
            device: &Device,
            audit: &AuditDraft,
        ) -> StoreResult<Device> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let stored = devices::enroll(&tx, code_hash, now, device).await?;
            let entry = audit.with_detail("worker_id", stored.worker_id.clone().into());
            commit_audited(tx, Some(&entry)).await?;
            Ok(stored)
        }

        async fn device_by_token(&self, token_hash: &str) -> StoreResult<Option<Device>> {
            devices::by_token(&self.client().await?, token_hash).await
        }

        async fn renew_device_token(
            &self,
            id: &str,
            signed_at: i64,
            token_hash: &str,
            expires_at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            devices::renew(&self.client().await?, id, signed_at, token_hash, expires_at).await
        }

        async fn device(&self, id: &str) -> StoreResult<Option<(Device, String)>> {
            devices::by_id(&self.client().await?, id).await
        }

        async fn devices(&self, scope: &Scope) -> StoreResult<Vec<Device>> {
            devices::in_scope(&self.client().await?, scope).await
        }

        async fn revoke_device(
            &self,
            id: &str,
            scope: &Scope,
            now: DateTime<Utc>,
            audit: &AuditDraft,
        ) -> StoreResult<bool> {
            let mut c = self.client().await?;
            // The alert and the audit entry are written with the revocation or not at all.
            let tx = c.transaction().await.map_err(backend)?;
            let revoked = devices::revoke(&tx, id, scope, now).await?;
            if revoked {
                let row = query_opt(&tx, "SELECT worker_id FROM devices WHERE id = $1", &[&id])
                    .await?
                    .ok_or(StoreError::NotFound("device"))?;
                let worker: String = col(&row, 0)?;
                alerts::raise_in(&tx, &AlertDraft::device_revoked(id, &worker, now)).await?;
            }
            commit_audited(tx, revoked.then_some(audit)).await?;
            Ok(revoked)
        }
    }
}

//! Unlocked audience keys of sessions (`KeySessionStore`): one row per session and audience,
//! deleted with the session by a cascading foreign key.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::{col, execute, micros, query_opt};
use crate::store::{KeySessionRow, StoreResult};

pub(super) async fn put<C: GenericClient>(c: &C, row: &KeySessionRow) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO key_sessions (token_hash, audience, sealed_key, scope_path, expires_at)
         SELECT $1, $2, $3, $4, $5 FROM sessions WHERE token_hash = $1
         ON CONFLICT (token_hash, audience) DO UPDATE SET sealed_key = excluded.sealed_key,
             scope_path = excluded.scope_path, expires_at = excluded.expires_at",
        &[
            &row.token_hash,
            &row.audience,
            &row.sealed_key,
            &row.scope_path,
            &micros(row.expires_at),
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn get<C: GenericClient>(
    c: &C,
    token_hash: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<KeySessionRow>> {
    let Some(r) = query_opt(
        c,
        "SELECT sealed_key, scope_path, expires_at FROM key_sessions
         WHERE token_hash = $1 AND audience = $2 AND expires_at > $3",
        &[&token_hash, &audience, &now],
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(KeySessionRow {
        token_hash: token_hash.to_owned(),
        audience: audience.to_owned(),
        sealed_key: col(&r, 0)?,
        scope_path: col(&r, 1)?,
        expires_at: col(&r, 2)?,
    }))
}

pub(super) async fn end<C: GenericClient>(c: &C, token_hash: &str) -> StoreResult<bool> {
    let n = execute(
        c,
        "DELETE FROM key_sessions WHERE token_hash = $1",
        &[&token_hash],
    )
    .await?;
    execute(
        c,
        "DELETE FROM key_sessions WHERE expires_at <= $1",
        &[&Utc::now()],
    )
    .await?;
    Ok(n > 0)
}

/// [`KeySessionStore`](crate::store::KeySessionStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl KeySessionStore for PgStore {
        async fn put_key_session(
            &self,
            row: &KeySessionRow,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            key_sessions::put(&tx, row).await?;
            commit_audited(tx, audit).await
        }

        async fn key_session(
            &self,
            token_hash: &str,
            audience: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<KeySessionRow>> {
            key_sessions::get(&self.client().await?, token_hash, audience, now).await
        }

        async fn end_key_sessions(
            &self,
            token_hash: &str,
            audit: &AuditDraft,
        ) -> StoreResult<bool> {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(backend)?;
            let held = key_sessions::end(&tx, token_hash).await?;
            commit_audited(tx, Some(&audit.with_detail("held", held.into()))).await?;
            Ok(held)
        }
    }
}

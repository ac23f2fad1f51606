//! Unlocked audience keys of sessions (`KeySessionStore`): one row per session and audience,
//! deleted with the session by a cascading foreign key.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{backend, parse_ts, ts};
use crate::store::{KeySessionRow, StoreResult};

pub(super) fn put(c: &Connection, row: &KeySessionRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO key_sessions (token_hash, audience, sealed_key, scope_path, expires_at)
         SELECT ?1, ?2, ?3, ?4, ?5 FROM sessions WHERE token_hash = ?1
         ON CONFLICT (token_hash, audience) DO UPDATE SET sealed_key = excluded.sealed_key,
             scope_path = excluded.scope_path, expires_at = excluded.expires_at",
        params![
            row.token_hash,
            row.audience,
            row.sealed_key,
            row.scope_path,
            ts(row.expires_at)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub(super) fn get(
    c: &Connection,
    token_hash: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<KeySessionRow>> {
    c.prepare_cached(
        "SELECT sealed_key, scope_path, expires_at FROM key_sessions
         WHERE token_hash = ?1 AND audience = ?2 AND expires_at > ?3",
    )
    .and_then(|mut st| {
        st.query_row(params![token_hash, audience, ts(now)], |r| {
            Ok(KeySessionRow {
                token_hash: token_hash.to_owned(),
                audience: audience.to_owned(),
                sealed_key: r.get(0)?,
                scope_path: r.get(1)?,
                expires_at: parse_ts(&r.get::<_, String>(2)?)?,
            })
        })
        .optional()
    })
    .map_err(backend)
}

pub(super) fn end(c: &Connection, token_hash: &str) -> StoreResult<bool> {
    let n = c
        .execute(
            "DELETE FROM key_sessions WHERE token_hash = ?1",
            [token_hash],
        )
        .map_err(backend)?;
    c.execute(
        "DELETE FROM key_sessions WHERE expires_at <= ?1",
        [ts(Utc::now())],
    )
    .map_err(backend)?;
    Ok(n > 0)
}

/// [`KeySessionStore`](crate::store::KeySessionStore) over the SQL above.
mod as_store {
    use super::super::*;

    #[async_trait]
    impl KeySessionStore for SqliteStore {
        async fn put_key_session(
            &self,
            row: &KeySessionRow,
            audit: Option<&AuditDraft>,
        ) -> StoreResult<()> {
            let (row, audit) = (row.clone(), audit.cloned());
            self.call(move |c| with_audit(c, audit.as_ref(), |tx| key_sessions::put(tx, &row)))
                .await
        }

        async fn key_session(
            &self,
            token_hash: &str,
            audience: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<KeySessionRow>> {
            let (t, a) = (token_hash.to_owned(), audience.to_owned());
            self.point_read(move |c| key_sessions::get(c, &t, &a, now))
                .await
        }

        async fn end_key_sessions(
            &self,
            token_hash: &str,
            audit: &AuditDraft,
        ) -> StoreResult<bool> {
            let (t, audit) = (token_hash.to_owned(), audit.clone());
            self.call(move |c| {
                audited(c, |tx| {
                    let held = key_sessions::end(tx, &t)?;
                    Ok((held, Some(audit.with_detail("held", held.into()))))
                })
            })
            .await
        }
    }
}

//! PostgreSQL store: a deadpool connection pool, cached prepared statements, one transaction per
//! write. Concurrency is the database's job here (several server processes may share it), so each
//! write that reads before it writes takes a row lock first; see the sibling files for which.
//!
//! Per-concern SQL lives in the sibling files as functions over a [`GenericClient`], laid out like
//! the SQLite store.

mod alerts;
mod assignments;
mod audit;
mod config;
mod devices;
mod dues;
mod from_sqlite;
pub use from_sqlite::{Copied, left_out};
mod key_sessions;
mod migrations;
mod org;
pub(crate) mod pipeline;
mod reports;
mod reviews;
mod staff;
pub mod transport;
mod visits;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

pub use migrations::{MIGRATIONS, current_version, migrate};

use super::*;

/// The PostgreSQL implementation of [`Store`].
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

/// How the server uses its PostgreSQL connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgOptions {
    /// Most connections this process opens.
    pub pool_size: usize,
    /// Longest a request waits for a free connection (then it fails, rather than waiting forever).
    pub wait: std::time::Duration,
    /// Longest one statement may run.
    pub statement_timeout: std::time::Duration,
    /// Longest connecting may take.
    pub connect_timeout: std::time::Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 16,
            wait: std::time::Duration::from_secs(10),
            statement_timeout: std::time::Duration::from_secs(30),
            connect_timeout: std::time::Duration::from_secs(5),
        }
    }
}

/// A database error without its DETAIL line: PostgreSQL puts row values there (a duplicate login,
/// a failing row), which are personal data and must not reach logs or answers.
/// Appends `audit` (when given) as the transaction's last statement and commits: the entry
/// commits with the change it records, or neither does.
pub(super) async fn commit_audited(
    tx: deadpool_postgres::Transaction<'_>,
    audit: Option<&AuditDraft>,
) -> StoreResult<()> {
    if let Some(d) = audit {
        audit::append_in(&tx, d, Utc::now()).await?;
    }
    tx.commit().await.map_err(backend)
}

pub(crate) fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(format!(
            "postgres {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        )),
        None => StoreError::Backend(format!("postgres: {e}")),
    }
}

/// Whether `e` is the given SQLSTATE.
pub(crate) fn is_state(e: &tokio_postgres::Error, state: &tokio_postgres::error::SqlState) -> bool {
    e.code() == Some(state)
}

/// Timestamps are stored with microsecond precision; values handed back must match what a later
/// read returns (the audit hash covers the time).
pub(crate) fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Counters are `BIGINT`; the store's types use `u64`.
pub(crate) fn to_i64(n: u64, what: &'static str) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("{what} out of range")))
}

/// Reads a non-negative `BIGINT` column as `u64`.
pub(crate) fn get_u64(row: &tokio_postgres::Row, idx: usize) -> StoreResult<u64> {
    let v: i64 = row.try_get(idx).map_err(backend)?;
    u64::try_from(v).map_err(|_| StoreError::Backend(format!("negative value in column {idx}")))
}

/// Reads a column, as an error rather than a panic when its type is not the expected one.
pub(crate) fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    idx: usize,
) -> StoreResult<T> {
    row.try_get(idx).map_err(backend)
}

/// A column that failed to parse into its Rust type.
pub(crate) fn bad_column(what: &str) -> StoreError {
    StoreError::Backend(format!("unexpected value in column {what}"))
}

/// Runs a cached prepared statement and returns its rows.
pub(crate) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Vec<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.query(&st, params).await.map_err(backend)
}

/// Runs a cached prepared statement that returns at most one row.
pub(crate) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Option<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.query_opt(&st, params).await.map_err(backend)
}

/// Runs a cached prepared statement and returns the number of rows it touched.
pub(crate) async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<u64> {
    let st = c.prepare_cached(sql).await.map_err(backend)?;
    c.execute(&st, params).await.map_err(backend)
}

/// Like [`execute`], keeping the driver error so callers can map constraint violations.
pub(crate) async fn execute_raw<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let st = c.prepare_cached(sql).await?;
    c.execute(&st, params).await
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`, or key=value form) and migrates.
    pub async fn connect(url: &str, options: &PgOptions) -> StoreResult<Self> {
        let (url, transport) = transport::split_url(url)?;
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Backend("the PostgreSQL URL is not valid".into()))?;
        match transport {
            transport::Transport::Plain => Self::connect_with_options(config, options).await,
            transport::Transport::VerifyFull(ca) => {
                let mut config = config;
                // Never falls back to the clear when the server offers no TLS.
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                Self::connect_over(config, options, transport::connector(&ca)?).await
            }
        }
    }

    /// Connects with a parsed configuration (tests use it to set a per-test `search_path`).
    pub async fn connect_with(config: tokio_postgres::Config) -> StoreResult<Self> {
        Self::connect_with_options(config, &PgOptions::default()).await
    }

    /// Connects with a parsed configuration and the given pool and timeouts.
    pub async fn connect_with_options(
        config: tokio_postgres::Config,
        options: &PgOptions,
    ) -> StoreResult<Self> {
        Self::connect_over(config, options, NoTls).await
    }

    /// Connects through a TLS connector (or [`NoTls`]).
    pub async fn connect_over<T>(
        mut config: tokio_postgres::Config,
        options: &PgOptions,
        tls: T,
    ) -> StoreResult<Self>
    where
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>
            + Clone
            + Sync
            + Send
            + 'static,
        T::Stream: Sync + Send,
        T::TlsConnect: Sync + Send,
        <T::TlsConnect as tokio_postgres::tls::TlsConnect<tokio_postgres::Socket>>::Future: Send,
    {
        config.connect_timeout(options.connect_timeout);
        let statement = format!(
            "-c statement_timeout={}",
            options.statement_timeout.as_millis().max(1)
        );
        let merged = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} {statement}"),
            _ => statement,
        };
        config.options(merged);
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .wait_timeout(Some(options.wait))
            .create_timeout(Some(options.connect_timeout))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Backend(format!("postgres pool: {e}")))?;
        let store = PgStore { pool };
        let mut client = store.client().await?;
        migrate(&mut client).await?;
        Ok(store)
    }

    pub(crate) async fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(|e| {
            // The causes say what failed (a refused certificate, a refused password); a
            // database's own errors are reduced by `backend` and never carry row values here.
            let mut text = format!("postgres pool: {e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            StoreError::Backend(text)
        })
    }
}

impl LoadStore for PgStore {
    fn load(&self) -> StoreLoad {
        let s = self.pool.status();
        StoreLoad {
            connections_max: s.max_size as u64,
            connections_open: s.size as u64,
            connections_idle: s.available as u64,
            waiting: s.waiting as u64,
            queued_writes: 0,
        }
    }
}

#[cfg(test)]
mod tests;

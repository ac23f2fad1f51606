//! Moving one machine's database into PostgreSQL (`migrate --to-database`): every table copied
//! with `COPY` in one transaction, the due ledger rebuilt from the copied visits, the audit chain's
//! head and the id sequences set where the copied rows end. Sessions, unlocked keys and sign-in
//! counters are not copied: people sign in again on the new servers.

use std::path::Path;

use axum::body::Bytes;
use deadpool_postgres::GenericClient;
use futures_util::SinkExt;
use rusqlite::types::ValueRef;

use super::{PgStore, backend, query};
use crate::store::dues::Target;
use crate::store::{StoreError, StoreResult};

/// Tables copied, parents before children.
const TABLES: &[&str] = &[
    "org_units",
    "staff",
    "households",
    "enrollment_codes",
    "devices",
    "visits",
    "photos",
    "audit_log",
    "change_counter",
    "household_removals",
    "returned_assessments",
    "audience_keys",
    "reviews",
    "review_events",
    "county_schedules",
    "county_parameters",
    "templates",
    "alert_channels",
    "alert_events",
    "alert_deliveries",
];

/// Tables not copied, and why it is safe.
const LEFT_OUT: &[(&str, &str)] = &[
    ("sessions", "people sign in again on the new servers"),
    ("key_sessions", "unlocked keys go with their sessions"),
    ("signin_failures", "counters of the last minutes"),
    ("dues", "rebuilt from the copied visits"),
];

/// Rows read from SQLite per `COPY` chunk.
const CHUNK: i64 = 5_000;

/// What was copied: rows the target holds per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Table and rows, in copy order.
    pub tables: Vec<(&'static str, u64)>,
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("reading the SQLite database: {e}"))
}

/// Appends one value in `COPY … FROM STDIN` text format.
fn encode(out: &mut Vec<u8>, value: ValueRef<'_>, pg_type: &str) {
    match value {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) if pg_type == "boolean" => {
            out.push(if i != 0 { b't' } else { b'f' });
        }
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Text(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => out.push(b),
                }
            }
        }
        ValueRef::Blob(b) => {
            // bytea's hex form, its backslash escaped for COPY.
            out.extend_from_slice(b"\\\\x");
            for byte in b {
                out.extend_from_slice(format!("{byte:02x}").as_bytes());
            }
        }
    }
}

/// The columns a copy writes: those of the PostgreSQL table, each with its type, all of which
/// the SQLite table must have (a column only SQLite keeps, such as a day number, is left).
async fn columns<C: GenericClient>(
    c: &C,
    sqlite: &rusqlite::Connection,
    table: &str,
) -> StoreResult<Vec<(String, String)>> {
    let pg: Vec<(String, String)> = query(
        c,
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        &[&table],
    )
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut st = sqlite
        .prepare(&format!("PRAGMA table_info({table})"))
        .map_err(sqlite_err)?;
    let here: Vec<String> = st
        .query_map([], |r| r.get::<_, String>(1))
        .map_err(sqlite_err)?
        .collect::<rusqlite::Result<_>>()
        .map_err(sqlite_err)?;
    if let Some((missing, _)) = pg.iter().find(|(c, _)| !here.contains(c)) {
        return Err(StoreError::Backend(format!(
            "table {table}: the SQLite database has no column {missing}; upgrade it first"
        )));
    }
    Ok(pg)
}

/// Reads rows after `after` (rowid) of `table` and encodes them; the last rowid read.
fn read_chunk(
    sqlite: &rusqlite::Connection,
    table: &str,
    cols: &[(String, String)],
    after: i64,
    out: &mut Vec<u8>,
) -> StoreResult<Option<i64>> {
    let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
    // Units by depth, so a parent is always written before its children.
    let order = if table == "org_units" {
        "length(path), rowid"
    } else {
        "rowid"
    };
    let mut st = sqlite
        .prepare_cached(&format!(
            "SELECT rowid, {} FROM {table} WHERE rowid > ?1 ORDER BY {order} LIMIT ?2",
            names.join(", ")
        ))
        .map_err(sqlite_err)?;
    let limit = if table == "org_units" {
        i64::MAX
    } else {
        CHUNK
    };
    let mut rows = st.query([after, limit]).map_err(sqlite_err)?;
    let mut last = None;
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        last = Some(row.get::<_, i64>(0).map_err(sqlite_err)?);
        for (i, (_, pg_type)) in cols.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            encode(out, row.get_ref(i + 1).map_err(sqlite_err)?, pg_type);
        }
        out.push(b'\n');
    }
    Ok(last)
}

impl PgStore {
    /// Copies a SQLite database of the current schema into this (empty) database, in one
    /// transaction: nothing is written unless everything is.
    pub async fn import_sqlite(&self, path: &Path) -> StoreResult<Copied> {
        let sqlite =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(sqlite_err)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        for table in ["org_units", "visits", "audit_log"] {
            let held: i64 = query(&tx, &format!("SELECT count(*) FROM {table}"), &[])
                .await?
                .first()
                .map(|r| r.get(0))
                .unwrap_or(0);
            if held > 0 {
                return Err(StoreError::Backend(format!(
                    "the target database already holds data ({table}: {held} rows); migrate into an empty one"
                )));
            }
        }
        // The schema starts the counter and the chain head at zero: the copied rows replace them.
        tx.batch_execute("DELETE FROM change_counter")
            .await
            .map_err(backend)?;
        let mut copied = Vec::new();
        for &table in TABLES {
            let cols = columns(&tx, &sqlite, table).await?;
            let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
            let sink = tx
                .copy_in(&format!("COPY {table} ({}) FROM STDIN", names.join(", ")))
                .await
                .map_err(backend)?;
            futures_util::pin_mut!(sink);
            let (mut after, mut rows) = (0_i64, 0_u64);
            loop {
                let mut buf = Vec::new();
                let Some(last) = tokio::task::block_in_place(|| {
                    read_chunk(&sqlite, table, &cols, after, &mut buf)
                })?
                else {
                    break;
                };
                rows += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                after = last;
                sink.send(Bytes::from(buf)).await.map_err(backend)?;
                if table == "org_units" {
                    break;
                }
            }
            let written = sink.finish().await.map_err(backend)?;
            if written != rows {
                return Err(StoreError::Backend(format!(
                    "table {table}: {rows} rows read, {written} written"
                )));
            }
            // What the target holds, for the caller to check against the source's own count.
            let held: i64 = query(&tx, &format!("SELECT count(*) FROM {table}"), &[])
                .await?
                .first()
                .map(|r| r.get(0))
                .unwrap_or(0);
            copied.push((table, u64::try_from(held).unwrap_or(0)));
        }
        // Sequences continue after the copied ids; the chain head is the last copied entry.
        let serial = query(
            &tx,
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()
                 AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
            &[],
        )
        .await?;
        for r in serial {
            let (table, column): (String, String) = (r.get(0), r.get(1));
            tx.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                     coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            ))
            .await
            .map_err(backend)?;
        }
        tx.batch_execute(
            "UPDATE audit_head SET (seq, hash) = (SELECT seq, hash FROM audit_log
                 ORDER BY seq DESC LIMIT 1) WHERE EXISTS (SELECT 1 FROM audit_log)",
        )
        .await
        .map_err(backend)?;
        super::dues::rewrite(&tx, Target::Branch("/")).await?;
        tx.commit().await.map_err(backend)?;
        Ok(Copied { tables: copied })
    }
}

/// The tables a migration leaves out, with the reason, for the operator's summary.
pub fn left_out() -> &'static [(&'static str, &'static str)] {
    LEFT_OUT
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_a_row() {
        let mut out = Vec::new();
        encode(&mut out, ValueRef::Text(b"a\tb\nc\\d"), "text");
        assert_eq!(out, b"a\\tb\\nc\\\\d");
        out.clear();
        encode(&mut out, ValueRef::Blob(&[0, 255]), "bytea");
        assert_eq!(out, b"\\\\x00ff");
        out.clear();
        encode(&mut out, ValueRef::Integer(1), "boolean");
        encode(&mut out, ValueRef::Null, "text");
        assert_eq!(out, b"t\\N");
    }
}

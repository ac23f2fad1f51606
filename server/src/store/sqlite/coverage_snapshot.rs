//! The village books coverage kept, written when the server stops and read back at the next
//! start: decoding them and catching up from the change log is quicker than reading every
//! household. A snapshot is only a starting point: the log after its entry decides what is
//! current, and one the log no longer covers is read past (every village is read again).

use std::sync::Arc;

use rusqlite::{Connection, params};

use super::backend;
use super::coverage_cache::Snapshot;
use crate::store::{CoverageBook, StoreResult};

/// Replaces the stored snapshot.
pub(super) fn save(c: &mut Connection, kept: &Snapshot<Arc<CoverageBook>>) -> StoreResult<()> {
    let tx = c.transaction().map_err(backend)?;
    tx.execute("DELETE FROM coverage_snapshot", [])
        .map_err(backend)?;
    {
        let mut st = tx
            .prepare("INSERT INTO coverage_snapshot (village_id, seen, book) VALUES (?1, ?2, ?3)")
            .map_err(backend)?;
        for (village, book) in &kept.books {
            st.execute(params![village, kept.seen, book.to_bytes()])
                .map_err(backend)?;
        }
    }
    tx.commit().map_err(backend)
}

/// The stored snapshot; `None` when there is none, or when any part of it does not read back as
/// written. The books are decoded on every core.
pub(super) fn load(c: &Connection) -> StoreResult<Option<Snapshot<CoverageBook>>> {
    let mut st = c
        .prepare("SELECT village_id, seen, book FROM coverage_snapshot")
        .map_err(backend)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    let Some(seen) = rows.first().map(|r| r.1) else {
        return Ok(None);
    };
    // Written in one transaction, so every row has the same entry; anything else is not ours.
    if rows.iter().any(|r| r.1 != seen) {
        return Ok(None);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = rows.len().div_ceil(threads).max(1);
    let decode = |part: &[(String, i64, Vec<u8>)]| {
        part.iter()
            .map(|(village, _, bytes)| Some((village.clone(), CoverageBook::from_bytes(bytes)?)))
            .collect::<Option<Vec<_>>>()
    };
    let parts: Vec<Option<Vec<(String, CoverageBook)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(share)
            .map(|part| scope.spawn(move || decode(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let books = parts.into_iter().collect::<Option<Vec<_>>>();
    Ok(books.map(|books| Snapshot {
        seen,
        books: books.into_iter().flatten().collect(),
    }))
}

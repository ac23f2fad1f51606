//! The village books coverage keeps, written down after the start-up warm-up, every minute or so
//! while serving (only the books that changed) and at a stop, and read back at the next start:
//! decoding them and catching up from the change log is quicker than reading every household,
//! after a crash too. A snapshot is only a starting point: the log after its mark decides what is
//! current, and one the log no longer covers is read past (every village is read again).

use rusqlite::{Connection, OptionalExtension, params};

use super::backend;
use super::coverage_cache::{Stored, Unsaved};
use crate::store::{StoreError, StoreResult};

/// A snapshot write made ready away from the writer: the changed books as bytes.
pub(super) struct Encoded {
    seen: i64,
    on_top_of: Option<i64>,
    kept: String,
    books: Vec<(String, Vec<u8>)>,
}

/// Encodes what [`save`] writes (a county's books take some tens of milliseconds, which the
/// writer connection should not be held for).
pub(super) fn encode(unsaved: &Unsaved) -> StoreResult<Encoded> {
    Ok(Encoded {
        seen: unsaved.seen,
        on_top_of: unsaved.on_top_of,
        kept: serde_json::to_string(&unsaved.kept)
            .map_err(|e| StoreError::Backend(format!("kept village ids: {e}")))?,
        books: unsaved
            .changed
            .iter()
            .map(|(village, book)| (village.clone(), book.to_bytes()))
            .collect(),
    })
}

/// Brings the stored snapshot up to the kept books, in one transaction: the changed books are
/// written, books of villages no longer kept are dropped, and the mark moves to their log entry.
/// Books kept unchanged since the last write are left as they are: no change touched them, so
/// they hold every change up to the new mark too. That holds only on top of this cache's own last
/// write: when another process wrote since, nothing is written and the answer is `false`.
pub(super) fn save(c: &mut Connection, encoded: &Encoded) -> StoreResult<bool> {
    let tx = c.transaction().map_err(backend)?;
    if encoded.on_top_of.is_some() && mark(&tx)? != encoded.on_top_of {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM coverage_snapshot
         WHERE village_id NOT IN (SELECT value FROM json_each(?1))",
        [&encoded.kept],
    )
    .map_err(backend)?;
    {
        let mut st = tx
            .prepare(
                "INSERT INTO coverage_snapshot (village_id, book) VALUES (?1, ?2)
                 ON CONFLICT (village_id) DO UPDATE SET book = excluded.book",
            )
            .map_err(backend)?;
        for (village, bytes) in &encoded.books {
            st.execute(params![village, bytes]).map_err(backend)?;
        }
    }
    tx.execute(
        "INSERT INTO coverage_snapshot_mark (only, seen) VALUES (1, ?1)
         ON CONFLICT (only) DO UPDATE SET seen = excluded.seen",
        [encoded.seen],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(true)
}

/// The log entry of the stored snapshot, if there is one.
pub(super) fn mark(c: &Connection) -> StoreResult<Option<i64>> {
    c.prepare_cached("SELECT seen FROM coverage_snapshot_mark")
        .and_then(|mut st| st.query_row([], |r| r.get(0)).optional())
        .map_err(backend)
}

/// The stored snapshot, its books still as bytes (they are decoded as they are caught up);
/// `None` when there is none.
pub(super) fn load(c: &Connection) -> StoreResult<Option<Stored>> {
    let tx = c.unchecked_transaction().map_err(backend)?;
    let Some(mark) = mark(&tx)? else {
        return Ok(None);
    };
    let mut st = tx
        .prepare("SELECT village_id, book FROM coverage_snapshot")
        .map_err(backend)?;
    let books = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)?;
    Ok((!books.is_empty()).then_some(Stored { mark, books }))
}

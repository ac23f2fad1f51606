//! The SQLite store's upkeep of the coverage books it keeps (`coverage_cache.rs`): reading them
//! back at start, catching them up from the change log, reading again what is missing, and
//! writing them down (`coverage_snapshot.rs`). Everything here runs in the cache's turn.

use std::sync::Arc;

use super::coverage_cache::{self, LogRead, Stored};
use super::{SqliteStore, backend, blocking_failed, coverage_snapshot, reports};
use crate::store::{CoverageBook, StoreResult};

impl SqliteStore {
    /// The village books of the branch at `path`, in unit id order: kept books brought up to
    /// date, the others read and kept.
    pub(super) async fn kept_county_books(
        &self,
        path: String,
    ) -> StoreResult<Vec<Arc<CoverageBook>>> {
        let _turn = self.coverage_cache.turn().await;
        self.kept_books_in_turn(path).await
    }

    /// [`Self::kept_county_books`] for a caller that holds the turn.
    async fn kept_books_in_turn(&self, path: String) -> StoreResult<Vec<Arc<CoverageBook>>> {
        let cache = Arc::clone(&self.coverage_cache);
        self.catch_up_kept(true).await?;
        let units = self.read(move |c| reports::unit_ids(c, &path)).await?;
        let mut books = cache.lookup(&units);
        let missing: Vec<usize> = (0..units.len()).filter(|&i| books[i].is_none()).collect();
        let ids = missing.iter().map(|&i| units[i].clone()).collect();
        // Read after the log was, so each holds at least every change the kept books have seen.
        for (&i, book) in missing.iter().zip(self.village_books(ids, None).await?) {
            let book = Arc::new(book);
            cache.keep(&units[i], Arc::clone(&book));
            books[i] = Some(book);
        }
        Ok(books.into_iter().flatten().collect())
    }

    /// Whether every household fits the cache (past its size, reading the whole tree ahead
    /// would only push villages out again).
    async fn tree_fits(&self) -> StoreResult<bool> {
        let households: i64 = self
            .read(|c| {
                c.query_row("SELECT count(*) FROM households", [], |r| r.get(0))
                    .map_err(backend)
            })
            .await?;
        Ok(usize::try_from(households).is_ok_and(|n| n <= coverage_cache::CAPACITY_HOUSEHOLDS))
    }

    /// Reads back (or reads) the book of every village, when the tree fits the cache.
    pub(super) async fn warm_kept(&self) -> StoreResult<()> {
        let _turn = self.coverage_cache.turn().await;
        self.keep_whole_tree_in_turn().await
    }

    /// [`Self::warm_kept`] for a caller that holds the turn.
    async fn keep_whole_tree_in_turn(&self) -> StoreResult<()> {
        if self.tree_fits().await? {
            self.kept_books_in_turn("/".into()).await?;
        }
        Ok(())
    }

    /// Catches the kept books up; when there were too many changes for that (a large import),
    /// reads every village again now rather than at the next report.
    pub(super) async fn refresh_kept(&self) -> StoreResult<()> {
        let _turn = self.coverage_cache.turn().await;
        let kept_any = self.coverage_cache.keeps_any();
        self.catch_up_kept(false).await?;
        if kept_any && !self.coverage_cache.keeps_any() {
            self.keep_whole_tree_in_turn().await?;
        }
        Ok(())
    }

    /// Writes down the kept books that changed since the last write.
    pub(super) async fn save_kept(&self) -> StoreResult<()> {
        let cache = Arc::clone(&self.coverage_cache);
        let _turn = cache.turn().await;
        self.catch_up_kept(false).await?;
        // Twice at most: a write on top of another process's snapshot is refused and made whole.
        for _ in 0..2 {
            let Some(unsaved) = cache.unsaved() else {
                return Ok(());
            };
            let unsaved = Arc::new(unsaved);
            let encoding = Arc::clone(&unsaved);
            let encoded = tokio::task::spawn_blocking(move || coverage_snapshot::encode(&encoding))
                .await
                .map_err(blocking_failed)??;
            if self
                .call(move |c| coverage_snapshot::save(c, &encoded))
                .await?
            {
                cache.saved(&unsaved);
                return Ok(());
            }
            cache.forget_saved();
        }
        Ok(())
    }

    /// Brings the kept coverage books up to the newest change log entry. With `restore`, a cache
    /// that keeps nothing yet starts from the snapshot of the last run; without, it stays empty.
    async fn catch_up_kept(&self, restore: bool) -> StoreResult<()> {
        let cache = Arc::clone(&self.coverage_cache);
        let seen = cache.seen();
        if seen.is_none() && restore {
            if let Some((stored, log)) = self.read_back_snapshot().await? {
                return tokio::task::spawn_blocking(move || cache.restore(stored, log))
                    .await
                    .map_err(blocking_failed);
            }
        } else if seen.is_none() {
            return Ok(());
        }
        let log = self.read_log(seen).await?;
        tokio::task::spawn_blocking(move || cache.catch_up(log))
            .await
            .map_err(blocking_failed)
    }

    /// The change log after `seen`, as [`reports::changes_after`] reads it.
    async fn read_log(&self, seen: Option<i64>) -> StoreResult<LogRead> {
        self.read(move |c| reports::changes_after(c, seen, coverage_cache::CATCH_UP_LIMIT))
            .await
    }

    /// The stored snapshot with the change log after it; the two are read side by side on two
    /// reader connections (a restart waits for both).
    async fn read_back_snapshot(&self) -> StoreResult<Option<(Stored, LogRead)>> {
        let Some(mark) = self.point_read(coverage_snapshot::mark).await? else {
            return Ok(None);
        };
        let (stored, log) = tokio::try_join!(
            self.read(coverage_snapshot::load),
            self.read_log(Some(mark))
        )?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        // A write of the snapshot in between moved its mark: the log is read again from there.
        let log = if stored.mark == mark {
            log
        } else {
            self.read_log(Some(stored.mark)).await?
        };
        Ok(Some((stored, log)))
    }
}

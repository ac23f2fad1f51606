//! Village books kept between coverage reports. Every change to a household row that coverage
//! reads is logged in `household_changes` (by triggers, so writes from any connection or process
//! count). A report first reads the log after the last entry the kept books have seen, with the
//! changed households' rows, and rebuilds the kept books of the villages they touch from those
//! rows; then it reads whole only the villages it keeps no book of. Under steady ingest across a
//! county that is a few hundred rows per report instead of 200,000 index entries.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::on_every_core::map_on_every_core;
use crate::store::CoverageBook;

/// Households kept at most (about 200 bytes each with five visits: some 100 MB); the villages
/// used longest ago go first.
pub(super) const CAPACITY_HOUSEHOLDS: usize = 500_000;

/// Log entries a report catches up on at most; past this, reading the villages whole again is
/// about as quick as reading every changed household on its own.
pub(super) const CATCH_UP_LIMIT: usize = 20_000;

/// What changed after the entry kept books have seen.
pub(super) struct Changes {
    /// The (village, household) of each log entry; a household that moved appears under both.
    pub(super) touched: Vec<(String, String)>,
    /// The current rows of the touched households still stored, in village-book order.
    pub(super) rows: CoverageBook,
}

/// The change log as a report read it.
pub(super) struct LogRead {
    /// The newest entry at the time of the read (0 for an empty log).
    pub(super) last: i64,
    /// The changes since the kept books' entry, or `None` to start again from nothing: no books
    /// were kept yet, the entries needed were cut from the log, or there are too many.
    pub(super) changes: Option<Changes>,
}

/// A stored snapshot as read: village books as bytes that hold every change up to log entry
/// `mark` (and maybe some after it).
pub(super) struct Stored {
    /// The log entry.
    pub(super) mark: i64,
    /// The book of each village, as [`CoverageBook::to_bytes`] wrote it.
    pub(super) books: Vec<(String, Vec<u8>)>,
}

impl Changes {
    /// For each village `kept` says yes to: the households the changes touched there, and where
    /// the current rows of its households lie in `rows`.
    fn by_village(&self, kept: impl Fn(&str) -> bool) -> HashMap<&str, Touched<'_>> {
        let fresh = village_runs(&self.rows);
        let mut by_village: HashMap<&str, Touched<'_>> = HashMap::new();
        for (village, household) in &self.touched {
            if kept(village) {
                by_village
                    .entry(village.as_str())
                    .or_insert_with(|| Touched {
                        gone: HashSet::new(),
                        run: fresh.get(village.as_str()).cloned().unwrap_or(0..0),
                    })
                    .gone
                    .insert(household.as_str());
            }
        }
        by_village
    }
}

/// What changed in one village.
struct Touched<'a> {
    /// Households whose kept entries are out of date.
    gone: HashSet<&'a str>,
    /// Where the current rows of the village's changed households lie in [`Changes::rows`].
    run: Range<usize>,
}

struct Cached {
    book: Arc<CoverageBook>,
    /// When it was last asked for (a counter, not a time).
    used: u64,
    /// Whether the stored snapshot holds this very book.
    saved: bool,
}

/// What the next snapshot write needs: the kept books the stored snapshot lacks, and every
/// village kept (a stored book of any other village is out of date).
pub(super) struct Unsaved {
    /// The log entry every kept book has seen.
    pub(super) seen: i64,
    /// Books kept since the last write, or rebuilt after it.
    pub(super) changed: Vec<(String, Arc<CoverageBook>)>,
    /// Every village kept.
    pub(super) kept: Vec<String>,
    /// The mark of the stored snapshot these changes go on top of; `None` when `changed` holds
    /// every kept book (nothing of this cache was stored yet).
    pub(super) on_top_of: Option<i64>,
}

#[derive(Default)]
struct Kept {
    /// Every kept book holds every change up to this log entry, and maybe some after it.
    seen: Option<i64>,
    by_id: HashMap<String, Cached>,
    households: usize,
    clock: u64,
    /// The log entry of the stored snapshot, as this cache last read or wrote it.
    saved_seen: Option<i64>,
}

/// The cache; shared by the store's clones.
#[derive(Default)]
pub(super) struct CoverageCache {
    kept: Mutex<Kept>,
    /// One report brings the books up to date at a time: two at once would read the same
    /// changes twice and could keep a book older than the entry they record.
    turn: tokio::sync::Mutex<()>,
}

impl CoverageCache {
    /// Waits for this report's turn to read the log and bring books up to date.
    pub(super) async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// The log entry the kept books have seen (`None` when nothing is kept).
    pub(super) fn seen(&self) -> Option<i64> {
        self.kept.lock().ok().and_then(|k| k.seen)
    }

    /// Brings every kept book up to `read.last`, rebuilding the books of villages the changes
    /// touch from the changed rows, or drops them all when the read says to start again.
    pub(super) fn catch_up(&self, read: LogRead) {
        // A poisoned lock only means another report panicked mid-update; nothing is kept then.
        let Ok(mut k) = self.kept.lock() else {
            return;
        };
        let Some(changes) = read.changes else {
            k.start_again(read.last);
            return;
        };
        let jobs: Vec<_> = changes
            .by_village(|v| k.by_id.contains_key(v))
            .into_iter()
            .filter_map(|(village, touched)| {
                Some((village, Arc::clone(&k.by_id.get(village)?.book), touched))
            })
            .collect();
        // Ingest everywhere touches every village: a county's books rebuilt, on every core.
        let rebuilt = map_on_every_core(&jobs, |(_, base, touched)| {
            patched(base, touched, &changes.rows)
        });
        for ((village, ..), book) in jobs.iter().zip(rebuilt) {
            let Some(c) = k.by_id.get_mut(*village) else {
                continue;
            };
            let (old, new) = (c.book.households.len(), book.households.len());
            c.book = Arc::new(book);
            c.saved = false;
            k.households = k.households - old + new;
        }
        k.seen = Some(read.last);
        k.evict();
    }

    /// Keeps the books of a stored snapshot, brought up to `read`, in place of anything kept (the
    /// store's first report, before any book was kept). Each book is decoded and, when changes
    /// touch its village, rebuilt in the same pass, on every core. When the read says to start
    /// again, or a book does not read back as written, nothing is kept.
    pub(super) fn restore(&self, stored: Stored, read: LogRead) {
        let Ok(mut k) = self.kept.lock() else {
            return;
        };
        k.start_again(read.last);
        k.saved_seen = Some(stored.mark);
        let Some(changes) = &read.changes else {
            return;
        };
        let villages: HashSet<&str> = stored.books.iter().map(|(v, _)| v.as_str()).collect();
        let touched = changes.by_village(|v| villages.contains(v));
        let books = map_on_every_core(&stored.books, |(village, bytes)| {
            let book = CoverageBook::from_bytes(bytes)?;
            Some(match touched.get(village.as_str()) {
                Some(t) => (patched(&book, t, &changes.rows), false),
                None => (book, true),
            })
        });
        let Some(books) = books.into_iter().collect::<Option<Vec<_>>>() else {
            return;
        };
        for ((village, _), (book, saved)) in stored.books.iter().zip(books) {
            k.put(village, Arc::new(book), saved);
        }
        k.evict();
    }

    /// What a snapshot write would add to the stored one; `None` when nothing is kept, or when
    /// the stored snapshot already holds every kept book as it is.
    pub(super) fn unsaved(&self) -> Option<Unsaved> {
        let k = self.kept.lock().ok()?;
        let seen = k.seen?;
        let on_top_of = k.saved_seen;
        let changed: Vec<_> = k
            .by_id
            .iter()
            .filter(|(_, c)| !c.saved || on_top_of.is_none())
            .map(|(id, c)| (id.clone(), Arc::clone(&c.book)))
            .collect();
        if changed.is_empty() && on_top_of == Some(seen) {
            return None;
        }
        Some(Unsaved {
            seen,
            changed,
            kept: k.by_id.keys().cloned().collect(),
            on_top_of,
        })
    }

    /// Forgets what was stored: the stored snapshot is not this cache's last write (another
    /// process wrote one), so the next write is of every kept book.
    pub(super) fn forget_saved(&self) {
        if let Ok(mut k) = self.kept.lock() {
            k.saved_seen = None;
            for c in k.by_id.values_mut() {
                c.saved = false;
            }
        }
    }

    /// Whether any book is kept.
    pub(super) fn keeps_any(&self) -> bool {
        self.kept.lock().is_ok_and(|k| !k.by_id.is_empty())
    }

    /// Records that `written` is now the stored snapshot; a book replaced meanwhile stays unsaved.
    pub(super) fn saved(&self, written: &Unsaved) {
        let Ok(mut k) = self.kept.lock() else {
            return;
        };
        for (village, book) in &written.changed {
            if let Some(c) = k.by_id.get_mut(village)
                && Arc::ptr_eq(&c.book, book)
            {
                c.saved = true;
            }
        }
        k.saved_seen = Some(written.seen);
    }

    /// The kept book of each village, `None` for those not kept.
    pub(super) fn lookup(&self, villages: &[String]) -> Vec<Option<Arc<CoverageBook>>> {
        let Ok(mut k) = self.kept.lock() else {
            return vec![None; villages.len()];
        };
        k.clock += 1;
        let now = k.clock;
        villages
            .iter()
            .map(|id| {
                let c = k.by_id.get_mut(id)?;
                c.used = now;
                Some(Arc::clone(&c.book))
            })
            .collect()
    }

    /// Keeps a village's book, read whole after the log entry the kept books have seen.
    pub(super) fn keep(&self, village: &str, book: Arc<CoverageBook>) {
        let Ok(mut k) = self.kept.lock() else {
            return;
        };
        if k.seen.is_none() || book.households.len() > CAPACITY_HOUSEHOLDS {
            return;
        }
        k.put(village, book, false);
        k.evict();
    }
}

impl Kept {
    /// Drops every book; the log read up to `last` says to start again from nothing.
    fn start_again(&mut self, last: i64) {
        self.by_id.clear();
        self.households = 0;
        self.seen = Some(last);
    }

    /// Keeps `book` for `village` in place of any kept before, as used just now.
    fn put(&mut self, village: &str, book: Arc<CoverageBook>, saved: bool) {
        self.clock += 1;
        let size = book.households.len();
        let used = self.clock;
        if let Some(old) = self
            .by_id
            .insert(village.to_owned(), Cached { book, used, saved })
        {
            self.households -= old.book.households.len();
        }
        self.households += size;
    }

    fn evict(&mut self) {
        while self.households > CAPACITY_HOUSEHOLDS {
            let Some(oldest) = self
                .by_id
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            if let Some(c) = self.by_id.remove(&oldest) {
                self.households -= c.book.households.len();
            }
        }
    }
}

/// Where each village's households lie in a book ordered by village.
fn village_runs(book: &CoverageBook) -> HashMap<&str, Range<usize>> {
    let mut runs: HashMap<&str, Range<usize>> = HashMap::new();
    for (i, h) in book.households.iter().enumerate() {
        runs.entry(book.village(h))
            .and_modify(|r| r.end = i + 1)
            .or_insert(i..i + 1);
    }
    runs
}

/// `base` without the households `touched` has gone, with `fresh`'s households in its run merged
/// in, in village-book order (worker, households with none first, then household id). The
/// households between changes are copied as runs.
fn patched(base: &CoverageBook, touched: &Touched<'_>, fresh: &CoverageBook) -> CoverageBook {
    fn key(b: &CoverageBook, i: usize) -> (Option<&str>, &str) {
        let h = &b.households[i];
        (b.worker(h), b.id(h))
    }
    let Touched { gone, run } = touched;
    let mut out = CoverageBook::default();
    out.reserve_like(base);
    let (mut next, mut from) = (run.start, 0);
    for i in 0..base.households.len() {
        if next < run.end && key(fresh, next) < key(base, i) {
            out.append_range(base, from..i);
            from = i;
            while next < run.end && key(fresh, next) < key(base, i) {
                out.push_household(fresh, &fresh.households[next]);
                next += 1;
            }
        }
        if gone.contains(base.id(&base.households[i])) {
            out.append_range(base, from..i);
            from = i + 1;
        }
    }
    out.append_range(base, from..base.households.len());
    out.append_range(fresh, next..run.end);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn book(village: &str, households: &[(&str, Option<&str>, &str)]) -> CoverageBook {
        let mut b = CoverageBook::default();
        for (id, worker, head) in households {
            b.begin_household(id, head, "", village, *worker);
        }
        b
    }

    fn sized(households: usize) -> Arc<CoverageBook> {
        let mut b = CoverageBook::default();
        for i in 0..households {
            b.begin_household(&format!("h{i}"), "", "", "v", None);
        }
        Arc::new(b)
    }

    fn heads(b: &CoverageBook) -> Vec<(&str, &str)> {
        b.households
            .iter()
            .map(|h| (b.id(h), b.head_name(h)))
            .collect()
    }

    fn changes(touched: &[(&str, &str)], rows: CoverageBook) -> Option<Changes> {
        Some(Changes {
            touched: touched
                .iter()
                .map(|(v, h)| ((*v).to_owned(), (*h).to_owned()))
                .collect(),
            rows,
        })
    }

    #[test]
    fn changed_households_are_replaced_in_order_and_moves_and_deletes_follow() {
        let c = CoverageCache::default();
        c.catch_up(LogRead {
            last: 0,
            changes: None,
        });
        c.keep(
            "v1",
            Arc::new(book(
                "v1",
                &[
                    ("a", None, "甲"),
                    ("b", Some("w"), "乙"),
                    ("d", Some("w"), "丁"),
                ],
            )),
        );
        c.keep("v2", Arc::new(book("v2", &[("x", Some("w"), "戊")])));
        c.keep("v3", Arc::new(book("v3", &[("y", Some("w"), "己")])));
        // `b` renamed, `c` added, `a` moved to v2, `d` deleted; v3 untouched.
        let mut rows = book("v1", &[("b", Some("w"), "乙二"), ("c", Some("w"), "丙")]);
        rows.append(&book("v2", &[("a", None, "甲")]));
        c.catch_up(LogRead {
            last: 7,
            changes: changes(
                &[
                    ("v1", "b"),
                    ("v1", "c"),
                    ("v2", "a"),
                    ("v1", "a"),
                    ("v1", "d"),
                    ("v9", "z"),
                ],
                rows,
            ),
        });
        assert_eq!(c.seen(), Some(7));
        let got = c.lookup(&["v1".into(), "v2".into(), "v3".into(), "v9".into()]);
        assert_eq!(
            heads(got[0].as_ref().unwrap()),
            [("b", "乙二"), ("c", "丙")]
        );
        assert_eq!(heads(got[1].as_ref().unwrap()), [("a", "甲"), ("x", "戊")]);
        assert_eq!(heads(got[2].as_ref().unwrap()), [("y", "己")]);
        assert!(got[3].is_none(), "a village never read is not made up");
        assert_eq!(c.kept.lock().unwrap().households, 5);
    }

    #[test]
    fn a_restored_snapshot_is_caught_up_as_it_is_decoded() {
        let stored = |v2: Vec<u8>| Stored {
            mark: 3,
            books: vec![
                ("v1".into(), book("v1", &[("a", None, "甲")]).to_bytes()),
                ("v2".into(), v2),
            ],
        };
        let v2 = book("v2", &[("b", None, "乙")]).to_bytes();
        let read = || LogRead {
            last: 5,
            changes: changes(
                &[("v2", "b"), ("v9", "z")],
                book("v2", &[("b", None, "乙二")]),
            ),
        };
        let c = CoverageCache::default();
        c.restore(stored(v2.clone()), read());
        assert_eq!(c.seen(), Some(5));
        let got = c.lookup(&["v1".into(), "v2".into(), "v9".into()]);
        assert_eq!(heads(got[0].as_ref().unwrap()), [("a", "甲")]);
        assert_eq!(heads(got[1].as_ref().unwrap()), [("b", "乙二")]);
        assert!(got[2].is_none());
        // Only the rebuilt book is left to write, on top of the snapshot read.
        let unsaved = c.unsaved().unwrap();
        let changed: Vec<&str> = unsaved.changed.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!((changed, unsaved.on_top_of), (vec!["v2"], Some(3)));

        // A book that does not read back, or a log that says start again: nothing is kept.
        let c = CoverageCache::default();
        c.restore(stored(vec![0]), read());
        assert!(!c.keeps_any());
        assert_eq!(c.seen(), Some(5));
        let c = CoverageCache::default();
        c.restore(
            stored(v2),
            LogRead {
                last: 9,
                changes: None,
            },
        );
        assert!(!c.keeps_any());
        assert_eq!(c.seen(), Some(9));
    }

    #[test]
    fn starting_again_drops_every_book_and_nothing_is_kept_before_the_log_is_read() {
        let c = CoverageCache::default();
        c.keep("v", sized(3));
        assert!(
            c.lookup(&["v".into()])[0].is_none(),
            "no log entry seen yet"
        );
        c.catch_up(LogRead {
            last: 4,
            changes: None,
        });
        c.keep("v", sized(3));
        assert!(c.lookup(&["v".into()])[0].is_some());
        c.catch_up(LogRead {
            last: 90,
            changes: None,
        });
        assert!(c.lookup(&["v".into()])[0].is_none());
        assert_eq!(c.seen(), Some(90));
    }

    #[test]
    fn the_least_recently_used_villages_go_first_past_capacity() {
        let c = CoverageCache::default();
        c.catch_up(LogRead {
            last: 0,
            changes: None,
        });
        let half = CAPACITY_HOUSEHOLDS / 2;
        c.keep("a", sized(half));
        c.keep("b", sized(half));
        // `a` is asked for again, so `b` is the oldest when `c` arrives.
        assert!(c.lookup(&["a".into()])[0].is_some());
        c.keep("c", sized(10));
        let hit = c.lookup(&["a".into(), "b".into(), "c".into()]);
        assert_eq!(
            hit.iter().map(Option::is_some).collect::<Vec<_>>(),
            [true, false, true]
        );
        assert_eq!(c.kept.lock().unwrap().households, half + 10);
    }
}

//! Village books kept between coverage reports. Every change to a household row bumps its
//! village's revision (`village_revs`, kept by triggers, so writes from any connection or process
//! count); a report compares the revisions of its villages with the cached ones and reads again
//! only the villages that changed. A county's report then replays books already in memory instead
//! of scanning 200,000 index entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::CoverageBook;

/// Households kept at most (about 200 bytes each with five visits: some 100 MB); the villages
/// used longest ago go first.
pub(super) const CAPACITY_HOUSEHOLDS: usize = 500_000;

/// One village's book as read at a revision.
struct Cached {
    rev: i64,
    book: Arc<CoverageBook>,
    /// When it was last asked for (a counter, not a time).
    used: u64,
}

#[derive(Default)]
struct Villages {
    by_id: HashMap<String, Cached>,
    households: usize,
    clock: u64,
}

/// The cache; shared by the store's clones.
#[derive(Default)]
pub(super) struct CoverageCache {
    villages: Mutex<Villages>,
}

impl CoverageCache {
    /// The cached book of each `(village, revision)` still at that revision.
    pub(super) fn lookup(&self, wanted: &[(String, i64)]) -> Vec<Option<Arc<CoverageBook>>> {
        // A poisoned lock only means another report panicked mid-update: read everything again.
        let Ok(mut v) = self.villages.lock() else {
            return vec![None; wanted.len()];
        };
        v.clock += 1;
        let now = v.clock;
        wanted
            .iter()
            .map(|(id, rev)| {
                let c = v.by_id.get_mut(id).filter(|c| c.rev == *rev)?;
                c.used = now;
                Some(Arc::clone(&c.book))
            })
            .collect()
    }

    /// Keeps `book`, read at revision `rev` or later, unless a newer one is already kept.
    pub(super) fn keep(&self, village: &str, rev: i64, book: Arc<CoverageBook>) {
        let Ok(mut v) = self.villages.lock() else {
            return;
        };
        let size = book.households.len();
        if size > CAPACITY_HOUSEHOLDS {
            return;
        }
        v.clock += 1;
        let used = v.clock;
        let replaced = match v.by_id.get(village) {
            Some(old) if old.rev > rev => return,
            Some(old) => old.book.households.len(),
            None => 0,
        };
        v.by_id
            .insert(village.to_owned(), Cached { rev, book, used });
        v.households = v.households - replaced + size;
        while v.households > CAPACITY_HOUSEHOLDS {
            let Some(oldest) = v
                .by_id
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            if let Some(c) = v.by_id.remove(&oldest) {
                v.households -= c.book.households.len();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn book(households: usize) -> Arc<CoverageBook> {
        let mut b = CoverageBook::default();
        for i in 0..households {
            b.begin_household(&format!("h{i}"), "", "", "v", None);
        }
        Arc::new(b)
    }

    #[test]
    fn a_book_is_served_only_at_its_revision() {
        let c = CoverageCache::default();
        c.keep("v1", 3, book(2));
        let hit = c.lookup(&[("v1".into(), 3), ("v1".into(), 4), ("v2".into(), 0)]);
        assert_eq!(hit[0].as_ref().map(|b| b.households.len()), Some(2));
        assert!(hit[1].is_none(), "a newer revision is a miss");
        assert!(hit[2].is_none(), "never read");
        // An older read arriving late does not replace a newer one.
        c.keep("v1", 2, book(5));
        assert!(c.lookup(&[("v1".into(), 3)])[0].is_some());
        c.keep("v1", 4, book(1));
        assert_eq!(
            c.lookup(&[("v1".into(), 4)])[0]
                .as_ref()
                .map(|b| b.households.len()),
            Some(1)
        );
    }

    #[test]
    fn the_least_recently_used_villages_go_first_past_capacity() {
        let c = CoverageCache::default();
        let half = CAPACITY_HOUSEHOLDS / 2;
        c.keep("a", 1, book(half));
        c.keep("b", 1, book(half));
        // `a` is asked for again, so `b` is the oldest when `c` arrives.
        assert!(c.lookup(&[("a".into(), 1)])[0].is_some());
        c.keep("c", 1, book(10));
        let hit = c.lookup(&[("a".into(), 1), ("b".into(), 1), ("c".into(), 1)]);
        assert_eq!(
            hit.iter().map(Option::is_some).collect::<Vec<_>>(),
            [true, false, true]
        );
        assert_eq!(c.villages.lock().unwrap().households, half + 10);
    }
}

//! A coverage book as bytes, so a store can keep the books of its last run and read them back at
//! start instead of every household. Little-endian, versioned; reading checks every index, range
//! and date, and gives `None` for anything a book could not have written (a store then reads the
//! households instead).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use fieldvisit_core::caseload::{Category, CategoryRegistration};

use super::{BookHousehold, BookVisit, CoverageBook};

/// Format and version.
const MAGIC: &[u8; 8] = b"FVBOOK01";
/// An absent worker or level.
const NONE: u32 = u32::MAX;

fn category_number(c: Category) -> u8 {
    Category::ALL.iter().position(|x| *x == c).unwrap_or(0) as u8
}

fn category_at(b: u8) -> Option<Category> {
    Category::ALL.get(usize::from(b)).copied()
}

fn date_at(b: &[u8]) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(b.try_into().ok()?))
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, v: usize) {
        self.0.extend_from_slice(&(v as u32).to_le_bytes());
    }
    fn date(&mut self, d: NaiveDate) {
        self.0
            .extend_from_slice(&d.num_days_from_ce().to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.u32(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn index(&mut self, below: usize) -> Option<u32> {
        self.u32().filter(|&i| (i as usize) < below)
    }
    fn optional(&mut self, below: usize) -> Option<Option<u32>> {
        match self.u32()? {
            NONE => Some(None),
            i if (i as usize) < below => Some(Some(i)),
            _ => None,
        }
    }
    fn count(&mut self) -> Option<usize> {
        let n = self.u32()? as usize;
        // Every item takes at least a byte: a count past what is left is corrupt, not a reason
        // to reserve gigabytes.
        (n <= self.0.len()).then_some(n)
    }
    fn text(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
    fn texts(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        (0..n).map(|_| self.text()).collect()
    }
}

impl CoverageBook {
    /// The book as bytes ([`Self::from_bytes`] reads them back).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(
            64 + self.text.len() + self.households.len() * 40 + self.visits.len() * 9,
        ));
        w.0.extend_from_slice(MAGIC);
        for list in [&self.villages, &self.workers, &self.levels] {
            w.u32(list.len());
            for s in list {
                w.text(s);
            }
        }
        w.text(&self.text);
        w.u32(self.households.len());
        for h in &self.households {
            for o in h.text {
                w.u32(o as usize);
            }
            w.u32(h.village as usize);
            w.u32(h.worker.map_or(NONE as usize, |x| x as usize));
            w.u32(h.registrations.end);
            w.u32(h.visits.end);
        }
        w.u32(self.registrations.len());
        for r in &self.registrations {
            w.0.push(category_number(r.category));
            w.date(r.since);
        }
        w.u32(self.visits.len());
        for v in &self.visits {
            w.0.push(category_number(v.category));
            w.date(v.on);
            w.u32(v.level.map_or(NONE as usize, |l| l as usize));
        }
        w.0
    }

    /// A book written by [`Self::to_bytes`], or `None` if the bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<CoverageBook> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let villages = r.texts()?;
        let workers = r.texts()?;
        let levels = r.texts()?;
        let text = r.text()?;
        let n = r.count()?;
        let mut households = Vec::with_capacity(n);
        // Households lie one after another in the text, registrations and visits.
        let (mut text_at, mut reg_at, mut visit_at) = (0u32, 0usize, 0usize);
        for _ in 0..n {
            let mut offsets = [0u32; 4];
            for o in &mut offsets {
                *o = r.u32()?;
            }
            let in_order = offsets[0] == text_at && offsets.windows(2).all(|p| p[0] <= p[1]);
            if !in_order || !offsets.iter().all(|&o| text.is_char_boundary(o as usize)) {
                return None;
            }
            text_at = offsets[3];
            let village = r.index(villages.len())?;
            let worker = r.optional(workers.len())?;
            let (reg_end, visit_end) = (r.u32()? as usize, r.u32()? as usize);
            if reg_end < reg_at || visit_end < visit_at {
                return None;
            }
            households.push(BookHousehold {
                text: offsets,
                village,
                worker,
                registrations: reg_at..reg_end,
                visits: visit_at..visit_end,
            });
            (reg_at, visit_at) = (reg_end, visit_end);
        }
        // Registrations and visits are fixed-size records: read them from one slice each.
        let n = r.count()?;
        let registrations = r
            .take(n.checked_mul(5)?)?
            .chunks_exact(5)
            .map(|c| {
                Some(CategoryRegistration {
                    category: category_at(c[0])?,
                    since: date_at(&c[1..5])?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let n = r.count()?;
        let level_count = levels.len();
        let visits = r
            .take(n.checked_mul(9)?)?
            .chunks_exact(9)
            .map(|c| {
                Some(BookVisit {
                    category: category_at(c[0])?,
                    on: date_at(&c[1..5])?,
                    level: match u32::from_le_bytes(c[5..9].try_into().ok()?) {
                        NONE => None,
                        l if (l as usize) < level_count => Some(l),
                        _ => return None,
                    },
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let whole = text_at as usize == text.len()
            && reg_at == registrations.len()
            && visit_at == visits.len()
            && r.0.is_empty();
        if !whole {
            return None;
        }
        let index = |list: &[String]| -> HashMap<String, u32> {
            list.iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect()
        };
        Some(CoverageBook {
            village_index: index(&villages),
            worker_index: index(&workers),
            villages,
            workers,
            levels,
            text,
            households,
            registrations,
            visits,
            last_code: None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> CoverageBook {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut b = CoverageBook::default();
        b.begin_household("h1", "张三", "320102198001011234", "v1", Some("w"));
        b.add_registration(CategoryRegistration {
            category: Category::Tekun,
            since: d(1, 1),
        });
        b.add_visit("tekun", d(2, 1), Some("HIGH"));
        b.add_visit("tekun", d(3, 1), None);
        b.begin_household("h2", "", "", "v1", None);
        b.begin_household("h3", "李四", "1", "v2", Some("w2"));
        b.add_registration(CategoryRegistration {
            category: Category::LeftBehindChild,
            since: d(1, 5),
        });
        b.add_visit("left_behind_child", d(4, 1), Some("LOW"));
        b
    }

    #[test]
    fn a_book_reads_back_as_written_and_can_grow_after() {
        let b = sample();
        let mut back = CoverageBook::from_bytes(&b.to_bytes()).unwrap();
        assert_eq!(back.contents(), b.contents());
        assert_eq!(
            CoverageBook::from_bytes(&CoverageBook::default().to_bytes())
                .unwrap()
                .households
                .len(),
            0
        );
        // The indexes are rebuilt: appending interns against them.
        back.append(&sample());
        assert_eq!(back.villages, ["v1", "v2"]);
        assert_eq!(back.households.len(), 6);
    }

    #[test]
    fn anything_a_book_could_not_have_written_is_refused() {
        let bytes = sample().to_bytes();
        for cut in [0, 7, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                CoverageBook::from_bytes(&bytes[..cut]).is_none(),
                "cut {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(CoverageBook::from_bytes(&longer).is_none(), "trailing byte");
        let mut other = bytes.clone();
        other[7] = b'2';
        assert!(
            CoverageBook::from_bytes(&other).is_none(),
            "another version"
        );
        // Flipping any single byte must never panic; most flips are refused.
        let mut refused = 0;
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x5a;
            if CoverageBook::from_bytes(&bad).is_none() {
                refused += 1;
            }
        }
        assert!(refused > bytes.len() / 2, "{refused} of {}", bytes.len());
    }
}

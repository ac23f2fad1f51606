//! The coverage book: the households of a branch with their registrations and visit chains, kept in
//! flat columns with villages, workers and levels stored once each, so a county of 200,000
//! households and a million visits costs a few allocations per household and none per visit.

mod bytes;

use std::collections::HashMap;
use std::ops::Range;

use chrono::NaiveDate;
use fieldvisit_core::caseload::{Category, CategoryRegistration};

/// One visit as coverage reads it (corrections and unknown categories are never in a book).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookVisit {
    /// Category served.
    pub category: Category,
    /// Local (China Standard Time) date the visit started.
    pub on: NaiveDate,
    /// Index into [`CoverageBook::levels`] of the template's schedule level.
    pub level: Option<u32>,
}

/// One household of a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookHousehold {
    /// Where its id, head of household and ID number lie in the book's text: they start at the
    /// first three offsets and end at the next.
    text: [u32; 4],
    /// Index into [`CoverageBook::villages`].
    pub village: u32,
    /// Index into [`CoverageBook::workers`] of the worker whose caseload it is on.
    pub worker: Option<u32>,
    /// Its registrations in [`CoverageBook::registrations`].
    pub registrations: Range<usize>,
    /// Its visits in [`CoverageBook::visits`], in start order (categories interleaved).
    pub visits: Range<usize>,
}

/// Households of a branch with everything coverage needs; filled by the store, one household
/// after another, ordered by village id, worker id (households with none first) and household id.
#[derive(Debug, Clone, Default)]
pub struct CoverageBook {
    /// Village ids, each once.
    pub villages: Vec<String>,
    /// Worker ids, each once.
    pub workers: Vec<String>,
    /// Schedule levels, each once.
    pub levels: Vec<String>,
    /// Every household's id, head of household and ID number, one after another.
    text: String,
    /// The households.
    pub households: Vec<BookHousehold>,
    /// Registrations of every household.
    pub registrations: Vec<CategoryRegistration>,
    /// Visits of every household.
    pub visits: Vec<BookVisit>,
    village_index: HashMap<String, u32>,
    worker_index: HashMap<String, u32>,
    /// The last category code read and its category: visits come in runs of one code.
    last_code: Option<(String, Category)>,
}

fn intern(list: &mut Vec<String>, index: &mut HashMap<String, u32>, s: &str) -> u32 {
    // Stores read households village by village: most lookups repeat the last one.
    if let Some(last) = list.last()
        && last == s
    {
        return (list.len() - 1) as u32;
    }
    if let Some(&i) = index.get(s) {
        return i;
    }
    let i = list.len() as u32;
    list.push(s.to_owned());
    index.insert(s.to_owned(), i);
    i
}

impl CoverageBook {
    /// Starts the next household; registrations and visits added after belong to it.
    pub fn begin_household(
        &mut self,
        id: &str,
        head_name: &str,
        id_number: &str,
        village_id: &str,
        worker_id: Option<&str>,
    ) {
        let village = intern(&mut self.villages, &mut self.village_index, village_id);
        let worker = worker_id.map(|w| intern(&mut self.workers, &mut self.worker_index, w));
        let (r, v) = (self.registrations.len(), self.visits.len());
        let mut text = [0u32; 4];
        text[0] = self.text.len() as u32;
        for (i, s) in [id, head_name, id_number].into_iter().enumerate() {
            self.text.push_str(s);
            text[i + 1] = self.text.len() as u32;
        }
        self.households.push(BookHousehold {
            text,
            village,
            worker,
            registrations: r..r,
            visits: v..v,
        });
    }

    /// Adds a registration to the current household.
    pub fn add_registration(&mut self, reg: CategoryRegistration) {
        if let Some(h) = self.households.last_mut() {
            self.registrations.push(reg);
            h.registrations.end = self.registrations.len();
        }
    }

    /// Adds the current household's next visit (in start order). A visit under a code that is
    /// not a category counts nowhere and is left out.
    pub fn add_visit(&mut self, category_code: &str, on: NaiveDate, level: Option<&str>) {
        self.add_visit_bytes(category_code.as_bytes(), on, level.map(str::as_bytes));
    }

    /// [`Self::add_visit`] with the code and level as bytes, as stores read them (a county has a
    /// million visits; the few distinct codes and levels are compared, not decoded).
    pub fn add_visit_bytes(&mut self, category_code: &[u8], on: NaiveDate, level: Option<&[u8]>) {
        let category = match &self.last_code {
            Some((code, c)) if code.as_bytes() == category_code => *c,
            _ => match std::str::from_utf8(category_code)
                .ok()
                .and_then(|code| Some((code, Category::from_code(code)?)))
            {
                Some((code, c)) => {
                    self.last_code = Some((code.to_owned(), c));
                    c
                }
                None => return,
            },
        };
        let level = match level {
            None => None,
            Some(l) => match self.levels.iter().position(|x| x.as_bytes() == l) {
                Some(i) => Some(i as u32),
                // Stores hold levels as text; anything else is not a level.
                None => match std::str::from_utf8(l) {
                    Ok(l) => Some(self.level_number(l)),
                    Err(_) => None,
                },
            },
        };
        if let Some(h) = self.households.last_mut() {
            self.visits.push(BookVisit {
                category,
                on,
                level,
            });
            h.visits.end = self.visits.len();
        }
    }

    /// Adds the households of another book after this one's (stores read large branches in
    /// parts, and keep books of villages between reports).
    pub fn append(&mut self, other: &CoverageBook) {
        self.append_range(other, 0..other.households.len());
    }

    /// Adds the households `range` of another book after this one's, copying their text,
    /// registrations and visits as runs.
    pub fn append_range(&mut self, other: &CoverageBook, range: Range<usize>) {
        let run = &other.households[range];
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return;
        };
        // Only the villages, workers and levels the run uses are taken over.
        const UNSEEN: u32 = u32::MAX;
        let mut villages = vec![UNSEEN; other.villages.len()];
        let mut workers = vec![UNSEEN; other.workers.len()];
        let mut levels = vec![UNSEEN; other.levels.len()];
        for h in run {
            let v = &mut villages[h.village as usize];
            if *v == UNSEEN {
                *v = intern(
                    &mut self.villages,
                    &mut self.village_index,
                    &other.villages[h.village as usize],
                );
            }
            if let Some(w) = h.worker {
                let slot = &mut workers[w as usize];
                if *slot == UNSEEN {
                    *slot = intern(
                        &mut self.workers,
                        &mut self.worker_index,
                        &other.workers[w as usize],
                    );
                }
            }
        }
        for v in &other.visits[first.visits.start..last.visits.end] {
            if let Some(l) = v.level
                && levels[l as usize] == UNSEEN
            {
                levels[l as usize] = self.level_number(&other.levels[l as usize]);
            }
        }
        // A book's households lie one after another in its text, registrations and visits.
        let (t_from, t_to) = (first.text[0], last.text[3]);
        let (r_from, v_from) = (first.registrations.start, first.visits.start);
        let (t0, r0, v0) = (
            self.text.len() as u32,
            self.registrations.len(),
            self.visits.len(),
        );
        self.text
            .push_str(&other.text[t_from as usize..t_to as usize]);
        self.registrations
            .extend_from_slice(&other.registrations[r_from..last.registrations.end]);
        self.visits.extend(
            other.visits[v_from..last.visits.end]
                .iter()
                .map(|v| BookVisit {
                    level: v.level.map(|l| levels[l as usize]),
                    ..*v
                }),
        );
        self.households.extend(run.iter().map(|h| BookHousehold {
            text: h.text.map(|o| t0 + o - t_from),
            village: villages[h.village as usize],
            worker: h.worker.map(|w| workers[w as usize]),
            registrations: r0 + h.registrations.start - r_from..r0 + h.registrations.end - r_from,
            visits: v0 + h.visits.start - v_from..v0 + h.visits.end - v_from,
        }));
    }

    /// Adds one household of another book after this one's (kept books are brought up to date
    /// household by household).
    pub fn push_household(&mut self, from: &CoverageBook, h: &BookHousehold) {
        self.begin_household(
            from.id(h),
            from.head_name(h),
            from.id_number(h),
            from.village(h),
            from.worker(h),
        );
        let r0 = self.registrations.len();
        self.registrations
            .extend_from_slice(from.registrations_of(h));
        let v0 = self.visits.len();
        for v in from.visits_of(h) {
            let level = v.level.map(|l| self.level_number(from.level(l)));
            self.visits.push(BookVisit { level, ..*v });
        }
        if let Some(last) = self.households.last_mut() {
            last.registrations = r0..self.registrations.len();
            last.visits = v0..self.visits.len();
        }
    }

    /// Makes room for as many households, registrations, visits and text as `like` holds.
    pub fn reserve_like(&mut self, like: &CoverageBook) {
        self.households.reserve(like.households.len());
        self.registrations.reserve(like.registrations.len());
        self.visits.reserve(like.visits.len());
        self.text.reserve(like.text.len());
    }

    /// A book of `parts` one after another, sized once.
    pub fn joined<'a>(parts: impl Iterator<Item = &'a CoverageBook> + Clone) -> CoverageBook {
        let mut book = CoverageBook::default();
        let (mut h, mut r, mut v, mut t) = (0, 0, 0, 0);
        for p in parts.clone() {
            h += p.households.len();
            r += p.registrations.len();
            v += p.visits.len();
            t += p.text.len();
        }
        book.households.reserve_exact(h);
        book.registrations.reserve_exact(r);
        book.visits.reserve_exact(v);
        book.text.reserve_exact(t);
        for p in parts {
            book.append(p);
        }
        book
    }

    fn level_number(&mut self, level: &str) -> u32 {
        match self.levels.iter().position(|x| x == level) {
            Some(i) => i as u32,
            None => {
                self.levels.push(level.to_owned());
                (self.levels.len() - 1) as u32
            }
        }
    }

    fn text_of(&self, h: &BookHousehold, i: usize) -> &str {
        &self.text[h.text[i] as usize..h.text[i + 1] as usize]
    }

    /// A household's id.
    pub fn id<'b>(&'b self, h: &BookHousehold) -> &'b str {
        self.text_of(h, 0)
    }

    /// A household's head (personal data: for the overdue list of the branch's supervisors).
    pub fn head_name<'b>(&'b self, h: &BookHousehold) -> &'b str {
        self.text_of(h, 1)
    }

    /// A household's ID number, unmasked (mask before showing it).
    pub fn id_number<'b>(&'b self, h: &BookHousehold) -> &'b str {
        self.text_of(h, 2)
    }

    /// A household's village id.
    pub fn village(&self, h: &BookHousehold) -> &str {
        &self.villages[h.village as usize]
    }

    /// A household's worker id.
    pub fn worker(&self, h: &BookHousehold) -> Option<&str> {
        h.worker.map(|w| self.workers[w as usize].as_str())
    }

    /// A household's registrations.
    pub fn registrations_of(&self, h: &BookHousehold) -> &[CategoryRegistration] {
        &self.registrations[h.registrations.clone()]
    }

    /// A household's visits, in start order.
    pub fn visits_of(&self, h: &BookHousehold) -> &[BookVisit] {
        &self.visits[h.visits.clone()]
    }

    /// Everything the book says of each household, one line each, in its order (for tests
    /// that compare books).
    #[cfg(test)]
    pub(crate) fn contents(&self) -> Vec<String> {
        self.households
            .iter()
            .map(|h| {
                let visits: Vec<_> = self
                    .visits_of(h)
                    .iter()
                    .map(|v| (v.category, v.on, v.level.map(|l| self.level(l))))
                    .collect();
                format!(
                    "{} {} {} {} {:?} {:?} {visits:?}",
                    self.id(h),
                    self.head_name(h),
                    self.id_number(h),
                    self.village(h),
                    self.worker(h),
                    self.registrations_of(h),
                )
            })
            .collect()
    }

    /// A level's name.
    pub fn level(&self, i: u32) -> &str {
        &self.levels[i as usize]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn households_own_their_ranges_and_names_are_stored_once() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut b = CoverageBook::default();
        b.begin_household("h1", "甲", "1", "v1", Some("w"));
        b.add_registration(CategoryRegistration {
            category: Category::Tekun,
            since: d(1, 1),
        });
        b.add_visit("tekun", d(2, 1), Some("HIGH"));
        b.add_visit("no-such-category", d(2, 2), None);
        b.add_visit("dibao", d(2, 3), Some("HIGH"));
        b.begin_household("h0", "乙", "2", "v1", None);
        b.add_visit("tekun", d(3, 1), None);
        assert_eq!(b.villages, ["v1"]);
        assert_eq!(b.levels, ["HIGH"]);
        let h1 = &b.households[0];
        assert_eq!(b.registrations_of(h1).len(), 1);
        let v = b.visits_of(h1);
        assert_eq!(v.len(), 2, "the unknown category is left out");
        assert_eq!((v[1].category, v[1].level), (Category::Dibao, Some(0)));
        assert_eq!(b.worker(h1), Some("w"));
        let h0 = &b.households[1];
        assert!(b.registrations_of(h0).is_empty());
        assert_eq!(b.visits_of(h0)[0].on, d(3, 1));
        assert_eq!(b.worker(h0), None);

        let mut other = CoverageBook::default();
        other.begin_household("h9", "丙", "3", "v2", Some("w"));
        other.add_visit("tekun", d(4, 1), Some("LOW"));
        other.add_visit("tekun", d(5, 1), Some("HIGH"));
        b.append(&other);
        let h9 = &b.households[2];
        assert_eq!((b.village(h9), b.worker(h9)), ("v2", Some("w")));
        assert_eq!(
            (b.id(h9), b.head_name(h9), b.id_number(h9)),
            ("h9", "丙", "3")
        );
        let h1 = &b.households[0];
        assert_eq!(
            (b.id(h1), b.head_name(h1), b.id_number(h1)),
            ("h1", "甲", "1")
        );
        assert_eq!(b.workers, ["w"]);
        let levels: Vec<&str> = b
            .visits_of(h9)
            .iter()
            .map(|v| b.level(v.level.unwrap()))
            .collect();
        assert_eq!(levels, ["LOW", "HIGH"]);
        assert_eq!(b.visits_of(&b.households[0]).len(), 2);
    }

    #[test]
    fn a_range_of_households_copies_as_they_were() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut b = CoverageBook::default();
        for (i, level) in ["LOW", "HIGH", "MEDIUM", "HIGH"].into_iter().enumerate() {
            b.begin_household(&format!("h{i}"), &format!("户{i}"), "1", "v", Some("w"));
            b.add_registration(CategoryRegistration {
                category: Category::Dibao,
                since: d(1, i as u32 + 1),
            });
            b.add_visit("dibao", d(2, i as u32 + 1), Some(level));
        }
        let mut out = CoverageBook::default();
        out.begin_household("x", "先", "", "v0", None);
        out.add_visit("tekun", d(3, 1), Some("MEDIUM"));
        out.append_range(&b, 1..3);
        out.push_household(&b, &b.households[0]);
        out.append_range(&b, 4..4);
        let seen: Vec<_> = out
            .households
            .iter()
            .map(|h| {
                let v = out.visits_of(h);
                (
                    out.id(h),
                    out.head_name(h),
                    out.village(h),
                    out.registrations_of(h)
                        .iter()
                        .map(|r| r.since)
                        .collect::<Vec<_>>(),
                    v.iter()
                        .map(|v| (v.on, out.level(v.level.unwrap())))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("x", "先", "v0", vec![], vec![(d(3, 1), "MEDIUM")]),
                ("h1", "户1", "v", vec![d(1, 2)], vec![(d(2, 2), "HIGH")]),
                ("h2", "户2", "v", vec![d(1, 3)], vec![(d(2, 3), "MEDIUM")]),
                ("h0", "户0", "v", vec![d(1, 1)], vec![(d(2, 1), "LOW")]),
            ]
        );
    }
}

//! `households.visit_chains`: a household's visits as coverage reads them, kept beside the household
//! at ingest so that coverage reads one row per household instead of one per visit. Entries are
//! `SECONDS,CATEGORY` or `SECONDS,CATEGORY,LEVEL` (Unix seconds of the start), joined by `;`, in
//! start order; corrections are not entered. Category codes and levels are safe ids, so they never
//! hold a separator.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::backend;
use crate::ids::is_safe_id;
use crate::store::{CoverageBook, StoreError, StoreResult};

/// Days from 0001-01-01 (= 1) to 1970-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;
/// China Standard Time, UTC+8, in seconds.
const CST_OFFSET_S: i64 = 8 * 3600;

/// The local (UTC+8) date of Unix seconds, without building a timestamp.
pub(super) fn local_day_of(secs: i64) -> Option<NaiveDate> {
    let day = (secs + CST_OFFSET_S).div_euclid(86_400) + UNIX_EPOCH_DAY;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()?)
}

fn entry_seconds(entry: &str) -> Option<i64> {
    entry.split(',').next()?.parse().ok()
}

/// `chains` with one more visit entered in start order (after any that started in the same second).
pub(super) fn with_visit(
    chains: &str,
    started_at: DateTime<Utc>,
    category: &str,
    level: Option<&str>,
) -> StoreResult<String> {
    if !is_safe_id(category) || level.is_some_and(|l| !is_safe_id(l)) {
        return Err(StoreError::Backend(
            "visit chain: category or level is not a safe id".into(),
        ));
    }
    let secs = started_at.timestamp();
    let entry = match level {
        Some(l) => format!("{secs},{category},{l}"),
        None => format!("{secs},{category}"),
    };
    if chains.is_empty() {
        return Ok(entry);
    }
    // Visits nearly always arrive in order: look from the end for entries that start later.
    let mut cut = chains.len();
    let mut rest = chains;
    while !rest.is_empty() {
        let start = rest.rfind(';').map_or(0, |i| i + 1);
        match entry_seconds(&rest[start..]) {
            Some(s) if s > secs => {
                cut = start;
                rest = &rest[..start.saturating_sub(1)];
            }
            _ => break,
        }
    }
    Ok(if cut == chains.len() {
        format!("{chains};{entry}")
    } else {
        format!("{}{entry};{}", &chains[..cut], &chains[cut..])
    })
}

/// Enters a stored visit into its household's chain (inside the ingest transaction).
pub(super) fn enter(
    tx: &Connection,
    household_id: &str,
    started_at: DateTime<Utc>,
    category: &str,
    level: Option<&str>,
) -> StoreResult<()> {
    let chains: Option<String> = tx
        .prepare_cached("SELECT visit_chains FROM households WHERE id = ?1")
        .and_then(|mut st| st.query_row([household_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    let chains = chains.ok_or(StoreError::NotFound("household"))?;
    let updated = with_visit(&chains, started_at, category, level)?;
    tx.prepare_cached("UPDATE households SET visit_chains = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![household_id, updated]))
        .map_err(backend)?;
    Ok(())
}

/// Adds the visits of a chain to the book's current household. A county holds a million entries,
/// so this walks the bytes once instead of splitting strings.
pub(super) fn read_into(book: &mut CoverageBook, chains: &[u8]) -> rusqlite::Result<()> {
    let bad = || super::bad_column("visit_chains");
    let n = chains.len();
    let mut i = 0;
    while i < n {
        let negative = chains[i] == b'-';
        if negative {
            i += 1;
        }
        let digits = i;
        let mut secs: i64 = 0;
        while i < n && chains[i].is_ascii_digit() {
            secs = secs
                .checked_mul(10)
                .and_then(|x| x.checked_add(i64::from(chains[i] - b'0')))
                .ok_or_else(bad)?;
            i += 1;
        }
        if i == digits || chains.get(i) != Some(&b',') {
            return Err(bad());
        }
        i += 1;
        let code = i;
        while i < n && chains[i] != b',' && chains[i] != b';' {
            i += 1;
        }
        let code = &chains[code..i];
        let level = if chains.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while i < n && chains[i] != b';' {
                i += 1;
            }
            Some(&chains[start..i])
        } else {
            None
        };
        i += 1;
        let on = local_day_of(if negative { -secs } else { secs }).ok_or_else(bad)?;
        book.add_visit_bytes(code, on, level);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn visits_are_entered_in_start_order_whatever_order_they_arrive_in() {
        let mut c = String::new();
        for (secs, cat, level) in [
            (300, "tekun", None),
            (500, "dibao", Some("STABLE")),
            (100, "tekun", Some("HIGH")),
            (400, "tekun", None),
            (500, "tekun", None),
        ] {
            c = with_visit(&c, at(secs), cat, level).unwrap();
        }
        assert_eq!(
            c,
            "100,tekun,HIGH;300,tekun;400,tekun;500,dibao,STABLE;500,tekun"
        );
        let mut book = CoverageBook::default();
        book.begin_household("h", "", "", "v", None);
        read_into(&mut book, c.as_bytes()).unwrap();
        let v = book.visits_of(&book.households[0]);
        assert_eq!(v.len(), 5);
        assert_eq!(book.level(v[0].level.unwrap()), "HIGH");
        assert_eq!(book.level(v[3].level.unwrap()), "STABLE");
    }

    #[test]
    fn a_separator_in_a_level_is_refused_and_bad_text_is_an_error() {
        assert!(with_visit("", at(1), "tekun", Some("A;B")).is_err());
        assert!(with_visit("", at(1), "te,kun", None).is_err());
        let mut book = CoverageBook::default();
        book.begin_household("h", "", "", "v", None);
        for bad in [
            "12",
            "x,tekun",
            ",tekun",
            "99999999999999999999,tekun",
            "-,tekun",
        ] {
            assert!(read_into(&mut book, bad.as_bytes()).is_err(), "{bad}");
        }
        read_into(&mut book, b"-86400,tekun;0,dibao,LOW").unwrap();
        let v = book.visits_of(&book.households[0]);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].on, NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());
    }

    #[test]
    fn the_migration_builds_the_chains_ingest_keeps() {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut c).unwrap();
        // Only the columns the chains read are filled in.
        c.pragma_update(None, "foreign_keys", "OFF").unwrap();
        c.execute_batch(
            "INSERT INTO households (id, village_id, record_json) VALUES ('h', 'v', '{}'),
                 ('e', 'v', '{}');",
        )
        .unwrap();
        let visits = [
            (1_795_000_000, 123_456, "tekun", None, false),
            (1_794_000_000, 999_999, "dibao", Some("STABLE"), false),
            (1_796_000_000, 0, "tekun", Some("HIGH"), true),
            (1_795_000_000, 500_000, "tekun", Some("HIGH"), false),
        ];
        let mut expected = String::new();
        for (i, (secs, micros, cat, level, amends)) in visits.into_iter().enumerate() {
            let t = Utc.timestamp_opt(secs, micros * 1000).unwrap();
            c.execute(
                "INSERT INTO visits (visit_id, device_id, worker_id, household_id, body_hash,
                     chain_seq, chain_prev, chain_status, envelope_json, body_json, category,
                     template_id, started_at, ended_at, level, received_at, amends)
                 VALUES (?1, 'd', 'w', 'h', '', ?2, '', 'ok', '', '', ?3, 't', ?4, ?4, ?5, ?4, ?6)",
                params![format!("x{i}"), i, cat, super::super::ts(t), level, amends],
            )
            .unwrap();
            if !amends {
                expected = with_visit(&expected, t, cat, level).unwrap();
            }
        }
        let migration = super::super::MIGRATIONS[4];
        let rebuild =
            &migration[migration.find("UPDATE").unwrap()..migration.find("DROP").unwrap()];
        c.execute_batch(rebuild).unwrap();
        let chains = |id: &str| -> String {
            c.query_row(
                "SELECT visit_chains FROM households WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(chains("h"), expected);
        assert_eq!(
            expected,
            "1794000000,dibao,STABLE;1795000000,tekun;1795000000,tekun,HIGH"
        );
        assert_eq!(chains("e"), "");
    }

    #[test]
    fn the_local_day_matches_the_store_formula() {
        for secs in [0, 57_599, 57_600, 1_795_000_000, -1] {
            assert_eq!(
                local_day_of(secs),
                Some(crate::store::local_date(at(secs))),
                "{secs}"
            );
        }
    }
}

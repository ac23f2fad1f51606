//! The clear copies of the due-date inputs (schema version 5): each household's categories with
//! their registration dates, and the level of the last sealed visit per household and category.
//! They are written next to the encrypted rows they copy, and filled once from those rows when an
//! older file is upgraded.

use chrono::NaiveDate;
use rusqlite::{Row, Transaction, params};

use super::visits::LastVisitSummary;
use super::{Encrypted, RowCipher, StoreError};
use crate::caseload::{Category, CategoryRegistration, Household};

/// Replaces the clear category rows of one household.
pub(crate) fn put_categories(tx: &Transaction<'_>, h: &Household) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM household_categories WHERE household_id = ?1")?
        .execute([&h.id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO household_categories (household_id, category, since) VALUES (?1, ?2, ?3)",
    )?;
    for reg in &h.categories {
        insert.execute(params![h.id, reg.category.code(), reg.since.to_string()])?;
    }
    Ok(())
}

/// A text column read in place, without copying it out of the row.
pub(crate) fn text<'r>(row: &'r Row<'_>, column: usize) -> Result<&'r str, StoreError> {
    row.get_ref(column)?
        .as_str()
        .map_err(|_| StoreError::Corrupt("a text column holds something else"))
}

/// Parses one clear category row.
pub(crate) fn registration(
    category: &str,
    since: &str,
) -> Result<CategoryRegistration, StoreError> {
    Ok(CategoryRegistration {
        category: Category::from_code(category).ok_or(StoreError::Corrupt("unknown category"))?,
        since: since
            .parse::<NaiveDate>()
            .map_err(|_| StoreError::Corrupt("bad registration date"))?,
    })
}

/// Fills the clear columns from the encrypted households and last-visit summaries of a file
/// written before version 5.
pub(crate) fn backfill(tx: &Transaction<'_>, cipher: &RowCipher) -> Result<(), StoreError> {
    let households: Vec<(String, Vec<u8>)> = tx
        .prepare("SELECT id, data FROM households")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, data) in households {
        let h: Household =
            cipher.open_json("households", "data", &id, &Encrypted::from_db(data))?;
        put_categories(tx, &h)?;
    }
    let summaries: Vec<(String, String, Vec<u8>)> = tx
        .prepare("SELECT household_id, category, summary FROM last_visit")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (household, category, summary) in summaries {
        let key = format!("{household}|{category}");
        let s: LastVisitSummary =
            cipher.open_json("last_visit", "summary", &key, &Encrypted::from_db(summary))?;
        tx.execute(
            "UPDATE last_visit SET level = ?3 WHERE household_id = ?1 AND category = ?2",
            params![household, category, s.level],
        )?;
    }
    Ok(())
}

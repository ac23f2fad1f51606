//! Households on the phone, each encrypted as one JSON document.

use rusqlite::{Connection, Transaction, params};

use super::{Encrypted, RowCipher, Store, StoreError, due_columns};
use crate::caseload::{CategoryRegistration, Household};

impl Store {
    /// Adds or replaces households (from an assignments pull).
    pub fn put_households(&self, households: &[Household]) -> Result<(), StoreError> {
        self.write(|tx, cipher| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO households (id, data) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            )?;
            for h in households {
                let data = cipher.seal_json("households", "data", &h.id, h)?;
                stmt.execute(params![h.id, data.as_bytes()])?;
                due_columns::put_categories(tx, h)?;
            }
            Ok(())
        })
    }

    /// Removes households that left the caseload, with their unsealed drafts.
    pub fn remove_households(&self, ids: &[String]) -> Result<(), StoreError> {
        self.write(|tx, _| {
            for id in ids {
                tx.execute("DELETE FROM photos WHERE visit_id IN (SELECT id FROM visits WHERE household_id = ?1 AND state = 'draft')", [id])?;
                tx.execute("DELETE FROM visits WHERE household_id = ?1 AND state = 'draft'", [id])?;
                tx.execute("DELETE FROM household_categories WHERE household_id = ?1", [id])?;
                tx.execute("DELETE FROM households WHERE id = ?1", [id])?;
            }
            Ok(())
        })
    }

    /// One household.
    pub fn household(&self, id: &str) -> Result<Option<Household>, StoreError> {
        household_on(&self.conn(), self.cipher(), id)
    }

    /// One household, read inside the caller's transaction.
    pub(crate) fn household_tx(
        tx: &Transaction<'_>,
        cipher: &RowCipher,
        id: &str,
    ) -> Result<Option<Household>, StoreError> {
        household_on(tx, cipher, id)
    }

    /// Every household's categories with their registration dates, by household id and in each
    /// household's own order, from the clear columns: listing the caseload decrypts nothing.
    pub fn registrations(&self) -> Result<Vec<(String, CategoryRegistration)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT household_id, category, since FROM household_categories ORDER BY household_id, rowid",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let reg =
                due_columns::registration(due_columns::text(row, 1)?, due_columns::text(row, 2)?)?;
            out.push((row.get(0)?, reg));
        }
        Ok(out)
    }

    /// Every household, decrypted.
    pub fn households(&self) -> Result<Vec<Household>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, data FROM households ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, data) = row?;
            out.push(self.cipher().open_json(
                "households",
                "data",
                &id,
                &Encrypted::from_db(data),
            )?);
        }
        Ok(out)
    }
}

fn household_on(
    conn: &Connection,
    cipher: &RowCipher,
    id: &str,
) -> Result<Option<Household>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT data FROM households WHERE id = ?1")?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => {
            let data = Encrypted::from_db(row.get(0)?);
            Ok(Some(cipher.open_json("households", "data", id, &data)?))
        }
        None => Ok(None),
    }
}

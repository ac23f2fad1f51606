//! Numbered migrations. `upgrade` brings a file from any earlier version to [`SCHEMA_VERSION`] inside
//! the caller's transaction.

use rusqlite::Transaction;

use super::{RowCipher, StoreError, due_columns};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 5;

/// Migration `n` takes the schema from version `n - 1` to `n`.
pub(crate) const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 1: keys and settings, households, templates, visits (drafts and sealed) with encrypted bodies.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
     CREATE TABLE households (id TEXT PRIMARY KEY, data BLOB NOT NULL);
     CREATE TABLE templates (id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
                             PRIMARY KEY (id, version));
     CREATE TABLE visits (id TEXT PRIMARY KEY, household_id TEXT NOT NULL, template_id TEXT NOT NULL,
                          template_version INTEGER NOT NULL, category TEXT NOT NULL, state TEXT NOT NULL,
                          started_at TEXT NOT NULL, updated_at TEXT NOT NULL, data BLOB NOT NULL);
     CREATE INDEX visits_by_household ON visits (household_id, category, state);",
    // 2: photos taken in the app, encrypted, attached to a visit.
    "CREATE TABLE photos (id TEXT PRIMARY KEY, visit_id TEXT NOT NULL REFERENCES visits (id),
                          item TEXT NOT NULL, captured_at TEXT NOT NULL, data BLOB NOT NULL);
     CREATE INDEX photos_by_visit ON photos (visit_id);",
    // 3: sealed envelopes in the device hash chain, the last visit per household and category for
    //    scheduling, and the upload outbox.
    "CREATE TABLE sealed (visit_id TEXT PRIMARY KEY REFERENCES visits (id), seq INTEGER NOT NULL UNIQUE,
                          hash BLOB NOT NULL, sealed_at TEXT NOT NULL, envelope BLOB NOT NULL);
     CREATE TABLE sealed_photos (photo_id TEXT PRIMARY KEY, visit_id TEXT NOT NULL REFERENCES sealed (visit_id),
                                 ciphertext BLOB NOT NULL);
     CREATE TABLE last_visit (household_id TEXT NOT NULL, category TEXT NOT NULL, sealed_on TEXT NOT NULL,
                              summary BLOB NOT NULL, PRIMARY KEY (household_id, category));
     CREATE TABLE outbox (visit_id TEXT PRIMARY KEY REFERENCES sealed (visit_id), state TEXT NOT NULL,
                          receipt TEXT, attempts INTEGER NOT NULL DEFAULT 0);",
    // 4: assessments returned by reviewers arrive as tasks; the outbox remembers a permanent refusal
    //    and whether the visit's content was purged after its receipt; photos keep a thumbnail.
    "CREATE TABLE tasks (visit_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, returned_at TEXT NOT NULL,
                         data BLOB NOT NULL, state TEXT NOT NULL DEFAULT 'open');
     ALTER TABLE outbox ADD COLUMN error TEXT;
     ALTER TABLE outbox ADD COLUMN purged INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE photos ADD COLUMN thumb BLOB;",
    // 5: the inputs of the due dates in clear columns, so the caseload list decrypts nothing: each
    //    household's categories with their registration dates, and the level of the last visit.
    //    Categories and visit dates were already clear (visits, last_visit); the level is also in
    //    the clear, signed part of the envelope. Names, ID numbers, addresses and answers stay
    //    encrypted. Rows written before this version are copied over by `due_columns::backfill`.
    "CREATE TABLE household_categories (household_id TEXT NOT NULL, category TEXT NOT NULL,
                                        since TEXT NOT NULL);
     CREATE INDEX household_categories_by_household ON household_categories (household_id);
     ALTER TABLE last_visit ADD COLUMN level TEXT;",
];

/// Applies every migration after `from`, then records the new version. Steps that need the
/// decrypted rows (SQL alone cannot read them) run here, after the SQL.
pub(crate) fn upgrade(
    tx: &Transaction<'_>,
    from: i64,
    cipher: &RowCipher,
) -> Result<(), StoreError> {
    upgrade_to(tx, from, SCHEMA_VERSION)?;
    if (1..5).contains(&from) {
        due_columns::backfill(tx, cipher)?;
    }
    Ok(())
}

/// Applies migrations `from+1 ..= to` (tests use this to build every earlier schema).
pub(crate) fn upgrade_to(tx: &Transaction<'_>, from: i64, to: u32) -> Result<(), StoreError> {
    let start = usize::try_from(from.max(0)).unwrap_or(0);
    for sql in MIGRATIONS.iter().take(to as usize).skip(start) {
        tx.execute_batch(sql)?;
    }
    if i64::from(to) > from {
        tx.pragma_update(None, "user_version", to)?;
    }
    Ok(())
}

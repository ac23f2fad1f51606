//! Numbered schema migrations, tracked in `PRAGMA user_version`; each runs in its own transaction.

use rusqlite::Connection;

use super::backend;
use crate::store::{StoreError, StoreResult};

/// Migration `i` (1-based) moves the schema from version `i - 1` to `i`.
pub const MIGRATIONS: &[&str] = &[
    // 1: org tree, staff, sessions, households, devices, visits, photos, audit log.
    r#"
CREATE TABLE org_units (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES org_units(id),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE
);
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_unit_id TEXT NOT NULL REFERENCES org_units(id),
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE households (
    id TEXT PRIMARY KEY,
    village_id TEXT NOT NULL REFERENCES org_units(id),
    worker_id TEXT REFERENCES staff(id),
    record_json TEXT NOT NULL
);
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES staff(id),
    created_by TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES staff(id),
    public_key BLOB NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE visits (
    visit_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    worker_id TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    body_hash TEXT NOT NULL,
    chain_seq INTEGER NOT NULL,
    chain_prev TEXT NOT NULL,
    chain_status TEXT NOT NULL,
    envelope_json TEXT NOT NULL,
    body_json TEXT NOT NULL,
    category TEXT NOT NULL,
    template_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    level TEXT,
    reported_to_police_at TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX visits_device_seq ON visits(device_id, chain_seq);
CREATE INDEX visits_household ON visits(household_id);
CREATE TABLE photos (
    visit_id TEXT NOT NULL REFERENCES visits(visit_id),
    photo_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (visit_id, photo_id)
);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"#,
    // 2: change sequence for assignments since-tokens, caseload removals, returned assessments,
    // audience keys (private key sealed under a passphrase).
    r#"
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT INTO change_counter (id, seq) VALUES (1, 0);
ALTER TABLE households ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX households_worker_seq ON households(worker_id, seq);
CREATE TABLE household_removals (
    seq INTEGER NOT NULL,
    household_id TEXT NOT NULL,
    worker_id TEXT NOT NULL
);
CREATE INDEX household_removals_worker ON household_removals(worker_id, seq);
CREATE TABLE returned_assessments (
    seq INTEGER NOT NULL,
    visit_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    returned_at TEXT NOT NULL
);
CREATE INDEX returned_assessments_worker ON returned_assessments(worker_id, seq);
CREATE TABLE audience_keys (
    audience TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    public_key BLOB NOT NULL,
    kdf_m INTEGER NOT NULL,
    kdf_t INTEGER NOT NULL,
    kdf_p INTEGER NOT NULL,
    salt BLOB NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (audience, unit_id)
);
"#,
    // 3: review workflow of guardianship assessments; reviews for visits stored before it.
    r#"
CREATE TABLE reviews (
    visit_id TEXT PRIMARY KEY REFERENCES visits(visit_id),
    household_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    level TEXT,
    urgent INTEGER NOT NULL,
    state TEXT NOT NULL,
    escalation TEXT,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reviewer_id TEXT
);
CREATE INDEX reviews_state ON reviews(state);
CREATE TABLE review_events (
    id INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES reviews(visit_id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    escalation TEXT
);
CREATE INDEX review_events_visit ON review_events(visit_id);
CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
    BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;
CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
    BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;
INSERT INTO reviews (visit_id, household_id, worker_id, level, urgent, state, submitted_at, updated_at)
    SELECT visit_id, household_id, worker_id, level, reported_to_police_at IS NOT NULL,
        CASE WHEN reported_to_police_at IS NULL THEN 'submitted' ELSE 'urgent' END,
        received_at, received_at
    FROM visits WHERE template_id = 'child-guardianship';
"#,
    // 4: report columns filled at write time (coverage and evidence read no JSON), county schedules.
    // `started_on` is the local (UTC+8) start date as days from 0001-01-01 (= 1, chrono's
    // `num_days_from_ce`); julianday of that midnight is 1721425.5. `flags`: 1 the phone said far,
    // 2 mock location, 4 a photo outside the visit window (said or seen). Households carry their
    // registrations as `code:YYYY-MM-DD` joined by commas.
    r#"
ALTER TABLE visits ADD COLUMN started_on INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN amends INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN fix_lat REAL;
ALTER TABLE visits ADD COLUMN fix_lon REAL;
ALTER TABLE visits ADD COLUMN fix_accuracy_m REAL;
ALTER TABLE visits ADD COLUMN fix_mock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN fix_age_s INTEGER;
ALTER TABLE visits ADD COLUMN distance_m REAL;
ALTER TABLE visits ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN photo_count INTEGER NOT NULL DEFAULT 0;
UPDATE visits SET
    started_on = CAST(julianday(started_at, '+8 hours') - 1721424.5 AS INTEGER),
    amends = json_extract(body_json, '$.amends') IS NOT NULL,
    fix_lat = json_extract(body_json, '$.gps.point.lat'),
    fix_lon = json_extract(body_json, '$.gps.point.lon'),
    fix_accuracy_m = json_extract(body_json, '$.gps.accuracy_m'),
    fix_mock = coalesce(json_extract(body_json, '$.gps.mock'), 0),
    fix_age_s = CAST(round((julianday(started_at)
        - julianday(json_extract(body_json, '$.gps.fix_time'))) * 86400) AS INTEGER),
    distance_m = json_extract(body_json, '$.distance_m'),
    flags = (CASE WHEN EXISTS (SELECT 1 FROM json_each(body_json, '$.evidence')
                  WHERE value = 'far_from_home') THEN 1 ELSE 0 END)
          | (CASE WHEN EXISTS (SELECT 1 FROM json_each(body_json, '$.evidence')
                  WHERE value = 'mock_location') THEN 2 ELSE 0 END)
          | (CASE WHEN EXISTS (SELECT 1 FROM json_each(body_json, '$.evidence')
                  WHERE value = 'photo_outside_window')
               OR EXISTS (SELECT 1 FROM json_each(body_json, '$.photos') p
                  WHERE julianday(json_extract(p.value, '$.captured_at')) < julianday(started_at)
                     OR julianday(json_extract(p.value, '$.captured_at')) > julianday(ended_at))
               THEN 4 ELSE 0 END),
    photo_count = coalesce(json_array_length(body_json, '$.photos'), 0);
CREATE INDEX visits_coverage ON visits(household_id, category, started_at, started_on, level)
    WHERE amends = 0;
CREATE INDEX visits_started_on ON visits(started_on);
ALTER TABLE households ADD COLUMN categories TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN head_name TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN lat REAL;
ALTER TABLE households ADD COLUMN lon REAL;
UPDATE households SET
    categories = coalesce((SELECT group_concat(json_extract(c.value, '$.category') || ':'
        || json_extract(c.value, '$.since'), ',') FROM json_each(record_json, '$.categories') c), ''),
    head_name = json_extract(record_json, '$.head_name'),
    id_number = json_extract(record_json, '$.id_number'),
    lat = json_extract(record_json, '$.location.lat'),
    lon = json_extract(record_json, '$.location.lon');
CREATE INDEX households_village ON households(village_id);
CREATE TABLE county_schedules (
    unit_id TEXT PRIMARY KEY REFERENCES org_units(id),
    schedule_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"#,
    // 5: each household carries its visit chain (until migration 14), and one index holds all
    // that coverage reads of a household, by village: coverage reads a row per household, not one
    // per visit, and the per-visit coverage index is no longer kept up at every ingest.
    r#"
ALTER TABLE households ADD COLUMN visit_chains TEXT NOT NULL DEFAULT '';
UPDATE households SET visit_chains = coalesce((
    SELECT group_concat(unixepoch(v.started_at) || ',' || v.category
        || coalesce(',' || v.level, ''), ';' ORDER BY v.started_at)
    FROM visits v WHERE v.household_id = households.id AND v.amends = 0), '');
DROP INDEX households_village;
DROP INDEX visits_coverage;
CREATE INDEX households_coverage ON households(village_id, worker_id, id, head_name, id_number,
    categories, visit_chains);
"#,
    // 6: evidence and the briefing read a period's visits from one covering index, ordered by day
    // (it replaces the bare day index), and each visit's household home from another, so a month
    // of a county touches no visit or household row.
    r#"
DROP INDEX visits_started_on;
CREATE INDEX visits_period ON visits(started_on, household_id, worker_id, visit_id, category,
    level, started_at, ended_at, chain_status, fix_lat, fix_lon, fix_accuracy_m, fix_mock,
    fix_age_s, distance_m, flags, photo_count) WHERE amends = 0;
CREATE INDEX households_home ON households(id, village_id, lat, lon);
"#,
    // 7: a revision per village, bumped by every change to one of its household rows (from any
    // connection), so coverage can keep village books in memory and know when one is stale.
    r#"
CREATE TABLE village_revs (
    village_id TEXT PRIMARY KEY,
    rev INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER households_rev_insert AFTER INSERT ON households BEGIN
    INSERT INTO village_revs (village_id, rev) VALUES (NEW.village_id, 1)
        ON CONFLICT (village_id) DO UPDATE SET rev = rev + 1;
END;
CREATE TRIGGER households_rev_update AFTER UPDATE ON households BEGIN
    INSERT INTO village_revs (village_id, rev) VALUES (NEW.village_id, 1)
        ON CONFLICT (village_id) DO UPDATE SET rev = rev + 1;
    INSERT INTO village_revs (village_id, rev) SELECT OLD.village_id, 1
        WHERE OLD.village_id IS NOT NEW.village_id
        ON CONFLICT (village_id) DO UPDATE SET rev = rev + 1;
END;
CREATE TRIGGER households_rev_delete AFTER DELETE ON households BEGIN
    INSERT INTO village_revs (village_id, rev) VALUES (OLD.village_id, 1)
        ON CONFLICT (village_id) DO UPDATE SET rev = rev + 1;
END;
"#,
    // 8: a log of changed households in place of village revisions, so coverage reads again only
    // the households that changed since its last report, not whole villages. Only the columns
    // coverage reads count; a household that moves is logged under both villages. The log is cut
    // back as it grows (`reports::prune_changes`).
    r#"
DROP TRIGGER households_rev_insert;
DROP TRIGGER households_rev_update;
DROP TRIGGER households_rev_delete;
DROP TABLE village_revs;
CREATE TABLE household_changes (
    seq INTEGER PRIMARY KEY,
    household_id TEXT NOT NULL,
    village_id TEXT NOT NULL
);
CREATE TRIGGER households_change_insert AFTER INSERT ON households BEGIN
    INSERT INTO household_changes (household_id, village_id) VALUES (NEW.id, NEW.village_id);
END;
CREATE TRIGGER households_change_update AFTER UPDATE OF id, village_id, worker_id, head_name,
    id_number, categories, visit_chains ON households BEGIN
    INSERT INTO household_changes (household_id, village_id) VALUES (NEW.id, NEW.village_id);
    INSERT INTO household_changes (household_id, village_id) SELECT OLD.id, OLD.village_id
        WHERE OLD.village_id IS NOT NEW.village_id OR OLD.id IS NOT NEW.id;
END;
CREATE TRIGGER households_change_delete AFTER DELETE ON households BEGIN
    INSERT INTO household_changes (household_id, village_id) VALUES (OLD.id, OLD.village_id);
END;
"#,
    // 9: the village books coverage kept when the server last stopped, with the change log entry
    // they had seen, so the next start reads them back and catches up instead of reading every
    // household (`coverage_snapshot.rs`).
    r#"
CREATE TABLE coverage_snapshot (
    village_id TEXT PRIMARY KEY,
    seen INTEGER NOT NULL,
    book BLOB NOT NULL
);
"#,
    // 10: the snapshot's log entry moves to a row of its own, so that writing it down while
    // serving rewrites only the books that changed. A snapshot of version 9 is carried over.
    r#"
CREATE TABLE coverage_snapshot_mark (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    seen INTEGER NOT NULL
);
INSERT INTO coverage_snapshot_mark (only, seen)
    SELECT 1, min(seen) FROM coverage_snapshot HAVING count(*) > 0 AND min(seen) = max(seen);
DELETE FROM coverage_snapshot WHERE NOT EXISTS (SELECT 1 FROM coverage_snapshot_mark);
ALTER TABLE coverage_snapshot DROP COLUMN seen;
"#,
    // 11: the account lifecycle: an admin disables an account, or sets a password its owner must
    // change at the next sign-in.
    r#"
ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_staff ON sessions (staff_id);
"#,
    // 12: alerts: channels admins configure, the outbox of events (written in the transaction
    // that raises them) and each event's delivery to each channel.
    r#"
CREATE TABLE alert_channels (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL REFERENCES org_units(id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    url_sealed TEXT NOT NULL,
    secret_sealed TEXT,
    events TEXT NOT NULL,
    digest_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    level TEXT,
    due_at TEXT,
    counts TEXT NOT NULL,
    channel_id TEXT,
    raised_at TEXT NOT NULL,
    fanned_out INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_events_waiting ON alert_events (id) WHERE fanned_out = 0;
CREATE TABLE alert_deliveries (
    event_id INTEGER NOT NULL REFERENCES alert_events(id),
    channel_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    PRIMARY KEY (event_id, channel_id)
);
CREATE INDEX alert_deliveries_open ON alert_deliveries (state, next_at)
    WHERE state IN ('pending', 'sending');
CREATE INDEX visits_gaps ON visits (received_at) WHERE chain_status = 'gap';
"#,
    // 13: sessions end after a spell of idleness as well as at their expiry; they remember when
    // they were last used. Sessions of the old schema have no such time: everyone signs in anew.
    // Wrong passphrases for audience keys are counted per account here, not in one process.
    // Failed sign-ins are counted per minute and account, and summarised into the audit log.
    r#"
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN unlock_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN unlock_window_start TEXT;
CREATE TABLE signin_failures (
    minute TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (minute, staff_id)
);
"#,
    // 14: coverage reads the due ledger (`store::dues`): a row per due date of each household's
    // category, kept by the transaction that changes the household, its visits or its county's
    // schedule. It replaces the visit chains on household rows, their change log and the
    // snapshot of village books. [`migrate`] fills it from the visits at version 17.
    r#"
DROP TRIGGER households_change_insert;
DROP TRIGGER households_change_update;
DROP TRIGGER households_change_delete;
DROP TABLE household_changes;
DROP TABLE coverage_snapshot;
DROP TABLE coverage_snapshot_mark;
DROP INDEX households_coverage;
ALTER TABLE households DROP COLUMN visit_chains;
ALTER TABLE households DROP COLUMN categories;
CREATE TABLE dues (
    household_id TEXT NOT NULL,
    category TEXT NOT NULL,
    seq INTEGER NOT NULL,
    due_day INTEGER NOT NULL,
    due_month INTEGER NOT NULL,
    visited_day INTEGER,
    village_id TEXT NOT NULL,
    worker_id TEXT,
    PRIMARY KEY (household_id, category, seq)
) WITHOUT ROWID;
CREATE INDEX dues_by_day ON dues (village_id, due_day, worker_id, category, due_month,
    visited_day, seq);
CREATE INDEX dues_open ON dues (village_id, due_day, worker_id) WHERE visited_day IS NULL;
"#,
    // 15: audience keys a session unlocked live here, sealed under a key only the session's token
    // makes, so every server process serves the reviewer alike; they go with the session.
    r#"
CREATE TABLE key_sessions (
    token_hash TEXT NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (token_hash, audience)
) WITHOUT ROWID;
"#,
    // 16: how much of each photo is stored is recorded here, chunk by chunk, so the photo store
    // need not be listed to know it and uploads of one photo through several server processes
    // take turns. Uploads in flight at the upgrade start again from the first byte.
    r#"
ALTER TABLE photos ADD COLUMN received INTEGER NOT NULL DEFAULT 0;
UPDATE photos SET received = size WHERE complete = 1;
"#,
    // 17: an open due date carries its household's name and masked ID number, so the overdue
    // list of a county is read from one covering index, with no lookup per household. [`migrate`]
    // rewrites the ledger to fill them.
    r#"
ALTER TABLE dues ADD COLUMN head_name TEXT;
ALTER TABLE dues ADD COLUMN id_masked TEXT;
DROP INDEX dues_open;
CREATE INDEX dues_open ON dues (village_id, due_day, worker_id, head_name, id_masked)
    WHERE visited_day IS NULL;
"#,
    // 18: the open-dates index also holds `visited_day` (always null in it), so SQLite sees that
    // it covers the overdue query, which names the column, and reads no table row.
    r#"
DROP INDEX dues_open;
CREATE INDEX dues_open ON dues (village_id, due_day, worker_id, head_name, id_masked, visited_day)
    WHERE visited_day IS NULL;
"#,
    // 19: what a county sets beside its schedule (its low-income standards by year, its
    // evidence thresholds), and every template version the server has issued: the built-in ones
    // (scope `/`) as each server build first issues them, and the versions counties publish for
    // their branch, so a visit is always read with the labels of the version it was answered on.
    r#"
CREATE TABLE county_parameters (
    unit_id TEXT PRIMARY KEY REFERENCES org_units(id),
    parameters_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    template_json TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (id, version, scope_path)
);
"#,
    // 20: audit entries name the client (address and user agent) and are sealed with the audit
    // key kept outside the database; earlier entries keep their plain SHA-256 links.
    r#"
ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN agent TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
"#,
    // 21: audience keys rotate: a branch's key has generations, the highest one not retired being
    // the current one; retired ones stay to open the visits sealed to them. Keys made before
    // are generation 1. SQLite changes a primary key only by building the table anew.
    r#"
CREATE TABLE audience_keys_rotating (
    audience TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    public_key BLOB NOT NULL,
    kdf_m INTEGER NOT NULL,
    kdf_t INTEGER NOT NULL,
    kdf_p INTEGER NOT NULL,
    salt BLOB NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT,
    PRIMARY KEY (audience, unit_id, generation)
);
INSERT INTO audience_keys_rotating (audience, unit_id, generation, scope_path, public_key, kdf_m,
    kdf_t, kdf_p, salt, nonce, ciphertext, created_by, created_at, retired_at)
SELECT audience, unit_id, 1, scope_path, public_key, kdf_m, kdf_t, kdf_p, salt, nonce, ciphertext,
    created_by, created_at, NULL FROM audience_keys;
DROP TABLE audience_keys;
ALTER TABLE audience_keys_rotating RENAME TO audience_keys;
CREATE UNIQUE INDEX audience_keys_current ON audience_keys (audience, unit_id)
    WHERE retired_at IS NULL;
"#,
    // 22: device tokens expire and a phone renews its own with a signature of its device key,
    // each renewal signed later than the last. Tokens issued before this version never expired:
    // they count as expired now, so a token taken from a phone before the upgrade stops working
    // and the phone itself renews by signature.
    r#"
ALTER TABLE devices ADD COLUMN token_expires_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000000Z';
ALTER TABLE devices ADD COLUMN renewal_signed_at INTEGER NOT NULL DEFAULT 0;
"#,
];

/// The version after whose migration the due ledger is built again from the visits, in the same
/// transaction: the last one that changed what a ledger row holds (14 made the ledger).
const LEDGER_REBUILT_AT: usize = 17;

/// Current schema version.
pub fn current_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Brings the schema up to [`current_version`]; refuses a database newer than this build.
pub fn migrate(conn: &mut Connection) -> StoreResult<u32> {
    let found: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    if found > current_version() {
        return Err(StoreError::Backend(format!(
            "database schema {found} is newer than this server ({})",
            current_version()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        if i + 1 == LEDGER_REBUILT_AT {
            super::dues::rewrite(&tx, crate::store::dues::Target::Branch("/"))?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(current_version())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_every_earlier_version_and_is_idempotent() {
        for start in 0..=MIGRATIONS.len() {
            let mut conn = Connection::open_in_memory().unwrap();
            for (i, sql) in MIGRATIONS.iter().enumerate().take(start) {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", (i + 1) as u32)
                    .unwrap();
            }
            assert_eq!(migrate(&mut conn).unwrap(), current_version());
            assert_eq!(migrate(&mut conn).unwrap(), current_version());
        }
    }

    #[test]
    fn tokens_issued_before_they_expired_count_as_expired() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        for (i, sql) in MIGRATIONS.iter().enumerate().take(19) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", (i + 1) as u32)
                .unwrap();
        }
        conn.execute(
            "INSERT INTO devices (id, worker_id, public_key, token_hash, label, enrolled_at)
             VALUES ('d', 'w', x'01', 'h', 'phone', '2026-01-01T00:00:00.000000Z')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let d = super::super::devices::by_token(&conn, "h")
            .unwrap()
            .unwrap();
        assert!(d.token_expires_at < chrono::Utc::now());
        assert_eq!(d.renewal_signed_at, 0);
    }

    #[test]
    fn refuses_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(migrate(&mut conn).is_err());
    }
}

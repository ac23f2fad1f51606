//! Numbered schema migrations, tracked in `schema_version`; each runs in its own transaction under
//! an advisory lock, so several servers starting at once migrate once.
//!
//! The schema mirrors the SQLite one with native types: `TIMESTAMPTZ` for times, `BIGINT` for
//! counters, `BYTEA` for keys, `BOOLEAN` for flags. Hashes stay lower-case hex text, as in SQLite.

use deadpool_postgres::GenericClient;

use super::{backend, query_opt};
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
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff(id),
    csrf_token TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
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
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES staff(id),
    public_key BYTEA NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    enrolled_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE TABLE visits (
    visit_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    worker_id TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    body_hash TEXT NOT NULL,
    chain_seq BIGINT NOT NULL,
    chain_prev TEXT NOT NULL,
    chain_status TEXT NOT NULL,
    envelope_json TEXT NOT NULL,
    body_json TEXT NOT NULL,
    category TEXT NOT NULL,
    template_id TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ NOT NULL,
    level TEXT,
    reported_to_police_at TIMESTAMPTZ,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX visits_device_seq ON visits(device_id, chain_seq);
CREATE INDEX visits_household ON visits(household_id);
CREATE INDEX visits_received ON visits(received_at);
CREATE TABLE photos (
    visit_id TEXT NOT NULL REFERENCES visits(visit_id),
    photo_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    complete BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (visit_id, photo_id)
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- The chain head: appends lock this one row, so two appends cannot share a parent.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE FUNCTION fieldvisit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_ARGV[0];
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION fieldvisit_append_only('audit log');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION fieldvisit_append_only('audit log');
"#,
    // 2: change sequence for assignments since-tokens, caseload removals, returned assessments,
    // audience keys (private key sealed under a passphrase).
    r#"
CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);
INSERT INTO change_counter (id, seq) VALUES (1, 0);
ALTER TABLE households ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX households_worker_seq ON households(worker_id, seq);
CREATE TABLE household_removals (
    seq BIGINT NOT NULL,
    household_id TEXT NOT NULL,
    worker_id TEXT NOT NULL
);
CREATE INDEX household_removals_worker ON household_removals(worker_id, seq);
CREATE TABLE returned_assessments (
    seq BIGINT NOT NULL,
    visit_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    comment TEXT NOT NULL,
    returned_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX returned_assessments_worker ON returned_assessments(worker_id, seq);
CREATE TABLE audience_keys (
    audience TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    kdf_m BIGINT NOT NULL,
    kdf_t BIGINT NOT NULL,
    kdf_p BIGINT NOT NULL,
    salt BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
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
    urgent BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    escalation TEXT,
    submitted_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    reviewer_id TEXT
);
CREATE INDEX reviews_state ON reviews(state);
CREATE TABLE review_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES reviews(visit_id),
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    escalation TEXT
);
CREATE INDEX review_events_visit ON review_events(visit_id);
CREATE TRIGGER review_events_no_change BEFORE UPDATE OR DELETE ON review_events
    FOR EACH ROW EXECUTE FUNCTION fieldvisit_append_only('review history');
INSERT INTO reviews (visit_id, household_id, worker_id, level, urgent, state, submitted_at, updated_at)
    SELECT visit_id, household_id, worker_id, level, reported_to_police_at IS NOT NULL,
        CASE WHEN reported_to_police_at IS NULL THEN 'submitted' ELSE 'urgent' END,
        received_at, received_at
    FROM visits WHERE template_id = 'child-guardianship';
"#,
    // 4: report columns filled at ingest (coverage and evidence read no JSON), county schedules.
    // `flags`: 1 the phone said far, 2 mock location, 4 a photo outside the visit window (said or
    // seen). Rows stored before are filled from their signed bodies.
    r#"
ALTER TABLE visits ADD COLUMN amends BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE visits ADD COLUMN fix_lat DOUBLE PRECISION;
ALTER TABLE visits ADD COLUMN fix_lon DOUBLE PRECISION;
ALTER TABLE visits ADD COLUMN fix_accuracy_m DOUBLE PRECISION;
ALTER TABLE visits ADD COLUMN fix_mock BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE visits ADD COLUMN fix_age_s BIGINT;
ALTER TABLE visits ADD COLUMN distance_m DOUBLE PRECISION;
ALTER TABLE visits ADD COLUMN flags BIGINT NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN photo_count BIGINT NOT NULL DEFAULT 0;
UPDATE visits SET
    amends = coalesce(jsonb_typeof(body_json::jsonb -> 'amends'), 'null') <> 'null',
    fix_lat = (body_json::jsonb #>> '{gps,point,lat}')::double precision,
    fix_lon = (body_json::jsonb #>> '{gps,point,lon}')::double precision,
    fix_accuracy_m = (body_json::jsonb #>> '{gps,accuracy_m}')::double precision,
    fix_mock = coalesce((body_json::jsonb #>> '{gps,mock}')::boolean, FALSE),
    fix_age_s = round(extract(epoch FROM started_at
        - (body_json::jsonb #>> '{gps,fix_time}')::timestamptz))::bigint,
    distance_m = (body_json::jsonb ->> 'distance_m')::double precision,
    flags = (CASE WHEN coalesce(body_json::jsonb -> 'evidence', '[]') ? 'far_from_home'
                THEN 1 ELSE 0 END)
          | (CASE WHEN coalesce(body_json::jsonb -> 'evidence', '[]') ? 'mock_location'
                THEN 2 ELSE 0 END)
          | (CASE WHEN coalesce(body_json::jsonb -> 'evidence', '[]') ? 'photo_outside_window'
                OR EXISTS (SELECT 1 FROM jsonb_array_elements(
                        coalesce(body_json::jsonb -> 'photos', '[]')) p
                    WHERE (p ->> 'captured_at')::timestamptz < started_at
                       OR (p ->> 'captured_at')::timestamptz > ended_at)
                THEN 4 ELSE 0 END),
    photo_count = coalesce(jsonb_array_length(body_json::jsonb -> 'photos'), 0);
CREATE INDEX visits_coverage ON visits(household_id, category, started_at) WHERE NOT amends;
CREATE INDEX visits_started_at ON visits(started_at);
CREATE INDEX households_village ON households(village_id);
CREATE TABLE county_schedules (
    unit_id TEXT PRIMARY KEY REFERENCES org_units(id),
    schedule_json TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
"#,
    // 5: the account lifecycle: an admin disables an account, or sets a password its owner must
    // change at the next sign-in.
    r#"
ALTER TABLE staff ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE staff ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_staff ON sessions (staff_id);
"#,
    // 6: alerts: channels admins configure, the outbox of events (written in the transaction
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
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE alert_events (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    level TEXT,
    due_at TIMESTAMPTZ,
    counts TEXT NOT NULL,
    channel_id TEXT,
    raised_at TIMESTAMPTZ NOT NULL,
    fanned_out BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX alert_events_waiting ON alert_events (id) WHERE NOT fanned_out;
CREATE TABLE alert_deliveries (
    event_id BIGINT NOT NULL REFERENCES alert_events(id),
    channel_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    PRIMARY KEY (event_id, channel_id)
);
CREATE INDEX alert_deliveries_open ON alert_deliveries (state, next_at)
    WHERE state IN ('pending', 'sending');
CREATE INDEX visits_gaps ON visits (received_at) WHERE chain_status = 'gap';
"#,
    // 7: sessions end after a spell of idleness as well as at their expiry; they remember when
    // they were last used. Sessions of the old schema have no such time: everyone signs in anew.
    // Wrong passphrases for audience keys are counted per account here, not in one process.
    // Failed sign-ins are counted per minute and account, and summarised into the audit log.
    r#"
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ NOT NULL;
ALTER TABLE staff ADD COLUMN unlock_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN unlock_window_start TIMESTAMPTZ;
CREATE TABLE signin_failures (
    minute TIMESTAMPTZ NOT NULL,
    staff_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (minute, staff_id)
);
"#,
    // 8: coverage reads the due ledger (`store::dues`): a row per due date of each household's
    // category, kept by the transaction that changes the household, its visits or its county's
    // schedule; overdue lists read names from columns rather than the JSON record. [`migrate`]
    // fills the ledger from the visits at version 11.
    r#"
ALTER TABLE households ADD COLUMN head_name TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
UPDATE households SET head_name = coalesce(record_json::jsonb ->> 'head_name', ''),
    id_number = coalesce(record_json::jsonb ->> 'id_number', '');
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
);
CREATE INDEX dues_by_day ON dues (village_id, due_day)
    INCLUDE (worker_id, category, due_month, visited_day, seq);
CREATE INDEX dues_open ON dues (village_id, due_day)
    INCLUDE (worker_id, household_id, category) WHERE visited_day IS NULL;
"#,
    // 9: audience keys a session unlocked live here, sealed under a key only the session's token
    // makes, so every server process serves the reviewer alike; they go with the session.
    r#"
CREATE TABLE key_sessions (
    token_hash TEXT NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    scope_path TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_hash, audience)
);
CREATE INDEX key_sessions_expires ON key_sessions (expires_at);
"#,
    // 10: how much of each photo is stored is recorded here, chunk by chunk, so the photo store
    // need not be listed to know it and uploads of one photo through several server processes
    // take turns. Uploads in flight at the upgrade start again from the first byte.
    r#"
ALTER TABLE photos ADD COLUMN received BIGINT NOT NULL DEFAULT 0;
UPDATE photos SET received = size WHERE complete;
"#,
    // 11: an open due date carries its household's name and masked ID number, so the overdue
    // list of a county is read from one covering index, with no lookup per household. [`migrate`]
    // rewrites the ledger to fill them.
    r#"
ALTER TABLE dues ADD COLUMN head_name TEXT;
ALTER TABLE dues ADD COLUMN id_masked TEXT;
DROP INDEX dues_open;
CREATE INDEX dues_open ON dues (village_id, due_day)
    INCLUDE (worker_id, household_id, category, head_name, id_masked) WHERE visited_day IS NULL;
"#,
    // 12: a household's registered location in columns, as on SQLite: evidence and the briefing
    // read it for every visit of a period, and parsing the JSON record each time was most of
    // their cost.
    r#"
ALTER TABLE households ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE households ADD COLUMN lon DOUBLE PRECISION;
UPDATE households SET lat = (record_json::jsonb #>> '{location,lat}')::float8,
    lon = (record_json::jsonb #>> '{location,lon}')::float8;
"#,
    // 13: what a county sets beside its schedule (its low-income standards by year, its
    // evidence thresholds), and every template version the server has issued: the built-in ones
    // (scope `/`) as each server build first issues them, and the versions counties publish for
    // their branch, so a visit is always read with the labels of the version it was answered on.
    r#"
CREATE TABLE county_parameters (
    unit_id TEXT PRIMARY KEY REFERENCES org_units(id),
    parameters_json TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE templates (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    scope_path TEXT NOT NULL,
    template_json TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, version, scope_path)
);
"#,
    // 14: audit entries name the client (address and user agent) and are sealed with the audit
    // key kept outside the database; earlier entries keep their plain SHA-256 links.
    r#"
ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN agent TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN keyed BOOLEAN NOT NULL DEFAULT false;
"#,
    // 15: audience keys rotate: a branch's key has generations, the highest one not retired being
    // the current one; retired ones stay to open the visits sealed to them. Keys made before
    // are generation 1.
    r#"
ALTER TABLE audience_keys ADD COLUMN generation BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audience_keys ALTER COLUMN generation DROP DEFAULT;
ALTER TABLE audience_keys ADD COLUMN retired_at TIMESTAMPTZ;
ALTER TABLE audience_keys DROP CONSTRAINT audience_keys_pkey;
ALTER TABLE audience_keys ADD PRIMARY KEY (audience, unit_id, generation);
CREATE UNIQUE INDEX audience_keys_current ON audience_keys (audience, unit_id)
    WHERE retired_at IS NULL;
"#,
    // 16: device tokens expire and a phone renews its own with a signature of its device key,
    // each renewal signed later than the last. Tokens issued before this version never expired:
    // they count as expired now, so a token taken from a phone before the upgrade stops working
    // and the phone itself renews by signature.
    r#"
ALTER TABLE devices ADD COLUMN token_expires_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch';
ALTER TABLE devices ADD COLUMN renewal_signed_at BIGINT NOT NULL DEFAULT 0;
"#,
    // 17: a visit's envelope and clear body are mostly base64 of ciphertext, keys and signatures,
    // which PostgreSQL's built-in compression tries and fails to shrink on every insert (several
    // per cent of an ingest's database time); they are stored as they are, out of line when
    // large. Rows written before keep their storage.
    r#"
ALTER TABLE visits ALTER COLUMN envelope_json SET STORAGE EXTERNAL,
    ALTER COLUMN body_json SET STORAGE EXTERNAL;
"#,
    // 18: coverage reads the due ledger through index-only scans, which are only index-only on
    // pages the visibility map marks all-visible. Each visit rewrites a ledger row and clears
    // its page's mark until the table is vacuumed; at the defaults that waits for a fifth of the
    // table to change, and a county report a few thousand visits later reads the heap for half
    // its rows (about twice as slow). Vacuuming the ledger after every few hundred changes, at
    // full speed (well under a second for a county of 200,000 households), keeps the marks.
    r#"
ALTER TABLE dues SET (
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 500,
    autovacuum_vacuum_cost_delay = 0);
"#,
];

/// The version after whose migration the due ledger is built again from the visits, in the same
/// transaction: the last one that changed what a ledger row holds (8 made the ledger).
const LEDGER_REBUILT_AT: u32 = 11;

/// Current schema version.
pub fn current_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Brings the schema (the first schema on the connection's `search_path`) up to
/// [`current_version`]; refuses a database newer than this build.
pub async fn migrate(client: &mut deadpool_postgres::Client) -> StoreResult<u32> {
    loop {
        let tx = client.transaction().await.map_err(backend)?;
        // Per schema, so separate deployments (or tests) in one database do not wait for each other.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('fieldvisit-migrate:' || current_schema()))",
            &[],
        )
        .await
        .map_err(backend)?;
        // A schema already up to date is only read: a production role without rights to create
        // or alter tables (`docs/deploy.md`) serves once the owner has migrated.
        let exists: bool = query_opt(&tx, "SELECT to_regclass('schema_version') IS NOT NULL", &[])
            .await?
            .ok_or(StoreError::Backend("to_regclass returned no row".into()))?
            .get(0);
        if !exists {
            tx.batch_execute(
                "CREATE TABLE schema_version (
                     id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
                 INSERT INTO schema_version (id, version) VALUES (1, 0);",
            )
            .await
            .map_err(backend)?;
        }
        let found: i32 = query_opt(&tx, "SELECT version FROM schema_version WHERE id = 1", &[])
            .await?
            .ok_or(StoreError::Backend("schema_version has no row".into()))?
            .get(0);
        let found = u32::try_from(found)
            .map_err(|_| StoreError::Backend("negative schema version".into()))?;
        if found > current_version() {
            return Err(StoreError::Backend(format!(
                "database schema {found} is newer than this server ({})",
                current_version()
            )));
        }
        if found == current_version() {
            tx.commit().await.map_err(backend)?;
            return Ok(found);
        }
        tx.batch_execute(MIGRATIONS[found as usize])
            .await
            .map_err(backend)?;
        if found + 1 == LEDGER_REBUILT_AT {
            super::dues::rewrite(&tx, crate::store::dues::Target::Branch("/")).await?;
        }
        let next = i32::try_from(found + 1)
            .map_err(|_| StoreError::Backend("schema version out of range".into()))?;
        tx.execute(
            "UPDATE schema_version SET version = $1 WHERE id = 1",
            &[&next],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
    }
}

/// Applies the first `n` migrations only, for the upgrade test.
#[cfg(test)]
pub(super) async fn apply_first<C: GenericClient>(c: &C, n: usize) -> StoreResult<()> {
    c.batch_execute(
        "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);",
    )
    .await
    .map_err(backend)?;
    for sql in MIGRATIONS.iter().take(n) {
        c.batch_execute(sql).await.map_err(backend)?;
    }
    let n = i32::try_from(n).map_err(|_| StoreError::Backend("too many migrations".into()))?;
    c.execute(
        "INSERT INTO schema_version (id, version) VALUES (1, $1)",
        &[&n],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

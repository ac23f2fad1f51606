#![allow(clippy::unwrap_used)]

use rusqlite::Connection;

use super::schema::{MIGRATIONS, upgrade_to};
use super::*;
use crate::caseload::{Category, CategoryRegistration, Household};
use crate::crypto::StaticKeyProvider;

fn keys() -> StaticKeyProvider {
    StaticKeyProvider::new([9; 32])
}

fn household() -> Household {
    Household {
        id: "hh-1".into(),
        village_id: "v".into(),
        head_name: "测试户".into(),
        id_number: "320115195001011234".into(),
        address: "某村".into(),
        categories: vec![CategoryRegistration {
            category: Category::Dibao,
            since: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }],
        location: None,
        members: vec![],
    }
}

/// Builds a file at schema `version` the way that version of the app left it: tables, canary and a
/// household row.
fn file_at_version(path: &std::path::Path, version: u32) {
    let master = crate::crypto::KeyProvider::master_key(&keys()).unwrap();
    let cipher = RowCipher::new(master.derive("store/rows/v1"));
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    let tx = conn.transaction().unwrap();
    upgrade_to(&tx, 0, version).unwrap();
    let canary = cipher
        .seal("meta", "value", "canary", CANARY_PLAINTEXT)
        .unwrap();
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('canary', ?1)",
        [canary.as_bytes()],
    )
    .unwrap();
    let h = household();
    let data = cipher.seal_json("households", "data", &h.id, &h).unwrap();
    tx.execute(
        "INSERT INTO households (id, data) VALUES (?1, ?2)",
        rusqlite::params![h.id, data.as_bytes()],
    )
    .unwrap();
    tx.commit().unwrap();
}

#[test]
fn upgrades_from_every_earlier_schema() {
    assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
    for version in 1..SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        file_at_version(&path, version);
        let store = Store::open(&path, &keys()).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            i64::from(SCHEMA_VERSION),
            "from {version}"
        );
        assert_eq!(
            store.household("hh-1").unwrap(),
            Some(household()),
            "from {version}"
        );
        assert_eq!(store.sealed_count().unwrap(), 0);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    file_at_version(&path, SCHEMA_VERSION);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    assert!(matches!(
        Store::open(&path, &keys()),
        Err(StoreError::NewerSchema { .. })
    ));
}

#[test]
fn ciphertext_moved_to_another_row_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(&path, &keys()).unwrap();
    let mut other = household();
    other.id = "hh-2".into();
    store.put_households(&[household(), other]).unwrap();
    {
        let conn = store.conn();
        conn.execute("UPDATE households SET data = (SELECT data FROM households WHERE id = 'hh-1') WHERE id = 'hh-2'", [])
            .unwrap();
    }
    assert!(matches!(
        store.household("hh-2"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(store.household("hh-1").unwrap().is_some());
}
